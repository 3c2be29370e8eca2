/*
 * The term table of concept extraction (termtab.h): open addressing,
 * linear probing, the terms' strings in an arena.
 *
 * One a thread, kept between documents: its calloc and growth for each
 * document, and passes over all its slots, cost more than the few
 * hundred terms of a small document. A table a large document grew is
 * freed after it: memory stays bounded.
 */
#include <stdlib.h>
#include <string.h>

#include "termtab.h"
#include "xmalloc.h"

/*
 * The terms' strings, allocated in blocks and freed together: a document
 * of 300 words makes some 900 terms, nearly all new, and a malloc and a
 * free each were a tenth of a convert worker's time on small files.
 */
#define ARENA_BLOCK	16384
#define TAB_KEEP	65536		/* slots past which a table is freed */

struct ablock {
	struct ablock	*next;
	size_t		 used;
	char		 b[ARENA_BLOCK];
};

static _Thread_local struct ctab	ctab_cache;

uint32_t
term_hash(const char *w, size_t len)
{
	const char	*e, *p, *q;
	uint32_t	 h = 0, hw;

	for (e = w + len;; e = p - 1) {
		for (p = e; p > w && p[-1] != ' '; p--)
			;
		for (hw = FNV_BASIS, q = p; q < e; q++)
			hw = (hw ^ (unsigned char)*q) * FNV_PRIME;
		h = e == w + len ? hw : hash_words(hw, h);
		if (p == w)
			return h;
	}
}

/* The hash is compared first: most probes end on another term. */
struct cterm *
ctab_find(const struct ctab *t, const char *w, size_t len, uint32_t h)
{
	struct cterm	*v = t->v;
	size_t		 i;

	i = h & (t->cap - 1);
	while (v[i].w != NULL && (v[i].h != h || v[i].len != len ||
	    memcmp(v[i].w, w, len) != 0))
		i = (i + 1) & (t->cap - 1);
	return &v[i];
}

struct cterm *
ctab_slot(const struct ctab *t, const char *w, size_t len)
{
	return ctab_find(t, w, len, term_hash(w, len));
}

static void
ctab_grow(struct ctab *t)
{
	struct cterm	*old = t->v;
	size_t		 i, k;

	t->cap = t->cap ? t->cap * 2 : 1024;
	t->v = xcalloc(t->cap, sizeof(*t->v));
	t->used = xreallocarray(t->used, t->cap, sizeof(*t->used));
	/* The terms are distinct: each goes to the first empty slot. */
	for (i = 0; i < t->n; i++) {
		k = old[t->used[i]].h & (t->cap - 1);
		while (t->v[k].w != NULL)
			k = (k + 1) & (t->cap - 1);
		t->v[k] = old[t->used[i]];
		t->used[i] = (uint32_t)k;
	}
	free(old);
}

struct ctab *
ctab_thread(void)
{
	if (ctab_cache.v == NULL)
		ctab_grow(&ctab_cache);
	return &ctab_cache;
}

static char *
arena_dup(struct ctab *t, const char *w, size_t len)
{
	struct ablock	*b = t->arena;
	char		*s;

	if (b == NULL || ARENA_BLOCK - b->used < len + 1) {
		b = xmalloc(sizeof(*b));
		b->next = t->arena;
		b->used = 0;
		t->arena = b;
	}
	s = b->b + b->used;
	memcpy(s, w, len);
	s[len] = '\0';
	b->used += len + 1;
	return s;
}

/* None is added past TERMS_MAX: the table stays at most half full. */
void
ctab_reserve(struct ctab *t, unsigned n)
{
	while (t->n < TERMS_MAX && (t->n + n) * 10 > t->cap * 7)
		ctab_grow(t);
}

struct cterm *
ctab_add(struct ctab *t, const char *w, size_t len, unsigned words,
    uint32_t h)
{
	struct cterm	*s;

	/* Past TERMS_MAX only known terms count: memory stays bounded. */
	s = ctab_find(t, w, len, h);
	if (s->w == NULL) {
		if (t->n >= TERMS_MAX)
			return NULL;
		s->w = arena_dup(t, w, len);
		s->h = h;
		s->len = (uint16_t)len;
		s->words = (uint8_t)words;
		t->used[t->n++] = (uint32_t)(s - t->v);
	}
	s->n++;
	return s;
}

/* A small table and the newest arena block are kept, empty. */
void
ctab_reset(struct ctab *t)
{
	struct ablock	*b;
	size_t		 i;

	if (t->cap > TAB_KEEP) {
		while ((b = t->arena) != NULL) {
			t->arena = b->next;
			free(b);
		}
		free(t->v);
		free(t->used);
		memset(t, 0, sizeof(*t));
		return;
	}
	for (i = 0; i < t->n; i++)
		memset(&t->v[t->used[i]], 0, sizeof(t->v[0]));
	t->n = 0;
	if (t->arena == NULL)
		return;
	while ((b = t->arena->next) != NULL) {
		t->arena->next = b->next;
		free(b);
	}
	t->arena->used = 0;
}
