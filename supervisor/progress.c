/*
 * What a job's followers are told: a FILE_EVENT per file once its batch
 * has committed, PROGRESS if they asked for it, and the job's summary at
 * its end.
 *
 * PROGRESS carries which file each worker slot of the window holds and in
 * which phase, and the job's counts. It is advisory and coalesced: the
 * window marks the slots that change, and one message per follower goes
 * out at most every PROGRESS_SLOTS_MS (or PROGRESS_COUNTS_MS for counts
 * only), dropped for a follower that is behind (client_send_advisory),
 * who then gets every slot next time. So the cost per follower is
 * constant, whatever the job's size or speed.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "supervisor.h"
#include "util.h"
#include "xmalloc.h"

#define PROGRESS_SLOTS_MS	100	/* a terminal redraws at most 10/s */
#define PROGRESS_COUNTS_MS	5000	/* enough for a 30 s heartbeat */
/* Paths in one PROGRESS, well under a client message's limit. */
#define PROGRESS_MAX_PATHS	(256u << 10)

static void	on_progress(evutil_socket_t, short, void *);

void
progress_init(struct job *j)
{
	TAILQ_INIT(&j->followers);
	if ((j->progress_ev = evtimer_new(sup_base, on_progress, j)) == NULL)
		fatalx("evtimer_new");
}

void
progress_free(struct job *j)
{
	struct follower	*f;

	while ((f = TAILQ_FIRST(&j->followers)) != NULL) {
		TAILQ_REMOVE(&j->followers, f, entry);
		free(f);
	}
	event_free(j->progress_ev);
}

/* The client follows the job until its end (progress: its level). */
void
progress_follow(struct job *j, struct client *c, int progress,
    int changes_only)
{
	struct follower	*f;

	f = xcalloc(1, sizeof(*f));
	f->c = c;
	f->progress = progress;
	f->changes_only = changes_only;
	f->need_full = 1;
	TAILQ_INSERT_TAIL(&j->followers, f, entry);
}

void
progress_client_gone(struct job *j, struct client *c)
{
	struct follower	*f, *fn;

	for (f = TAILQ_FIRST(&j->followers); f != NULL; f = fn) {
		fn = TAILQ_NEXT(f, entry);
		if (f->c == c) {
			TAILQ_REMOVE(&j->followers, f, entry);
			free(f);
		}
	}
}

/* The file's outcome is committed: r is the committer's result. */
void
progress_event(struct job *j, struct item *it, const Kbd__ItemResult *r)
{
	Kbd__FileEvent	 ev = KBD__FILE_EVENT__INIT;
	struct follower	*f;

	if (TAILQ_EMPTY(&j->followers))
		return;
	ev.job = j->id;
	ev.seq = it->seq;
	ev.path = it->path;
	ev.status = r->status;
	ev.doc = r->doc[0] ? r->doc : (it->doc ? it->doc : (char *)"");
	ev.reason = r->reason[0] ? r->reason : (it->reason ? it->reason :
	    (char *)"");
	TAILQ_FOREACH(f, &j->followers, entry) {
		/*
		 * A client that prints only what changed is spared an event
		 * per unchanged file: a sync of 150,000 of them was an
		 * eighth of kbd's time, for nothing printed.
		 */
		if (f->changes_only && it->light &&
		    r->status != KBD__FILE_STATUS__FS_FAILED)
			continue;
		/* cppcheck-suppress uninitvar */
		client_send(f->c, MSG_FILE_EVENT, &ev.base);
	}
}

/* The job has ended: each follower gets its record, and is done. */
void
progress_summary(struct job *j, const Kbd__JobSummary *s)
{
	struct follower	*f;

	while ((f = TAILQ_FIRST(&j->followers)) != NULL) {
		TAILQ_REMOVE(&j->followers, f, entry);
		client_send(f->c, MSG_JOB_SUMMARY, &s->base);
		client_done(f->c);
		free(f);
	}
}

/*
 * kbd stops on a user's request: each follower is told so, and told
 * nothing more, so that it exits instead of starting kbd again to follow
 * a job that resumes at the next start.
 */
void
progress_stopped(struct job *j)
{
	Kbd__Stopped	 st = KBD__STOPPED__INIT;
	struct follower	*f;

	st.job = j->id;
	while ((f = TAILQ_FIRST(&j->followers)) != NULL) {
		TAILQ_REMOVE(&j->followers, f, entry);
		client_send(f->c, MSG_STOPPED, &st.base);
		free(f);
	}
}

static int64_t
progress_interval(const struct follower *f)
{
	return f->progress == KBD__PROGRESS_LEVEL__PROGRESS_SLOTS ?
	    PROGRESS_SLOTS_MS : PROGRESS_COUNTS_MS;
}

static int
progress_changed(const struct job *j)
{
	unsigned	s;

	if (j->win.cursor != j->sent_done || j->win.next_seq != j->sent_total ||
	    j->walk_done != j->sent_final)
		return 1;
	for (s = 0; s < j->win.par; s++)
		if (j->win.slot[s].dirty)
			return 1;
	return 0;
}

static int
slot_phase(const struct window *w, unsigned s)
{
	const struct item	*it = w->slot[s].it;

	if (it == NULL)
		return KBD__PHASE__PHASE_IDLE;
	if (w->slot[s].busy)
		return it->state == IT_PREPARING ? KBD__PHASE__PHASE_HASH :
		    KBD__PHASE__PHASE_CONVERT;
	if (it->state == IT_DONE || it->state == IT_COMMITTING)
		return KBD__PHASE__PHASE_COMMIT;
	return KBD__PHASE__PHASE_IDLE;
}

/*
 * Fill p with the job's counts and the slots that changed (full: every
 * busy slot). Slots past what one message should carry stay marked for
 * the next one; a full message cut short says it is not full.
 */
static void
progress_build(struct job *j, Kbd__Progress *p, Kbd__SlotState *st,
    Kbd__SlotState **ptr, int full)
{
	struct window	*w = &j->win;
	struct item	*it;
	int64_t		 now = mono_ms();
	size_t		 paths = 0;
	unsigned	 s;
	int		 ph;

	kbd__progress__init(p);
	p->job = j->id;
	p->done = w->cursor;
	p->total = w->next_seq;
	p->total_final = j->walk_done;
	p->bytes_done = w->bytes_done;
	p->slots = w->par;
	p->full = full;
	p->changed = ptr;
	for (s = 0; s < w->par; s++) {
		it = w->slot[s].it;
		if (full ? it == NULL : !w->slot[s].dirty)
			continue;
		ph = slot_phase(w, s);
		if (full && ph == KBD__PHASE__PHASE_IDLE)
			continue;
		if (ph != KBD__PHASE__PHASE_IDLE &&
		    (paths += strlen(it->path) + 32) > PROGRESS_MAX_PATHS) {
			p->full = 0;
			break;
		}
		kbd__slot_state__init(&st[p->n_changed]);
		st[p->n_changed].slot = s;
		st[p->n_changed].phase = ph;
		if (ph != KBD__PHASE__PHASE_IDLE) {
			st[p->n_changed].seq = it->seq;
			st[p->n_changed].path = it->path;
			st[p->n_changed].size = it->size;
			st[p->n_changed].elapsed_ms = (uint64_t)(now -
			    it->slot_since);
		}
		ptr[p->n_changed] = &st[p->n_changed];
		p->n_changed++;
		if (!full)
			w->slot[s].dirty = 0;
	}
}

static void
progress_send(struct job *j)
{
	static Kbd__SlotState	 dst[WORKERS_MAX], fst[WORKERS_MAX];
	static Kbd__SlotState	*dptr[WORKERS_MAX], *fptr[WORKERS_MAX];
	Kbd__Progress		 delta, full, counts;
	struct follower		*f;
	int64_t			 now = mono_ms();
	int			 have_full = 0;

	/* Full first: building the delta clears the marks. */
	TAILQ_FOREACH(f, &j->followers, entry)
		/* cppcheck-suppress uninitvar */
		if (f->progress == KBD__PROGRESS_LEVEL__PROGRESS_SLOTS &&
		    f->need_full && now - f->last_ms >= PROGRESS_SLOTS_MS)
			have_full = 1;
	if (have_full)
		progress_build(j, &full, fst, fptr, 1);
	progress_build(j, &delta, dst, dptr, 0);
	counts = delta;
	counts.n_changed = 0;
	counts.changed = NULL;
	TAILQ_FOREACH(f, &j->followers, entry) {
		const Kbd__Progress	*p;

		if (f->progress == KBD__PROGRESS_LEVEL__PROGRESS_NONE)
			continue;
		if (now - f->last_ms < progress_interval(f)) {
			/* Not its turn: it gets everything when it comes. */
			f->need_full = 1;
			continue;
		}
		if (f->progress == KBD__PROGRESS_LEVEL__PROGRESS_COUNTS)
			p = &counts;
		else
			p = f->need_full ? &full : &delta;
		if (client_send_advisory(f->c, MSG_PROGRESS, &p->base)) {
			f->last_ms = now;
			f->need_full = 0;
		} else
			f->need_full = 1;
	}
	j->sent_done = j->win.cursor;
	j->sent_total = j->win.next_seq;
	j->sent_final = j->walk_done;
}

static void
on_progress(evutil_socket_t fd, short ev, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)ev;
	progress_send(j);
	/* Followers whose turn had not come, or marks left over. */
	progress_schedule(j);
}

/* Something may have changed: send it when the next follower is due. */
void
progress_schedule(struct job *j)
{
	struct follower	*f;
	struct timeval	 tv;
	int64_t		 now, due = -1, d;
	int		 changed, wanted = 0;

	if (evtimer_pending(j->progress_ev, NULL))
		return;
	/* cppcheck-suppress uninitvar */
	TAILQ_FOREACH(f, &j->followers, entry)
		if (f->progress != KBD__PROGRESS_LEVEL__PROGRESS_NONE)
			wanted = 1;
	if (!wanted)
		return;
	changed = progress_changed(j);
	now = mono_ms();
	TAILQ_FOREACH(f, &j->followers, entry) {
		/* cppcheck-suppress uninitvar */
		if (f->progress == KBD__PROGRESS_LEVEL__PROGRESS_NONE ||
		    (!changed && !f->need_full))
			continue;
		d = f->last_ms + progress_interval(f);
		if (due == -1 || d < due)
			due = d;
	}
	if (due == -1)
		return;
	d = due > now ? due - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(j->progress_ev, &tv);
}
