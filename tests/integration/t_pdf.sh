# PDFs made from the installed man pages with groff, converted by the
# sandboxed workers with MuPDF: text, page markers, title, bookmarks as
# headings, search; damaged, encrypted and mislabelled PDFs fail with
# their reason and the KB stays clean.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in" "$T/bad"
zcat /usr/share/man/man1/ls.1.gz | groff -man -Tpdf > "$T/in/ls.pdf" ||
    fail "groff -Tpdf ls.1"
# bash(1), ~90 pages, with a bookmark per section and subsection and a
# document title: what a long PDF with an outline looks like.
zcat /usr/share/man/man1/bash.1.gz |
    sed -e 's/^\.SH \(.*\)$/.pdfbookmark 1 \1\n.SH \1/' \
	-e 's/^\.SS \(.*\)$/.pdfbookmark 2 \1\n.SS \1/' \
	-e '1i .pdfinfo /Title The GNU Bourne-Again SHell' |
    groff -man -mpdf -Tpdf > "$T/in/bash.pdf" 2>/dev/null ||
    fail "groff -Tpdf bash.1"
grep -aq '/Outlines' "$T/in/bash.pdf" || fail "bash.pdf has no outline"

# Hostile and mislabelled.
size=$(stat -c %s "$T/in/ls.pdf")
head -c $((size / 3)) "$T/in/ls.pdf" > "$T/bad/truncated.pdf"
head -c 200 "$T/in/ls.pdf" > "$T/bad/stub.pdf"
: > "$T/bad/empty.pdf"
printf 'not a pdf at all\n' > "$T/bad/text.pdf"
python3 - "$T/bad/encrypted.pdf" <<'PY'
# One page behind a password: an /Encrypt dictionary whose /U does not
# match the empty user password.
import sys
objs = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    b"<< /Filter /Standard /V 1 /R 2 /O <" + b"41" * 32 + b"> /U <" +
    b"42" * 32 + b"> /P -4 >>",
]
out = bytearray(b"%PDF-1.4\n")
offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(out))
    out += b"%d 0 obj\n%s\nendobj\n" % (i, o)
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for o in offs:
    out += b"%010d 00000 n \n" % o
out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objs) + 1, x))
open(sys.argv[1], "wb").write(out)
PY
# ls.pdf with its xref table overwritten: MuPDF rebuilds it.
python3 - "$T/in/ls.pdf" "$T/in/badxref.pdf" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.rindex(b"xref")
b[i + 5:i + 105] = b"#" * 100
open(sys.argv[2], "wb").write(b)
PY

kbctl init >/dev/null
kbctl add "$T/in" --json > "$T/out.json" || fail "add PDFs: $(cat "$T/out.json")"
status_of() {
	event_field "$T/out.json" "$1" status
}
reason_of() {
	event_field "$T/out.json" "$1" reason
}
for f in ls bash badxref; do
	assert_eq added "$(status_of "$T/in/$f.pdf")" "$f.pdf"
done

# ls(1): text from the man page, pages marked, the running header kept once.
ls_md="$KB/wiki/sources/ls.md"
grep -q 'list directory contents' "$ls_md" || fail "ls.md lacks NAME text"
grep -q 'do not ignore entries starting with' "$ls_md" || fail "ls.md lacks -a"
grep -qx '<!-- page 1 -->' "$ls_md" || fail "ls.md lacks page 1 marker"
grep -qx '<!-- page 2 -->' "$ls_md" || fail "ls.md lacks page 2 marker"
pages=$(grep -c '^<!-- page [0-9]* -->$' "$ls_md")
[ "$pages" -ge 3 ] || fail "ls.md marks $pages pages"
assert_eq 1 "$(grep -c 'User Commands' "$ls_md")" "running header written once"
# No metadata title: the first page's title line, not the running header
# nor the NAME label (docs/converters.md, "Metadata").
assert_eq "ls - list directory contents" \
    "$(kbctl list --json | jq -r '.[] | select(.doc == "ls") | .title')" \
    "ls title"
assert_eq "NAME ls - list directory contents" \
    "$(kbctl show --meta --json ls | jq -r .description)" \
    "ls description"
cmp -s "$T/in/ls.pdf" "$KB/raw/ls.pdf" || fail "raw copy of ls.pdf differs"

# bash(1): title from the metadata, every bookmark a heading at its place.
bash_md="$KB/wiki/sources/bash.md"
assert_eq "The GNU Bourne-Again SHell" \
    "$(kbctl list --json | jq -r '.[] | select(.doc == "bash") | .title')" \
    "bash title"
assert_eq "# The GNU Bourne-Again SHell" "$(head -n 1 "$bash_md")" "bash H1"
grep -qx '<!-- page 80 -->' "$bash_md" || fail "bash.md lacks page 80"
nmarks=$(zcat /usr/share/man/man1/bash.1.gz | grep -c '^\.S[HS] ')
assert_eq "$nmarks" "$(grep -c '^##* ' "$bash_md" | awk '{ print $1 - 1 }')" \
    "one heading per bookmark"
# A section heading, then its own text (not the heading's line again).
assert_eq "bash - GNU Bourne-Again SHell" \
    "$(sed -n '/^## NAME$/{n;n;p;q}' "$bash_md")" "text under NAME"
grep -q '^### Here Strings$' "$bash_md" || fail "subsection heading"
# The outline in the summary page comes from the bookmarks.
grep -q '^  - Pathname Expansion$' "$KB/wiki/summaries/bash.md" ||
    fail "summary outline lacks a subsection"

hit=$(kbctl search globstar --json)
assert_eq bash "$(echo "$hit" | jq -r '.[0].doc')" "search globstar"
# badxref.pdf is ls.pdf too.
kbctl search "dereference command line symlink" --json | jq -r '.[].doc' |
    grep -qx ls || fail "search in ls"
lint_clean

# The bad ones: each fails with its reason; the daemon goes on.
set +e
kbctl add "$T/bad" --json > "$T/bad.json"
st=$?
set -e
assert_eq 1 "$st" "exit status with failed PDFs"
mv "$T/bad.json" "$T/out.json"
for f in truncated stub empty text encrypted; do
	assert_eq failed "$(status_of "$T/bad/$f.pdf")" "$f.pdf"
done
assert_contains "$(reason_of "$T/bad/stub.pdf")" "damaged PDF" "stub reason"
assert_contains "$(reason_of "$T/bad/truncated.pdf")" "damaged PDF" \
    "truncated reason"
assert_contains "$(reason_of "$T/bad/empty.pdf")" \
    "content is text but the name says .pdf" "empty reason"
assert_contains "$(reason_of "$T/bad/text.pdf")" \
    "content is text but the name says .pdf" "text reason"
assert_contains "$(reason_of "$T/bad/encrypted.pdf")" \
    "encrypted PDF (password required)" "encrypted reason"
assert_eq 3 "$(doc_count)" "documents after the bad ones"
lint_clean
kbctl status >/dev/null || fail "daemon gone after bad PDFs"

# A bomb under the real sandbox: a content stream that inflates to an
# array of 64 million numbers. MuPDF's allocator cap (half of RLIMIT_AS,
# here 256 MiB) fails the file as a limit before the kernel would kill the
# worker; kbd goes on.
mkdir -p "$T/bomb"
python3 - "$T/bomb/bomb.pdf" <<'PY'
import sys, zlib
c = zlib.compressobj(9)
parts = [c.compress(b"BT /F1 12 Tf 72 700 Td (x) Tj ET\n[")]
chunk = b"0 " * (1 << 20)
for _ in range(64):
    parts.append(c.compress(chunk))
parts.append(c.compress(b"] pop\n"))
parts.append(c.flush())
data = b"".join(parts)
objs = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
    b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data +
    b"\nendstream",
]
out = bytearray(b"%PDF-1.4\n")
offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(out))
    out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
for o in offs:
    out += b"%010d 00000 n \n" % o
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
    len(objs) + 1, x)
open(sys.argv[1], "wb").write(out)
PY
kbctl stop >/dev/null
"$KBD" -C "$KB" --mem-limit 536870912
set +e
kbctl add "$T/bomb" --json > "$T/out.json"
st=$?
set -e
assert_eq 1 "$st" "exit status with a PDF bomb"
assert_eq failed "$(status_of "$T/bomb/bomb.pdf")" "bomb.pdf"
assert_contains "$(reason_of "$T/bomb/bomb.pdf")" "MiB kbd gives its reader" \
    "bomb reason"
assert_eq 3 "$(doc_count)" "documents after the bomb"
lint_clean
