# Content decides, then the name (docs/converters.md, "Format detection"):
# licenses and READMEs without a known extension are text, a Markdown file
# quoting %PDF- and a Makefile grepping for it are text, a PDF behind
# binary junk and without an extension is a PDF; text in Latin-1, KOI8-R
# and UTF-16 is read in its charset; .gz and .xz files are read by their
# inner name; a compression bomb fails with its reason; images are skipped
# by name, other binaries by content (a binary named .txt fails); kbd
# never dies and lint is clean.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
for l in Apache-2.0 GFDL-1.3 MPL-2.0; do
	cp "/usr/share/common-licenses/$l" "$T/in/$l"
done
printf 'zzreadme for Debian\n\nPackaged for Debian.\n' > "$T/in/README.Debian"
printf 'check:\n\tgrep "%%PDF-1" out.pdf\n' > "$T/in/Makefile"
printf '# PDF notes\n\nA PDF starts with `%%PDF-1.7`.\n\n    %%PDF-1.7\n' \
    > "$T/in/pdfquote.md"
printf 'Gzipped notes\n\nzzgzipped words inside.\n' > "$T/notes.txt"
gzip -c "$T/notes.txt" > "$T/in/notes.txt.gz"
printf 'Xz notes\n\nzzxzwords inside.\n' | xz -c > "$T/in/more.md.xz"
cp /usr/share/man/man1/ls.1.gz "$T/in/ls.1.gz"
printf 'Caf\351 cr\350me\n\nLe na\357ve gar\347on \340 la fen\352tre.\n' \
    > "$T/in/latin1.txt"
python3 - "$T/in" <<'PY'
import sys
d = sys.argv[1]
open(d + "/koi8.conf", "wb").write(
    "Привет, мир! Это текст в кодировке KOI8-R, прочитанный правильно.\n"
    .encode("koi8-r"))
open(d + "/wide.log", "wb").write("\ufeffUTF-16 log: naïve café\n"
    .encode("utf-16-le"))
PY
head -c 20000000 /dev/zero | tr '\0' a | gzip -c > "$T/in/bomb.txt.gz"
cp /usr/share/pixmaps/debian-logo.png "$T/in/logo.png" 2>/dev/null ||
    printf '\211PNG\r\n\032\n\0\0\0\rIHDR' > "$T/in/logo.png"
head -c 20000 "$(command -v ls)" > "$T/in/program"
head -c 20000 "$(command -v ls)" > "$T/in/program.txt"
# A real PDF behind junk a reader skips, without an extension.
zcat /usr/share/man/man1/ls.1.gz | groff -man -Tpdf > "$T/ls.pdf" 2>/dev/null ||
    fail "groff could not make a PDF"
{ printf '\001\002junk\003\n'; cat "$T/ls.pdf"; } > "$T/in/paper"

kbctl init >/dev/null
set +e
kbctl add "$T/in" --json > "$T/out.json"
st=$?
set -e
assert_eq 1 "$st" "exit status with failed inputs"
status_of() {
	event_field "$T/out.json" "$T/in/$1" status
}
reason_of() {
	event_field "$T/out.json" "$T/in/$1" reason
}
doc_of() {
	event_field "$T/out.json" "$T/in/$1" doc
}
for f in Apache-2.0 GFDL-1.3 MPL-2.0 README.Debian Makefile pdfquote.md \
    notes.txt.gz more.md.xz ls.1.gz latin1.txt koi8.conf wide.log paper; do
	assert_eq added "$(status_of "$f")" "$f: $(reason_of "$f")"
done
# Names: no extension kbd knows, no split; the inner one of a .gz.
assert_eq Apache-2.0 "$(doc_of Apache-2.0)" "license name"
assert_eq README.Debian "$(doc_of README.Debian)" "README name"
assert_eq notes "$(doc_of notes.txt.gz)" "gzip name"
assert_eq more "$(doc_of more.md.xz)" "xz name"
assert_eq ls "$(doc_of ls.1.gz)" "man page name (a gzipped man page)"
assert_eq paper "$(doc_of paper)" "PDF name"
assert_eq koi8.conf "$(doc_of koi8.conf)" "unknown extension: part of the name"

src="$KB/wiki/sources"
assert_eq "# Apache License" "$(head -n 1 "$src/Apache-2.0.md")" "license title"
assert_contains "$(cat "$src/pdfquote.md")" '`%PDF-1.7`' "md quoting %PDF-"
assert_contains "$(cat "$src/Makefile.md")" 'grep "%PDF-1"' "Makefile"
assert_contains "$(cat "$src/notes.md")" "zzgzipped words inside." "gzip text"
assert_eq "# Gzipped notes" "$(head -n 1 "$src/notes.md")" "gzip title"
assert_contains "$(cat "$src/more.md")" "zzxzwords inside." "xz Markdown"
assert_contains "$(cat "$src/ls.md")" "list directory contents" "man page"
# Read as a man page, not as roff text: NAME is the title, no requests.
assert_eq "# ls" "$(head -n 1 "$src/ls.md")" "a gzipped man page's title"
grep -q '^\.TH\|^\.SH' "$src/ls.md" && fail "roff requests left in ls.md"
assert_contains "$(cat "$src/paper.md")" "<!-- page 1 -->" "PDF behind junk"
# The raw copy is the compressed file, under its whole name.
cmp -s "$T/in/notes.txt.gz" "$KB/raw/notes.txt.gz" || fail "raw gzip copy"
assert_contains "$(kbctl show --meta notes)" "format:      txt.gz" "format"

# Charsets, and the Markdown says which was read.
assert_eq "# Café crème" "$(head -n 1 "$src/latin1.md")" "Latin-1"
assert_contains "$(cat "$src/latin1.md")" "Le naïve garçon à la fenêtre." \
    "Latin-1 body"
assert_contains "$(cat "$src/latin1.md")" "<!-- kbd: read as windows-1252 -->" \
    "Latin-1 charset"
assert_contains "$(cat "$src/koi8.conf.md")" "# Привет, мир! Это текст" "KOI8-R"
assert_contains "$(cat "$src/koi8.conf.md")" "<!-- kbd: read as KOI8-R -->" \
    "KOI8-R charset"
assert_eq "# UTF-16 log: naïve café" "$(head -n 1 "$src/wide.log.md")" "UTF-16"
[ "$(kbctl search zzgzipped --json | jq length)" -ge 1 ] ||
    fail "search finds no gzip text"

# What is not read, each with its reason.
assert_eq failed "$(status_of bomb.txt.gz)" "bomb"
assert_eq "compressed file expands more than 100 times (compression bomb)" \
    "$(reason_of bomb.txt.gz)" "bomb reason"
assert_eq skipped "$(status_of logo.png)" "image"
assert_eq "unsupported format (.png: image)" "$(reason_of logo.png)" \
    "image reason"
assert_eq skipped "$(status_of program)" "program"
assert_eq "binary content" "$(reason_of program)" "program reason"
assert_eq failed "$(status_of program.txt)" "binary named .txt"
assert_eq "binary content" "$(reason_of program.txt)" "binary .txt reason"

alive "$(kbd_pid)" || fail "kbd died"
lint_clean

# The licenses Debian ships: every one added (or a duplicate of one).
kbctl add /usr/share/common-licenses --json > "$T/lic.json"
bad=$(jq -r 'select(.path != null) |
    select(.status != "added" and .status != "duplicate") |
    "\(.path): \(.status) \(.reason)"' "$T/lic.json")
[ -z "$bad" ] || fail "common-licenses: $bad"
alive "$(kbd_pid)" || fail "kbd died"
lint_clean
