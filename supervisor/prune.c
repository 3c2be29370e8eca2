/*
 * Prune, the end of a sync (kbctl sync, add --prune): once the job's walk
 * is over and its files committed, the documents whose every source path
 * under the job's inputs (its roots) is gone, and that have no source
 * outside them, are removed through the committer's journaled remove. A
 * root that is missing or unreadable as a whole (an unmounted disk)
 * prunes nothing and fails the job with the reason: a vanished root must
 * never look like a folder whose files were all deleted.
 *
 * A gone source of a document that stays (another path holds it) keeps
 * its row; a later add of its content elsewhere takes it as a move.
 *
 * The sources the job's walk found unchanged at their path are not
 * looked at again: the walk marks their row ids (struct seen, a bit per
 * source id), and only the others are stat'ed. A file deleted between
 * its walk and the prune stays until the next sync; a marked source is
 * never taken for gone, so the mark can keep a document, never remove
 * one.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbread.h"
#include "log.h"
#include "supervisor.h"
#include "xmalloc.h"

/* Source row ids the walk found at their path: one bit each. */
struct seen {
	uint64_t	*bits;
	size_t		 nwords;
};

void
prune_seen(struct job *j, int64_t id)
{
	struct seen	*s;
	size_t		 w, n;

	if (id <= 0)
		return;
	if ((s = j->seen) == NULL)
		s = j->seen = xcalloc(1, sizeof(*s));
	w = (size_t)id / 64;
	if (w >= s->nwords) {
		n = s->nwords ? s->nwords : 64;
		while (n <= w)
			n *= 2;
		s->bits = xreallocarray(s->bits, n, sizeof(*s->bits));
		memset(s->bits + s->nwords, 0,
		    (n - s->nwords) * sizeof(*s->bits));
		s->nwords = n;
	}
	s->bits[w] |= (uint64_t)1 << (id % 64);
}

static int
seen_has(const struct seen *s, int64_t id)
{
	size_t	w = (size_t)id / 64;

	return s != NULL && id > 0 && w < s->nwords &&
	    (s->bits[w] >> (id % 64) & 1) != 0;
}

void
seen_free(struct seen *s)
{
	if (s == NULL)
		return;
	free(s->bits);
	free(s);
}

struct plan {
	char	**roots;
	size_t	  nroots;
	/* The document being looked at: its rows come together. */
	int64_t	  doc;
	char	 *name, *path;	/* a source under the roots */
	int	  under, keep;
	int	  all;		/* roots --forget --remove: gone or not */
	const struct seen *seen;	/* sources the walk found, or NULL */
	/* The documents to remove, and a path of each for the events. */
	char	**names, **paths;
	size_t	  n, cap;
	/* The directory of the last path looked at, open (or why not). */
	char	 *dir;
	int	  dfd, derr;
};

static int
under(const char *path, const char *root)
{
	size_t	n = strlen(root);

	if (n == 1 && root[0] == '/')
		return 1;
	return strncmp(path, root, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/*
 * The path is no more. Rows come in document order, which is mostly scan
 * order: a path is stat'ed relative to its directory, kept open while the
 * next rows are in it, rather than looked up from / each time.
 */
static int
gone(struct plan *p, const char *path)
{
	struct stat	 st;
	const char	*slash;
	size_t		 dlen;
	int		 r;

	if ((slash = strrchr(path, '/')) == NULL || slash == path)
		r = lstat(path, &st);
	else {
		dlen = (size_t)(slash - path);
		if (p->dir == NULL || strncmp(p->dir, path, dlen) != 0 ||
		    p->dir[dlen] != '\0') {
			if (p->dfd != -1)
				(void)close(p->dfd);
			free(p->dir);
			p->dir = xstrndup(path, dlen);
			p->dfd = open(p->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
			p->derr = errno;
		}
		if (p->dfd != -1)
			r = fstatat(p->dfd, slash + 1, &st,
			    AT_SYMLINK_NOFOLLOW);
		else if (p->derr == ENOENT || p->derr == ENOTDIR)
			return 1;	/* as lstat of the path would say */
		else
			r = lstat(path, &st);
	}
	return r == -1 && (errno == ENOENT || errno == ENOTDIR);
}

static void
plan_flush(struct plan *p)
{
	if (p->doc != 0 && p->under && !p->keep) {
		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 16;
			p->names = xreallocarray(p->names, p->cap,
			    sizeof(*p->names));
			p->paths = xreallocarray(p->paths, p->cap,
			    sizeof(*p->paths));
		}
		p->names[p->n] = p->name;
		p->paths[p->n++] = p->path;
	} else {
		free(p->name);
		free(p->path);
	}
	p->name = p->path = NULL;
	p->under = p->keep = 0;
}

static int
plan_row(void *arg, int64_t doc, const char *name, const char *path,
    int64_t id)
{
	struct plan	*p = arg;
	size_t		 i;
	int		 in = 0;

	if (doc != p->doc) {
		plan_flush(p);
		p->doc = doc;
		p->name = xstrdup(name);
	}
	for (i = 0; i < p->nroots && !in; i++)
		in = under(path, p->roots[i]);
	if (!in || (!p->all && (seen_has(p->seen, id) || !gone(p, path)))) {
		p->keep = 1;	/* outside the roots, or still there */
		return 0;
	}
	if (!p->under) {
		p->under = 1;
		p->path = xstrdup(path);
	}
	return 0;
}

/* The documents to remove; -1 (nothing planned) on a registry error. */
static int
plan_make(struct plan *p)
{
	size_t	i;
	int	r;

	p->dir = NULL;
	p->dfd = -1;
	r = dbread_sources_foreach(plan_row, p);
	if (p->dfd != -1)
		(void)close(p->dfd);
	free(p->dir);
	p->dir = NULL;
	if (r == -1) {
		plan_flush(p);
		for (i = 0; i < p->n; i++) {
			free(p->names[i]);
			free(p->paths[i]);
		}
		free(p->names);
		free(p->paths);
		p->names = p->paths = NULL;
		p->n = 0;
		return -1;
	}
	plan_flush(p);
	return 0;
}

/* NULL, or why root cannot be pruned under (xmalloc'ed). */
static char *
root_check(const char *root)
{
	struct stat	 st;
	DIR		*d;
	char		*err;

	if (stat(root, &st) == -1) {
		xasprintf(&err, "%s: root %s, nothing pruned", root,
		    errno == ENOENT ? "missing" : strerror(errno));
		return err;
	}
	if (!S_ISDIR(st.st_mode))
		return NULL;
	if ((d = opendir(root)) == NULL) {
		xasprintf(&err, "%s: root unreadable (%s), nothing pruned",
		    root, strerror(errno));
		return err;
	}
	closedir(d);
	return NULL;
}

static void	prune_done(struct commitq_op *, ProtobufCMessage *);

struct prune_op {
	struct job	 *j;
	char		**paths;
	size_t		  n;
};

/* The job's walk is over and its files committed: prune under its roots. */
void
prune_start(struct job *j)
{
	struct plan	 p;
	struct prune_op	*po;
	Kbd__RemoveReq	*r;
	char		*err = NULL;
	size_t		 i;

	j->prune_done = 1;
	for (i = 0; i < j->req->n_inputs && err == NULL; i++)
		err = root_check(j->req->inputs[i]);
	if (err != NULL) {
		log_warnx("job %llu: %s", (unsigned long long)j->id, err);
		j->phase = JOB_FAILING;
		j->error = err;
		return;
	}
	memset(&p, 0, sizeof(p));
	p.roots = j->req->inputs;
	p.nroots = j->req->n_inputs;
	p.seen = j->seen;
	if (plan_make(&p) == -1) {
		j->phase = JOB_FAILING;
		j->error = xstrdup("registry: cannot read the sources; "
		    "nothing pruned");
		return;
	}
	if (p.n == 0) {
		free(p.names);
		free(p.paths);
		return;
	}
	log_info("job %llu: pruning %zu documents", (unsigned long long)j->id,
	    p.n);
	r = xmalloc(sizeof(*r));
	kbd__remove_req__init(r);
	r->docs = p.names;
	r->n_docs = p.n;
	po = xmalloc(sizeof(*po));
	po->j = j;
	po->paths = p.paths;
	po->n = p.n;
	j->phase = JOB_PRUNING;
	commitq_push(commitq_op(MSG_C_REMOVE_REQ, &r->base, NULL, prune_done,
	    po));
}

/* The removal is durable: an event per document, then the job ends. */
static void
prune_done(struct commitq_op *o, ProtobufCMessage *pb)
{
	Kbd__RemoveRep	*rep = (Kbd__RemoveRep *)pb;
	struct prune_op	*po = o->arg;
	struct job	*j = po->j;
	struct item	 it;
	size_t		 i;

	j->phase = JOB_ADDING;
	for (i = 0; i < rep->n_results; i++) {
		memset(&it, 0, sizeof(it));
		it.seq = j->win.next_seq + i;
		it.path = i < po->n ? po->paths[i] : (char *)"";
		if (rep->results[i]->status == KBD__FILE_STATUS__FS_REMOVED)
			j->removed++;
		progress_event(j, &it, rep->results[i]);
	}
	if (rep->error[0] != '\0') {
		j->phase = JOB_FAILING;
		xasprintf(&j->error, "prune: %s", rep->error);
	}
	for (i = 0; i < po->n; i++)
		free(po->paths[i]);
	free(po->paths);
	free(po);
	job_pump();
}

/* ---- kbctl roots ---- */

struct forget_op {
	char		 *root;
	Kbd__RemoveRep	 *removed;	/* the remove's answer, if any */
};

static void
roots_reply(struct client *c, Kbd__RootsRep *rep)
{
	size_t	i;

	if (c == NULL)
		return;
	if (dbread_roots_info(rep) == -1) {
		dbread_roots_info_free(rep);
		client_error(c, "cannot read the roots");
		return;
	}
	for (i = 0; i < rep->n_roots; i++)
		rep->roots[i]->watch_limited =
		    watch_limited(rep->roots[i]->path);
	client_send(c, MSG_ROOTS_REP, &rep->base);
	dbread_roots_info_free(rep);
	client_done(c);
}

static void
forget_done(struct commitq_op *o, ProtobufCMessage *pb)
{
	Kbd__RootForgetRep	*fr = (Kbd__RootForgetRep *)pb;
	struct forget_op	*fo = o->arg;
	Kbd__RootsRep		 rep = KBD__ROOTS_REP__INIT;

	if (fo->removed != NULL) {
		rep.removed = fo->removed->results;
		rep.n_removed = fo->removed->n_results;
	}
	rep.error = fr->error;
	if (fr->error[0] == '\0') {
		log_info("root %s forgotten", fo->root);
		watch_reload();
	}
	roots_reply(o->c, &rep);
	if (fo->removed != NULL)
		kbd__remove_rep__free_unpacked(fo->removed, NULL);
	free(fo->root);
	free(fo);
}

static void
forget_send(struct client *c, struct forget_op *fo)
{
	Kbd__RootForgetReq	*r;

	r = xmalloc(sizeof(*r));
	kbd__root_forget_req__init(r);
	r->path = xstrdup(fo->root);
	commitq_push(commitq_op(MSG_C_ROOT_FORGET_REQ, &r->base, c,
	    forget_done, fo));
}

/* The documents only the root held are removed: now forget it. */
static void
forget_removed(struct commitq_op *o, ProtobufCMessage *pb)
{
	struct forget_op	*fo = o->arg;
	Kbd__RemoveRep		*rr = (Kbd__RemoveRep *)pb;
	uint8_t			*buf;
	size_t			 len;

	if (rr->error[0] != '\0') {
		/* Nothing was removed: the root stays. */
		if (o->c != NULL)
			client_error(o->c, "removing the root's documents: %s",
			    rr->error);
		free(fo->root);
		free(fo);
		return;
	}
	/* The dispatcher frees pb: keep a copy for the reply. */
	len = protobuf_c_message_get_packed_size(pb);
	buf = xmalloc(len + 1);
	(void)protobuf_c_message_pack(pb, buf);
	fo->removed = kbd__remove_rep__unpack(NULL, len, buf);
	free(buf);
	forget_send(o->c, fo);
}

/* kbctl watch [--stop]: the flag is recorded, then followed. */
static void
watch_done(struct commitq_op *o, ProtobufCMessage *pb)
{
	Kbd__RootWatchRep	*wr = (Kbd__RootWatchRep *)pb;
	Kbd__RootsRep		 rep = KBD__ROOTS_REP__INIT;

	rep.error = wr->error;
	if (wr->error[0] == '\0')
		watch_reload();
	roots_reply(o->c, &rep);
}

static void
watch_request(struct client *c, const Kbd__RootsReq *q)
{
	Kbd__RootWatchReq	*r;
	struct stat		 st;
	char			**roots;
	size_t			 i, k, n;

	if (dbread_roots(&roots, &n) == -1) {
		client_error(c, "cannot read the roots");
		return;
	}
	for (i = 0; i < q->n_watch; i++) {
		if (q->watch[i][0] != '/') {
			client_error(c, "%s: not an absolute path",
			    q->watch[i]);
			break;
		}
		for (k = 0; k < n; k++)
			if (strcmp(roots[k], q->watch[i]) == 0)
				break;
		/* Stop: a root. Watch: a directory, a root or not yet. */
		if (q->stop && k == n) {
			client_error(c, "%s: not a root of this knowledge base",
			    q->watch[i]);
			break;
		}
		if (!q->stop && stat(q->watch[i], &st) == -1) {
			client_error(c, "%s: %s", q->watch[i],
			    strerror(errno));
			break;
		}
		if (!q->stop && !S_ISDIR(st.st_mode)) {
			client_error(c, "%s: not a directory", q->watch[i]);
			break;
		}
	}
	for (k = 0; k < n; k++)
		free(roots[k]);
	free(roots);
	if (i < q->n_watch)
		return;
	r = xmalloc(sizeof(*r));
	kbd__root_watch_req__init(r);
	r->stop = q->stop;
	r->n_paths = q->n_watch;
	r->paths = xcalloc(q->n_watch, sizeof(char *));
	for (i = 0; i < q->n_watch; i++)
		r->paths[i] = xstrdup(q->watch[i]);
	commitq_push(commitq_op(MSG_C_ROOT_WATCH_REQ, &r->base, c, watch_done,
	    NULL));
}

void
roots_request(struct client *c, const Kbd__RootsReq *q)
{
	Kbd__RootsRep		 rep = KBD__ROOTS_REP__INIT;
	Kbd__RemoveReq		*r;
	struct forget_op	*fo;
	struct plan		 p;
	char			**roots, *root;
	size_t			 i, n;
	int			 known = 0;

	if (q->n_watch > 0) {
		watch_request(c, q);
		return;
	}
	if (q->forget[0] == '\0') {
		rep.error = (char *)"";
		roots_reply(c, &rep);
		return;
	}
	if (dbread_roots(&roots, &n) == -1) {
		client_error(c, "cannot read the roots");
		return;
	}
	for (i = 0; i < n; i++) {
		known |= strcmp(roots[i], q->forget) == 0;
		free(roots[i]);
	}
	free(roots);
	if (!known) {
		client_error(c, "%s: not a root of this knowledge base",
		    q->forget);
		return;
	}
	fo = xcalloc(1, sizeof(*fo));
	fo->root = xstrdup(q->forget);
	if (!q->remove) {
		forget_send(c, fo);
		return;
	}
	/* Its documents that no other root holds, gone or not. */
	memset(&p, 0, sizeof(p));
	root = fo->root;
	p.roots = &root;
	p.nroots = 1;
	p.all = 1;
	if (plan_make(&p) == -1) {
		client_error(c, "cannot read the sources");
		free(fo->root);
		free(fo);
		return;
	}
	for (i = 0; i < p.n; i++)
		free(p.paths[i]);
	free(p.paths);
	if (p.n == 0) {
		free(p.names);
		forget_send(c, fo);
		return;
	}
	r = xmalloc(sizeof(*r));
	kbd__remove_req__init(r);
	r->docs = p.names;
	r->n_docs = p.n;
	commitq_push(commitq_op(MSG_C_REMOVE_REQ, &r->base, c, forget_removed,
	    fo));
}

void
prune_plan(struct client *c, char **roots, size_t nroots, char **moved,
    size_t nmoved, uint64_t *seq, Kbd__JobSummary *s)
{
	Kbd__FileEvent	 ev = KBD__FILE_EVENT__INIT;
	struct plan	 p;
	char		*err = NULL;
	size_t		 i, k;

	for (i = 0; i < nroots && err == NULL; i++)
		err = root_check(roots[i]);
	if (err != NULL) {
		s->state = KBD__JOB_STATE__JOB_FAILED;
		s->error = err;
		return;
	}
	memset(&p, 0, sizeof(p));
	p.roots = roots;
	p.nroots = nroots;
	if (plan_make(&p) == -1) {
		s->state = KBD__JOB_STATE__JOB_FAILED;
		s->error = xstrdup("registry: cannot read the sources");
		return;
	}
	for (i = 0; i < p.n; i++) {
		for (k = 0; k < nmoved; k++)
			if (strcmp(moved[k], p.names[i]) == 0)
				break;
		if (k == nmoved) {
			ev.seq = ++*seq;
			ev.path = p.paths[i];
			ev.status = KBD__FILE_STATUS__FS_REMOVED;
			ev.doc = p.names[i];
			ev.reason = (char *)"dry run: every source gone";
			client_send(c, MSG_FILE_EVENT, &ev.base);
			s->removed++;
		}
		free(p.names[i]);
		free(p.paths[i]);
	}
	free(p.names);
	free(p.paths);
}

/*
 * remove --path: the documents all of whose sources are under one of
 * paths (gone or not). 0 (*names, *n set; xmalloc'ed) or -1.
 */
int
prune_docs_under(char **paths, size_t n, char ***names, size_t *nnames)
{
	struct plan	p;
	size_t		i;

	memset(&p, 0, sizeof(p));
	p.roots = paths;
	p.nroots = n;
	p.all = 1;
	if (plan_make(&p) == -1)
		return -1;
	for (i = 0; i < p.n; i++)
		free(p.paths[i]);
	free(p.paths);
	*names = p.names;
	*nnames = p.n;
	return 0;
}
