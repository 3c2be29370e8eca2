# Concepts (wiki/concepts/): a phrase several documents share becomes a
# page with its defining sentence and its documents; a batch rewrites
# only the concept pages of its own documents; removing documents drops
# the concept; lint checks the pages against the registry; and on a real
# corpus (python3.11-doc's tutorial) the concepts include terms a reader
# expects.
. "$(dirname "$0")/lib.sh"

C="$KB/wiki/concepts"
mkdir -p "$T/src"
# Four documents treat vector clocks (one defines them), four do not.
for i in 1 2 3 4; do
	{
		printf '# Clocks %s\n\n' "$i"
		if [ "$i" = 2 ]; then
			printf 'A vector clock is a data structure that orders '
			printf 'events in a distributed system.\n\n'
		fi
		printf 'Each replica keeps a vector clock of its own. The '
		printf 'vector clock grows with the replicas, and merging two '
		printf 'vector clock values takes the maximum of each entry '
		printf '(note %s).\n' "$i"
		# Noise every clock document shares: labels before a
		# number, a participle, a verb.
		printf '\nChanged in version 2.%s: merging. Changed in ' "$i"
		printf 'version 3.%s: the format.\n\nReturn the maximum; ' "$i"
		printf 'return a copy.\n'
	} > "$T/src/clock$i.md"
done
for i in 1 2 3 4; do
	printf '# Garden %s\n\nTomatoes want sun and water; basil wants '\
'warmth. Watering at dawn keeps leaves dry (bed %s).\n' "$i" "$i" \
	    > "$T/src/garden$i.md"
done
# A term of one document: a candidate, no concept, so never related.
printf '\nCompost heaps feed the soil; compost heaps want turning.\n' \
    >> "$T/src/garden1.md"
kbctl init >/dev/null
kbctl add "$T/src" >/dev/null
assert_eq 8 "$(doc_count)" "documents"

page="$C/vector-clock.md"
[ -f "$page" ] || fail "no concept page for 'vector clock': $(ls "$C")"
head -1 "$page" | grep -qx -- '---' || fail "concept page: no frontmatter"
grep -qx 'type: "concept"' "$page" || fail "concept type"
grep -qx 'description: "A concept: vector clock, in 4 documents."' "$page" ||
    fail "concept description: $(sed -n 3p "$page")"
grep -qx '> A vector clock is a data structure that orders events in a distributed system.' \
    "$page" || fail "defining sentence: $(sed -n '/Definition/,/Documents/p' "$page")"
for i in 1 2 3 4; do
	grep -q "](../summaries/clock$i.md)" "$page" ||
	    fail "clock$i not listed on the concept page"
done
grep -q garden "$page" && fail "an unrelated document listed"
# Summaries link to their concepts, after their keywords.
grep -A2 '^## Concepts$' "$KB/wiki/summaries/clock1.md" |
    grep -qF '[vector clock](../concepts/vector-clock.md)' ||
    fail "clock1's summary does not link its concept: $(tail -4 "$KB/wiki/summaries/clock1.md")"
grep -q 'vector-clock' "$KB/wiki/summaries/garden1.md" &&
    fail "garden1's summary links vector clock"
grep -qx -- '- \[vector clock\](vector-clock.md) (4)' "$C/index.md" ||
    fail "concepts index: $(cat "$C/index.md")"
# wiki/index.md leads to the concepts' index once there is a concept.
grep -A2 '^## By concept$' "$KB/wiki/index.md" |
    grep -qF '[Concepts](concepts/index.md)' ||
    fail "index.md does not lead to the concepts: $(cat "$KB/wiki/index.md")"
# A word of one document only is no concept.
[ -e "$C/tomatoes.md" ] && fail "a one-document term became a concept"
# Nor is noise that four documents share (see concepts.c drop_noise).
for t in version changed-in-version changed return; do
	[ -e "$C/$t.md" ] && fail "noise term $t became a concept: $(ls "$C")"
done
assert_eq 4 "$(sqlite3 "$KB/.kb/kb.db" \
    "select ndocs from concepts where term = 'vector clock'")" \
    "registry's document count"
[ "$(sqlite3 "$KB/.kb/kb.db" "select count(*) from concept_terms_all
    where term like 'compost%' and term not in (select term from concepts)")" \
    -gt 0 ] || fail "no candidate term that is no concept"
# Related concepts are concepts: every one has its page.
for f in "$C"/*.md; do
	sed -n '/^## Related concepts$/,$p' "$f" | grep -o '([^)]*\.md)' |
	    tr -d '()' | while read -r rel; do
		[ -f "$C/$rel" ] || fail "$(basename "$f") relates $rel, no concept"
	done
done
lint_clean

# lint checks concept pages against the registry and agrees with lint
# --fix (as t_wiki does for the other pages): each planted problem is
# reported with its next step, repaired, and then nothing is left.
agree() {
	what=$1
	expect=$2
	set +e
	out=$(kbctl lint --json)
	st=$?
	text=$(kbctl lint 2>&1)
	set -e
	assert_eq 1 "$st" "lint exit status with $what: $out"
	echo "$out" | jq -r '.problems[]' | grep -qF -- "$expect" ||
	    fail "lint did not report $what ($expect): $out"
	echo "$text" | grep -F -- "$expect" | grep -q "run kbctl lint --fix" ||
	    fail "no next step for $what: $text"
	out=$(kbctl lint --fix --json) || fail "lint --fix with $what: $out"
	[ "$(echo "$out" | jq '.repairs | length')" -gt 0 ] ||
	    fail "lint --fix repaired nothing for $what: $out"
	lint_clean
	out=$(kbctl lint --fix --json) || fail "lint --fix again: $out"
	assert_eq 0 "$(echo "$out" | jq '.repairs | length')" \
	    "repairs after lint ok ($what): $out"
}
cp "$page" "$T/page.good"
sed -i 's/^## Documents$/## Tampered/' "$page"
agree "a tampered concept page" \
    "wiki/concepts/vector-clock.md: does not match the registry (concept vector clock)"
cmp "$T/page.good" "$page" || fail "concept page not restored"
rm "$page"
agree "a missing concept page" \
    "wiki/concepts/vector-clock.md: missing (concept vector clock)"
cmp "$T/page.good" "$page" || fail "concept page not restored"
echo stray > "$C/not-a-concept.md"
agree "a stray concept page" \
    "wiki/concepts/not-a-concept.md: no concept in the registry"
[ -e "$C/not-a-concept.md" ] && fail "stray concept page left"
echo "- [x](x.md) (9)" >> "$C/index.md"
agree "an edited concepts index" \
    "wiki/concepts/index.md: does not match the registry (concept index)"
grep -q '(x.md)' "$C/index.md" && fail "concepts index not repaired"

# Incremental: a batch of other documents leaves the page as it was
# (pages are replaced by rename, so a rewrite changes the inode).
ino=$(stat -c %i "$page")
printf '# Garden 5\n\nTomatoes again, and basil.\n' > "$T/garden5.md"
kbctl add "$T/garden5.md" >/dev/null
assert_eq "$ino" "$(stat -c %i "$page")" "untouched concept page rewritten"
# One that treats it rewrites it, with its new count.
cp "$T/src/clock1.md" "$T/clock5.md"
printf '\nA vector clock per shard, and a vector clock per log.\n' \
    >> "$T/clock5.md"
kbctl add "$T/clock5.md" >/dev/null
grep -qx 'description: "A concept: vector clock, in 5 documents."' "$page" ||
    fail "concept page not updated: $(sed -n 3p "$page")"
grep -q '](../summaries/clock5.md)' "$page" || fail "clock5 not listed"
lint_clean

# Removal: below three documents the concept, its page and its index
# line go.
kbctl remove clock1 clock3 >/dev/null
grep -qx 'description: "A concept: vector clock, in 3 documents."' "$page" ||
    fail "after removing two: $(sed -n 3p "$page")"
grep -q 'clock1.md' "$page" && fail "a removed document still listed"
kbctl remove clock4 >/dev/null
[ -e "$page" ] && fail "concept page left after its documents went"
# The summaries of the documents that stay no longer link to it.
grep -q 'vector-clock' "$KB/wiki/summaries/clock2.md" &&
    fail "clock2's summary still links the dropped concept"
grep -q 'vector clock' "$C/index.md" && fail "index still lists it"
# index.md leads to the concepts while there is one, and only then.
n=$(sqlite3 "$KB/.kb/kb.db" "select count(*) from concepts")
if grep -q '^## By concept$' "$KB/wiki/index.md"; then
	[ "$n" -gt 0 ] || fail "index.md leads to concepts when there is none"
else
	[ "$n" -eq 0 ] || fail "index.md does not lead to the $n concepts"
fi
assert_eq 0 "$(sqlite3 "$KB/.kb/kb.db" \
    "select count(*) from concepts where term = 'vector clock'")" \
    "registry still holds the concept"
lint_clean

# A real corpus: python3.11-doc's tutorial (17 HTML pages).
TUT=/usr/share/doc/python3.11/html/tutorial
[ -f "$TUT/modules.html" ] || fail "python3.11-doc is not installed"
mkdir "$T/py"
KB="$T/py"
kbctl init >/dev/null
kbctl add "$TUT" >/dev/null
C="$KB/wiki/concepts"
for t in module method list package floating-point \
    python-interpreter function-definition; do
	[ -f "$C/$t.md" ] || fail "python tutorial: no concept $t: $(ls "$C")"
done
grep -qx '> A module is a file containing Python definitions and statements.' \
    "$C/module.md" || fail "module's definition: $(grep '^>' "$C/module.md")"
grep -qx '> A method is a function that “belongs to” an object.' \
    "$C/method.md" || fail "method's definition: $(grep '^>' "$C/method.md")"
grep -q '](../summaries/modules.md)' "$C/module.md" ||
    fail "module's page does not list modules.md"
lint_clean

# The committer finalizes the registry's statements (conceptdb_close):
# its connection closes at shutdown, no warning that it could not.
kbctl stop >/dev/null
grep -q 'kb.db: not closed' "$KB/.kb/kbd.log" &&
    fail "the registry was not closed: $(grep 'not closed' "$KB/.kb/kbd.log")"
true
