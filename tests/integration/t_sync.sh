# A KB that follows its sources (issue 10): update in place, move, a
# second path of one content, schema 3's sources.
. "$(dirname "$0")/lib.sh"

src="$T/notes"
mkdir -p "$src/sub"
printf '# Todo\n\nbuy apples oldword\n' > "$src/todo.md"
printf '# Plan\n\nplanword here\n' > "$src/plan.md"
printf '# Other\n\notherword\n' > "$src/sub/other.md"

kbctl init >/dev/null
kbctl add "$src" --json > "$T/a1.json"
assert_eq 3 "$(tail -n 1 "$T/a1.json" | jq .added)" "first add"
assert_eq 3 "$(doc_count)" "documents after the first add"

# Update in place: same name, new content, old words gone from search.
printf '# Todo\n\nbuy pears newword\n' > "$src/todo.md"
kbctl add "$src" --json > "$T/a2.json"
assert_eq updated "$(event_field "$T/a2.json" "$src/todo.md" status)" \
    "changed file's status"
assert_eq todo "$(event_field "$T/a2.json" "$src/todo.md" doc)" \
    "changed file keeps its document"
assert_eq 1 "$(tail -n 1 "$T/a2.json" | jq .updated)" "summary's updated"
assert_eq 0 "$(tail -n 1 "$T/a2.json" | jq .added)" "nothing added"
assert_eq 3 "$(doc_count)" "one document per file after an update"
assert_eq 0 "$(kbctl search oldword --json | jq length)" "old word gone"
assert_eq todo "$(kbctl search newword --json | jq -r '.[0].doc')" \
    "new word found"
grep -q newword "$KB/raw/todo.md" || fail "raw file not replaced"
grep -q newword "$KB/wiki/sources/todo.md" || fail "source page not replaced"
assert_eq 1 "$(index_entries todo)" \
    "one index line for the updated document"
grep -q '^## .*job 2 | 1 document updated$' "$KB/wiki/log.md" ||
    fail "no update entry in log.md"
lint_clean

# The same tree again: all unchanged, read from the sources' stat.
kbctl add "$src" --json > "$T/a3.json"
assert_eq 3 "$(tail -n 1 "$T/a3.json" | jq .duplicates)" "unchanged re-add"
assert_contains "$(event_field "$T/a3.json" "$src/todo.md" reason)" \
    "unchanged since added as todo" "unchanged by stat"

# A second path of the same content: a source of the same document.
cp "$src/plan.md" "$src/sub/plan-copy.md"
kbctl add "$src" --json > "$T/a4.json"
assert_eq duplicate "$(event_field "$T/a4.json" "$src/sub/plan-copy.md" status)" \
    "copy is a duplicate"
assert_eq 3 "$(doc_count)" "a copy adds no document"
# Then one of the two paths changes: plan stays for the other path, the
# changed one gets its own document.
printf '# Plan B\n\nplanbword\n' > "$src/sub/plan-copy.md"
kbctl add "$src" --json > "$T/a5.json"
assert_eq updated "$(event_field "$T/a5.json" "$src/sub/plan-copy.md" status)" \
    "changed copy's status"
assert_eq plan-copy "$(event_field "$T/a5.json" "$src/sub/plan-copy.md" doc)" \
    "changed copy gets its own document"
assert_eq 4 "$(doc_count)" "the old content stays for its other path"
assert_eq plan "$(kbctl search planword --json | jq -r '.[0].doc')" \
    "the other path's document still found"
lint_clean

# Move: the same content at a new path whose old path is gone keeps its
# document and name; nothing is converted again.
mv "$src/sub/other.md" "$src/moved.md"
kbctl add "$src" --json > "$T/a6.json"
assert_eq moved "$(event_field "$T/a6.json" "$src/moved.md" status)" \
    "moved file's status"
assert_eq other "$(event_field "$T/a6.json" "$src/moved.md" doc)" \
    "moved file keeps its name"
assert_eq 1 "$(tail -n 1 "$T/a6.json" | jq .moved)" "summary's moved"
assert_eq 4 "$(doc_count)" "a move adds no document"
assert_eq "$src/moved.md" "$(kbctl show --meta other --json | jq -r .src_path)" \
    "source path follows the move"
# And the moved path is now unchanged by stat.
kbctl add "$src/moved.md" --json > "$T/a7.json"
assert_contains "$(event_field "$T/a7.json" "$src/moved.md" reason)" \
    "unchanged since added as other" "moved path known by stat"

# A path whose content became another document's: that document's source
# now, and the document it held alone is removed.
cp "$src/plan.md" "$src/moved.md"
kbctl add "$src/moved.md" --json > "$T/a8.json"
assert_eq updated "$(event_field "$T/a8.json" "$src/moved.md" status)" \
    "path now holding another content"
assert_eq plan "$(event_field "$T/a8.json" "$src/moved.md" doc)" \
    "its document is the one with that content"
assert_eq 3 "$(doc_count)" "the document left without source is removed"
assert_eq 0 "$(kbctl search otherword --json | jq length)" \
    "its words gone from search"
[ ! -e "$KB/raw/other.md" ] || fail "its raw file stayed"
lint_clean

# The registry: schema 3 (now the current one), one source row per path, roots from the inputs.
db="$KB/.kb/kb.db"
assert_eq "$SCHEMA" "$(sqlite3 "$db" "SELECT value FROM meta WHERE key='schema'")" \
    "schema version"
assert_eq 4 "$(sqlite3 "$db" "SELECT count(*) FROM sources")" "source rows"
assert_eq 2 "$(sqlite3 "$db" "SELECT count(*) FROM sources s JOIN documents d ON d.id = s.doc WHERE d.name = 'plan'")" \
    "plan's two paths"
assert_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM sources WHERE root = 0")" \
    "every source under a root"

# Nothing of a knowledge base is input: the KB's own tree, from inside it,
# and any directory holding .kb/ (another KB) are skipped with the reason.
before=$(doc_count)
(cd "$KB" && "$KBCTL" add wiki --json) > "$T/in-kb.json"
assert_eq 0 "$(tail -n 1 "$T/in-kb.json" | jq .added)" "add wiki inside the KB"
assert_eq "inside a knowledge base" \
    "$(event_field "$T/in-kb.json" "$KB/wiki" reason)" "reason for the KB's wiki"
(cd "$KB" && "$KBCTL" add wiki/index.md --json) > "$T/in-kb2.json"
assert_eq skipped "$(event_field "$T/in-kb2.json" "$KB/wiki/index.md" status)" \
    "a file of the KB"
mkdir -p "$T/many/plain"
printf '# Plain\n\nplainword\n' > "$T/many/plain/p.md"
"$KBCTL" -C "$T/many/other" init >/dev/null
printf '# Inner\n\ninnerword\n' > "$T/many/other/inner.md"
kbctl add "$T/many" --json > "$T/many.json"
assert_eq 1 "$(tail -n 1 "$T/many.json" | jq .added)" "only the plain folder's file"
assert_eq "inside a knowledge base" \
    "$(event_field "$T/many.json" "$T/many/other" reason)" "another KB skipped"
assert_eq 0 "$(kbctl search innerword --json | jq length)" "nothing of the other KB"
assert_eq $((before + 1)) "$(doc_count)" "documents after the inside-KB adds"
"$KBCTL" -C "$T/many/other" stop >/dev/null 2>&1 || true

# Prune: sync removes the documents whose every file under the roots is
# gone, adds new files and updates changed ones, in one job.
rm -rf "$T/many/plain"
printf '# Fresh\n\nfreshword\n' > "$src/fresh.md"
rm "$src/sub/plan-copy.md"
printf '# Todo\n\nbuy figs syncword\n' > "$src/todo.md"
before=$(doc_count)
kbctl sync "$src" --json > "$T/s1.json"
s1=$(tail -n 1 "$T/s1.json")
assert_eq 1 "$(echo "$s1" | jq .added)" "sync added"
assert_eq 1 "$(echo "$s1" | jq .updated)" "sync updated"
assert_eq 1 "$(echo "$s1" | jq .removed)" "sync removed"
assert_eq removed "$(event_field "$T/s1.json" "$src/sub/plan-copy.md" status)" \
    "the gone file's document removed"
assert_eq plan-copy "$(event_field "$T/s1.json" "$src/sub/plan-copy.md" doc)" \
    "the removed document named"
assert_eq 0 "$(kbctl search planbword --json | jq length)" "pruned words gone"
assert_eq "$before" "$(doc_count)" "one added, one removed"
lint_clean
# p.md under $T/many is gone but $T/many was not synced: it stays.
assert_eq p "$(kbctl search plainword --json | jq -r '.[0].doc')" \
    "a root not synced is not pruned"

# add --prune does the same for its paths; sync with no root syncs every
# root the KB knows (here $T/many too).
kbctl sync --json > "$T/s2.json"
assert_eq 1 "$(tail -n 1 "$T/s2.json" | jq .removed)" "sync of every root"
assert_eq 0 "$(kbctl search plainword --json | jq length)" \
    "the other root pruned"
rm "$src/fresh.md"
kbctl add --prune "$src" --json > "$T/s3.json"
assert_eq 1 "$(tail -n 1 "$T/s3.json" | jq .removed)" "add --prune"
lint_clean

# A missing root removes nothing and fails with that reason.
mv "$src" "$T/notes-away"
n=$(doc_count)
expect_status 1 kbctl sync "$src" --json > "$T/s4.json"
assert_eq 0 "$(tail -n 1 "$T/s4.json" | jq .removed)" "missing root: nothing removed"
assert_contains "$(tail -n 1 "$T/s4.json" | jq -r .error)" "root missing, nothing pruned" \
    "missing root's reason"
assert_eq "$n" "$(doc_count)" "documents kept under a missing root"
expect_status 1 kbctl sync > /dev/null 2>&1
assert_eq "$n" "$(doc_count)" "documents kept by a sync of every root"
mv "$T/notes-away" "$src"
lint_clean

# Roots: listed with their counts and last sync; forget stops following
# one (its documents stay), --remove also removes what only it held.
kbctl roots --json > "$T/r1.json"
assert_eq 1 "$(jq --arg p "$src" '[.[] | select(.root == $p)] | length' "$T/r1.json")" \
    "the notes root listed"
nfiles=$(jq --arg p "$src" '.[] | select(.root == $p) | .files' "$T/r1.json")
# Each source counts under its deepest root ($src/moved.md was added as
# a root of its own).
assert_eq "$(sqlite3 "$KB/.kb/kb.db" "SELECT count(*) FROM sources s JOIN roots r ON r.id = s.root WHERE r.path = '$src'")" \
    "$nfiles" "the root's files"
assert_eq "$(sqlite3 "$KB/.kb/kb.db" "SELECT count(*) FROM sources WHERE path LIKE '$src/%'")" \
    "$((nfiles + 1))" "the files under the root, with the one of the file root"
[ "$(jq --arg p "$src" '.[] | select(.root == $p) | .last_sync' "$T/r1.json")" -gt 0 ] ||
    fail "a synced root has no last sync"
kbctl roots | grep -q "^$src	.* files	.* documents	last sync 20" ||
    fail "roots text output: $(kbctl roots)"
n=$(doc_count)
kbctl roots --forget "$T/many" > /dev/null
assert_eq 0 "$(kbctl roots --json | jq --arg p "$T/many" '[.[] | select(.root == $p)] | length')" \
    "forgotten root gone"
assert_eq "$n" "$(doc_count)" "forget keeps the documents"
expect_status 1 kbctl roots --forget "$T/nosuchroot" 2>/dev/null
kbctl roots --forget "$src" --remove --json > /dev/null
assert_eq 0 "$(kbctl search syncword --json | jq length)" \
    "--remove removes the root's documents"
assert_eq 0 "$(sqlite3 "$KB/.kb/kb.db" "SELECT count(*) FROM sources WHERE path LIKE '$src/%'")" \
    "no sources left under the removed root"
lint_clean

# --dry-run prints the plan, per file, and changes nothing.
d="$T/dry"
mkdir "$d"
printf '# A\n\nalpha one\n' > "$d/a.md"
printf '# B\n\nbeta one\n' > "$d/b.md"
printf '# C\n\ngamma one\n' > "$d/c.md"
kbctl add "$d" > /dev/null
printf '# A\n\nalpha two\n' > "$d/a.md"
mv "$d/b.md" "$d/b2.md"
rm "$d/c.md"
printf '# D\n\ndelta one\n' > "$d/d.md"
state() {
	sqlite3 "$KB/.kb/kb.db" "SELECT * FROM documents ORDER BY id; SELECT * FROM sources ORDER BY path; SELECT count(*) FROM jobs; SELECT * FROM roots ORDER BY id"
	(cd "$KB" && find raw wiki -type f ! -name AGENTS.md -exec sha256sum {} + | sort)
}
state > "$T/state-before"
kbctl sync "$d" --dry-run --json > "$T/dry.json"
state > "$T/state-after"
cmp -s "$T/state-before" "$T/state-after" || fail "a dry run changed the KB"
assert_eq updated "$(event_field "$T/dry.json" "$d/a.md" status)" "plan: changed file"
assert_eq moved "$(event_field "$T/dry.json" "$d/b2.md" status)" "plan: renamed file"
assert_eq b "$(event_field "$T/dry.json" "$d/b2.md" doc)" "plan: the moved document"
assert_eq added "$(event_field "$T/dry.json" "$d/d.md" status)" "plan: new file"
assert_eq removed "$(event_field "$T/dry.json" "$d/c.md" status)" "plan: gone file"
dsum=$(tail -n 1 "$T/dry.json")
for k in added:1 updated:1 moved:1 removed:1; do
	assert_eq "${k#*:}" "$(echo "$dsum" | jq ".${k%%:*}")" "plan's ${k%%:*} count"
done
kbctl sync "$d" --dry-run | grep -q '^removed .*c.md -> c' ||
    fail "text plan: $(kbctl sync "$d" --dry-run)"
# The real sync then does what the plan said.
kbctl sync "$d" --json > "$T/real.json"
rsum=$(tail -n 1 "$T/real.json")
for k in added:1 updated:1 moved:1 removed:1; do
	assert_eq "${k#*:}" "$(echo "$rsum" | jq ".${k%%:*}")" "sync's ${k%%:*} count"
done
# A missing root: the plan fails with the reason and changes nothing.
mv "$d" "$T/dry-away"
expect_status 1 kbctl sync "$d" --dry-run --json > "$T/dry2.json"
assert_contains "$(tail -n 1 "$T/dry2.json" | jq -r .error)" "root missing, nothing pruned" \
    "dry run of a missing root"
mv "$T/dry-away" "$d"
lint_clean

# .kbignore: gitignore syntax in a root and below, with negation; ignored
# files are skipped (printed with -v only), ignored directories not entered.
ig="$T/ig"
mkdir -p "$ig/build" "$ig/sub/build" "$ig/docs/a/b" "$ig/sub"
printf '*.txt\nbuild/\n!keep.txt\n/top-only.md\ndocs/**/secret.md\n' > "$ig/.kbignore"
for f in a.txt keep.txt build/x.md sub/build/y.md top-only.md \
    docs/a/b/secret.md docs/secret.md docs/public.md sub/z.md \
    sub/sub-keep.md; do
	printf '# %s\n\nignoretest %s\n' "$f" "$(echo "$f" | tr '/.' '__')" > "$ig/$f"
done
printf '*.md\n!sub-keep.md\n' > "$ig/sub/.kbignore"
kbctl add "$ig" --json > "$T/ig.json"
assert_eq 3 "$(tail -n 1 "$T/ig.json" | jq .added)" "files not ignored"
for f in keep.txt docs/public.md sub/sub-keep.md; do
	assert_eq added "$(event_field "$T/ig.json" "$ig/$f" status)" "$f added"
done
assert_eq "ignored ($ig/.kbignore:1)" "$(event_field "$T/ig.json" "$ig/a.txt" reason)" \
    "a.txt's reason"
assert_eq "ignored ($ig/.kbignore:2)" "$(event_field "$T/ig.json" "$ig/build" reason)" \
    "an ignored directory"
assert_eq "ignored ($ig/.kbignore:2)" "$(event_field "$T/ig.json" "$ig/sub/build" reason)" \
    "a directory pattern at any depth"
assert_eq "" "$(event_field "$T/ig.json" "$ig/build/x.md" status)" \
    "nothing under an ignored directory is walked"
for f in top-only.md docs/a/b/secret.md docs/secret.md; do
	assert_eq skipped "$(event_field "$T/ig.json" "$ig/$f" status)" "$f ignored"
done
assert_eq "ignored ($ig/sub/.kbignore:1)" "$(event_field "$T/ig.json" "$ig/sub/z.md" reason)" \
    "a deeper .kbignore"
# Not printed one by one without -v.
kbctl add "$ig" > "$T/ig.txt"
if grep -q 'ignored' "$T/ig.txt"; then fail "ignored files printed without -v"; fi
kbctl add -v "$ig" | grep -q 'a.txt (ignored' || fail "-v does not print ignored files"

# --exclude and --include globs, in the order given, after .kbignore.
ex="$T/ex"
mkdir -p "$ex/deep/node_modules" "$ex/deep/sub"
for f in one.md keep-one.md deep/two.md deep/node_modules/mod.md deep/sub/keep-two.md; do
	printf '# %s\n\nexcludetest %s\n' "$f" "$(echo "$f" | tr '/.-' '___')" > "$ex/$f"
done
kbctl add "$ex" --exclude node_modules/ --exclude '*.md' --include 'keep-*' --json > "$T/ex.json"
assert_eq 2 "$(tail -n 1 "$T/ex.json" | jq .added)" "--exclude and --include"
assert_eq added "$(event_field "$T/ex.json" "$ex/deep/sub/keep-two.md" status)" "--include"
assert_eq "excluded (--exclude)" "$(event_field "$T/ex.json" "$ex/one.md" reason)" \
    "--exclude's reason"
assert_eq "excluded (--exclude)" "$(event_field "$T/ex.json" "$ex/deep/node_modules" reason)" \
    "an excluded directory"
# The same rules hold for the job's sync, and a dry run.
kbctl sync "$ex" --exclude node_modules/ --exclude '*.md' --include 'keep-*' --dry-run --json > "$T/ex2.json"
assert_eq 0 "$(tail -n 1 "$T/ex2.json" | jq .added)" "dry run with the same rules"
kbctl sync "$ex" --dry-run --json > "$T/ex3.json"
assert_eq 3 "$(tail -n 1 "$T/ex3.json" | jq .added)" "dry run without the rules"
lint_clean

# Remove by source: --path (documents all of whose sources are under it)
# and --job (documents the job added or last updated), with --dry-run.
rmd="$T/rm"
mkdir -p "$rmd/a" "$rmd/b"
printf '# A1\n\nrmwordaa\n' > "$rmd/a/1.md"
printf '# A2\n\nrmwordab\n' > "$rmd/a/2.md"
printf '# B1\n\nrmwordba\n' > "$rmd/b/1.md"
job=$(kbctl add "$rmd" --json | tail -n 1 | jq .job)
n=$(doc_count)
kbctl remove --path "$rmd/a" --dry-run --json > "$T/rm1.json"
assert_eq 2 "$(jq length "$T/rm1.json")" "dry run of remove --path"
assert_eq "$n" "$(doc_count)" "remove --dry-run changes nothing"
kbctl remove --path "$rmd/a" --dry-run | grep -q '^would remove ' ||
    fail "remove --dry-run's text"
kbctl remove --path "$rmd/a" --json > "$T/rm2.json"
assert_eq '["removed","removed"]' "$(jq -c '[.[].status]' "$T/rm2.json")" "remove --path"
assert_eq 0 "$(kbctl search rmwordaa --json | jq length)" "--path's documents gone"
assert_eq $((n - 2)) "$(doc_count)" "documents after remove --path"
kbctl remove --job "$job" --json > "$T/rm3.json"
assert_eq 1 "$(jq length "$T/rm3.json")" "remove --job: what is left of the job"
assert_eq 0 "$(kbctl search rmwordba --json | jq length)" "--job's documents gone"
expect_status 2 kbctl remove --job "$job" somedoc 2>/dev/null
lint_clean

# A small file new to the KB is hashed and converted in one request to a
# worker (issue 15): the duplicate check comes after the conversion, and
# a duplicate's staging files go. A renamed folder (or a copy), every
# file of it a duplicate, makes the job hash the rest first again.
dd="$T/direct"
mkdir -p "$dd"
for i in 1 2 3 4 5 6; do printf '# Twin\n\ntwinword\n' > "$dd/twin$i.md"; done
printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0binary' > "$dd/program"
kbctl add "$dd" --json > "$T/d1.json"
assert_eq 1 "$(tail -n 1 "$T/d1.json" | jq .added)" "one of six twins added"
assert_eq 5 "$(tail -n 1 "$T/d1.json" | jq .duplicates)" "five twins duplicates"
assert_eq 5 "$(jq -r 'select(.status == "duplicate") | .reason' "$T/d1.json" |
    grep -c '^same content as ')" "the duplicates' reason"
assert_eq skipped "$(event_field "$T/d1.json" "$dd/program" status)" \
    "a binary found by its content"
assert_eq "binary content" "$(event_field "$T/d1.json" "$dd/program" reason)" \
    "the binary's reason"
assert_eq 0 "$(find "$KB/.kb/staging" -type f | wc -l)" \
    "staging files left after the job"
mv_from="$T/folder"
mkdir -p "$mv_from"
for i in $(seq 1 300); do
	printf '# Note %d\n\nfolderword%d\n' "$i" "$i" > "$mv_from/n$i.md"
done
kbctl add "$mv_from" --json > "$T/d2.json"
assert_eq 300 "$(tail -n 1 "$T/d2.json" | jq .added)" "the folder's add"
job=$(tail -n 1 "$T/d2.json" | jq .job)
grep -q "job $job: .* new files were duplicates" "$KB/.kb/kbd.log" &&
    fail "a job with no duplicates stopped converting direct"
mv "$mv_from" "$T/renamed"
kbctl add "$T/renamed" --json > "$T/d3.json"
assert_eq 300 "$(tail -n 1 "$T/d3.json" | jq .duplicates)" \
    "the renamed folder's files, each the content of a document"
job=$(tail -n 1 "$T/d3.json" | jq .job)
grep -q "job $job: .* new files were duplicates: the rest are hashed" \
    "$KB/.kb/kbd.log" || fail "the renamed folder's job kept converting first"
assert_eq 0 "$(find "$KB/.kb/staging" -type f | wc -l)" \
    "staging files left after the renamed folder's job"
lint_clean
