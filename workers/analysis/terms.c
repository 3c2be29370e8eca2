/*
 * Concept extraction: a document's candidate terms (see terms.h). Pure:
 * the convert workers run it on the Markdown they made, the committer on
 * a document it recompiles.
 *
 * Our own keyphrase statistics, since Debian packages no C library for
 * them: the prose of a document (fenced and indented code, inline code,
 * URLs and link targets left out) is cut into runs of words that no
 * punctuation separates; every 1-, 2- and 3-word run whose first and last
 * words are content words (a letter, three bytes at least, not a stop
 * word of the document's language) is counted. A document keeps its
 * CONCEPT_DOC_TERMS best terms by count times a bonus for longer phrases
 * (a phrase, a collocation, must occur twice). Which of them are concepts
 * is decided over the KB by document counts (concepts_is_concept), and
 * the pages rank documents by the term's frequency in each (TF; the IDF
 * of one term is the same for all its documents).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keywords.h"
#include "lang.h"
#include "strset.h"
#include "terms.h"
#include "utf8.h"
#include "util.h"
#include "xmalloc.h"

#define WORD_MIN	3		/* bytes of a content word */
#define WORD_MAX	CONCEPT_WORD_MAX
#define TERM_MAX	CONCEPT_TERM_MAX
#define TERMS_MAX	(1u << 18)	/* distinct terms counted per document */
#define DEFN_MIN	20		/* bytes of a defining sentence */

struct cterm {
	char		*w;		/* in the table's arena */
	uint32_t	 h;		/* hash_fnv1a(w) */
	uint32_t	 n;
	uint32_t	 num;		/* times a number follows it */
	uint32_t	 art;		/* times an article follows it */
	uint8_t		 words;
	uint8_t		 noise;		/* not a concept (drop_noise) */
	size_t		 pick;		/* 1 + its index in the result, or 0 */
};

/*
 * The terms' strings, allocated in blocks and freed together: a document
 * of 300 words makes some 900 terms, nearly all new, and a malloc and a
 * free each were a tenth of a convert worker's time on small files.
 */
#define ARENA_BLOCK	16384

struct ablock {
	struct ablock	*next;
	size_t		 used;
	char		 b[ARENA_BLOCK];
};

struct ctab {
	struct cterm	*v;
	size_t		 cap, n;
	struct ablock	*arena;
};

/* The hash is compared first: most probes end on another term. */
static struct cterm *
ctab_find(struct cterm *v, size_t cap, const char *w, uint32_t h)
{
	size_t	i;

	i = h & (cap - 1);
	while (v[i].w != NULL && (v[i].h != h || strcmp(v[i].w, w) != 0))
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static struct cterm *
ctab_slot(struct cterm *v, size_t cap, const char *w)
{
	return ctab_find(v, cap, w, hash_fnv1a(w));
}

static void
ctab_grow(struct ctab *t)
{
	struct cterm	*old = t->v;
	size_t		 oldcap = t->cap, i;

	t->cap = oldcap ? oldcap * 2 : 1024;
	t->v = xcalloc(t->cap, sizeof(*t->v));
	for (i = 0; i < oldcap; i++)
		if (old[i].w != NULL)
			*ctab_find(t->v, t->cap, old[i].w, old[i].h) = old[i];
	free(old);
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

static void
ctab_add(struct ctab *t, const char *w, size_t len, unsigned words)
{
	struct cterm	*s;
	uint32_t	 h;

	/* Past TERMS_MAX only known terms count: memory stays bounded. */
	if (t->n < TERMS_MAX && (t->n + 1) * 10 > t->cap * 7)
		ctab_grow(t);
	h = hash_fnv1a(w);
	s = ctab_find(t->v, t->cap, w, h);
	if (s->w == NULL) {
		if (t->n >= TERMS_MAX)
			return;
		s->w = arena_dup(t, w, len);
		s->h = h;
		s->words = (uint8_t)words;
		t->n++;
	}
	s->n++;
}

static void
ctab_free(struct ctab *t)
{
	struct ablock	*b, *next;

	for (b = t->arena; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(t->v);
}

/* Length of a UTF-8 separator (NBSP, quotes, dashes...) at s, else 0. */
static size_t
separator(const unsigned char *s, const unsigned char *end)
{
	if (s[0] == 0xc2 && end - s >= 2)
		return 2;
	if (end - s >= 3 && ((s[0] == 0xe2 && (s[1] == 0x80 ||
	    s[1] == 0x81)) || (s[0] == 0xe3 && s[1] == 0x80)))
		return 3;
	return 0;
}

/* Length of the word character at s (0: not one). */
static size_t
word_char(const unsigned char *s, const unsigned char *end)
{
	if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    (*s >= '0' && *s <= '9'))
		return 1;
	if (*s >= 0x80 && separator(s, end) == 0)
		return 1;
	return 0;
}

static int
is_url(const unsigned char *s, const unsigned char *end)
{
	size_t	n = (size_t)(end - s);

	return (n >= 7 && strncasecmp((const char *)s, "http://", 7) == 0) ||
	    (n >= 8 && strncasecmp((const char *)s, "https://", 8) == 0);
}

struct lexer {
	struct ctab	 t;
	int		 lang;
	uint64_t	 nwords;
	char		 win[CONCEPT_WORDS_MAX][WORD_MAX + 1];
	int		 content[CONCEPT_WORDS_MAX];
	unsigned	 nwin;		/* words of the current run, up to 3 */
	char		 last[CONCEPT_WORDS_MAX][TERM_MAX + 1];
	unsigned	 nlast;		/* terms the previous word ended */
};

/*
 * English words of discourse rather than subject ("for example", "the
 * following", "see section"): never a concept's first or last word.
 */
static const char *const generic_en[] = {
	"able", "another", "back", "chapter", "contains", "different",
	"example", "examples", "first", "following", "given", "good",
	"instead", "last", "later", "less", "lot", "new", "next", "note",
	"number", "part", "possible", "previous", "second", "section",
	"several", "simple", "something", "still", "sure", "thing", "things",
	"three", "time", "way", "well", "work", "works",
};

static struct strset	generic_set = STRSET_INIT;
static pthread_once_t	generic_once = PTHREAD_ONCE_INIT;

static void
generic_build(void)
{
	size_t	i;

	for (i = 0; i < sizeof(generic_en) / sizeof(generic_en[0]); i++)
		(void)strset_add(&generic_set, generic_en[i]);
}

static int
content_word(const struct lexer *lx, const char *w, size_t len)
{
	size_t	i;
	int	letter = 0;

	if (len < WORD_MIN)
		return 0;
	for (i = 0; i < len; i++)
		if (!(w[i] >= '0' && w[i] <= '9'))
			letter = 1;
	if (!letter)
		return 0;
	if (tok_stopword(w, lx->lang))
		return 0;
	/* English also has the keywords' longer list, and its own. */
	if (lx->lang != 0)
		return 1;
	(void)pthread_once(&generic_once, generic_build);
	return !keywords_stopword(w) && !strset_has(&generic_set, w);
}

/* n words joined by single spaces into term (TERM_MAX + 1 bytes). */
static size_t
join_words(char *term, char w[][WORD_MAX + 1], size_t n)
{
	size_t	k, l, len = 0;

	for (k = 0; k < n; k++) {
		if (k > 0)
			term[len++] = ' ';
		l = strlen(w[k]);
		memcpy(term + len, w[k], l);
		len += l;
	}
	term[len] = '\0';
	return len;
}

/* A word ends a run's last position: count the terms it ends. */
static void
lex_word(struct lexer *lx, const char *w, size_t len)
{
	char		 term[TERM_MAX + 1];
	struct cterm	*t;
	unsigned	 n, first;
	size_t		 i, tl;
	int		 digits = 1, article;

	lx->nwords++;
	/*
	 * "version 3", "Python 3.11": the terms before it are labels.
	 * "return the", "call a": the word before it is a verb.
	 */
	for (i = 0; i < len; i++)
		if (!(w[i] >= '0' && w[i] <= '9'))
			digits = 0;
	article = lx->lang == 0 && ((len == 1 && w[0] == 'a') ||
	    (len == 2 && memcmp(w, "an", 2) == 0) ||
	    (len == 3 && memcmp(w, "the", 3) == 0));
	if ((digits || article) && lx->nwin > 0)
		for (n = 0; n < lx->nlast; n++) {
			t = ctab_slot(lx->t.v, lx->t.cap, lx->last[n]);
			if (t->w != NULL && digits)
				t->num++;
			else if (t->w != NULL)
				t->art++;
		}
	lx->nlast = 0;
	if (lx->nwin == CONCEPT_WORDS_MAX) {
		memmove(lx->win[0], lx->win[1],
		    sizeof(lx->win[0]) * (CONCEPT_WORDS_MAX - 1));
		memmove(&lx->content[0], &lx->content[1],
		    sizeof(lx->content[0]) * (CONCEPT_WORDS_MAX - 1));
		lx->nwin--;
	}
	memcpy(lx->win[lx->nwin], w, len);
	lx->win[lx->nwin][len] = '\0';
	lx->content[lx->nwin] = content_word(lx, lx->win[lx->nwin], len);
	lx->nwin++;
	if (!lx->content[lx->nwin - 1])
		return;
	for (n = 1; n <= lx->nwin; n++) {
		first = lx->nwin - n;
		if (!lx->content[first])
			continue;
		tl = join_words(term, lx->win + first, n);
		ctab_add(&lx->t, term, tl, n);
		memcpy(lx->last[lx->nlast++], term, tl + 1);
	}
}

/* Whether a line opens or closes a fenced code block. */
static int
fence_line(const char *p, const char *eol)
{
	int	i;

	for (i = 0; i < 3 && p < eol && *p == ' '; i++)
		p++;
	return eol - p >= 3 && (memcmp(p, "```", 3) == 0 ||
	    memcmp(p, "~~~", 3) == 0);
}

/* Code, a heading or an interpreter session: not prose. */
static int
code_line(const char *p, const char *eol)
{
	return (eol - p >= 4 && memcmp(p, "    ", 4) == 0) ||
	    (p < eol && *p == '\t') ||
	    (eol - p >= 4 && (memcmp(p, ">>> ", 4) == 0 ||
	    memcmp(p, "... ", 4) == 0));
}

/* The terms of one prose line; runs continue over its end. */
static void
lex_line(struct lexer *lx, const char *line, const char *eol)
{
	const unsigned char	*s = (const unsigned char *)line;
	const unsigned char	*end = (const unsigned char *)eol;
	char			 w[WORD_MAX + 1];
	size_t			 wl, sep;
	int			 toolong;

	while (s < end) {
		if ((*s | 0x20) == 'h' && is_url(s, end)) {
			while (s < end && *s != ' ' && *s != ')' && *s != '>')
				s++;
			lx->nwin = 0;
			continue;
		}
		if (*s == '`') {
			/* Inline code: left out, and it ends the run. */
			for (s++; s < end && *s != '`'; s++)
				;
			if (s < end)
				s++;
			lx->nwin = 0;
			continue;
		}
		if (*s == ']' && s + 1 < end && s[1] == '(') {
			/* A link's target. */
			while (s < end && *s != ')')
				s++;
			lx->nwin = 0;
			continue;
		}
		if (word_char(s, end)) {
			wl = 0;
			toolong = 0;
			while (s < end && word_char(s, end)) {
				if (wl == WORD_MAX)
					toolong = 1;
				else
					w[wl++] = (char)(*s >= 'A' &&
					    *s <= 'Z' ? *s | 0x20 : *s);
				s++;
			}
			if (toolong)
				lx->nwin = 0;
			else
				lex_word(lx, w, wl);
			continue;
		}
		/* Blanks keep the run; any other character ends it. */
		if (*s != ' ' && *s != '\t')
			lx->nwin = 0;
		sep = *s >= 0x80 ? separator(s, end) : 0;
		s += sep ? sep : 1;
	}
}

/*
 * Call fn on each prose line of md (code and headings left out) and with
 * NULL at the end of each paragraph.
 */
static void
prose_lines(const char *md, size_t len,
    void (*fn)(void *, const char *, const char *), void *arg)
{
	const char	*p = md, *end = md + len, *eol;
	int		 fence = 0;

	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (fence_line(p, eol)) {
			fence = !fence;
			fn(arg, NULL, NULL);
		} else if (fence || code_line(p, eol) || p == eol ||
		    *p == '#')
			fn(arg, NULL, NULL);
		else
			fn(arg, p, eol);
		p = eol + 1;
	}
	fn(arg, NULL, NULL);
}

static void
lex_cb(void *arg, const char *p, const char *eol)
{
	struct lexer	*lx = arg;

	if (p == NULL)
		lx->nwin = 0;
	else
		lex_line(lx, p, eol);
}

/* What a term's count is worth: phrases over single words. */
static uint64_t
score(const struct cterm *t)
{
	static const unsigned bonus[] = { 0, 1, 3, 4 };

	return (uint64_t)t->n * bonus[t->words];
}

/*
 * English plurals: a term ending in "s" whose singular the document also
 * has counts as the singular ("modules" and "module" are one term).
 */
static void
fold_plurals(struct ctab *t)
{
	struct cterm	*x, *sg;
	char		 w[TERM_MAX + 1];
	size_t		 i, l;

	for (i = 0; i < t->cap; i++) {
		x = &t->v[i];
		if (x->w == NULL || x->n == 0 || (l = strlen(x->w)) < 4 ||
		    x->w[l - 1] != 's' || x->w[l - 2] == 's' ||
		    x->w[l - 2] == ' ')
			continue;
		memcpy(w, x->w, l - 1);
		w[l - 1] = '\0';
		sg = ctab_slot(t->v, t->cap, w);
		if (sg->w == NULL || sg->n == 0)
			continue;
		sg->n += x->n;
		sg->num += x->num;
		sg->art += x->art;
		x->n = 0;
	}
}

/*
 * English past forms: a single word ending in "ed" (not "eed": "speed",
 * "need") is a verb's participle ("called", "changed"), not a thing a
 * reader looks up.
 */
static int
participle(const char *w)
{
	size_t	l = strlen(w);

	return l >= 5 && strcmp(w + l - 2, "ed") == 0 && w[l - 3] != 'e';
}

/*
 * Whether the document uses single word x as a verb as well: an article
 * follows it ("return the", "set a") a quarter of the times or more, or
 * its past form ("returned", "used", "called") occurs at least a quarter
 * as often as it.
 */
static int
verb(const struct ctab *t, const struct cterm *x)
{
	const struct cterm	*p;
	char			 w[WORD_MAX + 4];
	size_t			 l = strlen(x->w);

	if ((uint64_t)x->art * 4 >= x->n)
		return 1;
	if (l + 3 > sizeof(w))
		return 0;
	memcpy(w, x->w, l);
	if (x->w[l - 1] == 'e')
		memcpy(w + l, "d", 2);
	else
		memcpy(w + l, "ed", 3);
	p = ctab_slot(t->v, t->cap, w);
	return p->w != NULL && p->n >= 2 && (uint64_t)p->n * 4 >= x->n;
}

/* The entry of the single word w, NULL if the document lacks it. */
static struct cterm *
word_entry(struct ctab *t, const char *w, size_t len)
{
	char		 b[WORD_MAX + 1];
	struct cterm	*x;

	if (len > WORD_MAX)
		return NULL;
	memcpy(b, w, len);
	b[len] = '\0';
	x = ctab_slot(t->v, t->cap, b);
	return x->w != NULL && x->n > 0 ? x : NULL;
}

/*
 * Terms that are not concepts, whatever the KB (see docs/architecture.md,
 * "Concepts"):
 * - labels: a term a number follows at least half the times it occurs
 *   ("version 3.11", "changed in version 3.2", "PEP 8");
 * - in English, participles and words the document uses as verbs too;
 * - a single word that occurs mostly inside one of the document's
 *   phrases: the phrase is the concept ("regular expression", not
 *   "expression").
 */
static void
drop_noise(struct ctab *t, int lang)
{
	struct cterm	*x, *e;
	const char	*sp;
	size_t		 i;

	for (i = 0; i < t->cap; i++) {
		x = &t->v[i];
		if (x->w == NULL || x->n == 0)
			continue;
		if ((uint64_t)x->num * 2 >= x->n)
			x->noise = 1;
		else if (lang == 0 && x->words == 1 && (participle(x->w) ||
		    verb(t, x)))
			x->noise = 1;
	}
	for (i = 0; i < t->cap; i++) {
		x = &t->v[i];
		if (x->w == NULL || x->n < 2 || x->words < 2)
			continue;
		sp = strchr(x->w, ' ');
		if ((e = word_entry(t, x->w, (size_t)(sp - x->w))) != NULL &&
		    (uint64_t)x->n * 2 >= e->n)
			e->noise = 1;
		sp = strrchr(x->w, ' ') + 1;
		if ((e = word_entry(t, sp, strlen(sp))) != NULL &&
		    (uint64_t)x->n * 2 >= e->n)
			e->noise = 1;
	}
}

static int
cterm_before(const struct cterm *a, const struct cterm *b)
{
	if (score(a) != score(b))
		return score(a) > score(b);
	return strcmp(a->w, b->w) < 0;
}

/* Definitions. */

struct defs {
	struct ctab		*t;
	struct concept_term	*out;
	char			*para;
	size_t			 plen, pcap;
};

/*
 * A sentence as a page shows it: Markdown emphasis, code marks and link
 * targets out, white space folded; NULL when too short to define.
 */
static char *
clean_sentence(const char *s, size_t len)
{
	char	*out, *p;
	size_t	 i;
	int	 space = 0;

	p = out = xmalloc(len + 4);
	for (i = 0; i < len; i++) {
		if (s[i] == ']' && i + 1 < len && s[i + 1] == '(') {
			while (i < len && s[i] != ')')
				i++;
			continue;
		}
		if (s[i] == '*' || s[i] == '`' || s[i] == '[' || s[i] == ']')
			continue;
		/* Control bytes too: a page shows it on one line. */
		if (s[i] == ' ' || (unsigned char)s[i] < 0x20 ||
		    s[i] == 0x7f) {
			space = p != out;
			continue;
		}
		if (space)
			*p++ = ' ';
		space = 0;
		*p++ = s[i];
	}
	*p = '\0';
	if (strlen(out) < DEFN_MIN || utf8_check(out, strlen(out), NULL) != 0) {
		free(out);
		return NULL;
	}
	if (strlen(out) > CONCEPT_DEFN_MAX) {
		p = out + utf8_cut(out, CONCEPT_DEFN_MAX - 3);
		while (p > out && p[-1] != ' ')
			p--;
		while (p > out && p[-1] == ' ')
			p--;
		memcpy(p, "\xe2\x80\xa6", 4);	/* … */
	}
	return out;
}

/* Up to max lower-case words at the start of s. */
static size_t
first_words(const char *s, const char *end, char w[][WORD_MAX + 1],
    size_t max)
{
	const unsigned char	*p = (const unsigned char *)s;
	const unsigned char	*e = (const unsigned char *)end;
	size_t			 n = 0, l;

	while (n < max && p < e) {
		while (p < e && !word_char(p, e)) {
			if (*p != ' ' && *p != '*' && *p != '`' &&
			    *p != '[' && *p != '_')
				return n;
			p++;
		}
		for (l = 0; p < e && word_char(p, e); p++) {
			if (l == WORD_MAX)
				return n;
			w[n][l++] = (char)(*p >= 'A' && *p <= 'Z' ?
			    *p | 0x20 : *p);
		}
		if (l == 0)
			break;
		w[n++][l] = '\0';
		/* Code marks around a word are dropped, not a break. */
		while (p < e && (*p == '*' || *p == '`' || *p == ']' ||
		    *p == '_'))
			p++;
	}
	return n;
}

/* One sentence: does it start "[A|An|The] TERM is|are"? */
static void
def_sentence(struct defs *d, const char *s, const char *end)
{
	char		 w[CONCEPT_WORDS_MAX + 2][WORD_MAX + 1];
	char		 term[TERM_MAX + 1];
	struct cterm	*t;
	size_t		 nw, a = 0, n;

	while (s < end && (*s == ' ' || *s == '-' || *s == '>' || *s == '|'))
		s++;
	nw = first_words(s, end, w, CONCEPT_WORDS_MAX + 2);
	if (nw > 0 && (strcmp(w[0], "a") == 0 || strcmp(w[0], "an") == 0 ||
	    strcmp(w[0], "the") == 0))
		a = 1;
	for (n = CONCEPT_WORDS_MAX; n >= 1; n--) {
		if (a + n >= nw || (strcmp(w[a + n], "is") != 0 &&
		    strcmp(w[a + n], "are") != 0))
			continue;
		join_words(term, w + a, n);
		t = ctab_slot(d->t->v, d->t->cap, term);
		/* "Lists are ...": the plural folded into "list". */
		if ((t->w == NULL || t->pick == 0) && strlen(term) > 3 &&
		    term[strlen(term) - 1] == 's') {
			term[strlen(term) - 1] = '\0';
			t = ctab_slot(d->t->v, d->t->cap, term);
		}
		if (t->w == NULL || t->pick == 0 ||
		    d->out[t->pick - 1].defn != NULL)
			continue;
		d->out[t->pick - 1].defn = clean_sentence(s,
		    (size_t)(end - s));
		return;
	}
}

/* A paragraph, cut into sentences at ". ", "! ", "? " and its end. */
static void
def_paragraph(struct defs *d)
{
	const char	*p = d->para, *end = d->para + d->plen, *s = p;

	for (; p < end; p++) {
		if ((*p == '.' || *p == '!' || *p == '?') &&
		    (p + 1 == end || p[1] == ' ')) {
			def_sentence(d, s, p + 1);
			s = p + 1;
		}
	}
	if (s < end)
		def_sentence(d, s, end);
	d->plen = 0;
}

static void
def_cb(void *arg, const char *p, const char *eol)
{
	struct defs	*d = arg;
	size_t		 n;

	if (p == NULL) {
		if (d->plen > 0)
			def_paragraph(d);
		return;
	}
	/* A list item starts a paragraph of its own. */
	if (d->plen > 0 && (*p == '-' || *p == '*'))
		def_paragraph(d);
	n = (size_t)(eol - p);
	if (d->plen + n + 2 > d->pcap) {
		d->pcap = (d->plen + n + 2) * 2;
		d->para = xreallocarray(d->para, d->pcap, 1);
	}
	if (d->plen > 0)
		d->para[d->plen++] = ' ';
	memcpy(d->para + d->plen, p, n);
	d->plen += n;
}

size_t
concepts_extract(const char *md, size_t len, struct concept_term **out)
{
	return concepts_extract_lang(md, len, tok_doc_lang(md, len), out);
}

size_t
concepts_extract_lang(const char *md, size_t len, int lang,
    struct concept_term **out)
{
	struct lexer		 lx;
	struct defs		 d;
	struct cterm		*top[CONCEPT_DOC_TERMS], *x;
	struct concept_term	*v;
	size_t			 ntop = 0, i, j;

	memset(&lx, 0, sizeof(lx));
	lx.lang = lang;
	ctab_grow(&lx.t);
	prose_lines(md, len, lex_cb, &lx);
	if (lx.lang == 0)
		fold_plurals(&lx.t);
	drop_noise(&lx.t, lx.lang);

	for (i = 0; i < lx.t.cap; i++) {
		x = &lx.t.v[i];
		/* Once is chance: a term counts from its second time. */
		if (x->w == NULL || x->n < 2 || x->noise)
			continue;
		/* Markdown that is not UTF-8 (a PDF's) makes no term. */
		if (utf8_check(x->w, strlen(x->w), NULL) != 0)
			continue;
		if (ntop == CONCEPT_DOC_TERMS &&
		    !cterm_before(x, top[ntop - 1]))
			continue;
		if (ntop < CONCEPT_DOC_TERMS)
			ntop++;
		for (j = ntop - 1; j > 0 && cterm_before(x, top[j - 1]); j--)
			top[j] = top[j - 1];
		top[j] = x;
	}
	v = xcalloc(ntop ? ntop : 1, sizeof(*v));
	for (i = 0; i < ntop; i++) {
		top[i]->pick = i + 1;
		v[i].term = xstrdup(top[i]->w);
		v[i].count = top[i]->n;
		v[i].weight = (uint32_t)((uint64_t)top[i]->n * 1000000 /
		    (lx.nwords ? lx.nwords : 1));
	}
	if (ntop > 0) {
		memset(&d, 0, sizeof(d));
		d.t = &lx.t;
		d.out = v;
		prose_lines(md, len, def_cb, &d);
		free(d.para);
	}
	ctab_free(&lx.t);
	*out = v;
	return ntop;
}

void
concepts_terms_free(struct concept_term *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i].term);
		free(v[i].defn);
	}
	free(v);
}
