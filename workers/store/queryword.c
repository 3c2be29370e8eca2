/*
 * How the query compiler writes a word as FTS5 strings (its forms, its
 * exact form: tokenizer.h's marks) and reads the compiled expression back
 * into the groups kbd_rank and the snippets count (query.h's group and
 * also). The two halves are one convention, kept in one file.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "query_int.h"
#include "tokenizer.h"

/*
 * A word as "(\"w\" OR \"\x1ew\")": the word with its stems (a one-word
 * string), or its exact form (the tokenizer's exact mark, tokenizer.h), a
 * second match that makes exact forms rank above stems.
 *
 * With the tokenizer (ps->tc), the first is written as its forms, each a
 * string of one token (tokenizer.h, tok_forms), "(\"\x1dowls\" OR
 * \"\x1d\x01owl\" OR \"\x1dowl\" OR \"\x1eowls\")": the same rows,
 * read as FTS5 reads a word (the stems as one string are synonyms, which
 * it merges position by position: "the" cost 17 times as much). kbd_rank
 * sums the forms as the one phrase they stand for (query_groups).
 */

/*
 * A form of a word: a string of one token (TOK_FORM_MARK), or
 * (TOK_BOTH_MARK) one that is its exact form too.
 */
static int
form_quoted(struct parser *ps, struct sbuf *b, const char *f, size_t n,
    char mark)
{
	char	*y;
	int	 r;

	if ((y = malloc(n + 1)) == NULL)
		return query_fail(ps, f, NULL, "out of memory");
	y[0] = mark;
	memcpy(y + 1, f, n);
	r = sb_quoted(ps, b, y, n + 1);
	free(y);
	return r;
}

/*
 * A word's forms (tok_forms), each a string, or'ed: *nf of them; the word
 * as one string when the tokenizer gives none (or there is none). The
 * form that is exact (NULL: none), if any, is marked so (TOK_BOTH_MARK),
 * and *both set.
 */
static int
word_forms(struct parser *ps, struct sbuf *b, const char *w, size_t n,
    int *nf, const char *exact, int *both)
{
	char	*forms = NULL, *f, mark;
	size_t	 len;
	int	 r = 0, i;

	*nf = 0;
	*both = 0;
	if (ps->tc != NULL && n <= INT_MAX &&
	    (*nf = tok_forms(ps->tc, w, (int)n, &forms)) < 0)
		return query_fail(ps, w, NULL, "out of memory");
	if (*nf == 0)
		return sb_quoted(ps, b, w, n);
	for (i = 0, f = forms; i < *nf && r == 0; i++, f += len + 1) {
		len = strlen(f);
		mark = TOK_FORM_MARK;
		if (exact != NULL && !*both && strcmp(f, exact) == 0) {
			mark = TOK_BOTH_MARK;
			*both = 1;
		}
		r = (i > 0 && sb_add(ps, b, " OR ", 4) == -1) ||
		    form_quoted(ps, b, f, len, mark) == -1 ? -1 : 0;
	}
	free(forms);
	return r;
}

/*
 * The word's forms, then its exact form: left out when it is one of the
 * forms (the tokens are the same, and FTS5 would read the list twice),
 * that form marked to count for it (query_groups).
 */
int
exact_or_stem(struct parser *ps, struct sbuf *b, const char *w, size_t n)
{
	char	*x, *exact = NULL;
	int	 r, nf, both;

	if (ps->tc != NULL && n < INT_MAX &&
	    tok_exact_form(ps->tc, w, (int)n, &exact) < 0)
		return query_fail(ps, w, NULL, "out of memory");
	if ((x = malloc(n + 1)) == NULL) {
		free(exact);
		return query_fail(ps, w, NULL, "out of memory");
	}
	x[0] = TOK_EXACT_MARK;
	memcpy(x + 1, w, n);
	r = sb_add(ps, b, "(", 1) == -1 || word_forms(ps, b, w, n, &nf,
	    exact, &both) == -1 || (!both && (sb_add(ps, b, " OR ", 4) ==
	    -1 || sb_quoted(ps, b, x, n + 1) == -1)) || sb_add(ps, b, ")",
	    1) == -1 ? -1 : 0;
	free(x);
	free(exact);
	return r;
}

/* s as an FTS5 string: in double quotes, a quote doubled. */
int
sb_quoted(struct parser *ps, struct sbuf *b, const char *s, size_t n)
{
	size_t	i;

	if (sb_add(ps, b, "\"", 1) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (sb_add(ps, b, s[i] == '"' ? "\"\"" : s + i,
		    s[i] == '"' ? 2 : 1) == -1)
			return -1;
	return sb_add(ps, b, "\"", 1);
}

/*
 * title:w, after "title : ": a prefix as typed, a word as its forms (the
 * one phrase of synonyms they stand for: no exact form of its own).
 */
int
title_word(struct parser *ps, struct sbuf *b, const char *w, size_t n)
{
	struct sbuf	f = { NULL, 0, 0 };
	int		r, nf, both;

	if (w[n] == '*')
		return sb_quoted(ps, b, w, n) == -1 || sb_add(ps, b, "*", 1) ==
		    -1 ? -1 : 0;
	if (word_forms(ps, &f, w, n, &nf, NULL, &both) == -1) {
		free(f.s);
		return -1;
	}
	r = nf > 1 ? (sb_add(ps, b, "(", 1) == -1 || sb_puts(ps, b, f.s) ==
	    -1 || sb_add(ps, b, ")", 1) == -1 ? -1 : 0) : sb_puts(ps, b, f.s);
	free(f.s);
	return r;
}

/*
 * q->group and q->also of q->match: FTS5 numbers the phrases in the order
 * of their strings. A run of forms (TOK_FORM_MARK, TOK_BOTH_MARK) joined
 * by " OR " alone is one word's (word_forms); a run with a form that is
 * also the word's exact form (TOK_BOTH_MARK) is followed by the group of
 * that exact form, which has no phrase of its own, only that one's
 * positions. Every phrase query_compile writes is a string (sb_quoted).
 */
int
query_groups(struct query *q)
{
	const char	*p, *prev_end = NULL;
	int		 n = 0, g = -1, prevform = 0, form, both = -1;

	for (p = q->match; *p != '\0'; p++)
		if (*p == '"') {
			for (p++; *p != '\0' && (*p != '"' || p[1] == '"');
			    p += 1 + (*p == '"'))
				;
			n++;
			if (*p == '\0')
				break;
		}
	q->group = calloc((size_t)n + 1, sizeof(int));
	q->also = calloc((size_t)n + 1, sizeof(int));
	if (q->group == NULL || q->also == NULL)
		return -1;
	q->nphrase = n;
	for (p = q->match, n = 0; *p != '\0'; p++)
		if (*p == '"') {
			form = p[1] == TOK_FORM_MARK || p[1] == TOK_BOTH_MARK;
			if (!(form && prevform && prev_end != NULL &&
			    p - prev_end == 4 && memcmp(prev_end, " OR ",
			    4) == 0)) {
				if (both >= 0)
					q->also[both] = ++g;
				both = -1;
				g++;
			}
			q->also[n] = -1;
			if (p[1] == TOK_BOTH_MARK)
				both = n;
			q->group[n++] = g;
			prevform = form;
			for (p++; *p != '\0' && (*p != '"' || p[1] == '"');
			    p += 1 + (*p == '"'))
				;
			if (*p == '\0')
				break;
			prev_end = p + 1;
		}
	if (both >= 0)
		q->also[both] = ++g;
	q->ngroup = g + 1;
	return 0;
}
