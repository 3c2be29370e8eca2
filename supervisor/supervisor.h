/*
 * State shared by the supervisor's files: children (proc.c), clients
 * (control.c), jobs (job.c) and the read-only registry queries (query.c).
 * Everything here runs in the supervisor process, on one libevent loop.
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

struct item;
struct job;
struct client;

enum child_role {
	ROLE_WORKER,
	ROLE_COMMITTER
};

struct child {
	TAILQ_ENTRY(child)	 entry;
	TAILQ_ENTRY(child)	 entry_idle;	/* job.c: idle workers */
	enum child_role		 role;
	pid_t			 pid;
	struct chan		 chan;
	struct event		*rev, *wev;
	struct event		*timer;		/* worker watchdog */
	int			 reaped, closed, status;
	int			 timed_out;
	int			 busy;		/* worker: has a request */
	int			 idle;		/* worker: on job.c's idle list */
	struct item		*item;		/* worker: request in flight */
	struct timespec		 started;
};
TAILQ_HEAD(childlist, child);

/* supervisor.c */
extern struct event_base	*sup_base;
extern const struct kbd_opts	*sup_opts;
extern int			 sup_committer_ready;
void	 sup_shutdown(const char *why);
void	 sup_committer_gone(void);
void	 sup_committer_up(void);
void	 sup_child_released(void);
int	 sup_stopping_p(void);

/* proc.c */
struct child	*proc_spawn(enum child_role);
void		 proc_send(struct child *, uint32_t type,
		    const ProtobufCMessage *, const int *fds, int nfds);
void		 proc_reap(void);
void		 proc_kill_all(int sig);
int		 proc_count(enum child_role);
void		 proc_dispatch_worker(struct child *, struct msg *);
void		 proc_dispatch_committer(struct child *, struct msg *);
extern struct childlist	 proc_children;
extern struct child	*proc_committer;

/* control.c */
void	 control_init(const char *kbroot);
void	 control_cleanup(void);
void	 control_resume_waiting(void);
void	 control_fail_waiting(const char *why);
void	 client_send(struct client *, uint32_t type, const ProtobufCMessage *);
int	 client_send_advisory(struct client *, uint32_t type,
	    const ProtobufCMessage *);
void	 client_error(struct client *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 client_done(struct client *);	/* request answered, read the next */

/* job.c */
void	 job_add_request(struct client *, const Kbd__AddReq *);
void	 job_status_request(struct client *, uint64_t job);
void	 job_wait_request(struct client *, const Kbd__WaitReq *);
void	 job_client_gone(struct client *);
void	 job_worker_reply(struct child *, struct msg *);
void	 job_worker_died(struct child *, const char *reason);
void	 job_committer_msg(struct msg *);
void	 job_committer_died(void);
void	 job_committer_ready(void);
void	 job_remove_request(struct client *, const Kbd__RemoveReq *);
void	 job_lint_request(struct client *, const Kbd__LintReq *);
void	 job_cancel_request(struct client *, uint64_t job);
void	 job_queued_states(Kbd__JobsRep *);

/* query.c: read-only registry access */
int	 query_open(const char *kbroot);
void	 query_close(void);
int	 query_doc_by_hash(const uint8_t *hash, char *name, size_t len);
int	 query_doc_by_stat(uint64_t dev, uint64_t ino, uint64_t size,
	    int64_t mtime_ns, char *name, size_t len);
int	 query_job(uint64_t job, Kbd__JobSummary *out);	/* 0 ok, 1 none, -1 err */
uint64_t query_newest_job(void);
int	 query_jobs(unsigned limit, Kbd__JobsRep *rep);
void	 query_jobs_free(Kbd__JobsRep *rep);
int	 query_unfinished_jobs(uint64_t **ids, size_t *n);
int	 query_job_request(uint64_t job, Kbd__JobCreateReq **req);
int	 query_job_cancelled(uint64_t job);		/* 1 yes, 0 no, -1 err */
int	 query_search(const char *q, unsigned limit, Kbd__SearchRep *rep,
	    char *err, size_t errlen);
void	 query_search_free(Kbd__SearchRep *rep);
/* List in id order after *after; fills up to max docs; 0 ok, -1 error. */
int	 query_list(int64_t *after, unsigned max, Kbd__ListChunk *chunk);
void	 query_list_free(Kbd__ListChunk *chunk);

#endif /* KBD_SUPERVISOR_H */
