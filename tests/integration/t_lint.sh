# lint: clean on a fresh KB, and each planted problem is found and named.
. "$(dirname "$0")/lib.sh"

make_corpus "$T/src" 20
kbctl init >/dev/null
kbctl add "$T/src" >/dev/null
lint_clean
kbctl lint >/dev/null || fail "lint text mode not clean"

plant() {
	what=$1
	expect=$2
	set +e
	out=$(kbctl lint --json)
	st=$?
	set -e
	assert_eq 1 "$st" "lint exit status with $what"
	assert_eq false "$(echo "$out" | jq -r .ok)" "ok with $what"
	echo "$out" | jq -r '.problems[]' | grep -q -- "$expect" ||
	    fail "lint did not report $what ($expect): $out"
}

# A raw file whose bytes no longer match the registry.
echo tampered >> "$KB/raw/note00001.md"
plant "a modified raw file" "raw/note00001.md"
# A file with no registry row.
echo stray > "$KB/wiki/sources/stray.md"
plant "a stray file" "wiki/sources/stray.md"
# A missing summary page.
rm "$KB/wiki/summaries/text00002.md"
plant "a missing file" "wiki/summaries/text00002.md"
# Leftover staging.
echo junk > "$KB/.kb/staging/junk"
plant "leftover staging" "staging"
