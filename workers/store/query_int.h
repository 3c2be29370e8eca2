/*
 * Inside the query compiler (query.c, queryword.c): the parser's state,
 * its string buffers and errors, and how a word is written as FTS5
 * strings and read back as groups. Not for other modules: query.h is the
 * interface.
 */
#ifndef KBD_QUERY_INT_H
#define KBD_QUERY_INT_H

#include <stddef.h>

#include "query.h"

struct sbuf {
	char	*s;
	size_t	 len, cap;
};

struct parser {
	const char		*text, *p;
	char			*err;
	size_t			 errlen;
	int			 failed;
	struct sbuf		 where;
	struct query_param	*params;
	size_t			 nparams, capparams;
	int			 uses_lang;
	const char		*first_sql;	/* the first field condition */
	struct tok_counter	*tc;		/* NULL: every word counts */
	const char		*skipped;	/* the first word left out */
};

/* Appends n bytes of s to b: 0, or -1 with the error set (out of memory). */
int	sb_add(struct parser *, struct sbuf *, const char *s, size_t n);
int	sb_puts(struct parser *, struct sbuf *, const char *s);
/* s as an FTS5 string: in double quotes, a quote doubled. */
int	sb_quoted(struct parser *, struct sbuf *, const char *s, size_t n);
/* The first error, at the column of at, with an optional hint: -1. */
int	query_fail(struct parser *, const char *at, const char *hint,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* queryword.c: a plain word w (n bytes), as its forms and exact form. */
int	exact_or_stem(struct parser *, struct sbuf *, const char *w,
	    size_t n);
/* queryword.c: title:w's word or prefix. */
int	title_word(struct parser *, struct sbuf *, const char *w, size_t n);
/* queryword.c: q->group, q->also and q->ngroup of q->match: 0, or -1. */
int	query_groups(struct query *);

#endif /* KBD_QUERY_INT_H */
