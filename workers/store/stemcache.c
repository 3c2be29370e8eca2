/*
 * The tokenizer's cache of stems (stemcache.h). Words follow Zipf's law,
 * so most of a document's words were stemmed a moment ago, and Snowball
 * costs more than a look here. Only indexing has one (the committer's
 * connection): a search stems a few words. Two ways a set, the one used
 * least recently replaced: with one way and 8,192 slots, the 5,000 words
 * of the ingest bench's documents missed a quarter of the time (words
 * sharing a slot evicted each other), each miss about 1,000 instructions
 * of Snowball (callgrind; docs/architecture.md).
 *
 * A set is one cache line: the table is larger than a core's L2, so a
 * look-up costs the lines it touches, not its instructions (perf: 83 %
 * of the look-up's samples were the load of its first slot when a set
 * of 104 bytes spanned two or three lines), and the tokenizer fetches a
 * word's line a token ahead (stem_cache_prefetch). A slot holds the word
 * and its stem as the length of their common prefix and the stem's tail
 * after it ("happili" of "happily": 6 bytes kept, "i"), both in 28 bytes.
 */
#include <stdlib.h>

#include "stemcache.h"

struct stem_cache *
stem_cache_new(void)
{
	struct stem_cache	*c;

	if ((c = aligned_alloc(64, sizeof(*c))) != NULL)
		memset(c, 0, sizeof(*c));
	return c;
}

void
stem_cache_free(struct stem_cache *c)
{
	free(c);
}

void
stem_cache_put(struct stem_cache *c, int lang, const char *w, int n,
    uint32_t h, const char *stem, int len)
{
	struct stem_slot	*set = stem_set(c, lang, h), *s;
	int			 keep, way;

	for (keep = 0; keep < len && keep < n && stem[keep] == w[keep]; keep++)
		;
	if (n <= 0 || n >= STEM_CACHE_WORD ||
	    n + len - keep > STEM_CACHE_WORD)
		return;
	way = (set[0].lang & STEM_OLD) != 0;
	s = &set[way];
	s->lang = (uint8_t)lang;
	s->n = (uint8_t)n;
	s->keep = (uint8_t)keep;
	s->tail = (uint8_t)(len - keep);
	memcpy(s->b, w, (size_t)n);
	memcpy(s->b + n, stem + keep, (size_t)(len - keep));
	stem_touch(set, way);
}
