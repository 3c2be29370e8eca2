/*
 * The full-text index's upkeep as the registry keeps it (see db.h): its
 * rebuild, with meta 'reindex' (the last document id indexed) and
 * 'reindex_job' (the job row that shows it), and the documents still to
 * index; and the merge of its segments into one. The committer's
 * reindex.c and compact.c drive them; these are their reads and writes,
 * on db.c's connection.
 */
#include <inttypes.h>
#include <stdio.h>

#include <sqlite3.h>

#include "db.h"
#include "db_int.h"

int
db_reindex_pending(int64_t *after)
{
	return db_meta_int("reindex", after,
	    "reading the index rebuild's progress");
}

int
db_reindex_docs(int64_t after, unsigned max,
    int (*cb)(void *, int64_t, const char *, const char *), void *arg)
{
	sqlite3_stmt	*st;
	const char	*name, *title;
	int		 rc, r = 0;

	st = db_prep("SELECT id, name, title FROM documents WHERE id > ? "
	    "ORDER BY id LIMIT ?");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, (int)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 1);
		title = (const char *)sqlite3_column_text(st, 2);
		if ((r = cb(arg, sqlite3_column_int64(st, 0), name ? name : "",
		    title ? title : "")) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = db_fail(rc, "listing documents to index");
	sqlite3_finalize(st);
	return r;
}

/* Both keys hold a rowid: an integer, written as SQLite's int64 reads. */
static int
meta_set_int(const char *key, int64_t n, const char *what)
{
	char	v[32];

	(void)snprintf(v, sizeof(v), "%" PRId64, n);
	return db_meta_set(key, v, what);
}

int
db_reindex_progress(int64_t last)
{
	return meta_set_int("reindex", last,
	    "recording the index rebuild's progress");
}

int
db_reindex_done(void)
{
	return db_exec("DELETE FROM meta WHERE key = 'reindex'");
}

int
db_reindex_job(uint64_t *job)
{
	int64_t	v;
	int	r;

	r = db_meta_int("reindex_job", &v, "reading the index rebuild's job");
	*job = (uint64_t)v;
	return r;
}

int
db_reindex_job_set(uint64_t job)
{
	return meta_set_int("reindex_job", (int64_t)job,
	    "recording the index rebuild's job");
}

int
db_reindex_job_add(uint64_t job, uint64_t n)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("UPDATE jobs SET cursor = cursor + ? WHERE id = ?");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)job);
	r = db_run(st, "counting the index rebuild's documents");
	sqlite3_finalize(st);
	return r;
}

int
db_reindex_job_clear(void)
{
	return db_exec("DELETE FROM meta WHERE key = 'reindex_job'");
}

/*
 * FTS5's 'merge' with a negative count is 'optimize' a bounded number of
 * pages at a time: every segment goes to one level, then up to pages
 * leaf pages are merged. A merge that wrote something changes two rows
 * or more (the structure record and the pages); one that had nothing
 * left to merge, fewer (FTS5's documentation of 'merge').
 */
int
db_fts_merge(int pages)
{
	sqlite3_stmt	*st;
	int64_t		 before;
	int		 r;

	st = db_prep("INSERT INTO fts(fts, rank) VALUES ('merge', ?)");
	sqlite3_bind_int(st, 1, -pages);
	before = sqlite3_total_changes64(sqlite3_db_handle(st));
	r = db_run(st, "merging the full-text index");
	if (r == 0)
		r = sqlite3_total_changes64(sqlite3_db_handle(st)) - before >= 2;
	sqlite3_finalize(st);
	return r;
}

/* One of FTS5's settings (automerge...), in the open transaction. */
int
db_fts_config_set(const char *key, int value)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("INSERT INTO fts(fts, rank) VALUES (?, ?)");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, value);
	r = db_run(st, "setting the full-text index's merges");
	sqlite3_finalize(st);
	return r;
}

int
db_fts_config_get(const char *key, int dflt, int *value)
{
	sqlite3_stmt	*st;
	int		 rc;

	/* Once a batch: prepared each time, as the merge's statement. */
	st = db_prep("SELECT v FROM fts_config WHERE k = ?");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	*value = dflt;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*value = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    db_fail(rc, "reading the full-text index's merges");
}

/*
 * The count of documents changed since the index was last merged, as the
 * last job's end or merge recorded it (meta 'fts_changed'): 1, 0 when
 * none is recorded, or -1.
 */
int
db_fts_changed(uint64_t *n)
{
	int64_t	v;
	int	r;

	r = db_meta_int("fts_changed", &v, "the changes since the merge");
	*n = r == 1 && v > 0 ? (uint64_t)v : 0;
	return r;
}

int
db_fts_changed_set(uint64_t n)
{
	return meta_set_int("fts_changed", (int64_t)n,
	    "recording the changes since the merge");
}
