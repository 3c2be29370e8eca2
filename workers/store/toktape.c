/*
 * Tapes (see tokenizer.h): a text's tokens as the "kbd" tokenizer gives
 * them for the index, recorded on one thread and played back to FTS5 on
 * another, the committer's, when it inserts that same text.
 *
 * Why: in a large add the committer's thread is the limit, and the
 * tokenizer's own work (unicode61, the compounds, the stems) was some
 * three fifths of the full-text rows' instructions (FTS5's hash of
 * pending terms the rest), while the machine's other core had time to
 * spare (docs/architecture.md, scale notes). The tokens are a function
 * of the text alone, so a tape recorded from the same bytes is the same
 * stream; a tape is played only for a text equal to the one it was
 * recorded from, compared byte for byte, and any other text (an old
 * row's delete, a text without a tape) is tokenized as always. FTS5's
 * integrity-check (kbctl lint) compares the index with a fresh
 * tokenization of every row's content.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "tokenizer.h"

/* A token's record: start, end, length << 1 | colocated; then its bytes. */
#define REC_HEAD	(3 * sizeof(int32_t))

/* The tapes the calling thread's next insert plays (tok_tapes_use). */
static _Thread_local const struct tok_tape *const *playing;
static _Thread_local int nplaying;

static int
record_cb(void *arg, int flags, const char *t, int n, int s, int e)
{
	struct tok_tape	*tp = arg;
	int32_t		 h[3];
	size_t		 need, cap;
	char		*b;

	if (n < 0 || n > INT32_MAX / 2)
		return SQLITE_ERROR;
	need = REC_HEAD + (size_t)n;
	if (tp->len + need > tp->cap) {
		/* About four bytes a byte of text: a token a word, a stem. */
		cap = tp->cap ? tp->cap * 2 : (size_t)tp->n * 4 + 64;
		while (cap < tp->len + need)
			cap *= 2;
		if ((b = realloc(tp->buf, cap)) == NULL)
			return SQLITE_NOMEM;
		tp->buf = b;
		tp->cap = cap;
	}
	h[0] = s;
	h[1] = e;
	h[2] = (int32_t)n << 1 | ((flags & FTS5_TOKEN_COLOCATED) != 0);
	memcpy(tp->buf + tp->len, h, sizeof(h));
	memcpy(tp->buf + tp->len + REC_HEAD, t, (size_t)n);
	tp->len += need;
	return SQLITE_OK;
}

int
tok_tape_record(struct tok_counter *c, struct tok_tape *tp, const char *text,
    int n)
{
	/* n sizes the buffer (record_cb); text says there are tokens. */
	tp->text = NULL;
	tp->n = n;
	tp->len = 0;
	if (tok_document(c, tp, text, n, record_cb) != SQLITE_OK) {
		tp->len = 0;
		tp->n = 0;
		return -1;
	}
	tp->text = text;
	return 0;
}

void
tok_tape_free(struct tok_tape *tp)
{
	free(tp->buf);
	memset(tp, 0, sizeof(*tp));
}

void
tok_tapes_use(const struct tok_tape *const *tapes, int n)
{
	playing = tapes;
	nplaying = tapes != NULL ? n : 0;
}

int
tok_tape_play(const char *text, int n, void *ctx,
    int (*cb)(void *, int, const char *, int, int, int))
{
	const struct tok_tape	*tp = NULL;
	int32_t			 h[3];
	size_t			 at;
	int			 i, rc;

	for (i = 0; i < nplaying && tp == NULL; i++)
		if (playing[i] != NULL && playing[i]->text != NULL &&
		    playing[i]->n == n && memcmp(playing[i]->text, text,
		    (size_t)n) == 0)
			tp = playing[i];
	if (tp == NULL)
		return -1;
	for (at = 0; at < tp->len; at += REC_HEAD + (size_t)(h[2] >> 1)) {
		memcpy(h, tp->buf + at, sizeof(h));
		rc = cb(ctx, (h[2] & 1) ? FTS5_TOKEN_COLOCATED : 0,
		    tp->buf + at + REC_HEAD, h[2] >> 1, h[0], h[1]);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}
