/*
 * Recompile jobs (kbctl recompile DOC...|--all|--stale): a job whose
 * files are documents' raw/ copies rather than a walk. It goes through
 * the add pipeline as any job does (pipeline.c: workers prepare and
 * convert each raw file in the sandbox, batches go to the committer,
 * events to followers, cancel, resume); the committer's recompile.c
 * decides each one. What is listed here replaces the walk.
 *
 * Sequence numbers are positions in the job's list: the names given, or
 * the documents (all, or the stale ones) in id order. On resume the
 * first cursor positions are done; for --all and --stale the rest are
 * the documents after the one at the cursor (its history row), so the
 * documents recompiled since (no longer stale) do not shift the list.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dbread.h"
#include "kbpath.h"
#include "log.h"
#include "supervisor.h"
#include "xmalloc.h"

struct recompile {
	char	**names, **exts;	/* ext NULL: no such document */
	size_t	  n, next;
};

static void
listed(void *arg, int64_t id, const char *name, const char *ext)
{
	struct recompile	*rc = arg;

	(void)id;
	rc->names = xreallocarray(rc->names, rc->n + 1, sizeof(char *));
	rc->exts = xreallocarray(rc->exts, rc->n + 1, sizeof(char *));
	rc->names[rc->n] = xstrdup(name);
	rc->exts[rc->n] = xstrdup(ext);
	rc->n++;
}

/* The job's list, when it starts running (or resumes after cursor). */
static struct recompile *
load(struct job *j)
{
	struct recompile	*rc;
	int64_t			 id, after = 0;
	uint64_t		 cursor = j->skip_to;
	size_t			 i, k;
	char			*ext;
	int			 r;

	rc = xcalloc(1, sizeof(*rc));
	if (j->req->recompile == KBD__RECOMPILE_MODE__RECOMPILE_DOCS) {
		for (i = 0; i < j->req->n_docs; i++) {
			for (k = 0; k < i; k++)
				if (strcmp(j->req->docs[k], j->req->docs[i]) ==
				    0)
					break;
			if (k < i)
				continue;	/* named twice: once */
			ext = NULL;
			if (dbread_recompile_doc(j->req->docs[i], &id,
			    &ext) == -1)
				log_warnx("job %llu: registry: cannot look up "
				    "%s", (unsigned long long)j->id,
				    j->req->docs[i]);
			rc->names = xreallocarray(rc->names, rc->n + 1,
			    sizeof(char *));
			rc->exts = xreallocarray(rc->exts, rc->n + 1,
			    sizeof(char *));
			rc->names[rc->n] = xstrdup(j->req->docs[i]);
			rc->exts[rc->n] = ext;
			rc->n++;
		}
		rc->next = cursor < rc->n ? cursor : rc->n;
	} else {
		if (cursor > 0 && (r = dbread_recompile_last(j->id, cursor,
		    &id)) == 1)
			after = id;
		if (dbread_recompile(j->req->recompile ==
		    KBD__RECOMPILE_MODE__RECOMPILE_STALE, after, listed,
		    rc) == -1)
			log_warnx("job %llu: registry: cannot list the "
			    "documents", (unsigned long long)j->id);
	}
	/* The positions done before kbd stopped are not listed again. */
	if (cursor > 0)
		window_skip_to(&j->win, cursor);
	return rc;
}

void
recompile_free(struct recompile *rc)
{
	size_t	i;

	if (rc == NULL)
		return;
	for (i = 0; i < rc->n; i++) {
		free(rc->names[i]);
		free(rc->exts[i]);
	}
	free(rc->names);
	free(rc->exts);
	free(rc);
}

/* One document enters the window: its raw file, to convert again. */
static void
enter(struct job *j, const char *name, const char *ext)
{
	struct item	*it;
	struct stat	 st;
	char		*raw, *path;

	if (ext == NULL) {
		xasprintf(&path, "%s", name);
		it = window_add(&j->win, path);
		it->stem = xstrdup(name);
		it->ext = xstrdup("");
		it->recompile = xstrdup(name);
		item_outcome(it, KBD__FILE_STATUS__FS_FAILED,
		    "no such document");
		return;
	}
	raw = kbpath_raw(name, ext);
	xasprintf(&path, "%s/%s", sup_opts->kbroot, raw);
	free(raw);
	it = window_add(&j->win, path);
	it->stem = xstrdup(name);
	it->ext = xstrdup(ext);
	it->recompile = xstrdup(name);
	if (lstat(path, &st) == -1) {
		item_outcome(it, KBD__FILE_STATUS__FS_FAILED,
		    "raw file: %s (kbctl lint)", strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		item_outcome(it, KBD__FILE_STATUS__FS_FAILED,
		    "raw file: not a regular file (kbctl lint)");
		return;
	}
	it->dev = (uint64_t)st.st_dev;
	it->ino = (uint64_t)st.st_ino;
	it->size = (uint64_t)st.st_size;
	it->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    st.st_mtim.tv_nsec;
}

void
recompile_fill(struct job *j)
{
	struct recompile	*rc;

	if (j->recompile == NULL)
		j->recompile = load(j);
	rc = j->recompile;
	while (!j->walk_done && !window_full(&j->win)) {
		if (rc->next == rc->n) {
			j->walk_done = 1;
			walk_free(&j->walk);
			break;
		}
		enter(j, rc->names[rc->next], rc->exts[rc->next]);
		rc->next++;
	}
}

/*
 * The job's record for a recompile request, or NULL with the client
 * answered: names are checked now, so a typo is an error, not a job.
 */
Kbd__JobCreateReq *
recompile_job_req(struct client *c, const Kbd__AddReq *a)
{
	Kbd__JobCreateReq	*r;
	int64_t			 id;
	char			*ext;
	size_t			 i;

	if (a->recompile == KBD__RECOMPILE_MODE__RECOMPILE_DOCS &&
	    a->n_docs == 0) {
		client_error(c, "nothing to recompile");
		return NULL;
	}
	for (i = 0; i < a->n_docs; i++) {
		switch (dbread_recompile_doc(a->docs[i], &id, &ext)) {
		case 1:
			free(ext);
			continue;
		case 0:
			client_error(c, "%s: no such document", a->docs[i]);
			return NULL;
		default:
			client_error(c, "registry: cannot look up %s",
			    a->docs[i]);
			return NULL;
		}
	}
	r = xmalloc(sizeof(*r));
	kbd__job_create_req__init(r);
	r->recompile = a->recompile;
	if (a->n_docs > 0) {
		r->n_docs = a->n_docs;
		r->docs = xcalloc(a->n_docs, sizeof(char *));
		for (i = 0; i < a->n_docs; i++)
			r->docs[i] = xstrdup(a->docs[i]);
	}
	return r;
}
