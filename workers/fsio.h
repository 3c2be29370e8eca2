/*
 * The committer's I/O layer: every write, fsync, rename, link, unlink,
 * truncate and mkdir that mutates a KB goes through here, each call named by
 * a fail point so crash drills can stop the committer before any step.
 *
 * Fail points (test builds, -DKBD_FAILPOINTS): the environment variable
 * KBD_FAILPOINT="name[:action][@N]" makes the Nth (default 1st) call that
 * passes point "name" crash (action "crash": SIGKILL to itself, the
 * default), or fail with EIO ("eio") or ENOSPC ("enospc"). A name ending in
 * '*' matches any point with that prefix. Only the Nth matching call
 * fires; later ones succeed. The variable is read on the first call in each
 * process and the count is per process (a forked child starts at zero).
 * A malformed KBD_FAILPOINT makes every call fail with EINVAL so that a
 * drill with a typo cannot pass silently.
 *
 * Point names: a function that does one step checks the caller's point
 * before it. One that does several checks the caller's point before the
 * first and "<point>.<step>" before each later one:
 *	fsio_write_atomic	<point> (open+write tmp), <point>.fsync,
 *				<point>.rename
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
/* Tests: forget the parsed KBD_FAILPOINT and the call count. */
void	fsio_reset(void);

int	fsio_write_all(int fd, const void *, size_t, const char *point);
int	fsio_fsync(int fd, const char *point);
int	fsio_fsync_dir(const char *dir, const char *point);
/* syncfs(2) of the filesystem holding dir: every file's data, one call. */
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
 * the committer makes durable with one fsio_syncfs before the commit point.
 */
int	fsio_write_batched(const char *path, const void *, size_t,
	    const char *point);
int	fsio_append(const char *path, const void *, size_t, const char *point);

#endif /* KBD_FSIO_H */
