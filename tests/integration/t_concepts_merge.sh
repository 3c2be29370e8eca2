# The concept registry's side table (schema 18): a batch's terms go to
# concept_terms_new and move into concept_terms in runs (conceptdb_merge).
# Two KBs take the same adds, an update and a remove of real pages
# (python3.11-doc's tutorial and howtos): one merging at the default
# bound (never, at this size), one at every batch past 100 rows. Their
# wikis and registries must not differ, whichever table holds a row;
# lint is clean in both.
# The second also keeps the count of every term that is no concept and is
# held by 2 documents or more in term_counts (schema 19; 64 by default,
# none at this size), where the first counts the rows: the same wiki, and
# each of its kept counts is the term's count, after every step and after
# the migration from schema 18 makes them again.
. "$(dirname "$0")/lib.sh"

HTML=/usr/share/doc/python3.11/html
[ -f "$HTML/tutorial/modules.html" ] || fail "python3.11-doc is not installed"
mkdir -p "$T/src"
cp -r "$HTML/tutorial" "$T/src/tutorial"

KB1=$KB
KB2=$T/kb2
on() {	# on KB cmd...: kbctl on that KB
	local kb=$1
	shift
	"$KBCTL" -C "$kb" "$@"
}
db() {	# db KB SQL
	sqlite3 -cmd '.timeout 10000' "$1/.kb/kb.db" "$2"
}
registry() {
	db "$1" "select d.name, t.term, t.count, t.weight, t.defn
	    from concept_terms_all t join documents d on d.id = t.doc
	    order by d.name, t.term;
	    select * from concepts order by term;
	    select * from concepts_pending order by term"
}
same() {	# same WHAT: the two KBs agree
	diff -r -x log.md "$KB1/wiki" "$KB2/wiki" > "$T/wiki.diff" ||
	    fail "$1: the wikis differ: $(head -n 20 "$T/wiki.diff")"
	registry "$KB1" > "$T/r1"
	registry "$KB2" > "$T/r2"
	[ -s "$T/r1" ] || fail "$1: no concept terms"
	cmp -s "$T/r1" "$T/r2" ||
	    fail "$1: the registries differ: $(diff "$T/r1" "$T/r2" | head -n 20)"
	for kb in "$KB1" "$KB2"; do
		out=$(on "$kb" lint --json) || fail "$1: lint of $kb: $out"
		# A document's rows are in one table or the other.
		assert_eq 0 "$(db "$kb" "select count(*) from
		    (select distinct doc from concept_terms)
		    join (select distinct doc from concept_terms_new) using (doc)")" \
		    "$1: documents with rows in both tables"
	done
	counts "$KB1" 64 "$1"
	counts "$KB2" 2 "$1"
	[ -s "$T/kept" ] || fail "$1: no count kept at 2 documents"
}
# counts KB KEEP WHAT: term_counts holds exactly the terms that are no
# concept and are held by KEEP documents or more, each with its count.
counts() {
	db "$1" "select term, ndocs from term_counts order by term" > "$T/kept"
	db "$1" "select term, count(*) from concept_terms_all
	    where term not in (select term from concepts)
	    group by term having count(*) >= $2 order by term" > "$T/counted"
	cmp -s "$T/kept" "$T/counted" ||
	    fail "$3: term_counts of $1: $(diff "$T/kept" "$T/counted" | head -n 20)"
}

on "$KB1" init >/dev/null
on "$KB2" init >/dev/null
on "$KB2" stop >/dev/null
# Started by the add, kbd's committer inherits the bound.
export KBD_CONCEPT_COUNT_KEEP=2
KBD_CONCEPT_MERGE_ROWS=100 on "$KB2" add "$T/src" >/dev/null
unset KBD_CONCEPT_COUNT_KEEP
on "$KB1" add "$T/src" >/dev/null
assert_eq 0 "$(db "$KB1" "select count(*) from concept_terms")" \
    "rows merged at the default bound"
[ "$(db "$KB2" "select count(*) from concept_terms")" -gt 0 ] ||
    fail "no run merged at a bound of 100 rows"
same "an add"

# More pages, then one changed and one removed: rows of both tables are
# deleted and replaced.
cp -r "$HTML/howto" "$T/src/howto"
for kb in "$KB1" "$KB2"; do on "$kb" add "$T/src" >/dev/null; done
same "a second add"
merged=$(db "$KB2" "select count(*) from concept_terms")
side=$(db "$KB2" "select count(*) from concept_terms_new")
# The first add's rows are in the index by term; what a run leaves
# behind is less than a run and one batch.
[ "$side" -lt "$merged" ] || fail "side table $side rows, index $merged"

printf '<html><body><h1>Classes</h1><p>A vector clock orders events. '\
'A vector clock merges replicas.</p></body></html>\n' \
    > "$T/src/tutorial/classes.html"
rm "$T/src/tutorial/modules.html"
for kb in "$KB1" "$KB2"; do on "$kb" sync "$T/src" >/dev/null; done
same "a sync with an update and a removal"

for kb in "$KB1" "$KB2"; do on "$kb" remove --path "$T/src/howto" >/dev/null; done
same "a remove"
on "$KB2" stop >/dev/null

# The migration to schema 19 counts the terms of a KB of 18.
db "$KB2" "drop table term_counts;
    update meta set value = '18' where key = 'schema'"
KBD_CONCEPT_COUNT_KEEP=2 on "$KB2" status >/dev/null
assert_eq "$SCHEMA" "$(db "$KB2" "select value from meta where key = 'schema'")" \
    "schema after the migration"
# (The step to 20 marks every concept page pending; lint flushes them.)
on "$KB2" lint >/dev/null
same "the migration from schema 18"
on "$KB2" stop >/dev/null

# A kept count gone wrong: lint says so, --fix deletes the row (the count
# is counted again until a batch keeps it anew), lint is clean after.
term=$(db "$KB2" "select min(term) from term_counts")
db "$KB2" "update term_counts set ndocs = ndocs + 1
    where term = (select min(term) from term_counts)"
out=$(on "$KB2" lint 2>&1) && fail "lint is clean with a wrong kept count"
case $out in
*"kept count of a term differs from its documents': $term; run kbctl lint --fix"*) ;;
*) fail "lint does not name the wrong count of '$term': $out" ;;
esac
out=$(on "$KB2" lint --fix 2>&1) || fail "lint --fix: $out"
case $out in
*"1 kept term count deleted"*) ;;
*) fail "lint --fix does not say it deleted the count: $out" ;;
esac
out=$(on "$KB2" lint --json) || fail "lint after --fix: $out"
db "$KB2" "select term, ndocs from term_counts order by term" > "$T/kept"
db "$KB2" "select term, count(*) from concept_terms_all
    where term not in (select term from concepts)
    group by term order by term" > "$T/counted"
wrong=$(LC_ALL=C comm -23 <(LC_ALL=C sort "$T/kept") \
    <(LC_ALL=C sort "$T/counted"))
[ -z "$wrong" ] || fail "a kept count is wrong after lint --fix: $wrong"
grep -q "^$term|" "$T/kept" && fail "the wrong count of '$term' is kept"
on "$KB2" stop >/dev/null
