/*
 * The converters' output: a growable buffer with a cap, and the few
 * Markdown writing helpers every converter needs (escaping inline text,
 * headings, table rows). The first error sticks: converters append without
 * checking each call and look at err once at the end, so a document that
 * would exceed the output cap costs no more work than the cap.
 *
 * Library-like: malloc only; errors are CONVERT_ENOMEM or CONVERT_EOUTPUT.
 */
#ifndef KBD_MDBUF_H
#define KBD_MDBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A cap that can never be reached, yet leaves room for arithmetic. */
#define MDBUF_NOLIMIT	(SIZE_MAX / 4)

struct mdbuf {
	char	*p;		/* NUL-terminated when not NULL */
	size_t	 len, cap, max;
	int	 err;		/* 0, CONVERT_ENOMEM or CONVERT_EOUTPUT */
};

void	mdbuf_init(struct mdbuf *, size_t max);
int	mdbuf_room(struct mdbuf *, size_t n);
void	mdbuf_add_slow(struct mdbuf *, const char *, size_t);
void	mdbuf_adds(struct mdbuf *, const char *);
void	mdbuf_free(struct mdbuf *);

/*
 * Appending is most of what a converter does, byte by byte: the common
 * case (room already there) is inline, the rest out of line.
 */
static inline void
mdbuf_add(struct mdbuf *b, const char *s, size_t n)
{
	if (b->err == 0 && n < b->cap - b->len && n <= b->max - b->len) {
		if (n > 0)
			memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = '\0';
		return;
	}
	mdbuf_add_slow(b, s, n);
}

static inline void
mdbuf_addc(struct mdbuf *b, char c)
{
	if (b->err == 0 && b->len + 1 < b->cap && b->len < b->max) {
		b->p[b->len++] = c;
		b->p[b->len] = '\0';
		return;
	}
	mdbuf_add_slow(b, &c, 1);
}

/*
 * Inline text from a document that is not Markdown: whitespace runs
 * (newlines included) collapse to one blank, control characters are
 * dropped, and the characters Markdown would read as markup
 * (\ ` * _ [ ] < > | and a '#', '+', '-', '=' or digit-and-period that
 * would start a block) are backslash-escaped.
 */
void	mdbuf_text(struct mdbuf *, const char *, size_t);
/* Ends the current line if there is one and leaves one blank line. */
void	mdbuf_blank(struct mdbuf *);
/* "## text" on its own line, with a blank line before and after. */
void	mdbuf_heading(struct mdbuf *, unsigned level, const char *, size_t);
/*
 * One row of a pipe table; call with header=1 for the first row, which
 * also writes the delimiter row. Cells go through mdbuf_text, so '|' is
 * escaped and newlines in a cell become blanks.
 */
void	mdbuf_table_row(struct mdbuf *, const char *const *cells,
	    const size_t *lens, size_t ncells, int header);

/*
 * The UTF-8 bytes of code point cp; a surrogate or a value past U+10FFFF
 * becomes U+FFFD, so the output stays valid UTF-8 (roff \[uXXXX], RTF
 * \uN).
 */
void	mdbuf_codepoint(struct mdbuf *, unsigned long cp);

#endif /* KBD_MDBUF_H */
