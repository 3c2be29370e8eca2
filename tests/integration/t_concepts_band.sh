# A concept stays one up to 30 % of the KB's documents, where a term
# becomes one only up to 25 % (concepts_is_concept): a word whose share is
# about a quarter would otherwise cross the bound with every few batches
# of a large add, and each crossing writes the summaries of all its
# documents. Here "vector clock" is born at 25 %, stays at 29 %, goes at
# 33 %, and is born again at 24.5 %; its page, its documents' summaries
# and lint agree at each step.
. "$(dirname "$0")/lib.sh"

C="$KB/wiki/concepts"
page="$C/vector-clock.md"
mkdir -p "$T/src"
# clocks FROM TO: documents that treat vector clocks.
clocks() {
	for i in $(seq "$1" "$2"); do
		printf '# Clocks %s\n\nEach replica keeps a vector clock. The vector clock grows, and merging vector clock values takes the maximum (note %s).\n' \
		    "$i" "$i" > "$T/src/clock$i.md"
	done
}
# gardens FROM TO: documents that do not.
gardens() {
	for i in $(seq "$1" "$2"); do
		printf '# Garden %s\n\nTomatoes want sun and water; basil wants warmth (bed %s).\n' \
		    "$i" "$i" > "$T/src/garden$i.md"
	done
}
# step WHAT DOCS CONCEPT: after an add, the KB has DOCS documents and the
# phrase is a concept (1) or not (0), in the registry, the page and the
# summaries of its documents alike.
step() {
	kbctl add "$T/src" >/dev/null || fail "$1: add"
	assert_eq "$2" "$(doc_count)" "$1: documents"
	n=$(sqlite3 "$KB/.kb/kb.db" \
	    "select count(*) from concepts where term = 'vector clock'")
	assert_eq "$3" "$n" "$1: 'vector clock' in the concepts"
	linking=$(grep -l '](../concepts/vector-clock.md)' \
	    "$KB"/wiki/summaries/clock*.md | wc -l)
	if [ "$3" = 1 ]; then
		[ -f "$page" ] || fail "$1: no page for 'vector clock'"
		clocks=$(ls "$KB"/wiki/summaries/clock*.md | wc -l)
		assert_eq "$clocks" "$linking" "$1: summaries linking the concept"
	else
		[ -f "$page" ] && fail "$1: a page for 'vector clock', no concept"
		assert_eq 0 "$linking" "$1: summaries linking no concept"
	fi
	lint_clean
}

# A batch decides the status of its own documents' terms: each step's
# last add holds documents of the phrase.
kbctl init >/dev/null
gardens 1 240
kbctl add "$T/src" >/dev/null
clocks 1 80
step "80 of 320 documents (25 %)" 320 1
clocks 81 100
step "100 of 340 (29 %): still a concept" 340 1
clocks 101 120
step "120 of 360 (33 %): too common" 360 0
gardens 241 385
kbctl add "$T/src" >/dev/null
clocks 121 125
step "125 of 510 (24.5 %): a concept again" 510 1
