/*
 * Unit tests of the durability decision (workers/store/durability.c) and
 * of fsio_fsync_path, the per-file fsync it chooses where syncfs does not
 * reach the data: the file system's type decides unless KBD_DURABILITY
 * overrides it, a bad override or an unreadable directory falls back to
 * the safe mode, and the fsync passes its fail point.
 */
#include <sys/types.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "durability.h"
#include "fsio.h"

static char	tmpdir[PATH_MAX];

static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "%s/kbd-dur.XXXXXX",
	    t != NULL && *t == '/' ? t : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	assert_int_equal(chdir(tmpdir), 0);
	unsetenv("KBD_DURABILITY");
	unsetenv("KBD_FAILPOINT");
	fsio_reset();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	(void)unlink("f");
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(rmdir(tmpdir), 0);
	unsetenv("KBD_DURABILITY");
	unsetenv("KBD_FAILPOINT");
	fsio_reset();
	return 0;
}

/* The file systems whose syncfs reaches the data, as the test knows them. */
static int
honours_syncfs(unsigned long type)
{
	return type == 0xEF53UL || type == 0x58465342UL ||
	    type == 0x9123683EUL || type == 0x01021994UL;
}

static void
test_by_file_system(void **state)
{
	struct statfs	 sf;
	enum durability	 mode;
	char		 why[128];

	(void)state;
	assert_int_equal(statfs(".", &sf), 0);
	assert_int_equal(durability_decide(".", &mode, why, sizeof(why)), 0);
	if (honours_syncfs((unsigned long)(unsigned int)sf.f_type))
		assert_int_equal(mode, DURABILITY_SYNCFS);
	/* Whatever the type, the reason names it. */
	assert_true(strlen(why) > 0);
	assert_null(strstr(why, "KBD_DURABILITY"));
}

static void
test_override(void **state)
{
	enum durability	 mode;
	char		 why[128];

	(void)state;
	setenv("KBD_DURABILITY", "fsync", 1);
	assert_int_equal(durability_decide(".", &mode, why, sizeof(why)), 0);
	assert_int_equal(mode, DURABILITY_FSYNC);
	assert_string_equal(why, "KBD_DURABILITY=fsync");
	setenv("KBD_DURABILITY", "syncfs", 1);
	assert_int_equal(durability_decide(".", &mode, why, sizeof(why)), 0);
	assert_int_equal(mode, DURABILITY_SYNCFS);
	assert_string_equal(durability_name(mode), "syncfs");
}

static void
test_bad_override_is_safe(void **state)
{
	enum durability	 mode = DURABILITY_SYNCFS;
	char		 why[128];

	(void)state;
	setenv("KBD_DURABILITY", "sometimes", 1);
	errno = 0;
	assert_int_equal(durability_decide(".", &mode, why, sizeof(why)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(mode, DURABILITY_FSYNC);
	assert_non_null(strstr(why, "sometimes"));
	unsetenv("KBD_DURABILITY");
	mode = DURABILITY_SYNCFS;
	assert_int_equal(durability_decide("no-such-dir", &mode, why,
	    sizeof(why)), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(mode, DURABILITY_FSYNC);
}

static void
test_fsync_path(void **state)
{
	int	fd;

	(void)state;
	fd = open("f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd != -1);
	assert_int_equal(write(fd, "x", 1), 1);
	assert_int_equal(close(fd), 0);
	assert_int_equal(fsio_fsync_path("f", "publish.fsyncfile"), 0);
	assert_false(fsio_sync_failed());
	errno = 0;
	assert_int_equal(fsio_fsync_path("missing", "publish.fsyncfile"), -1);
	assert_int_equal(errno, ENOENT);
#ifdef KBD_FAILPOINTS
	/* Its fail point: an I/O error there counts as a failed sync. */
	setenv("KBD_FAILPOINT", "publish.fsyncfile:eio", 1);
	fsio_reset();
	errno = 0;
	assert_int_equal(fsio_fsync_path("f", "publish.fsyncfile"), -1);
	assert_int_equal(errno, EIO);
	assert_true(fsio_sync_failed());
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_by_file_system, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_override_is_safe,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsync_path, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
