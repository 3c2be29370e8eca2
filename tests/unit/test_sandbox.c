/*
 * Unit tests of the worker sandbox, each in a forked child since the
 * sandbox cannot be undone: files cannot be opened with openat (EACCES,
 * and the child goes on); the legacy open(2) call, exec, sockets, pipes,
 * executable memory and raising limits kill the child with SIGSYS;
 * ordinary work (malloc, read, write and fstat on given fds, abort) still
 * works; the rlimits are in place, and the kernel reports seccomp filter
 * mode with no_new_privs.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
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

#include "kbd.h"
#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

static const struct worker_limits limits = {
	.mem = 1ull << 30,
	.cpu = 30,
	.fsize = 1ull << 20,
};

/* Run fn in a sandboxed child; its wait status. */
static int
sandboxed(int (*fn)(void))
{
	pid_t	pid;
	int	status;

	fflush(NULL);
	switch ((pid = fork())) {
	case -1:
		fail_msg("fork: %s", strerror(errno));
		break;
	case 0:
		if (sandbox_apply(&limits) == -1)
			_exit(100);
		_exit(fn());
	default:
		break;
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			fail_msg("waitpid: %s", strerror(errno));
	return status;
}

static void
assert_exit(int status, int code)
{
	if (!WIFEXITED(status))
		fail_msg("child killed by signal %d, expected exit %d",
		    WTERMSIG(status), code);
	assert_int_equal(WEXITSTATUS(status), code);
}

/* Killed for a forbidden call (or, in a debug build, trapped). */
static void
assert_violation(int status)
{
#ifdef KBD_SANDBOX_DEBUG
	assert_exit(status, 111);
#else
	if (!WIFSIGNALED(status))
		fail_msg("child exited %d, expected SIGSYS",
		    WEXITSTATUS(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
#endif
}

static int
do_open(void)
{
	FILE	*f;
	int	 fd;

	/* libc's open() is the openat system call. */
	if ((fd = open("/etc/passwd", O_RDONLY)) != -1 || errno != EACCES)
		return 1;
	if ((fd = openat(AT_FDCWD, "/etc/passwd", O_RDONLY)) != -1 ||
	    errno != EACCES)
		return 2;
	if ((f = fopen("/etc/passwd", "r")) != NULL) {
		fclose(f);
		return 3;
	}
	if (errno != EACCES)
		return 4;
	return 0;		/* and it is still alive to say so */
}

static void
test_open_fails(void **state)
{
	(void)state;
	assert_exit(sandboxed(do_open), 0);
}

#ifdef SYS_open
/*
 * The legacy open(2) system call: nothing we link makes it; it kills.
 * ASan builds answer it with EACCES, for their reports' symbolizer.
 */
static int
do_sys_open(void)
{
	if (syscall(SYS_open, "/etc/passwd", O_RDONLY) != -1 ||
	    errno != EACCES)
		return 1;
	return 0;
}

static void
test_sys_open_killed(void **state)
{
	(void)state;
#ifdef TEST_ASAN
	assert_exit(sandboxed(do_sys_open), 0);
#else
	assert_violation(sandboxed(do_sys_open));
#endif
}
#endif

static int
do_exec(void)
{
	char	*argv[] = { (char *)"true", NULL };
	char	*envp[] = { NULL };

	execve("/bin/true", argv, envp);
	return 1;
}

static void
test_exec_kills(void **state)
{
	(void)state;
	assert_violation(sandboxed(do_exec));
}

static int
do_socket(void)
{
	(void)socket(AF_INET, SOCK_STREAM, 0);
	return 1;
}

static void
test_socket_kills(void **state)
{
	(void)state;
	assert_violation(sandboxed(do_socket));
}

static int
do_mmap_exec(void)
{
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return 1;
}

static int
do_mprotect_exec(void)
{
	void	*p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	(void)mprotect(p, 4096, PROT_READ | PROT_EXEC);
	return 1;
}

static int
do_raise_limit(void)
{
	struct rlimit	rl = { 1024, 1024 };

	(void)setrlimit(RLIMIT_NOFILE, &rl);
	return 1;
}

static void
test_forbidden(void **state)
{
	(void)state;
	assert_violation(sandboxed(do_mmap_exec));
	assert_violation(sandboxed(do_mprotect_exec));
	assert_violation(sandboxed(do_raise_limit));
}

static int
do_pipe(void)
{
	int	fds[2];

	(void)pipe(fds);
	return 1;
}

static void
test_pipe_kills(void **state)
{
	(void)state;
	assert_violation(sandboxed(do_pipe));
}

/* What a worker does all day must keep working, on fds it was given. */
static int	work_fds[2];

static int
do_work(void)
{
	struct stat	 st;
	char		*p, *q, buf[4];
	size_t		 i;

	for (i = 1; i <= 64; i *= 2) {
		if ((p = malloc(i << 20)) == NULL)
			return 1;
		memset(p, 'x', i << 20);
		if ((q = realloc(p, (i << 20) * 3 / 2)) == NULL)
			return 2;	/* the child exits: nothing to free */
		p = q;
		p[((i << 20) * 3 / 2) - 1] = 'y';
		free(p);
	}
	if (write(work_fds[1], "abc", 3) != 3 ||
	    read(work_fds[0], buf, 3) != 3 || memcmp(buf, "abc", 3) != 0)
		return 3;
	if (fstat(work_fds[0], &st) == -1 || !S_ISFIFO(st.st_mode))
		return 4;
	if (close(work_fds[0]) == -1 || close(work_fds[1]) == -1)
		return 5;
	return 0;
}

static void
test_work_allowed(void **state)
{
	(void)state;
	assert_int_equal(pipe(work_fds), 0);
	assert_exit(sandboxed(do_work), 0);
	close(work_fds[0]);
	close(work_fds[1]);
}

static int
do_abort(void)
{
	abort();
}

static void
test_abort_is_sigabrt(void **state)
{
	int	status;

	(void)state;
	status = sandboxed(do_abort);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static int
do_limits(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur != 16 ||
	    rl.rlim_max != 16)
		return 1;
	if (getrlimit(RLIMIT_FSIZE, &rl) == -1 ||
	    rl.rlim_cur != limits.fsize || rl.rlim_max != limits.fsize)
		return 2;
	if (getrlimit(RLIMIT_CPU, &rl) == -1 || rl.rlim_cur != limits.cpu ||
	    rl.rlim_max != limits.cpu + 5)
		return 3;
	if (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_max != 0)
		return 4;
#ifndef TEST_ASAN
	if (getrlimit(RLIMIT_AS, &rl) == -1 || rl.rlim_cur != limits.mem)
		return 5;
#endif
	return 0;
}

static void
test_limits(void **state)
{
	(void)state;
	assert_exit(sandboxed(do_limits), 0);
}

#ifndef TEST_ASAN
static int
do_oom(void)
{
	void	*p;

	/* More than RLIMIT_AS: malloc fails instead of growing. */
	p = malloc((size_t)limits.mem + (1u << 20));
	free(p);
	return p == NULL ? 0 : 1;
}
#endif

static void
test_memory_limit(void **state)
{
	(void)state;
#ifdef TEST_ASAN
	skip();		/* ASan's shadow needs an unlimited address space */
#else
	assert_exit(sandboxed(do_oom), 0);
#endif
}

/* /proc/PID/status of a sandboxed child: seccomp filter mode, NNP. */
static void
test_proc_status(void **state)
{
	char	 path[64], line[256], c;
	FILE	*f;
	pid_t	 pid;
	int	 ready[2], go[2], status, seccomp = -1, nnp = -1;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(ready[0]);
		close(go[1]);
		if (sandbox_apply(&limits) == -1)
			_exit(100);
		if (write(ready[1], "x", 1) != 1)
			_exit(101);
		/* Wait until the parent has looked: EOF on go. */
		while (read(go[0], &c, 1) == 1)
			;
		_exit(0);
	}
	assert_true(pid > 0);
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);

	(void)snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Seccomp:\t", 9) == 0)
			seccomp = atoi(line + 9);
		if (strncmp(line, "NoNewPrivs:\t", 12) == 0)
			nnp = atoi(line + 12);
	}
	fclose(f);

	close(go[1]);
	close(ready[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_exit(status, 0);
	assert_int_equal(seccomp, 2);
	assert_int_equal(nnp, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_fails),
#ifdef SYS_open
		cmocka_unit_test(test_sys_open_killed),
#endif
		cmocka_unit_test(test_exec_kills),
		cmocka_unit_test(test_socket_kills),
		cmocka_unit_test(test_forbidden),
		cmocka_unit_test(test_pipe_kills),
		cmocka_unit_test(test_work_allowed),
		cmocka_unit_test(test_abort_is_sigabrt),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_memory_limit),
		cmocka_unit_test(test_proc_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
