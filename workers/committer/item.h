/*
 * One item of a batch as the committer holds it (batch.c receives and
 * commits the batch; sources.c decides what each item does to the
 * registry's sources: update in place, move, a new source of a known
 * document). Private to workers/committer.
 */
#ifndef KBD_ITEM_H
#define KBD_ITEM_H

#include <stddef.h>
#include <stdint.h>

#include "terms.h"
#include "wiki.h"

/* What committing an item does besides counting it. */
enum item_act {
	ACT_NONE,	/* nothing: skipped, failed, unchanged */
	ACT_INSERT,	/* publish a new document, its row and its source */
	ACT_REPLACE,	/* publish over document upd_id: update in place */
	ACT_SOURCE,	/* record the path as a source of doc (no files) */
};

struct item {
	uint64_t		 seq;
	char			*path;
	int			 status;	/* as the supervisor sent it */
	char			*reason;
	char			 hex[65];	/* hash, "" if none */
	uint64_t		 size, dev, ino;
	int64_t			 mtime_ns;
	char			*title, *description;
	struct wiki_heading	*outline;
	size_t			 noutline;
	char			*stem, *ext, *staged_raw, *staged_md;
	/* Its worker's analysis of the Markdown (itemtext.c). */
	int			 lang;		/* tok_doc_lang + 1, 0 unknown */
	struct concept_term	*terms;
	size_t			 nterms;
	char			*kw[KEYWORDS_MAX];
	size_t			 nkw;

	/* The outcome. */
	int			 result;	/* FileStatus replied */
	char			*doc;		/* added, or the one it duplicates */
	char			*why;		/* reason replied */
	char			*raw, *src, *sum;	/* live paths, if published */

	/* Sources (sources.c). */
	enum item_act		 act;
	int64_t			 upd_id;	/* ACT_REPLACE: the document */
	int64_t			 target;	/* ACT_SOURCE: doc's id, 0: of
						   an item of this batch */
	char			*moved_from;	/* a gone source path it takes */
	int64_t			 drop_id;	/* a document left without
						   source: removed */
	char			*drop_name, *drop_ext;
	char			*drop_raw, *drop_src, *drop_sum;
	/*
	 * A new document whose Markdown has no link to a file: its pages
	 * have no link to resolve (linkw_plan_batch).
	 */
	int			 nolinks;
	/*
	 * Its Markdown as linkw_plan_batch read it, when small: indexed
	 * without reading it again (register_one); else NULL.
	 */
	char			*md;
	size_t			 mdlen;

	/* The converter that made it; a recompile's document (recompile.c). */
	char			*converter;
	unsigned		 conv_version;
	char			*recompile;	/* "" unless a recompile item */
};

/* An item whose files are published: a new document or an update. */
#define ITEM_PUBLISHES(it)	((it)->act == ACT_INSERT || \
				 (it)->act == ACT_REPLACE)

/*
 * sources.c, called by batch_decide in scan order; items[0..i) are
 * decided. sources_added: an item converted (content new to the
 * registry) at a path that may be a known source: 1 it updates that
 * path's document in place (decided: name and live paths set), 0 it is
 * a new document to name (result FS_ADDED, or FS_UPDATED when its path
 * was another document's that other paths keep), -1 error (*err).
 * sources_same: an item whose content the registry or an earlier item
 * holds (dup names that document): a new source, a move, or a path whose
 * content changed to another document's. 0 or -1 (*err).
 */
int	 sources_added(struct item *items, size_t i, char **err);
int	 sources_same(struct item *items, size_t i, const char *dup,
	    char **err);
/* In the batch's transaction: the item's source rows. */
char	*sources_register(struct item *it, int64_t id);
void	 sources_item_free(struct item *it);

/*
 * itemtext.c: take an added item's analysis (an encoded Analysis) into
 * it once checked: 0, or -1 with *why the reason (a static string).
 */
int	 itemtext_take(struct item *it, const uint8_t *data, size_t len,
	    const char **why);
void	 itemtext_free(struct item *it);
/* Publishing: unlink the dropped document's files (update.unlink). */
char	*sources_unlink(struct item *it);

/*
 * publish.c: the batch's live tree on a thread of its own: the items'
 * paths tracked in j and j activated, then drops and publications in
 * scan order, while the caller writes the rows. publish_wait: the item
 * is published (0), or publishing stopped before it (-1); publish_join:
 * NULL, or why publishing failed (the caller's to free; j is then the
 * caller's to roll back, active or not). The caller makes no fsio call
 * and does not touch j in between.
 */
struct conceptw;
struct journal;
void	 publish_start(struct item *items, size_t n, uint64_t job,
	    struct journal *j, const struct conceptw *cw);
int	 publish_wait(const struct item *it);
char	*publish_join(void);

/*
 * decide.c: the outcome of each of the n items (result, why, doc, the
 * live paths; act from sources.c), in scan order, in the caller's read
 * transaction: NULL, or the reason the batch fails. item_kept: an item
 * that did not arrive added keeps its outcome and reason (1), else 0.
 */
char	*batch_decide(struct item *items, size_t n);
int	 item_kept(struct item *it);

/*
 * recompile.c: a recompile job's converted item (it->recompile names the
 * document): ACT_REPLACE over it when its Markdown or summary page
 * changes, else nothing but its converter version (ACT_NONE, unchanged).
 * 0 or -1 (*err).
 */
int	 recompile_decide(struct item *it, char **err);
/* In the batch's transaction: its rows (registry, full text, converter). */
char	*recompile_register(struct item *it);
/*
 * The log.md entry of a job's finish: whether it is a recompile job (1,
 * 0), and the documents it updated (up to max to cb; *total all).
 */
int	 recompile_job(uint64_t job);
int	 recompile_log_names(uint64_t job, size_t max,
	    void (*cb)(void *, const char *), void *arg, uint64_t *total);
#define ITEM_RECOMPILE(it)	(*(it)->recompile != '\0')
#endif /* KBD_ITEM_H */
