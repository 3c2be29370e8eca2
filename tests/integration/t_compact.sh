# The full-text index merged into one segment (workers/committer/compact.c)
# once the documents changed since the last merge are an eighth of the KB
# or more: after a job's reply or a remove, once the committer is idle;
# never for a small change to a large KB; a failed merge costs the job
# nothing; a merge a stopped committer left is its successor's (the count
# recorded at the job's end).
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
changed() {
	sqlite3 "$KB/.kb/kb.db" "SELECT value FROM meta WHERE key = 'fts_changed'"
}
# merged WHAT: the index is one segment and the merge's last step
# recorded no change left (else the hang guard).
is_merged() {
	test "$(segments)" = 1 && test "$(changed)" = 0
}
merged() {
	wait_until "$1" is_merged
}

kbctl init >/dev/null
gen "$T/a" alpha 100
kbctl add "$T/a" >/dev/null
merged "one segment after the first add"

# 10 documents to a KB of 100: under an eighth, the index as FTS5 left it
# (the old segment and the new ones).
gen "$T/b" beta 10
kbctl add "$T/b" >/dev/null
[ "$(segments)" -gt 1 ] || fail "merged after a small add"

# 20 more: 30 changed since the merge, of 130: merged.
gen "$T/c" gamma 20
kbctl add "$T/c" >/dev/null
merged "one segment once an eighth changed"
assert_eq 130 "$(doc_count)" "documents"
for w in alphaword betaword gammaword; do
	assert_eq 10 "$(kbctl search --files --limit 10 "$w" | wc -l)" "hits for $w after the merge"
done
assert_eq 1 "$(kbctl search --files beta7 | wc -l)" "one document by its own word"

# A remove is no job: merged once the committer is idle a moment.
kbctl remove --path "$T/c" >/dev/null
assert_eq 110 "$(doc_count)" "documents after the remove"
merged "one segment after the remove"
[ -z "$(kbctl search --files gammaword)" ] || fail "removed documents found"

# A merge that fails (EIO at its commit point) is rolled back and logged:
# the add succeeds and the KB is whole.
kbctl stop >/dev/null
gen "$T/d" delta 40
KBD_FAILPOINT=compact.commit:eio kbctl add "$T/d" >/dev/null ||
    fail "add failed when the index could not be merged"
assert_eq 150 "$(doc_count)" "documents after the failed merge"
wait_until "the failed merge logged" \
    grep -q "merging the full-text index" "$KB/.kb/kbd.log"
[ "$(segments)" -gt 1 ] || fail "merged despite the failure"
assert_eq 10 "$(kbctl search --files --limit 10 deltaword | wc -l)" "hits for deltaword"
lint_clean

# A committer stopped before its merge (here it would wait an hour for a
# request first): the job's end recorded the count, and the next
# committer merges once it has served a request and is idle.
kbctl stop >/dev/null
gen "$T/e" epsilon 40
KBD_COMPACT_IDLE_MS=3600000 kbctl add "$T/e" >/dev/null
# (40, and the 40 of the failed merge: a successor tries it again.)
assert_eq 80 "$(changed)" "changes recorded at the job's end"
kbctl stop >/dev/null
[ "$(segments)" -gt 1 ] || fail "merged before the stop"
lint_clean
merged "one segment after the next committer's request"
assert_eq 10 "$(kbctl search --files --limit 10 epsilonword | wc -l)" "hits for epsilonword"

# A bulk batch lets FTS5 merge sixteen segments at a time (fewer
# rewrites of each row in a large add), and all at once only at 32,
# until the job's end sets FTS5's defaults back (4 and 16). Seen with
# the committer held before the job's end (after its batches' commits):
# with every batch bulk (KBD_COMPACT_BULK=1), 16 and 32; with the
# default (256 files), 4 and 16.
automerge() {
	"$KBSQL" "$KB/.kb/kb.db" \
	    "SELECT coalesce((SELECT v FROM fts_config WHERE k = 'automerge'), 4) || '/' ||
	     coalesce((SELECT v FROM fts_config WHERE k = 'crisismerge'), 16)"
}
# held_add DIR BULK: an add of DIR whose committer is held before the
# job's end; prints the automerge seen then, and after the job.
held_add() {
	local job c
	kbctl stop >/dev/null
	job=$(KBD_COMPACT_BULK=$2 KBD_FAILPOINT=finish.fsync:stop \
	    kbctl add --no-wait --json "$1" | jq .job)
	c=$(child_pids committer)
	[ -n "$c" ] || fail "no committer process found"
	wait_until "the committer held before the job's end" stopped "$c"
	automerge
	kill -CONT "$c"
	kbctl wait "$job" >/dev/null || fail "job $job failed"
	automerge
}
gen "$T/z" zeta 20
assert_eq "16/32 4/16" "$(held_add "$T/z" 1 | paste -sd ' ')" "merges in a bulk job, then after it"
gen "$T/y" eta 20
assert_eq "4/16 4/16" "$(held_add "$T/y" 256 | paste -sd ' ')" "merges in a small job, then after it"
assert_eq 1 "$(kbctl search --files zeta7 | wc -l)" "a bulk add's document by its own word"
assert_eq 230 "$(doc_count)" "documents after the held adds"
lint_clean
