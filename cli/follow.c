/*
 * Following a job to its summary, for add, sync, recompile and wait: each
 * file event is printed and freed as it arrives, so kbctl's memory stays
 * flat however many files a job has; with --json every line is flushed as
 * it is complete, for readers that act on events while the job runs. In
 * text mode progress.c adds the live region (stderr a terminal) or a
 * heartbeat. A job's summary is printed here for status, cancel and jobs
 * too.
 *
 * Signals while following only write their number to a pipe (and set a
 * flag); the follow loop acts on them, so the terminal is restored and
 * kbd is talked to outside any handler.
 *
 * A job outlives its kbd (it resumes at the next start), and so does its
 * follower: when the connection is lost, kbctl connects again (starting
 * kbd if need be), tries again with backoff while that fails, and follows
 * on with a WAIT_REQ, which reports files committed from then on: files
 * committed meanwhile have no line of their own, none has two, and the
 * summary, from the job's record, counts them all.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "follow.h"
#include "kbctl.h"
#include "progress.h"
#include "util.h"
#include "xmalloc.h"

/* A summary's fields, in an object the caller began and ends. */
void
summary_fields(struct jobj *op, const Kbd__JobSummary *s, int event)
{
	struct jobj	o = *op;

	if (event)
		jobj_str(&o, "event", "summary");
	jobj_u64(&o, "job", s->job);
	jobj_str(&o, "state", job_state_str(s->state));
	jobj_u64(&o, "added", s->added);
	jobj_u64(&o, "updated", s->updated);
	jobj_u64(&o, "moved", s->moved);
	jobj_u64(&o, "removed", s->removed);
	jobj_u64(&o, "duplicates", s->duplicates);
	jobj_u64(&o, "skipped", s->skipped);
	jobj_u64(&o, "failed", s->failed);
	jobj_u64(&o, "cancelled", s->cancelled);
	jobj_i64(&o, "created", s->created);
	jobj_i64(&o, "finished", s->finished);
	jobj_str(&o, "error", s->error);
	/* A full-text rebuild's own job, or one under way (status). */
	if (s->kind != NULL && s->kind[0] != '\0')
		jobj_str(&o, "kind", s->kind);
	if (s->index_rebuilding || (s->kind != NULL &&
	    strcmp(s->kind, "reindex") == 0)) {
		jobj_bool(&o, "index_rebuilding", s->index_rebuilding);
		jobj_u64(&o, "index_done", s->index_done);
		jobj_u64(&o, "index_total", s->index_total);
	}
	*op = o;
}

/* A full-text rebuild's own job (kind "reindex"). */
int
summary_is_reindex(const Kbd__JobSummary *s)
{
	return s->kind != NULL && strcmp(s->kind, "reindex") == 0;
}

void
summary_json(const Kbd__JobSummary *s, int event)
{
	struct jobj	o;

	jobj_begin(&o, stdout);
	summary_fields(&o, s, event);
	jobj_end(&o);
	putchar('\n');
}

void
summary_error_text(const Kbd__JobSummary *s)
{
	if (s->error != NULL && s->error[0] != '\0') {
		fputs("  error: ", stdout);
		text_put(stdout, s->error, TEXT_LINE);
		putchar('\n');
	}
}

static int	verbosity;	/* -1 quiet, 0 default, 1 verbose */
static int	color_out, color_err;	/* colour stdout, stderr */

void
follow_colors(int color)
{
	color_out = color_for(STDOUT_FILENO, color);
	color_err = color_for(STDERR_FILENO, color);
}

/* -q or -v: asking for less and for more is a usage error. */
static void
set_verbosity(int v)
{
	if (verbosity != 0 && verbosity != v)
		die_usage("-q and -v exclude each other");
	verbosity = v;
}

/*
 * Whether the events of files whose outcome the walk knew (unchanged,
 * skipped) may be left out: neither printed nor counted unless they
 * failed, but with --json or -v.
 */
int
follow_changes_only(int json)
{
	return !json && verbosity <= 0;
}

/*
 * The options of a follower, the same for add and wait: -q, -v, --json
 * and --color (ch is another option of the command's own: ignored).
 */
void
follow_option(int ch, int *json, int *color)
{
	switch (ch) {
	case 'q':
		set_verbosity(-1);
		break;
	case 'v':
		set_verbosity(1);
		break;
	case OPT_JSON:
		*json = 1;
		break;
	case OPT_COLOR:
		if ((*color = color_parse(optarg)) == -1)
			die_usage("--color: expected auto, always or never, "
			    "not '%s'", optarg);
		break;
	}
}

static const char *
status_color(int st)
{
	switch (st) {
	case KBD__FILE_STATUS__FS_ADDED:
	case KBD__FILE_STATUS__FS_UPDATED:
	case KBD__FILE_STATUS__FS_MOVED:
		return "32";
	case KBD__FILE_STATUS__FS_FAILED:
		return "31";
	case KBD__FILE_STATUS__FS_CANCELLED:
		return "33";
	}
	return "2";
}

/*
 * A file's reason as text. A duplicate of a file earlier in the job names
 * that file by its path ("same content as /PATH"): printed as the file's
 * own path is.
 */
void
reason_put(FILE *f, const char *reason)
{
	static const char	same[] = "same content as ";

	if (strncmp(reason, same, sizeof(same) - 1) == 0 &&
	    reason[sizeof(same) - 1] == '/') {
		fputs(same, f);
		text_put(f, path_show(reason + sizeof(same) - 1), TEXT_LINE);
	} else
		text_put(f, reason, TEXT_LINE);
}

static void
event_print(const Kbd__FileEvent *ev, int json)
{
	struct jobj	 o;
	FILE		*f;
	int		 st = ev->status;

	if (json) {
		jobj_begin(&o, stdout);
		jobj_str(&o, "path", ev->path);
		jobj_str(&o, "status", file_status_str(st));
		if ((st == KBD__FILE_STATUS__FS_ADDED ||
		    st == KBD__FILE_STATUS__FS_UPDATED ||
		    st == KBD__FILE_STATUS__FS_MOVED ||
		    st == KBD__FILE_STATUS__FS_REMOVED ||
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
		f = progress_out(stdout);
		if (color_out)
			fprintf(f, "\033[%sm%-9s\033[0m ", status_color(st),
			    file_status_str(st));
		else
			fprintf(f, "%-9s ", file_status_str(st));
		text_put(f, path_show(ev->path), 0);
		if ((st == KBD__FILE_STATUS__FS_ADDED ||
		    st == KBD__FILE_STATUS__FS_UPDATED ||
		    st == KBD__FILE_STATUS__FS_MOVED ||
		    st == KBD__FILE_STATUS__FS_REMOVED) && ev->doc[0] != '\0') {
			fputs(" -> ", f);
			text_put(f, ev->doc, TEXT_LINE);
			if (st != KBD__FILE_STATUS__FS_ADDED &&
			    ev->reason[0] != '\0') {
				fputs(" (", f);
				reason_put(f, ev->reason);
				fputc(')', f);
			}
		} else if (ev->reason[0] != '\0') {
			fputs(" (", f);
			reason_put(f, ev->reason);
			fputc(')', f);
		}
		fputc('\n', f);
		return;
	}
	if ((f = progress_out(stderr)) == stderr)
		(void)fflush(stdout);
	fputs("kbctl: ", f);
	text_put(f, path_show(ev->path), 0);
	fputs(": ", f);
	if (color_err)
		fputs("\033[31m", f);
	reason_put(f, ev->reason[0] != '\0' ? ev->reason : "failed");
	if (color_err)
		fputs("\033[0m", f);
	fputc('\n', f);
}

/*
 * Ctrl-C while following an add (git's manners): the first asks kbd to
 * cancel the job's queued files and goes on printing until the summary,
 * then kbctl dies by SIGINT so a shell stops its "a; b" chain; the second
 * detaches at once. The job itself always ends cleanly inside kbd. While
 * following a wait, the first detaches. SIGTERM and SIGHUP detach too.
 * Every way out takes the region off the screen first.
 */
static int			 sigfds[2] = { -1, -1 };
static volatile sig_atomic_t	 sig_pending;
static unsigned			 interrupts;
static int			 cancel_on_int;
static uint64_t			 follow_job;
static int			 cancel_sent;

static void
on_signal(int sig)
{
	unsigned char	b = (unsigned char)sig;
	int		saved = errno;

	sig_pending = 1;
	(void)!write(sigfds[1], &b, 1);
	errno = saved;
}

/* Die by sig, as the shell expects of an interrupted command. */
static void __attribute__((noreturn))
die_by_signal(int sig)
{
	progress_stop();
	(void)fflush(stdout);
	(void)fflush(stderr);
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

/*
 * Cancel on a connection of its own: ours is busy following. No kbd, or
 * one that goes away meanwhile: the following connection finds out, and
 * sends the cancel again once it is back (kbd does not keep a cancel
 * across a restart).
 */
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
	if (conn_tryopen(&c, kb_root()) == -1)
		return;
	if (conn_trysend(&c, MSG_CANCEL_REQ, &req.base) == 0 &&
	    conn_tryrecv(&c, &m) == 0) {
		if (m.type != MSG_JOB_SUMMARY)
			conn_unexpected(&m);
		msg_free(&m);
	}
	conn_close(&c);
}

static void
check_interrupt(void)
{
	FILE	*f;

	if (interrupts >= 2 || (interrupts == 1 && !cancel_on_int))
		die_by_signal(SIGINT);
	if (interrupts == 1 && !cancel_sent) {
		if ((f = progress_out(stderr)) == stderr)
			(void)fflush(stdout);
		fputs("kbctl: cancelling: files a worker holds finish, the "
		    "rest are cancelled; Ctrl-C again to detach\n", f);
		send_cancel();
	}
}

/* Act on the signals that came, from the loop. */
static void
signals_service(void)
{
	unsigned char	b[32];
	ssize_t		n, i;

	if (!sig_pending)
		return;
	sig_pending = 0;
	while ((n = read(sigfds[0], b, sizeof(b))) > 0)
		for (i = 0; i < n; i++) {
			switch (b[i]) {
			case SIGINT:
				interrupts++;
				break;
			case SIGWINCH:
				progress_resize();
				break;
			default:
				die_by_signal(b[i]);
			}
		}
	check_interrupt();
}

/* kbctl wait --timeout: when to give up following, in CLOCK_MONOTONIC ms. */
static long long	wait_deadline = -1;
static unsigned long	wait_timeout_s;
static uint64_t		wait_job;

void
follow_set_timeout(uint64_t job, unsigned long s)
{
	wait_job = job;
	wait_timeout_s = s;
	wait_deadline = mono_ms() + (long long)s * 1000;
}

static int
deadline_passed(void)
{
	return wait_deadline >= 0 && mono_ms() >= wait_deadline;
}

static void __attribute__((noreturn))
timed_out(void)
{
	fprintf(stderr, "kbctl: job %" PRIu64 " still running after %lu s\n",
	    wait_job, wait_timeout_s);
	exit(EXIT_FAIL);
}

void
follow_check_deadline(void)
{
	if (deadline_passed())
		timed_out();
}

static void
follow_wake(void)
{
	signals_service();
	progress_tick();
	if (deadline_passed()) {
		progress_stop();
		timed_out();
	}
}

/* The progress region's next redraw, or the wait's deadline if sooner. */
static int
follow_timeout(void)
{
	long long	left;
	int		t = progress_timeout();

	if (wait_deadline < 0)
		return t;
	left = wait_deadline - mono_ms();
	if (left < 0)
		left = 0;
	if (t < 0 || left < t)
		t = left > INT_MAX ? INT_MAX : (int)left;
	return t;
}

static struct conn_wait	follow_waiter = { -1, follow_timeout,
    follow_wake };

/*
 * What a text follower shows besides file lines, decided before the
 * request since kbd sends progress only to those who ask.
 */
enum progress_mode
follow_mode(int json)
{
	enum progress_mode	m;

	if (json)
		return PROGRESS_OFF;
	m = progress_mode_for_stderr();
	/* -q: failures and the summary only, no heartbeat. */
	if (m == PROGRESS_HEARTBEAT && verbosity < 0)
		return PROGRESS_OFF;
	return m;
}

int
progress_level(enum progress_mode m)
{
	switch (m) {
	case PROGRESS_REGION:
		return KBD__PROGRESS_LEVEL__PROGRESS_SLOTS;
	case PROGRESS_HEARTBEAT:
		return KBD__PROGRESS_LEVEL__PROGRESS_COUNTS;
	default:
		return KBD__PROGRESS_LEVEL__PROGRESS_NONE;
	}
}

/*
 * Catch sig. An ignored SIGHUP or SIGTERM (nohup) stays ignored; SIGINT
 * is always caught, since it is how a script cancels a background add
 * (whose SIGINT the shell ignores) as Ctrl-C would.
 */
static void
catch_signal(int sig)
{
	struct sigaction	sa, old;

	if (sig != SIGINT && sigaction(sig, NULL, &old) == 0 &&
	    old.sa_handler == SIG_IGN)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(sig, &sa, NULL);
}

static void
follow_signals(enum progress_mode mode)
{
	if (pipe2(sigfds, O_CLOEXEC | O_NONBLOCK) == -1)
		die_errno("pipe");
	catch_signal(SIGINT);
	catch_signal(SIGTERM);
	catch_signal(SIGHUP);
	if (mode == PROGRESS_REGION)
		catch_signal(SIGWINCH);
	follow_waiter.fd = sigfds[0];
	conn_wait = &follow_waiter;
}

/*
 * Sleep ms, or until the wait's deadline, acting on signals meanwhile
 * (a Ctrl-C detaches, a second one with add).
 */
static void
follow_nap(int ms)
{
	struct pollfd	 pfd;
	long long	 until = mono_ms() + ms, left;
	int		 t;

	while ((left = until - mono_ms()) > 0) {
		t = follow_timeout();
		if (t < 0 || t > left)
			t = (int)left;
		pfd.fd = sigfds[0];
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, t) == -1 && errno != EINTR)
			die_errno("poll");
		follow_wake();
	}
}

#define RECONNECT_FIRST_MS	100
#define RECONNECT_MAX_MS	5000

/*
 * The connection to kbd is lost while following: kbd stopped, died or is
 * restarting, and the job will resume with the next kbd. Connect again,
 * starting kbd if none runs; while that cannot be done (the old kbd is
 * still stopping, a new one will not start), try again with backoff
 * until the job can be followed again or --timeout passes. Then ask to
 * follow the job again: a sealed job is summarized at once from its
 * record. The region goes off the screen meanwhile and starts afresh.
 */
static void
follow_reconnect(struct conn *c, enum progress_mode mode, int color)
{
	Kbd__WaitReq	 req = KBD__WAIT_REQ__INIT;
	int		 backoff = RECONNECT_FIRST_MS;

	progress_stop();
	(void)fflush(stdout);
	fprintf(stderr, "kbctl: lost connection to kbd; following job %" PRIu64
	    " again once it is back\n", follow_job);
	req.job = follow_job;
	req.progress = progress_level(mode);
	for (;;) {
		follow_wake();
		if (conn_reopen(c, kb_root()) == 0) {
			/* A cancel asked for is lost with the old kbd. */
			if (cancel_sent) {
				cancel_sent = 0;
				send_cancel();
			}
			if (conn_trysend(c, MSG_WAIT_REQ, &req.base) == 0)
				break;
		}
		follow_nap(backoff);
		backoff = backoff * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS :
		    backoff * 2;
	}
	progress_start(mode, color);
}

/*
 * kbd was stopped by a kbctl stop: the job is not over, but starting kbd
 * again to follow it would undo what the user asked for. Say so and exit;
 * the job resumes at the next start.
 */
static void __attribute__((noreturn))
follow_stopped(struct msg *m)
{
	uint64_t	job = ((Kbd__Stopped *)m->pb)->job;

	msg_free(m);
	conn_wait = NULL;
	progress_stop();
	(void)fflush(stdout);
	fprintf(stderr, "kbctl: kbd was stopped (kbctl stop); job %" PRIu64
	    " resumes at the next start\n", job);
	exit(EXIT_FAIL);
}

/*
 * Print a followed job's events until its summary. Exit status 1 when a
 * file failed or the job did not complete.
 */
int
follow(struct conn *c, uint64_t job, int cancel_int, int json,
    int exit_on_error, enum progress_mode mode)
{
	struct msg		 m;
	Kbd__JobSummary		*s;
	int			 rc, color = color_err;

	follow_job = job;
	cancel_on_int = cancel_int;
	progress_start(mode, color);
	follow_signals(mode);
	for (;;) {
		if (conn_tryrecv(c, &m) == -1) {
			follow_reconnect(c, mode, color);
			continue;
		}
		if (m.type == MSG_FILE_EVENT) {
			Kbd__FileEvent	*ev = (Kbd__FileEvent *)m.pb;

			progress_file_done(ev);
			event_print(ev, json);
			if (exit_on_error && follow_job != 0 &&
			    ev->status == KBD__FILE_STATUS__FS_FAILED)
				send_cancel();
			msg_free(&m);
			follow_wake();
			continue;
		}
		if (m.type == MSG_PROGRESS) {
			progress_update((Kbd__Progress *)m.pb);
			msg_free(&m);
			follow_wake();
			continue;
		}
		if (m.type == MSG_STOPPED)
			follow_stopped(&m);
		if (m.type != MSG_JOB_SUMMARY)
			conn_unexpected(&m);
		break;
	}
	conn_wait = NULL;
	progress_stop();
	s = (Kbd__JobSummary *)m.pb;
	if (json)
		summary_json(s, 1);
	else {
		printf("job %" PRIu64 ": %" PRIu64 " added, ", s->job,
		    s->added);
		if (s->updated > 0)
			printf("%" PRIu64 " updated, ", s->updated);
		if (s->moved > 0)
			printf("%" PRIu64 " moved, ", s->moved);
		if (s->removed > 0)
			printf("%" PRIu64 " removed, ", s->removed);
		printf("%" PRIu64 " duplicates, %" PRIu64 " skipped, %" PRIu64
		    " failed", s->duplicates, s->skipped, s->failed);
		if (s->cancelled > 0)
			printf(", %" PRIu64 " cancelled", s->cancelled);
		putchar('\n');
		if (s->state != KBD__JOB_STATE__JOB_DONE)
			printf("  state: %s\n", job_state_str(s->state));
		summary_error_text(s);
	}
	/* Not everything was added: a failure, or a cancel by anyone. */
	rc = s->failed > 0 || s->state == KBD__JOB_STATE__JOB_FAILED ||
	    s->state == KBD__JOB_STATE__JOB_CANCELLED ? EXIT_FAIL : EXIT_OK;
	msg_free(&m);
	signals_service();
	if (interrupts > 0)
		die_by_signal(SIGINT);
	return rc;
}
