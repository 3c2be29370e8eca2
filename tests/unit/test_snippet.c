/*
 * Unit tests of kbd_snippet (workers/store/snippet.c) in a real in-memory
 * FTS5 table with kbd's tokenizer: the window it picks, its markers and
 * ellipses, and, where FTS5's snippet() picks the same window (one match,
 * a short text, a sentence that starts at the match), the same bytes.
 * Every snippet is also taken as a search takes it (plan_render), and
 * from a prefix of the content row: the same bytes each way.
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

static sqlite3	*db;
static struct tok_counter *render_tc;

/*
 * plan_render(fts, n): a search's snippet of the row (dbreadsearch.c):
 * the window taken while FTS5's cursor is on the row (snip_plan_new),
 * the text from the content row through a blob, tokenized outside FTS5
 * (snip_render). snip compares it with kbd_snippet's.
 */
static void
plan_render(const Fts5ExtensionApi *api, Fts5Context *fts,
    sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	struct snip_plan	*pl;
	sqlite3_blob		*blob = NULL;
	char			*out = NULL;

	assert_int_equal(nval, 1);
	assert_non_null(pl = snip_plan_new(api, fts, 3,
	    sqlite3_value_int(val[0]), -1));
	assert_int_equal(sqlite3_blob_open(sqlite3_context_db_handle(ctx),
	    "main", "fts_content", "c3", api->xRowid(fts), 0, &blob),
	    SQLITE_OK);
	assert_non_null(out = snip_render(pl, blob, render_tc, "[", "]",
	    "..."));
	sqlite3_result_text(ctx, out, -1, free);
	sqlite3_blob_close(blob);
	snip_plan_free(pl);
}

static int
setup(void **state)
{
	fts5_api	*api;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tok_register(db), 0);
	assert_non_null(api = tok_fts5_api(db));
	assert_int_equal(api->xCreateFunction(api, "plan_render", NULL,
	    plan_render, NULL), SQLITE_OK);
	assert_non_null(render_tc = tok_counter_new(db));
	tok_set_query_langs(1u << tok_lang_by_code("en"));
	assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE fts USING "
	    "fts5(name, title, headings, body, tokenize = 'kbd')", NULL, NULL,
	    NULL), SQLITE_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tok_counter_free(render_tc);
	sqlite3_close(db);
	return 0;
}

static void
put_doc(int64_t id, const char *title, const char *body)
{
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO "
	    "fts(rowid, name, title, headings, body) VALUES (?, 'n', ?, '', ?)",
	    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* fn's snippet (kbd_snippet or snippet) of row id for query q: malloc'd. */
static char *
snip(const char *fn, int64_t id, const char *q, int ntok)
{
	sqlite3_stmt	*st;
	char		 sql[256];
	char		*out;

	/* Ours from the whole text, and from a prefix of the content row. */
	(void)snprintf(sql, sizeof(sql), "SELECT %s(fts, 3, '[', ']', '...', "
	    "%d)%s FROM fts WHERE fts MATCH ?1 AND rowid = ?2", fn, ntok,
	    strcmp(fn, "kbd_snippet") == 0 ? ", kbd_snippet(fts, 3, '[', ']', "
	    "'...', ?3, 'fts_content'), plan_render(fts, ?3)" : "");
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (strcmp(fn, "kbd_snippet") == 0)
		sqlite3_bind_int(st, 3, ntok);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	out = strdup((const char *)sqlite3_column_text(st, 0));
	assert_non_null(out);
	if (strcmp(fn, "kbd_snippet") == 0) {
		assert_string_equal(out, (const char *)sqlite3_column_text(st,
		    1));
		assert_string_equal(out, (const char *)sqlite3_column_text(st,
		    2));
	}
	sqlite3_finalize(st);
	return out;
}

/* Ours, checked to be FTS5's too. */
static char *
snip_same(int64_t id, const char *q, int ntok)
{
	char	*ours = snip("kbd_snippet", id, q, ntok);
	char	*theirs = snip("snippet", id, q, ntok);

	assert_string_equal(ours, theirs);
	free(theirs);
	return ours;
}

/* Ours is want (same: FTS5's snippet() too). */
static void
snip_is(int same, int64_t id, const char *q, int ntok, const char *want)
{
	char	*s = same ? snip_same(id, q, ntok) : snip("kbd_snippet", id, q,
		    ntok);

	assert_string_equal(s, want);
	free(s);
}

/* "f<from> ... f<to>" with word at position at (if from <= at <= to). */
static char *
words(int from, int to, int at, const char *word)
{
	size_t	 cap = (size_t)(to - from + 2) * 16 + 64, n = 0;
	char	*s = malloc(cap);
	int	 i;

	assert_non_null(s);
	s[0] = '\0';
	for (i = from; i <= to; i++) {
		if (i == at)
			n += (size_t)snprintf(s + n, cap - n, "%s%s",
			    n ? " " : "", word);
		else
			n += (size_t)snprintf(s + n, cap - n, "%sf%d",
			    n ? " " : "", i);
	}
	return s;
}

static void
test_short(void **state)
{
	(void)state;
	put_doc(1, "Birds", "The owls were hunting owls at night, owls "
	    "everywhere.");
	put_doc(2, "Tokyo", "東京は日本の首都です。");
	snip_is(1, 1, "owl", 16, "The [owls] were hunting [owls] at night, "
	    "[owls] everywhere.");
	snip_is(1, 1, "\"hunting owls\"", 16, "The owls were [hunting owls] at "
	    "night, owls everywhere.");
	snip_is(1, 1, "hunt", 16, "The owls were [hunting] owls at night, owls "
	    "everywhere.");
	snip_is(1, 2, "東京", 16, "[東京]は日本の首都です。");
}

/* One match deep in a long text: centred, ellipses, nothing after. */
static void
test_long(void **state)
{
	char	*body, *want, *mid;

	(void)state;
	body = words(0, 2999, 2000, "needle");
	put_doc(3, "Long", body);
	/* FTS5's centring: 16 tokens, the match the 8th. */
	mid = words(1993, 2008, 2000, "[needle]");
	assert_int_not_equal(asprintf(&want, "...%s...", mid), -1);
	snip_is(1, 3, "needle", 16, want);
	free(want);
	free(mid);
	/* At the very end: no trailing ellipsis. */
	free(body);
	body = words(0, 2999, 2999, "needle");
	put_doc(3, "Long", body);
	mid = words(2984, 2999, 2999, "[needle]");
	assert_int_not_equal(asprintf(&want, "...%s", mid), -1);
	snip_is(1, 3, "needle", 16, want);
	free(want);
	free(mid);
	free(body);
}

/* Two words: the window that holds both, not either alone. */
static void
test_two_phrases(void **state)
{
	(void)state;
	put_doc(4, "Two", "f0 f1 alpha f3 f4 f5 f6 f7 f8 f9 f10 f11 f12 f13 "
	    "f14 f15 f16 f17 f18 f19 f20 f21 beta f23 f24 f25 f26 f27 f28 f29 "
	    "f30 f31 f32 f33 f34 f35 alpha f37 beta f39 f40 f41 f42 f43 f44 "
	    "f45 f46 f47 f48 f49 f50 f51 f52 f53 f54 f55 f56 f57 f58 f59");
	snip_is(0, 4, "alpha beta", 8, "...f34 f35 [alpha] f37 [beta] f39 f40 "
	    "f41...");
	/* The first window of equals, from the text's start (a sentence's). */
	snip_is(1, 4, "alpha", 4, "f0 f1 [alpha] f3...");
	/* The first, not the densest: a later "alpha alpha alpha" loses. */
	put_doc(8, "Dense", "f0 f1 f2 alpha f4 f5 f6 f7 f8 f9 f10 f11 f12 f13 "
	    "f14 f15 f16 f17 f18 f19 alpha alpha alpha f23 f24 f25 f26 f27");
	snip_is(0, 8, "alpha", 4, "f0 f1 f2 [alpha]...");
}

/*
 * A window starts at the sentence its match is in when it still holds the
 * match: as snippet() does, and where the sentence starts at the match
 * too (snippet() centres that one: "...f97 f98 f99. [Needle] g1...").
 */
static void
test_sentence(void **state)
{
	char	*head, *body;

	(void)state;
	head = words(0, 99, -1, "");
	assert_int_not_equal(asprintf(&body, "%s. Some g1 needle g3 g4 g5 g6 "
	    "g7 g8 g9 g10 g11 g12 g13 g14 g15 g16 g17 g18 g19.", head), -1);
	put_doc(5, "Sentence", body);
	snip_is(1, 5, "needle", 8, "...Some g1 [needle] g3 g4 g5 g6 g7...");
	free(body);
	assert_int_not_equal(asprintf(&body, "%s. Needle g1 g2 g3 g4 g5 g6 g7 "
	    "g8 g9 g10 g11 g12 g13 g14 g15 g16 g17 g18 g19.", head), -1);
	put_doc(5, "Sentence", body);
	snip_is(0, 5, "needle", 8, "...[Needle] g1 g2 g3 g4 g5 g6 g7...");
	free(body);
	free(head);
}

/* No match in the column (the title matched): its first tokens. */
static void
test_title_only(void **state)
{
	char	*body, *want, *first;

	(void)state;
	body = words(0, 999, -1, "");
	put_doc(6, "Zebra crossing", body);
	first = words(0, 15, -1, "");
	assert_int_not_equal(asprintf(&want, "%s...", first), -1);
	snip_is(1, 6, "zebra", 16, want);
	free(want);
	free(first);
	free(body);
}

/* A CJK run after a long Latin text: bigrams counted, the window found. */
static void
test_cjk_long(void **state)
{
	char	*head, *body, *s;

	(void)state;
	head = words(0, 499, -1, "");
	assert_int_not_equal(asprintf(&body, "%s 東京は日本の首都です。 tail "
	    "words here", head), -1);
	put_doc(7, "Mixed", body);
	s = snip("kbd_snippet", 7, "首都", 6);
	assert_non_null(strstr(s, "[首都]"));
	assert_true(strncmp(s, "...", 3) == 0);
	free(s);
	free(body);
	free(head);
}

/*
 * A column of SNIP_PREFIX_MIN (4,096) tokens and more, of words far
 * longer than the 8 bytes a token the first prefix is read for (snip
 * compares every snippet from a prefix with the whole text's): the text
 * is read on until a token past the window is in it, and a window at the
 * text's very end still ends where the text does.
 */
static void
test_prefix(void **state)
{
	char	 word[64], *body, *s;
	size_t	 n = 0, cap = 6000 * 48;
	int	 i;

	(void)state;
	assert_non_null(body = malloc(cap));
	for (i = 0; i < 6000; i++) {
		(void)snprintf(word, sizeof(word), "w%040d", i);
		n += (size_t)snprintf(body + n, cap - n, "%s%s", i ? " " : "",
		    i == 150 || i == 5999 ? "owl" : word);
	}
	put_doc(8, "Long words", body);
	s = snip("kbd_snippet", 8, "owl", 16);
	assert_non_null(strstr(s, "[owl]"));
	assert_true(strncmp(s, "...", 3) == 0);
	assert_true(strlen(s) > 3 && strcmp(s + strlen(s) - 3, "...") == 0);
	free(s);
	s = snip("kbd_snippet", 8, "w0000000000000000000000000000000000005998",
	    4);
	assert_string_equal(s, "...w0000000000000000000000000000000000005996 "
	    "w0000000000000000000000000000000000005997 "
	    "[w0000000000000000000000000000000000005998] owl");
	free(s);
	free(body);
}

/*
 * Random texts and queries: whatever the window, the snippet without its
 * markers and ellipses is a run of the text, every marked run is a match
 * of a query word (stems: "owls" for owl), and a window of n tokens holds
 * at most n of them.
 */
static void
test_random(void **state)
{
	static const char *const vocab[] = { "owl", "owls", "mouse", "night",
	    "hunt.", "tree:", "東京", "the", "a", "C++", "e-mail", "x" };
	static const char *const queries[] = { "owl", "mouse", "owl night",
	    "東京", "the OR tree", "\"the owl\"", "hunting" };
	/* What each query may mark, between bars. */
	static const char *const marked[] = { "|owl|owls|", "|mouse|",
	    "|owl|owls|night|", "|東京|", "|the|tree|", "|the owl|",
	    "|hunt|" };
	char		 body[4096], plain[4096], span[64], *s, *p, *q, *e;
	size_t		 n, k;
	int		 round, i, nw, ntok, marks, ok;
	sqlite3_stmt	*st;

	(void)state;
	srandom(12345);
	for (round = 0; round < 400; round++) {
		n = 0;
		nw = (int)(random() % 300) + 1;
		for (i = 0; i < nw; i++)
			n += (size_t)snprintf(body + n, sizeof(body) - n, "%s%s",
			    i ? " " : "", vocab[random() % 12]);
		put_doc(100, "R", body);
		k = (size_t)(random() % 7);
		q = (char *)queries[k];
		ntok = (int)(random() % 20) + 1;
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM fts "
		    "WHERE fts MATCH ? AND rowid = 100", -1, &st, NULL),
		    SQLITE_OK);
		sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (!ok)
			continue;
		s = snip("kbd_snippet", 100, q, ntok);
		for (p = s; (p = strchr(p, '[')) != NULL; p = e) {
			e = strchr(p, ']');
			assert_non_null(e);
			assert_true(e - p < 60);
			(void)snprintf(span, sizeof(span), "|%.*s|",
			    (int)(e - p - 1), p + 1);
			if (strstr(marked[k], span) == NULL)
				fail_msg("round %d: %s marks %s in \"%s\"",
				    round, q, span, s);
		}
		p = s;
		if (strncmp(p, "...", 3) == 0)
			p += 3;
		for (k = 0, marks = 0; *p != '\0'; p++) {
			if (*p == '[' || *p == ']') {
				marks += *p == '[';
				continue;
			}
			plain[k++] = *p;
		}
		plain[k] = '\0';
		if (k >= 3 && strcmp(plain + k - 3, "...") == 0)
			plain[k - 3] = '\0';
		if (strstr(body, plain) == NULL)
			fail_msg("round %d: \"%s\" for %s is not in \"%s\"",
			    round, s, q, body);
		assert_true(marks <= ntok);
		free(s);
	}
}

static struct tok_counter	*skip_tc;

static int
count_run(void *arg, const char *run, int n)
{
	(void)arg;
	return tok_count(skip_tc, run, n);
}

/*
 * tok_skip against the tokenizer: random texts of ASCII words, joiners,
 * punctuation and letters beyond ASCII (accents, dashes, quotes, CJK),
 * with a language mark or not, and long texts of ASCII alone (tok_skip
 * counts them 64 bytes at a time); for every position, the text before the
 * offset holds the positions it says, no more than asked, and the text
 * from it the rest (so it is a token's start).
 */
static void
test_skip(void **state)
{
	static const char *const bits[] = { "owl", "C++", "e-mail", ".NET",
	    "3.11.2", "--", "...", "foo_bar", "caf\xc3\xa9", "\xe2\x80\x94",
	    "\xe2\x80\x9cquoted\xe2\x80\x9d", "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xaf",
	    "stra\xc3\x9f" "e", "a", "#", "x#", "(", "end.", "\n\n", "\xc2\xab" };
	static const char *const seps[] = { " ", "", "\t", ", ", "\xe2\x80\x94" };
	static const char *const ascii[] = { "owl", "C++", "e-mail", ".NET",
	    "3.11.2", "--", "...", "foo_bar", "a", "#", "x#", "(", "end.\n" };
	char		 text[4096];
	int		 round, i, n, total, pos, at, off;

	(void)state;
	assert_non_null(skip_tc = tok_counter_new(db));
	srandom(777);
	for (round = 0; round < 300; round++) {
		n = round % 3 == 0 ? snprintf(text, sizeof(text), "%c%s%c",
		    TOK_LANG_MARK, "fr", TOK_LANG_MARK) : 0;
		if (round % 2 == 0)
			for (i = 0; i < 1 + (int)(random() % 60); i++)
				n += snprintf(text + n, sizeof(text) -
				    (size_t)n, "%s%s", bits[random() % 20],
				    seps[random() % 5]);
		else	/* ASCII, long: counted 64 bytes at a time */
			for (i = 0; i < 1 + (int)(random() % 300); i++)
				n += snprintf(text + n, sizeof(text) -
				    (size_t)n, "%s%s", ascii[random() % 13],
				    seps[random() % 4]);
		total = tok_count(skip_tc, text, n);
		for (pos = 0; pos <= total + 1; pos++) {
			off = tok_skip(text, n, pos, &at, count_run, NULL);
			assert_true(off >= 0 && off <= n);
			assert_true(at <= pos);
			if (tok_count(skip_tc, text, off) != at)
				fail_msg("round %d, position %d: %d tokens "
				    "before offset %d, not %d: \"%s\"", round,
				    pos, tok_count(skip_tc, text, off), off, at,
				    text);
			assert_int_equal(tok_count(skip_tc, text + off, n -
			    off), total - at);
			/* No sooner than it need be: at the position's run. */
			if (pos < total)
				assert_true(at + tok_count(skip_tc, text + off,
				    (int)strcspn(text + off, " \t,\n(")) > pos ||
				    at == pos);
		}
	}
	tok_counter_free(skip_tc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_two_phrases),
		cmocka_unit_test(test_sentence),
		cmocka_unit_test(test_title_only),
		cmocka_unit_test(test_cjk_long),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_skip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
