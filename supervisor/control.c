/*
 * The control socket's clients (listen.c accepts them: the socket is
 * private to the user, 0600 in a 0700 directory, every peer's uid
 * checked). A client starts with a version handshake, then sends one
 * request at a time. A malformed or unknown message drops that client
 * only (tmux server-client.c); the dispatcher frees every message after
 * handling it.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbread.h"
#include "kbpath.h"
#include "log.h"
#include "supervisor.h"
#include "util.h"
#include "xmalloc.h"

/* A follower that lets this much output pile up is cut off. */
#define CLIENT_MAX_QUEUED	(16u << 20)
/*
 * Progress is advisory: it is not queued behind this much unread output,
 * so a slow client costs the socket's buffer and this, never a queue that
 * grows with the job. File events are never dropped.
 */
#define PROGRESS_MAX_QUEUED	(64u << 10)
#define LIST_CHUNK		500
#define FILES_CHUNK		100	/* paths up to PATH_MAX: under 1 MiB */

struct client {
	TAILQ_ENTRY(client)	 entry;
	TAILQ_ENTRY(client)	 wentry;	/* waiting for the committer */
	struct chan		 chan;
	struct event		*rev, *wev;
	int			 hello;
	int			 busy;		/* a request is being served */
	int			 rpaused;	/* unwatched until it is answered */
	int			 eof;		/* it sent all it will send */
	int			 waiting;	/* on the waiting list */
	int			 closing;	/* drop once output is flushed */
	int			 listing;	/* a list is streaming */
	int64_t			 list_after;
	uint64_t		 files_job;	/* status --files streaming */
	uint64_t		 files_after;
	int			 files_failed;
	uint64_t		 id;		/* search replies find it so */
	TAILQ_ENTRY(client)	 sentry;	/* waiting for a search slot */
	int			 sblocked;	/* on that list */
};
TAILQ_HEAD(clientlist, client);

static struct clientlist	clients = TAILQ_HEAD_INITIALIZER(clients);
static struct clientlist	waiting = TAILQ_HEAD_INITIALIZER(waiting);
/* Their next request is a search and every slot is taken: not read yet. */
static struct clientlist	sblocked = TAILQ_HEAD_INITIALIZER(sblocked);
/*
 * Search replies find their client by id (search.c): the slot of a table
 * in the low 32 bits, a serial number above, so that a later client of
 * the same slot is not taken for one that went. A lookup is one index,
 * where a walk of the list cost a cache miss per client, at every reply.
 * The table keeps its largest size (a pointer and an index a client).
 */
static struct client		**slots;
static uint32_t			*slots_free;	/* a stack of free slots */
static uint32_t			nslots, nslots_free;
static uint64_t			next_id = 1;
static unsigned			nclients;
static int64_t				last_client_ms;	/* came or went */

static void	client_read(evutil_socket_t, short, void *);
static void	client_write(evutil_socket_t, short, void *);
static void	client_drop(struct client *, const char *);
static void	client_dispatch(struct client *, struct msg *);

static void
client_slot(struct client *c)
{
	uint32_t	 slot, n;

	if (nslots_free == 0) {
		n = nslots == 0 ? 64 : nslots * 2;
		slots = xreallocarray(slots, n, sizeof(*slots));
		slots_free = xreallocarray(slots_free, n, sizeof(*slots_free));
		while (nslots < n) {
			slots[nslots] = NULL;
			slots_free[nslots_free++] = nslots++;
		}
	}
	slot = slots_free[--nslots_free];
	slots[slot] = c;
	c->id = (next_id++ << 32) | slot;
}

/* A peer listen.c accepted (its uid checked): a client of ours. */
void
control_client_new(int s)
{
	struct client	*c;

	c = xcalloc(1, sizeof(*c));
	client_slot(c);
	chan_init(&c->chan, s, 1, MSG_MAX_CLIENT);
	c->rev = event_new(sup_base, s, EV_READ | EV_PERSIST,
	    client_read, c);
	c->wev = event_new(sup_base, s, EV_WRITE, client_write, c);
	if (c->rev == NULL || c->wev == NULL)
		fatalx("client event");
	event_add(c->rev, NULL);
	TAILQ_INSERT_TAIL(&clients, c, entry);
	nclients++;
	last_client_ms = mono_ms();
}

void
control_cleanup(void)
{
	struct client	*c, *next;

	listen_close();
	for (c = TAILQ_FIRST(&clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		/* Flush what they are owed (a STOP_REP), then go. */
		(void)chan_flush(&c->chan);
		client_drop(c, NULL);
	}
}

static void
client_drop(struct client *c, const char *why)
{
	if (why != NULL)
		log_debug("dropping client: %s", why);
	job_client_gone(c);
	if (c->waiting)
		TAILQ_REMOVE(&waiting, c, wentry);
	if (c->sblocked)
		TAILQ_REMOVE(&sblocked, c, sentry);
	TAILQ_REMOVE(&clients, c, entry);
	slots[(uint32_t)c->id] = NULL;
	slots_free[nslots_free++] = (uint32_t)c->id;
	event_free(c->rev);
	event_free(c->wev);
	chan_clear(&c->chan);
	close(c->chan.fd);
	free(c);
	nclients--;
	last_client_ms = mono_ms();
}

unsigned
control_clients(int64_t *last_ms)
{
	*last_ms = last_client_ms;
	return nclients;
}

static void	list_continue(struct client *);
static void	files_continue(struct client *);

static void
stop_now(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	sup_shutdown("stop requested");
}

/*
 * Drop a client from inside a dispatch: the callers up the stack still hold
 * the pointer, so the client is only marked, and freed from its write event
 * once what it is owed is flushed.
 */
static void
client_close(struct client *c)
{
	c->closing = 1;
	event_del(c->rev);
	event_active(c->wev, EV_WRITE, 0);
}

static void
client_flush(struct client *c)
{
	switch (chan_flush(&c->chan)) {
	case 0:
		if (c->closing)
			client_drop(c, NULL);
		else if (c->listing)
			list_continue(c);
		else if (c->files_job != 0)
			files_continue(c);
		return;
	case 1:
		if (c->chan.queued > CLIENT_MAX_QUEUED) {
			client_drop(c, "too slow to read its output");
			return;
		}
		event_add(c->wev, NULL);
		return;
	default:
		client_drop(c, strerror(errno));
	}
}

static void
client_write(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	client_flush(arg);
}

/*
 * Sending may drop the client (a dead or hopelessly slow peer); callers
 * that touch the client afterwards go through client_done, which checks.
 * To keep that simple, a drop caused by sending is deferred: the client is
 * marked and dropped from its write event.
 */
void
client_send(struct client *c, uint32_t type, const ProtobufCMessage *pb)
{
	if (c->closing)
		return;
	if (chan_compose(&c->chan, type, pb, NULL, 0) == -1) {
		log_warn("compose %s", msg_type_name(type));
		client_close(c);
		return;
	}
	if (c->chan.queued > CLIENT_MAX_QUEUED) {
		log_warnx("client too slow to read its output; dropping it");
		chan_clear(&c->chan);
		client_close(c);
		return;
	}
	event_add(c->wev, NULL);
}

/*
 * A reply written at once when nothing else waits to be written: a
 * search's answer goes out without a pass of the loop through the write
 * event (its epoll_ctl to watch and to stop). What the socket does not
 * take, or an error, goes the way of client_send.
 */
static void
client_send_now(struct client *c, uint32_t type, const ProtobufCMessage *pb)
{
	if (c->closing || c->chan.queued > 0 || c->listing ||
	    c->files_job != 0) {
		client_send(c, type, pb);
		return;
	}
	if (chan_compose(&c->chan, type, pb, NULL, 0) == -1) {
		log_warn("compose %s", msg_type_name(type));
		client_close(c);
		return;
	}
	switch (chan_flush(&c->chan)) {
	case 0:
		return;
	case 1:
		event_add(c->wev, NULL);
		return;
	default:
		/* Dropped from its write event, as client_send would. */
		log_debug("client: %s", strerror(errno));
		chan_clear(&c->chan);
		client_close(c);
	}
}

/*
 * Send an advisory message (PROGRESS) unless the client is behind: 1 if it
 * was queued, 0 if it was dropped.
 */
int
client_send_advisory(struct client *c, uint32_t type,
    const ProtobufCMessage *pb)
{
	if (c->closing || c->chan.queued > PROGRESS_MAX_QUEUED)
		return 0;
	client_send(c, type, pb);
	return !c->closing;
}

void
client_error(struct client *c, const char *fmt, ...)
{
	Kbd__ErrorMsg	 e = KBD__ERROR_MSG__INIT;
	char		 buf[512];
	va_list		 ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e.message = buf;
	client_send(c, MSG_ERROR, &e.base);
	client_done(c);
}

/*
 * A client of another protocol version, before its handshake (a kbctl
 * upgraded while this kbd runs): told so in this kbd's version, which its
 * kbctl recognizes and explains (cli/client.c: which kbd, and how to stop
 * it), rather than dropped without a word. 1 when it was.
 */
static int
client_other_version(struct client *c)
{
	Kbd__ErrorMsg	 e = KBD__ERROR_MSG__INIT;
	struct msg_hdr	 hdr;
	char		 buf[128];

	if (c->hello || c->chan.ilen < MSG_HDR_LEN)
		return 0;
	memcpy(&hdr, c->chan.ibuf, MSG_HDR_LEN);
	if (hdr.version == KBD_PROTO_VERSION)
		return 0;
	log_warnx("client: protocol version %u, kbd speaks %u; told so",
	    hdr.version, KBD_PROTO_VERSION);
	(void)snprintf(buf, sizeof(buf), "protocol version %u, kbd speaks %u",
	    hdr.version, KBD_PROTO_VERSION);
	e.message = buf;
	client_send(c, MSG_ERROR, &e.base);
	client_close(c);
	return 1;
}

/*
 * The request is answered: go back to reading the client, starting with
 * any request it already sent.
 */
void
client_done(struct client *c)
{
	c->busy = 0;
	if (c->closing)
		return;
	if (c->rpaused) {
		c->rpaused = 0;
		event_add(c->rev, NULL);
		event_active(c->rev, EV_READ, 0);
	} else if (c->chan.ilen > 0 || c->eof)
		event_active(c->rev, EV_READ, 0);
}

/*
 * The next request is a search and no slot is free: leave it in the
 * client's input buffer and stop reading the client until a slot frees
 * (control_search_slots). Waiting costs a client nothing but its buffer.
 */
static int
search_waits(struct client *c)
{
	struct msg_hdr	hdr;

	if (!c->hello || c->chan.ilen < MSG_HDR_LEN ||
	    search_slots_free() > 0)
		return 0;
	memcpy(&hdr, c->chan.ibuf, MSG_HDR_LEN);
	if (hdr.type != MSG_SEARCH_REQ)
		return 0;
	event_del(c->rev);
	c->sblocked = 1;
	TAILQ_INSERT_TAIL(&sblocked, c, sentry);
	return 1;
}

void
control_search_slots(void)
{
	struct client	*c;
	unsigned	 n = search_slots_free();

	/* As many as there are slots: each takes one when it reads. */
	while (n-- > 0 && (c = TAILQ_FIRST(&sblocked)) != NULL) {
		TAILQ_REMOVE(&sblocked, c, sentry);
		c->sblocked = 0;
		event_add(c->rev, NULL);
		event_active(c->rev, EV_READ, 0);
	}
}

/* By id: the client may have gone while its query ran. */
static struct client *
client_by_id(uint64_t id)
{
	struct client	*c;
	uint32_t	 slot = (uint32_t)id;

	if (slot >= nslots || (c = slots[slot]) == NULL || c->id != id)
		return NULL;
	return c;
}

void
control_search_reply(uint64_t id, Kbd__SearchRep *rep, int rc,
    const char *err)
{
	Kbd__SearchRep	 bad = KBD__SEARCH_REP__INIT;
	struct client	*c;

	if ((c = client_by_id(id)) == NULL || c->closing)
		return;
	if (rc == -1) {
		client_error(c, "search: %s", err);
		return;
	}
	if (rc == 1) {
		bad.error = (char *)err;
		rep = &bad;
	}
	client_send_now(c, MSG_SEARCH_REP, &rep->base);
	client_done(c);
}

static void
client_read(evutil_socket_t fd, short ev, void *arg)
{
	struct client	*c = arg;
	struct msg	 m;
	ssize_t		 n;
	int		 r;

	(void)fd;
	(void)ev;
	if (c->eof)
		/* Woken for a slot (control_search_slots): nothing to read. */
		event_del(c->rev);
	else if (c->busy) {
		/*
		 * One request at a time, but the client stays watched while
		 * it is served (two epoll_ctl calls a request fewer): one
		 * read of what it sends meanwhile waits in its buffer, which
		 * does not grow for it. More, or an error, stops the watch
		 * until the answer (client_done), which reads again and acts
		 * on them; its end, until the answer, which goes on with the
		 * requests it sent before it.
		 */
		if (c->chan.ilen == 0) {
			n = chan_read(&c->chan);
			if (n == 0) {
				c->eof = 1;
				event_del(c->rev);
				return;
			}
			if (n > 0 || (n == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK || errno == EINTR)))
				return;
		}
		event_del(c->rev);
		c->rpaused = 1;
		return;
	} else {
		n = chan_read(&c->chan);
		if (n == 0) {
			c->eof = 1;
			event_del(c->rev);
		} else if (n == -1 && errno != EAGAIN &&
		    errno != EWOULDBLOCK && errno != EINTR) {
			client_drop(c, strerror(errno));
			return;
		}
	}
	while (!c->busy && !c->closing) {
		if (search_waits(c))
			return;
		r = chan_get(&c->chan, &m);
		if (r == 0)
			break;
		if (r == -1 && client_other_version(c))
			return;
		if (r == -1) {
			log_warnx("client: %s", c->chan.error);
			client_drop(c, NULL);
			return;
		}
		c->busy = 1;
		client_dispatch(c, &m);
		msg_free(&m);
	}
	/*
	 * Its end (a half-closed socket), and every whole request it sent
	 * answered: what it is owed still goes out, then it is dropped.
	 */
	if (c->eof && !c->busy && !c->closing) {
		if (c->chan.queued > 0)
			client_close(c);
		else
			client_drop(c, NULL);
	}
}

static void
hello_reply(struct client *c)
{
	Kbd__HelloRep	 rep = KBD__HELLO_REP__INIT;

	c->hello = 1;
	rep.version = KBD_PROTO_VERSION;
	rep.pid = (uint32_t)getpid();
	rep.kb = (char *)sup_opts->kbroot;
	client_send(c, MSG_HELLO_REP, &rep.base);
	client_done(c);
}

/*
 * Until the first committer has recovered the KB (and, for a new KB,
 * created its registry) there is nothing to read: handshakes wait, and
 * with them every request, since a client sends none before its handshake
 * is answered. After that the registry stays readable even while a
 * committer restarts; mutations queue in commitq.c.
 */
void
control_resume_waiting(void)
{
	struct client	*c;

	while ((c = TAILQ_FIRST(&waiting)) != NULL) {
		TAILQ_REMOVE(&waiting, c, wentry);
		c->waiting = 0;
		hello_reply(c);
	}
}

/*
 * kbd is giving up before its committer ever started: tell the clients
 * still waiting for their handshake why, before the sockets close. Their
 * buffers are empty (they wait), so one non-blocking flush delivers it.
 */
void
control_fail_waiting(const char *why)
{
	Kbd__ErrorMsg	 e = KBD__ERROR_MSG__INIT;
	struct client	*c;

	e.message = (char *)why;
	while ((c = TAILQ_FIRST(&waiting)) != NULL) {
		TAILQ_REMOVE(&waiting, c, wentry);
		c->waiting = 0;
		if (chan_compose(&c->chan, MSG_ERROR, &e.base, NULL, 0) == 0)
			(void)chan_flush(&c->chan);
	}
}

static void
send_list_chunk(struct client *c)
{
	Kbd__ListChunk	chunk = KBD__LIST_CHUNK__INIT;

	if (dbread_list(&c->list_after, LIST_CHUNK, &chunk) == -1) {
		dbread_list_free(&chunk);
		c->listing = 0;
		client_error(c, "cannot read the registry");
		return;
	}
	client_send(c, MSG_LIST_CHUNK, &chunk.base);
	dbread_list_free(&chunk);
	if (chunk.last) {
		c->listing = 0;
		client_done(c);
	}
}

/*
 * A list streams: chunks go while the client keeps up, and the rest waits
 * for its write event, so memory does not grow with the registry.
 */
static void
list_continue(struct client *c)
{
	while (c->listing && !c->closing && c->chan.queued < 256 * 1024)
		send_list_chunk(c);
}

/* status --files: its chunks stream as a list's do. */
static void
send_files_chunk(struct client *c)
{
	Kbd__JobFiles	chunk = KBD__JOB_FILES__INIT;

	if (dbread_job_files(c->files_job, c->files_failed, &c->files_after,
	    FILES_CHUNK, &chunk) == -1) {
		dbread_job_files_free(&chunk);
		c->files_job = 0;
		client_error(c, "cannot read the job's files");
		return;
	}
	client_send(c, MSG_JOB_FILES, &chunk.base);
	dbread_job_files_free(&chunk);
	if (chunk.last) {
		c->files_job = 0;
		client_done(c);
	}
}

static void
files_continue(struct client *c)
{
	while (c->files_job != 0 && !c->closing &&
	    c->chan.queued < 256 * 1024)
		send_files_chunk(c);
}

/* SHOW_SIMILAR: how many names a "did you mean" hint offers. */
#define SHOW_SIMILAR	5

/*
 * One document's row and paths; kbctl reads its files itself. Not found:
 * the closest names instead.
 */
static void
show_request(struct client *c, const char *doc)
{
	Kbd__ShowRep	 rep = KBD__SHOW_REP__INIT;
	Kbd__DocMeta	 meta;
	char		**similar;
	size_t		 i, n;
	int		 r;

	if ((r = dbread_show(doc, &meta)) == -1) {
		client_error(c, "cannot read the registry");
		return;
	}
	if (r == 1) {
		rep.meta = &meta;
		client_send(c, MSG_SHOW_REP, &rep.base);
		dbread_show_free(&meta);
	} else {
		if (dbread_similar(doc, SHOW_SIMILAR, &similar, &n) == -1)
			n = 0;
		rep.similar = similar;
		rep.n_similar = n;
		client_send(c, MSG_SHOW_REP, &rep.base);
		for (i = 0; i < n; i++)
			free(similar[i]);
		free(similar);
	}
	client_done(c);
}

/*
 * Read-only media: a change is refused with the reason, never queued for a
 * committer that will not come.
 */
static int
refuse_readonly(struct client *c)
{
	if (sup_committer_state() != COMMITTER_NONE)
		return 0;
	client_error(c, "%s is on a read-only file system: it can be "
	    "searched and read, not changed", sup_opts->kbroot);
	return 1;
}

static void
client_dispatch(struct client *c, struct msg *m)
{
	if (!c->hello && m->type != MSG_HELLO) {
		log_warnx("client sent %s before its handshake; dropping it",
		    msg_type_name(m->type));
		client_close(c);
		return;
	}
	switch (m->type) {
	case MSG_HELLO: {
		Kbd__Hello	*h = (Kbd__Hello *)m->pb;

		if (c->hello) {
			client_error(c, "handshake twice");
			return;
		}
		if (h->version != KBD_PROTO_VERSION) {
			client_error(c, "protocol version %u, kbd speaks %u",
			    h->version, KBD_PROTO_VERSION);
			client_close(c);
			return;
		}
		if (sup_committer_state() == COMMITTER_STARTING) {
			c->waiting = 1;
			TAILQ_INSERT_TAIL(&waiting, c, wentry);
			return;
		}
		hello_reply(c);
		return;
	}
	case MSG_ADD_REQ:
		if (refuse_readonly(c))
			return;
		job_add_request(c, (Kbd__AddReq *)m->pb);
		return;
	case MSG_STATUS_REQ: {
		Kbd__StatusReq	*q = (Kbd__StatusReq *)m->pb;

		if ((c->files_job = job_status_request(c, q->job,
		    q->files)) == 0 || !q->files) {
			c->files_job = 0;
			return;
		}
		c->files_after = 0;
		c->files_failed = q->failed;
		files_continue(c);
		return;
	}
	case MSG_WAIT_REQ:
		job_wait_request(c, (Kbd__WaitReq *)m->pb);
		return;
	case MSG_SEARCH_REQ:
		/* search_waits saw a free slot; the reply comes later. */
		if (search_submit(c->id, (Kbd__SearchReq *)m->pb) == -1)
			client_error(c, "search: no free slot");
		return;
	case MSG_SHOW_REQ:
		show_request(c, ((Kbd__ShowReq *)m->pb)->doc);
		return;
	case MSG_LIST_REQ:
		c->list_after = 0;
		c->listing = 1;
		list_continue(c);
		return;
	case MSG_REMOVE_REQ:
		if (refuse_readonly(c))
			return;
		forward_remove(c, (Kbd__RemoveReq *)m->pb);
		return;
	case MSG_CANCEL_REQ:
		if (refuse_readonly(c))
			return;
		job_cancel_request(c, ((Kbd__CancelReq *)m->pb)->job);
		return;
	case MSG_JOBS_REQ: {
		Kbd__JobsReq	*q = (Kbd__JobsReq *)m->pb;
		Kbd__JobsRep	 rep = KBD__JOBS_REP__INIT;

		if (dbread_jobs(q->limit == 0 ? 20 : q->limit > 1000 ? 1000 :
		    q->limit, &rep) == -1) {
			dbread_jobs_free(&rep);
			client_error(c, "cannot read the jobs");
			return;
		}
		job_queued_states(&rep);
		client_send(c, MSG_JOBS_REP, &rep.base);
		dbread_jobs_free(&rep);
		client_done(c);
		return;
	}
	case MSG_LINT_REQ:
		if (refuse_readonly(c))
			return;
		forward_lint(c, (Kbd__LintReq *)m->pb);
		return;
	case MSG_ROOTS_REQ:
		/* Listing reads; --forget and watch change the registry. */
		if ((((Kbd__RootsReq *)m->pb)->forget[0] != '\0' ||
		    ((Kbd__RootsReq *)m->pb)->n_watch > 0) &&
		    refuse_readonly(c))
			return;
		roots_request(c, (Kbd__RootsReq *)m->pb);
		return;
	case MSG_STOP_REQ: {
		Kbd__StopRep	rep = KBD__STOP_REP__INIT;

		/* Followers exit rather than start kbd again: see job.c. */
		job_stopped();
		client_send(c, MSG_STOP_REP, &rep.base);
		/*
		 * Not from here: shutting down drops every client, this one
		 * too, and client_read still holds it.
		 */
		if (event_base_once(sup_base, -1, EV_TIMEOUT, stop_now, NULL,
		    NULL) == -1)
			fatalx("event_base_once");
		return;
	}
	default:
		log_warnx("client sent %s; dropping it",
		    msg_type_name(m->type));
		client_close(c);
		return;
	}
}
