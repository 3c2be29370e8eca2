/*
 * The committer's request queue. Requests go to the committer in order
 * and it answers them in order, one at a time, so an answer belongs to the
 * oldest request sent; each request carries its owner's handler for it.
 * When the committer dies, requests it had not answered are sent again to
 * its successor, except a batch (its owner's lost handler decides: its
 * files are converted again, since recovery may have taken their staging
 * files). Requests held (a lint waiting for a quiet KB) join the queue
 * when released.
 */
#include <sys/types.h>

#include <stdlib.h>

#include "log.h"
#include "supervisor.h"
#include "xmalloc.h"

TAILQ_HEAD(oplist, commitq_op);

static struct oplist	 ops = TAILQ_HEAD_INITIALIZER(ops);
static struct oplist	 held = TAILQ_HEAD_INITIALIZER(held);

/* Each request the committer serves, and the answer it gives. */
static const struct {
	uint32_t	req, rep;
} answers[] = {
	{ MSG_JOB_CREATE_REQ,	MSG_JOB_CREATE_REP },
	{ MSG_BATCH_BEGIN,	MSG_BATCH_REP },	/* BEGIN, ITEM*, END */
	{ MSG_JOB_FINISH_REQ,	MSG_JOB_FINISH_REP },
	{ MSG_JOB_CANCEL_REQ,	MSG_JOB_CANCEL_REP },
	{ MSG_C_REMOVE_REQ,	MSG_C_REMOVE_REP },
	{ MSG_C_ROOT_FORGET_REQ, MSG_C_ROOT_FORGET_REP },
	{ MSG_C_ROOT_WATCH_REQ,	MSG_C_ROOT_WATCH_REP },
	{ MSG_C_LINT_REQ,	MSG_C_LINT_REP },
	{ MSG_C_SUMMARY_REQ,	MSG_C_SUMMARY_REP },
};

static uint32_t
answer_to(uint32_t req)
{
	size_t	i;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		if (answers[i].req == req)
			return answers[i].rep;
	return 0;
}

/*
 * A request of type (req, owned by the op from now on) to be answered to
 * done, with the client waiting for it, if any. A batch has no req: its
 * owner sends it and calls commitq_sent.
 */
struct commitq_op *
commitq_op(uint32_t type, ProtobufCMessage *req, struct client *c,
    commitq_done_cb done, void *arg)
{
	struct commitq_op	*o;

	if (answer_to(type) == 0)
		fatalx("%s is not a request to the committer",
		    msg_type_name(type));
	o = xcalloc(1, sizeof(*o));
	o->type = type;
	o->req = req;
	o->c = c;
	o->done = done;
	o->arg = arg;
	return o;
}

static void
op_free(struct commitq_op *o)
{
	if (o->req != NULL)
		protobuf_c_message_free_unpacked(o->req, NULL);
	free(o);
}

void
commitq_push(struct commitq_op *o)
{
	TAILQ_INSERT_TAIL(&ops, o, entry);
	commitq_send();
}

void
commitq_sent(struct commitq_op *o)
{
	o->sent = 1;
	TAILQ_INSERT_TAIL(&ops, o, entry);
}

void
commitq_hold(struct commitq_op *o)
{
	TAILQ_INSERT_TAIL(&held, o, entry);
}

void
commitq_release(void)
{
	struct commitq_op	*o;

	while ((o = TAILQ_FIRST(&held)) != NULL) {
		TAILQ_REMOVE(&held, o, entry);
		TAILQ_INSERT_TAIL(&ops, o, entry);
	}
	commitq_send();
}

/*
 * Nothing but batches waits for the committer: another batch would not
 * jump the queue.
 */
int
commitq_batches_only(void)
{
	struct commitq_op	*o;

	TAILQ_FOREACH(o, &ops, entry)
		if (o->type != MSG_BATCH_BEGIN)
			return 0;
	return 1;
}

/* Send what has not been, if a committer is ready for it. */
void
commitq_send(void)
{
	struct commitq_op	*o;
	struct child		*c;

	if ((c = sup_committer()) == NULL)
		return;
	TAILQ_FOREACH(o, &ops, entry) {
		/* cppcheck-suppress uninitvar */
		if (o->sent)
			continue;
		if (o->req == NULL)
			fatalx("unsent batch in the queue");
		proc_send(c, o->type, o->req, NULL, 0);
		o->sent = 1;
	}
}

/*
 * Each answer of the committer may follow a commit, and a new committer
 * may have rolled a batch back: what the supervisor read of the registry
 * before may be out of date (regdir.c).
 */
static uint64_t	generation;

uint64_t
commitq_generation(void)
{
	return generation;
}

/* An answer from the committer: -1 if it answers no request sent. */
int
commitq_reply(struct msg *m)
{
	struct commitq_op	*o;

	generation++;
	pipeline_read_release();
	if ((o = TAILQ_FIRST(&ops)) == NULL || !o->sent ||
	    answer_to(o->type) != m->type)
		return -1;
	TAILQ_REMOVE(&ops, o, entry);
	o->done(o, m->pb);
	op_free(o);
	return 0;
}

/*
 * Requests the dead committer had not answered go to its successor, as
 * they were; a batch is its owner's to cut again.
 */
void
commitq_committer_died(void)
{
	struct commitq_op	*o, *next;

	generation++;
	pipeline_read_release();
	for (o = TAILQ_FIRST(&ops); o != NULL; o = next) {
		next = TAILQ_NEXT(o, entry);
		o->sent = 0;
		if (o->lost == NULL)
			continue;
		TAILQ_REMOVE(&ops, o, entry);
		o->lost(o);
		op_free(o);
	}
}

/* The request goes on; nobody is told of its answer. */
void
commitq_client_gone(struct client *c)
{
	struct commitq_op	*o;

	TAILQ_FOREACH(o, &ops, entry)
		if (o->c == c)
			o->c = NULL;
	TAILQ_FOREACH(o, &held, entry)
		if (o->c == c)
			o->c = NULL;
}
