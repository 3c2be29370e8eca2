/*
 * Job rows: a job is created durable before its client hears of it,
 * finished once with its final state, and a client's cancel is recorded
 * in its row. A batch's counters and cursor are batch.c's.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "committer.h"
#include "db.h"
#include "log.h"
#include "xmalloc.h"

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

void
jobrow_finish(const Kbd__JobFinishReq *req)
{
	Kbd__JobSummary	 s = KBD__JOB_SUMMARY__INIT;
	size_t		 i;
	int64_t		 now = time(NULL);
	int		 r;

	/*
	 * The job's end, its synced roots' time and the pruning of older
	 * jobs' file outcomes, together.
	 */
	if (db_begin() == -1)
		log_warnx("job %" PRIu64 ": %s", req->job, db_errmsg());
	else {
		for (i = 0; i < req->n_synced; i++)
			if (db_root_synced(req->synced[i], now) == -1)
				break;
		if (i < req->n_synced || db_job_finish(req->job, req->state,
		    req->error, req->removed, now) == -1 ||
		    db_history_prune(req->history > 0 ? req->history :
		    HISTORY_DEFAULT) == -1) {
			log_warnx("job %" PRIu64 ": %s", req->job,
			    db_errmsg());
			db_rollback();
		} else if (db_commit() == -1)
			log_warnx("job %" PRIu64 ": %s", req->job,
			    db_errmsg());
	}
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
