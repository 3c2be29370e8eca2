# kbctl watch out of inotify watches (issue 10): the log says so once,
# kbctl roots shows it, and the root is synced every 60 s instead. The
# limit is lowered in a user namespace of the test's own
# (/proc/sys/user/max_inotify_watches), never for the machine.
if [ -z "${KBD_IN_USERNS:-}" ]; then
	if ! unshare -Ur true 2>/dev/null; then
		echo "   SKIP [t_watch_limit]: no user namespaces (unshare -Ur)"
		exit 77
	fi
	KBD_IN_USERNS=1 exec unshare -Ur bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

src="$T/tree"
for d in a b c d e f; do
	mkdir -p "$src/$d"
	printf '# %s\n\nfirst%sword\n' "$d" "$d" > "$src/$d/f.md"
done
# The root and two of its six directories; the rest are polled.
echo 3 > /proc/sys/user/max_inotify_watches

# The periodic sync every 3 s, not 60: the test waits for one (kbd
# starts with init, and keeps the environment it started with).
export KBD_WATCH_POLL=3
kbctl init >/dev/null
kbctl watch "$src"
# The watch's first sync is a job kbd makes after `kbctl watch` returns:
# idle only once that job exists.
idle() {
	kbctl jobs --json | jq -e 'length > 0 and ([.[] | select(.state ==
	    "running" or .state == "queued")] | length) == 0' >/dev/null
}
wait_until "the first sync" idle
assert_eq 6 "$(doc_count)" "every file synced although not every directory is watched"
assert_eq 1 "$(grep -c "watch $src: out of inotify watches.* every 3 s instead" \
    "$KB/.kb/kbd.log")" "the limit, and the interval, said once in the log"
assert_eq true "$(kbctl roots --json | jq -r '.[0].watch_limited')" \
    "roots --json shows the limit"
assert_contains "$(kbctl roots)" "out of inotify watches" "roots shows the limit"

# A directory kbd has no watch for, from the inotify fd's own list.
pid=$(kbd_pid)
watched=$(cat /proc/"$pid"/fdinfo/* 2>/dev/null |
    sed -n 's/^inotify wd:[0-9a-f]* ino:\([0-9a-f]*\) .*/\1/p')
assert_eq 3 "$(printf '%s\n' "$watched" | grep -c .)" "watches held"
unwatched=
for d in a b c d e f; do
	ino=$(printf '%x' "$(stat -c %i "$src/$d")")
	printf '%s\n' "$watched" | grep -qx "$ino" || { unwatched=$d; break; }
done
[ -n "$unwatched" ] || fail "every directory is watched"
# A change there makes no event: the periodic sync finds it.
printf '# New\n\npolledword\n' > "$src/$unwatched/new.md"
wait_until "the periodic sync" sh -c "[ \"\$('$KBCTL' -C '$KB' search \
    polledword --json | jq length)\" -ge 1 ]"
grep -q "watch $src: out of watches, syncing" "$KB/.kb/kbd.log" ||
    fail "the change was not found by the periodic sync"
