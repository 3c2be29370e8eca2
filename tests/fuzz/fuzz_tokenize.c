/*
 * libFuzzer harness for the index's tokenizer (workers/store/tokenizer.c):
 * any bytes, tokenized as a document, a query, a prefix query or for
 * highlighting, give the same tokens, flags and offsets through the
 * tokenizer's own pass over ASCII (scan_tokens) as through unicode61 over
 * the whole text, and the same when the caller stops it early; every
 * token's offsets lie within the text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "tokenizer.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static sqlite3		*db;
static fts5_tokenizer	 tk;
static Fts5Tokenizer	*tok;

struct out {
	char	*buf;
	size_t	 len, size;
	int	 n;		/* the text's length */
	int	 stop;		/* answer SQLITE_DONE after this many */
};

static void
setup(void)
{
	fts5_api	*api;
	void		*ud;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    tok_register(db) == -1 || (api = tok_fts5_api(db)) == NULL ||
	    api->xFindTokenizer(api, TOK_NAME, &ud, &tk) != SQLITE_OK ||
	    tk.xCreate(ud, NULL, 0, &tok) != SQLITE_OK)
		abort();
}

static int
collect(void *arg, int flags, const char *t, int n, int s, int e)
{
	struct out	*o = arg;
	int		 k;

	if (n < 0 || s < 0 || e < s || e > o->n)
		abort();
	if (o->size - o->len < (size_t)n + 64) {
		o->size = 2 * o->size + (size_t)n + 64;
		if ((o->buf = realloc(o->buf, o->size)) == NULL)
			abort();
	}
	k = snprintf(o->buf + o->len, o->size - o->len, "%d:%d:%d:%d:", n,
	    flags, s, e);
	o->len += (size_t)k;
	memcpy(o->buf + o->len, t, (size_t)n);
	o->len += (size_t)n;
	return --o->stop == 0 ? SQLITE_DONE : SQLITE_OK;
}

static struct out
run(int flags, const char *text, int n, int stop, int scan)
{
	struct out	o = { NULL, 0, 0, n, stop };

	tok_scan_ascii = scan;
	if (tk.xTokenize(tok, &o, flags, text, n, collect) != SQLITE_OK)
		abort();
	tok_scan_ascii = 1;
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int flags[] = { FTS5_TOKENIZE_DOCUMENT,
	    FTS5_TOKENIZE_QUERY, FTS5_TOKENIZE_AUX,
	    FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX };
	struct out	 a, b;
	const char	*text;
	int		 n, f, stop;

	if (db == NULL)
		setup();
	if (size < 1 || size > 65536)
		return 0;
	f = flags[data[0] & 3];
	stop = data[0] >> 2 & 7;	/* 0: never */
	text = (const char *)data + 1;
	n = (int)size - 1;
	a = run(f, text, n, stop, 1);
	b = run(f, text, n, stop, 0);
	if (a.len != b.len || (a.len > 0 && memcmp(a.buf, b.buf, a.len) != 0))
		abort();
	free(a.buf);
	free(b.buf);
	return 0;
}
