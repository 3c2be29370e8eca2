/*
 * A concept page's related concepts: of the concepts its documents hold
 * (but its own), those most of them hold, ties in byte order. SQL ranked
 * them with a join of the page's documents' terms with concepts, GROUP BY
 * and ORDER BY count DESC, term, and that query was most of a flush (16 %
 * of the committer's CPU in an add of 10,000 files, issue 15): a document
 * is listed on the pages of most of its concepts, so its rows were read
 * and sorted again for each of them. Now each document's concepts are
 * read once and counted in C, the same ranking (a document holds a term
 * once: concept_terms' key is (doc, term); byte order is strcmp's, as
 * SQLite's BINARY).
 *
 * Between conceptdb_cache_begin and _end (a flush, in which the registry's
 * terms and concepts do not change) the documents' concepts are kept from
 * page to page, the least recently used dropped past CACHE_BYTES, so the
 * memory does not grow with the KB; outside, they are read for the one
 * page and forgotten (a batch changes the registry between pages).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "conceptdb.h"
#include "conceptrel.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define CACHE_BYTES	(8u << 20)	/* documents' concepts kept, about */

/* An interned concept term, shared by the cached documents holding it. */
struct rterm {
	struct rterm	*next;		/* hash chain */
	uint64_t	 page;		/* the ranking count is of */
	uint32_t	 hash;
	uint32_t	 refs;		/* cached documents holding it */
	uint32_t	 count;		/* the page's documents holding it */
	char		 s[];
};

/* A document's concepts. */
struct rdoc {
	struct rdoc	*next;		/* hash chain */
	struct rdoc	*newer, *older;	/* recency */
	int64_t		 id;
	uint64_t	 page;		/* the last ranking that used it */
	size_t		 n;
	struct rterm	*terms[];
};

static struct {
	int		  on;		/* kept from page to page */
	struct rdoc	**docs;		/* hash of id, nbdocs slots */
	size_t		  nbdocs, ndocs;
	struct rterm	**terms;	/* hash of the string, nbterms slots */
	size_t		  nbterms, nterms;
	struct rdoc	 *newest, *oldest;
	size_t		  bytes;	/* entries' (the tables' not counted) */
	uint64_t	  page;		/* rankings so far */
	uint64_t	  hits, misses;
	struct rterm	**scratch;	/* a document's terms as read */
	size_t		  nscratch;
	struct rterm	**cand;		/* the ranking's candidates */
	size_t		  ncand;
	sqlite3_stmt	 *st;
} C;

static size_t
doc_slot(int64_t id, size_t nb)
{
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ull) >> 32) &
	    (nb - 1);
}

/* The tables grow to twice their slots when they hold as many entries. */
static void
terms_grow(void)
{
	struct rterm	**nt, *t, *nx;
	size_t		  nb = C.nbterms ? 2 * C.nbterms : 1024, i;

	nt = xcalloc(nb, sizeof(*nt));
	for (i = 0; i < C.nbterms; i++)
		for (t = C.terms[i]; t != NULL; t = nx) {
			nx = t->next;
			t->next = nt[t->hash & (nb - 1)];
			nt[t->hash & (nb - 1)] = t;
		}
	free(C.terms);
	C.terms = nt;
	C.nbterms = nb;
}

static void
docs_grow(void)
{
	struct rdoc	**nt, *d, *nx;
	size_t		  nb = C.nbdocs ? 2 * C.nbdocs : 1024, i;

	nt = xcalloc(nb, sizeof(*nt));
	for (i = 0; i < C.nbdocs; i++)
		for (d = C.docs[i]; d != NULL; d = nx) {
			nx = d->next;
			d->next = nt[doc_slot(d->id, nb)];
			nt[doc_slot(d->id, nb)] = d;
		}
	free(C.docs);
	C.docs = nt;
	C.nbdocs = nb;
}

static struct rterm *
term_get(const char *s)
{
	struct rterm	*t;
	uint32_t	 h = hash_fnv1a(s);
	size_t		 len;

	if (C.nbterms > 0)
		for (t = C.terms[h & (C.nbterms - 1)]; t != NULL; t = t->next)
			if (t->hash == h && strcmp(t->s, s) == 0)
				return t;
	if (C.nterms >= C.nbterms)
		terms_grow();
	len = strlen(s);
	t = xmalloc(sizeof(*t) + len + 1);
	memcpy(t->s, s, len + 1);
	t->hash = h;
	t->refs = 0;
	t->count = 0;
	t->page = 0;
	t->next = C.terms[h & (C.nbterms - 1)];
	C.terms[h & (C.nbterms - 1)] = t;
	C.nterms++;
	C.bytes += sizeof(*t) + len + 1;
	return t;
}

static void
term_put(struct rterm *t)
{
	struct rterm	**pp;

	if (--t->refs > 0)
		return;
	for (pp = &C.terms[t->hash & (C.nbterms - 1)]; *pp != t;
	    pp = &(*pp)->next)
		;
	*pp = t->next;
	C.nterms--;
	C.bytes -= sizeof(*t) + strlen(t->s) + 1;
	free(t);
}

static void
lru_unlink(struct rdoc *d)
{
	if (d->newer != NULL)
		d->newer->older = d->older;
	else
		C.newest = d->older;
	if (d->older != NULL)
		d->older->newer = d->newer;
	else
		C.oldest = d->newer;
}

static void
lru_front(struct rdoc *d)
{
	d->newer = NULL;
	d->older = C.newest;
	if (C.newest != NULL)
		C.newest->newer = d;
	else
		C.oldest = d;
	C.newest = d;
}

static void
doc_drop(struct rdoc *d)
{
	struct rdoc	**pp;
	size_t		  i;

	for (pp = &C.docs[doc_slot(d->id, C.nbdocs)]; *pp != d;
	    pp = &(*pp)->next)
		;
	*pp = d->next;
	lru_unlink(d);
	for (i = 0; i < d->n; i++)
		term_put(d->terms[i]);
	C.ndocs--;
	C.bytes -= sizeof(*d) + d->n * sizeof(d->terms[0]);
	free(d);
}

/*
 * Past the bound, the least recently used documents go; not those of the
 * ranking under way (their terms are its candidates), so a bound smaller
 * than one page's documents is exceeded by them, never broken.
 */
static void
evict(void)
{
	while (C.bytes > CACHE_BYTES && C.oldest != NULL &&
	    C.oldest->page != C.page)
		doc_drop(C.oldest);
}

/* Document id's concepts, cached: NULL with db_errmsg() on an error. */
static struct rdoc *
doc_get(int64_t id)
{
	struct rdoc	*d;
	size_t		 n = 0, i;
	int		 rc;

	if (C.nbdocs > 0)
		for (d = C.docs[doc_slot(id, C.nbdocs)]; d != NULL;
		    d = d->next)
			if (d->id == id) {
				C.hits++;
				lru_unlink(d);
				lru_front(d);
				return d;
			}
	C.misses++;
	if (C.st == NULL && sqlite3_prepare_v2(db_conn(),
	    "SELECT t.term FROM concept_terms t"
	    " JOIN concepts k ON k.term = t.term WHERE t.doc = ?",
	    -1, &C.st, NULL) != SQLITE_OK)
		fatalx("%s: preparing a document's concepts: %s", DB_PATH,
		    sqlite3_errmsg(db_conn()));
	sqlite3_bind_int64(C.st, 1, id);
	while ((rc = sqlite3_step(C.st)) == SQLITE_ROW) {
		if (n == C.nscratch) {
			C.nscratch = C.nscratch ? 2 * C.nscratch : 64;
			C.scratch = xreallocarray(C.scratch, C.nscratch,
			    sizeof(*C.scratch));
		}
		C.scratch[n] = term_get((const char *)
		    (sqlite3_column_text(C.st, 0) != NULL ?
		    sqlite3_column_text(C.st, 0) : (const unsigned char *)""));
		C.scratch[n++]->refs++;
	}
	sqlite3_reset(C.st);
	if (rc != SQLITE_DONE) {
		for (i = 0; i < n; i++)
			term_put(C.scratch[i]);
		(void)db_fail(rc, "a document's concepts");
		return NULL;
	}
	if (C.ndocs >= C.nbdocs)
		docs_grow();
	d = xmalloc(sizeof(*d) + n * sizeof(d->terms[0]));
	d->id = id;
	d->n = n;
	d->page = 0;
	if (n > 0)
		memcpy(d->terms, C.scratch, n * sizeof(d->terms[0]));
	d->next = C.docs[doc_slot(id, C.nbdocs)];
	C.docs[doc_slot(id, C.nbdocs)] = d;
	lru_front(d);
	C.ndocs++;
	C.bytes += sizeof(*d) + n * sizeof(d->terms[0]);
	return d;
}

static void
forget(void)
{
	while (C.oldest != NULL)
		doc_drop(C.oldest);
	free(C.docs);
	free(C.terms);
	C.docs = NULL;
	C.terms = NULL;
	C.nbdocs = C.nbterms = 0;
}

/* a before b: more documents, then byte order. */
static int
before(const struct rterm *a, const struct rterm *b)
{
	if (a->count != b->count)
		return a->count > b->count;
	return strcmp(a->s, b->s) < 0;
}

int
conceptrel_rank(const char *term, const int64_t *docs, size_t n,
    char ***rel, size_t *nrel)
{
	struct rterm	*top[CONCEPT_RELATED], *t;
	struct rdoc	*d;
	size_t		 i, j, k, ntop = 0, ncand = 0;
	int		 ret = 0;

	*rel = NULL;
	*nrel = 0;
	C.page++;
	for (i = 0; i < n; i++) {
		evict();
		if ((d = doc_get(docs[i])) == NULL) {
			ret = -1;
			goto out;
		}
		d->page = C.page;
		for (j = 0; j < d->n; j++) {
			t = d->terms[j];
			if (t->page != C.page) {
				t->page = C.page;
				t->count = 0;
				if (ncand == C.ncand) {
					C.ncand = C.ncand ? 2 * C.ncand : 256;
					C.cand = xreallocarray(C.cand, C.ncand,
					    sizeof(*C.cand));
				}
				C.cand[ncand++] = t;
			}
			t->count++;
		}
	}
	/* The first CONCEPT_RELATED by insertion: most are out at once. */
	for (i = 0; i < ncand; i++) {
		t = C.cand[i];
		if (ntop == CONCEPT_RELATED && !before(t, top[ntop - 1]))
			continue;
		if (strcmp(t->s, term) == 0)
			continue;
		for (k = ntop < CONCEPT_RELATED ? ntop++ : ntop - 1;
		    k > 0 && before(t, top[k - 1]); k--)
			top[k] = top[k - 1];
		top[k] = t;
	}
	if (ntop > 0) {
		*rel = xcalloc(ntop, sizeof(**rel));
		for (i = 0; i < ntop; i++)
			(*rel)[i] = xstrdup(top[i]->s);
		*nrel = ntop;
	}
out:
	if (!C.on)
		forget();
	return ret;
}

void
conceptdb_cache_begin(void)
{
	C.on = 1;
	C.hits = C.misses = 0;
}

void
conceptdb_cache_end(void)
{
	if (C.on && C.hits + C.misses > 0)
		log_debug("concept pages: documents' concepts read %llu "
		    "times, found cached %llu", (unsigned long long)C.misses,
		    (unsigned long long)C.hits);
	C.on = 0;
	forget();
}

void
conceptrel_close(void)
{
	C.on = 0;
	forget();
	free(C.scratch);
	free(C.cand);
	C.scratch = C.cand = NULL;
	C.nscratch = C.ncand = 0;
	sqlite3_finalize(C.st);
	C.st = NULL;
}
