/*
 * A document's full-text row as the fts table takes it (db.h's
 * db_fts_row): its four columns (name, title, headings, body), each
 * behind the marker of the language it is indexed in, the body's links
 * in one form, and, when asked, each column's tokens on a tape
 * (toktape.c). Pure work on text: the committer makes a batch's rows on a
 * thread of their own (workers/committer/ftsahead.c) while its own thread
 * inserts them (db.c's db_fts_row_insert).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "lang.h"
#include "links.h"
#include "tokenizer.h"
#include "xmalloc.h"

/* A column's text behind the language marker: malloc'ed. */
static char *
marked(const char *code, const char *s, size_t len, size_t *outlen)
{
	char	*out;

	out = xmalloc(len + TOK_LANG_MARKLEN + 1);
	out[0] = TOK_LANG_MARK;
	out[1] = code[0];
	out[2] = code[1];
	out[3] = TOK_LANG_MARK;
	memcpy(out + TOK_LANG_MARKLEN, s, len);
	out[len + TOK_LANG_MARKLEN] = '\0';
	*outlen = len + TOK_LANG_MARKLEN;
	return out;
}

void
db_fts_row_make(struct db_fts_row *row, const char *name, const char *title,
    const char *body, size_t bodylen, const char *langcode)
{
	const char	*code;
	char		*hd, *ib;
	size_t		 hdlen, iblen;

	memset(row, 0, sizeof(*row));
	/* Links in one form: resolving one later changes no row. */
	ib = links_indexed(body, bodylen, &iblen);
	if (langcode == NULL || (row->lang = tok_lang_by_code(langcode)) < 0)
		row->lang = tok_doc_lang(ib, iblen);
	code = tok_lang_code(row->lang);
	hd = tok_md_headings(ib, iblen, &hdlen);
	row->col[0] = marked(code, name, strlen(name), &row->len[0]);
	row->col[1] = marked(code, title, strlen(title), &row->len[1]);
	row->col[2] = marked(code, hd, hdlen, &row->len[2]);
	row->col[3] = marked(code, ib, iblen, &row->len[3]);
	free(hd);
	free(ib);
}

void
db_fts_row_record(struct db_fts_row *row, struct tok_counter *tc)
{
	int	i;

	/* A column too long for FTS5's int, or a failure: tokenized later. */
	for (i = 0; i < DB_FTS_COLS; i++)
		if (row->len[i] <= (size_t)INT_MAX / 2)
			(void)tok_tape_record(tc, &row->tape[i], row->col[i],
			    (int)row->len[i]);
}

size_t
db_fts_row_size(const struct db_fts_row *row)
{
	size_t	n = 0;
	int	i;

	for (i = 0; i < DB_FTS_COLS; i++)
		n += row->len[i] + row->tape[i].cap;
	return n;
}

void
db_fts_row_free(struct db_fts_row *row)
{
	int	i;

	for (i = 0; i < DB_FTS_COLS; i++) {
		tok_tape_free(&row->tape[i]);
		free(row->col[i]);
	}
	memset(row, 0, sizeof(*row));
}
