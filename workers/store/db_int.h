/*
 * Between the files of the committer's registry (db.c, dbckpt.c,
 * dbcheck.c, dbjobs.c, dbmigrate.c, dbreindex.c, dbsources.c, dbwiki.c):
 * the statement helpers of db.c, on its one connection (and the
 * checkpoints' own, dbckpt.c). Internal to workers/store.
 */
#ifndef KBD_DB_INT_H
#define KBD_DB_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "db.h"

/*
 * Each index group's count from the documents (index_groups' rows, as
 * its triggers keep them): the schema 15 migration and lint --fix fill
 * the table with it, lint compares.
 */
#define DB_INDEX_GROUPS_COUNTED \
	"SELECT 0 AS f, ext AS v, count(*) AS n FROM documents GROUP BY 1, 2" \
	" UNION ALL SELECT 1, " DB_FOLDER_EXPR ", count(*) FROM documents" \
	" GROUP BY 1, 2"

/* A statement prepared on the connection; dies on a bad statement. */
sqlite3_stmt	*db_prep(const char *sql);
/* SQLite's code rc says an fsync failed (fatal: recovery decides). */
int		 db_is_fsync_error(int rc);
/* Step to done and reset: 0, or -1 with the error kept (db_errmsg). */
int		 db_run(sqlite3_stmt *st, const char *what);
/* Step once: 1 a row (not reset), 0 none, -1 an error. */
int		 db_row(sqlite3_stmt *st, const char *what);
/*
 * Step st, a query of names (column 0) with its parameters bound, and
 * finalize it: the first max non-NULL names to cb, *total gets how many
 * there are. 0, or -1 (what failed).
 */
int		 db_names(sqlite3_stmt *st, size_t max,
		    void (*cb)(void *, const char *), void *arg,
		    uint64_t *total, const char *what);
void		 db_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Column i as a malloc'd string ("" for NULL). */
char		*db_col_text(sqlite3_stmt *st, int i);
/* sqlite3_exec: 0, or -1 with the error kept; fatal on a failed fsync. */
int		 db_exec(const char *sql);
/* Set what db_errmsg() says. */
void		 db_errset(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
/* An integer meta value (0 if none): 1 found, 0 not, -1 (what failed). */
int		 db_meta_int(const char *key, int64_t *v, const char *what);
/* Set a meta value: 0, or -1 (what failed). */
int		 db_meta_set(const char *key, const char *value,
		    const char *what);
/*
 * dbmigrate.c: the schema in a new KB, an older one migrated step by
 * step: 0, or -1 (a version it does not know, a step failed).
 */
int		 db_schema_check(void);
/* dbjobs.c's statements: prepared in db_open, finalized in db_close. */
/*
 * dbckpt.c: checkpoints of connection c's database at path, on a thread
 * with a connection of its own, instead of c's automatic ones; 0 or -1.
 * Stopped before c closes.
 */
int		 dbckpt_start(sqlite3 *c, const char *path);
void		 dbckpt_stop(sqlite3 *c);

void		 dbjobs_open(void);
void		 dbjobs_close(void);
/* dbsources.c's statements: prepared in db_open, finalized in db_close. */
void		 dbsources_open(void);
void		 dbsources_close(void);
/* Delete every source of document doc: 0, or -1 (the error kept). */
int		 dbsources_delete_doc(int64_t doc);
/* dbwiki.c's statements finalized, before the connection closes. */
void		 dbwiki_close(void);
/*
 * dbwiki.c: index_groups' counts (schema 15) of a document's type ext and
 * folder of src_path (NULL: not that group) change by delta (1 or -1).
 */
int		 db_groups_change(const char *ext, const char *src_path,
		    int delta);
/* A document's folder group after its source path went from from to to. */
int		 db_groups_moved(const char *from, const char *to);

#endif
