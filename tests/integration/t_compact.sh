# The full-text index merged into one segment (workers/committer/compact.c)
# once the documents changed since the last merge are an eighth of the KB
# or more: at the end of a job, and after a remove once the committer is
# idle; never for a small change to a large KB; a failed merge costs the
# job nothing.
. "$(dirname "$0")/lib.sh"
KBSQL="$KBD_BIN/kbsql"
segments() {
	"$KBSQL" "$KB/.kb/kb.db" \
	    "SELECT count(DISTINCT id >> 37) FROM fts_data WHERE id >> 37 > 0"
}
# gen DIR TAG N: N documents whose words are the tag's own.
gen() {
	python3 - "$1" "$2" "$3" <<'PY'
import os, sys
d, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(d, exist_ok=True)
for i in range(n):
    with open(os.path.join(d, "%s%04d.md" % (tag, i)), "w") as f:
        f.write("# %s %d\n\nThe %s%d notes about %sword and more.\n" %
                (tag, i, tag, i, tag))
PY
}

kbctl init >/dev/null
gen "$T/a" alpha 100
kbctl add "$T/a" >/dev/null
assert_eq 1 "$(segments)" "one segment after the first add"

# 10 documents to a KB of 100: under an eighth, the index as FTS5 left it
# (the old segment and the new ones).
gen "$T/b" beta 10
kbctl add "$T/b" >/dev/null
[ "$(segments)" -gt 1 ] || fail "merged after a small add"

# 20 more: 30 changed since the merge, of 130: merged.
gen "$T/c" gamma 20
kbctl add "$T/c" >/dev/null
assert_eq 1 "$(segments)" "one segment once an eighth changed"
assert_eq 130 "$(doc_count)" "documents"
for w in alphaword betaword gammaword; do
	assert_eq 10 "$(kbctl search --files --limit 10 "$w" | wc -l)" "hits for $w after the merge"
done
assert_eq 1 "$(kbctl search --files beta7 | wc -l)" "one document by its own word"

# A remove is no job: merged once the committer is idle a moment.
kbctl remove --path "$T/c" >/dev/null
assert_eq 110 "$(doc_count)" "documents after the remove"
i=0
while [ "$(segments)" != 1 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "not merged after the remove: $(segments) segments"
	sleep 0.1
done
[ -z "$(kbctl search --files gammaword)" ] || fail "removed documents found"

# A merge that fails (EIO at its commit point) is rolled back and logged:
# the add succeeds and the KB is whole.
kbctl stop >/dev/null
gen "$T/d" delta 40
KBD_FAILPOINT=compact.commit:eio kbctl add "$T/d" >/dev/null ||
    fail "add failed when the index could not be merged"
assert_eq 150 "$(doc_count)" "documents after the failed merge"
[ "$(segments)" -gt 1 ] || fail "merged despite the failure"
grep -q "merging the full-text index" "$KB/.kb/kbd.log" ||
    fail "the failed merge not logged: $(tail -5 "$KB/.kb/kbd.log")"
assert_eq 10 "$(kbctl search --files --limit 10 deltaword | wc -l)" "hits for deltaword"
lint_clean
