/*
 * The concept pages batches leave behind. A batch that only adds
 * documents to a concept marks the concept's page pending in the
 * registry (concepts_pending, in the batch's transaction) instead of
 * rewriting it: in a large add a frequent concept gains documents in
 * almost every batch, and rewriting its page each time made each batch
 * cost more than its own documents (issues 14 and 15). A pending page
 * still has only good links (it lists fewer documents than the concept
 * has, with an older count); a mutation that removes or replaces a
 * document of the concept, or changes its related concepts, writes the
 * page itself and clears the mark.
 *
 * The flush writes the pending pages from the registry, and the
 * concepts' index, in one journaled mutation per CONCEPT_FLUSH_PAGES
 * pages, whose transaction clears their marks: a crash leaves them
 * pending, never half written. It runs when a job finishes (before its
 * log entry: once kbctl add returns, the pages are current), before lint,
 * when no job runs and the committer has waited FLUSH_IDLE_MS for a
 * request (marks a predecessor left included, once it has served one:
 * committer.c), and between the requests of a long job once marks are
 * FLUSH_AGE_MS old, so pages lag a long add by a bounded time.
 *
 * A flush rewrites every concept a job's documents touched since the
 * last, and reads the listed documents' concepts for the related ones:
 * late in a 150,000-file add that is most of the KB, 5 s a flush against
 * 1 s early. At a fixed age the flushes took a share of the job that grew
 * with the KB (issue 14). Their age is therefore also at least
 * FLUSH_COST_RATIO times what the last flush took, which keeps them under
 * about a twentieth of a long job's time at any size; the lag stays
 * bounded by that and the job's end.
 *
 * Within a job the flush is a round of slices (flush_step), not one
 * stretch: written whole, the late flushes stopped the add for 4 s at a
 * time, a third of a tenth of the add spent in one place. A slice
 * writes the pending pages after the round's cursor that fit in about
 * FLUSH_SLICE_MS (by what a page took last), and the next is due once
 * FLUSH_COST_RATIO times its own time has passed, so the round has the
 * same share of the job, spread over it. A page marked behind the cursor
 * waits for the next round, which may start once the marks left are as
 * old as the rule above says, counted from the round's start.
 *
 * Fail points (fsio.h): concepts.page (.fsync, .rename), concepts.unlink,
 * concepts.index (.fsync, .rename), flush.fsync, flush.commit and
 * flush.committed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "committer.h"
#include "conceptdb.h"
#include "db.h"
#include "journal.h"
#include "kbpath.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#if defined(KBD_DRILL_BREAK_CONCEPTS_NOJOURNAL) && !defined(KBD_FAILPOINTS)
#error "KBD_DRILL_BREAK_* variants are test builds (FAILPOINTS=1) only"
#endif

#define CONCEPT_FLUSH_PAGES	4096	/* pages a flush mutation writes */
#define FLUSH_IDLE_MS		300	/* no request this long: flush */
#define FLUSH_AGE_MS		30000	/* marks this old: flush anyway */
#define FLUSH_COST_RATIO	20	/* or this many times the last flush */
#define FLUSH_SLICE_MS		500	/* a round's slice, about */
#define FLUSH_SLICE_MIN		16	/* pages a slice writes at least */

static int	pending;	/* the registry may hold marks */
static int64_t	since;		/* monotonic ms: the oldest unflushed mark */
static int64_t	retry_at;	/* after a failed flush: no idle one before */
static int64_t	last_cost;	/* ms the last flush or round took */
static double	page_ms = 1;	/* ms a page took, in the last flush */

/* A round under way (flush_step): its cursor is the last term written. */
static struct {
	char	*cursor;	/* NULL: no round */
	int64_t	 start;		/* when it began */
	int64_t	 cost;		/* ms its slices took */
	int64_t	 next;		/* when its next slice is due */
} rnd;

void
flush_note(void)
{
	if (!pending) {
		pending = 1;
		since = mono_ms();
	}
}

/* At start-up: marks a predecessor left, flushed when idle. */
void
flush_start(void)
{
	int	r;

	if ((r = conceptdb_pending_any()) == -1)
		log_warnx("pending concept pages: %s", db_errmsg());
	if (r != 0) {
		pending = 1;
		since = mono_ms();
	}
}

/* Tests: KBD_FLUSH_AGE_MS=N flushes marks N ms old within a job. */
static int64_t
flush_age(void)
{
	static int64_t	 ms = -1;

	if (ms == -1)
		ms = (int64_t)env_u64("KBD_FLUSH_AGE_MS", FLUSH_AGE_MS, 0,
		    3600000);
	return ms;
}

/* Tests: KBD_FLUSH_RATIO=N, N times the last flush (0: at once). */
static int64_t
flush_ratio(void)
{
	static int64_t	 n = -1;

	if (n == -1)
		n = (int64_t)env_u64("KBD_FLUSH_RATIO", FLUSH_COST_RATIO, 0,
		    1000);
	return n;
}

int
flush_due(void)
{
	int64_t	age = flush_ratio() * last_cost;

	if (!pending)
		return 0;
	if (rnd.cursor != NULL)
		return mono_ms() >= rnd.next;
	return mono_ms() - since >= (age > flush_age() ? age : flush_age());
}

int
flush_wait(void)
{
	int64_t	left;

	/*
	 * Not while a job runs: between its batches the committer waits
	 * for workers, and flushing at each such pause would rewrite the
	 * same frequent pages again and again. Its end flushes, and marks
	 * too old do (flush_due).
	 */
	if (!pending || db_job_open() != 0)
		return -1;
	left = retry_at - mono_ms();
	return left > FLUSH_IDLE_MS ? (int)left : FLUSH_IDLE_MS;
}

/* The pages of terms and the index, tracked in j: 0, or -1 (errno). */
static int
flush_track(struct journal *j, char **terms, size_t n)
{
#ifdef KBD_DRILL_BREAK_CONCEPTS_NOJOURNAL
	/* Negative control: concept pages rewritten outside the journal. */
	(void)j;
	(void)terms;
	(void)n;
	return 0;
#else
	char	*path;
	size_t	 i;
	int	 r;

	for (i = 0; i < n; i++) {
		if ((path = kbpath_concept(terms[i])) == NULL)
			fatalx("concept term \"%s\"", terms[i]);
		r = journal_track(j, path);
		free(path);
		if (r == -1)
			return -1;
	}
	return journal_track(j, KB_CONCEPTS_INDEX);
#endif
}

/* One flush mutation: terms' pages and the index, their marks cleared. */
static char *
flush_some(char **terms, size_t n)
{
	struct journal	*j;
	char		*err = NULL;
	size_t		 i;
	int64_t		 now = time(NULL);

	if ((j = journal_new()) == NULL)
		return commit_journal_err(j);
	if (flush_track(j, terms, n) == -1) {
		err = commit_journal_err(j);
		commit_rollback(j);
		return err;
	}
	if ((err = commit_activate(j)) != NULL)
		return err;
	if (db_begin() == -1)
		err = errf("registry: %s", db_errmsg());
	for (i = 0; i < n && err == NULL; i++)
		if ((err = conceptw_write_page(terms[i])) == NULL &&
		    conceptdb_unpend(terms[i]) == -1)
			err = errf("registry: %s", db_errmsg());
	if (err == NULL)
		err = conceptw_write_index();
	if (err == NULL)
		commit_sync("flush.fsync");
	err = transaction_end(j, 0, now, "flush.commit", err);
	return journal_end(j, "flush.committed", err);
}

/* What a page costs, from a flush of n pages that took ms. */
static void
flush_measured(size_t n, int64_t ms)
{
	if (n > 0)
		page_ms = ms > 0 ? (double)ms / (double)n : 0.01;
}

static void
round_end(void)
{
	free(rnd.cursor);
	rnd.cursor = NULL;
}

/* A flush failed: the marks stay, and the next try is an age away. */
static int
flush_failed(char *err)
{
	log_warnx("concept pages left pending: %s", err);
	free(err);
	round_end();
	since = mono_ms();
	retry_at = since + FLUSH_AGE_MS;
	return -1;
}

int
flush_step(void)
{
	char	**terms, *err = NULL;
	size_t	  n, max;
	int64_t	  start = mono_ms(), ms;
	double	  fit;
	int	  r;

	if (rnd.cursor == NULL) {
		rnd.cursor = xstrdup("");
		rnd.start = start;
		rnd.cost = 0;
	}
	fit = FLUSH_SLICE_MS / page_ms;
	max = fit < FLUSH_SLICE_MIN ? FLUSH_SLICE_MIN :
	    fit > CONCEPT_FLUSH_PAGES ? CONCEPT_FLUSH_PAGES : (size_t)fit;
	/* Tests: KBD_FLUSH_SLICE_PAGES=N writes N pages a slice. */
	max = (size_t)env_u64("KBD_FLUSH_SLICE_PAGES", max, 1,
	    CONCEPT_FLUSH_PAGES);
	if (conceptdb_pending(rnd.cursor, max, &terms, &n) == -1)
		return flush_failed(errf("registry: %s", db_errmsg()));
	if (n > 0) {
		conceptdb_cache_begin();
		err = flush_some(terms, n);
		conceptdb_cache_end();
		free(rnd.cursor);
		rnd.cursor = xstrdup(terms[n - 1]);
	}
	conceptdb_strv_free(terms, n);
	ms = mono_ms() - start;
	rnd.cost += ms;
	if (err != NULL)
		return flush_failed(err);
	flush_measured(n, ms);
	log_debug("concept pages: a slice of %zu in %lld ms", n,
	    (long long)ms);
	if (n == max) {
		/* Its share of the time, as a whole flush's (flush_due). */
		rnd.next = mono_ms() + flush_ratio() * ms;
		return 0;
	}
	/* Marks left now were made behind the cursor, after the start. */
	last_cost = rnd.cost;
	since = rnd.start;
	round_end();
	if ((r = conceptdb_pending_any()) == -1)
		log_warnx("pending concept pages: %s", db_errmsg());
	pending = r != 0;
	return 0;
}

int
flush_all(void)
{
	char	**terms, *err = NULL;
	size_t	  n, pages = 0;
	int64_t	  start = mono_ms();

	if (!pending)
		return 0;
	round_end();
	/*
	 * A document is listed on the pages of most of its concepts: their
	 * related concepts count its concepts, read once for all of them.
	 * Nothing changes the registry's concepts between the mutations.
	 */
	conceptdb_cache_begin();
	for (;;) {
		if (conceptdb_pending("", CONCEPT_FLUSH_PAGES, &terms,
		    &n) == -1) {
			err = errf("registry: %s", db_errmsg());
			break;
		}
		if (n == 0)
			break;
		err = flush_some(terms, n);
		conceptdb_strv_free(terms, n);
		pages += n;
		if (err != NULL || n < CONCEPT_FLUSH_PAGES)
			break;
	}
	conceptdb_cache_end();
	last_cost = mono_ms() - start;
	log_debug("concept pages: %zu flushed in %lld ms", pages,
	    (long long)last_cost);
	if (err != NULL)
		return flush_failed(err);
	flush_measured(pages, last_cost);
	pending = 0;
	return 0;
}
