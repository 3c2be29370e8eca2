/*
 * The committer's I/O layer: every write, fsync, rename, link, unlink,
 * truncate and mkdir that mutates a KB goes through here, each call named by
 * a fail point so crash drills can stop the committer before any step.
 *
 * Fail points (test builds, -DKBD_FAILPOINTS): the environment variable
 * KBD_FAILPOINT="name[:action][@N]" makes the Nth (default 1st) call that
 * passes point "name" crash (action "crash": SIGKILL to itself, the
 * default), fail with EIO ("eio") or ENOSPC ("enospc"), or SIGSTOP itself
 * before the step ("stop": a test acts while the process is held there,
 * then sends SIGCONT). A name ending in
 * '*' matches any point with that prefix. Only the Nth matching call
 * fires; later ones succeed. The variable is read on the first call in each
 * process and the count is per process (a forked child starts at zero).
 * A malformed KBD_FAILPOINT makes every call fail with EINVAL so that a
 * drill with a typo cannot pass silently.
 *
 * Crash drills (tests/drills/, docs/crash-safety.md) use two more
 * variables of test builds, both writing only under the KB's .kb/:
 *	KBD_FAILPOINT_TRACE=1	append "PID point" to .kb/failpoints.trace
 *				for every point passed, before acting on it
 *	KBD_FAILPOINT_TRACE=stop  the same, then SIGSTOP itself at every
 *				point, so a drill can copy the KB exactly as a
 *				crash before that step would leave it
 *	KBD_DRILL_DIRLOG=1	append to .kb/dirlog every directory entry
 *				created, renamed or removed, and every
 *				directory fsync and syncfs, keeping the
 *				inodes a rename or unlink dropped as hard
 *				links in .kb/dirlog.d/; also every file
 *				write (path, offset, length), file fsync
 *				and truncate; a drill undoes unsynced
 *				entries and data to model a power loss
 * Any other value of KBD_FAILPOINT_TRACE counts as a malformed fail point.
 * The supervisor passes KBD_FAILPOINT to its first committer only (see
 * supervisor.c), so a crash point fires once, not in every successor.
 *
 * Negative controls for the drills (test builds only): -DKBD_DRILL_BREAK_
 * NODIRSYNC makes fsio_fsync_dir do nothing; NOBACKUPSYNC and
 * NOJOURNALSYNC (journal.c), EARLY_PUBLISH (workers/committer/batch.c)
 * and NOSYNCFS (workers/committer/commit.c) break the protocol elsewhere.
 *
 * Point names: a function that does one step checks the caller's point
 * before it. One that does several checks the caller's point before the
 * first and "<point>.<step>" before each later one:
 *	fsio_write_atomic	<point> (open+write tmp), <point>.fsync,
 *				<point>.rename
 *	fsio_write_batched(_via)	<point> (open+write tmp), <point>.rename
 *	fsio_append		<point> (open+write), <point>.fsync
 * so "publish.summary*" matches every step of one publish.
 *
 * Paths are relative to the working directory, which the committer sets to
 * the KB root. Functions return 0, or -1 with errno set.
 */
#ifndef KBD_FSIO_H
#define KBD_FSIO_H

#include <sys/types.h>
#include <stddef.h>

/* Check a fail point; -1 with errno when it says to fail. */
int	fsio_point(const char *point);
/* Tests: forget the parsed KBD_FAILPOINT, the call count, sync failures. */
void	fsio_reset(void);
/*
 * Whether an fsync, directory fsync or syncfs has failed in this process.
 * After one, the page cache may have dropped dirty data: the committer
 * exits instead of rolling back or retrying, and recovery decides.
 */
int	fsio_sync_failed(void);

/* open(2) with O_CREAT: a file the mutation creates (recorded by dirlog). */
int	fsio_create(const char *path, int flags, mode_t mode);

int	fsio_write_all(int fd, const void *, size_t, const char *point);
int	fsio_fsync(int fd, const char *point);
int	fsio_fsync_dir(const char *dir, const char *point);
/* fsync(2) of the file at path (opened read-only). */
int	fsio_fsync_path(const char *path, const char *point);
/*
 * syncfs(2) of the filesystem holding dir: every file's data, one call,
 * where it reaches the data (durability.h); elsewhere fsio_fsync_path.
 */
int	fsio_syncfs(const char *dir, const char *point);
int	fsio_rename(const char *from, const char *to, const char *point);
int	fsio_link(const char *from, const char *to, const char *point);
int	fsio_unlink(const char *path, const char *point);	/* ENOENT is success */
int	fsio_mkdir(const char *path, mode_t, const char *point);	/* EEXIST is success */
int	fsio_rmdir(const char *path, const char *point);	/* ENOENT is success */
int	fsio_truncate(const char *path, off_t, const char *point);
/* Write a whole file via path.tmp, fsync, rename (parent dir not fsynced). */
int	fsio_write_atomic(const char *path, const void *, size_t,
	    const char *point);
/* Append (O_APPEND, created if absent) and fsync. */
/*
 * As fsio_write_atomic without the fsync: for files of a batch whose data
 * the committer makes durable with one fsio_syncfs (or, where syncfs does
 * not reach the data, fsio_fsync_path) before the commit point.
 */
int	fsio_write_batched(const char *path, const void *, size_t,
	    const char *point);
/*
 * As fsio_write_batched, the file written first as tmp, on the same file
 * system: a new file of a directory of many names is made once there, not
 * as path.tmp and again as path (each a look-up and an entry in the big
 * directory). tmp is the caller's to clean up after a crash.
 */
int	fsio_write_batched_via(const char *path, const char *tmp,
	    const void *, size_t, const char *point);
int	fsio_append(const char *path, const void *, size_t, const char *point);

#endif /* KBD_FSIO_H */
