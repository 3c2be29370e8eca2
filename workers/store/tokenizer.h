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
/*
 * A query string whose text begins with this byte is one token, the rest
 * of it verbatim: a form of a word as the index holds it (tok_forms).
 */
#define TOK_FORM_MARK	'\x1d'
/*
 * A form (as TOK_FORM_MARK) that is also the word's exact form, the one
 * token TOK_EXACT_MARK + the word stands for: the query leaves the exact
 * string out and counts this phrase for both groups (query.h's also), so
 * FTS5 reads the token's list once, not twice.
 */
#define TOK_BOTH_MARK	'\x1c'
/* The first byte of a stem in the index: "\x01owl" is a stem of "owls". */
#define TOK_STEM_MARK	'\x01'

/* Register the tokenizer and the rank function on db: 0, or -1. */
int		 tok_register(sqlite3 *db);
/* rank.c, snippet.c: kbd_rank and kbd_snippet, registered by tok_register. */
int		 kbd_rank_register(fts5_api *);
int		 kbd_snippet_register(fts5_api *);
/*
 * snippet.c: kbd_snippet's window of ntok tokens of column col, chosen
 * from the current row's match positions alone (snip_plan_new, in an
 * auxiliary function's call: kbd_rank's keep; colsize the column's
 * length in tokens when the caller has it, else -1), and the snippet it gives
 * of the column's text, read from blob (open on the row's content) and
 * tokenized by tc, the matches between open and close: malloc'd, NULL
 * on error. The same bytes as kbd_snippet's.
 */
struct snip_plan;
struct tok_counter;
struct snip_plan *snip_plan_new(const Fts5ExtensionApi *, Fts5Context *,
		    int col, int ntok, int colsize);
void		 snip_plan_free(struct snip_plan *);
char		*snip_render(const struct snip_plan *, sqlite3_blob *blob,
		    struct tok_counter *tc, const char *open, const char *close,
		    const char *ell);
/*
 * rank.c: kbd_rank hands each row's score and its body's length (column
 * 3, in tokens) to keep(arg, api, fts, score, body), with the row still
 * current (a snippet's plan can be taken), when the calling thread named
 * one (NULL: none); what keep answers other than SQLITE_OK fails the
 * query.
 */
typedef int	(*rank_keep_fn)(void *, const Fts5ExtensionApi *,
		    Fts5Context *, double, int);
void		 rank_keep(rank_keep_fn, void *arg);
/*
 * rank.c: what kbd_rank computes once a query (the IDF of each group and
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
		    unsigned version, const int *group, const int *also,
		    int nphrase);
/*
 * The group of phrase ph of nphrase (query.h's group: a word's forms are
 * one) that rank_cache_use named, or ph itself; the other group it counts
 * for (query.h's also: the word's exact form), or -1.
 */
int		 rank_group_of(int nphrase, int ph);
int		 rank_also_of(int nphrase, int ph);

/*
 * The positions text would take in the index (0: no token, such as "—"),
 * with the tokenizer of db (after tok_register); one counter per thread.
 */
struct tok_counter;
struct tok_counter *tok_counter_new(sqlite3 *db);
/* db's FTS5 API (SELECT fts5(?)), or NULL. */
fts5_api	*tok_fts5_api(sqlite3 *db);
int		 tok_count(struct tok_counter *, const char *text, int n);
/*
 * text tokenized as FTS5 tokenizes for an auxiliary function
 * (FTS5_TOKENIZE_AUX: positions and offsets, no stems), each token to cb
 * with ctx: a search's snippets outside FTS5's cursor (snip_render).
 */
int		 tok_aux(struct tok_counter *, void *ctx, const char *text,
		    int n, int (*cb)(void *, int, const char *, int, int, int));
/* The callback tok_count tokenizes with: arg is an int, the positions. */
int		 tok_count_cb(void *arg, int flags, const char *t, int n, int s,
		    int e);
void		 tok_counter_free(struct tok_counter *);

/*
 * The forms a one-word query string w (n bytes) matches, as FTS5 would
 * see them colocated: the word folded, then its stems in the KB's
 * languages (tok_set_query_langs), each a token of the index, in *forms
 * (malloc'd, each ended by '\0'). Returns their number, 0 when w is
 * not one position (several words, a CJK run of more than two, none),
 * -1 on error. query.c writes each as its own string (TOK_FORM_MARK):
 * FTS5 reads one token's list fast, and a token with colocated others
 * (a synonym) position by position, at every row.
 */
int		 tok_forms(struct tok_counter *, const char *w, int n,
		    char **forms);
/*
 * The one token the string TOK_EXACT_MARK + w (n bytes) stands for in a
 * query, in *form (malloc'd, ended by '\0'): its length, 0 when it is
 * not exactly one token (several, colocated ones, none), -1 on error.
 */
int		 tok_exact_form(struct tok_counter *, const char *w, int n,
		    char **form);

/*
 * tokskip.c: each byte as unicode61 (with "+#._-" kept) sees it: 0 a
 * separator, 1 a joiner, 2 a letter or digit (ASCII), 4 a byte beyond
 * ASCII. The tokenizer's own pass over ASCII text and tok_skip read it.
 */
extern const unsigned char tok_byte_class[256];
/*
 * Tests: 0 gives all text to unicode61, as the tokenizer did before its
 * own pass over ASCII tokens (tokenizer.c scan_tokens): the same tokens.
 */
extern int	 tok_scan_ascii;
/*
 * tokskip.c: where to start tokenizing text (n bytes, as indexed: its
 * language mark too) to reach the token at position pos, found without
 * the tokenizer where it can be, a pass over bytes (kbd_snippet, on long
 * pages): the byte offset of a token's start, or n, with in *at the
 * position of the first token from there (<= pos). A run of bytes with
 * some beyond ASCII is counted by count(arg, run, len), which answers the
 * positions the tokenizer gives that run alone, or -1 (then tok_skip
 * answers -1).
 */
typedef int	(*tok_run_counter)(void *, const char *, int);
int		 tok_skip(const char *text, int n, int pos, int *at,
		    tok_run_counter count, void *arg);

#endif /* KBD_TOKENIZER_H */
