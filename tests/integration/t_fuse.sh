#!/bin/bash
# A KB on a FUSE file system that refuses Unix sockets (LazyFS): kbd binds
# its control socket in the private runtime directory instead, records it
# in .kb/socket, and kbctl finds it, autostart included; the committer
# fsyncs each published file, FUSE having no syncfs. Skips, saying why,
# only where /dev/fuse or the LazyFS binary is missing: with both there,
# a missing fusermount, a failed mount or a LazyFS that accepts sockets
# fails the test.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

fuser=$(command -v fusermount3 || command -v fusermount || true)
[ -c /dev/fuse ] || skip "no /dev/fuse"
exe=$("$top/scripts/lazyfs.sh" find 2>"$T/why") || skip "$(cat "$T/why")"
[ -n "$fuser" ] || fail "LazyFS is there ($exe) but no fusermount to unmount it"

L="$T/lazyfs"
mkdir -p "$L/root" "$L/mnt"
mkfifo "$L/faults.fifo"
cat > "$L/lazyfs.toml" <<TOML
[faults]
fifo_path="$L/faults.fifo"
[cache]
apply_eviction=false
[cache.simple]
custom_size="64mb"
blocks_per_page=1
[filesystem]
log_all_operations=false
logfile="$L/lazyfs.log"
TOML
"$exe" "$L/mnt" --config-path "$L/lazyfs.toml" -o modules=subdir \
    -o subdir="$L/root" -f >"$L/lazyfs.out" 2>&1 &
lzpid=$!
fuse_down() {
	"$KBCTL" -C "$L/mnt/kb" stop >/dev/null 2>&1 || true
	"$fuser" -u "$L/mnt" >/dev/null 2>&1 || true
	wait "$lzpid" 2>/dev/null || true
}
# set +e: under set -e, (exit $st) would end the trap before cleanup.
trap 'st=$?; set +e; fuse_down; (exit $st); cleanup' EXIT
# Until it is mounted or LazyFS has exited (a hang guard bounds the wait).
mounted_or_gone() {
	mountpoint -q "$L/mnt" || ! kill -0 "$lzpid" 2>/dev/null
}
wait_until "LazyFS mounting" mounted_or_gone
mountpoint -q "$L/mnt" ||
    fail "LazyFS ($exe) could not mount: $(tail -n 3 "$L/lazyfs.out" | tr '\n' ' ')"

KB="$L/mnt/kb"
mkdir "$KB"
# The file system does refuse sockets, or this test proves nothing.
if python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
    "$KB/probe.sock" 2>/dev/null; then
	fail "this LazyFS accepts Unix sockets: the socket fallback cannot be tested on it"
fi
rm -f "$KB/probe.sock"

kbctl init >/dev/null
[ ! -e "$KB/.kb/kbd.sock" ] || fail ".kb/kbd.sock exists on a file system refusing sockets"
[ -s "$KB/.kb/socket" ] || fail "runtime-directory socket not recorded in .kb/socket"
sock=$(cat "$KB/.kb/socket")
[ -S "$sock" ] || fail "recorded socket $sock does not exist"
assert_eq 600 "$(stat -c %a "$sock")" "fallback socket mode"
assert_eq 700 "$(stat -c %a "$(dirname "$sock")")" "fallback socket dir mode"
assert_eq "$(id -u)" "$(stat -c %u "$(dirname "$sock")")" "fallback socket dir owner"
assert_contains "$(cat "$KB/.kb/kbd.log")" "using the runtime directory" "kbd.log"

printf '# On FUSE\n\nsome text about fuse\n' > "$T/f.md"
kbctl add "$T/f.md" >/dev/null
assert_eq 1 "$(doc_count)" "documents in the FUSE KB"
assert_contains "$(kbctl search fuse)" "On FUSE" "search on the FUSE KB"
lint_clean
# FUSE does not pass syncfs to its server: each published file is fsynced.
assert_contains "$(cat "$KB/.kb/kbd.log")" "durability: fsync per file (fuse)" "kbd.log"

# Stopped, the next command starts kbd again and finds its socket.
kbctl stop >/dev/null
[ ! -S "$sock" ] || fail "socket $sock left after stop"
assert_eq 1 "$(doc_count)" "documents after an autostart"
pid=$(kbd_pid)
kbctl list >/dev/null
assert_eq "$pid" "$(kbd_pid)" "same daemon serves later clients"
kbctl stop >/dev/null
echo "   (LazyFS: $exe)"
