/*
 * Unit tests of the journal and the fsio layer under it: rollback, discard,
 * recovery after a crash (a forked child killed by a fail point), and the
 * fail points themselves. Each test runs in a fresh temporary KB-like
 * directory.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fsio.h"
#include "journal.h"

static int	oldcwd = -1;
static char	tmpdir[PATH_MAX];

/* Helpers. */

static void
write_file(const char *path, const char *s)
{
	int	fd;

	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd != -1);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	assert_int_equal(close(fd), 0);
}

/* Contents of a small file, or NULL if it does not exist. */
static char *
slurp(const char *path)
{
	char	buf[4096];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

static void
assert_file(const char *path, const char *want)
{
	char	*got;

	got = slurp(path);
	if (got == NULL)
		fail_msg("%s: missing, want \"%s\"", path, want);
	assert_string_equal(got, want);
	free(got);
}

static int
exists(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0;
}

static ino_t
inode(const char *path)
{
	struct stat	st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_ino;
}

/* Names in a directory (no . and ..). */
static int
count_entries(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Append "path=content\n" per file and "path/\n" per dir, sorted. */
static void
dump_tree(const char *dir, char *out, size_t outlen)
{
	struct dirent	**v;
	char		  path[PATH_MAX], *s;
	struct stat	  st;
	int		  n, i;

	n = scandir(dir, &v, NULL, alphasort);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i]->d_name, ".") != 0 &&
		    strcmp(v[i]->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			    v[i]->d_name);
			assert_int_equal(lstat(path, &st), 0);
			if (S_ISDIR(st.st_mode)) {
				strncat(out, path, outlen - strlen(out) - 1);
				strncat(out, "/\n", outlen - strlen(out) - 1);
				dump_tree(path, out, outlen);
			} else {
				s = slurp(path);
				assert_non_null(s);
				strncat(out, path, outlen - strlen(out) - 1);
				strncat(out, "=", outlen - strlen(out) - 1);
				strncat(out, s, outlen - strlen(out) - 1);
				strncat(out, "\n", outlen - strlen(out) - 1);
				free(s);
			}
		}
		free(v[i]);
	}
	free(v);
}

static void
assert_tree(const char *want)
{
	char	got[8192] = "";

	dump_tree("raw", got, sizeof(got));
	dump_tree("wiki", got, sizeof(got));
	assert_string_equal(got, want);
}

/* Run fn in a child with KBD_FAILPOINT=spec; its wait status. */
static int
run_child(int (*fn)(void *), void *arg, const char *spec)
{
	pid_t	pid;
	int	status;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (spec != NULL)
			setenv("KBD_FAILPOINT", spec, 1);
		else
			unsetenv("KBD_FAILPOINT");
		fsio_reset();
		_exit(fn(arg) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kbd-test-journal.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	if ((oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    chdir(tmpdir) == -1 || mkdir(".kb", 0700) == -1 ||
	    mkdir(".kb/journal", 0700) == -1 || mkdir("raw", 0755) == -1 ||
	    mkdir("wiki", 0755) == -1)
		return -1;
	unsetenv("KBD_FAILPOINT");
	fsio_reset();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unsetenv("KBD_FAILPOINT");
	unsetenv("KBD_FAILPOINT_TRACE");
	unsetenv("KBD_DRILL_DIRLOG");
	fsio_reset();
	if (fchdir(oldcwd) == -1)
		return -1;
	close(oldcwd);
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The scenario every protocol test runs: replace a.md, delete b.md,
 * create c.md, append to log.md, create new.log by appending, create the
 * directory raw/sub and a file in it.
 */
#define OLD_TREE \
	"wiki/a.md=old a\n" \
	"wiki/b.md=old b\n" \
	"wiki/log.md=line1\n\n"
#define NEW_TREE \
	"raw/sub/\n" \
	"raw/sub/f=f\n" \
	"wiki/a.md=new a\n" \
	"wiki/c.md=new c\n" \
	"wiki/log.md=line1\nline2\n\n" \
	"wiki/new.log=x\n\n"

static void
make_old_tree(void)
{
	write_file("wiki/a.md", "old a");
	write_file("wiki/b.md", "old b");
	write_file("wiki/log.md", "line1\n");
	assert_tree(OLD_TREE);
}

static int
track_all(struct journal *j)
{
	if (journal_track(j, "wiki/a.md") == -1 ||
	    journal_track(j, "wiki/b.md") == -1 ||
	    journal_track(j, "wiki/c.md") == -1 ||
	    journal_track_append(j, "wiki/log.md") == -1 ||
	    journal_track_append(j, "wiki/new.log") == -1 ||
	    journal_track(j, "raw/sub") == -1 ||
	    journal_track(j, "raw/sub/f") == -1 ||
	    journal_track(j, "wiki/a.md") == -1)	/* twice: harmless */
		return -1;
	return 0;
}

static int
mutate(void)
{
	if (fsio_write_atomic("wiki/a.md", "new a", 5, "m.a") == -1 ||
	    fsio_unlink("wiki/b.md", "m.b") == -1 ||
	    fsio_write_atomic("wiki/c.md", "new c", 5, "m.c") == -1 ||
	    fsio_append("wiki/log.md", "line2\n", 6, "m.log") == -1 ||
	    fsio_append("wiki/new.log", "x\n", 2, "m.newlog") == -1 ||
	    fsio_mkdir("raw/sub", 0755, "m.mkdir") == -1 ||
	    fsio_write_atomic("raw/sub/f", "f", 1, "m.f") == -1 ||
	    fsio_fsync_dir("raw/sub", "m.fsync.sub") == -1 ||
	    fsio_fsync_dir("raw", "m.fsync.raw") == -1 ||
	    fsio_fsync_dir("wiki", "m.fsync.wiki") == -1)
		return -1;
	return 0;
}
#define MUTATE_POINTS	18	/* fsio points mutate() passes */

static int
committed0(void *arg, const char *id)
{
	(void)arg;
	(void)id;
	return 0;
}

static int
committed1(void *arg, const char *id)
{
	(void)arg;
	(void)id;
	return 1;
}

static int
committed_err(void *arg, const char *id)
{
	(void)arg;
	(void)id;
	errno = EIO;
	return -1;
}

/* Child bodies. */

/* Snapshot, activate, mutate, then die without discarding. */
static int
child_crash_after_mutate(void *arg)
{
	struct journal	*j;

	(void)arg;
	if ((j = journal_new()) == NULL || track_all(j) == -1 ||
	    journal_activate(j) == -1 || mutate() == -1)
		return 1;
	_exit(0);
}

/* Tests. */

static void
test_rollback(void **state)
{
	struct journal	*j;
	ino_t		 ino_a, ino_log;

	(void)state;
	make_old_tree();
	ino_a = inode("wiki/a.md");
	ino_log = inode("wiki/log.md");
	assert_non_null(j = journal_new());
	assert_int_equal(strlen(journal_id(j)), 16);
	assert_int_equal(strspn(journal_id(j), "0123456789abcdef"), 16);
	assert_int_equal(track_all(j), 0);
	assert_int_equal(journal_count_active(), 0);
	assert_int_equal(journal_activate(j), 0);
	assert_int_equal(journal_count_active(), 1);
	assert_int_equal(mutate(), 0);
	assert_tree(NEW_TREE);

	assert_int_equal(journal_rollback(j), 0);
	assert_tree(OLD_TREE);
	/* The very same files, not copies. */
	assert_true(inode("wiki/a.md") == ino_a);
	assert_true(inode("wiki/log.md") == ino_log);
	assert_int_equal(count_entries(".kb/journal"), 0);
	assert_int_equal(journal_count_active(), 0);
	/* Done: neither can happen twice. */
	assert_int_equal(journal_rollback(j), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(journal_discard(j), -1);
	journal_free(j);
}

static void
test_discard(void **state)
{
	struct journal	*j;

	(void)state;
	make_old_tree();
	assert_non_null(j = journal_new());
	assert_int_equal(track_all(j), 0);
	/* Discard before activation is refused. */
	assert_int_equal(journal_discard(j), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(journal_activate(j), 0);
	assert_int_equal(mutate(), 0);
	assert_int_equal(journal_discard(j), 0);
	assert_tree(NEW_TREE);
	assert_int_equal(count_entries(".kb/journal"), 0);
	assert_int_equal(journal_count_active(), 0);
	journal_free(j);
}

static void
test_journal_format(void **state)
{
	struct journal	*j;
	char		 path[PATH_MAX], *s, want[1024];

	(void)state;
	make_old_tree();
	assert_non_null(j = journal_new());
	assert_int_equal(track_all(j), 0);
	assert_int_equal(journal_activate(j), 0);
	snprintf(path, sizeof(path), ".kb/journal/%s.jnl", journal_id(j));
	assert_non_null(s = slurp(path));
	snprintf(want, sizeof(want), "kbd-journal 1\n"
	    "B 0 wiki/a.md\n" "B 1 wiki/b.md\n" "A wiki/c.md\n"
	    "S 6 wiki/log.md\n" "A wiki/new.log\n" "A raw/sub\n"
	    "A raw/sub/f\n" "end\n");
	assert_string_equal(s, want);
	free(s);
	snprintf(path, sizeof(path), ".kb/journal/%s.d/0", journal_id(j));
	assert_true(inode(path) == inode("wiki/a.md"));
	assert_int_equal(journal_rollback(j), 0);
	journal_free(j);
}

static void
test_recover_rollback(void **state)
{
	unsigned	rb = 9, fin = 9;

	(void)state;
	make_old_tree();
	assert_int_equal(run_child(child_crash_after_mutate, NULL, NULL), 0);
	assert_tree(NEW_TREE);
	assert_int_equal(journal_count_active(), 1);

	assert_int_equal(journal_recover(committed0, NULL, &rb, &fin), 0);
	assert_int_equal(rb, 1);
	assert_int_equal(fin, 0);
	assert_tree(OLD_TREE);
	assert_int_equal(count_entries(".kb/journal"), 0);

	/* Idempotent. */
	assert_int_equal(journal_recover(committed0, NULL, &rb, &fin), 0);
	assert_int_equal(rb, 0);
	assert_int_equal(fin, 0);
	assert_tree(OLD_TREE);
}

static void
test_recover_finalize(void **state)
{
	unsigned	rb = 9, fin = 9;

	(void)state;
	make_old_tree();
	assert_int_equal(run_child(child_crash_after_mutate, NULL, NULL), 0);
	assert_int_equal(journal_recover(committed1, NULL, &rb, &fin), 0);
	assert_int_equal(rb, 0);
	assert_int_equal(fin, 1);
	assert_tree(NEW_TREE);
	assert_int_equal(count_entries(".kb/journal"), 0);

	assert_int_equal(journal_recover(committed1, NULL, &rb, &fin), 0);
	assert_int_equal(rb, 0);
	assert_int_equal(fin, 0);
	assert_tree(NEW_TREE);
}

static void
test_recover_committed_error(void **state)
{
	unsigned	rb, fin;

	(void)state;
	make_old_tree();
	assert_int_equal(run_child(child_crash_after_mutate, NULL, NULL), 0);
	assert_int_equal(journal_recover(committed_err, NULL, &rb, &fin), -1);
	assert_int_equal(errno, EIO);
	/* Nothing touched; a later recovery still works. */
	assert_tree(NEW_TREE);
	assert_int_equal(journal_count_active(), 1);
	assert_int_equal(journal_recover(committed0, NULL, NULL, NULL), 0);
	assert_tree(OLD_TREE);
}

static void
test_recover_tmp(void **state)
{
	struct journal	*j;
	char		 path[PATH_MAX];
	unsigned	 rb = 9, fin = 9;

	(void)state;
	make_old_tree();
	/*
	 * What a crash inside journal_activate before its rename leaves:
	 * backups in ID.d and the journal as ID.tmp.
	 */
	assert_non_null(j = journal_new());
	assert_int_equal(track_all(j), 0);
	snprintf(path, sizeof(path), ".kb/journal/%s.tmp", journal_id(j));
	write_file(path, "kbd-journal 1\nB 0 wiki/a.md\nB 1 wiki/b.md\n"
	    "A wiki/c.md\nend\n");
	journal_free(j);
	assert_int_equal(journal_count_active(), 0);
	assert_int_equal(count_entries(".kb/journal"), 2);	/* ID.tmp ID.d */

	/* Live files changed since must be left alone. */
	assert_int_equal(fsio_write_atomic("wiki/a.md", "other a", 7, "t"), 0);
	write_file("wiki/c.md", "other c");
	assert_int_equal(journal_recover(committed0, NULL, &rb, &fin), 0);
	assert_int_equal(rb, 0);
	assert_int_equal(fin, 0);
	assert_int_equal(count_entries(".kb/journal"), 0);
	assert_tree("wiki/a.md=other a\n" "wiki/b.md=old b\n"
	    "wiki/c.md=other c\n" "wiki/log.md=line1\n\n");
}

static void
test_recover_torn_and_stray(void **state)
{
	unsigned	rb = 9, fin = 9;

	(void)state;
	make_old_tree();
	/* A .jnl without its end line: never acted on. */
	write_file(".kb/journal/00112233445566aa.jnl",
	    "kbd-journal 1\nA wiki/a.md\n");
	/* Backups without any journal. */
	assert_int_equal(mkdir(".kb/journal/00112233445566bb.d", 0700), 0);
	write_file(".kb/journal/00112233445566bb.d/0", "x");
	/* Not ours: left alone. */
	write_file(".kb/journal/README", "keep");
	assert_int_equal(journal_count_active(), 1);

	assert_int_equal(journal_recover(committed0, NULL, &rb, &fin), 0);
	assert_int_equal(rb, 0);
	assert_int_equal(fin, 0);
	assert_tree(OLD_TREE);
	assert_int_equal(count_entries(".kb/journal"), 1);
	assert_true(exists(".kb/journal/README"));
	assert_int_equal(journal_count_active(), 0);
}

static void
test_recover_malformed(void **state)
{
	(void)state;
	make_old_tree();
	write_file(".kb/journal/00112233445566aa.jnl",
	    "kbd-journal 1\nX what\nend\n");
	assert_int_equal(journal_recover(committed0, NULL, NULL, NULL), -1);
	assert_int_equal(errno, EBADMSG);
	write_file(".kb/journal/00112233445566aa.jnl",
	    "kbd-journal 2\nend\n");
	assert_int_equal(journal_recover(committed0, NULL, NULL, NULL), -1);
	write_file(".kb/journal/00112233445566aa.jnl",
	    "kbd-journal 1\nB x wiki/a.md\nend\n");
	assert_int_equal(journal_recover(committed0, NULL, NULL, NULL), -1);
	assert_tree(OLD_TREE);
	/* A journal with no entries is fine. */
	write_file(".kb/journal/00112233445566aa.jnl", "kbd-journal 1\nend\n");
	assert_int_equal(journal_recover(committed0, NULL, NULL, NULL), 0);
	assert_int_equal(count_entries(".kb/journal"), 0);
}

static void
test_append_truncated(void **state)
{
	struct journal	*j;
	ino_t		 ino;

	(void)state;
	write_file("wiki/log.md", "0123456789");
	ino = inode("wiki/log.md");
	assert_non_null(j = journal_new());
	assert_int_equal(journal_track_append(j, "wiki/log.md"), 0);
	assert_int_equal(journal_track_append(j, "wiki/log.md"), 0);
	assert_int_equal(journal_activate(j), 0);
	/* Nothing was backed up for an appended file. */
	assert_int_equal(count_entries(".kb/journal"), 1);
	assert_int_equal(fsio_append("wiki/log.md", "abc", 3, "t"), 0);
	assert_int_equal(fsio_append("wiki/log.md", "def", 3, "t"), 0);
	assert_file("wiki/log.md", "0123456789abcdef");
	assert_int_equal(journal_rollback(j), 0);
	assert_file("wiki/log.md", "0123456789");
	assert_true(inode("wiki/log.md") == ino);
	journal_free(j);
}

static void
test_absent_removed(void **state)
{
	struct journal	*j;

	(void)state;
	assert_non_null(j = journal_new());
	assert_int_equal(journal_track(j, "wiki/new.md"), 0);
	assert_int_equal(journal_track_append(j, "wiki/new.log"), 0);
	assert_int_equal(journal_activate(j), 0);
	/* No backups, so no ID.d. */
	assert_int_equal(count_entries(".kb/journal"), 1);
	write_file("wiki/new.md", "n");
	write_file("wiki/new.md.tmp", "half");	/* as a crash would leave */
	write_file("wiki/new.log", "l");
	assert_int_equal(journal_rollback(j), 0);
	assert_false(exists("wiki/new.md"));
	assert_false(exists("wiki/new.md.tmp"));
	assert_false(exists("wiki/new.log"));
	assert_int_equal(count_entries(".kb/journal"), 0);
	journal_free(j);
}

/* Tracked both ways: restored whether changed in place or replaced. */
static void
test_both_ways(void **state)
{
	struct journal	*j;

	(void)state;
	write_file("wiki/x.md", "x1");
	write_file("wiki/y.md", "y1");
	assert_non_null(j = journal_new());
	assert_int_equal(journal_track(j, "wiki/x.md"), 0);
	assert_int_equal(journal_track_append(j, "wiki/x.md"), 0);
	assert_int_equal(journal_track_append(j, "wiki/y.md"), 0);
	assert_int_equal(journal_track(j, "wiki/y.md"), 0);
	assert_int_equal(journal_activate(j), 0);
	assert_int_equal(fsio_append("wiki/x.md", "+", 1, "t"), 0);
	assert_int_equal(fsio_write_atomic("wiki/y.md", "y2", 2, "t"), 0);
	assert_int_equal(fsio_append("wiki/y.md", "+", 1, "t"), 0);
	assert_int_equal(journal_rollback(j), 0);
	assert_file("wiki/x.md", "x1");
	assert_file("wiki/y.md", "y1");
	assert_int_equal(count_entries(".kb/journal"), 0);
	journal_free(j);
}

static void
test_bad_paths(void **state)
{
	struct journal	*j;

	(void)state;
	assert_non_null(j = journal_new());
	assert_int_equal(journal_track(j, "wiki/a\nb"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(journal_track_append(j, "wiki/a\nb"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(journal_track(j, ""), -1);
	assert_int_equal(errno, EINVAL);
	/* Appending to a directory makes no sense. */
	assert_int_equal(journal_track_append(j, "wiki"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(journal_activate(j), 0);
	/* Too late to track once active. */
	assert_int_equal(journal_track(j, "wiki/z"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(journal_activate(j), -1);
	assert_int_equal(journal_discard(j), 0);
	journal_free(j);
}

/* Never activated: rollback only drops what the journal made. */
static void
test_rollback_inactive(void **state)
{
	struct journal	*j;

	(void)state;
	make_old_tree();
	assert_non_null(j = journal_new());
	assert_int_equal(track_all(j), 0);
	assert_int_equal(count_entries(".kb/journal"), 1);	/* ID.d */
	assert_int_equal(journal_rollback(j), 0);
	assert_int_equal(count_entries(".kb/journal"), 0);
	assert_tree(OLD_TREE);
	journal_free(j);

	/* Nothing on disk at all: nothing to do. */
	assert_non_null(j = journal_new());
	assert_int_equal(journal_rollback(j), 0);
	journal_free(j);
}

static void
test_count_active(void **state)
{
	(void)state;
	assert_int_equal(journal_count_active(), 0);
	write_file(".kb/journal/0000000000000001.jnl", "kbd-journal 1\nend\n");
	write_file(".kb/journal/0000000000000002.jnl", "kbd-journal 1\nend\n");
	write_file(".kb/journal/0000000000000003.tmp", "kbd-journal 1\n");
	write_file(".kb/journal/000000000000000X.jnl", "");
	write_file(".kb/journal/0000000000000004.jnl.x", "");
	assert_int_equal(journal_count_active(), 2);
	assert_int_equal(journal_recover(committed1, NULL, NULL, NULL), 0);
	assert_int_equal(journal_count_active(), 0);
	assert_int_equal(count_entries(".kb/journal"), 2);

	/* No journal directory: none active, nothing to recover. */
	assert_int_equal(nftw(".kb/journal", rm_one, 4,
	    FTW_DEPTH | FTW_PHYS), 0);
	assert_int_equal(journal_count_active(), 0);
	assert_int_equal(journal_recover(committed0, NULL, NULL, NULL), 0);
}

static void
test_fsio_basics(void **state)
{
	struct stat	st;
	mode_t		mask;

	(void)state;
	assert_int_equal(fsio_write_atomic("wiki/f", "abc", 3, "t"), 0);
	assert_file("wiki/f", "abc");
	assert_false(exists("wiki/f.tmp"));
	assert_int_equal(stat("wiki/f", &st), 0);
	mask = umask(022);
	umask(mask);
	assert_int_equal(st.st_mode & 0777, 0644 & ~mask);
	assert_int_equal(fsio_write_atomic("wiki/f", "", 0, "t"), 0);
	assert_file("wiki/f", "");
	assert_int_equal(fsio_append("wiki/g", "1", 1, "t"), 0);
	assert_int_equal(fsio_append("wiki/g", "2", 1, "t"), 0);
	assert_file("wiki/g", "12");
	assert_int_equal(fsio_truncate("wiki/g", 1, "t"), 0);
	assert_file("wiki/g", "1");
	assert_int_equal(fsio_link("wiki/g", "wiki/h", "t"), 0);
	assert_true(inode("wiki/g") == inode("wiki/h"));
	assert_int_equal(fsio_rename("wiki/h", "wiki/i", "t"), 0);
	assert_int_equal(fsio_unlink("wiki/i", "t"), 0);
	assert_int_equal(fsio_unlink("wiki/i", "t"), 0);	/* ENOENT ok */
	assert_int_equal(fsio_mkdir("wiki/d", 0755, "t"), 0);
	assert_int_equal(fsio_mkdir("wiki/d", 0755, "t"), 0);	/* EEXIST ok */
	assert_int_equal(fsio_mkdir("wiki/g", 0755, "t"), -1);	/* a file */
	assert_int_equal(errno, EEXIST);
	assert_int_equal(fsio_fsync_dir("wiki/d", "t"), 0);
	assert_int_equal(fsio_fsync_dir("wiki/g", "t"), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(fsio_rmdir("wiki/d", "t"), 0);
	assert_int_equal(fsio_rmdir("wiki/d", "t"), 0);		/* ENOENT ok */
	assert_int_equal(fsio_rename("wiki/nope", "wiki/x", "t"), -1);
	assert_int_equal(errno, ENOENT);
}

#ifdef KBD_FAILPOINTS

static void
set_failpoint(const char *spec)
{
	if (spec == NULL)
		assert_int_equal(unsetenv("KBD_FAILPOINT"), 0);
	else
		assert_int_equal(setenv("KBD_FAILPOINT", spec, 1), 0);
	fsio_reset();
}

static int
killed(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/* The commit point of the tests: .kb/commit holds the journal's id. */
static int
commit(struct journal *j)
{
	if (fsio_write_atomic(".kb/commit", journal_id(j), 16, "commit") == -1 ||
	    fsio_fsync_dir(".kb", "commit.dir") == -1)
		return -1;
	return 0;
}

static int
committed_marker(void *arg, const char *id)
{
	char	*s;
	int	 r;

	(void)arg;
	if ((s = slurp(".kb/commit")) == NULL)
		return 0;
	r = strcmp(s, id) == 0;
	free(s);
	return r;
}

/* Snapshot and activate, then die before changing anything. */
static int
child_crash_after_activate(void *arg)
{
	struct journal	*j;

	(void)arg;
	if ((j = journal_new()) == NULL || track_all(j) == -1 ||
	    journal_activate(j) == -1)
		return 1;
	_exit(0);
}

/* The whole protocol; a fail point may kill it anywhere. */
static int
child_protocol(void *arg)
{
	struct journal	*j;

	(void)arg;
	if ((j = journal_new()) == NULL || track_all(j) == -1 ||
	    journal_activate(j) == -1 || mutate() == -1 ||
	    commit(j) == -1 || journal_discard(j) == -1)
		return 1;
	journal_free(j);
	return 0;
}

static int
child_recover(void *arg)
{
	unsigned	rb, fin;

	return journal_recover(arg == NULL ? committed0 : committed1, NULL,
	    &rb, &fin);
}

static void
test_failpoint_eio(void **state)
{
	int	fd;

	(void)state;
	assert_true((fd = open("wiki/f", O_CREAT | O_WRONLY, 0644)) != -1);
	set_failpoint("t.write:eio");
	assert_int_equal(fsio_write_all(fd, "x", 1, "t.other"), 0);
	assert_int_equal(fsio_write_all(fd, "x", 1, "t.write"), -1);
	assert_int_equal(errno, EIO);
	/* Only the first matching call fails. */
	assert_int_equal(fsio_write_all(fd, "x", 1, "t.write"), 0);
	close(fd);

	set_failpoint("t.sync:enospc");
	assert_int_equal(fsio_fsync_dir("wiki", "t.sync"), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(fsio_fsync_dir("wiki", "t.sync"), 0);
}

static void
test_failpoint_count(void **state)
{
	int	i;

	(void)state;
	set_failpoint("t.u:eio@3");
	for (i = 1; i <= 5; i++) {
		errno = 0;
		assert_int_equal(fsio_unlink("wiki/none", "t.u"),
		    i == 3 ? -1 : 0);
		/* Other points do not count. */
		assert_int_equal(fsio_unlink("wiki/none", "t.v"), 0);
	}
	/* Reset starts counting again. */
	fsio_reset();
	assert_int_equal(fsio_unlink("wiki/none", "t.u"), 0);
	assert_int_equal(fsio_unlink("wiki/none", "t.u"), 0);
	assert_int_equal(fsio_unlink("wiki/none", "t.u"), -1);
}

static void
test_failpoint_prefix(void **state)
{
	(void)state;
	set_failpoint("pub.*:eio@2");
	assert_int_equal(fsio_write_atomic("wiki/f", "ab", 2, "pub.x"), -1);
	assert_int_equal(errno, EIO);
	/* Died at pub.x.fsync: no file, no tmp left. */
	assert_false(exists("wiki/f"));
	assert_false(exists("wiki/f.tmp"));

	set_failpoint("pub.x.rename:eio");
	assert_int_equal(fsio_write_atomic("wiki/f", "ab", 2, "pub.x"), -1);
	assert_false(exists("wiki/f"));
	assert_false(exists("wiki/f.tmp"));

	set_failpoint("pub.x.fsync:eio");
	assert_int_equal(fsio_append("wiki/g", "ab", 2, "pub.x"), -1);
	assert_int_equal(errno, EIO);

	set_failpoint("*:eio");
	assert_int_equal(fsio_mkdir("wiki/d", 0755, "anything"), -1);
	assert_false(exists("wiki/d"));
}

static void
test_failpoint_malformed(void **state)
{
	static const char *bad[] = {
		"x:boom", "x@0", "x@", "x@1y", ":eio", "x:eio@-1", "x:@2"
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_failpoint(bad[i]);
		assert_int_equal(fsio_point("y"), -1);
		assert_int_equal(errno, EINVAL);
	}
	set_failpoint("");
	assert_int_equal(fsio_point("y"), 0);
	set_failpoint(NULL);
	assert_int_equal(fsio_point("y"), 0);
}

static int
child_fsync_twice(void *arg)
{
	(void)arg;
	if (fsio_fsync_dir("wiki", "t.crash") == -1)
		return 1;
	if (fsio_fsync_dir("wiki", "t.crash") == -1)
		return 1;
	return 0;
}

static void
test_failpoint_crash(void **state)
{
	pid_t	pid;
	int	st;

	(void)state;
	st = run_child(child_fsync_twice, NULL, "t.crash:crash");
	assert_true(killed(st));
	st = run_child(child_fsync_twice, NULL, "t.crash");	/* default */
	assert_true(killed(st));
	st = run_child(child_fsync_twice, NULL, "t.crash@2");
	assert_true(killed(st));
	st = run_child(child_fsync_twice, NULL, "t.crash@3");
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/*
	 * The count is per process: a forked child that passes the point
	 * once more is not its parent's second call.
	 */
	set_failpoint("t.crash@2");
	assert_int_equal(fsio_fsync_dir("wiki", "t.crash"), 0);
	if ((pid = fork()) == 0)
		_exit(fsio_fsync_dir("wiki", "t.crash") == 0 ? 0 : 1);
	assert_true(pid != -1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	set_failpoint(NULL);
}

/*
 * stop: the second pass stops the process before its step; SIGCONT lets
 * the step go on and succeed, and the directory is synced.
 */
static void
test_failpoint_stop(void **state)
{
	pid_t	pid;
	int	st;

	(void)state;
	if ((pid = fork()) == 0) {
		setenv("KBD_FAILPOINT", "t.stop:stop@2", 1);
		fsio_reset();
		if (fsio_fsync_dir("wiki", "t.stop") == -1)
			_exit(1);
		_exit(fsio_fsync_dir("wiki", "t.stop") == 0 ? 0 : 2);
	}
	assert_true(pid != -1);
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	assert_true(WIFSTOPPED(st));
	assert_int_equal(WSTOPSIG(st), SIGSTOP);
	assert_int_equal(kill(pid, SIGCONT), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* An I/O error while the journal activates: nothing changed. */
static void
test_activate_eio(void **state)
{
	static const char *points[] = {
		"journal.mkdir", "journal.link", "journal.write",
		"journal.fsync", "journal.fsync.backups", "journal.fsync.dir",
		"journal.activate"
	};
	struct journal	*j;
	char		 spec[64];
	size_t		 i;
	int		 r;

	(void)state;
	make_old_tree();
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		snprintf(spec, sizeof(spec), "%s:eio", points[i]);
		set_failpoint(spec);
		assert_non_null(j = journal_new());
		r = track_all(j);
		if (r == 0)
			r = journal_activate(j);
		assert_int_equal(r, -1);
		assert_int_equal(errno, EIO);
		assert_int_equal(journal_rollback(j), 0);
		journal_free(j);
		assert_int_equal(count_entries(".kb/journal"), 0);
		assert_tree(OLD_TREE);
	}
}

/* An I/O error in the k-th step of the mutation: the batch rolls back. */
static void
test_mutate_eio(void **state)
{
	struct journal	*j;
	char		 spec[64];
	int		 k;

	(void)state;
	make_old_tree();
	for (k = 1; k <= MUTATE_POINTS; k++) {
		set_failpoint(NULL);
		assert_non_null(j = journal_new());
		assert_int_equal(track_all(j), 0);
		assert_int_equal(journal_activate(j), 0);
		snprintf(spec, sizeof(spec), "m.*:eio@%d", k);
		set_failpoint(spec);
		assert_int_equal(mutate(), -1);
		assert_int_equal(errno, EIO);
		assert_int_equal(journal_rollback(j), 0);
		journal_free(j);
		assert_int_equal(count_entries(".kb/journal"), 0);
		assert_tree(OLD_TREE);
	}
	/* One more than there are: the mutation goes through. */
	snprintf(spec, sizeof(spec), "m.*:eio@%d", MUTATE_POINTS + 1);
	set_failpoint(spec);
	assert_int_equal(mutate(), 0);
}

/* An I/O error during rollback leaves the journal for recovery. */
static void
test_rollback_eio(void **state)
{
	static const char *points[] = {
		"recover.restore", "recover.unlink", "recover.rmdir",
		"recover.truncate", "recover.truncate.fsync",
		"recover.unlink.tmp", "recover.fsync",
		"recover.remove.rmdir", "recover.remove.unlink",
		"recover.remove.fsync"
	};
	struct journal	*j;
	char		 spec[64];
	size_t		 i;

	(void)state;
	make_old_tree();
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		set_failpoint(NULL);
		assert_non_null(j = journal_new());
		assert_int_equal(track_all(j), 0);
		assert_int_equal(journal_activate(j), 0);
		assert_int_equal(mutate(), 0);
		snprintf(spec, sizeof(spec), "%s:eio", points[i]);
		set_failpoint(spec);
		assert_int_equal(journal_rollback(j), -1);
		assert_int_equal(errno, EIO);
		journal_free(j);
		set_failpoint(NULL);
		/* Only the last step comes after the journal is unlinked. */
		assert_int_equal(journal_count_active(),
		    strcmp(points[i], "recover.remove.fsync") != 0);
		assert_int_equal(journal_recover(committed0, NULL, NULL,
		    NULL), 0);
		assert_int_equal(count_entries(".kb/journal"), 0);
		assert_tree(OLD_TREE);
	}
}

static void
reset_tree(void)
{
	assert_int_equal(nftw("raw", rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	assert_int_equal(nftw("wiki", rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
	assert_int_equal(mkdir("raw", 0755), 0);
	assert_int_equal(mkdir("wiki", 0755), 0);
	(void)unlink(".kb/commit");
	(void)unlink(".kb/commit.tmp");
	make_old_tree();
}

/* After recovery the KB is wholly before or wholly after the batch. */
static void
assert_recovered(void)
{
	int	was_committed;

	was_committed = exists(".kb/commit");
	assert_int_equal(journal_recover(committed_marker, NULL, NULL, NULL),
	    0);
	assert_int_equal(count_entries(".kb/journal"), 0);
	assert_tree(was_committed ? NEW_TREE : OLD_TREE);
}

/* Crash drill: kill the protocol before each step, then recover. */
static void
test_drill_protocol(void **state)
{
	static const char *points[] = {
		"journal.mkdir", "journal.link", "journal.link@2",
		"journal.write", "journal.fsync", "journal.fsync.backups",
		"journal.fsync.dir", "journal.activate",
		"journal.activate.fsync", "commit", "commit.fsync",
		"commit.rename", "commit.dir", "journal.discard.backup",
		"journal.discard.backup@2", "journal.discard.rmdir",
		"journal.discard.unlink", "journal.discard.fsync"
	};
	char	spec[64];
	size_t	i;
	int	k;

	(void)state;
	make_old_tree();
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		reset_tree();
		if (!killed(run_child(child_protocol, NULL, points[i])))
			fail_msg("%s: not reached", points[i]);
		assert_recovered();
	}
	for (k = 1; k <= MUTATE_POINTS; k++) {
		reset_tree();
		snprintf(spec, sizeof(spec), "m.*@%d", k);
		if (!killed(run_child(child_protocol, NULL, spec)))
			fail_msg("%s: not reached", spec);
		assert_recovered();
	}
}

/* Crash drill: kill recovery itself before each step, then recover again. */
static void
test_drill_recover(void **state)
{
	static const char *undo_points[] = {
		"recover.restore", "recover.restore@2", "recover.unlink",
		"recover.unlink@3", "recover.rmdir", "recover.truncate",
		"recover.truncate.fsync", "recover.unlink.tmp",
		"recover.unlink.tmp@3", "recover.fsync", "recover.fsync@2",
		"recover.remove.rmdir", "recover.remove.unlink",
		"recover.remove.fsync"
	};
	static const char *final_points[] = {
		"recover.finalize.backup", "recover.finalize.backup@2",
		"recover.finalize.rmdir", "recover.finalize.unlink",
		"recover.finalize.fsync"
	};
	char	spec[64];
	size_t	i;
	int	st;

	(void)state;
	make_old_tree();
	for (i = 0; i < sizeof(undo_points) / sizeof(undo_points[0]); i++) {
		reset_tree();
		assert_int_equal(run_child(child_crash_after_mutate, NULL,
		    NULL), 0);
		st = run_child(child_recover, NULL, undo_points[i]);
		if (!killed(st))
			fail_msg("%s: not reached", undo_points[i]);
		/* Twice more, the first time dying at the same step again. */
		st = run_child(child_recover, NULL, undo_points[i]);
		assert_true(killed(st) || (WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0));
		assert_int_equal(journal_recover(committed0, NULL, NULL,
		    NULL), 0);
		assert_int_equal(count_entries(".kb/journal"), 0);
		assert_tree(OLD_TREE);
	}
	/*
	 * Died before changing anything: the backups are still links to
	 * the live files, so restoring them changes nothing and they are
	 * removed with the journal.
	 */
	for (i = 1; i <= 2; i++) {
		reset_tree();
		assert_int_equal(run_child(child_crash_after_activate, NULL,
		    NULL), 0);
		snprintf(spec, sizeof(spec), "recover.remove.backup@%zu", i);
		st = run_child(child_recover, NULL, spec);
		if (!killed(st))
			fail_msg("%s: not reached", spec);
		assert_int_equal(journal_recover(committed0, NULL, NULL,
		    NULL), 0);
		assert_int_equal(count_entries(".kb/journal"), 0);
		assert_tree(OLD_TREE);
	}
	for (i = 0; i < sizeof(final_points) / sizeof(final_points[0]); i++) {
		reset_tree();
		assert_int_equal(run_child(child_crash_after_mutate, NULL,
		    NULL), 0);
		st = run_child(child_recover, (void *)1, final_points[i]);
		if (!killed(st))
			fail_msg("%s: not reached", final_points[i]);
		assert_int_equal(journal_recover(committed1, NULL, NULL,
		    NULL), 0);
		assert_int_equal(count_entries(".kb/journal"), 0);
		assert_tree(NEW_TREE);
	}
}

static void
set_drill_env(const char *trace, const char *dirlog)
{
	if (trace == NULL)
		assert_int_equal(unsetenv("KBD_FAILPOINT_TRACE"), 0);
	else
		assert_int_equal(setenv("KBD_FAILPOINT_TRACE", trace, 1), 0);
	if (dirlog == NULL)
		assert_int_equal(unsetenv("KBD_DRILL_DIRLOG"), 0);
	else
		assert_int_equal(setenv("KBD_DRILL_DIRLOG", dirlog, 1), 0);
	fsio_reset();
}

/* KBD_FAILPOINT_TRACE=1 lists every point passed, failing ones too. */
static void
test_drill_trace(void **state)
{
	char	*s, want[128];

	(void)state;
	set_drill_env("1", NULL);
	set_failpoint("t.b:eio");
	assert_int_equal(fsio_point("t.a"), 0);
	assert_int_equal(fsio_point("t.b"), -1);
	assert_non_null(s = slurp(".kb/failpoints.trace"));
	(void)snprintf(want, sizeof(want), "%ld t.a\n%ld t.b\n",
	    (long)getpid(), (long)getpid());
	assert_string_equal(s, want);
	free(s);
	/* Any other value is a malformed drill: every point fails. */
	set_drill_env("yes", NULL);
	assert_int_equal(fsio_point("t.a"), -1);
	assert_int_equal(errno, EINVAL);
	set_drill_env(NULL, NULL);
	set_failpoint(NULL);
	assert_int_equal(fsio_point("t.a"), 0);
}

/*
 * KBD_DRILL_DIRLOG=1 records names made and dropped, with the dropped
 * inode kept, and the fsyncs that make them durable.
 */
static void
test_drill_dirlog(void **state)
{
	char	*s, *line, *shadow, *tab, *old;

	(void)state;
	set_drill_env(NULL, "1");
	write_file("wiki/a", "old\n");
	write_file("wiki/b.tmp", "new\n");
	assert_int_equal(fsio_rename("wiki/b.tmp", "wiki/a", "t"), 0);
	assert_int_equal(fsio_fsync_dir("wiki", "t"), 0);
	assert_int_equal(fsio_write_atomic("raw/c", "c\n", 2, "t"), 0);
	assert_int_equal(fsio_unlink("raw/c", "t"), 0);
	assert_int_equal(fsio_syncfs(".", "t"), 0);
	assert_non_null(s = slurp(".kb/dirlog"));
	line = strtok(s, "\n");
	assert_non_null(line);
	assert_true(strncmp(line, "R\twiki/b.tmp\twiki/a\t.kb/dirlog.d/",
	    strlen("R\twiki/b.tmp\twiki/a\t.kb/dirlog.d/")) == 0);
	shadow = strrchr(line, '\t') + 1;
	assert_non_null(old = slurp(shadow));
	assert_string_equal(old, "old\n");	/* the inode the rename dropped */
	free(old);
	assert_string_equal(strtok(NULL, "\n"), "F\twiki");
	assert_string_equal(strtok(NULL, "\n"), "C\traw/c.tmp");
	assert_string_equal(strtok(NULL, "\n"), "W\traw/c.tmp\t0\t2");
	assert_string_equal(strtok(NULL, "\n"), "Y\traw/c.tmp");
	assert_string_equal(strtok(NULL, "\n"), "R\traw/c.tmp\traw/c\t-");
	line = strtok(NULL, "\n");
	assert_non_null(line);
	assert_true(strncmp(line, "U\traw/c\t", strlen("U\traw/c\t")) == 0);
	tab = strrchr(line, '\t') + 1;
	assert_non_null(old = slurp(tab));
	assert_string_equal(old, "c\n");
	free(old);
	assert_string_equal(strtok(NULL, "\n"), "S");
	assert_null(strtok(NULL, "\n"));
	free(s);
	set_drill_env(NULL, NULL);
}

/*
 * KBD_DRILL_DIRLOG=1 also records file data: each write's range ("W"),
 * through a path or a descriptor, each fsync ("Y") and each truncate
 * ("T", with the size before), so a drill knows what a power loss may
 * take back.
 */
static void
test_drill_datalog(void **state)
{
	char	*s;
	int	 fd;

	(void)state;
	set_drill_env(NULL, "1");
	assert_int_equal(fsio_append("wiki/l", "ab", 2, "t"), 0);
	assert_int_equal(fsio_append("wiki/l", "cde", 3, "t"), 0);
	assert_int_equal(fsio_truncate("wiki/l", 1, "t"), 0);
	assert_int_equal(fsio_write_batched("raw/b", "xyz", 3, "t"), 0);
	fd = fsio_create(".kb/j", O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	assert_int_equal(fsio_write_all(fd, "1234", 4, "t"), 0);
	assert_int_equal(fsio_write_all(fd, "56", 2, "t"), 0);
	assert_int_equal(fsio_fsync(fd, "t"), 0);
	assert_int_equal(close(fd), 0);
	/* Reopened with O_TRUNC: the old length may come back. */
	fd = fsio_create(".kb/j", O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	assert_int_equal(close(fd), 0);
	assert_non_null(s = slurp(".kb/dirlog"));
	assert_string_equal(s,
	    "C\twiki/l\n"
	    "W\twiki/l\t0\t2\n"
	    "Y\twiki/l\n"
	    "W\twiki/l\t2\t3\n"
	    "Y\twiki/l\n"
	    "T\twiki/l\t1\t5\n"
	    "C\traw/b.tmp\n"
	    "W\traw/b.tmp\t0\t3\n"
	    "R\traw/b.tmp\traw/b\t-\n"
	    "C\t.kb/j\n"
	    "W\t.kb/j\t0\t4\n"
	    "W\t.kb/j\t4\t2\n"
	    "Y\t.kb/j\n"
	    "T\t.kb/j\t0\t6\n");
	free(s);
	set_drill_env(NULL, NULL);
}

/* A failed fsync is remembered: the committer exits instead of undoing. */
static void
test_sync_failed(void **state)
{
	(void)state;
	assert_false(fsio_sync_failed());
	set_failpoint("t.w:eio");
	assert_int_equal(fsio_append("wiki/l", "x", 1, "t.w"), -1);
	assert_false(fsio_sync_failed());	/* a write, not an fsync */
	set_failpoint("t.w.fsync:eio");
	assert_int_equal(fsio_append("wiki/l", "x", 1, "t.w"), -1);
	assert_true(fsio_sync_failed());
	fsio_reset();
	assert_false(fsio_sync_failed());
	set_failpoint("t.d:enospc");
	assert_int_equal(fsio_fsync_dir("wiki", "t.d"), -1);
	assert_true(fsio_sync_failed());
	set_failpoint(NULL);
}

#endif /* KBD_FAILPOINTS */

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rollback),
		T(test_discard),
		T(test_journal_format),
		T(test_recover_rollback),
		T(test_recover_finalize),
		T(test_recover_committed_error),
		T(test_recover_tmp),
		T(test_recover_torn_and_stray),
		T(test_recover_malformed),
		T(test_append_truncated),
		T(test_absent_removed),
		T(test_both_ways),
		T(test_bad_paths),
		T(test_rollback_inactive),
		T(test_count_active),
		T(test_fsio_basics),
#ifdef KBD_FAILPOINTS
		T(test_failpoint_eio),
		T(test_failpoint_count),
		T(test_failpoint_prefix),
		T(test_failpoint_malformed),
		T(test_failpoint_crash),
		T(test_failpoint_stop),
		T(test_activate_eio),
		T(test_mutate_eio),
		T(test_rollback_eio),
		T(test_drill_protocol),
		T(test_drill_recover),
		T(test_drill_trace),
		T(test_drill_dirlog),
		T(test_drill_datalog),
		T(test_sync_failed),
#endif
	};
	size_t	n = sizeof(tests) / sizeof(tests[0]);

	/*
	 * Without the fail points (FAILPOINTS=0) most cases are compiled
	 * out: say so, so that such a run cannot pass for a whole one (make
	 * check-one refuses FAILPOINTS=0).
	 */
#ifdef KBD_FAILPOINTS
	printf("test_journal: %zu cases, fail points compiled in\n", n);
#else
	printf("test_journal: only %zu cases: the fail-point cases are "
	    "compiled out (FAILPOINTS=0)\n", n);
#endif
	return cmocka_run_group_tests(tests, NULL, NULL);
}
