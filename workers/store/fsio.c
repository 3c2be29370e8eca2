/*
 * The committer's I/O layer (see fsio.h). Every public function checks its
 * fail point before the step it names, then does the step with plain
 * system calls; the static helpers below never check points, so a step is
 * counted exactly once however the public functions are combined.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsio.h"
#include "kbpath.h"

#if defined(KBD_DRILL_BREAK_NODIRSYNC) && !defined(KBD_FAILPOINTS)
#error "KBD_DRILL_BREAK_* variants are test builds (FAILPOINTS=1) only"
#endif

/* Sticky: an fsync of any kind has failed in this process. */
static int	sync_failed;

int
fsio_sync_failed(void)
{
	return sync_failed;
}

#ifdef KBD_FAILPOINTS

#define TRACE_FILE	KB_FP_TRACE
#define DIRLOG_FILE	KB_DIRLOG
#define DIRLOG_DIR	KB_DIRLOG_D

static struct {
	pid_t		 pid;		/* process that read the variables */
	int		 trace;		/* append point names to TRACE_FILE */
	int		 stop;		/* SIGSTOP at every point */
	int		 dirlog;	/* record directory entries */
	unsigned long	 shadows;	/* inodes kept in DIRLOG_DIR */
} drill;

enum fp_action {
	FP_CRASH,
	FP_EIO,
	FP_ENOSPC,
	FP_STOP
};

static struct {
	pid_t		 pid;		/* process that parsed; 0: not parsed */
	int		 bad;		/* KBD_FAILPOINT(_TRACE) malformed */
	char		*name;		/* NULL: no fail point */
	size_t		 namelen;
	int		 prefix;	/* name ended in '*' */
	enum fp_action	 action;
	unsigned long	 nth;
	unsigned long	 count;
} fp;

/*
 * The variables are read again in a forked child (tests fork and change
 * the environment). A fork handler marks them stale rather than a getpid()
 * at every point: a file published costs a dozen points, and getpid is a
 * system call.
 */
static int	fp_stale = 1;

static void
fp_forked(void)
{
	fp_stale = 1;
}

static void	fp_parse(void);

static void
fp_check(void)
{
	if (fp_stale)
		fp_parse();
}

static void
fp_parse(void)
{
	static int	 atfork;
	const char	*env, *colon, *at, *end, *var = "KBD_FAILPOINT";
	char		*ep, action[16];
	size_t		 len;

	free(fp.name);
	memset(&fp, 0, sizeof(fp));
	memset(&drill, 0, sizeof(drill));
	if (!atfork && pthread_atfork(NULL, NULL, fp_forked) == 0)
		atfork = 1;
	fp_stale = !atfork;	/* without the handler, read them each time */
	fp.pid = drill.pid = getpid();
	fp.nth = 1;
	sync_failed = 0;
	if ((env = getenv("KBD_DRILL_DIRLOG")) != NULL && *env != '\0')
		drill.dirlog = 1;
	if ((env = getenv("KBD_FAILPOINT_TRACE")) != NULL && *env != '\0') {
		var = "KBD_FAILPOINT_TRACE";
		if (strcmp(env, "1") == 0)
			drill.trace = 1;
		else if (strcmp(env, "stop") == 0)
			drill.trace = drill.stop = 1;
		else
			goto bad;
	}
	var = "KBD_FAILPOINT";
	if ((env = getenv("KBD_FAILPOINT")) == NULL || *env == '\0')
		return;

	end = env + strlen(env);
	if ((at = strchr(env, '@')) != NULL) {
		errno = 0;
		fp.nth = strtoul(at + 1, &ep, 10);
		if (at[1] < '0' || at[1] > '9' || *ep != '\0' || errno != 0 ||
		    fp.nth == 0)
			goto bad;
		end = at;
	}
	if ((colon = memchr(env, ':', (size_t)(end - env))) != NULL) {
		len = (size_t)(end - colon - 1);
		if (len >= sizeof(action))
			goto bad;
		memcpy(action, colon + 1, len);
		action[len] = '\0';
		if (strcmp(action, "crash") == 0)
			fp.action = FP_CRASH;
		else if (strcmp(action, "eio") == 0)
			fp.action = FP_EIO;
		else if (strcmp(action, "enospc") == 0)
			fp.action = FP_ENOSPC;
		else if (strcmp(action, "stop") == 0)
			fp.action = FP_STOP;
		else
			goto bad;
		end = colon;
	}
	len = (size_t)(end - env);
	if (len > 0 && env[len - 1] == '*') {
		fp.prefix = 1;
		len--;
	}
	if (len == 0 && !fp.prefix)
		goto bad;
	if ((fp.name = strndup(env, len)) == NULL)
		goto bad;
	fp.namelen = len;
	return;
bad:
	/* stderr: a drill must not pass because its fail point was a typo. */
	fprintf(stderr, "kbd: malformed %s \"%s\"\n", var, env);
	fp.bad = 1;
}

void
fsio_reset(void)
{
	fp_parse();
}

/* Append one line to a drill file under .kb/; best effort. */
static void
drill_append(const char *file, const char *line)
{
	int	fd, saved = errno;

	if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) != -1) {
		(void)write(fd, line, strlen(line));
		close(fd);
	}
	errno = saved;
}

static void
dirlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Record a directory change: tab-separated fields, one line. */
static void
dirlog(const char *fmt, ...)
{
	va_list	 ap;
	char	 line[3 * 4096 + 64];
	int	 n;

	fp_check();
	if (!drill.dirlog)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return;
	line[n] = '\n';
	line[n + 1] = '\0';
	drill_append(DIRLOG_FILE, line);
}

/*
 * The KB-relative name of fd's file (the committer's working directory is
 * the KB root), for the data records; -1 if it has none (unlinked, or
 * outside the KB).
 */
static int
dirlog_fdpath(int fd, char *path, size_t len)
{
	struct stat	 st;
	char		 link[64], abs[PATH_MAX], cwd[PATH_MAX];
	ssize_t		 n;
	size_t		 cl;
	int		 r;

	if (fstat(fd, &st) == -1 || st.st_nlink == 0 ||
	    !S_ISREG(st.st_mode))
		return -1;
	(void)snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, abs, sizeof(abs) - 1)) == -1)
		return -1;
	abs[n] = '\0';
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	cl = strlen(cwd);
	if (strncmp(abs, cwd, cl) != 0 || abs[cl] != '/')
		return -1;
	r = snprintf(path, len, "%s", abs + cl + 1);
	return r < 0 || (size_t)r >= len ? -1 : 0;
}

static int
dirlog_on(void)
{
	fp_check();
	return drill.dirlog;
}

/*
 * Data records: len bytes at off were (or may have been) written to the
 * file at path, or fd's file when path is NULL ("W"); the file was
 * fsynced ("Y"). A drill reverts the bytes written since a file's last
 * fsync (or the last syncfs) to model the loss of the page cache.
 */
static void
dirlog_write(int fd, const char *path, off_t off, size_t len)
{
	char	name[PATH_MAX];
	int	saved = errno;

	if (dirlog_on() && (path != NULL ||
	    dirlog_fdpath(fd, name, sizeof(name)) == 0))
		dirlog("W\t%s\t%lld\t%zu", path != NULL ? path : name,
		    (long long)off, len);
	errno = saved;
}

static void
dirlog_sync(int fd, const char *path)
{
	char	name[PATH_MAX];
	int	saved = errno;

	if (dirlog_on() && (path != NULL ||
	    dirlog_fdpath(fd, name, sizeof(name)) == 0))
		dirlog("Y\t%s", path != NULL ? path : name);
	errno = saved;
}

/* Where the next write to fd lands: its offset, or its end (O_APPEND). */
static off_t
dirlog_offset(int fd)
{
	struct stat	st;
	int		fl, saved = errno;
	off_t		off = 0;

	if (dirlog_on()) {
		fl = fcntl(fd, F_GETFL);
		if (fl != -1 && (fl & O_APPEND)) {
			if (fstat(fd, &st) == 0)
				off = st.st_size;
		} else if ((off = lseek(fd, 0, SEEK_CUR)) == -1)
			off = 0;
	}
	errno = saved;
	return off;
}

/*
 * Keep the inode at path reachable (a hard link in DIRLOG_DIR) before a
 * rename or unlink drops its name, so that a drill can put the name back;
 * writes the shadow's path, or "-" when there is nothing to keep.
 */
static void
dirlog_keep(const char *path, char *shadow, size_t len)
{
	struct stat	st;
	int		saved = errno;

	(void)snprintf(shadow, len, "-");
	fp_check();
	if (!drill.dirlog || lstat(path, &st) == -1 || !S_ISREG(st.st_mode))
		goto out;
	(void)mkdir(DIRLOG_DIR, 0700);
	(void)snprintf(shadow, len, "%s/%ld-%lu", DIRLOG_DIR, (long)getpid(),
	    drill.shadows++);
	if (link(path, shadow) == -1)
		(void)snprintf(shadow, len, "-");
out:
	errno = saved;
}

int
fsio_point(const char *point)
{
	char	line[300];

	fp_check();
	if (drill.trace) {
		(void)snprintf(line, sizeof(line), "%ld %s\n", (long)getpid(),
		    point);
		drill_append(TRACE_FILE, line);
		if (drill.stop)
			(void)raise(SIGSTOP);
	}
	if (fp.bad) {
		errno = EINVAL;
		return -1;
	}
	if (fp.name == NULL)
		return 0;
	if (fp.prefix ? strncmp(point, fp.name, fp.namelen) != 0 :
	    strcmp(point, fp.name) != 0)
		return 0;
	if (++fp.count != fp.nth)
		return 0;
	switch (fp.action) {
	case FP_CRASH:
		kill(getpid(), SIGKILL);
		_exit(137);	/* not reached: SIGKILL to oneself is immediate */
	case FP_EIO:
		errno = EIO;
		return -1;
	case FP_ENOSPC:
		errno = ENOSPC;
		return -1;
	case FP_STOP:
		/*
		 * A test holds the process here, before the step, and acts
		 * (a cancel, a kill) while it is known to be there; SIGCONT
		 * lets the step go on.
		 */
		(void)raise(SIGSTOP);
		return 0;
	}
	return 0;
}

/* Check "<point>.<step>". */
static int
fsio_subpoint(const char *point, const char *step)
{
	char	name[256];

	(void)snprintf(name, sizeof(name), "%s.%s", point, step);
	return fsio_point(name);
}

#else /* !KBD_FAILPOINTS */

int
fsio_point(const char *point)
{
	(void)point;
	return 0;
}

void
fsio_reset(void)
{
	sync_failed = 0;
}

static void
dirlog(const char *fmt, ...)
{
	(void)fmt;
}

static int
dirlog_on(void)
{
	return 0;
}

static void
dirlog_keep(const char *path, char *shadow, size_t len)
{
	(void)path;
	(void)snprintf(shadow, len, "-");
}

static void
dirlog_write(int fd, const char *path, off_t off, size_t len)
{
	(void)fd;
	(void)path;
	(void)off;
	(void)len;
}

static void
dirlog_sync(int fd, const char *path)
{
	(void)fd;
	(void)path;
}

static off_t
dirlog_offset(int fd)
{
	(void)fd;
	return 0;
}

static int
fsio_subpoint(const char *point, const char *step)
{
	(void)point;
	(void)step;
	return 0;
}

#endif /* KBD_FAILPOINTS */

static int
write_loop(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Close, keeping the errno of the failure that led here. */
static void
close_saved(int fd)
{
	int	saved = errno;

	close(fd);
	errno = saved;
}

int
fsio_write_all(int fd, const void *buf, size_t len, const char *point)
{
	off_t	off;
	int	r;

	if (fsio_point(point) == -1)
		return -1;
	off = dirlog_offset(fd);
	r = write_loop(fd, buf, len);
	/* Also after a failure: some of the bytes may be there. */
	dirlog_write(fd, NULL, off, len);
	return r;
}

/* Records the new name (dirlog) when the file did not exist. */
int
fsio_create(const char *path, int flags, mode_t mode)
{
	struct stat	st;
	int		fd, existed;

	/* Only the drills' directory log asks whether it existed. */
	existed = dirlog_on() && lstat(path, &st) == 0;
	if ((fd = open(path, flags | O_CREAT, mode)) == -1)
		return -1;
	if (!existed)
		dirlog("C\t%s", path);
	else if ((flags & O_TRUNC) && S_ISREG(st.st_mode) && st.st_size > 0)
		dirlog("T\t%s\t0\t%lld", path, (long long)st.st_size);
	return fd;
}

/* A failed fsync is never retried: the caller treats it as fatal. */
int
fsio_fsync(int fd, const char *point)
{
	if (fsio_point(point) == -1 || fsync(fd) == -1) {
		sync_failed = 1;
		return -1;
	}
	dirlog_sync(fd, NULL);
	return 0;
}

/*
 * Where syncfs does not reach the data (durability.h): a published file,
 * written by a worker or by fsio_write_batched, fsynced by its path.
 */
int
fsio_fsync_path(const char *path, const char *point)
{
	int	fd;

	if (fsio_point(point) == -1) {
		sync_failed = 1;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fsync(fd) == -1) {
		sync_failed = 1;
		close_saved(fd);
		return -1;
	}
	dirlog_sync(fd, path);
	return close(fd);
}

int
fsio_fsync_dir(const char *dir, const char *point)
{
	int	fd;

	if (fsio_point(point) == -1) {
		sync_failed = 1;
		return -1;
	}
#ifdef KBD_DRILL_BREAK_NODIRSYNC
	/* Negative control: the parent directory is never made durable. */
	return 0;
#endif
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fsync(fd) == -1) {
		sync_failed = 1;
		close_saved(fd);
		return -1;
	}
	dirlog("F\t%s", dir);
	return close(fd);
}

/*
 * Staged files are written by sandboxed workers, which cannot fsync; one
 * syncfs per batch makes all their bytes durable together before the
 * commit point, instead of one fsync per file.
 */
int
fsio_syncfs(const char *dir, const char *point)
{
	int	fd;

	if (fsio_point(point) == -1) {
		sync_failed = 1;
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (syncfs(fd) == -1) {
		sync_failed = 1;
		close_saved(fd);
		return -1;
	}
	dirlog("S");
	return close(fd);
}

int
fsio_rename(const char *from, const char *to, const char *point)
{
	char	shadow[64];

	if (fsio_point(point) == -1)
		return -1;
	dirlog_keep(to, shadow, sizeof(shadow));
	if (rename(from, to) == -1)
		return -1;
	dirlog("R\t%s\t%s\t%s", from, to, shadow);
	return 0;
}

int
fsio_link(const char *from, const char *to, const char *point)
{
	if (fsio_point(point) == -1)
		return -1;
	if (link(from, to) == -1)
		return -1;
	dirlog("C\t%s", to);
	return 0;
}

int
fsio_unlink(const char *path, const char *point)
{
	char	shadow[64];

	if (fsio_point(point) == -1)
		return -1;
	dirlog_keep(path, shadow, sizeof(shadow));
	if (unlink(path) == -1) {
		if (errno != ENOENT)
			return -1;
		return 0;
	}
	dirlog("U\t%s\t%s", path, shadow);
	return 0;
}

int
fsio_mkdir(const char *path, mode_t mode, const char *point)
{
	struct stat	st;

	if (fsio_point(point) == -1)
		return -1;
	if (mkdir(path, mode) == 0) {
		dirlog("M\t%s", path);
		return 0;
	}
	if (errno != EEXIST)
		return -1;
	/* Something that is not a directory does not count. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	errno = EEXIST;
	return -1;
}

int
fsio_rmdir(const char *path, const char *point)
{
	if (fsio_point(point) == -1)
		return -1;
	if (rmdir(path) == -1) {
		if (errno != ENOENT)
			return -1;
		return 0;
	}
	dirlog("D\t%s", path);
	return 0;
}

int
fsio_truncate(const char *path, off_t size, const char *point)
{
	struct stat	st;
	off_t		old = -1;

	if (fsio_point(point) == -1)
		return -1;
	if (lstat(path, &st) == 0)
		old = st.st_size;
	if (truncate(path, size) == -1)
		return -1;
	/* Until the file is fsynced, a power loss may undo the truncate. */
	if (old > size)
		dirlog("T\t%s\t%lld\t%lld", path, (long long)size,
		    (long long)old);
	return 0;
}

/* Write buf to tmp (path.tmp when NULL), then rename it over path. */
static int
write_replace(const char *path, const char *via, const void *buf,
    size_t len, const char *point, int dosync)
{
	const char	*tmp = via;
	char		*own = NULL, shadow[64];
	int		 fd = -1, saved;

	if (fsio_point(point) == -1)
		return -1;
	/* A caller's own name (a staging path) is used as it is. */
	if (via == NULL) {
		if (asprintf(&own, "%s.tmp", path) == -1)
			return -1;
		tmp = own;
	}
	fd = fsio_create(tmp, O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd == -1)
		goto fail;
	if (write_loop(fd, buf, len) == -1)
		goto fail;
	dirlog_write(fd, tmp, 0, len);
	if (dosync && (fsio_subpoint(point, "fsync") == -1 ||
	    fsync(fd) == -1)) {
		sync_failed = 1;
		goto fail;
	}
	if (dosync)
		dirlog_sync(fd, tmp);
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (fsio_subpoint(point, "rename") == -1)
		goto fail;
	dirlog_keep(path, shadow, sizeof(shadow));
	if (rename(tmp, path) == -1)
		goto fail;
	dirlog("R\t%s\t%s\t%s", tmp, path, shadow);
	free(own);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	free(own);
	errno = saved;
	return -1;
}

int
fsio_write_atomic(const char *path, const void *buf, size_t len,
    const char *point)
{
	return write_replace(path, NULL, buf, len, point, 1);
}

int
fsio_write_batched(const char *path, const void *buf, size_t len,
    const char *point)
{
	return write_replace(path, NULL, buf, len, point, 0);
}

int
fsio_write_batched_via(const char *path, const char *tmp, const void *buf,
    size_t len, const char *point)
{
	return write_replace(path, tmp, buf, len, point, 0);
}

int
fsio_append(const char *path, const void *buf, size_t len, const char *point)
{
	off_t	off;
	int	fd, r;

	if (fsio_point(point) == -1)
		return -1;
	fd = fsio_create(path, O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	off = dirlog_offset(fd);
	r = write_loop(fd, buf, len);
	dirlog_write(fd, path, off, len);
	if (r == -1)
		goto fail;
	if (fsio_subpoint(point, "fsync") == -1 || fsync(fd) == -1) {
		sync_failed = 1;
		goto fail;
	}
	dirlog_sync(fd, path);
	return close(fd);
fail:
	close_saved(fd);
	return -1;
}
