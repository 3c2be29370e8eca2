# kbctl watch (issue 10): kbd follows a watched root with inotify and syncs
# it after a quiet time; every wait is on an event, bounded by the hang
# guard (wait_until), never on a clock.
. "$(dirname "$0")/lib.sh"

src="$T/notes"
other="$T/other"
mkdir -p "$src" "$other"
printf '# Seed\n\nseedword\n' > "$src/seed.md"
printf '# Far\n\nfarword\n' > "$other/far.md"

kbctl init >/dev/null

hits() {
	kbctl search "$1" --json | jq length
}
found() {
	[ "$(hits "$1")" -ge 1 ]
}
missing() {
	[ "$(hits "$1")" -eq 0 ]
}
# No job running or queued: whatever a watch started has ended.
idle() {
	[ "$(kbctl jobs --json | jq '[.[] | select(.state == "running" or
	    .state == "queued")] | length')" -eq 0 ]
}

# Watching a folder the KB never had: it becomes a watched root, synced
# once at once.
kbctl watch "$src"
kbctl roots --json > "$T/roots.json"
assert_eq true "$(jq -r --arg p "$src" '.[] | select(.root == $p) |
    .watched' "$T/roots.json")" "roots shows the root watched"
assert_contains "$(kbctl roots)" "watched" "roots' text says watched"
wait_until "the first sync of a watched root" found seedword
wait_until "the first sync's end" idle

# A new file.
printf '# Fresh\n\nfreshword\n' > "$src/fresh.md"
wait_until "a new file found" found freshword
assert_eq fresh "$(kbctl search freshword --json | jq -r '.[0].doc')" \
    "new file's document"
wait_until "the sync's end" idle

# A modified file: its new words found, its old gone, one document.
n=$(doc_count)
printf '# Fresh\n\nrenewedword\n' > "$src/fresh.md"
wait_until "a modified file's new words" found renewedword
wait_until "the sync's end" idle
assert_eq 0 "$(hits freshword)" "a modified file's old words are gone"
assert_eq fresh "$(kbctl search renewedword --json | jq -r '.[0].doc')" \
    "a modified file keeps its document"
assert_eq "$n" "$(doc_count)" "an update adds no document"

# A renamed file keeps its document name.
mv "$src/fresh.md" "$src/renamed.md"
wait_until "a rename seen" sh -c "'$KBCTL' -C '$KB' search renewedword \
    --json | jq -r '.[0].src_path' | grep -qx '$src/renamed.md'"
wait_until "the sync's end" idle
assert_eq fresh "$(kbctl search renewedword --json | jq -r '.[0].doc')" \
    "a renamed file keeps its document name"
assert_eq "$n" "$(doc_count)" "a rename adds no document"

# A deleted file's document is removed.
rm "$src/renamed.md"
wait_until "a deleted file's document removed" missing renewedword
wait_until "the sync's end" idle
assert_eq $((n - 1)) "$(doc_count)" "the deleted file's document is gone"

# A file replaced 20 times in a row (written aside, renamed over, as
# editors save) ends with exactly the last content, in one document.
n=$(doc_count)
for c in a b c d e f g h i j k l m n o p q r s t; do
	printf '# Storm\n\nstorm%sword\n' "$c" > "$src/.storm.tmp"
	mv "$src/.storm.tmp" "$src/storm.md"
done
wait_until "the last of 20 replacements" found stormtword
wait_until "the storm's syncs end" idle
for c in a b c d e f g h i j k l m n o p q r s; do
	assert_eq 0 "$(hits "storm${c}word")" "replacement $c is gone"
done
assert_eq 1 "$(hits stormtword)" "the last content, once"
assert_eq $((n + 1)) "$(doc_count)" "one document for the replaced file"
grep -q stormtword "$KB/raw/storm.md" || fail "raw copy is not the last"

# A new subdirectory's file (the directory is watched once it appears).
mkdir -p "$src/deep/er"
printf '# Deep\n\ndeepword\n' > "$src/deep/er/deep.md"
wait_until "a new subdirectory's file found" found deepword
wait_until "the sync's end" idle
printf '# Deeper\n\ndeeperword\n' > "$src/deep/er/deeper.md"
wait_until "a file in a directory made after the watch" found deeperword
wait_until "the sync's end" idle

# Nested watched roots: once the inner one is no longer watched, the
# outer still follows the directories they shared.
kbctl watch "$src/deep"
wait_until "the nested root's first sync" idle
kbctl watch --stop "$src/deep"
printf '# Nested\n\nnestedword\n' > "$src/deep/er/nested.md"
wait_until "a change under a dropped nested root, through the outer" \
    found nestedword
wait_until "the sync's end" idle

# .kbignore is news although hidden: a sync applies the new rules.
printf 'secret*\n' > "$src/.kbignore"
printf '# Secret\n\nsecretword\n' > "$src/secret.md"
printf '# Visible\n\nvisibleword\n' > "$src/visible.md"
wait_until "a file beside an ignored one" found visibleword
wait_until "the sync's end" idle
assert_eq 0 "$(hits secretword)" "an ignored file stays out"
: > "$src/.kbignore"
wait_until "an ignore rule taken back" found secretword
wait_until "the sync's end" idle

# Watches persist: a change made while kbd is stopped is picked up when
# any kbctl command starts it again.
kbctl stop >/dev/null
printf '# Offline\n\nofflineword\n' > "$src/offline.md"
kbctl roots >/dev/null
wait_until "a change made while stopped" found offlineword
wait_until "the start sync's end" idle
grep -q "watch $src: watched, syncing" "$KB/.kb/kbd.log" ||
    fail "no start sync in the log"

pid=$(kbd_pid)

# watch --stop: a change is not picked up until kbctl sync. Another
# watched root changed after it is the witness: its sync has run (in
# job order, after any sync of the stopped root would have).
kbctl add "$other" >/dev/null
kbctl watch "$other"
wait_until "the other root's first sync" idle

# A file moved from one watched root to another keeps its document: one
# sync of both roots sees a move, not a remove and an add.
n=$(doc_count)
mv "$src/visible.md" "$other/visible.md"
wait_until "a move across roots" sh -c "'$KBCTL' -C '$KB' search \
    visibleword --json | jq -r '.[0].src_path' | grep -qx '$other/visible.md'"
wait_until "the move's sync end" idle
assert_eq 1 "$(kbctl status --json | jq .moved)" "a move across roots is a move"
assert_eq 0 "$(kbctl status --json | jq .removed)" "nothing removed by a move"
assert_eq visible "$(kbctl search visibleword --json | jq -r '.[0].doc')" \
    "a file moved across roots keeps its document"
assert_eq "$n" "$(doc_count)" "a move across roots adds no document"
kbctl watch --stop "$src"
assert_eq false "$(kbctl roots --json | jq -r --arg p "$src" \
    '.[] | select(.root == $p) | .watched')" "stopped root not watched"
printf '# Late\n\nlateword\n' > "$src/late.md"
printf '# Far\n\nwitnessword\n' > "$other/far.md"
wait_until "the witness change" found witnessword
wait_until "the witness sync's end" idle
assert_eq 0 "$(hits lateword)" "a stopped watch picks nothing up"
kbctl sync "$src" >/dev/null
assert_eq 1 "$(hits lateword)" "sync picks up what the stopped watch did not"
assert_eq "$pid" "$(kbd_pid)" "the same kbd throughout"

# roots --forget of a watched root ends its watch too.
mkdir -p "$T/third"
kbctl watch "$T/third"
wait_until "the third root's first sync" idle
kbctl roots --forget "$T/third" >/dev/null
grep -q "watch $T/third: no longer watched" "$KB/.kb/kbd.log" ||
    fail "a forgotten root is still watched"
assert_eq "" "$(kbctl roots --json | jq -r --arg p "$T/third" \
    '.[] | select(.root == $p) | .root')" "the forgotten root is gone"

# Errors: a missing folder, --stop of a path that is no root.
expect_status 1 kbctl watch "$T/nowhere"
expect_status 1 kbctl watch --stop "$T/nowhere"
lint_clean

# Idle exit does not stop a kbd with a watched root: with idle-exit 1 s,
# kbd outlives a few of its idle checks (one a second) with no client;
# once no root is watched, it exits (the control: idle exit works).
kbctl config idle-exit 1 >/dev/null
kbctl stop >/dev/null
kbctl roots >/dev/null
wait_until "the start sync's end" idle
pid=$(kbd_pid)
sleep 3
alive "$pid" || fail "kbd exited for idleness with a watched root"
kbctl watch --stop "$other"
wait_until "idle exit once nothing is watched" gone "$pid"
