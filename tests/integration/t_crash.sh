# kill -9 of a worker, the committer and the supervisor during an add: after
# each, the job finishes, every document is present exactly once, lint is clean.
. "$(dirname "$0")/lib.sh"

N=3000
make_corpus "$T/src" $N
kbctl init >/dev/null

wait_for_some_docs() {
	i=0
	while [ "$(sqlite3 "$KB/.kb/kb.db" 'select count(*) from documents' 2>/dev/null || echo 0)" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -lt 600 ] || fail "no progress"
		sleep 0.05
	done
}

check_all_present() {
	assert_eq $N "$(doc_count)" "documents after $1"
	assert_eq $N "$(sqlite3 "$KB/.kb/kb.db" 'select count(distinct hash) from documents')" \
	    "distinct contents after $1"
	assert_eq $N "$(ls "$KB/raw" | wc -l)" "raw files after $1"
	assert_eq $N "$(grep -c '](summaries/' "$KB/wiki/index.md")" "index entries after $1"
	lint_clean
}

# 1. A worker killed mid-add: the file it held fails with the reason, is
# replaced, and the rest of the job goes on. Adding again picks it up.
job=$(kbctl add "$T/src" --no-wait --json | jq .job)
wait_for_some_docs 200
w=$(child_pids worker | head -n 1)
[ -n "$w" ] || fail "no worker process found"
kill -9 "$w"
kbctl wait "$job" --json > "$T/w.json" || true
s=$(tail -n 1 "$T/w.json")
assert_eq done "$(echo "$s" | jq -r .state)" "job state after a worker kill"
killed=$(echo "$s" | jq .failed)
[ "$killed" -le 1 ] || fail "$killed files failed after one worker kill"
if [ "$killed" = 1 ]; then
	grep '"status":"failed"' "$T/w.json" | grep -q 'SIGKILL' ||
	    fail "failed file does not name SIGKILL"
fi
kbctl add "$T/src" >/dev/null || true
check_all_present "a worker kill"

# 2. The committer killed mid-add: its batch is rolled back and redone.
kbctl stop; rm -rf "$KB"
kbctl init >/dev/null
job=$(kbctl add "$T/src" --no-wait --json | jq .job)
wait_for_some_docs 300
c=$(child_pids committer)
[ -n "$c" ] || fail "no committer process found"
kill -9 "$c"
kbctl wait "$job" --json > "$T/c.json"
s=$(tail -n 1 "$T/c.json")
assert_eq done "$(echo "$s" | jq -r .state)" "job state after a committer kill"
assert_eq 0 "$(echo "$s" | jq .failed)" "failed after a committer kill"
assert_eq $N "$(echo "$s" | jq .added)" "added after a committer kill"
check_all_present "a committer kill"

# 3. The whole supervisor killed mid-add: the next kbd replays the journal
# and resumes the job without redoing what it had committed.
kbctl stop; rm -rf "$KB"
kbctl init >/dev/null
job=$(kbctl add "$T/src" --no-wait --json | jq .job)
wait_for_some_docs 500
sup=$(kbd_pid)
kill -9 "$sup"
# Its children notice the closed channel and exit.
i=0
while [ -n "$(pgrep -f "kbd -X committer $KB" || true)" ]; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "committer outlived its supervisor"
	sleep 0.05
done
kbctl wait "$job" --json > "$T/s.json"
s=$(tail -n 1 "$T/s.json")
assert_eq done "$(echo "$s" | jq -r .state)" "job state after a supervisor kill"
assert_eq $N "$(echo "$s" | jq .added)" "added after a supervisor kill"
assert_eq 0 "$(echo "$s" | jq .duplicates)" "nothing counted twice"
check_all_present "a supervisor kill"
