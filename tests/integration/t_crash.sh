# kill -9 of a worker, the committer and the supervisor during an add: after
# each, the job finishes, every document is present exactly once, lint is clean.
. "$(dirname "$0")/lib.sh"

N=3000
make_corpus "$T/src" $N
kbctl init >/dev/null

# held_add: an add of the corpus by a new kbd whose committer stops
# itself before its second batch's COMMIT (lib.sh held), so that each
# kill below lands mid-job whatever the machine's speed: waiting for
# some documents and then killing lost the race when the whole add took
# a second (CI's "too late to test"). Sets job and c (the held committer).
held_add() {
	held 2 add "$T/src" --no-wait --json
}

# too_late WHAT: fail unless the kill just made landed mid-job (fewer than
# N-1 documents committed right after it; one file may fail with the
# killed worker); otherwise the test would prove nothing.
too_late() {
	n=$(sqlite3 -cmd '.timeout 10000' "$KB/.kb/kb.db" 'select count(*) from documents')
	[ "$n" -lt $((N - 1)) ] ||
	    fail "too late to test: $n of $N documents were in before the $1"
}

# in_log WHAT PATTERN: kbd.log has a line matching PATTERN (grep -E).
in_log() {
	grep -Eq "$2" "$KB/.kb/kbd.log" ||
	    fail "$1: no line matching '$2' in kbd.log"
}

check_all_present() {
	assert_eq $N "$(doc_count)" "documents after $1"
	assert_eq $N "$(sqlite3 -cmd '.timeout 10000' "$KB/.kb/kb.db" 'select count(distinct hash) from documents')" \
	    "distinct contents after $1"
	assert_eq $N "$(ls "$KB/raw" | wc -l)" "raw files after $1"
	assert_eq $N "$(index_entries)" "index entries after $1"
	lint_clean
}

# 1. A worker killed mid-add: the file it held fails with the reason, is
# replaced, and the rest of the job goes on. Adding again picks it up.
held_add
w=$(child_pids worker | head -n 1)
[ -n "$w" ] || fail "no worker process found"
kill -9 "$w"
too_late "worker kill"
kill -CONT "$c"
kbctl wait "$job" --json > "$T/w.json" || true
in_log "worker kill" "worker $w killed by signal 9"
s=$(tail -n 1 "$T/w.json")
assert_eq done "$(echo "$s" | jq -r .state)" "job state after a worker kill"
killed=$(echo "$s" | jq .failed)
[ "$killed" -le 1 ] || fail "$killed files failed after one worker kill"
# The job's record, not the stream: a batch committed before kbctl wait
# followed the job is not streamed to it (the machine's load decides).
if [ "$killed" = 1 ]; then
	kbctl status "$job" --files --failed | grep -q 'SIGKILL' ||
	    fail "failed file does not name SIGKILL"
fi
kbctl add "$T/src" >/dev/null || true
check_all_present "a worker kill"

# 2. The committer killed mid-add: its batch is rolled back and redone.
kbctl stop; trash "$KB"
kbctl init >/dev/null
held_add
# A summary page a committer left in staging on its way into place
# (batch.c): the next committer removes it when it starts.
echo "# torn" > "$KB/.kb/staging/999999-1.sum"
kill -9 "$c"
too_late "committer kill"
kbctl wait "$job" --json > "$T/c.json"
[ ! -e "$KB/.kb/staging/999999-1.sum" ] ||
    fail "committer kill: a summary left in staging is still there"
in_log "committer kill" "committer $c killed by signal 9"
in_log "committer kill" "committer gone; restarting"
s=$(tail -n 1 "$T/c.json")
assert_eq done "$(echo "$s" | jq -r .state)" "job state after a committer kill"
assert_eq 0 "$(echo "$s" | jq .failed)" "failed after a committer kill"
assert_eq $N "$(echo "$s" | jq .added)" "added after a committer kill"
check_all_present "a committer kill"

# 3. The whole supervisor killed mid-add: the next kbd replays the journal
# and resumes the job without redoing what it had committed.
kbctl stop; trash "$KB"
kbctl init >/dev/null
held_add
sup=$(kbd_pid)
kill -9 "$sup"
too_late "supervisor kill"
# Its children notice the closed channel and exit: the held committer
# once let go (its batch commits or not; the next kbd replays either).
# Wait for that very committer (it holds the KB's lock), not for a
# pattern that may match nothing; one that never exits fails the hang
# guard.
kill -CONT "$c"
wait_gone "the committer of a killed supervisor" "$c"
kbctl wait "$job" --json > "$T/s.json"
in_log "supervisor kill" "kbd $sup started"
in_log "supervisor kill" "job $job: resuming after file"
[ "$(grep -c 'kbd [0-9]* started' "$KB/.kb/kbd.log")" -ge 2 ] ||
    fail "supervisor kill: no second kbd started in kbd.log"
s=$(tail -n 1 "$T/s.json")
assert_eq done "$(echo "$s" | jq -r .state)" "job state after a supervisor kill"
assert_eq $N "$(echo "$s" | jq .added)" "added after a supervisor kill"
assert_eq 0 "$(echo "$s" | jq .duplicates)" "nothing counted twice"
check_all_present "a supervisor kill"
