#!/bin/sh
# Runs every integration test against the binaries in $KBD_BIN; stops at
# the first failure. TESTS="t_basic t_remove" runs a subset, and says so:
# a partial run must not look whole. A test that exits 77 was skipped
# (lib.sh's skip, with its reason); it is counted as such.
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
n=0
passed=0
skipped=
for t in $tests; do
	start=$(date +%s)
	set +e
	bash "$here/$t.sh"
	st=$?
	set -e
	case $st in
	0)	echo "   ok ($(( $(date +%s) - start )) s)"
		passed=$((passed + 1)) ;;
	77)	skipped="$skipped $t" ;;
	*)	echo "integration: $t failed (exit $st)" >&2
		exit 1 ;;
	esac
	n=$((n + 1))
done
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
