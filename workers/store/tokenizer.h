/*
 * kbd's FTS5 tokenizer "kbd" and rank function "kbd_rank" (tokenizer.c,
 * rank.c), and the language of a text (lang.c). See docs/architecture.md,
 * "Search index".
 */
#ifndef KBD_TOKENIZER_H
#define KBD_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

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
/* rank.c: kbd_rank, registered by tok_register. */
int		 kbd_rank_register(fts5_api *);
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

/* Languages: an index 0..tok_nlangs()-1, or -1. */
int		 tok_nlangs(void);
int		 tok_lang_by_code(const char *code);
const char	*tok_lang_code(int lang);
const char	*tok_lang_name(int lang);
/*
 * The languages a query term is stemmed in: a bit per language index
 * (0: english only). Shared by every connection of the process.
 */
void		 tok_set_query_langs(uint32_t mask);
/* The mask of a list of codes, meta 'languages': "en,fr". */
uint32_t	 tok_langs_parse(const char *list);
uint32_t	 tok_query_langs(void);

/* The language of text by its stop words, or -1 when it is not clear. */
int		 tok_detect_lang(const char *text, size_t len);

/*
 * The language of a Markdown document: its YAML front matter's "lang:" or
 * "language:", else tok_detect_lang, else the default language (english,
 * 0, unless tok_set_default_lang said otherwise).
 */
int		 tok_doc_lang(const char *md, size_t len);
/*
 * The default language of tok_doc_lang (kbd.conf's language: the
 * committer sets it once at start): a code or Snowball name. -1 and no
 * change when lang.c does not know it.
 */
int		 tok_set_default_lang(const char *code);
/* Whether w (lower case) is one of lang's stop words (lang.c's list). */
int		 tok_stopword(const char *w, int lang);

/*
 * The Markdown's ATX headings ("# Title"), outside code fences, one a
 * line: a malloc'ed string.
 */
char		*tok_md_headings(const char *md, size_t len, size_t *outlen);

#endif /* KBD_TOKENIZER_H */
