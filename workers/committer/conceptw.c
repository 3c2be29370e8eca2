/*
 * The committer's side of concepts: what a batch or a remove does to the
 * concept registry and to wiki/concepts/, incrementally. Only the terms
 * of the mutation's own documents are looked at (their new candidate
 * terms, and the old ones of documents replaced or removed): their
 * document counts change, they may become or stop being concepts, and
 * their pages are rewritten once each. A term that becomes or stops being
 * a concept also changes the "related" list of the concepts it shares a
 * document with: those pages are rewritten too. Then the bounded index,
 * wiki/concepts/index.md.
 *
 * Journaled like every wiki write: conceptw_track names every page the
 * mutation may write or remove before the journal is activated, and
 * conceptw_apply, inside the mutation's transaction, changes the
 * registry, writes the pages and makes them durable before the commit
 * point. A summary links to its document's concepts (a section after
 * its keywords): a batch's own summaries get theirs from the plan; the
 * summaries of other documents holding a term that becomes or stops
 * being a concept get the section rewritten (tracked likewise).
 * Fail points: concepts.page (.fsync, .rename), concepts.summary (.fsync,
 * .rename), concepts.unlink,
 * concepts.index (.fsync, .rename), concepts.fsync.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "conceptdb.h"
#include "concepts.h"
#include "db.h"
#include "fsio.h"
#include "journal.h"
#include "kbpath.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#if defined(KBD_DRILL_BREAK_CONCEPTS_NOJOURNAL) && !defined(KBD_FAILPOINTS)
#error "KBD_DRILL_BREAK_* variants are test builds (FAILPOINTS=1) only"
#endif

struct cw_doc {
	char			*name;
	int64_t			 old;		/* replaced document, or 0 */
	struct concept_term	*t;
	size_t			 nt;
};

struct cw_term {
	char		*term;
	int64_t		 delta;		/* documents gained minus lost */
	int64_t		 lost;		/* documents lost */
	int		 was, will;	/* a concept before, after */
	uint64_t	 df;		/* after */
	int		 page;		/* its page is rewritten or removed */
	int		 pend;		/* its page left to the flush */
	int		 kept;		/* df was its term_counts row's */
};

/* A summary outside the mutation whose concepts section changes. */
struct cw_sum {
	int64_t		 id;
	char		*path;
};

struct conceptw {
	struct cw_sum	*sums;		/* sorted by id, unique, once planned */
	size_t		 nsums, scap;
	int64_t		*mut;		/* ids replaced or dropped, sorted */
	size_t		 nmut;
	struct cw_doc	*docs;
	size_t		 ndocs;
	int64_t		*drops;
	size_t		 ndrops;
	struct cw_term	*terms;		/* sorted by term once planned */
	size_t		 nterms, tcap;
	size_t		*slots;		/* until sorted: hash of terms, +1 */
	size_t		 nslots;
	int		 defer;		/* pages of added documents pend */
	size_t		 npend;		/* pages left to the flush */
};

struct conceptw *
conceptw_new(void)
{
	return xcalloc(1, sizeof(struct conceptw));
}

void
conceptw_free(struct conceptw *cw)
{
	size_t	i;

	if (cw == NULL)
		return;
	for (i = 0; i < cw->ndocs; i++) {
		free(cw->docs[i].name);
		concepts_terms_free(cw->docs[i].t, cw->docs[i].nt);
	}
	free(cw->docs);
	free(cw->drops);
	for (i = 0; i < cw->nsums; i++)
		free(cw->sums[i].path);
	free(cw->sums);
	free(cw->mut);
	for (i = 0; i < cw->nterms; i++)
		free(cw->terms[i].term);
	free(cw->terms);
	free(cw->slots);
	free(cw);
}

void
conceptw_defer(struct conceptw *cw)
{
	cw->defer = 1;
}

void
conceptw_add(struct conceptw *cw, const char *name, int64_t old,
    const struct concept_term *t, size_t nt)
{
	struct cw_doc	*d;
	size_t		 i;

	cw->docs = xreallocarray(cw->docs, cw->ndocs + 1, sizeof(*cw->docs));
	d = &cw->docs[cw->ndocs++];
	d->name = xstrdup(name);
	d->old = old;
	/* A copy: the item keeps its own for a batch committed again. */
	d->t = xcalloc(nt ? nt : 1, sizeof(*d->t));
	for (i = 0; i < nt; i++) {
		d->t[i].term = xstrdup(t[i].term);
		d->t[i].count = t[i].count;
		d->t[i].weight = t[i].weight;
		if (t[i].defn != NULL)
			d->t[i].defn = xstrdup(t[i].defn);
	}
	d->nt = nt;
}

void
conceptw_drop(struct conceptw *cw, int64_t id)
{
	cw->drops = xreallocarray(cw->drops, cw->ndrops + 1,
	    sizeof(*cw->drops));
	cw->drops[cw->ndrops++] = id;
}

static uint64_t
term_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* The slot of term in cw->slots: its entry's, or the empty one to use. */
static size_t *
term_slot(struct conceptw *cw, const char *term)
{
	size_t	i, *sl;

	i = (size_t)term_hash(term) & (cw->nslots - 1);
	for (;;) {
		sl = &cw->slots[i];
		if (*sl == 0 || strcmp(cw->terms[*sl - 1].term, term) == 0)
			return sl;
		i = (i + 1) & (cw->nslots - 1);
	}
}

/*
 * The entry of term, added (delta 0) when new. Hashed until the plan
 * sorts the terms: a batch of a hundred documents looks up thousands of
 * terms, and a linear search made that quadratic.
 */
static struct cw_term *
term_get(struct conceptw *cw, const char *term)
{
	size_t	i, *sl;

	if (cw->nterms * 2 >= cw->nslots) {
		free(cw->slots);
		cw->nslots = cw->nslots ? cw->nslots * 2 : 256;
		cw->slots = xcalloc(cw->nslots, sizeof(*cw->slots));
		for (i = 0; i < cw->nterms; i++)
			*term_slot(cw, cw->terms[i].term) = i + 1;
	}
	sl = term_slot(cw, term);
	if (*sl != 0)
		return &cw->terms[*sl - 1];
	if (cw->nterms == cw->tcap) {
		cw->tcap = cw->tcap ? 2 * cw->tcap : 64;
		cw->terms = xreallocarray(cw->terms, cw->tcap,
		    sizeof(*cw->terms));
	}
	memset(&cw->terms[cw->nterms], 0, sizeof(cw->terms[0]));
	cw->terms[cw->nterms].term = xstrdup(term);
	*sl = ++cw->nterms;
	return &cw->terms[cw->nterms - 1];
}

static int
cmp_term(const void *a, const void *b)
{
	return strcmp(((const struct cw_term *)a)->term,
	    ((const struct cw_term *)b)->term);
}

/* Old terms of a document that goes (removed, or replaced): one less. */
static char *
lose_terms(struct conceptw *cw, int64_t id)
{
	struct cw_term	*t;
	char	**v;
	size_t	  n, i;

	if (conceptdb_doc_terms(id, &v, &n) == -1)
		return errf("registry: %s", db_errmsg());
	for (i = 0; i < n; i++) {
		t = term_get(cw, v[i]);
		t->delta--;
		t->lost++;
	}
	conceptdb_strv_free(v, n);
	return NULL;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
cmp_sum(const void *a, const void *b)
{
	return cmp_id(&((const struct cw_sum *)a)->id,
	    &((const struct cw_sum *)b)->id);
}

/*
 * Whether document id is one the mutation replaces or drops: asked once
 * per document of a term that changes status (tens of thousands when a
 * frequent term crosses the ceiling), so a sorted array, made once.
 */
static int
in_mutation(struct conceptw *cw, int64_t id)
{
	size_t	i;

	if (cw->mut == NULL) {
		cw->mut = xreallocarray(NULL, cw->ndocs + cw->ndrops + 1,
		    sizeof(*cw->mut));
		for (i = 0; i < cw->ndocs; i++)
			if (cw->docs[i].old != 0)
				cw->mut[cw->nmut++] = cw->docs[i].old;
		for (i = 0; i < cw->ndrops; i++)
			cw->mut[cw->nmut++] = cw->drops[i];
		qsort(cw->mut, cw->nmut, sizeof(*cw->mut), cmp_id);
	}
	return bsearch(&id, cw->mut, cw->nmut, sizeof(*cw->mut),
	    cmp_id) != NULL;
}

/*
 * The summaries of the other documents holding a term that becomes or
 * stops being a concept: their concepts section changes. A document of
 * several such terms is listed once (sums_unique, after the last term).
 */
static char *
plan_summaries(struct conceptw *cw, const char *term)
{
	int64_t	*ids;
	char	**names;
	size_t	 n, i;

	if (conceptdb_term_docs(term, &ids, &names, &n) == -1)
		return errf("registry: %s", db_errmsg());
	for (i = 0; i < n; i++) {
		if (in_mutation(cw, ids[i]))
			continue;
		if (cw->nsums == cw->scap) {
			cw->scap = cw->scap ? cw->scap * 2 : 64;
			cw->sums = xreallocarray(cw->sums, cw->scap,
			    sizeof(*cw->sums));
		}
		cw->sums[cw->nsums].id = ids[i];
		cw->sums[cw->nsums++].path = kbpath_summary(names[i]);
	}
	free(ids);
	conceptdb_strv_free(names, n);
	return NULL;
}

/* The planned summaries sorted by id, each once. */
static void
sums_unique(struct conceptw *cw)
{
	size_t	i, k;

	if (cw->nsums == 0)
		return;
	qsort(cw->sums, cw->nsums, sizeof(*cw->sums), cmp_sum);
	for (i = 1, k = 0; i < cw->nsums; i++) {
		if (cw->sums[i].id == cw->sums[k].id)
			free(cw->sums[i].path);
		else
			cw->sums[++k] = cw->sums[i];
	}
	cw->nsums = k + 1;
}

/*
 * Before the journal: which terms change and how, given the KB's
 * document count after the mutation. The pages to write are those of
 * the terms that are concepts before or after, and of the concepts
 * sharing a document with a term that changes status.
 */
char *
conceptw_plan(struct conceptw *cw, uint64_t ndocs_after)
{
	struct cw_term	*t;
	char		*err, **nb;
	uint64_t	 df;
	size_t		 i, k, n, nplanned;
	int		 r, born;

	for (i = 0; i < cw->ndocs; i++) {
		if (cw->docs[i].old != 0 &&
		    (err = lose_terms(cw, cw->docs[i].old)) != NULL)
			return err;
		for (k = 0; k < cw->docs[i].nt; k++)
			term_get(cw, cw->docs[i].t[k].term)->delta++;
	}
	for (i = 0; i < cw->ndrops; i++)
		if ((err = lose_terms(cw, cw->drops[i])) != NULL)
			return err;
	nplanned = cw->nterms;
	for (i = 0; i < nplanned; i++) {
		t = &cw->terms[i];
		/*
		 * A concept's count is its row's (kept exact by every
		 * mutation): counting the rows of a frequent term read a
		 * number of index entries that grew with the KB.
		 */
		if ((r = conceptdb_get(t->term, &df)) == -1 ||
		    (r == 0 && (t->kept = conceptdb_df(t->term, &df)) == -1))
			return errf("registry: %s", db_errmsg());
		t->was = r;
		t->df = (uint64_t)((int64_t)df + t->delta);
		t->will = concepts_is_concept(t->df, ndocs_after, t->was);
		t->page = t->was || t->will;
		/*
		 * A concept that only gains documents keeps every link of
		 * its page good: the page waits for the flush, so a frequent
		 * concept is not rewritten by every batch of a large add.
		 */
		if (cw->defer && t->was && t->will && t->lost == 0) {
			t->page = 0;
			t->pend = 1;
		}
	}
	/*
	 * Neighbours of a term that changes status (terms[] may grow): their
	 * related lists may change. One that lost a concept may link to its
	 * page: written now. One that gained a concept, in a batch, may wait
	 * for the flush: its links stay good.
	 */
	for (i = 0; i < nplanned; i++) {
		if (cw->terms[i].was == cw->terms[i].will)
			continue;
		born = cw->terms[i].will;
		if ((err = plan_summaries(cw, cw->terms[i].term)) != NULL)
			return err;
		if (conceptdb_neighbors(cw->terms[i].term, &nb, &n) == -1)
			return errf("registry: %s", db_errmsg());
		for (k = 0; k < n; k++) {
			t = term_get(cw, nb[k]);
			if (t->pend && !born) {
				t->pend = 0;
				t->page = 1;
			}
			if (t - cw->terms >= (ptrdiff_t)nplanned) {
				/* A concept untouched but for its list. */
				t->was = t->will = 1;
				t->page = !(cw->defer && born);
				t->pend = !t->page;
				if (conceptdb_get(t->term, &t->df) == -1) {
					conceptdb_strv_free(nb, n);
					return errf("registry: %s",
					    db_errmsg());
				}
			}
		}
		conceptdb_strv_free(nb, n);
	}
	sums_unique(cw);
	free(cw->slots);
	cw->slots = NULL;
	cw->nslots = 0;
	if (cw->nterms > 0)
		qsort(cw->terms, cw->nterms, sizeof(*cw->terms),
		    cmp_term);
	return NULL;
}

/* Whether the mutation writes any concept page (and so the index). */
static int
any_page(const struct conceptw *cw)
{
	size_t	i;

	for (i = 0; i < cw->nterms; i++)
		if (cw->terms[i].page)
			return 1;
	return 0;
}

int
conceptw_track(struct conceptw *cw, struct journal *j)
{
	char	*path;
	size_t	 i;
	int	 r;

#ifdef KBD_DRILL_BREAK_CONCEPTS_NOJOURNAL
	/* Negative control: concept pages rewritten outside the journal. */
	return 0;
#endif
	for (i = 0; i < cw->nterms; i++) {
		if (!cw->terms[i].page)
			continue;
		if ((path = kbpath_concept(cw->terms[i].term)) == NULL)
			fatalx("concept term \"%s\"", cw->terms[i].term);
		r = journal_track(j, path);
		free(path);
		if (r == -1)
			return -1;
	}
	if (any_page(cw) && journal_track(j, KB_CONCEPTS_INDEX) == -1)
		return -1;
	for (i = 0; i < cw->nsums; i++)
		if (journal_track(j, cw->sums[i].path) == -1)
			return -1;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
conceptw_summary_section(const struct conceptw *cw, const char *name,
    size_t *hint)
{
	const struct cw_doc	*d = NULL;
	struct cw_term		 key, *t;
	char			**v, *sec;
	size_t			 i, k, n = 0;

	/*
	 * The documents are asked for in the order they were added: from
	 * just after the last one found, once round. From the first each
	 * time, a batch of 2,000 documents compared two million names.
	 */
	for (k = 0; k < cw->ndocs && d == NULL; k++) {
		i = (*hint + k) % cw->ndocs;
		if (strcmp(cw->docs[i].name, name) == 0) {
			d = &cw->docs[i];
			*hint = i + 1;
		}
	}
	if (d == NULL)
		return xstrdup("");
	/* Only the term is compared; the rest zeroed (cppcheck). */
	memset(&key, 0, sizeof(key));
	v = xcalloc(d->nt ? d->nt : 1, sizeof(*v));
	for (i = 0; i < d->nt; i++) {
		key.term = d->t[i].term;
		t = bsearch(&key, cw->terms, cw->nterms, sizeof(*cw->terms),
		    cmp_term);
		if (t != NULL && t->will)
			v[n++] = t->term;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_str);
	sec = concepts_summary_section(v, n);
	free(v);
	return sec;
}

char *
conceptw_summary_fix(int64_t id, char *page, size_t *len, char **err)
{
	char	**v, *sec, *out;
	size_t	  n, cut, slen;

	*err = NULL;
	if (conceptdb_doc_concepts(id, &v, &n) == -1) {
		*err = errf("registry: %s", db_errmsg());
		return page;
	}
	sec = concepts_summary_section(v, n);
	conceptdb_strv_free(v, n);
	cut = concepts_summary_strip(page, *len);
	slen = strlen(sec);
	out = xmalloc(cut + slen + 1);
	memcpy(out, page, cut);
	memcpy(out + cut, sec, slen + 1);
	free(sec);
	free(page);
	*len = cut + slen;
	return out;
}

/* The concepts section of a summary outside the mutation, rewritten. */
static char *
write_summary(const struct cw_sum *s)
{
	struct stat	 st;
	char		*page, *err;
	size_t		 len;

	/* Not there, or not a file: lint's business. */
	if (lstat(s->path, &st) == -1 || !S_ISREG(st.st_mode))
		return NULL;
	if ((page = read_file(s->path, &len)) == NULL)
		return errf("%s: %s", s->path, strerror(errno));
	page = conceptw_summary_fix(s->id, page, &len, &err);
	if (err == NULL && fsio_write_batched(s->path, page, len,
	    "concepts.summary") == -1)
		err = errf("%s: %s", s->path, strerror(errno));
	else if (err == NULL)
		commit_published(s->path);
	free(page);
	return err;
}

/* Write (or, no longer a concept, remove) one concept's page. */
static char *
page_write(const char *term, int will)
{
	struct concept_page	 p;
	char			*path, *page, *err = NULL;
	size_t			 len;

	if ((path = kbpath_concept(term)) == NULL)
		fatalx("concept term \"%s\"", term);
	if (!will) {
		if (fsio_unlink(path, "concepts.unlink") == -1)
			err = errf("%s: %s", path, strerror(errno));
		free(path);
		return err;
	}
	if (conceptdb_page(term, &p) == -1) {
		free(path);
		return errf("registry: %s", db_errmsg());
	}
	page = concepts_page(&p, &len);
	conceptdb_page_free(&p);
	if (fsio_write_batched(path, page, len, "concepts.page") == -1)
		err = errf("%s: %s", path, strerror(errno));
	else
		commit_published(path);
	free(page);
	free(path);
	return err;
}

static char *
write_page(const struct cw_term *t)
{
	return page_write(t->term, t->will);
}

char *
conceptw_write_page(const char *term)
{
	int	r;

	if ((r = conceptdb_get(term, NULL)) == -1)
		return errf("registry: %s", db_errmsg());
	return page_write(term, r);
}

size_t
conceptw_npend(const struct conceptw *cw)
{
	return cw->npend;
}

char *
conceptw_index_render(char **buf, size_t *len)
{
	struct concept_entry	*e;
	size_t			 n;
	uint64_t		 total;

	if (conceptdb_index(CONCEPT_INDEX_MAX, &e, &n, &total) == -1)
		return errf("registry: %s", db_errmsg());
	*buf = concepts_index(e, n, total, len);
	conceptdb_index_free(e, n);
	return NULL;
}

/*
 * Rows of the side table of concept terms that make a merge into the
 * index by term (conceptdb_merge): two or three batches of 2048 documents
 * in the ingest bench (12 terms a document).
 * A run costs one pass over the index, whatever its length, so the
 * longer the run the less a batch pays; the side table, read by every
 * query as well, stays a few hundred pages.
 */
#define CONCEPT_MERGE_ROWS	65536

static uint64_t
merge_rows(void)
{
	static uint64_t	 rows;

	/* Tests: KBD_CONCEPT_MERGE_ROWS=N merges in runs of N rows or more. */
	if (rows == 0)
		rows = env_u64("KBD_CONCEPT_MERGE_ROWS", CONCEPT_MERGE_ROWS, 1,
		    UINT64_MAX);
	return rows;
}

/*
 * In the mutation's open transaction, after its documents' rows: the
 * registry's terms and concepts, then the pages, made durable.
 */
char *
conceptw_apply(struct conceptw *cw)
{
	struct cw_term	*t;
	char		*err = NULL;
	size_t		 i;

	for (i = 0; i < cw->ndrops; i++)
		if (conceptdb_doc_delete(cw->drops[i]) == -1)
			return errf("registry: %s", db_errmsg());
	for (i = 0; i < cw->ndocs; i++)
		if ((cw->docs[i].old != 0 &&
		    conceptdb_doc_delete(cw->docs[i].old) == -1) ||
		    conceptdb_doc_insert(cw->docs[i].name, cw->docs[i].t,
		    cw->docs[i].nt) == -1)
			return errf("registry: %s", db_errmsg());
	if (cw->ndocs > 0 && conceptdb_merge(merge_rows()) == -1)
		return errf("registry: %s", db_errmsg());
	for (i = 0; i < cw->nterms; i++) {
		t = &cw->terms[i];
		if ((t->will && conceptdb_set(t->term, t->df) == -1) ||
		    (!t->will && t->was && conceptdb_unset(t->term) == -1) ||
		    (!t->will && t->df >= concepts_count_keep() &&
		    conceptdb_count_set(t->term, t->df) == -1) ||
		    ((t->will || t->df < concepts_count_keep()) && t->kept &&
		    conceptdb_count_unset(t->term) == -1) ||
		    (t->pend && conceptdb_pend(t->term) == -1) ||
		    (t->page && conceptdb_unpend(t->term) == -1))
			return errf("registry: %s", db_errmsg());
		if (t->pend)
			cw->npend++;
	}
	for (i = 0; i < cw->nsums && err == NULL; i++)
		err = write_summary(&cw->sums[i]);
	if (err != NULL)
		return err;
	if (!any_page(cw))
		return NULL;
	for (i = 0; i < cw->nterms && err == NULL; i++)
		if (cw->terms[i].page)
			err = write_page(&cw->terms[i]);
	if (err == NULL)
		err = conceptw_write_index();
	if (err == NULL)
		commit_sync("concepts.fsync");
	return err;
}

char *
conceptw_write_index(void)
{
	char	*err, *buf;
	size_t	 len;

	if ((err = conceptw_index_render(&buf, &len)) != NULL)
		return err;
	if (fsio_write_batched(KB_CONCEPTS_INDEX, buf, len,
	    "concepts.index") == -1)
		err = errf("%s: %s", KB_CONCEPTS_INDEX, strerror(errno));
	else
		commit_published(KB_CONCEPTS_INDEX);
	free(buf);
	return err;
}

/* Lint. */

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Compare path with the page text: 0 it is, 1 it differs, 2 missing.
 * -1: not a regular file we may replace (lint_dir's business).
 */
static int
page_state(const char *path, const char *text, size_t len)
{
	struct stat	 st;
	char		*old;
	size_t		 oldlen;
	int		 r;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 2 : -1;
	if (!S_ISREG(st.st_mode) || (old = read_file(path, &oldlen)) == NULL)
		return -1;
	r = oldlen != len || memcmp(old, text, len) != 0;
	free(old);
	return r;
}

char *
conceptw_lint(const struct conceptw_lint_cb *cb, void *arg)
{
	struct concept_page	 p;
	struct stat		 sb;
	struct dirent		*de;
	DIR			*dir;
	char			**terms, **names, *path, *page, *err = NULL;
	size_t			 n, i, len;
	int			 st;

	if (conceptdb_all(&terms, &n) == -1)
		return errf("registry: %s", db_errmsg());
	names = xcalloc(n ? n : 1, sizeof(*names));
	for (i = 0; i < n && err == NULL; i++) {
		if ((names[i] = kbpath_concept_name(terms[i])) == NULL) {
			names[i] = xstrdup("");
			continue;
		}
		path = kbpath_concept(terms[i]);
		if (conceptdb_page(terms[i], &p) == -1) {
			err = errf("registry: %s", db_errmsg());
			free(path);
			break;
		}
		page = concepts_page(&p, &len);
		conceptdb_page_free(&p);
		if ((st = page_state(path, page, len)) > 0)
			cb->page(arg, path, terms[i], page, len, st == 2);
		else {
			free(path);
			free(page);
		}
	}
	if (err == NULL && (err = conceptw_index_render(&page, &len)) == NULL) {
		/* Before any concept, the index is written with the first. */
		st = page_state(KB_CONCEPTS_INDEX, page, len);
		if (st == 1 || (st == 2 && n > 0))
			cb->page(arg, xstrdup(KB_CONCEPTS_INDEX), NULL, page,
			    len, st == 2);
		else
			free(page);
	}
	/* Strays: regular files that are no concept's page. */
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_strp);
	if (err == NULL && (dir = opendir(KB_CONCEPTS)) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			len = strlen(de->d_name);
			if (de->d_name[0] == '.' || len < 4 ||
			    strcmp(de->d_name + len - 3, ".md") != 0)
				continue;
			if (strcmp(de->d_name, "index.md") == 0)
				continue;
			page = xstrndup(de->d_name, len - 3);
			if (bsearch(&page, names, n, sizeof(*names),
			    cmp_strp) == NULL) {
				xasprintf(&path, KB_CONCEPTS "/%s",
				    de->d_name);
				if (lstat(path, &sb) == 0 &&
				    S_ISREG(sb.st_mode))
					cb->stray(arg, path);
				else
					free(path);
			}
			free(page);
		}
		closedir(dir);
	}
	conceptdb_strv_free(names, n);
	conceptdb_strv_free(terms, n);
	return err;
}
