#!/bin/bash
# A real full disk: a KB on a 64 MiB tmpfs, nearly filled by another file,
# runs out of space during an add. The add fails with "No space left on
# device" naming what was being written, every document committed before
# is intact, lint is clean; once space is freed the same add finishes.
. "$(dirname "$0")/lib.sh"

MNT="$T/mnt"
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=64m,mode=0700 kbd-fulldisk "$MNT" 2>"$T/mount.err"; then
	skip "cannot mount a tmpfs here ($(head -n 1 "$T/mount.err"))"
fi
unmount() {
	"$KBCTL" -C "$MNT/kb" stop >/dev/null 2>&1 || true
	umount "$MNT" 2>/dev/null || umount -l "$MNT"
}
on_exit() {
	local rc=$?
	unmount
	(exit $rc)
	cleanup
}
trap on_exit EXIT

KB="$MNT/kb"
kbctl init >/dev/null

# Three small documents first: these must survive what follows.
mkdir -p "$T/small" "$T/big"
for i in 1 2 3; do
	printf '# Small %s\n\nkept word%s safely\n' "$i" "$i" > "$T/small/s$i.md"
done
kbctl add "$T/small" >/dev/null
assert_eq 3 "$(doc_count)" "documents before the disk fills"
before=$(cd "$KB" && find raw wiki -type f -print0 | sort -z |
    xargs -0 sha256sum)

# 40 files of 100 KB: their raw copies and Markdown take about 8 MiB,
# more than the 3 MiB left once the filler is in.
python3 - "$T/big" <<'PY'
import random, sys
random.seed(7)
words = ["alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma"]
for i in range(40):
    with open("%s/big%02d.txt" % (sys.argv[1], i), "w") as f:
        f.write(" ".join(random.choice(words) + str(random.randint(0, 99999))
                         for _ in range(10000)) + "\n")
PY
avail=$(df -B1 --output=avail "$MNT" | tail -n 1)
head -c $((avail - 3 * 1024 * 1024)) /dev/zero > "$MNT/filler"

set +e
kbctl add --json "$T/big" > "$T/full.json" 2> "$T/full.err"
st=$?
set -e
[ $st -ne 0 ] || fail "an add that fills the disk succeeded"
nospace=$(jq -r 'select(.reason != null) | .reason' "$T/full.json" |
    grep -c 'No space left on device' || true)
[ "$nospace" -gt 0 ] ||
    fail "no file failed with 'No space left on device': $(head -n 5 "$T/full.json")"
# Each such reason says what was being written.
jq -r 'select(.reason != null) | .reason' "$T/full.json" |
    grep 'No space left on device' | while read -r r; do
	case "$r" in
	*"writing the raw copy"*|*"writing the Markdown"*|*"(.kb/"*) ;;
	*raw/*|*wiki/*|*.kb/*) ;;	# the KB file being published
	*) fail "a full-disk reason names nothing written: $r" ;;
	esac
done
jq -e 'select(.event == "summary") | .state == "failed"' "$T/full.json" >/dev/null ||
    fail "the job did not fail: $(tail -n 1 "$T/full.json")"

# Nothing committed before is lost or changed, and the KB is consistent.
for i in 1 2 3; do
	assert_contains "$(kbctl show "s$i")" "kept word$i safely" "s$i after ENOSPC"
done
for f in $(cd "$KB" && find raw wiki/sources -type f -name 's[123]*'); do
	sum=$(cd "$KB" && sha256sum "$f")
	assert_contains "$before" "$sum" "$f unchanged"
done
lint_clean
n=$(doc_count)
[ "$n" -lt 43 ] || fail "all 43 documents present although the disk filled"

# No staging file is left behind to hold the space.
left=$(find "$KB/.kb" -path '*staging*' -type f | wc -l)
assert_eq 0 "$left" "staging files left after the failed add"

# Space freed: the same add finishes, and the KB holds everything.
rm -f "$MNT/filler"
kbctl add "$T/big" >/dev/null || fail "the add failed again after space was freed"
assert_eq 43 "$(doc_count)" "documents after space was freed"
assert_contains "$(kbctl search kept)" "s1" "search after the refill"
lint_clean

# The journal itself cannot be written (ENOSPC at its write, as the filled
# disk above met it once under ASan): the files' reason names the journal.
kbctl stop >/dev/null
printf '# Late\n\nlate word\n' > "$T/late.md"
set +e
KBD_FAILPOINT=journal.write:enospc kbctl add --json "$T/late.md" > "$T/jnl.json" 2>/dev/null
st=$?
set -e
[ $st -ne 0 ] || fail "an add whose journal cannot be written succeeded"
r=$(jq -r 'select(.reason != null) | .reason' "$T/jnl.json" | head -n 1)
case "$r" in
"writing the journal (.kb/journal/"*".jnl): No space left on device") ;;
*) fail "the journal's full-disk reason: '$r'" ;;
esac
kbctl stop >/dev/null
kbctl add "$T/late.md" >/dev/null || fail "the add failed once the journal could be written"
assert_eq 44 "$(doc_count)" "documents after the journal's failure"
lint_clean
