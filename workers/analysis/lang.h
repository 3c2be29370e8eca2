/*
 * The languages kbd knows (Snowball's, by ISO 639-1 code), the language
 * of a text guessed from its stop words, and the Markdown headings the
 * index gives a column of their own (lang.c). Pure: the convert workers
 * detect a document's language, the store indexes and queries in it.
 */
#ifndef KBD_LANG_H
#define KBD_LANG_H

#include <stddef.h>
#include <stdint.h>

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
/* The same, h being hash_fnv1a(w): a word hashed once for all lookups. */
int		 tok_stopword_hash(const char *w, uint32_t h, int lang);

/*
 * The Markdown's ATX headings ("# Title"), outside code fences, one a
 * line: a malloc'ed string.
 */
char		*tok_md_headings(const char *md, size_t len, size_t *outlen);

#endif /* KBD_LANG_H */
