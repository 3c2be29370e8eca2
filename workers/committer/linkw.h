/*
 * The committer's side of links between documents (linkw.c): which pages
 * a batch or a remove rewrites, their journaling, the registry's links
 * table and the pages written anew. Private to workers/committer.
 */
#ifndef KBD_LINKW_H
#define KBD_LINKW_H

#include <stddef.h>
#include <stdint.h>

#include "item.h"
#include "journal.h"
#include "wiki.h"

/*
 * Before the journal is activated: the existing documents whose pages
 * the batch (or the remove of ids) rewrites. Returns an error, or NULL
 * and *n (0: no page besides the batch's own).
 */
char	*linkw_plan_batch(struct item *items, size_t nitems, size_t *n);
char	*linkw_plan_remove(const int64_t *ids, size_t nids, size_t *n);
/* Their source and summary pages tracked in j. */
int	 linkw_track(struct journal *j);
/*
 * In the open transaction, after the batch's rows (or the removal's
 * deletions): the links table, and the pages of the batch's documents
 * and of the planned ones written anew (fail points links.source,
 * links.summary). Returns an error or NULL; ends the plan either way.
 */
char	*linkw_apply_batch(struct item *items, size_t nitems);
char	*linkw_apply_remove(const int64_t *ids, size_t nids);
void	 linkw_end(void);

/* A summary's link lists from the registry, for lintfix; then free. */
int	 linkw_fill(struct wiki_doc *wd, int64_t id);
void	 linkw_fill_free(struct wiki_doc *wd);
/* lintfix: the source page of doc id rewritten from the registry. */
char	*linkw_source_page(int64_t id, const char *md, size_t len,
	    size_t *outlen);

#endif /* KBD_LINKW_H */
