/*
 * The man-page reader's escapes (see man.h): \f fonts, \( and \[
 * special characters, \* strings, and the escapes dropped with their
 * arguments. What each becomes is in docs/converters.md.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "man.h"
#include "mdbuf.h"
/* \(xx and \[xx]: the characters pages use; others are dropped. */
static const struct special {
	const char	*name, *utf8;
} specials[] = {
	{ "em", "\xe2\x80\x94" }, { "en", "\xe2\x80\x93" }, { "hy", "-" },
	{ "mi", "-" }, { "-", "-" }, { "bu", "\xe2\x80\xa2" },
	{ "co", "\xc2\xa9" }, { "rg", "\xc2\xae" }, { "tm", "\xe2\x84\xa2" },
	{ "lq", "\xe2\x80\x9c" }, { "rq", "\xe2\x80\x9d" },
	{ "oq", "\xe2\x80\x98" }, { "cq", "\xe2\x80\x99" }, { "aq", "'" },
	{ "dq", "\"" }, { "ga", "`" }, { "ti", "~" }, { "ha", "^" },
	{ "rs", "\\" }, { "sl", "/" }, { "pl", "+" }, { "eq", "=" },
	{ "mu", "\xc3\x97" }, { "di", "\xc3\xb7" }, { "<=", "\xe2\x89\xa4" },
	{ ">=", "\xe2\x89\xa5" }, { "!=", "\xe2\x89\xa0" },
	{ "->", "\xe2\x86\x92" }, { "<-", "\xe2\x86\x90" },
	{ "de", "\xc2\xb0" }, { "dg", "\xe2\x80\xa0" }, { "sc", "\xc2\xa7" },
	{ "Fo", "\xc2\xab" }, { "Fc", "\xc2\xbb" }, { "fo", "\xe2\x80\xb9" },
	{ "fc", "\xe2\x80\xba" }, { "ba", "|" }, { "br", "|" }, { "bv", "|" },
	{ "ul", "_" }, { "ru", "_" }, { "lB", "[" }, { "rB", "]" },
	{ "lC", "{" }, { "rC", "}" }, { "la", "<" }, { "ra", ">" },
	{ "Lq", "\xe2\x80\x9c" }, { "Rq", "\xe2\x80\x9d" },
	{ "at", "@" }, { "sh", "#" }, { "Do", "$" }, { "ps", "\xc2\xb6" },
	{ "ss", "\xc3\x9f" }, { "'e", "\xc3\xa9" }, { "`e", "\xc3\xa8" },
	{ "'a", "\xc3\xa1" }, { ":o", "\xc3\xb6" }, { ":u", "\xc3\xbc" },
	{ ":a", "\xc3\xa4" }, { "ci", "\xe2\x97\x8b" }, { "sq", "\xe2\x96\xa1" },
	{ "pc", "\xc2\xb7" }, { "OK", "\xe2\x9c\x93" }, { "*a", "\xce\xb1" },
	{ "*b", "\xce\xb2" }, { "*m", "\xce\xbc" }, { "*p", "\xcf\x80" },
	{ "if", "\xe2\x88\x9e" }, { "+-", "\xc2\xb1" }, { "12", "\xc2\xbd" },
};

static void
special(struct man *m, const char *name, size_t n)
{
	unsigned long	 cp;
	char		*end;
	size_t		 i;

	if (n >= 5 && n <= 7 && name[0] == 'u') {
		for (i = 1; i < n && isxdigit((unsigned char)name[i]); i++)
			;
		if (i == n) {
			cp = strtoul(name + 1, &end, 16);
			if (cp >= 0x20)
				man_putcp(m, cp);
			return;
		}
	}
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if (strlen(specials[i].name) == n &&
		    memcmp(specials[i].name, name, n) == 0) {
			man_put(m, specials[i].utf8, strlen(specials[i].utf8));
			return;
		}
}

/*
 * The name after an escape that takes one (\f, \(, \*, \n): one
 * character, "(xx" or "[name]". Returns where it ends.
 */
static size_t
esc_name(const char *s, size_t n, size_t i, size_t *a, size_t *len)
{
	size_t	j;

	if (i >= n) {
		*a = i;
		*len = 0;
		return i;
	}
	if (s[i] == '(') {
		*a = i + 1;
		*len = n - *a < 2 ? n - *a : 2;
		return *a + *len;
	}
	if (s[i] == '[') {
		for (j = i + 1; j < n && s[j] != ']'; j++)
			;
		*a = i + 1;
		*len = j - *a;
		return j < n ? j + 1 : j;
	}
	*a = i;
	*len = 1;
	return i + 1;
}

/* \w'...', \h'...' and the like: skip the delimited argument. */
size_t
man_esc_delim(const char *s, size_t n, size_t i)
{
	char	d;

	if (i >= n)
		return i;
	d = s[i++];
	while (i < n && s[i] != d) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		i++;
	}
	return i < n ? i + 1 : i;
}

void
man_font_escape(struct man *m, const char *f, size_t n)
{
	enum font	nf;

	if (m->nf)
		return;
	if (n == 0 || (n == 1 && (*f == 'P' || *f == 'R' || *f == '1')))
		nf = n == 1 && *f == 'P' ? m->prev : F_R;
	else if ((n == 1 && (*f == 'B' || *f == '3')) ||
	    (n == 2 && memcmp(f, "CB", 2) == 0))
		nf = F_B;
	else if ((n == 1 && (*f == 'I' || *f == '2')) ||
	    (n == 2 && memcmp(f, "CI", 2) == 0))
		nf = F_I;
	else if ((n == 2 && memcmp(f, "BI", 2) == 0) || (n == 1 && *f == '4'))
		nf = F_BI;
	else
		nf = F_R;
	man_set_font(m, nf);
}

/*
 * Decode the text of a line (or argument): escapes, fonts, specials.
 * A \c at its end joins the next line to this one.
 */
void
man_text(struct man *m, const char *s, size_t n)
{
	size_t	i = 0, a, l, j;

	while (i < n) {
		for (j = i; j < n && s[j] != '\\'; j++)
			;
		man_put(m, s + i, j - i);
		if (j >= n)
			break;
		i = j + 1;
		if (i >= n)
			break;
		switch (s[i++]) {
		case 'f':
			i = esc_name(s, n, i, &a, &l);
			man_font_escape(m, s + a, l);
			break;
		case '(':
			a = i;
			l = n - i < 2 ? n - i : 2;
			i += l;
			special(m, s + a, l);
			break;
		case '[':
			i = esc_name(s, n, i - 1, &a, &l);
			special(m, s + a, l);
			break;
		case 'C':
			i = man_esc_delim(s, n, i);
			break;
		case '*':
			i = esc_name(s, n, i, &a, &l);
			if ((l == 2 && memcmp(s + a, "lq", 2) == 0) ||
			    (l == 2 && memcmp(s + a, "rq", 2) == 0))
				special(m, s + a, l);
			else if (l == 1 && s[a] == 'R')
				special(m, "rg", 2);
			else if (l == 2 && memcmp(s + a, "Tm", 2) == 0)
				special(m, "tm", 2);
			else if (l == 2 && s[a] == 'C' &&
			    (s[a + 1] == '`' || s[a + 1] == '\''))
				man_put(m, "\"", 1);	/* pod2man's quotes */
			break;
		case 'n': case '$': case 'g': case 'F': case 'm': case 'M':
		case 'Y': case 'V': case 'k':
			if (i < n && (s[i] == '+' || s[i] == '-'))
				i++;
			i = esc_name(s, n, i, &a, &l);
			break;
		case 's':
			if (i < n && (s[i] == '+' || s[i] == '-'))
				i++;
			if (i < n && (s[i] == '(' || s[i] == '['))
				i = esc_name(s, n, i, &a, &l);
			else if (i < n && s[i] == '\'')
				i = man_esc_delim(s, n, i);
			else
				for (l = 0; i < n && l < 2 &&
				    isdigit((unsigned char)s[i]); l++)
					i++;
			break;
		case 'w': case 'h': case 'v': case 'l': case 'L': case 'D':
		case 'X': case 'o': case 'b': case 'x': case 'Z': case 'R':
		case 'A': case 'B': case 'H': case 'S':
			i = man_esc_delim(s, n, i);
			break;
		case 'N':
			if (i < n && s[i] == '\'') {
				a = i + 1;
				i = man_esc_delim(s, n, i);
				l = strtoul(s + a, NULL, 10);
				if (l >= 0x20 && l < 0x7f)
					man_putcp(m, l);
			}
			break;
		case 'z':
			break;
		case 'c':
			if (i >= n)
				m->join = 1;
			break;
		case '"': case '#':
			return;
		case 'e': case 'E': case '\\':
			man_put(m, "\\", 1);
			break;
		case '-':
			man_put(m, "-", 1);
			break;
		case '0': case '~': case ' ': case '_':
			man_put(m, s[i - 1] == '_' ? "_" : " ", 1);
			break;
		case 't':
			man_put(m, m->nf ? "\t" : " ", 1);
			break;
		case '\'':
			man_put(m, "'", 1);
			break;
		case '`':
			man_put(m, "`", 1);
			break;
		case '.':
			man_put(m, ".", 1);
			break;
		case '&': case '|': case '^': case ')': case '%': case ':':
		case '/': case ',': case '{': case '}': case 'a': case 'd':
		case 'u': case 'p': case 'r':
			break;
		default:
			/* groff prints an unknown escape's character. */
			man_put(m, s + i - 1, 1);
			break;
		}
	}
}
