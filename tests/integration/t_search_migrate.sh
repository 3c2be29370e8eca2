# The index's schema migration (issue 12): a KB of schema 2 (FTS5's
# default tokenizer, made by tests/integration/mkoldkb.py from a KB of
# this kbd) upgrades itself on the first start: 2 to 3 to 4, the
# full-text index rebuilt from wiki/sources in bounded transactions; a
# rebuild cut midway resumes; lint checks the index against the registry.
. "$(dirname "$0")/lib.sh"

KBSQL="$KBD_BIN/kbsql"
mkdir -p "$T/in"
printf '# Night birds\n\nThe owls were hunting in the forest at night.\n' > "$T/in/owls.md"
printf '# Tokyo\n\n東京は日本の首都です。\n' > "$T/in/jp.md"
i=0
while [ $i -lt 300 ]; do
	printf '# Note %d\n\nword%d notes about topic%d\n' $i $i $i > "$T/in/note$i.md"
	i=$((i + 1))
done
kbctl init >/dev/null
kbctl add "$T/in" >/dev/null
assert_eq 302 "$(doc_count)" "documents"
kbctl stop >/dev/null

python3 "$(dirname "$0")/mkoldkb.py" "$KBSQL" "$KB"
assert_eq 2 "$(sqlite3 "$KB/.kb/kb.db" "select value from meta where key = 'schema'")" "an old KB"
assert_eq 302 "$(sqlite3 "$KB/.kb/kb.db" "select count(*) from fts")" "its old index"

# The first start migrates and rebuilds (in slices, kbd answering
# meanwhile: t_reindex); once it is done, the new index answers.
not_rebuilding() {
	[ "$(kbctl status --json | jq -r .index_rebuilding)" != true ]
}
wait_until "the rebuild's end" not_rebuilding
assert_eq owls "$(kbctl search owl --json | jq -r '.[].doc')" "owl finds owls after the upgrade"
assert_eq jp "$(kbctl search 首都 --json | jq -r '.[].doc')" "CJK after the upgrade"
assert_eq "$SCHEMA" "$("$KBSQL" "$KB/.kb/kb.db" "select value from meta where key = 'schema'")" "schema"
assert_eq 1 "$("$KBSQL" "$KB/.kb/kb.db" "select count(*) from sqlite_master where name = 'sources_stat'")" "schema 12's index"
# Schema 13's documents.lang, written by the rebuild with each row.
assert_eq 0 "$("$KBSQL" "$KB/.kb/kb.db" "select count(*) from documents where lang = ''")" "every document's language"
assert_eq en "$("$KBSQL" "$KB/.kb/kb.db" "select lang from documents where name = 'owls'")" "owls' language"
assert_eq 302 "$("$KBSQL" "$KB/.kb/kb.db" "select count(*) from fts")" "rows rebuilt"
assert_eq "" "$("$KBSQL" "$KB/.kb/kb.db" "select value from meta where key = 'reindex'")" "rebuild done"
for i in $(seq 2 $((SCHEMA - 1))); do
	grep -q "schema $i migrated to $((i + 1))" "$KB/.kb/kbd.log" ||
	    fail "no log line: schema $i migrated to $((i + 1))"
done
grep -q 'full-text index: rebuilt, 302 documents' "$KB/.kb/kbd.log" ||
    fail "no log line: full-text index: rebuilt, 302 documents"
lint_clean

# A rebuild cut after its first transactions (what a kill leaves: rows up
# to the recorded document, its id in meta) resumes after that document.
kbctl stop >/dev/null
mid=$("$KBSQL" "$KB/.kb/kb.db" "select min(id) + 150 from documents")
"$KBSQL" "$KB/.kb/kb.db" "delete from fts where rowid > $mid;
    insert or replace into meta(key, value) values ('reindex', '$mid')"
assert_eq 151 "$("$KBSQL" "$KB/.kb/kb.db" "select count(*) from fts")" "a cut rebuild"
wait_until "the resumed rebuild's end" not_rebuilding
assert_eq note299 "$(kbctl search word299 --json | jq -r '.[].doc')" "a document after the cut"
assert_eq 302 "$("$KBSQL" "$KB/.kb/kb.db" "select count(*) from fts")" "rows after the resume"
grep -q "full-text index: rebuilding after document $mid" "$KB/.kb/kbd.log" ||
	fail "the rebuild did not resume after $mid"
grep -q 'full-text index: rebuilt, 151 documents' "$KB/.kb/kbd.log" ||
	fail "the resumed rebuild did not index the rest only"
lint_clean

# lint: a row that is not the document's Markdown, and a row of the old
# tokenizer (no language marker), are reported.
id=$("$KBSQL" "$KB/.kb/kb.db" "select id from documents where id % max(1, (select count(*) from documents) / 32) = 0 limit 1")
"$KBSQL" "$KB/.kb/kb.db" "update fts set body = char(31) || 'en' || char(31) || 'stale' where rowid = $id"
set +e
out=$(kbctl lint --json)
st=$?
set -e
[ $st -ne 0 ] || fail "lint clean with a stale full-text row"
assert_contains "$out" "differs from wiki/sources/" "lint names the stale row"
"$KBSQL" "$KB/.kb/kb.db" "update fts set body = 'old' where rowid = $id"
set +e
out=$(kbctl lint --json)
set -e
assert_contains "$out" "not indexed for this tokenizer" "lint names a row of the old tokenizer"
