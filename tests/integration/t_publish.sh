# A batch's files are published on a thread of their own while its rows
# are written (workers/committer/publish.c): a document whose Markdown is
# too large to keep in memory is indexed from the KB, read back once its
# own files are in place. (The checkpoints' thread: test_committer.c.)
. "$(dirname "$0")/lib.sh"

# gen DIR TAG N BIG: N small Markdown files and BIG of about 200 KB each,
# more than the 64 KiB of Markdown the committer keeps for indexing, each
# with a word of its own at its very end. The large ones come first in
# scan order: their rows are the batch's first, written before the
# publishing thread can have put their files in place unless it waits.
gen() {
	python3 - "$1" "$2" "$3" "$4" <<'PY'
import os, sys
d, tag, n, big = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(d, exist_ok=True)
for i in range(n):
    with open(os.path.join(d, "s%04d.md" % i), "w") as f:
        f.write("# Small %d\n\nNote number %sword%d about tide pools.\n"
                % (i, tag, i))
for i in range(big):
    with open(os.path.join(d, "abig%d.md" % i), "w") as f:
        f.write("# Big %d\n\n" % i)
        for k in range(4000):
            f.write("Paragraph %d of a long page about harbour cranes.\n\n"
                    % k)
        f.write("The last word is bigend%d.\n" % i)
PY
}

kbctl init >/dev/null
gen "$T/mix" small 40 3
kbctl add "$T/mix" >/dev/null
assert_eq 43 "$(doc_count)" "documents of the mixed add"
for i in 0 1 2; do
	assert_eq 1 "$(kbctl search --files "bigend$i" | wc -l)" \
	    "the large document $i found by its last word"
done
assert_eq 1 "$(kbctl search --files smallword7 | wc -l)" "a small document"
# Every document's three files, and nothing left in staging.
assert_eq 43 "$(ls "$KB/raw" | wc -l)" "raw files"
assert_eq 43 "$(ls "$KB/wiki/sources" | wc -l)" "source pages"
assert_eq 43 "$(ls "$KB/wiki/summaries" | wc -l)" "summary pages"
assert_eq 0 "$(ls -A "$KB/.kb/staging" | wc -l)" "files left in staging"
kbctl lint >/dev/null || fail "lint after the mixed add"

kbctl stop >/dev/null
