/*
 * The supervisor's reads of jobs (see dbread.h): a job's record and its
 * kind (a full-text rebuild's counts), the job list, the jobs to resume,
 * a job's request, cancel and history. On dbread.c's connection.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "db.h"
#include "dbread.h"
#include "dbread_int.h"
#include "log.h"
#include "xmalloc.h"

static sqlite3		*db;	/* dbread.c's */
/*
 * Prepared once: kbctl status runs these in the loop for each of a
 * fleet's agents, and preparing them was a quarter of what it cost.
 */
static sqlite3_stmt	*st_job, *st_newest, *st_meta, *st_cursor, *st_request;

void
dbread_jobs_open(sqlite3 *c)
{
	db = c;
	st_job = dbread_prep("SELECT " DB_JOB_COLUMNS " FROM jobs WHERE id = ?");
	st_newest = dbread_prep("SELECT max(id) FROM jobs");
}

/*
 * *st, prepared at its first use and kept (an older KB on read-only
 * media may lack a column: then NULL, and the caller's query fails).
 */
static sqlite3_stmt *
kept(sqlite3_stmt **st, const char *sql)
{
	if (*st == NULL && sqlite3_prepare_v3(db, sql, -1,
	    SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		*st = NULL;
	return *st;
}

void
dbread_jobs_close(void)
{
	sqlite3_finalize(st_job);
	sqlite3_finalize(st_newest);
	sqlite3_finalize(st_meta);
	sqlite3_finalize(st_cursor);
	sqlite3_finalize(st_request);
	st_job = st_newest = st_meta = st_cursor = st_request = NULL;
	db = NULL;
}

/* Ready for the next use: no row held, no text bound. */
static void
done_with(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* The value of a meta key as an integer: 1, 0 none, -1 error. */
static int
meta_int(const char *key, int64_t *v)
{
	int	r;

	*v = 0;
	if (kept(&st_meta, "SELECT value FROM meta WHERE key = ?") == NULL)
		return -1;
	sqlite3_bind_text(st_meta, 1, key, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(st_meta)) == SQLITE_ROW)
		*v = sqlite3_column_int64(st_meta, 0);
	done_with(st_meta);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

int
dbread_reindex(uint64_t *job, uint64_t *done, uint64_t *total)
{
	sqlite3_stmt	*st;
	int64_t		 after, j;
	int		 r;

	*job = *done = *total = 0;
	if ((r = meta_int("reindex", &after)) != 1 ||
	    meta_int("reindex_job", &j) == -1)
		return r;
	*job = (uint64_t)j;
	/* The job's cursor counts the documents indexed so far. */
	if ((st = kept(&st_cursor, "SELECT (SELECT cursor FROM jobs WHERE "
	    "id = ?), (SELECT count(*) FROM documents WHERE id > ?)")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, j);
	sqlite3_bind_int64(st, 2, after);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*done = (uint64_t)sqlite3_column_int64(st, 0);
		*total = *done + (uint64_t)sqlite3_column_int64(st, 1);
	}
	done_with(st);
	return r == SQLITE_ROW ? 1 : -1;
}

/* A full-text rebuild's job: its kind and counts (dbread_reindex). */
static void
mark_reindex(Kbd__JobSummary *s)
{
	Kbd__JobCreateReq	*req;
	uint64_t		 job, done, total;

	if (dbread_job_request(s->job, &req) != 1)
		return;
	if (req->reindex) {
		s->kind = (char *)"reindex";
		s->index_done = s->index_total = s->cursor;
		if (dbread_reindex(&job, &done, &total) == 1 &&
		    job == s->job) {
			s->index_rebuilding = 1;
			s->index_done = done;
			s->index_total = total;
		}
	}
	kbd__job_create_req__free_unpacked(req, NULL);
}

/* out->error is malloc'ed: free it. */
int
dbread_job(uint64_t job, Kbd__JobSummary *out)
{
	int	r;

	sqlite3_bind_int64(st_job, 1, (sqlite3_int64)job);
	r = sqlite3_step(st_job);
	if (r == SQLITE_ROW) {
		db_job_row(st_job, out);
		sqlite3_reset(st_job);
		mark_reindex(out);
		return 1;
	}
	sqlite3_reset(st_job);
	if (r == SQLITE_DONE)
		return 0;
	log_warnx("registry query: %s", sqlite3_errmsg(db));
	return -1;
}

int
dbread_jobs(unsigned limit, Kbd__JobsRep *rep)
{
	sqlite3_stmt	*st;
	Kbd__JobSummary	*j;
	size_t		 i;
	int		 r;

	if (sqlite3_prepare_v2(db, "SELECT " DB_JOB_COLUMNS " FROM jobs "
	    "ORDER BY id DESC LIMIT ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, (int)limit);
	rep->jobs = xcalloc(limit, sizeof(*rep->jobs));
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		j = xmalloc(sizeof(*j));
		kbd__job_summary__init(j);
		db_job_row(st, j);
		rep->jobs[rep->n_jobs++] = j;
	}
	sqlite3_finalize(st);
	for (i = 0; i < rep->n_jobs; i++)
		mark_reindex(rep->jobs[i]);
	return r == SQLITE_DONE ? 0 : -1;
}

void
dbread_jobs_free(Kbd__JobsRep *rep)
{
	size_t	i;

	for (i = 0; i < rep->n_jobs; i++) {
		free(rep->jobs[i]->error);
		free(rep->jobs[i]);
	}
	free(rep->jobs);
	rep->jobs = NULL;
	rep->n_jobs = 0;
}

/* max(id) is NULL, read as 0, when there is no job. */
int
dbread_newest_job(uint64_t *job)
{
	int	r;

	*job = 0;
	r = sqlite3_step(st_newest);
	if (r == SQLITE_ROW)
		*job = (uint64_t)sqlite3_column_int64(st_newest, 0);
	sqlite3_reset(st_newest);
	if (r != SQLITE_ROW) {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		return -1;
	}
	return *job != 0;
}

int
dbread_unfinished_jobs(uint64_t **ids, size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 r;

	*ids = NULL;
	*n = 0;
	/* The full-text rebuild's job is the committer's to run. */
	if (sqlite3_prepare_v2(db, "SELECT id FROM jobs WHERE state IN (1, 2) "
	    "AND id NOT IN (SELECT CAST(value AS INTEGER) FROM meta WHERE "
	    "key = 'reindex_job') ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*ids = xreallocarray(*ids, cap, sizeof(**ids));
		}
		(*ids)[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
	}
	if (r != SQLITE_DONE)
		log_warnx("registry query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

/* A request that does not unpack is an error, as a failed read is. */
int
dbread_job_request(uint64_t job, Kbd__JobCreateReq **req)
{
	sqlite3_stmt	*st;
	int		 r;

	*req = NULL;
	if ((st = kept(&st_request, "SELECT request FROM jobs WHERE id = ?")) ==
	    NULL) {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*req = kbd__job_create_req__unpack(NULL,
		    (size_t)sqlite3_column_bytes(st, 0),
		    sqlite3_column_blob(st, 0));
		r = *req != NULL ? 1 : -1;
	} else if (r == SQLITE_DONE)
		r = 0;
	else {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		r = -1;
	}
	done_with(st);
	return r;
}

int
dbread_job_cancelled(uint64_t job)
{
	sqlite3_stmt	*st;
	int		 r;

	if (sqlite3_prepare_v2(db, "SELECT cancel_requested != 0 FROM jobs "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) != 0;
	else if (r == SQLITE_DONE)
		r = 0;
	else {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		r = -1;
	}
	sqlite3_finalize(st);
	return r;
}

/* The names of the documents job added or last updated, in id order. */
int
dbread_docs_of_job(uint64_t job, char ***names, size_t *n)
{
	sqlite3_stmt	*st;
	int		 r;

	*names = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT name FROM documents WHERE job = ? "
	    "ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*names = xreallocarray(*names, *n + 1, sizeof(**names));
		(*names)[(*n)++] = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

/*
 * History (kbctl status --files): the next chunk of a job's file outcomes
 * after seq *after, at most max, failed ones only with failed; the job's
 * History state in chunk->history. Prepared per chunk: chunks are rare.
 */
int
dbread_job_files(uint64_t job, int failed, uint64_t *after, unsigned max,
    Kbd__JobFiles *chunk)
{
	sqlite3_stmt	*st;
	Kbd__FileEvent	*e;
	int		 r;

	chunk->job = job;
	if (sqlite3_prepare_v2(db, "SELECT history FROM jobs WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		chunk->history = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		goto fail;
	if (sqlite3_prepare_v2(db, "SELECT seq, path, status, doc, reason "
	    "FROM job_files WHERE job = ? AND seq > ? AND (? = 0 OR "
	    "status = ?) ORDER BY seq LIMIT ?", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)*after);
	sqlite3_bind_int(st, 3, failed);
	sqlite3_bind_int(st, 4, KBD__FILE_STATUS__FS_FAILED);
	sqlite3_bind_int(st, 5, (int)max);
	chunk->files = xcalloc(max, sizeof(*chunk->files));
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		e = xmalloc(sizeof(*e));
		kbd__file_event__init(e);
		e->job = job;
		e->seq = *after = (uint64_t)sqlite3_column_int64(st, 0);
		e->path = dbread_col_dup(st, 1);
		e->status = sqlite3_column_int(st, 2);
		e->doc = dbread_col_dup(st, 3);
		e->reason = dbread_col_dup(st, 4);
		chunk->files[chunk->n_files++] = e;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		goto fail;
	chunk->last = chunk->n_files < max;
	return 0;
fail:
	log_warnx("job files: %s", sqlite3_errmsg(db));
	return -1;
}

void
dbread_job_files_free(Kbd__JobFiles *chunk)
{
	size_t	i;

	for (i = 0; i < chunk->n_files; i++) {
		free(chunk->files[i]->path);
		free(chunk->files[i]->doc);
		free(chunk->files[i]->reason);
		free(chunk->files[i]);
	}
	free(chunk->files);
	chunk->files = NULL;
	chunk->n_files = 0;
}
