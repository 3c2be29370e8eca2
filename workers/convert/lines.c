/*
 * The line and view helpers the reStructuredText and plain-text
 * converters share, and their Markdown output with the line prefixes of
 * nested containers (see lines.h).
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "lines.h"
#include "mdbuf.h"
#include "utf8.h"

static const char adorn_chars[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/* ---- Markdown output: line prefixes of nested containers ---- */

void
conv_init(struct conv *c, size_t max_output)
{
	memset(c, 0, sizeof(*c));
	mdbuf_init(&c->out, max_output);
	mdbuf_init(&c->prefix, MDBUF_NOLIMIT);
	mdbuf_init(&c->para, MDBUF_NOLIMIT);
	mdbuf_init(&c->inl, MDBUF_NOLIMIT);
}

int
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

void
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

void
emit_line(struct conv *c, const char *s, size_t n)
{
	line_begin(c);
	mdbuf_add(&c->out, s, n);
	mdbuf_addc(&c->out, '\n');
}

void
emit_blank(struct conv *c)
{
	size_t	n = c->prefix.len;

	while (n > 0 && c->prefix.p[n - 1] == ' ')
		n--;
	mdbuf_add(&c->out, c->prefix.p, n);
	mdbuf_addc(&c->out, '\n');
}

void
block_start(struct conv *c)
{
	if (c->need_blank)
		emit_blank(c);
	c->need_blank = 0;
}

void
conv_push(struct conv *c, const char *prefix, const char *marker)
{
	struct seg	*g = &c->seg[c->nseg++];

	g->off = c->prefix.len;
	g->marker = NULL;
	mdbuf_adds(&c->prefix, prefix);
	if (marker != NULL && (g->marker = strdup(marker)) == NULL)
		c->err = CONVERT_ENOMEM;
	c->need_blank = 0;
}

void
conv_pop(struct conv *c)
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

void
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
void
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

/* Emit text (lines separated by '\n') as Markdown paragraph lines. */
void
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

/* An ATX heading; a trailing '#' run is escaped, not a closing sequence. */
void
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

unsigned
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

void
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
size_t
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
size_t
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

void
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
void
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

int
adorn_char(char ch)
{
	return strchr(adorn_chars, ch) != NULL;
}

/* An adornment line: one punctuation character repeated; its length. */
size_t
adornment(const struct view *v, const struct line *l, unsigned char *ch)
{
	size_t	e = line_end(v, l), i;

	if (l->blank || l->ind != 0 ||
	    !adorn_char(v->s[l->text]))
		return 0;
	for (i = l->text; i < e; i++)
		if (v->s[i] != v->s[l->text])
			return 0;
	*ch = (unsigned char)v->s[l->text];
	return e - l->text;
}

size_t
u8width(const char *s, size_t n)
{
	size_t	i, k, bad, w = 0;

	for (i = 0; i < n; i += k) {
		if ((k = utf8_len((const unsigned char *)s + i, n - i,
		    &bad)) == 0)
			k = bad;
		w++;
	}
	return w;
}
