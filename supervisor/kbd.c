/*
 * kbd's main(): one binary, several process roles. Without -X it is the
 * supervisor of a KB; "kbd -X worker ..." and "kbd -X committer ..." are the
 * supervisor re-executing itself for a child, channel on fd 3 (see
 * supervisor/proc.c), so that every child starts from a fresh address space
 * before it sandboxes itself.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbd.h"
#include "kbpath.h"
#include "log.h"

static void usage(void) __attribute__((noreturn));

static void
usage_to(FILE *f)
{
	fprintf(f, "usage: kbd [-fv] -C dir [--jobs n] [--max-size bytes] "
	    "[--timeout seconds]\n"
	    "           [--mem-limit bytes] [--max-output bytes]\n");
}

static void
usage(void)
{
	usage_to(stderr);
	exit(2);
}

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	if (s[0] == '-' || s[0] == '\0')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * The number of an option (or of KB_JOBS) in [min, max]; anything else is
 * a usage error that says what was expected.
 */
static uint64_t
opt_number(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	uint64_t	v;

	if (parse_u64(s, min, max, &v) == -1) {
		fprintf(stderr, "kbd: %s: expected a number from %llu to %llu, "
		    "not '%s'\n", opt, (unsigned long long)min,
		    (unsigned long long)max, s);
		if (opt[0] == '-')
			usage();
		exit(2);
	}
	return v;
}

static unsigned
default_jobs(void)
{
	const char	*env;
	long		 ncpu;

	if ((env = getenv("KB_JOBS")) != NULL && *env != '\0')
		return (unsigned)opt_number("KB_JOBS", env, 1, 256);
	if ((ncpu = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		ncpu = 1;
	return ncpu * 2 < 8 ? (unsigned)ncpu * 2 : 8;
}

static void child_role(int, char **) __attribute__((noreturn));

static void
child_role(int argc, char **argv)
{
	struct worker_limits	lim;

	if (argc == 6 && strcmp(argv[2], "worker") == 0) {
		if (parse_u64(argv[3], 0, UINT64_MAX, &lim.mem) == -1 ||
		    parse_u64(argv[4], 0, UINT64_MAX, &lim.cpu) == -1 ||
		    parse_u64(argv[5], 0, UINT64_MAX, &lim.fsize) == -1)
			usage();
		log_init("worker", -1, 1, 0);
		worker_main(&lim);
	}
	if (argc == 4 && strcmp(argv[2], "committer") == 0) {
		log_init("committer", -1, 1, 0);
		committer_main(argv[3]);
	}
	usage();
}

/*
 * The parent of a daemonizing kbd waits for the daemon to say it is
 * listening, so that whoever started it (kbctl) can connect at once, and
 * so that start-up errors reach the terminal rather than only the log.
 */
static void
daemonize(int *readyfd)
{
	char	buf[512];
	ssize_t	n;
	size_t	len = 0;
	int	p[2], devnull;
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		perror("kbd: pipe");
		exit(1);
	}
	switch ((pid = fork())) {
	case -1:
		perror("kbd: fork");
		exit(1);
	case 0:
		close(p[0]);
		if (setsid() == -1)
			exit(1);
		if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
			(void)dup2(devnull, STDIN_FILENO);
			(void)dup2(devnull, STDOUT_FILENO);
			(void)dup2(devnull, STDERR_FILENO);
			if (devnull > STDERR_FILENO)
				close(devnull);
		}
		*readyfd = p[1];
		return;
	default:
		break;
	}
	close(p[1]);
	while (len < sizeof(buf) - 1 &&
	    (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (strcmp(buf, "ok\n") == 0)
		exit(0);
	if (len == 0)
		fprintf(stderr, "kbd: the daemon exited during start-up; "
		    "see its log\n");
	else
		fprintf(stderr, "kbd: %s", buf);
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "max-size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "mem-limit", required_argument, NULL, 'm' },
		{ "max-output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct kbd_opts	 o;
	char		 root[PATH_MAX], path[PATH_MAX + 16];
	const char	*dir = NULL;
	struct stat	 st;
	int		 ch, readyfd = -1;

	if (argc >= 3 && strcmp(argv[1], "-X") == 0)
		child_role(argc, argv);
	/*
	 * A daemon keeps nothing of whoever started it: an inherited fd could
	 * be a lock (kbctl's start.lock) or a pipe someone waits to see closed.
	 */
	closefrom(STDERR_FILENO + 1);

	memset(&o, 0, sizeof(o));
	o.jobs = default_jobs();
	o.max_size = 64ull << 20;
	o.timeout = 30;
	o.limits.mem = 1ull << 30;
	o.limits.cpu = 60;
	o.max_output = 256ull << 20;
	while ((ch = getopt_long(argc, argv, "C:fhv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			dir = optarg;
			break;
		case 'f':
			o.foreground = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			usage_to(stdout);
			exit(0);
		case 'j':
			o.jobs = (unsigned)opt_number("--jobs", optarg, 1, 256);
			break;
		case 's':
			o.max_size = opt_number("--max-size", optarg, 1,
			    1ull << 40);
			break;
		case 't':
			o.timeout = (unsigned)opt_number("--timeout", optarg, 1,
			    86400);
			break;
		case 'm':
			o.limits.mem = opt_number("--mem-limit", optarg,
			    16ull << 20, 1ull << 44);
			break;
		case 'o':
			o.max_output = opt_number("--max-output", optarg, 4096,
			    1ull << 40);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/*
	 * The converters enforce max_output themselves; RLIMIT_FSIZE only
	 * backs them up, and must let a worker write the raw copy of the
	 * largest input.
	 */
	o.limits.fsize = o.max_output > o.max_size ? o.max_output : o.max_size;
	if (dir == NULL && (dir = getenv("KB_DIR")) == NULL)
		usage();
	if (realpath(dir, root) == NULL) {
		fprintf(stderr, "kbd: %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	(void)snprintf(path, sizeof(path), "%s/" KB_STATE, root);
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "kbd: %s: not a knowledge base (no .kb/; "
		    "run kbctl init)\n", root);
		exit(1);
	}
	o.kbroot = root;
	if (!o.foreground)
		daemonize(&readyfd);
	supervisor_main(&o, readyfd);
}
