/*
 * Jobs. An add request becomes a job once the committer has recorded it,
 * and only then does the client hear its number. Jobs run one at a time,
 * in id order: the running job is the first of the list (job_running()),
 * the others are reported queued. The running job's files go through the
 * pipeline (pipeline.c). A job ends through one finalize path, whose
 * record is what its followers get; status answers from that record. Jobs
 * that were running or queued when kbd stopped resume after their cursor
 * when it starts again, and a cancel is recorded before it is answered,
 * so that it survives a crash.
 */
#include <sys/types.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbread.h"
#include "kbpath.h"
#include "log.h"
#include "names.h"
#include "supervisor.h"
#include "xmalloc.h"

TAILQ_HEAD(joblist, job);

static struct joblist	 jobs = TAILQ_HEAD_INITIALIZER(jobs);

static uint64_t	send_summary(struct client *, uint64_t, int, int, int);

/* The job whose files are being added; NULL when there is none. */
struct job *
job_running(void)
{
	return TAILQ_FIRST(&jobs);
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

/* Workers only ever hold files of the running job. */
static void
job_worker_reply(struct item *it, struct msg *m)
{
	pipeline_worker_reply(job_running(), it, m);
	job_pump();
}

static void
job_worker_lost(struct item *it, const char *reason)
{
	if (it != NULL)
		pipeline_worker_lost(job_running(), it, reason);
	job_pump();
}

void
job_init(void)
{
	pool_init(job_worker_reply, job_worker_lost);
}

static struct job *
job_new(uint64_t id, Kbd__JobCreateReq *req)
{
	struct job	*j;

	j = xcalloc(1, sizeof(*j));
	j->id = id;
	j->req = req;
	progress_init(j);
	pipeline_init(j);
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	pool_grow(j->win.par);
	return j;
}

static void
job_free(struct job *j)
{
	window_free(&j->win);
	progress_free(j);
	walk_free(&j->walk);
	recompile_free(j->recompile);
	seen_free(j->seen);
	kbd__job_create_req__free_unpacked(j->req, NULL);
	free(j->error);
	free(j);
}

static void	finish_done(struct commitq_op *, ProtobufCMessage *);

static void
job_finish(struct job *j, int state, const char *error)
{
	Kbd__JobFinishReq	*r;
	size_t			 i;

	j->phase = JOB_FINISHING;
	r = xmalloc(sizeof(*r));
	kbd__job_finish_req__init(r);
	r->job = j->id;
	r->state = state;
	r->error = xstrdup(error != NULL ? error : "");
	r->removed = j->removed;
	r->history = sup_opts->history;
	/* A sync that ended well: its roots' last sync is now. */
	if (j->req->prune && j->prune_done &&
	    state == KBD__JOB_STATE__JOB_DONE && j->req->n_inputs > 0) {
		r->n_synced = j->req->n_inputs;
		r->synced = xcalloc(r->n_synced, sizeof(*r->synced));
		for (i = 0; i < r->n_synced; i++)
			r->synced[i] = xstrdup(j->req->inputs[i]);
	}
	commitq_push(commitq_op(MSG_JOB_FINISH_REQ, &r->base, NULL,
	    finish_done, j));
}

/* The job's record is final: followers get it, and the next job runs. */
static void
finish_done(struct commitq_op *o, ProtobufCMessage *pb)
{
	Kbd__JobSummary	*s = (Kbd__JobSummary *)pb;
	struct job	*j = o->arg;

	log_info("job %llu %s: %llu added, %llu duplicates, %llu skipped, "
	    "%llu failed", (unsigned long long)j->id, job_state_str(s->state),
	    (unsigned long long)s->added, (unsigned long long)s->duplicates,
	    (unsigned long long)s->skipped, (unsigned long long)s->failed);
	progress_summary(j, s);
	TAILQ_REMOVE(&jobs, j, entry);
	job_free(j);
}

/*
 * Move things on after anything happened: the running job as far as it
 * goes, its end once every file is committed; with no job, the lints
 * waiting for a quiet KB go.
 */
void
job_pump(void)
{
	struct job	*j;

	if (sup_stopping_p())
		return;
	if ((j = job_running()) == NULL) {
		commitq_release();
		return;
	}
	if (j->phase == JOB_FINISHING || j->phase == JOB_PRUNING)
		return;
	pipeline_step(j);
	/* A sync prunes once every file is committed, if all went well. */
	if (j->walk_done && window_idle(&j->win) && j->req->prune &&
	    !j->prune_done && j->phase == JOB_ADDING) {
		prune_start(j);
		if (j->phase == JOB_PRUNING)
			return;
	}
	if (j->walk_done && window_idle(&j->win))
		job_finish(j, j->phase == JOB_FAILING ?
		    KBD__JOB_STATE__JOB_FAILED : j->phase == JOB_CANCELLING ?
		    KBD__JOB_STATE__JOB_CANCELLED : KBD__JOB_STATE__JOB_DONE,
		    j->error);
}

/* ---- resume ---- */

/* Whatever is in staging belongs to a kbd that is gone. */
static void
clean_staging(void)
{
	struct dirent	*de;
	DIR		*d;

	if ((d = opendir(KB_STAGING)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			(void)unlinkat(dirfd(d), de->d_name, 0);
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

	if (dbread_unfinished_jobs(&ids, &n) == -1)
		fatalx("cannot read unfinished jobs");
	for (i = 0; i < n; i++) {
		if (dbread_job_request(ids[i], &req) != 1 ||
		    dbread_job(ids[i], &s) != 1) {
			log_warnx("job %llu: cannot read its request",
			    (unsigned long long)ids[i]);
			if (req != NULL)
				kbd__job_create_req__free_unpacked(req, NULL);
			continue;
		}
		if ((cancelled = dbread_job_cancelled(ids[i])) == -1)
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
		j->phase = JOB_CANCELLING;
		j->cancel_recorded = 1;
		j->walk_done = 1;
		walk_free(&j->walk);
		window_skip_to(&j->win, s.cursor);
	}
	free(ids);
}

/* The first committer is ready: the KB is recovered and readable. */
void
job_resume(void)
{
	clean_staging();
	resume_jobs();
	pool_grow(sup_opts->jobs);
}

/* ---- client requests ---- */

/* The client follows the job to its end. */
static void
job_follow(struct job *j, struct client *c, int progress, int changes_only)
{
	progress_follow(j, c, progress, changes_only);
	if (j == job_running() && j->phase != JOB_FINISHING)
		progress_schedule(j);
}

/* What an add asked for, until its job is recorded. */
struct add_wait {
	int	follow;
	int	progress;
	int	changes_only;
};

static void
create_done(struct commitq_op *o, ProtobufCMessage *pb)
{
	Kbd__JobCreateRep	*r = (Kbd__JobCreateRep *)pb;
	Kbd__AddRep		 rep = KBD__ADD_REP__INIT;
	struct add_wait		*aw = o->arg;
	struct job		*j;

	if (r->error[0] != '\0' || r->job == 0) {
		if (o->c != NULL)
			client_error(o->c, "cannot create job: %s", r->error);
		free(aw);
		return;
	}
	j = job_new(r->job, (Kbd__JobCreateReq *)o->req);
	o->req = NULL;
	log_info("job %llu: %zu inputs", (unsigned long long)j->id,
	    j->req->n_inputs);
	if (o->c != NULL) {
		rep.job = j->id;
		client_send(o->c, MSG_ADD_REP, &rep.base);
		if (aw->follow)
			job_follow(j, o->c, aw->progress, aw->changes_only);
		else
			client_done(o->c);
	}
	free(aw);
}

void
job_add_request(struct client *c, const Kbd__AddReq *a)
{
	Kbd__JobCreateReq	*r;
	struct add_wait		*aw;
	size_t			 i;

	if (a->recompile != KBD__RECOMPILE_MODE__RECOMPILE_NONE) {
		/* A recompile job: documents, no walk (recompile.c). */
		if ((r = recompile_job_req(c, a)) == NULL)
			return;
		goto queue;
	}
	if (a->n_paths == 0 && !a->prune) {
		client_error(c, "nothing to add");
		return;
	}
	if (a->dry_run) {
		for (i = 0; i < a->n_paths; i++)
			if (a->paths[i][0] != '/') {
				client_error(c, "%s: not an absolute path",
				    a->paths[i]);
				return;
			}
		dryrun_request(c, a);
		return;
	}
	for (i = 0; i < a->n_paths; i++)
		if (a->paths[i][0] != '/') {
			client_error(c, "%s: not an absolute path", a->paths[i]);
			return;
		}
	r = xmalloc(sizeof(*r));
	kbd__job_create_req__init(r);
	r->prune = a->prune;
	if (a->n_rules > 0) {
		r->n_rules = a->n_rules;
		r->rules = xcalloc(a->n_rules, sizeof(char *));
		for (i = 0; i < a->n_rules; i++)
			r->rules[i] = xstrdup(a->rules[i]);
	}
	if (a->n_paths == 0) {
		/* A sync of every root the KB knows. */
		if (dbread_roots(&r->inputs, &r->n_inputs) == -1 ||
		    r->n_inputs == 0) {
			kbd__job_create_req__free_unpacked(r, NULL);
			client_error(c, "no roots to sync: add a folder first");
			return;
		}
	} else {
		r->n_inputs = a->n_paths;
		r->inputs = xcalloc(a->n_paths, sizeof(char *));
		for (i = 0; i < a->n_paths; i++)
			r->inputs[i] = xstrdup(a->paths[i]);
	}
queue:
	r->jobs = a->jobs > WORKERS_MAX ? WORKERS_MAX : a->jobs;
	r->max_size = sup_opts->max_size;
	/* A client message may be bigger than the committer's channel takes. */
	if (protobuf_c_message_get_packed_size(&r->base) > MSG_MAX_INTERNAL) {
		kbd__job_create_req__free_unpacked(r, NULL);
		client_error(c, "too many paths in one request (%zu); add "
		    "their directory instead", a->n_paths);
		return;
	}
	aw = xcalloc(1, sizeof(*aw));
	aw->follow = a->follow;
	aw->progress = a->progress;
	aw->changes_only = a->changes_only;
	commitq_push(commitq_op(MSG_JOB_CREATE_REQ, &r->base, c, create_done,
	    aw));
}

/*
 * The job's record (0: the newest job), or follow the job to its end.
 * With more, the request goes on (status --files): the job's id, or 0
 * when an error ended it.
 */
static uint64_t
send_summary_of(struct client *c, uint64_t id, int follow, int progress,
    int more)
{
	Kbd__JobSummary	 s = KBD__JOB_SUMMARY__INIT;
	struct job	*j;

	if (id == 0) {
		switch (dbread_newest_job(&id)) {
		case 0:
			client_error(c, "no jobs yet");
			return 0;
		case -1:
			client_error(c, "cannot read the jobs");
			return 0;
		}
	}
	switch (dbread_job(id, &s)) {
	case 0:
		client_error(c, "no such job %llu", (unsigned long long)id);
		return 0;
	case -1:
		client_error(c, "cannot read job %llu", (unsigned long long)id);
		return 0;
	}
	j = job_find(id);
	if (j != NULL && follow) {
		free(s.error);
		job_follow(j, c, progress, 0);
		return id;
	}
	if (j != NULL && j != job_running())
		s.state = KBD__JOB_STATE__JOB_QUEUED;
	/* kbctl status: documents an older converter made (recompile). */
	if (dbread_stale(&s.stale) == -1)
		log_warnx("cannot count the stale documents");
	/* And a full-text rebuild under way, whatever the job. */
	if (!s.index_rebuilding) {
		uint64_t	rj, d, t;

		if (dbread_reindex(&rj, &d, &t) == 1) {
			s.index_rebuilding = 1;
			s.index_done = d;
			s.index_total = t;
		}
	}
	client_send(c, MSG_JOB_SUMMARY, &s.base);
	free(s.error);
	if (!more)
		client_done(c);
	return id;
}

/* Its reads in one read transaction: one snapshot, one lock. */
static uint64_t
send_summary(struct client *c, uint64_t id, int follow, int progress,
    int more)
{
	uint64_t	r;
	int		began;

	began = dbread_read_begin();
	r = send_summary_of(c, id, follow, progress, more);
	dbread_read_end(began);
	return r;
}

uint64_t
job_status_request(struct client *c, uint64_t id, int files)
{
	return send_summary(c, id, 0, 0, files);
}

void
job_wait_request(struct client *c, const Kbd__WaitReq *w)
{
	(void)send_summary(c, w->job, 1, w->progress, 0);
}

/* kbd stops on request: every job's followers are told (progress.c). */
void
job_stopped(void)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobs, entry)
		progress_stopped(j);
}

void
job_client_gone(struct client *c)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobs, entry)
		progress_client_gone(j, c);
	commitq_client_gone(c);
}

/*
 * The committer has recorded a cancel (or could not: then it holds only
 * until kbd stops). The client that asked is answered now, so that once
 * kbctl cancel returns, the cancel survives a crash.
 */
static void
cancel_done(struct commitq_op *o, ProtobufCMessage *pb)
{
	Kbd__JobCancelRep	*r = (Kbd__JobCancelRep *)pb;
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
		(void)send_summary(o->c, req->job, 0, 0, 0);
}

/*
 * Cancel: the walk stops, and files no worker holds and not yet in a
 * batch are cancelled (pipeline_cancel); the job then ends through the
 * one finalize path, "cancelled". The cancel is recorded in the job's
 * row by the committer, in order with the job's batches (a batch does not
 * overtake a queued request), so a job cancelled before kbd stops or dies
 * is not resumed. The client is answered with the job's summary so far
 * once the record is durable; at once for a job that has ended or whose
 * cancel is already recorded.
 */
void
job_cancel_request(struct client *c, uint64_t id)
{
	Kbd__JobCancelReq	*r;
	struct job		*j;

	if ((j = job_find(id)) == NULL || j->phase == JOB_FINISHING ||
	    j->phase == JOB_PRUNING ||
	    j->cancel_recorded) {
		(void)send_summary(c, id, 0, 0, 0);
		return;
	}
	/*
	 * A cancel not yet recorded, a second one too, waits for the record.
	 * A job whose batch failed ends failed all the same.
	 */
	if (j->phase == JOB_ADDING) {
		log_info("job %llu: cancelled by a client",
		    (unsigned long long)id);
		j->phase = JOB_CANCELLING;
		if (!j->walk_done) {
			j->walk_done = 1;
			walk_free(&j->walk);
		}
		if (j == job_running())
			pipeline_cancel(j);
	}
	r = xmalloc(sizeof(*r));
	kbd__job_cancel_req__init(r);
	r->job = id;
	commitq_push(commitq_op(MSG_JOB_CANCEL_REQ, &r->base, c, cancel_done,
	    NULL));
	if (j == job_running())
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
		if (j != NULL && j != job_running())
			rep->jobs[i]->state = KBD__JOB_STATE__JOB_QUEUED;
	}
}

/* Every one of roots is an input of j. */
static int
job_has_inputs(const struct job *j, char *const *roots, size_t n)
{
	size_t	i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < j->req->n_inputs; k++)
			if (strcmp(j->req->inputs[k], roots[i]) == 0)
				break;
		if (k == j->req->n_inputs)
			return 0;
	}
	return 1;
}

/*
 * watch.c: a sync of roots, the job kbctl sync ROOT... makes, with no
 * client. A sync of them already queued (not yet running) will see this
 * change too: no second one. A running one may have walked past it: one
 * more.
 */
void
job_sync_roots(char *const *roots, size_t n)
{
	Kbd__JobCreateReq	*r;
	struct add_wait		*aw;
	struct job		*j;
	size_t			 i;

	TAILQ_FOREACH(j, &jobs, entry)
		if (j != job_running() && j->req->prune &&
		    j->req->n_rules == 0 && j->phase == JOB_ADDING &&
		    job_has_inputs(j, roots, n))
			return;
	r = xmalloc(sizeof(*r));
	kbd__job_create_req__init(r);
	r->prune = 1;
	r->n_inputs = n;
	r->inputs = xcalloc(n, sizeof(char *));
	for (i = 0; i < n; i++)
		r->inputs[i] = xstrdup(roots[i]);
	r->max_size = sup_opts->max_size;
	aw = xcalloc(1, sizeof(*aw));
	commitq_push(commitq_op(MSG_JOB_CREATE_REQ, &r->base, NULL,
	    create_done, aw));
}
