/*
 * What the supervisor's files share, one section per file. Everything here
 * runs in the supervisor process, on one libevent loop. The job window
 * (window.h) and the walk (walk.h) have headers of their own: they are
 * plain data structures, used without the loop.
 */
#ifndef KBD_SUPERVISOR_H
#define KBD_SUPERVISOR_H

#include <sys/types.h>
#include <sys/queue.h>
#include <stdint.h>

#include <event2/event.h>

#include "chan.h"
#include "kbd.h"
#include "kbd.pb-c.h"
#include "walk.h"
#include "window.h"

struct client;

/* supervisor.c: the process, its signals, the committer's life */

/*
 * The committer as the rest of the supervisor sees it. Before the first
 * one is ready nothing can be read (a new KB has no registry yet), so
 * client handshakes wait; after that, a committer that dies is restarted
 * and requests wait for its successor.
 */
enum committer_state {
	COMMITTER_STARTING,	/* none has been ready yet */
	COMMITTER_READY,	/* requests go out */
	COMMITTER_DOWN,		/* one was ready; it is gone or restarting */
	COMMITTER_NONE		/* read-only media: queries only, never one */
};

extern struct event_base	*sup_base;
extern const struct kbd_opts	*sup_opts;
enum committer_state	 sup_committer_state(void);
struct child		*sup_committer(void);	/* if ready, else NULL */
int			 sup_stopping_p(void);
void			 sup_shutdown(const char *why);

/* proc.c: children, generic */

struct child;
/* Each message but LOG, then NULL once the channel is closed. */
typedef void	(*proc_dispatch_cb)(struct child *, struct msg *, void *arg);
/* Reaped and closed: the child is freed when this returns. */
typedef void	(*proc_gone_cb)(struct child *, int status, void *arg);

struct child {
	TAILQ_ENTRY(child)	 entry;
	const char		*role;		/* "worker", "committer" */
	pid_t			 pid;
	struct chan		 chan;
	struct event		*rev, *wev;
	int			 reaped, closed, status;
	int			 termed;	/* we sent it SIGTERM */
	proc_dispatch_cb	 dispatch;
	proc_gone_cb		 gone;
	void			*arg;
};
TAILQ_HEAD(childlist, child);

void		 proc_init(struct event_base *, void (*all_gone)(void),
		    const char *kbroot);
/* kbd -X ROLE ARGS... (args NULL-terminated) */
struct child	*proc_spawn(const char *role, const char *const *args,
		    proc_dispatch_cb, proc_gone_cb, void *arg);
void		 proc_send(struct child *, uint32_t type,
		    const ProtobufCMessage *, const int *fds, int nfds);
void		 proc_queue(struct child *, uint32_t type,
		    const ProtobufCMessage *);
void		 proc_kill(struct child *, int sig);
void		 proc_kill_all(int sig);
void		 proc_eof(struct child *);
void		 proc_reap(void);
int		 proc_any(void);

/* pool.c: the worker processes and the requests they serve */

/* Every file a worker takes comes back through one of these. */
typedef void	(*pool_reply_cb)(struct item *, struct msg *);
/* A worker died (and was replaced): the file it held, or NULL. */
typedef void	(*pool_lost_cb)(struct item *, const char *reason);

void	 pool_init(pool_reply_cb, pool_lost_cb);
void	 pool_grow(unsigned n);
int	 pool_give(struct item *, uint64_t job, uint64_t max_size);
void	 pool_stop(void);

/* commitq.c: requests to the committer, answered in order */

struct commitq_op;
struct seen;
typedef void	(*commitq_done_cb)(struct commitq_op *, ProtobufCMessage *);

struct commitq_op {
	TAILQ_ENTRY(commitq_op)	 entry;
	uint32_t		 type;		/* the request */
	ProtobufCMessage	*req;		/* freed with the op */
	struct client		*c;		/* to answer; NULL once gone */
	void			*arg;		/* the owner's */
	commitq_done_cb		 done;		/* the committer's answer */
	/* A request that cannot simply be sent again (a batch). */
	void			(*lost)(struct commitq_op *);
	int			 sent;
};

struct commitq_op *commitq_op(uint32_t type, ProtobufCMessage *req,
	    struct client *, commitq_done_cb, void *arg);
void	 commitq_push(struct commitq_op *);	/* send in turn */
void	 commitq_sent(struct commitq_op *);	/* sent by its owner */
void	 commitq_hold(struct commitq_op *);	/* until commitq_release */
void	 commitq_release(void);
int	 commitq_batches_only(void);
void	 commitq_send(void);
int	 commitq_reply(struct msg *);		/* -1: out of turn */
/* Bumped at each answer and death of the committer: the registry may differ. */
uint64_t commitq_generation(void);

/*
 * regdir.c: is the path unchanged since added (dbread_source_unchanged)?
 * If so (1), *id is its source row's id (0 if not known); 2: the path is
 * no source; 0: changed, or not known which; -1: the registry failed.
 */
int	 regdir_unchanged(const char *path, uint64_t dev, uint64_t ino,
	    uint64_t size, int64_t mtime_ns, char *name, size_t len,
	    int64_t *id);
void	 regdir_free(void);
void	 commitq_committer_died(void);
void	 commitq_client_gone(struct client *);

/* job.c: jobs, run one at a time in id order */

struct follower {
	TAILQ_ENTRY(follower)	 entry;
	struct client		*c;
	int			 progress;	/* Kbd__ProgressLevel */
	int64_t			 last_ms;	/* last PROGRESS sent */
	int			 need_full;	/* missed one: send every slot */
	int			 changes_only;	/* AddReq.changes_only */
};
TAILQ_HEAD(followerlist, follower);

/* Where a job is heading; a later phase wins over an earlier one. */
enum job_phase {
	JOB_ADDING,		/* walks and adds its files */
	JOB_CANCELLING,		/* cancelled by a client: no new files */
	JOB_FAILING,		/* a batch failed (error): no new files */
	JOB_PRUNING,		/* its prune's remove is at the committer */
	JOB_FINISHING		/* its finalize request is at the committer */
};

struct job {
	TAILQ_ENTRY(job)	 entry;
	uint64_t		 id;
	Kbd__JobCreateReq	*req;
	struct walk		 walk;
	int			 walk_done;
	uint64_t		 skip_to;	/* resumed: committed before */
	struct window		 win;
	enum job_phase		 phase;
	char			*error;		/* JOB_FAILING: the batch's */
	int			 cancel_recorded; /* in the job's row */
	int			 prune_done;	/* prune.c ran (req->prune) */
	struct seen		*seen;		/* prune.c: sources walked */
	uint64_t		 removed;	/* documents it pruned */
	struct recompile	*recompile;	/* recompile.c: its list */
	/* pipeline.c: files converted direct, duplicates among them */
	uint64_t		 direct_n, direct_dup;
	int			 direct_off;	/* too many: hashed first */
	/* progress.c */
	struct followerlist	 followers;
	uint64_t		 sent_done, sent_total;
	int			 sent_final;
	struct event		*progress_ev;
};

void	 job_init(void);
struct job *job_running(void);
void	 job_pump(void);
void	 job_resume(void);
void	 job_add_request(struct client *, const Kbd__AddReq *);
/* status: with files, the request goes on (the job, or 0 if answered). */
uint64_t job_status_request(struct client *, uint64_t job, int files);
void	 job_wait_request(struct client *, const Kbd__WaitReq *);
void	 job_cancel_request(struct client *, uint64_t job);
void	 job_queued_states(Kbd__JobsRep *);
void	 job_client_gone(struct client *);
void	 job_stopped(void);

/* A sync of roots, as kbctl sync ROOT..., unless one is already queued. */
void	 job_sync_roots(char *const *roots, size_t n);

/* watch.c: watched roots followed with inotify */

void	 watch_init(void);
void	 watch_reload(void);
unsigned watch_count(void);
int	 watch_limited(const char *root);

/* recompile.c: a recompile job's documents, in place of a walk */

struct recompile;
Kbd__JobCreateReq *recompile_job_req(struct client *, const Kbd__AddReq *);
void	 recompile_fill(struct job *);
void	 recompile_free(struct recompile *);

/* pipeline.c: the running job's files, from the walk to their events */

void	 pipeline_init(struct job *);
void	 pipeline_step(struct job *);
void	 pipeline_cancel(struct job *);
void	 pipeline_worker_reply(struct job *, struct item *, struct msg *);
void	 pipeline_worker_lost(struct job *, struct item *, const char *);
/* Ends the duplicate checks' read transaction, if one is held. */
void	 pipeline_read_release(void);

/* prune.c: the end of a sync, once its files are committed */

void	 prune_start(struct job *);
/* The walk of a pruning job found source id there (seen_free frees). */
void	 prune_seen(struct job *, int64_t id);
void	 seen_free(struct seen *);
void	 roots_request(struct client *, const Kbd__RootsReq *);
int	 prune_docs_under(char **paths, size_t n, char ***names,
	    size_t *nnames);
/* A dry run's prune: removed events (not of moved), s's count or error. */
void	 prune_plan(struct client *, char **roots, size_t nroots,
	    char **moved, size_t nmoved, uint64_t *seq, Kbd__JobSummary *s);
/* dryrun.c: add or sync --dry-run, answered at once. */
void	 dryrun_request(struct client *, const Kbd__AddReq *);

/* progress.c: what a job's followers are told */

void	 progress_init(struct job *);
void	 progress_free(struct job *);
void	 progress_follow(struct job *, struct client *, int progress,
	    int changes_only);
void	 progress_client_gone(struct job *, struct client *);
void	 progress_schedule(struct job *);
void	 progress_event(struct job *, struct item *, const Kbd__ItemResult *);
void	 progress_summary(struct job *, const Kbd__JobSummary *);
void	 progress_stopped(struct job *);

/* forward.c: remove and lint, answered by the committer */

void	 forward_remove(struct client *, const Kbd__RemoveReq *);
void	 forward_lint(struct client *, const Kbd__LintReq *);

/* summarize.c: the optional summarizer (kbd.conf's summarizer) */

/* Whether a summarizer is configured; whether it has work left. */
int	 summarize_enabled(void);
int	 summarize_busy(void);
/* A document committed (added or updated) with raw bytes of hash. */
void	 summarize_doc(const char *doc, const uint8_t hash[32]);
/* proc.c: a reaped pid that is no child of its: 1 if it was ours. */
int	 summarize_reaped(pid_t, int status);
void	 summarize_stop(void);

/* search.c: queries on reader threads, off the loop */

/* Queries queued or running at once; more wait unread at their clients. */
#define SEARCH_SLOTS	64
/*
 * A reply, on the loop: rc 0 the hits, 1 a malformed query, -1 the
 * registry failed (err says why). The callee may take rep's contents.
 */
typedef void	(*search_reply_cb)(uint64_t client, Kbd__SearchRep *rep,
		    int rc, const char *err);
void		 search_init(const char *kbroot, search_reply_cb);
/* 0 queued, -1 no free slot. */
int		 search_submit(uint64_t client, const Kbd__SearchReq *);
unsigned	 search_slots_free(void);
void		 search_shutdown(void);

/* listen.c: the control socket's listener */

void	 listen_init(const char *kbroot);
void	 listen_close(void);

/* control.c: the control socket's clients */

void	 control_client_new(int fd);	/* a peer accepted, uid checked */
void	 control_cleanup(void);		/* listen_close, the clients dropped */
void	 control_resume_waiting(void);
void	 control_fail_waiting(const char *why);
/* http.c: kbd --listen (MCP over Streamable HTTP). */
int	 http_init(const char *listen, const char *kbroot, char *err,
	    size_t errlen);
void	 http_cleanup(void);

/* Clients connected now; *last_ms: when one last came or went (mono_ms). */
unsigned control_clients(int64_t *last_ms);
void	 client_send(struct client *, uint32_t type, const ProtobufCMessage *);
int	 client_send_advisory(struct client *, uint32_t type,
	    const ProtobufCMessage *);
void	 client_error(struct client *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 client_done(struct client *);	/* request answered, read the next */
/* search.c's replies, and its slots freed: wake clients waiting for one. */
void	 control_search_reply(uint64_t client, Kbd__SearchRep *, int rc,
	    const char *err);
void	 control_search_slots(void);

#endif /* KBD_SUPERVISOR_H */
