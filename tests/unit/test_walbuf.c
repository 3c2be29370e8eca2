/*
 * Unit tests of the committer's VFS (workers/store/walbuf.c), with real
 * SQLite on real files: what a connection writing through it commits is
 * what another connection (the default VFS, as the supervisor's readers
 * and the checkpoints use) reads, in transactions larger than the page
 * cache (frames written before the commit, and written again), rolled
 * back, reopened; and a write the file system refuses fails the commit
 * and leaves the database as it was.
 */
#include <sys/resource.h>

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "walbuf.h"

static char	tmpdir[PATH_MAX];

/* A row's text, from its id alone: a reader checks every byte. */
#define ROW_TEXT "substr(replace(hex(zeroblob(700)), '00', " \
		"char(65 + id % 26, 97 + id % 23)), 1, 1300)"

static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/kbd-walbuf.XXXXXX",
	    t != NULL && *t == '/' ? t : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(walbuf_register(), SQLITE_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	(void)unlink("w.db");
	(void)unlink("w.db-wal");
	(void)unlink("w.db-shm");
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(rmdir(tmpdir), 0);
	return 0;
}

static void
exec_ok(sqlite3 *c, const char *sql)
{
	char	*err = NULL;
	int	 rc;

	rc = sqlite3_exec(c, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, err != NULL ? err : "?");
}

static int64_t
int_of(sqlite3 *c, const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 v;

	assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static sqlite3 *
open_db(const char *vfs)
{
	sqlite3	*c = NULL;

	assert_int_equal(sqlite3_open_v2("w.db", &c, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, vfs), SQLITE_OK);
	exec_ok(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL");
	return c;
}

/* The rows a reader sees: count, and how many differ from ROW_TEXT. */
static void
check_rows(sqlite3 *c, int64_t count, int64_t lo, int64_t hi)
{
	assert_int_equal(int_of(c, "SELECT count(*) FROM t"), count);
	assert_int_equal(int_of(c, "SELECT count(*) FROM t WHERE v <> "
	    ROW_TEXT), 0);
	assert_int_equal(int_of(c, "SELECT min(id) FROM t"), lo);
	assert_int_equal(int_of(c, "SELECT max(id) FROM t"), hi);
}

static void
integrity_ok(sqlite3 *c)
{
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_prepare_v2(c, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
}

static void
test_transactions(void **state)
{
	sqlite3	*w, *r;

	(void)state;
	w = open_db(WALBUF_VFS);
	r = open_db(NULL);
	/* A cache of 8 pages: most frames are written before the commit. */
	exec_ok(w, "PRAGMA cache_size=8; CREATE TABLE t(id INTEGER PRIMARY "
	    "KEY, v TEXT NOT NULL); CREATE INDEX t_v ON t(v)");
	exec_ok(w, "BEGIN; WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL "
	    "SELECT id + 1 FROM n WHERE id < 3000) INSERT INTO t "
	    "SELECT id, " ROW_TEXT " FROM n; COMMIT");
	check_rows(r, 3000, 1, 3000);

	/* Every page again, some twice, in one transaction. */
	exec_ok(w, "BEGIN; UPDATE t SET v = 'x' WHERE id % 2 = 0; "
	    "UPDATE t SET v = " ROW_TEXT " WHERE id % 2 = 0; "
	    "DELETE FROM t WHERE id <= 500; COMMIT");
	check_rows(r, 2500, 501, 3000);

	/* Rolled back after spilling: nobody sees it, the next commit holds. */
	exec_ok(w, "BEGIN; DELETE FROM t WHERE id > 1000; "
	    "WITH RECURSIVE n(id) AS (SELECT 5001 UNION ALL "
	    "SELECT id + 1 FROM n WHERE id < 9000) INSERT INTO t "
	    "SELECT id, " ROW_TEXT " FROM n; ROLLBACK");
	check_rows(r, 2500, 501, 3000);
	check_rows(w, 2500, 501, 3000);
	exec_ok(w, "INSERT INTO t SELECT 3001, substr(replace(hex(zeroblob("
	    "700)), '00', char(65 + 3001 % 26, 97 + 3001 % 23)), 1, 1300)");
	check_rows(r, 2501, 501, 3001);

	/* Checkpointed by the other connection, then written on. */
	exec_ok(r, "PRAGMA wal_checkpoint(PASSIVE)");
	exec_ok(w, "DELETE FROM t WHERE id = 3001");
	check_rows(r, 2500, 501, 3000);
	integrity_ok(w);
	integrity_ok(r);
	assert_int_equal(sqlite3_close(w), SQLITE_OK);
	assert_int_equal(sqlite3_close(r), SQLITE_OK);

	/* What a new process finds. */
	r = open_db(NULL);
	check_rows(r, 2500, 501, 3000);
	integrity_ok(r);
	assert_int_equal(sqlite3_close(r), SQLITE_OK);
}

/*
 * A write refused (the file size limit: EFBIG, as ENOSPC would be):
 * the commit fails, the database is as before, and writes go on once the
 * file system takes them again.
 */
static void
test_write_refused(void **state)
{
	struct rlimit	 old, lim;
	sqlite3		*w, *r;
	int		 rc;

	(void)state;
	w = open_db(WALBUF_VFS);
	exec_ok(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL);"
	    "INSERT INTO t SELECT 1, substr(replace(hex(zeroblob(700)), "
	    "'00', char(65 + 1 % 26, 97 + 1 % 23)), 1, 1300)");
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 2 * 1024 * 1024;
	assert_true(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = sqlite3_exec(w, "BEGIN; WITH RECURSIVE n(id) AS (SELECT 2 "
	    "UNION ALL SELECT id + 1 FROM n WHERE id < 6000) INSERT INTO t "
	    "SELECT id, " ROW_TEXT " FROM n; COMMIT", NULL, NULL, NULL);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_not_equal(rc, SQLITE_OK);
	(void)sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);

	r = open_db(NULL);
	check_rows(r, 1, 1, 1);
	check_rows(w, 1, 1, 1);
	exec_ok(w, "WITH RECURSIVE n(id) AS (SELECT 2 UNION ALL SELECT id + 1 "
	    "FROM n WHERE id < 6000) INSERT INTO t SELECT id, " ROW_TEXT
	    " FROM n");
	check_rows(r, 6000, 1, 6000);
	integrity_ok(r);
	assert_int_equal(sqlite3_close(w), SQLITE_OK);
	assert_int_equal(sqlite3_close(r), SQLITE_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transactions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
