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

#include "config.h"
#include "kbd.h"
#include "kbpath.h"
#include "log.h"
#include "kbd-protocol.h"
#include "walk.h"

static void usage(void) __attribute__((noreturn));

static void
usage_to(FILE *f)
{
	fprintf(f, "usage: kbd [-fv] -C dir [--jobs n] [--max-size bytes] "
	    "[--timeout seconds]\n"
	    "           [--mem-limit bytes] [--cpu-limit seconds] "
	    "[--max-output bytes]\n"
	    "           [--idle-exit seconds] [--listen [address:]port]\n"
	    "       kbd --version\n");
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
 * The value of a setting from an option (or KB_JOBS), checked as
 * kbd.conf's are; anything else is a usage error that says what was
 * expected.
 */
static uint64_t
opt_value(enum config_key k, const char *from, const char *s)
{
	char		err[256];
	uint64_t	v;

	if (config_parse(k, s, &v, err, sizeof(err)) == -1) {
		fprintf(stderr, "kbd: %s: %s\n", from, err);
		if (from[0] == '-')
			usage();
		exit(2);
	}
	return v;
}

static unsigned
default_jobs(void)
{
	long	ncpu;

	if ((ncpu = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		ncpu = 1;
	return ncpu * 2 < 8 ? (unsigned)ncpu * 2 : 8;
}

/*
 * Settings: an option wins, then KB_JOBS for the jobs, then the KB's
 * kbd.conf, then the default.
 */
static void
settings(const char *root, uint64_t *v, unsigned given, char *summarizer,
    char *language)
{
	struct config	 c;
	const char	*env;
	char		 err[512];
	int		 k;

	if (config_load(root, &c, err, sizeof(err)) == -1) {
		fprintf(stderr, "kbd: %s\n", err);
		exit(1);
	}
	for (k = 0; k < CONF_NKEYS; k++)
		if ((given & (1u << k)) == 0)
			v[k] = c.value[k];
	walk_defaults(c.exclude);
	if ((given & (1u << CONF_JOBS)) == 0 &&
	    (env = getenv("KB_JOBS")) != NULL && *env != '\0')
		v[CONF_JOBS] = opt_value(CONF_JOBS, "KB_JOBS", env);
	else if ((given & (1u << CONF_JOBS)) == 0 &&
	    (c.set & (1u << CONF_JOBS)) == 0)
		v[CONF_JOBS] = default_jobs();
	memcpy(summarizer, c.summarizer, sizeof(c.summarizer));
	memcpy(language, c.language, sizeof(c.language));
}

static void child_role(int, char **) __attribute__((noreturn));

static void
child_role(int argc, char **argv)
{
	struct worker_limits	lim;

	if (argc == 7 && strcmp(argv[2], "worker") == 0) {
		if (parse_u64(argv[3], 0, UINT64_MAX, &lim.mem) == -1 ||
		    parse_u64(argv[4], 0, UINT64_MAX, &lim.cpu) == -1 ||
		    parse_u64(argv[5], 0, UINT64_MAX, &lim.fsize) == -1)
			usage();
		log_init("worker", -1, 1, 0);
		worker_main(&lim, argv[6]);
	}
	if ((argc == 4 || argc == 5) && strcmp(argv[2], "committer") == 0) {
		log_init("committer", -1, 1, 0);
		committer_main(argv[3], argc == 5 ? argv[4] : "en");
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
		{ "cpu-limit", required_argument, NULL, 'c' },
		{ "max-output", required_argument, NULL, 'o' },
		{ "idle-exit", required_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct kbd_opts	 o;
	char		 root[PATH_MAX], path[PATH_MAX + 16];
	const char	*dir = NULL;
	struct stat	 st;
	uint64_t	 v[CONF_NKEYS];
	static char	 summarizer[CONFIG_TEXT_MAX];
	static char	 language[CONFIG_LANG_MAX];
	unsigned	 given = 0;
	int		 ch, k, readyfd = -1;

	if (argc >= 3 && strcmp(argv[1], "-X") == 0)
		child_role(argc, argv);
	/*
	 * A daemon keeps nothing of whoever started it: an inherited fd could
	 * be a lock (kbctl's start.lock) or a pipe someone waits to see closed.
	 */
	closefrom(STDERR_FILENO + 1);

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "C:fhv", longopts, NULL)) != -1) {
		k = -1;
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
		case 'V':
			printf("kbd %s (protocol %d)\n", KBD_VERSION,
			    KBD_PROTO_VERSION);
			exit(0);
		case 'j':
			k = CONF_JOBS;
			break;
		case 's':
			k = CONF_MAX_SIZE;
			break;
		case 't':
			k = CONF_TIMEOUT;
			break;
		case 'm':
			k = CONF_MEM_LIMIT;
			break;
		case 'c':
			k = CONF_CPU_LIMIT;
			break;
		case 'o':
			k = CONF_MAX_OUTPUT;
			break;
		case 'i':
			k = CONF_IDLE_EXIT;
			break;
		case 'l':
			o.listen = optarg;
			break;
		default:
			usage();
		}
		if (k != -1) {
			(void)snprintf(path, sizeof(path), "--%s",
			    config_name(k));
			v[k] = opt_value(k, path, optarg);
			given |= 1u << k;
		}
	}
	if (optind != argc)
		usage();
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
	settings(root, v, given, summarizer, language);
	o.jobs = (unsigned)v[CONF_JOBS];
	o.max_size = v[CONF_MAX_SIZE];
	o.max_output = v[CONF_MAX_OUTPUT];
	o.timeout = (unsigned)v[CONF_TIMEOUT];
	o.limits.mem = v[CONF_MEM_LIMIT];
	o.limits.cpu = v[CONF_CPU_LIMIT];
	o.idle_exit = (unsigned)v[CONF_IDLE_EXIT];
	o.history = (unsigned)v[CONF_HISTORY];
	o.watch_debounce = (unsigned)v[CONF_WATCH_DEBOUNCE];
	o.summarizer = summarizer[0] != '\0' ? summarizer : NULL;
	o.summarizer_jobs = (unsigned)v[CONF_SUMMARIZER_JOBS];
	o.summarizer_timeout = (unsigned)v[CONF_SUMMARIZER_TIMEOUT];
	o.language = language[0] != '\0' ? language : "en";
	/*
	 * The converters enforce max_output themselves; RLIMIT_FSIZE only
	 * backs them up, and must let a worker write the raw copy of the
	 * largest input.
	 */
	o.limits.fsize = o.max_output > o.max_size ? o.max_output : o.max_size;
	o.kbroot = root;
	if (!o.foreground)
		daemonize(&readyfd);
	supervisor_main(&o, readyfd);
}
