/*
 * The full-text index rebuilt from the KB's Markdown (wiki/sources) after
 * the migration to schema 4 (a new tokenizer), as a job of its own: its
 * row (kind reindex) is made at start-up, after recovery, and the
 * committer then serves requests between slices of the rebuild
 * (reindex_step when no request waits). A slice is one transaction of at
 * most slice documents (REINDEX_DOCS, or KBD_REINDEX_SLICE for tests) or
 * REINDEX_BYTES bytes of text, recording the last document it indexed and
 * counting it in the job's row: a committer killed midway resumes after
 * it. Documents a batch commits meanwhile are indexed by the batch; the
 * slice that reaches their id deletes and writes their row again, so each
 * is indexed once. Only the database changes; the KB's files are read,
 * never written.
 *
 * Fail points (fsio.h): reindex.slice, before each slice's COMMIT (a
 * kill there loses that slice only: the next committer redoes it); at
 * the end, reindex.log (with .fsync) for the wiki/log.md entry,
 * reindex.fsync, reindex.commit (before COMMIT), reindex.committed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "committer.h"
#include "db.h"
#include "fsio.h"
#include "journal.h"
#include "log.h"
#include "kbd.pb-c.h"
#include "util.h"
#include "wiki.h"
#include "xmalloc.h"

#define REINDEX_DOCS	256
#define REINDEX_BYTES	(16 * 1024 * 1024)

struct rdoc {
	int64_t	 id;
	char	*name, *title;
};

struct rbatch {
	struct rdoc	d[REINDEX_DOCS];
	unsigned	n;
};

static int
collect(void *arg, int64_t id, const char *name, const char *title)
{
	struct rbatch	*b = arg;

	b->d[b->n].id = id;
	b->d[b->n].name = xstrdup(name);
	b->d[b->n].title = xstrdup(title);
	b->n++;
	return 0;
}

static struct rbatch	*batch;		/* non-NULL: a rebuild under way */
static uint64_t		 job, done;
static unsigned		 slice = REINDEX_DOCS;
static int		 pause_ms;	/* tests: idle wait between slices */

/* The end's registry changes, in the open transaction: 0 or -1. */
static int
finish_rows(int64_t now)
{
	return db_reindex_done() == -1 || db_reindex_job_clear() == -1 ||
	    db_job_finish(job, KBD__JOB_STATE__JOB_DONE, "", 0, now) == -1 ?
	    -1 : 0;
}

/*
 * The job's end, as jobrow.c ends a job: its wiki/log.md entry appended
 * under a journal whose commit record is in the transaction that
 * finishes the row, so the entry is there exactly when the job is done.
 * When the entry cannot be written (a full disk), the row alone.
 */
static int
reindex_finish(void)
{
	Kbd__JobSummary	 row = KBD__JOB_SUMMARY__INIT;
	struct journal	*j;
	char		*what, *entry, *err = NULL;
	int64_t		 now = time(NULL);

	if (db_job_get(job, &row) != 1)
		return -1;
	free(row.error);
	xasprintf(&what, "job %" PRIu64 " (full-text index rebuild) | %"
	    PRIu64 " document%s indexed", job, row.cursor,
	    wiki_plural(row.cursor));
	entry = wiki_log_entry(what, NULL, 0, 0, (time_t)now);
	free(what);
	if ((j = journal_new()) == NULL ||
	    journal_track_append(j, WIKI_LOG) == -1) {
		err = errf("journal: %s", strerror(errno));
		if (j != NULL)
			commit_rollback(j);
		j = NULL;
	} else if ((err = commit_activate(j)) != NULL)
		j = NULL;
	if (j != NULL) {
		if (fsio_append(WIKI_LOG, entry, strlen(entry),
		    "reindex.log") == -1)
			err = errf("%s: %s", WIKI_LOG, strerror(errno));
		if (err == NULL)
			commit_sync("reindex.fsync");
		if (err == NULL && db_begin() == -1)
			err = errf("registry: %s", db_errmsg());
		else if (err == NULL)
			err = transaction_end(j, 0, now, "reindex.commit",
			    finish_rows(now) == -1 ? errf("registry: %s",
			    db_errmsg()) : NULL);
		err = journal_end(j, "reindex.committed", err);
	}
	free(entry);
	if (err == NULL)
		return 0;
	log_warnx("full-text index rebuild: no log entry: %s", err);
	free(err);
	if (db_begin() == -1)
		return -1;
	if (finish_rows(now) == -1) {
		db_rollback();
		return -1;
	}
	return db_commit();
}

/* One transaction: index b's documents up to the byte budget. */
static int
reindex_batch(struct rbatch *b)
{
	char	*src, *md;
	size_t	 len, bytes = 0;
	unsigned i;
	int64_t	 last = 0;

	if (db_begin() == -1)
		return -1;
	for (i = 0; i < b->n && (i == 0 || bytes < REINDEX_BYTES); i++) {
		src = kbpath_source(b->d[i].name);
		if ((md = read_file(src, &len)) == NULL) {
			/* lint reports a document without its Markdown. */
			log_warnx("reindex: %s: %s", src, strerror(errno));
			md = xstrdup("");
			len = 0;
		}
		free(src);
		bytes += len;
		if (db_fts_delete(b->d[i].id) == -1 ||
		    db_fts_insert(b->d[i].id, b->d[i].name, b->d[i].title,
		    md, len, NULL) == -1) {
			free(md);
			db_rollback();
			return -1;
		}
		free(md);
		last = b->d[i].id;
	}
	if (i == 0) {
		db_rollback();
		return reindex_finish();
	}
	if (db_reindex_progress(last) == -1 ||
	    db_reindex_job_add(job, i) == -1) {
		db_rollback();
		return -1;
	}
	if (fsio_point("reindex.slice") == -1) {
		db_rollback();
		return -1;
	}
	if (db_commit() == -1)
		return -1;
	done += i;
	return 0;
}

int
reindex_start(void)
{
	Kbd__JobCreateReq	 req = KBD__JOB_CREATE_REQ__INIT;
	uint8_t			 buf[16];
	const char		*env;
	char			*end;
	int64_t			 after;
	int			 r;

	if ((r = db_reindex_pending(&after)) == 0)
		return 0;
	if (r == -1 || (r = db_reindex_job(&job)) == -1)
		fatalx("full-text index rebuild: %s", db_errmsg());
	if (r == 0) {
		/* Its row and its id in meta, together. */
		req.reindex = 1;
		if (protobuf_c_message_get_packed_size(&req.base) >
		    sizeof(buf))
			fatalx("full-text index rebuild: request too long");
		if (db_begin() == -1 ||
		    db_job_create(buf, protobuf_c_message_pack(&req.base, buf),
		    time(NULL), &job) == -1 || db_reindex_job_set(job) == -1) {
			db_rollback();
			fatalx("full-text index rebuild: %s", db_errmsg());
		}
		if (db_commit() == -1)
			fatalx("full-text index rebuild: %s", db_errmsg());
	}
	/*
	 * Tests: KBD_REINDEX_SLICE=N[:MS], N documents a slice and MS
	 * milliseconds without a request before the next: a rebuild slow
	 * enough to watch, which still answers at once.
	 */
	if ((env = getenv("KBD_REINDEX_SLICE")) != NULL && *env != '\0') {
		slice = (unsigned)strtoul(env, &end, 10);
		if (slice == 0 || slice > REINDEX_DOCS)
			slice = REINDEX_DOCS;
		if (*end == ':')
			pause_ms = (int)strtoul(end + 1, NULL, 10) % 60000;
	}
	batch = xcalloc(1, sizeof(*batch));
	done = 0;
	log_info("full-text index: rebuilding after document %" PRId64
	    " (job %" PRIu64 ")", after, job);
	return 1;
}

int
reindex_step(void)
{
	int64_t		 after;
	unsigned	 i;
	int		 r;

	if (batch == NULL)
		return 0;
	if ((r = db_reindex_pending(&after)) == -1)
		fatalx("full-text index rebuild: %s", db_errmsg());
	batch->n = 0;
	if (r == 1 && (db_reindex_docs(after, slice, collect, batch) == -1 ||
	    reindex_batch(batch) == -1))
		fatalx("full-text index rebuild: %s", db_errmsg());
	for (i = 0; i < batch->n; i++) {
		free(batch->d[i].name);
		free(batch->d[i].title);
	}
	if (r == 1 && batch->n > 0)
		return 1;
	free(batch);
	batch = NULL;
	log_info("full-text index: rebuilt, %" PRIu64 " documents", done);
	return 0;
}

int
reindex_running(void)
{
	return batch != NULL;
}

int
reindex_pause(void)
{
	return pause_ms;
}
