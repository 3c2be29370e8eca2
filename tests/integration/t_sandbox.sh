# A converter subverted by a hostile file: a worker that tries to open a
# file with open(2), run a program or make a socket after it has sandboxed
# itself is killed by seccomp; the file fails with "sandbox violation", the
# other files of the job are added, and kbd goes on with a new worker.
# Test builds only: KBD_WORKER_SELFTEST makes a worker misbehave on a file
# that begins with the self-test line (see workers/worker.c).
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
printf 'kbd-sandbox-selftest\nhostile\n' > "$T/in/evil.txt"
printf '# Fine\n\nan ordinary document\n' > "$T/in/fine.md"
kbctl init >/dev/null
kbctl stop >/dev/null 2>&1 || true

calls="open execve socket"
# ASan builds answer open(2) with EACCES: their reports need it.
if san_build; then
	calls="execve socket"
	echo "   open(2): not checked under ASan (answered EACCES there)"
fi
for call in $calls; do
	# kbd.log is append-only: only what this add logged counts.
	logged=$(wc -c < "$KB/.kb/kbd.log" 2>/dev/null || echo 0)
	set +e
	KBD_WORKER_SELFTEST=$call kbctl add "$T/in" --json > "$T/out.json"
	st=$?
	set -e
	assert_eq 1 "$st" "$call: exit status"
	st=$(jq -r 'select((.path // "") | endswith("evil.txt")) | .status' "$T/out.json")
	assert_eq failed "$st" "$call: evil.txt"
	reason=$(jq -r 'select((.path // "") | endswith("evil.txt")) | .reason' \
	    "$T/out.json")
	assert_contains "$reason" "sandbox violation" "$call: reason"
	st=$(jq -r 'select((.path // "") | endswith("fine.md")) | .status' "$T/out.json")
	case "$st" in
	added|duplicate) ;;
	*) fail "$call: fine.md is $st" ;;
	esac
	tail -c +$((logged + 1)) "$KB/.kb/kbd.log" |
	    grep -q "worker.*SIGSYS\|sandbox violation" ||
	    fail "$call: the log does not name the violation"
	# kbd is alive and has workers again: an ordinary add still works.
	printf 'after %s\n' "$call" > "$T/after-$call.txt"
	kbctl add "$T/after-$call.txt" >/dev/null
	kbctl stop >/dev/null
done
n=$(kbctl list --json | jq '[.[] | select(tostring | test("evil"))] | length')
assert_eq 0 "$n" "nothing of evil.txt in the registry"
lint_clean

# Containment: a converter that hangs, crashes or runs out of memory fails
# its one file with the reason, is replaced, and leaves nothing behind.
contain() {	# selftest, expected reason, kbd options...
	local call=$1 want=$2
	shift 2
	KBD_WORKER_SELFTEST=$call "$KBD" -C "$KB" "$@"
	set +e
	kbctl add "$T/in" --json > "$T/out.json"
	st=$?
	set -e
	assert_eq 1 "$st" "$call: exit status"
	st=$(jq -r 'select((.path // "") | endswith("evil.txt")) | .status' \
	    "$T/out.json")
	assert_eq failed "$st" "$call: evil.txt"
	reason=$(jq -r 'select((.path // "") | endswith("evil.txt")) | .reason' \
	    "$T/out.json")
	assert_contains "$reason" "$want" "$call: reason"
	printf 'after %s\n' "$call" > "$T/after-$call.txt"
	kbctl add "$T/after-$call.txt" >/dev/null
	kbctl stop >/dev/null
	n=$(find "$KB/.kb/staging" -type f | wc -l)
	assert_eq 0 "$n" "$call: staging files left"
}
kbctl stop >/dev/null
contain hang "timed out after 2 s" --timeout 2
# ASan would catch the signal to report it (and its report needs calls the
# sandbox refuses); what is tested here is kbd's handling of the death.
ASAN_OPTIONS="$ASAN_OPTIONS:handle_segv=0" \
    contain segv "converter killed by SIGSEGV"
# ASan builds do not set RLIMIT_AS (its shadow memory needs terabytes).
if san_build; then
	echo "   oom: not checked under ASan (no RLIMIT_AS there)"
else
	contain oom "memory limit of 256 MiB exceeded" --mem-limit 268435456
fi
# Output cap: a document that would convert to more fails, whole.
head -c 20000 /dev/zero | tr '\0' 'a' | fold -w 60 > "$T/in/long.txt"
"$KBD" -C "$KB" --max-output 4096
set +e
kbctl add "$T/in/long.txt" --json > "$T/out.json"
set -e
assert_contains "$(jq -r 'select(.path != null) | .reason' "$T/out.json")" \
    "output exceeds 4096 bytes" "output cap"
n=$(kbctl list --json | jq '[.[] | select(tostring | test("evil|long"))] | length')
assert_eq 0 "$n" "nothing of evil.txt or long.txt in the registry"
lint_clean
