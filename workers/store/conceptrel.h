/*
 * A concept page's related concepts (conceptrel.c), for conceptdb_page.
 * Internal to workers/store; the committer's connection (db.h).
 */
#ifndef KBD_CONCEPTREL_H
#define KBD_CONCEPTREL_H

#include <stddef.h>
#include <stdint.h>

#include "concepts.h"

/*
 * In a flush (conceptdb_cache_begin), the documents of term's page into
 * p->docs (CONCEPT_PAGE_DOCS allocated), p->ndocs_shown and the
 * definition, their ids into ids: 1; 0 when the cache cannot (no flush,
 * too many documents), the caller's SQL does; -1 with db_errmsg().
 */
int	conceptrel_docs(const char *term, struct concept_page *p,
	    int64_t *ids);

/*
 * The CONCEPT_RELATED concepts other than term that most of the
 * documents docs (distinct ids) hold, most first, ties in byte order:
 * xstrdup'ed into *rel. 0, or -1 with db_errmsg().
 */
int	conceptrel_rank(const char *term, const int64_t *docs, size_t n,
	    char ***rel, size_t *nrel);
/* Forget the cache and finalize the statement (conceptdb_close). */
void	conceptrel_close(void);

#endif /* KBD_CONCEPTREL_H */
