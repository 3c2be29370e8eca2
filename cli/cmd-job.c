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
	if (st != KBD__FILE_STATUS__FS_FAILED)
		return;
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
static int
follow(struct conn *c, int json)
{
	struct msg		 m;
	Kbd__JobSummary		*s;
	int			 rc;

	for (;;) {
		conn_recv(c, &m);
		if (m.type == MSG_FILE_EVENT) {
			event_print((Kbd__FileEvent *)m.pb, json);
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
	rc = s->failed > 0 || s->state == KBD__JOB_STATE__JOB_FAILED ||
	    s->state == KBD__JOB_STATE__JOB_INTERRUPTED ? EXIT_FAIL : EXIT_OK;
	msg_free(&m);
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
	int		 ch, i, json = 0, nowait = 0, rc;

	while ((ch = cmd_getopt(argc, argv, ":hj:", lo)) != -1) {
		switch (ch) {
		case 'j':
			jobs = parse_number("--jobs", optarg, 1, 256);
			break;
		case OPT_NO_WAIT:
			nowait = 1;
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
	} else
		rc = follow(&c, json);
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
	rc = follow(&c, json);
	conn_close(&c);
	return rc;
}
