/*
 * The add pipeline of the running job. The walk (walk.c) gives each input
 * file the next sequence number and feeds the window (window.c); a file
 * entering it may already have its outcome (skipped, or unchanged since
 * it was added). The window's files go to workers (pool.c): PREPARE hashes
 * a file, whose content is then checked against the registry and the
 * files before it for duplicates, and CONVERT makes its staging files; a
 * small file new to the KB has both in one request (direct_ok).
 * Runs of finished files go to the committer as batches (commitq.c), and
 * each committed file becomes a FILE_EVENT for the job's followers.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <stdlib.h>

#include "dbread.h"
#include "format.h"
#include "log.h"
#include "supervisor.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Files the walk takes into the window in one pass of the loop. An add's
 * first pass filled the whole window (over a thousand files: a stat and
 * a registry lookup each) in one callback, and every search reply and
 * request waited behind it: 1,000 paced clients saw 100 to 350 ms at
 * the start of an add. The rest comes in the next pass (refill_ev).
 */
#define FILL_PASS	256

static int	give(void *, struct item *);
static void	send_batch(void *, struct window *, uint64_t, uint64_t);
static struct event	*refill_ev;
static struct event	*cut_ev;	/* a short batch's wait is over */

static const struct window_ops pipeline_ops = { give, send_batch };

/* BATCH_WAIT_MS, or KBD_BATCH_WAIT_MS (0 to 10,000; 0: no wait), to compare. */
static int64_t
batch_wait_ms(void)
{
	static int64_t	 ms = -1;
	const char	*e;
	char		*end;
	long		 v;

	if (ms >= 0)
		return ms;
	ms = BATCH_WAIT_MS;
	if ((e = getenv("KBD_BATCH_WAIT_MS")) != NULL && *e != '\0') {
		v = strtol(e, &end, 10);
		if (*end == '\0' && v >= 0 && v <= 10000)
			ms = v;
		else
			log_warnx("KBD_BATCH_WAIT_MS=%s: not 0 to 10000 ms; "
			    "%lld it is", e, (long long)ms);
	}
	return ms;
}

/* The job's window and walk; its files wait until it is the running one. */
void
pipeline_init(struct job *j)
{
	unsigned	par;

	par = j->req->jobs ? j->req->jobs : sup_opts->jobs;
	window_init(&j->win, par, &pipeline_ops, j);
	j->win.batch_min = BATCH_MIN;
	j->win.batch_wait = batch_wait_ms();
	walk_init(&j->walk, j->req->inputs, j->req->n_inputs, sup_opts->kbroot,
	    j->req->rules, j->req->n_rules);
}

static void
stop_walk(struct job *j)
{
	if (!j->walk_done) {
		j->walk_done = 1;
		walk_free(&j->walk);
	}
}

/*
 * The same file (device, inode, size, mtime) is a source under another
 * name that is still there: a hard link, or a path through a symbolic
 * link. Unchanged, and not read. (A source whose path is gone is a
 * rename: the file is read, and the committer records the move.)
 */
static int
same_file_known(const struct stat *st, const char *path, char *name,
    size_t len)
{
	struct stat	 ost;
	char		*other;
	int		 r;

	if (dbread_source_by_stat(st, path, name, len, &other) != 1)
		return 0;
	r = lstat(other, &ost) == 0;
	free(other);
	return r;
}

/*
 * A small file whose path the KB does not know goes to a worker once, to
 * be hashed, prefiltered and converted in one request (window.h: direct),
 * not twice: the duplicate check then comes after its conversion, which
 * is wasted if it is one. A job whose direct files turn out duplicates
 * more than one time in DIRECT_DUP_SHARE (a renamed folder or a copy of
 * one: every file the content of a document) hashes the rest of its
 * files first again, decided as each goes to a worker (the walk runs a
 * window ahead). A known path keeps the two requests: its content may be
 * the same (touched, not changed).
 */
#define DIRECT_MAX		(256u * 1024)	/* bytes */
#define DIRECT_DUP_SHARE	8
#define DIRECT_DUP_MIN		64		/* duplicates before it counts */

static int
direct_ok(struct job *j)
{
	if (!j->direct_off && j->direct_dup >= DIRECT_DUP_MIN &&
	    j->direct_dup * DIRECT_DUP_SHARE > j->direct_n) {
		j->direct_off = 1;
		log_info("job %llu: %llu of %llu new files were duplicates: "
		    "the rest are hashed before they are converted",
		    (unsigned long long)j->id,
		    (unsigned long long)j->direct_dup,
		    (unsigned long long)j->direct_n);
	}
	return !j->direct_off;
}

static void
item_from_walk(struct job *j, struct walk_entry *e)
{
	struct item	*it;
	char		 name[512];
	int64_t		 id;
	int		 r;

	it = window_add(&j->win, e->path);
	format_split(it->path, &it->stem, &it->ext);
	if (e->status != KBD__FILE_STATUS__FS_NONE) {
		item_outcome(it, e->status, "%s", e->reason);
		window_light(&j->win, it);
		return;
	}
	it->dev = (uint64_t)e->st.st_dev;
	it->ino = (uint64_t)e->st.st_ino;
	it->size = (uint64_t)e->st.st_size;
	it->mtime_ns = (int64_t)e->st.st_mtim.tv_sec * 1000000000 +
	    e->st.st_mtim.tv_nsec;
	/* Known binaries by name; anything else reaches the worker's sniff. */
	if (format_skip(it->ext, name, sizeof(name))) {
		item_outcome(it, KBD__FILE_STATUS__FS_SKIPPED, "%s", name);
		window_light(&j->win, it);
		return;
	}
	/* Unchanged since it was added: known without reading a byte. */
	if ((r = regdir_unchanged(it->path, it->dev, it->ino, it->size,
	    it->mtime_ns, name, sizeof(name), &id)) == 1 ||
	    same_file_known(&e->st, it->path, name, sizeof(name))) {
		/* Its source is there: the prune need not look again. */
		if (j->req->prune && id != 0)
			prune_seen(j, id);
		it->doc = xstrdup(name);
		item_outcome(it, KBD__FILE_STATUS__FS_DUPLICATE,
		    "unchanged since added as %s", name);
		window_light(&j->win, it);
	} else if (r == 2 && it->size <= DIRECT_MAX)
		it->direct = 1;
}

static void
refill(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	job_pump();
}

/*
 * The registry lookups of a pass (unchanged files, hard links) in one
 * read transaction: one WAL read lock, not one a file.
 */
static void
fill(struct job *j)
{
	static const struct timeval now = { 0, 0 };
	struct walk_entry	e;
	unsigned		n = 0;
	int			began;

	if (j->req->recompile != KBD__RECOMPILE_MODE__RECOMPILE_NONE) {
		recompile_fill(j);
		return;
	}
	began = dbread_read_begin();
	while (!j->walk_done && !window_full(&j->win)) {
		if (n++ == FILL_PASS) {
			/*
			 * A timer, not event_active: what is active runs
			 * before the loop polls again, and the point is to
			 * let the sockets be polled in between.
			 */
			if (refill_ev == NULL &&
			    (refill_ev = evtimer_new(sup_base, refill,
			    NULL)) == NULL)
				fatalx("refill event");
			evtimer_add(refill_ev, &now);
			break;
		}
		if (walk_next(&j->walk, &e) == 0) {
			stop_walk(j);
			break;
		}
		if (j->win.next_seq < j->skip_to) {
			/* Committed before kbd stopped: not redone. */
			window_skip_to(&j->win, j->win.next_seq + 1);
			free(e.path);
			continue;
		}
		item_from_walk(j, &e);
	}
	dbread_read_end(began);
}

/*
 * A job whose batch failed (disk full, I/O error) ends: files not yet
 * committed are cancelled, and recorded as such, rather than tried again
 * against a KB that just refused a batch. A job cancelled by a client
 * cancels the files no worker has started (pipeline_cancel did the rest
 * once); those a worker holds finish and are committed.
 */
static void
drain(struct job *j)
{
	char	*reason;

	if (j->phase == JOB_FAILING) {
		xasprintf(&reason, "job failed: %s", j->error);
		window_cancel(&j->win, reason, reason);
		free(reason);
	} else if (j->phase == JOB_CANCELLING)
		window_cancel(&j->win, "cancelled before start", NULL);
}

/*
 * The running job is cancelled by a client: besides the files no worker
 * has started, those converted and waiting in commit order for a batch
 * are cancelled now, so the job ends after the batches at the committer
 * and the files workers hold, not after the whole window.
 */
void
pipeline_cancel(struct job *j)
{
	window_cancel(&j->win, "cancelled before start",
	    "cancelled before commit");
}

/* Move the running job on as far as it goes now. */
void
pipeline_step(struct job *j)
{
	struct timeval	tv;
	int64_t		wait;

	drain(j);
	fill(j);
	if (sup_committer_state() == COMMITTER_READY)
		window_dispatch(&j->win);
	/*
	 * A batch may not jump the queue of requests already waiting: it
	 * goes behind batches only (window_cut: a full one, behind one).
	 */
	if (sup_committer() != NULL && commitq_batches_only() &&
	    (wait = window_cut(&j->win, mono_ms())) > 0) {
		/* A file coming back cuts it sooner; this, at the latest. */
		tv.tv_sec = wait / 1000;
		tv.tv_usec = (wait % 1000) * 1000;
		if (cut_ev == NULL &&
		    (cut_ev = evtimer_new(sup_base, refill, NULL)) == NULL)
			fatalx("batch wait event");
		evtimer_add(cut_ev, &tv);
	}
	progress_schedule(j);
}

static int
give(void *arg, struct item *it)
{
	struct job	*j = arg;

	if (it->direct && it->state == IT_NEW && !direct_ok(j))
		it->direct = 0;
	return pool_give(it, j->id, j->req->max_size);
}

/*
 * The duplicate checks of the workers' replies that one pass of the loop
 * handles share a read transaction, ended once the pass has handled the
 * rest (read_end_ev, made active behind them) or when the committer
 * answers (pipeline_read_release, from commitq.c), so that nothing read
 * after an answer comes from before it. A transaction of its own for
 * each file was two fcntl locks and SQLite's check of the WAL each, a
 * sixth of the supervisor's system calls in an add of small files.
 */
static struct event	*read_end_ev;
static int		 read_held;

void
pipeline_read_release(void)
{
	if (read_held) {
		read_held = 0;
		dbread_read_end(1);
	}
}

static void
read_end(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	pipeline_read_release();
}

static void
read_hold(void)
{
	if (read_held)
		return;
	if (read_end_ev == NULL && (read_end_ev = event_new(sup_base, -1, 0,
	    read_end, NULL)) == NULL)
		fatalx("read end event");
	if (!dbread_read_begin())
		return;		/* no registry, or inside fill()'s */
	read_held = 1;
	event_active(read_end_ev, EV_TIMEOUT, 1);
}

/*
 * The file, hashed, has the content of a document or of a file before it
 * in the window: a duplicate (the committer decides those it misses).
 */
static int
duplicate(struct job *j, struct item *it)
{
	struct item	*o;
	char		 name[512];

	read_hold();
	if (dbread_doc_by_hash(it->hash, name, sizeof(name)) == 1) {
		it->doc = xstrdup(name);
		item_outcome(it, KBD__FILE_STATUS__FS_DUPLICATE,
		    "same content as %s", name);
		return 1;
	}
	if ((o = window_same_hash(&j->win, it)) != NULL) {
		item_outcome(it, KBD__FILE_STATUS__FS_DUPLICATE,
		    "same content as %s", o->path);
		return 1;
	}
	return 0;
}

void
pipeline_worker_reply(struct job *j, struct item *it, struct msg *m)
{
	if (m->type == MSG_PREPARE_REP) {
		Kbd__PrepareRep	*r = (Kbd__PrepareRep *)m->pb;

		if (!r->ok) {
			/* A binary without a converter is skipped, as by name. */
			item_outcome(it, r->skipped ?
			    KBD__FILE_STATUS__FS_SKIPPED :
			    KBD__FILE_STATUS__FS_FAILED, "%s", r->reason);
		} else {
			item_prepared(it, r->hash.data, r->size);
			/* A recompile's own document: the committer checks. */
			if (it->recompile == NULL)
				(void)duplicate(j, it);
		}
	} else {
		Kbd__ConvertRep	*r = (Kbd__ConvertRep *)m->pb;

		if (r->ok && !it->have_hash) {
			/* Hashed by this request (direct): checked now. */
			item_prepared(it, r->hash.data, r->size);
			j->direct_n++;
			if (duplicate(j, it)) {
				j->direct_dup++;
				window_returned(&j->win, it);
				return;
			}
		}
		if (!r->ok)
			item_outcome(it, r->skipped ?
			    KBD__FILE_STATUS__FS_SKIPPED :
			    KBD__FILE_STATUS__FS_FAILED, "%s", r->reason);
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
	window_returned(&j->win, it);
}

void
pipeline_worker_lost(struct job *j, struct item *it, const char *reason)
{
	item_outcome(it, KBD__FILE_STATUS__FS_FAILED, "%s", reason);
	window_returned(&j->win, it);
}

/* ---- batches ---- */

static void	batch_done(struct commitq_op *, ProtobufCMessage *);
static void	batch_lost(struct commitq_op *);

/*
 * A batch's items go in runs, one BATCH_ITEMS packet per run of up to
 * RUN_BYTES (an added item's metadata may take half a packet: such an
 * item goes alone, as a BATCH_ITEM), so that no packet approaches the
 * channel's limit and a run of unchanged files costs one packet, not
 * one each (a system call per file at both ends). BATCH_BEGIN, the runs
 * (an added item with its metadata and staging files, the others with
 * their status and reason, to be counted), BATCH_END with the cursor the
 * batch takes the job to. Queued, and written together with BATCH_END's
 * (proc_queue).
 */
#define RUN_BYTES	(64u * 1024)
#define RUN_ITEMS	512

struct run {
	Kbd__BatchItem	 bi[RUN_ITEMS];
	Kbd__BatchItem	*v[RUN_ITEMS];
	size_t		 n, bytes;
};

static void
run_flush(struct child *c, struct run *r)
{
	Kbd__BatchItems	bis = KBD__BATCH_ITEMS__INIT;

	if (r->n == 1)
		proc_queue(c, MSG_BATCH_ITEM, &r->bi[0].base);
	else if (r->n > 1) {
		bis.items = r->v;
		bis.n_items = r->n;
		proc_queue(c, MSG_BATCH_ITEMS, &bis.base);
	}
	r->n = r->bytes = 0;
}

static void
item_fill(Kbd__BatchItem *bi, struct item *it)
{
	kbd__batch_item__init(bi);
	bi->seq = it->seq;
	bi->path = it->path;
	bi->status = it->status;
	bi->reason = it->reason ? it->reason : (char *)"";
	bi->stem = it->stem;
	bi->ext = it->ext;
	bi->size = it->size;
	bi->dev = it->dev;
	bi->ino = it->ino;
	bi->mtime_ns = it->mtime_ns;
	if (it->recompile != NULL)
		bi->recompile = it->recompile;
	if (it->have_hash) {
		bi->hash.data = it->hash;
		bi->hash.len = sizeof(it->hash);
	}
	if (it->status == KBD__FILE_STATUS__FS_ADDED) {
		bi->title = it->conv->title;
		bi->description = it->conv->description;
		bi->outline = it->conv->outline;
		bi->n_outline = it->conv->n_outline;
		bi->staged_raw = it->staged_raw;
		bi->staged_md = it->staged_md;
		bi->size = it->conv->size;
		bi->converter = it->conv->converter;
		bi->converter_version = it->conv->converter_version;
		bi->analysis = it->conv->analysis;
	}
}

static void
send_batch(void *arg, struct window *w, uint64_t first, uint64_t last)
{
	struct job		*j = arg;
	Kbd__BatchBegin		 b = KBD__BATCH_BEGIN__INIT;
	Kbd__BatchEnd		 e = KBD__BATCH_END__INIT;
	struct commitq_op	*o;
	struct child		*c = sup_committer();
	struct run		*r;
	Kbd__BatchItem		 bi;
	size_t			 size;
	uint64_t		 s;

	b.job = e.job = j->id;
	b.batch = e.batch = w->batch_no;
	b.count = (uint32_t)(last - first + 1);
	e.cursor = last;
	proc_queue(c, MSG_BATCH_BEGIN, &b.base);
	r = xmalloc(sizeof(*r));
	r->n = r->bytes = 0;
	for (s = first; s <= last; s++) {
		item_fill(&bi, window_get(w, s));
		/* Its bytes in the run: the item, its tag and length. */
		size = protobuf_c_message_get_packed_size(&bi.base) + 16;
		if (r->n > 0 && (r->n == RUN_ITEMS ||
		    r->bytes + size > RUN_BYTES))
			run_flush(c, r);
		r->bi[r->n] = bi;
		r->v[r->n] = &r->bi[r->n];
		r->n++;
		r->bytes += size;
	}
	run_flush(c, r);
	free(r);
	proc_send(c, MSG_BATCH_END, &e.base, NULL, 0);
	o = commitq_op(MSG_BATCH_BEGIN, NULL, NULL, batch_done, j);
	o->lost = batch_lost;
	commitq_sent(o);
}

/*
 * The batch's outcome is durable: an event per file, in order, and the
 * cursor moves past them. A failed batch fails its added files, and the
 * job: it stops walking and ends with what it has.
 */
static void
batch_done(struct commitq_op *o, ProtobufCMessage *pb)
{
	Kbd__BatchRep	*r = (Kbd__BatchRep *)pb;
	Kbd__ItemResult	 same, *res;
	struct job	*j = o->arg;
	struct item	*it;
	uint64_t	 i, n;
	size_t		 k = 0;

	n = window_batch_count(&j->win);
	if (r->job != j->id || r->n_results > n)
		fatalx("committer answered batch %llu of job %llu with %zu "
		    "results for %llu items", (unsigned long long)r->batch,
		    (unsigned long long)r->job, r->n_results,
		    (unsigned long long)n);
	for (i = 0; i < n; i++) {
		it = window_get(&j->win, j->win.cursor + 1);
		if (it == NULL)
			fatalx("committer's batch results out of order");
		/*
		 * The committer answers only the items whose outcome it
		 * decides (workers/committer/batch.c batch_echo): the others
		 * keep the one they came with.
		 */
		if (k < r->n_results && r->results[k]->seq == it->seq)
			res = r->results[k++];
		else if (it->status != KBD__FILE_STATUS__FS_ADDED &&
		    it->recompile == NULL && !it->have_hash) {
			kbd__item_result__init(&same);
			same.seq = it->seq;
			same.status = it->status;
			same.path = it->path;
			same.reason = it->reason ? it->reason : (char *)"";
			res = &same;
		} else
			fatalx("committer's batch results out of order");
		if (r->error[0] != '\0') {
			Kbd__ItemResult	fail = *res;

			fail.status = KBD__FILE_STATUS__FS_FAILED;
			fail.reason = r->error;
			if (it->status == KBD__FILE_STATUS__FS_ADDED)
				progress_event(j, it, &fail);
			else
				progress_event(j, it, res);
		} else {
			progress_event(j, it, res);
			/* Committed: the summarizer, if any, may describe it. */
			if ((res->status == KBD__FILE_STATUS__FS_ADDED ||
			    res->status == KBD__FILE_STATUS__FS_UPDATED) &&
			    it->have_hash && res->doc[0] != '\0')
				summarize_doc(res->doc, it->hash);
		}
		window_committed(&j->win, it);
	}
	if (k != r->n_results)
		fatalx("committer's batch results out of order");
	if (r->error[0] != '\0' && j->phase != JOB_FAILING) {
		log_warnx("job %llu: batch failed: %s",
		    (unsigned long long)j->id, r->error);
		j->phase = JOB_FAILING;
		j->error = xstrdup(r->error);
		stop_walk(j);
	}
}

/*
 * The committer died with the batch. Its successor replays the journal of
 * a batch it was in (rolling it back or finalizing it), and answers a
 * batch it had committed from the registry; but recovery may have removed
 * the staging files it published, so the files are converted again and
 * the batch cut again.
 */
static void
batch_lost(struct commitq_op *o)
{
	struct job	*j = o->arg;

	window_recut(&j->win);
}
