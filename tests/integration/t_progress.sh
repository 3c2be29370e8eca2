# kbctl's progress: the live region under a real pseudo-terminal (rows
# naming the files in flight, synchronized output, the cursor shown last,
# re-layout on SIGWINCH, Ctrl-C), colour rules, and the plain outputs
# (no escape byte, heartbeat, NDJSON). The daemon's workers are stopped
# (SIGSTOP) while the region is looked at, so the files in flight stay in
# flight as long as the test needs, whatever the machine's speed.
. "$(dirname "$0")/lib.sh"

PTY="python3 $(dirname "$0")/pty_run.py"
N=100

# make_long DIR N TAG: N small files with long names (so rows get cut).
make_long() {
	python3 - "$1" "$2" "$3" <<'PY'
import os, sys
d, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
    sub = os.path.join(d, "dir%d" % (i % 4))
    os.makedirs(sub, exist_ok=True)
    name = "a-long-file-name-to-be-cut-in-the-middle-%s-%05d-end.txt" % (tag, i)
    with open(os.path.join(sub, name), "w") as f:
        f.write("%s file %d\n\nbody of %s %d\n" % (tag, i, tag, i))
PY
}

no_esc() {
	if grep -q "$(printf '\033')" "$1"; then
		fail "$2: escape byte in $1"
	fi
}

kbctl init >/dev/null
kbctl stop
# Our own kbd: 2 workers, and a watchdog that waits for stopped workers.
"$KBD" -C "$KB" --jobs 2 --timeout 600

# 1. The region at a terminal: rows name the files in flight, frames are
# synchronized, a resize re-lays the rows out at the new width, the last
# cursor sequence shows the cursor, colour is on.
make_long "$T/s1" $N s1
w=$(stop_workers)
r=$(LANG=C.UTF-8 TERM=xterm-256color $PTY --out "$T/pty1" --cols 200 \
    --resize 60 --after "kill -CONT $w" -- "$KBCTL" -C "$KB" add --jobs 2 \
    "$T/s1")
echo "$r" | jq -e . >/dev/null || fail "pty report: $r"
assert_eq true "$(echo "$r" | jq .rows_seen)" "rows of files in flight drawn"
assert_contains "$(echo "$r" | jq -r '.row_text[0]')" "s1" "a row names a file"
assert_eq true "$(echo "$r" | jq .relayout)" "re-layout after SIGWINCH"
[ "$(echo "$r" | jq .widest_before)" -gt 60 ] ||
	fail "rows were not wider than the new width before the resize: $r"
[ "$(echo "$r" | jq .widest_after)" -le 59 ] ||
	fail "rows wider than the terminal after the resize: $r"
assert_eq true "$(echo "$r" | jq .cut)" "long names cut in the middle"
assert_eq 2 "$(echo "$r" | jq .max_rows)" "one row per busy worker"
assert_eq 0 "$(echo "$r" | jq .last_frame_rows)" "region erased at the end"
assert_eq 0 "$(echo "$r" | jq .exit)" "kbctl add exit status at a terminal"
[ "$(echo "$r" | jq .sync_begin)" -gt 0 ] || fail "no synchronized output: $r"
assert_eq "$(echo "$r" | jq .sync_begin)" "$(echo "$r" | jq .sync_end)" \
    "every synchronized update ends"
assert_eq show "$(echo "$r" | jq -r .last_cursor)" "cursor shown at the end"
[ "$(echo "$r" | jq .sgr)" -gt 0 ] || fail "no colour at a terminal: $r"
grep -q "job 1: $N added" "$T/pty1" || fail "no summary at the terminal"
assert_eq $N "$(doc_count)" "documents after the add at a terminal"

# 2. Ctrl-C typed at the terminal, NO_COLOR: kbctl cancels, the files in
# flight finish, kbctl dies by SIGINT with the cursor shown and no colour.
# The first file in flight has an escape sequence in its name: shown
# escaped, it adds no colour either.
make_long "$T/s2" $N s2
printf 'evil\n' > "$T/s2/dir0/$(printf '\033[31m')evil.txt"
w=$(stop_workers)
r=$(NO_COLOR=1 LANG=C.UTF-8 TERM=xterm $PTY --out "$T/pty2" --interrupt \
    --after "kill -CONT $w" -- "$KBCTL" -C "$KB" add --jobs 2 "$T/s2")
assert_eq true "$(echo "$r" | jq .rows_seen)" "rows drawn before Ctrl-C"
assert_eq true "$(echo "$r" | jq .cancelling)" "Ctrl-C cancels"
assert_eq 2 "$(echo "$r" | jq .signal)" "kbctl killed by SIGINT"
assert_eq show "$(echo "$r" | jq -r .last_cursor)" "cursor shown after Ctrl-C"
assert_eq 0 "$(echo "$r" | jq .sgr)" "no colour with NO_COLOR"
assert_contains "$(echo "$r" | jq -r '.row_text | join(" ")')" '\x1b[31mevil' \
    "a control character in a name is escaped in its row"
s=$(kbctl status --json)
assert_eq cancelled "$(echo "$s" | jq -r .state)" "job state after Ctrl-C"
assert_eq $((N + 1)) "$(echo "$s" | jq '.added + .duplicates + .skipped + .failed + .cancelled')" \
    "every file committed or cancelled"
[ "$(echo "$s" | jq .cancelled)" -gt 0 ] || fail "Ctrl-C cancelled nothing"
assert_eq $((N + $(echo "$s" | jq .added))) "$(doc_count)" \
    "documents after Ctrl-C"
lint_clean

# A second Ctrl-C detaches at once: kbctl ends while the files it left in
# flight are still held by stopped workers; the job still ends in kbd,
# cancelled. kbd itself is stopped while the keys are typed, so the second
# comes before kbd has answered the first's cancel, which must reach it
# all the same.
make_long "$T/s2b" 50 s2b
w=$(stop_workers)
k=$(kbd_pid)
r=$(LANG=C.UTF-8 TERM=xterm $PTY --out "$T/pty2b" --interrupt --interrupt \
    --before-interrupt "kill -STOP $k" --after "kill -CONT $k $w" \
    -- "$KBCTL" -C "$KB" add --jobs 2 "$T/s2b")
assert_eq true "$(echo "$r" | jq .detached)" "second Ctrl-C detaches at once"
assert_eq 2 "$(echo "$r" | jq .signal)" "killed by SIGINT after detaching"
assert_eq show "$(echo "$r" | jq -r .last_cursor)" "cursor shown after detaching"
kbctl wait "$(kbctl jobs --limit 1 | cut -f1)" --json > "$T/w2b" || true
assert_eq cancelled "$(tail -n 1 "$T/w2b" | jq -r .state)" \
    "job after a detach ends cancelled in kbd"
lint_clean

# 3. wait at a terminal with --color=never: the region, without colour;
# a job with --jobs 1 has one row.
make_long "$T/s3" $N s3
w=$(stop_workers)
job=$(kbctl add --jobs 1 --no-wait --json "$T/s3" | jq .job)
r=$(LANG=C.UTF-8 TERM=xterm $PTY --out "$T/pty3" --after "kill -CONT $w" \
    -- "$KBCTL" -C "$KB" wait --color=never "$job")
assert_eq true "$(echo "$r" | jq .rows_seen)" "wait draws the region"
assert_eq 0 "$(echo "$r" | jq .exit)" "wait exit status"
assert_eq 0 "$(echo "$r" | jq .sgr)" "no colour with --color=never"
assert_eq show "$(echo "$r" | jq -r .last_cursor)" "cursor shown after wait"
assert_eq 1 "$(echo "$r" | jq .max_rows)" "--jobs 1: one row"

# SIGTERM and SIGHUP while the region is drawn: it is erased, the cursor
# shown, kbctl dies by the signal, and the job goes on in kbd.
for sig in TERM HUP; do
	make_long "$T/s-$sig" 50 "s$sig"
	w=$(stop_workers)
	r=$(LANG=C.UTF-8 TERM=xterm $PTY --out "$T/pty-$sig" --kill $sig -- \
	    "$KBCTL" -C "$KB" add --jobs 2 "$T/s-$sig")
	assert_eq true "$(echo "$r" | jq .rows_seen)" "rows drawn before SIG$sig"
	assert_eq "$(kill -l $sig)" "$(echo "$r" | jq .signal)" \
	    "kbctl killed by SIG$sig"
	assert_eq show "$(echo "$r" | jq -r .last_cursor)" \
	    "cursor shown after SIG$sig"
	assert_eq 0 "$(echo "$r" | jq .last_frame_rows)" \
	    "region erased after SIG$sig"
	kill -CONT $w
	kbctl wait "$(kbctl jobs --limit 1 | cut -f1)" --json > "$T/w-$sig"
	assert_eq done "$(tail -n 1 "$T/w-$sig" | jq -r .state)" \
	    "job after SIG$sig"
done

# In the background of a job-control shell (`kbctl add ... &`) the region
# is not drawn over the foreground: no frame in the 3 s a foreground kbctl
# takes a sixth of to draw its first; the file lines still come. --limit
# bounds only that look; the end is waited for (--end-limit, a hang guard).
# KBD_TEST_SLOW_CONT=S resumes the workers S s later, as a loaded machine
# might: the test must still pass.
make_long "$T/s-bg" 50 sbg
w=$(stop_workers)
r=$(LANG=C.UTF-8 TERM=xterm $PTY --out "$T/pty-bg" --limit 3 \
    --after "(sleep ${KBD_TEST_SLOW_CONT:-0}; kill -CONT $w) >/dev/null 2>&1 &" -- \
    sh -c "set -m; \"$KBCTL\" -C \"$KB\" add --jobs 2 \"$T/s-bg\" & wait \$!")
assert_eq true "$(echo "$r" | jq .ended)" "background add ended (not killed)"
assert_eq 0 "$(echo "$r" | jq .exit)" "background add exit status"
assert_eq 0 "$(echo "$r" | jq .frames)" "no region drawn from the background"
grep -q "added.*sbg" "$T/pty-bg" || fail "no file lines from the background"

# 4. TERM=dumb at a terminal: plain lines, no escape byte.
make_long "$T/s4" 50 s4
r=$(LANG=C.UTF-8 TERM=dumb $PTY --out "$T/pty4" -- "$KBCTL" -C "$KB" \
    add "$T/s4")
assert_eq 0 "$(echo "$r" | jq .exit)" "exit status with TERM=dumb"
no_esc "$T/pty4" "TERM=dumb"
grep -q "^added " "$T/pty4" || fail "no file lines with TERM=dumb"

# 5. Not a terminal: no escape byte, and a heartbeat on stderr while
# nothing finishes (KBCTL_HEARTBEAT=1: one a second instead of 30).
make_long "$T/s5" $N s5
w=$(stop_workers)
KBCTL_HEARTBEAT=1 "$KBCTL" -C "$KB" add --jobs 2 "$T/s5" > "$T/out5" \
    2> "$T/err5" &
p=$!
i=0
while ! grep -qs '^kbctl: .* files/s' "$T/err5"; do
	i=$((i + 1))
	[ $i -lt 1200 ] || { kill -CONT $w; fail "no heartbeat line"; }
	sleep 0.05
done
kill -CONT $w
wait $p || fail "kbctl add without a terminal failed"
no_esc "$T/out5" "stdout, not a terminal"
no_esc "$T/err5" "stderr, not a terminal"
grep -Eq '^kbctl: [0-9]+/[0-9]+\+? files, [0-9]+ files/s, [0-9]+ failed$' \
    "$T/err5" || fail "heartbeat format: $(cat "$T/err5")"
assert_eq $N "$(grep -c '^added ' "$T/out5")" "one line per file"

# 6. --json: NDJSON only on stdout, one line per file, then the summary;
# at a terminal too, nothing else is drawn.
make_long "$T/s6" $N s6
kbctl add --json "$T/s6" > "$T/out6" 2> "$T/err6"
jq -e . "$T/out6" >/dev/null || fail "--json output does not parse"
assert_eq $((N + 1)) "$(wc -l < "$T/out6")" "--json lines"
assert_eq $N "$(jq -r 'select(.path) | .path' "$T/out6" | sort -u | wc -l)" \
    "one line per input file"
assert_eq summary "$(tail -n 1 "$T/out6" | jq -r .event)" "summary last"
assert_eq 0 "$(wc -c < "$T/err6")" "nothing on stderr with --json"
make_long "$T/s7" 50 s7
r=$(LANG=C.UTF-8 TERM=xterm $PTY --out "$T/pty7" -- "$KBCTL" -C "$KB" \
    add --json "$T/s7")
assert_eq 0 "$(echo "$r" | jq .exit)" "exit status of --json at a terminal"
no_esc "$T/pty7" "--json at a terminal"
tr -d '\r' < "$T/pty7" | jq -e . >/dev/null ||
	fail "--json at a terminal: a line does not parse"
lint_clean

# 7. A follower that asks for progress and stops reading: kbd keeps
# queueing its file events (every one arrives) but drops its progress
# once 64 KiB wait for it, so the tail of what it gets has none. The
# events (some 170 bytes each) must fill the socket's buffer and those
# 64 KiB twice over.
wmem=$(cat /proc/sys/net/core/wmem_default 2>/dev/null || echo 212992)
N8=$(( (wmem + 65536) * 2 / 150 + 500 ))
python3 - "$T/s8" $N8 <<'PY'
import os, sys
d = sys.argv[1]
for i in range(int(sys.argv[2])):
    sub = os.path.join(d, "d%d" % (i % 8), "a-fairly-long-directory-name-to-make-events-big")
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "a-long-file-name-so-each-event-is-a-few-hundred-bytes-%05d.txt" % i), "w") as f:
        f.write("slow %d\n" % i)
PY
python3 "$(dirname "$0")/slow_client.py" --sock "$KB/.kb/kbd.sock" \
    --go "$T/go" --tail 500 "$T/s8" > "$T/slow.json" &
sp=$!
i=0
until grep -q added "$T/slow.json" 2>/dev/null &&
    [ "$(kbctl status --json | jq -r .state)" = done ]; do
	i=$((i + 1)); [ $i -lt 2400 ] || fail "the slow follower's job did not end"
	sleep 0.05
done
touch "$T/go"
wait $sp || fail "slow client failed"
r=$(tail -n 1 "$T/slow.json")
assert_eq $N8 "$(echo "$r" | jq .events)" "every file event reaches a slow follower"
[ "$(echo "$r" | jq .progress)" -gt 0 ] || fail "no progress at all: $r"
assert_eq 0 "$(echo "$r" | jq .progress_in_tail)" \
    "progress dropped for a follower that is behind"
