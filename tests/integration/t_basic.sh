# init, add a few thousand files with duplicates, list, search, re-add.
. "$(dirname "$0")/lib.sh"

N=2000
make_corpus "$T/src" $N
# Same bytes under other names: duplicates by content.
mkdir "$T/src/zcopies"
cp "$T/src/part03/note00003.md" "$T/src/zcopies/again.md"
cp "$T/src/part04/text00004.txt" "$T/src/zcopies/again2.txt"

kbctl init >/dev/null
[ -d "$KB/raw" ] && [ -d "$KB/wiki/sources" ] && [ -d "$KB/wiki/summaries" ] ||
    fail "init did not create the KB layout"
[ -f "$KB/.kb/kb.db" ] || fail "init did not create the registry"
assert_eq 700 "$(stat -c %a "$KB/.kb")" ".kb mode"
assert_eq 600 "$(stat -c %a "$KB/.kb/kbd.sock")" "socket mode"

kbctl add "$T/src" --json > "$T/add.json"
# One line per input file plus the summary, each valid JSON.
lines=$(wc -l < "$T/add.json")
assert_eq $((N + 3)) "$lines" "NDJSON lines"
jq -e . "$T/add.json" >/dev/null || fail "add --json output does not parse"
summary=$(tail -n 1 "$T/add.json")
assert_eq summary "$(echo "$summary" | jq -r .event)" "last line is the summary"
assert_eq $N "$(echo "$summary" | jq .added)" "added"
assert_eq 2 "$(echo "$summary" | jq .duplicates)" "duplicates"
assert_eq 0 "$(echo "$summary" | jq .failed)" "failed"
assert_eq 2 "$(grep -c '"status":"duplicate"' "$T/add.json")" "duplicate events"
grep '"path":"'"$T"'/src/zcopies/again.md"' "$T/add.json" | grep -q '"status":"duplicate"' ||
    fail "copy of a file not reported as duplicate"

# The committer's time by stage of the job's batches, one line in
# kbd.log when the job finishes (stages.c; make bench prints it): at
# least one batch, every stage named, the times numbers, the publishing
# thread's time last.
job=$(echo "$summary" | jq .job)
stages=$(grep "job $job: the committer's stages: " "$KB/.kb/kbd.log" |
    tail -n 1)
[ -n "$stages" ] || fail "kbd.log has no stage line for job $job"
batches=$(echo "$stages" | sed -n 's/.*stages: \([0-9]*\) batches.*/\1/p')
[ "${batches:-0}" -ge 1 ] || fail "stage line counts no batch: $stages"
for st in decisions plans rows "publishing wait" concepts links \
    "index pages" sync commit "journal end" "concept flush rounds"; do
	echo "$stages" | grep -Eq "[:,] $st [0-9]+\.[0-9]{2}" ||
	    fail "stage line lacks $st: $stages"
done
# Outside the sum, the publishing thread's own time beside the rows.
echo "$stages" | grep -Eq ", publishing \(its thread\) [0-9]+\.[0-9]{2} s$" ||
    fail "stage line lacks the publishing thread's time: $stages"

assert_eq $N "$(doc_count)" "documents listed"
assert_eq $N "$(ls "$KB/raw" | wc -l)" "raw files"
assert_eq $N "$(ls "$KB/wiki/sources" | wc -l)" "source pages"
assert_eq $N "$(ls "$KB/wiki/summaries" | wc -l)" "summary pages"
assert_eq $N "$(index_entries)" "index entries"

# list --json fields, and the hash is the raw file's SHA-256.
first=$(kbctl list --json | jq -c '.[0]')
for k in doc title hash raw source; do
	[ "$(echo "$first" | jq -r ".$k")" != null ] || fail "list lacks $k"
done
raw=$(echo "$first" | jq -r .raw)
assert_eq "$(sha256sum "$KB/$raw" | cut -d' ' -f1)" "$(echo "$first" | jq -r .hash)" "hash of $raw"

# Search: a word unique to one file finds that file first.
hit=$(kbctl search word1235 --json)
assert_eq 1 "$(echo "$hit" | jq length)" "hits for a unique word"
assert_eq note01235 "$(echo "$hit" | jq -r '.[0].doc')" "doc found"
assert_contains "$(echo "$hit" | jq -r '.[0].snippet')" "word1235" "snippet"
for k in title score; do
	[ "$(echo "$hit" | jq -r ".[0].$k")" != null ] || fail "search lacks $k"
done
assert_eq "Note 1235" "$(echo "$hit" | jq -r '.[0].title')" "title from heading"
assert_eq 0 "$(kbctl search nosuchwordanywhere --json | jq length)" "no hits"
# A leading minus excludes: "kill -9" is kill without 9, no hits, no error.
expect_status 1 kbctl search "kill -9"
expect_status 0 kbctl search "word1235 -9" >/dev/null

# Re-adding the same tree adds nothing and reads nothing: every file is
# recognised by its path's (dev, inode, size, mtime) before any worker
# sees it, the copies too (each path is a source of its document).
kbctl add "$T/src" --json > "$T/readd.json"
s=$(tail -n 1 "$T/readd.json")
assert_eq 0 "$(echo "$s" | jq .added)" "re-add added"
assert_eq $((N + 2)) "$(echo "$s" | jq .duplicates)" "re-add duplicates"
unchanged=$(grep -c 'unchanged since added' "$T/readd.json" || true)
assert_eq $((N + 2)) "$unchanged" "files recognised without reading"

status=$(kbctl status --json)
assert_eq done "$(echo "$status" | jq -r .state)" "status state"
for k in job added duplicates skipped failed; do
	[ "$(echo "$status" | jq -r ".$k")" != null ] || fail "status lacks $k"
done

lint_clean
