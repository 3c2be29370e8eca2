/*
 * The worker pool: persistent sandboxed processes that hash (PREPARE) and
 * convert (CONVERT) one file at a time. The pool starts them, keeps the
 * idle ones in a list, sends a file's request with its input (and staging
 * files) as fds, bounds each request with the --timeout watchdog, checks
 * each reply against its request, and replaces a worker that dies. What a
 * reply means for the file is its job's business: every file a worker
 * took comes back through the reply or lost callback of pool_init.
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

#include "format.h"
#include "kbpath.h"
#include "log.h"
#include "supervisor.h"
#include "xmalloc.h"

enum worker_state {
	WORKER_IDLE,		/* on the idle list */
	WORKER_BUSY,		/* has a request */
	WORKER_SPENT		/* answered but dying: takes no more files */
};

struct worker {
	TAILQ_ENTRY(worker)	 entry;
	TAILQ_ENTRY(worker)	 idle_entry;
	struct child		*proc;
	enum worker_state	 state;
	struct item		*item;		/* the request's file */
	struct event		*timer;		/* watchdog */
	int			 timed_out;
};
TAILQ_HEAD(workerlist, worker);

static struct workerlist workers = TAILQ_HEAD_INITIALIZER(workers);
static struct workerlist idle = TAILQ_HEAD_INITIALIZER(idle);
static unsigned		 nworkers;
static pool_reply_cb	 on_reply;
static pool_lost_cb	 on_lost;

static void	worker_dispatch(struct child *, struct msg *, void *);
static void	worker_gone(struct child *, int, void *);
static void	on_timeout(evutil_socket_t, short, void *);

void
pool_init(pool_reply_cb reply, pool_lost_cb lost)
{
	on_reply = reply;
	on_lost = lost;
}

static void
worker_start(void)
{
	struct worker	*w;
	char		 mem[24], cpu[24], fsz[24];
	/* The default language, as the committer's (kbd.conf). */
	const char	*args[] = { mem, cpu, fsz, sup_opts->language, NULL };

	(void)snprintf(mem, sizeof(mem), "%llu",
	    (unsigned long long)sup_opts->limits.mem);
	(void)snprintf(cpu, sizeof(cpu), "%llu",
	    (unsigned long long)sup_opts->limits.cpu);
	(void)snprintf(fsz, sizeof(fsz), "%llu",
	    (unsigned long long)sup_opts->limits.fsize);
	w = xcalloc(1, sizeof(*w));
	w->proc = proc_spawn("worker", args, worker_dispatch, worker_gone, w);
	if ((w->timer = evtimer_new(sup_base, on_timeout, w)) == NULL)
		fatalx("evtimer_new");
	w->state = WORKER_IDLE;
	TAILQ_INSERT_TAIL(&idle, w, idle_entry);
	TAILQ_INSERT_TAIL(&workers, w, entry);
	nworkers++;
}

void
pool_grow(unsigned n)
{
	/* A worker started after pool_stop would get no SIGTERM. */
	if (sup_stopping_p())
		return;
	while (nworkers < n)
		worker_start();
}

/* kbd is stopping: workers hold nothing that matters. */
void
pool_stop(void)
{
	struct worker	*w;

	TAILQ_FOREACH(w, &workers, entry)
		proc_kill(w->proc, SIGTERM);
}

/* Before the send: the request is the worker's from now on. */
static void
worker_busy(struct worker *w, struct item *it)
{
	struct timeval	tv;

	TAILQ_REMOVE(&idle, w, idle_entry);
	w->state = WORKER_BUSY;
	w->item = it;
	tv.tv_sec = sup_opts->timeout;
	tv.tv_usec = 0;
	evtimer_add(w->timer, &tv);
}

/*
 * Give the file to an idle worker: PREPARE (its input) for a new file,
 * CONVERT (its input and two staging files to fill) for a prepared one,
 * and for a new one marked direct, with PREPARE's work asked for in the
 * same request (window.h). 1 sent, 0 no worker idle, -1 not sent and the
 * file has failed.
 */
int
pool_give(struct item *it, uint64_t job, uint64_t max_size)
{
	struct worker	*w;
	int		 fds[3];

	if ((w = TAILQ_FIRST(&idle)) == NULL)
		return 0;
	fds[0] = open(it->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fds[0] == -1) {
		item_outcome(it, KBD__FILE_STATUS__FS_FAILED, "%s",
		    strerror(errno));
		return -1;
	}
	if (it->state == IT_NEW && !it->direct) {
		Kbd__PrepareReq	r = KBD__PREPARE_REQ__INIT;

		r.seq = it->seq;
		r.max_size = max_size;
		r.ext = (char *)format_ext_for(it->stem, it->ext);
		worker_busy(w, it);
		proc_send(w->proc, MSG_PREPARE_REQ, &r.base, fds, 1);
	} else {
		Kbd__ConvertReq	r = KBD__CONVERT_REQ__INIT;

		it->staged_raw = kbpath_staged(job, it->seq, "raw");
		it->staged_md = kbpath_staged(job, it->seq, "md");
		fds[1] = open(it->staged_raw, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644);
		fds[2] = open(it->staged_md, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644);
		if (fds[1] == -1 || fds[2] == -1) {
			item_outcome(it, KBD__FILE_STATUS__FS_FAILED,
			    "cannot create staging file: %s", strerror(errno));
			close(fds[0]);
			if (fds[1] != -1)
				close(fds[1]);
			if (fds[2] != -1)
				close(fds[2]);
			return -1;
		}
		r.seq = it->seq;
		r.ext = (char *)format_ext_for(it->stem, it->ext);
		if (it->state == IT_NEW)
			r.prepare = 1;
		else {
			r.expect_hash.data = it->hash;
			r.expect_hash.len = sizeof(it->hash);
		}
		r.max_size = max_size;
		r.max_output = sup_opts->max_output;
		worker_busy(w, it);
		proc_send(w->proc, MSG_CONVERT_REQ, &r.base, fds, 3);
	}
	return 1;
}

static void
on_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)ev;
	if (w->item == NULL)
		return;
	log_warnx("worker %ld: %s timed out after %u s", (long)w->proc->pid,
	    w->item->path, sup_opts->timeout);
	w->timed_out = 1;
	proc_kill(w->proc, SIGKILL);
}

/* The worker's request is over: back to the idle list. */
static void
worker_release(struct worker *w)
{
	evtimer_del(w->timer);
	w->item = NULL;
	/*
	 * A worker the watchdog killed may still have answered in time; it
	 * is dying all the same and gets no more files.
	 */
	if (!w->proc->closed && !w->timed_out) {
		w->state = WORKER_IDLE;
		TAILQ_INSERT_TAIL(&idle, w, idle_entry);
	} else
		w->state = WORKER_SPENT;
}

/* The reply is to the request the worker holds, and well-formed. */
static int
reply_matches(const struct item *it, const struct msg *m)
{
	if (m->type == MSG_PREPARE_REP) {
		const Kbd__PrepareRep	*r = (const Kbd__PrepareRep *)m->pb;

		return it->state == IT_PREPARING && r->seq == it->seq &&
		    (!r->ok || r->hash.len == sizeof(it->hash));
	} else {
		const Kbd__ConvertRep	*r = (const Kbd__ConvertRep *)m->pb;

		/* A direct file's hash is the one it is known by from now. */
		return it->state == IT_CONVERTING && r->seq == it->seq &&
		    (!r->ok || it->have_hash || r->hash.len == sizeof(it->hash))
		    && (!r->skipped || !it->have_hash);
	}
}

/*
 * A worker's messages. Anything but the answer to its request means a bug
 * or a compromised worker: it is killed, and its file fails with its death.
 */
static void
worker_dispatch(struct child *c, struct msg *m, void *arg)
{
	struct worker	*w = arg;
	struct item	*it = w->item;

	if (m == NULL)
		return;		/* its death is handled once it is reaped */
	switch (m->type) {
	case MSG_PREPARE_REP:
	case MSG_CONVERT_REP:
		if (it == NULL || m->nfds != 0)
			break;
		if (!reply_matches(it, m)) {
			log_warnx("worker %ld: reply does not match its request",
			    (long)c->pid);
			proc_kill(c, SIGKILL);
			return;
		}
		worker_release(w);
		on_reply(it, m);
		return;
	default:
		break;
	}
	log_warnx("worker %ld: unexpected %s; killing it", (long)c->pid,
	    msg_type_name(m->type));
	proc_kill(c, SIGKILL);
}

/* A worker's death, as the reason its file failed. */
static void
describe_status(int status, int timed_out, char *buf, size_t len)
{
	if (timed_out)
		(void)snprintf(buf, len, "timed out after %u s",
		    sup_opts->timeout);
	else if (WIFSIGNALED(status)) {
		switch (WTERMSIG(status)) {
		case SIGSYS:
			(void)snprintf(buf, len, "converter killed by SIGSYS "
			    "(sandbox violation)");
			break;
		case SIGXCPU:
			(void)snprintf(buf, len, "converter exceeded its CPU "
			    "limit of %llu s",
			    (unsigned long long)sup_opts->limits.cpu);
			break;
		case SIGXFSZ:
			(void)snprintf(buf, len, "converter exceeded the file "
			    "size limit of %llu bytes",
			    (unsigned long long)sup_opts->limits.fsize);
			break;
		default:
			if (sigabbrev_np(WTERMSIG(status)) != NULL)
				(void)snprintf(buf, len, "converter killed by "
				    "SIG%s", sigabbrev_np(WTERMSIG(status)));
			else
				(void)snprintf(buf, len, "converter killed by "
				    "signal %d", WTERMSIG(status));
		}
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 111)
		(void)snprintf(buf, len, "converter made a forbidden system "
		    "call (sandbox violation; see the log)");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		(void)snprintf(buf, len, "converter failed (out of memory or "
		    "memory limit of %llu MiB exceeded)",
		    (unsigned long long)(sup_opts->limits.mem >> 20));
	else if (WIFEXITED(status))
		(void)snprintf(buf, len, "converter exited with status %d",
		    WEXITSTATUS(status));
	else
		(void)snprintf(buf, len, "converter lost");
}

/* A worker died: the file it held fails with the reason; it is replaced. */
static void
worker_gone(struct child *c, int status, void *arg)
{
	struct worker	*w = arg;
	struct item	*it = w->item;
	char		 reason[160];

	(void)c;
	describe_status(status, w->timed_out, reason, sizeof(reason));
	evtimer_del(w->timer);
	event_free(w->timer);
	if (w->state == WORKER_IDLE)
		TAILQ_REMOVE(&idle, w, idle_entry);
	TAILQ_REMOVE(&workers, w, entry);
	nworkers--;
	free(w);
	/* Killed because kbd is stopping: the file is redone on resume. */
	if (sup_stopping_p())
		return;
	if (it != NULL)
		log_warnx("%s: %s", it->path, reason);
	worker_start();
	on_lost(it, reason);
}
