/*
 * The control socket's listener; control.c serves the clients it
 * accepts. The socket is .kb/kbd.sock, or, where that path is too long
 * for sun_path, the KB's file system refuses sockets (FUSE, network file
 * systems) or the KB is on read-only media, a socket in the user's
 * private runtime directory, recorded in .kb/socket. It is private to the
 * user: its directory is 0700, the socket 0600, and every peer's uid is
 * checked before it becomes a client.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kbpath.h"
#include "log.h"
#include "sockpath.h"
#include "supervisor.h"

static int		 listen_fd = -1;
static struct event	*listen_ev;
static char		 sock_path[256];

static void
listen_again(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (listen_ev != NULL)
		event_add(listen_ev, NULL);
}

static void
listen_accept(evutil_socket_t fd, short ev, void *arg)
{
	struct ucred	 cred;
	struct timeval	 tv = { 1, 0 };
	socklen_t	 len;
	int64_t		 last;
	int		 s;

	(void)ev;
	(void)arg;
	for (;;) {
		s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s == -1) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warnx("accept: out of file descriptors "
				    "(%u clients)", control_clients(&last));
				/*
				 * The connection stays pending and the event
				 * is level-triggered: pause, or spin.
				 */
				event_del(listen_ev);
				if (event_base_once(sup_base, -1, EV_TIMEOUT,
				    listen_again, NULL, &tv) == -1)
					event_add(listen_ev, NULL);
			} else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept");
			return;
		}
		len = sizeof(cred);
		if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
			log_warn("SO_PEERCRED");
			close(s);
			continue;
		}
		if (cred.uid != getuid()) {
			log_warnx("refusing client with uid %ld",
			    (long)cred.uid);
			close(s);
			continue;
		}
		control_client_new(s);
	}
}

static void
make_rundir(void)
{
	char	dir[256];

	if (kb_rundir_create() == -1) {
		(void)kb_rundir(dir, sizeof(dir));
		if (errno == EPERM)
			fatalx("%s: not a private directory owned by uid %ld",
			    dir, (long)getuid());
		fatal("%s", dir);
	}
}

/* Bind listen_fd to sock_path: 0, or -1 with errno. */
static int
listen_bind(void)
{
	struct sockaddr_un	sun;
	mode_t			old;
	int			r, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* kb_sockpath() made it fit. */
	memcpy(sun.sun_path, sock_path, strnlen(sock_path,
	    sizeof(sun.sun_path) - 1));
	/* We hold the pid lock: any socket file left is a dead kbd's. */
	(void)unlink(sock_path);
	old = umask(0177);
	r = bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	umask(old);
	errno = saved;
	return r;
}

/* The socket is in the runtime directory: say where, in the KB. */
static void
listen_note(void)
{
	int	fd;

	make_rundir();
	/* Read-only media: nowhere to record it; kbctl derives it anyway. */
	if (sup_committer_state() == COMMITTER_NONE)
		return;
	/* Recorded for people and tools; kbctl derives it itself. */
	if ((fd = open(KB_SOCKET_NOTE, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) != -1) {
		(void)!write(fd, sock_path, strlen(sock_path));
		(void)!write(fd, "\n", 1);
		close(fd);
	}
}

void
listen_init(const char *kbroot)
{
	int	fallback;

	if (sup_committer_state() == COMMITTER_NONE) {
		/* Read-only media: .kb/ takes no socket. */
		fallback = 1;
		if (kb_sockpath_rundir(kbroot, sock_path,
		    sizeof(sock_path)) == -1)
			fatal("control socket path for %s", kbroot);
	} else if (kb_sockpath(kbroot, sock_path, sizeof(sock_path),
	    &fallback) == -1)
		fatal("control socket path for %s", kbroot);
	if (fallback)
		listen_note();
	else
		(void)unlink(KB_SOCKET_NOTE);
	if ((listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (listen_bind() == -1) {
		/*
		 * FUSE and network file systems may refuse sockets: use the
		 * runtime directory, where kbctl looks next.
		 */
		if (fallback || !kb_sock_refused(errno))
			fatal("bind %s", sock_path);
		log_info("bind %s: %s; using the runtime directory", sock_path,
		    strerror(errno));
		if (kb_sockpath_rundir(kbroot, sock_path,
		    sizeof(sock_path)) == -1)
			fatal("control socket path for %s", kbroot);
		listen_note();
		if (listen_bind() == -1)
			fatal("bind %s", sock_path);
	}
	if (chmod(sock_path, 0600) == -1)
		fatal("chmod %s", sock_path);
	if (listen(listen_fd, 4096) == -1)
		fatal("listen");
	listen_ev = event_new(sup_base, listen_fd, EV_READ | EV_PERSIST,
	    listen_accept, NULL);
	if (listen_ev == NULL || event_add(listen_ev, NULL) == -1)
		fatalx("listen event");
}

void
listen_close(void)
{
	if (listen_ev != NULL) {
		event_free(listen_ev);
		listen_ev = NULL;
	}
	if (listen_fd != -1) {
		(void)unlink(sock_path);
		close(listen_fd);
		listen_fd = -1;
	}
}
