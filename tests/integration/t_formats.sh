# The formats of issue 11 part B through real, sandboxed workers: man
# pages (man(7) and mdoc(7)) of the build machine and written here, their
# NAME line as title and description, and their words against mandoc's
# own rendering (at least 0.9 of the distinct words of five letters or
# more that `mandoc -T utf8 | col -b` shows are in kbd's Markdown);
# OpenDocument text, spreadsheet and presentation files built here with
# python's zipfile, and one whose mimetype says another kind; RTF with
# its escapes, skipped destinations, title, link and table, and text that
# only claims to be RTF; source code and config files as fenced code with
# their language and leading comment.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
# Real pages, gunzipped (gzip decompression is another part's).
for p in ls tar gzip grep; do
	f=/usr/share/man/man1/$p.1.gz
	[ -f "$f" ] || fail "$f: the test needs the page (coreutils, tar, gzip, grep)"
	gzip -dc "$f" > "$T/in/$p.1"
done
cat > "$T/in/frob.8" <<'ROFF'
.Dd March 1, 2024
.Dt FROB 8
.Os
.Sh NAME
.Nm frob
.Nd frobnicate the zorblets
.Sh SYNOPSIS
.Nm
.Op Fl a
.Op Fl o Ar outfile
.Sh DESCRIPTION
.Bl -tag -width Ds
.It Fl a
Frob every zorblet.
.El
.Bd -literal
frob -a quux
.Ed
ROFF

python3 - "$T/in" <<'PY'
import sys, zipfile
d = sys.argv[1]
NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
      'xmlns:xlink="http://www.w3.org/1999/xlink" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/"')
def odf(name, kind, body, title=None):
    with zipfile.ZipFile(d + '/' + name, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo('mimetype'),
                   'application/vnd.oasis.opendocument.' + kind)
        z.writestr('content.xml', '<?xml version="1.0" encoding="UTF-8"?>'
                   '<office:document-content %s>%s</office:document-content>'
                   % (NS, body))
        if title:
            z.writestr('meta.xml', '<office:document-meta %s><office:meta>'
                       '<dc:title>%s</dc:title></office:meta>'
                       '</office:document-meta>' % (NS, title))
odf('notes.odt', 'text',
    '<office:automatic-styles><style:style style:name="B">'
    '<style:text-properties fo:font-weight="bold"/></style:style>'
    '</office:automatic-styles><office:body><office:text>'
    '<text:h text:outline-level="1">Harbour Log</text:h>'
    '<text:p>The <text:span text:style-name="B">quillfish</text:span> '
    'came in, see <text:a xlink:href="https://example.org/fish">the '
    'guide</text:a>.</text:p><text:list><text:list-item><text:p>nets '
    'mended</text:p></text:list-item></text:list>'
    '</office:text></office:body>', 'Harbour Notes')
odf('stock.ods', 'spreadsheet',
    '<office:body><office:spreadsheet><table:table table:name="Stock">'
    '<table:table-row><table:table-cell><text:p>Fish</text:p>'
    '</table:table-cell><table:table-cell><text:p>Kilos</text:p>'
    '</table:table-cell></table:table-row><table:table-row>'
    '<table:table-cell><text:p>zanderling</text:p></table:table-cell>'
    '<table:table-cell><text:p>42</text:p></table:table-cell>'
    '</table:table-row><table:table-row '
    'table:number-rows-repeated="1048574"><table:table-cell '
    'table:number-columns-repeated="1024"/></table:table-row>'
    '</table:table></office:spreadsheet></office:body>')
odf('talk.odp', 'presentation',
    '<office:body><office:presentation><draw:page>'
    '<draw:frame presentation:class="title"><draw:text-box><text:p>Tides'
    '</text:p></draw:text-box></draw:frame><draw:frame><draw:text-box>'
    '<text:p>high water at dawn</text:p></draw:text-box></draw:frame>'
    '<presentation:notes><draw:frame><draw:text-box><text:p>mention the '
    'moon</text:p></draw:text-box></draw:frame></presentation:notes>'
    '</draw:page></office:presentation></office:body>')
odf('liar.ods', 'text', '<office:body><office:text><text:p>x</text:p>'
    '</office:text></office:body>')
PY
printf '%s\n' '{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Times;}}{\colortbl;\red0\green0\blue0;}' \
    '{\info{\title Ship Manifest}{\author Purser}}{\*\generator Writer;}' \
    '\pard\outlinelevel0 Cargo\par' \
    '\pard The {\b brigantine} carried caf\'"'"'e9 and \u8364? coins, see ' \
    '{\field{\*\fldinst HYPERLINK "https://example.org/ship"}{\fldrslt the log}}.\par' \
    '\trowd\pard\intbl Crate\cell Weight\cell\row\pard\intbl figs\cell 12\cell\row' \
    '\pard {\pict\wmetafile8 0123abcd}Done.\par}' > "$T/in/manifest.rtf"
printf 'not rtf at all\n' > "$T/in/fake.rtf"
printf '#!/usr/bin/env python3\n"""Compute the tides of the harbour."""\nimport sys\nprint(sys.argv)\n' \
    > "$T/in/tides.py"
printf '/*\n * SPDX-License-Identifier: MIT\n *\n * Read the gauges.\n */\nint gauge;\n' \
    > "$T/in/gauge.c"
printf '# Moorings of the harbour\nberths: 12\n' > "$T/in/moorings.yaml"

kbctl init >/dev/null
set +e
kbctl add "$T/in" --json > "$T/add.json"
st=$?
set -e
assert_eq 1 "$st" "exit status with a failed input"
assert_eq failed "$(event_field "$T/add.json" "$T/in/liar.ods" status)" "liar.ods"
assert_eq failed "$(event_field "$T/add.json" "$T/in/fake.rtf" status)" "fake.rtf"
assert_eq "not an RTF document (no {\\rtf header)" \
    "$(event_field "$T/add.json" "$T/in/fake.rtf" reason)" "fake.rtf reason"
assert_eq "not an ODS document (mimetype is not application/vnd.oasis.opendocument.spreadsheet)" \
    "$(event_field "$T/add.json" "$T/in/liar.ods" reason)" "liar.ods reason"
for f in ls.1 tar.1 gzip.1 grep.1 frob.8 notes.odt stock.ods talk.odp \
    manifest.rtf tides.py gauge.c moorings.yaml; do
	assert_eq added "$(event_field "$T/add.json" "$T/in/$f" status)" "$f"
done
kbctl list --json > "$T/list.json"
# The Markdown of the document whose source file is $1.
md_of() {
	jq -r --arg p "$T/in/$1" '.[] | select(.src_path == $p) | .source' \
	    "$T/list.json"
}
title_of() {
	jq -r --arg p "$T/in/$1" '.[] | select(.src_path == $p) | .title' \
	    "$T/list.json"
}
# The first two paragraphs: the title heading, the description.
head2() {
	grep -v '^$' "$1" | head -2 | tr '\n' '|'
}

# Titles and descriptions from the NAME lines.
assert_eq ls "$(title_of ls.1)" "ls title"
assert_eq frob "$(title_of frob.8)" "frob title"
ls_md="$KB/$(md_of ls.1)"
frob_md="$KB/$(md_of frob.8)"
assert_eq "# ls|list directory contents|" "$(head2 "$ls_md")" "ls NAME"
assert_eq "# frob|frobnicate the zorblets|" "$(head2 "$frob_md")" "frob NAME"
# Sections as headings, options as list items with their fonts.
grep -F -x -q "## DESCRIPTION" "$ls_md" || fail "ls: no DESCRIPTION heading"
grep -F -x -q -- "- **-a**, **--all**" "$ls_md" || fail "ls: no -a item"
grep -F -x -q -- "- **-a**" "$frob_md" || fail "frob: no -a item"
grep -F -x -q -- "**frob** \\[**-a**\\] \\[**-o** *outfile*\\]" "$frob_md" ||
    fail "frob: synopsis: $(cat "$frob_md")"
grep -F -x -q -- "frob -a quux" "$frob_md" || fail "frob: literal block"
# No roff left in the Markdown.
if grep -E -q '^\.|\\f[BIRP]|\\\(' "$ls_md" "$frob_md"; then
	fail "raw roff in the Markdown: $(grep -E '^\.|\\f[BIRP]|\\\(' "$ls_md" "$frob_md")"
fi

# The words mandoc shows are there.
for p in ls tar gzip grep; do
	md="$KB/$(md_of "$p.1")"
	[ -f "$md" ] || fail "no page for $p"
	mandoc -T utf8 "$T/in/$p.1" 2>/dev/null | col -b > "$T/$p.ref"
	share=$(python3 - "$T/$p.ref" "$md" <<'PY'
import re, sys
words = lambda p: set(w.lower() for w in re.findall(
    r'[^\W\d_]{5,}', open(p, encoding='utf-8', errors='replace').read()))
ref, md = words(sys.argv[1]), words(sys.argv[2])
print('%.3f %d' % (len(ref & md) / max(1, len(ref)), len(ref)))
PY
)
	set -- $share
	[ "$2" -gt 100 ] || fail "$p: mandoc shows only $2 distinct words"
	python3 -c "import sys; sys.exit(0 if $1 >= 0.9 else 1)" ||
	    fail "$p: only $1 of mandoc's words in the Markdown"
done

# OpenDocument: the title from meta.xml, headings, emphasis, links, lists,
# sheets as tables (a million empty repeated rows cost nothing), slides.
has_line() {
	grep -F -x -q -- "$2" "$KB/$(md_of "$1")" ||
	    fail "$1: no line '$2' in: $(cat "$KB/$(md_of "$1")")"
}
assert_eq "Harbour Notes" "$(title_of notes.odt)" "ODT title"
has_line notes.odt "# Harbour Log"
has_line notes.odt "The **quillfish** came in, see [the guide](https://example.org/fish)."
has_line notes.odt "- nets mended"
has_line stock.ods "## Stock"
has_line stock.ods "| Fish | Kilos |"
has_line stock.ods "| zanderling | 42 |"
[ "$(wc -l < "$KB/$(md_of stock.ods)")" -lt 10 ] || fail "stock.ods: empty rows written"
has_line talk.odp "## Slide 1: Tides"
has_line talk.odp "high water at dawn"
has_line talk.odp "> Notes: mention the moon"

# RTF: the \info title, a heading, emphasis, code page and \u escapes,
# a link, a table; no font table, colour table, author or picture.
assert_eq "Ship Manifest" "$(title_of manifest.rtf)" "RTF title"
has_line manifest.rtf "# Cargo"
has_line manifest.rtf "The **brigantine** carried café and € coins, see [the log](https://example.org/ship)."
has_line manifest.rtf "| Crate | Weight |"
has_line manifest.rtf "| figs | 12 |"
has_line manifest.rtf "Done."
if grep -E -q 'Times|Purser|Writer|0123abcd|red0' "$KB/$(md_of manifest.rtf)"; then
	fail "manifest.rtf: a skipped destination leaked: $(cat "$KB/$(md_of manifest.rtf)")"
fi

# Source code: fenced with its language, the leading comment (not the
# licence tag) as description, the file name as title.
in_order() {
	f=$1
	shift
	prev=0
	for l in "$@"; do
		n=$(grep -F -x -n -- "$l" "$KB/$(md_of "$f")" | head -1 | cut -d: -f1)
		[ -n "$n" ] || fail "$f: no line '$l' in: $(cat "$KB/$(md_of "$f")")"
		[ "$n" -gt "$prev" ] || fail "$f: '$l' (line $n) out of order"
		prev=$n
	done
}
in_order tides.py "Compute the tides of the harbour." '```python' \
    '#!/usr/bin/env python3' "print(sys.argv)" '```'
in_order gauge.c "Read the gauges." '```c' "int gauge;" '```'
in_order moorings.yaml "Moorings of the harbour" '```yaml' "berths: 12" '```'
assert_eq tides "$(title_of tides.py)" "source title"
lint_clean
