/*
 * A batch's full-text rows made ahead: each document's columns
 * (db_fts_row_make) and their tokens (db_fts_row_record, on tapes) on a
 * thread of their own, in scan order, while the committer's thread
 * inserts the rows (batch.c's register_one), playing the tapes to FTS5
 * rather than tokenizing.
 *
 * Why: in a large add of small files the committer's thread is the
 * limit, and the full-text rows were some two fifths of its batches, the
 * greater part of that the tokenizer's own work (toktape.c), while the
 * machine's other core had time to spare (docs/architecture.md, scale
 * notes). A row is text work alone: the thread reads the items' Markdown
 * and names, touches no file and no SQLite connection, and tokenizes with
 * a tokenizer of its own (its own stem cache).
 *
 * Either thread makes a row: the ahead thread claims items from the front
 * of what is left, the committer's thread claims the one it needs when
 * the other has not, and waits for it when the other is making it; so
 * the batch is never slower than making every row on the committer's
 * thread. The rows made and not yet taken hold at most AHEAD_BYTES (their
 * text and tapes): the thread waits beyond it. Only an item whose
 * Markdown planning kept (item.h's md: small) is made ahead.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "db.h"
#include "item.h"
#include "log.h"
#include "tokenizer.h"
#include "util.h"
#include "xmalloc.h"

#define AHEAD_BYTES	(2u << 20)

enum slot_state { S_FREE, S_MAKING, S_MADE, S_TAKEN };

struct slot {
	struct db_fts_row	 row;
	enum slot_state		 state;
};

static struct {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	pthread_t		 tid;
	int			 running;	/* started, not joined */
	struct tok_counter	*tc;		/* the thread's tokenizer */
	struct item		*items;
	size_t			 n;
	int64_t			 start;
	/* Under mtx: */
	struct slot		*slot;		/* n */
	size_t			 next;		/* the first item not claimed */
	size_t			 held;		/* bytes of rows made, not taken */
	int			 stop;
	int64_t			 took;		/* ns, once the thread ends */
} fa = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

/* The row register_one writes, from the Markdown planning kept. */
static int
ahead_item(const struct item *it)
{
	return ITEM_PUBLISHES(it) && !ITEM_RECOMPILE(it) && it->md != NULL;
}

void
ftsahead_row_make(const struct item *it, const char *body, size_t len,
    struct db_fts_row *row)
{
	db_fts_row_make(row, it->doc, *it->title != '\0' ? it->title :
	    it->doc, body, len, tok_lang_code(it->lang - 1));
}

static void *
ahead_main(void *arg)
{
	struct item	*it;
	struct slot	*s;
	size_t		 i;

	(void)arg;
	(void)pthread_setname_np(pthread_self(), "kbd-ftsrows");
	pthread_mutex_lock(&fa.mtx);
	for (;;) {
		while (!fa.stop && fa.next < fa.n && fa.held >= AHEAD_BYTES)
			pthread_cond_wait(&fa.cond, &fa.mtx);
		if (fa.stop || fa.next >= fa.n)
			break;
		i = fa.next++;
		it = &fa.items[i];
		if (!ahead_item(it))
			continue;
		s = &fa.slot[i];
		s->state = S_MAKING;
		pthread_mutex_unlock(&fa.mtx);
		ftsahead_row_make(it, it->md, it->mdlen, &s->row);
		db_fts_row_record(&s->row, fa.tc);
		pthread_mutex_lock(&fa.mtx);
		s->state = S_MADE;
		fa.held += db_fts_row_size(&s->row);
		pthread_cond_broadcast(&fa.cond);
	}
	fa.took = mono_ns() - fa.start;
	pthread_mutex_unlock(&fa.mtx);
	return NULL;
}

void
ftsahead_start(struct item *items, size_t n)
{
	size_t	i, k;
	int	e;

	if (fa.running)
		fatalx("%s: already running", __func__);
	for (i = k = 0; i < n && k < 2; i++)
		k += ahead_item(&items[i]);
	/* One row: nothing to make beside the committer's thread. */
	if (k < 2)
		return;
	if (fa.tc == NULL && (fa.tc = db_tok_counter()) == NULL) {
		log_warnx("full-text rows: no tokenizer for the rows' thread; "
		    "made on the committer's");
		return;
	}
	fa.items = items;
	fa.n = n;
	fa.slot = xcalloc(n, sizeof(*fa.slot));
	fa.next = 0;
	fa.held = 0;
	fa.stop = 0;
	fa.took = 0;
	fa.start = mono_ns();
	if ((e = pthread_create(&fa.tid, NULL, ahead_main, NULL)) != 0) {
		errno = e;
		fatal("%s: pthread_create", __func__);
	}
	fa.running = 1;
}

int
ftsahead_take(const struct item *it, struct db_fts_row *row)
{
	struct slot	*s;
	size_t		 i;
	int		 r = 0;

	if (!fa.running || it < fa.items || it >= fa.items + fa.n)
		return 0;
	i = (size_t)(it - fa.items);
	s = &fa.slot[i];
	pthread_mutex_lock(&fa.mtx);
	if (i >= fa.next) {
		/* Not claimed: this thread makes it (the ones before, passed). */
		fa.next = i + 1;
	} else {
		while (s->state == S_MAKING)
			pthread_cond_wait(&fa.cond, &fa.mtx);
		if (s->state == S_MADE) {
			*row = s->row;
			memset(&s->row, 0, sizeof(s->row));
			s->state = S_TAKEN;
			fa.held -= db_fts_row_size(row);
			pthread_cond_broadcast(&fa.cond);
			r = 1;
		}
	}
	pthread_mutex_unlock(&fa.mtx);
	return r;
}

void
ftsahead_stop(void)
{
	size_t	i;
	int	e;

	if (!fa.running)
		return;
	pthread_mutex_lock(&fa.mtx);
	fa.stop = 1;
	pthread_cond_broadcast(&fa.cond);
	pthread_mutex_unlock(&fa.mtx);
	if ((e = pthread_join(fa.tid, NULL)) != 0) {
		errno = e;
		fatal("%s: pthread_join", __func__);
	}
	fa.running = 0;
	stage_add(ST_AHEAD, fa.took);
	/* A batch that failed part way: the rows it did not take. */
	for (i = 0; i < fa.n; i++)
		if (fa.slot[i].state == S_MADE)
			db_fts_row_free(&fa.slot[i].row);
	free(fa.slot);
	fa.slot = NULL;
	fa.items = NULL;
	fa.n = 0;
}

void
ftsahead_end(void)
{
	ftsahead_stop();
	tok_counter_free(fa.tc);
	fa.tc = NULL;
}
