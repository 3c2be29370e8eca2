# The index that scales: wiki/index.md leads, by type and by source folder,
# to pages of at most a bound of entries (lowered here to 4 with
# KBD_INDEX_BOUND, so groups page), every document within three links;
# descriptions end at a word; an add or a remove rewrites only the pages of
# its documents' groups; lint finds a tampered page, lint --fix repairs it.
. "$(dirname "$0")/lib.sh"

export KBD_INDEX_BOUND=4
walk() {
	python3 "$(dirname "$0")/indexwalk.py" "$KB" 4 ||
	    fail "index walk ($1)"
}
# Every numbered page lists its range of the group in id order, as the
# registry has it (an independent query with OFFSET; kbd counts pages
# past a group's middle from its end).
pages_in_order() {
	python3 - "$KB" <<'PY' || fail "numbered pages ($1)"
import glob, os, re, sqlite3, sys
kb = sys.argv[1]
db = sqlite3.connect("file:%s/.kb/kb.db?mode=ro" % kb, uri=True)
bad = checked = 0
for page in sorted(glob.glob(kb + "/wiki/index/*/*.md")):
    text = open(page, encoding="utf-8").read()
    m = re.search(r"^# (Type|Folder) (.*), page \d+$", text, re.M)
    r = re.search(r"documents (\d+)\u2013(\d+)$", text, re.M)
    if not m or not r:
        continue
    first, last = int(r.group(1)), int(r.group(2))
    where = "ext = ?" if m.group(1) == "Type" else \
        "rtrim(src_path, replace(src_path, '/', '')) = ?"
    want = [x for (x,) in db.execute(
        "SELECT name FROM documents WHERE %s ORDER BY id LIMIT ? OFFSET ?"
        % where, (m.group(2), last - first + 1, first - 1))]
    got = re.findall(r"^- \[.*\]\(<?\.\./\.\./summaries/(.*?)\.md>?\)",
                     text, re.M)
    checked += 1
    if got != want:
        bad += 1
        print("%s: %s, want %s" % (page, got, want))
if checked == 0:
    print("no numbered page")
sys.exit(1 if bad or checked == 0 else 0)
PY
}
# The inode of every index page, one "path inode" line each.
inodes() {
	(cd "$KB/wiki" && find index.md index -type f -printf '%p %i\n' | sort)
}

mkdir -p "$T/src/a/b" "$T/src/c" "$T/src/d"
for i in 1 2 3 4 5 6 7 8 9; do
	printf '# Note %s\n\nThe harbour of note%s holds boats and nets and ropes and sails and oars and anchors and masts and keels and rudders and hulls and decks and cabins and flags.\n' \
	    $i $i > "$T/src/a/note$i.md"
done
for i in 1 2 3; do
	printf 'plain text %s\n' $i > "$T/src/a/b/t$i.txt"
done
printf '# README\n\nThe b folder.\n' > "$T/src/a/b/README.md"
printf '# README\n\nThe c folder.\n' > "$T/src/c/README.md"
printf 'k,v\n1,%s\n' 1 > "$T/src/d/data1.csv"
printf 'k,v\n2,%s\n' 2 > "$T/src/d/data2.csv"

kbctl init >/dev/null
kbctl add "$T/src" >/dev/null
assert_eq 16 "$(doc_count)" "documents"
lint_clean
out=$(walk "after the add")
pages_in_order "after the add"
echo "$out" | grep -q "entries 16 maxdepth 3$" || fail "walk: $out"

# Groups: md (11: 9 notes, 2 READMEs) on 3 pages, txt, csv; folders a (on
# 3 pages), a/b, c, d.
for f in type/md.md type/md-1.md type/md-2.md type/md-3.md type/txt.md \
    type/csv.md; do
	[ -f "$KB/wiki/index/$f" ] || fail "no page $f"
done
[ ! -e "$KB/wiki/index/type/md-4.md" ] || fail "a fourth md page"
assert_eq 3 "$(grep -c '^- \[Page ' "$KB/wiki/index/type/md.md")" "md's pages"
assert_eq 4 "$(ls "$KB/wiki/index/folder" | grep -c -- '^a-[0-9a-f]*\(-[0-9]\)\{0,1\}\.md$')" \
    "folder a's page and numbered pages"
grep -q '^- \[md\](index/type/md.md) — 11 documents$' "$KB/wiki/index.md" ||
    fail "index.md's md line"
assert_eq 16 "$(index_entries)" "entries by type"
assert_eq 1 "$(index_entries note5)" "note5 listed once by type"

# The two READMEs: one title, told apart by their folders.
rd=$(cat "$KB"/wiki/index/type/md-*.md | grep '^- \[README\]')
assert_eq 2 "$(echo "$rd" | wc -l)" "README entries"
echo "$rd" | grep -q '(b/README.md)$' || fail "README of b: $rd"
echo "$rd" | grep -q '(c/README.md)$' || fail "README of c: $rd"

# A long description ends at a word, with an ellipsis.
line=$(grep -h '^- \[Note 5\]' "$KB"/wiki/index/type/md-*.md)
desc=$(echo "$line" | sed 's/^.*) — \(.*\)… (a\/note5.md)$/\1/')
[ "$desc" != "$line" ] || fail "no cut description: $line"
full="The harbour of note5 holds boats and nets and ropes and sails and oars and anchors and masts and keels and rudders and hulls and decks and cabins and flags."
case "$full" in
"$desc "*) ;;
*) fail "description not cut at a word: '$desc'" ;;
esac
[ ${#desc} -le 120 ] || fail "description over 120 bytes: $desc"

# An add rewrites only its groups' pages (txt, c) and index.md.
inodes > "$T/before"
printf 'plain text new\n' > "$T/src/c/new.txt"
kbctl add "$T/src/c/new.txt" >/dev/null
inodes > "$T/after"
changed=$(diff "$T/before" "$T/after" | sed -n 's/^> \([^ ]*\) .*/\1/p' | sort | tr '\n' ' ')
assert_eq "index.md index/folder/$(cd "$KB/wiki/index/folder" && ls c-*.md) index/type/txt.md " \
    "$changed" "pages the add rewrote"
lint_clean
walk "after adding one" >/dev/null

# A remove likewise: note9 is in md (3 pages) and a (3 pages).
inodes > "$T/before"
kbctl remove note9 >/dev/null
inodes > "$T/after"
diff "$T/before" "$T/after" | sed -n 's/^> \([^ ]*\) .*/\1/p' > "$T/changed"
grep -q '^index/type/md-3.md$' "$T/changed" || fail "md-3 not rewritten"
if grep -v -e '^index.md$' -e '^index/type/md' -e '^index/folder/a-' "$T/changed"; then
	fail "the remove rewrote pages of other groups"
fi
assert_eq 0 "$(index_entries note9)" "note9 listed after its remove"
grep -q '^- \[md\](index/type/md.md) — 10 documents$' "$KB/wiki/index.md" ||
    fail "index.md's md line after the remove"
lint_clean
walk "after the remove" >/dev/null
pages_in_order "after the remove"

# The csv group emptied: its page goes, and its line in index.md.
kbctl remove data1 data2 >/dev/null
[ ! -e "$KB/wiki/index/type/csv.md" ] || fail "csv page left"
[ -z "$(ls "$KB/wiki/index/folder" | grep '^d-')" ] || fail "folder d's page left"
! grep -q 'csv' "$KB/wiki/index.md" || fail "index.md lists csv"
lint_clean
walk "after emptying a group" >/dev/null

# A move into a folder whose pages are full (a: 8 on 2 pages of 4): a
# third page appears, the document's entries follow it.
mv "$T/src/a/b/t1.txt" "$T/src/a/t1.txt"
kbctl add "$T/src" --json > "$T/move.json"
assert_eq moved "$(event_field "$T/move.json" "$T/src/a/t1.txt" status)" "moved"
[ -f "$KB/wiki/index/folder/$(cd "$KB/wiki/index/folder" && ls a-*-1.md | sed 's/-1.md$//')-3.md" ] ||
    fail "no third page for folder a"
grep -q '(a/t1.txt)$' "$KB/wiki/index/type/txt.md" || fail "txt page not updated after the move"
lint_clean
walk "after a move" >/dev/null
pages_in_order "after a move"

# A tampered numbered page: lint reports it, lint --fix repairs it.
cp "$KB/wiki/index/type/md-2.md" "$T/md2"
sed -i '$d' "$KB/wiki/index/type/md-2.md"
set +e
out=$(kbctl lint)
st=$?
set -e
assert_eq 1 "$st" "lint exit status, tampered page"
assert_contains "$out" "wiki/index/type/md-2.md: not as the registry makes it; run kbctl lint --fix" \
    "lint on a tampered page"
out=$(kbctl lint --fix)
assert_contains "$out" "wiki/index/type/md-2.md: rewritten from the registry" "lint --fix"
cmp "$T/md2" "$KB/wiki/index/type/md-2.md" || fail "md-2 not repaired"
lint_clean
walk "after lint --fix" >/dev/null

# More folders than index.md may list (the bound, 4 here): index.md links
# the folder list's pages (folders-N.md, 4 folders each, by path) instead,
# and every folder's page is two links from index.md, every document
# three (indexwalk.py walks it). CSV files: the csv group is empty, so
# its page lists no more than 4 numbered pages.
for i in 01 02 03 04 05 06 07 08 09 10; do
	mkdir -p "$T/src/many/f$i"
	printf 'k,v\n%s,f%s\n' $i $i > "$T/src/many/f$i/n$i.csv"
done
kbctl add "$T/src/many" >/dev/null
ls "$KB/wiki/index/folder" | grep -v -- '-[0-9]\.md$' > "$T/fpages"
nf=$(wc -l < "$T/fpages")
[ "$nf" -gt 4 ] || fail "only $nf folders"
np=$(( (nf + 3) / 4 ))
assert_eq "$np" "$(ls "$KB/wiki/index" | grep -c '^folders-[0-9]*\.md$')" \
    "folder list pages for $nf folders"
[ -z "$(grep '](index/folder/' "$KB/wiki/index.md")" ] ||
    fail "index.md still lists folders: $(cat "$KB/wiki/index.md")"
assert_eq "$np" "$(grep -c '^- \[Folders, page [0-9]*\](index/folders-[0-9]*\.md): ' "$KB/wiki/index.md")" \
    "index.md's lines to the folder list pages"
out=$(walk "with $nf folders")
echo "$out" | grep -q "maxdepth 3$" || fail "walk: $out"
lint_clean
# A document in one more folder: the pages after it shift, lint agrees.
mkdir -p "$T/src/many/f11"
printf 'k,v\n11,f11\n' > "$T/src/many/f11/n11.csv"
kbctl add "$T/src/many/f11" >/dev/null
walk "after one more folder" >/dev/null
lint_clean
# A tampered and a stray folder list page: lint reports, --fix repairs.
cp "$KB/wiki/index/folders-1.md" "$T/fl1"
sed -i '$d' "$KB/wiki/index/folders-1.md"
echo stray > "$KB/wiki/index/folders-99.md"
set +e
out=$(kbctl lint)
st=$?
set -e
assert_eq 1 "$st" "lint exit status, tampered folder list"
assert_contains "$out" "wiki/index/folders-1.md: not as the registry makes it; run kbctl lint --fix" \
    "lint on a tampered folder list page"
assert_contains "$out" "wiki/index/folders-99.md: no such index group" \
    "lint on a stray folder list page"
kbctl lint --fix >/dev/null
cmp "$T/fl1" "$KB/wiki/index/folders-1.md" || fail "folders-1 not repaired"
[ ! -e "$KB/wiki/index/folders-99.md" ] || fail "stray folder list page left"
lint_clean
# Back under the bound: the pages go, index.md lists the folders again.
kbctl remove $(cd "$T/src/many" && ls -d f* | sed 's/^f/n/') >/dev/null
[ -z "$(ls "$KB/wiki/index" | grep '^folders-')" ] ||
    fail "folder list pages left: $(ls "$KB/wiki/index")"
grep -q '](index/folder/' "$KB/wiki/index.md" ||
    fail "index.md does not list the folders: $(cat "$KB/wiki/index.md")"
lint_clean
walk "back under the bound" >/dev/null
