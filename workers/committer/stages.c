/*
 * Where the committer's thread spends a job's batches: the wall time of
 * each stage of batch_end (decisions, plans, rows, the wait for the
 * publishing thread, concepts, links, index pages, the sync, the commit,
 * the journal's end), of receiving a batch's items (BATCH_BEGIN to
 * BATCH_END), of the concept flush rounds between requests, and what is
 * left between batches (the supervisor's answer to one and its next),
 * summed from the job's first batch and logged as one line when the job
 * finishes (kbd.log). make bench prints it beside the add's time: the
 * first thing to read when an add is slower (docs/architecture.md,
 * "Where an add of small files spends its time").
 *
 * Wall time, not CPU: a stage that waits (for the disk, for the other
 * thread) is a cost of the add as much as one that computes. Outside the
 * sum, the publishing thread's own time within the batches (publish.c:
 * from its start to its end in each), which runs beside the rows: which
 * of the two threads is the limit. Batches of
 * jobs served one after another in the same stretch are summed into the
 * line of the job that finishes next.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "committer.h"
#include "log.h"
#include "util.h"

static const char *const names[ST_N] = {
	[ST_DECIDE] = "decisions",
	[ST_PLANS] = "plans",
	[ST_ROWS] = "rows",
	[ST_PUBWAIT] = "publishing wait",
	[ST_CONCEPTS] = "concepts",
	[ST_LINKS] = "links",
	[ST_INDEX] = "index pages",
	[ST_SYNC] = "sync",
	[ST_COMMIT] = "commit",
	[ST_JOURNAL] = "journal end",
	[ST_ANSWER] = "answer",
	[ST_RECV] = "items received",
	[ST_FLUSH] = "concept flush rounds",
	[ST_WAIT] = "between batches",
	[ST_PUBLISH] = "publishing (its thread)",
};

static struct {
	int64_t		 ns[ST_N];
	int64_t		 last;		/* the last mark */
	uint64_t	 batches;
} st;

/*
 * The time since the last mark goes to stage s. Waits between batches
 * count from a job's first batch on: what comes before it is the time
 * the job took to convert its first files, or another job's.
 */
void
stage_end(enum stage s)
{
	int64_t	t = mono_ns();

	if (st.last != 0 && s < ST_N && (s != ST_WAIT || st.batches > 0))
		st.ns[s] += t - st.last;
	st.last = t;
}

void
stage_add(enum stage s, int64_t ns)
{
	if (s < ST_N)
		st.ns[s] += ns;
}

void
stage_batch(void)
{
	st.batches++;
}

void
stage_log(uint64_t job)
{
	char	line[512];
	size_t	off;
	int64_t	sum = 0;
	int	i, n;

	if (st.batches == 0)
		return;
	for (i = 0; i < ST_N; i++)
		if (i != ST_FLUSH && i != ST_WAIT && i != ST_PUBLISH)
			sum += st.ns[i];
	off = 0;
	for (i = 0; i < ST_N && off < sizeof(line); i++) {
		n = snprintf(line + off, sizeof(line) - off, "%s%s %.2f",
		    i ? ", " : "", names[i], (double)st.ns[i] / 1e9);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	log_info("job %" PRIu64 ": the committer's stages: %" PRIu64
	    " batches, %.2f s in them: %s s", job, st.batches,
	    (double)sum / 1e9, line);
	memset(&st, 0, sizeof(st));
}
