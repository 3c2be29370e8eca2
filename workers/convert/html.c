/*
 * HTML to Markdown, the walk: libxml2's tree (html_doc.c parses it) is
 * walked once. Inline content of the current block collects in its own
 * buffer and is written as one block with the line prefixes of the
 * containers it is in (list markers and their indentation, "> " of
 * quotes), so every block starts a fresh line and Markdown's escaping of
 * line starts stays right at any nesting. Page furniture (html_page.c)
 * is dropped with its subtree; tables are html_table.c's.
 */
#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "convert.h"
#include "converters.h"
#include "html_int.h"
#include "utf8.h"

#define HREF_MAX	2048	/* longer link targets keep only their text */
#define LANG_MAX	32

int
html_stopped(const struct html *h)
{
	return h->err != 0 || h->out->err != 0 || h->ib.err != 0;
}

int
html_too_deep(struct html *h, unsigned depth)
{
	if (depth <= HTML_DEPTH_MAX)
		return 0;
	if (h->err == 0) {
		h->err = CONVERT_ELIMIT;
		(void)snprintf(h->reason, h->rlen,
		    "HTML nested deeper than %d levels", HTML_DEPTH_MAX);
	}
	return 1;
}

/* ---- blocks: lines with their containers' prefixes ---- */

/*
 * A line's prefixes. An empty line ends blanks-free; a separator (the
 * blank line between blocks) has only the prefixes already opened.
 */
static void
write_prefix(struct html *h, int empty, int sep)
{
	size_t	 i, n, start = h->out->len;
	int	 blank = 1;

	for (i = 0; i < h->npfx; i++) {
		if (sep && !h->pfx[i].used)
			break;
		mdbuf_adds(h->out, h->pfx[i].used ? h->pfx[i].cont :
		    h->pfx[i].first);
		h->pfx[i].used = 1;
		blank = 0;
	}
	/* No trailing blanks on an empty line. */
	if (empty && !blank && h->out->err == 0) {
		n = h->out->len;
		while (n > start && h->out->p[n - 1] == ' ')
			n--;
		h->out->len = n;
		h->out->p[n] = '\0';
	}
}

/* Write s (lines of Markdown) as one block. */
void
html_emit_block(struct html *h, const char *s, size_t n)
{
	const char	*e;
	size_t		 l;

	if (h->out->len > 0) {
		if (h->out->p[h->out->len - 1] != '\n')
			mdbuf_addc(h->out, '\n');
		if (!h->tight) {
			write_prefix(h, 1, 1);
			mdbuf_addc(h->out, '\n');
		}
	}
	h->tight = 0;
	while (n > 0 && !html_stopped(h)) {
		e = memchr(s, '\n', n);
		l = e != NULL ? (size_t)(e - s) : n;
		write_prefix(h, l == 0, 0);
		mdbuf_add(h->out, s, l);
		mdbuf_addc(h->out, '\n');
		if (e == NULL)
			break;
		s += l + 1;
		n -= l + 1;
	}
}

static void
ib_reset(struct html *h)
{
	h->ib.len = 0;
	if (h->ib.p != NULL)
		h->ib.p[0] = '\0';
	h->pending = 0;
	h->nospace = 0;
}

static void
ib_truncate(struct html *h, size_t len)
{
	if (h->ib.err == 0 && len <= h->ib.len) {
		h->ib.len = len;
		if (h->ib.p != NULL)
			h->ib.p[len] = '\0';
	}
}

/* Drop trailing blanks and hard breaks: they mean nothing at a block end. */
void
html_ib_trim(struct html *h)
{
	size_t	n = h->ib.len;

	while (n > 0) {
		if (h->ib.p[n - 1] == ' ')
			n--;
		else if (n >= 2 && h->ib.p[n - 1] == '\n')
			n -= 2;		/* "\\\n", the only newline in ib */
		else
			break;
	}
	ib_truncate(h, n);
}

/* End the current paragraph, if there is one. */
void
html_flush(struct html *h)
{
	if (h->oneline) {
		h->pending = 1;
		return;
	}
	if (h->ib.err != 0)
		return;
	html_ib_trim(h);
	if (h->ib.len > 0)
		html_emit_block(h, h->ib.p, h->ib.len);
	ib_reset(h);
}

static int
push_pfx(struct html *h, const char *first, const char *cont)
{
	struct pfx	*p;

	if (h->npfx >= sizeof(h->pfx) / sizeof(h->pfx[0])) {
		(void)html_too_deep(h, HTML_DEPTH_MAX + 1);
		return -1;
	}
	p = &h->pfx[h->npfx++];
	(void)snprintf(p->first, sizeof(p->first), "%s", first);
	(void)snprintf(p->cont, sizeof(p->cont), "%s", cont);
	p->used = 0;
	return 0;
}

/* ---- inline content ---- */

/* Before visible inline content: the blank that was pending, if any. */
static void
inline_space(struct html *h)
{
	if (h->pending && !h->nospace && h->ib.len > 0 &&
	    h->ib.p[h->ib.len - 1] != ' ' && h->ib.p[h->ib.len - 1] != '\n')
		mdbuf_addc(&h->ib, ' ');
	h->pending = 0;
	h->nospace = 0;
}

static void
text(struct html *h, const char *s, size_t n)
{
	size_t	i = 0, j = n;

	while (i < n && html_blank((unsigned char)s[i]))
		i++;
	while (j > i && html_blank((unsigned char)s[j - 1]))
		j--;
	if (i > 0)
		h->pending = 1;
	if (i == j)
		return;
	inline_space(h);
	mdbuf_text(&h->ib, s + i, j - i);
	if (j < n)
		h->pending = 1;
}

/* Opening mark of a span; returns where the span starts in ib. */
static size_t
open_mark(struct html *h, const char *mark)
{
	size_t	at;

	inline_space(h);
	at = h->ib.len;
	mdbuf_adds(&h->ib, mark);
	h->nospace = 1;
	return at;
}

/* Closing mark, or nothing at all if the span had no content. */
static void
close_mark(struct html *h, size_t at, const char *mark)
{
	if (h->ib.len <= at + strlen(mark)) {
		ib_truncate(h, at);
		return;
	}
	/* A span must not end in blanks or a hard break. */
	while (h->ib.len > at + strlen(mark) &&
	    (h->ib.p[h->ib.len - 1] == ' ' || h->ib.p[h->ib.len - 1] == '\n'))
		ib_truncate(h, h->ib.len - (h->ib.p[h->ib.len - 1] == ' ' ?
		    1 : 2));
	mdbuf_adds(&h->ib, mark);
	h->nospace = 0;
}

/*
 * The text under n, as is (pre=1: br is a newline) or with blanks
 * collapsed (pre=0), into b.
 */
static void
gather(struct html *h, xmlNode *n, unsigned depth, struct mdbuf *b, int pre)
{
	xmlNode	*c;

	if (html_too_deep(h, depth))
		return;
	for (c = n->children; c != NULL && !html_stopped(h) && b->err == 0;
	    c = c->next) {
		if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) {
			if (c->content != NULL)
				mdbuf_adds(b, (const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE) {
			switch (html_kind_of(c)) {
			case K_SKIP:
				break;
			case K_BR:
				mdbuf_addc(b, pre ? '\n' : ' ');
				break;
			default:
				gather(h, c, depth + 1, b, pre);
				break;
			}
		}
	}
}

static void
code_span(struct html *h, xmlNode *n, unsigned depth)
{
	struct mdbuf	 b;
	size_t		 i, j, run = 0, max = 0, len = 0;
	char		*s;

	mdbuf_init(&b, h->out->max);
	gather(h, n, depth, &b, 0);
	if (b.err != 0 && h->ib.err == 0)
		h->ib.err = b.err;
	if (b.err != 0 || b.p == NULL || html_stopped(h)) {
		mdbuf_free(&b);
		return;
	}
	/* Blanks collapse as in running text; control characters go. */
	s = b.p;
	for (i = 0, j = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (html_blank(c)) {
			if (j > 0 && s[j - 1] != ' ')
				s[j++] = ' ';
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;
		s[j++] = (char)c;
	}
	while (j > 0 && s[j - 1] == ' ')
		j--;
	len = j;
	if (len == 0) {
		mdbuf_free(&b);
		return;
	}
	for (i = 0; i < len; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > max)
			max = run;
	}
	inline_space(h);
	for (i = 0; i <= max; i++)
		mdbuf_addc(&h->ib, '`');
	if (s[0] == '`' || s[len - 1] == '`')
		mdbuf_addc(&h->ib, ' ');
	for (i = 0; i < len; i++) {
		/* GFM reads a table row's "\|" as '|', code spans included. */
		if (s[i] == '|' && h->incell)
			mdbuf_addc(&h->ib, '\\');
		mdbuf_addc(&h->ib, s[i]);
	}
	if (s[0] == '`' || s[len - 1] == '`')
		mdbuf_addc(&h->ib, ' ');
	for (i = 0; i <= max; i++)
		mdbuf_addc(&h->ib, '`');
	mdbuf_free(&b);
}

/*
 * Link targets kbd keeps: any, absolute or relative as written (the wiki
 * resolves relative ones to documents), except script and data URLs, an
 * empty target and one longer than HREF_MAX. Browsers drop tabs and line
 * breaks from a URL: so does the scheme test.
 */
static int
keep_href(const char *href, size_t n)
{
	static const char *const drop[] = {
		"javascript:", "vbscript:", "data:"
	};
	char	scheme[16];
	size_t	i, k;

	if (n == 0 || n > HREF_MAX)
		return 0;
	for (i = 0, k = 0; i < n && k + 1 < sizeof(scheme); i++)
		if (href[i] != '\t' && href[i] != '\n' && href[i] != '\r')
			scheme[k++] = href[i];
	scheme[k] = '\0';
	for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		if (strncasecmp(scheme, drop[i], strlen(drop[i])) == 0)
			return 0;
	return 1;
}

/* Whether "&" at s starts a character reference CommonMark would decode. */
static int
is_charref(const char *s, size_t n)
{
	size_t	i = 1;

	if (i < n && s[i] == '#')
		i++;
	while (i < n && i < 40 && isalnum((unsigned char)s[i]))
		i++;
	return i > 1 && i < n && s[i] == ';';
}

/*
 * A link target as written: in <...> when it has blanks, else bare.
 * Backslash escapes keep Markdown from reading into it: parentheses, angle
 * brackets, '[' ']', a backtick (a code span would take precedence), '|'
 * (a table cell's separator) and '&' where it would start a character
 * reference; tabs and line breaks go, as browsers drop them, and other
 * control characters are percent-encoded.
 */
static void
link_target(struct mdbuf *b, const char *href, size_t n)
{
	size_t	i;
	int	angle = 0;

	for (i = 0; i < n; i++)
		if (href[i] == ' ')
			angle = 1;
	if (angle)
		mdbuf_addc(b, '<');
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)href[i];

		if (ch == '\t' || ch == '\n' || ch == '\r')
			continue;
		if (ch < 0x20 || ch == 0x7f) {
			mdbuf_addc(b, '%');
			mdbuf_addc(b, "0123456789ABCDEF"[ch >> 4]);
			mdbuf_addc(b, "0123456789ABCDEF"[ch & 15]);
			continue;
		}
		if (strchr("()<>[]\\`|", ch) != NULL ||
		    (ch == '&' && is_charref(href + i, n - i)))
			mdbuf_addc(b, '\\');
		mdbuf_addc(b, (char)ch);
	}
	if (angle)
		mdbuf_addc(b, '>');
}

static void
link(struct html *h, xmlNode *n, unsigned depth)
{
	const char	*href = html_attr(n, "href");
	xmlNode		*c;
	size_t		 at, len;

	if (html_has_word(html_attr(n, "class"), (const char *const[]){ "headerlink" },
	    1, 0))
		return;		/* Sphinx's pilcrow anchors */
	while (html_blank((unsigned char)*href))
		href++;
	len = strlen(href);
	while (len > 0 && html_blank((unsigned char)href[len - 1]))
		len--;
	/*
	 * In a heading, a link to this page's own anchor (Sphinx's "json"
	 * in "json - JSON encoder") is the heading itself: text only.
	 */
	if (h->inlink || !keep_href(href, len) ||
	    (h->inheading && href[0] == '#')) {
		for (c = n->children; c != NULL && !html_stopped(h); c = c->next)
			html_walk(h, c, depth + 1);
		return;
	}
	at = open_mark(h, "[");
	h->inlink = 1;
	for (c = n->children; c != NULL && !html_stopped(h); c = c->next)
		html_walk(h, c, depth + 1);
	h->inlink = 0;
	if (h->ib.len <= at + 1) {
		ib_truncate(h, at);
		return;
	}
	while (h->ib.len > at + 1 && h->ib.p[h->ib.len - 1] == ' ')
		ib_truncate(h, h->ib.len - 1);
	mdbuf_adds(&h->ib, "](");
	link_target(&h->ib, href, len);
	mdbuf_addc(&h->ib, ')');
	h->nospace = 0;
}

static void
hard_break(struct html *h)
{
	if (h->oneline || h->inlink) {
		h->pending = 1;
		return;
	}
	if (h->ib.len == 0 || h->ib.p[h->ib.len - 1] == '\n')
		return;
	html_ib_trim(h);
	if (h->ib.len > 0)
		mdbuf_adds(&h->ib, "\\\n");
	h->pending = 0;
	h->nospace = 1;
}

/* ---- block elements ---- */

/* The language of a code block from its classes or its wrappers'. */
static void
code_lang(xmlNode *pre, char *lang, size_t size)
{
	static const char *const prefixes[] = {
		"language-", "lang-", "highlight-"
	};
	const xmlNode	*n, *nodes[4];
	const char	*s, *w;
	size_t		 i, k, l, p, nn = 0;

	lang[0] = '\0';
	if (pre->children != NULL && pre->children->type == XML_ELEMENT_NODE)
		nodes[nn++] = pre->children;
	for (n = pre; n != NULL && n->type == XML_ELEMENT_NODE && nn < 4;
	    n = n->parent)
		nodes[nn++] = n;
	for (k = 0; k < nn; k++) {
		s = html_attr(nodes[k], "class");
		while (*s != '\0') {
			while (html_blank((unsigned char)*s))
				s++;
			for (w = s; *s != '\0' && !html_blank((unsigned char)*s);
			    s++)
				;
			for (p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]);
			    p++) {
				l = strlen(prefixes[p]);
				if ((size_t)(s - w) <= l ||
				    strncasecmp(w, prefixes[p], l) != 0)
					continue;
				for (i = 0; w + l + i < s && i + 1 < size &&
				    i < LANG_MAX; i++) {
					if (!isalnum((unsigned char)w[l + i]) &&
					    !strchr("+-_.#", w[l + i]))
						break;
					lang[i] = w[l + i];
				}
				lang[i] = '\0';
				if (lang[0] != '\0' &&
				    strcmp(lang, "default") != 0 &&
				    strcmp(lang, "none") != 0)
					return;
				lang[0] = '\0';
			}
		}
	}
}

static void
code_block(struct html *h, xmlNode *n, unsigned depth)
{
	struct mdbuf	 b, blk;
	char		 lang[LANG_MAX + 1];
	size_t		 i, j, run = 0, max = 2, start, end;
	char		*s;

	html_flush(h);
	mdbuf_init(&b, h->out->max);
	gather(h, n, depth, &b, 1);
	if (b.err != 0 && h->out->err == 0)
		h->out->err = b.err;
	if (b.p == NULL || html_stopped(h)) {
		mdbuf_free(&b);
		return;
	}
	/* CR and control characters go; tabs and newlines stay. */
	s = b.p;
	for (i = 0, j = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r') {
			if (i + 1 < b.len && s[i + 1] == '\n')
				continue;
			c = '\n';
		}
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			continue;
		s[j++] = (char)c;
	}
	/* HTML drops a newline right after <pre>; trailing blank lines go. */
	start = j > 0 && s[0] == '\n' ? 1 : 0;
	end = j;
	while (end > start && html_blank((unsigned char)s[end - 1]))
		end--;
	if (end == start) {
		mdbuf_free(&b);
		return;
	}
	for (i = start; i < end; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > max)
			max = run;
	}
	code_lang(n, lang, sizeof(lang));
	mdbuf_init(&blk, h->out->max);
	for (i = 0; i <= max; i++)
		mdbuf_addc(&blk, '`');
	mdbuf_adds(&blk, lang);
	mdbuf_addc(&blk, '\n');
	mdbuf_add(&blk, s + start, end - start);
	mdbuf_addc(&blk, '\n');
	for (i = 0; i <= max; i++)
		mdbuf_addc(&blk, '`');
	if (blk.err != 0 && h->out->err == 0)
		h->out->err = blk.err;
	else
		html_emit_block(h, blk.p, blk.len);
	mdbuf_free(&blk);
	mdbuf_free(&b);
}

static void
heading(struct html *h, xmlNode *n, unsigned depth)
{
	static const char hashes[] = "###### ";
	xmlNode		*c;
	unsigned	 level = (unsigned)(n->name[1] - '0');
	struct mdbuf	 b;

	html_flush(h);
	h->oneline = h->inheading = 1;
	for (c = n->children; c != NULL && !html_stopped(h); c = c->next)
		html_walk(h, c, depth + 1);
	h->oneline = h->inheading = 0;
	html_ib_trim(h);
	if (h->ib.len > 0 && !html_stopped(h)) {
		mdbuf_init(&b, h->out->max);
		mdbuf_add(&b, hashes + 6 - level, level + 1);
		mdbuf_add(&b, h->ib.p, h->ib.len);
		if (b.err != 0 && h->out->err == 0)
			h->out->err = b.err;
		else
			html_emit_block(h, b.p, b.len);
		mdbuf_free(&b);
	}
	ib_reset(h);
}


/* ---- the walk ---- */

static void
children(struct html *h, xmlNode *n, unsigned depth)
{
	xmlNode	*c;

	for (c = n->children; c != NULL && !html_stopped(h); c = c->next)
		html_walk(h, c, depth + 1);
}

static int
is_block(enum html_kind k)
{
	switch (k) {
	case K_BLOCK: case K_ASIDE: case K_FOOTER: case K_HEADING: case K_UL: case K_OL:
	case K_LI: case K_PRE: case K_QUOTE: case K_TABLE: case K_DT:
	case K_DD: case K_HR:
		return 1;
	default:
		return 0;
	}
}

static int
has_block_child(const xmlNode *n)
{
	const xmlNode	*c;

	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && is_block(html_kind_of(c)))
			return 1;
	return 0;
}

static void
span(struct html *h, xmlNode *n, unsigned depth, int *count,
    const char *mark)
{
	size_t	at;

	/* Emphasis cannot span paragraphs: blocks inside keep it off. */
	if (*count > 0 || (!h->oneline && !h->inlink && has_block_child(n))) {
		children(h, n, depth);
		return;
	}
	(*count)++;
	at = open_mark(h, mark);
	children(h, n, depth);
	close_mark(h, at, mark);
	(*count)--;
}

static void
list(struct html *h, xmlNode *n, unsigned depth, int ordered)
{
	xmlNode	*c;
	char	 first[PFX_LEN], cont[PFX_LEN];
	long	 num = 1;
	int	 inli, tight;

	if (ordered) {
		num = strtol(html_attr(n, "start"), NULL, 10);
		if (num < 0 || num > 999999999 || *html_attr(n, "start") == '\0')
			num = 1;
	}
	inli = h->npfx > 0 && strcmp(h->pfx[h->npfx - 1].cont, "> ") != 0;
	html_flush(h);
	/* Only a bullet list or one from 1 may follow a paragraph directly. */
	tight = inli && num == 1;
	for (c = n->children; c != NULL && !html_stopped(h); c = c->next) {
		if (c->type != XML_ELEMENT_NODE || html_kind_of(c) != K_LI) {
			html_walk(h, c, depth + 1);
			continue;
		}
		if (html_furniture(c, K_LI))
			continue;
		html_flush(h);
		if (ordered)
			(void)snprintf(first, sizeof(first), "%ld. ", num++);
		else
			(void)snprintf(first, sizeof(first), "- ");
		(void)snprintf(cont, sizeof(cont), "%*s", (int)strlen(first),
		    "");
		if (push_pfx(h, first, cont) == -1)
			return;
		h->tight = tight;
		children(h, c, depth + 1);
		html_flush(h);
		h->npfx--;
		/* Items follow each other without blank lines. */
		tight = 1;
	}
	h->tight = 0;
}

static void
quote(struct html *h, xmlNode *n, unsigned depth)
{
	html_flush(h);
	if (push_pfx(h, "> ", "> ") == -1)
		return;
	h->tight = 0;
	children(h, n, depth);
	html_flush(h);
	h->npfx--;
	h->tight = 0;
}

static void
element(struct html *h, xmlNode *n, unsigned depth)
{
	enum html_kind	 k = html_kind_of(n);
	const char	*alt;

	if (k == K_SKIP || html_furniture(n, k))
		return;
	if (h->oneline || h->inlink) {
		/* In a heading, a cell or a link, blocks are runs of text. */
		if (k == K_PRE) {
			code_span(h, n, depth);
			return;
		}
		if (is_block(k)) {
			h->pending = 1;
			children(h, n, depth);
			h->pending = 1;
			return;
		}
	}
	switch (k) {
	case K_BLOCK:
	case K_ASIDE:
	case K_FOOTER:
	case K_DT:
		html_flush(h);
		children(h, n, depth);
		html_flush(h);
		break;
	case K_HEADING:
		heading(h, n, depth);
		break;
	case K_UL:
	case K_OL:
		list(h, n, depth, k == K_OL);
		break;
	case K_LI:
		/* An <li> outside a list: a list of one. */
		html_flush(h);
		if (push_pfx(h, "- ", "  ") == -1)
			return;
		children(h, n, depth);
		html_flush(h);
		h->npfx--;
		break;
	case K_PRE:
		code_block(h, n, depth);
		break;
	case K_CODE:
		code_span(h, n, depth);
		break;
	case K_EM:
		span(h, n, depth, &h->em, "*");
		break;
	case K_STRONG:
		span(h, n, depth, &h->strong, "**");
		break;
	case K_DEL:
		span(h, n, depth, &h->del, "~~");
		break;
	case K_A:
		link(h, n, depth);
		break;
	case K_IMG:
		alt = html_attr(n, "alt");
		text(h, alt, strlen(alt));
		break;
	case K_BR:
		hard_break(h);
		break;
	case K_HR:
		html_flush(h);
		h->tight = 0;
		html_emit_block(h, "---", 3);
		break;
	case K_QUOTE:
	case K_DD:
		quote(h, n, depth);
		break;
	case K_TABLE:
		html_table(h, n, depth);
		break;
	default:
		children(h, n, depth);
		break;
	}
}

void
html_walk(struct html *h, xmlNode *n, unsigned depth)
{
	if (html_stopped(h) || html_too_deep(h, depth))
		return;
	switch (n->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (n->content != NULL)
			text(h, (const char *)n->content,
			    strlen((const char *)n->content));
		break;
	case XML_ELEMENT_NODE:
		element(h, n, depth);
		break;
	default:
		/* Comments, PIs, and entity references never expanded. */
		break;
	}
}

int
html_body(xmlDoc *doc, struct mdbuf *out, char *reason, size_t rlen)
{
	struct html	*h;
	xmlNode		*c;
	int		 err;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return CONVERT_ENOMEM;
	h->out = out;
	h->reason = reason;
	h->rlen = rlen;
	mdbuf_init(&h->ib, out->max);
	for (c = doc->children; c != NULL && !html_stopped(h); c = c->next)
		html_walk(h, c, 1);
	html_flush(h);
	if (h->out->len > 0 && h->out->p[h->out->len - 1] != '\n')
		mdbuf_addc(h->out, '\n');
	if (h->ib.err != 0 && out->err == 0)
		out->err = h->ib.err;
	err = h->err;
	mdbuf_free(&h->ib);
	free(h);
	return err;
}
