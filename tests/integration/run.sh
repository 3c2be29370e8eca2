#!/bin/bash
# Runs every integration test against the binaries in $KBD_BIN, up to
# $KBD_TEST_JOBS at once (default: twice the machine's cores, at most 4:
# a test mostly waits, on events and on the disk). Each
# test's output is held in a file and printed whole when it ends, so
# parallel tests never interleave. After the first failure no new test
# starts; those running finish, and the run fails. TESTS="t_basic t_remove"
# runs a subset, and says so: a partial run must not look whole. A test
# that exits 77 was skipped (lib.sh's skip, with its reason); it is
# counted as such.
#
# The tests that took longest last time (build/integration-times, by
# name) start first, so that a long one does not end the run alone; a
# fresh clone has no last time, and takes the durations of a release run
# kept in the tree (durations), which a run does not rewrite.
#
# KBD_CHECK_ALL=1 (make check-one): TESTS is refused, and fewer tests run
# than the tree's t_*.sh files is a failure. KBD_CHECK_COUNTS=FILE: the
# summary line is also appended to FILE (make check prints them all).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${KBD_BIN:?set KBD_BIN to the directory holding kbd and kbctl}"
all=$(cd "$here" && ls t_*.sh | sed 's/\.sh$//')
expected=$(echo "$all" | wc -w)
subset=
if [ -n "${TESTS:-}" ]; then
	if [ "${KBD_CHECK_ALL:-0}" = 1 ]; then
		echo "integration: TESTS is set ($TESTS): a check runs every test" >&2
		exit 1
	fi
	tests=$TESTS
	subset="WARNING: TESTS selects $(echo "$tests" | wc -w) of the $expected tests: a partial run"
	echo "integration: $subset"
else
	tests=$all
fi
jobs=${KBD_TEST_JOBS:-$((2 * $(nproc 2>/dev/null || echo 1)))}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
[ "$jobs" -le 4 ] || jobs=4

times="$here/../../build/integration-times"
known=$times
[ -f "$known" ] || known="$here/durations"
if [ -f "$known" ]; then
	# Known durations, longest first; tests without one keep their order
	# after them.
	tests=$( { for t in $tests; do
		s=$(awk -v t="$t" '$1 == t { print $2 }' "$known")
		echo "${s:--1} $t"; done; } | sort -s -k1,1nr | cut -d' ' -f2)
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/kbd-run.XXXXXX")
trap 'rm -rf "$out"' EXIT
declare -A pid_of=() start_of=()
n=0
passed=0
skipped=
failed=
newtimes=

# finish PID STATUS: print the test's output and count it.
finish() {
	local p=$1 st=$2 t=
	for k in "${!pid_of[@]}"; do
		[ "${pid_of[$k]}" = "$p" ] && t=$k
	done
	[ -n "$t" ] || return 0
	unset "pid_of[$t]"
	cat "$out/$t.log"
	local secs=$(( $(date +%s) - ${start_of[$t]} ))
	case $st in
	0)	echo "   ok ($secs s)"
		passed=$((passed + 1))
		newtimes="$newtimes$t $secs
" ;;
	77)	skipped="$skipped $t" ;;
	*)	echo "integration: $t failed (exit $st)" >&2
		failed="$failed $t" ;;
	esac
	n=$((n + 1))
}

# reap: wait for one running test to end.
reap() {
	local p st
	set +e
	wait -n -p p "${pid_of[@]}"
	st=$?
	set -e
	finish "$p" "$st"
}

for t in $tests; do
	[ -z "$failed" ] || break
	while [ "${#pid_of[@]}" -ge "$jobs" ]; do
		reap
	done
	[ -z "$failed" ] || break
	start_of[$t]=$(date +%s)
	bash "$here/$t.sh" > "$out/$t.log" 2>&1 &
	pid_of[$t]=$!
done
while [ "${#pid_of[@]}" -gt 0 ]; do
	reap
done
if [ -n "$failed" ]; then
	echo "integration: failed:$failed" >&2
	exit 1
fi
if [ -z "$subset" ] && [ -d "$(dirname "$times")" ]; then
	printf '%s' "$newtimes" > "$times.tmp" && mv "$times.tmp" "$times"
fi
line="integration ($KBD_BIN): $n of $expected tests ran: $passed passed"
if [ -n "$skipped" ]; then
	line="$line, $(echo "$skipped" | wc -w) skipped:$skipped"
fi
[ -z "$subset" ] || line="$line ($subset)"
echo "$line"
if [ -n "${KBD_CHECK_COUNTS:-}" ]; then
	echo "$line" >> "$KBD_CHECK_COUNTS"
fi
if [ "${KBD_CHECK_ALL:-0}" = 1 ] && [ "$n" -lt "$expected" ]; then
	echo "integration: only $n of the $expected tests ran" >&2
	exit 1
fi
