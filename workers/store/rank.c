/*
 * The FTS5 rank function kbd_rank(w0, w1, ...): Okapi BM25 as FTS5's
 * bm25() computes it, with a weight per column, and a boost for a title
 * that holds every phrase of the query: RANK_TITLE_SHARE times the share
 * of the title's tokens matched, or, when the query matches the title
 * (column 1) whole, RANK_TITLE_BOOST: such a row ranks before any other,
 * so a document's exact title as the query finds it first.
 * Scores are negative, lower is better, as bm25()'s.
 *
 * The IDFs cost a pass over each phrase's matches (xQueryPhrase), a fifth
 * of a search's time: a small cache per reader connection keeps them for
 * the last queries at the registry's data version (rank_cache_use).
 *
 * A row's length is a lookup of its own: xColumnSize runs a statement on
 * FTS5's docsize table per row, a third of what a search costs on short
 * documents, the same rows again for every query that matches them. The
 * same cache keeps the lengths it read at that data version, a slot per
 * row hash (RANK_SIZES_N, 384 KiB a connection, allocated at first use):
 * a slot of another row or version is read again, so a size is never
 * stale and memory never grows.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "tokenizer.h"

#define RANK_TITLE_COL	1
#define RANK_TITLE_BOOST 1000.0
#define RANK_TITLE_SHARE 5.0

/* Cached queries per connection; a key longer than this is not cached. */
#define RANK_CACHE_N	32
#define RANK_CACHE_KEY	512
/* Row lengths cached per connection: a power of 2. */
#define RANK_SIZES_N	16384

struct rank_entry {
	char		*key;		/* the MATCH expression; NULL: free */
	unsigned	 version;
	unsigned long	 used;		/* the cache's clock when last used */
	int		 nphrase;
	double		 avgdl;
	double		*idf;
};

/* A row's length in tokens, all columns and the title's. */
struct rank_size {
	sqlite3_int64	 row;
	unsigned	 version;	/* 0: empty; else the data version + 1 */
	int		 total;
	int		 title;
};

struct rank_cache {
	struct rank_entry	 e[RANK_CACHE_N];
	unsigned long		 clock;
	struct rank_size	*sizes;		/* RANK_SIZES_N, or NULL */
};

/* The calling thread's cache and query (rank_cache_use). */
static _Thread_local struct rank_cache	*cur_cache;	/* NULL: key too long */
static _Thread_local struct rank_cache	*cur_conn;	/* the row lengths' */
static _Thread_local const char		*cur_key;
static _Thread_local unsigned		 cur_version;

struct rank_cache *
rank_cache_new(void)
{
	return calloc(1, sizeof(struct rank_cache));
}

void
rank_cache_free(struct rank_cache *c)
{
	int	i;

	if (c == NULL)
		return;
	for (i = 0; i < RANK_CACHE_N; i++) {
		free(c->e[i].key);
		free(c->e[i].idf);
	}
	free(c->sizes);
	free(c);
}

void
rank_cache_use(struct rank_cache *c, const char *key, unsigned version)
{
	cur_cache = key != NULL && strlen(key) < RANK_CACHE_KEY ? c : NULL;
	cur_conn = c;
	cur_key = key;
	cur_version = version;
}

static struct rank_entry *
cache_find(int nphrase)
{
	struct rank_entry	*e;
	int			 i;

	if (cur_cache == NULL)
		return NULL;
	for (i = 0; i < RANK_CACHE_N; i++) {
		e = &cur_cache->e[i];
		if (e->key != NULL && e->version == cur_version &&
		    e->nphrase == nphrase && strcmp(e->key, cur_key) == 0) {
			e->used = ++cur_cache->clock;
			return e;
		}
	}
	return NULL;
}

/* Keeps d's figures for the current query, in the least recently used slot. */
static void
cache_put(const double *idf, int nphrase, double avgdl)
{
	struct rank_entry	*e, *old;
	char			*key;
	double			*copy;
	int			 i;

	if (cur_cache == NULL)
		return;
	old = &cur_cache->e[0];
	for (i = 0; i < RANK_CACHE_N; i++) {
		e = &cur_cache->e[i];
		if (e->key == NULL || e->version != cur_version) {
			old = e;
			break;
		}
		if (e->used < old->used)
			old = e;
	}
	if ((key = strdup(cur_key)) == NULL ||
	    (copy = malloc(((size_t)nphrase + 1) * sizeof(double))) == NULL) {
		free(key);
		return;		/* not cached: computed again next time */
	}
	memcpy(copy, idf, ((size_t)nphrase + 1) * sizeof(double));
	free(old->key);
	free(old->idf);
	old->key = key;
	old->idf = copy;
	old->version = cur_version;
	old->nphrase = nphrase;
	old->avgdl = avgdl;
	old->used = ++cur_cache->clock;
}

/*
 * The row's lengths (all columns, the title), from the calling thread's
 * cache when it has them at this data version.
 */
static int
row_sizes(const Fts5ExtensionApi *api, Fts5Context *fts, int *total,
    int *title)
{
	struct rank_size	*z = NULL;
	sqlite3_int64		 row;
	uint64_t		 h;
	int			 rc;

	if (cur_conn != NULL) {
		if (cur_conn->sizes == NULL)
			cur_conn->sizes = calloc(RANK_SIZES_N,
			    sizeof(*cur_conn->sizes));
		if (cur_conn->sizes != NULL) {
			row = api->xRowid(fts);
			h = (uint64_t)row * 0x9e3779b97f4a7c15ULL;
			z = &cur_conn->sizes[h >> 50 & (RANK_SIZES_N - 1)];
			if (z->version == cur_version + 1 && z->row == row) {
				*total = z->total;
				*title = z->title;
				return SQLITE_OK;
			}
		}
	}
	if ((rc = api->xColumnSize(fts, -1, total)) != SQLITE_OK ||
	    (rc = api->xColumnSize(fts, RANK_TITLE_COL, title)) != SQLITE_OK)
		return rc;
	if (z != NULL) {
		z->row = row;
		z->version = cur_version + 1;
		z->total = *total;
		z->title = *title;
	}
	return SQLITE_OK;
}

struct rankdata {
	int		 nphrase;
	double		 avgdl;
	double		*idf;
	/* Each row's, cleared per row: allocated once a query, not a row. */
	double		*freq;
	unsigned char	*intitle;
};

static int
count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *arg)
{
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)arg)++;
	return SQLITE_OK;
}

static void
rankdata_free(void *p)
{
	struct rankdata	*d = p;

	if (d != NULL) {
		free(d->idf);
		free(d->freq);
		free(d->intitle);
	}
	free(d);
}

/* What depends on the query only, once per query. */
static struct rankdata *
rankdata(const Fts5ExtensionApi *api, Fts5Context *fts, int *rc)
{
	struct rankdata		*d;
	struct rank_entry	*e;
	sqlite3_int64		 nrow = 0, ntok = 0, nhit;
	int			 i;

	if ((d = api->xGetAuxdata(fts, 0)) != NULL)
		return d;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	d->nphrase = api->xPhraseCount(fts);
	d->idf = calloc((size_t)d->nphrase + 1, sizeof(double));
	d->freq = calloc((size_t)d->nphrase + 1, sizeof(double));
	d->intitle = calloc((size_t)d->nphrase + 1, 1);
	if (d->idf == NULL || d->freq == NULL || d->intitle == NULL) {
		rankdata_free(d);
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	if ((e = cache_find(d->nphrase)) != NULL) {
		d->avgdl = e->avgdl;
		memcpy(d->idf, e->idf, ((size_t)d->nphrase + 1) *
		    sizeof(double));
	} else {
		if ((*rc = api->xRowCount(fts, &nrow)) == SQLITE_OK)
			*rc = api->xColumnTotalSize(fts, -1, &ntok);
		d->avgdl = nrow > 0 ? (double)ntok / (double)nrow : 1.0;
		for (i = 0; i < d->nphrase && *rc == SQLITE_OK; i++) {
			nhit = 0;
			*rc = api->xQueryPhrase(fts, i, &nhit, count_row);
			d->idf[i] = log((nrow - nhit + 0.5) / (nhit + 0.5));
			if (d->idf[i] <= 0.0)
				d->idf[i] = 1e-6;
		}
		if (*rc == SQLITE_OK)
			cache_put(d->idf, d->nphrase, d->avgdl);
	}
	if (*rc == SQLITE_OK)
		*rc = api->xSetAuxdata(fts, d, rankdata_free);
	else
		rankdata_free(d);
	return *rc == SQLITE_OK ? d : NULL;
}

static void
kbd_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
    int nval, sqlite3_value **val)
{
	const double	 k1 = 1.2, b = 0.75;
	struct rankdata	*d;
	double		*freq, score = 0.0, w, dl;
	unsigned char	*intitle;
	uint64_t	 covered = 0;
	Fts5PhraseIter	 it;
	int		 rc = SQLITE_OK, i, k, ph, col, off, ntitle, sz;
	int		 all;

	if ((d = rankdata(api, fts, &rc)) == NULL) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	freq = d->freq;
	intitle = d->intitle;
	memset(freq, 0, ((size_t)d->nphrase + 1) * sizeof(*freq));
	memset(intitle, 0, (size_t)d->nphrase + 1);
	/*
	 * Each phrase's positions from its own list: xInst would merge
	 * every phrase's into one array first, twice the cost in a long
	 * document. The sums are the same, in the same order.
	 */
	for (ph = 0; ph < d->nphrase; ph++) {
		if ((rc = api->xPhraseFirst(fts, ph, &it, &col, &off)) !=
		    SQLITE_OK)
			goto out;
		sz = api->xPhraseSize(fts, ph);
		for (; col >= 0; api->xPhraseNext(fts, &it, &col, &off)) {
			w = col < nval ? sqlite3_value_double(val[col]) : 1.0;
			freq[ph] += w;
			if (col != RANK_TITLE_COL)
				continue;
			intitle[ph] = 1;
			for (k = 0; k < sz; k++)
				if (off + k >= 0 && off + k < 64)
					covered |= (uint64_t)1 << (off + k);
		}
	}
	if ((rc = row_sizes(api, fts, &sz, &ntitle)) != SQLITE_OK)
		goto out;
	dl = sz;
	for (i = 0; i < d->nphrase; i++)
		score += d->idf[i] * (freq[i] * (k1 + 1.0)) /
		    (freq[i] + k1 * (1.0 - b + b * dl / d->avgdl));
	for (i = 0, all = d->nphrase > 0; i < d->nphrase; i++)
		all = all && intitle[i];
	/*
	 * A title holding every phrase: the more of it the query covers,
	 * the better ("Buffer Protocol" is the page titled so, not "Old
	 * Buffer Protocol"); all of it, first.
	 */
	if (all && ntitle > 0 && ntitle <= 64) {
		if (__builtin_popcountll(covered) == ntitle)
			score += RANK_TITLE_BOOST;
		else
			score += RANK_TITLE_SHARE *
			    __builtin_popcountll(covered) / ntitle;
	}
out:
	if (rc != SQLITE_OK)
		sqlite3_result_error_code(ctx, rc);
	else
		sqlite3_result_double(ctx, -score);
}

int
kbd_rank_register(fts5_api *api)
{
	return api->xCreateFunction(api, "kbd_rank", NULL, kbd_rank, NULL);
}
