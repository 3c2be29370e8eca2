/*
 * The commands about jobs already started: status (a job's record, and
 * with --files its history), wait (follow one to its end, follow.c),
 * cancel and jobs (the newest, one line each).
 */
#include <sys/types.h>

#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "follow.h"
#include "kbctl.h"
#include "progress.h"

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
		{ "files", no_argument, NULL, OPT_FILES },
		{ "failed", no_argument, NULL, OPT_FAILED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__StatusReq	 req = KBD__STATUS_REQ__INIT;
	Kbd__JobSummary	*s;
	struct conn	 c;
	struct msg	 m;
	struct jobj	 o;
	int		 ch, json = 0;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		if (ch == OPT_JSON)
			json = 1;
		else if (ch == OPT_FILES)
			req.files = 1;
		else if (ch == OPT_FAILED)
			req.failed = 1;
	argc -= optind;
	argv += optind;
	if (argc > 1)
		die_usage("too many arguments");
	if (req.failed && !req.files)
		die_usage("--failed goes with --files");
	if (argc == 1)
		req.job = job_operand(argv[0]);

	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_STATUS_REQ, &req.base);
	conn_expect(&c, &m, MSG_JOB_SUMMARY);
	s = (Kbd__JobSummary *)m.pb;
	if (json) {
		jobj_begin(&o, stdout);
		summary_fields(&o, s, 0);
		jobj_u64(&o, "stale", s->stale);
	} else {
		printf("job %" PRIu64 ": %s%s\n", s->job,
		    job_state_str(s->state), summary_is_reindex(s) ?
		    " (full-text index rebuild)" : "");
		if (summary_is_reindex(s))
			printf("  indexed %" PRIu64 " of %" PRIu64
			    " documents\n", s->index_done, s->index_total);
		else
			printf("  added %" PRIu64 ", duplicates %" PRIu64
			    ", skipped %" PRIu64 ", failed %" PRIu64
			    ", cancelled %" PRIu64 "\n", s->added,
			    s->duplicates, s->skipped, s->failed,
			    s->cancelled);
		if (s->updated > 0 || s->moved > 0 || s->removed > 0)
			printf("  updated %" PRIu64 ", moved %" PRIu64
			    ", removed %" PRIu64 "\n", s->updated, s->moved,
			    s->removed);
		summary_error_text(s);
		if (s->stale > 0)
			printf("%" PRIu64 " document%s converted by an older "
			    "kbd: kbctl recompile --stale\n", s->stale,
			    s->stale == 1 ? " was" : "s were");
		if (s->index_rebuilding)
			printf("full-text index: rebuilding, %" PRIu64 " of %"
			    PRIu64 " documents indexed; searches are "
			    "incomplete\n", s->index_done, s->index_total);

	}
	msg_free(&m);
	if (req.files)
		history_print(&c, &o, json, req.failed);
	if (json) {
		jobj_end(&o);
		putchar('\n');
	}
	conn_close(&c);
	return EXIT_OK;
}

/*
 * The full-text rebuild is the committer's, not a job kbd follows: wait
 * asks its status again until it ends (or --timeout), then waits as for
 * any finished job.
 */
static void
reindex_wait(uint64_t job)
{
	Kbd__StatusReq	 req = KBD__STATUS_REQ__INIT;
	Kbd__JobSummary	*s;
	struct conn	 c;
	struct msg	 m;
	int		 running;

	req.job = job;
	for (;;) {
		conn_open(&c, kb_root(), 1);
		conn_send(&c, MSG_STATUS_REQ, &req.base);
		conn_expect(&c, &m, MSG_JOB_SUMMARY);
		s = (Kbd__JobSummary *)m.pb;
		running = summary_is_reindex(s) &&
		    s->state == KBD__JOB_STATE__JOB_RUNNING;
		msg_free(&m);
		conn_close(&c);
		if (!running)
			return;
		follow_check_deadline();
		(void)poll(NULL, 0, 250);
	}
}

int
cmd_wait(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__WaitReq	 req = KBD__WAIT_REQ__INIT;
	struct conn	 c;
	enum progress_mode pmode;
	unsigned long	 timeout_s = 0;
	int		 ch, json = 0, rc, color = COLOR_AUTO;

	while ((ch = cmd_getopt(argc, argv, ":hqv", lo)) != -1) {
		if (ch == OPT_TIMEOUT)
			timeout_s = parse_number("--timeout", optarg, 1,
			    86400UL * 365);
		else
			follow_option(ch, &json, &color);
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		die_usage("no job given");
	if (argc > 1)
		die_usage("too many arguments");
	req.job = job_operand(argv[0]);
	if (timeout_s > 0)
		follow_set_timeout(req.job, timeout_s);
	pmode = follow_mode(json);
	req.progress = progress_level(pmode);
	follow_colors(color);

	reindex_wait(req.job);
	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_WAIT_REQ, &req.base);
	rc = follow(&c, req.job, 0, json, 0, pmode);
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
	else if (summary_is_reindex(s) && s->state == KBD__JOB_STATE__JOB_RUNNING)
		printf("job %" PRIu64 ": running (a full-text index rebuild "
		    "is not cancelled)\n", s->job);
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
		if (summary_is_reindex(s))
			printf("%" PRIu64 "\t%s\treindex: %" PRIu64 " of %"
			    PRIu64 " documents indexed\n", s->job,
			    job_state_str(s->state), s->index_done,
			    s->index_total);
		else
			printf("%" PRIu64 "\t%s\t%" PRIu64 " added, %"
			    PRIu64 " duplicates, %" PRIu64 " skipped, %"
			    PRIu64 " failed\n", s->job,
			    job_state_str(s->state), s->added,
			    s->duplicates, s->skipped, s->failed);
	}
	if (json)
		puts("]");
	msg_free(&m);
	conn_close(&c);
	return EXIT_OK;
}
