/*
 * Unit tests of kbd_rank (workers/store/rank.c) with the queries
 * query_compile writes, in a real in-memory FTS5 table with kbd's
 * tokenizer: a word written as its forms, each a string of one token
 * (tok_forms), finds the same rows with the same scores as the word
 * written as one string of synonyms; and a word in more than half the
 * rows is ranked by its title and headings, not by how often its body
 * says it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "tokenizer.h"
#include "query.h"

#define MAXHITS	64

static sqlite3			*db;
static struct tok_counter	*tc;
static struct rank_cache	*cache;

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tok_register(db), 0);
	tok_set_query_langs(1u << tok_lang_by_code("en") |
	    1u << tok_lang_by_code("fr"));
	assert_non_null(tc = tok_counter_new(db));
	assert_non_null(cache = rank_cache_new());
	assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE fts USING "
	    "fts5(name, title, headings, body, tokenize = 'kbd')", NULL, NULL,
	    NULL), SQLITE_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rank_cache_free(cache);
	tok_counter_free(tc);
	sqlite3_close(db);
	return 0;
}

static void
put_doc(int64_t id, const char *title, const char *headings,
    const char *body)
{
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO "
	    "fts(rowid, name, title, headings, body) VALUES (?, 'n', ?, ?, ?)",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, headings, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, body, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

struct hits {
	int	 n;
	int64_t	 row[MAXHITS];
	double	 score[MAXHITS];
};

/*
 * The rows q finds, best first, as dbread_search ranks them: compiled
 * with the tokenizer (forms, grouped) or without (synonyms), with the
 * connection's cache at version.
 */
static void
ranked(const char *text, int forms, unsigned version, struct hits *h)
{
	struct query	 q;
	sqlite3_stmt	*st;
	char		 err[256];

	if (query_compile(text, &q, err, sizeof(err), forms ? tc : NULL) != 0)
		fail_msg("%s: %s", text, err);
	assert_non_null(q.match);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid, rank FROM fts "
	    "WHERE fts MATCH ? AND rank MATCH 'kbd_rank(2.0, 10.0, 4.0, 1.0)' "
	    "ORDER BY rank, rowid", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, q.match, -1, SQLITE_STATIC);
	rank_cache_use(cache, q.match, version, q.group, q.also,
	    q.nphrase);
	h->n = 0;
	while (sqlite3_step(st) == SQLITE_ROW && h->n < MAXHITS) {
		h->row[h->n] = sqlite3_column_int64(st, 0);
		h->score[h->n++] = sqlite3_column_double(st, 1);
	}
	rank_cache_use(NULL, NULL, 0, NULL, NULL, 0);
	sqlite3_finalize(st);
	query_free(&q);
}

/* A word's forms: its own strings, one group; the exact form another. */
static void
test_groups(void **state)
{
	struct query	q;
	char		err[256];

	(void)state;
	assert_int_equal(query_compile("owls \"event loop\" -night ev*", &q,
	    err, sizeof(err), tc), 0);
	/*
	 * owls (its exact form too), \x01owl, owl | owls exact, no phrase
	 * of its own | "event loop" | ev* | night's, and its exact form.
	 */
	assert_non_null(strstr(q.match, "(\"\x1cowls\" OR \"\x1d\x01owl\" OR "
	    "\"\x1dowl\")"));
	assert_null(strchr(q.match, '\x1e'));
	assert_int_equal(q.nphrase, 7);
	assert_int_equal(q.ngroup, 6);
	assert_int_equal(q.group[0], 0);
	assert_int_equal(q.group[1], 0);
	assert_int_equal(q.group[2], 0);
	assert_int_equal(q.also[0], 1);
	assert_int_equal(q.also[1], -1);
	assert_int_equal(q.also[2], -1);
	assert_int_equal(q.group[3], 2);
	assert_int_equal(q.also[3], -1);
	assert_int_equal(q.group[4], 3);
	assert_int_equal(q.group[5], 4);
	assert_int_equal(q.group[6], 4);
	assert_int_equal(q.also[5], 5);
	assert_int_equal(q.also[6], -1);
	query_free(&q);
	/* Two words' forms side by side are two groups. */
	assert_int_equal(query_compile("title:owls title:night", &q, err,
	    sizeof(err), tc), 0);
	assert_int_equal(q.nphrase, 5);
	assert_int_equal(q.group[2], 0);
	assert_int_equal(q.group[3], 1);
	assert_int_equal(q.group[4], 1);
	assert_int_equal(q.ngroup, 2);
	query_free(&q);
	/* title: a word's forms, one group, no exact form of its own. */
	assert_int_equal(query_compile("title:owls", &q, err, sizeof(err), tc),
	    0);
	assert_string_equal(q.match, "title : (\"\x1dowls\" OR "
	    "\"\x1d\x01owl\" OR \"\x1dowl\")");
	assert_int_equal(q.nphrase, 3);
	assert_int_equal(q.group[2], 0);
	assert_int_equal(q.also[0], -1);
	query_free(&q);
	/* Without the tokenizer: a string of synonyms, a phrase each. */
	assert_int_equal(query_compile("owls", &q, err, sizeof(err), NULL), 0);
	assert_string_equal(q.match, "(\"owls\" OR \"\x1eowls\")");
	assert_int_equal(q.nphrase, 2);
	assert_int_equal(q.group[1], 1);
	assert_int_equal(q.also[0], -1);
	query_free(&q);
}

/*
 * Random pages and queries: the forms find what the synonyms find, and
 * score each row the same (the same sums: bit for bit, or nearly, as
 * their order is the same), with the cache cold and warm.
 */
static void
test_forms_same(void **state)
{
	static const char *const vocab[] = { "owl", "owls", "hunting",
	    "hunted", "hunt", "night", "nights", "mouse", "mice", "tree",
	    "trees", "the", "running", "runs", "chats", "chat", "C++",
	    "e-mail", "東京", "café", "cafés" };
	static const char *const queries[] = { "owl", "owls", "hunting",
	    "owls night", "hunt OR trees", "owl -mouse", "\"owls hunting\"",
	    "title:owl", "run*", "chat", "café", "C++ owl", "e-mail",
	    "東京", "nights trees", "the", "the owls", "(owl OR mouse) tree" };
	static const char *const nv = "0123456789";
	char		 title[256], head[256], body[2048];
	struct hits	 a, b;
	size_t		 nq = sizeof(queries) / sizeof(queries[0]), nw;
	int		 doc, i, k, round, n;
	unsigned	 version;

	(void)state;
	nw = sizeof(vocab) / sizeof(vocab[0]);
	srandom(4242);
	for (doc = 1; doc <= 60; doc++) {
		title[0] = head[0] = body[0] = '\0';
		for (i = 0, n = 0; i < 1 + (int)(random() % 3); i++)
			n += snprintf(title + n, sizeof(title) - (size_t)n,
			    "%s ", vocab[random() % nw]);
		for (i = 0, n = 0; i < (int)(random() % 4); i++)
			n += snprintf(head + n, sizeof(head) - (size_t)n,
			    "%s ", vocab[random() % nw]);
		for (i = 0, n = 0; i < 5 + (int)(random() % 120); i++)
			n += snprintf(body + n, sizeof(body) - (size_t)n,
			    "%s%c ", vocab[random() % nw], nv[random() % 10]
			    == '0' ? '.' : ',');
		put_doc(doc, title, head, body);
	}
	for (round = 0, version = 1; round < 2; round++, version++)
		for (k = 0; k < (int)nq; k++) {
			ranked(queries[k], 0, version, &a);
			ranked(queries[k], 1, version, &b);
			if (a.n != b.n)
				fail_msg("%s: %d rows as synonyms, %d as forms",
				    queries[k], a.n, b.n);
			assert_true(a.n > 0);
			for (i = 0; i < a.n; i++) {
				if (a.row[i] != b.row[i])
					fail_msg("%s: hit %d is row %lld as "
					    "synonyms, %lld as forms",
					    queries[k], i, (long long)a.row[i],
					    (long long)b.row[i]);
				if (a.score[i] - b.score[i] > 1e-12 ||
				    b.score[i] - a.score[i] > 1e-12)
					fail_msg("%s: row %lld scores %.17g as "
					    "synonyms, %.17g as forms",
					    queries[k], (long long)a.row[i],
					    a.score[i], b.score[i]);
			}
		}
}

/*
 * A word in more than half the rows: its body does not rank (a page
 * saying "the" a hundred times is no better), its title and headings do.
 */
static void
test_floor(void **state)
{
	char		 many[4096];
	struct hits	 h;
	int		 i, n = 0;

	(void)state;
	assert_int_equal(sqlite3_exec(db, "DELETE FROM fts", NULL, NULL,
	    NULL), SQLITE_OK);
	for (i = 0; i < 200; i++)
		n += snprintf(many + n, sizeof(many) - (size_t)n, "value ");
	put_doc(1, "One", "", "a value here");
	put_doc(2, "Two", "", many);
	put_doc(3, "Three", "Return value", "the value it gives");
	put_doc(4, "Four", "", "no such word");
	ranked("value", 1, 20, &h);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.row[0], 3);
	/* The other two alike, whatever their bodies' counts. */
	assert_true(h.score[1] == 0.0 && h.score[2] == 0.0);
	/* A rarer word still counts its body: 200 times over once. */
	put_doc(5, "Five", "", "no word");
	put_doc(6, "Six", "", "no word");
	put_doc(7, "Seven", "", "nothing");
	put_doc(8, "Eight", "", "nothing");
	ranked("value", 1, 21, &h);
	assert_int_equal(h.n, 3);
	for (i = 0; h.row[i] != 2; i++)
		assert_int_not_equal(h.row[i], 1);
}

/*
 * A word whose forms are in most rows (the floor: their bodies do not
 * count) and whose exact form in few: the exact form's body counts, and
 * its positions are not the forms' walk's (which stops at the headings).
 * The same scores as the phrase of synonyms with its exact string.
 */
static void
test_floor_exact(void **state)
{
	char		 many[4096];
	struct hits	 a, b;
	int		 i, n = 0;

	(void)state;
	assert_int_equal(sqlite3_exec(db, "DELETE FROM fts", NULL, NULL,
	    NULL), SQLITE_OK);
	for (i = 0; i < 50; i++)
		n += snprintf(many + n, sizeof(many) - (size_t)n, "hunt ");
	for (i = 1; i <= 8; i++)
		put_doc(i, "Owls", "", "owls hunting at night, hunted mice");
	put_doc(9, "Hunt", "", "a hunt");
	put_doc(10, "Woods", "", many);
	/* A data version of its own: the row-size cache is keyed by it. */
	ranked("hunt", 0, 40, &a);
	ranked("hunt", 1, 40, &b);
	assert_int_equal(a.n, 10);
	assert_int_equal(b.n, 10);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(a.row[i], b.row[i]);
		if (a.score[i] - b.score[i] > 1e-12 ||
		    b.score[i] - a.score[i] > 1e-12)
			fail_msg("row %lld scores %.17g as synonyms, %.17g as "
			    "forms", (long long)a.row[i], a.score[i],
			    b.score[i]);
	}
	/* The title first; then 50 times in the body over the stems'. */
	assert_int_equal(b.row[0], 9);
	assert_int_equal(b.row[1], 10);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM fts", NULL, NULL,
	    NULL), SQLITE_OK);
}

/*
 * Two rows in one slot of the row-size cache (rowids 16,384 apart): each
 * is ranked by its own length, cold or warm, whichever was cached last.
 */
static void
test_sizes_slot(void **state)
{
	struct hits	 cold, warm, again;
	int64_t		 a = 7, b = 7 + 16384;
	double		 sa = 0, sb = 0;
	int		 i, k;

	(void)state;
	assert_int_equal(sqlite3_exec(db, "DELETE FROM fts", NULL, NULL,
	    NULL), SQLITE_OK);
	put_doc(a, "Short", "", "owl");
	put_doc(b, "Long", "", "owl and many other words that make this "
	    "body far longer than the first one is");
	/* Rows without the word, so that it weighs (test_floor). */
	for (i = 1; i <= 6; i++)
		put_doc(i, "Other", "", "nothing here");
	ranked("owl", 1, 30, &cold);
	ranked("owl", 1, 30, &warm);
	ranked("owl", 1, 30, &again);
	assert_int_equal(cold.n, 2);
	assert_int_equal(cold.row[0], a);
	for (k = 0; k < 2; k++) {
		const struct hits *h = k == 0 ? &warm : &again;

		assert_int_equal(h->n, cold.n);
		for (i = 0; i < cold.n; i++) {
			assert_int_equal(h->row[i], cold.row[i]);
			assert_true(h->score[i] == cold.score[i]);
		}
	}
	for (i = 0; i < cold.n; i++) {
		if (cold.row[i] == a)
			sa = cold.score[i];
		else
			sb = cold.score[i];
	}
	/* Scores are negative, lower is better: the short row first. */
	assert_true(sa < sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_forms_same),
		cmocka_unit_test(test_floor),
		cmocka_unit_test(test_floor_exact),
		cmocka_unit_test(test_sizes_slot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
