/*
 * The KB's SQLite database as the committer sees it: the schema (created
 * and migrated in dbmigrate.c, the one definition of it), and the prepared
 * statements of every write and lookup the committer makes. The
 * supervisor has its own read-only view in dbread.h.
 *
 * One database per process, so the state is file-local. Functions return
 * 0 (or 1 for "found") and -1 on error with the reason in db_errmsg(). A
 * failed fsync inside SQLite is fatal: it is never retried
 * (docs/crash-safety.md).
 */
#ifndef KBD_DB_H
#define KBD_DB_H

#include <stddef.h>
#include <stdint.h>

#include "kbd.pb-c.h"
#include "kbpath.h"

/*
 * A jobs row as a JobSummary: the columns to select, in this order, and the
 * function that reads them. The supervisor's read-only queries use the same
 * pair, so the committer's and the supervisor's view of a job never differ.
 */
#define DB_JOB_COLUMNS	"id, state, added, duplicates, skipped, failed, " \
			"cancelled, created, finished, error, cursor, " \
			"updated, moved, removed"
struct sqlite3_stmt;
/* s->error is allocated (xstrdup): free it. */
void	db_job_row(struct sqlite3_stmt *, Kbd__JobSummary *s);

#define DB_PATH		KB_DB

/*
 * The committer's connection and its error recording, for the registry's
 * other tables kept in files of their own (conceptdb.c).
 */
struct sqlite3;
struct sqlite3	*db_conn(void);
/* Record rc's error as db_errmsg() says it (fatal on fsync); -1. */
int	db_fail(int rc, const char *what);

struct db_doc {
	int64_t		 id;
	const char	*name;
	const char	*title;
	const char	*description;
	const char	*description_by; /* "local" or "summarizer" (schema 7) */
	const char	*hash;		/* lower-case hex SHA-256 of the raw bytes */
	const char	*ext;		/* "" or e.g. "txt" */
	uint64_t	 size;
	const char	*src_path;
	uint64_t	 src_dev, src_ino;
	int64_t		 src_mtime_ns;
	uint64_t	 job;
	int64_t		 added_at;
	/*
	 * The language its full-text row is in (schema 13; "" none yet):
	 * read by db_doc_named and db_docs_foreach, written by db_fts_insert
	 * (and by db_doc_insert, when set: the language the row will have).
	 */
	const char	*lang;
	/*
	 * The converter that made its Markdown and its version (schema 8),
	 * written by db_doc_insert (NULL: ""); db_doc_converter for a row
	 * that exists.
	 */
	const char	*converter;
	unsigned	 conv_version;
};

/* Outcome counters a batch adds to its job. */
struct db_counts {
	uint64_t	added, duplicates, skipped, failed, cancelled;
	uint64_t	updated, moved;
};

/* A sources row: one path a document came from, with its stat. */
struct db_source {
	int64_t		 doc;
	uint64_t	 dev, ino, size;
	int64_t		 mtime_ns;
};

/*
 * SQLite's process-wide settings, once, before the process's first
 * connection (db_open and dbread_open_ro call it).
 */
void		 db_sqlite_config(void);
int		 db_open(const char *path);
void		 db_close(void);
const char	*db_errmsg(void);

/* Transactions: BEGIN IMMEDIATE; COMMIT is the commit point. */
int	 db_begin(void);
int	 db_commit(void);
void	 db_rollback(void);
int	 db_read_begin(void);
void	 db_read_end(void);

/* Commit records of journals. */
int	 db_commit_exists(const char *journal);		/* 1, 0, -1 */
int	 db_commit_insert(const char *journal, uint64_t job, int64_t at);

/* Registry lookups: 1 found, 0 not, -1 error. Strings are xstrdup'ed. */
int	 db_name_exists(const char *name);
int	 db_doc_count(uint64_t *n);			/* 0, -1 */
int	 db_name_ext_exists(const char *name, const char *ext);
int	 db_doc_by_hash(const char *hash, char **name, char **src_path,
	    uint64_t *job);
int	 db_doc_by_name(const char *name, int64_t *id, char **ext);

/* Registry writes (inside a transaction). */
int	 db_doc_insert(const struct db_doc *, int64_t *id);
/*
 * lang: the language to index in (a code), or NULL to take the body's
 * (tok_doc_lang); documents.lang records it.
 */
int	 db_fts_insert(int64_t id, const char *name, const char *title,
	    const char *body, size_t bodylen, const char *lang);
int	 db_doc_delete(int64_t id);	/* and its fts row and sources */
int	 db_fts_delete(int64_t id);			/* the fts row only */

/*
 * The full-text index's rebuild after the migration to schema 4: pending
 * (1, with the last document id indexed) until db_reindex_done. The
 * committer indexes the documents after it, in transactions that record
 * their progress with db_reindex_progress, so a rebuild resumes.
 */
int	 db_reindex_pending(int64_t *after);		/* 1, 0, -1 */
int	 db_reindex_docs(int64_t after, unsigned max,
	    int (*cb)(void *, int64_t id, const char *name, const char *title),
	    void *arg);
int	 db_reindex_progress(int64_t last);		/* in a transaction */
int	 db_reindex_done(void);				/* in a transaction */
/*
 * The rebuild's job row (meta 'reindex_job'): its id, 1 found, 0 none,
 * -1 error; recorded with the row it names; its cursor counts the
 * documents indexed (db_reindex_job_add, in a slice's transaction).
 */
int	 db_reindex_job(uint64_t *job);
int	 db_reindex_job_set(uint64_t job);		/* in a transaction */
int	 db_reindex_job_add(uint64_t job, uint64_t n);	/* in a transaction */
int	 db_reindex_job_clear(void);			/* in a transaction */
/*
 * Up to pages leaf pages of the full-text index's segments merged toward
 * one (in a transaction): 1 merged some, 0 it is one segment already,
 * -1 an error.
 */
int	 db_fts_merge(int pages);
/*
 * One of FTS5's settings of the full-text table ("automerge",
 * "crisismerge"), in the open transaction; get: dflt when unset.
 */
int	 db_fts_config_set(const char *key, int value);
int	 db_fts_config_get(const char *key, int dflt, int *value);
/* Documents changed since the last merge, kept across committers. */
int	 db_fts_changed(uint64_t *);
int	 db_fts_changed_set(uint64_t);
/* name, ext, hash, src_path of a document by id: 1, 0, -1 (xstrdup'ed). */
int	 db_doc_get(int64_t id, char **name, char **ext, char **hash,
	    char **src);
/*
 * The document named name with what its wiki page shows (id, name, ext,
 * hash, title, description, description_by xstrdup'ed: db_doc_clear):
 * 1, 0 not found, -1.
 */
int	 db_doc_named(const char *name, struct db_doc *);
void	 db_doc_clear(struct db_doc *);
/* A document's description and who wrote it ("summarizer", "local"). */
int	 db_doc_describe(int64_t id, const char *description, const char *by);
/*
 * New content for a document: title, description (by "local" again),
 * hash, size, src_*.
 */
int	 db_doc_update(int64_t id, const struct db_doc *);
/* documents.src_* from d's src_* where src_path was from (a move). */
int	 db_doc_moved(int64_t id, const char *from, const struct db_doc *);

/*
 * Sources (schema 3): path is absolute, as added. db_source_put inserts
 * or replaces the row of path, under the deepest root holding it.
 */
int	 db_source_get(const char *path, struct db_source *);	/* 1, 0, -1 */
int	 db_source_put(const char *path, const struct db_source *);
int	 db_source_delete(const char *path);
int	 db_source_count(int64_t doc, uint64_t *n);		/* 0, -1 */
/*
 * Every source path of doc, sorted, with the path of its root ("" if
 * none); the arrays and each string xmalloc'ed.
 */
int	 db_sources_of_doc(int64_t doc, char ***paths, char ***roots,
	    size_t *n);
/* Roots: an add's inputs; a root added again keeps its row. */
int	 db_root_add(const char *path, int64_t now);
int	 db_root_synced(const char *path, int64_t now);
/* Drop a root; its sources go to the deepest other root: 1, 0, -1. */
int	 db_root_forget(const char *path);
/* Watch (a new root is added, added = now) or stop watching path: 0, -1. */
int	 db_root_watch(const char *path, int watched, int64_t now);

/* Jobs. */
int	 db_job_create(const void *req, size_t reqlen, int64_t now,
	    uint64_t *job);
/* 1 found (s->error xstrdup'ed), 0 no such job, -1 error. */
int	 db_job_get(uint64_t job, Kbd__JobSummary *s);
int	 db_job_batch(uint64_t job, const struct db_counts *, uint64_t cursor);
int	 db_job_finish(uint64_t job, int state, const char *error,
	    uint64_t removed, int64_t now);
/* Record a client's cancel (inside a transaction); a second one is kept. */
int	 db_job_cancel(uint64_t job, int64_t now);
/* 1 when a job's row says it runs, 0 when none does, -1. */
int	 db_job_open(void);
/* History (schema 5): a file's outcome; drop all but keep finished jobs'. */
int	 db_job_file(uint64_t job, uint64_t seq, const char *path, int status,
	    const char *doc, const char *reason);
/* Also trims jobs: the newest max(keep, DB_JOBS_KEPT) finished stay. */
#define DB_JOBS_KEPT	1000
int	 db_history_prune(unsigned keep);

/*
 * Lint. db_docs_foreach streams every documents row (id, name, ext, hash,
 * title, description, description_by set), in id order, to cb, which returns 0 to go on.
 * db_check reports each problem of the database itself (integrity, FTS
 * rows against documents) as one line.
 */
int	 db_docs_foreach(int (*cb)(void *, const struct db_doc *), void *arg);
int	 db_check(void (*report)(void *, const char *), void *arg);

/* Lint --fix: full-text rows against documents. */
int	 db_fts_exists(int64_t id);			/* 1, 0, -1 */
/* 1 id's row indexes md; 0 missing or stale; -1 */
int	 db_fts_current(int64_t id, const char *md, size_t len);
int	 db_fts_orphans(int64_t *n);	/* rows without a document */
int	 db_fts_orphans_delete(void);			/* in a transaction */
/*
 * A batch's new documents counted in index_groups a run of one type or
 * folder at a time, from db_groups_hold to db_groups_release (apply: write
 * what is held, in the transaction; 0: drop it, the transaction rolls
 * back). Nothing may read index_groups in between. 0 or -1.
 */
void	 db_groups_hold(void);
int	 db_groups_release(int apply);
/* index_groups' rows that differ from the documents' counts; rebuilt. */
int	 db_index_groups_wrong(int64_t *n);
int	 db_index_groups_rebuild(void);			/* in a transaction */
/* term_counts rows that are wrong; deleted (in a transaction). */
int	 db_term_counts_wrong(int64_t *n);
int	 db_term_counts_repair(void);

/* wiki/log.md: up to max names of the documents job added or updated. */
int	 db_docs_of_job(uint64_t job, size_t max,
	    void (*cb)(void *, const char *), void *arg, uint64_t *total);

/*
 * Recompile (schema 8): the converter that made a document's Markdown
 * (in the batch's transaction), and what a recompile compares with.
 */
struct db_recompile {
	int64_t		 id;
	char		*ext, *hash, *title, *description, *converter;
	unsigned	 version;
};
int	 db_doc_converter(int64_t id, const char *converter,
	    unsigned version);
int	 db_doc_recompile_get(const char *name, struct db_recompile *);
void	 db_recompile_free(struct db_recompile *);
int	 db_doc_recompiled(int64_t id, const char *title,
	    const char *description);
/* A job's stored request (malloc'ed); its history's documents by status. */
int	 db_job_request(uint64_t job, void **blob, size_t *len);
int	 db_job_files_docs(uint64_t job, int status, size_t max,
	    void (*cb)(void *, const char *), void *arg, uint64_t *total);

/*
 * Links (schema 9; links.h, linkw.c): from a document to a target source
 * path, resolved to the document added from it (to 0: pending).
 */
struct db_link {
	char	*name, *title;
};
int	 db_links_clear(int64_t from);
int	 db_link_put(int64_t from, const char *target, int64_t to);
int	 db_link_delete(int64_t from, const char *target);
/*
 * The document added from source path target, in one lookup: its id and
 * name (xstrdup'ed); 1, 0 (none), -1.
 */
int	 db_link_target_doc(const char *target, int64_t *id, char **name);
int	 db_links_resolve(const char *target, int64_t to);
int	 db_links_unresolve(int64_t to);
/* Document ids, appended to *v (xreallocarray'ed): 0, -1. */
int	 db_links_pending(const char *target, int64_t **v, size_t *n);
int	 db_links_from(int64_t to, int64_t **v, size_t *n);
int	 db_links_to(int64_t from, int64_t **v, size_t *n);
/* Whether a link is resolved to document to: 1, 0, -1. */
int	 db_links_any_to(int64_t to);
/* The targets of the links resolved to to, appended (xstrdup'ed). */
int	 db_links_targets(int64_t to, char ***v, size_t *n);
/*
 * The first max documents doc links to (from 0) or is linked from
 * (from 1), by name, and how many in all.
 */
int	 db_links_list(int64_t doc, int from, size_t max, struct db_link **v,
	    size_t *n, uint64_t *total);
void	 db_links_free(struct db_link *v, size_t n);
/* The full-text row of a document whose source page was rewritten. */
int	 db_fts_reindex(int64_t id, const char *body, size_t len, int keep_lang);

/*
 * The sub-index pages' queries (indexw.c): a group is a type (ext = value)
 * or a folder (the directory part of src_path = value, trailing slash
 * kept), its documents in id order. 0 or -1.
 */
#define DB_FOLDER_OF(col) "rtrim(" col ", replace(" col ", '/', ''))"
#define DB_FOLDER_EXPR	DB_FOLDER_OF("src_path")
int	 db_index_count(int folder, const char *value, uint64_t *n);
/*
 * The documents [offset, offset + limit) of a group of n (its count in
 * index_groups; src_path set).
 */
int	 db_index_docs(int folder, const char *value, uint64_t offset,
	    uint64_t limit, uint64_t n,
	    int (*cb)(void *, const struct db_doc *), void *arg);
/* Every group with its count, by value. */
int	 db_index_groups(int folder,
	    int (*cb)(void *, const char *value, uint64_t n), void *arg);

#endif /* KBD_DB_H */
