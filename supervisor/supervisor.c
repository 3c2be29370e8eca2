/*
 * The supervisor: the main process of a KB's kbd. It owns the control
 * socket, the job queue and the lives of its children, all on one libevent
 * loop. It reads the registry but never writes KB content: every mutation is
 * sent to the committer.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "kbd.h"
#include "kbpath.h"
#include "log.h"
#include "supervisor.h"
#include "xmalloc.h"

struct event_base	*sup_base;
const struct kbd_opts	*sup_opts;
int			 sup_committer_ready;

static int		 sup_stopping;
/* Starts of a committer that never reached READY before kbd gives up. */
#define COMMITTER_START_TRIES	5

static unsigned		 committer_failures;
static int		 committer_ever_ready;
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

static void
lock_pidfile(int readyfd)
{
	char	buf[32];
	ssize_t	n;
	int	fd;

	if ((fd = open(KB_PIDFILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		start_failed(readyfd, "%s/" KB_PIDFILE ": %s", sup_opts->kbroot,
		    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			start_failed(readyfd, "%s/" KB_PIDFILE ": %s",
			    sup_opts->kbroot, strerror(errno));
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
		log_warn(KB_PIDFILE);
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

static void
start_committer(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (sup_stopping)
		return;
	clock_gettime(CLOCK_MONOTONIC, &committer_started);
	proc_committer = proc_spawn(ROLE_COMMITTER);
	/*
	 * A crash drill's fail point (KBD_FAILPOINT, test builds) is for the
	 * first committer only: a successor that inherited it would crash
	 * at the same point of its recovery on every restart. Drills of
	 * recovery itself start a kbd whose first committer recovers.
	 */
	(void)unsetenv("KBD_FAILPOINT");
}

void
sup_committer_up(void)
{
	static int	opened;

	if (!opened) {
		if (query_open(sup_opts->kbroot) == -1)
			fatalx("cannot open the registry");
		opened = 1;
	}
	/*
	 * The failure count is not reset here but by uptime (in
	 * sup_committer_gone): a committer that dies right after READY, on
	 * every start, must be throttled too.
	 */
	sup_committer_ready = 1;
	committer_ever_ready = 1;
	job_committer_ready();
	control_resume_waiting();
}

/*
 * A committer that dies is restarted, after a delay that doubles while it
 * keeps dying within seconds of starting (s6-supervise's throttle), so a
 * broken KB does not spin the machine.
 */
void
sup_committer_gone(void)
{
	struct timespec	now;
	struct timeval	tv;
	struct stat	st;
	unsigned	ms;

	proc_committer = NULL;
	sup_committer_ready = 0;
	if (sup_stopping) {
		sup_child_released();
		return;
	}
	/* A KB deleted under us: nothing to supervise any more. */
	if (stat(sup_opts->kbroot, &st) == -1 || stat(KB_STATE, &st) == -1) {
		log_warnx("%s is gone; stopping", sup_opts->kbroot);
		sup_shutdown("knowledge base removed");
		return;
	}
	job_committer_died();
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - committer_started.tv_sec > 10)
		committer_failures = 0;
	/*
	 * One that never once got as far as READY (a database it cannot
	 * open, a schema it does not know) will not on the next try either;
	 * clients wait for READY, so stop rather than keep them waiting.
	 */
	if (!committer_ever_ready && committer_failures >= COMMITTER_START_TRIES) {
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

int
sup_stopping_p(void)
{
	return sup_stopping;
}

/* While stopping, the loop ends once the last child is gone. */
void
sup_child_released(void)
{
	if (sup_stopping && TAILQ_EMPTY(&proc_children))
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
	control_cleanup();
	/*
	 * The committer finishes the operation it is in and exits on EOF;
	 * workers hold nothing that matters. A running job stays "running" in
	 * the registry and resumes at the next start.
	 */
	proc_kill_all(SIGTERM);
	if (TAILQ_EMPTY(&proc_children))
		event_base_loopbreak(sup_base);
	else
		event_base_once(sup_base, -1, EV_TIMEOUT, exit_now, NULL, &tv);
}

void
supervisor_main(const struct kbd_opts *o, int readyfd)
{
	struct event	*sigs[5];
	static const int signums[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	int		 logfd, i;

	sup_opts = o;
	if (chdir(o->kbroot) == -1)
		start_failed(readyfd, "%s: %s", o->kbroot, strerror(errno));
	umask(022);
	logfd = open(KB_LOGFILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600);
	log_init("kbd", logfd, o->foreground, o->verbose);
	lock_pidfile(readyfd);
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);

	if ((sup_base = event_base_new()) == NULL)
		start_failed(readyfd, "event_base_new failed");
	for (i = 0; i < 4; i++) {
		sigs[i] = evsignal_new(sup_base, signums[i], on_signal, NULL);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1)
			start_failed(readyfd, "signal setup failed");
	}
	committer_restart_ev = evtimer_new(sup_base, start_committer, NULL);

	control_init(o->kbroot);
	start_committer(-1, 0, NULL);

	log_info("kbd %d started for %s, %u workers", (int)getpid(),
	    o->kbroot, o->jobs);
	if (readyfd != -1) {
		(void)!write(readyfd, "ok\n", 3);
		close(readyfd);
	}

	event_base_dispatch(sup_base);

	query_close();
	log_info("kbd %d exiting", (int)getpid());
	exit(0);
}
