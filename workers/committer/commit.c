/*
 * The commit point, shared by batches, removals and lint --fix: activate
 * the journal, make what was published durable, end the transaction with
 * the journal's commit record, then discard the journal, or roll it back.
 *
 * Fail points (fsio.h) passed here: publish.syncfs, and those the caller
 * names: the directories' fsync (publish.fsync, remove.fsync,
 * lintfix.fsync), the point before COMMIT (batch.commit, remove.commit,
 * lintfix.commit) and the one after it (batch.committed,
 * remove.committed, lintfix.committed).
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "committer.h"
#include "db.h"
#include "fsio.h"
#include "journal.h"
#include "log.h"

#if (defined(KBD_DRILL_BREAK_EARLY_PUBLISH) || \
    defined(KBD_DRILL_BREAK_NOSYNCFS)) && !defined(KBD_FAILPOINTS)
#error "KBD_DRILL_BREAK_* variants are test builds (FAILPOINTS=1) only"
#endif

/*
 * The end of publishing: the published files and the live directories
 * made durable, before the transaction. A failure is fatal.
 */
void
commit_sync(const char *point)
{
	static const char *const live_dirs[] = LIVE_DIRS;
	size_t	i;

	/*
	 * The published files' data (staged unsynced by workers) first.
	 * Negative control NOSYNCFS: the commit point comes before it.
	 */
#ifndef KBD_DRILL_BREAK_NOSYNCFS
	if (fsio_syncfs(".", "publish.syncfs") == -1)
		fatal("syncfs");
#endif
	for (i = 0; i < sizeof(live_dirs) / sizeof(live_dirs[0]); i++)
		if (fsio_fsync_dir(live_dirs[i], point) == -1)
			fatal("fsync %s", live_dirs[i]);
}

/*
 * Before the commit point: undo the live tree. Failing that, stop. After a
 * failed fsync the page cache may have dropped what it was to write, so
 * undoing through it is not trusted either: stop, and let the next
 * committer's recovery roll back from what is on disk.
 */
void
commit_rollback(struct journal *j)
{
	if (fsio_sync_failed())
		fatalx("journal %s: an fsync failed; exiting for recovery",
		    journal_id(j));
	if (journal_rollback(j) == -1)
		fatal("journal %s: rollback", journal_id(j));
	journal_free(j);
}

/* After the commit point. */
static void
discard(struct journal *j)
{
	if (journal_discard(j) == -1)
		fatal("journal %s: discard", journal_id(j));
	journal_free(j);
}

/*
 * Activate j, or explain why not. A full disk is an error the request
 * reports; any other failure leaves the journal's state unclear (it
 * fsyncs), so the committer stops and recovery sorts it out.
 */
char *
commit_activate(struct journal *j)
{
	char	*err;

	if (journal_activate(j) == 0)
		return NULL;
	if (errno != ENOSPC && errno != EDQUOT)
		fatal("journal %s: activate", journal_id(j));
	err = errf("journal: %s", strerror(errno));
	commit_rollback(j);
	return err;
}

/*
 * The commit point of a journaled mutation whose registry changes are made
 * in the open transaction (err NULL) or failed (err set): record j as
 * committed (for a job's batch, with its job), pass the fail point, and
 * commit, or roll the transaction back. Returns the error.
 */
char *
transaction_end(struct journal *j, uint64_t job, int64_t now,
    const char *point, char *err)
{
	if (err == NULL && j != NULL &&
	    db_commit_insert(journal_id(j), job, now) == -1)
		err = errf("registry: %s", db_errmsg());
	if (err == NULL && fsio_point(point) == -1)
		err = errf("registry: %s", strerror(errno));
	if (err != NULL) {
		db_rollback();
		return err;
	}
	if (db_commit() == -1)
		return errf("registry: %s", db_errmsg());
	return NULL;
}

/* After the transaction: roll j back on err, else discard it. */
char *
journal_end(struct journal *j, const char *committed, char *err)
{
	if (err != NULL) {
		commit_rollback(j);
		return err;
	}
	(void)fsio_point(committed);
	discard(j);
	return NULL;
}
