# Documents' languages (issue 12): documents.lang (schema 13) holds the
# code the tokenizer indexed each document in; lang: in queries selects
# on it; show --meta, list --json and the summary page's front matter
# say it, and lint checks them; a schema-12 KB gets its documents'
# languages when it upgrades; kbd.conf's language is the default for a
# document whose language does not show, and recompile applies a change.
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

# Shown wherever a document's record is.
assert_eq fr "$(kbctl show fr --meta --json | jq -r .language)" "show --meta --json"
assert_contains "$(kbctl show de --meta)" "$(printf '\nlanguage:    de\n')" "show --meta"
assert_eq "de:de en:en fr:fr" "$(kbctl list --json | jq -r '[.[] | .doc + ":" + .language] | sort | join(" ")')" "list --json"
assert_eq fr "$(kbctl search village 'lang:fr' --json | jq -r '.[0].language')" "search --json"
# The summary page's frontmatter, as lint checks it.
assert_eq '"fr"' "$(sed -n '/^---$/,/^---$/s/^language: //p' "$KB/wiki/summaries/fr.md")" "frontmatter language"
lint_clean
# MCP: read's meta part is show --meta --json's record.
out=$( {
	printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}\n'
	echo '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read","arguments":{"doc":"de","part":"meta"}}}'
	echo '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"query":"lang:fr"}}}'
      } | kbctl mcp 2>/dev/null)
assert_eq de "$(printf '%s\n' "$out" | sed -n 2p | jq -r '.result.structuredContent.text | fromjson | .language')" "MCP read meta"
assert_eq fr "$(printf '%s\n' "$out" | sed -n 3p | jq -r '.result.structuredContent.hits[0].language')" "MCP search"

# A wrong language line is a page lint reports and --fix writes again.
sed -i 's/^language: "fr"$/language: "de"/' "$KB/wiki/summaries/fr.md"
set +e
out=$(kbctl lint 2>&1)
set -e
assert_contains "$out" "wiki/summaries/fr.md: does not match the registry" "lint: a wrong language"
kbctl lint --fix >/dev/null || true
assert_eq '"fr"' "$(sed -n '/^---$/,/^---$/s/^language: //p' "$KB/wiki/summaries/fr.md")" "lint --fix: language"
lint_clean

# A registry language that is not its row's: lint reports it, --fix
# writes the row again and the registry with it.
kbctl stop >/dev/null
"$KBSQL" "$KB/.kb/kb.db" "update documents set lang = 'de' where name = 'fr'"
set +e
out=$(kbctl lint 2>&1)
set -e
assert_contains "$out" "full-text row of fr is in fr, the registry says de" "lint: documents.lang"
kbctl lint --fix >/dev/null || true
assert_eq fr "$(kbctl show fr --meta --json | jq -r .language)" "lint --fix: documents.lang"
lint_clean

# A schema-12 KB (no documents.lang) upgrades on the first start and
# gets every document's language from its indexed text, in the one step.
kbctl stop >/dev/null
"$KBSQL" "$KB/.kb/kb.db" "alter table documents drop column lang;
    drop table concepts_pending;
    update meta set value = '12' where key = 'schema'"
# Its summary pages, as kbd before schema 13 wrote them: no language line.
sed -i '/^language: /d' "$KB"/wiki/summaries/*.md
assert_eq 0 "$("$KBSQL" "$KB/.kb/kb.db" "select count(*) from pragma_table_info('documents') where name = 'lang'")" "a schema-12 KB"
assert_eq fr "$(docs 'lang:fr')" "lang:fr after the upgrade"
assert_eq "$SCHEMA" "$("$KBSQL" "$KB/.kb/kb.db" "select value from meta where key = 'schema'")" "schema"
assert_eq "de:de en:en fr:fr" "$("$KBSQL" "$KB/.kb/kb.db" "select name || ':' || lang from documents order by name" | tr '\n' ' ' | sed 's/ $//')" "languages after the upgrade"
grep -q "schema 12 migrated to 13" "$KB/.kb/kbd.log" || fail "no log line: schema 12 migrated to 13"
lint_clean
# A page without a language line (before schema 13) is no lint problem;
# recompile writes it with one.
assert_eq "" "$(grep -l '^language: ' "$KB"/wiki/summaries/*.md || true)" "pages from before 13"
kbctl recompile --all >/dev/null
assert_eq '"de"' "$(sed -n '/^---$/,/^---$/s/^language: //p' "$KB/wiki/summaries/de.md")" "recompile writes the language"
lint_clean

# The KB's default language (kbd.conf's language): for a document whose
# language is not clear (no front matter, too few stop words) in place of
# English. Without the key, English: its words take English stems.
printf '# Gärten\n\nKinder Häusern Gärten\n' > "$T/in/amb.md"
kbctl add "$T/in/amb.md" >/dev/null
assert_eq en "$(kbctl show amb --meta --json | jq -r .language)" "no key: English"
assert_eq de "$(docs Haus)" "no key: Haus does not find Häusern in an English document"
assert_eq en "$(kbctl config language)" "config: the default"
set +e
"$KBCTL" -C "$KB" config language xx >"$T/c.out" 2>"$T/c.err"
st=$?
set -e
assert_eq 2 "$st" "config language xx: exit status"
# One line that says it (then kbctl config's usage, as for any key).
assert_contains "$(head -1 "$T/c.err")" "language: 'xx' is no language kbd knows" "config language xx"
assert_contains "$(head -1 "$T/c.err")" ": en, fr, de," "config language xx: the codes"
kbctl config language de 2>/dev/null
assert_eq de "$(kbctl config language)" "config language de"
assert_contains "$(kbctl config)" "language    de	# " "config lists it"
assert_eq '{"value":"de","set":true}' "$(kbctl config --json | jq -c '.language | {value, set}')" "config --json"
# kbd reads kbd.conf when it starts; a document added then is German.
kbctl stop >/dev/null
printf '# Bäume\n\nBäumen Wäldern\n' > "$T/in/amb2.md"
kbctl add "$T/in/amb2.md" >/dev/null
assert_eq de "$(kbctl show amb2 --meta --json | jq -r .language)" "language = de: German"
assert_eq amb2 "$(docs Baum)" "a stemmed German query finds it"
assert_eq '"de"' "$(sed -n '/^---$/,/^---$/s/^language: //p' "$KB/wiki/summaries/amb2.md")" "its page says so"
# Documents whose language shows keep it; one indexed before the change
# keeps English (its row, its page) until recompile writes it again.
assert_eq "en fr de en" "$(for d in en fr de amb; do kbctl show $d --meta --json | jq -r .language; done | tr '\n' ' ' | sed 's/ $//')" "others unchanged"
# A changed key alone is nothing for lint: page and row still agree.
lint_clean
assert_eq 0 "$(kbctl lint --fix --json | jq '.repairs | length')" "lint --fix: nothing to repair"
assert_eq en "$(kbctl show amb --meta --json | jq -r .language)" "lint --fix leaves the language"
kbctl recompile --all >/dev/null
assert_eq de "$(kbctl show amb --meta --json | jq -r .language)" "recompile: German"
assert_eq "amb de" "$(docs Haus)" "after recompile Haus finds Häusern"
assert_eq "en fr de" "$(for d in en fr de; do kbctl show $d --meta --json | jq -r .language; done | tr '\n' ' ' | sed 's/ $//')" "recompile: the others keep theirs"
lint_clean
# A bad language written by hand: kbd refuses to start, naming the line.
printf 'language = klingon\n' >> "$KB/.kb/kbd.conf"
kbctl stop >/dev/null
set +e
"$KBCTL" -C "$KB" status >/dev/null 2>"$T/s.err"
st=$?
set -e
[ "$st" != 0 ] || fail "kbd started with language = klingon"
assert_contains "$(cat "$T/s.err")" "language: 'klingon' is no language kbd knows" "kbd: a bad language"
