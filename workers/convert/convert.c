/*
 * Converters from text, Markdown and reStructuredText to Markdown, and the
 * metadata collector that reads the Markdown back with md4c. What each
 * converter does with its input is specified in convert.h; this file is
 * the how. Everything works on one in-memory copy of the document: the
 * worker bounds its size, and the output is bounded by max_output as it
 * is produced, so a hostile input costs at most those two buffers.
 */
#include <sys/types.h>

#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <md4c.h>

#include "convert.h"
#include "csv.h"
#include "html.h"
#include "zip.h"
#include "mdbuf.h"
#include "utf8.h"

/* Nesting of reST containers (lists, quotes, directives) kept as such. */
#define DEPTH_MAX	24
#define NONE		((size_t)-1)

static const char adorn_chars[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";


/* ---- input checks ---- */

static int
check_text(const unsigned char *s, size_t len, size_t *off)
{
	switch (utf8_check((const char *)s, len, off)) {
	case 0:
		return CONVERT_OK;
	case 1:
		return CONVERT_ENUL;
	default:
		return CONVERT_EUTF8;
	}
}

int
convert_check_text(const char *s, size_t len, size_t *off)
{
	return check_text((const unsigned char *)s, len, off);
}

/* Drop a BOM; CRLF and lone CR become LF. */
static char *
normalize(const char *in, size_t len, size_t *outlen)
{
	char	*out;
	size_t	 i = 0, n = 0;

	if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	if ((out = malloc(len - i + 1)) == NULL)
		return NULL;
	for (; i < len; i++) {
		if (in[i] == '\r') {
			out[n++] = '\n';
			if (i + 1 < len && in[i + 1] == '\n')
				i++;
		} else
			out[n++] = in[i];
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

/* Length of the UTF-8 sequence a (valid) lead byte starts. */
static size_t
u8len(unsigned char c)
{
	if (c < 0xc0)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

static size_t
u8width(const char *s, size_t n)
{
	size_t	i, w = 0;

	for (i = 0; i < n; i += u8len((unsigned char)s[i]))
		w++;
	return w;
}

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
	size_t	i = 0, k;

	while (i < n && !t->full) {
		k = u8len((unsigned char)s[i]);
		if (k > n - i)
			k = n - i;
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

static int
collect(const char *md, size_t len, struct convert_result *r)
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
	else
		title = c->first[1];
	desc = c->have_desc[0] ? c->desc[0] : c->desc[1];
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

/* ---- Markdown output: line prefixes of nested containers ---- */

struct seg {
	size_t	 off;		/* where this container's prefix starts */
	char	*marker;	/* list marker, replaces the prefix once */
};

struct styles {
	unsigned char	ch[64], over[64];
	size_t		n;
};

struct conv {
	struct mdbuf	 out;
	struct mdbuf	 prefix;
	struct seg	 seg[DEPTH_MAX + 1];
	int		 nseg;
	int		 need_blank;	/* a block was emitted in this container */
	const char	*lead;		/* field name for the next paragraph */
	size_t		 leadlen;
	struct styles	 styles;
	char		 hl[32];	/* ".. highlight::" language */
	struct mdbuf	 para, inl;	/* scratch */
	int		 err;
	int		 headings;	/* plain text: underlined titles seen */
};

static void
line_begin(struct conv *c)
{
	size_t	a, b;
	int	i;

	if (c->prefix.err)
		return;
	for (i = 0; i < c->nseg; i++) {
		a = c->seg[i].off;
		b = i + 1 < c->nseg ? c->seg[i + 1].off : c->prefix.len;
		if (c->seg[i].marker != NULL) {
			mdbuf_adds(&c->out, c->seg[i].marker);
			free(c->seg[i].marker);
			c->seg[i].marker = NULL;
		} else
			mdbuf_add(&c->out, c->prefix.p + a, b - a);
	}
}

static void
emit_line(struct conv *c, const char *s, size_t n)
{
	line_begin(c);
	mdbuf_add(&c->out, s, n);
	mdbuf_addc(&c->out, '\n');
}

static void
emit_blank(struct conv *c)
{
	size_t	n = c->prefix.len;

	while (n > 0 && c->prefix.p[n - 1] == ' ')
		n--;
	mdbuf_add(&c->out, c->prefix.p, n);
	mdbuf_addc(&c->out, '\n');
}

static void
block_start(struct conv *c)
{
	if (c->need_blank)
		emit_blank(c);
	c->need_blank = 0;
}

static void
push(struct conv *c, const char *prefix, const char *marker)
{
	struct seg	*g = &c->seg[c->nseg++];

	g->off = c->prefix.len;
	g->marker = NULL;
	mdbuf_adds(&c->prefix, prefix);
	if (marker != NULL && (g->marker = strdup(marker)) == NULL)
		c->err = CONVERT_ENOMEM;
	c->need_blank = 0;
}

static void
pop(struct conv *c)
{
	struct seg	*g = &c->seg[c->nseg - 1];

	if (g->marker != NULL) {	/* an empty list item */
		line_begin(c);
		while (c->out.len > 0 && c->out.p[c->out.len - 1] == ' ')
			c->out.len--;
		mdbuf_addc(&c->out, '\n');
	}
	c->prefix.len = g->off;
	if (c->prefix.p != NULL)
		c->prefix.p[c->prefix.len] = '\0';
	c->nseg--;
	c->need_blank = 1;
}

static void
lead_flush(struct conv *c)
{
	if (c->lead == NULL)
		return;
	block_start(c);
	line_begin(c);
	mdbuf_adds(&c->out, "**");
	mdbuf_add(&c->out, c->lead, c->leadlen);
	mdbuf_adds(&c->out, ":**\n");
	c->lead = NULL;
	c->need_blank = 1;
}

/*
 * Where a backslash keeps Markdown from reading a block construct at the
 * start of a text line: the offset to insert it at, or NONE.
 */
static size_t
escape_at(const char *s, size_t n)
{
	size_t	i, k, cnt;
	char	ch;

	if (n == 0)
		return NONE;
	ch = s[0];
	switch (ch) {
	case '>':
	case '<':
		return 0;
	case '#':
		for (k = 0; k < n && s[k] == '#'; k++)
			;
		if (k <= 6 && (k == n || s[k] == ' ' || s[k] == '\t'))
			return 0;
		break;
	case '-':
	case '+':
	case '*':
		if (n == 1 || s[1] == ' ' || s[1] == '\t')
			return 0;
		break;
	case '`':
	case '~':
		for (k = 0; k < n && s[k] == ch; k++)
			;
		if (k >= 3)
			return 0;
		break;
	case '[':
		for (k = 1; k < n && s[k] != ']'; k++)
			;
		if (k + 1 < n && s[k + 1] == ':')
			return 0;
		break;
	default:
		break;
	}
	/* Setext underlines and thematic breaks (escaped generously). */
	if (ch == '=' || ch == '-' || ch == '*' || ch == '_') {
		for (i = cnt = 0; i < n; i++) {
			if (s[i] == ch)
				cnt++;
			else if (s[i] != ' ' && s[i] != '\t')
				break;
		}
		if (i == n && (ch == '=' || ch == '-' || cnt >= 3))
			return 0;
	}
	/* Ordered list markers: "1." and "1)". */
	for (k = 0; k < n && k < 10 && s[k] >= '0' && s[k] <= '9'; k++)
		;
	if (k > 0 && k < 10 && k < n && (s[k] == '.' || s[k] == ')') &&
	    (k + 1 == n || s[k + 1] == ' ' || s[k + 1] == '\t'))
		return k;
	return NONE;
}

/* A line of paragraph text; the first takes a pending field name. */
static void
emit_text_line(struct conv *c, const char *s, size_t n)
{
	size_t	at;

	line_begin(c);
	if (c->lead != NULL) {
		mdbuf_adds(&c->out, "**");
		mdbuf_add(&c->out, c->lead, c->leadlen);
		mdbuf_adds(&c->out, ":** ");
		c->lead = NULL;
	}
	if ((at = escape_at(s, n)) != NONE) {
		mdbuf_add(&c->out, s, at);
		mdbuf_addc(&c->out, '\\');
		s += at;
		n -= at;
	}
	mdbuf_add(&c->out, s, n);
	mdbuf_addc(&c->out, '\n');
}

/* An ATX heading; a trailing '#' run is escaped, not a closing sequence. */
static void
emit_heading(struct conv *c, unsigned level, const char *s, size_t n)
{
	size_t	k;

	if (level > 6)
		level = 6;
	for (k = n; k > 0 && s[k - 1] == '#'; k--)
		;
	line_begin(c);
	mdbuf_add(&c->out, "######", level);
	mdbuf_addc(&c->out, ' ');
	mdbuf_add(&c->out, s, k);
	if (k < n) {
		mdbuf_addc(&c->out, '\\');
		mdbuf_add(&c->out, s + k, n - k);
	}
	mdbuf_addc(&c->out, '\n');
}

static unsigned
style_level(struct styles *st, unsigned char ch, int over)
{
	size_t	i;

	for (i = 0; i < st->n; i++)
		if (st->ch[i] == ch && st->over[i] == over)
			break;
	if (i == st->n && st->n < sizeof(st->ch)) {
		st->ch[i] = ch;
		st->over[i] = (unsigned char)over;
		st->n++;
	}
	return (unsigned)i + 1;
}

/* ---- lines of a (dedented) region of the text ---- */

/*
 * A view is a region whose lines lose `base` columns of indentation; its
 * first line starts at `start`, which may be inside a line (the text after
 * a list marker, say) and then counts as unindented.
 */
struct view {
	const char	*s;
	size_t		 start, end, base;
};

struct line {
	size_t	raw;		/* start of the line in s */
	size_t	pos;		/* start in the view */
	size_t	text;		/* first non-blank */
	size_t	eol;		/* end, before the newline */
	size_t	next;		/* the following line */
	size_t	ind;		/* text - pos: indentation in the view */
	size_t	col;		/* text - raw: absolute indentation */
	int	blank;
};

static void
get_line(const struct view *v, size_t at, struct line *l)
{
	const char	*s = v->s, *nl;
	size_t		 i;

	nl = memchr(s + at, '\n', v->end - at);
	l->eol = nl != NULL ? (size_t)(nl - s) : v->end;
	l->next = nl != NULL ? l->eol + 1 : v->end;
	if (at == v->start) {
		l->pos = at;
		for (l->raw = at; l->raw > 0 && s[l->raw - 1] != '\n'; l->raw--)
			;
	} else {
		l->raw = at;
		for (i = 0; i < v->base && at + i < l->eol && s[at + i] == ' ';
		    i++)
			;
		l->pos = at + i;
	}
	for (l->text = l->pos; l->text < l->eol &&
	    (s[l->text] == ' ' || s[l->text] == '\t'); l->text++)
		;
	l->blank = l->text == l->eol;
	l->ind = l->text - l->pos;
	l->col = l->text - l->raw;
}

/* Trimmed end of a line's text. */
static size_t
line_end(const struct view *v, const struct line *l)
{
	size_t	e = l->eol;

	while (e > l->text && (v->s[e - 1] == ' ' || v->s[e - 1] == '\t'))
		e--;
	return e;
}

/*
 * The lines from `at` indented to mincol or more, with blank lines between
 * them: returns the end of the last such line; *minc is the least
 * indentation among them (SIZE_MAX if none).
 */
static size_t
extent(const struct view *v, size_t at, size_t mincol, size_t *minc)
{
	struct line	l;
	size_t		end = at;

	*minc = SIZE_MAX;
	while (at < v->end) {
		get_line(v, at, &l);
		if (!l.blank) {
			if (l.col < mincol)
				break;
			if (l.col < *minc)
				*minc = l.col;
			end = l.next;
		}
		at = l.next;
	}
	return end;
}

static void
subview(const struct view *v, const struct line *l, size_t end, size_t base,
    struct view *sv)
{
	sv->s = v->s;
	sv->start = l->raw + base;
	if (sv->start < l->pos)
		sv->start = l->pos;
	if (sv->start > l->text)
		sv->start = l->text;
	sv->end = end;
	sv->base = base;
}

/* A fenced code block of the view's lines, verbatim. */
static void
emit_fence(struct conv *c, const struct view *v, const char *lang)
{
	struct line	l;
	size_t		at, k, run = 0, last = v->start;
	char		fence[64];

	for (at = v->start; at < v->end; at = l.next) {
		get_line(v, at, &l);
		if (!l.blank)
			last = l.next;
		for (k = 0; l.text + k < l.eol && v->s[l.text + k] == '`'; k++)
			;
		if (k > run)
			run = k;
	}
	run = run < 3 ? 3 : run + 1;
	if (run >= sizeof(fence))
		run = sizeof(fence) - 1;
	memset(fence, '`', run);
	fence[run] = '\0';
	if (lang == NULL || strchr(lang, '`') != NULL)
		lang = "";

	lead_flush(c);
	block_start(c);
	line_begin(c);
	mdbuf_adds(&c->out, fence);
	mdbuf_adds(&c->out, lang);
	mdbuf_addc(&c->out, '\n');
	for (at = v->start; at < last; at = l.next) {
		get_line(v, at, &l);
		if (l.blank)
			emit_blank(c);
		else
			emit_line(c, v->s + l.pos, l.eol - l.pos);
	}
	emit_line(c, fence, run);
	c->need_blank = 1;
}

/* ---- reStructuredText ---- */

static void	rst_blocks(struct conv *, const struct view *, int);

/* An adornment line: one punctuation character repeated; its length. */
static size_t
adornment(const struct view *v, const struct line *l, unsigned char *ch)
{
	size_t	e = line_end(v, l), i;

	if (l->blank || l->ind != 0 ||
	    strchr(adorn_chars, v->s[l->text]) == NULL)
		return 0;
	for (i = l->text; i < e; i++)
		if (v->s[i] != v->s[l->text])
			return 0;
	*ch = (unsigned char)v->s[l->text];
	return e - l->text;
}

static void
codespan(struct mdbuf *o, const char *s, size_t n)
{
	size_t	i, k, run = 0;
	int	pad;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		n--;
	while (n > 0 && (s[0] == ' ' || s[0] == '\n')) {
		s++;
		n--;
	}
	if (n == 0)
		return;
	for (i = 0; i < n; i = k + 1) {
		for (k = i; k < n && s[k] == '`'; k++)
			;
		if (k - i > run)
			run = k - i;
	}
	pad = s[0] == '`' || s[n - 1] == '`';
	for (k = 0; k <= run; k++)
		mdbuf_addc(o, '`');
	if (pad)
		mdbuf_addc(o, ' ');
	/* Markdown reads a newline in a code span as a blank anyway. */
	for (i = 0; i < n; i++)
		mdbuf_addc(o, s[i] == '\n' ? ' ' : s[i]);
	if (pad)
		mdbuf_addc(o, ' ');
	for (k = 0; k <= run; k++)
		mdbuf_addc(o, '`');
}

/* "Label <target>": the label's length, or NONE. */
static size_t
labelled(const char *s, size_t n)
{
	size_t	i;

	if (n < 3 || s[n - 1] != '>')
		return NONE;
	for (i = n - 1; i > 0; i--)
		if (s[i - 1] == '<')
			break;
	if (i <= 1 || (s[i - 2] != ' ' && s[i - 2] != '\n'))
		return NONE;
	i -= 2;
	while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\n'))
		i--;
	return i;
}

/* Text of an interpreted-text role: a label as text, else a code span. */
static void
role_text(struct mdbuf *o, const char *s, size_t n)
{
	size_t	k, i;

	if ((k = labelled(s, n)) != NONE && k > 0) {
		mdbuf_add(o, s, k);
		return;
	}
	if (n > 0 && s[0] == '!') {
		s++;
		n--;
	}
	if (n > 0 && s[0] == '~') {
		s++;
		n--;
		for (i = n; i > 0 && s[i - 1] != '.'; i--)
			;
		s += i;
		n -= i;
	}
	codespan(o, s, n);
}

static int
role_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
	    ch == '+' || ch == ':';
}

/* reST inline markup into Markdown, appended to o. */
static void
rst_inline(struct mdbuf *o, const char *s, size_t n)
{
	const char	*e;
	size_t		 i = 0, j, k, lab;

	while (i < n) {
		if (s[i] == '\\' && i + 1 < n) {
			if (s[i + 1] == ' ' || s[i + 1] == '\n') {
				i += 2;		/* escaped blank: nothing */
				continue;
			}
			if (strchr(adorn_chars, s[i + 1]) != NULL)
				mdbuf_addc(o, '\\');
			mdbuf_addc(o, s[i + 1]);
			i += 2;
			continue;
		}
		if (s[i] == '`' && i + 1 < n && s[i + 1] == '`') {
			/* ``inline literal`` */
			for (j = i + 2; j + 1 < n; j++)
				if (s[j] == '`' && s[j + 1] == '`')
					break;
			if (j + 1 < n) {
				codespan(o, s + i + 2, j - i - 2);
				i = j + 2;
				continue;
			}
			mdbuf_adds(o, "\\`\\`");
			i += 2;
			continue;
		}
		if (s[i] == ':' && (i == 0 || !role_char(s[i - 1]))) {
			/* :role:`text` */
			for (j = i + 1; j < n && role_char(s[j]); j++)
				if (s[j] == ':' && j + 1 < n && s[j + 1] == '`')
					break;
			if (j > i + 1 && j + 1 < n && s[j] == ':' &&
			    s[j + 1] == '`' &&
			    (e = memchr(s + j + 2, '`', n - j - 2)) != NULL) {
				k = (size_t)(e - s);
				role_text(o, s + j + 2, k - j - 2);
				i = k + 1;
				continue;
			}
		}
		if (s[i] == '`') {
			if ((e = memchr(s + i + 1, '`', n - i - 1)) == NULL) {
				mdbuf_addc(o, '`');
				i++;
				continue;
			}
			k = (size_t)(e - s);
			j = k + 1;
			if (j < n && s[j] == '_') {
				/* `text <url>`_ and `text`_ */
				j += j + 1 < n && s[j + 1] == '_' ? 2 : 1;
				lab = labelled(s + i + 1, k - i - 1);
				if (lab == NONE)
					mdbuf_add(o, s + i + 1, k - i - 1);
				else {
					if (lab > 0) {
						mdbuf_addc(o, '[');
						mdbuf_add(o, s + i + 1, lab);
						mdbuf_adds(o, "](");
					} else
						mdbuf_addc(o, '<');
					e = memchr(s + i + 1 + lab, '<',
					    k - i - 1 - lab);
					for (e++; e < s + k - 1; e++)
						if (*e != ' ' && *e != '\n')
							mdbuf_addc(o, *e);
					mdbuf_addc(o, lab > 0 ? ')' : '>');
				}
				i = j;
				continue;
			}
			if (j < n && s[j] == ':') {
				/* `text`:role: */
				for (k = j + 1; k < n && role_char(s[k]) &&
				    s[k] != ':'; k++)
					;
				if (k > j + 1 && k < n && s[k] == ':')
					j = k + 1;
			}
			role_text(o, s + i + 1, (size_t)(e - s) - i - 1);
			i = j;
			continue;
		}
		if (s[i] == ']' && i + 1 < n && s[i + 1] == '_') {
			/* footnote reference [1]_ */
			mdbuf_addc(o, ']');
			i += 2;
			continue;
		}
		mdbuf_addc(o, s[i]);
		i++;
	}
}

/* Emit text (lines separated by '\n') as Markdown paragraph lines. */
static void
emit_text(struct conv *c, const char *s, size_t n)
{
	const char	*nl;
	size_t		 k;

	while (n > 0) {
		nl = memchr(s, '\n', n);
		k = nl != NULL ? (size_t)(nl - s) : n;
		emit_text_line(c, s, k);
		if (nl == NULL)
			break;
		s += k + 1;
		n -= k + 1;
	}
}

static size_t
rst_title(struct conv *c, const struct view *v, const struct line *l,
    size_t e, unsigned char ch, int over, size_t next)
{
	unsigned	level;

	level = style_level(&c->styles, ch, over);
	c->inl.len = 0;
	rst_inline(&c->inl, v->s + l->text, e - l->text);
	block_start(c);
	emit_heading(c, level, c->inl.p, c->inl.len);
	c->need_blank = 1;
	return next;
}

/* A paragraph; "::" at its end makes the indented block after it literal. */
static size_t
rst_para(struct conv *c, const struct view *v, size_t at)
{
	struct line	 l;
	struct view	 lit;
	const char	*p;
	size_t		 len, n = 0, first = at, minc, end;
	int		 literal = 0;

	c->para.len = 0;
	while (at < v->end) {
		get_line(v, at, &l);
		if (l.blank || (n > 0 && l.ind > 0))
			break;
		if (n++ > 0)
			mdbuf_addc(&c->para, '\n');
		mdbuf_add(&c->para, v->s + l.text, line_end(v, &l) - l.text);
		at = l.next;
	}
	if (c->para.err)
		return at;
	p = c->para.p;
	len = c->para.len;
	if (len >= 3 && memcmp(p, ">>>", 3) == 0) {
		/* doctest block */
		lit = *v;
		get_line(v, first, &l);
		lit.start = l.pos;
		if (first != v->start)
			lit.base = l.pos - l.raw;
		lit.end = at;
		emit_fence(c, &lit, "");
		return at;
	}
	if (len >= 2 && p[len - 1] == ':' && p[len - 2] == ':') {
		literal = 1;
		if (len == 2)
			len = 0;
		else if (p[len - 3] == ' ' || p[len - 3] == '\n') {
			len -= 2;
			while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\n'))
				len--;
		} else
			len--;
	}
	if (len > 0) {
		c->inl.len = 0;
		rst_inline(&c->inl, p, len);
		block_start(c);
		emit_text(c, c->inl.p, c->inl.len);
		c->need_blank = 1;
	}
	if (!literal)
		return at;
	for (; at < v->end; at = l.next) {
		get_line(v, at, &l);
		if (!l.blank)
			break;
	}
	if (at >= v->end || l.ind == 0)
		return at;
	end = extent(v, at, l.col - l.ind + 1, &minc);
	subview(v, &l, end, minc, &lit);
	emit_fence(c, &lit, c->hl);
	return end;
}

/* Directives that render as nothing in reST either. */
static int
invisible(const char *name, size_t n)
{
	static const char *const names[] = { "index", "meta",
	    "sectionauthor", "moduleauthor", "codeauthor", "tabularcolumns",
	    "default-role", "default-domain", "currentmodule", "testsetup",
	    "testcleanup", "target-notes", "contents", "sectnum",
	    "header", "footer", "title", "role", "include", "raw",
	    "literalinclude", "toctree" };
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
			return 1;
	return 0;
}

static int
is_name(const char *name, size_t n, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strlen(*names) == n && memcmp(*names, name, n) == 0)
			return 1;
	return 0;
}

/* The explicit markup block at l: directive, footnote, comment, target. */
static size_t
rst_explicit(struct conv *c, const struct view *v, const struct line *l)
{
	static const char *const code[] = { "code-block", "code",
	    "sourcecode", NULL };
	static const char *const verbatim[] = { "parsed-literal", "doctest",
	    "testcode", "testoutput", NULL };
	static const char *const prose[] = { "note", "warning", "tip",
	    "important", "caution", "danger", "error", "hint", "attention",
	    "admonition", "seealso", "versionadded", "versionchanged",
	    "deprecated", "deprecated-removed", "topic", "sidebar", "rubric",
	    "epigraph", "highlights", "pull-quote", "container", "compound",
	    "only", "glossary", "hlist", "centered", "impl-detail", NULL };
	const char	*s = v->s;
	struct line	 b;
	struct view	 sub;
	char		 lang[32];
	size_t		 at, e, name, nlen, args, aend, end, minc, k, sigs, sige, body;
	int		 gap = 0, label = 0, code_kind = 0, prosy;

	e = line_end(v, l);
	for (at = l->text + 2; at < e && s[at] == ' '; at++)
		;
	end = extent(v, l->next, l->col + 1, &minc);
	if (at == e && l->next < v->end) {
		get_line(v, l->next, &b);
		if (b.blank)		/* ".." alone: an empty comment */
			return l->next;
	}
	if (at == e || s[at] == '_' || s[at] == '|')
		return end;		/* comment, target, substitution */

	name = at;
	if (s[at] == '[') {
		/* footnote or citation */
		for (k = at + 1; k < e && s[k] != ']'; k++)
			;
		if (k == e)
			return end;
		nlen = k + 1 - at;
		args = k + 1;
		label = 1;
	} else {
		for (k = at; k < e && role_char(s[k]); k++)
			if (s[k] == ':' && k + 1 < e && s[k + 1] == ':')
				break;
		if (k == at || k + 1 >= e || s[k] != ':' || s[k + 1] != ':' ||
		    (k + 2 < e && s[k + 2] != ' '))
			return end;	/* a comment */
		nlen = k - at;
		args = k + 2;
	}
	while (args < e && s[args] == ' ')
		args++;
	aend = e;

	if (is_name(s + name, nlen, code))
		code_kind = 1;
	else if (is_name(s + name, nlen, verbatim))
		code_kind = 2;
	else if (nlen == 9 && memcmp(s + name, "highlight", 9) == 0) {
		for (k = args; k < aend && s[k] != ' '; k++)
			;
		if (k - args < sizeof(c->hl) && memchr(s + args, '`',
		    k - args) == NULL) {
			memcpy(c->hl, s + args, k - args);
			c->hl[k - args] = '\0';
			if (strcmp(c->hl, "none") == 0 ||
			    strcmp(c->hl, "default") == 0)
				c->hl[0] = '\0';
		}
		return end;
	} else if (!label && invisible(s + name, nlen))
		return end;

	/* Further signatures, then options, right under the directive line. */
	sigs = l->next;
	prosy = label || is_name(s + name, nlen, prose);
	for (at = sigs; at < end && !code_kind && !prosy; at = b.next) {
		get_line(v, at, &b);
		if (b.blank || s[b.text] == ':')
			break;
	}
	sige = at;
	for (; at < end; at = b.next) {
		get_line(v, at, &b);
		if (b.blank || s[b.text] != ':')
			break;
	}
	for (; at < end; at = b.next) {
		get_line(v, at, &b);
		if (!b.blank)
			break;
		gap = 1;
	}
	if ((body = at) < end) {
		(void)extent(v, at, l->col + 1, &minc);
		subview(v, &b, end, minc, &sub);
	}

	if (code_kind) {
		lang[0] = '\0';
		if (code_kind == 1) {
			for (k = args; k < aend && s[k] != ' '; k++)
				;
			if (k > args && k - args < sizeof(lang)) {
				memcpy(lang, s + args, k - args);
				lang[k - args] = '\0';
			} else if (k == args)
				(void)snprintf(lang, sizeof(lang), "%s", c->hl);
		}
		if (body < end)
			emit_fence(c, &sub, lang);
		return end;
	}

	lead_flush(c);
	block_start(c);
	push(c, "> ", NULL);
	line_begin(c);
	mdbuf_adds(&c->out, "**");
	mdbuf_add(&c->out, s + name, nlen);
	mdbuf_adds(&c->out, "**");
	if (args < aend) {
		mdbuf_addc(&c->out, ' ');
		if (prosy)
			rst_inline(&c->out, s + args, aend - args);
		else
			codespan(&c->out, s + args, aend - args);
	}
	mdbuf_addc(&c->out, '\n');
	for (at = sigs; at < sige; at = b.next) {
		get_line(v, at, &b);
		line_begin(c);
		codespan(&c->out, s + b.text, line_end(v, &b) - b.text);
		mdbuf_addc(&c->out, '\n');
	}
	if (body < end) {
		c->need_blank = gap;
		rst_blocks(c, &sub, 0);
	}
	pop(c);
	return end;
}

/* Bullet, enumerator or field marker at l: its Markdown marker. */
static int
list_marker(const struct view *v, const struct line *l, char *marker,
    size_t len, size_t *after, const char **field, size_t *fieldlen)
{
	const char	*s = v->s;
	struct line	 nx;
	size_t		 i = l->text, e = l->eol, d;
	int		 paren = 0;

	*field = NULL;
	if ((s[i] == '-' || s[i] == '*' || s[i] == '+') &&
	    (i + 1 == e || s[i + 1] == ' ')) {
		(void)snprintf(marker, len, "- ");
		i++;
		goto found;
	}
	if (s[i] == ':') {
		for (d = i + 1; d < e; d++)
			if (s[d] == ':' && (d + 1 == e || s[d + 1] == ' '))
				break;
		if (d == e || d == i + 1 || s[i + 1] == ' ')
			return 0;
		*field = s + i + 1;
		*fieldlen = d - i - 1;
		(void)snprintf(marker, len, "- ");
		i = d + 1;
		goto found;
	}
	if (s[i] == '(') {
		paren = 1;
		i++;
	}
	if (i < e && s[i] == '#') {
		(void)snprintf(marker, len, "1. ");
		i++;
	} else {
		for (d = i; d < e && d - i < 9 && s[d] >= '0' && s[d] <= '9';
		    d++)
			;
		if (d == i)
			return 0;
		(void)snprintf(marker, len, "%.*s. ", (int)(d - i), s + i);
		i = d;
	}
	if (i == e || (s[i] != ')' && (paren || s[i] != '.')) ||
	    (i + 1 < e && s[i + 1] != ' '))
		return 0;
	i++;
	/* "2010. A year..." is a paragraph unless a list goes on. */
	if (l->next < v->end) {
		get_line(v, l->next, &nx);
		if (!nx.blank && nx.ind == 0 && s[nx.text] != '#' &&
		    (s[nx.text] < '0' || s[nx.text] > '9') && s[nx.text] != '(')
			return 0;
	}
found:
	while (i < e && s[i] == ' ')
		i++;
	*after = i;
	return 1;
}

static size_t
rst_item(struct conv *c, const struct view *v, const struct line *l,
    const char *marker, size_t after, const char *field, size_t fieldlen)
{
	struct view	sub;
	char		pad[16];
	size_t		end, minc, base;

	end = extent(v, l->next, l->col + 1, &minc);
	base = after - l->raw;
	if (after == l->eol)
		base = l->col + strlen(marker);
	if (minc < base)
		base = minc;
	sub.s = v->s;
	sub.start = after;
	sub.end = end > l->next ? end : l->next;
	sub.base = base;
	(void)snprintf(pad, sizeof(pad), "%*s", (int)strlen(marker), "");
	push(c, pad, marker);
	if (field != NULL) {
		c->lead = field;
		c->leadlen = fieldlen;
	}
	rst_blocks(c, &sub, 0);
	lead_flush(c);
	pop(c);
	return sub.end;
}

static int
grid_top(const char *s, size_t i, size_t e)
{
	size_t	k;

	if (e - i < 3 || s[i] != '+' || s[e - 1] != '+')
		return 0;
	for (k = i; k < e; k++)
		if (s[k] != '+' && s[k] != '-' && s[k] != '=')
			return 0;
	return 1;
}

static int
simple_border(const char *s, size_t i, size_t e)
{
	size_t	k;
	int	cols = 0;

	for (k = i; k < e; k++) {
		if (s[k] == '=' && (k == i || s[k - 1] == ' '))
			cols++;
		else if (s[k] != '=' && s[k] != ' ')
			return 0;
	}
	return cols;
}

/* A table, verbatim: to the first blank line (grid) or closing border. */
static size_t
rst_table(struct conv *c, const struct view *v, size_t at, int simple)
{
	struct line	l, nx;
	struct view	t;
	size_t		end = at, first = at;
	int		borders = 0;

	for (; at < v->end; at = l.next) {
		get_line(v, at, &l);
		if (l.blank && !simple)
			break;
		end = l.next;
		if (simple && !l.blank &&
		    simple_border(v->s, l.text, line_end(v, &l)) > 0 &&
		    ++borders >= 2) {
			if (l.next >= v->end)
				break;
			get_line(v, l.next, &nx);
			if (nx.blank)
				break;
		}
	}
	t = *v;
	get_line(v, first, &l);
	t.start = l.pos;
	t.end = end;
	emit_fence(c, &t, "");
	return end;
}

static void
rst_blocks(struct conv *c, const struct view *v, int top)
{
	const char	*s = v->s, *field;
	struct line	 l, nx, u;
	struct view	 sub;
	char		 marker[32];
	size_t		 at = v->start, e, n, minc, end, after, fieldlen;
	unsigned char	 ch = 0, ch2 = 0;
	int		 blank = 0, was_item = 0, item;

	if (c->nseg >= DEPTH_MAX) {
		/* Deeper than we keep: the text as it is. */
		emit_fence(c, v, "");
		return;
	}
	while (at < v->end && !c->out.err && !c->err) {
		get_line(v, at, &l);
		if (l.blank) {
			blank = 1;
			at = l.next;
			continue;
		}
		item = 0;
		e = line_end(v, &l);
		if (l.ind > 0) {
			/* block quote */
			lead_flush(c);
			end = extent(v, at, l.col - l.ind + 1, &minc);
			subview(v, &l, end, minc, &sub);
			block_start(c);
			push(c, "> ", NULL);
			rst_blocks(c, &sub, 0);
			pop(c);
			at = end;
		} else if (list_marker(v, &l, marker, sizeof(marker), &after,
		    &field, &fieldlen)) {
			item = field != NULL ? 2 : 1;
			lead_flush(c);
			if (was_item == item && !blank)
				c->need_blank = 0;
			block_start(c);
			at = rst_item(c, v, &l, marker, after, field, fieldlen);
		} else if (grid_top(s, l.text, e)) {
			at = rst_table(c, v, at, 0);
		} else if (simple_border(s, l.text, e) >= 2) {
			at = rst_table(c, v, at, 1);
		} else if (e - l.text >= 2 && s[l.text] == '.' &&
		    s[l.text + 1] == '.' &&
		    (e - l.text == 2 || s[l.text + 2] == ' ')) {
			at = rst_explicit(c, v, &l);
		} else if ((n = adornment(v, &l, &ch)) > 0 && top &&
		    l.next < v->end && (get_line(v, l.next, &nx), !nx.blank) &&
		    nx.next < v->end && (get_line(v, nx.next, &u), 1) &&
		    adornment(v, &u, &ch2) >= u8width(s + nx.text,
		    line_end(v, &nx) - nx.text) && ch2 == ch) {
			/* overlined title */
			at = rst_title(c, v, &nx, line_end(v, &nx), ch, 1,
			    u.next);
		} else if (n >= 4 && (l.next >= v->end ||
		    (get_line(v, l.next, &nx), nx.blank))) {
			/* transition */
			lead_flush(c);
			block_start(c);
			emit_line(c, "---", 3);
			c->need_blank = 1;
			at = l.next;
		} else if (n == 0 && top && l.next < v->end &&
		    (get_line(v, l.next, &nx), !nx.blank) &&
		    adornment(v, &nx, &ch) >= u8width(s + l.text, e - l.text)) {
			/* underlined title */
			at = rst_title(c, v, &l, e, ch, 0, nx.next);
		} else if (l.next < v->end &&
		    (get_line(v, l.next, &nx), !nx.blank) && nx.ind > 0) {
			/* definition list item: the term, then the quote */
			c->inl.len = 0;
			rst_inline(&c->inl, s + l.text, e - l.text);
			block_start(c);
			emit_text(c, c->inl.p, c->inl.len);
			c->need_blank = 1;
			end = extent(v, l.next, l.col + 1, &minc);
			subview(v, &nx, end, minc, &sub);
			block_start(c);
			push(c, "> ", NULL);
			rst_blocks(c, &sub, 0);
			pop(c);
			at = end;
		} else
			at = rst_para(c, v, at);
		was_item = item;
		blank = 0;
	}
}

/* Expand tabs (to 8 columns, as docutils does) in leading blanks. */
static int
rst_untab(const char *s, size_t len, struct mdbuf *o)
{
	size_t	i, col = 0;
	int	lead = 1;

	for (i = 0; i < len && !o->err; i++) {
		if (s[i] == '\n') {
			mdbuf_addc(o, '\n');
			col = 0;
			lead = 1;
		} else if (s[i] == '\t' && lead) {
			do {
				mdbuf_addc(o, ' ');
			} while (++col % 8 != 0);
		} else {
			if (s[i] != ' ')
				lead = 0;
			mdbuf_addc(o, s[i]);
			col++;
		}
	}
	return o->err;
}

static void
conv_init(struct conv *c, size_t max_output)
{
	memset(c, 0, sizeof(*c));
	mdbuf_init(&c->out, max_output);
	mdbuf_init(&c->prefix, MDBUF_NOLIMIT);
	mdbuf_init(&c->para, MDBUF_NOLIMIT);
	mdbuf_init(&c->inl, MDBUF_NOLIMIT);
}

static int
conv_done(struct conv *c)
{
	int	err = c->err;

	while (c->nseg > 0) {
		free(c->seg[c->nseg - 1].marker);
		c->nseg--;
	}
	if (err == 0)
		err = c->out.err;
	if (err == 0)
		err = c->prefix.err;
	if (err == 0)
		err = c->para.err;
	if (err == 0)
		err = c->inl.err;
	if (err == 0)
		mdbuf_add(&c->out, "", 0);	/* never NULL */
	if (err == 0)
		err = c->out.err;
	mdbuf_free(&c->prefix);
	mdbuf_free(&c->para);
	mdbuf_free(&c->inl);
	if (err != 0)
		mdbuf_free(&c->out);
	return err;
}

static int
rst_markdown(const char *s, size_t len, size_t max_output, struct mdbuf *out)
{
	struct conv	c;
	struct mdbuf	src;
	struct view	v;
	int		err;

	mdbuf_init(&src, max_output > MDBUF_NOLIMIT - len ? MDBUF_NOLIMIT : len + max_output);
	if ((err = rst_untab(s, len, &src)) != 0) {
		mdbuf_free(&src);
		return err;
	}
	conv_init(&c, max_output);
	v.s = src.p != NULL ? src.p : "";
	v.start = 0;
	v.end = src.len;
	v.base = 0;
	rst_blocks(&c, &v, 1);
	mdbuf_free(&src);
	if ((err = conv_done(&c)) == 0)
		*out = c.out;
	return err;
}

/* ---- plain text ---- */

static int
atx_heading(const char *s, size_t n)
{
	size_t	k;

	for (k = 0; k < n && s[k] == '#'; k++)
		;
	return k >= 1 && k <= 6 && (k == n || s[k] == ' ' || s[k] == '\t');
}

/*
 * A text line underlined like a reST title: the adornment character. Only
 * an overlined title (inset) may be indented.
 */
static int
txt_underline(const struct view *v, const struct line *l, int inset,
    unsigned char *ch)
{
	struct line	u;
	unsigned char	other;
	size_t		n;

	if ((l->ind != 0 && !inset) || l->next >= v->end ||
	    adornment(v, l, &other) > 0)
		return 0;
	get_line(v, l->next, &u);
	n = adornment(v, &u, ch);
	return n >= 3 &&
	    n >= u8width(v->s + l->text, line_end(v, l) - l->text);
}

static int
txt_markdown(const char *s, size_t len, size_t max_output, struct mdbuf *out,
    int *headings)
{
	struct conv	 c;
	struct view	 v, blk;
	struct line	 l, t, u;
	size_t		 at, end, first, e, minsp, k;
	unsigned char	 ch = 0, ch2 = 0;
	unsigned	 level;
	int		 seen_title = 0, title_under = 0, code, err, over;

	conv_init(&c, max_output);
	v.s = s;
	v.start = 0;
	v.end = len;
	v.base = 0;
	for (at = 0; at < len && !c.out.err; ) {
		get_line(&v, at, &l);
		if (l.blank) {
			at = l.next;
			continue;
		}
		e = line_end(&v, &l);
		over = adornment(&v, &l, &ch) > 0 && l.next < len;
		if (over) {
			get_line(&v, l.next, &t);
			over = !t.blank && txt_underline(&v, &t, 1, &ch2) &&
			    ch2 == ch;
			if (over) {
				l = t;
				e = line_end(&v, &l);
			}
		}
		if (over || txt_underline(&v, &l, 0, &ch)) {
			if (!seen_title)
				title_under = 1;
			seen_title = 1;
			level = style_level(&c.styles, ch, over) +
			    (title_under ? 0 : 1);
			block_start(&c);
			emit_heading(&c, level, s + l.text, e - l.text);
			c.need_blank = 1;
			c.headings = 1;
			get_line(&v, l.next, &u);
			at = u.next;
			continue;
		}
		if (!seen_title) {
			seen_title = 1;
			block_start(&c);
			if (atx_heading(s + l.text, e - l.text))
				emit_line(&c, s + l.text, e - l.text);
			else
				emit_heading(&c, 1, s + l.text, e - l.text);
			c.need_blank = 1;
			at = l.next;
			continue;
		}
		/* A paragraph: to the next blank line. */
		code = 1;
		minsp = SIZE_MAX;
		first = at;
		for (end = at; end < len; end = l.next) {
			get_line(&v, end, &l);
			if (l.blank)
				break;
			for (k = l.raw; k < l.eol && s[k] == ' '; k++)
				;
			if (k - l.raw < minsp)
				minsp = k - l.raw;
			if (s[l.raw] != '\t' && k - l.raw < 4)
				code = 0;
		}
		if (code) {
			blk.s = s;
			blk.start = first + minsp;
			blk.end = end;
			blk.base = minsp;
			emit_fence(&c, &blk, "");
		} else {
			block_start(&c);
			for (at = first; at < end; at = l.next) {
				get_line(&v, at, &l);
				emit_text_line(&c, s + l.text,
				    line_end(&v, &l) - l.text);
			}
			c.need_blank = 1;
		}
		at = end;
	}
	*headings = c.headings;
	if ((err = conv_done(&c)) == 0)
		*out = c.out;
	return err;
}

/* ---- entry points ---- */

void
convert_free(struct convert_result *r)
{
	size_t	i;

	free(r->md);
	free(r->title);
	free(r->description);
	for (i = 0; i < r->noutline; i++)
		free(r->outline[i].text);
	free(r->outline);
	r->md = r->title = r->description = NULL;
	r->outline = NULL;
	r->noutline = 0;
	r->md_len = 0;
}

/* ---- dispatch ---- */

/*
 * The converter of each format kbd reads (common/format.c decides which
 * format a file is). The plain-text formats have theirs in this file.
 */
static convert_fn	md_convert, rst_convert, txt_convert;

static convert_fn *const converters[FMT_MAX] = {
	[FMT_TEXT] =		txt_convert,
	[FMT_MARKDOWN] =	md_convert,
	[FMT_RST] =		rst_convert,
	[FMT_HTML] =		html_convert,
	[FMT_CSV] =		csv_convert,
	[FMT_PDF] =		convert_pdf,
	[FMT_DOCX] =		convert_docx,
	[FMT_PPTX] =		convert_pptx,
	[FMT_XLSX] =		convert_xlsx,
	[FMT_EPUB] =		convert_epub,
};

int
convert_has(enum format f)
{
	return f > FMT_NONE && f < FMT_MAX && converters[f] != NULL;
}

/*
 * Every plain-text format starts the same way: strict UTF-8 without NUL,
 * then the BOM dropped and line endings normalised.
 */
static int
plain_source(const char *in, size_t len, struct convert_result *r,
    char **src, size_t *n)
{
	int	err;

	if ((err = check_text((const unsigned char *)in, len,
	    &r->offset)) != 0)
		return err;
	if ((*src = normalize(in, len, n)) == NULL)
		return CONVERT_ENOMEM;
	return CONVERT_OK;
}

/* Markdown is its own Markdown: the normalised input is the output. */
static int
md_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	char	*src;
	size_t	 n;
	int	 err;

	(void)ext;
	if ((err = plain_source(in, len, r, &src, &n)) != CONVERT_OK)
		return err;
	if (n > out->max) {
		free(src);
		return CONVERT_EOUTPUT;
	}
	mdbuf_free(out);
	out->p = src;
	out->len = n;
	out->cap = n + 1;
	return CONVERT_OK;
}

static int
rst_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	char	*src;
	size_t	 n;
	int	 err;

	(void)ext;
	if ((err = plain_source(in, len, r, &src, &n)) != CONVERT_OK)
		return err;
	err = rst_markdown(src, n, out->max, out);
	free(src);
	return err;
}

static int
txt_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	char	*src;
	size_t	 n;
	int	 err, headings = 0;

	(void)ext;
	if ((err = plain_source(in, len, r, &src, &n)) != CONVERT_OK)
		return err;
	err = txt_markdown(src, n, out->max, out, &headings);
	free(src);
	/* Only underlined titles make an outline of plain text. */
	r->outline_set = !headings;
	return err;
}

int
convert(const char *ext, const char *in, size_t len, size_t max_output,
    struct convert_result *r)
{
	enum format	 fmt;
	struct mdbuf	 out;
	int		 err;

	memset(r, 0, sizeof(*r));
	if (format_sniff(ext, in, len, &fmt, r->reason,
	    sizeof(r->reason)) == -1)
		return CONVERT_EFORMAT;
	if (!convert_has(fmt)) {
		format_unsupported(ext, r->reason, sizeof(r->reason));
		return CONVERT_EFORMAT;
	}
	mdbuf_init(&out, max_output);
	err = converters[fmt](ext, in, len, &out, r);
	if (err == CONVERT_OK && out.err != 0)
		err = out.err;
	if (err == CONVERT_OK && out.p == NULL) {
		mdbuf_add(&out, "", 0);
		err = out.err;
	}
	if (err != CONVERT_OK) {
		mdbuf_free(&out);
		return err;
	}
	r->md = out.p;
	r->md_len = out.len;
	if ((err = collect(r->md, r->md_len, r)) != 0) {
		convert_free(r);
		return err;
	}
	return CONVERT_OK;
}

int
convert_init(void)
{
	/*
	 * libarchive hands out entry names converted to the locale's charset:
	 * in the C locale, a zip's UTF-8 names would be unreadable. The
	 * locale's files are read now, before the sandbox; without it, such
	 * names stay unreadable and their entries unused.
	 */
	(void)setlocale(LC_CTYPE, "C.UTF-8");
	/* libxml2's tables and encodings. */
	return html_init();
}
