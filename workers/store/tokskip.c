/*
 * tok_skip (see tokenizer.h): where the token at a position starts, found
 * by a pass over the text's bytes rather than the tokenizer, for
 * kbd_snippet's window deep in a long page. It mirrors the "kbd"
 * tokenizer's rules for ASCII (tokenizer.c: unicode61 keeping "+#._-"),
 * and hands runs beyond ASCII to the tokenizer itself.
 */
#include <stdint.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <sqlite3.h>

#include "tokenizer.h"

/* Each byte as unicode61 (with "+#._-" kept) sees it (tokenizer.h). */
const unsigned char tok_byte_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0,
	0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 1,
	0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

#ifdef __SSE2__
/* Bytes of v in [lo, lo + span], as a bit each. */
static unsigned
in_range(__m128i v, char lo, char span)
{
	__m128i	d = _mm_sub_epi8(v, _mm_set1_epi8(lo));

	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d,
	    _mm_set1_epi8(span)), d));
}

/*
 * The 64 bytes at u as byte_class sees them, a bit a byte: *alnum the
 * letters and digits (2), *sep the separators (0). 0 when one of them is
 * beyond ASCII (4): such a run is the tokenizer's to count.
 */
static int
ascii64(const unsigned char *u, uint64_t *alnum, uint64_t *sep)
{
	__m128i		v;
	uint64_t	a = 0, j = 0;
	unsigned	m;
	int		k;

	for (k = 0; k < 4; k++) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(u +
		    (size_t)k * 16));
		if (_mm_movemask_epi8(v) != 0)
			return 0;
		m = in_range(v, '0', 9) |
		    in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 25);
		a |= (uint64_t)m << (16 * k);
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('#')),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('+'))), _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('.'))),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('_')))));
		j |= (uint64_t)m << (16 * k);
	}
	*alnum = a;
	*sep = ~(a | j);
	return 1;
}

/*
 * The bits set in x. Without -mpopcnt, __builtin_popcountll is a call
 * into libgcc (a table a byte): 3 % of kbd's CPU over topical searches.
 */
static inline int
pop64(uint64_t x)
{
#ifdef __POPCNT__
	return __builtin_popcountll(x);
#else
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (int)((x * 0x0101010101010101ULL) >> 56);
#endif
}

/*
 * From i, where a run may start (the byte before is a separator, or
 * there is none), the whole runs of 64 bytes of ASCII at a time, up to
 * the last separator of each, while they end before position pos: the
 * offset reached, *at counted on. A run counts when it holds a letter
 * or a digit, as one token: its first one, whose gap since the letter
 * or digit before holds a separator. Adding the separators to the gaps'
 * bits carries a 1 from each separator up its gap into the next letter,
 * and only there (the carry in is the separator before i).
 */
static int
skip_ascii(const unsigned char *u, int n, int i, int pos, int *at)
{
	uint64_t	a, z, keep;
	int		last, k;

	while (n - i >= 64 && ascii64(u + i, &a, &z) && z != 0) {
		last = 63 - __builtin_clzll(z);
		keep = last == 63 ? ~(uint64_t)0 :
		    ((uint64_t)1 << (last + 1)) - 1;
		k = pop64(a & keep & (~a + z + 1));
		if (*at + k > pos)
			break;
		*at += k;
		i += last + 1;
	}
	return i;
}
#endif

/*
 * Why this is exact: an ASCII separator is never inside a token (nor
 * inside a character of UTF-8), so the runs between separators are
 * tokenized apart as they are together; a run of ASCII alone is one
 * unicode61 token, and one_token keeps it iff it holds a letter or a
 * digit (it trims joiners only). Other runs are the caller's to count.
 * Long pages are mostly ASCII: 64 bytes of them are counted at a time
 * (skip_ascii); byte by byte, this loop was a third of kbd's CPU over
 * the demo KB's phrase searches.
 */
int
tok_skip(const char *text, int n, int pos, int *at, tok_run_counter count,
    void *arg)
{
	const unsigned char	*u = (const unsigned char *)text;
	int			 i = 0, s, k, c;

	*at = 0;
	if (n >= TOK_LANG_MARKLEN && text[0] == TOK_LANG_MARK &&
	    text[3] == TOK_LANG_MARK)
		i = TOK_LANG_MARKLEN;
	while (i < n) {
#ifdef __SSE2__
		if ((i = skip_ascii(u, n, i, pos, at)) == n)
			break;
#endif
		while (i < n && tok_byte_class[u[i]] == 0)
			i++;
		if (i == n)
			break;
		for (s = i, c = 0; i < n && tok_byte_class[u[i]] != 0; i++)
			c |= tok_byte_class[u[i]];
		if ((c & 4) == 0)
			k = (c & 2) != 0;
		else if ((k = count(arg, text + s, i - s)) < 0)
			return -1;
		if (*at + k > pos)
			return s;
		*at += k;
	}
	return n;
}
