/*
 * Job rows: a job is created durable before its client hears of it,
 * finished once with its final state, and a client's cancel is recorded
 * in its row, with the job's wiki/log.md entry. A batch's counters and
 * cursor are batch.c's.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "committer.h"
#include "db.h"
#include "fsio.h"
#include "item.h"
#include "journal.h"
#include "log.h"
#include "wiki.h"
#include "xmalloc.h"

/* Finished jobs whose file outcomes are kept, when the request says 0. */
#define HISTORY_DEFAULT	50

/* Finished jobs whose file outcomes are kept, when the request says 0. */
#define HISTORY_DEFAULT	50

void
jobrow_create(const Kbd__JobCreateReq *req)
{
	Kbd__JobCreateRep	 rep = KBD__JOB_CREATE_REP__INIT;
	uint8_t			*buf;
	size_t			 len, i;
	char			*err = NULL;
	int64_t			 now;

	len = protobuf_c_message_get_packed_size(&req->base);
	buf = xmalloc(len + 1);
	(void)protobuf_c_message_pack(&req->base, buf);
	/*
	 * The job and its inputs as roots, together; synchronous=FULL: the
	 * job is durable when this returns.
	 */
	now = time(NULL);
	if (db_begin() == -1)
		err = errf("registry: %s", db_errmsg());
	for (i = 0; err == NULL && i < req->n_inputs; i++)
		if (db_root_add(req->inputs[i], now) == -1)
			err = errf("registry: %s", db_errmsg());
	if (err == NULL && db_job_create(buf, len, now, &rep.job) == -1)
		err = errf("registry: %s", db_errmsg());
	if (err != NULL)
		db_rollback();
	else if (db_commit() == -1)
		err = errf("registry: %s", db_errmsg());
	if (err != NULL) {
		rep.error = err;
		rep.job = 0;
	}
	free(buf);
	committer_send(MSG_JOB_CREATE_REP, &rep.base);
	free(err);
}

static void
name_add(void *arg, const char *name)
{
	struct { char **v; size_t n; } *names = arg;

	names->v[names->n++] = xstrdup(name);
}

/*
 * The job's wiki/log.md entry, or NULL when it changed no document: its
 * counts, then the names of the documents it added or updated (the first
 * WIKI_LOG_NAMES, then how many more).
 */
static char *
finish_log_entry(const Kbd__JobSummary *row, uint64_t removed, int64_t now)
{
	struct { char **v; size_t n; } names = { NULL, 0 };
	FILE		*f;
	char		*what, *entry;
	size_t		 len, i;
	uint64_t	 total = 0;
	const char	*sep = "";
	int		 recompile;

	if (row->added + row->updated + row->moved + removed == 0)
		return NULL;
	if ((f = open_memstream(&what, &len)) == NULL)
		fatal("open_memstream");
	/* A recompile's documents keep their job: named from its history. */
	recompile = recompile_job(row->job);
	fprintf(f, "job %" PRIu64 "%s |", row->job,
	    recompile ? " (recompile)" : "");
#define COUNT(n, word) do {						\
	if ((n) > 0) {							\
		fprintf(f, "%s %" PRIu64 " document%s " word, sep,	\
		    (uint64_t)(n), wiki_plural(n));			\
		sep = ",";						\
	}								\
} while (0)
	COUNT(row->added, "added");
	COUNT(row->updated, "updated");
	COUNT(row->moved, "moved");
	COUNT(removed, "removed");
#undef COUNT
	if (ferror(f) || fclose(f) != 0)
		fatalx("out of memory");
	names.v = xcalloc(WIKI_LOG_NAMES, sizeof(*names.v));
	if ((recompile ? recompile_log_names(row->job, WIKI_LOG_NAMES,
	    name_add, &names, &total) : db_docs_of_job(row->job,
	    WIKI_LOG_NAMES, name_add, &names, &total)) == -1)
		log_warnx("job %" PRIu64 ": %s", row->job, db_errmsg());
	entry = wiki_log_entry(what, names.v, names.n, total, (time_t)now);
	for (i = 0; i < names.n; i++)
		free(names.v[i]);
	free(names.v);
	free(what);
	return entry;
}

/*
 * The job's end (with its synced roots' time and the pruning of older
 * jobs' file outcomes) in one transaction; when the
 * job changed documents, its wiki/log.md entry is appended under a
 * journal whose commit record is in that transaction, so the entry is
 * there exactly when the job is finished. A job finished already (its
 * reply lost to a crash) is not logged again.
 *
 * Fail points (fsio.h): publish.log(.fsync) for the append, finish.fsync,
 * finish.commit (before COMMIT), finish.committed (after it). Without
 * logit, the row alone (as before a log entry was kept per job).
 */
static char *
finish_commit(const Kbd__JobFinishReq *req, int64_t now, int logit,
    const char *error)
{
	Kbd__JobSummary	 row = KBD__JOB_SUMMARY__INIT;
	struct journal	*j = NULL;
	char		*entry = NULL, *err = NULL;
	size_t		 i;

	if (logit && db_job_get(req->job, &row) == 1) {
		if (row.finished == 0)
			entry = finish_log_entry(&row, req->removed, now);
		free(row.error);
	}
	if (entry != NULL) {
		if ((j = journal_new()) == NULL ||
		    journal_track_append(j, WIKI_LOG) == -1) {
			err = commit_journal_err(j);
			if (j != NULL)
				commit_rollback(j);
			free(entry);
			return err;
		}
		if ((err = commit_activate(j)) != NULL) {
			free(entry);
			return err;
		}
		if (fsio_append(WIKI_LOG, entry, strlen(entry),
		    "publish.log") == -1)
			err = errf("%s: %s", WIKI_LOG, strerror(errno));
		free(entry);
		if (err == NULL)
			commit_sync("finish.fsync");
	}
	if (err == NULL && db_begin() == -1)
		err = errf("registry: %s", db_errmsg());
	else if (err == NULL) {
		for (i = 0; i < req->n_synced; i++)
			if (db_root_synced(req->synced[i], now) == -1)
				break;
		if (i < req->n_synced || db_job_finish(req->job, req->state,
		    error, req->removed, now) == -1 ||
		    db_history_prune(req->history > 0 ? req->history :
		    HISTORY_DEFAULT) == -1 || compact_save() == -1)
			err = errf("registry: %s", db_errmsg());
		err = transaction_end(j, 0, now, "finish.commit", err);
	}
	if (j != NULL)
		err = journal_end(j, "finish.committed", err);
	return err;
}

void
jobrow_finish(const Kbd__JobFinishReq *req)
{
	Kbd__JobSummary	 s = KBD__JOB_SUMMARY__INIT;
	char		*err, *err2, *why = NULL;
	int64_t		 now = time(NULL);
	int		 r;

	/*
	 * The concept pages its batches left pending, before its entry: once
	 * the client hears the job is done, the wiki is current. A failure
	 * (logged) leaves them to a later flush; the job still ends.
	 */
	(void)flush_all();
	stage_log(req->job);
	/*
	 * Failing that (a full disk, an I/O error before the commit point:
	 * rolled back), the job ends without its entry and its row says why.
	 */
	if ((err = finish_commit(req, now, 1, req->error)) != NULL) {
		log_warnx("job %" PRIu64 ": %s", req->job, err);
		if (*req->error == '\0')
			why = errf("%s: the job's entry not written: %s",
			    WIKI_LOG, err);
		if ((err2 = finish_commit(req, now, 0, why != NULL ? why :
		    req->error)) != NULL) {
			log_warnx("job %" PRIu64 ": %s", req->job, err2);
			free(err2);
		}
		free(err);
		free(why);
	}
	/*
	 * The full-text index is merged after the reply, once idle
	 * (compact.c): its rows are searchable now, merged or not.
	 */
	if (compact_sync())
		compact_run(0);
	if ((r = db_job_get(req->job, &s)) != 1) {
		s.job = req->job;
		s.state = KBD__JOB_STATE__JOB_NONE;
		s.error = r == 0 ? errf("no such job %" PRIu64, req->job) :
		    errf("registry: %s", db_errmsg());
	}
	committer_send(MSG_JOB_FINISH_REP, &s.base);
	free(s.error);
}

/*
 * A client cancelled the job: recorded in its row, in a transaction of
 * its own, so that a kbd that stops or dies before the job ends does not
 * resume it. The supervisor sends it in order with the job's batches.
 */
void
jobrow_cancel(const Kbd__JobCancelReq *req)
{
	Kbd__JobCancelRep	 rep = KBD__JOB_CANCEL_REP__INIT;
	char			*err = NULL;

	if (db_begin() == -1 || db_job_cancel(req->job, time(NULL)) == -1) {
		err = errf("registry: %s", db_errmsg());
		db_rollback();
	} else if (db_commit() == -1)
		err = errf("registry: %s", db_errmsg());
	if (err != NULL)
		rep.error = err;	/* the supervisor logs it */
	rep.job = req->job;
	committer_send(MSG_JOB_CANCEL_REP, &rep.base);
	free(err);
}

void
jobrow_root_forget(const Kbd__RootForgetReq *req)
{
	Kbd__RootForgetRep	 rep = KBD__ROOT_FORGET_REP__INIT;
	char			*err = NULL;
	int			 r = 0;

	if (db_begin() == -1 || (r = db_root_forget(req->path)) == -1) {
		err = errf("registry: %s", db_errmsg());
		db_rollback();
	} else if (db_commit() == -1)
		err = errf("registry: %s", db_errmsg());
	rep.found = r == 1;
	if (err != NULL)
		rep.error = err;
	committer_send(MSG_C_ROOT_FORGET_REP, &rep.base);
	free(err);
}

/* kbctl watch [--stop]: the roots' watched flag, all of them or none. */
void
jobrow_root_watch(const Kbd__RootWatchReq *req)
{
	Kbd__RootWatchRep	 rep = KBD__ROOT_WATCH_REP__INIT;
	char			*err = NULL;
	size_t			 i;
	int			 r = 0;

	if ((r = db_begin()) != -1)
		for (i = 0; i < req->n_paths && r != -1; i++)
			r = db_root_watch(req->paths[i], !req->stop,
			    time(NULL));
	if (r == -1) {
		err = errf("registry: %s", db_errmsg());
		db_rollback();
	} else if (db_commit() == -1)
		err = errf("registry: %s", db_errmsg());
	if (err != NULL)
		rep.error = err;
	committer_send(MSG_C_ROOT_WATCH_REP, &rep.base);
	free(err);
}
