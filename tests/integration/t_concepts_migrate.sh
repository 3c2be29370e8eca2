# Concepts in a KB from before them (schema 11 added the registry): the
# migration leaves its documents without concept terms, so no concept;
# kbctl recompile --all computes the terms (a document whose terms in the
# registry are not those of its Markdown counts as changed), the concept
# pages appear and the summaries link them, lint agrees.
. "$(dirname "$0")/lib.sh"

KBSQL="$KBD_BIN/kbsql"
C="$KB/wiki/concepts"
mkdir -p "$T/src"
for i in 1 2 3 4; do
	{
		printf '# Clocks %s\n\n' "$i"
		printf 'Each replica keeps a vector clock of its own. The '
		printf 'vector clock grows with the replicas (note %s).\n' "$i"
	} > "$T/src/clock$i.md"
	printf '# Garden %s\n\nTomatoes want sun (bed %s).\n' "$i" "$i" \
	    > "$T/src/garden$i.md"
done
kbctl init >/dev/null
kbctl add "$T/src" >/dev/null
[ -f "$C/vector-clock.md" ] || fail "no concept in a new KB: $(ls "$C")"
cp "$KB/wiki/summaries/clock1.md" "$T/clock1.good"
kbctl stop >/dev/null

# The KB as an older kbd left it: no concept tables (the migration makes
# them empty), and, once lint --fix has taken the pages and summary
# sections of no registered concept away, no concept page either.
python3 "$(dirname "$0")/mkoldkb.py" "$KBSQL" "$KB"
kbctl lint --fix >/dev/null || true
lint_clean
db() {
	sqlite3 -cmd '.timeout 10000' "$KB/.kb/kb.db" "$1"
}
assert_eq 0 "$(db "select count(*) from concept_terms_all")" "terms after the migration"
[ ! -e "$C/vector-clock.md" ] || fail "a concept page without its registry"
grep -q 'vector-clock' "$KB/wiki/summaries/clock1.md" &&
    fail "a summary links a concept the registry lacks"

# recompile --all: the terms computed, the concept back.
kbctl recompile --all >/dev/null
[ "$(db "select count(*) from concept_terms_all")" -gt 0 ] ||
    fail "recompile --all computed no concept terms"
assert_eq 4 "$(db "select ndocs from concepts where term = 'vector clock'")" \
    "vector clock's documents after recompile"
[ -f "$C/vector-clock.md" ] || fail "no concept page after recompile: $(ls "$C")"
cmp "$T/clock1.good" "$KB/wiki/summaries/clock1.md" ||
    fail "clock1's summary is not as a new KB makes it: $(diff "$T/clock1.good" "$KB/wiki/summaries/clock1.md")"
lint_clean
# Again: the terms are there, every document unchanged.
out=$(kbctl recompile --all --json | tail -n 1)
assert_eq 8 "$(echo "$out" | jq .duplicates)" "unchanged on a second recompile: $out"
