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

for call in open execve socket; do
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
	grep -q "worker.*SIGSYS\|sandbox violation" "$KB/.kb/kbd.log" ||
	    fail "$call: the log does not name the violation"
	# kbd is alive and has workers again: an ordinary add still works.
	printf 'after %s\n' "$call" > "$T/after-$call.txt"
	kbctl add "$T/after-$call.txt" >/dev/null
	kbctl stop >/dev/null
done
n=$(kbctl list --json | jq '[.[] | select(tostring | test("evil"))] | length')
assert_eq 0 "$n" "nothing of evil.txt in the registry"
lint_clean
