/*
 * The search query language (kbctl(1), "QUERY LANGUAGE"), compiled to an
 * FTS5 MATCH expression in which every word is quoted, so that no FTS5
 * syntax reaches SQLite from the user, plus SQL conditions with bound
 * parameters for the fields that are registry columns (type:, path:,
 * lang:, added:). Library-like: no I/O; errors are returned as one line
 * naming the column of the problem.
 */
#ifndef KBD_QUERY_H
#define KBD_QUERY_H

#include <stddef.h>
#include <stdint.h>

struct query_param {
	int	 is_int;
	int64_t	 num;
	char	*text;
};

struct query {
	/* FTS5 expression for fts MATCH; NULL: the query is fields only. */
	char			*match;
	/*
	 * SQL conditions on documents (alias d), each preceded by " AND ",
	 * "" when none; their ? placeholders take params in order.
	 */
	char			*where;
	struct query_param	*params;
	size_t			 nparams;
	/* A lang: field is used: the registry needs a lang column. */
	int			 uses_lang;
	/*
	 * Each phrase of match (its strings, in order): the phrase of the
	 * query it stands for, the forms of one word together, numbered
	 * from 0 (for kbd_rank: rank_cache_use). NULL when match is.
	 */
	int			*group;
	/*
	 * Each phrase's other group, or -1: a form that is also the word's
	 * exact form (TOK_BOTH_MARK) counts for the exact form's group,
	 * which has no phrase of its own, the next number after its own.
	 */
	int			*also;
	int			 nphrase, ngroup;
};

/*
 * 0 and *q filled (free with query_free), or -1 with the reason in err,
 * such as "unbalanced quote at column 7" (columns count characters from
 * 1). Dates are UTC. With tc (tokenizer.h; NULL: none), a word the index
 * holds no token of ("—", "«") is left out, as the text's own are: FTS5
 * would take it for a phrase that matches nothing.
 */
struct tok_counter;
int	 query_compile(const char *text, struct query *q, char *err,
	    size_t errlen, struct tok_counter *tc);
void	 query_free(struct query *q);

#endif /* KBD_QUERY_H */
