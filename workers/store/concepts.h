/*
 * Concepts: key terms and phrases shared by several documents, found
 * deterministically. Per document, concepts_extract() (terms.h) counts
 * the terms of its prose (1 to 3 words, no stop word of the document's language at
 * either end, code left out) and keeps the CONCEPT_DOC_TERMS best, each
 * with its count, a weight (occurrences per million words, the term
 * frequency the concept pages rank by) and a defining sentence from the
 * document ("X is ...", "X are ...") when it has one. A term becomes a
 * concept when concepts_is_concept() says its document count is enough
 * and not too much. Rendering of wiki/concepts/ pages is here too; the
 * committer (conceptw.c) keeps the registry and writes the files.
 */
#ifndef KBD_CONCEPTS_H
#define KBD_CONCEPTS_H

#include <stddef.h>
#include <stdint.h>

#include "terms.h"

#define CONCEPT_DF_MIN		3	/* documents a concept needs at least */
#define CONCEPT_DF_MAXPCT	25	/* and at most this % of the KB's... */
#define CONCEPT_DF_KEEPPCT	30	/* (this % for one that is a concept) */
#define CONCEPT_DF_CAP_FROM	10	/* ...once it has this many documents; */
#define CONCEPT_DF_SMALLPCT	60	/* a small KB's ceiling: this %, */
#define CONCEPT_DF_SMALL	60	/* up to this many documents */
/*
 * A term held by this many documents or more that is no concept keeps its
 * count in the registry (term_counts); fewer are counted when needed.
 */
#define CONCEPT_COUNT_KEEP	64
#define CONCEPT_PAGE_DOCS	50	/* documents listed on a page */
#define CONCEPT_RELATED		10	/* related concepts on a page */
/*
 * A page is rendered from the CONCEPT_PAGE_DOCS documents it lists only,
 * so that its cost does not grow with the KB (a concept in a quarter of
 * 150,000 documents is rewritten by most batches): its definition is the
 * first of theirs, its related concepts those sharing most of them.
 */
#define CONCEPT_INDEX_MAX	1000	/* concepts listed in the index */

#define CONCEPT_INDEX_DESCRIPTION	"Key terms and phrases that several " \
	"documents share, most documents first."

/*
 * Whether a term in df of a KB's ndocs documents is a concept; was: it is
 * one now.
 */
int	 concepts_is_concept(uint64_t df, uint64_t ndocs, int was);
/* CONCEPT_COUNT_KEEP, or the tests' KBD_CONCEPT_COUNT_KEEP. */
uint64_t concepts_count_keep(void);

struct concept_doc {
	const char	*name, *title;
	uint32_t	 weight;
};

struct concept_page {
	const char			*term;
	const char			*defn;		/* NULL: none found */
	const char			*defn_doc;	/* its document */
	const char			*defn_title;
	const struct concept_doc	*docs;		/* best first */
	size_t				 ndocs_shown;
	uint64_t			 ndocs;		/* all that treat it */
	char *const			*related;	/* concepts' terms */
	size_t				 nrelated;
};

/* wiki/concepts/<name>.md; *len gets its length. */
char	*concepts_page(const struct concept_page *, size_t *len);

struct concept_entry {
	const char	*term;
	uint64_t	 ndocs;
};

/*
 * wiki/concepts/index.md: the first n of total concepts, as given (most
 * documents first), then a count of the rest.
 */
char	*concepts_index(const struct concept_entry *, size_t n,
	    uint64_t total, size_t *len);

/*
 * A summary page's concepts section, appended after its keywords when
 * the document has concepts (terms in byte order): "\n## Concepts\n\n"
 * and links to their pages. concepts_summary_strip gives the length of
 * page without it (the whole length when it has none).
 */
#define CONCEPT_SUMMARY_SECTION	"\n## Concepts\n\n"
char	*concepts_summary_section(char *const *terms, size_t n);
size_t	 concepts_summary_strip(const char *page, size_t len);

#endif /* KBD_CONCEPTS_H */
