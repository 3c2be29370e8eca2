/*
 * reStructuredText to Markdown, the subset documents use (what maps to
 * what is in docs/converters.md). Block structure is read line by line
 * through views (lines.h), so that nested containers need no copies of
 * the text; inline markup is rewritten as it is written.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "converters.h"
#include "lines.h"
#include "mdbuf.h"
#include "source.h"

static void	rst_blocks(struct conv *, const struct view *, int);

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
			if (adorn_char(s[i + 1]))
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
	conv_push(c, "> ", NULL);
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
	conv_pop(c);
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
	conv_push(c, pad, marker);
	if (field != NULL) {
		c->lead = field;
		c->leadlen = fieldlen;
	}
	rst_blocks(c, &sub, 0);
	lead_flush(c);
	conv_pop(c);
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
			conv_push(c, "> ", NULL);
			rst_blocks(c, &sub, 0);
			conv_pop(c);
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
			conv_push(c, "> ", NULL);
			rst_blocks(c, &sub, 0);
			conv_pop(c);
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

int
rst_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	char	*src;
	size_t	 n;
	int	 err;

	(void)ext;
	if ((err = text_source(in, len, r, &src, &n)) != CONVERT_OK)
		return err;
	err = rst_markdown(src, n, out->max, out);
	free(src);
	return err;
}
