# Links between documents (issue 14): a relative link whose target is a
# file in the KB becomes a link to that document's page, in its source
# page and its summary; a target added later resolves when it arrives; a
# removed target turns back into plain text with the original URL;
# summaries list "Links to" and "Linked from"; lint finds a broken link
# and lint --fix repairs it. Then python3.11-doc's tutorial: its pages
# link to each other, and no link is broken.
. "$(dirname "$0")/lib.sh"

KBSQL="$KBD_BIN/kbsql"
kbsql_db() { "$KBSQL" "$KB/.kb/kb.db" "$1"; }

# doc_of PATH: the document added from PATH.
doc_of() {
	kbctl list --json | jq -r --arg p "$1" '.[] | select(.src_path == $p) | .doc'
}

S=$T/site
mkdir -p "$S/sub"
cat > "$S/index.html" <<'H'
<html><head><title>Home page</title></head><body><h1>Home</h1>
<p>See <a href="sub/alpha.html#part">the alpha page</a>, <a href="beta.html">the beta page</a>
and <a href="https://example.org/x.html">elsewhere</a>.</p></body></html>
H
cat > "$S/sub/alpha.html" <<'H'
<html><head><title>Alpha page</title></head><body><h1>Alpha</h1>
<p>Back <a href="../index.html">home</a>.</p></body></html>
H
cat > "$S/beta.html" <<'H'
<html><head><title>Beta page</title></head><body><h1>Beta</h1>
<p>To <a href="./sub/alpha.html?x=1">alpha</a>.</p></body></html>
H

kbctl init >/dev/null
kbctl add "$S/index.html" "$S/sub/alpha.html" >/dev/null
home=$(doc_of "$S/index.html")
alpha=$(doc_of "$S/sub/alpha.html")
[ -n "$home" ] && [ -n "$alpha" ] || fail "documents not added"
src=$KB/wiki/sources/$home.md
sum=$KB/wiki/summaries/$home.md

# Resolved: the target's page, the original URL kept as the title.
grep -qF "[the alpha page](../sources/$alpha.md \"sub/alpha.html#part\")" "$src" ||
    fail "alpha link not resolved: $(cat "$src")"
# Pending: plain text with the original URL; absolute URLs untouched.
grep -qF '\[the beta page\](beta.html)' "$src" ||
    fail "beta link not plain while pending: $(cat "$src")"
grep -qF '[elsewhere](https://example.org/x.html)' "$src" ||
    fail "absolute link changed: $(cat "$src")"
assert_eq 1 "$(kbsql_db "select count(*) from links where to_doc is null")" \
    "pending links"
# Summaries: Links to, Linked from (alpha links back home).
sed -n '/^## Links to$/,$p' "$sum" | grep -qxF -- "- [Alpha page]($alpha.md)" ||
    fail "home's Links to: $(cat "$sum")"
sed -n '/^## Linked from$/,$p' "$KB/wiki/summaries/$alpha.md" |
    grep -qxF -- "- [Home page]($home.md)" ||
    fail "alpha's Linked from: $(cat "$KB/wiki/summaries/$alpha.md")"
lint_clean

# The full-text row holds links as the converter wrote them, whatever
# their form on the page: resolving one changes no row.
home_id=$(kbsql_db "select id from documents where name = '$home'")
row() { kbsql_db "select body from fts where rowid = $home_id"; }
row_before=$(row)
case "$row_before" in
*"[the alpha page](sub/alpha.html#part)"*"[the beta page](beta.html)"*) ;;
*) fail "full-text row's links: $row_before" ;;
esac

# The target arrives: the page that links to it is rewritten in that job,
# only the link to it (linkw.c): the rest of the page byte for byte, the
# other links' rows as they were.
src_before=$(cat "$src")
rows() { kbsql_db "select target, coalesce(to_doc, 0) from links where from_doc = $home_id and target not like '%beta.html' order by 1"; }
rows_before=$(rows)
kbctl add "$S/beta.html" >/dev/null
beta=$(doc_of "$S/beta.html")
grep -qF "[the beta page](../sources/$beta.md \"beta.html\")" "$src" ||
    fail "beta link not resolved on arrival: $(cat "$src")"
assert_eq "${src_before/'\[the beta page\](beta.html)'/"[the beta page](../sources/$beta.md \"beta.html\")"}" \
    "$(cat "$src")" "home's source page once beta is in"
assert_eq "$rows_before" "$(rows)" "home's other links' rows"
assert_eq "$(kbsql_db "select id from documents where name = '$beta'")" \
    "$(kbsql_db "select to_doc from links where from_doc = $home_id and target like '%beta.html'")" \
    "home's link to beta resolved"
assert_eq 0 "$(kbsql_db "select count(*) from links where to_doc is null")" \
    "pending links once beta is in"
sed -n '/^## Links to$/,$p' "$sum" | grep -qxF -- "- [Beta page]($beta.md)" ||
    fail "home's Links to after beta: $(cat "$sum")"
grep -qF "[alpha](../sources/$alpha.md \"./sub/alpha.html?x=1\")" \
    "$KB/wiki/sources/$beta.md" || fail "beta's own link"
sed -n '/^## Linked from$/,$p' "$KB/wiki/summaries/$alpha.md" |
    grep -qxF -- "- [Beta page]($beta.md)" ||
    fail "alpha's Linked from after beta: $(cat "$KB/wiki/summaries/$alpha.md")"
assert_eq "$row_before" "$(row)" "home's full-text row after its link resolved"
kbctl search --json 'beta page' | jq -r '.[].snippet' | grep -q 'sources/' &&
    fail "a snippet shows a wiki path: $(kbctl search --json 'beta page')"
lint_clean

# A removed target: links to it turn back into plain text, original URL.
kbctl remove "$alpha" >/dev/null
grep -qF '\[the alpha page\](sub/alpha.html#part)' "$src" ||
    fail "alpha link not plain after remove: $(cat "$src")"
grep -qF '\[alpha\](./sub/alpha.html?x=1)' "$KB/wiki/sources/$beta.md" ||
    fail "beta's link not plain after remove"
grep -qF "$alpha.md" "$sum" && fail "home's summary still lists alpha"
kbctl search alpha --json | jq -e 'length >= 1' >/dev/null ||
    fail "search after the rewrite"
lint_clean
# Added again, it resolves again.
kbctl add "$S/sub/alpha.html" >/dev/null
alpha=$(doc_of "$S/sub/alpha.html")
grep -qF "[the alpha page](../sources/$alpha.md \"sub/alpha.html#part\")" "$src" ||
    fail "alpha link not resolved after its return"
lint_clean

# A broken link (a page renamed by hand in the link): lint says so,
# lint --fix rewrites it from the registry, then lint is clean.
sed -i "s|../sources/$beta.md|../sources/gone-page.md|" "$src"
out=$(kbctl lint 2>&1) && fail "lint ok with a broken link"
assert_contains "$out" "broken link" "lint names the broken link"
kbctl lint --fix >/dev/null
grep -qF "[the beta page](../sources/$beta.md \"beta.html\")" "$src" ||
    fail "lint --fix did not repair the link: $(cat "$src")"
lint_clean
out=$(kbctl lint --fix)
assert_eq ok "$out" "lint --fix after lint ok repairs nothing"

# python3.11-doc: the tutorial's pages link to each other.
PY=/usr/share/doc/python3.11/html/tutorial
[ -f "$PY/index.html" ] || fail "python3.11-doc not installed (scripts/deps.sh)"
kbctl add "$PY" >/dev/null
ti=$(doc_of "$PY/index.html")
intro=$(doc_of "$PY/introduction.html")
ctl=$(doc_of "$PY/controlflow.html")
ds=$(doc_of "$PY/datastructures.html")
grep -qF "](../sources/$intro.md \"introduction.html" "$KB/wiki/sources/$ti.md" ||
    fail "tutorial/index.html does not link introduction.html"
grep -qF "](../sources/$ctl.md \"controlflow.html" "$KB/wiki/sources/$ds.md" ||
    fail "datastructures.html does not link controlflow.html"
# Links out of the tutorial (the library reference) wait as plain text.
grep -qF '\](../library/functions.html#int)' "$KB/wiki/sources/$intro.md" ||
    fail "introduction.html's link to the library is not plain text"
sed -n '/^## Linked from$/,$p' "$KB/wiki/summaries/$intro.md" |
    grep -qF "]($ti.md)" || fail "introduction is not linked from the index"
# Links between the tutorial's own pages resolve; those out of it wait.
n=$(kbsql_db "select count(*) from links l join sources s on s.doc = l.from_doc where s.path like '$PY/%' and l.to_doc is not null")
[ "$n" -ge 20 ] || fail "only $n resolved links in the tutorial"
lint_clean

# A recompile with the same converters changes nothing: the pages'
# rewritten links are what the conversion publishes, not a difference.
r=$(kbctl recompile --all --json | tail -n 1)
assert_eq 0 "$(echo "$r" | jq .updated)" "documents a recompile changed"
[ "$(echo "$r" | jq .duplicates)" -ge 17 ] || fail "recompile: $r"

# A target's new title: the summaries that link to it list it so.
mkdir -p "$T/ttl"
printf '# Linker\n\nSee [the target](target.md).\n' > "$T/ttl/linker.md"
printf '# Old title\n\nThe target page.\n' > "$T/ttl/target.md"
kbctl add "$T/ttl" >/dev/null
lk=$(doc_of "$T/ttl/linker.md")
sed -n '/^## Links to$/,$p' "$KB/wiki/summaries/$lk.md" | grep -qF "[Old title](" ||
    fail "the linker's summary does not list the target"
printf '# New title\n\nThe target page.\n' > "$T/ttl/target.md"
kbctl sync "$T/ttl" >/dev/null
sed -n '/^## Links to$/,$p' "$KB/wiki/summaries/$lk.md" | grep -qF "[New title](" ||
    fail "the linker's summary lists the target's old title: $(cat "$KB/wiki/summaries/$lk.md")"
lint_clean

# A KB of schema 13 indexed links in the page's form: its rows are
# rebuilt in the background once it is upgraded (a reindex job).
kbctl stop >/dev/null
kbsql_db "drop table concepts_pending; drop index documents_link;
    update fts set body = replace(body, '[Tuples and Sequences](datastructures.html#tut-tuples)',
        '[Tuples and Sequences](../sources/datastructures.md \"datastructures.html#tut-tuples\")');
    update meta set value = '13' where key = 'schema'" >/dev/null
assert_eq 1 "$(kbsql_db "select count(*) from fts where body like '%](../sources/datastructures.md %'")" \
    "a row in the old form"
kbctl status >/dev/null
rj=$(kbctl jobs --json | jq -r '[.[] | select(.kind == "reindex")][0].job')
[ -n "$rj" ] && [ "$rj" != null ] || fail "no reindex job after the upgrade: $(kbctl jobs --json)"
kbctl wait "$rj" >/dev/null
assert_eq 0 "$(kbsql_db "select count(*) from fts where body like '%](../sources/%'")" \
    "rows in the old form after the rebuild"
assert_eq "$SCHEMA" "$(kbsql_db "select value from meta where key = 'schema'")" "schema"
# Schema 17's index of the summaries' link lists, made by the upgrade.
case "$(kbsql_db "explain query plan select d.name, d.title from links l
    join documents d indexed by documents_link on d.id = l.to_doc
    where l.from_doc = 1")" in
*"COVERING INDEX documents_link"*) ;;
*) fail "the upgraded KB has no index documents_link" ;;
esac
lint_clean
