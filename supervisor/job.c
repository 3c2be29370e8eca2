/*
 * Jobs: the add pipeline and every request that needs the committer.
 *
 * An add job walks its inputs in a fixed order and gives each file a
 * sequence number. Files move through a bounded window: hashed by a worker
 * (PREPARE), checked against the registry and the window for duplicates,
 * converted by a worker into staging files (CONVERT), then committed in
 * sequence order in batches (group commit). Because batches are cut in
 * sequence order, names are decided in scan order whatever the timing, and
 * the job's cursor (the last sequence number committed) is all a resumed
 * job needs to skip what it had done.
 *
 * Followers that ask for it get PROGRESS: which file each worker slot
 * holds and in which phase, and the job's counts. It is advisory and
 * coalesced: slots changed since the last message are marked, and one
 * message per follower goes out at most every PROGRESS_SLOTS_MS (or
 * PROGRESS_COUNTS_MS for counts only), dropped for a follower that is
 * behind (client_send_advisory), who then gets every slot next time. So
 * the cost per follower is constant, whatever the job's size or speed.
 *
 * Requests to the committer are queued in order; the committer answers in
 * order. When it dies, requests it had not answered are sent again to its
 * successor, except a batch, whose staging files recovery may have taken:
 * its files are converted again.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "kbpath.h"
#include "log.h"
#include "names.h"
#include "supervisor.h"
#include "util.h"
#include "walk.h"
#include "xmalloc.h"

#define WINDOW_MAX	512	/* files between the walk and their commit */
#define BATCH_MAX	128	/* files per commit */
#define WORKERS_MAX	256
#define PROGRESS_SLOTS_MS	100	/* a terminal redraws at most 10/s */
#define PROGRESS_COUNTS_MS	5000	/* enough for a 30 s heartbeat */
/* Paths in one PROGRESS, well under a client message's limit. */
#define PROGRESS_MAX_PATHS	(256u << 10)

enum item_state {
	IT_NEW,			/* needs PREPARE */
	IT_PREPARING,
	IT_PREPARED,		/* needs CONVERT */
	IT_CONVERTING,
	IT_DONE,		/* outcome known, waiting for its batch */
	IT_COMMITTING
};

struct item {
	uint64_t	 seq;
	char		*path;
	enum item_state	 state;
	int		 status;
	char		*reason;
	char		*doc;		/* duplicates: the document it matches */
	uint8_t		 hash[32];
	int		 have_hash;
	uint64_t	 size, dev, ino;
	int64_t		 mtime_ns;
	char		*stem, *ext;
	Kbd__ConvertRep	*conv;		/* CONVERT reply, kept for the batch */
	char		*staged_raw, *staged_md;
	int		 slot;		/* progress slot showing it, or -1 */
	int64_t		 slot_since;	/* when it took the slot */
};

struct follower {
	TAILQ_ENTRY(follower)	 entry;
	struct client		*c;
	int			 progress;	/* Kbd__ProgressLevel */
	int64_t			 last_ms;	/* last PROGRESS sent */
	int			 need_full;	/* missed one: send every slot */
};
TAILQ_HEAD(followerlist, follower);

struct job {
	TAILQ_ENTRY(job)	 entry;
	uint64_t		 id;
	Kbd__JobCreateReq	*req;
	unsigned		 par;
	struct walk		 walk;
	int			 walk_done;
	uint64_t		 next_seq;	/* last seq handed out */
	uint64_t		 cursor;	/* last seq committed */
	uint64_t		 skip_to;	/* resumed: committed before */
	struct item		*win[WINDOW_MAX];
	unsigned		 inflight;	/* worker requests */
	int			 batch_out;
	uint64_t		 batch_no;
	int			 finishing;
	int			 failed;
	int			 cancelled;	/* by a client: no new files */
	int			 cancel_recorded; /* in the job's row */
	char			*error;
	struct followerlist	 followers;
	/* Progress: what each slot shows, and what changed since sent. */
	struct item		*slot_it[WORKERS_MAX];
	unsigned char		 slot_busy[WORKERS_MAX];
	unsigned char		 slot_dirty[WORKERS_MAX];
	uint64_t		 bytes_done;
	uint64_t		 sent_done, sent_total;
	int			 sent_final;
	struct event		*progress_ev;
};
TAILQ_HEAD(joblist, job);

/* A request to the committer, kept until answered. */
enum op_kind {
	OP_JOB_CREATE,
	OP_BATCH,
	OP_JOB_FINISH,
	OP_JOB_CANCEL,
	OP_REMOVE,
	OP_LINT
};

struct op {
	TAILQ_ENTRY(op)		 entry;
	enum op_kind		 kind;
	int			 sent;
	struct client		*c;
	struct job		*job;
	ProtobufCMessage	*req;		/* create, finish, cancel,
						   remove, lint */
	int			 follow;
	int			 progress;	/* create: follower's level */
	int			 state;		/* finish */
	uint64_t		 count;		/* batch: items */
};
TAILQ_HEAD(oplist, op);

static struct joblist	 jobs = TAILQ_HEAD_INITIALIZER(jobs);
static struct oplist	 ops = TAILQ_HEAD_INITIALIZER(ops);
static struct oplist	 lints = TAILQ_HEAD_INITIALIZER(lints);
static struct childlist	 idle = TAILQ_HEAD_INITIALIZER(idle);
static unsigned		 nworkers;

static void	job_pump(void);
static void	send_summary(struct client *, uint64_t, int, int);
static void	ops_send(void);
static void	drain_failed(struct job *);
static void	progress_schedule(struct job *);
static void	on_progress(evutil_socket_t, short, void *);

/* ---- workers ---- */

static void	on_timeout(evutil_socket_t, short, void *);

static void
worker_start(void)
{
	struct child	*c;

	c = proc_spawn(ROLE_WORKER);
	if ((c->timer = evtimer_new(sup_base, on_timeout, c)) == NULL)
		fatalx("evtimer_new");
	c->idle = 1;
	TAILQ_INSERT_TAIL(&idle, c, entry_idle);
	nworkers++;
}

static void
unlink_staging(struct item *it)
{
	if (it->staged_raw != NULL) {
		(void)unlink(it->staged_raw);
		free(it->staged_raw);
		it->staged_raw = NULL;
	}
	if (it->staged_md != NULL) {
		(void)unlink(it->staged_md);
		free(it->staged_md);
		it->staged_md = NULL;
	}
}

static void
item_free(struct item *it)
{
	unlink_staging(it);
	if (it->conv != NULL)
		kbd__convert_rep__free_unpacked(it->conv, NULL);
	free(it->path);
	free(it->reason);
	free(it->doc);
	free(it->stem);
	free(it->ext);
	free(it);
}

static void
item_outcome(struct item *it, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
item_outcome(struct item *it, int status, const char *fmt, ...)
{
	va_list	ap;

	it->state = IT_DONE;
	it->status = status;
	free(it->reason);
	it->reason = NULL;
	if (fmt != NULL) {
		va_start(ap, fmt);
		if (vasprintf(&it->reason, fmt, ap) == -1)
			fatal("vasprintf");
		va_end(ap);
	}
	if (status != KBD__FILE_STATUS__FS_ADDED)
		unlink_staging(it);
}

static struct item *
win_get(struct job *j, uint64_t seq)
{
	if (seq <= j->cursor || seq > j->next_seq)
		return NULL;
	return j->win[seq % WINDOW_MAX];
}

/*
 * Progress slots. A file takes the lowest slot no worker holds when a
 * worker takes it; when the worker is done with it, a file whose outcome
 * is known keeps showing there (phase commit) until it is committed or
 * another file takes the slot, and a file waiting for its conversion
 * leaves it. So at most the job's parallelism rows, in stable places.
 */
static void
slot_take(struct job *j, struct item *it)
{
	struct item	*o;
	unsigned	 s;

	if (it->slot >= 0) {
		j->slot_it[it->slot] = NULL;
		j->slot_dirty[it->slot] = 1;
		it->slot = -1;
	}
	for (s = 0; s < j->par && j->slot_busy[s]; s++)
		;
	if (s == j->par)
		return;
	if ((o = j->slot_it[s]) != NULL)
		o->slot = -1;
	j->slot_it[s] = it;
	j->slot_busy[s] = 1;
	j->slot_dirty[s] = 1;
	it->slot = (int)s;
	it->slot_since = mono_ms();
}

/* The worker is done with it; call once its new state is set. */
static void
slot_release(struct job *j, struct item *it)
{
	if (j == NULL || it == NULL || it->slot < 0)
		return;
	j->slot_busy[it->slot] = 0;
	j->slot_dirty[it->slot] = 1;
	if (it->state != IT_DONE) {
		j->slot_it[it->slot] = NULL;
		it->slot = -1;
	}
}

/* The item is going away. */
static void
slot_forget(struct job *j, struct item *it)
{
	if (it->slot < 0)
		return;
	j->slot_it[it->slot] = NULL;
	j->slot_busy[it->slot] = 0;
	j->slot_dirty[it->slot] = 1;
	it->slot = -1;
}

/* Before the send: a failed send may already report the worker dead. */
static void
worker_busy(struct child *w, struct job *j, struct item *it)
{
	struct timeval	tv;

	slot_take(j, it);
	TAILQ_REMOVE(&idle, w, entry_idle);
	w->idle = 0;
	w->item = it;
	w->busy = 1;
	j->inflight++;
	tv.tv_sec = sup_opts->timeout;
	tv.tv_usec = 0;
	evtimer_add(w->timer, &tv);
}

static void
send_request(struct child *w, struct job *j, struct item *it)
{
	int		 fds[3], n = 1;
	char		*raw, *md;

	fds[0] = open(it->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fds[0] == -1) {
		item_outcome(it, KBD__FILE_STATUS__FS_FAILED, "%s",
		    strerror(errno));
		return;
	}
	if (it->state == IT_NEW) {
		Kbd__PrepareReq	r = KBD__PREPARE_REQ__INIT;

		r.seq = it->seq;
		r.max_size = j->req->max_size;
		r.ext = (char *)format_ext_for(it->stem, it->ext);
		it->state = IT_PREPARING;
		worker_busy(w, j, it);
		proc_send(w, MSG_PREPARE_REQ, &r.base, fds, 1);
	} else {
		Kbd__ConvertReq	r = KBD__CONVERT_REQ__INIT;

		raw = kbpath_staged(j->id, it->seq, "raw");
		md = kbpath_staged(j->id, it->seq, "md");
		it->staged_raw = raw;
		it->staged_md = md;
		fds[1] = open(raw, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
		fds[2] = open(md, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
		if (fds[1] == -1 || fds[2] == -1) {
			item_outcome(it, KBD__FILE_STATUS__FS_FAILED,
			    "cannot create staging file: %s", strerror(errno));
			close(fds[0]);
			if (fds[1] != -1)
				close(fds[1]);
			if (fds[2] != -1)
				close(fds[2]);
			return;
		}
		n = 3;
		r.seq = it->seq;
		r.ext = (char *)format_ext_for(it->stem, it->ext);
		r.expect_hash.data = it->hash;
		r.expect_hash.len = sizeof(it->hash);
		r.max_size = j->req->max_size;
		r.max_output = sup_opts->max_output;
		it->state = IT_CONVERTING;
		worker_busy(w, j, it);
		proc_send(w, MSG_CONVERT_REQ, &r.base, fds, n);
	}
}

static void
on_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct child	*w = arg;

	(void)fd;
	(void)ev;
	if (w->item == NULL)
		return;
	log_warnx("worker %ld: %s timed out after %u s", (long)w->pid,
	    w->item->path, sup_opts->timeout);
	w->timed_out = 1;
	(void)kill(w->pid, SIGKILL);
}

/* The worker's request is over: back to the idle list. */
static void
worker_release(struct child *w)
{
	struct job	*j = TAILQ_FIRST(&jobs);

	evtimer_del(w->timer);
	w->item = NULL;
	if (w->busy) {
		w->busy = 0;
		if (j != NULL && j->inflight > 0)
			j->inflight--;
		/*
		 * A worker the watchdog killed may still have answered in
		 * time; it is dying all the same and gets no more files.
		 */
		if (!w->closed && !w->timed_out) {
			w->idle = 1;
			TAILQ_INSERT_TAIL(&idle, w, entry_idle);
		}
	}
}

void
job_worker_died(struct child *w, const char *reason)
{
	struct item	*it = w->item;

	if (w->busy) {
		w->item = NULL;
		w->busy = 0;
		evtimer_del(w->timer);
		if (TAILQ_FIRST(&jobs) != NULL && TAILQ_FIRST(&jobs)->inflight)
			TAILQ_FIRST(&jobs)->inflight--;
	}
	if (w->idle) {
		TAILQ_REMOVE(&idle, w, entry_idle);
		w->idle = 0;
	}
	nworkers--;
	/* Killed because kbd is stopping: the file is redone on resume. */
	if (sup_stopping_p())
		return;
	if (it != NULL) {
		log_warnx("%s: %s", it->path, reason);
		item_outcome(it, KBD__FILE_STATUS__FS_FAILED, "%s", reason);
		slot_release(TAILQ_FIRST(&jobs), it);
	}
	worker_start();
	job_pump();
}

static int
hash_in_window(struct job *j, struct item *it, struct item **match)
{
	struct item	*o;
	uint64_t	 s;

	for (s = j->cursor + 1; s < it->seq; s++) {
		o = win_get(j, s);
		if (o == NULL || !o->have_hash)
			continue;
		if (o->status == KBD__FILE_STATUS__FS_FAILED ||
		    o->status == KBD__FILE_STATUS__FS_DUPLICATE)
			continue;
		if (memcmp(o->hash, it->hash, sizeof(it->hash)) == 0) {
			*match = o;
			return 1;
		}
	}
	return 0;
}

void
job_worker_reply(struct child *w, struct msg *m)
{
	struct item	*it = w->item;
	struct job	*j = TAILQ_FIRST(&jobs);
	struct item	*o;
	char		 name[512];

	if (m->type == MSG_PREPARE_REP) {
		Kbd__PrepareRep	*r = (Kbd__PrepareRep *)m->pb;

		if (it->state != IT_PREPARING || r->seq != it->seq ||
		    (r->ok && r->hash.len != sizeof(it->hash))) {
			log_warnx("worker %ld: reply does not match its request",
			    (long)w->pid);
			(void)kill(w->pid, SIGKILL);
			return;
		}
		worker_release(w);
		if (!r->ok) {
			item_outcome(it, KBD__FILE_STATUS__FS_FAILED, "%s",
			    r->reason);
		} else {
			memcpy(it->hash, r->hash.data, sizeof(it->hash));
			it->have_hash = 1;
			it->size = r->size;
			if (query_doc_by_hash(it->hash, name, sizeof(name)) == 1) {
				it->doc = xstrdup(name);
				item_outcome(it, KBD__FILE_STATUS__FS_DUPLICATE,
				    "same content as %s", name);
			} else if (hash_in_window(j, it, &o))
				item_outcome(it, KBD__FILE_STATUS__FS_DUPLICATE,
				    "same content as %s", o->path);
			else
				it->state = IT_PREPARED;
		}
	} else {
		Kbd__ConvertRep	*r = (Kbd__ConvertRep *)m->pb;

		if (it->state != IT_CONVERTING || r->seq != it->seq) {
			log_warnx("worker %ld: reply does not match its request",
			    (long)w->pid);
			(void)kill(w->pid, SIGKILL);
			return;
		}
		worker_release(w);
		if (!r->ok)
			item_outcome(it, KBD__FILE_STATUS__FS_FAILED, "%s",
			    r->reason);
		else if (protobuf_c_message_get_packed_size(m->pb) >
		    MSG_MAX_INTERNAL / 2)
			/* Must fit a BatchItem with the path beside it. */
			item_outcome(it, KBD__FILE_STATUS__FS_FAILED,
			    "converter metadata too large");
		else {
			/* The dispatcher frees m: keep our own copy. */
			it->conv = (Kbd__ConvertRep *)m->pb;
			m->pb = NULL;
			item_outcome(it, KBD__FILE_STATUS__FS_ADDED, NULL);
		}
	}
	slot_release(j, it);
	job_pump();
}

/* ---- the window ---- */

static struct item *
item_from_walk(struct job *j, struct walk_entry *e)
{
	struct item	*it;
	char		 name[512];

	it = xcalloc(1, sizeof(*it));
	it->seq = ++j->next_seq;
	it->path = e->path;
	it->state = IT_NEW;
	it->slot = -1;
	format_split(it->path, &it->stem, &it->ext);
	if (e->status != KBD__FILE_STATUS__FS_NONE) {
		item_outcome(it, e->status, "%s", e->reason);
		return it;
	}
	it->dev = (uint64_t)e->st.st_dev;
	it->ino = (uint64_t)e->st.st_ino;
	it->size = (uint64_t)e->st.st_size;
	it->mtime_ns = (int64_t)e->st.st_mtim.tv_sec * 1000000000 +
	    e->st.st_mtim.tv_nsec;
	if (!format_readable(it->ext)) {
		format_unsupported(it->ext, name, sizeof(name));
		item_outcome(it, KBD__FILE_STATUS__FS_SKIPPED, "%s", name);
		return it;
	}
	/* Unchanged since it was added: known without reading a byte. */
	if (query_doc_by_stat(it->dev, it->ino, it->size, it->mtime_ns, name,
	    sizeof(name)) == 1) {
		it->doc = xstrdup(name);
		item_outcome(it, KBD__FILE_STATUS__FS_DUPLICATE,
		    "unchanged since added as %s", name);
	}
	return it;
}

static void
fill_window(struct job *j, uint64_t skip_to)
{
	struct walk_entry	e;
	struct item		*it;

	while (!j->walk_done && j->next_seq - j->cursor < WINDOW_MAX) {
		if (walk_next(&j->walk, &e) == 0) {
			j->walk_done = 1;
			walk_free(&j->walk);
			break;
		}
		if (j->next_seq < skip_to) {
			/* Committed before kbd stopped: not redone. */
			j->next_seq++;
			j->cursor = j->next_seq;
			free(e.path);
			continue;
		}
		/* Not in one expression: item_from_walk moves next_seq. */
		it = item_from_walk(j, &e);
		j->win[it->seq % WINDOW_MAX] = it;
	}
}

static void
dispatch(struct job *j)
{
	struct child	*w;
	struct item	*it;
	uint64_t	 s;

	/* Files needing conversion first: they are closest to commit. */
	for (s = j->cursor + 1; s <= j->next_seq; s++) {
		if ((w = TAILQ_FIRST(&idle)) == NULL || j->inflight >= j->par)
			return;
		it = win_get(j, s);
		if (it->state == IT_PREPARED)
			send_request(w, j, it);
	}
	for (s = j->cursor + 1; s <= j->next_seq; s++) {
		if ((w = TAILQ_FIRST(&idle)) == NULL || j->inflight >= j->par)
			return;
		it = win_get(j, s);
		if (it->state == IT_NEW)
			send_request(w, j, it);
	}
}

static struct op *
op_new(enum op_kind kind, struct client *c, struct job *j)
{
	struct op	*o;

	o = xcalloc(1, sizeof(*o));
	o->kind = kind;
	o->c = c;
	o->job = j;
	TAILQ_INSERT_TAIL(&ops, o, entry);
	return o;
}

static void
op_free(struct op *o)
{
	if (o->req != NULL)
		protobuf_c_message_free_unpacked(o->req, NULL);
	free(o);
}

static void
send_batch(struct job *j, uint64_t last)
{
	Kbd__BatchBegin	 b = KBD__BATCH_BEGIN__INIT;
	Kbd__BatchEnd	 e = KBD__BATCH_END__INIT;
	struct op	*o;
	struct item	*it;
	uint64_t	 s;

	b.job = e.job = j->id;
	b.batch = e.batch = ++j->batch_no;
	b.count = (uint32_t)(last - j->cursor);
	e.cursor = last;
	proc_send(proc_committer, MSG_BATCH_BEGIN, &b.base, NULL, 0);
	for (s = j->cursor + 1; s <= last; s++) {
		Kbd__BatchItem	bi = KBD__BATCH_ITEM__INIT;

		it = win_get(j, s);
		it->state = IT_COMMITTING;
		bi.seq = it->seq;
		bi.path = it->path;
		bi.status = it->status;
		bi.reason = it->reason ? it->reason : (char *)"";
		bi.stem = it->stem;
		bi.ext = it->ext;
		bi.size = it->size;
		bi.dev = it->dev;
		bi.ino = it->ino;
		bi.mtime_ns = it->mtime_ns;
		if (it->have_hash) {
			bi.hash.data = it->hash;
			bi.hash.len = sizeof(it->hash);
		}
		if (it->status == KBD__FILE_STATUS__FS_ADDED) {
			bi.title = it->conv->title;
			bi.description = it->conv->description;
			bi.outline = it->conv->outline;
			bi.n_outline = it->conv->n_outline;
			bi.staged_raw = it->staged_raw;
			bi.staged_md = it->staged_md;
			bi.size = it->conv->size;
		}
		proc_send(proc_committer, MSG_BATCH_ITEM, &bi.base, NULL, 0);
	}
	proc_send(proc_committer, MSG_BATCH_END, &e.base, NULL, 0);
	o = op_new(OP_BATCH, NULL, j);
	o->sent = 1;
	o->count = b.count;
	j->batch_out = 1;
}

static void
maybe_batch(struct job *j)
{
	struct item	*it;
	uint64_t	 s, last = 0;

	if (j->batch_out || !sup_committer_ready || j->finishing)
		return;
	/* A batch may not jump the queue of requests already waiting. */
	if (!TAILQ_EMPTY(&ops))
		return;
	for (s = j->cursor + 1; s <= j->next_seq && s - j->cursor <= BATCH_MAX;
	    s++) {
		it = win_get(j, s);
		if (it->state != IT_DONE)
			break;
		last = s;
	}
	if (last != 0)
		send_batch(j, last);
}

static void
job_finish(struct job *j, int state, const char *error)
{
	Kbd__JobFinishReq	*r;
	struct op		*o;

	j->finishing = 1;
	r = xmalloc(sizeof(*r));
	kbd__job_finish_req__init(r);
	r->job = j->id;
	r->state = state;
	r->error = xstrdup(error != NULL ? error : "");
	o = op_new(OP_JOB_FINISH, NULL, j);
	o->req = &r->base;
	ops_send();
}

static void
job_free(struct job *j)
{
	struct follower	*f;
	struct item	*it;
	uint64_t	 s;

	for (s = j->cursor + 1; s <= j->next_seq; s++)
		if ((it = win_get(j, s)) != NULL)
			item_free(it);
	while ((f = TAILQ_FIRST(&j->followers)) != NULL) {
		TAILQ_REMOVE(&j->followers, f, entry);
		free(f);
	}
	event_free(j->progress_ev);
	walk_free(&j->walk);
	kbd__job_create_req__free_unpacked(j->req, NULL);
	free(j->error);
	free(j);
}

static void
job_pump(void)
{
	struct job	*j;
	struct op	*o;

	if (sup_stopping_p())
		return;
	while ((j = TAILQ_FIRST(&jobs)) != NULL) {
		if (j->finishing)
			return;
		drain_failed(j);
		fill_window(j, j->skip_to);
		if (sup_committer_ready)
			dispatch(j);
		maybe_batch(j);
		progress_schedule(j);
		if (j->walk_done && j->next_seq == j->cursor && !j->batch_out &&
		    j->inflight == 0)
			job_finish(j, j->failed ? KBD__JOB_STATE__JOB_FAILED :
			    j->cancelled ? KBD__JOB_STATE__JOB_CANCELLED :
			    KBD__JOB_STATE__JOB_DONE, j->error);
		return;
	}
	/* No job: lints waiting for a quiet KB may go now. */
	while ((o = TAILQ_FIRST(&lints)) != NULL) {
		TAILQ_REMOVE(&lints, o, entry);
		TAILQ_INSERT_TAIL(&ops, o, entry);
	}
	ops_send();
}

static void
job_start_walk(struct job *j)
{
	walk_init(&j->walk, j->req->inputs, j->req->n_inputs, sup_opts->kbroot);
}

static struct job *
job_new(uint64_t id, Kbd__JobCreateReq *req)
{
	struct job	*j;
	unsigned	 par;

	j = xcalloc(1, sizeof(*j));
	j->id = id;
	j->req = req;
	TAILQ_INIT(&j->followers);
	par = req->jobs ? req->jobs : sup_opts->jobs;
	if (par > WORKERS_MAX)
		par = WORKERS_MAX;
	j->par = par;
	if ((j->progress_ev = evtimer_new(sup_base, on_progress, j)) == NULL)
		fatalx("evtimer_new");
	job_start_walk(j);
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	while (nworkers < par)
		worker_start();
	return j;
}

static struct job *
job_find(uint64_t id)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobs, entry)
		if (j->id == id)
			return j;
	return NULL;
}

static void
job_add_follower(struct job *j, struct client *c, int progress)
{
	struct follower	*f;

	f = xcalloc(1, sizeof(*f));
	f->c = c;
	f->progress = progress;
	f->need_full = 1;
	TAILQ_INSERT_TAIL(&j->followers, f, entry);
	if (j == TAILQ_FIRST(&jobs) && !j->finishing)
		progress_schedule(j);
}

/* ---- progress ---- */

static int64_t
progress_interval(const struct follower *f)
{
	return f->progress == KBD__PROGRESS_LEVEL__PROGRESS_SLOTS ?
	    PROGRESS_SLOTS_MS : PROGRESS_COUNTS_MS;
}

static int
progress_changed(const struct job *j)
{
	unsigned	s;

	if (j->cursor != j->sent_done || j->next_seq != j->sent_total ||
	    j->walk_done != j->sent_final)
		return 1;
	for (s = 0; s < j->par; s++)
		if (j->slot_dirty[s])
			return 1;
	return 0;
}

static int
slot_phase(const struct job *j, unsigned s)
{
	const struct item	*it = j->slot_it[s];

	if (it == NULL)
		return KBD__PHASE__PHASE_IDLE;
	if (j->slot_busy[s])
		return it->state == IT_PREPARING ? KBD__PHASE__PHASE_HASH :
		    KBD__PHASE__PHASE_CONVERT;
	if (it->state == IT_DONE || it->state == IT_COMMITTING)
		return KBD__PHASE__PHASE_COMMIT;
	return KBD__PHASE__PHASE_IDLE;
}

/*
 * Fill p with the job's counts and the slots that changed (full: every
 * busy slot). Slots past what one message should carry stay marked for
 * the next one; a full message cut short says it is not full.
 */
static void
progress_build(struct job *j, Kbd__Progress *p, Kbd__SlotState *st,
    Kbd__SlotState **ptr, int full)
{
	int64_t		 now = mono_ms();
	size_t		 paths = 0;
	unsigned	 s;
	int		 ph;

	kbd__progress__init(p);
	p->job = j->id;
	p->done = j->cursor;
	p->total = j->next_seq;
	p->total_final = j->walk_done;
	p->bytes_done = j->bytes_done;
	p->slots = j->par;
	p->full = full;
	p->changed = ptr;
	for (s = 0; s < j->par; s++) {
		if (full ? j->slot_it[s] == NULL : !j->slot_dirty[s])
			continue;
		ph = slot_phase(j, s);
		if (full && ph == KBD__PHASE__PHASE_IDLE)
			continue;
		if (ph != KBD__PHASE__PHASE_IDLE &&
		    (paths += strlen(j->slot_it[s]->path) + 32) >
		    PROGRESS_MAX_PATHS) {
			p->full = 0;
			break;
		}
		kbd__slot_state__init(&st[p->n_changed]);
		st[p->n_changed].slot = s;
		st[p->n_changed].phase = ph;
		if (ph != KBD__PHASE__PHASE_IDLE) {
			st[p->n_changed].seq = j->slot_it[s]->seq;
			st[p->n_changed].path = j->slot_it[s]->path;
			st[p->n_changed].size = j->slot_it[s]->size;
			st[p->n_changed].elapsed_ms = (uint64_t)(now -
			    j->slot_it[s]->slot_since);
		}
		ptr[p->n_changed] = &st[p->n_changed];
		p->n_changed++;
		if (!full)
			j->slot_dirty[s] = 0;
	}
}

static void
progress_send(struct job *j)
{
	static Kbd__SlotState	 dst[WORKERS_MAX], fst[WORKERS_MAX];
	static Kbd__SlotState	*dptr[WORKERS_MAX], *fptr[WORKERS_MAX];
	Kbd__Progress		 delta, full, counts;
	struct follower		*f;
	int64_t			 now = mono_ms();
	int			 have_full = 0;

	/* Full first: building the delta clears the marks. */
	TAILQ_FOREACH(f, &j->followers, entry)
		/* cppcheck-suppress uninitvar */
		if (f->progress == KBD__PROGRESS_LEVEL__PROGRESS_SLOTS &&
		    f->need_full && now - f->last_ms >= PROGRESS_SLOTS_MS)
			have_full = 1;
	if (have_full)
		progress_build(j, &full, fst, fptr, 1);
	progress_build(j, &delta, dst, dptr, 0);
	counts = delta;
	counts.n_changed = 0;
	counts.changed = NULL;
	TAILQ_FOREACH(f, &j->followers, entry) {
		const Kbd__Progress	*p;

		if (f->progress == KBD__PROGRESS_LEVEL__PROGRESS_NONE)
			continue;
		if (now - f->last_ms < progress_interval(f)) {
			/* Not its turn: it gets everything when it comes. */
			f->need_full = 1;
			continue;
		}
		if (f->progress == KBD__PROGRESS_LEVEL__PROGRESS_COUNTS)
			p = &counts;
		else
			p = f->need_full ? &full : &delta;
		if (client_send_advisory(f->c, MSG_PROGRESS, &p->base)) {
			f->last_ms = now;
			f->need_full = 0;
		} else
			f->need_full = 1;
	}
	j->sent_done = j->cursor;
	j->sent_total = j->next_seq;
	j->sent_final = j->walk_done;
}

static void
on_progress(evutil_socket_t fd, short ev, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)ev;
	progress_send(j);
	/* Followers whose turn had not come, or marks left over. */
	progress_schedule(j);
}

/* Something may have changed: send it when the next follower is due. */
static void
progress_schedule(struct job *j)
{
	struct follower	*f;
	struct timeval	 tv;
	int64_t		 now, due = -1, d;
	int		 changed, wanted = 0;

	if (evtimer_pending(j->progress_ev, NULL))
		return;
	/* cppcheck-suppress uninitvar */
	TAILQ_FOREACH(f, &j->followers, entry)
		if (f->progress != KBD__PROGRESS_LEVEL__PROGRESS_NONE)
			wanted = 1;
	if (!wanted)
		return;
	changed = progress_changed(j);
	now = mono_ms();
	TAILQ_FOREACH(f, &j->followers, entry) {
		/* cppcheck-suppress uninitvar */
		if (f->progress == KBD__PROGRESS_LEVEL__PROGRESS_NONE ||
		    (!changed && !f->need_full))
			continue;
		d = f->last_ms + progress_interval(f);
		if (due == -1 || d < due)
			due = d;
	}
	if (due == -1)
		return;
	d = due > now ? due - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(j->progress_ev, &tv);
}

static void
emit_event(struct job *j, struct item *it, const Kbd__ItemResult *r)
{
	Kbd__FileEvent	 ev = KBD__FILE_EVENT__INIT;
	struct follower	*f;

	if (TAILQ_EMPTY(&j->followers))
		return;
	ev.job = j->id;
	ev.seq = it->seq;
	ev.path = it->path;
	ev.status = r->status;
	ev.doc = r->doc[0] ? r->doc : (it->doc ? it->doc : (char *)"");
	ev.reason = r->reason[0] ? r->reason : (it->reason ? it->reason :
	    (char *)"");
	TAILQ_FOREACH(f, &j->followers, entry) {
		/* cppcheck-suppress uninitvar */
		client_send(f->c, MSG_FILE_EVENT, &ev.base);
	}
}

static void
batch_reply(struct op *o, Kbd__BatchRep *r)
{
	struct job	*j = o->job;
	struct item	*it;
	size_t		 i;

	j->batch_out = 0;
	if (r->job != j->id || r->n_results != o->count)
		fatalx("committer answered batch %llu of job %llu with %zu "
		    "results for %llu items", (unsigned long long)r->batch,
		    (unsigned long long)r->job, r->n_results,
		    (unsigned long long)o->count);
	for (i = 0; i < r->n_results; i++) {
		it = win_get(j, j->cursor + 1);
		if (it == NULL || it->seq != r->results[i]->seq)
			fatalx("committer's batch results out of order");
		if (r->error[0] != '\0') {
			Kbd__ItemResult	fail = *r->results[i];

			fail.status = KBD__FILE_STATUS__FS_FAILED;
			fail.reason = r->error;
			if (it->status == KBD__FILE_STATUS__FS_ADDED)
				emit_event(j, it, &fail);
			else
				emit_event(j, it, r->results[i]);
		} else
			emit_event(j, it, r->results[i]);
		/* Published or not, staging is the committer's business now. */
		free(it->staged_raw);
		free(it->staged_md);
		it->staged_raw = it->staged_md = NULL;
		j->win[it->seq % WINDOW_MAX] = NULL;
		j->cursor = it->seq;
		j->bytes_done += it->size;
		slot_forget(j, it);
		item_free(it);
	}
	if (r->error[0] != '\0' && !j->failed) {
		log_warnx("job %llu: batch failed: %s",
		    (unsigned long long)j->id, r->error);
		j->failed = 1;
		j->error = xstrdup(r->error);
		/* Stop walking: the job ends with what it has. */
		j->walk_done = 1;
		walk_free(&j->walk);
	}
}

/*
 * A job whose batch failed (disk full, I/O error) ends: files not yet
 * committed are cancelled, and recorded as such, rather than tried again
 * against a KB that just refused a batch. A job cancelled by a client
 * cancels the files no worker has started; those in flight finish and
 * are committed.
 */
static void
drain_failed(struct job *j)
{
	struct item	*it;
	uint64_t	 s;

	if (!j->failed && !j->cancelled)
		return;
	for (s = j->cursor + 1; s <= j->next_seq; s++) {
		it = win_get(j, s);
		if (it->state == IT_NEW || it->state == IT_PREPARED)
			item_outcome(it, KBD__FILE_STATUS__FS_CANCELLED, "%s%s",
			    j->failed ? "job failed: " : "cancelled before start",
			    j->failed ? j->error : "");
		else if (j->failed && it->state == IT_DONE &&
		    it->status == KBD__FILE_STATUS__FS_ADDED)
			item_outcome(it, KBD__FILE_STATUS__FS_CANCELLED,
			    "job failed: %s", j->error);
	}
}

static void
finish_reply(struct op *o, Kbd__JobSummary *s)
{
	struct job	*j = o->job;
	struct follower	*f;

	log_info("job %llu %s: %llu added, %llu duplicates, %llu skipped, "
	    "%llu failed", (unsigned long long)j->id, job_state_str(s->state),
	    (unsigned long long)s->added, (unsigned long long)s->duplicates,
	    (unsigned long long)s->skipped, (unsigned long long)s->failed);
	while ((f = TAILQ_FIRST(&j->followers)) != NULL) {
		TAILQ_REMOVE(&j->followers, f, entry);
		client_send(f->c, MSG_JOB_SUMMARY, &s->base);
		client_done(f->c);
		free(f);
	}
	TAILQ_REMOVE(&jobs, j, entry);
	job_free(j);
}

/*
 * The committer has recorded a cancel (or could not: then it holds only
 * until kbd stops). The client that asked is answered now, so that once
 * kbctl cancel returns, the cancel survives a crash.
 */
static void
cancel_reply(struct op *o, Kbd__JobCancelRep *r)
{
	Kbd__JobCancelReq	*req = (Kbd__JobCancelReq *)o->req;
	struct job		*j;

	if (r->job != req->job)
		fatalx("committer answered the cancel of job %llu for job %llu",
		    (unsigned long long)req->job, (unsigned long long)r->job);
	if (r->error[0] != '\0')
		log_warnx("job %llu: cancel not recorded, it holds until kbd "
		    "stops: %s", (unsigned long long)req->job, r->error);
	else if ((j = job_find(req->job)) != NULL)
		j->cancel_recorded = 1;
	if (o->c != NULL)
		send_summary(o->c, req->job, 0, 0);
}

static void
ops_send(void)
{
	struct op	*o;

	if (!sup_committer_ready || proc_committer == NULL)
		return;
	TAILQ_FOREACH(o, &ops, entry) {
		/* cppcheck-suppress uninitvar */
		if (o->sent)
			continue;
		switch (o->kind) {
		case OP_JOB_CREATE:
			proc_send(proc_committer, MSG_JOB_CREATE_REQ, o->req,
			    NULL, 0);
			break;
		case OP_JOB_FINISH:
			proc_send(proc_committer, MSG_JOB_FINISH_REQ, o->req,
			    NULL, 0);
			break;
		case OP_JOB_CANCEL:
			proc_send(proc_committer, MSG_JOB_CANCEL_REQ, o->req,
			    NULL, 0);
			break;
		case OP_REMOVE:
			proc_send(proc_committer, MSG_C_REMOVE_REQ, o->req,
			    NULL, 0);
			break;
		case OP_LINT:
			proc_send(proc_committer, MSG_C_LINT_REQ, o->req,
			    NULL, 0);
			break;
		case OP_BATCH:
			fatalx("unsent batch in the queue");
		}
		o->sent = 1;
	}
}

void
job_committer_msg(struct msg *m)
{
	struct op	*o;
	struct job	*j;

	if ((o = TAILQ_FIRST(&ops)) == NULL || !o->sent)
		goto bad;
	switch (m->type) {
	case MSG_JOB_CREATE_REP: {
		Kbd__JobCreateRep	*r = (Kbd__JobCreateRep *)m->pb;
		Kbd__AddRep		 rep = KBD__ADD_REP__INIT;

		if (o->kind != OP_JOB_CREATE)
			goto bad;
		TAILQ_REMOVE(&ops, o, entry);
		if (r->error[0] != '\0' || r->job == 0) {
			if (o->c != NULL)
				client_error(o->c, "cannot create job: %s",
				    r->error);
			op_free(o);
			break;
		}
		j = job_new(r->job, (Kbd__JobCreateReq *)o->req);
		o->req = NULL;
		log_info("job %llu: %zu inputs", (unsigned long long)j->id,
		    j->req->n_inputs);
		if (o->c != NULL) {
			rep.job = j->id;
			client_send(o->c, MSG_ADD_REP, &rep.base);
			if (o->follow)
				job_add_follower(j, o->c, o->progress);
			else
				client_done(o->c);
		}
		op_free(o);
		break;
	}
	case MSG_BATCH_REP:
		if (o->kind != OP_BATCH)
			goto bad;
		TAILQ_REMOVE(&ops, o, entry);
		batch_reply(o, (Kbd__BatchRep *)m->pb);
		op_free(o);
		break;
	case MSG_JOB_FINISH_REP:
		if (o->kind != OP_JOB_FINISH)
			goto bad;
		TAILQ_REMOVE(&ops, o, entry);
		finish_reply(o, (Kbd__JobSummary *)m->pb);
		op_free(o);
		break;
	case MSG_JOB_CANCEL_REP:
		if (o->kind != OP_JOB_CANCEL)
			goto bad;
		TAILQ_REMOVE(&ops, o, entry);
		cancel_reply(o, (Kbd__JobCancelRep *)m->pb);
		op_free(o);
		break;
	case MSG_C_REMOVE_REP:
		if (o->kind != OP_REMOVE)
			goto bad;
		TAILQ_REMOVE(&ops, o, entry);
		if (o->c != NULL) {
			client_send(o->c, MSG_REMOVE_REP, m->pb);
			client_done(o->c);
		}
		op_free(o);
		break;
	case MSG_C_LINT_REP:
		if (o->kind != OP_LINT)
			goto bad;
		TAILQ_REMOVE(&ops, o, entry);
		if (o->c != NULL) {
			client_send(o->c, MSG_LINT_REP, m->pb);
			client_done(o->c);
		}
		op_free(o);
		break;
	default:
		goto bad;
	}
	job_pump();
	return;
bad:
	log_warnx("committer sent %s out of turn; killing it",
	    msg_type_name(m->type));
	(void)kill(proc_committer->pid, SIGKILL);
}

/*
 * The committer died. Its successor replays the journal of a batch it was
 * in (rolling it back or finalizing it), so a batch is simply resent; but
 * recovery may have removed the staging files it had published, so its
 * files are converted again first. Other requests are resent as they were.
 */
void
job_committer_died(void)
{
	struct op	*o, *next;
	struct job	*j;
	struct item	*it;
	uint64_t	 s;

	for (o = TAILQ_FIRST(&ops); o != NULL; o = next) {
		next = TAILQ_NEXT(o, entry);
		o->sent = 0;
		if (o->kind != OP_BATCH)
			continue;
		j = o->job;
		j->batch_out = 0;
		for (s = j->cursor + 1; s <= j->next_seq; s++) {
			it = win_get(j, s);
			if (it->state != IT_COMMITTING)
				continue;
			if (it->status == KBD__FILE_STATUS__FS_ADDED) {
				slot_forget(j, it);
				unlink_staging(it);
				kbd__convert_rep__free_unpacked(it->conv, NULL);
				it->conv = NULL;
				it->status = KBD__FILE_STATUS__FS_NONE;
				it->state = IT_PREPARED;
			} else
				it->state = IT_DONE;
		}
		TAILQ_REMOVE(&ops, o, entry);
		op_free(o);
	}
}

static void
clean_staging(void)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[512];

	if ((d = opendir(KB_STAGING)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), KB_STAGING "/%s",
		    de->d_name);
		(void)unlink(path);
	}
	closedir(d);
}

/* Jobs that were running when kbd last stopped go on where they were. */
static void
resume_jobs(void)
{
	Kbd__JobCreateReq	*req;
	Kbd__JobSummary		 s = KBD__JOB_SUMMARY__INIT;
	struct job		*j;
	uint64_t		*ids;
	size_t			 n, i;
	int			 cancelled;

	if (query_unfinished_jobs(&ids, &n) == -1)
		fatalx("cannot read unfinished jobs");
	for (i = 0; i < n; i++) {
		if (query_job_request(ids[i], &req) == -1 ||
		    query_job(ids[i], &s) != 0) {
			log_warnx("job %llu: cannot read its request",
			    (unsigned long long)ids[i]);
			if (req != NULL)
				kbd__job_create_req__free_unpacked(req, NULL);
			continue;
		}
		if ((cancelled = query_job_cancelled(ids[i])) == -1)
			fatalx("cannot read job %llu",
			    (unsigned long long)ids[i]);
		j = job_new(ids[i], req);
		/* Walked when its turn comes: queued jobs hold no window. */
		j->skip_to = s.cursor;
		free(s.error);
		s.error = NULL;
		if (!cancelled) {
			log_info("job %llu: resuming after file %llu",
			    (unsigned long long)j->id,
			    (unsigned long long)s.cursor);
			continue;
		}
		/*
		 * Cancelled before kbd stopped: what was committed stays,
		 * nothing more is walked, and the job ends "cancelled" when
		 * its turn comes, as a cancelled queued job does.
		 */
		log_info("job %llu: cancelled before kbd stopped; ending it "
		    "after file %llu", (unsigned long long)j->id,
		    (unsigned long long)s.cursor);
		j->cancelled = j->cancel_recorded = 1;
		j->walk_done = 1;
		walk_free(&j->walk);
		j->next_seq = j->cursor = s.cursor;
	}
	free(ids);
}

void
job_committer_ready(void)
{
	static int	first = 1;

	if (first) {
		first = 0;
		/* Any staging left belongs to a kbd that is gone. */
		clean_staging();
		resume_jobs();
		while (nworkers < sup_opts->jobs)
			worker_start();
	}
	ops_send();
	job_pump();
}

/* ---- client requests ---- */

void
job_add_request(struct client *c, const Kbd__AddReq *a)
{
	Kbd__JobCreateReq	*r;
	struct op		*o;
	size_t			 i;

	if (a->n_paths == 0) {
		client_error(c, "nothing to add");
		return;
	}
	for (i = 0; i < a->n_paths; i++)
		if (a->paths[i][0] != '/') {
			client_error(c, "%s: not an absolute path", a->paths[i]);
			return;
		}
	r = xmalloc(sizeof(*r));
	kbd__job_create_req__init(r);
	r->n_inputs = a->n_paths;
	r->inputs = xcalloc(a->n_paths, sizeof(char *));
	for (i = 0; i < a->n_paths; i++)
		r->inputs[i] = xstrdup(a->paths[i]);
	r->jobs = a->jobs > WORKERS_MAX ? WORKERS_MAX : a->jobs;
	r->max_size = sup_opts->max_size;
	/* A client message may be bigger than the committer's channel takes. */
	if (protobuf_c_message_get_packed_size(&r->base) > MSG_MAX_INTERNAL) {
		kbd__job_create_req__free_unpacked(r, NULL);
		client_error(c, "too many paths in one request (%zu); add "
		    "their directory instead", a->n_paths);
		return;
	}
	o = op_new(OP_JOB_CREATE, c, NULL);
	o->req = &r->base;
	o->follow = a->follow;
	o->progress = a->progress;
	ops_send();
}

static void
send_summary(struct client *c, uint64_t id, int follow, int progress)
{
	Kbd__JobSummary	 s = KBD__JOB_SUMMARY__INIT;
	struct job	*j;

	if (id == 0 && (id = query_newest_job()) == 0) {
		client_error(c, "no jobs yet");
		return;
	}
	switch (query_job(id, &s)) {
	case 1:
		client_error(c, "no such job %llu", (unsigned long long)id);
		return;
	case -1:
		client_error(c, "cannot read job %llu", (unsigned long long)id);
		return;
	}
	j = job_find(id);
	if (j != NULL && follow) {
		free(s.error);
		job_add_follower(j, c, progress);
		return;
	}
	if (j != NULL && j != TAILQ_FIRST(&jobs))
		s.state = KBD__JOB_STATE__JOB_QUEUED;
	client_send(c, MSG_JOB_SUMMARY, &s.base);
	free(s.error);
	client_done(c);
}

void
job_status_request(struct client *c, uint64_t id)
{
	send_summary(c, id, 0, 0);
}

void
job_wait_request(struct client *c, const Kbd__WaitReq *w)
{
	send_summary(c, w->job, 1, w->progress);
}

void
job_client_gone(struct client *c)
{
	struct job	*j;
	struct follower	*f, *fn;
	struct op	*o;

	TAILQ_FOREACH(j, &jobs, entry)
		for (f = TAILQ_FIRST(&j->followers); f != NULL; f = fn) {
			fn = TAILQ_NEXT(f, entry);
			if (f->c == c) {
				TAILQ_REMOVE(&j->followers, f, entry);
				free(f);
			}
		}
	TAILQ_FOREACH(o, &ops, entry)
		if (o->c == c)
			o->c = NULL;
	TAILQ_FOREACH(o, &lints, entry)
		if (o->c == c)
			o->c = NULL;
}

void
job_remove_request(struct client *c, const Kbd__RemoveReq *rq)
{
	Kbd__RemoveReq	*r;
	struct op	*o;
	size_t		 i;

	if (rq->n_docs == 0) {
		client_error(c, "nothing to remove");
		return;
	}
	r = xmalloc(sizeof(*r));
	kbd__remove_req__init(r);
	r->n_docs = rq->n_docs;
	r->docs = xcalloc(rq->n_docs, sizeof(char *));
	for (i = 0; i < rq->n_docs; i++)
		r->docs[i] = xstrdup(rq->docs[i]);
	if (protobuf_c_message_get_packed_size(&r->base) > MSG_MAX_INTERNAL) {
		kbd__remove_req__free_unpacked(r, NULL);
		client_error(c, "too many documents in one request (%zu)",
		    rq->n_docs);
		return;
	}
	o = op_new(OP_REMOVE, c, NULL);
	o->req = &r->base;
	ops_send();
}

/* Lint checks a quiet KB: it waits until no job is running. */
void
job_lint_request(struct client *c, const Kbd__LintReq *lq)
{
	Kbd__LintReq	*r;
	struct op	*o;

	r = xmalloc(sizeof(*r));
	kbd__lint_req__init(r);
	r->fix = lq->fix;
	o = xcalloc(1, sizeof(*o));
	o->kind = OP_LINT;
	o->c = c;
	o->req = &r->base;
	TAILQ_INSERT_TAIL(&lints, o, entry);
	job_pump();
}

/*
 * Cancel: the walk stops and files no worker has started are cancelled;
 * the job then ends through the one finalize path, "cancelled". The
 * cancel is recorded in the job's row by the committer, in order with the
 * job's batches (a batch does not overtake a queued request), so a job
 * cancelled before kbd stops or dies is not resumed. The client is
 * answered with the job's summary so far once the record is durable; at
 * once for a job that has ended or whose cancel is already recorded.
 */
void
job_cancel_request(struct client *c, uint64_t id)
{
	Kbd__JobCancelReq	*r;
	struct job		*j;
	struct op		*o;

	if ((j = job_find(id)) == NULL || j->finishing || j->cancel_recorded) {
		send_summary(c, id, 0, 0);
		return;
	}
	/* A cancel not yet recorded, a second one too, waits for the record. */
	r = xmalloc(sizeof(*r));
	kbd__job_cancel_req__init(r);
	r->job = id;
	o = op_new(OP_JOB_CANCEL, c, NULL);
	o->req = &r->base;
	if (!j->cancelled) {
		log_info("job %llu: cancelled by a client",
		    (unsigned long long)id);
		j->cancelled = 1;
		if (!j->walk_done) {
			j->walk_done = 1;
			walk_free(&j->walk);
		}
	}
	ops_send();
	if (j == TAILQ_FIRST(&jobs))
		job_pump();
}

/* Jobs in our queue behind the running one read "queued", not "running". */
void
job_queued_states(Kbd__JobsRep *rep)
{
	struct job	*j;
	size_t		 i;

	for (i = 0; i < rep->n_jobs; i++) {
		j = job_find(rep->jobs[i]->job);
		if (j != NULL && j != TAILQ_FIRST(&jobs))
			rep->jobs[i]->state = KBD__JOB_STATE__JOB_QUEUED;
	}
}
