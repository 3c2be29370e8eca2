/*
 * The committer's checkpoints, on a thread with a connection of its own.
 *
 * Why: SQLite's automatic checkpoint runs inside the COMMIT that crosses
 * its threshold, on the committer's thread: copying some 40 MiB of pages
 * from the WAL into the database and two fsyncs, while the next batch
 * waits. A PASSIVE checkpoint from another connection runs beside the
 * writer (WAL mode lets a checkpoint and a write transaction proceed at
 * once), on the machine's other core. In a large add the committer's
 * thread is the pipeline's slowest stage (docs/architecture.md, scale
 * notes).
 *
 * The committer's connection turns its automatic checkpoint off and its
 * WAL hook (SQLite calls it after each commit, with the WAL's size)
 * wakes this thread when the WAL holds DBCKPT_BYTES or more. The thread
 * opens its connection at the first request. A checkpoint copies only
 * committed frames, and SQLite's recovery does not depend on who copied
 * them: a crash at any point leaves what the commits left. The WAL is
 * rewound by the writer's next transaction once a checkpoint has copied
 * it all, and cut back to journal_size_limit then, as before.
 *
 * Errors: a failed fsync is fatal, as on the committer's connection (the
 * next committer's recovery decides); any other is logged and the next
 * request tries again (SQLite's own automatic checkpoint ignored them).
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db_int.h"
#include "log.h"
#include "xmalloc.h"

/*
 * About 40 MiB of WAL, in frames of the database's pages (10,000 of 4
 * KiB, 2,560 of 16 KiB); why this many: db.c, above DB_CACHE_KIB.
 */
#define DBCKPT_BYTES	(40 * 1024 * 1024)

static struct {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	pthread_t	 tid;
	int		 running;
	int		 frames;	/* a checkpoint when the WAL holds more */
	char		*path;
	/* Under mtx: */
	int		 wanted;	/* a checkpoint is asked for */
	int		 busy;		/* one is under way */
	int		 quit;
} ck = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static sqlite3 *
ckpt_open(void)
{
	sqlite3	*c = NULL;

	if (sqlite3_open_v2(ck.path, &c, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_warnx("%s: checkpoint connection: %s", ck.path,
		    c != NULL ? sqlite3_errmsg(c) : "out of memory");
		sqlite3_close(c);
		return NULL;
	}
	sqlite3_extended_result_codes(c, 1);
	/* Both fsyncs of a checkpoint: the WAL's before, the database's after. */
	if (sqlite3_exec(c, "PRAGMA synchronous=FULL", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		log_warnx("%s: checkpoint connection: %s", ck.path,
		    sqlite3_errmsg(c));
		sqlite3_close(c);
		return NULL;
	}
	return c;
}

static void
ckpt_run(sqlite3 *c)
{
	int	rc, nlog, nckpt;

	rc = sqlite3_wal_checkpoint_v2(c, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &nlog, &nckpt);
	if (rc == SQLITE_OK || rc == SQLITE_BUSY)
		return;
	if (db_is_fsync_error(rc) ||
	    db_is_fsync_error(sqlite3_extended_errcode(c)))
		fatalx("%s: fsync failed during a checkpoint: %s", ck.path,
		    sqlite3_errmsg(c));
	log_warnx("%s: checkpoint: %s", ck.path, sqlite3_errmsg(c));
}

static void *
ckpt_main(void *arg)
{
	sqlite3	*c = NULL;

	(void)arg;
	/* Named for ps -L, top -H and perf --comm. */
	(void)pthread_setname_np(pthread_self(), "kbd-checkpoint");
	pthread_mutex_lock(&ck.mtx);
	for (;;) {
		while (!ck.wanted && !ck.quit)
			pthread_cond_wait(&ck.cond, &ck.mtx);
		if (ck.quit)
			break;
		ck.wanted = 0;
		ck.busy = 1;
		pthread_mutex_unlock(&ck.mtx);
		if (c == NULL)
			c = ckpt_open();
		if (c != NULL)
			ckpt_run(c);
		pthread_mutex_lock(&ck.mtx);
		ck.busy = 0;
		pthread_cond_broadcast(&ck.cond);
	}
	pthread_mutex_unlock(&ck.mtx);
	if (c != NULL && sqlite3_close(c) != SQLITE_OK)
		log_warnx("%s: checkpoint connection not closed", ck.path);
	return NULL;
}

/* After each commit on the committer's connection, in its thread. */
static int
ckpt_hook(void *arg, sqlite3 *c, const char *name, int nframes)
{
	(void)arg;
	(void)c;
	(void)name;
	if (nframes < ck.frames)
		return SQLITE_OK;
	pthread_mutex_lock(&ck.mtx);
	if (!ck.busy) {
		ck.wanted = 1;
		pthread_cond_signal(&ck.cond);
	}
	pthread_mutex_unlock(&ck.mtx);
	return SQLITE_OK;
}

int
dbckpt_start(sqlite3 *c, const char *path)
{
	sqlite3_stmt	*st;
	int		 e, page = 0;

	if (ck.running)
		return 0;
	if (sqlite3_prepare_v2(c, "PRAGMA page_size", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		page = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (page <= 0)
		return -1;
	ck.frames = DBCKPT_BYTES / page;
	/* Replaces the hook wal_autocheckpoint sets: one or the other. */
	if (sqlite3_wal_autocheckpoint(c, 0) != SQLITE_OK)
		return -1;
	ck.path = xstrdup(path);
	ck.wanted = ck.busy = ck.quit = 0;
	if ((e = pthread_create(&ck.tid, NULL, ckpt_main, NULL)) != 0) {
		errno = e;
		fatal("%s: pthread_create", __func__);
	}
	ck.running = 1;
	sqlite3_wal_hook(c, ckpt_hook, NULL);
	return 0;
}

void
dbckpt_stop(sqlite3 *c)
{
	int	e;

	if (!ck.running)
		return;
	if (c != NULL)
		sqlite3_wal_hook(c, NULL, NULL);
	pthread_mutex_lock(&ck.mtx);
	ck.quit = 1;
	pthread_cond_broadcast(&ck.cond);
	pthread_mutex_unlock(&ck.mtx);
	if ((e = pthread_join(ck.tid, NULL)) != 0) {
		errno = e;
		fatal("%s: pthread_join", __func__);
	}
	ck.running = 0;
	free(ck.path);
	ck.path = NULL;
}
