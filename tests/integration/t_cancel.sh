# A cancel survives kbd's death: the job's row records it, so a job
# cancelled before kbd is killed is not resumed in full at the next start.
# Also: a cancelled queued job stays cancelled, a job not cancelled still
# resumes, a KB of schema 1 is migrated, and a cancel stops committing
# what has not reached the committer.
. "$(dirname "$0")/lib.sh"

N=2000
make_corpus "$T/src" $N
kbctl init >/dev/null

db() {
	# A reader may meet the restarted committer's recovery: wait for it.
	sqlite3 -cmd ".timeout 10000" "$KB/.kb/kb.db" "$1"
}

# kill -9 of the supervisor and all its children at once, stopped workers
# included, and wait until every one is gone.
kill_kbd() {
	pids="$(kbd_pid) $(child_pids committer) $(child_pids worker)"
	kill -9 $pids
	for p in $pids; do
		i=0
		while alive "$p"; do
			i=$((i + 1)); [ $i -lt 600 ] || fail "pid $p survived kill -9"
			sleep 0.05
		done
	done
}

stop_workers() {
	w=$(child_pids worker | tr '\n' ' ')
	[ -n "$w" ] || fail "no workers to stop"
	kill -STOP $w
}

# 1. A running job is cancelled while a file is in flight, so it cannot
# end, and kbd is then killed. The job's inputs are 200 files, then a
# file whose conversion hangs (the workers' self-test, test builds only),
# then the corpus: the cursor stops at 200 and cannot pass the hanging
# file. After the restart the job ends "cancelled" at once: its 200 files
# stay, nothing more is added.
kbctl stop
KBD_WORKER_SELFTEST=hang "$KBD" -C "$KB" --timeout 600
mkdir -p "$T/first"
for i in $(seq 1 200); do printf 'first %d\n' "$i" > "$T/first/f$i.txt"; done
printf 'kbd-sandbox-selftest\nhangs in the converter\n' > "$T/hang.txt"
job=$(kbctl add "$T/first" "$T/hang.txt" "$T/src" --no-wait --json | jq .job)
i=0
until [ "$(kbctl status "$job" --json | jq .added)" = 200 ] &&
    [ -e "$KB/.kb/staging/$job-201.raw" ]; do
	i=$((i + 1)); [ $i -lt 3000 ] || fail "job $job never reached the hanging file"
	sleep 0.01
done
# The hanging worker spins: stop it, and the others, which would
# otherwise go on converting files the window holds.
stop_workers
# kbctl cancel returns once the cancel is durable in the job's row.
assert_eq "job $job: cancelling" "$(kbctl cancel "$job")" "cancel of a running job"
assert_eq 1 "$(db "select cancel_requested > 0 from jobs where id = $job")" \
    "cancel recorded in the job's row"
assert_eq running "$(kbctl status "$job" --json | jq -r .state)" \
    "the file in flight holds the job"
kill_kbd
row=$(db "select added || ' ' || cancelled || ' ' || cursor from jobs where id = $job")
assert_eq "200 0 200" "$row" "the job's row when kbd was killed"
assert_eq 200 "$(db 'select count(*) from documents')" "documents when kbd was killed"
# Any kbctl command starts kbd again (without the self-test); the job ends
# without walking.
kbctl wait "$job" --json > "$T/w1.json" || true
s=$(tail -n 1 "$T/w1.json")
assert_eq cancelled "$(echo "$s" | jq -r .state)" "state after the restart"
assert_eq 200 "$(echo "$s" | jq .added)" "added after the restart"
assert_eq 200 "$(doc_count)" "documents equal the added count"
assert_eq "$row" "$(db "select added || ' ' || cancelled || ' ' || cursor from jobs where id = $job")" \
    "the job's counts and cursor are those committed before the kill"
grep -q "job $job: cancelled before kbd stopped" "$KB/.kb/kbd.log" ||
    fail "no log line for the recorded cancel"
if grep -q "job $job: resuming" "$KB/.kb/kbd.log"; then
	fail "the cancelled job was resumed"
fi
lint_clean

# The files it never got to are added by adding them again.
kbctl add "$T/src" --json > "$T/again.json" || fail "adding again failed"
assert_eq $((N + 200)) "$(doc_count)" "every file after adding again"
lint_clean

# 2. A queued job cancelled behind a running one that is not: after the
# kill, the running job resumes and ends "done", the queued one ends
# "cancelled" without walking anything.
kbctl stop
trash "$KB"
kbctl init >/dev/null
make_corpus "$T/src2" 300
mkdir -p "$T/src3"
for i in $(seq 1 50); do printf 'queued %d\n' "$i" > "$T/src3/q$i.txt"; done
stop_workers
j2=$(kbctl add "$T/src2" --no-wait --json | jq .job)
j3=$(kbctl add "$T/src3" --no-wait --json | jq .job)
assert_eq queued "$(kbctl status "$j3" --json | jq -r .state)" "second job queued"
kbctl cancel "$j3" > /dev/null
assert_eq "1 0" "$(db "select (select cancel_requested > 0 from jobs where id = $j3) || ' ' || (select cancel_requested from jobs where id = $j2)")" \
    "only the queued job's cancel is recorded"
kill_kbd
kbctl wait "$j2" --json > "$T/w2.json" || true
assert_eq done "$(tail -n 1 "$T/w2.json" | jq -r .state)" "the running job resumed"
assert_eq 300 "$(tail -n 1 "$T/w2.json" | jq .added)" "the resumed job added every file"
kbctl wait "$j3" --json > "$T/w3.json" || true
s=$(tail -n 1 "$T/w3.json")
assert_eq cancelled "$(echo "$s" | jq -r .state)" "the queued job stays cancelled"
assert_eq 0 "$(echo "$s" | jq '.added + .duplicates + .skipped + .failed + .cancelled')" \
    "the cancelled queued job walked nothing"
assert_eq 300 "$(doc_count)" "documents of the resumed job only"
lint_clean

# 3. A KB of schema 1 (before the jobs table had cancel_requested, and
# before schema 3's sources) is migrated when kbd opens it, one step at
# a time; its jobs and documents are kept, its sources made from them.
kbctl stop
db 'drop index documents_conv; drop index documents_link; alter table jobs drop column cancel_requested; alter table jobs drop column updated; alter table jobs drop column moved; alter table jobs drop column removed; drop table sources; drop table roots; drop table job_files; alter table jobs drop column history; alter table documents drop column description_by; alter table documents drop column converter; alter table documents drop column conv_version; drop table links; drop view concept_terms_all; drop table concept_terms_new; drop table concept_terms; drop table concepts; alter table documents drop column lang; drop table concepts_pending; update meta set value = 1 where key = "schema"'
assert_eq 300 "$(doc_count)" "documents after the migration"
assert_eq "$SCHEMA" "$(db "select value from meta where key = 'schema'")" "schema version after migration"
assert_eq 0 "$(db 'select count(*) from roots where watched')" "no root watched after the migration"
assert_eq 0 "$(db 'select cancel_requested from jobs where id = 1')" "old jobs not cancelled"
for i in $(seq 1 $((SCHEMA - 1))); do
	grep -q "schema $i migrated to $((i + 1))" "$KB/.kb/kbd.log" ||
	    fail "no log line for the migration to $((i + 1))"
done
assert_eq 300 "$(db 'select count(*) from sources s join documents d on d.id = s.doc and d.src_path = s.path')" \
    "sources made from the documents"
assert_eq done "$(kbctl status "$j2" --json | jq -r .state)" "old job kept"
assert_eq none "$(kbctl status "$j2" --files --json | jq -r .history)" \
    "an old job has no per-file history"
lint_clean

# 4. A cancel stops committing what has not reached the committer (issue
# 17): files converted and waiting in commit order behind a file still
# with a worker are cancelled "before commit" and their staging files go,
# so what is committed after the cancel is at most the batches at the
# committer (two at most, BATCH_MAX files each: none here) and the files
# the workers hold; the bound below allows one batch. The job's first file
# hangs in its converter (the workers' self-test) until the watchdog fails
# it, so every other file converted meanwhile waits behind it, none
# batched. Three
# workers are left to convert the others, more than a batch of them; the
# job's files all fit in the window (4,096: a cancel counts only the
# files walked). Under ASan on a loaded machine, 800 files took one
# worker more than 10 s, so the watchdog's bound is 120 s. The wait below
# ends when enough are converted, not after a fixed time, and fails only
# if the hanging file left its worker first, which is what would make the
# bound below meaningless.
kbctl stop
trash "$KB"
kbctl init >/dev/null
kbctl stop
JOBS=4
M=4000
B=2048
KBD_WORKER_SELFTEST=hang "$KBD" -C "$KB" --jobs $JOBS --timeout 120
mkdir -p "$T/src4"
for i in $(seq 1 $M); do printf 'behind %d\n' "$i" > "$T/src4/b$i.txt"; done
job=$(kbctl add "$T/hang.txt" "$T/src4" --no-wait --json | jq .job)
i=0
until [ -e "$KB/.kb/staging/$job-1.raw" ]; do
	i=$((i + 1)); [ $i -lt 600 ] || fail "job $job never gave the hanging file to a worker"
	sleep 0.05
done
until [ "$(find "$KB/.kb/staging" -name "$job-*.md" | wc -l)" -ge 3000 ]; do
	[ -e "$KB/.kb/staging/$job-1.raw" ] ||
	    fail "job $job converted too few files behind the hanging one before it timed out"
	sleep 0.05
done
[ -e "$KB/.kb/staging/$job-1.raw" ] || fail "the hanging file is not in flight"
before=$(kbctl status "$job" --json | jq .added)
converted=$(find "$KB/.kb/staging" -name "$job-*.md" | wc -l)
kbctl wait "$job" --json > "$T/w4.json" 2>&1 &
wp=$!
assert_eq "job $job: cancelling" "$(kbctl cancel "$job")" "cancel behind a hanging file"
# The watchdog's bound is long; the hanging worker (the one holding the
# file's staging copy open) is killed as the watchdog would kill it.
hung=
for w in $(child_pids worker); do
	ls -l "/proc/$w/fd" 2>/dev/null | grep -q "staging/$job-1\.raw" && hung=$w
done
[ -n "$hung" ] || fail "no worker holds the hanging file"
kill -KILL "$hung"
set +e
wait $wp
set -e
s=$(tail -n 1 "$T/w4.json")
assert_eq cancelled "$(echo "$s" | jq -r .state)" "state of the job cancelled behind a hanging file"
after=$(echo "$s" | jq .added)
[ $((after - before)) -le $((B + JOBS)) ] ||
	fail "$((after - before)) files committed after the cancel (at most a batch and $JOBS workers' files; $converted were converted)"
assert_eq $((M + 1)) "$(echo "$s" | jq '.added + .duplicates + .skipped + .failed + .cancelled')" \
    "every file of the job counted once"
n=$(jq -r 'select(.reason == "cancelled before commit") | .path' "$T/w4.json" | wc -l)
[ "$n" -ge $((converted - B - JOBS)) ] ||
	fail "$n files cancelled before commit of $converted converted"
assert_eq 0 "$(find "$KB/.kb/staging" -name "$job-*" | wc -l)" \
    "staging files of the cancelled job left behind"
assert_eq "$after" "$(doc_count)" "documents equal the added count"
lint_clean
