#!/bin/bash
# Read-only media: a KB on a file system mounted read-only is served
# without a committer. Search, list, show and status work; add, remove,
# lint and cancel are refused with the reason; its pid file, log and socket
# live in the runtime directory. A KB left with an unfinished change is
# not served: kbd says to mount it read-write once.
. "$(dirname "$0")/lib.sh"

MNT="$T/mnt"
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=32m,mode=0700 kbd-readonly "$MNT" 2>"$T/mount.err"; then
	skip "cannot mount a tmpfs here ($(head -n 1 "$T/mount.err"))"
fi
unmount() {
	for k in "$MNT"/kb*; do
		"$KBCTL" -C "$k" stop >/dev/null 2>&1 || true
	done
	umount "$MNT" 2>/dev/null || umount -l "$MNT"
}
on_exit() {
	local rc=$?
	unmount
	(exit $rc)
	cleanup
}
trap on_exit EXIT

mkdir -p "$T/in"
for i in 1 2 3; do
	printf '# Archived %s\n\nshelved parchment%s\n' "$i" "$i" > "$T/in/a$i.md"
done
echo "another document" > "$T/in2.txt"

# kb: stopped with its write-ahead log in place (read through its -shm;
# kbd leaves one when a reader is in a transaction as it stops);
# kb-empty: stopped as usual, its log emptied by kbd, and kb-ckpt: the
# log then removed (both read in SQLite's immutable mode); kb-jnl: a
# change left unfinished (a journal still active).
for k in kb kb-empty kb-ckpt kb-jnl; do
	"$KBCTL" -C "$MNT/$k" init >/dev/null
	"$KBCTL" -C "$MNT/$k" add "$T/in" >/dev/null
	if [ $k = kb ]; then
		stop_reading "$MNT/$k"
	else
		"$KBCTL" -C "$MNT/$k" stop >/dev/null
	fi
done
[ -s "$MNT/kb/.kb/kb.db-wal" ] || fail "kb has no write-ahead log to read"
[ -e "$MNT/kb-empty/.kb/kb.db-wal" ] && [ ! -s "$MNT/kb-empty/.kb/kb.db-wal" ] ||
	fail "kb-empty's log not there and empty after the stop"
sqlite3 "$MNT/kb-ckpt/.kb/kb.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
[ ! -e "$MNT/kb-ckpt/.kb/kb.db-wal" ] || fail "kb-ckpt kept its log"
printf 'kbd-journal 1\n' > "$MNT/kb-jnl/.kb/journal/0123456789abcdef.jnl"
mount -o remount,ro "$MNT"

for k in kb kb-empty kb-ckpt; do
	KB="$MNT/$k"
	out=$(kbctl search parchment2) || fail "search on read-only $k"
	assert_contains "$out" "a2" "search on read-only $k"
	assert_eq 3 "$(doc_count)" "documents listed on read-only $k"
	assert_contains "$(kbctl show a3)" "shelved parchment3" "show on read-only $k"
	kbctl status >/dev/null || fail "status on read-only $k"
	for cmd in "add $T/in2.txt" "remove a1" "lint" "lint --fix"; do
		set +e
		# shellcheck disable=SC2086
		err=$(kbctl $cmd 2>&1 >/dev/null)
		st=$?
		set -e
		[ $st -ne 0 ] || fail "'$cmd' succeeded on read-only $k"
		assert_contains "$err" "is on a read-only file system" "'$cmd' on $k"
	done
	assert_eq 3 "$(doc_count)" "documents after refused changes ($k)"
	# Nothing of kbd's in .kb/: its files are in the runtime directory.
	[ ! -e "$KB/.kb/kbd.sock" ] || fail "a socket in read-only $k/.kb"
	rundir_pid=$(grep -l "^$(pgrep -f "kbd -C $KB\$" | head -n 1)\$" \
	    /tmp/kbd-"$(id -u)"/*.pid "${XDG_RUNTIME_DIR:-/nonexistent}"/kbd/*.pid \
	    2>/dev/null | head -n 1 || true)
	[ -n "$rundir_pid" ] || fail "no pid file of $k's kbd in the runtime directory"
	grep -q "read-only file system: queries only" "${rundir_pid%.pid}.log" ||
	    fail "the runtime directory's log does not say read-only"
	kbctl stop >/dev/null || fail "stop on read-only $k"
done

# An active journal: kbd refuses to serve it and says what to do.
KB="$MNT/kb-jnl"
set +e
err=$(kbctl search parchment1 2>&1 >/dev/null)
st=$?
set -e
[ $st -ne 0 ] || fail "a read-only KB with an active journal was served"
assert_contains "$err" "unfinished change" "read-only KB with an active journal"
