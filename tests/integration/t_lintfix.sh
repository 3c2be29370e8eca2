# lint --fix: each fixable problem planted is repaired exactly, through one
# journaled commit; what the KB cannot repair is reported and left alone.
. "$(dirname "$0")/lib.sh"

make_corpus "$T/src" 20
kbctl init >/dev/null
kbctl add "$T/src" >/dev/null
lint_clean

# A clean KB: nothing to repair, nothing changed (log.md included).
cp "$KB/wiki/log.md" "$T/log.before"
out=$(kbctl lint --fix --json) || fail "lint --fix on a clean KB: $out"
assert_eq 0 "$(echo "$out" | jq '.repairs | length')" "repairs on a clean KB"
cmp -s "$KB/wiki/log.md" "$T/log.before" || fail "clean lint --fix wrote log.md"

# The pages as batches wrote them, to compare with the repaired ones.
cp "$KB/wiki/summaries/note00003.md" "$T/sum3"
cp "$KB/wiki/summaries/text00002.md" "$T/sum2"
cp "$KB/wiki/index.md" "$T/index"
cp -r "$KB/wiki/index" "$T/index.d"
assert_eq 20 "$(index_entries)" "index entries"

# Planted while kbd runs (no job): a restart would itself recreate log.md
# and empty staging.
# a) strays and leftover staging.
echo stray > "$KB/raw/stray.bin"
echo stray > "$KB/wiki/sources/stray.md"
echo stray > "$KB/wiki/summaries/stray.md"
echo junk > "$KB/.kb/staging/junk"
# b) a missing summary (its outline is rebuilt from the Markdown's
# headings), and one whose title and description were edited by hand (its
# outline is kept).
rm "$KB/wiki/summaries/note00003.md"
sed -i 's/^# Plain text 2$/# Wrong title/; s/subject2/subject9/' \
    "$KB/wiki/summaries/text00002.md"
# c) index.md with a line gone, the pages by type with a line gone and
# one doubled; log.md missing.
sed -i '/^- \[md\]/d' "$KB/wiki/index.md"
sed -i '/note00005/d; /text00006/p' "$KB/wiki/index/type/md.md" \
    "$KB/wiki/index/type/txt.md"
rm "$KB/wiki/log.md"
# d) a document without its full-text row, a row without a document.
id=$(sqlite3 "$KB/.kb/kb.db" "select id from documents where name='note00007'")
# (kbsql: the full-text table needs kbd's tokenizer, which sqlite3 lacks.)
"$KBD_BIN/kbsql" "$KB/.kb/kb.db" "delete from fts where rowid=$id;
    insert into fts(rowid, name, title, headings, body) values (99999, 'ghost', 'ghost', '', 'ghostword');"
[ "$(kbctl search word7 --json | jq length)" = 0 ] || fail "fts row not gone"

set +e
out=$(kbctl lint --fix --json)
st=$?
set -e
assert_eq 0 "$st" "lint --fix exit status: $out"
assert_eq true "$(echo "$out" | jq -r .ok)" "ok after the fix"
rep=$(echo "$out" | jq -r '.repairs[]')
for want in "raw/stray.bin: removed" "wiki/sources/stray.md: removed" \
    "wiki/summaries/stray.md: removed" ".kb/staging/junk: removed" \
    "wiki/summaries/note00003.md: written again (missing)" \
    "wiki/summaries/text00002.md: written again (did not match" \
    "wiki/index.md: rewritten" "wiki/log.md: created" \
    "wiki/index/type/md.md: rewritten" "wiki/index/type/txt.md: rewritten" \
    "full-text row rebuilt from wiki/sources/note00007.md" \
    "1 full-text row without a document deleted"; do
	echo "$rep" | grep -qF -- "$want" || fail "repair '$want' not in: $rep"
done
assert_eq 12 "$(echo "$out" | jq '.repairs | length')" "number of repairs"

for f in raw/stray.bin wiki/sources/stray.md wiki/summaries/stray.md \
    .kb/staging/junk; do
	[ ! -e "$KB/$f" ] || fail "$f not removed"
done
cmp "$KB/wiki/summaries/text00002.md" "$T/sum2" || fail "summary 2 content"
cmp "$KB/wiki/summaries/note00003.md" "$T/sum3" || fail "summary 3 content"
diff "$T/index" "$KB/wiki/index.md" || fail "index.md content"
diff -r "$T/index.d" "$KB/wiki/index" || fail "index pages content"
# The header after its frontmatter: type log, then "# Log".
head -1 "$KB/wiki/log.md" | grep -qx -- "---" || fail "log.md frontmatter"
sed -n 2p "$KB/wiki/log.md" | grep -qx 'type: "log"' || fail "log.md type"
sed -n 6p "$KB/wiki/log.md" | grep -qx "# Log" || fail "log.md header"
grep -q "lint --fix | 12 repairs" "$KB/wiki/log.md" || fail "log.md entry"
hit=$(kbctl search word7 --json)
assert_eq note00007 "$(echo "$hit" | jq -r '.[0].doc')" "search after the fix"
assert_eq 0 "$(kbctl search ghostword --json | jq length)" "ghost row"
[ -z "$(ls "$KB/.kb/journal")" ] || fail "journal left: $(ls "$KB/.kb/journal")"
lint_clean
out=$(kbctl lint) || fail "text lint: $out"
assert_eq ok "$out" "text lint"

# d2) a stale full-text row: there, but not the document's Markdown under
# this tokenizer. lint reports it; lint --fix rebuilds it, and only it.
id9=$(sqlite3 "$KB/.kb/kb.db" "select id from documents where name='note00009'")
title9=$(sqlite3 "$KB/.kb/kb.db" "select title from documents where id=$id9")
"$KBD_BIN/kbsql" "$KB/.kb/kb.db" "delete from fts where rowid=$id9;
    insert into fts(rowid, name, title, headings, body) values ($id9, 'note00009', '$title9', '', 'stalewordzz');"
set +e
out=$(kbctl lint)
st=$?
set -e
assert_eq 1 "$st" "lint exit status with a stale row: $out"
assert_contains "$out" ".kb/kb.db: full-text row of note00009: not indexed for this tokenizer" "stale row reported"
out=$(kbctl lint --fix --json) || fail "lint --fix of a stale row: $out"
assert_eq "full-text row rebuilt from wiki/sources/note00009.md" \
    "$(echo "$out" | jq -r '.repairs[]' | sed 's/^[^ ]* //')" "the stale row's repair"
assert_eq 0 "$(kbctl search stalewordzz --json | jq length)" "stale text gone"
assert_eq note00009 "$(kbctl search word9 --files | grep -x note00009)" "found again"
lint_clean

# e) unfixable: modified raw, a missing source. Reported, left alone.
echo tampered >> "$KB/raw/note00001.md"
cp "$KB/raw/note00001.md" "$T/raw1"
rm "$KB/wiki/sources/text00004.md"
echo stray > "$KB/raw/stray2"
set +e
out=$(kbctl lint --fix)
st=$?
set -e
assert_eq 1 "$st" "lint --fix exit status with unfixable problems"
echo "$out" | grep -q "^repaired: raw/stray2: removed" || fail "stray2: $out"
echo "$out" | grep -q "^raw/note00001.md: content does not match" ||
    fail "modified raw not reported: $out"
echo "$out" | grep -q "^wiki/sources/text00004.md: missing" ||
    fail "missing source not reported: $out"
cmp "$KB/raw/note00001.md" "$T/raw1" || fail "modified raw touched"
[ -e "$KB/wiki/summaries/text00004.md" ] || fail "summary 4 removed"
[ ! -e "$KB/raw/stray2" ] || fail "stray2 left"
