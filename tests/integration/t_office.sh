# DOCX, PPTX, XLSX and EPUB built by the test (mkoffice.py): their text and
# structure reach the wiki; hostile containers (zip bombs, too many
# entries, truncated, a broken central directory, a missing main part,
# an entity bomb, deep nesting, text named .docx) fail with their reason
# and the daemon goes on; .xls is refused with its reason.
. "$(dirname "$0")/lib.sh"

mk() {
	python3 "$(dirname "$0")/mkoffice.py" "$1" "$2"
}

mkdir -p "$T/in" "$T/bad"
mk docx "$T/in/report.docx"
mk pptx "$T/in/deck.pptx"
mk xlsx "$T/in/budget.xlsx"
mk epub "$T/in/voyage.epub"

kbctl init >/dev/null
kbctl add "$T/in" --json > "$T/out.json"
for f in report.docx deck.pptx budget.xlsx voyage.epub; do
	assert_eq added "$(jq -r --arg p "$T/in/$f" 'select(.path == $p) | .status' "$T/out.json")" "$f"
done
title_of() {
	kbctl list --json | jq -r --arg d "$1" '.[] | select(.doc == $d) | .title'
}
md() {
	cat "$KB/wiki/sources/$1.md"
}
# grep -F -x: whole lines, as written.
has_line() {
	grep -F -x -q -- "$2" "$KB/wiki/sources/$1.md" ||
	    fail "$1: no line '$2' in: $(md "$1")"
}
# The lines, in this order (other lines may come between).
in_order() {
	doc=$1
	shift
	prev=0
	for l in "$@"; do
		n=$(grep -F -x -n -- "$l" "$KB/wiki/sources/$doc.md" | head -1 | cut -d: -f1)
		[ -n "$n" ] || fail "$doc: no line '$l' in: $(md "$doc")"
		[ "$n" -gt "$prev" ] || fail "$doc: '$l' (line $n) out of order"
		prev=$n
	done
}

# DOCX: title from docProps/core.xml; headings from style names (the ids
# are localized), an inherited heading style, breaks, lists, a table.
assert_eq "Quarterly Report" "$(title_of report)" "DOCX title"
in_order report "# Annual Overview" "# Introduction" "## Findings" \
    "## Custom Styled Heading" "- bullet alpha" "    - bullet nested beta" \
    "- bullet gamma" "1. step one" "2. step two" "| Region | Revenue |" \
    "| --- | --- |" "| North | 1200 |" "| South | 950 |" \
    "Closing paragraph with zephyrword."
has_line report "First line of intro  "
has_line report "second line after break"
has_line report "linked words and more text"

# PPTX: slides in presentation order (not file order), titles, levels,
# speaker notes (without the slide number placeholder).
assert_eq "Kickoff Deck" "$(title_of deck)" "PPTX title from the first slide"
in_order deck "## Slide 1: Kickoff Deck" "- presented by quokkateam" \
    "## Slide 2: Roadmap" "- phase one" "  - detail of phase one" \
    "- phase two" "> Notes: Remember the budget and the dates" \
    "## Slide 3: Numbers" "| Metric | Value |" "| Uptime | 99.9 |"

# XLSX: sheets in workbook order; shared, rich and inline strings,
# numbers, booleans, formulas' values; sparse cells in their columns.
assert_eq "Budget Book" "$(title_of budget)" "XLSX title"
in_order budget "## Budget" "| Item | Cost | Paid |" \
    "| Paper | 12.5 | TRUE |" "| Rich text | 25 | FALSE |" \
    "## Sparse Data" "|  | topleft |  |  |" "|  |  |  | farcell |"
md budget | grep -q ignored && fail "phonetic run shown"

# EPUB: chapters in spine order (an image page and a chapter missing
# from the container skipped), a percent-encoded UTF-8 file name.
assert_eq "The Voyage Book" "$(title_of voyage)" "EPUB title"
in_order voyage "# Chapter Three" "# Chapter One" \
    "It began with a walrusword." "- first point" "- second point" \
    "# Chapter Two" "Then came the narwhalword." "| Port | Day |" \
    "| Lisbon | 3 |"

out=$(kbctl search narwhalword --json)
assert_eq voyage "$(printf '%s' "$out" | jq -r '.[0].doc')" "search finds the EPUB"
out=$(kbctl search zephyrword --json)
assert_eq report "$(printf '%s' "$out" | jq -r '.[0].doc')" "search finds the DOCX"
out=$(kbctl search quokkateam --json)
assert_eq deck "$(printf '%s' "$out" | jq -r '.[0].doc')" "search finds the PPTX"
out=$(kbctl search farcell --json)
assert_eq budget "$(printf '%s' "$out" | jq -r '.[0].doc')" "search finds the XLSX"
lint_clean

# A long sheet is cut, and says so.
mkdir -p "$T/long"
mk bigxlsx "$T/long/long.xlsx"
kbctl add "$T/long" >/dev/null
has_line long "(Sheet cut: only the first 10000 rows and 100 columns are shown.)"
has_line long "| 10000 |"
grep -q -F "| 10001 |" "$KB/wiki/sources/long.md" && fail "row past the cap shown"

# Hostile containers: each fails with its reason; the daemon goes on.
mk bomb "$T/bad/bomb.docx"
mk ratio "$T/bad/ratio.docx"
mk many "$T/bad/many.docx"
mk bigpart "$T/bad/bigpart.docx"
mk truncated "$T/bad/truncated.docx"
mk badcd "$T/bad/badcd.docx"
mk nomain "$T/bad/nomain.docx"
mk laughs "$T/bad/laughs.docx"
mk deep "$T/bad/deep.docx"
printf 'just text\n' > "$T/bad/text.docx"
: > "$T/bad/empty.xlsx"
mk otherdocx "$T/bad/wrongname.pptx"
mk notepub "$T/bad/notepub.epub"
printf '\320\317\021\340\241\261\032\341rest of an OLE file' > "$T/bad/old.xls"
pid=$(kbd_pid)
set +e
kbctl add "$T/bad" --json > "$T/bad.json"
st=$?
set -e
assert_eq 1 "$st" "exit status with failed inputs"
check() {
	f=$1 status=$2 reason=$3
	got=$(jq -r --arg p "$T/bad/$f" 'select(.path == $p) | .status + ": " + .reason' "$T/bad.json")
	assert_contains "$got" "$status: " "$f status"
	assert_contains "$got" "$reason" "$f reason"
}
check bomb.docx failed "word/document.xml of 209715367 bytes uncompressed (limit 64 MiB)"
check ratio.docx failed "word/document.xml expands more than 100 times (zip bomb)"
check bigpart.docx failed "XML part word/document.xml of 33 MiB (limit 32 MiB)"
check many.docx failed "zip container with 10056 entries (limit 10000)"
check truncated.docx failed "damaged zip container"
check badcd.docx failed "damaged zip container (central directory of 6 entries, 0 readable)"
check nomain.docx failed "not a DOCX document (zip without word/document.xml)"
check laughs.docx failed "word/document.xml: XML entity expansion refused"
check deep.docx failed "word/document.xml: XML nested deeper than 256 elements"
check text.docx failed "content is text but the name says .docx"
check empty.xlsx failed "content is text but the name says .xlsx"
check wrongname.pptx failed "not a PPTX document (zip without ppt/presentation.xml)"
check notepub.epub failed "not an EPUB document (zip without a mimetype of application/epub+zip)"
check old.xls skipped "unsupported format (.xls: legacy Excel; save it as .xlsx)"
for f in "$T"/bad/*; do
	case "$(jq -r --arg p "$f" 'select(.path == $p) | .reason' "$T/bad.json")" in
	*"$(basename "$f")"*|*"$T"*) fail "reason repeats the file name: $f" ;;
	esac
done
assert_eq "$pid" "$(kbd_pid)" "the daemon survived"
alive "$pid" || fail "kbd died"
assert_eq 5 "$(doc_count)" "nothing added from the hostile set"
lint_clean
