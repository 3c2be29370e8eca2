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
 * row's low bits (RANK_SIZES_N, 384 KiB a connection, allocated at first
 * use): a slot of another row or version is read again, so a size is
 * never stale and memory never grows.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "tokenizer.h"

#define RANK_TITLE_COL	1
#define RANK_BODY_COL	3		/* the snippets' (rank_keep) */
/* The last column a phrase of no weight (RANK_IDF_FLOOR) is counted in. */
#define RANK_HEAD_COL	2
#define RANK_IDF_FLOOR	1e-6
#define RANK_MAXCOL	8
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
	int		 nphrase, ngroup;
	double		 avgdl;
	double		*idf;		/* each group's */
};

/* A row's length in tokens, all columns, the title's and the body's. */
struct rank_size {
	sqlite3_int64	 row;
	unsigned	 version;	/* 0: empty; else the data version + 1 */
	int		 total;
	int		 title;
	int		 body;
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
static _Thread_local const int		*cur_group;	/* NULL: one each */
static _Thread_local const int		*cur_also;
static _Thread_local int		 cur_nphrase;
static _Thread_local rank_keep_fn	 cur_keep;	/* rank_keep */
static _Thread_local void		*cur_keep_arg;

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
rank_cache_use(struct rank_cache *c, const char *key, unsigned version,
    const int *group, const int *also, int nphrase)
{
	cur_cache = key != NULL && strlen(key) < RANK_CACHE_KEY ? c : NULL;
	cur_conn = c;
	cur_key = key;
	cur_version = version;
	cur_group = group;
	cur_also = also;
	cur_nphrase = nphrase;
}

void
rank_keep(rank_keep_fn keep, void *arg)
{
	cur_keep = keep;
	cur_keep_arg = arg;
}

int
rank_group_of(int nphrase, int ph)
{
	if (cur_group == NULL || cur_nphrase != nphrase || ph < 0 ||
	    ph >= nphrase)
		return ph;
	return cur_group[ph];
}

int
rank_also_of(int nphrase, int ph)
{
	if (cur_group == NULL || cur_also == NULL || cur_nphrase != nphrase ||
	    ph < 0 || ph >= nphrase)
		return -1;
	return cur_also[ph];
}

static struct rank_entry *
cache_find(int nphrase, int ngroup)
{
	struct rank_entry	*e;
	int			 i;

	if (cur_cache == NULL)
		return NULL;
	for (i = 0; i < RANK_CACHE_N; i++) {
		e = &cur_cache->e[i];
		if (e->key != NULL && e->version == cur_version &&
		    e->nphrase == nphrase && e->ngroup == ngroup &&
		    strcmp(e->key, cur_key) == 0) {
			e->used = ++cur_cache->clock;
			return e;
		}
	}
	return NULL;
}

/* Keeps d's figures for the current query, in the least recently used slot. */
static void
cache_put(const double *idf, int nphrase, int ngroup, double avgdl)
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
	    (copy = malloc(((size_t)ngroup + 1) * sizeof(double))) == NULL) {
		free(key);
		return;		/* not cached: computed again next time */
	}
	memcpy(copy, idf, ((size_t)ngroup + 1) * sizeof(double));
	free(old->key);
	free(old->idf);
	old->key = key;
	old->idf = copy;
	old->version = cur_version;
	old->nphrase = nphrase;
	old->ngroup = ngroup;
	old->avgdl = avgdl;
	old->used = ++cur_cache->clock;
}

/*
 * The row's lengths (all columns, the title, the body), from the calling
 * thread's cache when it has them at this data version. The body's is
 * for a kept row's snippet (rank_keep): FTS5 reads all three from the
 * row's one docsize record.
 */
static int
row_sizes(const Fts5ExtensionApi *api, Fts5Context *fts, int *total,
    int *title, int *body)
{
	struct rank_size	*z = NULL;
	sqlite3_int64		 row;
	int			 rc;

	if (cur_conn != NULL) {
		if (cur_conn->sizes == NULL)
			cur_conn->sizes = calloc(RANK_SIZES_N,
			    sizeof(*cur_conn->sizes));
		if (cur_conn->sizes != NULL) {
			row = api->xRowid(fts);
			/*
			 * By the row's low bits, not a hash: FTS5 visits
			 * the matches in rowid order, so the slots are read
			 * in order too. Hashed, the load of each slot took
			 * 7 % of a search's samples on 8,000 documents
			 * (perf annotate); on 3,000, alternating runs did
			 * not tell the two apart.
			 */
			z = &cur_conn->sizes[(uint64_t)row &
			    (RANK_SIZES_N - 1)];
			if (z->version == cur_version + 1 && z->row == row) {
				*total = z->total;
				*title = z->title;
				*body = z->body;
				return SQLITE_OK;
			}
		}
	}
	if ((rc = api->xColumnSize(fts, -1, total)) != SQLITE_OK ||
	    (rc = api->xColumnSize(fts, RANK_TITLE_COL, title)) != SQLITE_OK)
		return rc;
	if ((rc = api->xColumnSize(fts, RANK_BODY_COL, body)) == SQLITE_RANGE)
		*body = 0;	/* a table of fewer columns */
	else if (rc != SQLITE_OK)
		return rc;
	if (z != NULL) {
		z->row = row;
		z->version = cur_version + 1;
		z->total = *total;
		z->title = *title;
		z->body = *body;
	}
	return SQLITE_OK;
}

/* A phrase's position in the merge of a group's (kbd_rank). */
struct form_it {
	Fts5PhraseIter	 it;
	int		 col, off, sz;
};

/*
 * A group is the phrases of one phrase of the query (query.h): a word's
 * forms, each a string of its own, ranked as the one phrase of synonyms
 * they stand for; or a word's exact form, which is one of its forms'
 * positions (query.h's also). Without groups (rank_cache_use), a phrase
 * each.
 */
struct rankdata {
	int		 nphrase;
	int		 ngroup;
	double		 avgdl;
	double		 w[RANK_MAXCOL];	/* each column's weight */
	int		*first;		/* each group's phrases: first to end */
	int		*end;
	/*
	 * The exact form's group whose one phrase is among this group's
	 * (query.h's also), or -1: counted in this group's walk.
	 */
	int		*exact;
	double		*idf;		/* each group's */
	/* Each row's, cleared per row: allocated once a query, not a row. */
	double		*freq;
	unsigned char	*intitle;
	unsigned char	*walked;
	struct form_it	*it;		/* nphrase */
};

static int
count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *arg)
{
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)arg)++;
	return SQLITE_OK;
}

struct rowset {
	sqlite3_int64	*row;
	size_t		 n, cap;
};

static int
collect_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *arg)
{
	struct rowset	*r = arg;
	sqlite3_int64	*t;
	size_t		 cap;

	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 256;
		if ((t = realloc(r->row, cap * sizeof(*t))) == NULL)
			return SQLITE_NOMEM;
		r->row = t;
		r->cap = cap;
	}
	r->row[r->n++] = api->xRowid(fts);
	return SQLITE_OK;
}

static int
row_cmp(const void *a, const void *b)
{
	sqlite3_int64	x = *(const sqlite3_int64 *)a;
	sqlite3_int64	y = *(const sqlite3_int64 *)b;

	return x < y ? -1 : x > y;
}

/* The rows group g matches: of its phrases, the union's. */
static int
group_hits(const Fts5ExtensionApi *api, Fts5Context *fts,
    const struct rankdata *d, int g, sqlite3_int64 *nhit)
{
	struct rowset	r = { NULL, 0, 0 };
	size_t		i;
	int		ph, rc = SQLITE_OK;

	*nhit = 0;
	if (d->end[g] - d->first[g] == 1)
		return api->xQueryPhrase(fts, d->first[g], nhit, count_row);
	for (ph = d->first[g]; ph < d->end[g] && rc == SQLITE_OK; ph++)
		rc = api->xQueryPhrase(fts, ph, &r, collect_row);
	if (rc == SQLITE_OK && r.n > 0) {
		qsort(r.row, r.n, sizeof(*r.row), row_cmp);
		for (i = 0; i < r.n; i++)
			*nhit += i == 0 || r.row[i] != r.row[i - 1];
	}
	free(r.row);
	return rc;
}

static void
rankdata_free(void *p)
{
	struct rankdata	*d = p;

	if (d != NULL) {
		free(d->first);
		free(d->end);
		free(d->exact);
		free(d->idf);
		free(d->freq);
		free(d->intitle);
		free(d->walked);
		free(d->it);
	}
	free(d);
}

/* What depends on the query only, once per query. */
static struct rankdata *
rankdata(const Fts5ExtensionApi *api, Fts5Context *fts, int nval,
    sqlite3_value **val, int *rc)
{
	struct rankdata		*d;
	struct rank_entry	*e;
	sqlite3_int64		 nrow = 0, ntok = 0, nhit;
	size_t			 n;
	int			 i, g, a;

	if ((d = api->xGetAuxdata(fts, 0)) != NULL)
		return d;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	d->nphrase = api->xPhraseCount(fts);
	for (i = 0; i < RANK_MAXCOL; i++)
		d->w[i] = i < nval ? sqlite3_value_double(val[i]) : 1.0;
	/* A group per phrase at most, and one per exact form. */
	n = 2 * (size_t)d->nphrase + 1;
	d->first = calloc(n, sizeof(int));
	d->end = calloc(n, sizeof(int));
	d->exact = malloc(n * sizeof(int));
	d->idf = calloc(n, sizeof(double));
	d->freq = calloc(n, sizeof(double));
	d->intitle = calloc(n, 1);
	d->walked = calloc(n, 1);
	d->it = calloc(n, sizeof(*d->it));
	if (d->first == NULL || d->end == NULL || d->exact == NULL ||
	    d->idf == NULL || d->freq == NULL || d->intitle == NULL ||
	    d->walked == NULL || d->it == NULL) {
		rankdata_free(d);
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	/*
	 * Groups are runs of phrases (query_groups), numbered in order; an
	 * exact form's group is the one phrase it is also.
	 */
	for (i = 0; i < (int)n; i++)
		d->exact[i] = -1;
	for (i = 0, d->ngroup = 0; i < d->nphrase; i++) {
		g = rank_group_of(d->nphrase, i);
		a = rank_also_of(d->nphrase, i);
		if (g < 0 || g >= (int)n || a >= (int)n ||
		    (d->end[g] > 0 && d->end[g] != i)) {
			rankdata_free(d);	/* not query_groups' */
			*rc = SQLITE_ERROR;
			return NULL;
		}
		if (d->end[g] == 0)
			d->first[g] = i;
		d->end[g] = i + 1;
		if (a >= 0) {
			d->first[a] = i;
			d->end[a] = i + 1;
			d->exact[g] = a;
		}
		if (g >= d->ngroup)
			d->ngroup = g + 1;
		if (a >= d->ngroup)
			d->ngroup = a + 1;
	}
	if ((e = cache_find(d->nphrase, d->ngroup)) != NULL) {
		d->avgdl = e->avgdl;
		memcpy(d->idf, e->idf, ((size_t)d->ngroup + 1) *
		    sizeof(double));
	} else {
		if ((*rc = api->xRowCount(fts, &nrow)) == SQLITE_OK)
			*rc = api->xColumnTotalSize(fts, -1, &ntok);
		d->avgdl = nrow > 0 ? (double)ntok / (double)nrow : 1.0;
		for (g = 0; g < d->ngroup && *rc == SQLITE_OK; g++) {
			*rc = group_hits(api, fts, d, g, &nhit);
			d->idf[g] = log((nrow - nhit + 0.5) / (nhit + 0.5));
			if (d->idf[g] <= RANK_IDF_FLOOR)
				d->idf[g] = RANK_IDF_FLOOR;
		}
		if (*rc == SQLITE_OK)
			cache_put(d->idf, d->nphrase, d->ngroup, d->avgdl);
	}
	if (*rc == SQLITE_OK)
		*rc = api->xSetAuxdata(fts, d, rankdata_free);
	else
		rankdata_free(d);
	return *rc == SQLITE_OK ? d : NULL;
}

/*
 * Group g's positions in the row, up to column lastcol: each once, as
 * the phrase of synonyms it stands for counts them (a word and its stem
 * are at one position), merged from its phrases' lists.
 */
static int
group_walk(const Fts5ExtensionApi *api, Fts5Context *fts, struct rankdata *d,
    int g, int lastcol, int x, int xlast, uint64_t *covered)
{
	struct form_it	*f = d->it;
	int		 k = d->end[g] - d->first[g], j, best, col, off;
	int		 sz, rc, b, isx;
	/* Exact group x's phrase, counted here too (-1: none). */
	int		 xj = x >= 0 ? d->first[x] - d->first[g] : -1;

	for (j = 0; j < k; j++) {
		if ((rc = api->xPhraseFirst(fts, d->first[g] + j, &f[j].it,
		    &f[j].col, &f[j].off)) != SQLITE_OK)
			return rc;
		f[j].sz = api->xPhraseSize(fts, d->first[g] + j);
	}
	for (;;) {
		for (j = 0, best = -1; j < k; j++)
			if (f[j].col >= 0 && f[j].col <= lastcol && (best < 0 ||
			    f[j].col < f[best].col || (f[j].col ==
			    f[best].col && f[j].off < f[best].off)))
				best = j;
		if (best < 0)
			return SQLITE_OK;
		col = f[best].col;
		off = f[best].off;
		for (j = 0, sz = 0, isx = 0; j < k; j++)
			if (f[j].col == col && f[j].off == off) {
				if (f[j].sz > sz)
					sz = f[j].sz;
				isx = isx || j == xj;
				api->xPhraseNext(fts, &f[j].it, &f[j].col,
				    &f[j].off);
			}
		d->freq[g] += col < RANK_MAXCOL ? d->w[col] : 1.0;
		/* The exact form's position: the same sum, in the same order. */
		if (isx && col <= xlast) {
			d->freq[x] += col < RANK_MAXCOL ? d->w[col] : 1.0;
			if (col == RANK_TITLE_COL)
				d->intitle[x] = 1;
		}
		if (col != RANK_TITLE_COL)
			continue;
		d->intitle[g] = 1;
		for (b = 0; b < sz; b++)
			if (off + b >= 0 && off + b < 64)
				*covered |= (uint64_t)1 << (off + b);
	}
}

static void
kbd_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
    int nval, sqlite3_value **val)
{
	const double	 k1 = 1.2, b = 0.75;
	struct rankdata	*d;
	double		 score = 0.0, dl, f;
	uint64_t	 covered = 0;
	int		 rc = SQLITE_OK, g, ntitle, nbody, sz, all, last, x, xlast;

	if ((d = rankdata(api, fts, nval, val, &rc)) == NULL) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	memset(d->freq, 0, ((size_t)d->ngroup + 1) * sizeof(*d->freq));
	memset(d->intitle, 0, (size_t)d->ngroup + 1);
	/*
	 * Each phrase's positions from its own list: xInst would merge
	 * every phrase's into one array first, twice the cost in a long
	 * document. The sums are the same, in the same order.
	 *
	 * A group in more than half the rows has the floor's IDF: its
	 * BM25 term is at most 2.2e-6, a tie-breaker beside any other
	 * group's (0.002 and more). Its body ("the", 1,000 times in a long
	 * page) is not counted, only the columns before it: the positions
	 * come by column, and the body is most of them.
	 */
	for (g = 0; g < d->ngroup; g++)
		d->walked[g] = 0;
	for (g = 0; g < d->ngroup; g++) {
		if (d->walked[g])
			continue;
		last = d->idf[g] <= RANK_IDF_FLOOR ? RANK_HEAD_COL : INT_MAX;
		/*
		 * A word's exact form is one of its forms' positions: counted
		 * in the forms' walk when that walk reaches as far, not
		 * walked again (the forms' IDF is at most the exact form's,
		 * so only the forms can be at the floor alone).
		 */
		x = d->exact[g];
		xlast = x >= 0 && d->idf[x] <= RANK_IDF_FLOOR ? RANK_HEAD_COL :
		    INT_MAX;
		if (x >= 0 && xlast > last)
			x = -1;
		if ((rc = group_walk(api, fts, d, g, last, x, xlast,
		    &covered)) != SQLITE_OK)
			goto out;
		if (x >= 0)
			d->walked[x] = 1;
	}
	if ((rc = row_sizes(api, fts, &sz, &ntitle, &nbody)) != SQLITE_OK)
		goto out;
	dl = sz;
	for (g = 0; g < d->ngroup; g++) {
		f = d->freq[g];
		score += d->idf[g] * (f * (k1 + 1.0)) /
		    (f + k1 * (1.0 - b + b * dl / d->avgdl));
	}
	for (g = 0, all = d->ngroup > 0; g < d->ngroup; g++)
		all = all && d->intitle[g];
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
	if (cur_keep != NULL)
		rc = cur_keep(cur_keep_arg, api, fts, -score, nbody);
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
