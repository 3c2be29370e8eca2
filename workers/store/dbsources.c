/*
 * The committer's writes and lookups of sources and roots (see db.h): the
 * files a document was added from, and the folders added, synced or
 * watched. On db.c's connection.
 */
#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "db.h"
#include "db_int.h"
#include "xmalloc.h"

static sqlite3_stmt	*st_src_get, *st_src_put, *st_src_delete;
static sqlite3_stmt	*st_src_count, *st_src_of_doc, *st_src_delete_doc;
static sqlite3_stmt	*st_root_add;

void
dbsources_open(void)
{
	st_src_get = db_prep("SELECT doc, dev, ino, size, mtime_ns FROM sources "
	    "WHERE path = ?");
	/* A source belongs to the deepest root holding it (0: none). */
	st_src_put = db_prep("INSERT OR REPLACE INTO sources(doc, path, dev, "
	    "ino, size, mtime_ns, root) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "coalesce((SELECT id FROM roots WHERE path = ?2 OR "
	    "(path = '/' AND substr(?2, 1, 1) = '/') OR "
	    "substr(?2, 1, length(path) + 1) = path || '/' "
	    "ORDER BY length(path) DESC LIMIT 1), 0))");
	st_src_delete = db_prep("DELETE FROM sources WHERE path = ?");
	st_src_delete_doc = db_prep("DELETE FROM sources WHERE doc = ?");
	st_src_count = db_prep("SELECT count(*) FROM sources WHERE doc = ?");
	st_src_of_doc = db_prep("SELECT s.path, coalesce(r.path, '') FROM "
	    "sources s LEFT JOIN roots r ON r.id = s.root WHERE s.doc = ? "
	    "ORDER BY s.path");
	st_root_add = db_prep("INSERT OR IGNORE INTO roots(path, added) "
	    "VALUES (?, ?)");
}

void
dbsources_close(void)
{
	sqlite3_stmt	**sts[] = {
		&st_src_get, &st_src_put, &st_src_delete, &st_src_count,
		&st_src_of_doc, &st_src_delete_doc, &st_root_add
	};
	size_t		  i;

	for (i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
		sqlite3_finalize(*sts[i]);
		*sts[i] = NULL;
	}
}

/* Every source of document doc (its row is being deleted). */
int
dbsources_delete_doc(int64_t doc)
{
	sqlite3_bind_int64(st_src_delete_doc, 1, doc);
	return db_run(st_src_delete_doc, "deleting a document's sources");
}

int
db_source_get(const char *path, struct db_source *s)
{
	sqlite3_stmt	*st = st_src_get;
	int		 r;

	db_bind_text(st, 1, path);
	if ((r = db_row(st, "source lookup")) != 1)
		return r;
	s->doc = sqlite3_column_int64(st, 0);
	s->dev = (uint64_t)sqlite3_column_int64(st, 1);
	s->ino = (uint64_t)sqlite3_column_int64(st, 2);
	s->size = (uint64_t)sqlite3_column_int64(st, 3);
	s->mtime_ns = sqlite3_column_int64(st, 4);
	sqlite3_reset(st);
	return 1;
}

int
db_source_put(const char *path, const struct db_source *s)
{
	sqlite3_stmt	*st = st_src_put;

	sqlite3_bind_int64(st, 1, s->doc);
	db_bind_text(st, 2, path);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)s->dev);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)s->ino);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)s->size);
	sqlite3_bind_int64(st, 6, s->mtime_ns);
	return db_run(st, "recording a source");
}

int
db_source_delete(const char *path)
{
	db_bind_text(st_src_delete, 1, path);
	return db_run(st_src_delete, "deleting a source");
}

int
db_source_count(int64_t doc, uint64_t *n)
{
	int	r;

	*n = 0;
	sqlite3_bind_int64(st_src_count, 1, doc);
	if ((r = db_row(st_src_count, "source count")) == 1) {
		*n = (uint64_t)sqlite3_column_int64(st_src_count, 0);
		sqlite3_reset(st_src_count);
	}
	return r == -1 ? -1 : 0;
}

int
db_sources_of_doc(int64_t doc, char ***paths, char ***roots, size_t *n)
{
	sqlite3_stmt	*st = st_src_of_doc;
	size_t		 cap = 0;
	int		 rc;

	*paths = *roots = NULL;
	*n = 0;
	sqlite3_bind_int64(st, 1, doc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 4;
			*paths = xreallocarray(*paths, cap, sizeof(**paths));
			*roots = xreallocarray(*roots, cap, sizeof(**roots));
		}
		(*paths)[*n] = db_col_text(st, 0);
		(*roots)[(*n)++] = db_col_text(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(rc, "listing sources");
	return 0;
}

int
db_root_add(const char *path, int64_t now)
{
	db_bind_text(st_root_add, 1, path);
	sqlite3_bind_int64(st_root_add, 2, now);
	return db_run(st_root_add, "recording a root");
}

int
db_root_synced(const char *path, int64_t now)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("UPDATE roots SET last_sync = ? WHERE path = ?");
	sqlite3_bind_int64(st, 1, now);
	db_bind_text(st, 2, path);
	r = db_run(st, "recording a sync");
	sqlite3_finalize(st);
	return r;
}

int
db_root_forget(const char *path)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("DELETE FROM roots WHERE path = ?");
	db_bind_text(st, 1, path);
	r = db_run(st, "forgetting a root");
	sqlite3_finalize(st);
	if (r == -1)
		return -1;
	if (sqlite3_changes(db_conn()) == 0)
		return 0;
	/* Every source whose root is gone: the deepest root left, or 0. */
	if (db_exec("UPDATE sources SET root = coalesce((SELECT r.id FROM "
	    "roots r WHERE sources.path = r.path OR r.path = '/' OR "
	    "substr(sources.path, 1, length(r.path) + 1) = r.path || '/' "
	    "ORDER BY length(r.path) DESC LIMIT 1), 0) WHERE root NOT IN "
	    "(SELECT id FROM roots)") == -1)
		return -1;
	return 1;
}

int
db_root_watch(const char *path, int watched, int64_t now)
{
	sqlite3_stmt	*st;
	int		 r;

	if (watched) {
		st = db_prep("INSERT OR IGNORE INTO roots(path, added) "
		    "VALUES (?, ?)");
		db_bind_text(st, 1, path);
		sqlite3_bind_int64(st, 2, now);
		r = db_run(st, "adding a root");
		sqlite3_finalize(st);
		if (r == -1)
			return -1;
	}
	st = db_prep("UPDATE roots SET watched = ? WHERE path = ?");
	sqlite3_bind_int(st, 1, watched);
	db_bind_text(st, 2, path);
	r = db_run(st, "watching a root");
	sqlite3_finalize(st);
	return r;
}
