/*
 * The committer's writes of jobs (see db.h): a job's row from its creation
 * to its end, the cancel a client asked for, each file's outcome in the
 * history (job_files) and the history's pruning. On db.c's connection.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "db.h"
#include "db_int.h"

static sqlite3_stmt	*st_job_insert, *st_job_get, *st_job_batch;
static sqlite3_stmt	*st_job_finish, *st_job_cancel;
static sqlite3_stmt	*st_jf_insert, *st_hist_mark, *st_hist_drop; /* lazy */
static sqlite3_stmt	*st_job_open;				/* lazy */

void
dbjobs_open(void)
{
	st_job_insert = db_prep("INSERT INTO jobs(state, request, created, "
	    "history) VALUES (?, ?, ?, 1)");
	st_job_get = db_prep("SELECT " DB_JOB_COLUMNS " FROM jobs WHERE id = ?");
	st_job_batch = db_prep("UPDATE jobs SET added = added + ?, "
	    "duplicates = duplicates + ?, skipped = skipped + ?, "
	    "failed = failed + ?, cancelled = cancelled + ?, cursor = ?, "
	    "updated = updated + ?, moved = moved + ? WHERE id = ?");
	st_job_finish = db_prep("UPDATE jobs SET state = ?, finished = ?, "
	    "error = ?, removed = ? WHERE id = ?");
	/* The first cancel's time stays: a resent request changes nothing. */
	st_job_cancel = db_prep("UPDATE jobs SET cancel_requested = "
	    "CASE cancel_requested WHEN 0 THEN ? ELSE cancel_requested END "
	    "WHERE id = ?");
}

void
dbjobs_close(void)
{
	sqlite3_stmt	**sts[] = {
		&st_job_insert, &st_job_get, &st_job_batch, &st_job_finish,
		&st_job_cancel, &st_jf_insert, &st_hist_mark, &st_hist_drop,
		&st_job_open
	};
	size_t		  i;

	for (i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
		sqlite3_finalize(*sts[i]);
		*sts[i] = NULL;
	}
}

int
db_job_create(const void *req, size_t reqlen, int64_t now, uint64_t *job)
{
	static const char	 empty[1];

	sqlite3_bind_int(st_job_insert, 1, KBD__JOB_STATE__JOB_RUNNING);
	/* A NULL pointer would bind NULL, which the schema refuses. */
	sqlite3_bind_blob64(st_job_insert, 2, reqlen ? req : empty, reqlen,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st_job_insert, 3, now);
	if (db_run(st_job_insert, "creating a job") == -1)
		return -1;
	*job = (uint64_t)sqlite3_last_insert_rowid(db_conn());
	return 0;
}

int
db_job_get(uint64_t job, Kbd__JobSummary *s)
{
	sqlite3_stmt	*st = st_job_get;
	int		 r;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	if ((r = db_row(st, "job lookup")) != 1)
		return r;
	db_job_row(st, s);
	sqlite3_reset(st);
	return 1;
}

void
db_job_row(sqlite3_stmt *st, Kbd__JobSummary *s)
{
	s->job = (uint64_t)sqlite3_column_int64(st, 0);
	s->state = sqlite3_column_int(st, 1);
	s->added = (uint64_t)sqlite3_column_int64(st, 2);
	s->duplicates = (uint64_t)sqlite3_column_int64(st, 3);
	s->skipped = (uint64_t)sqlite3_column_int64(st, 4);
	s->failed = (uint64_t)sqlite3_column_int64(st, 5);
	s->cancelled = (uint64_t)sqlite3_column_int64(st, 6);
	s->created = sqlite3_column_int64(st, 7);
	s->finished = sqlite3_column_int64(st, 8);
	s->error = db_col_text(st, 9);
	s->cursor = (uint64_t)sqlite3_column_int64(st, 10);
	s->updated = (uint64_t)sqlite3_column_int64(st, 11);
	s->moved = (uint64_t)sqlite3_column_int64(st, 12);
	s->removed = (uint64_t)sqlite3_column_int64(st, 13);
}

/* db_run() for a statement that must change exactly the row of job. */
static int
run_job(sqlite3_stmt *st, const char *what, uint64_t job)
{
	if (db_run(st, what) == -1)
		return -1;
	if (sqlite3_changes(db_conn()) != 1) {
		db_errset("no such job %" PRIu64, job);
		return -1;
	}
	return 0;
}

int
db_job_batch(uint64_t job, const struct db_counts *c, uint64_t cursor)
{
	sqlite3_stmt	*st = st_job_batch;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)c->added);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)c->duplicates);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->skipped);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)c->failed);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)c->cancelled);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)cursor);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)c->updated);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)c->moved);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)job);
	return run_job(st, "updating the job", job);
}

int
db_job_finish(uint64_t job, int state, const char *error, uint64_t removed,
    int64_t now)
{
	sqlite3_stmt	*st = st_job_finish;

	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_int64(st, 2, now);
	db_bind_text(st, 3, error);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)removed);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)job);
	return db_run(st, "finishing the job");
}

int
db_job_cancel(uint64_t job, int64_t now)
{
	sqlite3_stmt	*st = st_job_cancel;

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)job);
	return run_job(st, "recording the cancel", job);
}

int
db_job_open(void)
{
	sqlite3_stmt	*st;
	int		 rc, r;

	/* Kept prepared: the committer asks at every idle moment (compact.c). */
	if (st_job_open == NULL)
		st_job_open = db_prep("SELECT EXISTS (SELECT 1 FROM jobs "
		    "WHERE state = ?)");
	st = st_job_open;
	sqlite3_bind_int(st, 1, KBD__JOB_STATE__JOB_RUNNING);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) != 0;
	else
		r = db_fail(rc, "looking for a running job");
	sqlite3_reset(st);
	return r;
}

/*
 * History: one file's outcome in its job (inside the batch's
 * transaction). A batch replayed after a crash writes the same rows.
 */
int
db_job_file(uint64_t job, uint64_t seq, const char *path, int status,
    const char *doc, const char *reason)
{
	sqlite3_stmt	*st;

	if (st_jf_insert == NULL)
		st_jf_insert = db_prep("INSERT OR REPLACE INTO job_files(job, "
		    "seq, path, status, doc, reason) VALUES (?, ?, ?, ?, ?, "
		    "?)");
	st = st_jf_insert;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	db_bind_text(st, 3, path);
	sqlite3_bind_int(st, 4, status);
	db_bind_text(st, 5, doc != NULL ? doc : "");
	db_bind_text(st, 6, reason != NULL ? reason : "");
	return db_run(st, "recording a file's outcome");
}

/*
 * Drop the file outcomes of every finished job but the newest keep
 * (inside the finishing job's transaction). Unfinished jobs keep theirs.
 */
static int	db_jobs_trim(unsigned);

int
db_history_prune(unsigned keep)
{
	if (st_hist_mark == NULL) {
		st_hist_mark = db_prep("UPDATE jobs SET history = 2 WHERE history = 1 "
		    "AND id IN (SELECT id FROM jobs WHERE finished <> 0 "
		    "ORDER BY id DESC LIMIT -1 OFFSET ?)");
		st_hist_drop = db_prep("DELETE FROM job_files WHERE job IN (SELECT id "
		    "FROM jobs WHERE history = 2)");
	}
	sqlite3_bind_int64(st_hist_mark, 1, keep);
	if (db_run(st_hist_mark, "pruning the history") == -1)
		return -1;
	if (sqlite3_changes(db_conn()) != 0 &&
	    db_run(st_hist_drop, "pruning the history") == -1)
		return -1;
	return db_jobs_trim(keep > DB_JOBS_KEPT ? keep : DB_JOBS_KEPT);
}

/*
 * Every watched change is a job: the rows of all but the newest keep
 * finished jobs go (and any file outcome of theirs left), in the job
 * finish's transaction. Unfinished jobs stay (a resume needs them); the
 * newest row stays, so a new job's id is still one more than any before.
 */
static int
db_jobs_trim(unsigned keep)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("DELETE FROM job_files WHERE job IN (SELECT id FROM jobs "
	    "WHERE finished <> 0 ORDER BY id DESC LIMIT -1 OFFSET ?)");
	sqlite3_bind_int64(st, 1, keep);
	r = db_run(st, "trimming the jobs");
	sqlite3_finalize(st);
	if (r == -1)
		return -1;
	st = db_prep("DELETE FROM jobs WHERE id IN (SELECT id FROM jobs "
	    "WHERE finished <> 0 ORDER BY id DESC LIMIT -1 OFFSET ?)");
	sqlite3_bind_int64(st, 1, keep);
	r = db_run(st, "trimming the jobs");
	sqlite3_finalize(st);
	return r;
}

/*
 * The names of up to max documents a job last gave content (added or
 * updated), in id order, to cb; *total gets how many there are. For the
 * job's wiki/log.md entry.
 */
int
db_docs_of_job(uint64_t job, size_t max, void (*cb)(void *, const char *),
    void *arg, uint64_t *total)
{
	sqlite3_stmt	*st;

	st = db_prep("SELECT name FROM documents WHERE job = ? ORDER BY id");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	return db_names(st, max, cb, arg, total, "listing a job's documents");
}
