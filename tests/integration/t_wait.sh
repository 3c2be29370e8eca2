# kbctl wait outlives kbd: when the kbd it follows stops or dies, it
# connects again (starting kbd itself), polls while kbd cannot be
# reached, and ends with the job's summary; --timeout still applies.
. "$(dirname "$0")/lib.sh"

N=1000
make_corpus "$T/src" $N
kbctl init >/dev/null

# A kbd that will not start until $T/go exists: kbd is down, for the
# waiter, until the test says so.
cat > "$T/kbd-later" <<SH
#!/bin/sh
[ -e "$T/go" ] || exit 1
exec "$KBD" "\$@"
SH
chmod +x "$T/kbd-later"

# stop_workers: the running kbd's workers stopped (pids in $w), so a job
# added now stays running, its first files in flight, whatever the
# machine's pace.
stop_workers() {
	i=0
	while [ -z "$(child_pids worker)" ]; do
		i=$((i + 1)); [ $i -lt 3000 ] || fail "kbd started no workers"
		sleep 0.01
	done
	w=$(child_pids worker | tr '\n' ' ')
	kill -STOP $w
}

# following PID: wait until PID, a kbctl add or wait, follows its job. It
# catches SIGINT only from the start of its follow loop, once its request
# has been sent: from then on a lost connection is the follow loop's.
following() {
	i=0
	while :; do
		m=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null) ||
		    true
		[ -n "$m" ] || fail "kbctl $1 exited before following"
		[ $((0x$m & 2)) -eq 0 ] || return 0
		i=$((i + 1)); [ $i -lt 3000 ] || fail "kbctl $1 never followed"
		sleep 0.01
	done
}

# start_wait KBD JOB FILE [ARGS...]: kbctl wait JOB --json ARGS in the
# background (pid in $wp) with $KBD as given, writing FILE and FILE.err;
# returns once it follows the job.
start_wait() {
	kbd=$1 job=$2 out=$3
	shift 3
	KBD=$kbd "$KBCTL" -C "$KB" wait "$job" --json "$@" > "$out" \
	    2> "$out.err" &
	wp=$!
	following $wp
}

# stop_kbd: kbd stops by SIGTERM (as a service manager stops it) while
# the workers are stopped; not by kbctl stop, whose followers exit instead
# of reconnecting (t_papercuts). Once kbd is shutting down (its clients
# dropped, its workers sent SIGTERM), they go on, to take the signal, so
# kbd exits at once.
stop_kbd() {
	downs=$(grep -c 'shutting down' "$KB/.kb/kbd.log" || true)
	kp=$(kbd_pid)
	kill -TERM "$kp"
	i=0
	while [ "$(grep -c 'shutting down' "$KB/.kb/kbd.log")" -le "$downs" ]; do
		i=$((i + 1)); [ $i -lt 3000 ] || { kill -CONT $w; fail "kbd did not stop"; }
		sleep 0.01
	done
	kill -CONT $w
	i=0
	while alive "$kp"; do
		i=$((i + 1)); [ $i -lt 3000 ] || fail "kbd $kp did not exit"
		sleep 0.01
	done
}

# every_line_json FILE: each line parses as one JSON value.
every_line_json() {
	n=$(wc -l < "$1")
	jq -c . < "$1" > "$1.values" || fail "$1: not JSON"
	m=$(wc -l < "$1.values")
	assert_eq "$n" "$m" "JSON values in $1"
}

# 1. kbd stops under the waiter and cannot be started for a while: the
# waiter keeps trying, starts kbd itself once it can, follows the
# resumed job and ends with its summary; no file is listed twice.
stop_workers
job=$(kbctl add "$T/src" --jobs 2 --no-wait --json | jq .job)
start_wait "$T/kbd-later" "$job" "$T/w1.json"
old=$(kbd_pid)
stop_kbd
i=0
until grep -q "lost connection to kbd" "$T/w1.json.err"; do
	i=$((i + 1)); [ $i -lt 1000 ] || fail "waiter did not notice kbd stop"
	sleep 0.01
done
alive "$wp" || fail "waiter exited while kbd was down: $(cat "$T/w1.json.err")"
touch "$T/go"
set +e
wait $wp
st=$?
set -e
assert_eq 0 "$st" "wait exit status across a kbd restart ($(cat "$T/w1.json.err"))"
new=$(kbd_pid)
[ "$new" != "$old" ] || fail "kbd was not restarted"
assert_contains "$(cat "$T/w1.json.err")" \
    "lost connection to kbd; following job $job again" "reconnect notice"
every_line_json "$T/w1.json"
s=$(tail -n 1 "$T/w1.json")
assert_eq summary "$(echo "$s" | jq -r .event)" "last line is the summary"
assert_eq done "$(echo "$s" | jq -r .state)" "job done after resume"
assert_eq $N "$(echo "$s" | jq '.added + .duplicates')" "every file counted"
dups=$(jq -r 'select(.path) | .path' "$T/w1.json" | sort | uniq -d | head -n 3)
assert_eq "" "$dups" "files listed twice"
n=$(jq -r 'select(.path) | .path' "$T/w1.json" | wc -l)
[ "$n" -ge 1 ] && [ "$n" -le $N ] || fail "$n file lines for $N files"
assert_eq $N "$(doc_count)" "documents after resume"
grep -q "resum" "$KB/.kb/kbd.log" || fail "kbd.log says nothing of a resume"
lint_clean

# 2. --timeout while kbd is down: the waiter gives up (exit 1, the usual
# message) and the job goes on once kbd is back.
make_corpus "$T/src2" $N
# Not the first job's contents again: those would all be duplicates.
find "$T/src2" -type f -exec sh -c 'for f; do echo second >> "$f"; done' sh {} +
stop_workers
job=$(kbctl add "$T/src2" --jobs 2 --no-wait --json | jq .job)
start_wait /bin/false "$job" "$T/w2.json" --timeout 3
stop_kbd
set +e
wait $wp
st=$?
set -e
assert_eq 1 "$st" "wait --timeout exit status while kbd is down"
assert_contains "$(cat "$T/w2.json.err")" "job $job still running after 3 s" \
    "wait --timeout message"
every_line_json "$T/w2.json"
[ "$(tail -n 1 "$T/w2.json" | jq -r '.event // empty')" != summary ] ||
    fail "a summary from a wait that timed out"
s=$(kbctl wait "$job" --json | tail -n 1)
assert_eq done "$(echo "$s" | jq -r .state)" "job done after the waiter gave up"
assert_eq $((2 * N)) "$(doc_count)" "documents after the second job"
lint_clean

# 3. Ctrl-C on a following add, and kbd stops while cancelling: either
# the cancel was recorded in the job's row (the job ends cancelled at the
# next start) or kbd stopped before that, and kbctl, which had no answer,
# sends it again once it has reconnected; either way kbctl dies by SIGINT
# after the summary as ever.
make_corpus "$T/src3" $N
find "$T/src3" -type f -exec sh -c 'for f; do echo third >> "$f"; done' sh {} +
cancels=$(grep -c 'cancelled by a client' "$KB/.kb/kbd.log" || true)
stop_workers
"$KBCTL" -C "$KB" add "$T/src3" --jobs 2 --json > "$T/a3.json" 2> "$T/a3.err" &
ap=$!
following $ap
job=$(kbctl jobs --json | jq '.[0].job')
kill -INT $ap
i=0
while [ "$(grep -c 'cancelled by a client' "$KB/.kb/kbd.log")" -le "$cancels" ]; do
	i=$((i + 1)); [ $i -lt 3000 ] || { kill -CONT $w; fail "no cancel after SIGINT"; }
	sleep 0.01
done
stop_kbd
set +e
wait $ap
st=$?
set -e
assert_eq 130 "$st" "add exit status after Ctrl-C across a restart ($(cat "$T/a3.err"))"
assert_contains "$(cat "$T/a3.err")" "lost connection to kbd; following job $job again" \
    "reconnect notice of add"
if ! grep -q "job $job: cancelled before kbd stopped" "$KB/.kb/kbd.log"; then
	assert_eq $((cancels + 2)) \
	    "$(grep -c 'cancelled by a client' "$KB/.kb/kbd.log")" \
	    "cancels: the first, not recorded, and the one sent again"
fi
every_line_json "$T/a3.json"
s=$(tail -n 1 "$T/a3.json")
assert_eq summary "$(echo "$s" | jq -r .event)" "add's last line is the summary"
assert_eq cancelled "$(echo "$s" | jq -r .state)" "job cancelled after the restart"
dups=$(jq -r 'select(.path) | .path' "$T/a3.json" | sort | uniq -d | head -n 3)
assert_eq "" "$dups" "files listed twice by add"
assert_eq $((2 * N + $(echo "$s" | jq .added))) "$(doc_count)" \
    "documents after the cancelled job"
lint_clean

# 4. At a terminal: the region is taken off the screen before the notice
# of the lost connection, and drawn again, with the resumed job's files
# in flight, once kbctl follows it again; the cursor is shown at the end.
make_corpus "$T/src4" $N
find "$T/src4" -type f -exec sh -c 'for f; do echo fourth >> "$f"; done' sh {} +
stop_workers
job=$(kbctl add "$T/src4" --jobs 1 --no-wait --json | jq .job)
old=$(kbd_pid)
# Run by pty_run once the region shows files in flight: stop kbd
# (SIGTERM, as stop_kbd); once
# the waiter has started a new one, stop that one's workers too, so the
# resumed job is still running when the region comes back.
cat > "$T/restart.sh" <<SH
set -e
downs=\$(grep -c 'shutting down' "$KB/.kb/kbd.log" || true)
kill -TERM $old
i=0
while [ "\$(grep -c 'shutting down' "$KB/.kb/kbd.log")" -le "\$downs" ]; do
	i=\$((i + 1)); [ \$i -lt 3000 ] || exit 1
	sleep 0.01
done
kill -CONT $w
while :; do
	p=\$(cat "$KB/.kb/kbd.pid" 2>/dev/null || true)
	if [ -n "\$p" ] && [ "\$p" != "$old" ]; then
		nw=\$(for c in \$(pgrep -P "\$p"); do
			tr '\\0' ' ' < /proc/\$c/cmdline | grep -q -- '-X worker' &&
			    echo \$c; done || true)
		[ -n "\$nw" ] && break
	fi
	i=\$((i + 1)); [ \$i -lt 6000 ] || exit 1
	sleep 0.01
done
kill -STOP \$nw
echo \$nw > "$T/w4"
SH
r=$(LANG=C.UTF-8 TERM=xterm python3 "$(dirname "$0")/pty_run.py" \
    --out "$T/pty4" --limit 60 --after "sh $T/restart.sh" \
    --rows-after "lost connection to kbd" \
    --finally "kill -CONT \$(cat $T/w4)" -- "$KBCTL" -C "$KB" wait "$job")
echo "$r" | jq -e . >/dev/null || fail "pty report: $r"
assert_eq true "$(echo "$r" | jq .rows_seen)" "region before kbd stops"
assert_eq true "$(echo "$r" | jq .rows_after)" "region again after reconnecting"
assert_eq 0 "$(echo "$r" | jq .exit)" "wait exit status at a terminal"
assert_eq show "$(echo "$r" | jq -r .last_cursor)" "cursor shown at the end"
assert_eq 0 "$(echo "$r" | jq .last_frame_rows)" "region erased at the end"
assert_eq "$(echo "$r" | jq .sync_begin)" "$(echo "$r" | jq .sync_end)" \
    "every synchronized update ends"
# Before the notice, the last frame erased the region and drew nothing.
python3 - "$T/pty4" "$(dirname "$0")" <<'PY' || fail "region not erased before the notice"
import sys
sys.path.insert(0, sys.argv[2])
from pty_run import frames, region_lines
out = open(sys.argv[1], "rb").read()
at = out.find(b"lost connection to kbd")
before = [f for off, f in frames(out[:at])]
assert before, "no frame before the notice"
assert region_lines(before[-1]) == ([], []), region_lines(before[-1])
assert b"\x1b[J" in before[-1]
PY
grep -q "job $job: $N added" "$T/pty4" || fail "no summary at the terminal"
lint_clean

# 5. kbd killed (SIGKILL, its socket left behind) under the waiter: the
# waiter starts the next kbd itself and ends with the job's summary.
make_corpus "$T/src5" $N
find "$T/src5" -type f -exec sh -c 'for f; do echo fifth >> "$f"; done' sh {} +
stop_workers
job=$(kbctl add "$T/src5" --jobs 2 --no-wait --json | jq .job)
start_wait "$KBD" "$job" "$T/w5.json"
old=$(kbd_pid)
kill -KILL "$old"
kill -CONT $w
set +e
wait $wp
st=$?
set -e
assert_eq 0 "$st" "wait exit status after kbd was killed ($(cat "$T/w5.json.err"))"
[ "$(kbd_pid)" != "$old" ] || fail "kbd was not started again"
assert_contains "$(cat "$T/w5.json.err")" "lost connection to kbd" \
    "reconnect notice after SIGKILL"
every_line_json "$T/w5.json"
assert_eq done "$(tail -n 1 "$T/w5.json" | jq -r .state)" "job done after SIGKILL"
dups=$(jq -r 'select(.path) | .path' "$T/w5.json" | sort | uniq -d | head -n 3)
assert_eq "" "$dups" "files listed twice after SIGKILL"
assert_eq "$(kbctl jobs --json | jq 'map(.added) | add')" "$(doc_count)" \
    "documents: the sum of the jobs' added files"
lint_clean
