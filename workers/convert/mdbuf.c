/*
 * Growable Markdown output with a cap, shared by every converter; see
 * mdbuf.h.
 */
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "mdbuf.h"

void
mdbuf_init(struct mdbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max > MDBUF_NOLIMIT ? MDBUF_NOLIMIT : max;
}

int
mdbuf_room(struct mdbuf *b, size_t n)
{
	size_t	 need, cap;
	char	*p;

	if (b->err)
		return -1;
	if (n > b->max - b->len) {
		b->err = CONVERT_EOUTPUT;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap != 0 ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->err = CONVERT_ENOMEM;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
mdbuf_add_slow(struct mdbuf *b, const char *s, size_t n)
{
	if (mdbuf_room(b, n) == -1)
		return;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
mdbuf_adds(struct mdbuf *b, const char *s)
{
	mdbuf_add(b, s, strlen(s));
}

void
mdbuf_free(struct mdbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static int
at_line_start(const struct mdbuf *b)
{
	return b->len == 0 || b->p[b->len - 1] == '\n';
}

void
mdbuf_text(struct mdbuf *b, const char *s, size_t n)
{
	size_t	i, j;
	int	space = 0, start;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			space = 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		start = at_line_start(b);
		if (space && !start)
			mdbuf_addc(b, ' ');
		space = 0;
		start = at_line_start(b);
		switch (c) {
		case '\\': case '`': case '*': case '_': case '[': case ']':
		case '<': case '>': case '|':
			mdbuf_addc(b, '\\');
			break;
		case '#': case '+': case '-': case '=':
			if (start)
				mdbuf_addc(b, '\\');
			break;
		default:
			/* "1." or "1)" at a line start would open a list. */
			if (start && c >= '0' && c <= '9') {
				for (j = i; j < n && j - i < 9 &&
				    s[j] >= '0' && s[j] <= '9'; j++)
					;
				if (j < n && (s[j] == '.' || s[j] == ')')) {
					mdbuf_add(b, s + i, j - i);
					mdbuf_addc(b, '\\');
					i = j - 1;
					continue;
				}
			}
			break;
		}
		mdbuf_addc(b, (char)c);
	}
}

void
mdbuf_blank(struct mdbuf *b)
{
	if (b->len == 0)
		return;
	if (b->p[b->len - 1] != '\n')
		mdbuf_addc(b, '\n');
	if (b->len < 2 || b->p[b->len - 2] != '\n')
		mdbuf_addc(b, '\n');
}

void
mdbuf_heading(struct mdbuf *b, unsigned level, const char *s, size_t n)
{
	static const char hashes[] = "######";

	if (level < 1)
		level = 1;
	if (level > 6)
		level = 6;
	mdbuf_blank(b);
	mdbuf_add(b, hashes, level);
	mdbuf_addc(b, ' ');
	mdbuf_text(b, s, n);
	mdbuf_adds(b, "\n\n");
}

void
mdbuf_table_row(struct mdbuf *b, const char *const *cells,
    const size_t *lens, size_t ncells, int header)
{
	size_t	i;

	if (ncells == 0)
		return;
	if (header)
		mdbuf_blank(b);
	else if (!at_line_start(b))
		mdbuf_addc(b, '\n');
	mdbuf_addc(b, '|');
	for (i = 0; i < ncells; i++) {
		mdbuf_addc(b, ' ');
		/* A cell's text is never at a line start: "| " precedes it. */
		mdbuf_text(b, cells[i], lens[i]);
		mdbuf_adds(b, " |");
	}
	mdbuf_addc(b, '\n');
	if (header) {
		mdbuf_addc(b, '|');
		for (i = 0; i < ncells; i++)
			mdbuf_adds(b, " --- |");
		mdbuf_addc(b, '\n');
	}
}

void
mdbuf_codepoint(struct mdbuf *b, unsigned long cp)
{
	char	u[4];

	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		mdbuf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		mdbuf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		mdbuf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		mdbuf_add(b, u, 4);
	}
}
