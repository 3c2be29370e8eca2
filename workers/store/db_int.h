/*
 * Between the files of the committer's registry (db.c, dbwiki.c): the
 * statement helpers of db.c, on its one connection. Internal to
 * workers/store.
 */
#ifndef KBD_DB_INT_H
#define KBD_DB_INT_H

#include <sqlite3.h>

/* A statement prepared on the connection; dies on a bad statement. */
sqlite3_stmt	*db_prep(const char *sql);
/* Step to done and reset: 0, or -1 with the error kept (db_errmsg). */
int		 db_run(sqlite3_stmt *st, const char *what);
/* Step once: 1 a row (not reset), 0 none, -1 an error. */
int		 db_row(sqlite3_stmt *st, const char *what);
void		 db_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Column i as a malloc'd string ("" for NULL). */
char		*db_col_text(sqlite3_stmt *st, int i);
/* dbwiki.c's statements finalized, before the connection closes. */
void		 dbwiki_close(void);

#endif
