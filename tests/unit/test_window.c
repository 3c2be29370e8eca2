/*
 * Unit tests of the job window and batch cutting (supervisor/window.c),
 * the real code driven through its two callbacks: workers that answer in
 * any order and die, a committer that commits batches and dies with one.
 * Whatever happens, batches leave in sequence order, each starting right
 * after the cursor, and the cursor only moves forward, one committed file
 * at a time. Staging files are real files in a temporary directory.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "window.h"

/* What the window talks to: workers and a committer, played by the test. */
struct world {
	struct window	 w;
	char		 dir[256];	/* staging files */
	unsigned	 workers;
	struct item	*busy[WORKERS_MAX];
	unsigned	 nbusy;
	int		 committer_up;
	/* At the committer: the oldest batch, and the one behind it. */
	uint64_t	 batch_first, batch_last;
	uint64_t	 next_first, next_last;
	uint64_t	 behind;	/* batches sent behind another */
	uint64_t	 lost_first;	/* of the batch lost with it, or 0 */
	uint64_t	 batches;	/* cut, lost ones included */
	uint64_t	 committed;	/* the last seq committed, as seen */
	uint64_t	 fed, total;	/* files entered, files in the job */
	unsigned	 seed;
	unsigned	 open_fail_pct;	/* inputs that cannot be opened */
	unsigned	 direct_pct;	/* new files sent straight to CONVERT */
};

static unsigned
rnd(struct world *x, unsigned n)
{
	return (unsigned)rand_r(&x->seed) % n;
}

static int
exists(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0;
}

static char *
xstrdup_test(const char *s)
{
	char	*p = strdup(s);

	assert_non_null(p);
	return p;
}

static char *
staging_file(struct world *x, uint64_t seq, const char *kind)
{
	char	path[320];
	int	fd;

	(void)snprintf(path, sizeof(path), "%s/1-%llu.%s", x->dir,
	    (unsigned long long)seq, kind);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd != -1);
	close(fd);
	return xstrdup_test(path);
}

/* A CONVERT reply as the worker's channel delivers it: unpacked, owned. */
static Kbd__ConvertRep *
make_conv(uint64_t seq)
{
	Kbd__ConvertRep	 r = KBD__CONVERT_REP__INIT, *u;
	uint8_t		 buf[256];
	size_t		 n;

	r.seq = seq;
	r.ok = 1;
	r.title = (char *)"Title";
	r.size = 100;
	n = kbd__convert_rep__pack(&r, buf);
	u = kbd__convert_rep__unpack(NULL, n, buf);
	assert_non_null(u);
	return u;
}

/* ---- the window's callbacks ---- */

static int
give(void *arg, struct item *it)
{
	struct world	*x = arg;

	if (x->nbusy >= x->workers)
		return 0;
	/* Only files no worker holds, and never one committed. */
	assert_true(it->state == IT_NEW || it->state == IT_PREPARED);
	assert_true(it->seq > x->w.cursor && it->seq <= x->w.next_seq);
	assert_true(x->w.inflight < x->w.par);
	if (x->open_fail_pct != 0 && rnd(x, 100) < x->open_fail_pct) {
		item_outcome(it, KBD__FILE_STATUS__FS_FAILED, "%s",
		    strerror(ENOENT));
		return -1;
	}
	if (it->state == IT_PREPARED || (it->state == IT_NEW && it->direct)) {
		assert_null(it->staged_raw);
		it->staged_raw = staging_file(x, it->seq, "raw");
		it->staged_md = staging_file(x, it->seq, "md");
	}
	x->busy[x->nbusy++] = it;
	return 1;
}

static void
send_batch(void *arg, struct window *w, uint64_t first, uint64_t last)
{
	struct world	*x = arg;
	struct item	*it;
	uint64_t	 s;
	unsigned	 heavy = 0;

	assert_true(x->committer_up);
	/*
	 * In sequence order: right after the cursor, or right after the
	 * batch at the committer, and then two at most.
	 */
	assert_int_equal(x->next_last, 0);
	assert_int_equal(first, (x->batch_last != 0 ? x->batch_last :
	    x->committed) + 1);
	if (x->lost_first != 0) {
		assert_int_equal(first, x->lost_first);
		x->lost_first = 0;
	}
	assert_true(last >= first && last - first < BATCH_ITEMS_MAX);
	assert_int_equal(w->batch_no, ++x->batches);
	for (s = first; s <= last; s++) {
		it = window_get(w, s);
		assert_non_null(it);
		heavy += !it->light;
		assert_int_equal(it->seq, s);
		assert_int_equal(it->state, IT_COMMITTING);
		if (it->status == KBD__FILE_STATUS__FS_ADDED) {
			assert_non_null(it->conv);
			assert_true(exists(it->staged_raw));
			assert_true(exists(it->staged_md));
		} else
			assert_null(it->staged_raw);
	}
	/* BATCH_MAX files at most, light ones apart. */
	assert_true(heavy <= BATCH_MAX);
	/* The file after the batch, if any, was not finished, or no room. */
	if ((it = window_get(w, last + 1)) != NULL && last - first + 1 <
	    BATCH_ITEMS_MAX && (it->light || heavy < BATCH_MAX))
		assert_int_not_equal(it->state, IT_DONE);
	if (x->batch_last == 0) {
		x->batch_first = first;
		x->batch_last = last;
		return;
	}
	/* Behind another, only a full batch. */
	assert_true(heavy == BATCH_MAX || last - first + 1 == BATCH_ITEMS_MAX);
	x->next_first = first;
	x->next_last = last;
	x->behind++;
}

static const struct window_ops ops = { give, send_batch };

static void
world_init(struct world *x, unsigned par, unsigned workers, uint64_t total,
    unsigned seed)
{
	const char	*tmp = getenv("TMPDIR");

	memset(x, 0, sizeof(*x));
	(void)snprintf(x->dir, sizeof(x->dir), "%s/kbd-test-window.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(x->dir));
	window_init(&x->w, par, &ops, x);
	x->workers = workers;
	x->total = total;
	x->seed = seed;
	x->committer_up = 1;
}

static void
world_free(struct world *x)
{
	char	cmd[320];

	window_free(&x->w);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", x->dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the test's side ---- */

/* The walk: some files have their outcome as they enter. */
static void
feed(struct world *x, int skip_pct)
{
	struct item	*it;
	char		 path[64];

	while (x->fed < x->total && !window_full(&x->w)) {
		(void)snprintf(path, sizeof(path), "/in/file-%llu",
		    (unsigned long long)x->fed + 1);
		it = window_add(&x->w, xstrdup_test(path));
		assert_int_equal(it->seq, ++x->fed);
		assert_int_equal(it->state, IT_NEW);
		if (skip_pct != 0 && rnd(x, 100) < (unsigned)skip_pct)
			item_outcome(it, KBD__FILE_STATUS__FS_SKIPPED,
			    "unsupported format (.exe)");
		else if (x->direct_pct != 0 && rnd(x, 100) < x->direct_pct)
			it->direct = 1;
	}
}

static void
pump(struct world *x)
{
	window_dispatch(&x->w);
	if (x->committer_up)
		window_cut(&x->w, 0);
}

static struct item *
take_busy(struct world *x, uint64_t seq)
{
	struct item	*it;
	unsigned	 k;

	for (k = 0; k < x->nbusy; k++)
		if (x->busy[k]->seq == seq) {
			it = x->busy[k];
			x->busy[k] = x->busy[--x->nbusy];
			return it;
		}
	fail_msg("file %llu is with no worker", (unsigned long long)seq);
	return NULL;
}

enum answer { ANSWER_OK, ANSWER_FAIL, ANSWER_DIE };

/*
 * The file's content, as hashed: every seventh file has the content of
 * the one before it. A duplicate of a file before it in the window is one
 * (pipeline.c); its staging files, if any, go.
 */
static void
hashed(struct world *x, struct item *it)
{
	struct item	*o;
	uint8_t		 hash[32];
	char		*raw = NULL;

	memset(hash, 0, sizeof(hash));
	memcpy(hash, &it->seq, sizeof(it->seq));
	if (it->seq % 7 == 0)
		hash[0]--;
	item_prepared(it, hash, 100);
	if ((o = window_same_hash(&x->w, it)) != NULL) {
		assert_true(o->seq < it->seq);
		if (it->staged_raw != NULL)
			raw = xstrdup_test(it->staged_raw);
		item_outcome(it, KBD__FILE_STATUS__FS_DUPLICATE,
		    "same content as %s", o->path);
		assert_null(it->staged_raw);
		if (raw != NULL)
			assert_false(exists(raw));
		free(raw);
	}
}

/* The worker holding file seq answers (or dies). */
static void
answer(struct world *x, uint64_t seq, enum answer a)
{
	struct item	*it = take_busy(x, seq);

	if (a == ANSWER_DIE)
		item_outcome(it, KBD__FILE_STATUS__FS_FAILED,
		    "converter killed by SIGKILL");
	else if (it->state == IT_PREPARING) {
		assert_null(it->staged_raw);
		if (a == ANSWER_FAIL)
			item_outcome(it, KBD__FILE_STATUS__FS_FAILED,
			    "binary content");
		else
			hashed(x, it);
	} else {
		assert_int_equal(it->state, IT_CONVERTING);
		assert_true(exists(it->staged_raw));
		/* A direct file is hashed by its conversion. */
		if (a != ANSWER_FAIL && !it->have_hash) {
			assert_true(it->direct);
			hashed(x, it);
		}
		if (it->state == IT_DONE)
			;
		else if (a == ANSWER_FAIL)
			item_outcome(it, KBD__FILE_STATUS__FS_FAILED,
			    "invalid UTF-8 at byte 3");
		else {
			it->conv = make_conv(it->seq);
			item_outcome(it, KBD__FILE_STATUS__FS_ADDED, NULL);
		}
	}
	window_returned(&x->w, it);
}

/* The committer commits the batch and answers: the cursor moves on. */
static void
commit(struct world *x)
{
	struct item	*it;
	char		*raw;
	uint64_t	 s;

	assert_int_not_equal(x->batch_last, 0);
	assert_int_equal(window_batch_count(&x->w),
	    x->batch_last - x->batch_first + 1);
	for (s = x->batch_first; s <= x->batch_last; s++) {
		it = window_get(&x->w, x->w.cursor + 1);
		assert_non_null(it);
		assert_int_equal(it->seq, s);
		raw = it->staged_raw != NULL ? xstrdup_test(it->staged_raw) :
		    NULL;
		window_committed(&x->w, it);
		assert_int_equal(x->w.cursor, s);
		assert_null(window_get(&x->w, s));
		/* Published or not, staging is the committer's business. */
		if (raw != NULL) {
			assert_true(exists(raw));
			(void)unlink(raw);
			free(raw);
		}
		x->committed = s;
	}
	/* The batch behind it, if any, is the next to be answered. */
	x->batch_first = x->next_first;
	x->batch_last = x->next_last;
	x->next_first = x->next_last = 0;
	assert_int_equal(window_batch_count(&x->w), x->batch_last == 0 ? 0 :
	    x->batch_last - x->batch_first + 1);
}

/*
 * The committer dies with its batches: they are cut again, from the
 * cursor.
 */
static void
committer_dies(struct world *x)
{
	struct item	*it;
	char		**raw, **md;
	int		*added;
	uint64_t	 cursor = x->w.cursor, s, n;

	x->committer_up = 0;
	if (x->batch_last == 0)
		return;
	n = (x->next_last != 0 ? x->next_last : x->batch_last) -
	    x->batch_first + 1;
	raw = calloc(n, sizeof(*raw));
	md = calloc(n, sizeof(*md));
	added = calloc(n, sizeof(*added));
	assert_true(raw != NULL && md != NULL && added != NULL);
	for (s = 0; s < n; s++) {
		it = window_get(&x->w, x->batch_first + s);
		added[s] = it->status == KBD__FILE_STATUS__FS_ADDED;
		raw[s] = added[s] ? xstrdup_test(it->staged_raw) : NULL;
		md[s] = added[s] ? xstrdup_test(it->staged_md) : NULL;
	}
	window_recut(&x->w);
	assert_int_equal(x->w.cursor, cursor);
	assert_int_equal(window_batch_count(&x->w), 0);
	for (s = 0; s < n; s++) {
		it = window_get(&x->w, x->batch_first + s);
		assert_non_null(it);
		if (added[s]) {
			/* Converted again: recovery may have taken these. */
			assert_int_equal(it->state, IT_PREPARED);
			assert_null(it->conv);
			assert_null(it->staged_raw);
			assert_false(exists(raw[s]));
			assert_false(exists(md[s]));
		} else
			assert_int_equal(it->state, IT_DONE);
		free(raw[s]);
		free(md[s]);
	}
	free(raw);
	free(md);
	free(added);
	x->lost_first = x->batch_first;
	x->batch_first = x->batch_last = 0;
	x->next_first = x->next_last = 0;
}

static void
check_invariants(struct world *x, uint64_t *cursor)
{
	unsigned	s, busy = 0;

	assert_true(x->w.cursor >= *cursor);
	*cursor = x->w.cursor;
	assert_int_equal(x->w.cursor, x->committed);
	assert_int_equal(x->w.inflight, x->nbusy);
	assert_true(x->w.inflight <= x->w.par);
	assert_true(x->w.next_seq - x->w.cursor <= WINDOW_MAX);
	for (s = 0; s < x->w.par; s++)
		if (x->w.slot[s].busy) {
			busy++;
			assert_non_null(x->w.slot[s].it);
			assert_int_equal(x->w.slot[s].it->slot, (int)s);
		}
	assert_int_equal(busy, x->w.inflight);
}

/* ---- tests ---- */

/* Replies in reverse order: nothing leaves until the first is done. */
static void
test_out_of_order(void **state)
{
	struct world	x;
	uint64_t	s;

	(void)state;
	world_init(&x, 4, 4, 4, 1);
	feed(&x, 0);
	pump(&x);
	assert_int_equal(x.nbusy, 4);
	for (s = 4; s >= 2; s--) {
		answer(&x, s, ANSWER_OK);
		pump(&x);
	}
	/* 4, 3, 2 are converting; 1 still hashing: no batch. */
	assert_int_equal(window_get(&x.w, 1)->state, IT_PREPARING);
	assert_int_equal(x.batches, 0);
	answer(&x, 1, ANSWER_OK);
	pump(&x);
	for (s = 4; s >= 2; s--) {
		answer(&x, s, ANSWER_OK);
		pump(&x);
	}
	assert_int_equal(x.batches, 0);
	answer(&x, 1, ANSWER_OK);
	pump(&x);
	assert_int_equal(x.batches, 1);
	assert_int_equal(x.batch_first, 1);
	assert_int_equal(x.batch_last, 4);
	commit(&x);
	assert_int_equal(x.w.cursor, 4);
	assert_true(window_idle(&x.w));
	world_free(&x);
}

/*
 * A direct file goes to CONVERT from IT_NEW; its hash comes with the
 * conversion, and a duplicate found then loses its staging files. Lost
 * with the committer, it is converted again as a prepared file.
 */
static void
test_direct(void **state)
{
	struct world	x;
	struct item	*it;
	uint64_t	s;

	(void)state;
	world_init(&x, 8, 8, 8, 1);
	x.direct_pct = 100;
	feed(&x, 0);
	pump(&x);
	assert_int_equal(x.nbusy, 8);
	for (s = 1; s <= 8; s++) {
		it = window_get(&x.w, s);
		assert_true(it->direct);
		assert_int_equal(it->state, IT_CONVERTING);
		assert_non_null(it->staged_raw);
		assert_false(it->have_hash);
	}
	for (s = 1; s <= 8; s++)
		answer(&x, s, ANSWER_OK);
	pump(&x);
	/* 7 has 6's content: a duplicate, its conversion thrown away. */
	it = window_get(&x.w, 7);
	assert_int_equal(it->status, KBD__FILE_STATUS__FS_DUPLICATE);
	assert_null(it->staged_raw);
	assert_null(it->conv);
	assert_int_equal(window_get(&x.w, 8)->status,
	    KBD__FILE_STATUS__FS_ADDED);
	assert_int_equal(x.batches, 1);
	assert_int_equal(x.batch_last, 8);
	committer_dies(&x);
	x.committer_up = 1;
	pump(&x);
	/* Converted again, now with the hash it had: no longer new. */
	it = window_get(&x.w, 1);
	assert_int_equal(it->state, IT_CONVERTING);
	assert_true(it->have_hash);
	for (s = 1; s <= 8; s++)
		if (s != 7)
			answer(&x, s, ANSWER_OK);
	pump(&x);
	assert_int_equal(x.batches, 2);
	assert_int_equal(x.batch_last, 8);
	commit(&x);
	assert_int_equal(x.w.cursor, 8);
	assert_true(window_idle(&x.w));
	world_free(&x);
}

/* A free worker converts a prepared file before it hashes a new one. */
static void
test_conversions_first(void **state)
{
	struct world	x;

	(void)state;
	world_init(&x, 2, 2, 4, 1);
	feed(&x, 0);
	pump(&x);
	answer(&x, 2, ANSWER_OK);
	pump(&x);
	assert_int_equal(window_get(&x.w, 2)->state, IT_CONVERTING);
	assert_int_equal(window_get(&x.w, 3)->state, IT_NEW);
	world_free(&x);
}

/* A worker dies with the first file: it fails, the rest goes on. */
static void
test_worker_death(void **state)
{
	struct world	 x;
	struct item	*it;

	(void)state;
	world_init(&x, 2, 2, 3, 1);
	feed(&x, 0);
	pump(&x);
	answer(&x, 1, ANSWER_DIE);
	it = window_get(&x.w, 1);
	assert_int_equal(it->state, IT_DONE);
	assert_int_equal(it->status, KBD__FILE_STATUS__FS_FAILED);
	assert_string_equal(it->reason, "converter killed by SIGKILL");
	pump(&x);
	/* Its batch goes at once; the next file takes the worker. */
	assert_int_equal(x.batch_first, 1);
	assert_int_equal(x.batch_last, 1);
	assert_int_equal(window_get(&x.w, 3)->state, IT_PREPARING);
	commit(&x);
	answer(&x, 3, ANSWER_OK);
	answer(&x, 2, ANSWER_FAIL);
	pump(&x);
	assert_int_equal(x.batch_first, 2);
	assert_int_equal(x.batch_last, 2);
	commit(&x);
	pump(&x);
	answer(&x, 3, ANSWER_DIE);
	pump(&x);
	commit(&x);
	assert_int_equal(x.w.cursor, 3);
	assert_true(window_idle(&x.w));
	world_free(&x);
}

/* Drive every file to its outcome: n files, all added. */
static void
convert_all(struct world *x)
{
	while (x->nbusy > 0) {
		answer(x, x->busy[x->nbusy - 1]->seq, ANSWER_OK);
		pump(x);
	}
}

/*
 * Every file converted while the committer is away, so that the batches
 * are whole, then the committer takes them.
 */
static void
convert_then_cut(struct world *x)
{
	x->committer_up = 0;
	pump(x);
	convert_all(x);
	x->committer_up = 1;
	pump(x);
}

/*
 * The committer dies with a batch: added files are converted again and
 * the batch is cut again from the same cursor; a committed batch stays.
 */
static void
test_committer_death(void **state)
{
	struct world	x;
	uint64_t	cursor = 0;

	(void)state;
	world_init(&x, 8, 8, 10, 1);
	feed(&x, 30);
	convert_then_cut(&x);
	assert_int_equal(x.batch_first, 1);
	assert_int_equal(x.batch_last, 10);
	committer_dies(&x);
	check_invariants(&x, &cursor);
	/* No batch without a committer; the conversions start again. */
	pump(&x);
	assert_int_equal(x.batch_last, 0);
	assert_true(x.nbusy > 0);
	convert_all(&x);
	x.committer_up = 1;
	pump(&x);
	assert_int_equal(x.batch_first, 1);
	assert_int_equal(x.batch_last, 10);
	assert_int_equal(x.batches, 2);
	commit(&x);
	check_invariants(&x, &cursor);
	assert_true(window_idle(&x.w));
	world_free(&x);
}

/* A run longer than a batch leaves as full batches, in order. */
static void
test_batch_max(void **state)
{
	struct world	x;

	(void)state;
	world_init(&x, 4, 4, 2 * BATCH_MAX + 44, 1);
	feed(&x, 100);
	pump(&x);
	assert_int_equal(x.batch_first, 1);
	assert_int_equal(x.batch_last, BATCH_MAX);
	/* The second is full: it goes behind the first. */
	assert_int_equal(x.next_first, BATCH_MAX + 1);
	assert_int_equal(x.next_last, 2 * BATCH_MAX);
	commit(&x);
	pump(&x);
	assert_int_equal(x.batches, 2);
	assert_int_equal(x.batch_first, BATCH_MAX + 1);
	assert_int_equal(x.batch_last, 2 * BATCH_MAX);
	commit(&x);
	feed(&x, 100);	/* the window held two batches: room again */
	pump(&x);
	assert_int_equal(x.batch_first, 2 * BATCH_MAX + 1);
	assert_int_equal(x.batch_last, 2 * BATCH_MAX + 44);
	commit(&x);
	assert_true(window_idle(&x.w));
	world_free(&x);
}

/*
 * Behind the batch at the committer goes a full batch, no short one, and
 * no third; the committer dying loses both, cut again from the cursor,
 * converted again.
 */
static void
test_two_batches(void **state)
{
	struct world	x;
	uint64_t	cursor = 0;

	(void)state;
	world_init(&x, 8, 8, 3 * BATCH_MAX + 10, 1);
	feed(&x, 0);
	assert_int_equal(x.fed, 2 * BATCH_MAX);
	convert_then_cut(&x);
	assert_int_equal(x.batches, 2);
	assert_int_equal(x.behind, 1);
	assert_int_equal(x.batch_last, BATCH_MAX);
	assert_int_equal(x.next_first, BATCH_MAX + 1);
	assert_int_equal(x.next_last, 2 * BATCH_MAX);
	assert_int_equal(window_batch_count(&x.w), BATCH_MAX);
	commit(&x);
	check_invariants(&x, &cursor);
	assert_int_equal(window_batch_count(&x.w), BATCH_MAX);
	/* Room for a batch more: full, it goes behind the second. */
	feed(&x, 0);
	pump(&x);
	convert_all(&x);
	pump(&x);
	assert_int_equal(x.batches, 3);
	assert_int_equal(x.next_first, 2 * BATCH_MAX + 1);
	assert_int_equal(x.next_last, 3 * BATCH_MAX);
	/* Both lost: converted again, cut again, the same way. */
	committer_dies(&x);
	check_invariants(&x, &cursor);
	assert_int_equal(x.w.nbatch, 0);
	convert_then_cut(&x);
	assert_int_equal(x.batches, 5);
	assert_int_equal(x.batch_first, BATCH_MAX + 1);
	assert_int_equal(x.next_last, 3 * BATCH_MAX);
	commit(&x);
	commit(&x);
	check_invariants(&x, &cursor);
	/* The last 10: short, behind nothing, they go at once. */
	feed(&x, 0);
	convert_then_cut(&x);
	assert_int_equal(x.batches, 6);
	assert_int_equal(x.batch_last - x.batch_first + 1, 10);
	commit(&x);
	assert_true(window_idle(&x.w));
	world_free(&x);

	/* A short run waits behind a batch for its answer. */
	world_init(&x, 8, 8, BATCH_MAX + 10, 1);
	feed(&x, 100);
	pump(&x);
	assert_int_equal(x.batches, 1);
	assert_int_equal(x.batch_last, BATCH_MAX);
	assert_int_equal(x.next_last, 0);
	commit(&x);
	pump(&x);
	assert_int_equal(x.batches, 2);
	assert_int_equal(x.batch_first, BATCH_MAX + 1);
	assert_int_equal(x.batch_last, BATCH_MAX + 10);
	commit(&x);
	assert_true(window_idle(&x.w));
	assert_int_equal(x.behind, 0);
	world_free(&x);
}

/* Answer for file seq until it is finished (every file has a worker). */
static void
finish(struct world *x, uint64_t seq)
{
	while (window_get(&x->w, seq)->state != IT_DONE) {
		window_dispatch(&x->w);
		answer(x, seq, ANSWER_OK);
	}
}

/*
 * A run shorter than batch_min waits while files before its end are to
 * come back, batch_wait ms at most from when it could first go; one as
 * long goes at once, and so does one holding every file of the window.
 */
static void
test_short_batch_waits(void **state)
{
	struct world	x;

	(void)state;
	world_init(&x, 8, 8, 8, 1);
	x.w.batch_min = 4;
	x.w.batch_wait = 200;
	feed(&x, 0);
	window_dispatch(&x.w);
	finish(&x, 1);
	assert_int_equal(window_cut(&x.w, 1000), 200);
	assert_int_equal(window_cut(&x.w, 1150), 50);
	finish(&x, 2);
	assert_int_equal(window_cut(&x.w, 1160), 40);
	assert_int_equal(x.batches, 0);
	assert_int_equal(window_cut(&x.w, 1200), 0);
	assert_int_equal(x.batches, 1);
	assert_int_equal(x.batch_first, 1);
	assert_int_equal(x.batch_last, 2);
	commit(&x);
	/* The wait starts again with the next run. */
	finish(&x, 3);
	assert_int_equal(window_cut(&x.w, 5000), 200);
	finish(&x, 5);
	finish(&x, 4);
	finish(&x, 6);
	/* 3 to 6: batch_min files, cut at once, 7 and 8 still hashing. */
	assert_int_equal(window_cut(&x.w, 5001), 0);
	assert_int_equal(x.batches, 2);
	assert_int_equal(x.batch_first, 3);
	assert_int_equal(x.batch_last, 6);
	commit(&x);
	/* 7 and 8: every file the window holds, short or not. */
	finish(&x, 7);
	finish(&x, 8);
	assert_int_equal(window_cut(&x.w, 5002), 0);
	assert_int_equal(x.batches, 3);
	assert_int_equal(x.batch_last, 8);
	commit(&x);
	assert_true(window_idle(&x.w));
	world_free(&x);
}

/* The window holds WINDOW_MAX files; committing makes room. */
static void
test_window_full(void **state)
{
	struct world	x;

	(void)state;
	world_init(&x, 4, 4, WINDOW_HEAVY_MAX + 100, 1);
	feed(&x, 100);
	assert_int_equal(x.fed, WINDOW_HEAVY_MAX);
	assert_true(window_full(&x.w));
	pump(&x);
	commit(&x);
	feed(&x, 100);
	assert_int_equal(x.fed, WINDOW_HEAVY_MAX + 100);
	assert_false(window_full(&x.w));
	world_free(&x);
}

/* Files whose outcome the walk knew: unchanged, or heavy when heavy. */
static void
feed_known(struct world *x, uint64_t n, int light)
{
	struct item	*it;
	char		 path[64];

	while (n-- > 0 && x->fed < x->total && !window_full(&x->w)) {
		(void)snprintf(path, sizeof(path), "/in/file-%llu",
		    (unsigned long long)x->fed + 1);
		it = window_add(&x->w, xstrdup_test(path));
		assert_int_equal(it->seq, ++x->fed);
		item_outcome(it, KBD__FILE_STATUS__FS_DUPLICATE,
		    "unchanged since added as file-%llu",
		    (unsigned long long)it->seq);
		if (light)
			window_light(&x->w, it);
	}
}

/*
 * Light files (a sync of an unchanged tree) fill the window to WINDOW_MAX
 * and leave BATCH_ITEMS_MAX at a time; among them, heavy files still
 * leave BATCH_MAX at most per batch, and still bound the window.
 */
static void
test_light(void **state)
{
	struct world	x;

	(void)state;
	world_init(&x, 4, 4, 3 * WINDOW_MAX, 1);
	feed_known(&x, WINDOW_MAX + 10, 1);
	assert_int_equal(x.fed, WINDOW_MAX);
	assert_true(window_full(&x.w));
	pump(&x);
	assert_int_equal(x.batch_first, 1);
	assert_int_equal(x.batch_last, BATCH_ITEMS_MAX);
	commit(&x);
	pump(&x);
	assert_int_equal(x.batch_last, 2 * BATCH_ITEMS_MAX);
	commit(&x);
	assert_true(window_idle(&x.w));
	/* 10 light, BATCH_MAX + 5 heavy, 10 light: cut after BATCH_MAX. */
	feed_known(&x, 10, 1);
	feed_known(&x, BATCH_MAX + 5, 0);
	feed_known(&x, 10, 1);
	pump(&x);
	assert_int_equal(x.batch_last - x.batch_first + 1, 10 + BATCH_MAX);
	commit(&x);
	pump(&x);
	assert_int_equal(x.batch_last - x.batch_first + 1, 5 + 10);
	commit(&x);
	assert_true(window_idle(&x.w));
	/* Heavy files bound the window whatever the light ones. */
	feed_known(&x, WINDOW_HEAVY_MAX, 0);
	assert_true(window_full(&x.w));
	world_free(&x);
}

/* A resumed job skips what it committed before; numbering goes on. */
static void
test_skip_to(void **state)
{
	struct world	 x;
	struct item	*it;

	(void)state;
	world_init(&x, 2, 2, 0, 1);
	window_skip_to(&x.w, 1);
	window_skip_to(&x.w, 10);
	assert_int_equal(x.w.cursor, 10);
	assert_true(window_idle(&x.w));
	it = window_add(&x.w, xstrdup_test("/in/eleven"));
	assert_int_equal(it->seq, 11);
	assert_null(window_get(&x.w, 10));
	world_free(&x);
}

/* A cancel takes the files no worker started; those in flight finish. */
static void
test_cancel(void **state)
{
	struct world	x;
	uint64_t	s;

	(void)state;
	world_init(&x, 2, 2, 6, 1);
	feed(&x, 0);
	pump(&x);
	answer(&x, 1, ANSWER_OK);	/* waits for its conversion */
	window_cancel(&x.w, "cancelled before start", NULL);
	assert_int_equal(window_get(&x.w, 2)->state, IT_PREPARING);
	for (s = 1; s <= 6; s++) {
		if (s == 2)
			continue;
		assert_int_equal(window_get(&x.w, s)->state, IT_DONE);
		assert_int_equal(window_get(&x.w, s)->status,
		    KBD__FILE_STATUS__FS_CANCELLED);
		assert_string_equal(window_get(&x.w, s)->reason,
		    "cancelled before start");
	}
	pump(&x);
	assert_int_equal(x.nbusy, 1);
	assert_int_equal(x.batch_last, 1);
	answer(&x, 2, ANSWER_FAIL);
	commit(&x);
	pump(&x);
	assert_int_equal(x.batch_first, 2);
	assert_int_equal(x.batch_last, 6);
	commit(&x);
	assert_true(window_idle(&x.w));
	world_free(&x);
}

/*
 * A job whose batch failed cancels converted files too, before they are
 * in a batch, and their staging files go.
 */
static void
test_cancel_converted(void **state)
{
	struct world	 x;
	struct item	*it;
	char		*raw;

	(void)state;
	world_init(&x, 2, 2, 3, 1);
	x.committer_up = 0;
	feed(&x, 0);
	pump(&x);
	answer(&x, 1, ANSWER_OK);
	pump(&x);
	answer(&x, 1, ANSWER_OK);
	it = window_get(&x.w, 1);
	assert_int_equal(it->status, KBD__FILE_STATUS__FS_ADDED);
	raw = xstrdup_test(it->staged_raw);
	assert_true(exists(raw));
	window_cancel(&x.w, "job failed: No space left on device",
	    "job failed: No space left on device");
	assert_int_equal(it->status, KBD__FILE_STATUS__FS_CANCELLED);
	assert_string_equal(it->reason, "job failed: No space left on device");
	assert_null(it->staged_raw);
	assert_false(exists(raw));
	free(raw);
	assert_int_equal(window_get(&x.w, 2)->state, IT_PREPARING);
	assert_int_equal(window_get(&x.w, 3)->status,
	    KBD__FILE_STATUS__FS_CANCELLED);
	answer(&x, 2, ANSWER_OK);
	/* The pipeline drains at every step: the prepared file goes too. */
	window_cancel(&x.w, "job failed: No space left on device",
	    "job failed: No space left on device");
	x.committer_up = 1;
	pump(&x);
	assert_int_equal(x.nbusy, 0);
	assert_int_equal(x.batch_first, 1);
	assert_int_equal(x.batch_last, 3);
	commit(&x);
	assert_true(window_idle(&x.w));
	world_free(&x);
}

/*
 * A client's cancel (Ctrl-C) also takes the files converted and waiting
 * in commit order behind a file still with a worker: they are cancelled
 * "before commit", their staging files go, and the job ends after the
 * files workers hold, in one batch in sequence order.
 */
static void
test_cancel_unbatched(void **state)
{
	static const struct {
		int		 status;
		const char	*reason;
	} want[] = {
		{ KBD__FILE_STATUS__FS_CANCELLED, "cancelled before start" },
		{ KBD__FILE_STATUS__FS_CANCELLED, "cancelled before commit" },
		{ KBD__FILE_STATUS__FS_CANCELLED, "cancelled before commit" },
		{ KBD__FILE_STATUS__FS_ADDED, NULL },
		{ KBD__FILE_STATUS__FS_CANCELLED, "cancelled before start" },
		{ KBD__FILE_STATUS__FS_CANCELLED, "cancelled before start" },
	};
	struct world	 x;
	struct item	*it;
	char		*raw[4], *md[4];
	uint64_t	 s;

	(void)state;
	world_init(&x, 2, 2, 6, 1);
	feed(&x, 0);
	pump(&x);			/* 1 and 2 prepared by the workers */
	answer(&x, 2, ANSWER_OK);
	pump(&x);
	answer(&x, 2, ANSWER_OK);	/* 2 converted, behind 1 */
	pump(&x);
	answer(&x, 3, ANSWER_OK);
	pump(&x);
	answer(&x, 3, ANSWER_OK);	/* 3 converted, behind 1 */
	pump(&x);
	answer(&x, 4, ANSWER_OK);
	pump(&x);			/* 4 being converted */
	assert_int_equal(x.batch_last, 0);
	assert_int_equal(window_get(&x.w, 1)->state, IT_PREPARING);
	assert_int_equal(window_get(&x.w, 4)->state, IT_CONVERTING);
	for (s = 2; s <= 3; s++) {
		it = window_get(&x.w, s);
		assert_int_equal(it->state, IT_DONE);
		assert_int_equal(it->status, KBD__FILE_STATUS__FS_ADDED);
		raw[s] = xstrdup_test(it->staged_raw);
		md[s] = xstrdup_test(it->staged_md);
	}

	window_cancel(&x.w, "cancelled before start",
	    "cancelled before commit");
	for (s = 2; s <= 3; s++) {
		it = window_get(&x.w, s);
		assert_int_equal(it->state, IT_DONE);
		assert_int_equal(it->status, KBD__FILE_STATUS__FS_CANCELLED);
		assert_string_equal(it->reason, "cancelled before commit");
		assert_null(it->staged_raw);
		assert_null(it->staged_md);
		assert_false(exists(raw[s]));
		assert_false(exists(md[s]));
		free(raw[s]);
		free(md[s]);
	}
	/* What the workers hold finishes; then the pipeline drains. */
	assert_int_equal(window_get(&x.w, 1)->state, IT_PREPARING);
	assert_int_equal(window_get(&x.w, 4)->state, IT_CONVERTING);
	answer(&x, 4, ANSWER_OK);
	answer(&x, 1, ANSWER_OK);
	window_cancel(&x.w, "cancelled before start", NULL);
	pump(&x);
	assert_int_equal(x.nbusy, 0);
	assert_int_equal(x.batch_first, 1);
	assert_int_equal(x.batch_last, 6);
	for (s = 1; s <= 6; s++) {
		it = window_get(&x.w, s);
		assert_int_equal(it->state, IT_COMMITTING);
		assert_int_equal(it->status, want[s - 1].status);
		if (want[s - 1].reason != NULL)
			assert_string_equal(it->reason, want[s - 1].reason);
		else
			assert_null(it->reason);
	}
	commit(&x);
	assert_int_equal(x.w.cursor, 6);
	assert_true(window_idle(&x.w));
	world_free(&x);
}

/* Committing anything but the file after the cursor is fatal. */
static void
test_commit_out_of_order_is_fatal(void **state)
{
	struct world	x;
	pid_t		pid;
	int		status, devnull;

	(void)state;
	world_init(&x, 2, 2, 3, 1);
	feed(&x, 100);
	pump(&x);
	assert_int_equal(x.batch_last, 3);
	if ((pid = fork()) == 0) {
		if ((devnull = open("/dev/null", O_WRONLY)) != -1)
			(void)dup2(devnull, STDERR_FILENO);
		window_committed(&x.w, window_get(&x.w, 2));
		_exit(0);
	}
	assert_true(pid != -1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	commit(&x);
	world_free(&x);
}

/*
 * Random runs: workers answer in random order, fail, die; inputs cannot
 * be opened; the committer commits, or dies with its batches and comes
 * back later. Every file is committed once, in sequence order. A slow
 * committer answers only when the window is full or the workers have
 * nothing left, so that full batches wait behind others. Returns the
 * batches sent behind another.
 */
static uint64_t
run_random(unsigned seed, unsigned par, unsigned workers, uint64_t total,
    int slow)
{
	struct world	x;
	uint64_t	cursor = 0, steps = 0;
	unsigned	r;
	int		may;

	world_init(&x, par, workers, total, seed);
	x.open_fail_pct = 2;
	x.direct_pct = seed % 2 == 0 ? 50 : 0;
	while (x.committed < x.total) {
		assert_true(++steps < 10000000);
		feed(&x, 10);
		pump(&x);
		check_invariants(&x, &cursor);
		r = rnd(&x, 100);
		may = x.batch_last != 0 && (!slow || window_full(&x.w) ||
		    x.nbusy == 0);
		if (!x.committer_up && (r < 10 || (x.nbusy == 0))) {
			x.committer_up = 1;
		} else if (x.nbusy > 0 && r < 75) {
			r = rnd(&x, 100);
			answer(&x, x.busy[rnd(&x, x.nbusy)]->seq,
			    r < 85 ? ANSWER_OK : r < 95 ? ANSWER_FAIL :
			    ANSWER_DIE);
		} else if (may && r < 97)
			commit(&x);
		else if (may)
			committer_dies(&x);
		check_invariants(&x, &cursor);
	}
	assert_int_equal(x.fed, total);
	assert_int_equal(x.w.cursor, total);
	assert_true(window_idle(&x.w));
	world_free(&x);
	return x.behind;
}

static void
test_random(void **state)
{
	unsigned	seed;

	(void)state;
	for (seed = 1; seed <= 8; seed++)
		(void)run_random(seed, seed, seed, 1000, 0);
	/* More workers than the job may use (another job's --jobs). */
	(void)run_random(101, 3, 16, 1000, 0);
	/* The largest parallelism, more files than the window holds. */
	(void)run_random(102, WORKERS_MAX, WORKERS_MAX, 1500, 0);
	/* A slow committer: full batches go behind others. */
	assert_true(run_random(103, 8, 8, 3 * BATCH_MAX + 100, 1) > 0);
	assert_true(run_random(104, 4, 6, 4 * BATCH_MAX, 1) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_conversions_first),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_worker_death),
		cmocka_unit_test(test_committer_death),
		cmocka_unit_test(test_batch_max),
		cmocka_unit_test(test_two_batches),
		cmocka_unit_test(test_short_batch_waits),
		cmocka_unit_test(test_window_full),
		cmocka_unit_test(test_skip_to),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_cancel_converted),
		cmocka_unit_test(test_cancel_unbatched),
		cmocka_unit_test(test_commit_out_of_order_is_fatal),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_light),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
