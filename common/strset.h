/*
 * A set of strings (copies), by hash: for the committer's checks of a
 * batch against the items before it, which were scans of them all.
 * Allocation failure is fatal (xmalloc), as in the daemon's other code.
 */
#ifndef KBD_STRSET_H
#define KBD_STRSET_H

#include <stddef.h>
#include <stdint.h>

struct strset {
	char		**slots;	/* open addressing; NULL is empty */
	uint32_t	 *hashes;
	size_t		  nslots;	/* 0 or a power of two */
	size_t		  n;
};

#define STRSET_INIT	{ NULL, NULL, 0, 0 }

/* Add a copy of s; 1 added, 0 it was there. */
int	strset_add(struct strset *, const char *s);
int	strset_has(const struct strset *, const char *s);
/* The same, h being hash_fnv1a(s): a caller that hashed s already. */
int	strset_has_hash(const struct strset *, const char *s, uint32_t h);
/* Empty it, keeping its slots for the next use. */
void	strset_clear(struct strset *);
void	strset_free(struct strset *);

#endif /* KBD_STRSET_H */
