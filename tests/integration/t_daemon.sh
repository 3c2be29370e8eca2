# The daemon: one per KB, autostarted by kbctl without races, private
# socket, sandboxed workers, long paths, clean stop.
. "$(dirname "$0")/lib.sh"

kbctl init >/dev/null
pid=$(kbd_pid)
alive "$pid" || fail "kbd not running after init"

# A second kbd on the same KB refuses, naming the first.
set +e
err=$("$KBD" -C "$KB" 2>&1)
st=$?
set -e
assert_eq 1 "$st" "second kbd exit status"
assert_contains "$err" "already running" "second kbd message"
assert_contains "$err" "$pid" "second kbd names the pid"

# Workers are sandboxed: seccomp mode 2 (filter), no_new_privs.
printf 'x\n' > "$T/a.txt"
kbctl add "$T/a.txt" >/dev/null
w=$(child_pids worker | head -n 1)
[ -n "$w" ] || fail "no worker"
assert_eq 2 "$(awk '/^Seccomp:/ {print $2}' "/proc/$w/status")" "worker seccomp mode"
assert_eq 1 "$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$w/status")" "worker no_new_privs"

# stop: the daemon goes away and the socket with it.
kbctl stop
alive "$pid" && fail "kbd still running after stop"
[ ! -e "$KB/.kb/kbd.sock" ] || fail "socket left after stop"
kbctl stop 2>/dev/null || fail "stop with no daemon is not an error"

# The committer empties the WAL into the database as it stops: kb.db alone
# is the KB, and the next start reads no WAL back. A reader in a
# transaction (here one of our own, on frames not yet copied) makes it
# leave the WAL as it was, and kbd still stops; the next stop empties it.
[ ! -s "$KB/.kb/kb.db-wal" ] || fail "the WAL not emptied at stop: $(ls -l "$KB/.kb")"
printf 'held\n' > "$T/held.txt"
kbctl add "$T/held.txt" >/dev/null
[ -s "$KB/.kb/kb.db-wal" ] || fail "the add wrote no WAL: the next case shows nothing"
pid=$(kbd_pid)
stop_reading "$KB"
alive "$pid" && fail "kbd still running after a stop with a reader"
[ -s "$KB/.kb/kb.db-wal" ] || fail "the WAL emptied under a reader's transaction"
grep -q "the WAL left for the next start" "$KB/.kb/kbd.log" ||
	fail "no word of the WAL left: $(tail -5 "$KB/.kb/kbd.log")"
assert_eq held "$(kbctl search -l held)" "the document after a stop with the WAL left"
kbctl stop
[ ! -s "$KB/.kb/kb.db-wal" ] || fail "the WAL not emptied at the next stop"

# Many clients at once with no daemon: exactly one kbd starts.
for i in $(seq 1 30); do
	kbctl status >/dev/null 2>&1 &
done
wait
# A kbd that lost a race to the pid lock may still be on its way out:
# what must hold is that one, and only one, stays. Each other kbd of this
# KB is waited for until it exits (a hang guard bounds the wait).
pid=$(kbd_pid)
alive "$pid" || fail "the kbd in kbd.pid ($pid) is not running"
losers=$(pgrep -f "^$KBD -C $KB\$" | grep -vx "$pid" || true)
wait_gone "a kbd that lost the race" $losers
n=$(pgrep -c -f "^$KBD -C $KB\$" || true)
assert_eq 1 "$n" "kbd processes after 30 racing clients"
kbctl list >/dev/null
assert_eq "$pid" "$(kbd_pid)" "same daemon serves later clients"

# A kbd on its way out (an idle exit, a stop) has closed its socket but
# still holds the pid lock until its process ends. A kbctl that finds
# nobody listening starts a new kbd, which waits for the lock rather than
# fail with "already running" (a CI run lost t_config to this window).
# flock(1) plays the exiting kbd: it holds the lock, listening nowhere.
kbctl stop
flock "$KB/.kb/kbd.pid" sleep 2 &
holder=$!
i=0
while flock -n "$KB/.kb/kbd.pid" true; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "flock(1) did not take the pid lock"
	sleep 0.05
done
kbctl status >/dev/null ||
    fail "kbctl did not start kbd while an old one let go of the KB"
alive "$holder" && fail "kbd started while another held the pid lock"
wait "$holder"

# A KB whose socket path would not fit in sun_path still works.
long="$T/$(printf 'd%.0s' $(seq 1 60))/$(printf 'e%.0s' $(seq 1 60))"
KB="$long/kb"
mkdir -p "$long"
kbctl init >/dev/null
printf '# Deep\n\nsome text\n' > "$T/deep.md"
kbctl add "$T/deep.md" >/dev/null
assert_eq 1 "$(doc_count)" "documents in the deep KB"
[ -s "$KB/.kb/socket" ] || fail "fallback socket path not recorded in .kb/socket"
sock=$(cat "$KB/.kb/socket")
[ -S "$sock" ] || fail "recorded socket $sock does not exist"
assert_eq 600 "$(stat -c %a "$sock")" "fallback socket mode"
assert_eq 700 "$(stat -c %a "$(dirname "$sock")")" "fallback socket dir mode"
kbctl stop

# Usage errors exit 2.
expect_status 2 "$KBCTL" -C "$T/kb" add
expect_status 2 "$KBCTL" -C "$T/kb" frobnicate
expect_status 2 "$KBCTL" -C "$T/kb" search

# A KB whose committer cannot start (a schema from the future): kbd gives
# up after a few throttled tries and tells the waiting client why, rather
# than keeping it waiting for ever.
KB="$T/future"
kbctl init >/dev/null
kbctl stop
sqlite3 "$KB/.kb/kb.db" "UPDATE meta SET value = '99' WHERE key = 'schema'"
set +e
out=$(timeout "$KBD_TEST_HANG" "$KBCTL" -C "$KB" status 2>&1)
st=$?
set -e
[ $st != 124 ] || fail "hang guard: status on a KB kbd cannot open did not return"
assert_eq 1 "$st" "status on a KB kbd cannot open"
assert_contains "$out" "committer cannot start" "status on a KB kbd cannot open"
grep -q "schema version is 99" "$KB/.kb/kbd.log" || fail "the log does not say why"
# kbd gave up: each kbd of this KB is waited for until it exits.
wait_gone "kbd giving up on the unopenable KB" \
    $(pgrep -f "^$KBD -C $KB\$" || true)
n=$(pgrep -c -f "^$KBD -C $KB\$" || true)
assert_eq 0 "$n" "kbd processes left for the unopenable KB"

# A client of another protocol version (a kbctl upgraded while kbd runs)
# is told so in kbd's own version, which that kbctl explains, rather than
# dropped without a word: a HELLO with version 1 gets an ERROR whose
# header carries kbd's version and says both.
KB="$T/versions"
kbctl init >/dev/null
want=$(sed -n 's/^#define KBD_PROTO_VERSION \([0-9]*\).*/\1/p' \
    "$(dirname "$0")/../../proto/kbd-protocol.h")
out=$(python3 - "$KB/.kb/kbd.sock" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(struct.pack("=III", 40, 1, 0))        # MSG_HELLO, version 1
hdr = b""
while len(hdr) < 12:
    b = s.recv(12 - len(hdr))
    if not b:
        sys.exit("connection closed without a reply")
    hdr += b
typ, ver, n = struct.unpack("=III", hdr)
body = b""
while len(body) < n:
    b = s.recv(n - len(body))
    if not b:
        break
    body += b
# ErrorMsg: field 1, a string; its bytes are printable here.
print(typ, ver, "".join(c for c in body.decode("utf-8", "replace")
                        if c.isprintable()))
PY
)
assert_eq "$want" "$(echo "$out" | cut -d' ' -f2)" "the reply's protocol version"
assert_contains "$out" "protocol version 1, kbd speaks $want" "the error says both versions"
alive "$(cut -d" " -f1 "$KB/.kb/kbd.pid")" || fail "kbd did not survive the other client"
kbctl list >/dev/null || fail "kbd answers after the other client"

# KBD_COMMITTER_WRAP (make bench's instruction count): the committer runs
# under the command, with our binary and its role's arguments, and writes
# the KB as ever; the other roles do not.
kbctl stop >/dev/null
cat > "$T/wrap.sh" <<'SH'
#!/bin/sh
echo "$@" >> "${0%/*}/wrapped"
exec "$@"
SH
chmod +x "$T/wrap.sh"
echo "the wrapped committer wrote this" > "$T/wrapped.txt"
KBD_COMMITTER_WRAP="$T/wrap.sh" kbctl add "$T/wrapped.txt" >/dev/null
assert_eq 1 "$(wc -l < "$T/wrapped")" "wrapped processes"
assert_eq "$KBD -X committer $KB" "$(cut -d' ' -f1-4 "$T/wrapped")" "the wrapper's arguments"
assert_eq wrapped "$(kbctl search -l wrapped)" "the wrapped committer's document"
kbctl stop >/dev/null
