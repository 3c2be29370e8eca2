/*
 * The optional summarizer (kbd.conf's summarizer, kbd.conf(5)): the
 * user's own command, run with /bin/sh -c for each document a batch added
 * or updated, once the batch is committed, so an add never waits for it.
 * It runs here, in the supervisor's care, not in the committer (which must
 * never wait on a command) nor in a sandboxed worker (it is the user's
 * program: it may need the network, a GPU, a model on disk). At most
 * summarizer-jobs run at once, each in its own process group, killed
 * whole after summarizer-timeout seconds.
 *
 * The document's Markdown (wiki/sources/<doc>.md) is streamed to its
 * stdin; its stdout, read up to SUM_OUT_MAX bytes (the rest drained and
 * dropped), must be UTF-8 (common/utf8.c) and its first paragraph, on one
 * line, becomes the description (C_SUMMARY_REQ to the committer, which
 * applies it through its journal if the document has not changed since).
 * A failure (exit status, signal, timeout, no or invalid output) keeps
 * the local description and logs one line naming the document and why.
 *
 * Everything is an event of the supervisor's loop: pipe fds, a timer per
 * command; proc.c's SIGCHLD handler reaps them and hands their status
 * here (summarize_reaped). Nothing blocks.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "kbpath.h"
#include "log.h"
#include "supervisor.h"
#include "utf8.h"
#include "util.h"
#include "xmalloc.h"

#define SUM_OUT_MAX	4096		/* bytes of stdout kept */
#define SUM_IN_CHUNK	(64 * 1024)	/* Markdown read and written at once */

/* A command's life: queued, then running until reaped and read to EOF. */
enum sum_state {
	SUM_QUEUED,
	SUM_RUNNING
};

struct sum {
	TAILQ_ENTRY(sum)	 entry;
	enum sum_state		 state;
	char			*doc;
	char			 hash[2 * SHA256_LEN + 1];
	pid_t			 pid;		/* its process group too */
	int			 srcfd;		/* the Markdown, read */
	int			 infd, outfd;	/* its stdin, its stdout */
	struct event		*inev, *outev, *timer;
	char			*inbuf;
	size_t			 inlen, inoff;
	char			 out[SUM_OUT_MAX + 1];
	size_t			 outlen;
	int			 reaped, status, timed_out, out_eof;
	int			 stopped;	/* killed as kbd stops */
};
TAILQ_HEAD(sumlist, sum);

static struct sumlist	 queued = TAILQ_HEAD_INITIALIZER(queued);
static struct sumlist	 running = TAILQ_HEAD_INITIALIZER(running);
static unsigned		 nrunning;

/* Descriptions made and not yet sent; one request at the committer. */
static Kbd__SummaryEntry **done_v;
static size_t		   done_n, done_cap;
static int		   in_flight;

static void	sum_start(struct sum *);
static void	sum_send(void);

int
summarize_enabled(void)
{
	return sup_opts->summarizer != NULL;
}

/* Work left: queued, running, or descriptions on their way. */
int
summarize_busy(void)
{
	return !TAILQ_EMPTY(&queued) || nrunning > 0 || done_n > 0 ||
	    in_flight;
}

static void
sum_pump(void)
{
	struct sum	*s;

	if (sup_stopping_p())
		return;
	while (nrunning < sup_opts->summarizer_jobs &&
	    (s = TAILQ_FIRST(&queued)) != NULL) {
		TAILQ_REMOVE(&queued, s, entry);
		sum_start(s);
	}
}

void
summarize_doc(const char *doc, const uint8_t hash[SHA256_LEN])
{
	struct sum	*s;

	if (!summarize_enabled() || sup_stopping_p())
		return;
	/* Queued and not started: it summarizes the newest content. */
	TAILQ_FOREACH(s, &queued, entry)
		if (strcmp(s->doc, doc) == 0) {
			sha256_hex(hash, s->hash);
			return;
		}
	s = xcalloc(1, sizeof(*s));
	s->state = SUM_QUEUED;
	s->doc = xstrdup(doc);
	sha256_hex(hash, s->hash);
	s->srcfd = s->infd = s->outfd = -1;
	TAILQ_INSERT_TAIL(&queued, s, entry);
	sum_pump();
}

/* ---- the description ---- */

/*
 * The first paragraph of out, its lines joined and its white space
 * (and control bytes) folded to single spaces, in place: "" for none.
 * The text is UTF-8, so bytes >= 0x80 are never taken for spaces.
 */
static char *
first_paragraph(char *out)
{
	char	*p = out, *w, *start;
	int	 space = 0, nl = 0;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	start = w = p;
	for (; *p != '\0'; p++) {
		if (*p == '\n') {
			/* A line of white space alone ends the paragraph. */
			if (nl)
				break;
			nl = 1;
			space = 1;
			continue;
		}
		if ((unsigned char)*p < 0x20 || *p == ' ' || *p == 0x7f) {
			space = 1;
			continue;
		}
		if (space && w > start)
			*w++ = ' ';
		space = nl = 0;
		*w++ = *p;
	}
	*w = '\0';
	return start;
}

/* NULL and *desc the description, or the reason it is none. */
static const char *
sum_verdict(struct sum *s, char **desc, char *why, size_t whylen)
{
	char	*p;
	size_t	 off;

	*desc = NULL;
	if (s->stopped) {
		(void)snprintf(why, whylen, "stopped with kbd");
		return why;
	}
	if (s->timed_out) {
		(void)snprintf(why, whylen, "timed out after %u s",
		    sup_opts->summarizer_timeout);
		return why;
	}
	if (WIFSIGNALED(s->status)) {
		(void)snprintf(why, whylen, "killed by signal %d",
		    WTERMSIG(s->status));
		return why;
	}
	if (WIFEXITED(s->status) && WEXITSTATUS(s->status) != 0) {
		(void)snprintf(why, whylen, "exited with status %d",
		    WEXITSTATUS(s->status));
		return why;
	}
	/* The bound may have cut a character: that is no fault of its. */
	if (s->outlen == SUM_OUT_MAX)
		s->outlen = utf8_cut(s->out, SUM_OUT_MAX);
	s->out[s->outlen] = '\0';
	switch (utf8_check(s->out, s->outlen, &off)) {
	case 0:
		break;
	case 1:
		(void)snprintf(why, whylen, "a NUL byte in its output "
		    "(offset %zu)", off);
		return why;
	default:
		(void)snprintf(why, whylen, "its output is not UTF-8 "
		    "(offset %zu)", off);
		return why;
	}
	p = first_paragraph(s->out);
	if (*p == '\0') {
		(void)snprintf(why, whylen, "no output");
		return why;
	}
	*desc = p;
	return NULL;
}

static void
sum_free(struct sum *s)
{
	if (s->inev != NULL)
		event_free(s->inev);
	if (s->outev != NULL)
		event_free(s->outev);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->srcfd != -1)
		close(s->srcfd);
	if (s->infd != -1)
		close(s->infd);
	if (s->outfd != -1)
		close(s->outfd);
	free(s->inbuf);
	free(s->doc);
	free(s);
}

static void
close_in(struct sum *s)
{
	if (s->inev != NULL) {
		event_free(s->inev);
		s->inev = NULL;
	}
	if (s->infd != -1) {
		close(s->infd);
		s->infd = -1;
	}
	if (s->srcfd != -1) {
		close(s->srcfd);
		s->srcfd = -1;
	}
}

static void
close_out(struct sum *s)
{
	if (s->outev != NULL) {
		event_free(s->outev);
		s->outev = NULL;
	}
	if (s->outfd != -1) {
		close(s->outfd);
		s->outfd = -1;
	}
	s->out_eof = 1;
}

/* Reaped and read to the end (or given up on): judge it, start the next. */
static void
sum_finish(struct sum *s)
{
	Kbd__SummaryEntry	*e;
	char			*desc, why[128];

	if (!s->reaped || !s->out_eof)
		return;
	TAILQ_REMOVE(&running, s, entry);
	nrunning--;
	if (sum_verdict(s, &desc, why, sizeof(why)) != NULL)
		log_warnx("summarizer: %s: %s; its local description stays",
		    s->doc, why);
	else {
		log_debug("summarizer: %s: described", s->doc);
		e = xcalloc(1, sizeof(*e));
		kbd__summary_entry__init(e);
		e->doc = xstrdup(s->doc);
		e->hash = xstrdup(s->hash);
		e->description = xstrdup(desc);
		if (done_n == done_cap) {
			done_cap = done_cap ? 2 * done_cap : 16;
			done_v = xreallocarray(done_v, done_cap,
			    sizeof(*done_v));
		}
		done_v[done_n++] = e;
	}
	sum_free(s);
	sum_send();
	sum_pump();
}

/* ---- the command's pipes and timer ---- */

static void
on_stdin(evutil_socket_t fd, short ev, void *arg)
{
	struct sum	*s = arg;
	ssize_t		 n;

	(void)ev;
	for (;;) {
		if (s->inoff == s->inlen) {
			n = read(s->srcfd, s->inbuf, SUM_IN_CHUNK);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (n == -1)
					log_warn("summarizer: %s: reading its "
					    "Markdown", s->doc);
				close_in(s);	/* EOF for the command */
				return;
			}
			s->inlen = (size_t)n;
			s->inoff = 0;
		}
		n = write(fd, s->inbuf + s->inoff, s->inlen - s->inoff);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;		/* EV_PERSIST: called again */
			/* EPIPE: it read what it wanted. */
			close_in(s);
			return;
		}
		s->inoff += (size_t)n;
	}
}

static void
on_stdout(evutil_socket_t fd, short ev, void *arg)
{
	struct sum	*s = arg;
	char		 drain[4096];
	ssize_t		 n;

	(void)ev;
	for (;;) {
		if (s->outlen < SUM_OUT_MAX)
			n = read(fd, s->out + s->outlen, SUM_OUT_MAX -
			    s->outlen);
		else
			n = read(fd, drain, sizeof(drain));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			close_out(s);
			sum_finish(s);
			return;
		}
		if (s->outlen < SUM_OUT_MAX)
			s->outlen += (size_t)n;
	}
}

static void
on_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct sum	*s = arg;

	(void)fd;
	(void)ev;
	/* The whole group: sh and whatever it started. */
	if (!s->reaped) {
		s->timed_out = 1;
		(void)kill(-s->pid, SIGKILL);
	}
	/*
	 * Reaped, or not yet: something it left running (killed with the
	 * group, or gone from it) may hold stdout open. Stop reading; a
	 * command that exited is judged on what it wrote.
	 */
	close_in(s);
	close_out(s);
	sum_finish(s);
}

/* From proc.c's reaping: 1 if pid was a summarizer command. */
int
summarize_reaped(pid_t pid, int status)
{
	struct sum	*s;

	TAILQ_FOREACH(s, &running, entry)
		if (s->pid == pid)
			break;
	if (s == NULL)
		return 0;
	s->reaped = 1;
	s->status = status;
	/*
	 * Its group is not killed now: once the leader is reaped its id may
	 * be reused. Whatever it left holding stdout runs into the timer.
	 */
	sum_finish(s);
	return 1;
}

static void
sum_fail_start(struct sum *s, const char *what)
{
	log_warn("summarizer: %s: %s; its local description stays", s->doc,
	    what);
	sum_free(s);
}

static void
sum_start(struct sum *s)
{
	extern char	**environ;
	struct timeval	 tv;
	char		*src, **envp, *argv[4];
	size_t		 n;
	int		 in[2], out[2];
	sigset_t	 none;

	src = kbpath_source(s->doc);
	s->srcfd = open(src, O_RDONLY | O_CLOEXEC);
	free(src);
	if (s->srcfd == -1) {
		/* Removed since: nothing to describe. */
		if (errno == ENOENT) {
			log_debug("summarizer: %s: gone", s->doc);
			sum_free(s);
		} else
			sum_fail_start(s, "its Markdown");
		return;
	}
	if (pipe2(in, O_CLOEXEC) == -1) {
		sum_fail_start(s, "pipe");
		return;
	}
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(in[0]);
		close(in[1]);
		sum_fail_start(s, "pipe");
		return;
	}
	/*
	 * Its environment is kbd's and KBD_DOC, the document's name; built
	 * before the fork: the supervisor has threads (search.c), so the
	 * child may call only async-signal-safe functions before exec.
	 */
	for (n = 0; environ[n] != NULL; n++)
		;
	envp = xcalloc(n + 2, sizeof(*envp));
	xasprintf(&envp[0], "KBD_DOC=%s", s->doc);
	for (n = 0; environ[n] != NULL; n++)
		envp[n + 1] = environ[n];
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)sup_opts->summarizer;
	argv[3] = NULL;
	switch ((s->pid = fork())) {
	case -1:
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		free(envp[0]);
		free(envp);
		sum_fail_start(s, "fork");
		return;
	case 0:
		(void)setpgid(0, 0);
		if (dup2(in[0], STDIN_FILENO) == -1 ||
		    dup2(out[1], STDOUT_FILENO) == -1)
			_exit(127);
		closefrom(STDERR_FILENO + 1);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve("/bin/sh", argv, envp);
		_exit(127);
	default:
		break;
	}
	free(envp[0]);
	free(envp);
	/* Both sides set the group: a kill right after fork finds it. */
	(void)setpgid(s->pid, s->pid);
	close(in[0]);
	close(out[1]);
	s->infd = in[1];
	s->outfd = out[0];
	(void)fcntl(s->infd, F_SETFL, O_NONBLOCK);
	(void)fcntl(s->outfd, F_SETFL, O_NONBLOCK);
	s->inbuf = xmalloc(SUM_IN_CHUNK);
	s->state = SUM_RUNNING;
	s->inev = event_new(sup_base, s->infd, EV_WRITE | EV_PERSIST,
	    on_stdin, s);
	s->outev = event_new(sup_base, s->outfd, EV_READ | EV_PERSIST,
	    on_stdout, s);
	s->timer = evtimer_new(sup_base, on_timeout, s);
	tv.tv_sec = sup_opts->summarizer_timeout;
	tv.tv_usec = 0;
	if (s->inev == NULL || s->outev == NULL || s->timer == NULL ||
	    event_add(s->inev, NULL) == -1 ||
	    event_add(s->outev, NULL) == -1 ||
	    event_add(s->timer, &tv) == -1)
		fatalx("summarizer: event setup");
	TAILQ_INSERT_TAIL(&running, s, entry);
	nrunning++;
	log_debug("summarizer: %s: started (pid %ld)", s->doc, (long)s->pid);
}

/* ---- the committer ---- */

static void
sum_done(struct commitq_op *o, ProtobufCMessage *pb)
{
	Kbd__SummaryRep	*r = (Kbd__SummaryRep *)pb;

	(void)o;
	in_flight = 0;
	if (r->error[0] != '\0')
		log_warnx("summarizer: descriptions not recorded: %s",
		    r->error);
	sum_send();
}

/*
 * The descriptions made so far, in one request, if none is at the
 * committer: those made meanwhile go together in the next.
 */
static void
sum_send(void)
{
	Kbd__SummaryReq		*req;
	struct commitq_op	*o;

	if (in_flight || done_n == 0 || sup_stopping_p())
		return;
	req = xcalloc(1, sizeof(*req));
	kbd__summary_req__init(req);
	req->entries = done_v;
	req->n_entries = done_n;
	done_v = NULL;
	done_n = done_cap = 0;
	o = commitq_op(MSG_C_SUMMARY_REQ, &req->base, NULL, sum_done, NULL);
	in_flight = 1;
	commitq_push(o);
}

/*
 * kbd stops: commands are killed, their descriptions lost (see
 * docs/architecture.md, Summarizer).
 */
void
summarize_stop(void)
{
	struct sum	*s;

	while ((s = TAILQ_FIRST(&queued)) != NULL) {
		TAILQ_REMOVE(&queued, s, entry);
		sum_free(s);
	}
	TAILQ_FOREACH(s, &running, entry)
		if (!s->reaped) {
			s->stopped = 1;
			(void)kill(-s->pid, SIGKILL);
		}
}
