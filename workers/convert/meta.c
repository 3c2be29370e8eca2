/*
 * The metadata of every document, read back from the Markdown its
 * converter produced with md4c, so code blocks never contribute: the
 * title, the description and the outline (the rules are in
 * docs/converters.md). A YAML front matter's "title:" comes first.
 */
#include <sys/types.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <md4c.h>

#include "convert.h"
#include "meta.h"
#include "utf8.h"

/* ---- collapsed, capped metadata text ---- */

struct text {
	char	b[CONVERT_DESC_MAX + 1];
	size_t	len, max;
	int	space, full;
};

static void
text_reset(struct text *t, size_t max)
{
	t->len = 0;
	t->max = max;
	t->space = t->full = 0;
	t->b[0] = '\0';
}

/* Whitespace and control characters (C0, DEL, C1) read as one blank. */
static int
is_blank_char(const unsigned char *s, size_t k)
{
	if (k == 1)
		return s[0] <= 0x20 || s[0] == 0x7f;
	return k == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

static void
text_add(struct text *t, const char *s, size_t n)
{
	size_t	i = 0, k, bad;

	while (i < n && !t->full) {
		if ((k = utf8_len((const unsigned char *)s + i, n - i,
		    &bad)) == 0)
			k = bad;
		if (is_blank_char((const unsigned char *)s + i, k)) {
			t->space = t->len > 0;
			i += k;
			continue;
		}
		if (t->len + (size_t)t->space + k > t->max) {
			t->full = 1;
			break;
		}
		if (t->space) {
			t->b[t->len++] = ' ';
			t->space = 0;
		}
		memcpy(t->b + t->len, s + i, k);
		t->len += k;
		i += k;
	}
	t->b[t->len] = '\0';
}

/* ---- noise: text that is no description ---- */

static int
is_digits(const char *s, size_t n, int dots)
{
	size_t	i;

	if (n == 0 || s[0] < '0' || s[0] > '9')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (dots && s[i] == '.')))
			return 0;
	return 1;
}

/*
 * A directive's name as reST and Sphinx write it: "c:function",
 * "py:class", "std:option" (a domain, a colon, a lower-case role).
 */
static int
is_directive(const char *s, size_t n)
{
	size_t	i = 0;

	while (i < n && ((s[i] >= 'a' && s[i] <= 'z') ||
	    (s[i] >= '0' && s[i] <= '9')))
		i++;
	if (i == 0 || i + 1 >= n || s[i] != ':' || s[i + 1] < 'a' ||
	    s[i + 1] > 'z')
		return 0;
	for (i += 2; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' ||
		    s[i] == ':'))
			return 0;
	return 1;
}

int
meta_noise(const char *s)
{
	const char	*first, *last, *sp;
	size_t		 flen, llen, len = strlen(s);

	/* Dotted leaders of a table of contents. */
	if (strstr(s, "....") != NULL || strstr(s, ". . . .") != NULL)
		return 1;
	/* A reST directive left as text: ".. c:function:: ...". */
	if (len > 3 && memcmp(s, ".. ", 3) == 0 && strstr(s, "::") != NULL)
		return 1;
	if ((sp = strchr(s, ' ')) == NULL)
		return 0;
	first = s;
	flen = (size_t)(sp - s);
	last = strrchr(s, ' ') + 1;
	llen = strlen(last);
	/* "c:function PyObject* PyList_New(...)": a directive's name. */
	if (is_directive(first, flen))
		return 1;
	/* "TAR(1) GNU TAR Manual TAR(1)": a running header. */
	if (flen == llen && last != first && memcmp(first, last, flen) == 0)
		return 1;
	/* "1 Introduction 2", "2.1 Options 14": a contents line. */
	if (is_digits(first, flen, 1) && is_digits(last, llen, 0))
		return 1;
	return 0;
}

/* ---- reading Markdown back: title, description, outline ---- */

struct collect {
	struct text		 cur;		/* heading or paragraph */
	struct text		 line;		/* first line of the paragraph */
	int			 in_h, in_p, line_done, quote;
	unsigned		 level;
	int			 have_title;
	char			 title[CONVERT_TITLE_MAX + 1];
	/* [0] outside block quotes, [1] inside */
	int			 have_desc[2];
	char			 desc[2][CONVERT_DESC_MAX + 1];
	char			 first[2][CONVERT_TITLE_MAX + 1];
	/* [2]: the first paragraph, when every one is noise */
	int			 have_noise;
	char			 noise[CONVERT_DESC_MAX + 1];
	char			 noise_first[CONVERT_TITLE_MAX + 1];
	struct convert_heading	*outline;
	size_t			 noutline;
	int			 err;
};

static size_t
utf8_put(unsigned long cp, char *out)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* md4c hands entities over verbatim: decode numeric ones and a few names. */
static void
text_entity(struct text *t, const char *s, size_t n)
{
	static const struct {
		const char	*name, *utf8;
	} names[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
		{ "&quot;", "\"" }, { "&apos;", "'" }, { "&nbsp;", "\xc2\xa0" },
	};
	unsigned long	cp = 0;
	size_t		i;
	char		out[4];
	int		hex;

	if (n >= 4 && s[1] == '#') {
		hex = s[2] == 'x' || s[2] == 'X';
		for (i = hex ? 3 : 2; i < n - 1; i++) {
			if (cp > 0x10ffff)
				break;
			if (s[i] >= '0' && s[i] <= '9')
				cp = cp * (hex ? 16 : 10) + (unsigned long)(s[i] - '0');
			else if (hex && s[i] >= 'a' && s[i] <= 'f')
				cp = cp * 16 + (unsigned long)(s[i] - 'a' + 10);
			else if (hex && s[i] >= 'A' && s[i] <= 'F')
				cp = cp * 16 + (unsigned long)(s[i] - 'A' + 10);
		}
		text_add(t, out, utf8_put(cp, out));
		return;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n &&
		    memcmp(names[i].name, s, n) == 0) {
			text_add(t, names[i].utf8, strlen(names[i].utf8));
			return;
		}
	text_add(t, s, n);
}

static int
col_enter(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct collect	*c = arg;
	int		 q = c->quote > 0;

	switch (type) {
	case MD_BLOCK_QUOTE:
		c->quote++;
		break;
	case MD_BLOCK_H:
		c->in_h = 1;
		c->level = ((MD_BLOCK_H_DETAIL *)detail)->level;
		text_reset(&c->cur, CONVERT_HEADING_MAX);
		break;
	case MD_BLOCK_P:
		if (c->have_desc[0] || c->have_desc[q])
			break;
		c->in_p = 1;
		c->line_done = 0;
		text_reset(&c->cur, CONVERT_DESC_MAX);
		text_reset(&c->line, CONVERT_TITLE_MAX);
		break;
	default:
		break;
	}
	return 0;
}

static int
col_leave(MD_BLOCKTYPE type, void *detail, void *arg)
{
	struct collect		*c = arg;
	struct convert_heading	*h;
	int			 q = c->quote > 0;

	(void)detail;
	switch (type) {
	case MD_BLOCK_QUOTE:
		c->quote--;
		break;
	case MD_BLOCK_H:
		c->in_h = 0;
		if (c->cur.len == 0)
			break;
		if (!c->have_title) {
			memcpy(c->title, c->cur.b, c->cur.len + 1);
			c->have_title = 1;
		}
		if (c->noutline == CONVERT_OUTLINE_MAX)
			break;
		if (c->noutline % 16 == 0) {
			h = reallocarray(c->outline, c->noutline + 16,
			    sizeof(*h));
			if (h == NULL) {
				c->err = CONVERT_ENOMEM;
				return 1;
			}
			c->outline = h;
		}
		h = &c->outline[c->noutline];
		h->level = c->level;
		if ((h->text = strdup(c->cur.b)) == NULL) {
			c->err = CONVERT_ENOMEM;
			return 1;
		}
		c->noutline++;
		break;
	case MD_BLOCK_P:
		if (!c->in_p)
			break;
		c->in_p = 0;
		if (c->cur.len == 0)
			break;
		if (meta_noise(c->cur.b)) {
			if (!c->have_noise) {
				memcpy(c->noise, c->cur.b, c->cur.len + 1);
				memcpy(c->noise_first, c->line.b,
				    c->line.len + 1);
				c->have_noise = 1;
			}
			break;
		}
		memcpy(c->desc[q], c->cur.b, c->cur.len + 1);
		memcpy(c->first[q], c->line.b, c->line.len + 1);
		c->have_desc[q] = 1;
		break;
	default:
		break;
	}
	return 0;
}

static int
col_span(MD_SPANTYPE type, void *detail, void *arg)
{
	(void)type;
	(void)detail;
	(void)arg;
	return 0;
}

static int
col_text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE n, void *arg)
{
	struct collect	*c = arg;

	if (!c->in_h && !c->in_p)
		return 0;
	switch (type) {
	case MD_TEXT_HTML:
		return 0;
	case MD_TEXT_BR:
	case MD_TEXT_SOFTBR:
		text_add(&c->cur, " ", 1);
		c->line_done = 1;
		return 0;
	case MD_TEXT_NULLCHAR:
		s = "\xef\xbf\xbd";
		n = 3;
		break;
	case MD_TEXT_ENTITY:
		text_entity(&c->cur, s, n);
		if (c->in_p && !c->line_done)
			text_entity(&c->line, s, n);
		return 0;
	default:
		break;
	}
	text_add(&c->cur, s, n);
	if (c->in_p && !c->line_done)
		text_add(&c->line, s, n);
	return 0;
}

/*
 * YAML front matter: "---" up to "---" or "...". Returns where the
 * Markdown starts (0 without front matter) and its title, if any.
 */
static size_t
front_matter(const char *s, size_t len, struct text *title)
{
	size_t		 at, eol, e, v;
	const char	*nl;

	if (len < 4 || memcmp(s, "---\n", 4) != 0)
		return 0;
	for (at = 4; at < len; at = eol + 1) {
		nl = memchr(s + at, '\n', len - at);
		eol = nl != NULL ? (size_t)(nl - s) : len;
		for (e = eol; e > at && (s[e - 1] == ' ' || s[e - 1] == '\t'); e--)
			;
		if (e - at == 3 && (memcmp(s + at, "---", 3) == 0 ||
		    memcmp(s + at, "...", 3) == 0))
			return eol < len ? eol + 1 : len;
		if (e - at > 6 && memcmp(s + at, "title:", 6) == 0) {
			for (v = at + 6; v < e && (s[v] == ' ' || s[v] == '\t');
			    v++)
				;
			if (e - v >= 2 && (s[v] == '"' || s[v] == '\'') &&
			    s[e - 1] == s[v]) {
				v++;
				e--;
			}
			text_reset(title, CONVERT_TITLE_MAX);
			text_add(title, s + v, e - v);
		}
	}
	text_reset(title, CONVERT_TITLE_MAX);
	return 0;
}

int
meta_collect(const char *md, size_t len, struct convert_result *r)
{
	MD_PARSER	 p;
	struct collect	*c;
	struct text	 fm;
	const char	*title, *desc;
	size_t		 off, n, i;
	int		 rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return CONVERT_ENOMEM;
	memset(&p, 0, sizeof(p));
	p.flags = MD_DIALECT_GITHUB;
	p.enter_block = col_enter;
	p.leave_block = col_leave;
	p.enter_span = col_span;
	p.leave_span = col_span;
	p.text = col_text;

	text_reset(&fm, CONVERT_TITLE_MAX);
	off = front_matter(md, len, &fm);
	n = len - off;
	if (n > UINT_MAX) {
		/* md4c counts in unsigned: read what it can, to a line end. */
		n = UINT_MAX;
		while (n > 0 && md[off + n - 1] != '\n')
			n--;
	}
	rc = md_parse(md + off, (MD_SIZE)n, &p, c);
	if (c->err != 0 || rc != 0) {
		rc = c->err != 0 ? c->err : CONVERT_EPARSE;
		goto out;
	}

	if (fm.len > 0)
		title = fm.b;
	else if (c->have_title)
		title = c->title;
	else if (c->have_desc[0])
		title = c->first[0];
	else if (c->have_desc[1])
		title = c->first[1];
	else
		title = c->noise_first;
	desc = c->have_desc[0] ? c->desc[0] : c->have_desc[1] ? c->desc[1] :
	    c->noise;
	/* A converter that knows better (document metadata) set its own. */
	if ((r->title == NULL && (r->title = strdup(title)) == NULL) ||
	    (r->description = strdup(desc)) == NULL) {
		rc = CONVERT_ENOMEM;
		goto out;
	}
	if (!r->outline_set && r->outline == NULL) {
		r->outline = c->outline;
		r->noutline = c->noutline;
		c->outline = NULL;
		c->noutline = 0;
	}
	rc = CONVERT_OK;
out:
	for (i = 0; i < c->noutline; i++)
		free(c->outline[i].text);
	free(c->outline);
	free(c);
	return rc;
}
