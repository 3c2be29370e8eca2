/*
 * Client requests the committer answers itself: remove and lint. They are
 * queued to the committer in order with every other request, and its
 * answer goes back to the client as it is. Lint checks a quiet KB, so it
 * waits until no job is running.
 */
#include <sys/types.h>

#include <stdlib.h>

#include "dbread.h"
#include "supervisor.h"
#include "xmalloc.h"

static void
remove_done(struct commitq_op *o, ProtobufCMessage *rep)
{
	if (o->c != NULL) {
		client_send(o->c, MSG_REMOVE_REP, rep);
		client_done(o->c);
	}
}

static void
lint_done(struct commitq_op *o, ProtobufCMessage *rep)
{
	if (o->c != NULL) {
		client_send(o->c, MSG_LINT_REP, rep);
		client_done(o->c);
	}
}

/*
 * remove --path, --job: the names, from the read-only registry (a job's
 * documents, those all of whose sources are under the paths). NULL, or
 * the error sent.
 */
static int
remove_select(struct client *c, const Kbd__RemoveReq *rq, char ***names,
    size_t *n)
{
	size_t	i;

	for (i = 0; i < rq->n_paths; i++)
		if (rq->paths[i][0] != '/') {
			client_error(c, "%s: not an absolute path",
			    rq->paths[i]);
			return -1;
		}
	if ((rq->job != 0 ? dbread_docs_of_job(rq->job, names, n) :
	    prune_docs_under(rq->paths, rq->n_paths, names, n)) == -1) {
		client_error(c, "cannot read the registry");
		return -1;
	}
	return 0;
}

/* remove --dry-run: what would be removed, as removed, nothing changed. */
static void
remove_plan(struct client *c, char **names, size_t n)
{
	Kbd__RemoveRep	  rep = KBD__REMOVE_REP__INIT;
	Kbd__ItemResult	 *res, **resp;
	size_t		  i;

	res = xcalloc(n ? n : 1, sizeof(*res));
	resp = xcalloc(n ? n : 1, sizeof(*resp));
	for (i = 0; i < n; i++) {
		kbd__item_result__init(&res[i]);
		res[i].seq = i + 1;
		res[i].doc = names[i];
		res[i].status = KBD__FILE_STATUS__FS_REMOVED;
		res[i].reason = (char *)"dry run";
		resp[i] = &res[i];
	}
	rep.results = resp;
	rep.n_results = n;
	rep.error = (char *)"";
	client_send(c, MSG_REMOVE_REP, &rep.base);
	client_done(c);
	free(res);
	free(resp);
}

void
forward_remove(struct client *c, const Kbd__RemoveReq *rq)
{
	Kbd__RemoveReq	*r;
	char		**names = NULL;
	size_t		 i, n;

	if (rq->n_paths > 0 || rq->job != 0) {
		if (remove_select(c, rq, &names, &n) == -1)
			return;
	} else {
		n = rq->n_docs;
		names = xcalloc(n ? n : 1, sizeof(char *));
		for (i = 0; i < n; i++)
			names[i] = xstrdup(rq->docs[i]);
	}
	if (rq->dry_run || (n == 0 && (rq->n_paths > 0 || rq->job != 0))) {
		/* Nothing to remove is no error for a selection. */
		remove_plan(c, names, n);
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return;
	}
	if (n == 0) {
		free(names);
		client_error(c, "nothing to remove");
		return;
	}
	r = xmalloc(sizeof(*r));
	kbd__remove_req__init(r);
	r->n_docs = n;
	r->docs = names;
	if (protobuf_c_message_get_packed_size(&r->base) > MSG_MAX_INTERNAL) {
		kbd__remove_req__free_unpacked(r, NULL);
		client_error(c, "too many documents in one request (%zu)",
		    n);
		return;
	}
	commitq_push(commitq_op(MSG_C_REMOVE_REQ, &r->base, c, remove_done,
	    NULL));
}

void
forward_lint(struct client *c, const Kbd__LintReq *lq)
{
	Kbd__LintReq	*r;

	r = xmalloc(sizeof(*r));
	kbd__lint_req__init(r);
	r->fix = lq->fix;
	commitq_hold(commitq_op(MSG_C_LINT_REQ, &r->base, c, lint_done, NULL));
	/* Released at once if no job is running. */
	job_pump();
}
