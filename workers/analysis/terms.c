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
#include "termtab.h"
#include "terms.h"
#include "utf8.h"
#include "xmalloc.h"

#define WORD_MIN	3		/* bytes of a content word */
#define WORD_MAX	CONCEPT_WORD_MAX
#define TERM_MAX	CONCEPT_TERM_MAX
#define DEFN_MIN	20		/* bytes of a defining sentence */

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

/* ASCII letters and digits: every byte of a document is looked up. */
static const unsigned char ascii_word[128] = {
	['0'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['A'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1,
	['a'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1,
};

/* Length of the word character at s (0: not one). */
static inline size_t
word_char(const unsigned char *s, const unsigned char *end)
{
	if (*s < 0x80)
		return ascii_word[*s];
	return separator(s, end) == 0;
}

static int
is_url(const unsigned char *s, const unsigned char *end)
{
	size_t	n = (size_t)(end - s);

	return (n >= 7 && strncasecmp((const char *)s, "http://", 7) == 0) ||
	    (n >= 8 && strncasecmp((const char *)s, "https://", 8) == 0);
}

/* The text of a run's last words: terms are its suffixes. */
#define RUN_BUF		(4 * (TERM_MAX + 1))

struct lexer {
	struct ctab	*t;
	int		 lang;
	uint64_t	 nwords;
	char		 run[RUN_BUF];	/* the window's words, one space apart */
	size_t		 rend;
	size_t		 off[CONCEPT_WORDS_MAX];	/* of each word in run */
	uint32_t	 wh[CONCEPT_WORDS_MAX];		/* hash_fnv1a of each */
	int		 content[CONCEPT_WORDS_MAX];
	unsigned	 nwin;		/* words of the current run, up to 3 */
	struct cterm	*last[CONCEPT_WORDS_MAX];	/* NULL: not counted */
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

/* w is NUL-terminated, h its hash_fnv1a. */
static int
content_word(const struct lexer *lx, const char *w, size_t len, uint32_t h)
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
	if (tok_stopword_hash(w, h, lx->lang))
		return 0;
	/* English also has the keywords' longer list, and its own. */
	if (lx->lang != 0)
		return 1;
	/* generic_set was built before the document (pthread_once). */
	return !keywords_stopword_hash(w, h) &&
	    !strset_has_hash(&generic_set, w, h);
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

/*
 * A word ends a run's last position: count the terms it ends. w is
 * NUL-terminated, h its hash_fnv1a.
 */
static void
lex_word(struct lexer *lx, const char *w, size_t len, uint32_t h)
{
	struct cterm	*t;
	unsigned	 n, first;
	size_t		 i, base;
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
			t = lx->last[n];
			if (t != NULL && digits)
				t->num++;
			else if (t != NULL)
				t->art++;
		}
	lx->nlast = 0;
	if (lx->nwin == CONCEPT_WORDS_MAX) {
		for (n = 0; n + 1 < CONCEPT_WORDS_MAX; n++) {
			lx->off[n] = lx->off[n + 1];
			lx->wh[n] = lx->wh[n + 1];
			lx->content[n] = lx->content[n + 1];
		}
		lx->nwin--;
	}
	if (lx->nwin == 0)
		lx->rend = 0;
	else if (lx->rend + 1 + len > sizeof(lx->run)) {
		base = lx->off[0];
		memmove(lx->run, lx->run + base, lx->rend - base);
		lx->rend -= base;
		for (n = 0; n < lx->nwin; n++)
			lx->off[n] -= base;
	}
	if (lx->nwin > 0)
		lx->run[lx->rend++] = ' ';
	lx->off[lx->nwin] = lx->rend;
	memcpy(lx->run + lx->rend, w, len);
	lx->rend += len;
	lx->wh[lx->nwin] = h;
	lx->content[lx->nwin] = content_word(lx, w, len, h);
	lx->nwin++;
	if (!lx->content[lx->nwin - 1])
		return;
	ctab_reserve(lx->t, lx->nwin);
	for (n = 1; n <= lx->nwin; n++) {
		first = lx->nwin - n;
		h = n == 1 ? lx->wh[first] : hash_words(lx->wh[first], h);
		if (!lx->content[first])
			continue;
		lx->last[lx->nlast++] = ctab_add(lx->t, lx->run +
		    lx->off[first], lx->rend - lx->off[first], n, h);
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
	uint32_t		 h;
	unsigned char		 c;
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
			h = FNV_BASIS;
			while (s < end && word_char(s, end)) {
				if (wl == WORD_MAX)
					toolong = 1;
				else {
					c = *s >= 'A' && *s <= 'Z' ?
					    *s | 0x20 : *s;
					w[wl++] = (char)c;
					h = (h ^ c) * FNV_PRIME;
				}
				s++;
			}
			if (toolong)
				lx->nwin = 0;
			else {
				w[wl] = '\0';
				lex_word(lx, w, wl, h);
			}
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
	size_t		 i, l;

	/*
	 * In any order: a singular never ends in "s" ("ss" is no plural),
	 * so no term both gives its count and takes another's.
	 */
	for (i = 0; i < t->n; i++) {
		x = &t->v[t->used[i]];
		if (x->n == 0 || (l = x->len) < 4 || x->w[l - 1] != 's' ||
		    x->w[l - 2] == 's' || x->w[l - 2] == ' ')
			continue;
		sg = ctab_slot(t, x->w, l - 1);
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
participle(const struct cterm *x)
{
	size_t	l = x->len;

	return l >= 5 && x->w[l - 2] == 'e' && x->w[l - 1] == 'd' &&
	    x->w[l - 3] != 'e';
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
	size_t			 l = x->len;
	uint32_t		 h = x->h;	/* a word's: hash_fnv1a */

	if ((uint64_t)x->art * 4 >= x->n)
		return 1;
	if (l + 3 > sizeof(w))
		return 0;
	memcpy(w, x->w, l);
	if (x->w[l - 1] != 'e') {
		w[l++] = 'e';
		h = (h ^ 'e') * FNV_PRIME;
	}
	w[l++] = 'd';
	h = (h ^ 'd') * FNV_PRIME;
	p = ctab_find(t, w, l, h);
	return p->w != NULL && p->n >= 2 && (uint64_t)p->n * 4 >= x->n;
}

/* The entry of the single word w, NULL if the document lacks it. */
static struct cterm *
word_entry(struct ctab *t, const char *w, size_t len)
{
	struct cterm	*x;

	if (len > WORD_MAX)
		return NULL;
	x = ctab_slot(t, w, len);
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
 * Each pass only sets noise, which no pass reads: any order will do.
 */
static void
drop_noise(struct ctab *t, int lang)
{
	struct cterm	*x, *e;
	const char	*sp;
	size_t		 i;

	for (i = 0; i < t->n; i++) {
		x = &t->v[t->used[i]];
		if (x->n == 0)
			continue;
		if ((uint64_t)x->num * 2 >= x->n)
			x->noise = 1;
		else if (lang == 0 && x->words == 1 && (participle(x) ||
		    verb(t, x)))
			x->noise = 1;
	}
	for (i = 0; i < t->n; i++) {
		x = &t->v[t->used[i]];
		if (x->n < 2 || x->words < 2)
			continue;
		sp = (const char *)memchr(x->w, ' ', x->len);
		if ((e = word_entry(t, x->w, (size_t)(sp - x->w))) != NULL &&
		    (uint64_t)x->n * 2 >= e->n)
			e->noise = 1;
		sp = (const char *)memrchr(x->w, ' ', x->len) + 1;
		if ((e = word_entry(t, sp, x->len - (size_t)(sp - x->w))) !=
		    NULL && (uint64_t)x->n * 2 >= e->n)
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
	size_t		 nw, a = 0, n, tl;

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
		tl = join_words(term, w + a, n);
		t = ctab_slot(d->t, term, tl);
		/* "Lists are ...": the plural folded into "list". */
		if ((t->w == NULL || t->pick == 0) && tl > 3 &&
		    term[tl - 1] == 's')
			t = ctab_slot(d->t, term, tl - 1);
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
	struct ctab		*t = ctab_thread();
	struct defs		 d;
	struct cterm		*top[CONCEPT_DOC_TERMS], *x;
	struct concept_term	*v;
	size_t			 ntop = 0, i, j;

	(void)pthread_once(&generic_once, generic_build);
	memset(&lx, 0, sizeof(lx));
	lx.t = t;
	lx.lang = lang;
	prose_lines(md, len, lex_cb, &lx);
	if (lx.lang == 0)
		fold_plurals(t);
	drop_noise(t, lx.lang);

	/* cterm_before is a total order: the pick is that of any order. */
	for (i = 0; i < t->n; i++) {
		x = &t->v[t->used[i]];
		/* Once is chance: a term counts from its second time. */
		if (x->n < 2 || x->noise)
			continue;
		/* Markdown that is not UTF-8 (a PDF's) makes no term. */
		if (utf8_check(x->w, x->len, NULL) != 0)
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
		top[i]->pick = (uint32_t)(i + 1);
		v[i].term = xstrdup(top[i]->w);
		v[i].count = top[i]->n;
		v[i].weight = (uint32_t)((uint64_t)top[i]->n * 1000000 /
		    (lx.nwords ? lx.nwords : 1));
	}
	if (ntop > 0) {
		memset(&d, 0, sizeof(d));
		d.t = t;
		d.out = v;
		prose_lines(md, len, def_cb, &d);
		free(d.para);
	}
	ctab_reset(t);
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
