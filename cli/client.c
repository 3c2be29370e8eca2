/*
 * kbctl's connection to a KB's kbd: the socket kb_sockpath() names (or
 * the runtime directory's, where the KB's file system refuses sockets), a
 * check that the peer is our own user, the version handshake, and
 * blocking message I/O over the chan API (one request at a time, so a
 * poll per wait is all the event loop kbctl needs).
 *
 * When nobody listens, kbctl starts kbd as tmux starts its server: under
 * an exclusive flock on .kb/start.lock it tries once more (another kbctl
 * may have won the race) and only then runs `kbd -C KB`, whose first
 * process exits once the daemon listens. Many kbctl at once start one kbd.
 *
 * A follower (add, wait) outlives its kbd: the conn_try* calls report a
 * lost connection instead of ending kbctl, and conn_reopen connects again,
 * starting a new kbd once the old one is gone, or says "not now".
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kbctl.h"
#include "kbpath.h"
#include "sockpath.h"
#include "util.h"

/* How long stop waits for the socket, then for the process, to go. */
#define STOP_SOCKET_MS	10000
#define STOP_PROCESS_MS	15000

/* kb_sock_open, or die when no socket path fits. */
static int
kb_connect(const char *root, char *path, size_t len)
{
	int	fd;

	if ((fd = kb_sock_open(root, path, len)) == -1 &&
	    errno == ENAMETOOLONG)
		die_errno("socket path for %s", root);
	return fd;
}

/* The peer must be our own user; its pid is kbd's supervisor. */
static pid_t
peer_pid(int fd, const char *path)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		die_errno("%s: peer credentials", path);
	if (cred.uid != getuid())
		die("%s: served by uid %ld, not ours (%ld); refusing", path,
		    (long)cred.uid, (long)getuid());
	return cred.pid;
}

/* $KBD, else kbd next to this kbctl, else kbd from $PATH. */
static const char *
kbd_program(char *buf, size_t len)
{
	const char	*env;
	char		 self[PATH_MAX], *slash;
	struct stat	 st;
	ssize_t		 n;

	if ((env = getenv("KBD")) != NULL && env[0] != '\0')
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(buf, len, "%s/kbd", self) < len &&
			    stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(buf, X_OK) == 0)
				return buf;
		}
	}
	return "kbd";
}

/*
 * Run `kbd -C root` and wait for it: it exits 0 once its daemon listens,
 * or non-zero after saying why on our stderr. With soft, a kbd that did
 * not start is -1 (the caller tries again later) rather than the end.
 */
static int
kbd_start(const char *root, int soft)
{
	char		 buf[PATH_MAX + 8];
	const char	*prog;
	char		*argv[4];
	pid_t		 pid;
	int		 status, fd;

	prog = kbd_program(buf, sizeof(buf));
	argv[0] = (char *)prog;
	argv[1] = (char *)"-C";
	argv[2] = (char *)root;
	argv[3] = NULL;
	(void)fflush(stdout);
	(void)fflush(stderr);
	switch ((pid = fork())) {
	case -1:
		die_errno("fork");
	case 0:
		/* kbd prints nothing for stdout; keep our stdout for data. */
		if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) != -1) {
			(void)dup2(fd, STDIN_FILENO);
			close(fd);
		}
		(void)dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(prog, argv);
		fprintf(stderr, "kbctl: cannot run %s: %s\n", prog,
		    strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			die_errno("waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (soft)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		die("could not start kbd");
	if (WIFSIGNALED(status))
		die("could not start kbd: %s killed by signal %d", prog,
		    WTERMSIG(status));
	die("could not start kbd for %s", root);
}

static int
start_lock(const char *root)
{
	char	path[PATH_MAX + 32];
	int	fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/" KB_START_LOCK, root) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		die_errno("%s/" KB_START_LOCK, root);
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	/* Read-only media: kbd's files are in the runtime directory. */
	if (fd == -1 && errno == EROFS && kb_rundir_create() == 0 &&
	    kb_rundir_file(root, "start.lock", path, sizeof(path)) == 0)
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		die_errno("%s", path);
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR)
			die_errno("flock %s", path);
	return fd;
}

/* Print kbd's error message and exit. */
static void __attribute__((noreturn))
die_kbd_error(const struct msg *m)
{
	const Kbd__ErrorMsg	*e = (const Kbd__ErrorMsg *)m->pb;

	(void)fflush(stdout);
	fputs("kbctl: ", stderr);
	text_put(stderr, e->message[0] != '\0' ? e->message : "kbd error", 0);
	fputc('\n', stderr);
	exit(EXIT_FAIL);
}

/*
 * The connection broke. kbd may have said why before it closed (a request
 * it refused): show that rather than the bare fact, when it is there.
 */
static void __attribute__((noreturn))
lost_connection(struct conn *c)
{
	struct msg	m;

	while (chan_read(&c->chan) > 0)
		;
	while (chan_get(&c->chan, &m) == 1) {
		if (m.type == MSG_ERROR)
			die_kbd_error(&m);
		msg_free(&m);
	}
	die("lost connection to kbd");
}

const struct conn_wait	*conn_wait;

/*
 * Wait until the connection is ready. Meanwhile the command's waiter (a
 * follower's signals and redraws) runs whenever its fd is readable, its
 * timeout passes or a signal interrupts poll. What it does may itself talk
 * to kbd on another connection (a cancel), and that wait runs it once more,
 * so that a second Ctrl-C still detaches at once; no deeper.
 */
static void
wait_fd(struct conn *c, short events)
{
	static int		 waking;
	const struct conn_wait	*w;
	struct pollfd		 pfd[2];
	nfds_t			 n;
	int			 r;

	for (;;) {
		w = waking < 2 ? conn_wait : NULL;
		pfd[0].fd = c->fd;
		pfd[0].events = events;
		pfd[0].revents = 0;
		n = 1;
		if (w != NULL && w->fd != -1) {
			pfd[1].fd = w->fd;
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			n = 2;
		}
		r = poll(pfd, n, w != NULL && w->timeout != NULL ?
		    w->timeout() : -1);
		if (r == -1 && errno != EINTR)
			die_errno("poll");
		if (r > 0 && pfd[0].revents != 0)
			return;
		if (w != NULL && w->wake != NULL) {
			waking++;
			w->wake();
			waking--;
		}
	}
}

/* The next message; -1 when the connection is lost (EOF, reset). */
static int	handshake_recv(struct conn *);

static int
recv_any(struct conn *c, struct msg *m, int handshake)
{
	struct msg_hdr	hdr;
	ssize_t		n;
	int		r;

	if (c->hello_due) {
		c->hello_due = 0;
		if (handshake_recv(c) == -1)
			return -1;
	}
	for (;;) {
		if ((r = chan_get(&c->chan, m)) == 1)
			return 0;
		if (r == -1) {
			memcpy(&hdr, c->chan.ibuf, MSG_HDR_LEN);
			if (handshake && hdr.version != KBD_PROTO_VERSION)
				die("kbd (pid %ld) speaks protocol version %u, "
				    "this kbctl %u: use matching kbd and kbctl "
				    "(to stop that kbd: kill %ld)",
				    (long)c->pid, hdr.version,
				    KBD_PROTO_VERSION, (long)c->pid);
			die("bad message from kbd: %s", c->chan.error);
		}
		wait_fd(c, POLLIN);
		if ((n = chan_read(&c->chan)) == 0)
			return -1;
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				return -1;
			die_errno("read from kbd");
		}
	}
}

/* The next message from kbd; an error from kbd ends kbctl with it. */
void
conn_recv(struct conn *c, struct msg *m)
{
	if (conn_tryrecv(c, m) == -1)
		lost_connection(c);
}

/* As conn_recv, but a lost connection is -1 for the caller to handle. */
int
conn_tryrecv(struct conn *c, struct msg *m)
{
	if (recv_any(c, m, 0) == -1)
		return -1;
	if (m->type == MSG_ERROR)
		die_kbd_error(m);
	return 0;
}

/*
 * As conn_tryrecv, but kbd's error comes back as a message (MSG_ERROR)
 * for a caller that must go on after it (kbctl mcp).
 */
int
conn_tryrecv_any(struct conn *c, struct msg *m)
{
	return recv_any(c, m, 0);
}

/*
 * One request and its one reply, of type expect, on a connection of its
 * own (kbd started if need be): what a one-shot query command does.
 */
void
kb_ask(uint32_t type, const ProtobufCMessage *req, struct msg *m,
    uint32_t expect)
{
	struct conn	c;

	conn_open(&c, kb_root(), 1);
	conn_send(&c, type, req);
	conn_expect(&c, m, expect);
	conn_close(&c);
}

void
conn_unexpected(const struct msg *m)
{
	die("unexpected %s message from kbd", msg_type_name(m->type));
}

void
conn_expect(struct conn *c, struct msg *m, uint32_t type)
{
	conn_recv(c, m);
	if (m->type != type)
		conn_unexpected(m);
}

void
conn_send(struct conn *c, uint32_t type, const ProtobufCMessage *pb)
{
	if (conn_trysend(c, type, pb) == -1)
		lost_connection(c);
}

/* As conn_send, but a lost connection is -1 for the caller to handle. */
int
conn_trysend(struct conn *c, uint32_t type, const ProtobufCMessage *pb)
{
	int	r;

	if (chan_compose(&c->chan, type, pb, NULL, 0) == -1) {
		if (errno == EMSGSIZE)
			die("request too large for one message (limit %u "
			    "bytes)", MSG_MAX_CLIENT);
		die_errno("%s", msg_type_name(type));
	}
	while ((r = chan_flush(&c->chan)) != 0) {
		if (r == -1) {
			if (errno == EPIPE || errno == ECONNRESET)
				return -1;
			die_errno("write to kbd");
		}
		wait_fd(c, POLLOUT);
	}
	return 0;
}

/* -1: the connection was lost before kbd answered. */
static int
handshake_send(struct conn *c)
{
	Kbd__Hello	 h = KBD__HELLO__INIT;

	h.version = KBD_PROTO_VERSION;
	h.pid = (uint32_t)getpid();
	return conn_trysend(c, MSG_HELLO, &h.base);
}

/* The handshake's answer; -1: the connection was lost before it. */
static int
handshake_recv(struct conn *c)
{
	Kbd__HelloRep	*rep;
	struct msg	 m;

	if (recv_any(c, &m, 1) == -1)
		return -1;
	if (m.type == MSG_ERROR)
		die_kbd_error(&m);
	if (m.type != MSG_HELLO_REP)
		conn_unexpected(&m);
	rep = (Kbd__HelloRep *)m.pb;
	if (rep->version != KBD_PROTO_VERSION)
		die("kbd (pid %u) speaks protocol version %u, this kbctl %u: "
		    "use matching kbd and kbctl", rep->pid, rep->version,
		    KBD_PROTO_VERSION);
	msg_free(&m);
	return 0;
}

static unsigned long long	proc_start(pid_t);

/* conn_connect's soft: 1, or this: the handshake answered with the reply. */
#define CONN_SOFT_PIPELINED	2

/*
 * Connect and shake hands. Where no kbd listens: -1 without autostart,
 * else start one. With soft, a kbd that will not start or a connection
 * lost during the handshake is -1 too, not the end of kbctl.
 */
static int
conn_connect(struct conn *c, const char *root, int autostart, int soft)
{
	int	fd, lockfd;

	memset(&c->chan, 0, sizeof(c->chan));
	c->fd = -1;
	c->hello_due = 0;
	if ((fd = kb_connect(root, c->path, sizeof(c->path))) == -1) {
		if (!kb_sock_absent(errno))
			die_errno("connect to %s", c->path);
		if (!autostart)
			return -1;
		lockfd = start_lock(root);
		if ((fd = kb_connect(root, c->path, sizeof(c->path))) == -1) {
			if (!kb_sock_absent(errno))
				die_errno("connect to %s", c->path);
			if (kbd_start(root, soft) == -1) {
				close(lockfd);
				return -1;
			}
			if ((fd = kb_connect(root, c->path,
			    sizeof(c->path))) == -1) {
				if (soft) {
					close(lockfd);
					return -1;
				}
				die_errno("kbd started, but connect to %s",
				    c->path);
			}
		}
		close(lockfd);
	}
	c->fd = fd;
	c->pid = peer_pid(fd, c->path);
	c->pid_start = proc_start(c->pid);
	chan_init(&c->chan, fd, 1, MSG_MAX_CLIENT);
	/*
	 * Where any failure ends kbctl, the answer is read with the first
	 * reply: the request follows the handshake at once, and a command
	 * waits for kbd once, not twice. kbd reads them in order and acts
	 * on none before the handshake (control.c); a kbd of another
	 * protocol refuses the first by its header. Among a fleet of
	 * agents on a busy machine each wait is a turn in the run queue:
	 * two of them were most of what `kbctl search` cost over `kbctl
	 * --help` at the p99. A cancel is sent the same way, so that it
	 * is in kbd's hands before kbctl waits: a second Ctrl-C that comes
	 * while it waits detaches, and the first one's cancel still
	 * reaches the job.
	 */
	if (!soft || soft == CONN_SOFT_PIPELINED) {
		if (handshake_send(c) == -1) {
			if (!soft)
				lost_connection(c);
			conn_close(c);
			return -1;
		}
		c->hello_due = 1;
		return 0;
	}
	if (handshake_send(c) == -1 || handshake_recv(c) == -1) {
		conn_close(c);
		return -1;
	}
	return 0;
}

/*
 * Connect to root's kbd and shake hands. Without autostart, returns -1
 * when no kbd is running; every other failure ends kbctl.
 */
int
conn_open(struct conn *c, const char *root, int autostart)
{
	memset(c, 0, sizeof(*c));
	return conn_connect(c, root, autostart, 0);
}

/*
 * Connect to a running kbd, without starting one: -1 when none runs. The
 * handshake's answer comes with the first reply: a connection lost before
 * it (kbd is stopping) is conn_tryrecv's -1.
 */
int
conn_tryopen(struct conn *c, const char *root)
{
	memset(c, 0, sizeof(*c));
	return conn_connect(c, root, 0, CONN_SOFT_PIPELINED);
}

/* Whether the kbd c was connected to still runs. */
static int
kbd_alive(const struct conn *c)
{
	if (c->pid <= 0)
		return 0;
	if (c->pid_start != 0)
		return proc_start(c->pid) == c->pid_start;
	return kill(c->pid, 0) == 0 || errno == EPERM;
}

/*
 * c's connection was lost: connect again, starting kbd if none runs, or
 * return -1 when that cannot be done now, for the caller to try again
 * later. A kbd that is stopping has stopped listening but still holds the
 * KB: until it has exited no other can start, so none is tried (it would
 * only say "another kbd is already running").
 */
int
conn_reopen(struct conn *c, const char *root)
{
	conn_close(c);
	return conn_connect(c, root, !kbd_alive(c), 1);
}

void
conn_close(struct conn *c)
{
	if (c->fd == -1)
		return;
	/* A connection is a handshake done (kbctl init waits for it). */
	if (c->hello_due) {
		c->hello_due = 0;
		(void)handshake_recv(c);
	}
	chan_clear(&c->chan);
	close(c->fd);
	c->fd = -1;
}

static void
nap(void)
{
	struct timespec	ts = { 0, 20 * 1000 * 1000 };

	(void)nanosleep(&ts, NULL);
}

/*
 * A process's start time (field 22 of /proc/PID/stat), so that a pid
 * reused by another process is not mistaken for kbd; 0 when the process
 * is gone or a zombie (it has exited: only its parent's wait is missing).
 */
static unsigned long long
proc_start(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 start = 0;
	ssize_t			 n;
	int			 fd, i;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip past it. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	p += 2;
	if (*p == 'Z' || *p == 'X' || *p == 'x')
		return 0;
	for (i = 3; i < 22 && p != NULL; i++)
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	if (p == NULL || sscanf(p, "%llu", &start) != 1)
		return 0;
	return start;
}

/*
 * After MSG_STOP_REP: wait until the socket stops accepting, then until
 * the process has exited, so that the next command sees kbd gone (and a
 * following kbctl starts a fresh one).
 */
void
conn_wait_gone(const char *path, pid_t pid)
{
	unsigned long long	 start = 0;
	long long		 t0 = mono_ms();
	int			 fd, procfs;

	procfs = access("/proc/self/stat", R_OK) == 0;
	if (pid > 0 && procfs)
		start = proc_start(pid);
	for (;;) {
		if ((fd = kb_sock_connect(path)) == -1) {
			if (!kb_sock_absent(errno))
				die_errno("connect to %s", path);
			break;
		}
		/* Someone already started a new kbd: ours is gone. */
		if (pid > 0 && peer_pid(fd, path) != pid) {
			close(fd);
			break;
		}
		close(fd);
		if (mono_ms() - t0 > STOP_SOCKET_MS)
			die("kbd still accepting connections %d seconds after "
			    "stop", STOP_SOCKET_MS / 1000);
		nap();
	}
	if (pid <= 0 || (procfs && start == 0))
		return;
	for (;;) {
		if (procfs) {
			if (proc_start(pid) != start)
				return;
		} else if (kill(pid, 0) == -1 && errno == ESRCH)
			return;
		if (mono_ms() - t0 > STOP_PROCESS_MS)
			die("kbd (pid %ld) still running %d seconds after stop",
			    (long)pid, STOP_PROCESS_MS / 1000);
		nap();
	}
}
