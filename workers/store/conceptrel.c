/*
 * A concept page's documents and related concepts, from a flush's cache.
 *
 * Related concepts: of the concepts the page's documents hold (but its
 * own), those most of them hold, ties in byte order. SQL ranked them with
 * a join of the documents' terms with concepts, GROUP BY and ORDER BY
 * count DESC, term: 16 % of the committer's CPU in an add of 10,000 files
 * (issue 15), since a document is listed on the pages of most of its
 * concepts and its rows were read and sorted again for each. Now each
 * document's concepts are read once and counted here, the same ranking (a
 * document holds a term once: concept_terms' key is (doc, term); byte
 * order is strcmp's, as SQLite's BINARY).
 *
 * Documents: the CONCEPT_PAGE_DOCS of most weight, ties newest first
 * (the larger id). Weights tie a lot (occurrences per million words of
 * short documents), and the tie was by name: SQL read the documents row
 * of every tied one, and later a flush every tied row of the term's
 * index, to rank them by name; at 150,000 files most of a concept's
 * rows, half the committer's work in a small add to a large KB. By id
 * the term's index has the order itself, (term, weight, doc) read
 * backwards: a page reads its rows until it is full, and only the
 * documents listed are read, and kept.
 *
 * Between conceptdb_cache_begin and _end (a flush: the registry's
 * documents, terms and concepts do not change) the documents are kept from
 * page to page, the least recently used dropped past CACHE_BYTES, so the
 * memory does not grow with the KB; outside, conceptdb_page uses SQL for
 * the documents and reads their concepts for the one page (a batch
 * changes the registry between pages).
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

#define CACHE_BYTES	(8u << 20)	/* documents kept, about */

/* An interned concept term, shared by the cached documents holding it. */
struct rterm {
	struct rterm	*next;		/* hash chain */
	uint64_t	 page;		/* the ranking count is of */
	uint32_t	 hash;
	uint32_t	 refs;		/* cached documents holding it */
	uint32_t	 count;		/* the page's documents holding it */
	int		 concept;	/* it has a concepts row */
	char		 s[];
};

/*
 * A document's candidate terms (after them, a byte each: its row of the
 * term has a definition), and once a page lists it its name and title.
 * All of them, not its concepts alone: whether a term is a concept is
 * asked once while it is interned, where a join with concepts asked it
 * again for every document's row (a B-tree seek each, half of a flush's
 * work late in a large add).
 */
struct rdoc {
	struct rdoc	*next;		/* hash chain */
	struct rdoc	*newer, *older;	/* recency */
	int64_t		 id;
	uint64_t	 page;		/* the last page that used it */
	char		*name;		/* and the title after it; or NULL */
	const char	*title;
	size_t		 n;
	struct rterm	*terms[];
};
#define DOC_DEFN(d)	((uint8_t *)((d)->terms + (d)->n))

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
	uint8_t		 *sdefn;
	struct rterm	**cand;		/* the ranking's candidates */
	size_t		  ncand;
	sqlite3_stmt	 *st_concepts, *st_names, *st_weights, *st_defn;
	sqlite3_stmt	 *st_isconcept;
} C;

static sqlite3_stmt *
prep(sqlite3_stmt **st, const char *sql)
{
	if (*st == NULL && sqlite3_prepare_v2(db_conn(), sql, -1, st,
	    NULL) != SQLITE_OK)
		fatalx("%s: preparing \"%s\": %s", DB_PATH, sql,
		    sqlite3_errmsg(db_conn()));
	return *st;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const char	*s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : "";
}

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
term_find(const char *s, uint32_t h)
{
	struct rterm	*t;

	if (C.nbterms > 0)
		for (t = C.terms[h & (C.nbterms - 1)]; t != NULL; t = t->next)
			if (t->hash == h && strcmp(t->s, s) == 0)
				return t;
	return NULL;
}

/* The interned term s: NULL with db_errmsg() on an error. */
static struct rterm *
term_get(const char *s)
{
	struct rterm	*t;
	uint32_t	 h = hash_fnv1a(s);
	size_t		 len;
	int		 rc;

	if ((t = term_find(s, h)) != NULL)
		return t;
	prep(&C.st_isconcept, "SELECT 1 FROM concepts WHERE term = ?");
	sqlite3_bind_text(C.st_isconcept, 1, s, -1, SQLITE_STATIC);
	rc = sqlite3_step(C.st_isconcept);
	sqlite3_reset(C.st_isconcept);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		(void)db_fail(rc, "whether a term is a concept");
		return NULL;
	}
	if (C.nterms >= C.nbterms)
		terms_grow();
	len = strlen(s);
	t = xmalloc(sizeof(*t) + len + 1);
	memcpy(t->s, s, len + 1);
	t->hash = h;
	t->refs = 0;
	t->count = 0;
	t->page = 0;
	t->concept = rc == SQLITE_ROW;
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

static size_t
doc_bytes(const struct rdoc *d)
{
	size_t	b = sizeof(*d) + d->n * (sizeof(d->terms[0]) + 1);

	if (d->name != NULL)
		b += strlen(d->name) + strlen(d->title) + 2;
	return b;
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
	C.bytes -= doc_bytes(d);
	free(d->name);
	free(d);
}

/*
 * Past the bound, the least recently used documents go; not those of the
 * page under way (their terms are its candidates), so a bound smaller
 * than one page's documents is exceeded by them, never broken.
 */
static void
evict(void)
{
	while (C.bytes > CACHE_BYTES && C.oldest != NULL &&
	    C.oldest->page != C.page)
		doc_drop(C.oldest);
}

/*
 * Document id, cached, its terms read: NULL with db_errmsg() on an
 * error. It is the page's: kept until the next page.
 */
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
				d->page = C.page;
				return d;
			}
	C.misses++;
	evict();
	prep(&C.st_concepts,
	    "SELECT term, defn IS NOT NULL FROM concept_terms_all"
	    " WHERE doc = ?");
	sqlite3_bind_int64(C.st_concepts, 1, id);
	while ((rc = sqlite3_step(C.st_concepts)) == SQLITE_ROW) {
		if (n == C.nscratch) {
			C.nscratch = C.nscratch ? 2 * C.nscratch : 64;
			C.scratch = xreallocarray(C.scratch, C.nscratch,
			    sizeof(*C.scratch));
			C.sdefn = xreallocarray(C.sdefn, C.nscratch,
			    sizeof(*C.sdefn));
		}
		C.sdefn[n] = sqlite3_column_int(C.st_concepts, 1) != 0;
		if ((C.scratch[n] = term_get(col_text(C.st_concepts,
		    0))) == NULL)
			break;
		C.scratch[n++]->refs++;
	}
	sqlite3_reset(C.st_concepts);
	if (rc != SQLITE_DONE) {
		for (i = 0; i < n; i++)
			term_put(C.scratch[i]);
		if (rc != SQLITE_ROW)
			(void)db_fail(rc, "a document's concepts");
		return NULL;
	}
	if (C.ndocs >= C.nbdocs)
		docs_grow();
	d = xmalloc(sizeof(*d) + n * (sizeof(d->terms[0]) + 1));
	d->id = id;
	d->n = n;
	d->page = C.page;
	d->name = NULL;
	d->title = NULL;
	if (n > 0) {
		memcpy(d->terms, C.scratch, n * sizeof(d->terms[0]));
		memcpy(DOC_DEFN(d), C.sdefn, n);
	}
	d->next = C.docs[doc_slot(id, C.nbdocs)];
	C.docs[doc_slot(id, C.nbdocs)] = d;
	lru_front(d);
	C.ndocs++;
	C.bytes += doc_bytes(d);
	return d;
}

/*
 * d's name and title, read once: 0, 1 when it has no documents row (as
 * SQL's join with documents would drop it), or -1 with db_errmsg().
 */
static int
doc_names(struct rdoc *d)
{
	const char	*title;
	char		*name;
	size_t		 nlen, tlen;
	int		 rc;

	if (d->name != NULL)
		return 0;
	prep(&C.st_names, "SELECT name, title FROM documents WHERE id = ?");
	sqlite3_bind_int64(C.st_names, 1, d->id);
	if ((rc = sqlite3_step(C.st_names)) != SQLITE_ROW) {
		sqlite3_reset(C.st_names);
		return rc == SQLITE_DONE ? 1 :
		    db_fail(rc, "a concept page's document");
	}
	/* A column's text may go when another is read: copied at once. */
	name = xstrdup(col_text(C.st_names, 0));
	title = col_text(C.st_names, 1);
	nlen = strlen(name);
	tlen = strlen(title);
	d->name = xreallocarray(name, nlen + tlen + 2, 1);
	d->title = memcpy(d->name + nlen + 1, title, tlen + 1);
	sqlite3_reset(C.st_names);
	C.bytes += nlen + tlen + 2;
	return 0;
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
		if ((d = doc_get(docs[i])) == NULL) {
			ret = -1;
			goto out;
		}
		for (j = 0; j < d->n; j++) {
			if (!(t = d->terms[j])->concept)
				continue;
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

/* The definition in doc's row of term, if any, into p: 0, or -1. */
static int
doc_defn(const char *term, const struct rdoc *d, struct concept_page *p)
{
	int	rc;

	prep(&C.st_defn,
	    "SELECT defn FROM concept_terms_all WHERE doc = ? AND term = ?");
	sqlite3_bind_int64(C.st_defn, 1, d->id);
	sqlite3_bind_text(C.st_defn, 2, term, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(C.st_defn);
	if (rc == SQLITE_ROW &&
	    sqlite3_column_type(C.st_defn, 0) != SQLITE_NULL) {
		p->defn = xstrdup(col_text(C.st_defn, 0));
		p->defn_doc = xstrdup(d->name);
		p->defn_title = xstrdup(d->title);
	}
	sqlite3_reset(C.st_defn);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    db_fail(rc, "a concept's definition");
}

/*
 * The first CONCEPT_PAGE_DOCS of term's rows by weight, then the newest:
 * the rows come in that order from the term's index, read backwards, and
 * stop once the page is full.
 */
int
conceptrel_docs(const char *term, struct concept_page *p, int64_t *ids)
{
	struct concept_doc	*docs = (struct concept_doc *)p->docs;
	struct rdoc		*d;
	struct rterm		*t;
	uint32_t		 h = hash_fnv1a(term);
	size_t			 n = 0, j;
	int64_t			 weight;
	int			 rc = SQLITE_DONE, r;

	if (!C.on)
		return 0;
	prep(&C.st_weights,
	    "SELECT doc, weight FROM concept_terms_all WHERE term = ?"
	    " ORDER BY weight DESC, doc DESC");
	sqlite3_bind_text(C.st_weights, 1, term, -1, SQLITE_TRANSIENT);
	C.page++;
	while (n < CONCEPT_PAGE_DOCS &&
	    (rc = sqlite3_step(C.st_weights)) == SQLITE_ROW) {
		weight = sqlite3_column_int64(C.st_weights, 1);
		if ((d = doc_get(sqlite3_column_int64(C.st_weights, 0))) ==
		    NULL || (r = doc_names(d)) == -1)
			goto fail;
		if (r == 1)
			continue;
		docs[n].name = xstrdup(d->name);
		docs[n].title = xstrdup(d->title);
		docs[n].weight = (uint32_t)weight;
		ids[n++] = d->id;
		p->ndocs_shown = n;
		if (p->defn != NULL)
			continue;
		/* Its row says whether it has a definition: read only then. */
		if ((t = term_find(term, h)) != NULL) {
			for (j = 0; j < d->n && d->terms[j] != t; j++)
				;
			if (j < d->n && !DOC_DEFN(d)[j])
				continue;
		}
		if (doc_defn(term, d, p) == -1)
			goto fail;
	}
	sqlite3_reset(C.st_weights);
	if (n < CONCEPT_PAGE_DOCS && rc != SQLITE_DONE)
		return db_fail(rc, "a concept's documents");
	return 1;
fail:
	sqlite3_reset(C.st_weights);
	return -1;
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
		log_debug("concept pages: documents read %llu times, found "
		    "cached %llu", (unsigned long long)C.misses,
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
	free(C.sdefn);
	free(C.cand);
	C.scratch = C.cand = NULL;
	C.sdefn = NULL;
	C.nscratch = C.ncand = 0;
	sqlite3_finalize(C.st_concepts);
	sqlite3_finalize(C.st_names);
	sqlite3_finalize(C.st_weights);
	sqlite3_finalize(C.st_defn);
	sqlite3_finalize(C.st_isconcept);
	C.st_concepts = C.st_names = C.st_weights = C.st_defn = NULL;
	C.st_isconcept = NULL;
}
