/*
 * Journals of the commit protocol (docs/crash-safety.md, "The commit
 * protocol").
 *
 * A journal lists every live path a mutation will touch, each with how to
 * put it back: a backup (a hard link to the old inode, so no bytes are
 * copied), "absent" (remove it on rollback), or the size of a file the
 * mutation only appends to (truncate back). It is written to
 * .kb/journal/ID.tmp, fsynced, and renamed to .kb/journal/ID.jnl: a .jnl
 * file is an active journal, a .tmp is a journal that never became active
 * and whose mutation never touched the live tree.
 *
 * Backups live in .kb/journal/ID.d/. Library-like: returns 0 or -1/errno.
 *
 * ID is 16 lower-case hex digits. The file is text, one entry per line, in
 * tracking order, between a header and an end line:
 *	kbd-journal 1
 *	B <n> <path>		backup: ID.d/<n> is a hard link to the old file
 *	A <path>		absent: unlink (or rmdir, if a directory) on rollback
 *	S <size> <path>		appended to: truncate back to size on rollback
 *	end
 * A .jnl without the end line is treated like a .tmp. Paths are relative
 * to the working directory (the KB root); one containing a newline is
 * refused with EINVAL. A path tracked by journal_track must be replaced
 * (rename over it, unlink it), never changed in place: its backup shares
 * the inode. Tracking a path both ways is allowed and restores either way.
 *
 * Rollback undoes entries last first: rename(backup, path), unlink absent
 * paths, truncate appended files (fsynced), also unlinks "<path>.tmp" for
 * every B/A path (what a crash inside fsio_write_atomic leaves), fsyncs
 * each parent directory once, then removes the journal. Every step
 * tolerates having been done already, so recovery may be re-run after a
 * crash at any point.
 *
 * A failure of discard or rollback leaves the journal active on disk. After
 * a failed rollback the caller must not change the KB again before the
 * next recovery (the committer exits): rolling back a stale journal over
 * newer commits would lose them. A failed fsync is never retried.
 *
 * Fail points (fsio.h), in order:
 *	journal_track		journal.mkdir (first backup), journal.link
 *	journal_activate	journal.write, journal.fsync,
 *				journal.fsync.backups (if any backups),
 *				journal.fsync.dir, journal.activate (the rename),
 *				journal.activate.fsync
 *	journal_discard		journal.discard.backup (each), .rmdir,
 *				.unlink, .fsync
 *	rollback, recovery	recover.restore (each B), recover.unlink (each A),
 *				recover.rmdir (an A that is a directory),
 *				recover.truncate, recover.truncate.fsync (each S),
 *				recover.unlink.tmp (each B/A), recover.fsync
 *				(each parent dir), then recover.remove.backup
 *				(only backups whose path was never replaced,
 *				so the restoring rename was a no-op), .rmdir,
 *				.unlink, .fsync
 *	recovery, committed	recover.finalize.backup, .rmdir, .unlink, .fsync
 *	.tmp or torn journal	recover.tmp.backup, .rmdir, .unlink, .fsync
 *				(journal_rollback before activation: first
 *				recover.tmp.jnl)
 *	stray ID.d		recover.stray.backup, .rmdir, .fsync
 */
#ifndef KBD_JOURNAL_H
#define KBD_JOURNAL_H

#include <stddef.h>

struct journal;

/* A new journal with a fresh random id (hex), not yet active. */
struct journal	*journal_new(void);
const char	*journal_id(const struct journal *);

/*
 * Snapshot: call before the journal is activated, once per live path the
 * mutation will replace, create or delete (journal_track) or append to
 * (journal_track_append). Tracking a path twice is harmless.
 */
int	 journal_track(struct journal *, const char *path);
int	 journal_track_append(struct journal *, const char *path);

/* Write, fsync and activate the journal. Only then may the live tree change. */
int	 journal_activate(struct journal *);

/* After the commit point: drop backups and the journal (fsyncs the dir). */
int	 journal_discard(struct journal *);

/* Before the commit point, after an error: undo and drop the journal. */
int	 journal_rollback(struct journal *);

void	 journal_free(struct journal *);

/*
 * Recovery, on every exclusive acquire of the KB lock: for each active
 * journal, committed(arg, id) says whether its commit record exists (1),
 * not (0), or error (-1). Committed journals are finalized, others rolled
 * back (restored in reverse order of tracking). Idempotent: a crash in the
 * middle is recovered by the next call. Inactive .tmp journals and their
 * backups are removed. Counts go to *rolled_back and *finalized.
 */
int	 journal_recover(int (*committed)(void *, const char *), void *arg,
	    unsigned *rolled_back, unsigned *finalized);

/* Number of active journals, for lint (-1 on error). */
int	 journal_count_active(void);

#endif /* KBD_JOURNAL_H */
