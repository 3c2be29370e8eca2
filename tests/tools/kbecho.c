/*
 * kbecho: the search benchmark's floor (scripts/bench.sh). A server on a
 * Unix socket that speaks kbd's framing and answers every request at
 * once, with no work: HELLO with an empty HELLO_REP, anything else with a
 * SEARCH_REP whose payload is the bytes of a file (a real reply of kbd's,
 * captured by scripts/searchbench.py). The same load client run against
 * it measures what the client and the machine cost on their own, beside
 * kbd's figure in the same run.
 *
 *   kbecho SOCKET REPLY-FILE
 *
 * One thread, epoll, non-blocking sockets; it runs until killed.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbd-protocol.h"

struct conn {
	int	 fd;
	size_t	 have;
	char	 in[65536];	/* a search request is far smaller */
};

static char	*reply;
static size_t	 replylen;

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

/* Writes all of buf; the client reads its replies, so this ends. */
static int
send_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
answer(struct conn *c, const struct msg_hdr *h)
{
	struct msg_hdr	 r;

	r.version = KBD_PROTO_VERSION;
	if (h->type == MSG_HELLO) {
		r.type = MSG_HELLO_REP;
		r.len = 0;
		return send_all(c->fd, &r, sizeof(r));
	}
	r.type = MSG_SEARCH_REP;
	r.len = (uint32_t)replylen;
	if (send_all(c->fd, &r, sizeof(r)) == -1)
		return -1;
	return send_all(c->fd, reply, replylen);
}

/* Reads what is there and answers each whole message; -1: closed. */
static int
serve(struct conn *c)
{
	struct msg_hdr	 h;
	ssize_t		 n;
	size_t		 used;

	for (;;) {
		n = read(c->fd, c->in + c->have, sizeof(c->in) - c->have);
		if (n == 0)
			return -1;
		if (n == -1)
			return errno == EAGAIN ? 0 : -1;
		c->have += (size_t)n;
		used = 0;
		while (c->have - used >= MSG_HDR_LEN) {
			memcpy(&h, c->in + used, sizeof(h));
			if (h.len > sizeof(c->in) - MSG_HDR_LEN)
				return -1;
			if (c->have - used < MSG_HDR_LEN + h.len)
				break;
			if (answer(c, &h) == -1)
				return -1;
			used += MSG_HDR_LEN + h.len;
		}
		memmove(c->in, c->in + used, c->have - used);
		c->have -= used;
	}
}

static void
load_reply(const char *path)
{
	FILE	*f;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		die(path);
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		die(path);
	replylen = (size_t)n;
	if ((reply = malloc(replylen + 1)) == NULL)
		die("malloc");
	if (fread(reply, 1, replylen, f) != replylen)
		die(path);
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	struct epoll_event	 ev, evs[64];
	struct rlimit		 rl;
	struct conn		*c;
	int			 lfd, ep, n, i, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: kbecho SOCKET REPLY-FILE\n");
		return 2;
	}
	load_reply(argv[2]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "kbecho: socket path too long\n");
		return 2;
	}
	strcpy(sun.sun_path, argv[1]);
	(void)unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(lfd, 4096) == -1)
		die("listen");
	if ((ep = epoll_create1(0)) == -1)
		die("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1)
		die("epoll_ctl");
	for (;;) {
		if ((n = epoll_wait(ep, evs, 64, -1)) == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			if ((c = evs[i].data.ptr) != NULL) {
				if (serve(c) == -1) {
					close(c->fd);
					free(c);
				}
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL,
			    SOCK_NONBLOCK)) != -1) {
				if ((c = calloc(1, sizeof(*c))) == NULL)
					die("calloc");
				c->fd = fd;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
					die("epoll_ctl");
			}
		}
	}
}
