/*
 * The supervisor's children: spawning (re-exec of our own binary in a
 * hidden mode, channel on fd 3, everything else closed, as OpenSMTPD's
 * start_child), their channels on the event loop, and reaping. A child is
 * released only once it is both reaped and its channel closed (tmux job.c),
 * so neither a late message nor a late SIGCHLD finds freed memory.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kbd.h"
#include "log.h"
#include "supervisor.h"
#include "xmalloc.h"

struct childlist	 proc_children = TAILQ_HEAD_INITIALIZER(proc_children);
struct child		*proc_committer;

/*
 * The child whose messages proc_read is dispatching. A dispatch can close
 * that very child (a send to it fails); freeing it then would pull it from
 * under the read loop, so its release waits until the loop is done.
 */
static struct child	*proc_reading;

static void	proc_read(evutil_socket_t, short, void *);
static void	proc_write(evutil_socket_t, short, void *);

static const char *
role_name(enum child_role role)
{
	return role == ROLE_WORKER ? "worker" : "committer";
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

struct child *
proc_spawn(enum child_role role)
{
	struct child	*c;
	char		 mem[24], cpu[24], fsz[24];
	char		*argv[8];
	int		 sp[2], sz = MSG_SOCKBUF;
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	(void)setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	(void)setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));

	argv[0] = (char *)"kbd";
	argv[1] = (char *)"-X";
	argv[2] = (char *)role_name(role);
	if (role == ROLE_WORKER) {
		(void)snprintf(mem, sizeof(mem), "%llu",
		    (unsigned long long)sup_opts->limits.mem);
		(void)snprintf(cpu, sizeof(cpu), "%llu",
		    (unsigned long long)sup_opts->limits.cpu);
		(void)snprintf(fsz, sizeof(fsz), "%llu",
		    (unsigned long long)sup_opts->limits.fsize);
		argv[3] = mem;
		argv[4] = cpu;
		argv[5] = fsz;
		argv[6] = NULL;
	} else {
		argv[3] = (char *)sup_opts->kbroot;
		argv[4] = NULL;
	}

	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		if (sp[1] == KBD_CHAN_FD) {
			if (fcntl(sp[1], F_SETFD, 0) == -1)
				_exit(127);
		} else if (dup2(sp[1], KBD_CHAN_FD) == -1)
			_exit(127);
		closefrom(KBD_CHAN_FD + 1);
		signal(SIGPIPE, SIG_DFL);
		execv(self_exe(), argv);
		_exit(127);
	default:
		break;
	}
	close(sp[1]);

	c = xcalloc(1, sizeof(*c));
	c->role = role;
	c->pid = pid;
	clock_gettime(CLOCK_MONOTONIC, &c->started);
	(void)fcntl(sp[0], F_SETFL, O_NONBLOCK);
	chan_init(&c->chan, sp[0], 0, MSG_MAX_INTERNAL);
	c->rev = event_new(sup_base, sp[0], EV_READ | EV_PERSIST, proc_read, c);
	c->wev = event_new(sup_base, sp[0], EV_WRITE, proc_write, c);
	if (c->rev == NULL || c->wev == NULL || event_add(c->rev, NULL) == -1)
		fatalx("event setup for %s", role_name(role));
	TAILQ_INSERT_TAIL(&proc_children, c, entry);
	log_debug("started %s %ld", role_name(role), (long)pid);
	return c;
}

int
proc_count(enum child_role role)
{
	struct child	*c;
	int		 n = 0;

	TAILQ_FOREACH(c, &proc_children, entry)
		if (c->role == role)
			n++;
	return n;
}

void
proc_kill_all(int sig)
{
	struct child	*c;

	TAILQ_FOREACH(c, &proc_children, entry) {
		/* cppcheck-suppress uninitvar */
		if (c->reaped)
			continue;
		/* The committer stops cleanly on EOF; a signal could cut a batch. */
		if (c->role == ROLE_COMMITTER && sig != SIGKILL) {
			if (!c->closed)
				shutdown(c->chan.fd, SHUT_WR);
			continue;
		}
		(void)kill(c->pid, sig);
	}
}

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

/* Both halves of a child's death have been seen: forget it. */
static void
proc_release(struct child *c)
{
	char	reason[160];

	if (!c->reaped || !c->closed || c == proc_reading)
		return;
	TAILQ_REMOVE(&proc_children, c, entry);
	describe_status(c->status, c->timed_out, reason, sizeof(reason));
	if (c->role == ROLE_WORKER)
		job_worker_died(c, reason);
	if (c->timer != NULL)
		event_free(c->timer);
	event_free(c->rev);
	event_free(c->wev);
	chan_clear(&c->chan);
	close(c->chan.fd);
	if (c->role == ROLE_COMMITTER && c == proc_committer) {
		free(c);
		sup_committer_gone();
		return;
	}
	free(c);
	sup_child_released();
}

static void
proc_closed(struct child *c)
{
	if (c->closed)
		return;
	c->closed = 1;
	event_del(c->rev);
	event_del(c->wev);
	if (c->role == ROLE_COMMITTER && c == proc_committer)
		sup_committer_ready = 0;
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
		TAILQ_FOREACH(c, &proc_children, entry)
			/* cppcheck-suppress nullPointerRedundantCheck */
			if (c->pid == pid)
				break;
		if (c == NULL)
			continue;
		c->reaped = 1;
		c->status = status;
		if ((WIFSIGNALED(status) && !(sup_stopping_p() &&
		    WTERMSIG(status) == SIGTERM)) || (WIFEXITED(status) &&
		    WEXITSTATUS(status) != 0))
			log_warnx("%s %ld %s %d", role_name(c->role), (long)pid,
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
		fatal("compose %s for %s", msg_type_name(type),
		    role_name(c->role));
	proc_write(c->chan.fd, EV_WRITE, c);
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
		log_warn("%s %ld: write", role_name(c->role), (long)c->pid);
		(void)kill(c->pid, SIGKILL);
		proc_closed(c);
	}
}

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
			log_warnx("%s %ld: %s", role_name(c->role), (long)c->pid,
			    errno == EPROTO ? c->chan.error : strerror(errno));
			(void)kill(c->pid, SIGKILL);
			proc_closed(c);
			break;
		}
		if (m.type == MSG_LOG) {
			Kbd__LogMsg *lm = (Kbd__LogMsg *)m.pb;

			log_child(lm->level, role_name(c->role), (long)c->pid,
			    lm->text);
		} else if (c->role == ROLE_WORKER)
			proc_dispatch_worker(c, &m);
		else
			proc_dispatch_committer(c, &m);
		msg_free(&m);
	}
	proc_reading = saved;
	proc_release(c);	/* if it is both closed and reaped by now */
}

/*
 * Unknown or out-of-place messages from internal peers mean a bug or a
 * compromised child: the peer is killed, never trusted further.
 */
void
proc_dispatch_worker(struct child *c, struct msg *m)
{
	switch (m->type) {
	case MSG_PREPARE_REP:
	case MSG_CONVERT_REP:
		if (c->item == NULL || m->nfds != 0)
			goto bad;
		job_worker_reply(c, m);
		return;
	default:
		break;
	}
bad:
	log_warnx("worker %ld: unexpected %s; killing it", (long)c->pid,
	    msg_type_name(m->type));
	(void)kill(c->pid, SIGKILL);
}

void
proc_dispatch_committer(struct child *c, struct msg *m)
{
	if (c != proc_committer || m->nfds != 0)
		goto bad;
	switch (m->type) {
	case MSG_COMMITTER_READY: {
		Kbd__CommitterReady *r = (Kbd__CommitterReady *)m->pb;

		if (r->rolled_back || r->finalized)
			log_info("recovery: %u journals rolled back, %u "
			    "finalized", r->rolled_back, r->finalized);
		sup_committer_up();
		return;
	}
	case MSG_JOB_CREATE_REP:
	case MSG_BATCH_REP:
	case MSG_JOB_FINISH_REP:
	case MSG_JOB_CANCEL_REP:
	case MSG_C_REMOVE_REP:
	case MSG_C_LINT_REP:
		if (!sup_committer_ready)
			goto bad;
		job_committer_msg(m);
		return;
	default:
		break;
	}
bad:
	log_warnx("committer %ld: unexpected %s; killing it", (long)c->pid,
	    msg_type_name(m->type));
	(void)kill(c->pid, SIGKILL);
}
