/*
 * Between the files of the supervisor's read-only registry (dbread.c,
 * dbreadjobs.c, dbreadsearch.c): dbread.c's connection helpers. Internal
 * to workers/store.
 */
#ifndef KBD_DBREAD_INT_H
#define KBD_DBREAD_INT_H

#include <sqlite3.h>

/* A persistent statement on the supervisor's connection; dies if bad. */
sqlite3_stmt	*dbread_prep(const char *sql);
/* A new read-only connection to kbroot's registry, or NULL (logged). */
sqlite3		*dbread_open_ro(const char *kbroot);
/* The expression of a document d's language: "d.lang", or "''" (< 13). */
const char	*dbread_lang_col(sqlite3 *c);
/* Column i as an xmalloc'ed string ("" for NULL). */
char		*dbread_col_dup(sqlite3_stmt *st, int i);
/* dbreadjobs.c's statements, on the supervisor's connection c. */
void		 dbread_jobs_open(sqlite3 *c);
void		 dbread_jobs_close(void);

#endif
