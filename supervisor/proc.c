/*
 * The supervisor's children, whatever their role: spawning (re-exec of our
 * own binary in a hidden mode, channel on fd 3, everything else closed, as
 * OpenSMTPD's start_child), their channels on the event loop, and reaping.
 * Like tmux's proc.c and job.c it knows no peer's messages: each child has
 * the dispatch and gone callbacks its owner gave proc_spawn. A child is
 * released only once it is both reaped and its channel closed (tmux job.c),
 * so neither a late message nor a late SIGCHLD finds freed memory.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbd.h"
#include "log.h"
#include "supervisor.h"
#include "xmalloc.h"

static struct childlist	 children = TAILQ_HEAD_INITIALIZER(children);
static char		 title_kb[PATH_MAX];	/* the KB, for titles */
static struct event_base *base;
static void		(*all_gone)(void);

/*
 * The child whose messages proc_read is dispatching. A dispatch can close
 * that very child (a send to it fails); freeing it then would pull it from
 * under the read loop, so its release waits until the loop is done.
 */
static struct child	*proc_reading;

static void	proc_read(evutil_socket_t, short, void *);
static void	proc_write(evutil_socket_t, short, void *);

void
proc_init(struct event_base *b, void (*empty)(void), const char *kbroot)
{
	const char	*home;
	size_t		 n;

	base = b;
	all_gone = empty;
	/* Titles name the KB as people write it: ~/notes. */
	home = getenv("HOME");
	n = home != NULL ? strlen(home) : 0;
	if (n > 1 && strncmp(kbroot, home, n) == 0 &&
	    (kbroot[n] == '/' || kbroot[n] == '\0'))
		(void)snprintf(title_kb, sizeof(title_kb), "~%s", kbroot + n);
	else
		(void)snprintf(title_kb, sizeof(title_kb), "%s", kbroot);
}

/* The path of our own binary, for re-exec. */
static const char *
self_exe(void)
{
	static char	path[PATH_MAX];
	ssize_t		n;

	if (path[0] == '\0') {
		if ((n = readlink("/proc/self/exe", path, sizeof(path) - 1)) <= 0)
			fatal("readlink /proc/self/exe");
		path[n] = '\0';
	}
	return path;
}

/*
 * KBD_COMMITTER_WRAP: a command the committer runs under, words split at
 * blanks (no quoting), for measuring it: `make bench` counts its
 * instructions with `valgrind --tool=callgrind`, which this VM's noise
 * and its lack of hardware counters leave as the one stable measure
 * (docs/architecture.md, scale notes). Read before the fork: the child
 * of a process with threads (the searches') may not allocate. The
 * wrapper gets our binary and the role's arguments; the process title
 * is lost, nothing else.
 */
#define WRAP_WORDS	12

static size_t
wrap_words(const char *role, char *buf, size_t size, char **w)
{
	const char	*e;
	char		*p, *last;
	size_t		 n = 0;

	if (strcmp(role, "committer") != 0 ||
	    (e = getenv("KBD_COMMITTER_WRAP")) == NULL || *e == '\0')
		return 0;
	if (strlen(e) >= size)
		fatalx("KBD_COMMITTER_WRAP: longer than %zu bytes", size - 1);
	memcpy(buf, e, strlen(e) + 1);
	for (p = strtok_r(buf, " \t", &last); p != NULL;
	    p = strtok_r(NULL, " \t", &last)) {
		if (n == WRAP_WORDS)
			fatalx("KBD_COMMITTER_WRAP: more than %d words",
			    WRAP_WORDS);
		w[n++] = p;
	}
	return n;
}

struct child *
proc_spawn(const char *role, const char *const *args,
    proc_dispatch_cb dispatch, proc_gone_cb gone, void *arg)
{
	struct child	*c;
	char		*argv[8], title[PATH_MAX + 32];
	char		*wargv[WRAP_WORDS + 8], wbuf[1024];
	int		 sp[2], sz = MSG_SOCKBUF, sig, e;
	size_t		 i, nw;
	pid_t		 pid;
	sigset_t	 all, old;

	/* What ps shows: the role and the KB it serves, then the arguments. */
	(void)snprintf(title, sizeof(title), "kbd: %s [%s]", role, title_kb);
	argv[0] = title;
	argv[1] = (char *)"-X";
	argv[2] = (char *)role;
	for (i = 0; args[i] != NULL; i++) {
		if (i + 4 > sizeof(argv) / sizeof(argv[0]))
			fatalx("too many arguments for a %s", role);
		argv[i + 3] = (char *)args[i];
	}
	argv[i + 3] = NULL;
	if ((nw = wrap_words(role, wbuf, sizeof(wbuf), wargv)) > 0) {
		wargv[nw] = (char *)self_exe();
		for (i = 1; argv[i] != NULL; i++)
			wargv[nw + i] = argv[i];
		wargv[nw + i] = NULL;
	}

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	(void)setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	(void)setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));

	/*
	 * Until it execs, the child has the loop's signal handlers, which
	 * write to the loop's own socket: a SIGTERM sent then (kbd stopped
	 * just as it started its workers) would be taken for the
	 * supervisor's and lost, and the worker killed 10 s later. So
	 * signals wait, blocked, until the child has its defaults back.
	 */
	sigfillset(&all);
	if ((e = pthread_sigmask(SIG_SETMASK, &all, &old)) != 0)
		fatalx("pthread_sigmask: %s", strerror(e));
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		for (sig = 1; sig < NSIG; sig++)
			(void)signal(sig, SIG_DFL);
		(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (sp[1] == KBD_CHAN_FD) {
			if (fcntl(sp[1], F_SETFD, 0) == -1)
				_exit(127);
		} else if (dup2(sp[1], KBD_CHAN_FD) == -1)
			_exit(127);
		closefrom(KBD_CHAN_FD + 1);
		if (nw > 0)
			execvp(wargv[0], wargv);
		else
			execv(self_exe(), argv);
		_exit(127);
	default:
		break;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(sp[1]);

	c = xcalloc(1, sizeof(*c));
	c->role = role;
	c->pid = pid;
	c->dispatch = dispatch;
	c->gone = gone;
	c->arg = arg;
	(void)fcntl(sp[0], F_SETFL, O_NONBLOCK);
	chan_init(&c->chan, sp[0], 0, MSG_MAX_INTERNAL);
	c->rev = event_new(base, sp[0], EV_READ | EV_PERSIST, proc_read, c);
	c->wev = event_new(base, sp[0], EV_WRITE, proc_write, c);
	if (c->rev == NULL || c->wev == NULL || event_add(c->rev, NULL) == -1)
		fatalx("event setup for %s", role);
	TAILQ_INSERT_TAIL(&children, c, entry);
	log_debug("started %s %ld", role, (long)pid);
	return c;
}

int
proc_any(void)
{
	return !TAILQ_EMPTY(&children);
}

void
proc_kill(struct child *c, int sig)
{
	if (c->reaped)
		return;
	if (sig == SIGTERM)
		c->termed = 1;
	(void)kill(c->pid, sig);
}

void
proc_kill_all(int sig)
{
	struct child	*c;

	TAILQ_FOREACH(c, &children, entry) {
		/* Which child a forced stop cut off is worth a line. */
		if (sig == SIGKILL && !c->reaped)
			log_warnx("killing %s %ld", c->role, (long)c->pid);
		proc_kill(c, sig);
	}
}

/* EOF on its channel: a child that stops cleanly at EOF finishes first. */
void
proc_eof(struct child *c)
{
	if (!c->reaped && !c->closed)
		shutdown(c->chan.fd, SHUT_WR);
}

/* Both halves of a child's death have been seen: forget it. */
static void
proc_release(struct child *c)
{
	if (!c->reaped || !c->closed || c == proc_reading)
		return;
	TAILQ_REMOVE(&children, c, entry);
	event_free(c->rev);
	event_free(c->wev);
	chan_clear(&c->chan);
	close(c->chan.fd);
	c->gone(c, c->status, c->arg);
	free(c);
	if (TAILQ_EMPTY(&children) && all_gone != NULL)
		all_gone();
}

static void
proc_closed(struct child *c)
{
	if (c->closed)
		return;
	c->closed = 1;
	event_del(c->rev);
	event_del(c->wev);
	c->dispatch(c, NULL, c->arg);
	proc_release(c);
}

void
proc_reap(void)
{
	struct child	*c;
	pid_t		 pid;
	int		 status;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == 0)
			break;
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		TAILQ_FOREACH(c, &children, entry)
			/* cppcheck-suppress nullPointerRedundantCheck */
			if (c->pid == pid)
				break;
		if (c == NULL) {
			/* Not a kbd child: a summarizer command's. */
			(void)summarize_reaped(pid, status);
			continue;
		}
		c->reaped = 1;
		c->status = status;
		/* Dying of the SIGTERM we sent it is no news. */
		if ((WIFSIGNALED(status) && !(c->termed &&
		    WTERMSIG(status) == SIGTERM)) || (WIFEXITED(status) &&
		    WEXITSTATUS(status) != 0))
			log_warnx("%s %ld %s %d", c->role, (long)pid,
			    WIFSIGNALED(status) ? "killed by signal" :
			    "exited with status", WIFSIGNALED(status) ?
			    WTERMSIG(status) : WEXITSTATUS(status));
		/*
		 * Whatever it sent before dying is still queued on its socket:
		 * read it all, up to the EOF that closes the channel.
		 */
		if (c->closed)
			proc_release(c);
		else
			proc_read(c->chan.fd, EV_READ, c);
	}
}

void
proc_send(struct child *c, uint32_t type, const ProtobufCMessage *pb,
    const int *fds, int nfds)
{
	if (c->closed) {
		/* Its death is being handled; the fds are ours to close. */
		while (nfds-- > 0)
			close(fds[nfds]);
		return;
	}
	if (chan_compose(&c->chan, type, pb, fds, nfds) == -1)
		fatal("compose %s for %s", msg_type_name(type), c->role);
	proc_write(c->chan.fd, EV_WRITE, c);
}

/*
 * Queue a message without writing it: the next proc_send writes the run
 * queued with as few system calls as it takes (a batch's items).
 */
void
proc_queue(struct child *c, uint32_t type, const ProtobufCMessage *pb)
{
	if (c->closed)
		return;
	if (chan_compose(&c->chan, type, pb, NULL, 0) == -1)
		fatal("compose %s for %s", msg_type_name(type), c->role);
}

/* Write what the socket takes; a child we cannot write to is killed. */
static void
proc_write(evutil_socket_t fd, short ev, void *arg)
{
	struct child	*c = arg;

	(void)fd;
	(void)ev;
	switch (chan_flush(&c->chan)) {
	case 0:
		break;
	case 1:
		event_add(c->wev, NULL);
		break;
	default:
		log_warn("%s %ld: write", c->role, (long)c->pid);
		proc_kill(c, SIGKILL);
		proc_closed(c);
	}
}

/*
 * Every message but LOG goes to the child's owner. Unknown or out-of-place
 * messages from internal peers mean a bug or a compromised child: the owner
 * kills the peer (proc_kill), never trusts it further, and it is handled
 * as a death.
 */
static void
proc_read(evutil_socket_t fd, short ev, void *arg)
{
	struct child	*c = arg, *saved = proc_reading;
	struct msg	 m;
	int		 r;

	(void)fd;
	(void)ev;
	proc_reading = c;
	while (!c->closed) {
		r = chan_recv(&c->chan, &m, MSG_DONTWAIT);
		if (r == 0) {
			proc_closed(c);
			break;
		}
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* A malformed message from our own child: kill it. */
			log_warnx("%s %ld: %s", c->role, (long)c->pid,
			    errno == EPROTO ? c->chan.error : strerror(errno));
			proc_kill(c, SIGKILL);
			proc_closed(c);
			break;
		}
		if (m.type == MSG_LOG) {
			Kbd__LogMsg *lm = (Kbd__LogMsg *)m.pb;

			log_child(lm->level, c->role, (long)c->pid, lm->text);
		} else
			c->dispatch(c, &m, c->arg);
		msg_free(&m);
	}
	proc_reading = saved;
	proc_release(c);	/* if it is both closed and reaped by now */
}
