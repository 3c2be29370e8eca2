/*
 * The search query language, compiled (see query.h). A recursive descent
 * over the text:
 *
 *	query	:= or
 *	or	:= and ( "OR" and )*
 *	and	:= unary ( ["AND"] unary )*
 *	unary	:= "-" term | "NOT" term | term
 *	term	:= "(" or ")" | phrase | field ":" value | word ["*"]
 *
 * Words and phrases become quoted FTS5 strings ("c++" reaches the
 * tokenizer as typed); an AND group is its positive terms ANDed, then
 * each exclusion as FTS5's binary NOT. Fields that are registry columns
 * become SQL conditions and may only stand in the top-level AND group
 * (negated or not): inside OR or parentheses they would need the index
 * and the table joined per branch, which FTS5 cannot rank.
 *
 * Errors say what and where, never what FTS5 would have said.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query.h"
#include "query_int.h"
#include "tokenizer.h"

/* What an AND group (or a term) compiled to. */
struct group {
	struct sbuf	 pos;		/* positive terms, " AND " between */
	struct sbuf	 neg;		/* " NOT x" for each exclusion */
	int		 npos, nneg;
	int		 nsql;
};

static int	parse_or(struct parser *, int, struct sbuf *);

int
sb_add(struct parser *ps, struct sbuf *b, const char *s, size_t n)
{
	char	*t;
	size_t	 cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((t = realloc(b->s, cap)) == NULL) {
			if (!ps->failed)
				(void)snprintf(ps->err, ps->errlen,
				    "out of memory");
			ps->failed = 1;
			return -1;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int
sb_puts(struct parser *ps, struct sbuf *b, const char *s)
{
	return sb_add(ps, b, s, strlen(s));
}

/* The column of at, in characters from 1. */
static size_t
column(const struct parser *ps, const char *at)
{
	const char	*s;
	size_t		 col = 1;

	for (s = ps->text; s < at; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			col++;
	return col;
}

int
query_fail(struct parser *ps, const char *at, const char *hint, const char *fmt,
    ...)
{
	va_list	ap;
	size_t	n;

	if (ps->failed)
		return -1;
	ps->failed = 1;
	va_start(ap, fmt);
	(void)vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	n = strlen(ps->err);
	(void)snprintf(ps->err + n, ps->errlen - n, " at column %zu%s%s",
	    column(ps, at), hint ? " " : "", hint ? hint : "");
	return -1;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static void
skip_ws(struct parser *ps)
{
	while (is_space(*ps->p))
		ps->p++;
}

/* A byte that ends a bare word. */
static int
word_end(char c)
{
	return c == '\0' || is_space(c) || c == '(' || c == ')' || c == '"';
}

static size_t
word_len(const char *s)
{
	size_t	n = 0;

	while (!word_end(s[n]))
		n++;
	return n;
}

/* Is the word at p exactly kw (an operator, upper case only)? */
static int
keyword(const char *p, const char *kw)
{
	size_t	n = strlen(kw);

	return strncmp(p, kw, n) == 0 && word_end(p[n]);
}

/*
 * Something to search for: a letter or digit (any non-ASCII counts, and
 * the tokenizer then decides: has_token).
 */
static int
has_alnum(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 ||
		    isalnum((unsigned char)s[i]))
			return 1;
	return 0;
}

/* Does the index hold a token of s (n bytes)? Yes without a tokenizer. */
static int
has_token(struct parser *ps, const char *s, size_t n)
{
	if (ps->tc == NULL || n > (size_t)INT_MAX)
		return 1;
	return tok_count(ps->tc, s, (int)n) != 0;
}

static int
add_param(struct parser *ps, int is_int, int64_t num, const char *text,
    size_t n)
{
	struct query_param	*t;
	size_t			 cap;

	if (ps->nparams == ps->capparams) {
		cap = ps->capparams ? ps->capparams * 2 : 8;
		if ((t = realloc(ps->params, cap * sizeof(*t))) == NULL)
			goto oom;
		ps->params = t;
		ps->capparams = cap;
	}
	t = &ps->params[ps->nparams];
	t->is_int = is_int;
	t->num = num;
	t->text = NULL;
	if (text != NULL && (t->text = strndup(text, n)) == NULL)
		goto oom;
	ps->nparams++;
	return 0;
oom:
	if (!ps->failed)
		(void)snprintf(ps->err, ps->errlen, "out of memory");
	ps->failed = 1;
	return -1;
}

/*
 * YYYY, YYYY-MM or YYYY-MM-DD as the UTC range [*start, *end): 0, or -1
 * if it is no such date.
 */
static int
parse_date(const char *s, size_t n, int64_t *start, int64_t *end)
{
	struct tm	 tm;
	char		 buf[16];
	int		 y, m = 1, d = 1, parts, len;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	len = -1;
	if (n == 4 && sscanf(buf, "%4d%n", &y, &len) == 1 && len == 4)
		parts = 1;
	else if (n == 7 && sscanf(buf, "%4d-%2d%n", &y, &m, &len) == 2 &&
	    len == 7)
		parts = 2;
	else if (n == 10 && sscanf(buf, "%4d-%2d-%2d%n", &y, &m, &d,
	    &len) == 3 && len == 10)
		parts = 3;
	else
		return -1;
	if (!isdigit((unsigned char)buf[0]) || (parts > 1 &&
	    (!isdigit((unsigned char)buf[5]) || !isdigit((unsigned char)buf[6])))
	    || (parts > 2 && (!isdigit((unsigned char)buf[8]) ||
	    !isdigit((unsigned char)buf[9]))))
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	*start = (int64_t)timegm(&tm);
	/* timegm normalizes Feb 29 of a common year to Mar 1: refuse it. */
	if (tm.tm_mon != m - 1)
		return -1;
	if (parts == 1)
		tm.tm_year++;
	else if (parts == 2)
		tm.tm_mon++;
	else
		tm.tm_mday++;
	*end = (int64_t)timegm(&tm);
	return 0;
}

static int
field_added(struct parser *ps, const char *at, const char *v, size_t n,
    struct sbuf *cond)
{
	int64_t	 start, end;
	int	 op = 0, eq = 0;

	if (n > 0 && (*v == '>' || *v == '<')) {
		op = *v++;
		n--;
		if (n > 0 && *v == '=') {
			eq = 1;
			v++;
			n--;
		}
	}
	if (parse_date(v, n, &start, &end) == -1)
		return query_fail(ps, at, "(expected added:YYYY-MM-DD, YYYY-MM or "
		    "YYYY, after > >= < <= or none)", "added: bad date \"%.*s\"",
		    (int)n, v);
	switch (op) {
	case 0:
		if (sb_puts(ps, cond, "(d.added_at >= ? AND d.added_at < ?)")
		    == -1 || add_param(ps, 1, start, NULL, 0) == -1)
			return -1;
		return add_param(ps, 1, end, NULL, 0);
	case '>':
		if (sb_puts(ps, cond, "d.added_at >= ?") == -1)
			return -1;
		return add_param(ps, 1, eq ? start : end, NULL, 0);
	default:
		if (sb_puts(ps, cond, "d.added_at < ?") == -1)
			return -1;
		return add_param(ps, 1, eq ? end : start, NULL, 0);
	}
}

static int
field_value_plain(struct parser *ps, const char *at, const char *name,
    const char *v, size_t n, int dash)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !(dash && (v[i] == '-' ||
		    v[i] == '_' || v[i] == '+')))
			return query_fail(ps, at, NULL, "%s: bad value \"%.*s\"",
			    name, (int)n, v);
	return 0;
}

/*
 * A field that is a registry column: its condition into cond, its values
 * into the parameters.
 */
static int
field_sql(struct parser *ps, const char *at, const char *name, const char *v,
    size_t n, struct sbuf *cond)
{
	const char	*code;
	char		*lower, *glob;
	size_t		 i;
	int		 r, l;

	if (strcmp(name, "added") == 0)
		return field_added(ps, at, v, n, cond);
	if (strcmp(name, "path") == 0) {
		/* Absolute, or matched against the path's tail. */
		if (*v == '/') {
			if (sb_puts(ps, cond, "d.src_path GLOB ?") == -1)
				return -1;
			return add_param(ps, 0, 0, v, n);
		}
		if (sb_puts(ps, cond, "(d.src_path GLOB ? OR d.src_path "
		    "GLOB ?)") == -1 || add_param(ps, 0, 0, v, n) == -1)
			return -1;
		if ((glob = malloc(n + 3)) == NULL)
			return add_param(ps, 0, 0, NULL, 0) == -1 ? -1 : query_fail(ps,
			    at, NULL, "out of memory");
		memcpy(glob, "*/", 2);
		memcpy(glob + 2, v, n);
		r = add_param(ps, 0, 0, glob, n + 2);
		free(glob);
		return r;
	}
	/* type: and lang: compare lower case; type takes .pdf too. */
	if (strcmp(name, "type") == 0 && n > 1 && *v == '.') {
		v++;
		n--;
	}
	if (field_value_plain(ps, at, name, v, n, strcmp(name, "lang") == 0)
	    == -1)
		return -1;
	if ((lower = strndup(v, n)) == NULL)
		return query_fail(ps, at, NULL, "out of memory");
	for (i = 0; i < n; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	if (strcmp(name, "lang") == 0) {
		/*
		 * documents.lang holds the tokenizer's ISO 639-1 code: "fr",
		 * "FR", "fr-CA" and "french" all mean it.
		 */
		if (n > 2 && (lower[2] == '-' || lower[2] == '_'))
			lower[2] = '\0';
		if ((l = tok_lang_by_code(lower)) == -1) {
			free(lower);
			return query_fail(ps, at, NULL, "lang: unknown language "
			    "\"%.*s\"", (int)n, v);
		}
		free(lower);
		ps->uses_lang = 1;
		code = tok_lang_code(l);
		r = sb_puts(ps, cond, "d.lang = ?");
		if (r == 0)
			r = add_param(ps, 0, 0, code, strlen(code));
		return r;
	}
	r = sb_puts(ps, cond, "d.ext = ?");
	if (r == 0)
		r = add_param(ps, 0, 0, lower, n);
	free(lower);
	return r;
}

/*
 * A phrase at ps->p (on its opening quote) as an FTS5 string into out,
 * with a trailing * for a prefix phrase.
 */
static int
phrase(struct parser *ps, struct sbuf *out)
{
	const char	*at = ps->p, *s, *e;

	s = at + 1;
	if ((e = strchr(s, '"')) == NULL)
		return query_fail(ps, at, NULL, "unbalanced quote");
	if (e == s || strspn(s, " \t\n\r\f\v") >= (size_t)(e - s))
		return query_fail(ps, at, NULL, "empty phrase");
	if (!has_alnum(s, (size_t)(e - s)) || !has_token(ps, s, e - s))
		return query_fail(ps, at, NULL, "\"%.*s\" has no letter or digit to "
		    "search for", (int)(e - s), s);
	if (sb_quoted(ps, out, s, (size_t)(e - s)) == -1)
		return -1;
	ps->p = e + 1;
	if (*ps->p == '*') {
		ps->p++;
		return sb_add(ps, out, "*", 1);
	}
	return 0;
}

static const char *const fields[] = { "title", "type", "path", "lang",
    "added", NULL };

/*
 * One term into g: a parenthesized group, a phrase, a field or a word;
 * neg: it is excluded.
 */
static int
term(struct parser *ps, int depth, int neg, struct group *g)
{
	struct sbuf	 t = { NULL, 0, 0 }, cond = { NULL, 0, 0 };
	const char	*at = ps->p, *colon, *v;
	char		 name[8];
	size_t		 n, k, i, fi;
	int		 r = -1, isname;

	if (*at == '(') {
		ps->p++;
		if (parse_or(ps, depth + 1, &t) == -1)
			goto out;
		skip_ws(ps);
		if (*ps->p != ')') {
			query_fail(ps, at, NULL, "unbalanced parenthesis");
			goto out;
		}
		ps->p++;
		if (t.len == 0) {
			query_fail(ps, at, NULL, "empty parentheses");
			goto out;
		}
		if (sb_puts(ps, &cond, "(") == -1 || sb_puts(ps, &cond, t.s) ==
		    -1 || sb_puts(ps, &cond, ")") == -1)
			goto out;
		free(t.s);
		t = cond;
		cond.s = NULL;
	} else if (*at == '"') {
		if (phrase(ps, &t) == -1)
			goto out;
	} else {
		n = word_len(at);
		colon = memchr(at, ':', n);
		k = colon ? (size_t)(colon - at) : 0;
		for (i = 0; i < k; i++)
			if (!islower((unsigned char)at[i]))
				break;
		isname = colon != NULL && k > 0 && i == k && colon[1] != ':';
		for (fi = 0; isname && fields[fi] != NULL; fi++)
			if (strlen(fields[fi]) == k &&
			    strncmp(fields[fi], at, k) == 0)
				break;
		/*
		 * name:value, or name:"phrase"; std::vector is a word, and
		 * so is "note:" (but "title:" lacks its value).
		 */
		if (isname && k + 1 == n && colon[1] != '"' &&
		    fields[fi] != NULL) {
			query_fail(ps, at, NULL, "%s: needs a value", fields[fi]);
			goto out;
		}
		if (isname && (k + 1 < n || colon[1] == '"')) {
			i = fi;
			if (fields[i] == NULL) {
				query_fail(ps, at, "(fields: title type path lang "
				    "added; quote a word to search for it)",
				    "unknown field \"%.*s:\"", (int)k, at);
				goto out;
			}
			(void)snprintf(name, sizeof(name), "%s", fields[i]);
			v = colon + 1;
			if (strcmp(name, "title") == 0) {
				if (sb_puts(ps, &t, "title : ") == -1)
					goto out;
				if (*v == '"') {
					ps->p = v;
					if (phrase(ps, &t) == -1)
						goto out;
				} else {
					ps->p = at + n;
					n -= k + 1;
					if (n > 0 && v[n - 1] == '*')
						n--;
					if (!has_alnum(v, n) ||
					    !has_token(ps, v, n)) {
						query_fail(ps, at, NULL, "title: needs "
						    "a word");
						goto out;
					}
					if (title_word(ps, &t, v, n) == -1)
						goto out;
				}
			} else {
				if (depth > 0) {
					query_fail(ps, at, "(put it outside them)",
					    "%s: cannot stand inside "
					    "parentheses", name);
					goto out;
				}
				if (*v == '"') {
					query_fail(ps, at, NULL, "%s: takes no "
					    "phrase", name);
					goto out;
				}
				ps->p = at + n;
				if (ps->first_sql == NULL)
					ps->first_sql = at;
				if (neg && sb_puts(ps, &cond, "NOT ") == -1)
					goto out;
				if (field_sql(ps, at, name, v, n - k - 1,
				    &cond) == -1 || sb_puts(ps, &ps->where,
				    " AND ") == -1 || sb_puts(ps, &ps->where,
				    cond.s) == -1)
					goto out;
				g->nsql++;
				r = 0;
				goto out;
			}
		} else {
			ps->p = at + n;
			if (n > 0 && at[n - 1] == '*')
				n--;
			if (!has_alnum(at, n)) {
				query_fail(ps, at, NULL, "\"%.*s\" has no letter or "
				    "digit to search for", (int)word_len(at),
				    at);
				goto out;
			}
			/* "—" between words: punctuation, as in the text. */
			if (!has_token(ps, at, n)) {
				if (ps->skipped == NULL)
					ps->skipped = at;
				r = 0;
				goto out;
			}
			if (at[n] == '*') {
				if (sb_quoted(ps, &t, at, n) == -1 ||
				    sb_add(ps, &t, "*", 1) == -1)
					goto out;
			} else if (exact_or_stem(ps, &t, at, n) == -1)
				goto out;
		}
	}
	if (neg) {
		if (sb_puts(ps, &g->neg, " NOT ") == -1 ||
		    sb_puts(ps, &g->neg, t.s) == -1)
			goto out;
		g->nneg++;
	} else {
		if ((g->npos > 0 && sb_puts(ps, &g->pos, " AND ") == -1) ||
		    sb_puts(ps, &g->pos, t.s) == -1)
			goto out;
		g->npos++;
	}
	r = 0;
out:
	free(t.s);
	free(cond.s);
	return r;
}

/* Is the parser at the end of a group: the end, ")" or OR? */
static int
group_end(struct parser *ps)
{
	return *ps->p == '\0' || *ps->p == ')' || keyword(ps->p, "OR");
}

/* An AND group into out ("" if it had no search term). */
static int
parse_and(struct parser *ps, int depth, struct sbuf *out, int *nsql)
{
	struct group	 g;
	const char	*at, *start;
	int		 neg, r = -1;

	memset(&g, 0, sizeof(g));
	skip_ws(ps);
	start = ps->p;
	for (;;) {
		skip_ws(ps);
		if (group_end(ps))
			break;
		at = ps->p;
		if (keyword(at, "AND")) {
			ps->p += 3;
			skip_ws(ps);
			if (g.npos + g.nneg + g.nsql == 0 || group_end(ps)) {
				query_fail(ps, at, NULL, "AND needs a term on each "
				    "side");
				goto out;
			}
			continue;
		}
		neg = 0;
		if (keyword(at, "NOT")) {
			ps->p += 3;
			skip_ws(ps);
			if (group_end(ps) || keyword(ps->p, "AND") ||
			    keyword(ps->p, "NOT")) {
				query_fail(ps, at, NULL, "NOT needs a term after it");
				goto out;
			}
			neg = 1;
		} else if (*at == '-') {
			ps->p++;
			if (word_end(*ps->p) && *ps->p != '(' &&
			    *ps->p != '"') {
				query_fail(ps, at, NULL, "nothing after '-'");
				goto out;
			}
			neg = 1;
		}
		if (term(ps, depth, neg, &g) == -1)
			goto out;
	}
	if (g.npos == 0 && g.nneg > 0) {
		query_fail(ps, start, "(add a word to search for)",
		    "only exclusions");
		goto out;
	}
	*nsql += g.nsql;
	if (g.npos == 0)
		r = 0;
	else if (g.npos == 1 && g.nneg == 0)
		r = sb_puts(ps, out, g.pos.s);
	else if (sb_puts(ps, out, "(") == 0 && sb_puts(ps, out, g.pos.s) ==
	    0 && (g.nneg == 0 || sb_puts(ps, out, g.neg.s) == 0))
		r = sb_puts(ps, out, ")");
out:
	free(g.pos.s);
	free(g.neg.s);
	return r;
}

/* Branches joined by OR into out, which stays empty if there is none. */
static int
parse_or(struct parser *ps, int depth, struct sbuf *out)
{
	struct sbuf	 b = { NULL, 0, 0 };
	const char	*or_at = NULL;
	int		 nbranch = 0, nsql = 0, before, r = -1;

	for (;;) {
		b.len = 0;
		if (b.s != NULL)
			b.s[0] = '\0';
		before = nsql;
		if (parse_and(ps, depth, &b, &nsql) == -1)
			goto out;
		if (b.len == 0 && nsql > before && (or_at != NULL ||
		    keyword(ps->p, "OR")))
			break;
		if (b.len == 0 && (or_at != NULL || keyword(ps->p, "OR"))) {
			query_fail(ps, or_at != NULL && !keyword(ps->p, "OR") ?
			    or_at : ps->p, NULL, "OR needs a term on each "
			    "side");
			goto out;
		}
		if (b.len > 0) {
			if ((nbranch > 0 && sb_puts(ps, out, " OR ") == -1) ||
			    sb_puts(ps, out, b.s) == -1)
				goto out;
			nbranch++;
		}
		if (!keyword(ps->p, "OR"))
			break;
		or_at = ps->p;
		ps->p += 2;
	}
	if ((nbranch > 1 || or_at != NULL || keyword(ps->p, "OR")) &&
	    nsql > 0) {
		query_fail(ps, ps->first_sql, "(a field applies to the whole query: "
		    "group the alternatives in parentheses)", "a field cannot be "
		    "one side of OR");
		goto out;
	}
	if (nbranch > 1 && depth == 0) {
		/* Top level: parenthesized, as a group is. */
		b.len = 0;
		if (sb_puts(ps, &b, "(") == -1 || sb_puts(ps, &b, out->s) == -1
		    || sb_puts(ps, &b, ")") == -1)
			goto out;
		free(out->s);
		*out = b;
		b.s = NULL;
	}
	r = 0;
out:
	free(b.s);
	return r;
}

int
query_compile(const char *text, struct query *q, char *err, size_t errlen,
    struct tok_counter *tc)
{
	struct parser	ps;
	struct sbuf	match = { NULL, 0, 0 };

	memset(q, 0, sizeof(*q));
	memset(&ps, 0, sizeof(ps));
	ps.text = ps.p = text;
	ps.err = err;
	ps.errlen = errlen;
	ps.tc = tc;
	skip_ws(&ps);
	if (*ps.p == '\0') {
		(void)snprintf(err, errlen, "empty query");
		return -1;
	}
	if (sb_puts(&ps, &ps.where, "") == -1 ||
	    parse_or(&ps, 0, &match) == -1)
		goto fail;
	skip_ws(&ps);
	if (*ps.p == ')') {
		query_fail(&ps, ps.p, NULL, "unbalanced parenthesis");
		goto fail;
	}
	if (match.len == 0 && ps.where.len == 0) {
		if (ps.skipped != NULL)
			query_fail(&ps, ps.skipped, NULL, "\"%.*s\" has no letter or "
			    "digit to search for", (int)word_len(ps.skipped),
			    ps.skipped);
		else
			(void)snprintf(err, errlen, "empty query");
		goto fail;
	}
	if (match.len == 0) {
		free(match.s);
		match.s = NULL;
	}
	q->match = match.s;
	if (q->match != NULL && query_groups(q) == -1) {
		(void)snprintf(err, errlen, "out of memory");
		free(ps.where.s);
		q->params = ps.params;
		q->nparams = ps.nparams;
		query_free(q);
		return -1;
	}
	q->where = ps.where.s;
	q->params = ps.params;
	q->nparams = ps.nparams;
	q->uses_lang = ps.uses_lang;
	return 0;
fail:
	free(match.s);
	free(ps.where.s);
	q->params = ps.params;
	q->nparams = ps.nparams;
	query_free(q);
	return -1;
}

void
query_free(struct query *q)
{
	size_t	i;

	for (i = 0; i < q->nparams; i++)
		free(q->params[i].text);
	free(q->params);
	free(q->match);
	free(q->where);
	free(q->group);
	free(q->also);
	memset(q, 0, sizeof(*q));
}
