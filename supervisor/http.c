/*
 * kbd --listen: the Model Context Protocol over Streamable HTTP, for agents
 * on other hosts. libevent's evhttp serves POST /mcp on the supervisor's
 * loop; each JSON-RPC message is relayed, as one line, to a small pool of
 * `kbctl mcp --relay` co-processes (the same MCP server as over stdio,
 * each a kbd client with its own connection), which answer every line
 * with one line: the reply, or an empty line when none is due.
 *
 * Every request must carry the KB's bearer token (.kb/http.token, mode
 * 0600, `kbctl token`); it is read again when the file changes, so a
 * rotation takes effect at once. Bodies are capped, headers too, idle
 * connections time out, and a request that finds the queue full gets 503.
 * TLS is a reverse proxy's job (docs/mcp.md).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "kbpath.h"
#include "log.h"
#include "supervisor.h"
#include "xmalloc.h"

#define HTTP_BODY_MAX		(1024 * 1024)	/* one JSON-RPC message */
#define HTTP_HEADERS_MAX	(16 * 1024)
#define HTTP_TIMEOUT		60		/* seconds, per connection */
#define HTTP_RELAYS		4		/* kbctl mcp co-processes */
#define HTTP_QUEUE_MAX		4096		/* requests waiting for one */

struct relay {
	pid_t			 pid;
	int			 in;		/* its stdin */
	struct bufferevent	*out;		/* its stdout */
	struct evhttp_request	*req;		/* in flight; NULL: idle */
	int			 orphan;	/* its client left: drop reply */
};

struct pending {
	struct evhttp_request	*req;
	char			*line;
	size_t			 len;
	struct pending		*next;
};

static struct evhttp	*http;
static struct relay	 relays[HTTP_RELAYS];
static struct pending	*queue_head, *queue_tail;
static unsigned		 queued;
static char		 kbctl_path[PATH_MAX + 8];
static const char	*kbroot;
static char		 token[128];
static struct timespec	 token_mtime;
static ino_t		 token_ino;

static void	relay_next(struct relay *);

/*
 * The token, read again when the file changed. Without a readable token
 * nobody is served: a missing file is not an open door.
 */
static const char *
current_token(void)
{
	struct stat	 st;
	char		 buf[sizeof(token)];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(KB_HTTP_TOKEN, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1) {
		token[0] = '\0';
		return NULL;
	}
	if (fstat(fd, &st) == -1 || (st.st_mode & 077) != 0) {
		close(fd);
		token[0] = '\0';
		return NULL;
	}
	if (st.st_ino == token_ino && st.st_mtim.tv_sec ==
	    token_mtime.tv_sec && st.st_mtim.tv_nsec == token_mtime.tv_nsec &&
	    token[0] != '\0') {
		close(fd);
		return token;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) < 32)
		return NULL;	/* too short to be ours */
	memcpy(token, buf, sizeof(token));
	token_ino = st.st_ino;
	token_mtime = st.st_mtim;
	return token;
}

/* Constant time in the length of the expected token. */
static int
token_ok(const char *header)
{
	const char	*want, *got;
	size_t		 i, wl, gl;
	unsigned char	 diff = 0;

	if ((want = current_token()) == NULL || header == NULL ||
	    strncmp(header, "Bearer ", 7) != 0)
		return 0;
	got = header + 7;
	wl = strlen(want);
	gl = strlen(got);
	for (i = 0; i < wl; i++)
		diff |= (unsigned char)want[i] ^
		    (unsigned char)(i < gl ? got[i] : 0);
	return diff == 0 && gl == wl;
}

/*
 * Before a relayed request is answered (and freed by evhttp), its close
 * callback goes: a later close of the connection must not name it.
 */
static void
forget_close(struct evhttp_request *req)
{
	struct evhttp_connection	*conn;

	if ((conn = evhttp_request_get_connection(req)) != NULL)
		evhttp_connection_set_closecb(conn, NULL, NULL);
}

static void
reply_text(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	struct evbuffer	*b;

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	if ((b = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	evbuffer_add_printf(b, "%s\n", text);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void
relay_gone(struct relay *r, const char *why)
{
	if (r->pid == 0)
		return;
	log_warnx("mcp relay %ld: %s", (long)r->pid, why);
	if (r->req != NULL) {
		forget_close(r->req);
		reply_text(r->req, 502, "Bad Gateway", "the MCP server "
		    "process ended; try again");
		r->req = NULL;
	}
	r->orphan = 0;
	bufferevent_free(r->out);
	close(r->in);
	(void)kill(r->pid, SIGTERM);
	r->pid = 0;
}

static void
relay_read(struct bufferevent *bev, void *arg)
{
	struct relay	*r = arg;
	struct evbuffer	*b;
	char		*line;
	size_t		 len;

	while ((line = evbuffer_readln(bufferevent_get_input(bev), &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		if (r->orphan) {
			/* The answer of a request whose client left. */
			free(line);
			r->orphan = 0;
			relay_next(r);
			continue;
		}
		if (r->req == NULL) {
			free(line);
			relay_gone(r, "answered what was not asked");
			return;
		}
		forget_close(r->req);
		if (len == 0)
			/* A notification or a response: nothing to say. */
			evhttp_send_reply(r->req, 202, "Accepted", NULL);
		else {
			evhttp_add_header(evhttp_request_get_output_headers(
			    r->req), "Content-Type", "application/json");
			if ((b = evbuffer_new()) == NULL)
				fatalx("evbuffer_new");
			evbuffer_add(b, line, len);
			evhttp_send_reply(r->req, 200, "OK", b);
			evbuffer_free(b);
		}
		free(line);
		r->req = NULL;
		relay_next(r);
	}
}

static void
relay_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	relay_gone(arg, what & BEV_EVENT_EOF ? "exited" : "read error");
}

static int
relay_start(struct relay *r)
{
	int	in[2], out[2];
	pid_t	pid;

	if (pipe2(in, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	switch ((pid = fork())) {
	case -1:
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return -1;
	case 0:
		if (dup2(in[0], STDIN_FILENO) == -1 ||
		    dup2(out[1], STDOUT_FILENO) == -1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execl(kbctl_path, "kbctl", "-C", kbroot, "mcp", "--relay",
		    (char *)NULL);
		_exit(127);
	default:
		break;
	}
	close(in[0]);
	close(out[1]);
	(void)fcntl(in[1], F_SETFL, O_NONBLOCK);
	r->pid = pid;
	r->in = in[1];
	r->req = NULL;
	r->orphan = 0;
	r->out = bufferevent_socket_new(sup_base, out[0],
	    BEV_OPT_CLOSE_ON_FREE);
	if (r->out == NULL)
		fatalx("bufferevent_socket_new");
	bufferevent_setcb(r->out, relay_read, NULL, relay_event, r);
	bufferevent_enable(r->out, EV_READ);
	log_info("mcp relay %ld started", (long)pid);
	return 0;
}

/* Hand one waiting request to r. */
static void
relay_send(struct relay *r, struct pending *p)
{
	size_t	off = 0;
	ssize_t	n;

	r->req = p->req;
	/*
	 * The line is at most HTTP_BODY_MAX + 1 bytes and the pipe holds
	 * 64 KiB: write it in full, blocking briefly if the relay is slow.
	 */
	(void)fcntl(r->in, F_SETFL, 0);
	while (off < p->len) {
		n = write(r->in, p->line + off, p->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(p->line);
			free(p);
			relay_gone(r, "cannot be written to");
			return;
		}
		off += (size_t)n;
	}
	free(p->line);
	free(p);
}

static void
relay_next(struct relay *r)
{
	struct pending	*p;

	if (r->orphan || r->req != NULL || (p = queue_head) == NULL)
		return;
	if ((queue_head = p->next) == NULL)
		queue_tail = NULL;
	queued--;
	relay_send(r, p);
}

/* A request's connection closed before its reply: forget it. */
static void
request_gone(struct evhttp_request *req)
{
	struct pending	**pp, *p;
	size_t		  i;

	for (i = 0; i < HTTP_RELAYS; i++)
		if (relays[i].req == req) {
			relays[i].req = NULL;
			relays[i].orphan = 1;
			return;
		}
	for (pp = &queue_head; (p = *pp) != NULL; ) {
		if (p->req != req) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		if (queue_tail == p) {
			queue_tail = NULL;
			for (p = queue_head; p != NULL; p = p->next)
				queue_tail = p;
		}
		queued--;
		free(p->line);
		free(p);
		return;
	}
}

static void
on_close(struct evhttp_connection *conn, void *arg)
{
	(void)conn;
	request_gone(arg);
}

static void
enqueue(struct evhttp_request *req, struct evbuffer *body)
{
	struct pending	*p;
	size_t		 i, len;
	char		*s;

	len = evbuffer_get_length(body);
	p = xcalloc(1, sizeof(*p));
	p->req = req;
	p->line = xmalloc(len + 1);
	evbuffer_remove(body, p->line, len);
	/* One line: JSON allows a raw CR or LF only between tokens. */
	for (s = p->line; s < p->line + len; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
	p->line[len] = '\n';
	p->len = len + 1;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    on_close, req);
	for (i = 0; i < HTTP_RELAYS; i++)
		if (relays[i].pid != 0 && relays[i].req == NULL &&
		    !relays[i].orphan) {
			relay_send(&relays[i], p);
			return;
		}
	for (i = 0; i < HTTP_RELAYS; i++)
		if (relays[i].pid == 0 && relay_start(&relays[i]) == 0) {
			relay_send(&relays[i], p);
			return;
		}
	if (queue_tail != NULL)
		queue_tail->next = p;
	else
		queue_head = p;
	queue_tail = p;
	queued++;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	struct evbuffer		*body;
	const char		*path, *ctype;

	(void)arg;
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || strcmp(path, "/mcp") != 0) {
		reply_text(req, 404, "Not Found", "kbd serves MCP at /mcp");
		return;
	}
	if (!token_ok(evhttp_find_header(h, "Authorization"))) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"kbd\"");
		reply_text(req, 401, "Unauthorized", "a bearer token is "
		    "needed: kbctl token prints it");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		/* No server-initiated stream is offered. */
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "POST");
		reply_text(req, 405, "Method Not Allowed", "POST a JSON-RPC "
		    "message");
		return;
	}
	ctype = evhttp_find_header(h, "Content-Type");
	if (ctype == NULL || strncmp(ctype, "application/json", 16) != 0) {
		reply_text(req, 415, "Unsupported Media Type", "the body must "
		    "be application/json");
		return;
	}
	body = evhttp_request_get_input_buffer(req);
	if (evbuffer_get_length(body) == 0) {
		reply_text(req, 400, "Bad Request", "an empty body");
		return;
	}
	if (queued >= HTTP_QUEUE_MAX) {
		reply_text(req, 503, "Service Unavailable", "too many "
		    "requests waiting; try again");
		return;
	}
	enqueue(req, body);
}

/* kbctl beside our own binary, or $KBCTL. */
static void
find_kbctl(void)
{
	const char	*env;
	char		 self[PATH_MAX], *slash;
	ssize_t		 n;

	if ((env = getenv("KBCTL")) != NULL && env[0] == '/') {
		(void)snprintf(kbctl_path, sizeof(kbctl_path), "%s", env);
		return;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("/proc/self/exe");
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	(void)snprintf(kbctl_path, sizeof(kbctl_path), "%s/kbctl", self);
}

int
http_init(const char *listen, const char *root, char *err, size_t errlen)
{
	char		 host[256];
	const char	*colon;
	char		*end;
	unsigned long	 port;

	kbroot = root;
	if ((colon = strrchr(listen, ':')) == NULL) {
		(void)snprintf(host, sizeof(host), "127.0.0.1");
		colon = listen - 1;
	} else
		(void)snprintf(host, sizeof(host), "%.*s",
		    (int)(colon - listen), listen);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port == 0 || port > 65535) {
		(void)snprintf(err, errlen, "--listen %s: expected "
		    "[ADDRESS:]PORT", listen);
		return -1;
	}
	find_kbctl();
	if (current_token() == NULL)
		log_warnx("%s: no token (kbctl token makes one); every HTTP "
		    "request is refused until there is one", KB_HTTP_TOKEN);
	if ((http = evhttp_new(sup_base)) == NULL)
		fatalx("evhttp_new");
	evhttp_set_max_body_size(http, HTTP_BODY_MAX);
	evhttp_set_max_headers_size(http, HTTP_HEADERS_MAX);
	evhttp_set_timeout(http, HTTP_TIMEOUT);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE);
	evhttp_set_gencb(http, on_request, NULL);
	if (evhttp_bind_socket(http, host, (ev_uint16_t)port) == -1) {
		(void)snprintf(err, errlen, "--listen %s: cannot listen on %s "
		    "port %lu: %s", listen, host, port, strerror(errno));
		evhttp_free(http);
		http = NULL;
		return -1;
	}
	log_info("serving MCP over HTTP on %s port %lu at /mcp", host, port);
	return 0;
}

void
http_cleanup(void)
{
	struct pending	*p;
	size_t		 i;

	if (http == NULL)
		return;
	for (i = 0; i < HTTP_RELAYS; i++)
		if (relays[i].pid != 0) {
			if (relays[i].req != NULL)
				forget_close(relays[i].req);
			bufferevent_free(relays[i].out);
			close(relays[i].in);	/* EOF: it exits */
			relays[i].pid = 0;
		}
	while ((p = queue_head) != NULL) {
		queue_head = p->next;
		forget_close(p->req);
		free(p->line);
		free(p);
	}
	queue_tail = NULL;
	queued = 0;
	evhttp_free(http);
	http = NULL;
}
