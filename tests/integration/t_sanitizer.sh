# A memory error in a sandboxed worker is reported, and fails the suite.
# The sandbox keeps a worker from opening the sanitizers' log_path, so
# sanitizer builds (SAN=1, KBD_SAN) open kbd.log before sandboxing and
# send reports there, and lib.sh's teardown fails a test on any report in
# a kbd.log. Proved with the workers' oob self-test (a read one byte past
# a heap block after the sandbox; SAN builds only): an inner test built on
# lib.sh adds such a file, passes its own assertions, and must still fail,
# naming the report. In a release build the self-test does not exist: the
# same file is added as text and the inner test passes.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

san=0
if san_build; then
	san=1
fi

cat > "$T/inner.sh" <<EOF
. "$here/lib.sh"
TEST_NAME=t_sanitizer-inner
mkdir -p "\$T/in"
printf 'kbd-sandbox-selftest\nread past the end\n' > "\$T/in/oob.txt"
kbctl init >/dev/null
kbctl stop >/dev/null
set +e
KBD_WORKER_SELFTEST=oob kbctl add "\$T/in" --json > "\$T/out.json"
set -e
echo "oob.txt: \$(event_field "\$T/out.json" "\$T/in/oob.txt" status)"
# The daemon and its workers are alive: a second file is added.
printf 'after\n' > "\$T/after.txt"
kbctl add "\$T/after.txt" >/dev/null
echo "inner assertions passed"
EOF

set +e
# TMPDIR: the inner test's directory is inside ours, and gone after it.
TMPDIR="$T" ASAN_OPTIONS= UBSAN_OPTIONS= bash "$T/inner.sh" \
    >"$T/inner.out" 2>"$T/inner.err"
st=$?
set -e
# Whatever the inner test left (it removes its own directory) is not ours
# to scan for reports.
rm -rf "$T"/kbd-test.*
out=$(cat "$T/inner.out")
err=$(cat "$T/inner.err")
assert_contains "$out" "inner assertions passed" "inner test (stderr: $err)"
if [ $san = 1 ]; then
	assert_contains "$out" "oob.txt: failed" "the worker that read out of bounds"
	assert_eq 1 "$st" "inner test's exit status with a report in kbd.log"
	assert_contains "$err" "FAIL [t_sanitizer-inner]: sanitizer report in" \
	    "teardown"
	assert_contains "$err" "AddressSanitizer: heap-buffer-overflow" \
	    "the report, from kbd.log"
	assert_contains "$err" "READ of size 1" "the report, from kbd.log"
	echo "   a worker's ASan report reached kbd.log and failed the inner test"
else
	assert_eq 0 "$st" "inner test's exit status (stderr: $err)"
	assert_contains "$out" "oob.txt: added" "oob self-test in a release build"
	echo "   release build: the oob self-test is compiled out (SAN=1 tests it)"
fi
