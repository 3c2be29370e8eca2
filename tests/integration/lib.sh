# Shared helpers of the integration tests: real kbd and kbctl binaries from
# $KBD_BIN, a fresh KB under a private temp dir, and assertions that say
# what they expected. Each test script sources this file.
set -eu

: "${KBD_BIN:?KBD_BIN must name the directory holding kbd and kbctl}"
KBD_BIN=$(cd "$KBD_BIN" && pwd)
export KBD="$KBD_BIN/kbd"
KBCTL="$KBD_BIN/kbctl"
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/kbd-test.XXXXXX")
KB="$T/kb"
unset KB_DIR KB_JOBS
# Sanitizer runs: fail on the first error. The daemon's stderr is
# /dev/null, so every report goes to a file under $T that cleanup checks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}:log_path=$T/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}:log_path=$T/sanitizer"
# What a report in a kbd.log looks like: ASan's "ERROR: AddressSanitizer:"
# and UBSan's "file:line:col: runtime error:".
# The registry's schema version (workers/store/dbmigrate.c DB_SCHEMA_VERSION),
# read from the source so that a new schema step changes one place.
SCHEMA=$(sed -n 's/^#define DB_SCHEMA_VERSION[[:space:]]*\([0-9][0-9]*\)$/\1/p' \
    "$(dirname "${BASH_SOURCE[0]}")/../../workers/store/dbmigrate.c")
SAN_REPORT_RE='[A-Za-z]+Sanitizer|runtime error'

# trash DIR: out of the way at once (renamed beside itself), deleted in
# the background. Unlinking thousands of files waits for the disk when it
# is mounted with discard (12,000 files of 2 KB: 17 s here), and no test
# needs to wait for that.
trash() {
	local d="$1.trash.$$.$RANDOM"
	mv "$1" "$d" 2>/dev/null || d=$1
	(setsid rm -rf "$d" </dev/null >/dev/null 2>&1 &)
}

cleanup() {
	st=$?
	# Every KB a test made, nested ones included: no daemon outlives it.
	for k in $(find "$T" -maxdepth 5 -type d -name .kb 2>/dev/null); do
		"$KBCTL" -C "$(dirname "$k")" stop >/dev/null 2>&1 || true
	done
	for r in "$T"/sanitizer.*; do
		[ -f "$r" ] || continue
		echo "FAIL [$TEST_NAME]: sanitizer report $r:" >&2
		cat "$r" >&2
		st=1
	done
	# Sandboxed workers cannot open log_path: sanitizer builds send
	# their reports to kbd.log (workers/worker/worker.c, KBD_SAN).
	for r in $(find "$T" -path '*/.kb/kbd.log' -type f \
	    -exec grep -l -E "$SAN_REPORT_RE" {} + 2>/dev/null); do
		echo "FAIL [$TEST_NAME]: sanitizer report in $r:" >&2
		grep -E -A 40 "$SAN_REPORT_RE" "$r" | head -n 80 >&2
		st=1
	done
	if [ $st -ne 0 ] && [ $st -ne 77 ]; then
		for log in "$T"/*/.kb/kbd.log; do
			[ -f "$log" ] || continue
			echo "--- $log (last 30 lines)" >&2
			tail -n 30 "$log" >&2
		done
	fi
	trash "$T"
	exit $st
}
trap cleanup EXIT

fail() {
	echo "FAIL [$TEST_NAME]: $*" >&2
	exit 1
}

# san_build: $KBD was built with the sanitizers (SAN=1). Their runtimes
# are linked in statically (Makefile, SANLDFLAGS), so ldd does not show
# them; every instrumented binary calls __asan_init.
san_build() {
	grep -q __asan_init "$KBD"
}

# skip REASON: this machine cannot run the test (say why). Exit 77, which
# run.sh counts as skipped, never as passed.
skip() {
	echo "   SKIP [$TEST_NAME]: $*"
	exit 77
}

# The official MCP SDK from npm, cached in build/npm: sets NPMDIR, or skips
# the test when node or npm is missing.
mcp_sdk() {
	local root
	root=$(cd "$(dirname "$0")/../.." && pwd)
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		skip "node or npm not found (scripts/deps.sh installs them)"
	fi
	NPMDIR="$root/build/npm"
	mkdir -p "$NPMDIR"
	# Tests run in parallel (run.sh): one installs, the others wait.
	(
		flock 9
		if [ ! -f "$NPMDIR/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
			npm install --prefix "$NPMDIR" --no-audit --no-fund \
			    @modelcontextprotocol/sdk >"$T/npm.log" 2>&1 ||
			    { cat "$T/npm.log" >&2; exit 1; }
		fi
	) 9>"$NPMDIR.lock" || fail "npm install @modelcontextprotocol/sdk"
}

kbctl() {
	"$KBCTL" -C "$KB" "$@"
}

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

assert_contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: '$2' not in: $1" ;;
	esac
}

# Run a command, expect exit status $1.
expect_status() {
	want=$1
	shift
	set +e
	"$@"
	got=$?
	set -e
	[ "$got" = "$want" ] || fail "'$*' exited $got, expected $want"
}

lint_clean() {
	out=$(kbctl lint --json) || fail "lint not clean: $out"
	assert_eq true "$(printf '%s' "$out" | jq -r .ok)" "lint ok"
}

# event_field JSON PATH KEY: KEY of PATH's line in `add --json` output
# saved in JSON ("null" when the line has no such key).
event_field() {
	jq -r --arg p "$2" --arg k "$3" 'select(.path == $p) | .[$k]' "$1"
}

doc_count() {
	kbctl list --json | jq length
}

# index_entries [DOC]: lines of the index pages by type that link a
# summary (of DOC): index.md leads to them, each document is listed once.
index_entries() {
	cat "$KB"/wiki/index/type/*.md 2>/dev/null |
	    grep -c "](<\{0,1\}\.\./\.\./summaries/${1:-.*}\.md" || true
}

# A process that exists and is not a zombie (an orphaned kbd is reparented
# to init, which in some containers never reaps it).
alive() {
	# One read: a process reaped between two looks is gone, not alive.
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$stat" ] && [ "$(echo "$stat" | awk '{ print $3 }')" != Z ]
}

# Waiting on an event, not on a clock. A hang guard bounds each wait
# (KBD_TEST_HANG seconds, default 300): it fails the test with a message
# when the event never comes, and is never what a test asserts.
KBD_TEST_HANG=${KBD_TEST_HANG:-300}

# wait_until WHAT CMD...: until CMD succeeds.
wait_until() {
	local what=$1 end=$((SECONDS + KBD_TEST_HANG))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] ||
		    fail "hang guard: $what did not happen in $KBD_TEST_HANG s"
		sleep 0.05
	done
}

gone() {
	! alive "$1"
}

# wait_gone WHAT PID...: until each process has exited (or is a zombie).
wait_gone() {
	local what=$1 p
	shift
	for p in "$@"; do
		wait_until "$what (pid $p exits)" gone "$p"
	done
}

kbd_pid() {
	cat "$KB/.kb/kbd.pid"
}

# Children of the supervisor by role, from their command lines.
child_pids() {
	role=$1
	for p in $(pgrep -P "$(kbd_pid)" 2>/dev/null); do
		if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null |
		    grep -q -- "-X $role"; then
			echo "$p"
		fi
	done
}

# stopped PID: the process is stopped (a fail point's "stop" action).
stopped() {
	[ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = T ]
}

# held N cmd...: a new kbd runs cmd (a job, --no-wait --json); its
# first committer stops itself before the Nth batch's commit
# (KBD_FAILPOINT, given to that committer only), so that a kill or a
# cancel lands mid-job on any machine. Sets job and c (the committer's
# pid).
held() {
	local n=$1
	shift
	kbctl stop >/dev/null
	job=$(KBD_FAILPOINT="batch.commit:stop@$n" kbctl "$@" | jq .job)
	c=$(child_pids committer)
	[ -n "$c" ] || fail "no committer process found"
	wait_until "the committer held before batch $n's commit" stopped "$c"
}

# The workers of the running kbd (started with at least 2), stopped with
# SIGSTOP so that the files they hold stay in flight; prints their pids.
stop_workers() {
	i=0
	while [ "$(child_pids worker | wc -l)" -lt 2 ]; do
		i=$((i + 1)); [ $i -lt 300 ] || fail "kbd started no workers"
		sleep 0.05
	done
	w=$(child_pids worker | tr '\n' ' ')
	kill -STOP $w
	echo "$w"
}

# stop_reading KBDIR: kbctl stop while a reader of our own is in a read
# transaction of the KB's database (on the WAL's frames, not yet copied):
# the committer's stop then leaves the WAL as it was (db.c wal_truncate).
stop_reading() {
	local mark="$T/reading.$$.$RANDOM" reader
	python3 - "$1/.kb/kb.db" "$mark" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN")
c.execute("SELECT count(*) FROM documents").fetchone()
open(sys.argv[2], "w").close()
time.sleep(600)
PY
	reader=$!
	wait_until "the reader's transaction" test -e "$mark"
	"$KBCTL" -C "$1" stop >/dev/null
	kill "$reader"
	wait "$reader" 2>/dev/null || true
	rm -f "$mark"
}

# make_corpus DIR N: N distinct small text/Markdown files in a few subdirs.
make_corpus() {
	dir=$1
	n=$2
	python3 - "$dir" "$n" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    sub = os.path.join(d, "part%02d" % (i % 10))
    os.makedirs(sub, exist_ok=True)
    if i % 2:
        p = os.path.join(sub, "note%05d.md" % i)
        body = "# Note %d\n\nThis is note number %d about topic%d.\n\n## Details\n\nword%d appears here.\n" % (i, i, i % 37, i)
    else:
        p = os.path.join(sub, "text%05d.txt" % i)
        body = "Plain text %d\n\nA paragraph about subject%d and token%d.\n" % (i, i % 41, i)
    with open(p, "w") as f:
        f.write(body)
PY
}

echo "== $TEST_NAME"
