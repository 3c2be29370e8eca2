/*
 * Minimal escaping of extracted text (see mdplain.h). mdbuf_text escapes
 * every character that can ever be markup, which is right for text from
 * a structure (HTML, DOCX cells) and noisy for long runs of prose from
 * PDF pages: "tar {A\|c\|d}". Here a character is escaped only where it
 * would open or close something.
 */
#include <string.h>

#include "mdbuf.h"
#include "mdplain.h"

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static int
is_punct(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !is_alnum(c);
}

/*
 * Whether c at s[i] (the output so far ending in prev, 0 at the line's
 * start) needs a backslash.
 */
static int
needs_escape(const unsigned char *s, size_t i, size_t n, unsigned char prev)
{
	unsigned char	c = s[i], next = i + 1 < n ? s[i + 1] : 0;
	size_t		j;

	switch (c) {
	case '\\':
		/* Only a backslash before punctuation escapes anything. */
		return next == 0 || is_punct(next);
	case '`':
	case '*':
		return 1;
	case '_':
		/* Inside a word (snake_case) it is never emphasis. */
		return !(is_alnum(prev) && is_alnum(next));
	case '~':
		/* ~/.profile, ~user: not strikethrough in practice. */
		return next != '/' && !is_alnum(next);
	case '[':
		/* A reference definition "[x]: ..." starts a line. */
		return prev == 0;
	case ']':
		/* [text](target), [text][ref]: only then a link. */
		return next == '(' || next == '[' || next == ':';
	case '<':
		/* Raw HTML and autolinks: <tag, </tag, <!--, <?, <http:. */
		return next == '/' || next == '!' || next == '?' ||
		    (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z');
	case '&':
		/* An entity reference: &name; or &#...;. */
		for (j = i + 1; j < n && j - i < 34 && (is_alnum(s[j]) ||
		    (j == i + 1 && s[j] == '#')); j++)
			;
		return j > i + 1 && j < n && s[j] == ';';
	case '!':
		return next == '[';
	case '>': case '#': case '+': case '-': case '=': case '|':
		/* Block starts: a quote, a heading, a list, a rule, a table. */
		return prev == 0;
	default:
		return 0;
	}
}

void
mdbuf_plain(struct mdbuf *b, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned char		 prev = 0;
	size_t			 i, j;
	int			 space = 0;

	/* The paragraph starts at a line start: mdbuf_blank came first. */
	if (b->len > 0 && b->p[b->len - 1] != '\n')
		prev = (unsigned char)b->p[b->len - 1];
	for (i = 0; i < n; i++) {
		if (is_space(u[i])) {
			space = 1;
			continue;
		}
		if (u[i] < 0x20 || u[i] == 0x7f)
			continue;
		if (space && prev != 0) {
			mdbuf_addc(b, ' ');
			prev = ' ';
		}
		space = 0;
		/* "1." or "1)" at a line start would open a list. */
		if (prev == 0 && u[i] >= '0' && u[i] <= '9') {
			for (j = i; j < n && j - i < 9 && u[j] >= '0' &&
			    u[j] <= '9'; j++)
				;
			if (j < n && (u[j] == '.' || u[j] == ')')) {
				mdbuf_add(b, s + i, j - i);
				mdbuf_addc(b, '\\');
				prev = '\\';
				i = j - 1;
				continue;
			}
		}
		if (needs_escape(u, i, n, prev))
			mdbuf_addc(b, '\\');
		mdbuf_addc(b, (char)u[i]);
		prev = u[i];
	}
}
