#!/bin/bash
# Settings and daemon life: kbd --version and kbctl --version; kbctl config
# reads, checks, sets and unsets .kb/kbd.conf, keeping its comments; kbd
# takes its settings from it, its own options overriding them, and refuses
# to start on a bad file with the file, line and reason; idle-exit makes
# an unused kbd exit; children's titles name their role and the KB.
. "$(dirname "$0")/lib.sh"

v=$("$KBD" --version)
assert_contains "$v" "kbd " "kbd --version"
assert_eq "${v/kbd/kbctl}" "$("$KBCTL" --version)" "kbctl --version"

kbctl init >/dev/null
kbctl stop >/dev/null

# Defaults, then a setting, a bad value, an unknown key.
assert_eq auto "$(kbctl config jobs)" "jobs by default"
assert_eq 30 "$(kbctl config timeout)" "timeout by default"
printf '# kept comment\n\ntimeout = 45   # seconds\n' > "$KB/.kb/kbd.conf"
assert_eq 45 "$(kbctl config timeout)" "timeout from the file"
kbctl config max-size 1K 2>/dev/null
assert_eq 1024 "$(kbctl config max-size)" "max-size set with a suffix"
expect_status 2 kbctl config jobs 0
set +e
err=$(kbctl config jobs many 2>&1 >/dev/null)
st=$?
set -e
assert_eq 2 "$st" "a bad value's exit status"
assert_eq "kbctl config: jobs: expected a number from 1 to 256, not 'many'" \
    "$err" "a bad value: one line, the key and the reason, no usage"
set +e
err=$(kbctl config jbos 3 2>&1 >/dev/null)
st=$?
set -e
assert_eq 2 "$st" "an unknown key's exit status"
assert_eq "kbctl config: unknown key 'jbos' (kbctl config lists them)" \
    "$err" "an unknown key: one line with the hint, no usage"
grep -q '^# kept comment$' "$KB/.kb/kbd.conf" || fail "the comment was lost"
grep -q '^timeout = 45' "$KB/.kb/kbd.conf" || fail "the timeout line was lost"
assert_eq true "$(kbctl config --json | jq '."max-size".set')" "max-size set in JSON"
assert_eq false "$(kbctl config --json | jq .jobs.set)" "jobs unset in JSON"

# kbd uses them: max-size 1K refuses a 2 KB file, takes a small one; three
# workers when jobs is 3.
kbctl config jobs 3 2>/dev/null
mkdir -p "$T/in"
head -c 2048 /dev/zero | tr '\0' 'a' > "$T/in/big.txt"
echo "small file" > "$T/in/small.txt"
kbctl add "$T/in" --json > "$T/add.json" 2>/dev/null || true
assert_eq added "$(event_field "$T/add.json" "$T/in/small.txt" status)" "small file"
assert_eq failed "$(event_field "$T/add.json" "$T/in/big.txt" status)" "file over max-size"
assert_contains "$(event_field "$T/add.json" "$T/in/big.txt" reason)" "1024" \
    "the reason names the limit"
assert_eq 3 "$(child_pids worker | wc -l)" "workers with jobs = 3"

# Process titles: the role and the KB.
w=$(child_pids worker | head -n 1)
assert_contains "$(tr '\0' ' ' < "/proc/$w/cmdline")" "kbd: worker [$KB]" \
    "a worker's title"
c=$(child_pids committer)
assert_contains "$(tr '\0' ' ' < "/proc/$c/cmdline")" "kbd: committer [$KB]" \
    "the committer's title"

# An option beats the file.
kbctl stop >/dev/null
"$KBD" -C "$KB" --jobs 2
kbctl status >/dev/null	# its committer is ready: workers are starting
i=0
while [ "$(child_pids worker | wc -l)" -lt 2 ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "kbd --jobs 2 started no workers (hang guard)"
	sleep 0.1
done
assert_eq 2 "$(child_pids worker | wc -l)" "workers with --jobs 2 over jobs = 3"
kbctl stop >/dev/null

# --unset: back to the default.
kbctl config --unset max-size 2>/dev/null
assert_eq 67108864 "$(kbctl config max-size)" "max-size unset"
grep -q max-size "$KB/.kb/kbd.conf" && fail "max-size still in the file"

# A bad file: kbd does not start, and says where and why.
echo "jbos = 3" >> "$KB/.kb/kbd.conf"
set +e
err=$(kbctl status 2>&1 >/dev/null)
st=$?
set -e
[ $st -ne 0 ] || fail "kbd started with an unknown key in kbd.conf"
assert_contains "$err" "$KB/.kb/kbd.conf:5: unknown key 'jbos'" "bad kbd.conf"
sed -i '/^jbos/d' "$KB/.kb/kbd.conf"

# idle-exit: with no client and no job, kbd exits by itself and says why.
kbctl config idle-exit 2 2>/dev/null
kbctl status >/dev/null
pid=$(kbd_pid)
alive "$pid" || fail "kbd is not running"
i=0
while alive "$pid"; do
	i=$((i + 1))
	[ $i -lt 600 ] || fail "kbd did not exit when idle (hang guard, 60 s)"
	sleep 0.1
done
grep -q "shutting down (idle)" "$KB/.kb/kbd.log" ||
    fail "the log does not say kbd exited for idleness"
# The next command starts it again.
kbctl status >/dev/null || fail "kbd did not start again after an idle exit"

# exclude (issue 10): default excludes in .kbignore's syntax, read before
# each root's .kbignore (which can take one back with '!'), applied by
# add, sync and watch alike.
assert_eq "" "$(kbctl config exclude)" "no default excludes"
set +e
err=$(kbctl config exclude '!' 2>&1)
st=$?
set -e
[ $st -ne 0 ] || fail "a bare '!' accepted as an exclude"
assert_contains "$err" "exclude: '!' is no pattern" "bad exclude"
kbctl config exclude 'node_modules/ *.tmp build/' 2>/dev/null
assert_eq 'node_modules/ *.tmp build/' "$(kbctl config exclude)" \
    "exclude read back"
assert_eq 'node_modules/ *.tmp build/' \
    "$(kbctl config --json | jq -r .exclude.value)" "exclude in JSON"
# The same kbd from here on: no idle exit between two commands.
kbctl config --unset idle-exit 2>/dev/null
kbctl stop >/dev/null 2>&1
ex="$T/ex"
mkdir -p "$ex/node_modules/pkg" "$ex/build" "$ex/src"
printf '# Keep\n\nkeepword\n' > "$ex/src/keep.md"
printf '# Dep\n\ndepword\n' > "$ex/node_modules/pkg/dep.md"
printf '# Tmp\n\ntmpword\n' > "$ex/src/scratch.tmp"
printf '# Built\n\nbuiltword\n' > "$ex/build/built.md"
printf '!build/\n' > "$ex/.kbignore"
kbctl add -v "$ex" --json > "$T/ex.json" 2>/dev/null
assert_eq added "$(event_field "$T/ex.json" "$ex/src/keep.md" status)" \
    "a file no rule excludes"
assert_eq skipped "$(event_field "$T/ex.json" "$ex/node_modules" status)" \
    "a directory kbd.conf excludes"
assert_eq "excluded (kbd.conf exclude)" \
    "$(event_field "$T/ex.json" "$ex/node_modules" reason)" "its reason"
assert_eq skipped "$(event_field "$T/ex.json" "$ex/src/scratch.tmp" status)" \
    "a file kbd.conf excludes"
assert_eq added "$(event_field "$T/ex.json" "$ex/build/built.md" status)" \
    "the root's .kbignore takes a default exclude back"
n=$(doc_count)
printf '# Dep2\n\ndeptwoword\n' > "$ex/node_modules/pkg/dep2.md"
kbctl sync "$ex" >/dev/null 2>&1
assert_eq "$n" "$(doc_count)" "sync leaves an excluded directory out"
kbctl watch "$ex"
printf '# Dep3\n\ndepthreeword\n' > "$ex/node_modules/pkg/dep3.md"
printf '# Witness\n\nwitnessword\n' > "$ex/src/witness.md"
wait_until "a watched change beside an excluded one" sh -c "[ \"\$('$KBCTL' \
    -C '$KB' search witnessword --json | jq length)\" -ge 1 ]"
assert_eq 0 "$(kbctl search depthreeword --json | jq length)" \
    "watch leaves an excluded directory out"
assert_eq 0 "$(kbctl search depword --json | jq length)" \
    "nothing excluded was added"
