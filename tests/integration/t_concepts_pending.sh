# Concept pages a batch leaves pending (conceptflush.c): a batch that only
# adds documents to a concept marks its page instead of rewriting it; the
# job's end writes the marked pages. When that write fails, the job still
# ends, the page keeps its last good version (every link good) and its
# mark, and the next flush (here lint's, which runs first) writes it. When
# the committer dies in the flush, its successor rolls the flush back and
# writes the pages once idle.
. "$(dirname "$0")/lib.sh"

C="$KB/wiki/concepts"
page="$C/vector-clock.md"
db() {
	sqlite3 "$KB/.kb/kb.db" "$1"
}
# clocks DIR FROM TO: documents that share the phrase "vector clock".
clocks() {
	mkdir -p "$1"
	for i in $(seq "$2" "$3"); do
		printf '# Clocks %s\n\nEach replica keeps a vector clock. The vector clock grows, and merging vector clock values takes the maximum (note %s).\n' \
		    "$i" "$i" > "$1/clock$i.md"
	done
}
listed() {
	grep -c '](../summaries/clock[0-9]*\.md)' "$page" || true
}

clocks "$T/a" 1 4
kbctl init >/dev/null
kbctl add "$T/a" >/dev/null
[ -f "$page" ] || fail "no page for 'vector clock': $(ls "$C")"
assert_eq 4 "$(listed)" "documents on the page after the first add"
assert_eq 0 "$(db "select count(*) from concepts_pending")" \
    "nothing pending after a job"

# 1. The job's flush fails (EIO at its commit point): the add succeeds,
# the page is the one before it, its mark stays, lint writes it.
kbctl stop >/dev/null
clocks "$T/b" 5 6
KBD_FAILPOINT=flush.commit:eio kbctl add "$T/b" >/dev/null ||
    fail "add failed when its concept pages could not be written"
assert_eq 6 "$(doc_count)" "documents"
assert_eq 6 "$(db "select ndocs from concepts where term = 'vector clock'")" \
    "the registry counts the new documents"
assert_eq 1 "$(db "select count(*) from concepts_pending where term = 'vector clock'")" \
    "the page is marked pending"
assert_eq 4 "$(listed)" "the pending page is the one before the add"
grep -q 'in 4 documents' "$page" || fail "pending page's count: $(sed -n 3p "$page")"
ls "$KB/.kb/journal" | grep -q . && fail "a journal left: $(ls "$KB/.kb/journal")"
lint_clean
assert_eq 6 "$(listed)" "lint wrote the pending page first"
grep -q 'in 6 documents' "$page" || fail "page's count after lint: $(sed -n 3p "$page")"
assert_eq 0 "$(db "select count(*) from concepts_pending")" "nothing pending after lint"
out=$(kbctl lint --fix --json) || fail "lint --fix: $out"
assert_eq 0 "$(echo "$out" | jq '.repairs | length')" \
    "repairs after lint ok: $out"

# 2. The committer is killed in the job's flush: its successor rolls the
# flush back (the page as before), then writes the pending pages when
# idle, with nothing asked of it.
kbctl stop >/dev/null
clocks "$T/c" 7 8
KBD_FAILPOINT=flush.commit kbctl add "$T/c" >/dev/null 2>&1 || true
grep -q 'committer [0-9]* killed by signal 9' "$KB/.kb/kbd.log" ||
    fail "the committer was not killed in the flush: $(tail -5 "$KB/.kb/kbd.log")"
grep -q 'recovery: 1 rolled back' "$KB/.kb/kbd.log" ||
    fail "the flush was not rolled back: $(tail -5 "$KB/.kb/kbd.log")"
wait_until "the pending pages written by the new committer" \
    test "$(db "select count(*) from concepts_pending")" = 0
assert_eq 8 "$(doc_count)" "documents after the crash"
assert_eq 8 "$(listed)" "documents on the page written after the crash"
lint_clean

# 3. Within a long job, marks old enough are written between its batches
# in a round of slices (flush_step), each a journaled mutation of its
# own: here every mark at once (KBD_FLUSH_AGE_MS=0), two pages a slice,
# and the next slice at once (KBD_FLUSH_RATIO=0, not twenty times what
# the last took), over 2,000 documents (four batches) that hold three of
# twenty phrases each. Pages marked behind the round's cursor wait for the next
# round or the job's end: after it nothing is pending, every page counts
# its concept's documents, lint is clean.
kbctl stop >/dev/null
mkdir -p "$T/d"
set -- "vector clock" "gossip protocol" "merkle tree" "bloom filter" \
    "hash ring" "quorum read" "leader lease" "commit index" "write barrier" \
    "snapshot isolation" "consistent hashing" "failure detector" \
    "lamport timestamp" "anti entropy" "hinted handoff" "read repair" \
    "sloppy quorum" "split brain" "fencing token" "heartbeat interval"
phrases=("$@")
for i in $(seq 1 2000); do
	a=${phrases[$((i % 20))]} b=${phrases[$(((i / 20) % 20))]}
	c=${phrases[$(((i * 7 + 3) % 20))]}
	printf '# Note %s\n\nA %s and a %s. The %s again, with a %s and a %s (%s).\n' \
	    "$i" "$a" "$b" "$a" "$c" "$b" "$i" > "$T/d/note$i.md"
done
KBD_FLUSH_AGE_MS=0 KBD_FLUSH_SLICE_PAGES=2 KBD_FLUSH_RATIO=0 \
    KBD_FAILPOINT_TRACE=1 kbctl add "$T/d" >/dev/null || fail "add of 2,000 notes"
kbctl stop >/dev/null
slices=$(grep -c ' flush\.commit$' "$KB/.kb/failpoints.trace" || true)
# The job's end writes what is left in one mutation: the rest are slices.
[ "$slices" -ge 3 ] ||
    fail "no round of slices within the job: $slices flush commits"
assert_eq 0 "$(db "select count(*) from concepts_pending")" \
    "nothing pending after a job flushed in slices"
n=0
while IFS='|' read -r term ndocs; do
	f="$C/$(printf '%s' "$term" | tr ' ' -).md"
	grep -q "in $ndocs documents" "$f" ||
	    fail "page of '$term' does not count $ndocs documents: $(sed -n 3p "$f")"
	n=$((n + 1))
done < <(db "select term, ndocs from concepts where term in
    ('gossip protocol', 'merkle tree', 'split brain', 'fencing token')")
assert_eq 4 "$n" "phrases that are concepts"
lint_clean

# 4. Documents of equal weight are listed newest first (the larger id: the
# term's index gives that order, where a tie by name read every tied row).
# A KB of schema 19, whose pages listed ties by name, is migrated to 20,
# which marks every concept page pending; lint's flush writes them again.
kbctl stop >/dev/null
K4=$T/kb4
k4() {
	"$KBCTL" -C "$K4" "$@"
}
db4() {
	sqlite3 "$K4/.kb/kb.db" "$1"
}
p4="$K4/wiki/concepts/vector-clock.md"
clocks "$T/e" 1 6
k4 init >/dev/null
k4 add "$T/e/clock3.md" "$T/e/clock1.md" >/dev/null
k4 add "$T/e" >/dev/null
assert_eq "6|1" "$(db4 "select count(*), count(distinct weight)
    from concept_terms_all where term = 'vector clock'")" \
    "six documents of one weight"
listed4() {
	grep -o '](../summaries/clock[0-9]*\.md)' "$p4" | tr -d '()]' | tr '\n' ' '
}
want=$(db4 "select '../summaries/' || name || '.md' from documents
    order by id desc" | tr '\n' ' ')
assert_eq "$want" "$(listed4)" "ties listed newest first"
case $want in
*clock3.md\ ) ;;
*) fail "the first document added is not last: $want" ;;
esac
k4 stop >/dev/null
cp "$p4" "$T/p4.good"
# The page as schema 19 wrote it: ties by name.
python3 - "$p4" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
at = [i for i, l in enumerate(lines) if l.startswith("- [Clocks ")]
lines[at[0]:at[-1] + 1] = sorted(lines[at[0]:at[-1] + 1],
    key=lambda l: re.search(r"clock\d+", l).group(0))
open(sys.argv[1], "w").write("\n".join(lines))
PY
cmp -s "$p4" "$T/p4.good" && fail "the page by name is the page by id"
db4 "update meta set value = '19' where key = 'schema'"
out=$(k4 lint --json) || fail "lint after the migration to 20: $out"
grep -q 'schema 19 migrated to 20' "$K4/.kb/kbd.log" ||
    fail "no migration to 20: $(tail -5 "$K4/.kb/kbd.log")"
cmp "$p4" "$T/p4.good" ||
    fail "the page is not written again: $(diff "$T/p4.good" "$p4")"
assert_eq 0 "$(db4 "select count(*) from concepts_pending")" \
    "nothing pending after lint"
k4 stop >/dev/null
