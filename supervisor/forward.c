/*
 * Client requests the committer answers itself: remove and lint. They are
 * queued to the committer in order with every other request, and its
 * answer goes back to the client as it is. Lint checks a quiet KB, so it
 * waits until no job is running.
 */
#include <sys/types.h>

#include <stdlib.h>

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

void
forward_remove(struct client *c, const Kbd__RemoveReq *rq)
{
	Kbd__RemoveReq	*r;
	size_t		 i;

	if (rq->n_docs == 0) {
		client_error(c, "nothing to remove");
		return;
	}
	r = xmalloc(sizeof(*r));
	kbd__remove_req__init(r);
	r->n_docs = rq->n_docs;
	r->docs = xcalloc(rq->n_docs, sizeof(char *));
	for (i = 0; i < rq->n_docs; i++)
		r->docs[i] = xstrdup(rq->docs[i]);
	if (protobuf_c_message_get_packed_size(&r->base) > MSG_MAX_INTERNAL) {
		kbd__remove_req__free_unpacked(r, NULL);
		client_error(c, "too many documents in one request (%zu)",
		    rq->n_docs);
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
