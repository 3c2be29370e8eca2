# Documents' languages (issue 12): documents.lang (schema 13) holds the
# code the tokenizer indexed each document in; lang: in queries selects
# on it; show --meta, list --json and the summary page's front matter
# say it; a schema-12 KB gets its documents' languages when it upgrades.
. "$(dirname "$0")/lib.sh"

KBSQL="$KBD_BIN/kbsql"
mkdir -p "$T/in"
printf '# Chevaux\n\nLes chevaux mangeaient dans les prairies et le village était calme pour les enfants.\n' > "$T/in/fr.md"
printf '# Häuser\n\nDie Kinder spielten nicht in den Häusern, und der Hund ist auch nicht mit ihnen auf der Straße.\n' > "$T/in/de.md"
printf '# Horses\n\nThe horses were eating in the meadows and the village was calm for the children.\n' > "$T/in/en.md"
kbctl init >/dev/null
kbctl add "$T/in" >/dev/null
assert_eq 3 "$(doc_count)" "documents"

docs() {
	kbctl search "$@" --json | jq -r '[.[].doc] | sort | join(" ")'
}

# The registry records each document's language.
assert_eq "de:de en:en fr:fr" "$("$KBSQL" "$KB/.kb/kb.db" "select name || ':' || lang from documents order by name" | tr '\n' ' ' | sed 's/ $//')" "documents.lang"

# lang: selects on it, in any case, by code or Snowball name or tag.
assert_eq fr "$(docs 'lang:fr village')" "lang:fr"
assert_eq fr "$(docs 'lang:FR')" "lang:FR alone"
assert_eq fr "$(docs 'lang:french')" "lang:french"
assert_eq fr "$(docs 'lang:fr-CA')" "lang:fr-CA"
assert_eq en "$(docs 'lang:en village')" "lang:en"
assert_eq "de fr" "$(docs '-lang:en')" "-lang:en"
expect_status 1 kbctl search 'lang:es'
set +e
"$KBCTL" -C "$KB" search 'lang:xx village' >"$T/q.out" 2>"$T/q.err"
st=$?
set -e
assert_eq 2 "$st" "lang:xx exit status"
assert_eq 1 "$(wc -l < "$T/q.err")" "lang:xx: one line"
assert_contains "$(cat "$T/q.err")" 'lang: unknown language "xx"' "lang:xx message"
[ ! -s "$T/q.out" ] || fail "lang:xx printed $(cat "$T/q.out")"

# A schema-12 KB (no documents.lang) upgrades on the first start and
# gets every document's language from its indexed text, in the one step.
kbctl stop >/dev/null
"$KBSQL" "$KB/.kb/kb.db" "alter table documents drop column lang;
    update meta set value = '12' where key = 'schema'"
assert_eq 0 "$("$KBSQL" "$KB/.kb/kb.db" "select count(*) from pragma_table_info('documents') where name = 'lang'")" "a schema-12 KB"
assert_eq fr "$(docs 'lang:fr')" "lang:fr after the upgrade"
assert_eq "$SCHEMA" "$("$KBSQL" "$KB/.kb/kb.db" "select value from meta where key = 'schema'")" "schema"
assert_eq "de:de en:en fr:fr" "$("$KBSQL" "$KB/.kb/kb.db" "select name || ':' || lang from documents order by name" | tr '\n' ' ' | sed 's/ $//')" "languages after the upgrade"
grep -q "schema 12 migrated to 13" "$KB/.kb/kbd.log" || fail "no log line: schema 12 migrated to 13"
lint_clean
