/*
 * A document's keywords: its most frequent words, stop words left out,
 * for its summary page. Pure: the convert workers compute them from the
 * Markdown they made (workers/worker/worker.c), the committer for a
 * document it recompiles or lints. Library code: no logging, no state
 * but a table each thread keeps between calls.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keywords.h"
#include "strset.h"
#include "utf8.h"
#include "util.h"
#include "xmalloc.h"

#define WORD_MIN	3	/* bytes */
#define WORD_MAX	KEYWORDS_WORD_MAX
#define TERMS_MAX	(1u << 20)	/* distinct terms counted per document */

static const char *stopwords[] = {
	"about", "above", "after", "again", "against", "all", "also",
	"among", "and", "any", "are", "because", "been", "before", "being",
	"below", "between", "both", "but", "can", "cannot", "com", "could",
	"did", "does", "doing", "done", "down", "during", "each", "either",
	"else", "etc", "even", "ever", "every", "few", "for", "from",
	"further", "get", "gets", "had", "has", "have", "having", "her",
	"here", "hers", "herself", "him", "himself", "his", "how", "however",
	"html", "http", "https", "into", "its", "itself", "just", "let",
	"like", "made", "make", "many", "may", "might", "more", "most",
	"much", "must", "myself", "nbsp", "nor", "not", "now", "off",
	"often", "once", "one", "only", "org", "other", "others", "our",
	"ours", "ourselves", "out", "over", "own", "per", "rather", "same",
	"see", "seen", "shall", "she", "should", "since", "some", "such",
	"than", "that", "the", "their", "theirs", "them", "themselves",
	"then", "there", "these", "they", "this", "those", "though",
	"through", "thus", "too", "two", "under", "until", "upon", "use",
	"used", "uses", "using", "very", "via", "was", "were", "what",
	"when", "where", "whether", "which", "while", "who", "whom", "whose",
	"why", "will", "with", "within", "without", "would", "www", "yet",
	"you", "your", "yours", "yourself", "yourselves"
};

/* By hash, built once: every word of every document is looked up. */
static struct strset	stopset = STRSET_INIT;
static pthread_once_t	stopset_once = PTHREAD_ONCE_INIT;

static void
stopset_build(void)
{
	size_t	i;

	for (i = 0; i < sizeof(stopwords) / sizeof(stopwords[0]); i++)
		(void)strset_add(&stopset, stopwords[i]);
}

int
keywords_stopword(const char *w)
{
	return keywords_stopword_hash(w, hash_fnv1a(w));
}

int
keywords_stopword_hash(const char *w, uint32_t h)
{
	(void)pthread_once(&stopset_once, stopset_build);
	return strset_has_hash(&stopset, w, h);
}

struct term {
	uint32_t	 off;		/* of the word in the table's text */
	uint32_t	 h;		/* hash_fnv1a */
	uint32_t	 len;
	unsigned	 n;		/* 0: an empty slot */
};

/*
 * One a thread, kept between calls (terms_reset): a calloc, its growth
 * and a malloc a word for each document cost more than the counting of
 * a small one. used lists the slots in use, in no order that matters:
 * the pick by the total order term_before is that of any order.
 */
struct terms {
	struct term	*v;
	size_t		 cap, n;	/* cap: a power of two */
	uint32_t	*used;		/* cap of them, n used */
	char		*text;		/* the words, NUL-terminated */
	size_t		 tlen, tcap;
};

#define TAB_KEEP	65536		/* slots past which a table is freed */
#define TEXT_KEEP	(1u << 20)	/* bytes of words, the same */
#define FNV_BASIS	2166136261u
#define FNV_PRIME	16777619u

static _Thread_local struct terms	terms_cache;

/* Open addressing: the slot of w, or the empty slot where it would go. */
static struct term *
terms_slot(const struct terms *t, const char *w, size_t len, uint32_t h)
{
	struct term	*v = t->v;
	size_t		 i;

	i = h & (t->cap - 1);
	while (v[i].n != 0 && (v[i].h != h || v[i].len != len ||
	    memcmp(t->text + v[i].off, w, len) != 0))
		i = (i + 1) & (t->cap - 1);
	return &v[i];
}

static void
terms_grow(struct terms *t)
{
	struct term	*old = t->v;
	size_t		 i, k;

	t->cap = t->cap ? t->cap * 2 : 1024;
	t->v = xcalloc(t->cap, sizeof(*t->v));
	t->used = xreallocarray(t->used, t->cap, sizeof(*t->used));
	/* The words are distinct: each goes to the first empty slot. */
	for (i = 0; i < t->n; i++) {
		k = old[t->used[i]].h & (t->cap - 1);
		while (t->v[k].n != 0)
			k = (k + 1) & (t->cap - 1);
		t->v[k] = old[t->used[i]];
		t->used[i] = (uint32_t)k;
	}
	free(old);
}

static void
terms_add(struct terms *t, const char *w, size_t len, uint32_t h)
{
	struct term	*s;

	/* Past TERMS_MAX only known terms count: memory stays bounded. */
	if (t->n < TERMS_MAX && (t->n + 1) * 10 > t->cap * 7)
		terms_grow(t);
	s = terms_slot(t, w, len, h);
	if (s->n == 0) {
		if (t->n >= TERMS_MAX)
			return;
		if (t->tlen + len + 1 > t->tcap) {
			t->tcap = t->tcap ? t->tcap * 2 : 16384;
			t->text = xreallocarray(t->text, t->tcap, 1);
		}
		memcpy(t->text + t->tlen, w, len + 1);
		s->off = (uint32_t)t->tlen;
		s->h = h;
		s->len = (uint32_t)len;
		t->tlen += len + 1;
		t->used[t->n++] = (uint32_t)(s - t->v);
	}
	s->n++;
}

/* Empty for the next call; what a large document made is freed. */
static void
terms_reset(struct terms *t)
{
	size_t	i;

	if (t->cap > TAB_KEEP || t->tcap > TEXT_KEEP) {
		free(t->v);
		free(t->used);
		free(t->text);
		memset(t, 0, sizeof(*t));
		return;
	}
	for (i = 0; i < t->n; i++)
		t->v[t->used[i]].n = 0;
	t->n = 0;
	t->tlen = 0;
}

/* a ranks before b: more frequent, then byte order. */
static int
term_before(const struct terms *t, const struct term *a,
    const struct term *b)
{
	if (a->n != b->n)
		return a->n > b->n;
	return strcmp(t->text + a->off, t->text + b->off) < 0;
}

/* Length of the separator (UTF-8 punctuation, NBSP...) at s, else 0. */
static size_t
utf8_separator(const unsigned char *s, const unsigned char *end)
{
	/* U+0080..U+00BF: Latin-1 controls, NBSP, quotes, symbols. */
	if (s[0] == 0xc2 && end - s >= 2)
		return 2;
	/* U+2000..U+207F: general punctuation; U+3000..U+303F: CJK. */
	if (end - s >= 3 && ((s[0] == 0xe2 && (s[1] == 0x80 ||
	    s[1] == 0x81)) || (s[0] == 0xe3 && s[1] == 0x80)))
		return 3;
	return 0;
}

static int
at_url(const unsigned char *s, const unsigned char *end)
{
	size_t	n = (size_t)(end - s);

	return (n >= 7 && strncasecmp((const char *)s, "http://", 7) == 0) ||
	    (n >= 8 && strncasecmp((const char *)s, "https://", 8) == 0);
}

size_t
keywords_extract(const char *text, size_t len, char **kw)
{
	const unsigned char	*s = (const unsigned char *)text;
	const unsigned char	*end = s + len;
	struct terms		*t = &terms_cache;
	struct term		*top[KEYWORDS_MAX], *x;
	char			 w[WORD_MAX + 1];
	size_t			 wl = 0, ntop = 0, i, j, sep;
	uint32_t		 h = FNV_BASIS;
	int			 toolong = 0, letter = 0, ascii = 1;
	unsigned char		 c;

	if (t->v == NULL)
		terms_grow(t);
	for (;;) {
		c = s < end ? *s : ' ';
		if (s < end && wl == 0 && (c | 0x20) == 'h' &&
		    at_url(s, end)) {
			while (s < end && *s != ' ' && *s != '\n' &&
			    *s != '\t' && *s != ')' && *s != '>' && *s != ']')
				s++;
			continue;
		}
		/* A link's destination names a file, not the text's terms. */
		if (c == ']' && end - s >= 2 && s[1] == '(') {
			while (s < end && *s != ')' && *s != '\n')
				s++;
			continue;
		}
		sep = c >= 0x80 && s < end ? utf8_separator(s, end) : 0;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c >= 0x80 && sep == 0)) {
			if (wl == WORD_MAX)
				toolong = 1;
			else {
				if (c >= 'A' && c <= 'Z')
					c = (unsigned char)(c - 'A' + 'a');
				w[wl++] = (char)c;
				/* hash_fnv1a's, for the stop words too */
				h = (h ^ c) * FNV_PRIME;
			}
			if (c > '9')
				letter = 1;
			if (c >= 0x80)
				ascii = 0;
			s++;
			continue;
		}
		if (!toolong && letter && wl >= WORD_MIN) {
			w[wl] = '\0';
			/* Markdown that is not UTF-8 makes no keyword. */
			if (!keywords_stopword_hash(w, h) &&
			    (ascii || utf8_check(w, wl, NULL) == 0))
				terms_add(t, w, wl, h);
		}
		wl = 0;
		toolong = letter = 0;
		ascii = 1;
		h = FNV_BASIS;
		if (s >= end)
			break;
		s += sep ? sep : 1;
	}

	/* The best few, kept sorted: no sort of the whole vocabulary. */
	for (i = 0; i < t->n; i++) {
		x = &t->v[t->used[i]];
		if (ntop == KEYWORDS_MAX && !term_before(t, x, top[ntop - 1]))
			continue;
		if (ntop < KEYWORDS_MAX)
			ntop++;
		for (j = ntop - 1; j > 0 && term_before(t, x, top[j - 1]);
		    j--)
			top[j] = top[j - 1];
		top[j] = x;
	}
	for (i = 0; i < ntop; i++)
		kw[i] = xstrdup(t->text + top[i]->off);
	terms_reset(t);
	return ntop;
}

void
keywords_free(char **kw, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(kw[i]);
}
