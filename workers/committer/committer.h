/*
 * What the committer's files share; private to workers/committer.
 *
 *	committer.c	the process: lock, recovery, its one state and the
 *			dispatch table of the supervisor's requests
 *	commit.c	the commit point every mutation ends with
 *	batch.c		batches: dedup and naming decisions, publish, the
 *			job's counters and cursor
 *	publish.c	a batch's files put in place, on a thread of
 *			their own beside the batch's rows (item.h)
 *	sources.c	what a batch item does to the registry's sources:
 *			update in place, move, a new source (item.h)
 *	jobrow.c	job rows: create, finish, cancel
 *	remove.c	removing documents
 *	lint.c		lint
 *	lintfix.c	lint --fix
 *	indexw.c	the index pages written incrementally; lint's side
 *	reindex.c	the full-text index rebuilt after a schema migration
 *	summary.c	descriptions from the summarizer
 *	conceptw.c	a mutation's concepts: registry, pages, summaries
 *	conceptflush.c	the concept pages batches left pending, written
 *	compact.c	the full-text index merged after enough changes
 *
 * Every mutation follows the commit protocol (docs/crash-safety.md):
 * track each live path in a journal, activate it, publish, fsync the
 * directories once, then one SQLite transaction whose COMMIT, with the
 * journal's commit record, is the commit point; then discard the journal.
 * Any error before COMMIT rolls the journal back. A failed fsync is fatal
 * and never retried: the next committer's recovery puts the KB back in a
 * committed state.
 */
#ifndef KBD_COMMITTER_H
#define KBD_COMMITTER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "chan.h"
#include "kbd.pb-c.h"
#include "kbpath.h"

struct journal;
struct wiki_doc;

/* The live directories: made at start, fsynced before each commit point. */
#define LIVE_DIRS	{ KB_RAW, KB_WIKI, KB_SOURCES, KB_SUMMARIES, \
			  KB_INDEX_DIR, KB_INDEX_TYPES, KB_INDEX_FOLDERS, \
			  KB_CONCEPTS }

/*
 * committer.c. The committer's one state says which messages the
 * supervisor may send now (the dispatch table): a batch arrives as
 * BATCH_BEGIN, its items, BATCH_END; every other request is one message
 * answered at once.
 */
enum committer_state {
	CS_IDLE,		/* between requests */
	CS_BATCH_ITEMS,		/* inside a batch: items to come */
	CS_BATCH_END,		/* every item in: BATCH_END to come */
};

/*
 * The start once .kb/lock is held, in the KB root (the working
 * directory): state directories, the registry, recovery of journals, the
 * live tree. Fatal on any error.
 */
void	 committer_open(unsigned *rolled_back, unsigned *finalized);
/*
 * reindex.c: the full-text rebuild a migration asked for, fatal on error.
 * reindex_start makes or finds its job row (1: a rebuild to run, 0:
 * none); reindex_step indexes one slice in one transaction and returns 1
 * while documents remain, 0 once the job is done; reindex_running says
 * whether a rebuild is under way; reindex_pause, the milliseconds to
 * wait for a request between slices (0; KBD_REINDEX_SLICE in tests).
 */
int	 reindex_start(void);
int	 reindex_step(void);
int	 reindex_running(void);
int	 reindex_pause(void);
/*
 * wiki/AGENTS.md, derived from the registry's document count and not
 * journaled: with check, compared with the file and rewritten if it
 * differs or is missing (start-up, lint --fix); without, rewritten only
 * when the count changed since the last write (after a batch or a
 * removal). 1 written, 0 current, -1 error (logged).
 */
int	 agents_refresh(int check);
/* Serve one message from the supervisor; fatal if not allowed now. */
void	 committer_dispatch(struct msg *);
void	 committer_send(uint32_t type, const ProtobufCMessage *);
/* A one-line error message, xmalloc'ed. */
char	*errf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*verrf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/* stages.c: the committer's time by stage of a job's batches. */
enum stage {
	ST_DECIDE, ST_PLANS, ST_ROWS, ST_PUBWAIT, ST_CONCEPTS, ST_LINKS,
	ST_INDEX, ST_SYNC, ST_COMMIT, ST_JOURNAL, ST_ANSWER, ST_RECV, ST_FLUSH,
	ST_WAIT, ST_PUBLISH,
	ST_N
};
void	 stage_end(enum stage);
/* Time spent off the committer's thread (ST_PUBLISH): not in the sum. */
void	 stage_add(enum stage, int64_t ns);
void	 stage_batch(void);
void	 stage_log(uint64_t job);

/* commit.c */
void	 commit_init(void);
void	 commit_published(const char *path);
char	*commit_activate(struct journal *);
char	*commit_activate_keep(struct journal *);
char	*commit_journal_err(const struct journal *);
void	 commit_rollback(struct journal *);
void	 commit_sync(const char *point);
char	*transaction_end(struct journal *, uint64_t job, int64_t now,
	    const char *point, char *err);
char	*journal_end(struct journal *, const char *committed, char *err);

/*
 * batch.c. batch_begin and batch_item return how many items are still to
 * come; batch_end decides and commits the batch and returns its reply
 * (batch_rep_free). No channel: the unit test drives them directly.
 */
uint32_t	 batch_begin(const Kbd__BatchBegin *);
uint32_t	 batch_item(const Kbd__BatchItem *);
Kbd__BatchRep	*batch_end(const Kbd__BatchEnd *);
void		 batch_rep_free(Kbd__BatchRep *);
/* Whether a registry document's raw file is named file: 1, 0, -1. */
int		 raw_file_owned(const char *file);

/* jobrow.c */
void	 jobrow_create(const Kbd__JobCreateReq *);
void	 jobrow_finish(const Kbd__JobFinishReq *);
void	 jobrow_cancel(const Kbd__JobCancelReq *);
/* A root forgotten (kbctl roots --forget): its row, in a transaction. */
void	 jobrow_root_forget(const Kbd__RootForgetReq *);
void	 jobrow_root_watch(const Kbd__RootWatchReq *);

/*
 * conceptw.c: a mutation's concept changes. Documents it adds or
 * replaces (old: the replaced id, or 0; their candidate terms, copied)
 * and drops; plan before the journal (the KB's document count
 * after it), track the pages, apply in the open transaction after the
 * documents' rows (pages written and made durable).
 */
struct concept_term;
struct conceptw;
struct conceptw	*conceptw_new(void);
void	 conceptw_add(struct conceptw *, const char *name, int64_t old,
	    const struct concept_term *, size_t nterms);
void	 conceptw_drop(struct conceptw *, int64_t id);
char	*conceptw_plan(struct conceptw *, uint64_t ndocs_after);
int	 conceptw_track(struct conceptw *, struct journal *);
char	*conceptw_apply(struct conceptw *);
void	 conceptw_free(struct conceptw *);
/*
 * A batch's: the pages of concepts that only gain documents are left to
 * the flush (marked pending in the registry) rather than rewritten; after
 * apply, npend says how many were.
 */
void	 conceptw_defer(struct conceptw *);
size_t	 conceptw_npend(const struct conceptw *);
/*
 * Inside a journaled mutation: term's page as the registry makes it
 * (removed when term is no concept), and wiki/concepts/index.md.
 */
char	*conceptw_write_page(const char *term);
char	*conceptw_write_index(void);
/*
 * conceptflush.c: the pending concept pages written, in journaled
 * mutations of at most CONCEPT_FLUSH_PAGES pages. flush_note: a batch
 * left pages pending; flush_due: whether a slice of a round is due
 * between a job's requests (flush_step writes it); flush_wait: the
 * milliseconds to wait for a request before an idle flush (-1: nothing
 * pending); flush_all: every pending page written. Both 0, or -1
 * (logged; the marks stay for a later flush).
 */
void	 flush_note(void);
void	 flush_start(void);
int	 flush_due(void);
int	 flush_wait(void);
int	 flush_step(void);
int	 flush_all(void);
/*
 * compact.c: compact_start reads the count a predecessor recorded;
 * compact_note counts documents whose full-text rows a mutation changed;
 * compact_batch, in a batch's transaction, lets a bulk batch's segments
 * merge sixteen at a time (-1 with db_errmsg());
 * compact_save records the count and sets the merges back to four (in
 * a job's finishing transaction);
 * compact_wait, the milliseconds to wait for a request before an idle
 * merge (-1: none due); compact_run merges the index when due, stopping
 * at a waiting request if idle; compact_sync, whether a job's end merges
 * before its reply (a test knob).
 */
void	 compact_start(void);
int	 compact_batch(size_t nitems);
void	 compact_note(uint64_t ndocs);
int	 compact_save(void);
int	 compact_wait(void);
void	 compact_run(int idle);
int	 compact_sync(void);
/*
 * The concepts section of the summary of name, a document of cw; *hint
 * (0 at first) is where the search starts, left just after name's entry.
 */
char	*conceptw_summary_section(const struct conceptw *, const char *name,
	    size_t *hint);
/*
 * page (a summary of document id, *len bytes, freed) with its concepts
 * section as the registry makes it; *err set on a registry error.
 */
char	*conceptw_summary_fix(int64_t id, char *page, size_t *len,
	    char **err);
/* wiki/concepts/index.md as the registry makes it (*buf allocated). */
char	*conceptw_index_render(char **buf, size_t *len);
/*
 * Lint: each concept page (and the concepts index) that is missing or
 * not as the registry makes it goes to page() with the page to write
 * (term NULL for the index); each file in wiki/concepts/ that is no
 * concept's page to stray(). The callee owns path and text. NULL or the
 * error.
 */
struct conceptw_lint_cb {
	void	(*page)(void *, char *path, const char *term, char *text,
		    size_t len, int missing);
	void	(*stray)(void *, char *path);
};
char	*conceptw_lint(const struct conceptw_lint_cb *, void *);

/* remove.c */
void	 remove_docs(const Kbd__RemoveReq *);

/*
 * indexw.c: the index pages (wiki/index.md, wiki/index/) written
 * incrementally. A mutation's plan: index_plan_add for each document it
 * adds, index_plan_change (or _doc, by id, its groups and those it has
 * at new_src if not NULL: 1 found, 0 not, -1 error) for each it removes,
 * updates or moves; index_plan_track
 * before activation (0, or -1: errno, or dberr set when the registry
 * failed); index_plan_write once the registry
 * holds the changes, in the open transaction, before commit_sync; prefix
 * names its fail points (PREFIX.index, PREFIX.subindex).
 */
struct index_group {
	enum kbpath_group	 g;
	char			*value;
	uint64_t		 nadd;		/* documents appended */
	int			 whole;		/* all its pages change */
	uint64_t		 nold;
	unsigned		 plo, phi;	/* numbered pages tracked */
};
struct index_plan {
	struct index_group	*v;
	size_t			 n, cap;
	int			 dberr;	/* track failed in the registry */
	unsigned		 fpages; /* folder list's pages tracked */
};
void	 index_plan_add(struct index_plan *, const char *ext,
	    const char *src_path);
void	 index_plan_change(struct index_plan *, const char *ext,
	    const char *src_path);
int	 index_plan_doc(struct index_plan *, int64_t id,
	    const char *new_src);
int	 index_plan_track(struct index_plan *, struct journal *);
char	*index_plan_write(struct index_plan *, const char *prefix);
void	 index_plan_free(struct index_plan *);

/* lint.c */
/* Room left in a LintRep for the framing and the "and N more" line. */
#define LINT_BYTES_MAX	(MSG_MAX_INTERNAL - 16 * 1024)

/* Lines of a reply: problems, or repairs. */
struct lint {
	char	**v;
	size_t	  n, cap;
	size_t	  bytes, more;
	size_t	  max;		/* bytes listed; 0: LINT_BYTES_MAX */
	char	 *error;
};

enum dir_kind {
	DIR_RAW,	/* raw/<doc>[.<ext>] */
	DIR_PAGES,	/* <doc>.md */
	DIR_STAGING	/* nothing should be left */
};

void	 lint_add(struct lint *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 lint_dir(struct lint *, const char *dir, enum dir_kind,
	    struct lint *strays);
void	 lint_kb(const Kbd__LintReq *);

/*
 * lintfix.c, also for summary.c: a summary page from the registry that
 * keeps old's outline (NULL when old has none), and the ATX headings of
 * Markdown (md is cut up) as an outline.
 */
char	*summary_keep_outline(const struct wiki_doc *, char *const *kw,
	    size_t nkw, const char *old, size_t *len);
struct wiki_heading;
size_t	 md_headings(char *md, struct wiki_heading **out);

/* summary.c: descriptions from the summarizer, answered. */
void	 summary_set(const Kbd__SummaryReq *);

/* lintfix.c: the repairs made go to *repairs; NULL or the error. */
char	*lintfix(struct lint *repairs);
/* The same plan, dry: what lint --fix would repair goes to problems. */
char	*lintfix_check(struct lint *problems);

/* indexw.c, for lint and lint --fix: pages to write (page NULL: remove). */
struct index_fix {
	struct {
		char	*path, *page;
		size_t	 len;
	}	*v;
	size_t	 n, cap;
};
char	*index_fix_plan(struct index_fix *, struct lint *, int dry);
int	 index_fix_track(struct index_fix *, struct journal *);
char	*index_fix_write(struct index_fix *);
void	 index_fix_free(struct index_fix *);

#endif /* KBD_COMMITTER_H */
