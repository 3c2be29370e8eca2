# Inputs that are not plain documents: each gets its status and reason,
# and the job goes on.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in/sub" "$T/in/.hidden" "$T/elsewhere"
printf '# Good\n\nfine text\n' > "$T/in/good.md"
printf 'hidden file\n' > "$T/in/.secret.txt"
printf 'in a hidden dir\n' > "$T/in/.hidden/x.txt"
ln -s "$T/elsewhere" "$T/in/dirlink"
printf 'linked file\n' > "$T/elsewhere/target.txt"
ln -s "$T/elsewhere/target.txt" "$T/in/filelink.txt"
mkfifo "$T/in/fifo.txt"
printf 'bin\000ary\n' > "$T/in/blob.txt"
printf 'caf\351 latin-1\n' > "$T/in/latin1.txt"
printf 'a pdf\n' > "$T/in/paper.pdf"
: > "$T/in/empty.txt"
printf 'unreadable\n' > "$T/in/sub/noperm.txt"
chmod 000 "$T/in/sub/noperm.txt"

kbctl init >/dev/null
set +e
kbctl add "$T/in" "$T/missing.txt" --json > "$T/out.json"
st=$?
set -e
assert_eq 1 "$st" "exit status with failed inputs"
jq -e . "$T/out.json" >/dev/null || fail "output does not parse"

status_of() {
	event_field "$T/out.json" "$1" status
}
reason_of() {
	event_field "$T/out.json" "$1" reason
}
assert_eq added "$(status_of "$T/in/good.md")" "good.md"
assert_eq skipped "$(status_of "$T/in/.secret.txt")" "hidden file"
assert_eq skipped "$(status_of "$T/in/.hidden")" "hidden dir"
assert_eq skipped "$(status_of "$T/in/dirlink")" "symlink to dir"
assert_contains "$(reason_of "$T/in/dirlink")" "symlink to a directory" "reason"
assert_eq added "$(status_of "$T/in/filelink.txt")" "symlink to a file"
assert_eq skipped "$(status_of "$T/in/fifo.txt")" "fifo"
assert_contains "$(reason_of "$T/in/fifo.txt")" "FIFO" "fifo reason"
assert_eq failed "$(status_of "$T/in/blob.txt")" "binary"
assert_contains "$(reason_of "$T/in/blob.txt")" "binary" "binary reason"
# Not UTF-8: read as Windows-1252 (docs/converters.md, "Charsets").
assert_eq added "$(status_of "$T/in/latin1.txt")" "Latin-1 text"
assert_eq "# café latin-1" "$(head -n 1 "$KB/wiki/sources/latin1.md")" \
    "Latin-1 text transcoded"
assert_eq failed "$(status_of "$T/in/paper.pdf")" "text named .pdf"
assert_contains "$(reason_of "$T/in/paper.pdf")" "the name says .pdf" \
    "text named .pdf reason"
assert_eq failed "$(status_of "$T/missing.txt")" "missing"
assert_contains "$(reason_of "$T/missing.txt")" "No such file" "missing reason"
# An unreadable file fails with the reason. Root reads anything, so as
# root (as CI runs) that add is made again as nobody, on a KB nobody owns.
unreadable_as_nobody() {
	U="$T/nobody"
	if ! command -v setpriv >/dev/null; then
		echo "   unreadable file: NOT CHECKED: root, and no setpriv(1)"
		return
	fi
	if ! id nobody >/dev/null 2>&1 || ! getent group nogroup >/dev/null; then
		echo "   unreadable file: NOT CHECKED: root, and no user nobody:nogroup"
		return
	fi
	chmod 711 "$T"
	mkdir -p "$U/in"
	printf 'unreadable\n' > "$U/in/noperm.txt"
	printf 'readable\n' > "$U/in/fine.txt"
	chown -R nobody:nogroup "$U"
	chmod 000 "$U/in/noperm.txt"
	as_nobody() {
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    env -u XDG_RUNTIME_DIR HOME="$U" \
		    ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$U/sanitizer" \
		    UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$U/sanitizer" "$@"
	}
	if ! as_nobody "$KBCTL" --help >/dev/null 2>&1; then
		echo "   unreadable file: NOT CHECKED: root, and nobody cannot run $KBCTL"
		return
	fi
	# kbctl refuses a daemon of another user: nobody's is stopped by
	# nobody, and its sanitizer reports are moved where cleanup looks.
	nobody_down() {
		as_nobody "$KBCTL" -C "$U/kb" stop >/dev/null 2>&1 || true
		for r in "$U"/sanitizer.*; do
			[ -f "$r" ] && mv "$r" "$T/"
		done
		return 0
	}
	# set +e: under set -e, (exit $st) would end the trap before cleanup.
	trap 'st=$?; set +e; nobody_down; (exit $st); cleanup' EXIT
	as_nobody "$KBCTL" -C "$U/kb" init >/dev/null
	set +e
	as_nobody "$KBCTL" -C "$U/kb" add "$U/in" --json > "$T/nobody.json"
	st=$?
	set -e
	nobody_down
	assert_eq 1 "$st" "exit status of nobody's add with an unreadable file"
	assert_eq nobody "$(stat -c %U "$U/kb/.kb/kb.db")" "owner of nobody's KB"
	assert_eq added "$(event_field "$T/nobody.json" "$U/in/fine.txt" status)" \
	    "readable file, as nobody"
	assert_eq failed "$(event_field "$T/nobody.json" "$U/in/noperm.txt" status)" \
	    "unreadable file, as nobody"
	assert_contains "$(event_field "$T/nobody.json" "$U/in/noperm.txt" reason)" \
	    "Permission denied" "unreadable file's reason, as nobody"
	echo "   unreadable file: checked as nobody (running as root)"
}
if [ "$(id -u)" != 0 ]; then
	assert_eq failed "$(status_of "$T/in/sub/noperm.txt")" "unreadable"
	assert_contains "$(reason_of "$T/in/sub/noperm.txt")" "Permission denied" \
	    "unreadable file's reason"
else
	unreadable_as_nobody
fi
# Nothing was half-added; the KB is clean.
lint_clean
chmod 600 "$T/in/sub/noperm.txt"

# Names: no leading dot, no control characters, collisions in scan order.
mkdir -p "$T/n/a" "$T/n/b" "$T/n/c"
printf 'first readme\n' > "$T/n/a/README.md"
printf 'second readme\n' > "$T/n/b/README.md"
printf 'third readme\n' > "$T/n/c/README.txt"
printf 'tab\n' > "$T/n/$(printf 'x\ty').txt"
kbctl add "$T/n" --jobs 4 --json > "$T/names.json"
doc_for() {
	jq -r --arg p "$1" 'select(.path == $p) | .doc' "$T/names.json"
}
assert_eq README "$(doc_for "$T/n/a/README.md")" "first in scan order keeps the stem"
case "$(doc_for "$T/n/b/README.md")" in
README-????????) ;;
*) fail "collision suffix: $(doc_for "$T/n/b/README.md")" ;;
esac
case "$(doc_for "$T/n/$(printf 'x\ty').txt")" in
*"$(printf '\t')"*) fail "control character kept in a name" ;;
esac
# The same tree added with one worker names everything the same way.
KB="$T/kb2"
kbctl init >/dev/null
kbctl add "$T/n" --jobs 1 --json > "$T/names2.json"
assert_eq "$(jq -r 'select(.doc) | .path + " " + .doc' "$T/names.json" | sort)" \
    "$(jq -r 'select(.doc) | .path + " " + .doc' "$T/names2.json" | sort)" \
    "names independent of timing"
lint_clean

# A reST source published as NAME.rst.txt (Sphinx's _sources) is read as reST.
mkdir -p "$T/rst"
printf '.. highlight:: python\n\n=====\nGuide\n=====\n\nIntro text.\n\nSection\n-------\n\nBody.\n' > "$T/rst/guide.rst.txt"
kbctl add "$T/rst" >/dev/null
assert_eq Guide "$(kbctl list --json | jq -r '.[] | select(.doc == "guide.rst") | .title')" "title of a .rst.txt file"
grep -q '^# Guide' "$KB/wiki/sources/guide.rst.md" || fail "reST heading not converted"
lint_clean

# Adding a tree that contains the KB itself skips the KB.
mkdir -p "$T/outer"
printf 'outer text\n' > "$T/outer/o.txt"
KB="$T/outer/kb"
kbctl init >/dev/null
kbctl add "$T/outer" --json > "$T/outer.json"
assert_eq skipped "$(jq -r --arg p "$KB" 'select(.path == $p) | .status' "$T/outer.json")" "the KB inside its own input"
assert_eq 1 "$(doc_count)" "only the outer file added"
lint_clean
