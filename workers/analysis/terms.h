/*
 * A document's candidate concept terms (terms.c): which of them are
 * concepts is the KB's to decide (concepts.h).
 */
#ifndef KBD_TERMS_H
#define KBD_TERMS_H

#include <stddef.h>
#include <stdint.h>

#define CONCEPT_DOC_TERMS	32	/* candidate terms kept per document */
#define CONCEPT_DEFN_MAX	300	/* bytes of a defining sentence */
#define CONCEPT_WORDS_MAX	3	/* words of a term */
#define CONCEPT_WORD_MAX	40	/* bytes of a word */
/* Bytes of a term, at most: its words and the spaces between them. */
#define CONCEPT_TERM_MAX	(CONCEPT_WORDS_MAX * (CONCEPT_WORD_MAX + 1))

/*
 * What the extraction makes, and the committer checks a worker's result
 * against (itemtext.c): a term of valid UTF-8 without a control byte, a
 * definition (valid UTF-8, no control byte) at most CONCEPT_DEFN_MAX.
 */
struct concept_term {
	char		*term;		/* lower case words, one space apart */
	uint32_t	 count;		/* occurrences in the document */
	uint32_t	 weight;	/* occurrences per million words */
	char		*defn;		/* "X is ..." from the document, or NULL */
};

/*
 * The candidate terms of one Markdown document, best first (ties in byte
 * order): *out gets an array of at most CONCEPT_DOC_TERMS. Returns how
 * many. Deterministic: only the text decides.
 */
size_t	 concepts_extract(const char *md, size_t len,
	    struct concept_term **out);
/* The same, the document's language known (tok_doc_lang's). */
size_t	 concepts_extract_lang(const char *md, size_t len, int lang,
	    struct concept_term **out);
void	 concepts_terms_free(struct concept_term *, size_t);

#endif /* KBD_TERMS_H */
