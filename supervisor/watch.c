/*
 * kbctl watch: kbd follows its watched roots with inotify, one fd on the
 * loop. Every directory under a watched root is watched (directories that
 * appear later too); any event under a root marks it dirty, and after
 * watch-debounce seconds of quiet the root is synced by a job, exactly as
 * kbctl sync ROOT does (job_sync_roots). The sync decides what changed:
 * watch only says when to look, so a lost or merged event costs nothing
 * but a later look. At start, every watched root is synced once; after a
 * queue overflow, every one. Out of inotify watches (ENOSPC), a root is
 * said so once in the log and synced every 60 s instead.
 *
 * A root that goes away as a whole (deleted, moved, an unmounted disk)
 * loses its watches: kbd then looks every second whether a directory is
 * back at its path, and watches and syncs it once it is, without a
 * restart. A stat a second is cheaper than watching every ancestor, any
 * of which may have gone too.
 */
#include <sys/types.h>
#include <sys/inotify.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbread.h"
#include "log.h"
#include "supervisor.h"
#include "util.h"
#include "xmalloc.h"

#define WATCH_MASK	(IN_CREATE | IN_CLOSE_WRITE | IN_DELETE | \
			IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
			IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
#define WATCH_POLL_S	60	/* out of watches: a sync this often */
#define WATCH_MAX_WAIT_MS 30000	/* never quiet (a log written to): a sync */
#define WATCH_LOST_S	1	/* root gone: a look for its return this often */

struct wroot {
	TAILQ_ENTRY(wroot)	 entry;
	char			*path;
	int			 limited;	/* ENOSPC: polled */
	int			 gone;		/* no longer watched */
	int			 wd;		/* the root's own watch, or -1 */
	int64_t			 dirty_ms;	/* first event not synced, or 0 */
	struct event		*debounce;	/* quiet since the last event */
	struct event		*poll;		/* limited: every watch_poll_s() */
	struct event		*lost;		/* root gone: every second */
};
TAILQ_HEAD(wrootlist, wroot);

/* A watched directory, at the index of its watch descriptor. */
struct wdir {
	struct wroot	*root;
	char		*path;
};

static struct wrootlist	 roots = TAILQ_HEAD_INITIALIZER(roots);
static struct wdir	*dirs;		/* by wd */
static size_t		 ndirs;
static int		 ifd = -1;
static struct event	*iev;
static size_t		 kblen;

/* The sync interval of a root out of watches: WATCH_POLL_S, or
 * KBD_WATCH_POLL seconds (1 to 86400; kbd(8)), read once. */
static int
watch_poll_s(void)
{
	static int	 s;
	const char	*e;
	char		*end;
	long		 v;

	if (s != 0)
		return s;
	s = WATCH_POLL_S;
	if ((e = getenv("KBD_WATCH_POLL")) != NULL && *e != '\0') {
		errno = 0;
		v = strtol(e, &end, 10);
		if (errno == 0 && *end == '\0' && v >= 1 && v <= 86400)
			s = (int)v;
		else
			log_warnx("KBD_WATCH_POLL=%s: not a number of seconds "
			    "from 1 to 86400; using %d", e, WATCH_POLL_S);
	}
	return s;
}

/* path is the KB's root or under it: the KB's own writes are no news. */
static int
in_kb(const char *path)
{
	const char	*kb = sup_opts->kbroot;

	return strncmp(path, kb, kblen) == 0 &&
	    (path[kblen] == '\0' || path[kblen] == '/' ||
	    strcmp(kb, "/") == 0);
}

static void
dir_forget(int wd)
{
	if (wd < 0 || (size_t)wd >= ndirs || dirs[wd].root == NULL)
		return;
	free(dirs[wd].path);
	dirs[wd].path = NULL;
	dirs[wd].root = NULL;
}

/* Watch path; 0, or -1 when the watch limit is reached. */
static int
dir_watch(struct wroot *r, const char *path)
{
	size_t	n;
	int	wd;

	if ((wd = inotify_add_watch(ifd, path, WATCH_MASK)) == -1) {
		if (errno != ENOSPC)
			return 0;	/* gone, unreadable: the sync says */
		if (!r->limited) {
			log_warnx("watch %s: out of inotify watches "
			    "(fs.inotify.max_user_watches); syncing it every "
			    "%d s instead", r->path, watch_poll_s());
			r->limited = 1;
		}
		return -1;
	}
	if ((size_t)wd >= ndirs) {
		n = ndirs ? ndirs : 64;
		while (n <= (size_t)wd)
			n *= 2;
		dirs = xreallocarray(dirs, n, sizeof(*dirs));
		memset(dirs + ndirs, 0, (n - ndirs) * sizeof(*dirs));
		ndirs = n;
	}
	if (strcmp(path, r->path) == 0)
		r->wd = wd;
	/*
	 * The same directory again (moved): the new path wins. Under two
	 * nested watched roots, the deeper root's: its sync is the smaller.
	 */
	if (dirs[wd].root != NULL && dirs[wd].root != r &&
	    strlen(dirs[wd].root->path) > strlen(r->path))
		return 0;
	free(dirs[wd].path);
	dirs[wd].path = xstrdup(path);
	dirs[wd].root = r;
	return 0;
}

/* path and every directory under it, but hidden ones and the KB's own. */
static int
tree_watch(struct wroot *r, const char *path)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 sub[PATH_MAX];
	int		 rc = 0;

	if (in_kb(path) || dir_watch(r, path) == -1)
		return in_kb(path) ? 0 : -1;
	if ((d = opendir(path)) == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", strcmp(path, "/") ?
		    path : "", de->d_name) >= (int)sizeof(sub))
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (lstat(sub, &st) == -1 || !S_ISDIR(st.st_mode)))
			continue;
		rc = tree_watch(r, sub);
	}
	closedir(d);
	return rc;
}

static void
root_sync(struct wroot *r, const char *why)
{
	if (sup_stopping_p())
		return;
	log_info("watch %s: %s, syncing", r->path, why);
	job_sync_roots(&r->path, 1);
}

static void
on_quiet(evutil_socket_t fd, short ev, void *arg)
{
	struct wroot	*r = arg, *o;
	char		**paths;
	size_t		 n = 0;

	(void)fd;
	(void)ev;
	/*
	 * Every root changed now, in one job: a file moved from one root to
	 * another is then seen as a move (its old path gone, its content at
	 * the new one) before either root prunes, not removed then added.
	 */
	TAILQ_FOREACH(o, &roots, entry)
		n++;
	paths = xcalloc(n, sizeof(*paths));
	n = 0;
	TAILQ_FOREACH(o, &roots, entry)
		if (o == r || o->dirty_ms != 0) {
			if (o != r)
				(void)evtimer_del(o->debounce);
			o->dirty_ms = 0;
			paths[n++] = o->path;
			log_info("watch %s: changed, syncing", o->path);
		}
	if (!sup_stopping_p())
		job_sync_roots(paths, n);
	free(paths);
}

static void
on_poll(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	root_sync(arg, "out of watches");
}

static void
root_dirty(struct wroot *r)
{
	struct timeval	tv;

	tv.tv_sec = sup_opts->watch_debounce;
	tv.tv_usec = 0;
	/*
	 * Added again, the timer starts again: quiet for the whole time. A
	 * root never quiet that long is synced all the same, now and then.
	 */
	if (r->dirty_ms == 0)
		r->dirty_ms = mono_ms();
	else if (mono_ms() - r->dirty_ms >= WATCH_MAX_WAIT_MS &&
	    evtimer_pending(r->debounce, NULL))
		return;
	if (evtimer_add(r->debounce, &tv) == -1)
		fatalx("watch timer");
}

static void
root_limit(struct wroot *r)
{
	struct timeval	tv = { watch_poll_s(), 0 };

	if (r->limited && !evtimer_pending(r->poll, NULL) &&
	    evtimer_add(r->poll, &tv) == -1)
		fatalx("watch timer");
}

/* Every watch of r dropped (its root moved away: the paths are stale). */
static void
root_unwatch(struct wroot *r)
{
	size_t	i;

	for (i = 0; i < ndirs; i++)
		if (dirs[i].root == r) {
			(void)inotify_rm_watch(ifd, (int)i);
			dir_forget((int)i);
		}
	r->wd = -1;
}

/* The root's own directory is not watched: look for it every second. */
static void
root_lost(struct wroot *r)
{
	struct timeval	tv = { WATCH_LOST_S, 0 };

	if (r->wd != -1 || r->limited || evtimer_pending(r->lost, NULL))
		return;
	log_info("watch %s: root not found or unreadable, waiting for it",
	    r->path);
	if (evtimer_add(r->lost, &tv) == -1)
		fatalx("watch timer");
}

static void
on_lost(evutil_socket_t fd, short ev, void *arg)
{
	struct wroot	*r = arg;
	struct stat	 st;

	(void)fd;
	(void)ev;
	if (stat(r->path, &st) == -1 || !S_ISDIR(st.st_mode))
		return;
	(void)tree_watch(r, r->path);
	root_limit(r);
	/* Gone again before its watch, or unreadable: keep looking. */
	if (r->wd == -1 && !r->limited)
		return;
	(void)evtimer_del(r->lost);
	log_info("watch %s: root back, watching", r->path);
	root_dirty(r);
}

/* Every watched directory again (after an overflow, events were lost). */
static void
rewatch_all(void)
{
	struct wroot	*r;

	TAILQ_FOREACH(r, &roots, entry) {
		(void)tree_watch(r, r->path);
		root_limit(r);
		root_lost(r);
	}
}

static void
on_event(const struct inotify_event *e)
{
	struct wdir	*d;
	char		 path[PATH_MAX];

	if (e->mask & IN_Q_OVERFLOW) {
		struct wroot	*r;

		log_warnx("watch: inotify queue overflow: syncing every "
		    "watched root");
		rewatch_all();
		TAILQ_FOREACH(r, &roots, entry)
			root_sync(r, "events lost");
		return;
	}
	if (e->wd < 0 || (size_t)e->wd >= ndirs ||
	    (d = &dirs[e->wd])->root == NULL)
		return;
	if (e->mask & IN_IGNORED) {
		/* Removed, or moved out of sight: the root's sync sees it. */
		struct wroot	*r = d->root;

		root_dirty(r);
		dir_forget(e->wd);
		if (r->wd == e->wd) {
			r->wd = -1;
			root_lost(r);
		}
		return;
	}
	if ((e->mask & IN_MOVE_SELF) && d->root->wd == e->wd) {
		/* The root itself moved: its watches' paths are all stale. */
		struct wroot	*r = d->root;

		root_dirty(r);
		root_unwatch(r);
		root_lost(r);
		return;
	}
	if (e->len > 0) {
		if (snprintf(path, sizeof(path), "%s/%s", strcmp(d->path,
		    "/") ? d->path : "", e->name) >= (int)sizeof(path))
			return;
	} else
		(void)snprintf(path, sizeof(path), "%s", d->path);
	/*
	 * The KB's own writes would sync for ever. Hidden names (editors'
	 * temporary files) are not walked by a sync either; .kbignore is.
	 */
	if (in_kb(path) || (e->len > 0 && e->name[0] == '.' &&
	    strcmp(e->name, ".kbignore") != 0))
		return;
	if ((e->mask & IN_ISDIR) && (e->mask & (IN_CREATE | IN_MOVED_TO)) &&
	    e->len > 0 && e->name[0] != '.') {
		(void)tree_watch(d->root, path);
		root_limit(d->root);
	}
	root_dirty(d->root);
}

static void
on_readable(evutil_socket_t fd, short ev, void *arg)
{
	char				 buf[64 * 1024]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*e;
	ssize_t				 n;
	char				*p;

	(void)ev;
	(void)arg;
	for (;;) {
		if ((n = read(fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("watch: read");
			return;
		}
		for (p = buf; p < buf + n; p += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)p;
			on_event(e);
		}
	}
}

static struct wroot *
root_find(const char *path)
{
	struct wroot	*r;

	TAILQ_FOREACH(r, &roots, entry)
		if (strcmp(r->path, path) == 0)
			return r;
	return NULL;
}

static void
root_free(struct wroot *r)
{
	size_t	i;

	for (i = 0; i < ndirs; i++)
		if (dirs[i].root == r) {
			(void)inotify_rm_watch(ifd, (int)i);
			dir_forget((int)i);
		}
	event_free(r->debounce);
	event_free(r->poll);
	event_free(r->lost);
	TAILQ_REMOVE(&roots, r, entry);
	free(r->path);
	free(r);
}

/*
 * The registry's watched roots: new ones are watched and synced once,
 * ones no longer watched (watch --stop, roots --forget) are dropped.
 */
void
watch_reload(void)
{
	Kbd__RootsRep	 rep = KBD__ROOTS_REP__INIT;
	struct wroot	*r, *next;
	size_t		 i;
	int		 freed = 0;

	if (ifd == -1)
		return;
	if (dbread_roots_info(&rep) == -1) {
		log_warnx("watch: cannot read the roots");
		dbread_roots_info_free(&rep);
		return;
	}
	TAILQ_FOREACH(r, &roots, entry)
		r->gone = 1;
	for (i = 0; i < rep.n_roots; i++) {
		if (!rep.roots[i]->watched)
			continue;
		if ((r = root_find(rep.roots[i]->path)) != NULL) {
			r->gone = 0;
			continue;
		}
		r = xcalloc(1, sizeof(*r));
		r->path = xstrdup(rep.roots[i]->path);
		r->debounce = evtimer_new(sup_base, on_quiet, r);
		r->poll = event_new(sup_base, -1, EV_PERSIST, on_poll, r);
		r->lost = event_new(sup_base, -1, EV_PERSIST, on_lost, r);
		r->wd = -1;
		if (r->debounce == NULL || r->poll == NULL || r->lost == NULL)
			fatalx("watch timer");
		TAILQ_INSERT_TAIL(&roots, r, entry);
		(void)tree_watch(r, r->path);
		root_limit(r);
		root_lost(r);
		log_info("watch %s: %s", r->path, r->limited ?
		    "watching in part, out of inotify watches" : "watching");
		root_sync(r, "watched");
	}
	dbread_roots_info_free(&rep);
	for (r = TAILQ_FIRST(&roots); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->gone) {
			log_info("watch %s: no longer watched", r->path);
			root_free(r);
			freed = 1;
		}
	}
	/* A root nested in a dropped one lost the watches they shared. */
	if (freed)
		rewatch_all();
}

/* Once the registry is readable (the first committer is ready). */
void
watch_init(void)
{
	if ((ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("watch: inotify_init1; watched roots are not "
		    "followed");
		return;
	}
	kblen = strlen(sup_opts->kbroot);
	iev = event_new(sup_base, ifd, EV_READ | EV_PERSIST, on_readable,
	    NULL);
	if (iev == NULL || event_add(iev, NULL) == -1)
		fatalx("watch event");
	watch_reload();
}

/* Watched roots: kbd does not exit for idleness while it has one. */
unsigned
watch_count(void)
{
	struct wroot	*r;
	unsigned	 n = 0;

	TAILQ_FOREACH(r, &roots, entry)
		n++;
	return n;
}

/* kbctl roots: the root is polled, out of inotify watches. */
int
watch_limited(const char *path)
{
	struct wroot	*r;

	return (r = root_find(path)) != NULL && r->limited;
}
