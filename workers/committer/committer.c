/*
 * The committer: the only process that writes a KB. It holds .kb/lock,
 * replays journals left active by a predecessor, then serves the
 * supervisor's requests one at a time, with blocking I/O: job records,
 * batches of prepared documents (group commit), removals and lint; a
 * full-text rebuild after a migration runs in slices (reindex.c) when
 * no request waits between requests, and the concept pages batches left
 * pending are written when idle or overdue (conceptflush.c). It
 * exits at EOF on its channel, which is how it is stopped: between
 * requests, never inside one.
 *
 * The dispatch is a table, after OpenSSH's monitor.c mon_table: each
 * message the supervisor may send, the committer states it is allowed in,
 * and its handler, which returns the next state. The supervisor is an
 * internal peer: a message that is unknown, carries fds or is not allowed
 * in the current state is fatal.
 *
 * Fail points (fsio.h) named here: init.mkdir, init.fsync, init.staging,
 * init.index and init.log (with .fsync, .rename), agents.write (with
 * .fsync, .rename) and agents.fsync. Each other file names its own.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "committer.h"
#include "db.h"
#include "fsio.h"
#include "journal.h"
#include "kbd.h"
#include "log.h"
#include "tokenizer.h"
#include "util.h"
#include "wiki.h"
#include "xmalloc.h"

static struct chan		chan;
static enum committer_state	state = CS_IDLE;

char *
verrf(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	return s;
}

char *
errf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = verrf(fmt, ap);
	va_end(ap);
	return s;
}

void
committer_send(uint32_t type, const ProtobufCMessage *pb)
{
	if (chan_send(&chan, type, pb, NULL, 0) == -1)
		fatal("sending %s", msg_type_name(type));
}

/* Startup. */

static void
init_dirs(const char *const *dirs, size_t n, mode_t mode)
{
	struct stat	 st;
	const char	*slash;
	char		*parent;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (fsio_mkdir(dirs[i], mode, "init.mkdir") == -1)
			fatal("mkdir %s", dirs[i]);
		slash = strrchr(dirs[i], '/');
		parent = slash == NULL ? xstrdup(".") :
		    xstrndup(dirs[i], (size_t)(slash - dirs[i]));
		if (fsio_fsync_dir(parent, "init.fsync") == -1)
			fatal("fsync %s", parent);
		free(parent);
	}
}

static void
init_file(const char *path, const char *text, const char *point)
{
	struct stat	st;

	if (stat(path, &st) == 0)
		return;
	if (errno != ENOENT)
		fatal("%s", path);
	if (fsio_write_atomic(path, text, strlen(text), point) == -1)
		fatal("%s", path);
	if (fsio_fsync_dir("wiki", "init.fsync") == -1)
		fatal("fsync wiki");
}

/*
 * Summary pages a committer that died left on their way into place
 * (batch.c): no journal names them, and the batch that wrote them is
 * sent again or was rolled back.
 */
static void
clean_staged_summaries(void)
{
	static const char	 suffix[] = "." KB_STAGED_SUM;
	struct dirent		*de;
	DIR			*d;
	char			*p;
	size_t			 n;

	if ((d = opendir(KB_STAGING)) == NULL)
		fatal("%s", KB_STAGING);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n <= sizeof(suffix) - 1 || strcmp(de->d_name + n -
		    (sizeof(suffix) - 1), suffix) != 0)
			continue;
		(void)xasprintf(&p, "%s/%s", KB_STAGING, de->d_name);
		if (fsio_unlink(p, "init.staging") == -1)
			fatal("%s", p);
		free(p);
	}
	closedir(d);
}

static int
committed(void *arg, const char *id)
{
	int	r;

	(void)arg;
	if ((r = db_commit_exists(id)) == -1) {
		log_warnx("%s", db_errmsg());
		errno = EIO;
	}
	return r;
}

void
committer_open(unsigned *rolled_back, unsigned *finalized)
{
	static const char *const kbdirs[] = { KB_JOURNAL, KB_STAGING };
	static const char *const live_dirs[] = LIVE_DIRS;

	*rolled_back = *finalized = 0;
	/* Recovery before anything touches the live tree. */
	init_dirs(kbdirs, sizeof(kbdirs) / sizeof(kbdirs[0]), 0700);
	if (db_open(DB_PATH) == -1)
		fatalx("%s: %s", DB_PATH, db_errmsg());
	/* kb.db may be new: its name must be durable before it counts. */
	if (fsio_fsync_dir(KB_STATE, "init.fsync") == -1)
		fatal("fsync .kb");
	if (journal_recover(committed, NULL, rolled_back, finalized) == -1)
		fatal("journal recovery");
	if (*rolled_back || *finalized)
		log_info("recovery: %u rolled back, %u finalized",
		    *rolled_back, *finalized);
	clean_staged_summaries();
	init_dirs(live_dirs, sizeof(live_dirs) / sizeof(live_dirs[0]), 0755);
	init_file(WIKI_INDEX, WIKI_INDEX_HEADER, "init.index");
	init_file(WIKI_LOG, WIKI_LOG_HEADER, "init.log");
	commit_init();
	/*
	 * After recovery, which may have rolled back the last documents:
	 * the rebuild's job row; its slices run between requests.
	 */
	(void)reindex_start();
	/* After recovery: a crash may have left it behind the registry. */
	(void)agents_refresh(1);
	/* Concept pages a predecessor left pending: flushed when idle. */
	flush_start();
}

/*
 * AGENTS.md is one small file derived from one number: rewriting it whole
 * and atomically after the commit, and again at start-up if a crash came
 * between the two, keeps it right without a place in the journal.
 */
static uint64_t	agents_docs = UINT64_MAX;	/* as written; MAX: unknown */

int
agents_refresh(int check)
{
	uint64_t	 n;
	char		*text, *cur;
	size_t		 len, curlen;
	int		 same, r = 1;

	if (db_doc_count(&n) == -1) {
		log_warnx("%s: %s", WIKI_AGENTS, db_errmsg());
		return -1;
	}
	if (!check && n == agents_docs)
		return 0;
	text = wiki_agents(n, &len);
	if (check && (cur = read_file(WIKI_AGENTS, &curlen)) != NULL) {
		same = curlen == len && memcmp(cur, text, len) == 0;
		free(cur);
		if (same) {
			agents_docs = n;
			free(text);
			return 0;
		}
	}
	if (fsio_write_atomic(WIKI_AGENTS, text, len, "agents.write") == -1 ||
	    fsio_fsync_dir(KB_WIKI, "agents.fsync") == -1) {
		/* As everywhere: after a failed fsync, exit; recovery decides. */
		if (fsio_sync_failed())
			fatalx("%s: an fsync failed; exiting for recovery",
			    WIKI_AGENTS);
		log_warn("%s", WIKI_AGENTS);
		agents_docs = UINT64_MAX;	/* the next change retries */
		r = -1;
	} else
		agents_docs = n;
	free(text);
	return r;
}

/* The dispatch. */

static enum committer_state
answer_job_create(const ProtobufCMessage *pb)
{
	jobrow_create((const Kbd__JobCreateReq *)pb);
	return CS_IDLE;
}

static enum committer_state
answer_batch_begin(const ProtobufCMessage *pb)
{
	if (batch_begin((const Kbd__BatchBegin *)pb) > 0)
		return CS_BATCH_ITEMS;
	return CS_BATCH_END;
}

static enum committer_state
answer_batch_item(const ProtobufCMessage *pb)
{
	if (batch_item((const Kbd__BatchItem *)pb) > 0)
		return CS_BATCH_ITEMS;
	return CS_BATCH_END;
}

/*
 * The documents a batch changed (added, updated, moved, removed): the
 * index merge counts them (compact.c), and only when there are any, or
 * the batch failed, may the number of documents have changed: AGENTS.md's
 * count is read again only then. The count is a scan of an index of
 * every document, and a sync of an unchanged tree is one batch per
 * 2,048 files: read after each, it made the sync quadratic (150,000
 * files, 73 batches, each reading 6 MB of index pages once the index
 * no longer fitted SQLite's cache).
 */
static size_t
batch_changed_docs(const Kbd__BatchRep *rep)
{
	size_t	i, n = 0;

	for (i = 0; i < rep->n_results; i++)
		switch (rep->results[i]->status) {
		case KBD__FILE_STATUS__FS_ADDED:
		case KBD__FILE_STATUS__FS_UPDATED:
		case KBD__FILE_STATUS__FS_MOVED:
		case KBD__FILE_STATUS__FS_REMOVED:
			n++;
			break;
		default:
			break;
		}
	return n;
}

/* A run of items: each as a BATCH_ITEM; the last one's state follows. */
static enum committer_state
answer_batch_items(const ProtobufCMessage *pb)
{
	const Kbd__BatchItems	*r = (const Kbd__BatchItems *)pb;
	uint32_t		 left = 0;
	size_t			 i;

	if (r->n_items == 0)
		fatalx("BATCH_ITEMS without items");
	for (i = 0; i < r->n_items; i++)
		left = batch_item(r->items[i]);
	return left > 0 ? CS_BATCH_ITEMS : CS_BATCH_END;
}

/* A request waits on the channel: the next batch of an add, often. */
static int
request_waiting(void)
{
	struct pollfd	pfd;

	pfd.fd = KBD_CHAN_FD;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) == 1;
}

/*
 * AGENTS.md, which counts the documents, is rewritten after a batch that
 * changed them unless another request waits: then after the last batch
 * with none behind it, or at the job's end, before its reply. Its write
 * and two fsyncs after every batch were 0.3 s of an add of 150,000 files,
 * on the committer's thread (docs/architecture.md, "At stop 53").
 */
static enum committer_state
answer_batch_end(const ProtobufCMessage *pb)
{
	Kbd__BatchRep	*rep;
	size_t		 n;

	rep = batch_end((const Kbd__BatchEnd *)pb);
	n = batch_changed_docs(rep);
	compact_note(n);
	committer_send(MSG_BATCH_REP, &rep->base);
	if ((n > 0 || rep->error[0] != '\0') && !request_waiting())
		(void)agents_refresh(0);
	batch_rep_free(rep);
	stage_end(ST_ANSWER);
	return CS_IDLE;
}

static enum committer_state
answer_job_finish(const ProtobufCMessage *pb)
{
	(void)agents_refresh(0);
	jobrow_finish((const Kbd__JobFinishReq *)pb);
	return CS_IDLE;
}

static enum committer_state
answer_job_cancel(const ProtobufCMessage *pb)
{
	(void)agents_refresh(0);
	jobrow_cancel((const Kbd__JobCancelReq *)pb);
	return CS_IDLE;
}

static enum committer_state
answer_remove(const ProtobufCMessage *pb)
{
	remove_docs((const Kbd__RemoveReq *)pb);
	return CS_IDLE;
}

static enum committer_state
answer_lint(const ProtobufCMessage *pb)
{
	lint_kb((const Kbd__LintReq *)pb);
	return CS_IDLE;
}

static enum committer_state
answer_root_forget(const ProtobufCMessage *pb)
{
	jobrow_root_forget((const Kbd__RootForgetReq *)pb);
	return CS_IDLE;
}

static enum committer_state
answer_root_watch(const ProtobufCMessage *pb)
{
	jobrow_root_watch((const Kbd__RootWatchReq *)pb);
	return CS_IDLE;
}

static enum committer_state
answer_summary(const ProtobufCMessage *pb)
{
	summary_set((const Kbd__SummaryReq *)pb);
	return CS_IDLE;
}

#define S(st)	(1u << (st))

static const struct committer_dispatch {
	uint32_t		  type;
	unsigned		  states;	/* S() of each state allowed */
	enum committer_state	(*answer)(const ProtobufCMessage *);
} dispatch_table[] = {
	{ MSG_JOB_CREATE_REQ,	S(CS_IDLE),		answer_job_create },
	{ MSG_BATCH_BEGIN,	S(CS_IDLE),		answer_batch_begin },
	{ MSG_BATCH_ITEM,	S(CS_BATCH_ITEMS),	answer_batch_item },
	{ MSG_BATCH_ITEMS,	S(CS_BATCH_ITEMS),	answer_batch_items },
	{ MSG_BATCH_END,	S(CS_BATCH_END),	answer_batch_end },
	{ MSG_JOB_FINISH_REQ,	S(CS_IDLE),		answer_job_finish },
	{ MSG_JOB_CANCEL_REQ,	S(CS_IDLE),		answer_job_cancel },
	{ MSG_C_REMOVE_REQ,	S(CS_IDLE),		answer_remove },
	{ MSG_C_LINT_REQ,	S(CS_IDLE),		answer_lint },
	{ MSG_C_ROOT_FORGET_REQ, S(CS_IDLE),		answer_root_forget },
	{ MSG_C_ROOT_WATCH_REQ,	S(CS_IDLE),		answer_root_watch },
	{ MSG_C_SUMMARY_REQ,	S(CS_IDLE),		answer_summary },
};

static const char *
state_name(enum committer_state st)
{
	switch (st) {
	case CS_IDLE:
		return "between requests";
	case CS_BATCH_ITEMS:
		return "inside a batch, before its last item";
	case CS_BATCH_END:
		return "inside a batch, before its BATCH_END";
	}
	return "in an unknown state";
}

void
committer_dispatch(struct msg *m)
{
	const struct committer_dispatch	*d, *end;

	if (m->nfds != 0)
		fatalx("%s with file descriptors from the supervisor",
		    msg_type_name(m->type));
	end = dispatch_table +
	    sizeof(dispatch_table) / sizeof(dispatch_table[0]);
	for (d = dispatch_table; d < end && d->type != m->type; d++)
		;
	if (d == end)
		fatalx("unexpected %s (type %u) from the supervisor",
		    msg_type_name(m->type), m->type);
	if ((d->states & S(state)) == 0)
		fatalx("%s from the supervisor not allowed %s",
		    msg_type_name(m->type), state_name(state));
	state = d->answer(m->pb);
}

/* The process. */

/*
 * Idle work's wait for a request: the sooner of the two, -1 for none;
 * *f and *c each one's own. Only the work whose wait ends runs: a flush
 * that failed waits for its retry even when a merge is due sooner.
 */
static int
idle_wait(int *f, int *c)
{
	*f = flush_wait();
	*c = compact_wait();
	return *f == -1 ? *c : *c == -1 || *f < *c ? *f : *c;
}

void
committer_main(const char *kbroot, const char *language)
{
	Kbd__CommitterReady	 ready = KBD__COMMITTER_READY__INIT;
	struct msg		 m;
	struct pollfd		 pfd;
	unsigned		 rolled_back, finalized;
	int			 lockfd, r, wait, fw, cw;
	/*
	 * Pages a predecessor left pending wait for a first request: a
	 * committer that only recovers (the drills run one alone) changes
	 * nothing after its recovery.
	 */
	int			 served = 0;

	chan_init(&chan, KBD_CHAN_FD, 0, MSG_MAX_INTERNAL);
	log_setsink(chan_log_sink, &chan);
	/*
	 * Ctrl-C on a foreground kbd reaches the whole process group; the
	 * committer stops at EOF, between requests, instead of mid-batch.
	 */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (chdir(kbroot) == -1)
		fatal("%s", kbroot);
	/*
	 * kbd.conf's language, which kbd checked against the same list:
	 * for every full-text row and summary page this committer writes.
	 */
	if (tok_set_default_lang(language) == -1)
		fatalx("unknown default language '%s'", language);

	/* A predecessor may still be dying: wait for its lock. */
	if ((lockfd = open(KB_LOCK, O_RDWR | O_CREAT | O_CLOEXEC,
	    0600)) == -1)
		fatal(KB_LOCK);
	while (flock(lockfd, LOCK_EX) == -1)
		if (errno != EINTR)
			fatal("flock " KB_LOCK);

	committer_open(&rolled_back, &finalized);
	compact_start();
	ready.rolled_back = rolled_back;
	ready.finalized = finalized;
	committer_send(MSG_COMMITTER_READY, &ready.base);

	for (;;) {
		/*
		 * Background work between requests: concept pages pending
		 * too long, whether or not a request waits; else, when none
		 * waits, a slice of a rebuild under way, or the pending
		 * pages once the committer has been idle a moment.
		 */
		if (state == CS_IDLE && served && flush_due()) {
			stage_end(ST_WAIT);
			(void)flush_step();
			stage_end(ST_FLUSH);
			continue;
		}
		fw = cw = -1;
		wait = state != CS_IDLE ? -1 : reindex_running() ?
		    reindex_pause() : served ? idle_wait(&fw, &cw) : -1;
		if (wait >= 0) {
			pfd.fd = KBD_CHAN_FD;
			pfd.events = POLLIN;
			if ((r = poll(&pfd, 1, wait)) == -1 && errno != EINTR)
				fatal("poll");
			if (r <= 0) {
				if (reindex_running())
					(void)reindex_step();
				else {
					if (fw != -1 && fw <= wait)
						(void)flush_all();
					if (cw != -1 && cw <= wait)
						compact_run(1);
				}
				continue;
			}
		}
		r = chan_recv(&chan, &m, 0);
		if (r == 0) {
			db_close();
			exit(0);
		}
		if (r == -1) {
			if (errno == EPROTO)
				fatalx("bad message: %s", chan.error);
			fatal("receiving");
		}
		committer_dispatch(&m);
		msg_free(&m);
		served = 1;
	}
}
