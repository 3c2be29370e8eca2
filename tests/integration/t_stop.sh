# kbctl stop under a following kbctl (issue 17): kbd tells each follower
# it was stopped on request, and the follower exits (1) instead of
# starting kbd again, which would undo the stop. The job resumes at the
# next start. A crash or a SIGTERM still finds its followers reconnecting
# (t_wait).
. "$(dirname "$0")/lib.sh"

N=400
make_corpus "$T/src" $N
kbctl init >/dev/null
kbctl stop
"$KBD" -C "$KB" --jobs 2

# following PID: wait until PID, a kbctl add or wait, follows its job (it
# catches SIGINT from the start of its follow loop).
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

# A following add and a following wait, the job held running (workers
# stopped); then kbctl stop. Once kbd shuts down the workers go on, to
# take their SIGTERM.
w=$(stop_workers)
"$KBCTL" -C "$KB" add "$T/src" > "$T/add.out" 2> "$T/add.err" &
ap=$!
following $ap
job=$(kbctl jobs --json | jq '.[0].job')
"$KBCTL" -C "$KB" wait "$job" --json > "$T/wait.out" 2> "$T/wait.err" &
wp=$!
following $wp
old=$(kbd_pid)
downs=$(grep -c 'shutting down' "$KB/.kb/kbd.log" || true)
kbctl stop &
sp=$!
i=0
while [ "$(grep -c 'shutting down' "$KB/.kb/kbd.log")" -le "$downs" ]; do
	i=$((i + 1)); [ $i -lt 3000 ] || { kill -CONT $w; fail "kbd did not stop"; }
	sleep 0.01
done
kill -CONT $w
wait $sp || fail "kbctl stop failed"
set +e
wait $ap
ast=$?
wait $wp
wst=$?
set -e
msg="kbctl: kbd was stopped (kbctl stop); job $job resumes at the next start"
assert_eq 1 "$ast" "add's exit status after kbctl stop ($(cat "$T/add.err"))"
assert_eq 1 "$wst" "wait's exit status after kbctl stop ($(cat "$T/wait.err"))"
assert_contains "$(cat "$T/add.err")" "$msg" "add's notice of the stop"
assert_contains "$(cat "$T/wait.err")" "$msg" "wait's notice of the stop"
for f in add wait; do
	if grep -q "lost connection" "$T/$f.err"; then
		fail "$f reconnected after kbctl stop: $(cat "$T/$f.err")"
	fi
done
jq -c . < "$T/wait.out" >/dev/null || fail "wait --json output: not JSON"

# kbd stays down: nobody started it again.
sleep 1
if [ -e "$KB/.kb/kbd.pid" ] && alive "$(kbd_pid)"; then
	fail "kbd runs again after kbctl stop (pid $(kbd_pid), was $old)"
fi

# The next command starts kbd, and the job resumes.
s=$(kbctl status "$job" --json)
st=$(echo "$s" | jq -r .state)
case $st in
running|done) ;;
*) fail "job $job after the restart: $s" ;;
esac
grep -q "job $job: resuming" "$KB/.kb/kbd.log" ||
	fail "kbd.log says nothing of job $job resuming"
s=$(kbctl wait "$job" --json | tail -n 1)
assert_eq done "$(echo "$s" | jq -r .state)" "job done after the restart"
assert_eq $N "$(doc_count)" "documents after the resumed job"
lint_clean

# A stop as kbd starts: its workers were just forked, and a SIGTERM that
# reached one before its exec ran the supervisor's handler there and was
# lost; kbd waited 10 s and killed it. Each KB is stopped the moment
# init returns; none may leave a child to be killed.
for i in $(seq 1 12); do
	k="$T/quick$i"
	"$KBCTL" -C "$k" init >/dev/null
	"$KBCTL" -C "$k" stop >/dev/null
	log="$k/.kb/kbd.log"
	grep -q "exiting" "$log" || fail "kbd of quick$i did not exit: $(cat "$log")"
	if grep -q "did not exit in time" "$log"; then
		fail "a stop right after the start killed a child: $(cat "$log")"
	fi
done
echo "   12 stops right after the start: every child exited when told"
