# kbctl watch under stress (issue 10): a rename storm, 10,000 files
# deleted at once, an inotify queue overflow, and a watched root deleted
# and made again. Every wait is on an event, bounded by the hang guard.
#
# The overflow is made without touching the machine-wide
# fs.inotify.max_queued_events: kbd is stopped (SIGSTOP) while more
# events than its queue holds happen, so the kernel drops the rest and
# queues IN_Q_OVERFLOW; the changes that matter come after the queue is
# full, so only the full sync that an overflow starts can find them.
. "$(dirname "$0")/lib.sh"

src="$T/notes"
mkdir -p "$src"
printf '# Seed\n\nseedword\n' > "$src/seed.md"

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
idle() {
	[ "$(kbctl jobs --json | jq '[.[] | select(.state == "running" or
	    .state == "queued")] | length')" -eq 0 ]
}
last_job() {
	kbctl jobs --json --limit 1 | jq '.[0].job // 0'
}
src_of() {
	kbctl search "$1" --json | jq -r '.[0].src_path'
}

kbctl watch "$src"
wait_until "the first sync" found seedword
wait_until "the first sync's end" idle

# A rename storm: one file renamed 200 times in a row ends as one
# document, under its last name, with its content, its name kept.
printf '# Storm\n\nstormword\n' > "$src/storm0.md"
wait_until "the storm's file found" found stormword
wait_until "its sync's end" idle
n=$(doc_count)
i=0
while [ $i -lt 200 ]; do
	mv "$src/storm$i.md" "$src/storm$((i + 1)).md"
	i=$((i + 1))
done
wait_until "the storm's last name" sh -c "'$KBCTL' -C '$KB' search \
    stormword --json | jq -r '.[0].src_path' | grep -qx '$src/storm200.md'"
wait_until "the storm's syncs end" idle
assert_eq "$src/storm200.md" "$(src_of stormword)" "the last name"
assert_eq 1 "$(hits stormword)" "one document after 200 renames"
assert_eq storm0 "$(kbctl search stormword --json | jq -r '.[0].doc')" \
    "the renamed document keeps its name"
assert_eq "$n" "$(doc_count)" "a rename storm adds no document"
grep -q stormword "$KB/raw/storm0.md" || fail "raw copy lost its content"

# 10,000 files deleted at once: every document goes, in a job or a few
# (the debounce merges the events), never one per file.
python3 - "$src/mass" <<'PY'
import os, sys
d = sys.argv[1]
os.makedirs(d)
for i in range(10000):
    with open(os.path.join(d, "m%05d.md" % i), "w") as f:
        f.write("# M%d\n\nmassword m%05dword\n" % (i, i))
PY
# Counted with plain `list | wc -l`, half a second apart: a JSON list of
# 10,000 documents through jq every 50 ms would take the cores from kbd.
count_is() {
	[ "$(kbctl list | wc -l)" -eq "$1" ] || { sleep 0.5; false; }
}
wait_until "10,000 files found" count_is $((n + 10000))
wait_until "their syncs' end" idle
before=$(last_job)
rm -rf "$src/mass"
wait_until "10,000 documents removed" count_is "$n"
wait_until "the removal's end" idle
jobs=$(( $(last_job) - before ))
[ "$jobs" -ge 1 ] && [ "$jobs" -le 3 ] ||
    fail "10,000 deletions took $jobs jobs, expected 1 to 3"
assert_eq 0 "$(hits massword)" "no deleted file is found"
assert_eq 10000 "$(kbctl jobs --json --limit "$jobs" | jq '[.[].removed] |
    add')" "the jobs removed every file once"

# A queue overflow. kbd stopped, a hidden file churned past its queue
# (3 events a round: create, close, delete), then the real changes,
# whose events the kernel drops.
q=$(cat /proc/sys/fs/inotify/max_queued_events)
[ "$q" -le 1048576 ] || skip "max_queued_events is $q: too many events to make"
printf '# Keep\n\nkeepword\n' > "$src/keep.md"
printf '# Gone\n\ngoneword\n' > "$src/gone.md"
wait_until "two files found" found goneword
wait_until "their sync's end" idle
pid=$(kbd_pid)
kill -STOP "$pid"
python3 - "$src/.churn" "$((q / 3 + 100))" <<'PY'
import os, sys
p, n = sys.argv[1], int(sys.argv[2])
for _ in range(n):
    open(p, "w").close()
    os.unlink(p)
PY
printf '# Keep\n\nchangedword\n' > "$src/keep.md"
rm "$src/gone.md"
mkdir "$src/late"
printf '# Late\n\nlateword\n' > "$src/late/late.md"
kill -CONT "$pid"
wait_until "the overflow's sync: a new file" found lateword
wait_until "the overflow's sync's end" idle
grep -q "inotify queue overflow" "$KB/.kb/kbd.log" ||
    fail "no overflow in the log"
assert_eq 0 "$(hits goneword)" "a file deleted in the overflow is gone"
assert_eq 0 "$(hits keepword)" "a file changed in the overflow lost its old words"
assert_eq 1 "$(hits changedword)" "a file changed in the overflow, updated"
# A directory made while events were lost is watched after the overflow.
printf '# Later\n\nlaterword\n' > "$src/late/later.md"
wait_until "a file in a directory made during the overflow" found laterword
wait_until "its sync's end" idle

# A watched root deleted and made again is followed again, by the same
# kbd: its files come back once it is back, and a later change in it is
# seen. Deleting the root prunes nothing (a missing root never does).
n=$(doc_count)
mv "$src" "$T/aside"
wait_until "the root's loss noticed" grep -q "watch $src: root not found" \
    "$KB/.kb/kbd.log"
wait_until "the missing root's sync's end" idle
assert_eq "$n" "$(doc_count)" "a missing root prunes nothing"
rm -rf "$T/aside"
mkdir "$src"
printf '# Reborn\n\nrebornword\n' > "$src/reborn.md"
wait_until "a file in the root made again" found rebornword
wait_until "its sync's end" idle
printf '# After\n\nafterword\n' > "$src/after.md"
wait_until "a change in the root made again" found afterword
wait_until "its sync's end" idle
assert_eq 0 "$(hits seedword)" "the old root's files are pruned once it is back"
assert_eq "$pid" "$(kbd_pid)" "the same kbd throughout"

# Deleted (not moved) this time, and back with a subdirectory.
rm -rf "$src"
wait_until "the root's deletion noticed" sh -c "[ \"\$(grep -c \
    'watch $src: root not found' '$KB/.kb/kbd.log')\" -ge 2 ]"
mkdir -p "$src/sub"
printf '# Again\n\nagainword\n' > "$src/sub/again.md"
wait_until "a file in the root made again after rm -rf" found againword
wait_until "its sync's end" idle
printf '# Sub\n\nsubword\n' > "$src/sub/sub.md"
wait_until "a change in the subdirectory of the root made again" found subword
wait_until "its sync's end" idle
assert_eq "$pid" "$(kbd_pid)" "the same kbd throughout"
lint_clean
