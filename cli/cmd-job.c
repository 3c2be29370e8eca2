/*
 * Job commands: add (create a job, then follow it unless --no-wait),
 * status and wait. Following streams: each file event is printed and
 * freed as it arrives, so kbctl's memory stays flat however many files a
 * job has; with --json every line is flushed as it is complete, for
 * readers that act on events while the job runs.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbctl.h"

static void
summary_json(const Kbd__JobSummary *s, int event)
{
	struct jobj	o;

	jobj_begin(&o, stdout);
	if (event)
		jobj_str(&o, "event", "summary");
	jobj_u64(&o, "job", s->job);
	jobj_str(&o, "state", job_state_str(s->state));
	jobj_u64(&o, "added", s->added);
	jobj_u64(&o, "duplicates", s->duplicates);
	jobj_u64(&o, "skipped", s->skipped);
	jobj_u64(&o, "failed", s->failed);
	jobj_u64(&o, "cancelled", s->cancelled);
	jobj_i64(&o, "created", s->created);
	jobj_i64(&o, "finished", s->finished);
	jobj_str(&o, "error", s->error);
	jobj_end(&o);
	putchar('\n');
}

static void
summary_error_text(const Kbd__JobSummary *s)
{
	if (s->error != NULL && s->error[0] != '\0') {
		fputs("  error: ", stdout);
		text_put(stdout, s->error, TEXT_LINE);
		putchar('\n');
	}
}

static int	verbosity;	/* -1 quiet, 0 default, 1 verbose */

static void
event_print(const Kbd__FileEvent *ev, int json)
{
	struct jobj	o;
	int		st = ev->status;

	if (json) {
		jobj_begin(&o, stdout);
		jobj_str(&o, "path", ev->path);
		jobj_str(&o, "status", file_status_str(st));
		if ((st == KBD__FILE_STATUS__FS_ADDED ||
		    st == KBD__FILE_STATUS__FS_DUPLICATE) && ev->doc[0] != '\0')
			jobj_str(&o, "doc", ev->doc);
		if (st != KBD__FILE_STATUS__FS_ADDED && ev->reason[0] != '\0')
			jobj_str(&o, "reason", ev->reason);
		jobj_end(&o);
		putchar('\n');
		out_flush();
		return;
	}
	if (st != KBD__FILE_STATUS__FS_FAILED) {
		/* -q: failures only; default: what changed; -v: everything. */
		if (verbosity < 0 || (verbosity == 0 &&
		    (st == KBD__FILE_STATUS__FS_DUPLICATE ||
		    st == KBD__FILE_STATUS__FS_SKIPPED)))
			return;
		printf("%-9s ", file_status_str(st));
		text_put(stdout, ev->path, 0);
		if (st == KBD__FILE_STATUS__FS_ADDED && ev->doc[0] != '\0') {
			fputs(" -> ", stdout);
			text_put(stdout, ev->doc, TEXT_LINE);
		} else if (ev->reason[0] != '\0') {
			fputs(" (", stdout);
			text_put(stdout, ev->reason, TEXT_LINE);
			putchar(')');
		}
		putchar('\n');
		return;
	}
	(void)fflush(stdout);
	fputs("kbctl: ", stderr);
	text_put(stderr, ev->path, 0);
	fputs(": ", stderr);
	text_put(stderr, ev->reason[0] != '\0' ? ev->reason : "failed",
	    TEXT_LINE);
	fputc('\n', stderr);
}

/*
 * Print a followed job's events until its summary. Exit status 1 when a
 * file failed or the job did not complete.
 */
/*
 * Ctrl-C while following an add (git's manners): the first asks kbd to
 * cancel the job's queued files and goes on printing until the summary,
 * then kbctl dies by SIGINT so a shell stops its "a; b" chain; the second
 * detaches at once. The job itself always ends cleanly inside kbd.
 */
static volatile sig_atomic_t	 interrupts;
static uint64_t			 follow_job;
static int			 cancel_sent;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupts++;
}

static void
die_by_sigint(void)
{
	out_flush();
	signal(SIGINT, SIG_DFL);
	raise(SIGINT);
	_exit(130);
}

/* Cancel on a connection of its own: ours is busy following. */
static void
send_cancel(void)
{
	Kbd__CancelReq	 req = KBD__CANCEL_REQ__INIT;
	struct conn	 c;
	struct msg	 m;

	if (cancel_sent)
		return;
	cancel_sent = 1;
	req.job = follow_job;
	conn_open(&c, kb_root(), 0);
	conn_send(&c, MSG_CANCEL_REQ, &req.base);
	conn_expect(&c, &m, MSG_JOB_SUMMARY);
	msg_free(&m);
	conn_close(&c);
}

static void
check_interrupt(void)
{
	if (interrupts >= 2)
		die_by_sigint();
	if (interrupts == 1 && !cancel_sent) {
		fputs("kbctl: cancelling: files in progress finish; "
		    "Ctrl-C again to detach\n", stderr);
		send_cancel();
	}
}

static int
follow(struct conn *c, int json, int exit_on_error)
{
	struct msg		 m;
	Kbd__JobSummary		*s;
	int			 rc;

	for (;;) {
		conn_recv(c, &m);
		if (m.type == MSG_FILE_EVENT) {
			Kbd__FileEvent	*ev = (Kbd__FileEvent *)m.pb;

			event_print(ev, json);
			if (exit_on_error && follow_job != 0 &&
			    ev->status == KBD__FILE_STATUS__FS_FAILED)
				send_cancel();
			msg_free(&m);
			continue;
		}
		if (m.type != MSG_JOB_SUMMARY)
			conn_unexpected(&m);
		break;
	}
	s = (Kbd__JobSummary *)m.pb;
	if (json)
		summary_json(s, 1);
	else {
		printf("job %" PRIu64 ": %" PRIu64 " added, %" PRIu64
		    " duplicates, %" PRIu64 " skipped, %" PRIu64 " failed",
		    s->job, s->added, s->duplicates, s->skipped, s->failed);
		if (s->cancelled > 0)
			printf(", %" PRIu64 " cancelled", s->cancelled);
		putchar('\n');
		if (s->state != KBD__JOB_STATE__JOB_DONE)
			printf("  state: %s\n", job_state_str(s->state));
		summary_error_text(s);
	}
	/* Not everything was added: a failure, or a cancel by anyone. */
	rc = s->failed > 0 || s->state == KBD__JOB_STATE__JOB_FAILED ||
	    s->state == KBD__JOB_STATE__JOB_CANCELLED ||
	    s->state == KBD__JOB_STATE__JOB_INTERRUPTED ? EXIT_FAIL : EXIT_OK;
	msg_free(&m);
	if (interrupts > 0)
		die_by_sigint();
	return rc;
}

/*
 * p made absolute against cwd, lexically: "." components and repeated or
 * trailing slashes go; ".." stays, since resolving it would need the
 * symlinks kbctl must not resolve (kbd reports what the user named).
 */
static char *
absolute(const char *cwd, const char *p)
{
	char	*joined, *buf, *out, *comp, *save;
	size_t	 n;

	n = strlen(cwd) + strlen(p) + 2;
	joined = emalloc(n);
	if (p[0] == '/')
		memcpy(joined, p, strlen(p) + 1);
	else
		(void)snprintf(joined, n, "%s/%s", cwd, p);
	out = buf = emalloc(strlen(joined) + 2);
	for (comp = strtok_r(joined, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0)
			continue;
		*out++ = '/';
		n = strlen(comp);
		memcpy(out, comp, n);
		out += n;
	}
	if (out == buf)
		*out++ = '/';
	*out = '\0';
	free(joined);
	return buf;
}

int
cmd_add(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "exit-on-error", no_argument, NULL, OPT_EXIT_ON_ERROR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__AddReq	 req = KBD__ADD_REQ__INIT;
	struct conn	 c;
	struct msg	 m;
	struct jobj	 o;
	const char	*root;
	char		*cwd = NULL, **paths;
	uint64_t	 job;
	unsigned long	 jobs = 0;
	int		 ch, i, json = 0, nowait = 0, rc, eoe = 0;

	while ((ch = cmd_getopt(argc, argv, ":hj:qv", lo)) != -1) {
		switch (ch) {
		case 'j':
			jobs = parse_number("--jobs", optarg, 1, 256);
			break;
		case OPT_NO_WAIT:
			nowait = 1;
			break;
		case OPT_EXIT_ON_ERROR:
			eoe = 1;
			break;
		case 'q':
			verbosity = -1;
			break;
		case 'v':
			verbosity = 1;
			break;
		case OPT_JSON:
			json = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		die_usage("no paths given");
	for (i = 0; i < argc; i++) {
		if (argv[i][0] == '\0')
			die_usage("empty path");
		if (argv[i][0] != '/' && cwd == NULL &&
		    (cwd = getcwd(NULL, 0)) == NULL)
			die_errno("current directory");
	}
	root = kb_root();

	paths = ecalloc((size_t)argc, sizeof(*paths));
	for (i = 0; i < argc; i++)
		paths[i] = absolute(cwd != NULL ? cwd : "/", argv[i]);
	req.n_paths = (size_t)argc;
	req.paths = paths;
	req.jobs = (uint32_t)jobs;
	req.follow = !nowait;
	conn_open(&c, root, 1);
	conn_send(&c, MSG_ADD_REQ, &req.base);
	for (i = 0; i < argc; i++)
		free(paths[i]);
	free(paths);
	free(cwd);

	conn_expect(&c, &m, MSG_ADD_REP);
	job = ((Kbd__AddRep *)m.pb)->job;
	msg_free(&m);
	if (nowait) {
		if (json) {
			jobj_begin(&o, stdout);
			jobj_u64(&o, "job", job);
			jobj_end(&o);
			putchar('\n');
		} else
			printf("job %" PRIu64 "\n", job);
		rc = EXIT_OK;
	} else {
		struct sigaction	sa;

		follow_job = job;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigint;
		sigemptyset(&sa.sa_mask);
		(void)sigaction(SIGINT, &sa, NULL);
		conn_on_signal = check_interrupt;
		rc = follow(&c, json, eoe);
	}
	conn_close(&c);
	return rc;
}

static uint64_t
job_operand(const char *s)
{
	return parse_number("job", s, 1, ULONG_MAX);
}

int
cmd_status(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__StatusReq	 req = KBD__STATUS_REQ__INIT;
	Kbd__JobSummary	*s;
	struct conn	 c;
	struct msg	 m;
	int		 ch, json = 0;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		if (ch == OPT_JSON)
			json = 1;
	argc -= optind;
	argv += optind;
	if (argc > 1)
		die_usage("too many arguments");
	if (argc == 1)
		req.job = job_operand(argv[0]);

	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_STATUS_REQ, &req.base);
	conn_expect(&c, &m, MSG_JOB_SUMMARY);
	s = (Kbd__JobSummary *)m.pb;
	if (json)
		summary_json(s, 0);
	else {
		printf("job %" PRIu64 ": %s\n", s->job,
		    job_state_str(s->state));
		printf("  added %" PRIu64 ", duplicates %" PRIu64
		    ", skipped %" PRIu64 ", failed %" PRIu64
		    ", cancelled %" PRIu64 "\n", s->added, s->duplicates,
		    s->skipped, s->failed, s->cancelled);
		summary_error_text(s);
	}
	msg_free(&m);
	conn_close(&c);
	return EXIT_OK;
}

int
cmd_wait(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__WaitReq	 req = KBD__WAIT_REQ__INIT;
	struct conn	 c;
	int		 ch, json = 0, rc;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		if (ch == OPT_JSON)
			json = 1;
	argc -= optind;
	argv += optind;
	if (argc == 0)
		die_usage("no job given");
	if (argc > 1)
		die_usage("too many arguments");
	req.job = job_operand(argv[0]);

	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_WAIT_REQ, &req.base);
	rc = follow(&c, json, 0);
	conn_close(&c);
	return rc;
}

int
cmd_cancel(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__CancelReq	 req = KBD__CANCEL_REQ__INIT;
	struct conn	 c;
	struct msg	 m;
	Kbd__JobSummary	*s;
	int		 ch, json = 0;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		if (ch == OPT_JSON)
			json = 1;
	argc -= optind;
	argv += optind;
	if (argc != 1)
		die_usage(argc == 0 ? "no job given" : "too many arguments");
	req.job = job_operand(argv[0]);
	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_CANCEL_REQ, &req.base);
	conn_expect(&c, &m, MSG_JOB_SUMMARY);
	s = (Kbd__JobSummary *)m.pb;
	if (json)
		summary_json(s, 0);
	else
		printf("job %" PRIu64 ": %s\n", s->job,
		    s->state == KBD__JOB_STATE__JOB_RUNNING ||
		    s->state == KBD__JOB_STATE__JOB_QUEUED ? "cancelling" :
		    job_state_str(s->state));
	msg_free(&m);
	conn_close(&c);
	return EXIT_OK;
}

int
cmd_jobs(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__JobsReq	 req = KBD__JOBS_REQ__INIT;
	Kbd__JobsRep	*rep;
	struct conn	 c;
	struct msg	 m;
	size_t		 i;
	int		 ch, json = 0;

	while ((ch = cmd_getopt(argc, argv, ":hn:", lo)) != -1) {
		if (ch == OPT_JSON)
			json = 1;
		else if (ch == 'n')
			req.limit = (uint32_t)parse_number("--limit", optarg, 1,
			    1000);
	}
	if (argc != optind)
		die_usage("too many arguments");
	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_JOBS_REQ, &req.base);
	conn_expect(&c, &m, MSG_JOBS_REP);
	rep = (Kbd__JobsRep *)m.pb;
	if (json)
		putchar('[');
	for (i = 0; i < rep->n_jobs; i++) {
		Kbd__JobSummary	*s = rep->jobs[i];

		if (json) {
			if (i > 0)
				putchar(',');
			summary_json(s, 0);
			continue;
		}
		printf("%" PRIu64 "\t%s\t%" PRIu64 " added, %" PRIu64
		    " duplicates, %" PRIu64 " skipped, %" PRIu64 " failed\n",
		    s->job, job_state_str(s->state), s->added, s->duplicates,
		    s->skipped, s->failed);
	}
	if (json)
		puts("]");
	msg_free(&m);
	conn_close(&c);
	return EXIT_OK;
}
