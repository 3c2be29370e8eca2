#!/bin/sh
# make demo: a KB built from real documents with the bin/kbd and bin/kbctl
# just built (the Makefile builds first): python3.11-doc's reStructuredText
# sources and its library reference as HTML, and PDFs made here from the
# installed man pages with groff. The KB is ./demo-kb, made afresh; its
# daemon is left running. The PDFs go to ./demo-pdf. DEMO_KB and DEMO_PDF
# name other folders (scripts/bench.sh builds the same KB in its scratch
# folder to measure searches on it).
set -eu
cd "$(dirname "$0")/.."

SRC=/usr/share/doc/python3.11/html/_sources
HTML=/usr/share/doc/python3.11/html/library
PDF=${DEMO_PDF:-demo-pdf}
KB=${DEMO_KB:-demo-kb}
KBCTL=bin/kbctl
# The daemon kbctl starts is the one just built, not one on $PATH.
KBD="$(pwd)/bin/kbd"
export KBD
unset KB_DIR

if [ ! -x "$KBCTL" ] || [ ! -x "$KBD" ]; then
	echo "demo: bin/kbctl and bin/kbd are not built; run make demo" >&2
	exit 1
fi
if [ ! -d "$SRC" ]; then
	echo "demo: $SRC is missing; run scripts/deps.sh" \
	    "(it installs python3.11-doc)" >&2
	exit 1
fi

if [ -e "$KB" ]; then
	if [ ! -d "$KB/.kb" ]; then
		echo "demo: $KB exists and is not a KB; not touching it" >&2
		exit 1
	fi
	echo "== removing the old $KB"
	"$KBCTL" -C "$KB" stop >/dev/null 2>&1 || true
	rm -rf "$KB"
fi

step() {
	printf '\n== %s\n' "$*"
}

step "PDFs from man pages: groff -man -Tpdf > $PDF/"
rm -rf "$PDF"
mkdir -p "$PDF"
for m in ls cp find grep sed awk tar ssh bash make gcc git curl rsync tmux \
    less man sort xargs; do
	f=$(ls /usr/share/man/man1/$m.1.gz 2>/dev/null | head -n 1)
	[ -n "$f" ] || continue
	zcat "$f" | groff -man -Tpdf > "$PDF/$m.pdf" 2>/dev/null ||
	    rm -f "$PDF/$m.pdf"
done
ls "$PDF" | wc -l | sed 's/$/ PDFs/'

nfiles=$(find "$SRC" "$HTML" "$PDF" -type f | wc -l)
step "kbctl -C $KB init"
"$KBCTL" -C "$KB" init

step "kbctl -C $KB add $SRC $HTML $PDF   ($nfiles files)"
# Exit 1 means some inputs failed; the demo goes on and shows them counted.
if ! "$KBCTL" -C "$KB" add -q "$SRC" "$HTML" "$PDF"; then
	echo "(some inputs were not added; see above)"
fi

step "kbctl -C $KB status"
"$KBCTL" -C "$KB" status

step "documents: kbctl -C $KB list | wc -l"
"$KBCTL" -C "$KB" list | wc -l

step "kbctl -C $KB search asyncio --limit 5"
"$KBCTL" -C "$KB" search asyncio --limit 5

step "kbctl -C $KB search 'recursive directory' --limit 5   (PDFs too)"
"$KBCTL" -C "$KB" search 'recursive directory' --limit 5

step "kbctl -C $KB lint"
if ! "$KBCTL" -C "$KB" lint; then
	echo "(lint found problems)"
	lint_failed=1
fi

pid=$(cat "$KB/.kb/kbd.pid" 2>/dev/null || echo '?')
printf '\nkbd (pid %s) is still running for %s; try\n' "$pid" "$KB"
printf '  %s -C %s search "event loop"\n' "$KBCTL" "$KB"
printf '  head %s/wiki/index.md\n' "$KB"
printf 'and stop it with:\n  %s -C %s stop\n' "$KBCTL" "$KB"
exit "${lint_failed:-0}"
