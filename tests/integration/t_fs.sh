#!/bin/bash
# The same core scenario with the KB on real file systems: ext4, xfs and
# btrfs on loop devices, and tmpfs. Each: init, an add of a mixed tree,
# search, remove, lint; then the committer killed mid-add (at a fail point), the
# job finishing after its restart, every document present once, lint
# clean. The durability mode kbd chose is the one docs/crash-safety.md
# gives for that file system. A file system that cannot be made here
# (no loop devices, no mkfs, mount refused) is skipped with the reason.
. "$(dirname "$0")/lib.sh"

N=600
make_corpus "$T/src" $N
mkdir -p "$T/mixed"
printf '# Loop heading\n\nstanza about a lighthouse\n' > "$T/mixed/a.md"
printf 'plain lighthouse keeper notes\n' > "$T/mixed/b.txt"
printf '<html><head><title>Beacon</title></head><body><p>lighthouse lamp</p></body></html>\n' \
    > "$T/mixed/c.html"
printf 'name,role\nAda,lighthouse keeper\n' > "$T/mixed/d.csv"

LOOP=
MNT=
release() {
	if [ -n "$MNT" ]; then
		"$KBCTL" -C "$MNT/kb" stop >/dev/null 2>&1 || true
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
	fi
	[ -z "$LOOP" ] || losetup -d "$LOOP" 2>/dev/null || true
	LOOP= MNT=
}
on_exit() {
	local rc=$?
	release
	(exit $rc)
	cleanup
}
trap on_exit EXIT

scenario() {
	fs=$1 want=$2
	KB="$MNT/kb"
	kbctl init >/dev/null
	got=$(grep -o 'durability: [a-z]*' "$KB/.kb/kbd.log" | tail -n 1)
	assert_eq "durability: $want" "$got" "durability mode on $fs"
	kbctl add "$T/mixed" >/dev/null
	assert_eq 4 "$(doc_count)" "documents on $fs"
	assert_eq 4 "$(kbctl search lighthouse --json | jq length)" "hits on $fs"
	kbctl remove a >/dev/null
	assert_eq 3 "$(doc_count)" "documents after a remove on $fs"
	lint_clean

	# The committer killed at its 200th publishing step, mid-batch (a
	# fail point of the test build: the first committer only).
	kbctl stop >/dev/null
	KBD_FAILPOINT='publish*@200' kbctl add "$T/src" --json > "$T/$fs.json" ||
	    true
	grep -Eq "committer [0-9]+ killed by signal 9" "$KB/.kb/kbd.log" ||
	    fail "the committer was not killed mid-add on $fs"
	grep -q "committer gone; restarting" "$KB/.kb/kbd.log" ||
	    fail "the committer was not restarted on $fs"
	s=$(tail -n 1 "$T/$fs.json")
	assert_eq done "$(echo "$s" | jq -r .state)" "job after a committer kill on $fs"
	assert_eq $((N + 3)) "$(doc_count)" "documents after a committer kill on $fs"
	assert_eq $((N + 3)) "$(ls "$KB/raw" | wc -l)" "raw files on $fs"
	lint_clean
	kbctl stop >/dev/null
	echo "   $fs: ok (durability: $want)"
}

# loopfs NAME SIZE MKFS...: a file system of its own on a loop device.
loopfs() {
	fs=$1 size=$2
	shift 2
	if ! command -v "$1" >/dev/null; then
		echo "   $fs: skipped: $1 is not installed"
		return
	fi
	img="$T/$fs.img"
	truncate -s "$size" "$img"
	if ! LOOP=$(losetup -f --show "$img" 2>"$T/losetup.err"); then
		LOOP=
		echo "   $fs: skipped: no loop device ($(head -n 1 "$T/losetup.err"))"
		rm -f "$img"
		return
	fi
	"$@" "$LOOP" >"$T/mkfs.log" 2>&1 || fail "$1 $LOOP: $(tail -n 1 "$T/mkfs.log")"
	MNT="$T/mnt-$fs"
	mkdir -p "$MNT"
	if ! mount -t "$fs" "$LOOP" "$MNT" 2>"$T/mount.err"; then
		echo "   $fs: skipped: mount refused ($(head -n 1 "$T/mount.err"))"
		MNT=
		release
		rm -f "$img"
		return
	fi
	scenario "$fs" syncfs
	release
	rm -f "$img"
}

loopfs ext4 64M mkfs.ext4 -q -F
loopfs xfs 320M mkfs.xfs -q -f
loopfs btrfs 128M mkfs.btrfs -q -f

MNT="$T/mnt-tmpfs"
mkdir -p "$MNT"
if mount -t tmpfs -o size=64m,mode=0700 kbd-fs "$MNT" 2>"$T/mount.err"; then
	scenario tmpfs syncfs
	release
else
	echo "   tmpfs: skipped: mount refused ($(head -n 1 "$T/mount.err"))"
	MNT=
fi
