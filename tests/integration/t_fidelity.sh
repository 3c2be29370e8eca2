# Fidelity (issue 11): scripts/fidelity.py adds a real sample to a scratch
# KB through real kbd and kbctl binaries and finds in kbd's Markdown at
# least 98% of the words w3m -dump (HTML) and pdftotext (PDF) read in the
# same documents; and the tool does see what a conversion drops.
. "$(dirname "$0")/lib.sh"

DOCS=/usr/share/doc/python3.11/html/library
if [ ! -f "$DOCS/json.html" ]; then
	echo "   skipped: python3.11-doc is not installed (scripts/deps.sh)"
	exit 0
fi
for p in w3m pdftotext groff; do
	command -v "$p" >/dev/null || fail "$p is missing (scripts/deps.sh)"
done
FID="$(dirname "$0")/../../scripts/fidelity.py"
# The tool's scratch KB under $T, so that cleanup stops its daemon.
export TMPDIR="$T"

# 20 pages of the library reference, evenly spaced.
python3 "$FID" --sample 20 --min 0.98 "$KBD_BIN" "$DOCS" > "$T/html.out" ||
    fail "HTML below 0.98: $(cat "$T/html.out")"
assert_contains "$(cat "$T/html.out")" "$DOCS, html: 20 files, 20 measured" \
    "HTML sample"
share=$(sed -n 's/.*; union share \([0-9.]*\) .*/\1/p' "$T/html.out")
python3 -c "import sys; sys.exit(not float('$share') >= 0.98)" ||
    fail "HTML union share $share"

# PDFs made from man pages.
mkdir -p "$T/pdf"
for m in ls cp tar grep sed; do
	f=$(ls /usr/share/man/man1/$m.1.gz 2>/dev/null) || continue
	zcat "$f" | groff -man -Tpdf > "$T/pdf/$m.pdf" 2>/dev/null
done
[ "$(ls "$T/pdf" | wc -l)" -ge 3 ] || fail "fewer than 3 man pages to make PDFs of"
python3 "$FID" --min 0.98 "$KBD_BIN" "$T/pdf" > "$T/pdf.out" ||
    fail "PDF below 0.98: $(cat "$T/pdf.out")"
assert_contains "$(cat "$T/pdf.out")" "$T/pdf, pdf:" "PDF sample"

# The measure can fail: navigation kbd drops (a <nav> on one page only, so
# not the site's template) is missing, named, and below a strict goal.
mkdir -p "$T/lossy"
printf '<html><body><nav>Navigationonlyword elsewhere</nav><p>Paragraph '\
'content stays here</p></body></html>\n' > "$T/lossy/page.html"
set +e
python3 "$FID" --min 0.99 "$KBD_BIN" "$T/lossy" > "$T/lossy.out" 2>&1
st=$?
set -e
assert_eq 1 "$st" "exit status below --min"
assert_contains "$(cat "$T/lossy.out")" \
    "page.html (2 of 5 missing: elsewhere navigationonlyword)" \
    "missing words listed"
assert_contains "$(cat "$T/lossy.out")" "below 0.9900" "goal named"
