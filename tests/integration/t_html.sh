# HTML documents: real pages from python3.11-doc keep their structure and
# lose their navigation; declared charsets are decoded in the sandboxed
# worker, an undeclared one as Windows-1252; hostile pages fail with their
# reason or are read for what they hold, and kbd and the KB are fine
# afterwards.
. "$(dirname "$0")/lib.sh"

DOCS=/usr/share/doc/python3.11/html/library
[ -f "$DOCS/json.html" ] || fail "python3.11-doc is not installed"
mkdir -p "$T/in" "$T/bad"
for p in json re argparse os.path collections functions; do
	cp "$DOCS/$p.html" "$T/in/"
done
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
def w(name, data):
    with open(t + "/" + name, "wb") as f:
        f.write(data)
w("in/latin1.html", '<html><head><meta charset="iso-8859-1"><title>Caf\xe9 '
  'cr\xe8me</title></head><body><h1>R\xe9sum\xe9</h1><p>Na\xefve fa\xe7ade '
  'zzlatinword</p></body></html>'.encode("latin-1"))
w("in/cp1252.htm", '<html><head><meta http-equiv="Content-Type" content="text/'
  'html; charset=windows-1252"><title>Smart \u201cquotes\u201d</title></head>'
  '<body><p>\u20ac42 \u2014 zzeuroword</p></body></html>'.encode("cp1252"))
w("in/sjis.html", '<html><head><meta charset="Shift_JIS"><title>\u65e5\u672c'
  '\u8a9e</title></head><body><p>\u3053\u3093\u306b\u3061\u306f zzsjisword'
  '</p></body></html>'.encode("shift_jis"))
w("in/undeclared.html", '<p>\u201cno charset\u201d caf\xe9 zzundeclared</p>'
  .encode("cp1252"))
w("in/wide.html", '\ufeff<html><head><title>UTF-16 page</title></head><body>'
  '<p>zzwideword \u00e9t\u00e9</p></body></html>'.encode("utf-16-le"))
w("in/deep.html", b"<html><body>" + b"<div>" * 100000 + b"x" +
  b"</div>" * 100000 + b"</body></html>")
w("in/hugeattr.html", b'<html><body><p class="' + b"a" * (10 << 20) +
  b'">zzhugeattr text</p></body></html>')
w("in/truncated.html", open("/usr/share/doc/python3.11/html/library/"
  "json.html", "rb").read()[:30000])
w("in/empty.html", b"")
PY
zcat /usr/share/man/man1/ls.1.gz | groff -man -Tpdf > "$T/in/reallyapdf.html" 2>/dev/null
head -c 5 "$T/in/reallyapdf.html" | grep -q '%PDF-' || fail "groff made no PDF"

kbctl init >/dev/null
set +e
kbctl add "$T/in" --json > "$T/add.json"
st=$?
set -e
assert_eq 1 "$st" "exit status with failed inputs"
status_of() {
	event_field "$T/add.json" "$T/in/$1" status
}
reason_of() {
	event_field "$T/add.json" "$T/in/$1" reason
}
for f in json re argparse os.path collections functions latin1 cp1252 \
    sjis undeclared wide hugeattr truncated empty; do
	ext=html
	[ "$f" = cp1252 ] && ext=htm
	assert_eq added "$(status_of "$f.$ext")" "$f.$ext"
done
assert_eq failed "$(status_of deep.html)" "deep nesting"
assert_eq "HTML nested deeper than 256 levels" "$(reason_of deep.html)" \
    "deep nesting reason"
assert_eq failed "$(status_of reallyapdf.html)" "a PDF named .html"
assert_eq "content is a PDF document but the name says .html" \
    "$(reason_of reallyapdf.html)" "mismatch reason"
alive "$(kbd_pid)" || fail "kbd died"

# Structure: headings, code, tables, lists and links survive.
src="$KB/wiki/sources"
grep -qx '# `json` — JSON encoder and decoder' "$src/json.md" ||
    fail "json.md lacks its title heading"
grep -qx '## Basic Usage' "$src/json.md" || fail "json.md lacks a section"
grep -qx '```python3' "$src/json.md" || fail "json.md lacks fenced code"
grep -qx '>>> import json' "$src/json.md" || fail "code lost its lines"
grep -qx '> | Python | JSON |' "$src/json.md" || fail "json.md lacks its table"
grep -qx '> | --- | --- |' "$src/json.md" || fail "table delimiter row"
grep -q '\[JSON (JavaScript Object Notation)\](https://json.org)' \
    "$src/json.md" || fail "json.md lost an external link"
grep -qx '## Regular Expression Syntax' "$src/re.md" || fail "re.md heading"
grep -q '^| Built-in Functions |' "$src/functions.md" ||
    fail "functions.md lacks its table"
grep -qx 'abs(\*x\*)' "$src/functions.md" || fail "functions.md signature"
grep -q "^- \`'store_const'\` - This stores" "$src/argparse.md" ||
    fail "argparse.md lacks its list"
grep -qx '### Sub-commands' "$src/argparse.md" || fail "argparse.md heading"
# Navigation, scripts and styles are gone from every page.
for p in json re argparse os.path collections functions; do
	for junk in 'Quick search' 'Previous topic' 'Next topic' \
	    'Report a Bug' 'Show Source' 'Copyright' \
	    'Found a bug' 'documentation_options' '<script' 'Navigation' \
	    '¶'; do
		if grep -qiF "$junk" "$src/$p.md"; then
			fail "$p.md still has '$junk'"
		fi
	done
	# The sidebar's "This Page" box, not the text "this page ...".
	if grep -qiE '^(#+ )?This Page$' "$src/$p.md"; then
		fail "$p.md still has 'This Page'"
	fi
done
# Sidebars in the text are content (issue 11): argparse's Tutorial aside.
grep -q '^This page contains the API reference information' \
    "$src/argparse.md" || fail "argparse.md lost its Tutorial aside"
# Titles come from <title>, outlines from the headings.
title_of() {
	kbctl list --json | jq -r --arg d "$1" '.[] | select(.doc == $d) | .title'
}
assert_contains "$(title_of json)" "json — JSON encoder and decoder" "title"
grep -qx '  - Basic Usage' "$KB/wiki/summaries/json.md" ||
    fail "json summary outline lacks Basic Usage"
assert_eq "Café crème" "$(title_of latin1)" "Latin-1 title"
grep -qx '# Résumé' "$src/latin1.md" || fail "Latin-1 heading not decoded"
assert_eq "Smart “quotes”" "$(title_of cp1252)" "windows-1252 title"
grep -q '€42 — zzeuroword' "$src/cp1252.md" || fail "windows-1252 text"
assert_eq "日本語" "$(title_of sjis)" "Shift_JIS title"
grep -q 'こんにちは zzsjisword' "$src/sjis.md" || fail "Shift_JIS text"
assert_eq "UTF-16 page" "$(title_of wide)" "UTF-16 title"
grep -q 'zzwideword été' "$src/wide.md" || fail "UTF-16 text"
grep -q '“no charset” café zzundeclared' "$src/undeclared.md" ||
    fail "undeclared Windows-1252 page"
grep -qx '# `json` — JSON encoder and decoder' "$src/truncated.md" ||
    fail "truncated page lost its start"
[ "$(wc -c < "$src/hugeattr.md")" -lt 100 ] || fail "huge attribute in output"

# Search finds words of the pages.
hit=$(kbctl search JSONDecodeError --json)
assert_eq json "$(echo "$hit" | jq -r '.[0].doc')" "search JSONDecodeError"
kbctl search add_subparsers --json | jq -r '.[].doc' | grep -qx argparse ||
    fail "search add_subparsers"
for w in zzlatinword zzeuroword zzsjisword zzhugeattr; do
	assert_eq 1 "$(kbctl search $w --json | jq length)" "search $w"
done
lint_clean
