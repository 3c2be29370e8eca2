/*
 * The supervisor: the main process of a KB's kbd. It owns the control
 * socket, the job queue and the lives of its children, all on one libevent
 * loop. It reads the registry but never writes KB content: every mutation is
 * sent to the committer. This file is the process itself (start, signals,
 * stop) and the committer's life: its one state, its restarts, and the
 * messages that are not answers to requests (those are commitq.c's).
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "dbread.h"
#include "journal.h"
#include "kbd.h"
#include "kbpath.h"
#include "log.h"
#include "sockpath.h"
#include "supervisor.h"
#include "util.h"
#include "xmalloc.h"

struct event_base	*sup_base;
const struct kbd_opts	*sup_opts;

static int		 sup_stopping;
/* Starts of a committer that never reached READY before kbd gives up. */
#define COMMITTER_START_TRIES	5
/* A stopping kbd's children get 10 s (sup_shutdown), then its own exit. */
#define PIDLOCK_WAIT_MS		15000

static enum committer_state committer_state = COMMITTER_STARTING;
static int64_t		idle_since;	/* mono_ms; 0: busy at last check */
static struct child	*committer;
static unsigned		 committer_failures;
static struct timespec	 committer_started;
static struct event	*committer_restart_ev;

static void start_failed(int, const char *, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Before the daemon is ready its errors go to whoever is waiting for it. */
static void
start_failed(int readyfd, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (readyfd != -1) {
		(void)!write(readyfd, buf, strlen(buf));
		(void)!write(readyfd, "\n", 1);
	}
	fatalx("%s", buf);
}

/*
 * Whether a kbd accepts connections on the KB's control socket; an error
 * other than nobody there counts as yes, so that kbd fails at once.
 */
static int
holder_listens(void)
{
	char	path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int	fd;

	if ((fd = kb_sock_open(sup_opts->kbroot, path, sizeof(path))) == -1)
		return !kb_sock_absent(errno);
	close(fd);
	return 1;
}

/*
 * Take the KB's pid lock. A kbd that holds it but no longer listens is
 * shutting down (an idle exit, a stop): kbctl found nobody listening and
 * started us, so wait for the old one to exit rather than fail. One that
 * listens, or one that does not let go in time, is another kbd running.
 */
static void
lock_pidfile(int readyfd, const char *path)
{
	struct timespec	 nap = { 0, 50 * 1000 * 1000 };
	char		 buf[32];
	ssize_t		 n;
	int64_t		 until = mono_ms() + PIDLOCK_WAIT_MS;
	int		 fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		start_failed(readyfd, "%s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			start_failed(readyfd, "%s: %s", path, strerror(errno));
		if (mono_ms() < until && !holder_listens()) {
			(void)nanosleep(&nap, NULL);
			continue;
		}
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		start_failed(readyfd, "another kbd%s%s%s is already running "
		    "for %s", buf[0] ? " (pid " : "", buf, buf[0] ? ")" : "",
		    sup_opts->kbroot);
	}
	/* The lock fd stays open for the life of the process. */
	(void)snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf))
		log_warn("%s", path);
}

/*
 * A KB on read-only media (a shared export, an archive disc) is served
 * without a committer: nothing in it can change, so queries need no lock
 * and no recovery. Its pid file, log and socket go to the runtime
 * directory. A journal left active by a crash would need rolling back,
 * which only a writable KB allows: then refuse to start and say so.
 */
static void
start_readonly(int readyfd, char *log, size_t loglen, char *pid,
    size_t pidlen)
{
	int	n;

	if (kb_rundir_create() == -1 ||
	    kb_rundir_file(sup_opts->kbroot, "log", log, loglen) == -1 ||
	    kb_rundir_file(sup_opts->kbroot, "pid", pid, pidlen) == -1)
		start_failed(readyfd, "%s is on a read-only file system and "
		    "the runtime directory is unusable: %s", sup_opts->kbroot,
		    strerror(errno));
	if ((n = journal_count_active()) != 0)
		start_failed(readyfd, "%s is on a read-only file system and "
		    "has %s: mount it read-write once so that kbd can recover "
		    "it", sup_opts->kbroot, n > 0 ? "an unfinished change" :
		    "an unreadable journal directory");
	committer_state = COMMITTER_NONE;
}

static void
raise_nofile(void)
{
	struct rlimit	rl;

	/* Thousands of clients, each an fd: take what the hard limit allows. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	(void)arg;
	switch (sig) {
	case SIGCHLD:
		proc_reap();
		break;
	case SIGTERM:
	case SIGINT:
		sup_shutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	case SIGHUP:
		log_info("SIGHUP ignored");
		break;
	}
}

enum committer_state
sup_committer_state(void)
{
	return committer_state;
}

/* The committer, if it is ready for requests; else NULL. */
struct child *
sup_committer(void)
{
	return committer_state == COMMITTER_READY ? committer : NULL;
}

static void	committer_dispatch(struct child *, struct msg *, void *);
static void	committer_gone(struct child *, int, void *);

static void
start_committer(evutil_socket_t fd, short ev, void *arg)
{
	/* The default language travels on the command line (kbd.conf). */
	const char	*args[] = { sup_opts->kbroot, sup_opts->language,
	    NULL };

	(void)fd;
	(void)ev;
	(void)arg;
	if (sup_stopping)
		return;
	clock_gettime(CLOCK_MONOTONIC, &committer_started);
	committer = proc_spawn("committer", args, committer_dispatch,
	    committer_gone, NULL);
	/*
	 * A crash drill's fail point (KBD_FAILPOINT, test builds) is for the
	 * first committer only: a successor that inherited it would crash
	 * at the same point of its recovery on every restart. Drills of
	 * recovery itself start a kbd whose first committer recovers.
	 */
	(void)unsetenv("KBD_FAILPOINT");
}

/*
 * COMMITTER_READY: recovery is over. The first time, the registry can be
 * read and unfinished jobs resume; every time, requests waiting for a
 * committer go out.
 */
static void
committer_ready(struct msg *m)
{
	Kbd__CommitterReady	*r = (Kbd__CommitterReady *)m->pb;
	int			 first;

	if (r->rolled_back || r->finalized)
		log_info("recovery: %u journals rolled back, %u finalized",
		    r->rolled_back, r->finalized);
	/*
	 * The failure count is not reset here but by uptime (in
	 * committer_gone): a committer that dies right after READY, on
	 * every start, must be throttled too.
	 */
	first = committer_state == COMMITTER_STARTING;
	committer_state = COMMITTER_READY;
	if (first) {
		if (dbread_open(sup_opts->kbroot) == -1)
			fatalx("cannot open the registry");
		search_init(sup_opts->kbroot, control_search_reply);
		job_resume();
		watch_init();
	}
	commitq_send();
	job_pump();
	control_resume_waiting();
}

/* An answer to the oldest request sent. */
static void
committer_reply(struct msg *m)
{
	if (commitq_reply(m) == -1) {
		log_warnx("committer sent %s out of turn; killing it",
		    msg_type_name(m->type));
		proc_kill(committer, SIGKILL);
		return;
	}
	job_pump();
}

#define BEFORE_READY	((1u << COMMITTER_STARTING) | (1u << COMMITTER_DOWN))
#define ONCE_READY	(1u << COMMITTER_READY)

/* What the committer may send, in which of its states. */
static const struct {
	uint32_t	 type;
	unsigned	 states;
	void		(*handler)(struct msg *);
} committer_msgs[] = {
	{ MSG_COMMITTER_READY,	BEFORE_READY,	committer_ready },
	{ MSG_JOB_CREATE_REP,	ONCE_READY,	committer_reply },
	{ MSG_BATCH_REP,	ONCE_READY,	committer_reply },
	{ MSG_JOB_FINISH_REP,	ONCE_READY,	committer_reply },
	{ MSG_JOB_CANCEL_REP,	ONCE_READY,	committer_reply },
	{ MSG_C_REMOVE_REP,	ONCE_READY,	committer_reply },
	{ MSG_C_LINT_REP,	ONCE_READY,	committer_reply },
	{ MSG_C_ROOT_FORGET_REP, ONCE_READY,	committer_reply },
	{ MSG_C_ROOT_WATCH_REP,	ONCE_READY,	committer_reply },
	{ MSG_C_SUMMARY_REP,	ONCE_READY,	committer_reply },
};

/*
 * Anything else, or out of place, means a bug or a compromised committer:
 * it is killed, never trusted further, and restarted as after any death.
 */
static void
committer_dispatch(struct child *c, struct msg *m, void *arg)
{
	size_t	i;

	(void)arg;
	if (m == NULL) {
		/* Nothing more goes to it; it is restarted once reaped. */
		if (c == committer && committer_state == COMMITTER_READY)
			committer_state = COMMITTER_DOWN;
		return;
	}
	if (c == committer && m->nfds == 0)
		for (i = 0; i < sizeof(committer_msgs) /
		    sizeof(committer_msgs[0]); i++) {
			if (committer_msgs[i].type != m->type)
				continue;
			if ((committer_msgs[i].states &
			    (1u << committer_state)) == 0)
				break;
			committer_msgs[i].handler(m);
			return;
		}
	log_warnx("committer %ld: unexpected %s; killing it", (long)c->pid,
	    msg_type_name(m->type));
	proc_kill(c, SIGKILL);
}

/*
 * A committer that dies is restarted, after a delay that doubles while it
 * keeps dying within seconds of starting (s6-supervise's throttle), so a
 * broken KB does not spin the machine.
 */
static void
committer_gone(struct child *c, int status, void *arg)
{
	struct timespec	now;
	struct timeval	tv;
	struct stat	st;
	unsigned	ms;

	(void)c;
	(void)status;
	(void)arg;
	committer = NULL;
	if (committer_state == COMMITTER_READY)
		committer_state = COMMITTER_DOWN;
	if (sup_stopping)
		return;
	/* A KB deleted under us: nothing to supervise any more. */
	if (stat(sup_opts->kbroot, &st) == -1 || stat(KB_STATE, &st) == -1) {
		log_warnx("%s is gone; stopping", sup_opts->kbroot);
		sup_shutdown("knowledge base removed");
		return;
	}
	commitq_committer_died();
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - committer_started.tv_sec > 10)
		committer_failures = 0;
	/*
	 * One that never once got as far as READY (a database it cannot
	 * open, a schema it does not know) will not on the next try either;
	 * clients wait for READY, so stop rather than keep them waiting.
	 */
	if (committer_state == COMMITTER_STARTING &&
	    committer_failures >= COMMITTER_START_TRIES) {
		log_warnx("the committer failed %u times without starting; "
		    "see the errors above", committer_failures + 1);
		control_fail_waiting("kbd stopped: its committer cannot "
		    "start (see " KB_LOGFILE ")");
		sup_shutdown("the committer cannot start");
		return;
	}
	ms = committer_failures == 0 ? 0 : 100u << (committer_failures > 6 ?
	    6 : committer_failures - 1);
	committer_failures++;
	log_warnx("committer gone; restarting in %u ms", ms);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(committer_restart_ev, &tv);
}

/*
 * Idle exit: a kbd with no client, no job and no watched root (watch.c)
 * for idle_exit seconds exits, so that a KB touched once does not keep its
 * processes for ever; the next kbctl starts it again. Checked on a timer rather than at each
 * event: the check is cheap, and exact timing does not matter.
 */
static void
idle_check(evutil_socket_t fd, short ev, void *arg)
{
	int64_t		 now, last;
	unsigned	 n;

	(void)fd;
	(void)ev;
	(void)arg;
	now = mono_ms();
	n = control_clients(&last);
	if (n > 0 || job_running() != NULL || watch_count() > 0 ||
	    summarize_busy() || committer_state == COMMITTER_STARTING) {
		idle_since = 0;
		return;
	}
	if (idle_since == 0 || last > idle_since)
		idle_since = last > 0 ? last : now;
	if (now - idle_since >= (int64_t)sup_opts->idle_exit * 1000)
		sup_shutdown("idle");
}

static void
idle_init(void)
{
	struct timeval	tv;
	struct event	*ev;

	if (sup_opts->idle_exit == 0)
		return;
	/* A tenth of the time, between 1 s and 30 s. */
	tv.tv_sec = sup_opts->idle_exit / 10;
	tv.tv_sec = tv.tv_sec < 1 ? 1 : tv.tv_sec > 30 ? 30 : tv.tv_sec;
	tv.tv_usec = 0;
	idle_since = mono_ms();
	ev = event_new(sup_base, -1, EV_PERSIST, idle_check, NULL);
	if (ev == NULL || event_add(ev, &tv) == -1)
		fatalx("idle timer");
}

int
sup_stopping_p(void)
{
	return sup_stopping;
}

/* While stopping, the loop ends once the last child is gone. */
static void
children_gone(void)
{
	if (sup_stopping)
		event_base_loopbreak(sup_base);
}

static void
exit_now(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	log_warnx("children did not exit in time; killing them");
	proc_kill_all(SIGKILL);
	event_base_loopbreak(sup_base);
}

void
sup_shutdown(const char *why)
{
	struct timeval	tv = { 10, 0 };

	if (sup_stopping)
		return;
	sup_stopping = 1;
	log_info("shutting down (%s)", why);
	http_cleanup();
	control_cleanup();
	summarize_stop();
	/*
	 * The committer finishes the operation it is in and exits on EOF (a
	 * signal could cut a batch); workers hold nothing that matters. A
	 * running job stays "running" in the registry and resumes at the
	 * next start.
	 */
	if (committer != NULL)
		proc_eof(committer);
	pool_stop();
	if (!proc_any())
		event_base_loopbreak(sup_base);
	else
		event_base_once(sup_base, -1, EV_TIMEOUT, exit_now, NULL, &tv);
}

void
supervisor_main(const struct kbd_opts *o, int readyfd)
{
	static const int signums[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct event	*ev;
	size_t		 i;
	char		 logpath[PATH_MAX], pidpath[PATH_MAX];
	int		 logfd;

	sup_opts = o;
	if (chdir(o->kbroot) == -1)
		start_failed(readyfd, "%s: %s", o->kbroot, strerror(errno));
	umask(022);
	(void)snprintf(logpath, sizeof(logpath), "%s", KB_LOGFILE);
	(void)snprintf(pidpath, sizeof(pidpath), "%s", KB_PIDFILE);
	if (kb_readonly_fs(KB_STATE))
		start_readonly(readyfd, logpath, sizeof(logpath), pidpath,
		    sizeof(pidpath));
	logfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600);
	log_init("kbd", logfd, o->foreground, o->verbose);
	lock_pidfile(readyfd, pidpath);
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);

	if ((sup_base = event_base_new()) == NULL)
		start_failed(readyfd, "event_base_new failed");
	/* Signals are events of the loop: nothing runs in a handler. */
	for (i = 0; i < sizeof(signums) / sizeof(signums[0]); i++) {
		ev = evsignal_new(sup_base, signums[i], on_signal, NULL);
		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			start_failed(readyfd, "signal setup failed");
	}
	committer_restart_ev = evtimer_new(sup_base, start_committer, NULL);
	proc_init(sup_base, children_gone, o->kbroot);
	job_init();

	listen_init(o->kbroot);
	if (committer_state == COMMITTER_NONE) {
		if (dbread_open_immutable(o->kbroot) == -1)
			start_failed(readyfd, "%s/" KB_DB ": cannot open the "
			    "registry read-only (see %s)", o->kbroot, logpath);
		search_init(o->kbroot, control_search_reply);
		log_info("kbd %d started for %s on a read-only file system: "
		    "queries only", (int)getpid(), o->kbroot);
	} else {
		start_committer(-1, 0, NULL);
		log_info("kbd %d started for %s, %u workers", (int)getpid(),
		    o->kbroot, o->jobs);
	}
	if (o->listen != NULL) {
		char	err[512];

		if (http_init(o->listen, o->kbroot, err, sizeof(err)) == -1)
			start_failed(readyfd, "%s", err);
	}
	idle_init();
	if (readyfd != -1) {
		(void)!write(readyfd, "ok\n", 3);
		close(readyfd);
	}

	event_base_dispatch(sup_base);

	search_shutdown();
	regdir_free();
	dbread_close();
	log_info("kbd %d exiting", (int)getpid());
	exit(0);
}
