# kbctl recompile (issue 14): a KB made by an older kbd counts its
# documents stale in status; recompile --stale converts them again from
# raw/ and status says 0; recompile DOC restores a tampered Markdown; an
# unchanged document is left alone; a kill -9 of the committer, and of
# the supervisor, mid-recompile leaves the KB consistent and the job
# finishes (resumed).
. "$(dirname "$0")/lib.sh"

KBSQL="$KBD_BIN/kbsql"
N=1000
make_corpus "$T/src" $N
kbctl init >/dev/null
kbctl add "$T/src" >/dev/null
assert_eq $N "$(doc_count)" "documents"
assert_eq 0 "$(kbctl status --json | jq .stale)" "stale in a new KB"
if kbctl status | grep -q 'older kbd'; then
	fail "status hints at a recompile in a new KB"
fi
# What this kbd's converters make, to compare with after each repair.
cp -r "$KB/wiki/sources" "$T/sources.good"
cp -r "$KB/wiki/summaries" "$T/summaries.good"
kbctl stop >/dev/null

db() {
	sqlite3 -cmd '.timeout 10000' "$KB/.kb/kb.db" "$1"
}
same_wiki() {
	diff -r "$T/sources.good" "$KB/wiki/sources" >/dev/null ||
	    fail "$1: wiki/sources differ from what the converters make"
	diff -r "$T/summaries.good" "$KB/wiki/summaries" >/dev/null ||
	    fail "$1: wiki/summaries differ from what the converters make"
}

# 1. A KB of an older kbd (schema 2, no converter versions): every
# document is stale once migrated.
python3 "$(dirname "$0")/mkoldkb.py" "$KBSQL" "$KB"
assert_eq $N "$(kbctl status --json | jq .stale)" "stale after the upgrade"
assert_eq "$SCHEMA" "$(db "select value from meta where key = 'schema'")" "schema"
kbctl status | grep -q "^$N documents were converted by an older kbd: kbctl recompile --stale\$" ||
    fail "status does not hint at recompile --stale: $(kbctl status)"

# 2. recompile --stale: every document converted again; its output is
# what it was, so no page is rewritten; only the versions are recorded.
ino_before=$(stat -c %i "$KB/wiki/sources/note00001.md")
kbctl recompile --stale --json > "$T/stale.json"
s=$(tail -n 1 "$T/stale.json")
assert_eq done "$(echo "$s" | jq -r .state)" "recompile --stale state"
assert_eq 0 "$(echo "$s" | jq .failed)" "recompile --stale failed"
assert_eq $N "$(echo "$s" | jq .duplicates)" "unchanged documents"
assert_eq 0 "$(kbctl status --json | jq .stale)" "stale after recompile --stale"
assert_eq "$ino_before" "$(stat -c %i "$KB/wiki/sources/note00001.md")" \
    "an unchanged document is not rewritten"
assert_eq 0 "$(db "select count(*) from documents where converter = '' or conv_version = 0")" \
    "documents without a converter version"
assert_eq markdown "$(db "select converter from documents where name = 'note00001'")" "converter of a .md"
assert_eq text "$(db "select converter from documents where name = 'text00000'")" "converter of a .txt"
same_wiki "recompile --stale"
lint_clean

# 3. recompile DOC restores a tampered Markdown and summary; the search
# index follows.
printf 'tampered zebraword\n' > "$KB/wiki/sources/note00003.md"
printf 'tampered\n' > "$KB/wiki/summaries/text00004.md"
kbctl recompile note00003 text00004 --json > "$T/doc.json"
assert_eq updated "$(jq -r 'select(.path != null and (.path | endswith("raw/note00003.md"))) | .status' "$T/doc.json")" \
    "a tampered Markdown is updated"
assert_eq updated "$(jq -r 'select(.path != null and (.path | endswith("raw/text00004.txt"))) | .status' "$T/doc.json")" \
    "a tampered summary is updated"
assert_eq 2 "$(tail -n 1 "$T/doc.json" | jq .updated)" "documents updated"
same_wiki "recompile DOC"
assert_eq 0 "$(kbctl search zebraword --json | jq length)" "the tampered text is out of the index"
assert_eq note00003 "$(kbctl search word3 --json | jq -r '.[0].doc')" "the document's text is back in the index"
job=$(tail -n 1 "$T/doc.json" | jq .job)
grep -A4 "job $job (recompile) | 2 documents updated" "$KB/wiki/log.md" > "$T/entry"
assert_eq "- note00003
- text00004" "$(grep '^- ' "$T/entry")" "the recompile's log.md entry names its documents"
lint_clean

# 4. Errors: an unknown name is refused before any job; no arguments.
expect_status 1 kbctl recompile no-such-doc
expect_status 2 kbctl recompile
expect_status 2 kbctl recompile --all note00001

# 5. Nothing stale: the job has no files and ends done.
s=$(kbctl recompile --stale --json | tail -n 1)
assert_eq done "$(echo "$s" | jq -r .state)" "an empty recompile"

# 5b. status counts the stale documents a converter at a time, by a range
# of the index documents_conv (schema 16), not a scan: version 0 is stale
# whatever the converter, a version of a converter kbd no longer has is
# not (is_stale), and the rest are current.
case "$(db "explain query plan select count(*) from documents where converter = 'markdown' and conv_version < 2")" in
*"COVERING INDEX documents_conv"*) ;;
*) fail "the migrated KB has no index documents_conv" ;;
esac
db "create table saved as select id, converter, conv_version from documents;
    update documents set conv_version = 0 where id % 3 = 0;
    update documents set converter = 'retired', conv_version = 7 where id % 3 = 1;
    update documents set converter = '' where id % 6 = 0"
want=$(db "select count(*) from documents where id % 3 = 0")
[ "$want" -gt 0 ] || fail "no document made stale"
assert_eq "$want" "$(kbctl status --json | jq .stale)" "stale by converter and version"
db "update documents set
      converter = (select s.converter from saved s where s.id = documents.id),
      conv_version = (select s.conv_version from saved s where s.id = documents.id);
    drop table saved"
assert_eq 0 "$(kbctl status --json | jq .stale)" "stale once restored"

# tamper_all: every Markdown changed and every document stale, so a
# recompile rewrites each one under its batch's journal.
tamper_all() {
	for f in "$KB"/wiki/sources/*.md; do
		printf 'tampered\n' >> "$f"
	done
	db "update documents set conv_version = 0"
}
stale_count() {
	db "select count(*) from documents where conv_version = 0"
}

# Sections 6 to 8 act mid-recompile with the committer held before the
# Nth batch's commit (KBD_FAILPOINT=batch.commit:stop@N, given to a new
# kbd's first committer only): on a fast file system the whole recompile
# was over between two polls of the stale count.

# 6. A recompile cancelled midway ends cancelled with a consistent KB;
# recompile --stale then does the rest. Held before its first batch's
# commit, the cancel cuts off every later batch.
tamper_all
held 1 recompile --all --no-wait --json
kbctl cancel "$job" >/dev/null &
cancel=$!
wait_until "the cancel reaches kbd" grep -q "job $job: cancelled by a client" "$KB/.kb/kbd.log"
kill -CONT "$c"
wait "$cancel" || fail "kbctl cancel failed"
s=$(kbctl wait "$job" --json | tail -n 1)
assert_eq cancelled "$(echo "$s" | jq -r .state)" "a cancelled recompile"
[ "$(stale_count)" -gt 0 ] || fail "too late to test: the recompile was over before the cancel"
assert_eq "" "$(find "$KB/.kb/journal" "$KB/.kb/staging" -mindepth 1)" "journals and staging files after a cancel"
kbctl recompile --stale >/dev/null
assert_eq 0 "$(stale_count)" "stale after the rest"
same_wiki "a cancelled recompile and the rest"
lint_clean

# 7. The committer killed mid-recompile: its batch is rolled back and
# redone; the job ends done with every document right.
tamper_all
held 1 recompile --all --no-wait --json
kill -9 "$c"
[ "$(stale_count)" -gt 0 ] || fail "too late to test: the recompile was over before the kill"
kbctl wait "$job" --json > "$T/c.json"
grep -q "committer $c killed by signal 9" "$KB/.kb/kbd.log" ||
    fail "no committer kill in kbd.log"
s=$(tail -n 1 "$T/c.json")
assert_eq done "$(echo "$s" | jq -r .state)" "recompile state after a committer kill"
assert_eq 0 "$(echo "$s" | jq .failed)" "failed after a committer kill"
assert_eq 0 "$(stale_count)" "stale after a committer kill"
assert_eq $N "$(doc_count)" "documents after a committer kill"
same_wiki "a committer kill"
lint_clean

# 8. The supervisor killed mid-recompile --stale: the next kbd resumes
# the job after its cursor (the documents it did are no longer stale,
# and are not listed again) and it ends done with every document right.
# Held before its second batch's commit: the first is in, to resume after.
tamper_all
held 2 recompile --stale --no-wait --json
[ "$(stale_count)" -lt $N ] || fail "the first batch was not committed"
sup=$(kbd_pid)
kill -9 "$sup"
[ "$(stale_count)" -gt 0 ] || fail "too late to test: the recompile was over before the kill"
# Let the orphan go: it finds its channel closed and exits.
kill -CONT "$c" 2>/dev/null || true
wait_gone "the committer of a killed supervisor" "$c"
kbctl wait "$job" --json > "$T/s.json"
grep -q "job $job: resuming after file" "$KB/.kb/kbd.log" ||
    fail "the recompile job was not resumed"
s=$(tail -n 1 "$T/s.json")
assert_eq done "$(echo "$s" | jq -r .state)" "recompile state after a supervisor kill"
assert_eq 0 "$(echo "$s" | jq .failed)" "failed after a supervisor kill"
assert_eq 0 "$(stale_count)" "stale after a supervisor kill"
assert_eq 0 "$(kbctl status --json | jq .stale)" "status after a supervisor kill"
same_wiki "a supervisor kill"
lint_clean
