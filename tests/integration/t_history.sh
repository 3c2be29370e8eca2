# Job history (issue 10): every file's outcome of a job is kept in the
# registry; kbctl status JOB --files lists them with their reasons,
# --failed the failures only, --json as one object; the list survives a
# restart of kbd; kbd.conf's history bounds how many finished jobs keep
# theirs, and status says when a job's are gone.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in"
printf '# Good\n\nfine text\n' > "$T/in/good.md"
cp "$T/in/good.md" "$T/in/zcopy.md"
printf '\211PNG\r\n\032\n\000\000\000\rIHDR' > "$T/in/image.png"
printf 'bin\000ary\n' > "$T/in/blob.txt"
printf 'a pdf\n' > "$T/in/paper.pdf"

kbctl init >/dev/null
set +e
kbctl add "$T/in" --json > "$T/add.json"
set -e
job=$(tail -n 1 "$T/add.json" | jq .job)

# What add said of each file is what status --files says of it.
kbctl status "$job" --files --json > "$T/files.json"
jq -e . "$T/files.json" >/dev/null || fail "status --files --json does not parse"
file_field() {
	jq -r --arg p "$2" --arg k "$3" '.files[] | select(.path == $p) | .[$k]' "$1"
}
assert_eq kept "$(jq -r .history "$T/files.json")" "history state"
assert_eq "$job" "$(jq .job "$T/files.json")" "the summary's fields come first"
assert_eq 5 "$(jq '.files | length' "$T/files.json")" "one entry per file"
for f in good.md zcopy.md image.png blob.txt paper.pdf; do
	p="$T/in/$f"
	assert_eq "$(event_field "$T/add.json" "$p" status)" \
	    "$(file_field "$T/files.json" "$p" status)" "status of $f"
done
assert_eq added "$(file_field "$T/files.json" "$T/in/good.md" status)" "added"
assert_eq good "$(file_field "$T/files.json" "$T/in/good.md" doc)" "added's doc"
assert_eq duplicate "$(file_field "$T/files.json" "$T/in/zcopy.md" status)" "duplicate"
assert_eq good "$(file_field "$T/files.json" "$T/in/zcopy.md" doc)" "duplicate's doc"
assert_contains "$(file_field "$T/files.json" "$T/in/zcopy.md" reason)" \
    "same content as" "duplicate's reason"
assert_eq skipped "$(file_field "$T/files.json" "$T/in/image.png" status)" "skipped"
assert_eq "$(event_field "$T/add.json" "$T/in/image.png" reason)" \
    "$(file_field "$T/files.json" "$T/in/image.png" reason)" "skipped's reason"
assert_eq failed "$(file_field "$T/files.json" "$T/in/blob.txt" status)" "failed"
assert_contains "$(file_field "$T/files.json" "$T/in/blob.txt" reason)" \
    "binary" "failed's reason"
assert_contains "$(file_field "$T/files.json" "$T/in/paper.pdf" reason)" \
    "the name says .pdf" "failed pdf's reason"
# Sequence order, and every key in every entry.
assert_eq "$(jq -c '[.files[].seq] | sort' "$T/files.json")" \
    "$(jq -c '[.files[].seq]' "$T/files.json")" "files in seq order"
assert_eq 5 "$(jq '[.files[] | select(has("seq") and has("path") and
    has("status") and has("doc") and has("reason"))] | length' "$T/files.json")" \
    "the keys of an entry"

# --failed: failures only.
kbctl status "$job" --files --failed --json > "$T/failed.json"
assert_eq 2 "$(jq '.files | length' "$T/failed.json")" "failed files"
assert_eq failed "$(jq -r '[.files[].status] | unique | .[]' "$T/failed.json")" \
    "--failed lists failures only"
expect_status 2 kbctl status "$job" --failed 2>/dev/null

# Text: a line per file with its reason; no JOB: the newest job.
out=$(kbctl status --files)
assert_contains "$out" "job $job: done" "text summary"
assert_contains "$out" "duplicate $T/in/zcopy.md -> good (same content as" "duplicate line"
assert_contains "$out" "failed    $T/in/blob.txt (" "failed line"
assert_contains "$out" "skipped   $T/in/image.png (" "skipped line"
assert_eq 5 "$(kbctl status --files | grep -c "^  [a-z]* *$T/in/")" "text lines"
assert_eq 2 "$(kbctl status --files --failed | grep -c "^  failed")" "text --failed"

# A restart keeps them.
kbctl stop >/dev/null
kbctl status "$job" --files --json > "$T/again.json"
assert_eq "$(jq -c .files "$T/files.json")" "$(jq -c .files "$T/again.json")" \
    "the list after a restart"

# history 2: after three more jobs, the first job's files are gone.
kbctl config history 2 2>/dev/null
kbctl stop >/dev/null
for i in 1 2 3; do
	printf 'more %s\n' "$i" > "$T/more$i.txt"
	kbctl add "$T/more$i.txt" >/dev/null
done
s=$(kbctl status "$job" --files --json)
assert_eq pruned "$(echo "$s" | jq -r .history)" "the first job's history"
assert_eq 0 "$(echo "$s" | jq '.files | length')" "its files are gone"
assert_eq 5 "$(echo "$s" | jq '.added + .duplicates + .skipped + .failed')" \
    "its counts stay"
assert_contains "$(kbctl status "$job" --files)" "files: no longer kept" \
    "status says they are gone"
assert_eq 0 "$(sqlite3 "$KB/.kb/kb.db" "SELECT count(*) FROM job_files WHERE job = $job")" \
    "its rows are deleted"
# The newest two keep theirs.
last=$(kbctl status --json | jq .job)
for j in $((last - 1)) "$last"; do
	assert_eq kept "$(kbctl status "$j" --files --json | jq -r .history)" "job $j kept"
	assert_eq 1 "$(kbctl status "$j" --files --json | jq '.files | length')" "job $j's file"
done
assert_eq pruned "$(kbctl status $((last - 2)) --files --json | jq -r .history)" \
    "the third newest pruned"
lint_clean

# Jobs are trimmed (issue 10): every watched change is a job, so at each
# job's finish only the newest max(history, 1000) finished jobs keep
# their rows. 1,100 finished jobs are planted (copies of the last row);
# the next job's finish leaves the newest 1,000.
kbctl stop >/dev/null
db="$KB/.kb/kb.db"
cols=$(sqlite3 "$db" "SELECT group_concat(name, ',') FROM
    pragma_table_info('jobs') WHERE name <> 'id'")
sqlite3 "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1
    FROM n WHERE i < 1100) INSERT INTO jobs($cols) SELECT $cols FROM jobs,
    n WHERE jobs.id = $last"
assert_eq $((last + 1100)) "$(sqlite3 "$db" "SELECT max(id) FROM jobs")" \
    "1,100 jobs planted"
printf 'trim\n' > "$T/trim.txt"
kbctl add "$T/trim.txt" >/dev/null
newest=$(kbctl status --json | jq .job)
assert_eq $((last + 1101)) "$newest" "the next job's number"
assert_eq 1000 "$(sqlite3 "$db" "SELECT count(*) FROM jobs")" \
    "the newest 1,000 jobs' rows are kept"
assert_eq $((newest - 999)) "$(sqlite3 "$db" "SELECT min(id) FROM jobs")" \
    "the oldest kept is the 1,000th newest"
expect_status 1 kbctl status "$job" >/dev/null 2>&1
kbctl status $((newest - 999)) >/dev/null || fail "a kept job's status"
assert_eq 1 "$(kbctl status "$newest" --files --json | jq '.files | length')" \
    "the newest job's files"
assert_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM job_files WHERE job NOT IN
    (SELECT id FROM jobs)")" "no file outcome of a trimmed job is left"
lint_clean
