/*
 * The wiki's index pages rendered from the registry (wikiindex.c):
 * wiki/index.md and the sub-index pages of wiki/index/ (kbpath.h).
 */
#ifndef KBD_WIKIINDEX_H
#define KBD_WIKIINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "kbpath.h"

#define WIKI_INDEX_BOUND	500	/* entries per page, at most */
#define WIKI_INDEX_FOLDERS_MAX	200	/* folders index.md lists */

/* The bound: WIKI_INDEX_BOUND, or KBD_INDEX_BOUND (2..500) for tests. */
uint64_t wikiindex_bound(void);
/* Numbered pages of a group of n documents: 0 when its page lists them. */
unsigned wikiindex_npages(uint64_t n);
/* The numbered page of the document of rank (0-based) in its group. */
unsigned wikiindex_page_of(uint64_t rank);
/*
 * A group of n documents' page (page 0) or numbered page, as the registry
 * makes it; NULL on a registry error (db_errmsg). *len gets its length.
 */
char	*wikiindex_page(enum kbpath_group, const char *value, uint64_t n,
	    unsigned page, size_t *len);
/* wiki/index.md; NULL on a registry error. */
char	*wikiindex_top(size_t *len);

/*
 * The folder list's pages (wiki/index/folders-N.md): none while index.md
 * lists every folder itself (at most WIKI_INDEX_FOLDERS_MAX and the
 * bound), else every folder by path, bound a page, and index.md links the
 * pages. wikiindex_folders renders them all (page[k - 1] is page k);
 * -1 on a registry error (db_errmsg).
 */
unsigned wikiindex_folder_npages(uint64_t nfolders);
struct wikiindex_folders {
	char		**page;
	size_t		 *len;
	unsigned	  n;
	uint64_t	  nfolders;
};
int	 wikiindex_folders(struct wikiindex_folders *);
void	 wikiindex_folders_free(struct wikiindex_folders *);

#endif /* KBD_WIKIINDEX_H */
