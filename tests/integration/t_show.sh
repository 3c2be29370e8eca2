# show: a document's Markdown, summary, raw bytes and record (outline and
# keywords from the summary page), with line and byte ranges and JSON;
# binary refused at a terminal; a wrong name gets the closest names. list
# and search --json carry the paths. wiki/AGENTS.md: written at init,
# kept current, checked and repaired by lint.
. "$(dirname "$0")/lib.sh"

PTY="python3 $(dirname "$0")/pty_run.py"

mkdir -p "$T/in"
printf 'line one\nline two\nline three\nline four\n' > "$T/in/alpha-notes.txt"
printf '# Beta\n\nSome beta text here.\n' > "$T/in/beta.md"
python3 "$(dirname "$0")/mkoffice.py" docx "$T/in/report.docx"

kbctl init >/dev/null
kbctl add "$T/in" >/dev/null
assert_eq 3 "$(doc_count)" "documents"

# The Markdown, the summary and the raw bytes are the KB's files.
kbctl show alpha-notes > "$T/md"
cmp -s "$T/md" "$KB/wiki/sources/alpha-notes.md" || fail "show: not the Markdown"
kbctl show --summary beta > "$T/sum"
cmp -s "$T/sum" "$KB/wiki/summaries/beta.md" || fail "show --summary"
kbctl show --raw report | cmp -s - "$T/in/report.docx" || fail "show --raw to a pipe"
kbctl show --raw report -o "$T/out.docx"
cmp -s "$T/out.docx" "$T/in/report.docx" || fail "show --raw -o"
kbctl show report -o "$T/out.md"
cmp -s "$T/out.md" "$KB/wiki/sources/report.md" || fail "show -o"

# Ranges: 1-based, inclusive; A- runs to the end; A alone is one line.
assert_eq "line two
line three" "$(kbctl show --raw --lines 2-3 alpha-notes)" "--lines 2-3"
assert_eq "line four" "$(kbctl show --raw --lines 4- alpha-notes)" "--lines 4-"
assert_eq "line one" "$(kbctl show --raw --lines 1 alpha-notes)" "--lines 1"
assert_eq "" "$(kbctl show --raw --lines 9-10 alpha-notes)" "--lines past the end"
assert_eq "ne o" "$(kbctl show --raw --bytes 3-6 alpha-notes)" "--bytes 3-6"
assert_eq "four" "$(kbctl show --raw --bytes 35- alpha-notes)" "--bytes 35-"
expect_status 2 kbctl show --lines 3-2 alpha-notes
expect_status 2 kbctl show --lines 0-2 alpha-notes
expect_status 2 kbctl show --lines x alpha-notes
expect_status 2 kbctl show --lines 1-2 --bytes 1-2 alpha-notes
expect_status 2 kbctl show --meta --lines 1-2 alpha-notes
expect_status 2 kbctl show --raw --summary alpha-notes
expect_status 2 kbctl show
expect_status 2 kbctl show alpha-notes beta

# The record.
m=$(kbctl show --meta alpha-notes)
assert_contains "$m" "title:       line one" "meta title"
assert_contains "$m" "src_path:    $T/in/alpha-notes.txt" "meta source path"
assert_contains "$m" "source:      wiki/sources/alpha-notes.md" "meta wiki path"
assert_contains "$m" "summary:     wiki/summaries/alpha-notes.md" "meta summary path"
assert_contains "$m" "raw:         raw/alpha-notes.txt" "meta raw path"
assert_contains "$m" "size:        39" "meta size"
assert_contains "$m" "format:      txt" "meta format"
assert_contains "$m" "job:         1" "meta job"
assert_contains "$m" "hash:        $(sha256sum < "$T/in/alpha-notes.txt" | cut -d' ' -f1)" "meta hash"

# JSON shapes.
j=$(kbctl show --meta --json alpha-notes)
assert_eq "alpha-notes|line one|$T/in/alpha-notes.txt|wiki/sources/alpha-notes.md|wiki/summaries/alpha-notes.md|raw/alpha-notes.txt|39|txt|1" \
    "$(echo "$j" | jq -r '[.doc,.title,.src_path,.source,.summary,.raw,.size,.format,.job]|join("|")')" \
    "show --meta --json"
assert_eq true "$(echo "$j" | jq '(.added|type) == "number" and .added > 0 and (.hash|length) == 64 and (.description|type) == "string"')" \
    "show --meta --json: added, hash, description"
j=$(kbctl show --json alpha-notes)
assert_eq "source|wiki/sources/alpha-notes.md" "$(echo "$j" | jq -r '.part + "|" + .path')" "show --json part"
assert_eq "$(cat "$KB/wiki/sources/alpha-notes.md")" "$(echo "$j" | jq -r .text)" "show --json text"
assert_eq "$(wc -c < "$KB/wiki/sources/alpha-notes.md")" "$(echo "$j" | jq .size)" "show --json size"
assert_eq "$(wc -l < "$KB/wiki/sources/alpha-notes.md")" "$(echo "$j" | jq .lines)" "show --json lines"
j=$(kbctl show --raw --json --lines 2-3 alpha-notes)
assert_eq '"line two\nline three\n"|[2,3]|4|39' \
    "$(echo "$j" | jq -c '[.text, .range_lines, .lines, .size]' | jq -r '"\(.[0]|tojson)|\(.[1]|tojson)|\(.[2])|\(.[3])"')" \
    "show --raw --json --lines"
# The page starts with its frontmatter (docs/architecture.md, "The wiki").
j=$(kbctl show --summary --json --bytes 1-8 beta)
assert_eq '"---\ntype"|[1,8]|summary' "$(echo "$j" | jq -r '"\(.text|tojson)|\(.range_bytes|tojson)|\(.part)"')" \
    "show --summary --json --bytes"
# The outline and keywords, from the summary page.
j=$(kbctl show --meta --json report)
assert_eq '[{"depth":0,"text":"Annual Overview"},{"depth":0,"text":"Introduction"},{"depth":1,"text":"Findings"},{"depth":1,"text":"Custom Styled Heading"}]' \
    "$(echo "$j" | jq -c .outline)" "show --meta --json outline"
assert_eq "$(sed -n '/^## Keywords/{n;n;p}' "$KB/wiki/summaries/report.md")" \
    "$(echo "$j" | jq -r '.keywords | join(", ")')" "show --meta --json keywords"
m=$(kbctl show --meta report)
assert_contains "$m" "outline:
  - Annual Overview
  - Introduction
    - Findings" "show --meta outline"
set +e
kbctl show --raw --json report > "$T/out" 2> "$T/err"
st=$?
set -e
assert_eq 1 "$st" "show --raw --json of binary"
assert_contains "$(cat "$T/err")" "no place in JSON" "binary refused in JSON"

# A wrong name: exit 1, the closest names as a hint.
set +e
kbctl show alpha-note > "$T/out" 2> "$T/err"
st=$?
set -e
assert_eq 1 "$st" "exit status for a wrong name"
assert_eq "" "$(cat "$T/out")" "nothing on stdout for a wrong name"
assert_contains "$(cat "$T/err")" 'no document named "alpha-note"; did you mean alpha-notes?' "hint"
set +e
kbctl show notes 2> "$T/err"
set -e
assert_contains "$(cat "$T/err")" "did you mean alpha-notes" "hint by a shared word"
set +e
kbctl show zzzzzz 2> "$T/err"
st=$?
set -e
assert_eq 1 "$st" "exit status for a name with no neighbour"
assert_eq 'kbctl: no document named "zzzzzz"' "$(cat "$T/err")" "no hint when nothing is close"

# At a terminal: binary raw bytes are refused with a hint; text is shown.
r=$(LANG=C.UTF-8 TERM=xterm $PTY --out "$T/pty-raw" --limit 60 -- \
    "$KBCTL" -C "$KB" show --raw report)
assert_eq 1 "$(echo "$r" | jq .exit)" "show --raw of binary at a terminal"
grep -q 'binary content' "$T/pty-raw" || fail "no binary hint: $(cat "$T/pty-raw")"
grep -q -- '-o FILE' "$T/pty-raw" || fail "hint names -o: $(cat "$T/pty-raw")"
r=$(LANG=C.UTF-8 TERM=xterm $PTY --out "$T/pty-txt" --limit 60 -- \
    "$KBCTL" -C "$KB" show --raw alpha-notes)
assert_eq 0 "$(echo "$r" | jq .exit)" "show --raw of text at a terminal"
grep -q 'line three' "$T/pty-txt" || fail "text raw at a terminal: $(cat "$T/pty-txt")"
r=$(LANG=C.UTF-8 TERM=xterm $PTY --out "$T/pty-o" --limit 60 -- \
    "$KBCTL" -C "$KB" show --raw report -o "$T/out2.docx")
assert_eq 0 "$(echo "$r" | jq .exit)" "show --raw -o at a terminal"
cmp -s "$T/out2.docx" "$T/in/report.docx" || fail "show --raw -o at a terminal"

# list and search --json carry the wiki path and the source path.
assert_eq "wiki/sources/beta.md|$T/in/beta.md" \
    "$(kbctl list --json | jq -r '.[] | select(.doc == "beta") | .source + "|" + .src_path')" \
    "list --json paths"
assert_eq "beta|wiki/sources/beta.md|$T/in/beta.md" \
    "$(kbctl search --json beta | jq -r '.[0] | .doc + "|" + .source + "|" + .src_path')" \
    "search --json paths"

# A document removed is gone for show too.
kbctl remove beta >/dev/null
expect_status 1 kbctl show beta
lint_clean

# wiki/AGENTS.md: written at init, its count kept current by add and
# remove; lint checks it, lint --fix rewrites it.
export KB="$T/kb2"
kbctl init >/dev/null
[ -f "$KB/wiki/AGENTS.md" ] || fail "no AGENTS.md after init"
grep -q 'It holds 0 documents\.' "$KB/wiki/AGENTS.md" || fail "AGENTS.md count at init: $(cat "$KB/wiki/AGENTS.md")"
for w in 'kbctl search' 'kbctl show' 'kbctl list' '--json' 'wiki/sources/DOC.md' 'raw/DOC.EXT'; do
	grep -q -- "$w" "$KB/wiki/AGENTS.md" || fail "AGENTS.md does not mention $w"
done
kbctl add "$T/in" >/dev/null
grep -q 'It holds 3 documents\.' "$KB/wiki/AGENTS.md" || fail "AGENTS.md count after add"
kbctl remove beta report >/dev/null
grep -q 'It holds 1 document\.' "$KB/wiki/AGENTS.md" || fail "AGENTS.md count after remove"
[ ! -e "$KB/wiki/AGENTS.md.tmp" ] || fail "AGENTS.md.tmp left behind"
lint_clean
rm "$KB/wiki/AGENTS.md"
set +e
out=$(kbctl lint 2>&1)
st=$?
set -e
assert_eq 1 "$st" "lint with AGENTS.md missing"
assert_contains "$out" "wiki/AGENTS.md" "lint names AGENTS.md"
out=$(kbctl lint --fix)
assert_contains "$out" "wiki/AGENTS.md: rewritten" "lint --fix rewrites AGENTS.md"
grep -q 'It holds 1 document\.' "$KB/wiki/AGENTS.md" || fail "AGENTS.md count after lint --fix"
lint_clean
# Stale (a crash between a commit and its rewrite): the next start heals it.
kbctl stop >/dev/null
sed -i 's/It holds 1 document\./It holds 7 documents./' "$KB/wiki/AGENTS.md"
kbctl list >/dev/null
grep -q 'It holds 1 document\.' "$KB/wiki/AGENTS.md" || fail "AGENTS.md not healed at start-up"
