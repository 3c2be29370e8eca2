/*
 * kbd's FTS5 tokenizer "kbd", rank function "kbd_rank" and snippet function
 * "kbd_snippet" (tokenizer.c, rank.c, snippet.c); the languages it stems
 * in are lang.h's. See docs/architecture.md, "Search index".
 */
#ifndef KBD_TOKENIZER_H
#define KBD_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "lang.h"

#define TOK_NAME	"kbd"

/*
 * Indexed text may begin with "\x1f" CODE "\x1f": the language of the
 * text (an ISO 639-1 code of tok_lang_code()); the tokenizer consumes it.
 * Without it, the default language (english).
 */
#define TOK_LANG_MARK	'\x1f'
#define TOK_LANG_MARKLEN 4		/* "\x1f" + 2 letters + "\x1f" */
/*
 * A query string (an FTS5 "..." string) whose text begins with this byte
 * matches exact forms only, as does any string of two or more words.
 */
#define TOK_EXACT_MARK	'\x1e'
/* The first byte of a stem in the index: "\x01owl" is a stem of "owls". */
#define TOK_STEM_MARK	'\x01'

/* Register the tokenizer and the rank function on db: 0, or -1. */
int		 tok_register(sqlite3 *db);
/* rank.c, snippet.c: kbd_rank and kbd_snippet, registered by tok_register. */
int		 kbd_rank_register(fts5_api *);
int		 kbd_snippet_register(fts5_api *);
/*
 * rank.c: what kbd_rank computes once a query (the IDF of each phrase and
 * the average length), kept per connection for the queries it ranked last
 * at the registry's current data version. rank_cache_use names the cache
 * and the query the calling thread ranks next (NULL: none); the key is
 * the MATCH expression, the version SQLite's data version (a commit by
 * the committer changes it, and the entries of the old one are unused).
 */
struct rank_cache;
struct rank_cache *rank_cache_new(void);
void		 rank_cache_free(struct rank_cache *);
void		 rank_cache_use(struct rank_cache *, const char *key,
		    unsigned version);

/*
 * The positions text would take in the index (0: no token, such as "—"),
 * with the tokenizer of db (after tok_register); one counter per thread.
 */
struct tok_counter;
struct tok_counter *tok_counter_new(sqlite3 *db);
int		 tok_count(struct tok_counter *, const char *text, int n);
void		 tok_counter_free(struct tok_counter *);

#endif /* KBD_TOKENIZER_H */
