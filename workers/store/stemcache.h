/*
 * The tokenizer's cache of stems (stemcache.c): the stems of the words
 * the committer's connection indexed last, by hash, so that Snowball runs
 * once for most of a document's words. Only tokenizer.c uses it.
 */
#ifndef KBD_STEMCACHE_H
#define KBD_STEMCACHE_H

#include <stdint.h>
#include <string.h>
/* Words of fewer bytes are kept. */
#define STEM_CACHE_WORD		28

/*
 * The look-up and the prefetch are here, inline: the tokenizer calls them
 * for every word (a call was 3 % of its instructions).
 */
#define STEM_SETS	16384		/* 2 ways of 32 bytes each: 1 MiB */
#define STEM_LANG	0x7f
#define STEM_OLD	0x80		/* way 0's lang: way 1 is replaced next */

struct stem_slot {
	uint8_t		 lang;		/* | STEM_OLD in way 0 */
	uint8_t		 n;		/* the word's bytes; 0: empty */
	uint8_t		 keep;		/* the stem: the word's first keep */
	uint8_t		 tail;		/* bytes, then tail bytes after it */
	char		 b[STEM_CACHE_WORD];
};
_Static_assert(sizeof(struct stem_slot) * 2 == 64, "a set is a line");

struct stem_cache {
	struct stem_slot	 slot[2 * STEM_SETS];
};

static inline struct stem_slot *
stem_set(const struct stem_cache *c, int lang, uint32_t h)
{
	return (struct stem_slot *)&c->slot[2 * ((h ^ (uint32_t)lang) &
	    (STEM_SETS - 1))];
}

/* Way w of a set was used last: the other is replaced next. */
static inline void
stem_touch(struct stem_slot *set, int w)
{
	set[0].lang = (uint8_t)((set[0].lang & STEM_LANG) |
	    (w == 0 ? STEM_OLD : 0));
}

/* An empty cache, or NULL when there is no memory for it. */
struct stem_cache *stem_cache_new(void);
void		 stem_cache_free(struct stem_cache *);
/*
 * The stem of w (n bytes, h its hash_fnv1a, util.h) in lang, into out
 * (its length, not NUL-terminated; out has room for n + STEM_CACHE_WORD
 * bytes), or -1; *same: the stem is w.
 */
static inline int
stem_cache_get(struct stem_cache *c, int lang, const char *w, int n,
    uint32_t h, char *out, int *same)
{
	struct stem_slot	*set = stem_set(c, lang, h), *s;
	int			 i;

	if (n >= STEM_CACHE_WORD)
		return -1;
	for (i = 0; i < 2; i++) {
		s = &set[i];
		if (s->n == n && (s->lang & STEM_LANG) == lang &&
		    memcmp(s->b, w, (size_t)n) == 0) {
			stem_touch(set, i);
			*same = s->keep == n && s->tail == 0;
			memcpy(out, w, s->keep);
			memcpy(out + s->keep, s->b + n, s->tail);
			return s->keep + s->tail;
		}
	}
	return -1;
}

/* Keep stem (len bytes) as w's in lang, when the two fit a slot. */
void		 stem_cache_put(struct stem_cache *, int lang, const char *w,
		    int n, uint32_t h, const char *stem, int len);
/* Start loading the line where w's stem would be. */
static inline void
stem_cache_prefetch(const struct stem_cache *c, int lang, uint32_t h)
{
	__builtin_prefetch(stem_set(c, lang, h));
}

#endif /* KBD_STEMCACHE_H */
