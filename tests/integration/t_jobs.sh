# Job control: jobs, cancel, Ctrl-C on add, --exit-on-error.
. "$(dirname "$0")/lib.sh"

# More files than the window holds (WINDOW_HEAVY_MAX, 4096): a cancel
# stops a walk that has not ended.
N=6000
make_corpus "$T/src" $N
kbctl init >/dev/null

# cancel: files not started are cancelled, the job ends "cancelled", and
# every file is accounted for exactly once.
# The first committer stops itself before its second batch's COMMIT
# (KBD_FAILPOINT): a batch is committed, the window holds files not yet
# started, and the walk waits for room, however fast the machine (a
# cancel sent once some files were committed could come after a
# one-second add had ended). The cancel reaches kbd, then the committer
# goes on.
held 2 add "$T/src" --no-wait --json
kbctl cancel "$job" --json > "$T/cancel.json" &
cancel=$!
wait_until "the cancel reaches kbd" grep -q "job $job: cancelled by a client" "$KB/.kb/kbd.log"
kill -CONT "$c"
wait "$cancel" || fail "kbctl cancel failed"
assert_eq "$job" "$(jq .job "$T/cancel.json")" "cancel answers for the job"
kbctl wait "$job" --json > "$T/c.json" || true
s=$(tail -n 1 "$T/c.json")
assert_eq cancelled "$(echo "$s" | jq -r .state)" "state after cancel"
# The walk stopped: fewer files than the tree has were reported at all
# (how many of those were still unstarted, and so cancelled rather than
# committed, depends on the workers' pace).
n=$(echo "$s" | jq '.added + .duplicates + .skipped + .failed + .cancelled')
[ "$n" -lt $N ] || fail "cancel did not stop the walk ($n of $N reported)"
[ "$(echo "$s" | jq .added)" -lt $N ] || fail "cancel came too late to test"
assert_eq "$(echo "$s" | jq .added)" "$(doc_count)" "documents equal the added count"
lint_clean
assert_eq cancelled "$(kbctl jobs --json | jq -r '.[0].state')" "jobs lists the cancelled job first"
assert_eq "$job" "$(kbctl jobs | head -n 1 | cut -f1)" "jobs text output"

# Ctrl-C on a following add: kbctl dies by SIGINT (status 130) after the
# partial summary; the job ends cancelled and the KB is consistent.
kbctl stop
trash "$KB"
kbctl init >/dev/null
set +e
(
	# One worker: the job lasts long enough that the signal, sent once
	# 100 files are done, finds it running however loaded the machine.
	"$KBCTL" -C "$KB" add "$T/src" --jobs 1 --json > "$T/int.json" \
	    2> "$T/int.err" &
	p=$!
	i=0
	while [ "$(cat "$T/int.json" 2>/dev/null | grep -c '"status"')" -lt 100 ]; do
		i=$((i + 1)); [ $i -lt 600 ] || break
		sleep 0.02
	done
	kill -INT $p
	wait $p
)
st=$?
set -e
assert_eq 130 "$st" "kbctl exit status after Ctrl-C"
s=$(tail -n 1 "$T/int.json")
assert_eq summary "$(echo "$s" | jq -r .event)" "partial summary printed"
assert_eq cancelled "$(echo "$s" | jq -r .state)" "job cancelled by Ctrl-C"
grep -q cancelling "$T/int.err" || fail "no notice of cancelling on stderr"
assert_eq "$(echo "$s" | jq .added)" "$(doc_count)" "committed files after Ctrl-C"
lint_clean

# --exit-on-error: a bad file among good ones cancels the rest. The bad
# one (a broken symlink) fails in the walk, and the workers are stopped
# until kbd has the cancel, so the good files cannot all finish first.
mkdir -p "$T/bad"
ln -s "$T/nowhere" "$T/bad/000-bad.txt"
for i in $(seq 1 400); do printf 'good %d\n' "$i" > "$T/bad/good$i.txt"; done
cancels=$(grep -c 'cancelled by a client' "$KB/.kb/kbd.log" || true)
w=$(child_pids worker | tr '\n' ' ')
[ -n "$w" ] || fail "no workers to stop"
kill -STOP $w
set +e
kbctl add "$T/bad" --exit-on-error --json > "$T/eoe.json" &
p=$!
i=0
while [ "$(grep -c 'cancelled by a client' "$KB/.kb/kbd.log")" -le "$cancels" ]; do
	i=$((i + 1))
	[ $i -lt 1200 ] || { kill -CONT $w; fail "--exit-on-error sent no cancel"; }
	sleep 0.05
done
kill -CONT $w
wait $p
st=$?
set -e
assert_eq 1 "$st" "exit status with --exit-on-error"
s=$(tail -n 1 "$T/eoe.json")
assert_eq 1 "$(echo "$s" | jq .failed)" "one failure"
[ "$(echo "$s" | jq .cancelled)" -gt 0 ] || fail "--exit-on-error cancelled nothing"
grep -q 'cancelled before start' "$T/eoe.json" || fail "no 'cancelled before start' reason"
lint_clean

# wait --timeout: a job that outlasts it is left running, exit 1 with the
# reason; a finished job is summarized at once from its record.
w=$(child_pids worker | tr '\n' ' ')
[ -n "$w" ] || fail "no workers to stop"
job=$(kbctl add "$T/src" --no-wait --json | jq .job)
kill -STOP $w
set +e
kbctl wait "$job" --timeout 1 > "$T/wt.out" 2> "$T/wt.err"
st=$?
set -e
kill -CONT $w
assert_eq 1 "$st" "wait --timeout exit status"
assert_contains "$(cat "$T/wt.err")" "job $job still running after 1 s" \
    "wait --timeout message"
assert_eq running "$(kbctl status "$job" --json | jq -r .state)" \
    "the job goes on after wait gives up"
kbctl wait "$job" --json > /dev/null || true
assert_eq done "$(kbctl wait "$job" --timeout 5 --json | tail -n 1 | jq -r .state)" \
    "wait on a finished job"
lint_clean
