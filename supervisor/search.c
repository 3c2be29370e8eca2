/*
 * Searches off the loop: a few reader threads, each with its own
 * read-only SQLite connection (dbread_conn_open; WAL lets them read while
 * the committer writes), take queries from a bounded queue and hand the
 * replies back through an eventfd that the loop watches. Only the loop
 * touches libevent and clients; the threads touch their connection, the
 * job they hold and the two lists under the mutex.
 *
 * A job names its client by id, not by pointer: a client that goes away
 * while its query runs is looked up when the reply arrives, not found, and
 * the reply is freed. At most SEARCH_SLOTS queries are queued or running;
 * when every slot is taken, control.c leaves further search requests
 * unread in their clients' input buffers (search_slots_free), so memory does
 * not grow with the number of clients waiting.
 *
 * Two pools of readers: a query submitted while no job runs goes to the
 * foreground pool (nice 0); one submitted while a job runs goes to the
 * background pool, whose threads set their own nice value to SEARCH_NICE
 * once, at their start (setpriority on the thread id). By default that is
 * 0 too: searches are what people wait for, and the job yields instead
 * (its conversion workers run at nice 5, workers/worker/worker.c), which
 * on 2 cores kept both the searches' p99 and the add's speed. A higher
 * value (KBD_SEARCH_NICE) lets the job's committer and supervisor take
 * the CPU from the searches. Two pools rather than one renice: an
 * unprivileged thread cannot lower its nice value back (RLIMIT_NICE is
 * 0), so a thread's priority never changes.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbread.h"
#include "log.h"
#include "supervisor.h"
#include "xmalloc.h"

#define SEARCH_THREADS_MAX	8
/* The background pool's nice value (KBD_SEARCH_NICE overrides, 0-19). */
#define SEARCH_NICE		0

enum pool {
	POOL_FG,		/* no job running: nice 0 */
	POOL_BG,		/* a job running: SEARCH_NICE */
	POOL_N
};

struct search_job {
	struct search_job	*next;
	uint64_t		 client;
	char			*query;
	unsigned		 limit, offset;
	/* The thread's answer. */
	Kbd__SearchRep		 rep;
	int			 rc;		/* dbread_search's */
	char			 err[256];
};

struct reader {
	pthread_t		 tid;
	struct dbread_conn	*conn;
	enum pool		 pool;
};

/* A pool's queue of queries not started. */
struct queue {
	pthread_cond_t		 cond;
	struct search_job	*todo, **todo_tail;
};

static pthread_mutex_t		 mtx = PTHREAD_MUTEX_INITIALIZER;
static struct queue		 queues[POOL_N] = {
	{ PTHREAD_COND_INITIALIZER, NULL, &queues[POOL_FG].todo },
	{ PTHREAD_COND_INITIALIZER, NULL, &queues[POOL_BG].todo },
};
static struct search_job	*done, **done_tail = &done;
static int			 stopping;
static int			 bg_nice = SEARCH_NICE;
/* Loop only: jobs queued, running or with a reply not yet delivered. */
static unsigned			 inflight;
static struct reader		 readers[POOL_N * SEARCH_THREADS_MAX];
static unsigned			 nreaders;
static int			 efd = -1;
static struct event		*eev;
static search_reply_cb		 reply_cb;

static void *
reader_main(void *arg)
{
	struct reader		*r = arg;
	struct queue		*q = &queues[r->pool];
	struct search_job	*j;
	uint64_t		 one = 1;
	int			 wake;

	/*
	 * Raising one's own nice value needs no privilege; if it fails all
	 * the same, the pool still answers, at the normal priority.
	 */
	if (r->pool == POOL_BG && bg_nice > 0)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), bg_nice);
	for (;;) {
		pthread_mutex_lock(&mtx);
		while (q->todo == NULL && !stopping)
			pthread_cond_wait(&q->cond, &mtx);
		if (stopping) {
			pthread_mutex_unlock(&mtx);
			return NULL;
		}
		j = q->todo;
		if ((q->todo = j->next) == NULL)
			q->todo_tail = &q->todo;
		pthread_mutex_unlock(&mtx);

		j->rc = dbread_search(r->conn, j->query, j->limit, j->offset,
		    &j->rep, j->err, sizeof(j->err));

		pthread_mutex_lock(&mtx);
		wake = done == NULL;
		j->next = NULL;
		*done_tail = j;
		done_tail = &j->next;
		pthread_mutex_unlock(&mtx);
		/*
		 * Only the reply that finds the list empty wakes the loop:
		 * the loop takes the whole list after each wake, so later
		 * ones ride along (a system call a search fewer under load).
		 * A full counter (never, in practice) still wakes it.
		 */
		if (wake)
			(void)!write(efd, &one, sizeof(one));
	}
}

static void
job_free(struct search_job *j)
{
	dbread_search_free(&j->rep);
	free(j->query);
	free(j);
}

/* Replies are in: deliver each (or drop it), then free the slots. */
static void
search_ready(evutil_socket_t fd, short ev, void *arg)
{
	struct search_job	*list, *j;
	uint64_t		 n;

	(void)ev;
	(void)arg;
	(void)!read(fd, &n, sizeof(n));
	pthread_mutex_lock(&mtx);
	list = done;
	done = NULL;
	done_tail = &done;
	pthread_mutex_unlock(&mtx);
	while ((j = list) != NULL) {
		list = j->next;
		inflight--;
		reply_cb(j->client, &j->rep, j->rc, j->err);
		job_free(j);
	}
	control_search_slots();
}

/*
 * A pool's threads: in the foreground pool one per core, 2 to
 * SEARCH_THREADS_MAX; in the background pool twice that. While a job
 * runs, the readers share kbd's scheduling group (its autogroup) with the
 * committer and the supervisor, and the scheduler shares a contended core
 * by runnable thread: when searches queue, four readers take a larger
 * part of it than two, and idle readers take none. Under 1,000 paced
 * clients during a 5,000-file add on 2 cores, five runs each: p99 15 ms
 * mean with four, 37 ms with two; six did no better than four.
 * KBD_SEARCH_THREADS (for tests and benchmarks) sets both.
 */
static unsigned
search_nthreads(enum pool p)
{
	const char	*e = getenv("KBD_SEARCH_THREADS");
	long		 n;

	if (e != NULL && (n = strtol(e, NULL, 10)) >= 1 &&
	    n <= SEARCH_THREADS_MAX)
		return (unsigned)n;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 2)
		n = 2;
	if (p == POOL_BG)
		n *= 2;
	return n > SEARCH_THREADS_MAX ? SEARCH_THREADS_MAX : (unsigned)n;
}

void
search_init(const char *kbroot, search_reply_cb cb)
{
	unsigned	i, nfg = search_nthreads(POOL_FG);
	unsigned	nbg = search_nthreads(POOL_BG);
	const char	*e_nice = getenv("KBD_SEARCH_NICE");
	long		 v;
	int		e;

	reply_cb = cb;
	if (e_nice != NULL && (v = strtol(e_nice, NULL, 10)) >= 0 && v <= 19)
		bg_nice = (int)v;
	if ((efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("eventfd");
	eev = event_new(sup_base, efd, EV_READ | EV_PERSIST, search_ready,
	    NULL);
	if (eev == NULL || event_add(eev, NULL) == -1)
		fatalx("search event");
	/* Connections open here, on the loop's thread, where errors log. */
	for (i = 0; i < nfg + nbg; i++) {
		readers[i].pool = i < nfg ? POOL_FG : POOL_BG;
		if ((readers[i].conn = dbread_conn_open(kbroot)) == NULL)
			fatalx("cannot open the registry for searching");
		if ((e = pthread_create(&readers[i].tid, NULL, reader_main,
		    &readers[i])) != 0) {
			errno = e;
			fatal("pthread_create");
		}
		nreaders++;
	}
	log_debug("%u search threads, %u more for searches during a job at "
	    "nice %d", nfg, nbg, bg_nice);
}

unsigned
search_slots_free(void)
{
	return inflight >= SEARCH_SLOTS ? 0 : SEARCH_SLOTS - inflight;
}

int
search_submit(uint64_t client, const Kbd__SearchReq *req)
{
	struct search_job	*j;
	struct queue		*q;

	if (nreaders == 0 || search_slots_free() == 0)
		return -1;
	q = &queues[job_running() != NULL ? POOL_BG : POOL_FG];
	j = xcalloc(1, sizeof(*j));
	kbd__search_rep__init(&j->rep);
	j->client = client;
	j->query = xstrdup(req->query);
	j->limit = req->limit == 0 ? 10 : req->limit > 10000 ? 10000 :
	    req->limit;
	j->offset = req->offset;
	inflight++;
	pthread_mutex_lock(&mtx);
	*q->todo_tail = j;
	q->todo_tail = &j->next;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&mtx);
	return 0;
}

/* Queries not started are dropped; running ones finish first. */
void
search_shutdown(void)
{
	struct search_job	*j;
	unsigned		 i, p;

	if (nreaders == 0)
		return;
	pthread_mutex_lock(&mtx);
	stopping = 1;
	for (p = 0; p < POOL_N; p++)
		pthread_cond_broadcast(&queues[p].cond);
	pthread_mutex_unlock(&mtx);
	for (i = 0; i < nreaders; i++) {
		pthread_join(readers[i].tid, NULL);
		dbread_conn_close(readers[i].conn);
	}
	nreaders = 0;
	for (p = 0; p < POOL_N; p++) {
		while ((j = queues[p].todo) != NULL) {
			queues[p].todo = j->next;
			job_free(j);
		}
		queues[p].todo_tail = &queues[p].todo;
	}
	while ((j = done) != NULL) {
		done = j->next;
		job_free(j);
	}
	done_tail = &done;
	event_free(eev);
	eev = NULL;
	close(efd);
	efd = -1;
}
