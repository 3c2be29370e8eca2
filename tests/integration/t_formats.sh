# The formats of issue 11 part B through real, sandboxed workers: man
# pages (man(7) and mdoc(7)) of the build machine and written here, their
# NAME line as title and description, and their words against mandoc's
# own rendering (at least 0.9 of the distinct words of five letters or
# more that `mandoc -T utf8 | col -b` shows are in kbd's Markdown).
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

kbctl init >/dev/null
kbctl add "$T/in" --json > "$T/add.json"
for f in ls.1 tar.1 gzip.1 grep.1 frob.8; do
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
lint_clean
