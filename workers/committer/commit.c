/*
 * The commit point, shared by batches, removals and lint --fix: activate
 * the journal, make what was published durable, end the transaction with
 * the journal's commit record, then discard the journal, or roll it back.
 *
 * How the published files are made durable is decided per KB when the
 * committer starts (durability.h): one syncfs, or where syncfs does not
 * reach the data (FUSE, network file systems, unknown ones) an fsync of
 * each file published since the journal was activated, which the
 * publishers name with commit_published().
 *
 * Fail points (fsio.h) passed here: publish.syncfs or publish.fsyncfile
 * (once per published file), and those the caller
 * names: the directories' fsync (publish.fsync, remove.fsync,
 * lintfix.fsync), the point before COMMIT (batch.commit, remove.commit,
 * lintfix.commit) and the one after it (batch.committed,
 * remove.committed, lintfix.committed).
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "db.h"
#include "durability.h"
#include "fsio.h"
#include "journal.h"
#include "kbpath.h"
#include "log.h"
#include "xmalloc.h"

#if (defined(KBD_DRILL_BREAK_EARLY_PUBLISH) || \
    defined(KBD_DRILL_BREAK_UPDATE_NOBACKUP) || \
    defined(KBD_DRILL_BREAK_NOSYNCFS)) && !defined(KBD_FAILPOINTS)
#error "KBD_DRILL_BREAK_* variants are test builds (FAILPOINTS=1) only"
#endif

static enum durability	  durability = DURABILITY_SYNCFS;
static char		**published;	/* DURABILITY_FSYNC: to fsync */
static size_t		  npublished, published_cap;

static void
published_clear(void)
{
	size_t	i;

	for (i = 0; i < npublished; i++)
		free(published[i]);
	npublished = 0;
}

/* At committer start, in the KB root: how this KB's data is made durable. */
void
commit_init(void)
{
	char	why[128];

	published_clear();
	if (durability_decide(".", &durability, why, sizeof(why)) == -1)
		log_warnx("durability: %s; using %s", why,
		    durability_name(durability));
	else
		log_info("durability: %s (%s)", durability_name(durability),
		    why);
}

/* path was published (renamed or written unsynced) into the live tree. */
void
commit_published(const char *path)
{
	if (durability != DURABILITY_FSYNC)
		return;
	if (npublished == published_cap) {
		published_cap = published_cap ? 2 * published_cap : 64;
		published = xreallocarray(published, published_cap,
		    sizeof(*published));
	}
	published[npublished++] = xstrdup(path);
}

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
	if (durability == DURABILITY_SYNCFS) {
		if (fsio_syncfs(".", "publish.syncfs") == -1)
			fatal("syncfs");
	} else
		for (i = 0; i < npublished; i++)
			if (fsio_fsync_path(published[i],
			    "publish.fsyncfile") == -1)
				fatal("fsync %s", published[i]);
#endif
	published_clear();
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
	published_clear();
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
/*
 * The reason a journal's write failed (errno; j NULL when none was made),
 * naming it as every full-disk reason names what was being written.
 */
char *
commit_journal_err(const struct journal *j)
{
	int	 saved = errno;

	if (j == NULL)
		return errf("writing the journal (" KB_JOURNAL "): %s",
		    strerror(saved));
	return errf("writing the journal (" KB_JOURNAL "/%s.jnl): %s",
	    journal_id(j), strerror(saved));
}

char *
commit_activate(struct journal *j)
{
	char	*err;

	if ((err = commit_activate_keep(j)) != NULL)
		commit_rollback(j);
	return err;
}

/*
 * The same, but a journal that could not be activated is left to the
 * caller to roll back (journal_end): a batch activates its journal on
 * publish.c's thread, while its own thread holds the open transaction.
 */
char *
commit_activate_keep(struct journal *j)
{
	published_clear();
	if (journal_activate(j) == 0)
		return NULL;
	if (errno != ENOSPC && errno != EDQUOT)
		fatal("journal %s: activate", journal_id(j));
	return commit_journal_err(j);
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
