# The compiled wiki: wiki/log.md has one entry per job (not per commit
# batch) and per remove, with correct plurals, and a large job lists its
# first names then a count.
. "$(dirname "$0")/lib.sh"

entries() { grep -c '^## \[' "$KB/wiki/log.md" || true; }

make_corpus "$T/src" 300
kbctl init >/dev/null
kbctl add "$T/src" >/dev/null
assert_eq 300 "$(doc_count)" "documents"
# 300 files take several commit batches (BATCH_MAX 128): still one entry.
assert_eq 1 "$(entries)" "log.md entries after one job"
grep -qx '## \[.*\] job 1 | 300 documents added' "$KB/wiki/log.md" ||
    fail "job entry: $(grep '^## ' "$KB/wiki/log.md")"
assert_eq 20 "$(sed -n '/^## /,$p' "$KB/wiki/log.md" | grep -c '^- [nt]')" \
    "names listed for a large job"
grep -qx -- '- and 280 more' "$KB/wiki/log.md" || fail "no count of the rest"

# One file: singular.
printf '# One\n\nsingle file\n' > "$T/one.md"
kbctl add "$T/one.md" >/dev/null
assert_eq 2 "$(entries)" "log.md entries after two jobs"
grep -qx '## \[.*\] job 2 | 1 document added' "$KB/wiki/log.md" ||
    fail "singular entry: $(grep '^## ' "$KB/wiki/log.md" | tail -1)"
tail -n 3 "$KB/wiki/log.md" | grep -qx -- '- one' || fail "name of job 2"

# A job that changes nothing (all duplicates) writes no entry.
kbctl add "$T/one.md" >/dev/null
assert_eq 2 "$(entries)" "log.md entries after a no-op job"

# An update and an add in one job: both counts, names of both.
printf '# One\n\nchanged text\n' > "$T/one.md"
printf 'two\n' > "$T/two.txt"
kbctl add "$T/one.md" "$T/two.txt" >/dev/null
grep -qx '## \[.*\] job 4 | 1 document added, 1 document updated' \
    "$KB/wiki/log.md" ||
    fail "mixed entry: $(grep '^## ' "$KB/wiki/log.md" | tail -1)"

# remove: one entry, plural right.
kbctl remove one >/dev/null
grep -qx '## \[.*\] remove | 1 document' "$KB/wiki/log.md" ||
    fail "remove entry: $(grep '^## ' "$KB/wiki/log.md" | tail -1)"
kbctl remove note00001 note00003 >/dev/null
grep -qx '## \[.*\] remove | 2 documents' "$KB/wiki/log.md" ||
    fail "remove entry: $(grep '^## ' "$KB/wiki/log.md" | tail -1)"
lint_clean
