/*
 * The job window and batch cutting (see window.h): where each file of the
 * running job is, from the walk to its commit, and which progress slot
 * shows it. Every change of a file's place goes through here, so the two
 * rules hold by construction: batches leave in sequence order, and the
 * cursor only moves forward, one committed file at a time.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "window.h"
#include "xmalloc.h"

static void	unlink_staging(struct item *);

void
window_init(struct window *w, unsigned par, const struct window_ops *ops,
    void *arg)
{
	memset(w, 0, sizeof(*w));
	w->par = par > WORKERS_MAX ? WORKERS_MAX : par;
	w->ops = ops;
	w->arg = arg;
	w->held_since = -1;
}

void
window_free(struct window *w)
{
	struct item	*it;
	uint64_t	 s;

	for (s = w->cursor + 1; s <= w->next_seq; s++)
		if ((it = window_get(w, s)) != NULL)
			item_free(it);
	w->next_seq = w->cursor;
	w->heavy = 0;
	free(w->hashed);
	w->hashed = NULL;
}

int
window_full(const struct window *w)
{
	return w->next_seq - w->cursor >= WINDOW_MAX ||
	    w->heavy >= WINDOW_HEAVY_MAX;
}

int
window_idle(const struct window *w)
{
	return w->next_seq == w->cursor && w->nbatch == 0 &&
	    w->inflight == 0;
}

struct item *
window_get(const struct window *w, uint64_t seq)
{
	if (seq <= w->cursor || seq > w->next_seq)
		return NULL;
	return w->items[seq % WINDOW_MAX];
}

struct item *
window_add(struct window *w, char *path)
{
	struct item	*it;

	if (window_full(w))
		fatalx("window: a file entered a full window");
	it = xcalloc(1, sizeof(*it));
	it->seq = ++w->next_seq;
	it->path = path;
	it->state = IT_NEW;
	it->slot = -1;
	w->items[it->seq % WINDOW_MAX] = it;
	w->heavy++;
	return it;
}

void
window_light(struct window *w, struct item *it)
{
	if (it->light || it->seq != w->next_seq || it->state != IT_DONE ||
	    it->status == KBD__FILE_STATUS__FS_ADDED)
		fatalx("window: file %llu made light out of place",
		    (unsigned long long)it->seq);
	it->light = 1;
	w->heavy--;
}

void
window_skip_to(struct window *w, uint64_t seq)
{
	if (w->next_seq != w->cursor || seq < w->cursor)
		fatalx("window: skip to %llu from %llu with %llu files in it",
		    (unsigned long long)seq, (unsigned long long)w->cursor,
		    (unsigned long long)(w->next_seq - w->cursor));
	w->next_seq = w->cursor = seq;
}

#define HASHED_BUCKETS	65536

static unsigned
hash_bucket(const struct item *it)
{
	return (unsigned)it->hash[0] << 8 | it->hash[1];
}

/* The file leaves the window: no longer counted. */
static void
hashed_forget(struct window *w, struct item *it)
{
	uint8_t	*c;

	if (!it->hashed || w->hashed == NULL)
		return;
	c = &w->hashed[hash_bucket(it)];
	if (*c != UINT8_MAX)	/* saturated: stays so, a pass each time */
		(*c)--;
	it->hashed = 0;
}

struct item *
window_same_hash(struct window *w, struct item *it)
{
	struct item	*o;
	uint64_t	 s;
	uint8_t		*c;

	if (w->hashed == NULL)
		w->hashed = xcalloc(HASHED_BUCKETS, 1);
	c = &w->hashed[hash_bucket(it)];
	if (!it->hashed) {
		it->hashed = 1;
		if (*c != UINT8_MAX)
			(*c)++;
	}
	/* No other file of the window that has a hash shares its bucket. */
	if (*c == 1)
		return NULL;
	for (s = w->cursor + 1; s < it->seq; s++) {
		o = window_get(w, s);
		if (o == NULL || !o->have_hash)
			continue;
		if (o->status == KBD__FILE_STATUS__FS_FAILED ||
		    o->status == KBD__FILE_STATUS__FS_DUPLICATE)
			continue;
		if (memcmp(o->hash, it->hash, sizeof(it->hash)) == 0)
			return o;
	}
	return NULL;
}

/* ---- slots ---- */

static void
slot_take(struct window *w, struct item *it)
{
	struct item	*o;
	unsigned	 s;

	if (it->slot >= 0) {
		w->slot[it->slot].it = NULL;
		w->slot[it->slot].dirty = 1;
		it->slot = -1;
	}
	for (s = 0; s < w->par && w->slot[s].busy; s++)
		;
	if (s == w->par)
		return;
	if ((o = w->slot[s].it) != NULL)
		o->slot = -1;
	w->slot[s].it = it;
	w->slot[s].busy = 1;
	w->slot[s].dirty = 1;
	it->slot = (int)s;
	it->slot_since = mono_ms();
}

/* The worker is done with it; its new state is set. */
static void
slot_release(struct window *w, struct item *it)
{
	if (it->slot < 0)
		return;
	w->slot[it->slot].busy = 0;
	w->slot[it->slot].dirty = 1;
	if (it->state != IT_DONE) {
		w->slot[it->slot].it = NULL;
		it->slot = -1;
	}
}

/* The item leaves its slot for good (committed, or converted again). */
static void
slot_forget(struct window *w, struct item *it)
{
	if (it->slot < 0)
		return;
	w->slot[it->slot].it = NULL;
	w->slot[it->slot].busy = 0;
	w->slot[it->slot].dirty = 1;
	it->slot = -1;
}

/* ---- workers ---- */

static int
dispatch_one(struct window *w, struct item *it)
{
	int	r;

	if ((r = w->ops->give(w->arg, it)) <= 0)
		return r;
	it->state = it->state == IT_NEW && !it->direct ? IT_PREPARING :
	    IT_CONVERTING;
	w->inflight++;
	slot_take(w, it);
	return 1;
}

/*
 * The files in state from *from on, given to workers while there are
 * some; 0 when none is left free. A file looked at leaves the state (a
 * worker took it, or it could not be opened) unless no worker could, so
 * *from moves past it. None comes back to IT_NEW; a file that becomes
 * IT_PREPARED moves *from back (window_returned, window_recut).
 */
static int
dispatch_from(struct window *w, uint64_t *from, enum item_state state)
{
	struct item	*it;
	uint64_t	 s;

	if (*from <= w->cursor)
		*from = w->cursor + 1;
	for (s = *from; s <= w->next_seq; s++) {
		if (w->inflight >= w->par)
			return 0;
		it = window_get(w, s);
		if (it->state == state && dispatch_one(w, it) == 0)
			return 0;
		*from = s + 1;
	}
	return 1;
}

void
window_dispatch(struct window *w)
{
	if (dispatch_from(w, &w->prepared_from, IT_PREPARED))
		(void)dispatch_from(w, &w->new_from, IT_NEW);
}

void
window_returned(struct window *w, struct item *it)
{
	if (w->inflight == 0)
		fatalx("window: file %llu returned by no worker",
		    (unsigned long long)it->seq);
	w->inflight--;
	if (it->state == IT_PREPARED && it->seq < w->prepared_from)
		w->prepared_from = it->seq;
	slot_release(w, it);
}

void
window_cancel(struct window *w, const char *reason, const char *converted)
{
	struct item	*it;
	uint64_t	 s;

	for (s = w->cursor + 1; s <= w->next_seq; s++) {
		it = window_get(w, s);
		if (it->state == IT_NEW || it->state == IT_PREPARED)
			item_outcome(it, KBD__FILE_STATUS__FS_CANCELLED, "%s",
			    reason);
		else if (converted != NULL && it->state == IT_DONE &&
		    it->status == KBD__FILE_STATUS__FS_ADDED)
			/* Not sent yet: item_outcome unlinks its staging. */
			item_outcome(it, KBD__FILE_STATUS__FS_CANCELLED, "%s",
			    converted);
	}
}

/* ---- batches ---- */

/* One batch: -1 if none goes now, 0 if it went, or the ms a run waits. */
static int64_t
cut_one(struct window *w, int64_t now)
{
	struct item	*it;
	uint64_t	 s, from, last = 0;
	unsigned	 heavy = 0;
	int		 more = 0;

	if (w->nbatch == BATCHES_MAX)
		return -1;
	from = w->nbatch == 0 ? w->cursor : w->batch_end[w->nbatch - 1];
	for (s = from + 1; s <= w->next_seq && s - from <= BATCH_ITEMS_MAX;
	    s++) {
		it = window_get(w, s);
		if (it->state != IT_DONE) {
			more = 1;	/* it comes back: the run may grow */
			break;
		}
		if (!it->light && heavy == BATCH_MAX)
			break;
		heavy += !it->light;
		last = s;
	}
	if (last == 0)
		return -1;
	/* Behind a batch, only a full one: a short run waits for more. */
	if (w->nbatch > 0)
		if (heavy < BATCH_MAX && last - from < BATCH_ITEMS_MAX)
			return -1;
	if (more && w->batch_wait > 0 && last - w->cursor < w->batch_min) {
		if (w->held_since < 0)
			w->held_since = now;
		if (now - w->held_since < w->batch_wait)
			return w->held_since + w->batch_wait - now;
	}
	w->held_since = -1;
	for (s = from + 1; s <= last; s++)
		window_get(w, s)->state = IT_COMMITTING;
	w->batch_end[w->nbatch++] = last;
	w->batch_no++;
	w->ops->send_batch(w->arg, w, from + 1, last);
	return 0;
}

int64_t
window_cut(struct window *w, int64_t now)
{
	int64_t	r;

	while ((r = cut_one(w, now)) == 0)
		;
	return r > 0 ? r : 0;
}

uint64_t
window_batch_count(const struct window *w)
{
	return w->nbatch == 0 ? 0 : w->batch_end[0] - w->cursor;
}

void
window_committed(struct window *w, struct item *it)
{
	if (w->nbatch == 0 || it != window_get(w, w->cursor + 1) ||
	    it->state != IT_COMMITTING)
		fatalx("window: file %llu committed out of order (cursor %llu)",
		    (unsigned long long)it->seq, (unsigned long long)w->cursor);
	free(it->staged_raw);
	free(it->staged_md);
	it->staged_raw = it->staged_md = NULL;
	w->items[it->seq % WINDOW_MAX] = NULL;
	w->cursor = it->seq;
	if (!it->light)
		w->heavy--;
	hashed_forget(w, it);
	w->bytes_done += it->size;
	if (w->cursor == w->batch_end[0]) {
		memmove(w->batch_end, w->batch_end + 1,
		    (BATCHES_MAX - 1) * sizeof(w->batch_end[0]));
		w->nbatch--;
	}
	slot_forget(w, it);
	item_free(it);
}

void
window_recut(struct window *w)
{
	struct item	*it;
	uint64_t	 s;

	w->nbatch = 0;
	w->prepared_from = w->cursor + 1;
	for (s = w->cursor + 1; s <= w->next_seq; s++) {
		it = window_get(w, s);
		if (it->state != IT_COMMITTING)
			continue;
		if (it->status == KBD__FILE_STATUS__FS_ADDED) {
			slot_forget(w, it);
			unlink_staging(it);
			kbd__convert_rep__free_unpacked(it->conv, NULL);
			it->conv = NULL;
			it->status = KBD__FILE_STATUS__FS_NONE;
			it->state = IT_PREPARED;
		} else
			it->state = IT_DONE;
	}
}

/* ---- items ---- */

static void
unlink_staging(struct item *it)
{
	if (it->staged_raw != NULL) {
		(void)unlink(it->staged_raw);
		free(it->staged_raw);
		it->staged_raw = NULL;
	}
	if (it->staged_md != NULL) {
		(void)unlink(it->staged_md);
		free(it->staged_md);
		it->staged_md = NULL;
	}
}

void
item_outcome(struct item *it, int status, const char *fmt, ...)
{
	va_list	ap;

	it->state = IT_DONE;
	it->status = status;
	free(it->reason);
	it->reason = NULL;
	if (fmt != NULL) {
		va_start(ap, fmt);
		if (vasprintf(&it->reason, fmt, ap) == -1)
			fatal("vasprintf");
		va_end(ap);
	}
	if (status != KBD__FILE_STATUS__FS_ADDED)
		unlink_staging(it);
}

void
item_prepared(struct item *it, const uint8_t hash[32], uint64_t size)
{
	memcpy(it->hash, hash, sizeof(it->hash));
	it->have_hash = 1;
	it->size = size;
	it->state = IT_PREPARED;
}

void
item_free(struct item *it)
{
	unlink_staging(it);
	if (it->conv != NULL)
		kbd__convert_rep__free_unpacked(it->conv, NULL);
	free(it->path);
	free(it->reason);
	free(it->doc);
	free(it->stem);
	free(it->ext);
	free(it->recompile);
	free(it);
}
