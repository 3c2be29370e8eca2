/*
 * The job window: the files of the running job between the walk and their
 * commit, by sequence number (scan order). Files enter in sequence order,
 * go to workers and come back in any order, and leave in batches cut in
 * sequence order from the cursor (the last sequence number committed),
 * which only moves forward. So names are decided in scan order whatever
 * the timing of the workers, and the cursor is all a resumed job needs.
 *
 * Pure bookkeeping, driven by its caller: no event loop, no process, no
 * registry. It reaches workers and the committer only through the two
 * callbacks of struct window_ops (tests/unit/test_window.c drives it so).
 * Its only I/O is unlinking a file's staging files when they are void.
 */
#ifndef KBD_WINDOW_H
#define KBD_WINDOW_H

#include <stdint.h>

#include "kbd.pb-c.h"

/*
 * A file whose outcome the walk knew (unchanged since added, skipped) is
 * light: no worker, no staging file, nothing published. Light files
 * stretch the window and the batches, so that a sync of an unchanged tree
 * costs a round trip to the committer per BATCH_ITEMS_MAX files, not per
 * BATCH_MAX; the others are bounded as before.
 *
 * A commit has a cost of its own whatever its size (FTS5 writes its
 * pending terms as a new segment, the WAL's frames and checkpoint, the
 * index and folder pages, the journal, and on a disk the syncfs and
 * fsyncs that make it durable), so a batch takes up to BATCH_MAX files
 * when the workers are ahead: 512 rather than 128 took 15 % off the
 * committer's CPU in an add of 10,000 small files, and 2,048 rather than
 * 512 took the 150,000-file add on ext4 from 127 s to 81 s (301 commits
 * to 84; docs/architecture.md, "At stop 45"). The window holds two
 * batches, so that the workers fill the next while one commits.
 *
 * A second batch goes to the committer behind the first when it is full,
 * and no other request waits (pipeline.c): the committer starts it the
 * moment it has answered the first, rather than after the supervisor has
 * handled that answer and cut and sent the next, a wait of 2 to 3 % of a
 * large add ("At stop 53"). A short run still waits for the answer, so a
 * small job's batches are what they were.
 */
/*
 * When the workers fall behind the committer (a machine loaded by
 * searches, few workers), the committer took whatever had come back each
 * time it was free: batches of 15 to 20 files, each paying a commit's own
 * cost, so the committer's CPU for an add nearly doubled and every commit
 * emptied the readers' caches. A run shorter than BATCH_MIN files, while
 * a file of the window before its end is still to come back, waits for
 * it up to BATCH_WAIT_MS from when it could first have gone (the pipeline
 * sets these; window_init leaves the wait off). Nothing waits when the
 * run holds every file of the window, such as a single file's add.
 * (docs/architecture.md, "Batches that stay whole under load".)
 */
#define BATCH_MIN	128	/* files a short batch waits for... */
#define BATCH_WAIT_MS	200	/* ...at most this long */
#define WINDOW_HEAVY_MAX 4096	/* files between the walk and their commit */
#define WINDOW_MAX	16384	/* the same, light ones included */
#define BATCH_MAX	2048	/* files per commit, light ones left out */
#define BATCH_ITEMS_MAX	8192	/* files per commit, light ones included */
#define BATCHES_MAX	2	/* batches at the committer at once */
#define WORKERS_MAX	256	/* a job's parallelism: workers and slots */

enum item_state {
	IT_NEW,			/* needs PREPARE (CONVERT, if direct) */
	IT_PREPARING,
	IT_PREPARED,		/* needs CONVERT */
	IT_CONVERTING,
	IT_DONE,		/* outcome known, waiting for its batch */
	IT_COMMITTING		/* in a batch at the committer */
};

struct item {
	uint64_t	 seq;
	char		*path;
	enum item_state	 state;
	int		 status;	/* Kbd__FileStatus, once IT_DONE */
	char		*reason;
	char		*doc;		/* duplicates: the document it matches */
	uint8_t		 hash[32];
	int		 have_hash;
	uint64_t	 size, dev, ino;
	int64_t		 mtime_ns;
	char		*stem, *ext;
	Kbd__ConvertRep	*conv;		/* CONVERT reply, kept for the batch */
	char		*staged_raw, *staged_md;
	int		 slot;		/* progress slot showing it, or -1 */
	int64_t		 slot_since;	/* when it took the slot */
	char		*recompile;	/* a recompile job's document */
	int		 light;		/* outcome known on entry: window_light */
	int		 direct;	/* IT_NEW goes straight to CONVERT */
	int		 hashed;	/* counted in window.hashed */
};

/*
 * Progress slots, numbered 0 to par - 1. A file takes the lowest slot no
 * worker holds when a worker takes it; when the worker is done with it, a
 * file whose outcome is known keeps showing there (phase commit) until it
 * is committed or another file takes the slot, and a file waiting for its
 * conversion leaves it. So at most par rows, in stable places.
 */
struct window_slot {
	struct item	*it;		/* the file it shows, or NULL */
	unsigned char	 busy;		/* a worker holds that file */
	unsigned char	 dirty;		/* changed since progress.c sent it */
};

struct window;

struct window_ops {
	/*
	 * Give the file to a worker: PREPARE if it is IT_NEW, CONVERT if it
	 * is IT_PREPARED, or IT_NEW and direct (both in one request). 1:
	 * sent, the window marks it as with a worker; 0: no worker is free;
	 * -1: not sent, its outcome is set (an input that cannot be opened).
	 */
	int	(*give)(void *arg, struct item *);
	/*
	 * Send the files first to last, all IT_COMMITTING now, in order, to
	 * the committer as batch number w->batch_no: first is the file after
	 * the cursor, or after the batch already at the committer.
	 */
	void	(*send_batch)(void *arg, struct window *w, uint64_t first,
		    uint64_t last);
};

struct window {
	uint64_t		 next_seq;	/* last seq handed out */
	uint64_t		 cursor;	/* last seq committed */
	uint64_t		 bytes_done;	/* sizes of the files committed */
	unsigned		 par;		/* files with workers, at most */
	unsigned		 inflight;	/* files with workers */
	/* The last file of each batch at the committer, oldest first. */
	uint64_t		 batch_end[BATCHES_MAX];
	unsigned		 nbatch;
	uint64_t		 batch_no;	/* batches cut so far */
	unsigned		 heavy;		/* files in it not light */
	unsigned		 batch_min;	/* a shorter run may wait... */
	int64_t			 batch_wait;	/* ...this many ms (0: never) */
	int64_t			 held_since;	/* a run waiting since, or -1 */
	/*
	 * Where window_dispatch starts looking (the files before are not
	 * IT_NEW, not IT_PREPARED), and how many files it holds that
	 * window_same_hash saw, by the first two bytes of their hash
	 * (allocated at first use; 255: that many or more). Without them
	 * each file cost a pass over the window, a fifth of the
	 * supervisor's CPU in an add with a window of 4096.
	 */
	uint64_t		 new_from, prepared_from;
	uint8_t			*hashed;
	struct item		*items[WINDOW_MAX];
	struct window_slot	 slot[WORKERS_MAX];
	const struct window_ops	*ops;
	void			*arg;
};

void	 window_init(struct window *, unsigned par, const struct window_ops *,
	    void *arg);
void	 window_free(struct window *);		/* and every item in it */
int	 window_full(const struct window *);
/* Nothing left: every file committed, none with a worker or committer. */
int	 window_idle(const struct window *);
struct item *window_get(const struct window *, uint64_t seq);

/* A file enters with the next sequence number; path is taken. */
struct item *window_add(struct window *, char *path);
/*
 * The file just added has its outcome already (it is IT_DONE, not added):
 * it counts towards WINDOW_MAX and BATCH_ITEMS_MAX only.
 */
void	 window_light(struct window *, struct item *);
/* Files up to seq were committed before kbd stopped: the window is empty. */
void	 window_skip_to(struct window *, uint64_t seq);
/*
 * An earlier file of the window with the same content, if any; asked once
 * a file has its hash, for every file that has one but a recompile's.
 */
struct item *window_same_hash(struct window *, struct item *);

/* Hand files to workers: conversions first, they are closest to commit. */
void	 window_dispatch(struct window *);
/*
 * The worker is done with the file, whose new state is set (its outcome,
 * or item_prepared): it is no longer with a worker.
 */
void	 window_returned(struct window *, struct item *);
/*
 * Cancel the files no worker has started, with reason; unless converted
 * is NULL, also those converted and not yet in a batch, with converted as
 * their reason, and their staging files go. Files with a worker or in a
 * batch at the committer are left to finish.
 */
void	 window_cancel(struct window *, const char *reason,
	    const char *converted);

/*
 * Cut the next batch, the longest run of finished files after the cursor
 * or the batch at the committer (BATCH_MAX at most, light files apart,
 * and BATCH_ITEMS_MAX in all): ops->send_batch. Behind a batch at the
 * committer only a full run goes, and none behind BATCHES_MAX. now is a
 * monotonic clock in ms. Returns 0, or the ms a short run still waits
 * (batch_min, batch_wait): the caller cuts again then, if no file came
 * back before.
 */
int64_t	 window_cut(struct window *, int64_t now);
/* Files in the oldest batch at the committer, the one it answers next. */
uint64_t window_batch_count(const struct window *);
/*
 * The committer has committed it (the item after the cursor, in the
 * oldest batch): the cursor moves onto it and it leaves the window. Its
 * staging files are the committer's now, published or removed by it.
 */
void	 window_committed(struct window *, struct item *);
/*
 * The batches at the committer are lost with it: their converted files
 * are converted again (recovery may have taken their staging files), the
 * others wait to be cut again. The cursor stays.
 */
void	 window_recut(struct window *);

/* A file's outcome: state IT_DONE; staging files are unlinked unless added. */
void	 item_outcome(struct item *, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* PREPARE answered: the content's hash and size; it needs CONVERT. */
void	 item_prepared(struct item *, const uint8_t hash[32], uint64_t size);
void	 item_free(struct item *);

#endif /* KBD_WINDOW_H */
