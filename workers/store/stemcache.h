/*
 * The tokenizer's cache of stems (stemcache.c): the stems of the words
 * the committer's connection indexed last, by hash, so that Snowball runs
 * once for most of a document's words. Only tokenizer.c uses it.
 */
#ifndef KBD_STEMCACHE_H
#define KBD_STEMCACHE_H

#include <stdint.h>

/* The cache's hash of a word, FNV-1a a byte at a time. */
#define STEM_HASH0		2166136261u
#define STEM_HASH(h, b)		(((h) ^ (b)) * 16777619u)
/* Words of fewer bytes are kept. */
#define STEM_CACHE_WORD		28

struct stem_cache;

/* An empty cache, or NULL when there is no memory for it. */
struct stem_cache *stem_cache_new(void);
void		 stem_cache_free(struct stem_cache *);
/*
 * The stem of w (n bytes, h its hash) in lang, into out (its length, not
 * NUL-terminated; out has room for n + STEM_CACHE_WORD bytes), or -1;
 * *same: the stem is w.
 */
int		 stem_cache_get(struct stem_cache *, int lang, const char *w,
		    int n, uint32_t h, char *out, int *same);
/* Keep stem (len bytes) as w's in lang, when the two fit a slot. */
void		 stem_cache_put(struct stem_cache *, int lang, const char *w,
		    int n, uint32_t h, const char *stem, int len);
/* Start loading the line where w's stem would be. */
void		 stem_cache_prefetch(const struct stem_cache *, int lang,
		    uint32_t h);

#endif /* KBD_STEMCACHE_H */
