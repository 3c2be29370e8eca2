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

/*
 * Made by a converter older than this kbd's (0: before versions).
 * dbread_stale counts the same documents by a range of its index.
 */
static int
is_stale(const char *converter, unsigned version)
{
	return version == 0 || version < convver_current(converter);
}

/*
 * A converter at a time, in the order of the index documents_conv (schema
 * 16): the next converter name is one seek, its stale documents a range
 * (conv_version below the current version, or 0), so a KB whose
 * documents are current costs a few seeks whatever its size. kbctl status
 * asks this in the supervisor's loop, for each of a fleet's agents.
 */
/*
 * Prepared at the first status and kept: preparing them cost more than
 * their seeks, for each of a fleet's agents.
 */
static sqlite3_stmt	*first, *next, *count;

void
dbstale_close(void)
{
	sqlite3_finalize(first);
	sqlite3_finalize(next);
	sqlite3_finalize(count);
	first = next = count = NULL;
}

static int
prepare_kept(sqlite3_stmt **st, const char *sql)
{
	return *st != NULL || sqlite3_prepare_v3(dbread_db(), sql, -1,
	    SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK;
}

int
dbread_stale(uint64_t *n)
{
	sqlite3_stmt	*st;
	char		*conv = NULL;
	unsigned	 cur;
	int		 r;

	*n = 0;
	if (!prepare_kept(&first, "SELECT converter FROM documents "
	    "ORDER BY converter LIMIT 1") ||
	    !prepare_kept(&next, "SELECT converter FROM documents "
	    "WHERE converter > ? ORDER BY converter LIMIT 1") ||
	    !prepare_kept(&count, "SELECT count(*) FROM documents "
	    "WHERE converter = ? AND conv_version < ?"))
		return -1;
	for (st = first; (r = sqlite3_step(st)) == SQLITE_ROW; st = next) {
		free(conv);
		conv = xstrdup((const char *)sqlite3_column_text(st, 0) != NULL ?
		    (const char *)sqlite3_column_text(st, 0) : "");
		/* Stale: version 0, or below the current one (is_stale). */
		cur = convver_current(conv);
		if ((r = sqlite3_bind_text(count, 1, conv, -1,
		    SQLITE_STATIC)) != SQLITE_OK ||
		    (r = sqlite3_bind_int64(count, 2, cur > 1 ? cur : 1)) !=
		    SQLITE_OK || (r = sqlite3_step(count)) != SQLITE_ROW)
			goto out;
		*n += (uint64_t)sqlite3_column_int64(count, 0);
		sqlite3_reset(count);
		sqlite3_reset(next);
		if ((r = sqlite3_bind_text(next, 1, conv, -1,
		    SQLITE_TRANSIENT)) != SQLITE_OK)
			goto out;
	}
out:
	free(conv);
	sqlite3_reset(first);
	sqlite3_reset(next);
	sqlite3_reset(count);
	sqlite3_clear_bindings(next);
	sqlite3_clear_bindings(count);
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
