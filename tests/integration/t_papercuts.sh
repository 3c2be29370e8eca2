# What a new user hit first (issue 17): the heartbeat's counts, lint
# waiting in silence, paths printed unnormalised, names that read as
# options, options and commands mistyped, and hints that say what to do.
# The daemon's workers are stopped (SIGSTOP) where a job must still be
# running while a command looks at it.
. "$(dirname "$0")/lib.sh"

PTY="python3 $(dirname "$0")/pty_run.py"

# Wait until process $1 (kbctl itself, not a subshell) is connected to
# kbd: it has a socket open.
connected() {
	i=0
	until ls -l "/proc/$1/fd" 2>/dev/null | grep -q 'socket:'; do
		i=$((i + 1)); [ $i -lt 600 ] || fail "process $1 never connected"
		sleep 0.05
	done
}

kbctl init >/dev/null
kbctl stop
# Our own kbd: 2 workers, and a watchdog that waits for stopped workers.
"$KBD" -C "$KB" --jobs 2 --timeout 600

# 1. The heartbeat never counts more files done than found: done comes
# with every file, the total only every 5 s; a job faster than the
# heartbeat showed "2306/512+ files".
make_corpus "$T/many" 3000
KBCTL_HEARTBEAT=1 "$KBCTL" -C "$KB" add "$T/many" > "$T/hb.out" 2> "$T/hb.err" ||
	fail "add with a heartbeat: $(cat "$T/hb.err")"
grep -q '^kbctl: [0-9]*/[0-9]*+\{0,1\} files' "$T/hb.err" ||
	fail "no heartbeat in a job of 3000 files: $(cat "$T/hb.err")"
sed -n 's|^kbctl: \([0-9]*\)/\([0-9]*\)+\{0,1\} files.*|\1 \2|p' "$T/hb.err" |
while read -r done total; do
	[ "$done" -le "$total" ] ||
		fail "heartbeat counts $done done of $total: $(cat "$T/hb.err")"
done
assert_eq 3000 "$(grep -c '^added ' "$T/hb.out")" "files added with a heartbeat"

# 3. lint at a terminal says which job it waits for; elsewhere it says
# nothing on stderr.
mkdir -p "$T/held"
for i in 1 2 3 4 5 6; do printf 'held %d\n' $i > "$T/held/h$i.md"; done
w=$(stop_workers)
job=$(kbctl add --no-wait --json "$T/held" | jq .job)
r=$(LANG=C.UTF-8 TERM=xterm $PTY --out "$T/pty-lint" --limit 60 \
    --expect "waiting for job $job to finish" --after "kill -CONT $w" -- \
    "$KBCTL" -C "$KB" lint)
assert_eq true "$(echo "$r" | jq .expect_seen)" \
    "lint at a terminal says it waits for job $job: $(cat "$T/pty-lint")"
assert_eq 0 "$(echo "$r" | jq .exit)" "lint exit status at a terminal"
grep -q '^ok' "$T/pty-lint" || fail "lint at a terminal: $(cat "$T/pty-lint")"
kbctl wait "$job" >/dev/null
mkdir -p "$T/held2"
for i in 1 2 3 4 5 6; do printf 'again %d\n' $i > "$T/held2/g$i.md"; done
w=$(stop_workers)
job=$(kbctl add --no-wait --json "$T/held2" | jq .job)
"$KBCTL" -C "$KB" lint > "$T/lint.out" 2> "$T/lint.err" &
p=$!
connected $p
kill -CONT $w
wait $p || fail "lint after a job: $(cat "$T/lint.out" "$T/lint.err")"
assert_eq ok "$(cat "$T/lint.out")" "lint output, not at a terminal"
assert_eq 0 "$(wc -c < "$T/lint.err")" "lint stderr, not at a terminal"

# 5. Paths print as the user would write them: relative when given
# relative, without "dir/.." or "./"; a ".." after a symbolic link stays,
# since dropping it would name another file. JSON has the clean absolute
# path.
mkdir -p "$T/p/kb3/wiki" "$T/p/notes" "$T/p/real/sub"
ln -s real/sub "$T/p/lnk"
echo "the x note" > "$T/p/notes/x.md"
echo "the y note" > "$T/p/notes/y.md"
echo "the z note" > "$T/p/real/z.md"
out=$(cd "$T/p" && "$KBCTL" -C "$KB" add kb3/wiki/../../notes/x.md \
    lnk/../z.md)
assert_contains "$out" "added     notes/x.md -> x" "path through ../.."
assert_contains "$out" "added     lnk/../z.md -> z" "'..' after a symlink"
out=$(cd "$T/p/notes" && "$KBCTL" -C "$KB" add -v . ./y.md ../real/./z.md)
assert_contains "$out" "added     y.md -> y" "a file under '.'"
assert_contains "$out" "duplicate x.md (unchanged" "no ./ under '.'"
assert_contains "$out" "duplicate ../real/z.md (unchanged" "a path up from '.'"
case "$out" in
*"$T"*|*" ./"*|*"/./"*) fail "unnormalised or absolute path printed: $out" ;;
esac
out=$(cd "$T/p" && "$KBCTL" -C "$KB" add --json notes/../notes/x.md)
assert_eq "$T/p/notes/x.md" "$(echo "$out" | head -n 1 | jq -r .path)" \
    "JSON path: clean and absolute"
err=$(cd "$T/p" && "$KBCTL" -C "$KB" add ./missing/../gone.md 2>&1 >/dev/null) &&
	fail "a missing path added"
assert_contains "$err" "kbctl: missing/../gone.md: No such file" \
    "a missing path, as given without ./"

# 6. A document name never starts with '-', so remove takes it without --.
mkdir -p "$T/dash"
echo "a dashing note" > "$T/dash/-dash.md"
kbctl add --json "$T/dash" > "$T/dash.json"
doc=$(event_field "$T/dash.json" "$T/dash/-dash.md" doc)
assert_eq _dash "$doc" "name of -dash.md"
assert_eq "removed $doc" "$(kbctl remove "$doc")" "remove without --"

# 7. Options: wait takes -q and -v as add does; -q with -v is a usage
# error; an unknown command is one line with the nearest command; kbd
# --help exits 0 and a number out of range says the range.
mkdir -p "$T/qv"
echo "first" > "$T/qv/a.md"
echo "first" > "$T/qv/b.md"
w=$(stop_workers)
job=$(kbctl add --no-wait --json "$T/qv" | jq .job)
"$KBCTL" -C "$KB" wait -v "$job" > "$T/wait-v.out" &
p=$!
connected $p
"$KBCTL" -C "$KB" wait --quiet "$job" > "$T/wait-q.out" &
q=$!
connected $q
kill -CONT $w
wait $p || fail "wait -v: $(cat "$T/wait-v.out")"
wait $q || fail "wait -q: $(cat "$T/wait-q.out")"
grep -q "^duplicate $T/qv/b.md (same content as " "$T/wait-v.out" ||
	fail "wait -v does not print duplicates: $(cat "$T/wait-v.out")"
assert_eq "job $job: 1 added, 1 duplicates, 0 skipped, 0 failed" \
    "$(cat "$T/wait-q.out")" "wait -q prints the summary only"
for cmd in "add $T/qv" "wait $job"; do
	set +e
	err=$(kbctl $cmd -q -v 2>&1 >/dev/null)
	st=$?
	set -e
	assert_eq 2 "$st" "$cmd -q -v exit status"
	assert_contains "$err" "-q and -v exclude each other" "$cmd -q -v"
done
set +e
err=$(kbctl lsit 2>&1)
st=$?
set -e
assert_eq 2 "$st" "unknown command exit status"
assert_eq "kbctl: unknown command: lsit (did you mean list?)" "$err" \
    "unknown command"
set +e
err=$(kbctl help serch 2>&1)
st=$?
set -e
assert_eq 2 "$st" "help of an unknown command exit status"
assert_eq "kbctl: unknown command: serch (did you mean search?)" "$err" \
    "help of an unknown command"
assert_eq 1 "$(kbctl frobnicate 2>&1 | wc -l)" "an unknown command, far from any"
out=$("$KBD" --help) || fail "kbd --help exit status"
assert_contains "$out" "usage: kbd" "kbd --help on stdout"
set +e
err=$("$KBD" --jobs 0 -C "$KB" 2>&1)
st=$?
set -e
assert_eq 2 "$st" "kbd --jobs 0 exit status"
assert_contains "$err" "--jobs: expected a number from 1 to 256, not '0'" \
    "kbd --jobs 0 says why"

# 8. Hints: legacy .doc and .ppt say what to do, as .xls does; lint
# problems say what to do next.
mkdir -p "$T/legacy"
printf '\320\317\021\340\241\261\032\341rest of an OLE file' > "$T/legacy/old.doc"
printf '\320\317\021\340\241\261\032\341rest of an OLE file' > "$T/legacy/old.ppt"
kbctl add --json "$T/legacy" > "$T/legacy.json" || true
assert_eq "unsupported format (.doc: legacy Word; save it as .docx)" \
    "$(event_field "$T/legacy.json" "$T/legacy/old.doc" reason)" ".doc hint"
assert_eq "unsupported format (.ppt: legacy PowerPoint; save it as .pptx)" \
    "$(event_field "$T/legacy.json" "$T/legacy/old.ppt" reason)" ".ppt hint"
lint_clean
echo tampered >> "$KB/raw/x.md"
rm "$KB/wiki/sources/y.md" "$KB/wiki/summaries/z.md"
echo stray > "$KB/wiki/sources/stray.md"
set +e
out=$(kbctl lint)
st=$?
set -e
assert_eq 1 "$st" "lint exit status with problems"
echo "$out" | grep -q '^raw/x.md: content does not match the registry .*; remove x and add it again$' ||
	fail "modified raw file: no hint: $out"
echo "$out" | grep -qx 'wiki/sources/y.md: missing (document y); remove y and add it again' ||
	fail "missing source: no hint: $out"
echo "$out" | grep -qx 'wiki/summaries/z.md: missing (document z); run kbctl lint --fix' ||
	fail "missing summary: no hint: $out"
echo "$out" | grep -qx 'wiki/sources/stray.md: no document in the registry; run kbctl lint --fix' ||
	fail "stray file: no hint: $out"
kbctl lint --json | jq -r '.problems[]' | grep -q ';' &&
	fail "hints in lint --json problems"
set +e
out=$(kbctl lint --fix)
set -e
echo "$out" | grep -q 'lint --fix$' && fail "lint --fix hints at itself: $out"
echo "$out" | grep -qx 'wiki/sources/y.md: missing (document y); remove y and add it again' ||
	fail "after --fix, the missing source: $out"
kbctl remove x y >/dev/null
lint_clean
