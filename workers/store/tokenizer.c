/*
 * The FTS5 tokenizer "kbd" (see tokenizer.h and docs/architecture.md,
 * "Search index"). It wraps FTS5's own unicode61, which folds case and
 * removes diacritics, and told to keep "+#._-" inside tokens, so that what
 * people type (c++, C#, .NET, node.js, e-mail, foo_bar, 3.11.2) arrives
 * whole. Of each such token it emits, all at one position:
 *
 *   - the word folded ("owls"), and its Snowball stem in the text's
 *     language, marked ("\x01owl"), when the stem differs;
 *   - for a compound, the whole ("node.js") and its parts ("node", "js"),
 *     the dotted prefixes of a version ("3.11" of "3.11.2"), the parts
 *     joined ("email" of "e-mail"), and the parts' stems;
 *   - for Han, Hiragana, Katakana and Hangul runs, overlapping bigrams,
 *     each with its first character colocated (a one-character query
 *     finds every bigram it starts), the run's last character with the
 *     last bigram.
 *
 * A query term is the word, or'ed (colocated, in a query) with its stems
 * in the KB's languages, marked and unmarked; a compound is its whole
 * form; a string of several words, or one that begins with
 * TOK_EXACT_MARK, matches exact forms only; a prefix query, its form.
 * Positions never depend on the language, so highlighting finds the
 * same tokens whatever language it tokenizes in.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <sqlite3.h>

#include "stemcache.h"
#include "tokenizer.h"
#include "util.h"

/* The fts5 API: SQLite's fts5.h is in sqlite3.h since 3.9. */
#define TOK_MAXLANG	32
#define TOK_MAXWORD	128		/* longer tokens are not stemmed */
#define TOK_MAXPARTS	16

struct ktok {
	fts5_tokenizer	 u61;
	Fts5Tokenizer	*wide;
	struct sb_stemmer *stem[TOK_MAXLANG];
	int		 nostem[TOK_MAXLANG];
	struct stem_cache *cache;	/* indexing's, or NULL */
};

typedef int (*token_cb)(void *, int, const char *, int, int, int);

struct run {
	struct ktok	*t;
	void		*ctx;
	token_cb	 cb;
	int		 query;		/* FTS5_TOKENIZE_QUERY */
	int		 aux;		/* FTS5_TOKENIZE_AUX: positions only */
	int		 exact;		/* query: exact forms only */
	int		 lang;		/* document: its language */
	const char	*text;		/* what unicode61 tokenizes */
	int		 base;		/* its offset in the caller's text */
	int		 count;		/* the counting pass's tokens */
	int		 counting;
	/*
	 * The caller's callback said SQLITE_DONE (stop: kbd_snippet past
	 * its window). unicode61 stops on it but returns SQLITE_OK, so a
	 * CJK run's pieces, each a tokenization of its own, check this.
	 */
	int		 stopped;
};

static int	run_tokens(struct run *, const char *, int, int);

/* The joiners a token may hold: "+#._-" (a switch: called per byte). */
static int
is_punct(char c)
{
	switch (c) {
	case '+': case '#': case '.': case '_': case '-':
		return 1;
	default:
		return 0;
	}
}

/* Decode one UTF-8 character; an invalid byte reads as itself. */
static unsigned
decode(const unsigned char *s, int n, int *len)
{
	unsigned	c = s[0];
	int		k, i;

	if (c < 0x80 || n < 2) {
		*len = 1;
		return c;
	}
	if ((c & 0xe0) == 0xc0)
		k = 2, c &= 0x1f;
	else if ((c & 0xf0) == 0xe0)
		k = 3, c &= 0x0f;
	else if ((c & 0xf8) == 0xf0)
		k = 4, c &= 0x07;
	else {
		*len = 1;
		return c;
	}
	if (k > n) {
		*len = 1;
		return s[0];
	}
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*len = 1;
			return s[0];
		}
		c = c << 6 | (s[i] & 0x3f);
	}
	*len = k;
	return c;
}

static int
is_cjk(unsigned c)
{
	return (c >= 0x3040 && c <= 0x30ff) ||	/* Hiragana, Katakana */
	    (c >= 0x31f0 && c <= 0x31ff) ||	/* Katakana extension */
	    (c >= 0x3400 && c <= 0x4dbf) ||	/* Han extension A */
	    (c >= 0x4e00 && c <= 0x9fff) ||	/* Han */
	    (c >= 0xf900 && c <= 0xfaff) ||	/* Han compatibility */
	    (c >= 0x1100 && c <= 0x11ff) ||	/* Hangul Jamo */
	    (c >= 0x3130 && c <= 0x318f) ||	/* Hangul compatibility */
	    (c >= 0xac00 && c <= 0xd7af) ||	/* Hangul syllables */
	    (c >= 0xff66 && c <= 0xff9f) ||	/* half-width Katakana */
	    (c >= 0x20000 && c <= 0x2ffff);	/* Han extensions B... */
}

static struct sb_stemmer *
stemmer(struct ktok *t, int lang)
{
	if (lang < 0 || lang >= TOK_MAXLANG || t->nostem[lang])
		return NULL;
	if (t->stem[lang] == NULL &&
	    (t->stem[lang] = sb_stemmer_new(tok_lang_name(lang), NULL)) ==
	    NULL)
		t->nostem[lang] = 1;
	return t->stem[lang];
}

/*
 * The original text lower-cased, diacritics kept, for the stemmers, which
 * expect them ("corrían" and "correr" share a stem; "corrian" does not).
 * ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals; the
 * rest as it is. The output is never longer than the input.
 */
static int
lower_orig(const char *p, int n, char *out)
{
	const unsigned char	*u = (const unsigned char *)p;
	unsigned		 c;
	int			 i = 0, o = 0, l;

	while (i < n) {
		c = decode(u + i, n - i, &l);
		if (l == 1) {
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 :
			    c);
			i++;
			continue;
		}
		if ((c >= 0xc0 && c <= 0xde && c != 0xd7) ||
		    (c >= 0x391 && c <= 0x3ab && c != 0x3a2) ||
		    (c >= 0x410 && c <= 0x42f))
			c += 32;
		else if (c >= 0x400 && c <= 0x40f)
			c += 80;
		else if (c >= 0x100 && c <= 0x17f && (c & 1) == 0 &&
		    c != 0x130 && c != 0x138)
			c += 1;
		/* Same ranges, same UTF-8 length: 2 bytes. */
		if (l == 2 && c < 0x800) {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			memcpy(out + o, p + i, (size_t)l);
			o += l;
		}
		i += l;
	}
	return o;
}

/*
 * The stem of w in lang into out (NUL-terminated), or 0; *same: it is w
 * (most words of a text are their own stem). h: w's hash when w is ASCII
 * and its caller has it (scan_next), else 0.
 */
static int
stem_of(struct ktok *t, int lang, const char *w, int n, char *out, int size,
    int cached, int *same, uint32_t h)
{
	struct sb_stemmer	*sb;
	const sb_symbol		*s;
	int			 len, chars = n, i;

	if (n < 3 || n > TOK_MAXWORD || (w[0] >= '0' && w[0] <= '9'))
		return 0;
	/* One pass for both: every token of every document comes here. */
	if (h == 0)
		for (h = FNV_BASIS, chars = i = 0; i < n; i++) {
			chars += ((unsigned char)w[i] & 0xc0) != 0x80;
			h = FNV_STEP(h, (unsigned char)w[i]);
		}
	if (chars < 3 || (sb = stemmer(t, lang)) == NULL)
		return 0;
	cached = cached && n < STEM_CACHE_WORD && size > n + STEM_CACHE_WORD &&
	    (t->cache != NULL || (t->cache = stem_cache_new()) != NULL);
	if (cached && (len = stem_cache_get(t->cache, lang, w, n, h, out + 1,
	    same)) >= 0) {
		out[0] = TOK_STEM_MARK;
		out[len + 1] = '\0';
		return len + 1;
	}
	if ((s = sb_stemmer_stem(sb, (const sb_symbol *)w, n)) == NULL)
		return 0;
	len = sb_stemmer_length(sb);
	if (len <= 0 || len + 2 > size)
		return 0;
	out[0] = TOK_STEM_MARK;
	memcpy(out + 1, s, (size_t)len);
	out[len + 1] = '\0';
	*same = len == n && memcmp(s, w, (size_t)n) == 0;
	if (cached)
		stem_cache_put(t->cache, lang, w, n, h, out + 1, len);
	return len + 1;
}

/* Emit a token; colocated after the first of a position. */
static int
emit(struct run *r, int *first, const char *tok, int n, int s, int e)
{
	int	rc;

	/* Highlighting and snippets skip colocated tokens: spare them. */
	if (n <= 0 || (r->aux && !*first))
		return SQLITE_OK;
	rc = r->cb(r->ctx, *first ? 0 : FTS5_TOKEN_COLOCATED, tok, n, s, e);
	*first = 0;
	if (rc == SQLITE_DONE)
		r->stopped = 1;
	return rc;
}

/*
 * A plain word w (folded): the word, then its stems, of sw (w with its
 * diacritics, lower case).
 */
static int
emit_word(struct run *r, int *first, const char *w, int n, const char *sw,
    int sn, int s, int e, int stems, uint32_t h)
{
	char		 buf[TOK_MAXWORD + 8], seen[TOK_MAXLANG][TOK_MAXWORD + 8];
	uint32_t	 mask;
	int		 rc, len, l, k, nseen = 0, dup, same;

	if ((rc = emit(r, first, w, n, s, e)) != SQLITE_OK || !stems ||
	    r->aux)
		return rc;
	if (!r->query) {
		len = stem_of(r->t, r->lang, sw, sn, buf, sizeof(buf), 1,
		    &same, h);
		/* Its own stem: when w is sw, no comparison. */
		if (len > 0 && !(same && sw == w) && (len - 1 != n ||
		    memcmp(buf + 1, w, n) != 0))
			rc = emit(r, first, buf, len, s, e);
		return rc;
	}
	/* A query term: its stems in every language of the KB. */
	mask = tok_query_langs();
	for (l = 0; l < TOK_MAXLANG && rc == SQLITE_OK; l++) {
		if ((mask & (1u << l)) == 0 || (len = stem_of(r->t, l, sw, sn,
		    buf, sizeof(buf), 0, &same, 0)) == 0)
			continue;
		for (k = dup = 0; k < nseen && !dup; k++)
			dup = strcmp(seen[k], buf) == 0;
		if (dup)
			continue;
		memcpy(seen[nseen++], buf, (size_t)len + 1);
		rc = emit(r, first, buf, len, s, e);
		/* A word that is its own stem is indexed unmarked. */
		if (rc == SQLITE_OK && (len - 1 != n ||
		    memcmp(buf + 1, w, n) != 0))
			rc = emit(r, first, buf + 1, len - 1, s, e);
	}
	return rc;
}

/* The parts of w between "+#._-"; *dots: joined by dots only. */
static int
split_parts(const char *w, int n, int *ps, int *pn, int *dots)
{
	int	np = 0, i;

	*dots = 1;
	for (i = 0; i < n && np < TOK_MAXPARTS; ) {
		while (i < n && is_punct(w[i]))
			i++;
		if (i == n)
			break;
		ps[np] = i;
		while (i < n && !is_punct(w[i]))
			i++;
		pn[np] = i - ps[np];
		if (i < n && w[i] != '.')
			*dots = 0;
		np++;
	}
	return np;
}

/*
 * A token with "+#._-" inside: the whole, then its parts (orig, on bytes:
 * the token lower-cased with its diacritics, for the stems).
 */
static int
emit_compound(struct run *r, const char *w, int n, const char *orig, int on,
    int s, int e)
{
	char	 join[TOK_MAXWORD + 1];
	int	 ps[TOK_MAXPARTS], pn[TOK_MAXPARTS];
	int	 os[TOK_MAXPARTS], osz[TOK_MAXPARTS];
	int	 np, onp, k, first = 1, rc, jn = 0, dots, odots;

	if ((rc = emit(r, &first, w, n, s, e)) != SQLITE_OK || r->query ||
	    r->aux)
		return rc;
	np = split_parts(w, n, ps, pn, &dots);
	if ((onp = split_parts(orig, on, os, osz, &odots)) != np) {
		orig = w;
		memcpy(os, ps, sizeof(ps));
		memcpy(osz, pn, sizeof(pn));
	}
	for (k = 0; k < np && rc == SQLITE_OK; k++) {
		rc = emit_word(r, &first, w + ps[k], pn[k], orig + os[k],
		    osz[k], s, e, 1, 0);
		if (jn + pn[k] <= TOK_MAXWORD) {
			memcpy(join + jn, w + ps[k], (size_t)pn[k]);
			jn += pn[k];
		}
		/* "3.11" of "3.11.2": a version found by its prefix. */
		if (rc == SQLITE_OK && dots && k >= 1 && k < np - 1)
			rc = emit(r, &first, w, ps[k] + pn[k], s, e);
	}
	/* "email" of "e-mail", "foobar" of "foo_bar". */
	if (rc == SQLITE_OK && np > 1 && !dots && jn < n)
		rc = emit(r, &first, join, jn, s, e);
	return rc;
}

/*
 * A run of CJK characters: bigrams, each with its first character. A
 * long run is read in chunks, so it needs no allocation; a chunk that is
 * not the last stops before its last character's own position, and the
 * next chunk starts at that character, so the bigram across the two is
 * made and the positions are those of one pass.
 */
static int
emit_cjk(struct run *r, const char *p, int n, int off)
{
	const unsigned char	*u = (const unsigned char *)p;
	int			 at[512], len[512], nc = 0, i, first, rc;
	int			 o = 0, l, more;

	while (o < n) {
		nc = 0;
		while (o < n && nc < 512) {
			(void)decode(u + o, n - o, &l);
			at[nc] = o;
			len[nc++] = l;
			o += l;
		}
		if ((more = o < n))
			o = at[nc - 1];
		for (i = 0; i < nc - more; i++) {
			first = 1;
			if (i + 1 < nc) {
				rc = emit(r, &first, p + at[i],
				    len[i] + len[i + 1], off + at[i],
				    off + at[i + 1] + len[i + 1]);
				if (rc != SQLITE_OK)
					return rc;
				if (r->query) {
					/* Query: bigrams only, a phrase. */
					if (i + 2 == nc)
						break;
					continue;
				}
			}
			rc = emit(r, &first, p + at[i], len[i], off + at[i],
			    off + at[i] + len[i]);
			if (rc == SQLITE_OK && i + 2 == nc && !more &&
			    !r->query)
				rc = emit(r, &first, p + at[i + 1],
				    len[i + 1], off + at[i + 1],
				    off + at[i + 1] + len[i + 1]);
			if (rc != SQLITE_OK)
				return rc;
			if (i + 2 == nc)
				break;
		}
	}
	return SQLITE_OK;
}

/* A token of unicode61 (folded) at s..e of r->text. */
static int
one_token(void *arg, int tflags, const char *tok, int n, int s, int e)
{
	struct run		*r = arg;
	const unsigned char	*u = (const unsigned char *)r->text;
	const char		*orig;
	char			 lo[TOK_MAXWORD * 2];
	int			 i, l, cjk = 0, seg, c0, first = 1, inner, on;
	int			 rc = SQLITE_OK, ascii;

	(void)tflags;
	/*
	 * Every CJK character is three or four bytes with a lead byte of
	 * 0xE1 or more, and no other byte of UTF-8 reaches 0xE1: only those
	 * are decoded (snippets tokenize whole bodies, per hit). Most tokens
	 * are ASCII: one test a byte tells so.
	 */
	for (i = s; i < e && u[i] < 0x80; i++)
		;
	ascii = i == e;
	for (; i < e && !cjk; i++)
		if (u[i] >= 0xe1)
			cjk = is_cjk(decode(u + i, e - i, &l));
	if (cjk) {
		/* Split the original text: CJK runs and the rest apart. */
		for (i = s; i < e && rc == SQLITE_OK && !r->stopped; ) {
			seg = i;
			c0 = is_cjk(decode(u + i, e - i, &l));
			while (i < e && is_cjk(decode(u + i, e - i, &l)) == c0)
				i += l;
			if (r->counting)
				r->count += 2;
			else if (c0)
				rc = emit_cjk(r, r->text + seg, i - seg,
				    r->base + seg);
			else
				rc = run_tokens(r, r->text + seg, i - seg,
				    r->base + seg);
		}
		return rc == SQLITE_OK && r->stopped ? SQLITE_DONE : rc;
	}
	/*
	 * Trim what is not part of the word: "end." "-9" "__init". A
	 * leading dot stays before a word with no other dot: ".NET".
	 */
	while (n > 0 && is_punct(tok[0]) && !(tok[0] == '.' && n > 1 &&
	    !is_punct(tok[1]) && memchr(tok + 1, '.', (size_t)n - 1) == NULL))
		tok++, n--, s++;
	while (n > 0 && (tok[n - 1] == '.' || tok[n - 1] == '_' ||
	    tok[n - 1] == '-'))
		n--, e--;
	/* Trailing "+" and "#" stay after a letter: c++, C#. */
	for (i = n; i > 0 && (tok[i - 1] == '+' || tok[i - 1] == '#'); i--)
		;
	if (i < n && (i == 0 || is_punct(tok[i - 1]))) {
		e -= n - i;
		n = i;
		while (n > 0 && is_punct(tok[n - 1]))
			n--, e--;
	}
	if (n == 0)
		return SQLITE_OK;
	if (r->counting) {
		r->count++;
		return SQLITE_OK;
	}
	inner = 0;
	for (i = 0; i < n && !inner; i++)
		inner = is_punct(tok[i]);
	/*
	 * The stemmers' input: the original, when it is not plain ASCII
	 * (the trimming above took ASCII punctuation off its ends only).
	 */
	on = n;
	orig = tok;
	if (!r->aux && !ascii && e - s <= TOK_MAXWORD * 2) {
		on = lower_orig(r->text + s, e - s, lo);
		orig = lo;
	}
	s += r->base;
	e += r->base;
	if (inner)
		return emit_compound(r, tok, n, orig, on, s, e);
	return emit_word(r, &first, tok, n, orig, on, s, e, !r->exact, 0);
}

/* unicode61 over text (n bytes) at offset base of the caller's text. */
static int
run_tokens(struct run *r, const char *text, int n, int base)
{
	const char	*otext = r->text;
	int		 obase = r->base, rc;

	r->text = text;
	r->base = base;
	rc = r->t->u61.xTokenize(r->t->wide, r, FTS5_TOKENIZE_DOCUMENT, text,
	    n, one_token);
	r->text = otext;
	r->base = obase;
	return rc;
}

int	tok_scan_ascii = 1;

/* Longer ASCII tokens go to unicode61 (scan_tokens' buffers). */
#define TOK_SCAN_MAX	256

/*
 * A token scan_next found at s..e: wide, for unicode61 (its bytes);
 * word, letters and digits only, folded in lo with its hash h.
 */
struct scanned {
	int		 s, e, wide, word;
	uint32_t	 h;
	char		 lo[TOK_SCAN_MAX];
};

/*
 * The token at or after *i of u (n bytes) into t, an ASCII one folded as
 * unicode61 folds it; 0 when there is none. The set of the stem cache
 * that will hold its stem is fetched meanwhile (a word of letters and
 * digits: stem_of hashes it as it is).
 */
static int
scan_next(struct run *r, const unsigned char *u, int n, int *i,
    struct scanned *t)
{
	uint32_t	h = FNV_BASIS;
	unsigned char	b;
	int		k = *i, c, cls = 0, len, lim, j;

	while (k < n && tok_byte_class[u[k]] == 0)
		k++;
	if (k == n) {
		*i = k;
		return 0;
	}
	t->s = k;
	lim = n - k > TOK_SCAN_MAX ? k + TOK_SCAN_MAX : n;
	for (j = 0; k < lim && (c = tok_byte_class[u[k]]) != 0; k++, j++) {
		cls |= c;
		/* A letter's case bit; digits have it already. */
		b = (unsigned char)(u[k] | (c & 2) << 4);
		t->lo[j] = (char)b;
		h = FNV_STEP(h, b);
	}
	/* Longer than lo: unicode61's. */
	for (; k < n && tok_byte_class[u[k]] != 0; k++)
		cls |= 4;
	*i = t->e = k;
	len = k - t->s;
	t->wide = (cls & 4) != 0;
	t->word = cls == 2;
	t->h = h;
	if (t->word && len >= 3 && len < STEM_CACHE_WORD && !r->query &&
	    !r->aux && r->t->cache != NULL && (t->lo[0] < '0' ||
	    t->lo[0] > '9'))
		stem_cache_prefetch(r->t->cache, r->lang, h);
	return 1;
}

/*
 * A word of letters and digits, as one_token takes it: nothing to trim,
 * no parts, its stems' input the word itself.
 */
static int
one_word(struct run *r, const struct scanned *t, int base)
{
	int	first = 1, n = t->e - t->s;

	if (r->counting) {
		r->count++;
		return SQLITE_OK;
	}
	return emit_word(r, &first, t->lo, n, t->lo, n, base + t->s,
	    base + t->e, !r->exact, t->h);
}

/*
 * text (n bytes, at offset base of the caller's) as run_tokens gives it
 * to one_token, the ASCII tokens found here: unicode61's own work a
 * token (its call, its folding) was as much as one_token's on the ingest
 * bench's text. Why this is exact is tok_skip's reason (tokskip.c): an
 * ASCII separator ends a token whatever comes before it, so a run between
 * separators that holds a byte beyond ASCII is given to unicode61 alone,
 * and it splits it as in the whole text. The next token is found before
 * this one is handed on, so its stem's line is on its way (the cache's
 * misses were most of stem_of's time).
 */
static int
scan_tokens(struct run *r, const char *text, int n, int base)
{
	const unsigned char	*u = (const unsigned char *)text;
	const char		*otext = r->text;
	struct scanned		 t[2];
	int			 obase = r->base, i = 0, cur = 0, rc = SQLITE_OK;
	int			 have, next;

	if (!tok_scan_ascii)
		return run_tokens(r, text, n, base);
	r->text = text;
	r->base = base;
	have = scan_next(r, u, n, &i, &t[0]);
	while (have && rc == SQLITE_OK && !r->stopped) {
		next = scan_next(r, u, n, &i, &t[!cur]);
		if (t[cur].wide)
			rc = run_tokens(r, text + t[cur].s, t[cur].e - t[cur].s,
			    base + t[cur].s);
		else if (t[cur].word)
			rc = one_word(r, &t[cur], base);
		else
			rc = one_token(r, 0, t[cur].lo, t[cur].e - t[cur].s,
			    t[cur].s, t[cur].e);
		cur = !cur;
		have = next;
	}
	r->text = otext;
	r->base = obase;
	/* As unicode61: a callback's SQLITE_DONE stops, and is no error. */
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
ktok_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text,
    int n, token_cb cb)
{
	struct run	 r;
	char		 code[3];
	int		 off = 0, rc;

	memset(&r, 0, sizeof(r));
	r.t = (struct ktok *)p;
	r.ctx = ctx;
	r.cb = cb;
	r.lang = 0;
	r.query = (flags & FTS5_TOKENIZE_QUERY) != 0;
	r.aux = (flags & FTS5_TOKENIZE_AUX) != 0;
	if (n >= TOK_LANG_MARKLEN && text[0] == TOK_LANG_MARK &&
	    text[3] == TOK_LANG_MARK) {
		code[0] = text[1];
		code[1] = text[2];
		code[2] = '\0';
		if ((r.lang = tok_lang_by_code(code)) == -1)
			r.lang = 0;
		off = TOK_LANG_MARKLEN;
	}
	if (r.query) {
		if (n > 1 && (text[0] == TOK_FORM_MARK ||
		    text[0] == TOK_BOTH_MARK)) {
			/* As unicode61: a callback's SQLITE_DONE is no error. */
			rc = cb(ctx, 0, text + 1, n - 1, 0, n);
			return rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
		if (n > 0 && text[0] == TOK_EXACT_MARK)
			r.exact = 1;
		else if (flags & FTS5_TOKENIZE_PREFIX)
			r.exact = 1;
		else {
			/* Several words: a phrase, matched exactly. */
			r.counting = 1;
			(void)scan_tokens(&r, text, n, 0);
			r.counting = 0;
			r.exact = r.count > 1;
		}
	}
	return scan_tokens(&r, text + off, n - off, off);
}

static int
ktok_create(void *ud, const char **argv, int argc, Fts5Tokenizer **out)
{
	static const char	*wide[] = { "tokenchars", "+#._-" };
	fts5_api		*api = ud;
	struct ktok		*t;
	void			*u61ud;
	int			 rc;

	(void)argv;
	(void)argc;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return SQLITE_NOMEM;
	rc = api->xFindTokenizer(api, "unicode61", &u61ud, &t->u61);
	if (rc == SQLITE_OK)
		rc = t->u61.xCreate(u61ud, wide, 2, &t->wide);
	if (rc != SQLITE_OK) {
		free(t);
		return rc;
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void
ktok_delete(Fts5Tokenizer *p)
{
	struct ktok	*t = (struct ktok *)p;
	int		 i;

	if (t == NULL)
		return;
	for (i = 0; i < TOK_MAXLANG; i++)
		if (t->stem[i] != NULL)
			sb_stemmer_delete(t->stem[i]);
	t->u61.xDelete(t->wide);
	stem_cache_free(t->cache);
	free(t);
}

fts5_api *
tok_fts5_api(sqlite3 *db)
{
	sqlite3_stmt	*st;
	fts5_api	*api = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
	(void)sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

struct tok_counter {
	fts5_tokenizer	 tk;
	Fts5Tokenizer	*tok;
};

struct tok_counter *
tok_counter_new(sqlite3 *db)
{
	struct tok_counter	*c;
	fts5_api		*api;
	void			*ud;

	if ((api = tok_fts5_api(db)) == NULL || (c = calloc(1, sizeof(*c))) ==
	    NULL)
		return NULL;
	if (api->xFindTokenizer(api, TOK_NAME, &ud, &c->tk) != SQLITE_OK ||
	    c->tk.xCreate(ud, NULL, 0, &c->tok) != SQLITE_OK) {
		free(c);
		return NULL;
	}
	return c;
}

int
tok_count_cb(void *arg, int flags, const char *t, int n, int s, int e)
{
	(void)t;
	(void)n;
	(void)s;
	(void)e;
	if ((flags & FTS5_TOKEN_COLOCATED) == 0)
		(*(int *)arg)++;
	return SQLITE_OK;
}

int
tok_count(struct tok_counter *c, const char *text, int n)
{
	int	count = 0;

	if (c->tk.xTokenize(c->tok, &count, FTS5_TOKENIZE_DOCUMENT, text, n,
	    tok_count_cb) != SQLITE_OK)
		return -1;
	return count;
}

int
tok_aux(struct tok_counter *c, void *ctx, const char *text, int n,
    int (*cb)(void *, int, const char *, int, int, int))
{
	return c->tk.xTokenize(c->tok, ctx, FTS5_TOKENIZE_AUX, text, n, cb);
}

struct forms {
	char	*buf;
	size_t	 len, cap;
	int	 n, npos;
	int	 all;		/* tokens, kept or not */
};

static int
forms_cb(void *arg, int flags, const char *t, int n, int s, int e)
{
	struct forms	*f = arg;
	char		*b;
	size_t		 cap;

	(void)s;
	(void)e;
	f->all++;
	if ((flags & FTS5_TOKEN_COLOCATED) == 0)
		f->npos++;
	if (n <= 0 || memchr(t, '\0', (size_t)n) != NULL)
		return SQLITE_OK;
	if (f->len + (size_t)n + 1 > f->cap) {
		cap = (f->len + (size_t)n + 1) * 2;
		if ((b = realloc(f->buf, cap)) == NULL)
			return SQLITE_NOMEM;
		f->buf = b;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, t, (size_t)n);
	f->len += (size_t)n;
	f->buf[f->len++] = '\0';
	f->n++;
	return SQLITE_OK;
}

int
tok_forms(struct tok_counter *c, const char *w, int n, char **forms)
{
	struct forms	f;

	memset(&f, 0, sizeof(f));
	*forms = NULL;
	if (n <= 0 || w[0] == TOK_FORM_MARK || w[0] == TOK_EXACT_MARK ||
	    w[0] == TOK_BOTH_MARK)
		return 0;
	if (c->tk.xTokenize(c->tok, &f, FTS5_TOKENIZE_QUERY, w, n,
	    forms_cb) != SQLITE_OK) {
		free(f.buf);
		return -1;
	}
	if (f.npos != 1) {
		free(f.buf);
		return 0;
	}
	*forms = f.buf;
	return f.n;
}

int
tok_exact_form(struct tok_counter *c, const char *w, int n, char **form)
{
	struct forms	 f;
	char		*x;
	int		 rc;

	memset(&f, 0, sizeof(f));
	*form = NULL;
	if (n <= 0 || n == INT_MAX)
		return 0;
	if ((x = malloc((size_t)n + 1)) == NULL)
		return -1;
	x[0] = TOK_EXACT_MARK;
	memcpy(x + 1, w, (size_t)n);
	rc = c->tk.xTokenize(c->tok, &f, FTS5_TOKENIZE_QUERY, x, n + 1,
	    forms_cb);
	free(x);
	if (rc != SQLITE_OK) {
		free(f.buf);
		return -1;
	}
	if (f.all != 1 || f.n != 1) {
		free(f.buf);
		return 0;
	}
	*form = f.buf;
	return (int)f.len - 1;
}

void
tok_counter_free(struct tok_counter *c)
{
	if (c == NULL)
		return;
	c->tk.xDelete(c->tok);
	free(c);
}

int
tok_register(sqlite3 *db)
{
	fts5_tokenizer	 tk = { ktok_create, ktok_delete, ktok_tokenize };
	fts5_api	*api;

	if ((api = tok_fts5_api(db)) == NULL || api->iVersion < 2)
		return -1;
	if (api->xCreateTokenizer(api, TOK_NAME, api, &tk, NULL) != SQLITE_OK)
		return -1;
	if (kbd_rank_register(api) != SQLITE_OK ||
	    kbd_snippet_register(api) != SQLITE_OK)
		return -1;
	return 0;
}
