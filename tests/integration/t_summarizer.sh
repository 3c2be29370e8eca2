# The optional summarizer (issue 14): kbd.conf's summarizer command reads
# a document's Markdown on stdin, and its output's first paragraph becomes
# the description of the summary page (frontmatter description_by:
# "summarizer") and of its line in the index pages, after the document is
# committed. A timeout, a failure, no output or output that is not UTF-8
# keep the local description and kbd.log says why; at most
# summarizer-jobs commands run at once; kbd answers meanwhile.
. "$(dirname "$0")/lib.sh"

RUN="$T/running"	# a file per command running now
CONC="$T/conc"		# how many were running, as each started
mkdir -p "$RUN" "$T/in"
: > "$CONC"
cat > "$T/sum.sh" <<'SH'
# The test's summarizer: "SUMMARY: " and the first line of its input;
# the first line picks a misbehaviour.
run=$1 conc=$2 dir=$3
touch "$run/$$"
ls "$run" | wc -l >> "$conc"
IFS= read -r first || true
cat > /dev/null
case "$first" in
*slow*)	rm -f "$run/$$"
	echo $$ > "$dir/slow.pid"
	sleep 60 &
	echo $! > "$dir/slow.child"
	wait
	exit 0 ;;
*failing*)	rm -f "$run/$$"; echo partial; exit 1 ;;
*binary*)	rm -f "$run/$$"; printf 'bad \377\376 bytes\n'; exit 0 ;;
*silent*)	rm -f "$run/$$"; printf '\n  \n'; exit 0 ;;
esac
sleep 0.2
rm -f "$run/$$"
printf 'SUMMARY: %s\nwrapped line\n\nA second paragraph, dropped.\n' "$first"
SH

kbctl init >/dev/null
kbctl stop >/dev/null 2>&1 || true
# Checked like every key: a '#' would read back as a comment.
expect_status 2 kbctl config summarizer 'echo # no' 2>/dev/null
kbctl config summarizer "sh $T/sum.sh $RUN $CONC $T" 2>/dev/null
kbctl config summarizer-jobs 2 2>/dev/null
kbctl config summarizer-timeout 3 2>/dev/null
assert_eq "sh $T/sum.sh $RUN $CONC $T" "$(kbctl config summarizer)" "summarizer set"
assert_eq 2 "$(kbctl config summarizer-jobs)" "summarizer-jobs set"

i=0
while [ $i -lt 8 ]; do
	printf '# Note %d\n\nBody of note %d about owls.\n' $i $i > "$T/in/note$i.md"
	i=$((i + 1))
done
printf '# The slow one\n\ntext\n' > "$T/in/slow.md"
printf '# A failing one\n\ntext\n' > "$T/in/failing.md"
printf '# A binary one\n\ntext\n' > "$T/in/binary.md"
printf '# A silent one\n\ntext\n' > "$T/in/silent.md"
kbctl add "$T/in" >/dev/null
assert_eq 12 "$(doc_count)" "documents"

by() { sed -n 's/^description_by: "\(.*\)"$/\1/p' "$KB/wiki/summaries/$1.md"; }
desc() { sed -n 's/^description: "\(.*\)"$/\1/p' "$KB/wiki/summaries/$1.md"; }
described() { [ "$(by "$1")" = summarizer ]; }
logged() { grep -q -- "$1" "$KB/.kb/kbd.log"; }

# kbd answers while a command runs (the slow one sleeps past its timeout).
wait_until "the slow summarizer starts" test -s "$T/slow.child"
assert_eq 12 "$(doc_count)" "list while a summarizer runs"
assert_eq note3 "$(kbctl search 'note 3' --json | jq -r '.[0].doc')" \
    "search while a summarizer runs"

i=0
while [ $i -lt 8 ]; do
	wait_until "note$i described" described note$i
	assert_eq "SUMMARY: # Note $i wrapped line" "$(desc note$i)" \
	    "note$i's description"
	i=$((i + 1))
done
sum="$KB/wiki/summaries/note5.md"
grep -qx 'SUMMARY: # Note 5 wrapped line' "$sum" ||
    fail "the page's Description section: $(sed -n '/^## Description/,/^## Outline/p' "$sum")"
grep -q '^- Note 5$' "$sum" || fail "the outline kept: $(cat "$sum")"
cat "$KB"/wiki/index/type/*.md | grep -F '/summaries/note5.md)' |
    grep -qF 'SUMMARY: # Note 5 wrapped line' ||
    fail "index line: $(cat "$KB"/wiki/index/type/*.md | grep -F note5)"
assert_eq "SUMMARY: # Note 5 wrapped line" \
    "$(kbctl show --meta note5 --json | jq -r .description)" "show's description"

# Failures keep the local description, and say why in kbd.log.
wait_until "the slow one's timeout" logged \
    'summarizer: slow: timed out after 3 s; its local description stays'
wait_until "the failing one" logged \
    'summarizer: failing: exited with status 1; its local description stays'
wait_until "the binary one" logged \
    'summarizer: binary: its output is not UTF-8 (offset 4); its local description stays'
wait_until "the silent one" logged \
    'summarizer: silent: no output; its local description stays'
for d in slow failing binary silent; do
	assert_eq local "$(by $d)" "$d keeps the local description"
	desc $d | grep -q SUMMARY && fail "$d: $(desc $d)"
done
# The timeout killed its whole process group: sh and its sleep.
wait_gone "the slow summarizer" "$(cat "$T/slow.pid")" "$(cat "$T/slow.child")"

# At most summarizer-jobs at once.
max=$(sort -n "$CONC" | tail -n 1)
[ "$max" -le 2 ] || fail "$max summarizer commands ran at once (limit 2)"
assert_eq 12 "$(wc -l < "$CONC")" "one command per document"
lint_clean

# An update is summarized again, from its new content; meanwhile its
# description is the local one.
printf '# Note one changed\n\nnew text\n' > "$T/in/note1.md"
kbctl add "$T/in/note1.md" >/dev/null
wait_until "note1 described again" sh -c \
    "grep -qx 'description: \"SUMMARY: # Note one changed wrapped line\"' '$KB/wiki/summaries/note1.md'"
assert_eq summarizer "$(by note1)" "note1 after its update"

# The descriptions survive a restart, and lint agrees with lint --fix.
kbctl stop >/dev/null
assert_eq "SUMMARY: # Note 7 wrapped line" "$(desc note7)" "after a restart"
lint_clean
out=$(kbctl lint --fix --json)
assert_eq 0 "$(printf '%s' "$out" | jq '.repairs | length')" "lint --fix repairs nothing"

# A summary commit that fails before its commit point (an I/O error) is
# rolled back: the local description stays, the log says so, lint is
# clean.
kbctl stop >/dev/null
printf '# Rolled back\n\ntext\n' > "$T/rb.md"
KBD_FAILPOINT='summary.commit:eio' kbctl add "$T/rb.md" >/dev/null
wait_until "the failed summary commit" logged \
    'summarizer: descriptions not recorded: '
assert_eq local "$(by rb)" "rb after a failed summary commit"
lint_clean

# A committer that dies inside a summary commit: its successor's
# recovery rolls the commit back, and the request goes to it again.
kbctl stop >/dev/null
printf '# Crashed\n\ntext\n' > "$T/cr.md"
recoveries() { grep -Ec 'recovery: 1 (journals )?rolled back' "$KB/.kb/kbd.log" || true; }
before=$(recoveries)
KBD_FAILPOINT='summary.subindex:crash' kbctl add "$T/cr.md" >/dev/null
# The crashed commit had published the page already: until the next
# committer's recovery rolls it back, "described" can be that page. So
# the recovery's log line first (it is written after the rollback), then
# the description the next committer applied (which may come before the
# log line: both are waited for, in that order, in each poll).
recovered_then_described() {
	[ "$(recoveries)" -gt "$before" ] && described cr
}
wait_until "cr described by the next committer, after its recovery" \
    recovered_then_described
assert_eq "SUMMARY: # Crashed wrapped line" "$(desc cr)" "cr's description"
lint_clean

# No summarizer: the local description (the default).
kbctl stop >/dev/null
kbctl config --unset summarizer 2>/dev/null
printf '# Plain\n\nplain text\n' > "$T/plain.md"
kbctl add "$T/plain.md" >/dev/null
assert_eq local "$(by plain)" "no summarizer configured"
