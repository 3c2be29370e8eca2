# The compiled wiki: wiki/log.md has one entry per job (not per commit
# batch) and per remove, with correct plurals, and a large job lists its
# first names then a count.
. "$(dirname "$0")/lib.sh"

entries() { grep -c '^## \[' "$KB/wiki/log.md" || true; }

make_corpus "$T/src" 300
kbctl init >/dev/null
kbctl add "$T/src" >/dev/null
assert_eq 300 "$(doc_count)" "documents"
# 300 files take several commit batches (a batch is cut whenever the
# committer is free, the first with the first file done): still one entry.
assert_eq 1 "$(entries)" "log.md entries after one job"
grep -qx '## \[.*\] job 1 | 300 documents added' "$KB/wiki/log.md" ||
    fail "job entry: $(grep '^## ' "$KB/wiki/log.md")"
assert_eq 20 "$(sed -n '/^## /,$p' "$KB/wiki/log.md" | grep -c '^- [nt]')" \
    "names listed for a large job"
grep -qx -- '- and 280 more' "$KB/wiki/log.md" || fail "no count of the rest"

# One file: singular.
printf '# One\n\nsingle file\n' > "$T/one.md"
kbctl add "$T/one.md" >/dev/null
assert_eq 2 "$(entries)" "log.md entries after two jobs"
grep -qx '## \[.*\] job 2 | 1 document added' "$KB/wiki/log.md" ||
    fail "singular entry: $(grep '^## ' "$KB/wiki/log.md" | tail -1)"
tail -n 3 "$KB/wiki/log.md" | grep -qx -- '- one' || fail "name of job 2"

# A job that changes nothing (all duplicates) writes no entry.
kbctl add "$T/one.md" >/dev/null
assert_eq 2 "$(entries)" "log.md entries after a no-op job"

# An update and an add in one job: both counts, names of both.
printf '# One\n\nchanged text\n' > "$T/one.md"
printf 'two\n' > "$T/two.txt"
kbctl add "$T/one.md" "$T/two.txt" >/dev/null
grep -qx '## \[.*\] job 4 | 1 document added, 1 document updated' \
    "$KB/wiki/log.md" ||
    fail "mixed entry: $(grep '^## ' "$KB/wiki/log.md" | tail -1)"

# remove: one entry, plural right.
kbctl remove one >/dev/null
grep -qx '## \[.*\] remove | 1 document' "$KB/wiki/log.md" ||
    fail "remove entry: $(grep '^## ' "$KB/wiki/log.md" | tail -1)"
kbctl remove note00001 note00003 >/dev/null
grep -qx '## \[.*\] remove | 2 documents' "$KB/wiki/log.md" ||
    fail "remove entry: $(grep '^## ' "$KB/wiki/log.md" | tail -1)"
lint_clean

# Frontmatter: every page the committer writes starts with it.
for f in wiki/summaries/text00000.md wiki/index.md wiki/log.md \
    wiki/AGENTS.md; do
	head -1 "$KB/$f" | grep -qx -- '---' || fail "$f: no frontmatter"
done
sum="$KB/wiki/summaries/text00000.md"
hash=$(sqlite3 "$KB/.kb/kb.db" "select hash from documents where name='text00000'")
sed -n 2,5p "$sum" > "$T/fm"
grep -qx 'type: "summary"' "$T/fm" || fail "summary type: $(cat "$T/fm")"
grep -qx 'doc: "text00000"' "$T/fm" || fail "summary doc: $(cat "$T/fm")"
grep -qx "hash: \"$hash\"" "$sum" || fail "summary hash"
grep -qx 'type: "index"' "$KB/wiki/index.md" || fail "index type"
grep -qx 'type: "log"' "$KB/wiki/log.md" || fail "log type"
grep -qx 'type: "agents"' "$KB/wiki/AGENTS.md" || fail "AGENTS type"
# A title with quotes and a backslash is quoted safely.
printf '# Say "hi" \\ there\n\nbody\n' > "$T/quote.md"
kbctl add "$T/quote.md" >/dev/null
grep -qxF 'title: "Say \"hi\" \\ there"' "$KB/wiki/summaries/quote.md" ||
    fail "quoted title: $(grep title: "$KB/wiki/summaries/quote.md")"
lint_clean

# lint agrees with lint --fix: each planted problem is reported (exit 1)
# with what to do next; lint --fix repairs it; lint is clean; lint --fix
# again repairs nothing.
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

cp "$sum" "$T/sum.good"
# A tampered summary (frontmatter intact).
sed -i 's/^## Description$/## Tampered/' "$sum"
agree "a tampered summary" "text00000.md: does not match the registry (its text differs"
diff "$T/sum.good" "$sum" >&2 || fail "summary not restored"
# No frontmatter.
sed -i '1,/^---$/d' "$sum"
head -1 "$sum" | grep -qx '' || fail "frontmatter not removed"
agree "a summary without frontmatter" "text00000.md: does not match the registry (no frontmatter"
diff "$T/sum.good" "$sum" >&2 || fail "summary not restored"
# Frontmatter that does not parse (an unterminated string).
sed -i 's/^doc: "text00000"$/doc: "text00000/' "$sum"
agree "unparsable frontmatter" "(its frontmatter does not parse"
# A hash that is not the registry's.
sed -i "s/^hash: \"$hash\"\$/hash: \"0000\"/" "$sum"
agree "a wrong hash" "(its frontmatter's hash is not the registry's"
# A doc that is not the page's document.
sed -i 's/^doc: "text00000"$/doc: "other"/' "$sum"
agree "a wrong doc" "(its frontmatter's doc is not the document's name"
diff "$T/sum.good" "$sum" >&2 || fail "summary not restored"
# index.md with a line changed.
sed -i 's/^\(- \[txt\].*\)$/\1 edited/' "$KB/wiki/index.md"
grep -q ' edited$' "$KB/wiki/index.md" || fail "index not planted"
agree "a wrong index.md" "wiki/index.md: not as the registry makes it"
! grep -q ' edited$' "$KB/wiki/index.md" || fail "index not repaired"
# A page by type with a line changed, one missing, a stray one.
sed -i 's/^\(- \[Plain text 4\].*\)$/\1 edited/' "$KB/wiki/index/type/txt.md"
grep -q ' edited$' "$KB/wiki/index/type/txt.md" || fail "type page not planted"
agree "a wrong page by type" "wiki/index/type/txt.md: not as the registry makes it"
! grep -q ' edited$' "$KB/wiki/index/type/txt.md" || fail "type page not repaired"
f=$(ls "$KB"/wiki/index/folder/*.md | head -1)
cp "$f" "$T/folder.good"
rm "$f"
agree "a missing page by folder" "${f#"$KB"/}: missing"
cmp "$T/folder.good" "$f" || fail "folder page not restored"
echo stray > "$KB/wiki/index/type/zzz.md"
agree "a stray index page" "wiki/index/type/zzz.md: no such index group"
[ ! -e "$KB/wiki/index/type/zzz.md" ] || fail "stray index page left"
# An orphan summary page.
echo orphan > "$KB/wiki/summaries/orphan.md"
agree "an orphan page" "wiki/summaries/orphan.md: no document in the registry"
[ ! -e "$KB/wiki/summaries/orphan.md" ] || fail "orphan page left"
# AGENTS.md edited.
echo "edited" >> "$KB/wiki/AGENTS.md"
agree "an edited AGENTS.md" "wiki/AGENTS.md: not as the registry makes it"
! grep -qx edited "$KB/wiki/AGENTS.md" || fail "AGENTS.md not repaired"
# log.md from before frontmatter: its entries are kept.
entries_before=$(entries)
sed -i '1,/^# Log$/d' "$KB/wiki/log.md"
sed -i '1s/^/# Log\n/' "$KB/wiki/log.md"
agree "log.md without frontmatter" "wiki/log.md: no frontmatter and header"
head -1 "$KB/wiki/log.md" | grep -qx -- '---' || fail "log.md frontmatter"
assert_eq 1 "$(grep -cx '# Log' "$KB/wiki/log.md")" "one log header"
# Its entries, and one per lint --fix that repaired.
assert_eq $((entries_before + 1)) "$(entries)" "log.md entries kept"
grep '^## ' "$KB/wiki/log.md" | tail -1 | grep -q '\] lint --fix | 1 repair$' ||
    fail "lint --fix entry: $(grep '^## ' "$KB/wiki/log.md" | tail -1)"
! grep -q '| 1 repairs$' "$KB/wiki/log.md" || fail "wrong plural in log.md"
