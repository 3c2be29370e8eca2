# A sync of a mostly unchanged tree (issue 10, the no-op sync's speed):
# the registry rows of a directory are read a chunk of 1,024 at a time
# (supervisor/regdir.c), up to the first row of a subdirectory, and are
# read again after each batch; unchanged files go in batches of up to
# 2,048. The decisions must be those of a lookup per file: a directory of
# 2,500 files (chunks refilled within it), root files between big
# subdirectories, names with bytes above 0x7f and names that sort around
# '/' ("a.md" < "a/..." < "a0"), changes at chunk edges.
. "$(dirname "$0")/lib.sh"

src="$T/tree"
mkdir -p "$src"
python3 - "$src" <<'PY'
import os, sys
t = sys.argv[1]
for i in range(12):
    with open(os.path.join(t, "f%02d.md" % i), "w") as f:
        f.write("# root %d\n" % i)
    if i % 4 == 0:
        d = os.path.join(t, "f%02d" % i)
        os.makedirs(d)
        for j in range(2500 if i == 4 else 40):
            with open(os.path.join(d, "g%04d.md" % j), "w") as f:
                f.write("# sub %d %d\n" % (i, j))
for n in ("a.md", "a0.md", "a-b.md"):
    with open(os.path.join(t, n), "w") as f:
        f.write("# %s\n" % n)
os.makedirs(os.path.join(t, "a"))
with open(os.path.join(t, "a", "x.md"), "w") as f:
    f.write("# a/x\n")
u = os.path.join(t.encode(), "\u00fc-dir".encode())
os.makedirs(u)
for j in range(20):
    with open(os.path.join(u, ("\u00e9%02d.md" % j).encode()), "w") as f:
        f.write("# utf %d\n" % j)
PY
total=$(find "$src" -type f | wc -l)

kbctl init >/dev/null
kbctl add -q "$src"
assert_eq "$total" "$(doc_count)" "every file added"

# Unchanged: every file a duplicate "unchanged since added as" its name.
kbctl sync "$src" --json > "$T/s1.json"
assert_eq "$total" "$(tail -n 1 "$T/s1.json" | jq .duplicates)" \
    "unchanged sync: all duplicates"
assert_eq "$total" "$(grep -c '"reason":"unchanged since added as ' \
    "$T/s1.json")" "unchanged sync: every file by its stat"
assert_eq "unchanged since added as g2499" \
    "$(event_field "$T/s1.json" "$src/f04/g2499.md" reason)" \
    "the last file of the big directory"
assert_eq "unchanged since added as x" \
    "$(event_field "$T/s1.json" "$src/a/x.md" reason)" "a file under a/"

# Changes at chunk edges (1,024 and 2,048 in f04), between subdirectories,
# and a name that is not ASCII; a file deleted, one new.
for f in f04/g1023.md f04/g1024.md f04/g2048.md f05.md a0.md \
    $'\xc3\xbc-dir/\xc3\xa909.md'; do
	printf 'changed\n' >> "$src/$f"
done
rm "$src/f04/g1500.md" "$src/a.md"
printf '# new\n' > "$src/f04/g9999.md"
kbctl sync "$src" --json > "$T/s2.json"
s=$(tail -n 1 "$T/s2.json")
assert_eq 6 "$(echo "$s" | jq .updated)" "changed files updated"
assert_eq 2 "$(echo "$s" | jq .removed)" "deleted files pruned"
assert_eq 1 "$(echo "$s" | jq .added)" "new file added"
assert_eq $((total - 8)) "$(echo "$s" | jq .duplicates)" \
    "the rest unchanged"
for f in f04/g1023.md f04/g1024.md f04/g2048.md f05.md a0.md \
    $'\xc3\xbc-dir/\xc3\xa909.md'; do
	assert_eq updated "$(event_field "$T/s2.json" "$src/$f" status)" \
	    "$f updated"
done
assert_eq $((total - 1)) "$(doc_count)" "documents after the changes"
# AGENTS.md's count is read again only after a batch or a prune that
# changed documents: right after one with an addition and removals.
grep -q "It holds $((total - 1)) documents\." "$KB/wiki/AGENTS.md" ||
	fail "AGENTS.md count after the sync: $(grep holds "$KB/wiki/AGENTS.md")"

# And again: nothing left to do.
kbctl sync "$src" --json > "$T/s3.json"
assert_eq $((total - 1)) "$(tail -n 1 "$T/s3.json" | jq .duplicates)" \
    "second sync: all unchanged"
assert_eq 0 "$(tail -n 1 "$T/s3.json" | jq '.added + .updated + .removed')" \
    "second sync: no change"
grep -q "It holds $((total - 1)) documents\." "$KB/wiki/AGENTS.md" ||
	fail "AGENTS.md count after a sync of no change"

# The prune skips the sources its walk found unchanged (their row ids
# marked) and stats the others: the files of a directory the walk now
# ignores are still there and keep their documents; a file deleted in
# the middle of a run of unchanged ones is pruned.
printf 'f08/\n' > "$src/.kbignore"
rm "$src/f00/g0020.md"
kbctl sync "$src" --json > "$T/s4.json"
s=$(tail -n 1 "$T/s4.json")
assert_eq 1 "$(echo "$s" | jq .removed)" "only the deleted file pruned"
assert_eq removed "$(event_field "$T/s4.json" "$src/f00/g0020.md" status)" \
    "the file deleted in a run of unchanged ones"
assert_eq $((total - 2)) "$(doc_count)" \
    "ignored files keep their documents"
assert_eq 0 "$(echo "$s" | jq '.added + .updated')" \
    "nothing else changed"
lint_clean
