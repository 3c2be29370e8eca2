/*
 * A set of strings by hash (strset.h): open addressing, linear probing,
 * at most half full, so a probe ends at an empty slot soon.
 */
#include <stdlib.h>
#include <string.h>

#include "strset.h"
#include "util.h"
#include "xmalloc.h"

static size_t
probe(char *const *slots, const uint32_t *hashes, size_t nslots,
    const char *s, uint32_t h)
{
	size_t	i = h & (nslots - 1);

	while (slots[i] != NULL &&
	    (hashes[i] != h || strcmp(slots[i], s) != 0))
		i = (i + 1) & (nslots - 1);
	return i;
}

static void
grow(struct strset *t)
{
	char		**ns;
	uint32_t	 *nh;
	size_t		  nb = t->nslots == 0 ? 64 : 2 * t->nslots, i, k;

	ns = xcalloc(nb, sizeof(*ns));
	nh = xcalloc(nb, sizeof(*nh));
	for (i = 0; i < t->nslots; i++)
		if (t->slots[i] != NULL) {
			k = probe(ns, nh, nb, t->slots[i], t->hashes[i]);
			ns[k] = t->slots[i];
			nh[k] = t->hashes[i];
		}
	free(t->slots);
	free(t->hashes);
	t->slots = ns;
	t->hashes = nh;
	t->nslots = nb;
}

int
strset_add(struct strset *t, const char *s)
{
	uint32_t	h = hash_fnv1a(s);
	size_t		i;

	if (2 * (t->n + 1) > t->nslots)
		grow(t);
	i = probe(t->slots, t->hashes, t->nslots, s, h);
	if (t->slots[i] != NULL)
		return 0;
	t->slots[i] = xstrdup(s);
	t->hashes[i] = h;
	t->n++;
	return 1;
}

int
strset_has(const struct strset *t, const char *s)
{
	if (t->n == 0)
		return 0;
	return t->slots[probe(t->slots, t->hashes, t->nslots, s,
	    hash_fnv1a(s))] != NULL;
}

int
strset_has_hash(const struct strset *t, const char *s, uint32_t h)
{
	if (t->n == 0)
		return 0;
	return t->slots[probe(t->slots, t->hashes, t->nslots, s, h)] != NULL;
}

void
strset_clear(struct strset *t)
{
	size_t	i;

	if (t->n == 0)
		return;
	for (i = 0; i < t->nslots; i++) {
		free(t->slots[i]);
		t->slots[i] = NULL;
	}
	t->n = 0;
}

void
strset_free(struct strset *t)
{
	strset_clear(t);
	free(t->slots);
	free(t->hashes);
	t->slots = NULL;
	t->hashes = NULL;
	t->nslots = 0;
}
