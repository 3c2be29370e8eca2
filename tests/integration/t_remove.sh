# remove: files, rows, index entries and summary pages go; the rest stays.
. "$(dirname "$0")/lib.sh"

make_corpus "$T/src" 50
kbctl init >/dev/null
kbctl add "$T/src" >/dev/null
assert_eq 50 "$(doc_count)" "documents before"

out=$(kbctl remove note00001 text00002)
assert_contains "$out" "removed note00001" "remove output"
assert_eq 48 "$(doc_count)" "documents after"
for f in raw/note00001.md wiki/sources/note00001.md wiki/summaries/note00001.md \
    raw/text00002.txt wiki/sources/text00002.md wiki/summaries/text00002.md; do
	[ ! -e "$KB/$f" ] || fail "$f still there after remove"
done
assert_eq 0 "$(index_entries note00001)" "index entries of note00001"
assert_eq 1 "$(index_entries note00003)" "index entries of note00003"
grep -q 'remove' "$KB/wiki/log.md" || fail "log.md has no remove entry"
assert_eq 0 "$(kbctl search word1 --json | jq '[.[] | select(.doc == "note00001")] | length')" \
    "removed document still searchable"
lint_clean

# A missing document: exit 1, the others are removed.
set +e
kbctl remove nosuchdoc note00003 > "$T/out" 2> "$T/err"
st=$?
set -e
assert_eq 1 "$st" "exit status for a missing document"
assert_contains "$(cat "$T/err")" "nosuchdoc" "error names the document"
assert_eq 47 "$(doc_count)" "documents after partial remove"

# The removed content can be added again.
kbctl add "$T/src/part01/note00001.md" >/dev/null
assert_eq 48 "$(doc_count)" "re-added document"
lint_clean
