/*
 * The full-text index merged into one segment after it changed enough.
 * FTS5 writes each transaction's rows as a new segment and merges
 * segments a little at each write (automerge), so after an add the
 * index is several segments, some half merged, whose term lists a search
 * reads and merges one by one; removed rows stay as delete markers until
 * a merge drops them. Measured on 3,000 documents of make bench's
 * search part: 2.4 times the pages of the merged index, and each search
 * 1.35 times the CPU (after 5,000 documents were added and removed four
 * times: 8 times the pages, twice the CPU).
 *
 * A merge costs in proportion to the whole index, so it runs only once
 * the documents changed since the last one are at least a
 * COMPACT_SHARE-th of the KB (a merge per job would make a one-file add
 * to a large KB rewrite the index), and only when the registry has no
 * running job (between a job's batches it would merge a growing index
 * again and again): when the committer has waited COMPACT_IDLE_MS for a
 * request, after a job's reply or a remove. Each step merges at most
 * COMPACT_PAGES pages in a transaction of its own and stops at the first
 * request waiting, so a merge never holds a request back by more than a
 * step. It ran before a job's reply until stop 42: 6 s of a
 * 150,000-file add's 70, which kbctl add waited for, though a search
 * finds the same rows in the index unmerged.
 *
 * The count is the committer's memory, and the job's end records it in
 * the registry (meta 'fts_changed', in the transaction that finishes the
 * job; the merge's last step sets it to 0): a committer that stops or
 * dies before the merge, as in kbctl add && kbctl stop, leaves it to its
 * successor, which merges once idle. The changes of removes since the
 * last job's end are the memory's only. The merge changes no row a
 * search can see.
 *
 * FTS5 merges a level's segments into one of the next level once the
 * level holds automerge segments (4, its default), so in a bulk add each
 * row is written again at every level, and there are more levels the
 * larger the index. A batch of COMPACT_BULK items or more sets automerge
 * to 16 for its transaction and those after, and a job's end
 * (compact_save) sets FTS5's defaults back. Its crisismerge (16: a level
 * that holds that many is merged whole at once, in the write that filled
 * it, and the next level too if that fills it) goes to 32 with it: at 16
 * every merge of the add was a crisis merge, and the add stalled for the
 * merge of 256 batches into one segment. Measured on the 150,000-file
 * ingest bench (docs/architecture.md, scale notes). Between jobs a level
 * then keeps at most three segments, as before, which every search
 * reads; those a bulk job left are merged by the writes after it, and by
 * the merge below once the job changed enough of the KB. The settings
 * are rows of FTS5's own table, written in the transaction of the batch
 * or the job's end: a committer that dies in a bulk job leaves them
 * until its successor's first job ends.
 *
 * Fail point (fsio.h): compact.commit, before each step's COMMIT.
 */
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "committer.h"
#include "db.h"
#include "kbd.h"
#include "log.h"
#include "util.h"

#define COMPACT_SHARE	8	/* changed documents: an eighth of the KB */
#define COMPACT_PAGES	1000	/* leaf pages a step merges */
#define COMPACT_IDLE_MS	300	/* no request this long: merge */
#define COMPACT_IDLE_MAX	3600000	/* KBD_COMPACT_IDLE_MS's bound */
#define COMPACT_BULK	256	/* items of a batch that make it bulk */
#define BULK_AUTOMERGE	16	/* a bulk batch's automerge */
#define BULK_CRISISMERGE	32	/* and crisismerge */
#define FTS5_AUTOMERGE	4	/* FTS5's defaults */
#define FTS5_CRISISMERGE	16

static uint64_t	changed;	/* documents whose rows changed since */
static int	share_known;	/* share_due holds for this count */
static int	share_due;	/* changed is COMPACT_SHARE-th of the KB */

/* At start-up: the count a predecessor recorded. */
void
compact_start(void)
{
	if (db_fts_changed(&changed) == -1)
		log_warnx("compact: %s", db_errmsg());
	share_known = 0;
}

/* Read from the registry, not kept here: a rollback undoes a change. */
static int
fts_set(const char *key, int dflt, int value)
{
	int	now;

	if (db_fts_config_get(key, dflt, &now) == -1)
		return -1;
	return now == value ? 0 : db_fts_config_set(key, value);
}

static int
merges_set(int automerge, int crisismerge)
{
	if (fts_set("automerge", FTS5_AUTOMERGE, automerge) == -1)
		return -1;
	return fts_set("crisismerge", FTS5_CRISISMERGE, crisismerge);
}

/*
 * In a batch's transaction, before its rows. Tests: KBD_COMPACT_BULK=N
 * makes a batch of N items or more bulk.
 */
int
compact_batch(size_t nitems)
{
	static uint64_t	bulk;

	if (bulk == 0)
		bulk = env_u64("KBD_COMPACT_BULK", COMPACT_BULK, 1, UINT64_MAX);
	return nitems >= bulk ? merges_set(BULK_AUTOMERGE,
	    BULK_CRISISMERGE) : 0;
}

/*
 * In the transaction that finishes a job: the count, and the merges
 * back to their default (also, once, after a predecessor died in a
 * bulk job). 0, or -1 with db_errmsg().
 */
int
compact_save(void)
{
	if (merges_set(FTS5_AUTOMERGE, FTS5_CRISISMERGE) == -1)
		return -1;
	return changed > 0 ? db_fts_changed_set(changed) : 0;
}

void
compact_note(uint64_t ndocs)
{
	changed += ndocs;
	if (ndocs > 0)
		share_known = 0;
}

/*
 * Asked at every idle moment: the KB's count (a scan of an index of
 * every document) is read again only when changed has moved, which is
 * also when the number of documents can have.
 */
static int
compact_due(void)
{
	uint64_t	ndocs;

	if (changed == 0 || db_job_open() != 0)
		return 0;
	if (!share_known) {
		if (db_doc_count(&ndocs) == -1) {
			log_warnx("compact: %s", db_errmsg());
			return 0;
		}
		share_due = changed * COMPACT_SHARE >= ndocs;
		share_known = 1;
	}
	return share_due;
}

/* Tests: KBD_COMPACT_IDLE_MS=N waits N ms for a request instead. */
static int
idle_ms(void)
{
	static int	ms = -1;

	if (ms == -1)
		ms = (int)env_u64("KBD_COMPACT_IDLE_MS", COMPACT_IDLE_MS, 0,
		    COMPACT_IDLE_MAX);
	return ms;
}

int
compact_wait(void)
{
	return compact_due() ? idle_ms() : -1;
}

/* A request from the supervisor is waiting on the channel. */
static int
request_waits(void)
{
	struct pollfd	pfd = { .fd = KBD_CHAN_FD, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

/*
 * Tests: KBD_COMPACT_SYNC=1, a job's end merges before its reply, as
 * before stop 42. The drills set it: they run a mutation with the
 * committer stopped at each fail point it passes until the client
 * returns, and a merge after the reply would pass its points after.
 */
int
compact_sync(void)
{
	static int	sync = -1;

	if (sync == -1)
		sync = (int)env_u64("KBD_COMPACT_SYNC", 0, 0, 1);
	return sync;
}

void
compact_run(int idle)
{
	char	*err = NULL;
	int	 r = 1;

	if (!compact_due())
		return;
	while (r == 1 && !(idle && request_waits())) {
		if (db_begin() == -1) {
			err = errf("registry: %s", db_errmsg());
			break;
		}
		if ((r = db_fts_merge(COMPACT_PAGES)) == -1 ||
		    (r == 0 && db_fts_changed_set(0) == -1))
			err = errf("registry: %s", db_errmsg());
		if ((err = transaction_end(NULL, 0, time(NULL),
		    "compact.commit", err)) != NULL)
			break;
	}
	/*
	 * Done, or failed (logged; a full disk, say): either way the count
	 * starts again, so a failure is not retried at every idle moment.
	 * Stopped for a request: the rest at the next idle moment.
	 */
	if (err != NULL) {
		log_warnx("merging the full-text index: %s", err);
		free(err);
	}
	if (r != 1 || err != NULL)
		changed = 0;
}
