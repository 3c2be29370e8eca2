/*
 * Unit tests of tapes (workers/store/toktape.c): tokens of a text
 * recorded on one thread, with a counter of its own, and played to FTS5
 * on another as the "kbd" tokenizer would give them; any other text
 * tokenized as always; a real FTS5 table's integrity-check as the proof
 * that an index made from tapes is the index the text gives.
 */
#include <pthread.h>
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

static sqlite3		*db;
static fts5_tokenizer	 tk;
static Fts5Tokenizer	*tok;

/* Texts with every rule of the tokenizer: stems, compounds, CJK, marks. */
static const char *const texts[] = {
	"\x1f" "en\x1f" "The owls were hunting mice near the barns.",
	"\x1f" "en\x1f" "node.js, e-mail, foo_bar, C++ and C# at 3.11.2 "
	    "on .NET; end. -9 __init",
	"\x1f" "fr\x1f" "Les chevaux couraient dans les prés élevés.",
	"\x1f" "de\x1f" "Die Häuser über den Flüssen",
	"\x1f" "ja\x1f" "東京は日本の首都です。カタカナとひらがな。",
	"\x1f" "en\x1f" "Ünïcödé ΑΘΗΝΑ Москва résumé naïve",
	"",
	"\x1f" "en\x1f",
};
#define NTEXTS	(sizeof(texts) / sizeof(texts[0]))

/* Every token with its flags and offsets: "|tok@s-e" or "+tok@s-e". */
struct out {
	char	*buf;
	size_t	 len, cap;
};

static int
collect(void *arg, int flags, const char *t, int n, int s, int e)
{
	struct out	*o = arg;
	char		 head[32];
	int		 h;

	h = snprintf(head, sizeof(head), "%c%d-%d:",
	    (flags & FTS5_TOKEN_COLOCATED) ? '+' : '|', s, e);
	while (o->len + (size_t)h + (size_t)n + 1 > o->cap) {
		o->cap = o->cap ? o->cap * 2 : 256;
		o->buf = realloc(o->buf, o->cap);
		assert_non_null(o->buf);
	}
	memcpy(o->buf + o->len, head, (size_t)h);
	memcpy(o->buf + o->len + h, t, (size_t)n);
	o->len += (size_t)h + (size_t)n;
	o->buf[o->len] = '\0';
	return SQLITE_OK;
}

/* What FTS5's tokenizer gives text for a row: a tape's, or its own. */
static char *
doc_tokens(const char *text, int n)
{
	struct out	o;

	memset(&o, 0, sizeof(o));
	collect(&o, 0, "", 0, 0, 0);
	assert_int_equal(tk.xTokenize(tok, &o, FTS5_TOKENIZE_DOCUMENT, text,
	    n, collect), SQLITE_OK);
	return o.buf;
}

static int
setup(void **state)
{
	void	*ud;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tok_register(db), 0);
	assert_int_equal(tok_fts5_api(db)->xFindTokenizer(tok_fts5_api(db),
	    TOK_NAME, &ud, &tk), SQLITE_OK);
	assert_int_equal(tk.xCreate(ud, NULL, 0, &tok), SQLITE_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tk.xDelete(tok);
	sqlite3_close(db);
	return 0;
}

struct rec {
	struct tok_counter	*tc;
	struct tok_tape		 tape[NTEXTS];
	char			*copy[NTEXTS];
};

/* The recording thread: each text copied (the tape points at it). */
static void *
record_main(void *arg)
{
	struct rec	*r = arg;
	size_t		 i, n;

	for (i = 0; i < NTEXTS; i++) {
		n = strlen(texts[i]);
		r->copy[i] = malloc(n + 1);
		memcpy(r->copy[i], texts[i], n + 1);
		if (tok_tape_record(r->tc, &r->tape[i], r->copy[i],
		    (int)n) == -1)
			return r;
	}
	return NULL;
}

static void
record(struct rec *r)
{
	pthread_t	 tid;
	void		*res;

	memset(r, 0, sizeof(*r));
	assert_non_null(r->tc = tok_counter_new(db));
	assert_int_equal(pthread_create(&tid, NULL, record_main, r), 0);
	assert_int_equal(pthread_join(tid, &res), 0);
	assert_null(res);
}

static void
unrecord(struct rec *r)
{
	size_t	i;

	for (i = 0; i < NTEXTS; i++) {
		tok_tape_free(&r->tape[i]);
		free(r->copy[i]);
	}
	tok_counter_free(r->tc);
}

/*
 * A tape plays the tokens the tokenizer gives its text, offsets and
 * colocation included, for an equal text elsewhere in memory.
 */
static void
test_play_same(void **state)
{
	const struct tok_tape *use[NTEXTS];
	struct rec	 r;
	char		*want[NTEXTS], *got;
	size_t		 i;

	(void)state;
	for (i = 0; i < NTEXTS; i++)
		want[i] = doc_tokens(texts[i], (int)strlen(texts[i]));
	record(&r);
	for (i = 0; i < NTEXTS; i++) {
		use[i] = &r.tape[i];
		assert_non_null(r.tape[i].text);
	}
	/* The tapes hold the tokens: the stems and compounds' parts too. */
	assert_true(r.tape[0].len > strlen(texts[0]));
	assert_non_null(memmem(r.tape[1].buf, r.tape[1].len, "email", 5));
	tok_tapes_use(use, (int)NTEXTS);
	for (i = 0; i < NTEXTS; i++) {
		got = doc_tokens(texts[i], (int)strlen(texts[i]));
		assert_string_equal(got, want[i]);
		free(got);
		free(want[i]);
	}
	tok_tapes_use(NULL, 0);
	unrecord(&r);
}

/*
 * Only an equal text plays a tape: one of the same length that differs,
 * a query, and any text once the tapes are put away are tokenized.
 */
static void
test_play_only_equal(void **state)
{
	struct tok_tape	 forged;
	const struct tok_tape *use[1] = { &forged };
	struct tok_counter *tc;
	const char	*a = "\x1f" "en\x1f" "alpha beta gamma";
	const char	*b = "\x1f" "en\x1f" "alpha beta gammb";
	char		*want, *got;

	(void)state;
	memset(&forged, 0, sizeof(forged));
	assert_non_null(tc = tok_counter_new(db));
	assert_int_equal(tok_tape_record(tc, &forged, a, (int)strlen(a)), 0);
	want = doc_tokens(b, (int)strlen(b));
	tok_tapes_use(use, 1);
	got = doc_tokens(b, (int)strlen(b));
	assert_string_equal(got, want);
	free(got);
	free(want);
	/* The tape is what plays: pointed at b, it gives a's tokens. */
	forged.text = b;
	got = doc_tokens(b, (int)strlen(b));
	assert_non_null(strstr(got, "gamma"));
	assert_null(strstr(got, "gammb"));
	free(got);
	tok_tapes_use(NULL, 0);
	got = doc_tokens(b, (int)strlen(b));
	assert_non_null(strstr(got, "gammb"));
	free(got);
	tok_tape_free(&forged);
	tok_counter_free(tc);
}

static int
integrity(void)
{
	return sqlite3_exec(db, "INSERT INTO t(t) VALUES('integrity-check')",
	    NULL, NULL, NULL);
}

static int
count(const char *q)
{
	sqlite3_stmt	*st;
	int		 n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t "
	    "WHERE t MATCH ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
insert(sqlite3_stmt *st, int64_t id, const char *text)
{
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_reset(st);
}

/*
 * Rows inserted from tapes make the index their text makes (FTS5's
 * integrity-check tokenizes every row's content again and compares); a
 * tape of other tokens played for a text is what that check finds.
 */
static void
test_index_from_tapes(void **state)
{
	const struct tok_tape *use[NTEXTS];
	struct tok_tape	 forged;
	struct rec	 r;
	sqlite3_stmt	*st;
	size_t		 i;

	(void)state;
	assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING "
	    "fts5(body, tokenize = 'kbd')", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, body) "
	    "VALUES (?, ?)", -1, &st, NULL), SQLITE_OK);
	record(&r);
	for (i = 0; i < NTEXTS; i++)
		use[i] = &r.tape[i];
	tok_tapes_use(use, (int)NTEXTS);
	for (i = 0; i < NTEXTS; i++)
		insert(st, (int64_t)i + 1, texts[i]);
	tok_tapes_use(NULL, 0);
	assert_int_equal(integrity(), SQLITE_OK);
	assert_int_equal(count("hunt"), 1);
	assert_int_equal(count("email"), 1);
	assert_int_equal(count("首都"), 1);

	/* A forged tape: the index no longer agrees with the content. */
	memset(&forged, 0, sizeof(forged));
	assert_int_equal(tok_tape_record(r.tc, &forged, texts[2],
	    (int)strlen(texts[2])), 0);
	forged.text = texts[0];
	forged.n = (int)strlen(texts[0]);
	use[0] = &forged;
	tok_tapes_use(use, 1);
	insert(st, 100, texts[0]);
	tok_tapes_use(NULL, 0);
	assert_int_not_equal(integrity(), SQLITE_OK);
	sqlite3_finalize(st);
	tok_tape_free(&forged);
	unrecord(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_play_same),
		cmocka_unit_test(test_play_only_equal),
		cmocka_unit_test(test_index_from_tapes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
