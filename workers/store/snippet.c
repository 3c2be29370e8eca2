/*
 * The FTS5 auxiliary function kbd_snippet(col, open, close, ellipsis, n):
 * FTS5's snippet() with the same arguments and the same kind of answer, a
 * window of n tokens of column col around the best cluster of matches,
 * each match between open and close, an ellipsis where text is left out.
 *
 * Why our own: snippet() tokenizes the whole column twice (to find the
 * sentences, then to copy the window) and scores each match against every
 * other, so a hit on a long page (a library reference of 100,000 tokens,
 * "the" in it thousands of times) cost milliseconds: six searches in
 * seven of their time on python3.11-doc. Here the window is chosen from
 * the matches' positions alone (each phrase's position list, a sliding
 * window: linear), and the text is tokenized only up to the window's end.
 *
 * The window: the earliest with the most distinct phrases (snippet()
 * scores 1,000 a phrase and 1 a repeat; repeats are left out here, so the
 * window is the first that holds the most of the query). It starts at
 * the start of the sentence its first match is in when the window from
 * there still holds all its matches (snippet() prefers those too), else
 * it is centred on its matches. The tokens before the window's earliest
 * start are counted by tok_skip, a pass over the bytes.
 *
 * A search takes its hits' snippets in two halves (dbreadsearch.c): the
 * window while ranking, the cursor on the row (snip_plan_new), and the
 * text later, from the content row, tokenized outside FTS5 (snip_render):
 * no second MATCH. kbd_snippet is the two halves at once.
 *
 * kbd_snippet(col, open, close, ellipsis, n, content) reads a long
 * column's text from the table content (FTS5's "<table>_content", column
 * c<col>) as far as the window needs, not whole (xColumnText): reading a
 * long page was two thirds of a snippet's time, and most windows are
 * near its start. A prefix that ends before a token past the window is read
 * further, so the answer is the same as from the whole text.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "tokenizer.h"

/*
 * The callback's answer once past the window: the tokenizers stop on it
 * (and return SQLITE_OK: unicode61 takes it for "done").
 */
#define SNIP_STOP	SQLITE_DONE

/*
 * A column of fewer tokens is read whole (xColumnText): opening a blob
 * compiles a statement, more than reading 30 KB costs.
 */
#define SNIP_PREFIX_MIN	4096

/* Groups past the 64th share the last bit: a window counts fewer. */
#define GROUP_BITS	64

struct inst {
	int		 pos;		/* the first token */
	int		 end;		/* the last token */
	uint64_t	 groups;	/* of the phrases it coalesces */
};

struct snip {
	const char	*text;
	int		 ntext;
	int		 base;		/* where tokenizing starts in text */
	int		 pos;		/* the next token's position */
	int		 ntok;
	/* Before the window's start is known. */
	int		 first;		/* the first match's token */
	int		 want_start;	/* the window centred on its matches */
	int		 lo;		/* the earliest start that may be */
	int		 sent;		/* the last sentence start from lo on */
	int		*soff, *eoff;	/* each token's offsets from lo to first */
	/* Once it is known. */
	int		 start, stop;	/* the window's first and last token */
	int		 start_off, end_off;
	const struct inst *in;		/* the matches, sorted */
	int		 nin, cur;	/* cur: the next to mark */
	int		*mark;		/* each match's start and end offsets */
	int		 nmark;
	int		 stopped;	/* past the window: the text goes on */
};

/* A token preceded by white space after "." or ":" starts a sentence. */
static int
sentence_start(const char *text, int off)
{
	int	 i = off - 1;

	while (i >= 0 && (text[i] == ' ' || text[i] == '\t' ||
	    text[i] == '\n' || text[i] == '\r'))
		i--;
	return i != off - 1 && i >= 0 && (text[i] == '.' || text[i] == ':');
}

/* Decides the window's start, once the tokens up to the first match are. */
static void
snip_start(struct snip *p)
{
	const struct inst	*m;

	p->start = p->sent >= p->lo ? p->sent : p->want_start;
	p->stop = p->start + p->ntok - 1;
	p->start_off = p->soff[p->start - p->lo];
	while (p->cur < p->nin && p->in[p->cur].pos < p->start)
		p->cur++;
	/* Matches between the start and the first: their tokens are past. */
	for (; p->cur < p->nin && (m = &p->in[p->cur])->pos < p->first;
	    p->cur++) {
		p->mark[p->nmark++] = p->soff[m->pos - p->lo];
		p->mark[p->nmark++] = p->eoff[m->end - p->lo];
	}
}

static int
snip_token(void *arg, int tflags, const char *tok, int n, int s, int e)
{
	struct snip		*p = arg;
	const struct inst	*m;
	int			 pos;

	(void)tok;
	(void)n;
	if (tflags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	s += p->base;
	e += p->base;
	pos = p->pos++;
	if (p->start < 0) {
		if (pos >= p->lo) {
			p->soff[pos - p->lo] = s;
			p->eoff[pos - p->lo] = e;
			if (pos == 0 || sentence_start(p->text, s))
				p->sent = pos;
		}
		if (pos < p->first)
			return SQLITE_OK;
		snip_start(p);
	}
	if (pos > p->stop) {
		p->stopped = 1;
		return SNIP_STOP;
	}
	p->end_off = e;
	/* Open a match at its first token; its last (or the window's) ends it. */
	while (p->cur < p->nin && (m = &p->in[p->cur])->pos <= pos) {
		if (pos == m->pos) {
			p->mark[p->nmark++] = s;
			p->mark[p->nmark++] = e;
		} else
			p->mark[p->nmark - 1] = e;
		if (pos < m->end && pos < p->stop)
			break;
		p->cur++;
	}
	return SQLITE_OK;
}

/*
 * The matches of column col in order, overlapping ones coalesced (as
 * snippet() shows "a b" and "b c" as one), read as they are needed: a
 * merge of the phrases' position lists (each in order already), so a
 * window found early ends the reading (a common word on a long page).
 */
struct head {
	Fts5PhraseIter	 it;
	int		 col, off, sz;
	uint64_t	 group;		/* its bit */
};

struct merge {
	const Fts5ExtensionApi	*api;
	Fts5Context		*fts;
	int			 col, np;
	struct head		*h;
	struct inst		 pending;	/* .pos < 0: none */
	struct inst		*a;		/* the matches read so far */
	int			 n, cap;
	uint64_t		 present;	/* groups with a match in col */
};

/* Phrase k's next position in m->col, or col -1. */
static void
head_next(struct merge *m, struct head *h, int first, int k)
{
	if (first)
		(void)m->api->xPhraseFirst(m->fts, k, &h->it, &h->col, &h->off);
	else
		m->api->xPhraseNext(m->fts, &h->it, &h->col, &h->off);
	while (h->col >= 0 && h->col < m->col)
		m->api->xPhraseNext(m->fts, &h->it, &h->col, &h->off);
	if (h->col != m->col)
		h->col = -1;
}

static int
merge_init(struct merge *m, const Fts5ExtensionApi *api, Fts5Context *fts,
    int col)
{
	int	k, g, a;

	memset(m, 0, sizeof(*m));
	m->api = api;
	m->fts = fts;
	m->col = col;
	m->np = api->xPhraseCount(fts);
	m->pending.pos = -1;
	if ((m->h = calloc((size_t)m->np + 1, sizeof(*m->h))) == NULL)
		return SQLITE_NOMEM;
	for (k = 0; k < m->np; k++) {
		m->h[k].sz = api->xPhraseSize(fts, k);
		g = rank_group_of(m->np, k);
		m->h[k].group = (uint64_t)1 << (g < GROUP_BITS ? g :
		    GROUP_BITS - 1);
		/* A form that is the exact form too: both groups. */
		if ((a = rank_also_of(m->np, k)) >= 0)
			m->h[k].group |= (uint64_t)1 << (a < GROUP_BITS ? a :
			    GROUP_BITS - 1);
		head_next(m, &m->h[k], 1, k);
		if (m->h[k].col >= 0)
			m->present |= m->h[k].group;
	}
	return SQLITE_OK;
}

/* The next match of any phrase, least (start, end) first, or 0. */
static int
merge_raw(struct merge *m, struct inst *r)
{
	struct head	*h;
	int		 k, best = -1, end, bend = 0;

	for (k = 0; k < m->np; k++) {
		h = &m->h[k];
		if (h->col < 0)
			continue;
		end = h->off + (h->sz > 0 ? h->sz - 1 : 0);
		if (best < 0 || h->off < m->h[best].off ||
		    (h->off == m->h[best].off && end < bend)) {
			best = k;
			bend = end;
		}
	}
	if (best < 0)
		return 0;
	r->pos = m->h[best].off;
	r->end = bend;
	r->groups = m->h[best].group;
	head_next(m, &m->h[best], 0, best);
	return 1;
}

/*
 * Appends the next match, coalesced with all that overlap it: 1, 0 at
 * the end, -1 out of memory.
 */
static int
merge_pull(struct merge *m)
{
	struct inst	 r, *t;
	int		 more, cap;

	for (;;) {
		more = merge_raw(m, &r);
		if (more && m->pending.pos >= 0 && r.pos <= m->pending.end) {
			if (r.end > m->pending.end)
				m->pending.end = r.end;
			m->pending.groups |= r.groups;
			continue;
		}
		if (m->pending.pos < 0) {
			if (!more)
				return 0;
			m->pending = r;
			continue;
		}
		if (m->n == m->cap) {
			cap = m->cap ? m->cap * 2 : 16;
			if ((t = realloc(m->a, (size_t)cap * sizeof(*t))) ==
			    NULL)
				return -1;
			m->a = t;
			m->cap = cap;
		}
		m->a[m->n++] = m->pending;
		if (more)
			m->pending = r;
		else
			m->pending.pos = -1;
		return 1;
	}
}

/* Match i is read (or there is none): 1, 0, or -1 out of memory. */
static int
merge_have(struct merge *m, int i)
{
	int	r;

	while (i >= m->n)
		if ((r = merge_pull(m)) <= 0)
			return r;
	return 1;
}

/* Adds (by 1) or removes (by -1) a match's groups from a window's. */
static void
window_add(int *cnt, uint64_t groups, int by, int *distinct)
{
	int	b;

	for (; groups != 0; groups &= groups - 1) {
		b = __builtin_ctzll(groups);
		if (by > 0 && cnt[b]++ == 0)
			(*distinct)++;
		else if (by < 0 && --cnt[b] == 0)
			(*distinct)--;
	}
}

/*
 * The best window's first and last match (indexes into m->a), by a
 * sliding window over the matches: the most distinct groups (a word's
 * forms are one, its exact form another: rank_group_of), the earliest of
 * equals. Not the most matches too (snippet() adds 1 a repeat): the text
 * is tokenized up to the window, and on a long page the window where a
 * common word repeats most may be anywhere, where its first is near the
 * top. A window with every group the column has ends the search; the
 * matches up to its reach are read, for the marks.
 */
static int
best_window(struct merge *m, int ntok, int *bi, int *bj)
{
	int	 cnt[GROUP_BITS], i, j = 0, distinct = 0, best = -1, r = 0;
	int	 full = 0, all = __builtin_popcountll(m->present);

	*bi = *bj = 0;
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; !full && (r = merge_have(m, i)) > 0; i++) {
		/* a[i] is in its window even if it is longer (then cut). */
		while ((r = merge_have(m, j)) > 0 && (j == i ||
		    m->a[j].end < m->a[i].pos + ntok))
			window_add(cnt, m->a[j++].groups, 1, &distinct);
		if (r < 0)
			break;
		if (distinct > best) {
			best = distinct;
			*bi = i;
			*bj = j - 1;
			full = best >= all;
		}
		window_add(cnt, m->a[i].groups, -1, &distinct);
	}
	if (r < 0)
		return -1;
	/* The marks: every match that may be in the window. */
	while (m->n > 0 && m->a[m->n - 1].pos < m->a[*bi].pos + ntok &&
	    (r = merge_pull(m)) > 0)
		;
	return r < 0 ? -1 : 0;
}

/*
 * How a snippet's text is tokenized: in kbd_snippet, by the FTS5 table's
 * tokenizer (xTokenize); for a search's hits, by the reader's instance
 * of the same tokenizer (tok_aux). Both tokenize as FTS5_TOKENIZE_AUX.
 */
struct tokfn {
	int	(*tokenize)(void *arg, void *ctx, const char *text, int n,
		    int (*cb)(void *, int, const char *, int, int, int));
	void	*arg;
};

static int
fts_tokenize(void *arg, void *ctx, const char *text, int n,
    int (*cb)(void *, int, const char *, int, int, int))
{
	const void	**f = arg;

	return ((const Fts5ExtensionApi *)f[0])->xTokenize((Fts5Context *)f[1],
	    text, n, ctx, cb);
}

static int
tc_tokenize(void *arg, void *ctx, const char *text, int n,
    int (*cb)(void *, int, const char *, int, int, int))
{
	return tok_aux(arg, ctx, text, n, cb);
}

/* tok_skip's counter of a run beyond ASCII: the text's tokenizer. */
static int
count_run(void *arg, const char *run, int n)
{
	const struct tokfn	*tf = arg;
	int			 count = 0;

	if (tf->tokenize(tf->arg, &count, run, n, tok_count_cb) != SQLITE_OK)
		return -1;
	return count;
}

static void
put(char **o, const char *s, size_t n)
{
	memcpy(*o, s, n);
	*o += n;
}

/*
 * A snippet's window, from the matches' positions alone: the row's
 * column size, where the window may start, and the matches it may mark
 * (those from lo to the window's farthest end).
 */
struct snip_plan {
	int		 ntok, colsize;
	int		 first, last, lo, want_start;
	struct inst	*in;
	int		 nin;
};

void
snip_plan_free(struct snip_plan *pl)
{
	if (pl != NULL)
		free(pl->in);
	free(pl);
}

/* The plan of a window of ntok tokens of the row's column col, or NULL. */
static struct snip_plan *
plan_make(const Fts5ExtensionApi *api, Fts5Context *fts, int col, int ntok,
    int colsize, int *rc)
{
	struct snip_plan	*pl;
	struct merge		 m;
	int			 bi, bj, i, n;

	memset(&m, 0, sizeof(m));
	if ((pl = calloc(1, sizeof(*pl))) == NULL) {
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	pl->ntok = ntok < 1 ? 1 : ntok;
	pl->colsize = colsize;
	if ((colsize < 0 && (*rc = api->xColumnSize(fts, col,
	    &pl->colsize)) != SQLITE_OK) ||
	    (*rc = merge_init(&m, api, fts, col)) != SQLITE_OK)
		goto fail;
	if (best_window(&m, pl->ntok, &bi, &bj) == -1) {
		*rc = SQLITE_NOMEM;
		goto fail;
	}
	if (m.n > 0) {
		pl->first = m.a[bi].pos;
		pl->last = m.a[bj].end;
		/* Centred on its matches, within the column (snippet()'s). */
		pl->want_start = pl->first - (pl->ntok - (pl->last + 1 -
		    pl->first)) / 2;
		if (pl->want_start + pl->ntok > pl->colsize)
			pl->want_start = pl->colsize - pl->ntok;
		if (pl->want_start < 0)
			pl->want_start = 0;
		if (pl->want_start > pl->first)
			pl->want_start = pl->first;
		/* A sentence may start the window if it still holds last. */
		pl->lo = pl->last - pl->ntok + 1 > 0 ? pl->last - pl->ntok + 1 :
		    0;
		if (pl->lo > pl->first)
			pl->lo = pl->first;
		if (pl->lo > pl->want_start)
			pl->lo = pl->want_start;
	}
	/* The window starts at lo or later and ends before first + ntok. */
	for (i = n = 0; i < m.n; i++)
		if (m.a[i].pos >= pl->lo && m.a[i].pos < pl->first + pl->ntok)
			m.a[n++] = m.a[i];
	pl->in = m.a;
	pl->nin = n;
	free(m.h);
	*rc = SQLITE_OK;
	return pl;
fail:
	free(m.a);
	free(m.h);
	free(pl);
	return NULL;
}

struct snip_plan *
snip_plan_new(const Fts5ExtensionApi *api, Fts5Context *fts, int col,
    int ntok, int colsize)
{
	int	rc;

	return plan_make(api, fts, col, ntok, colsize, &rc);
}

/* A column's text, whole or a prefix of it read from its content row. */
struct source {
	sqlite3_blob	*blob;		/* NULL: the text is whole */
	const char	*text;
	char		*buf;
	int		 have, total;
};

/* Reads on to want bytes (or the end): SQLite's code. */
static int
source_read(struct source *src, int want)
{
	char	*b;
	int	 rc;

	if (want > src->total)
		want = src->total;
	if (src->blob == NULL || want <= src->have)
		return SQLITE_OK;
	if ((b = realloc(src->buf, (size_t)want + 1)) == NULL)
		return SQLITE_NOMEM;
	src->buf = b;
	if ((rc = sqlite3_blob_read(src->blob, b + src->have, want -
	    src->have, src->have)) != SQLITE_OK)
		return rc;
	src->have = want;
	src->text = b;
	b[want] = '\0';
	return SQLITE_OK;
}

/*
 * Tokenizes p's text from the tokens before the window's earliest start
 * to a token past its end: SQLITE_OK, the window found or the text ended.
 */
static int
snip_scan(struct snip *p, struct tokfn *tf)
{
	int	rc;

	p->pos = 0;
	p->start = -1;
	p->sent = -1;
	p->cur = 0;
	p->nmark = 0;
	p->stopped = 0;
	p->end_off = -1;
	/*
	 * Tokens before the window's earliest start are only counted: a
	 * pass over bytes, not the tokenizer (a match deep in a long page).
	 */
	if ((p->base = tok_skip(p->text, p->ntext, p->lo, &p->pos, count_run,
	    tf)) < 0)
		p->base = p->pos = 0;
	rc = tf->tokenize(tf->arg, p, p->text + p->base, p->ntext - p->base,
	    snip_token);
	return rc == SNIP_STOP ? SQLITE_OK : rc;
}

/*
 * The snippet of src's text by plan pl: malloc'd, its length in *olen;
 * NULL with *rc on error.
 */
static char *
render(const struct snip_plan *pl, struct source *src, struct tokfn *tf,
    const char *open, const char *close, const char *ell, int *olen, int *rc)
{
	struct snip	 p;
	char		*out = NULL, *o;
	size_t		 lopen, lclose, lell, cap;
	int		 i, prev, want;

	memset(&p, 0, sizeof(p));
	p.ntok = pl->ntok;
	p.first = pl->first;
	p.want_start = pl->want_start;
	p.lo = pl->lo;
	p.in = pl->in;
	p.nin = pl->nin;
	if ((p.soff = calloc((size_t)(p.first - p.lo) + 1, sizeof(int))) ==
	    NULL || (p.eoff = calloc((size_t)(p.first - p.lo) + 1,
	    sizeof(int))) == NULL || (p.mark = calloc((size_t)p.nin * 2 + 2,
	    sizeof(int))) == NULL) {
		*rc = SQLITE_NOMEM;
		goto out;
	}
	/*
	 * A prefix of the text first, of about 8 bytes a token to the
	 * window's end, read on fourfold until a token past the window is
	 * in it (so its last token is whole) or the text ends.
	 */
	want = (pl->last + pl->ntok + 2) * 8 + 1024;
	for (;;) {
		if ((*rc = source_read(src, want)) != SQLITE_OK)
			goto out;
		p.text = src->text;
		p.ntext = src->have;
		if ((*rc = snip_scan(&p, tf)) != SQLITE_OK)
			goto out;
		if (p.stopped || src->have == src->total)
			break;
		want = src->have > INT_MAX / 4 ? INT_MAX : src->have * 4;
	}
	if (p.start < 0 || p.end_off < 0) {
		/* No token (or none as far as the match): the text as it is. */
		if ((out = malloc((size_t)p.ntext + 1)) == NULL) {
			*rc = SQLITE_NOMEM;
			goto out;
		}
		memcpy(out, p.text, (size_t)p.ntext);
		*olen = p.ntext;
		goto out;
	}
	lopen = strlen(open);
	lclose = strlen(close);
	lell = strlen(ell);
	/* From the text's start when the window is; else an ellipsis. */
	if (p.start == 0)
		p.start_off = 0;
	/* The window's bytes, not the page's (a malloc of 100 KB a hit). */
	cap = (size_t)((p.stopped ? p.end_off : p.ntext) - p.start_off) +
	    2 * lell + (size_t)p.nmark / 2 * (lopen + lclose) + 1;
	if ((out = malloc(cap)) == NULL) {
		*rc = SQLITE_NOMEM;
		goto out;
	}
	o = out;
	if (p.start > 0)
		put(&o, ell, lell);
	prev = p.start_off;
	for (i = 0; i < p.nmark; i += 2) {
		put(&o, p.text + prev, (size_t)(p.mark[i] - prev));
		put(&o, open, lopen);
		put(&o, p.text + p.mark[i], (size_t)(p.mark[i + 1] - p.mark[i]));
		put(&o, close, lclose);
		prev = p.mark[i + 1];
	}
	if (!p.stopped)
		put(&o, p.text + prev, (size_t)(p.ntext - prev));
	else {
		put(&o, p.text + prev, (size_t)(p.end_off - prev));
		put(&o, ell, lell);
	}
	*olen = (int)(o - out);
out:
	free(p.soff);
	free(p.eoff);
	free(p.mark);
	return out;
}

char *
snip_render(const struct snip_plan *pl, sqlite3_blob *blob,
    struct tok_counter *tc, const char *open, const char *close,
    const char *ell)
{
	struct source	 src;
	struct tokfn	 tf;
	char		*out;
	int		 rc, len = 0;

	memset(&src, 0, sizeof(src));
	src.blob = blob;
	src.total = sqlite3_blob_bytes(blob);
	tf.tokenize = tc_tokenize;
	tf.arg = tc;
	/* A short column whole at once (its window is most of it). */
	if (pl->colsize < SNIP_PREFIX_MIN &&
	    (rc = source_read(&src, src.total)) != SQLITE_OK) {
		free(src.buf);
		return NULL;
	}
	if (src.total == 0)
		out = strdup("");
	else
		out = render(pl, &src, &tf, open, close, ell, &len, &rc);
	if (out != NULL)
		out[len] = '\0';
	free(src.buf);
	return out;
}

static void
kbd_snippet(const Fts5ExtensionApi *api, Fts5Context *fts,
    sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	struct snip_plan	*pl = NULL;
	struct source		 src;
	struct tokfn		 tf;
	const void		*fc[2];
	const char		*open, *close, *ell, *tab = NULL;
	char			 name[16];
	char			*out = NULL;
	int			 rc = SQLITE_OK, col, ntok, len = 0;

	if (nval == 6)
		tab = (const char *)sqlite3_value_text(val[5]);
	else if (nval != 5) {
		sqlite3_result_error(ctx, "kbd_snippet: wrong number of "
		    "arguments", -1);
		return;
	}
	memset(&src, 0, sizeof(src));
	col = sqlite3_value_int(val[0]);
	open = (const char *)sqlite3_value_text(val[1]);
	close = (const char *)sqlite3_value_text(val[2]);
	ell = (const char *)sqlite3_value_text(val[3]);
	open = open ? open : "";
	close = close ? close : "";
	ell = ell ? ell : "";
	ntok = sqlite3_value_int(val[4]);
	if ((pl = plan_make(api, fts, col, ntok, -1, &rc)) == NULL)
		goto out;
	/*
	 * A long column from its content row, as far as the window needs;
	 * else (or when the table cannot be read so) whole.
	 */
	(void)snprintf(name, sizeof(name), "c%d", col);
	if (tab != NULL && pl->colsize >= SNIP_PREFIX_MIN &&
	    sqlite3_blob_open(sqlite3_context_db_handle(ctx), "main", tab,
	    name, api->xRowid(fts), 0, &src.blob) == SQLITE_OK)
		src.total = sqlite3_blob_bytes(src.blob);
	else {
		sqlite3_blob_close(src.blob);
		src.blob = NULL;
		if ((rc = api->xColumnText(fts, col, &src.text, &src.total)) !=
		    SQLITE_OK || src.text == NULL)
			src.total = 0;
		src.have = src.total;
		if (rc == SQLITE_RANGE)
			rc = SQLITE_OK;
		if (rc != SQLITE_OK)
			goto out;
	}
	if (src.total == 0) {
		sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
		goto out;
	}
	fc[0] = api;
	fc[1] = fts;
	tf.tokenize = fts_tokenize;
	tf.arg = fc;
	if ((out = render(pl, &src, &tf, open, close, ell, &len, &rc)) != NULL)
		sqlite3_result_text(ctx, out, len, SQLITE_TRANSIENT);
out:
	if (rc != SQLITE_OK)
		sqlite3_result_error_code(ctx, rc);
	free(out);
	sqlite3_blob_close(src.blob);
	free(src.buf);
	snip_plan_free(pl);
}

int
kbd_snippet_register(fts5_api *api)
{
	return api->xCreateFunction(api, "kbd_snippet", NULL, kbd_snippet,
	    NULL);
}
