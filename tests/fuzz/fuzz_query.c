/*
 * libFuzzer harness for the search query language (workers/store/query.c):
 * any bytes compile or fail with a message, never crash, and a compiled
 * query has as many parameters as its conditions have placeholders.
 * Compiled with the index's tokenizer too (a word as its forms, tok_forms):
 * then FTS5 parses the expression (an empty table: no hits, no error),
 * and the phrases' groups (query_groups) number runs from 0 in order,
 * an exact form's group (also) right after its word's.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "query.h"
#include "tokenizer.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static sqlite3			*db;
static sqlite3_stmt		*st;
static struct tok_counter	*tc;

static void
setup(void)
{
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    tok_register(db) == -1 || sqlite3_exec(db, "CREATE VIRTUAL TABLE "
	    "fts USING fts5(name, title, headings, body, tokenize = 'kbd')",
	    NULL, NULL, NULL) != SQLITE_OK || sqlite3_prepare_v2(db,
	    "SELECT count(*) FROM fts WHERE fts MATCH ?", -1, &st, NULL) !=
	    SQLITE_OK || (tc = tok_counter_new(db)) == NULL)
		abort();
	tok_set_query_langs(1u << tok_lang_by_code("en") |
	    1u << tok_lang_by_code("de"));
}

static void
check(const char *text, struct tok_counter *with)
{
	struct query	 q;
	char		 err[256];
	size_t		 marks = 0;
	const char	*p;
	int		 i, top;

	if (query_compile(text, &q, err, sizeof(err), with) != 0) {
		if (err[0] == '\0')
			abort();
		return;
	}
	for (p = q.where; *p != '\0'; p++)
		marks += *p == '?';
	if (marks != q.nparams || (q.match == NULL && q.where[0] == '\0'))
		abort();
	if (q.match != NULL) {
		if (q.group == NULL || q.also == NULL || q.nphrase < 1 ||
		    q.group[0] != 0)
			abort();
		/*
		 * A phrase continues its run or starts the next number; an
		 * exact form's group (also) is the number right after its
		 * own, taken by no phrase. Every number below ngroup is used.
		 */
		for (i = 0, top = -1; i < q.nphrase; i++) {
			if (i > 0 && q.group[i] != q.group[i - 1] &&
			    q.group[i] != top + 1)
				abort();
			if (q.group[i] > top)
				top = q.group[i];
			if (q.also[i] != -1 && (q.also[i] != q.group[i] + 1 ||
			    q.also[i] != top + 1))
				abort();
			if (q.also[i] > top)
				top = q.also[i];
		}
		if (q.ngroup != top + 1)
			abort();
		sqlite3_bind_text(st, 1, q.match, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			abort();
		sqlite3_reset(st);
	}
	query_free(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char	*text;

	if (db == NULL)
		setup();
	if ((text = malloc(len + 1)) == NULL)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	check(text, NULL);
	check(text, tc);
	free(text);
	return 0;
}
