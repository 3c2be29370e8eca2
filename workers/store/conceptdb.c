/*
 * The concept registry's statements (see conceptdb.h), on the committer's
 * connection; prepared at first use and kept until db_close finalizes
 * them (conceptdb_close).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "conceptdb.h"
#include "conceptrel.h"
#include "db.h"
#include "log.h"
#include "xmalloc.h"

/* One slot per statement, finalized by conceptdb_close. */
enum {
	ST_DOC_TERMS,
	ST_DOC_DELETE,
	ST_DOC_DELETE_NEW,
	ST_SIDE_COUNT,
	ST_MERGE_INSERT,
	ST_MERGE_DELETE,
	ST_DOC_INSERT,
	ST_DF,
	ST_COUNT_GET,
	ST_COUNT_SET,
	ST_COUNT_UNSET,
	ST_GET,
	ST_ANY,
	ST_SET,
	ST_UNSET,
	ST_NEIGHBORS,
	ST_PAGE_DOCS,
	ST_INDEX,
	ST_INDEX_COUNT,
	ST_ALL,
	ST_DOC_CONCEPTS,
	ST_TERM_DOCS,
	ST_DOC_ID,
	ST_PEND,
	ST_UNPEND,
	ST_PENDING,
	ST_PENDING_ANY,
	ST_COUNT
};
static sqlite3_stmt	*sts[ST_COUNT];

static sqlite3_stmt *
stmt(int slot, const char *sql)
{
	if (sts[slot] == NULL && sqlite3_prepare_v2(db_conn(), sql, -1,
	    &sts[slot], NULL) != SQLITE_OK)
		fatalx("%s: preparing \"%s\": %s", DB_PATH, sql,
		    sqlite3_errmsg(db_conn()));
	return sts[slot];
}

void
conceptdb_close(void)
{
	size_t	i;

	for (i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(sts[i]);
		sts[i] = NULL;
	}
	conceptrel_close();
}

/* Step a statement that returns no row. */
static int
done(sqlite3_stmt *st, const char *what)
{
	int	rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(rc, what);
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const char	*s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : "";
}

/* Column 0 of every row of st (bound), xstrdup'ed. */
static int
strv(sqlite3_stmt *st, const char *what, char ***v, size_t *n)
{
	size_t	cap = 0;
	int	rc;

	*v = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*v = xreallocarray(*v, cap, sizeof(**v));
		}
		(*v)[(*n)++] = xstrdup(col_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		conceptdb_strv_free(*v, *n);
		*v = NULL;
		*n = 0;
		return db_fail(rc, what);
	}
	return 0;
}

void
conceptdb_strv_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
conceptdb_doc_terms(int64_t doc, char ***terms, size_t *n)
{
	sqlite3_stmt		*st;

	st = stmt(ST_DOC_TERMS,
	    "SELECT term FROM concept_terms_all WHERE doc = ? ORDER BY term");
	sqlite3_bind_int64(st, 1, doc);
	return strv(st, "concept terms", terms, n);
}

int
conceptdb_doc_delete(int64_t doc)
{
	sqlite3_stmt		*st;

	st = stmt(ST_DOC_DELETE,
	    "DELETE FROM concept_terms WHERE doc = ?");
	sqlite3_bind_int64(st, 1, doc);
	if (done(st, "concept terms delete") == -1)
		return -1;
	st = stmt(ST_DOC_DELETE_NEW,
	    "DELETE FROM concept_terms_new WHERE doc = ?");
	sqlite3_bind_int64(st, 1, doc);
	return done(st, "concept terms delete");
}

int
conceptdb_merge(uint64_t max)
{
	sqlite3_stmt		*st;
	int			 rc;
	int64_t			 n;

	st = stmt(ST_SIDE_COUNT, "SELECT count(*) FROM concept_terms_new");
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(rc, "concept terms count");
	}
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (n < 0 || (uint64_t)n < max)
		return 0;
	/*
	 * In the index's order: each of its pages is read and written once
	 * for the whole run. The table's key (doc, term) takes the new
	 * documents at its end whatever the order. OR FAIL: a statement
	 * that may abort keeps a statement journal, the old image of every
	 * page it changes (here most of the index, in memory: temp_store),
	 * to undo itself; a failed merge rolls the whole mutation back
	 * instead, and a document's rows are in one table only, so none
	 * can collide.
	 */
	st = stmt(ST_MERGE_INSERT,
	    "INSERT OR FAIL INTO concept_terms(doc, term, count, weight, defn)"
	    " SELECT doc, term, count, weight, defn FROM concept_terms_new"
	    " ORDER BY term, weight");
	if (done(st, "concept terms merge") == -1)
		return -1;
	st = stmt(ST_MERGE_DELETE, "DELETE FROM concept_terms_new");
	return done(st, "concept terms merge");
}

int
conceptdb_doc_insert(const char *name, const struct concept_term *v,
    size_t n)
{
	sqlite3_stmt		*st;
	size_t			 i;
	int64_t			 id;
	int			 rc;

	/* The document's id once, not a lookup by name per term. */
	st = stmt(ST_DOC_ID, "SELECT id FROM documents WHERE name = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;	/* no such document: nothing to insert */
	if (rc != SQLITE_ROW)
		return db_fail(rc, "concept terms: document lookup");
	st = stmt(ST_DOC_INSERT,
	    "INSERT INTO concept_terms_new(doc, term, count, weight, defn) "
	    "VALUES (?5, ?1, ?2, ?3, ?4)");
	for (i = 0; i < n; i++) {
		sqlite3_bind_text(st, 1, v[i].term, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, v[i].count);
		sqlite3_bind_int64(st, 3, v[i].weight);
		if (v[i].defn != NULL)
			sqlite3_bind_text(st, 4, v[i].defn, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_int64(st, 5, id);
		if (done(st, "concept terms insert") == -1)
			return -1;
	}
	return 0;
}

int
conceptdb_df(const char *term, uint64_t *df)
{
	sqlite3_stmt		*st;
	int			 rc;

	/* A common word keeps its count: see term_counts (dbmigrate.c). */
	st = stmt(ST_COUNT_GET,
	    "SELECT ndocs FROM term_counts WHERE term = ?");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*df = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return db_fail(rc, "term count");
	/*
	 * Each table's count from its index alone: through the view, SQLite
	 * reads every column of every row it counts (each a lookup in the
	 * table), which made a frequent term's count cost thousands of
	 * page reads.
	 */
	st = stmt(ST_DF,
	    "SELECT (SELECT count(*) FROM concept_terms WHERE term = ?1)"
	    " + (SELECT count(*) FROM concept_terms_new WHERE term = ?1)");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(rc, "concept count");
	}
	*df = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
conceptdb_count_set(const char *term, uint64_t ndocs)
{
	sqlite3_stmt		*st;

	st = stmt(ST_COUNT_SET,
	    "INSERT OR REPLACE INTO term_counts(term, ndocs) VALUES (?, ?)");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (int64_t)ndocs);
	return done(st, "term count insert");
}

int
conceptdb_count_unset(const char *term)
{
	sqlite3_stmt		*st;

	st = stmt(ST_COUNT_UNSET,
	    "DELETE FROM term_counts WHERE term = ?");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	return done(st, "term count delete");
}

int
conceptdb_get(const char *term, uint64_t *ndocs)
{
	sqlite3_stmt		*st;
	int			 rc;

	st = stmt(ST_GET,
	    "SELECT ndocs FROM concepts WHERE term = ?");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (ndocs != NULL)
			*ndocs = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(rc, "concept lookup");
}

int
conceptdb_any(void)
{
	sqlite3_stmt		*st;
	int			 rc, any;

	st = stmt(ST_ANY,
	    "SELECT EXISTS (SELECT 1 FROM concepts)");
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(rc, "counting concepts");
	}
	any = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return any;
}

int
conceptdb_set(const char *term, uint64_t ndocs)
{
	sqlite3_stmt		*st;

	st = stmt(ST_SET,
	    "INSERT OR REPLACE INTO concepts(term, ndocs) VALUES (?, ?)");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (int64_t)ndocs);
	return done(st, "concept insert");
}

int
conceptdb_unset(const char *term)
{
	sqlite3_stmt		*st;

	st = stmt(ST_UNSET,
	    "DELETE FROM concepts WHERE term = ?");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	return done(st, "concept delete");
}

int
conceptdb_neighbors(const char *term, char ***terms, size_t *n)
{
	sqlite3_stmt		*st;

	st = stmt(ST_NEIGHBORS,
	    /* A join of the view with itself would scan both tables whole. */
	    "SELECT DISTINCT term FROM ("
	    " SELECT b.term AS term FROM concept_terms_all a"
	    " JOIN concept_terms b ON b.doc = a.doc WHERE a.term = ?1"
	    " UNION ALL"
	    " SELECT b.term FROM concept_terms_all a"
	    " JOIN concept_terms_new b ON b.doc = a.doc WHERE a.term = ?1)"
	    " WHERE term <> ?1 AND term IN (SELECT term FROM concepts)"
	    " ORDER BY term");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	return strv(st, "concept neighbours", terms, n);
}

/*
 * The documents that treat term most into p (CONCEPT_PAGE_DOCS allocated),
 * ties newest first (the term's index read backwards, no sort), their ids
 * into ids, and the definition of the first of them that has
 * one. (Looking for a definition among all of them read every row of a
 * frequent term: no index has defn.)
 */
static int
page_docs(const char *term, struct concept_page *p, int64_t *ids)
{
	sqlite3_stmt		*st;
	struct concept_doc	*docs = (struct concept_doc *)p->docs;
	size_t			 n = 0;
	int			 rc;

	st = stmt(ST_PAGE_DOCS,
	    "SELECT d.name, d.title, t.weight, t.defn, t.doc"
	    " FROM concept_terms_all t"
	    " JOIN documents d ON d.id = t.doc WHERE t.term = ?"
	    " ORDER BY t.weight DESC, t.doc DESC LIMIT ?");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, CONCEPT_PAGE_DOCS);
	while (n < CONCEPT_PAGE_DOCS && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		docs[n].name = xstrdup(col_text(st, 0));
		docs[n].title = xstrdup(col_text(st, 1));
		docs[n].weight = (uint32_t)sqlite3_column_int64(st, 2);
		if (p->defn == NULL &&
		    sqlite3_column_type(st, 3) != SQLITE_NULL) {
			p->defn = xstrdup(col_text(st, 3));
			p->defn_doc = xstrdup(docs[n].name);
			p->defn_title = xstrdup(docs[n].title);
		}
		ids[n++] = sqlite3_column_int64(st, 4);
		p->ndocs_shown = n;
	}
	if (n == CONCEPT_PAGE_DOCS)
		rc = SQLITE_DONE;	/* the LIMIT's */
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_fail(rc, "concept page");
}

int
conceptdb_page(const char *term, struct concept_page *p)
{
	char			**rel;
	int64_t			 ids[CONCEPT_PAGE_DOCS];
	uint64_t		 df;
	size_t			 nrel;
	int			 rc;

	memset(p, 0, sizeof(*p));
	/* A concept's row has its count; counting its rows grew with the KB. */
	if ((rc = conceptdb_get(term, &df)) == -1 ||
	    (rc == 0 && conceptdb_df(term, &df) == -1))
		return -1;
	p->term = xstrdup(term);
	p->ndocs = df;
	p->docs = xcalloc(CONCEPT_PAGE_DOCS, sizeof(*p->docs));
	/* In a flush from its cache, else by SQL (conceptrel.c). */
	if ((rc = conceptrel_docs(term, p, ids)) == 0)
		rc = page_docs(term, p, ids);
	/*
	 * Related: the concepts sharing most of the documents listed above,
	 * bounded by the page, where all of its documents' terms grew with
	 * the KB.
	 */
	if (rc == -1 ||
	    conceptrel_rank(term, ids, p->ndocs_shown, &rel, &nrel) == -1) {
		conceptdb_page_free(p);
		return -1;
	}
	p->related = rel;
	p->nrelated = nrel;
	return 0;
}

void
conceptdb_page_free(struct concept_page *p)
{
	size_t	i;

	for (i = 0; i < p->ndocs_shown; i++) {
		free((char *)p->docs[i].name);
		free((char *)p->docs[i].title);
	}
	free((void *)p->docs);
	free((char *)p->term);
	free((char *)p->defn);
	free((char *)p->defn_doc);
	free((char *)p->defn_title);
	conceptdb_strv_free((char **)p->related, p->nrelated);
	memset(p, 0, sizeof(*p));
}

int
conceptdb_index(size_t max, struct concept_entry **e, size_t *n,
    uint64_t *total)
{
	sqlite3_stmt		*st, *st_count;
	int			 rc;

	*e = xcalloc(max ? max : 1, sizeof(**e));
	*n = 0;
	st = stmt(ST_INDEX,
	    "SELECT term, ndocs FROM concepts"
	    " ORDER BY ndocs DESC, term LIMIT ?");
	sqlite3_bind_int64(st, 1, (int64_t)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*e)[*n].term = xstrdup(col_text(st, 0));
		(*e)[(*n)++].ndocs = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		st_count = stmt(ST_INDEX_COUNT, "SELECT count(*) FROM concepts");
		if ((rc = sqlite3_step(st_count)) == SQLITE_ROW) {
			*total = (uint64_t)sqlite3_column_int64(st_count, 0);
			rc = SQLITE_DONE;
		}
		sqlite3_reset(st_count);
	}
	if (rc != SQLITE_DONE) {
		conceptdb_index_free(*e, *n);
		*e = NULL;
		*n = 0;
		return db_fail(rc, "concepts index");
	}
	return 0;
}

void
conceptdb_index_free(struct concept_entry *e, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free((char *)e[i].term);
	free(e);
}

int
conceptdb_all(char ***terms, size_t *n)
{
	sqlite3_stmt		*st;

	st = stmt(ST_ALL,
	    "SELECT term FROM concepts ORDER BY term");
	return strv(st, "concepts", terms, n);
}

int
conceptdb_doc_concepts(int64_t doc, char ***terms, size_t *n)
{
	sqlite3_stmt		*st;

	st = stmt(ST_DOC_CONCEPTS,
	    "SELECT t.term FROM concept_terms_all t"
	    " JOIN concepts k ON k.term = t.term WHERE t.doc = ?"
	    " ORDER BY t.term");
	sqlite3_bind_int64(st, 1, doc);
	return strv(st, "a document's concepts", terms, n);
}

int
conceptdb_term_docs(const char *term, int64_t **ids, char ***names,
    size_t *n)
{
	sqlite3_stmt		*st;
	size_t			 cap = 0;
	int			 rc;

	*ids = NULL;
	*names = NULL;
	*n = 0;
	st = stmt(ST_TERM_DOCS,
	    "SELECT d.id, d.name FROM concept_terms_all t"
	    " JOIN documents d ON d.id = t.doc WHERE t.term = ?"
	    " ORDER BY d.id");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*ids = xreallocarray(*ids, cap, sizeof(**ids));
			*names = xreallocarray(*names, cap, sizeof(**names));
		}
		(*ids)[*n] = sqlite3_column_int64(st, 0);
		(*names)[(*n)++] = xstrdup(col_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*ids);
		conceptdb_strv_free(*names, *n);
		*ids = NULL;
		*names = NULL;
		*n = 0;
		return db_fail(rc, "a term's documents");
	}
	return 0;
}

int
conceptdb_pend(const char *term)
{
	sqlite3_stmt		*st;

	st = stmt(ST_PEND,
	    "INSERT OR IGNORE INTO concepts_pending(term) VALUES (?)");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	return done(st, "pending concept page insert");
}

int
conceptdb_unpend(const char *term)
{
	sqlite3_stmt		*st;

	st = stmt(ST_UNPEND,
	    "DELETE FROM concepts_pending WHERE term = ?");
	sqlite3_bind_text(st, 1, term, -1, SQLITE_TRANSIENT);
	return done(st, "pending concept page delete");
}

int
conceptdb_pending(const char *after, size_t max, char ***terms, size_t *n)
{
	sqlite3_stmt		*st;

	st = stmt(ST_PENDING, "SELECT term FROM concepts_pending"
	    " WHERE term > ? ORDER BY term LIMIT ?");
	sqlite3_bind_text(st, 1, after, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	return strv(st, "pending concept pages", terms, n);
}

int
conceptdb_pending_any(void)
{
	sqlite3_stmt		*st;
	int			 rc, any;

	st = stmt(ST_PENDING_ANY,
	    "SELECT EXISTS (SELECT 1 FROM concepts_pending)");
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(rc, "pending concept pages");
	}
	any = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return any;
}
