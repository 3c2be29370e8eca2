/*
 * A document's keywords (keywords.c): the words its summary page lists.
 */
#ifndef KBD_KEYWORDS_H
#define KBD_KEYWORDS_H

#include <stddef.h>
#include <stdint.h>

#define KEYWORDS_MAX	8	/* at most, per document */
#define KEYWORDS_WORD_MAX 40	/* bytes of a keyword */

/*
 * Up to KEYWORDS_MAX most frequent terms of a Markdown text, stop words
 * left out, most frequent first (ties in byte order): deterministic.
 * Fills kw[] with xstrdup'ed terms (valid UTF-8, no control byte) and
 * returns how many.
 */
size_t	 keywords_extract(const char *text, size_t len, char **kw);
void	 keywords_free(char **kw, size_t n);
/* Whether w (lower case) is one of the keywords' English stop words. */
int	 keywords_stopword(const char *w);
/* The same, h being hash_fnv1a(w). */
int	 keywords_stopword_hash(const char *w, uint32_t h);

#endif /* KBD_KEYWORDS_H */
