/*
 * The registry's read-only queries: what the supervisor reads beside the
 * committer (duplicate checks before any conversion, job records, search,
 * listing, showing one document). They have a connection of their own,
 * opened read-only: the committer's (db.h) is the only one that writes,
 * and it never opens this one. In WAL mode these reads never block the
 * committer nor see half a batch.
 *
 * Lookups return 1 found, 0 not found, -1 error (logged), as db.h's do;
 * lists return 0 or -1.
 */
#ifndef KBD_DBREAD_H
#define KBD_DBREAD_H

#include <stddef.h>
#include <stdint.h>

#include "kbd.pb-c.h"

int	 dbread_open(const char *kbroot);		/* 0, -1 */
/*
 * The same, for a KB on read-only media: SQLite's immutable mode (no
 * locks, no -shm), which holds because nothing can change the file.
 */
int	 dbread_open_immutable(const char *kbroot);
void	 dbread_close(void);

/*
 * The name of the document with that content, or of the one whose source
 * path is unchanged (same path, device, inode, size and mtime).
 */
int	 dbread_doc_by_hash(const uint8_t hash[32], char *name, size_t len);
int	 dbread_source_unchanged(const char *path, uint64_t dev, uint64_t ino,
	    uint64_t size, int64_t mtime_ns, char *name, size_t len);

/* A job's record; out->error is allocated: free it. */
int	 dbread_job(uint64_t job, Kbd__JobSummary *out);
int	 dbread_newest_job(uint64_t *job);
/*
 * One read transaction around several reads of the loop's connection
 * (one snapshot, one WAL read lock rather than one a statement): begin
 * answers whether it began one (not when one is open already), which
 * end takes.
 */
int	 dbread_read_begin(void);
void	 dbread_read_end(int began);
/* The request the job was created with: free with ..._free_unpacked. */
int	 dbread_job_request(uint64_t job, Kbd__JobCreateReq **req);
/* 1 a client cancelled the job, 0 not (or no such job), -1 error. */
int	 dbread_job_cancelled(uint64_t job);

/*
 * The full-text rebuild (reindex.c): 1 one is pending or running, with
 * its job (0 before the committer made it), the documents indexed and
 * the total; 0 none; -1 error. dbread_job and dbread_jobs mark the
 * rebuild's jobs: kind "reindex", index_done and index_total.
 */
int	 dbread_reindex(uint64_t *job, uint64_t *done, uint64_t *total);

/* The newest jobs first, limit at most. */
int	 dbread_jobs(unsigned limit, Kbd__JobsRep *);
void	 dbread_jobs_free(Kbd__JobsRep *);
/*
 * A job's file outcomes after seq *after (moved on), at most max, failed
 * ones only with failed; chunk->last when no more. 0 or -1.
 */
int	 dbread_job_files(uint64_t job, int failed, uint64_t *after,
	    unsigned max, Kbd__JobFiles *chunk);
void	 dbread_job_files_free(Kbd__JobFiles *chunk);
/* Jobs queued or running, in id order; *ids is allocated. */
int	 dbread_unfinished_jobs(uint64_t **ids, size_t *n);
/*
 * A connection of its own for searching, read-only, one per search
 * thread (supervisor/search.c), opened like the supervisor's. NULL on
 * error (logged): open them from the loop's thread.
 */
struct dbread_conn;
struct dbread_conn *dbread_conn_open(const char *kbroot);
void	 dbread_conn_close(struct dbread_conn *);
/*
 * A query in kbctl(1)'s language, hits limit at most after skipping
 * offset: 0, 1 the query is malformed, -1 the registry failed; the reason
 * in err. Safe in any thread on its own connection (it never logs).
 */
int	 dbread_search(struct dbread_conn *, const char *q, unsigned limit,
	    unsigned offset, Kbd__SearchRep *, char *err, size_t errlen);

/* Sources (schema 3): the roots' paths (each xstrdup'ed), every source. */
int	 dbread_roots(char ***paths, size_t *n);
int	 dbread_roots_info(Kbd__RootsRep *);
int	 dbread_docs_of_job(uint64_t job, char ***names, size_t *n);
/* One directory's source rows, a chunk at a time (dbdir.c). */
typedef void	(*dbread_dir_cb)(void *, const char *name, uint64_t dev,
		    uint64_t ino, uint64_t size, int64_t mtime_ns,
		    const char *doc, int64_t id);
int	 dbread_dir_sources(const char *dir, const char *from, unsigned max,
	    dbread_dir_cb, void *, int *more);
void	 dbdir_close(void);		/* by dbread_close */
void	 dbstale_close(void);		/* by dbread_close */
struct stat;
/* A dry run's lookups (see dbread.c). */
int	 dbread_source_by_path(const char *path, char *name, size_t len,
	    struct stat *st, int *same);
int	 dbread_source_by_stat(const struct stat *st, const char *path,
	    char *name, size_t len, char **other);
void	 dbread_roots_info_free(Kbd__RootsRep *);
/* Every source: its document, the document's name, its path and id. */
int	 dbread_sources_foreach(int (*cb)(void *, int64_t doc,
	    const char *name, const char *path, int64_t id), void *arg);
void	 dbread_search_free(Kbd__SearchRep *);
/* Up to max documents in id order after *after, which moves on. */
int	 dbread_list(int64_t *after, unsigned max, Kbd__ListChunk *);
void	 dbread_list_free(Kbd__ListChunk *);
/* One document's row and paths (relative to the KB); found, free it. */
int	 dbread_show(const char *name, Kbd__DocMeta *);
void	 dbread_show_free(Kbd__DocMeta *);
/* Up to max names closest to name, best first; free each and *out. */
int	 dbread_similar(const char *name, unsigned max, char ***out,
	    size_t *n);

/*
 * Recompile (dbstale.c, on this connection). dbread_stale: how many
 * documents an older converter made (common/convver.c). dbread_recompile:
 * cb for each document, in id order, with an id above after (and, with
 * stale, only those an older converter made); 0 or -1.
 * dbread_recompile_doc: a document's id and extension by name (1, 0, -1).
 * dbread_recompile_last: the id of the document a recompile job's file
 * seq was (its history row); 1, 0, -1.
 */
struct sqlite3	*dbread_db(void);	/* the connection, for dbstale.c */
int	 dbread_stale(uint64_t *n);
int	 dbread_recompile(int stale, int64_t after,
	    void (*cb)(void *, int64_t id, const char *name, const char *ext),
	    void *arg);
int	 dbread_recompile_doc(const char *name, int64_t *id, char **ext);
int	 dbread_recompile_last(uint64_t job, uint64_t seq, int64_t *id);

#endif /* KBD_DBREAD_H */
