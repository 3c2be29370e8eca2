/*
 * The worker sandbox, in the manner of OpenSSH's sandbox-seccomp-filter.c:
 * rlimits first (while setrlimit is still allowed), then no_new_privs,
 * then a libseccomp filter whose default is to kill the whole process.
 * A worker only ever reads and writes fds it was given, allocates memory
 * and exits, so that is all the filter lets through; memory may never be
 * made executable, so injected code cannot be run from a data page.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "kbd.h"
#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif

#ifdef SANDBOX_ASAN
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>

/*
 * LeakSanitizer's check at exit stops the world with prctl, clone and
 * ptrace, which the filter forbids: a sandboxed process that exit()s (as
 * fatal() does) would die of SIGSYS instead. LSan asks this hook first.
 */
static int	sandboxed;

int
__lsan_is_turned_off(void)
{
	return sandboxed;
}
#endif

#ifdef KBD_SANDBOX_DEBUG
#define SANDBOX_DEFAULT	SCMP_ACT_TRAP
#else
#define SANDBOX_DEFAULT	SCMP_ACT_KILL_PROCESS
#endif

/* Allowed whatever their arguments. */
static const int allowed[] = {
	/* The channel, the input, the staging files. */
	SCMP_SYS(read),
	SCMP_SYS(write),
	SCMP_SYS(readv),
	SCMP_SYS(writev),	/* glibc's fatal messages (malloc checks) */
	SCMP_SYS(pread64),	/* CONVERT reads the input from offset 0 */
	SCMP_SYS(pwrite64),
	SCMP_SYS(lseek),
	SCMP_SYS(close),	/* the fds of each request */
	SCMP_SYS(fstat),	/* size of the input */
	SCMP_SYS(recvmsg),	/* requests, with their fds */
	SCMP_SYS(sendmsg),	/* replies and log lines */
	/* malloc; mmap and mprotect are below, with their arguments. */
	SCMP_SYS(brk),
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),	/* realloc of large blocks */
	SCMP_SYS(madvise),	/* free() giving memory back */
	SCMP_SYS(futex),	/* libc and libcrypto locks */
	SCMP_SYS(getrandom),	/* libc and libcrypto seeding */
	SCMP_SYS(sysinfo),	/* glibc's qsort (used by md4c) sizes memory */
	SCMP_SYS(getrlimit),	/* read-only; see prlimit64 below */
	/* Time, for log lines. */
	SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday),
	/* abort(): raise() blocks signals and signals its own thread. */
	SCMP_SYS(getpid),
	SCMP_SYS(gettid),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
};

#ifdef KBD_SANDBOX_DEBUG
/* Async-signal-safe: a fixed message, the number by hand, write(2). */
static void
sandbox_violation(int sig, siginfo_t *si, void *uctx)
{
	char		 msg[64] = "sandbox violation: syscall ";
	char		 num[16];
	size_t		 len = strlen(msg), n = 0;
	unsigned	 nr;

	(void)sig;
	(void)uctx;
	nr = si->si_syscall < 0 ? 0 : (unsigned)si->si_syscall;
	do {
		num[n++] = (char)('0' + nr % 10);
		nr /= 10;
	} while (nr != 0 && n < sizeof(num));
	while (n > 0)
		msg[len++] = num[--n];
	msg[len++] = '\n';
	(void)!write(STDERR_FILENO, msg, len);
	_exit(111);
}
#endif

/* Lower a limit, never above the hard limit we already have. */
static int
sandbox_limit(int resource, uint64_t soft, uint64_t hard)
{
	struct rlimit	rl;

	if (getrlimit(resource, &rl) == -1)
		return -1;
	if (rl.rlim_max != RLIM_INFINITY && hard > rl.rlim_max)
		hard = rl.rlim_max;
	if (soft > hard)
		soft = hard;
	rl.rlim_cur = (rlim_t)soft;
	rl.rlim_max = (rlim_t)hard;
	return setrlimit(resource, &rl);
}

static int
sandbox_limits(const struct worker_limits *lim)
{
	uint64_t	hard;

#ifndef SANDBOX_ASAN
	/* ASan reserves terabytes of shadow: any RLIMIT_AS would stop it. */
	if (lim->mem != 0 && sandbox_limit(RLIMIT_AS, lim->mem, lim->mem) == -1)
		return -1;
#endif
	if (lim->cpu != 0) {
		/* SIGXCPU at the soft limit, SIGKILL 5 s later if caught. */
		hard = lim->cpu > UINT64_MAX - 5 ? UINT64_MAX : lim->cpu + 5;
		if (sandbox_limit(RLIMIT_CPU, lim->cpu, hard) == -1)
			return -1;
	}
	if (lim->fsize != 0 &&
	    sandbox_limit(RLIMIT_FSIZE, lim->fsize, lim->fsize) == -1)
		return -1;
	/* fds 0-3 and the three of a request, with room to spare. */
	if (sandbox_limit(RLIMIT_NOFILE, 16, 16) == -1)
		return -1;
	/* A crashing converter must not drop a core into the KB. */
	if (sandbox_limit(RLIMIT_CORE, 0, 0) == -1)
		return -1;
	return 0;
}

static int
sandbox_filter(void)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 r;

	if ((ctx = seccomp_init(SANDBOX_DEFAULT)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* A call made through another ABI (int 0x80, x32) kills too. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	for (i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);

	/* Memory, but never executable memory. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/*
	 * glibc's fstat() is newfstatat(fd, "", AT_EMPTY_PATH). The flag is
	 * required, which keeps out the plain stat() family; a path given
	 * with it still resolves, but that tells metadata, never contents.
	 */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat), 1,
		    SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH));
	/* getrlimit() is prlimit64(0, res, NULL, old): reading only. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2,
		    SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0));
	/* raise() from abort(): only at ourselves. */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	/*
	 * Files cannot be opened; libraries that probe get an error. libc
	 * opens with openat only; the legacy open(2) is left to the default
	 * and kills: nothing we link makes that call, so one is an attack.
	 */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(openat), 0);

#ifdef SANDBOX_ASAN
	/*
	 * The sanitizers' error reports ask whether stderr is a terminal
	 * (for colours) and readlink /proc/self/exe (for module names).
	 * Answered, not allowed, so that the report still comes out.
	 */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY),
		    SCMP_SYS(ioctl), 0);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(readlink), 0);
	/* Its symbolizer opens files with the legacy open(2). */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(open), 0);
#endif
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r != 0) {
		errno = r < 0 ? -r : EINVAL;
		return -1;
	}
	return 0;
}

int
sandbox_apply(const struct worker_limits *lim)
{
#ifdef KBD_SANDBOX_DEBUG
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_violation;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		return -1;
#endif
	if (sandbox_limits(lim) == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
#ifdef SANDBOX_ASAN
	/* Let ASan read /proc/self/maps and the like while it still can. */
	__sanitizer_sandbox_on_notify(NULL);
	sandboxed = 1;
#endif
	return sandbox_filter();
}
