/*
 * The supervisor's read-only queries for recompile (dbread.h): how many
 * documents an older converter made (kbctl status), and which documents
 * a recompile job converts again, in id order. On dbread's connection.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "convver.h"
#include "dbread.h"
#include "xmalloc.h"

/* Made by a converter older than this kbd's (0: before versions). */
static int
is_stale(const char *converter, unsigned version)
{
	return version == 0 || version < convver_current(converter);
}

int
dbread_stale(uint64_t *n)
{
	sqlite3_stmt	*st;
	const char	*conv;
	int		 r;

	*n = 0;
	if (sqlite3_prepare_v2(dbread_db(), "SELECT converter, conv_version, "
	    "COUNT(*) FROM documents GROUP BY converter, conv_version", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		conv = (const char *)sqlite3_column_text(st, 0);
		if (is_stale(conv != NULL ? conv : "",
		    (unsigned)sqlite3_column_int64(st, 1)))
			*n += (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

int
dbread_recompile(int stale, int64_t after,
    void (*cb)(void *, int64_t, const char *, const char *), void *arg)
{
	sqlite3_stmt	*st;
	const char	*name, *ext, *conv;
	int		 r;

	if (sqlite3_prepare_v2(dbread_db(), "SELECT id, name, ext, converter, "
	    "conv_version FROM documents WHERE id > ? ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 1);
		ext = (const char *)sqlite3_column_text(st, 2);
		conv = (const char *)sqlite3_column_text(st, 3);
		if (name == NULL)
			continue;
		if (stale && !is_stale(conv != NULL ? conv : "",
		    (unsigned)sqlite3_column_int64(st, 4)))
			continue;
		cb(arg, sqlite3_column_int64(st, 0), name,
		    ext != NULL ? ext : "");
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

int
dbread_recompile_doc(const char *name, int64_t *id, char **ext)
{
	sqlite3_stmt	*st;
	int		 r;

	if (sqlite3_prepare_v2(dbread_db(), "SELECT id, ext FROM documents "
	    "WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*ext = xstrdup(sqlite3_column_text(st, 1) != NULL ?
		    (const char *)sqlite3_column_text(st, 1) : "");
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

int
dbread_recompile_last(uint64_t job, uint64_t seq, int64_t *id)
{
	sqlite3_stmt	*st;
	int		 r;

	if (sqlite3_prepare_v2(dbread_db(), "SELECT d.id FROM job_files f "
	    "JOIN documents d ON d.name = f.doc WHERE f.job = ? AND f.seq = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}
