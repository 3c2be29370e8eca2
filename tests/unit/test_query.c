/*
 * Unit tests of the search query language (workers/store/query.c): what
 * each construct compiles to, that SQLite's FTS5 accepts every compiled
 * query and finds what it means on a small in-memory index with the
 * registry's columns, and the one-line errors, column included.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "query.h"
#include "tokenizer.h"

static sqlite3	*db;
/* The tokenizer that says which words the index holds (test_punct). */
static struct tok_counter *tc;

static void
exec(const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	exec("CREATE TABLE documents(id INTEGER PRIMARY KEY, name TEXT, "
	    "title TEXT, ext TEXT, src_path TEXT, added_at INTEGER);"
	    "CREATE VIRTUAL TABLE fts USING fts5(name, title, body);");
	/* 2026-01-15, 2026-02-10, 2025-12-31 23:59:59 UTC */
	exec("INSERT INTO documents VALUES"
	    "(1, 'owls', 'Owls of the night', 'md', '/home/u/notes/owls.md', "
	    "1768435200),"
	    "(2, 'loop', 'The event loop', 'pdf', '/home/u/docs/loop.pdf', "
	    "1770681600),"
	    "(3, 'cpp', 'C++ notes', 'txt', '/srv/cpp.txt', 1767225599);"
	    "INSERT INTO fts(rowid, name, title, body) VALUES"
	    "(1, 'owls', 'Owls of the night', 'owls hunt mice at night'),"
	    "(2, 'loop', 'The event loop', 'every event loop runs tasks at "
	    "night'),"
	    "(3, 'cpp', 'C++ notes', 'templates and the event model');");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sqlite3_close(db);
	return 0;
}

static void
compile_ok(const char *text, struct query *q)
{
	char	err[256];

	if (query_compile(text, q, err, sizeof(err), tc) != 0)
		fail_msg("%s: %s", text, err);
}

/* The ids a query finds, in id order, as "1,3". */
static void
ids(const char *text, const char *want)
{
	struct query	 q;
	sqlite3_stmt	*st;
	char		*sql, got[64] = "";
	size_t		 i;
	int		 r, n = 0;

	compile_ok(text, &q);
	if (q.match != NULL)
		r = asprintf(&sql, "SELECT d.id FROM fts JOIN documents d ON "
		    "d.id = fts.rowid WHERE fts MATCH ?%s ORDER BY d.id",
		    q.where);
	else
		r = asprintf(&sql, "SELECT d.id FROM documents d WHERE 1%s "
		    "ORDER BY d.id", q.where);
	assert_true(r > 0);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s: %s", text, sql, sqlite3_errmsg(db));
	i = 1;
	if (q.match != NULL)
		sqlite3_bind_text(st, (int)i++, q.match, -1, SQLITE_STATIC);
	for (; i - (q.match != NULL) <= q.nparams; i++) {
		struct query_param *p = &q.params[i - 1 - (q.match != NULL)];

		if (p->is_int)
			sqlite3_bind_int64(st, (int)i, p->num);
		else
			sqlite3_bind_text(st, (int)i, p->text, -1,
			    SQLITE_STATIC);
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		n += snprintf(got + n, sizeof(got) - (size_t)n, "%s%d",
		    n ? "," : "", sqlite3_column_int(st, 0));
	if (r != SQLITE_DONE)
		fail_msg("%s: %s (match %s)", text, sqlite3_errmsg(db),
		    q.match);
	sqlite3_finalize(st);
	free(sql);
	if (strcmp(got, want) != 0)
		fail_msg("%s (match %s where%s): got \"%s\", want \"%s\"", text,
		    q.match ? q.match : "-", q.where, got, want);
	query_free(&q);
}

/*
 * A plain word as the parser compiles it: the word with its stems, or its
 * exact form (the tokenizer's mark), so exact forms rank higher.
 */
#define W(x)	"(\"" x "\" OR \"\x1e" x "\")"
/*
 * With the index's tokenizer (test_punct), a word's forms, each a string
 * of one token (tokenizer.h, tok_forms), and its exact form.
 */
#define F(x)	"\"\x1d" x "\""
#define X(x)	"\"\x1e" x "\""
/* A form that is the exact form too: the exact string is left out. */
#define B(x)	"\"\x1c" x "\""

static void
match_is(const char *text, const char *want)
{
	struct query	q;

	compile_ok(text, &q);
	assert_non_null(q.match);
	assert_string_equal(q.match, want);
	query_free(&q);
}

static void
error_is(const char *text, const char *want)
{
	struct query	q;
	char		err[256];

	if (query_compile(text, &q, err, sizeof(err), tc) == 0)
		fail_msg("%s: compiled to %s", text, q.match);
	if (strcmp(err, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", text, err, want);
}

static void
test_compiled(void **state)
{
	(void)state;
	match_is("owl", W("owl"));
	match_is("c++", W("c++"));
	match_is("C# node.js", "(" W("C#") " AND " W("node.js") ")");
	match_is("a OR b", "(" W("a") " OR " W("b") ")");
	match_is("a -b", "(" W("a") " NOT " W("b") ")");
	match_is("a NOT b c", "(" W("a") " AND " W("c") " NOT " W("b") ")");
	match_is("\"event loop\"", "\"event loop\"");
	match_is("ev*", "\"ev\"*");
	match_is("title:owls", "title : \"owls\"");
	match_is("title:\"event loop\"", "title : \"event loop\"");
	match_is("(a OR b) c", "((" W("a") " OR " W("b") ") AND " W("c") ")");
	match_is("a AND b", "(" W("a") " AND " W("b") ")");
	/* FTS5 syntax in a word is text for the tokenizer, not syntax. */
	match_is("NEAR(a b)", "(" W("NEAR") " AND ((" W("a") " AND " W("b") ")))");
	match_is("\"a:b\"", "\"a:b\"");
	match_is("note:", W("note:"));
	match_is("std::vector", W("std::vector"));
}

static void
test_semantics(void **state)
{
	(void)state;
	ids("night", "1,2");
	ids("event loop", "2");
	ids("event OR owls", "1,2,3");
	ids("event -night", "3");
	ids("event NOT night", "3");
	ids("event -(loop OR templates)", "");
	ids("\"event loop\"", "2");
	ids("\"loop event\"", "");
	ids("ev*", "2,3");
	ids("title:owls", "1");
	ids("title:event", "2");
	ids("title:ev*", "2");
	ids("type:pdf event", "2");
	ids("type:.PDF event", "2");
	ids("-type:pdf event", "3");
	ids("type:md", "1");
	ids("path:*.txt", "3");
	ids("path:docs/*", "2");
	ids("path:/srv/*", "3");
	ids("added:>2026-01-01", "1,2");
	ids("added:>=2026-01-15", "1,2");
	ids("added:>2026-01-15", "2");
	ids("added:<2026-01-01", "3");
	ids("added:<=2026-01-15", "1,3");
	ids("added:2026-01", "1");
	ids("added:2026", "1,2");
	ids("added:2025-12-31", "3");
	ids("(owls OR templates) night", "1");
}

static void
test_lang(void **state)
{
	struct query	q;

	(void)state;
	compile_ok("lang:de owl", &q);
	assert_int_equal(q.uses_lang, 1);
	assert_string_equal(q.where, " AND d.lang = ?");
	assert_int_equal(q.nparams, 1);
	assert_string_equal(q.params[0].text, "de");
	query_free(&q);
	compile_ok("owl", &q);
	assert_int_equal(q.uses_lang, 0);
	assert_string_equal(q.where, "");
	query_free(&q);
	/* Any case, a Snowball name or a tag: the code documents.lang holds. */
	compile_ok("lang:FR owl", &q);
	assert_string_equal(q.params[0].text, "fr");
	query_free(&q);
	compile_ok("lang:french owl", &q);
	assert_string_equal(q.params[0].text, "fr");
	query_free(&q);
	compile_ok("lang:pt-BR owl", &q);
	assert_string_equal(q.params[0].text, "pt");
	query_free(&q);
	compile_ok("lang:en_US owl", &q);
	assert_string_equal(q.params[0].text, "en");
	query_free(&q);
	error_is("owl lang:xx", "lang: unknown language \"xx\" at column 5");
	error_is("lang:x-fr", "lang: unknown language \"x-fr\" at column 1");
	error_is("lang:english-x", "lang: unknown language \"english-x\" at "
	    "column 1");
}

static void
test_errors(void **state)
{
	(void)state;
	error_is("", "empty query");
	error_is("   \t ", "empty query");
	error_is("!!!", "\"!!!\" has no letter or digit to search for at "
	    "column 1");
	error_is("foo \"bar", "unbalanced quote at column 5");
	error_is("search \"x", "unbalanced quote at column 8");
	error_is("(a OR b", "unbalanced parenthesis at column 1");
	error_is("a) b", "unbalanced parenthesis at column 2");
	error_is("OR", "OR needs a term on each side at column 1");
	error_is("a OR", "OR needs a term on each side at column 3");
	error_is("OR a", "OR needs a term on each side at column 1");
	error_is("a OR OR b", "OR needs a term on each side at column 6");
	error_is("-a", "only exclusions at column 1 (add a word to search "
	    "for)");
	error_is("NOT a -b", "only exclusions at column 1 (add a word to "
	    "search for)");
	error_is("a - b", "nothing after '-' at column 3");
	error_is("a NOT", "NOT needs a term after it at column 3");
	error_is("foo:bar", "unknown field \"foo:\" at column 1 (fields: "
	    "title type path lang added; quote a word to search for it)");
	error_is("added:2026-13", "added: bad date \"2026-13\" at column 1 "
	    "(expected added:YYYY-MM-DD, YYYY-MM or YYYY, after > >= < <= or "
	    "none)");
	error_is("added:2025-02-29", "added: bad date \"2025-02-29\" at "
	    "column 1 (expected added:YYYY-MM-DD, YYYY-MM or YYYY, after > "
	    ">= < <= or none)");
	error_is("x added:>yesterday", "added: bad date \"yesterday\" at "
	    "column 3 (expected added:YYYY-MM-DD, YYYY-MM or YYYY, after > "
	    ">= < <= or none)");
	error_is("()", "empty parentheses at column 1");
	error_is("owl title:", "title: needs a value at column 5");
	error_is("type: x", "type: needs a value at column 1");
	error_is("\"\"", "empty phrase at column 1");
	error_is("type:pdf OR x", "a field cannot be one side of OR at "
	    "column 1 (a field applies to the whole query: group the "
	    "alternatives in parentheses)");
	error_is("(type:pdf x)", "type: cannot stand inside parentheses at "
	    "column 2 (put it outside them)");
	error_is("type:p/f x", "type: bad value \"p/f\" at column 1");
	/* Columns count characters, not bytes. */
	error_is("\xc3\xa9t\xc3\xa9 \"x", "unbalanced quote at column 5");
}

/*
 * Words of punctuation alone ("—", "«", "…": non-ASCII, so they pass the
 * letter test) are left out as the index leaves them out: FTS5 would take
 * each for a phrase that matches nothing, and "pickle — Python object
 * serialization", a page's own title, found nothing.
 */
static void
test_punct(void **state)
{
	(void)state;
	assert_int_equal(tok_register(db), 0);
	assert_non_null(tc = tok_counter_new(db));
	/* The exact form is the folded word: one string for both. */
	match_is("pickle \xe2\x80\x94 Python", "((" B("pickle") " OR "
	    F("\x01" "pickl") " OR " F("pickl") ") AND (" B("python") " OR "
	    F("\x01" "python") "))");
	match_is("\xc2\xab owl \xc2\xbb \xe2\x80\xa6", "(" B("owl") " OR "
	    F("\x01" "owl") ")");
	match_is("owl -\xe2\x80\x94", "(" B("owl") " OR " F("\x01" "owl")
	    ")");
	ids("owls \xe2\x80\x94 night", "1");
	/* Words the index holds are kept, CJK and accented ones included. */
	match_is("\xe6\x9d\xb1\xe4\xba\xac", "(" B("\xe6\x9d\xb1\xe4\xba\xac")
	    ")");
	match_is("caf\xc3\xa9", "(" B("cafe") " OR " F("\x01" "caf\xc3\xa9")
	    " OR " F("caf\xc3\xa9") ")");
	error_is("\xe2\x80\x94", "\"\xe2\x80\x94\" has no letter or digit "
	    "to search for at column 1");
	error_is("\"\xe2\x80\x94\"", "\"\xe2\x80\x94\" has no letter or "
	    "digit to search for at column 1");
	error_is("title:\xe2\x80\x94", "title: needs a word at column 1");
	error_is("\xe2\x80\x94 -owl", "only exclusions at column 1 (add a "
	    "word to search for)");
	tok_counter_free(tc);
	tc = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiled),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_lang),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_punct),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
