/*
 * The term table of concept extraction (termtab.c): terms.c's counts of a
 * document's terms, one table a thread, kept between documents.
 */
#ifndef KBD_TERMTAB_H
#define KBD_TERMTAB_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"		/* FNV_BASIS, FNV_PRIME: hash_fnv1a's */

#define TERMS_MAX	(1u << 18)	/* distinct terms counted per document */

struct cterm {
	char		*w;		/* in the table's arena */
	uint32_t	 h;		/* term_hash(w) */
	uint32_t	 n;
	uint32_t	 num;		/* times a number follows it */
	uint32_t	 art;		/* times an article follows it */
	uint16_t	 len;		/* strlen(w) */
	uint8_t		 words;
	uint8_t		 noise;		/* not a concept (drop_noise) */
	uint32_t	 pick;		/* 1 + its index in the result, or 0 */
};

struct ablock;

/*
 * used lists the slots in use, in no order that matters: every pass over
 * them (terms.c's fold_plurals, drop_noise, the pick by a total order)
 * gives the same whatever the order.
 */
struct ctab {
	struct cterm	*v;
	size_t		 cap, n;
	uint32_t	*used;		/* cap of them, n used */
	struct ablock	*arena;
};

/*
 * The hash of a term from its words' FNV-1a hashes (hash_fnv1a's, which
 * the stop lists use too), from the last word back: a word is hashed once
 * for the stop lists and all the terms it is in, and the terms a word
 * ends are suffixes of one another. Never stored: only the table has it.
 */
static inline uint32_t
hash_words(uint32_t hw, uint32_t rest)
{
	rest ^= rest >> 15;
	return rest * 0x2c1b3c6du ^ hw;
}

uint32_t	 term_hash(const char *w, size_t len);

/* The calling thread's table, empty. */
struct ctab	*ctab_thread(void);
/* The entry of w (h its term_hash), or the empty slot where it would go. */
struct cterm	*ctab_find(const struct ctab *, const char *w, size_t len,
		    uint32_t h);
struct cterm	*ctab_slot(const struct ctab *, const char *w, size_t len);
/* Room for n more terms: ctab_add then moves no entry. */
void		 ctab_reserve(struct ctab *, unsigned n);
/*
 * Count term w (h its term_hash): its entry, or NULL when past TERMS_MAX
 * it is not counted.
 */
struct cterm	*ctab_add(struct ctab *, const char *w, size_t len,
		    unsigned words, uint32_t h);
/* Empty it for the next document; what a large one made is freed. */
void		 ctab_reset(struct ctab *);

#endif /* KBD_TERMTAB_H */
