/*
 * The registry's statements for what the wiki derives from it and for
 * recompile (the committer's connection, db.c): each document's converter
 * and version, a recompile's lookups and a job's stored request, the links
 * between documents (linkw.c), and the groups the index pages list
 * (wikiindex.c). Apart from db.c, which holds the schema, its migrations
 * and the documents, sources and jobs.
 */
#include <sys/types.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "db.h"
#include "db_int.h"
#include "log.h"
#include "tokenizer.h"
#include "util.h"
#include "xmalloc.h"

static sqlite3_stmt	*st_conv_set, *st_recompile_get, *st_recompiled; /* lazy */
static sqlite3_stmt	*st_group_inc, *st_group_dec, *st_group_gone;	/* lazy */
static sqlite3_stmt	*st_links[16];	/* lazy: links (schema 9), by slot */

void
dbwiki_close(void)
{
	sqlite3_stmt	**sts[] = { &st_conv_set, &st_recompile_get,
	    &st_recompiled, &st_group_inc, &st_group_dec, &st_group_gone };
	size_t		  i;

	(void)db_groups_release(0);
	for (i = 0; i < sizeof(st_links) / sizeof(st_links[0]); i++) {
		sqlite3_finalize(st_links[i]);
		st_links[i] = NULL;
	}
	for (i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
		sqlite3_finalize(*sts[i]);
		*sts[i] = NULL;
	}
}

/*
 * The documents a batch adds, counted a run at a time while held
 * (db_groups_hold): in scan order a folder's documents, and mostly their
 * type, come together, and an upsert for each document's two groups was
 * some 21,000 instructions a document (callgrind). runs[0] is a
 * type (value: the extension), runs[1] a folder (value: a source path in
 * it, len: its folder's bytes, up to the last '/', as DB_FOLDER_OF).
 */
static struct {
	char		*value;
	size_t		 len;
	uint64_t	 n;
} runs[2];
static int	groups_held;

static size_t
group_len(int g, const char *v)
{
	const char	*slash;

	if (g == 0)
		return strlen(v) + 1;	/* the NUL too: the whole name */
	slash = strrchr(v, '/');
	return slash != NULL ? (size_t)(slash - v) + 1 : 0;
}

static void
groups_prep(void)
{
	if (st_group_inc != NULL)
		return;
	st_group_inc = db_prep("INSERT INTO index_groups(folder, value, n)"
	    " VALUES (?1, iif(?1, " DB_FOLDER_OF("?2") ", ?2), ?3)"
	    " ON CONFLICT(folder, value) DO UPDATE SET n = n + excluded.n");
	st_group_dec = db_prep("UPDATE index_groups SET n = n - 1"
	    " WHERE folder = ?1 AND value = iif(?1, "
	    DB_FOLDER_OF("?2") ", ?2)");
	st_group_gone = db_prep("DELETE FROM index_groups"
	    " WHERE folder = ?1 AND value = iif(?1, "
	    DB_FOLDER_OF("?2") ", ?2) AND n <= 0");
}

static int
group_add(int g, const char *v, uint64_t n)
{
	groups_prep();
	sqlite3_bind_int(st_group_inc, 1, g);
	db_bind_text(st_group_inc, 2, v);
	sqlite3_bind_int64(st_group_inc, 3, (sqlite3_int64)n);
	return db_run(st_group_inc, "counting an index group");
}

/* Write the runs held (apply) or drop them; 0 or -1. */
static int
runs_end(int apply)
{
	int	g, r = 0;

	for (g = 0; g < 2; g++) {
		if (apply && r == 0 && runs[g].n > 0)
			r = group_add(g, runs[g].value, runs[g].n);
		free(runs[g].value);
		runs[g].value = NULL;
		runs[g].n = 0;
	}
	return r;
}

void
db_groups_hold(void)
{
	(void)runs_end(0);
	groups_held = 1;
}

int
db_groups_release(int apply)
{
	groups_held = 0;
	return runs_end(apply);
}

/* A document more in group g held: its run, or a new one. 0 or -1. */
static int
group_held(int g, const char *v)
{
	size_t	len = group_len(g, v);

	if (runs[g].n > 0 && runs[g].len == len &&
	    memcmp(runs[g].value, v, len) == 0) {
		runs[g].n++;
		return 0;
	}
	if (runs[g].n > 0 && group_add(g, runs[g].value, runs[g].n) == -1)
		return -1;
	free(runs[g].value);
	runs[g].value = xstrdup(v);
	runs[g].len = len;
	runs[g].n = 1;
	return 0;
}

/*
 * index_groups (schema 15): the type ext and the folder of src_path (each
 * when not NULL) gain (delta 1) or lose (-1) a document; a group that
 * has none left goes. In the transaction that changes the document.
 */
int
db_groups_change(const char *ext, const char *src_path, int delta)
{
	const char	*v[2] = { ext, src_path };
	int		 g;

	/* A loss is written at once, behind the gains held before it. */
	if (groups_held && delta < 0 && (runs_end(1) == -1))
		return -1;
	groups_prep();
	for (g = 0; g < 2; g++) {
		if (v[g] == NULL)
			continue;
		if (delta > 0) {
			if ((groups_held ? group_held(g, v[g]) :
			    group_add(g, v[g], 1)) == -1)
				return -1;
			continue;
		}
		sqlite3_bind_int(st_group_dec, 1, g);
		db_bind_text(st_group_dec, 2, v[g]);
		sqlite3_bind_int(st_group_gone, 1, g);
		db_bind_text(st_group_gone, 2, v[g]);
		if (db_run(st_group_dec, "counting an index group") == -1 ||
		    db_run(st_group_gone, "counting an index group") == -1)
			return -1;
	}
	return 0;
}

int
db_groups_moved(const char *from, const char *to)
{
	if (db_groups_change(NULL, from, -1) == -1)
		return -1;
	return db_groups_change(NULL, to, 1);
}

/*
 * Recompile (schema 8). db_doc_converter records the converter that made
 * a document's Markdown, in the batch's transaction.
 */
int
db_doc_converter(int64_t id, const char *converter, unsigned version)
{
	sqlite3_stmt	*st;

	if (st_conv_set == NULL)
		st_conv_set = db_prep("UPDATE documents SET converter = ?, "
		    "conv_version = ? WHERE id = ?");
	st = st_conv_set;
	db_bind_text(st, 1, converter != NULL ? converter : "");
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	sqlite3_bind_int64(st, 3, id);
	return db_run(st, "recording a document's converter");
}

/* A document to recompile, by name: 1 found (r filled), 0 not, -1. */
int
db_doc_recompile_get(const char *name, struct db_recompile *r)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (st_recompile_get == NULL)
		st_recompile_get = db_prep("SELECT id, ext, hash, title, "
		    "description, converter, conv_version FROM documents "
		    "WHERE name = ?");
	st = st_recompile_get;
	db_bind_text(st, 1, name);
	if ((rc = db_row(st, "document lookup")) != 1)
		return rc;
	r->id = sqlite3_column_int64(st, 0);
	r->ext = db_col_text(st, 1);
	r->hash = db_col_text(st, 2);
	r->title = db_col_text(st, 3);
	r->description = db_col_text(st, 4);
	r->converter = db_col_text(st, 5);
	r->version = (unsigned)sqlite3_column_int64(st, 6);
	sqlite3_reset(st);
	return 1;
}

void
db_recompile_free(struct db_recompile *r)
{
	free(r->ext);
	free(r->hash);
	free(r->title);
	free(r->description);
	free(r->converter);
	memset(r, 0, sizeof(*r));
}

/* A recompiled document's new title and description. */
int
db_doc_recompiled(int64_t id, const char *title, const char *description)
{
	sqlite3_stmt	*st;

	if (st_recompiled == NULL)
		st_recompiled = db_prep("UPDATE documents SET title = ?, "
		    "description = ? WHERE id = ?");
	st = st_recompiled;
	db_bind_text(st, 1, title);
	db_bind_text(st, 2, description);
	sqlite3_bind_int64(st, 3, id);
	return db_run(st, "recording a recompiled document");
}

/* A job's stored request (jobs.request), *blob malloc'ed: 1, 0, -1. */
int
db_job_request(uint64_t job, void **blob, size_t *len)
{
	sqlite3_stmt	*st;
	const void	*p;
	int		 rc;

	*blob = NULL;
	*len = 0;
	st = db_prep("SELECT request FROM jobs WHERE id = ?");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		p = sqlite3_column_blob(st, 0);
		*blob = xmalloc(*len + 1);
		if (*len > 0)
			memcpy(*blob, p, *len);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_fail(rc, "reading a job's request");
}

/*
 * The documents of a job's history rows with status, in seq order: up
 * to max names to cb, *total gets how many there are.
 */
int
db_job_files_docs(uint64_t job, int status, size_t max,
    void (*cb)(void *, const char *), void *arg, uint64_t *total)
{
	sqlite3_stmt	*st;

	st = db_prep("SELECT doc FROM job_files WHERE job = ? AND status = ? "
	    "ORDER BY seq");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	sqlite3_bind_int(st, 2, status);
	return db_names(st, max, cb, arg, total, "listing a job's files");
}

/*
 * Links (schema 9): one row per document and link target (an absolute
 * source path), to_doc the document whose source it is, NULL while
 * pending. Statements prepared per call: links change with the batches
 * that add or remove their ends, not per document read.
 */
/* The statement of slot k, prepared at its first use. */
static sqlite3_stmt *
lprep(size_t k, const char *sql)
{
	if (st_links[k] == NULL)
		st_links[k] = db_prep(sql);
	return st_links[k];
}

static void
ldone(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int
links_exec(size_t k, const char *sql, int64_t a, const char *t, int64_t b,
    const char *what)
{
	sqlite3_stmt	*st = lprep(k, sql);
	int		 r;

	sqlite3_bind_int64(st, 1, a);
	if (t != NULL)
		db_bind_text(st, 2, t);
	if (b != 0)
		sqlite3_bind_int64(st, t != NULL ? 3 : 2, b);
	r = db_run(st, what);
	ldone(st);
	return r;
}

int
db_links_clear(int64_t from)
{
	return links_exec(0, "DELETE FROM links WHERE from_doc = ?1", from, NULL,
	    0, "dropping links");
}

int
db_link_put(int64_t from, const char *target, int64_t to)
{
	return links_exec(1, "INSERT OR REPLACE INTO links(from_doc, target, "
	    "to_doc) VALUES (?1, ?2, nullif(?3, 0))", from, target, to,
	    "recording a link");
}

int
db_link_delete(int64_t from, const char *target)
{
	return links_exec(10, "DELETE FROM links WHERE from_doc = ?1 AND "
	    "target = ?2", from, target, 0, "dropping a link");
}

int
db_link_target_doc(const char *target, int64_t *id, char **name)
{
	sqlite3_stmt	*st = lprep(12, "SELECT d.id, d.name FROM sources s "
	    "JOIN documents d ON d.id = s.doc WHERE s.path = ?1");
	int		 rc;

	db_bind_text(st, 1, target);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*name = db_col_text(st, 1);
	} else if (rc != SQLITE_DONE)
		(void)db_fail(rc, "reading a link's target");
	ldone(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_links_resolve(const char *target, int64_t to)
{
	sqlite3_stmt	*st = lprep(2, "UPDATE links SET to_doc = ?1 "
	    "WHERE target = ?2 AND to_doc IS NULL");
	int		 r;

	sqlite3_bind_int64(st, 1, to);
	db_bind_text(st, 2, target);
	r = db_run(st, "resolving links");
	ldone(st);
	return r;
}

int
db_links_unresolve(int64_t to)
{
	return links_exec(3, "UPDATE links SET to_doc = NULL WHERE to_doc = ?1",
	    to, NULL, 0, "unresolving links");
}

/* The ids the query gives (one column), appended to *v. */
static int
links_ids(size_t k, const char *sql, int64_t a, const char *t, int64_t **v,
    size_t *n)
{
	sqlite3_stmt	*st = lprep(k, sql);
	int		 rc;

	if (t != NULL)
		db_bind_text(st, 1, t);
	else
		sqlite3_bind_int64(st, 1, a);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE)
		(void)db_fail(rc, "reading links");
	ldone(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_links_pending(const char *target, int64_t **v, size_t *n)
{
	return links_ids(4, "SELECT from_doc FROM links WHERE target = ?1 AND "
	    "to_doc IS NULL", 0, target, v, n);
}

int
db_links_from(int64_t to, int64_t **v, size_t *n)
{
	return links_ids(5, "SELECT from_doc FROM links WHERE "
	    "to_doc = ?1", to, NULL, v, n);
}

int
db_links_to(int64_t from, int64_t **v, size_t *n)
{
	return links_ids(6, "SELECT to_doc FROM links WHERE "
	    "from_doc = ?1 AND to_doc IS NOT NULL", from, NULL, v, n);
}

int
db_links_any_to(int64_t to)
{
	sqlite3_stmt	*st = lprep(13, "SELECT 1 FROM links WHERE "
	    "to_doc = ?1 LIMIT 1");
	int		 rc;

	sqlite3_bind_int64(st, 1, to);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW && rc != SQLITE_DONE)
		(void)db_fail(rc, "reading links");
	ldone(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_links_targets(int64_t to, char ***v, size_t *n)
{
	sqlite3_stmt	*st = lprep(11, "SELECT target FROM links WHERE "
	    "to_doc = ?1");
	int		 rc;

	sqlite3_bind_int64(st, 1, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[(*n)++] = db_col_text(st, 0);
	}
	if (rc != SQLITE_DONE)
		(void)db_fail(rc, "reading links");
	ldone(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_links_list(int64_t doc, int from, size_t max, struct db_link **v,
    size_t *n, uint64_t *total)
{
	sqlite3_stmt	*st;
	int64_t		 id, prev = 0;
	int		 rc;

	*v = NULL;
	*n = 0;
	*total = 0;
	/*
	 * A join and a sort, counted here: IN (subquery), DISTINCT or a
	 * window each make an ephemeral table, whose page cache costs more
	 * than the query (lint asks for every document). The names and
	 * titles from documents_link (schema 17), which the planner would
	 * not pick over the rowid: a tenth of the pages of the documents'
	 * rows, so they stay in the cache as the KB grows.
	 */
	st = from ? lprep(7,
	    "SELECT d.id, d.name, d.title FROM links l JOIN documents d "
	    "INDEXED BY documents_link ON d.id = l.from_doc "
	    "WHERE l.to_doc = ?1 ORDER BY d.name") :
	    lprep(8,
	    "SELECT d.id, d.name, d.title FROM links l JOIN documents d "
	    "INDEXED BY documents_link ON d.id = l.to_doc "
	    "WHERE l.from_doc = ?1 ORDER BY d.name");
	sqlite3_bind_int64(st, 1, doc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* A document linked by two of its paths: once (sorted). */
		if ((id = sqlite3_column_int64(st, 0)) == prev)
			continue;
		prev = id;
		(*total)++;
		if (*n == max)
			continue;
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[*n].name = db_col_text(st, 1);
		(*v)[*n].title = db_col_text(st, 2);
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		(void)db_fail(rc, "reading links");
	ldone(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
db_links_free(struct db_link *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].title);
	}
	free(v);
}

/*
 * The full-text row of document id made anew from body (its source
 * page). keep_lang: in the language it was indexed in (its links were
 * rewritten: no reason for another language, and its summary page says
 * the registry's); else in the body's (lint --fix, which writes the page
 * to match).
 */
int
db_fts_reindex(int64_t id, const char *body, size_t len, int keep_lang)
{
	sqlite3_stmt	*st = lprep(9, "SELECT name, title, lang FROM "
	    "documents WHERE id = ?1");
	char		*name, *title, *lang;
	int		 r;

	sqlite3_bind_int64(st, 1, id);
	if ((r = db_row(st, "document lookup")) != 1) {
		ldone(st);
		return r == 0 ? 0 : -1;
	}
	name = db_col_text(st, 0);
	title = db_col_text(st, 1);
	lang = db_col_text(st, 2);
	ldone(st);
	r = db_fts_delete(id) == -1 ||
	    db_fts_insert(id, name, title, body, len,
	    keep_lang && *lang != '\0' ? lang : NULL) == -1 ? -1 : 0;
	free(name);
	free(title);
	free(lang);
	return r;
}

/* The sub-index pages' queries (db.h). */

int
db_index_count(int folder, const char *value, uint64_t *n)
{
	sqlite3_stmt	*st;
	int		 rc, r = 0;

	/* Kept by the documents' triggers (schema 15): no count(*). */
	st = db_prep("SELECT n FROM index_groups WHERE folder = ?1"
	    " AND value = ?2");
	sqlite3_bind_int(st, 1, folder != 0);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	*n = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		r = db_fail(rc, "counting an index group");
	sqlite3_finalize(st);
	return r;
}

/*
 * The id of a group's document at position pos (0 is the first), counted
 * from the group's end when that is nearer: 1, 0 if none, -1.
 */
static int
index_id_at(int folder, const char *value, uint64_t pos, uint64_t n,
    int64_t *id)
{
	sqlite3_stmt	*st;
	int		 rc, r = 0;

	st = db_prep(folder ? "SELECT id FROM documents WHERE "
	    DB_FOLDER_EXPR " = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2" :
	    "SELECT id FROM documents WHERE ext = ?1 ORDER BY id DESC "
	    "LIMIT 1 OFFSET ?2");
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(n - pos - 1));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		r = 1;
	} else if (rc != SQLITE_DONE)
		r = db_fail(rc, "listing an index group");
	sqlite3_finalize(st);
	return r;
}

int
db_index_docs(int folder, const char *value, uint64_t offset, uint64_t limit,
    uint64_t n, int (*cb)(void *, const struct db_doc *), void *arg)
{
	sqlite3_stmt	*st;
	struct db_doc	 d;
	int64_t		 start = 0;
	int		 rc, r = 0, keyed = 0;

	/*
	 * OFFSET steps over every entry before the page: the last page of
	 * the type md in a KB of 150,000 Markdown files, which an add
	 * rewrites at every batch, stepped over 150,000 (the add's cost
	 * grew with the KB). Past the middle the page's first id is found
	 * counting from the group's end, and the page read from it.
	 */
	if (offset < n && offset > n - offset &&
	    (keyed = index_id_at(folder, value, offset, n, &start)) == -1)
		return -1;
	if (keyed)
		st = db_prep(folder ? "SELECT id, name, ext, title, "
		    "description, src_path FROM documents WHERE "
		    DB_FOLDER_EXPR " = ?1 AND id >= ?3 ORDER BY id LIMIT ?2" :
		    "SELECT id, name, ext, title, description, src_path FROM "
		    "documents WHERE ext = ?1 AND id >= ?3 ORDER BY id "
		    "LIMIT ?2");
	else
		st = db_prep(folder ? "SELECT id, name, ext, title, "
		    "description, src_path FROM documents WHERE "
		    DB_FOLDER_EXPR " = ?1 ORDER BY id LIMIT ?2 OFFSET ?3" :
		    "SELECT id, name, ext, title, description, src_path FROM "
		    "documents WHERE ext = ?1 ORDER BY id LIMIT ?2 OFFSET ?3");
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	sqlite3_bind_int64(st, 3, keyed ? start : (sqlite3_int64)offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		d.id = sqlite3_column_int64(st, 0);
		d.name = (const char *)sqlite3_column_text(st, 1);
		d.ext = (const char *)sqlite3_column_text(st, 2);
		d.title = (const char *)sqlite3_column_text(st, 3);
		d.description = (const char *)sqlite3_column_text(st, 4);
		d.src_path = (const char *)sqlite3_column_text(st, 5);
		if (d.name == NULL || d.ext == NULL || d.title == NULL ||
		    d.description == NULL || d.src_path == NULL)
			continue;
		if ((r = cb(arg, &d)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = db_fail(rc, "listing an index group");
	sqlite3_finalize(st);
	return r;
}

int
db_index_groups(int folder, int (*cb)(void *, const char *, uint64_t),
    void *arg)
{
	sqlite3_stmt	*st;
	const char	*v;
	int		 rc, r = 0;

	st = db_prep("SELECT value, n FROM index_groups WHERE folder = ?1"
	    " ORDER BY value");
	sqlite3_bind_int(st, 1, folder != 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((v = (const char *)sqlite3_column_text(st, 0)) == NULL)
			continue;
		if ((r = cb(arg, v, (uint64_t)sqlite3_column_int64(st, 1))) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = db_fail(rc, "listing index groups");
	sqlite3_finalize(st);
	return r;
}
