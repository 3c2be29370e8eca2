/*
 * HTML to Markdown: libxml2 parses the document (from memory, never the
 * network or a file) into a tree, which is walked once. Inline content of
 * the current block collects in its own buffer and is written as one
 * block with the line prefixes of the containers it is in (list markers
 * and their indentation, "> " of quotes), so every block starts a fresh
 * line and Markdown's escaping of line starts stays right at any nesting.
 * Navigation and other page furniture is recognised by element, ARIA role
 * and class/id words, and dropped with its subtree.
 */
#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "convert.h"
#include "converters.h"
#include "html.h"
#include "mdbuf.h"
#include "utf8.h"

#define PFX_LEN		24	/* any "%ld. " fits */
#define HREF_MAX	2048	/* longer link targets keep only their text */
#define LANG_MAX	32
#define HTML_OPTIONS	(HTML_PARSE_RECOVER | HTML_PARSE_NONET | \
			 HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING)

enum kind {
	K_INLINE, K_SKIP, K_BLOCK, K_HEADING, K_UL, K_OL, K_LI, K_PRE,
	K_CODE, K_EM, K_STRONG, K_DEL, K_A, K_IMG, K_BR, K_HR, K_QUOTE,
	K_TABLE, K_DT, K_DD, K_FOOTER, K_ASIDE
};

static const struct elem {
	const char	*name;
	enum kind	 kind;
} elems[] = {
	{ "a", K_A }, { "address", K_BLOCK }, { "article", K_BLOCK },
	{ "aside", K_ASIDE }, { "audio", K_SKIP }, { "b", K_STRONG },
	{ "blockquote", K_QUOTE }, { "body", K_BLOCK }, { "br", K_BR },
	{ "button", K_SKIP }, { "canvas", K_SKIP }, { "caption", K_BLOCK },
	{ "center", K_BLOCK }, { "cite", K_EM }, { "code", K_CODE },
	{ "dd", K_DD }, { "del", K_DEL }, { "details", K_BLOCK },
	{ "dfn", K_EM }, { "dialog", K_SKIP }, { "dir", K_UL },
	{ "div", K_BLOCK }, { "dl", K_BLOCK }, { "dt", K_DT }, { "em", K_EM },
	{ "embed", K_SKIP }, { "fieldset", K_BLOCK }, { "figcaption", K_BLOCK },
	{ "figure", K_BLOCK }, { "footer", K_FOOTER }, { "form", K_BLOCK },
	{ "frame", K_SKIP }, { "frameset", K_SKIP }, { "h1", K_HEADING },
	{ "h2", K_HEADING }, { "h3", K_HEADING }, { "h4", K_HEADING },
	{ "h5", K_HEADING }, { "h6", K_HEADING }, { "head", K_SKIP },
	{ "header", K_BLOCK }, { "hgroup", K_BLOCK }, { "hr", K_HR },
	{ "html", K_BLOCK }, { "i", K_EM }, { "iframe", K_SKIP },
	{ "img", K_IMG }, { "input", K_SKIP }, { "kbd", K_CODE },
	{ "legend", K_BLOCK }, { "li", K_LI }, { "listing", K_PRE },
	{ "main", K_BLOCK }, { "map", K_SKIP }, { "math", K_SKIP },
	{ "menu", K_UL }, { "nav", K_SKIP }, { "noembed", K_SKIP },
	{ "noframes", K_SKIP }, { "noscript", K_SKIP }, { "object", K_SKIP },
	{ "ol", K_OL }, { "option", K_SKIP }, { "p", K_BLOCK },
	{ "plaintext", K_PRE }, { "pre", K_PRE }, { "s", K_DEL },
	{ "samp", K_CODE }, { "script", K_SKIP }, { "section", K_BLOCK },
	{ "select", K_SKIP }, { "strike", K_DEL }, { "strong", K_STRONG },
	{ "style", K_SKIP }, { "summary", K_BLOCK }, { "svg", K_SKIP },
	{ "table", K_TABLE }, { "tbody", K_BLOCK }, { "td", K_BLOCK },
	{ "template", K_SKIP }, { "textarea", K_SKIP }, { "tfoot", K_BLOCK },
	{ "th", K_BLOCK }, { "thead", K_BLOCK }, { "title", K_SKIP },
	{ "tr", K_BLOCK }, { "tt", K_CODE }, { "ul", K_UL }, { "var", K_EM },
	{ "video", K_SKIP }, { "xmp", K_PRE },
};

/*
 * Words of a class or id that mark navigation rather than content
 * (Sphinx's "related" bars and "sphinxsidebar", DocBook's "docnav",
 * "navheader" and "navfooter", "breadcrumbs", "navbar", "site-footer",
 * "skip-link"...). A class is split into words at blanks, '-' and '_'.
 * Not "sidebar": DocBook's <div class="sidebar"> ("IN PRACTICE", "BACK
 * TO BASICS" boxes) is text, as are asides, notes and admonitions.
 */
static const char *const furniture[] = {
	"breadcrumb", "breadcrumbs", "docnav", "footer", "menu", "nav",
	"navbar", "navfooter", "navheader", "navigation", "related",
	"skip", "skiplink", "skipnav", "sphinxsidebar",
	"sphinxsidebarwrapper", "toolbar",
};

/*
 * ARIA roles of the same; not "complementary" (an aside's role: its
 * text is the document's).
 */
static const char *const furniture_roles[] = {
	"banner", "contentinfo", "menu", "menubar", "navigation", "search",
	"toolbar",
};

struct pfx {
	char	first[PFX_LEN];	/* the container's first line: "- ", "1. " */
	char	cont[PFX_LEN];	/* its other lines: "  ", "   ", "> " */
	int	used;
};

struct html {
	struct mdbuf	*out;
	struct mdbuf	 ib;		/* this block's inline Markdown */
	int		 pending;	/* whitespace seen but not written */
	int		 nospace;	/* just after an opening mark */
	int		 oneline;	/* headings, cells: blocks are blanks */
	int		 incell;	/* '|' must be escaped everywhere */
	int		 inlink;
	int		 inheading;
	int		 em, strong, del;
	int		 tight;		/* next block: no blank line before */
	struct pfx	 pfx[HTML_DEPTH_MAX + 2];
	size_t		 npfx;
	int		 err;		/* CONVERT_ELIMIT, CONVERT_ENOMEM */
	char		*reason;
	size_t		 rlen;
};

static void	walk(struct html *, xmlNode *, unsigned);

static enum kind
kind_of(const xmlNode *n)
{
	size_t	lo = 0, hi = sizeof(elems) / sizeof(elems[0]), mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcasecmp((const char *)n->name, elems[mid].name);
		if (c == 0)
			return elems[mid].kind;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return K_INLINE;
}

/* An attribute's value as the parser left it: no copy, "" when absent. */
static const char *
attr(const xmlNode *n, const char *name)
{
	const xmlAttr	*a;
	const xmlNode	*t;

	for (a = n->properties; a != NULL; a = a->next) {
		if (a->name == NULL || strcasecmp((const char *)a->name,
		    name) != 0)
			continue;
		for (t = a->children; t != NULL; t = t->next)
			if (t->type == XML_TEXT_NODE && t->content != NULL)
				return (const char *)t->content;
		return "";
	}
	return "";
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* Whether the n bytes at w are one of list's words, case aside. */
static int
in_list(const char *w, size_t n, const char *const *list, size_t nlist)
{
	size_t	i;

	for (i = 0; i < nlist; i++)
		if (strlen(list[i]) == n && strncasecmp(w, list[i], n) == 0)
			return 1;
	return 0;
}

/* Whether the blank- '-' '_'-separated words of s include one of list. */
static int
has_word(const char *s, const char *const *list, size_t nlist, int dashes)
{
	const char	*w;
	size_t		 n;

	while (*s != '\0') {
		while (*s != '\0' && (is_blank((unsigned char)*s) ||
		    (dashes && (*s == '-' || *s == '_'))))
			s++;
		w = s;
		while (*s != '\0' && !is_blank((unsigned char)*s) &&
		    !(dashes && (*s == '-' || *s == '_')))
			s++;
		if ((n = (size_t)(s - w)) > 0 && in_list(w, n, list, nlist))
			return 1;
	}
	return 0;
}

/*
 * A <footer> is the page's (its chrome: copyright, site links) unless it
 * is inside an article, section, aside, nav or main element, whose own
 * footer it then is (HTML's rule for the contentinfo role).
 */
static int
page_footer(const xmlNode *n)
{
	static const char *const scopes[] = {
		"article", "aside", "main", "nav", "section"
	};
	const xmlNode	*p;
	size_t		 i;

	for (p = n->parent; p != NULL && p->type == XML_ELEMENT_NODE;
	    p = p->parent)
		for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
			if (strcasecmp((const char *)p->name, scopes[i]) == 0)
				return 0;
	return 1;
}

/*
 * A skip link: <a href="#main">Skip to content</a>, or a link of class
 * "skip-link" and the like.
 */
static int
skip_link(const xmlNode *n)
{
	static const char *const words[] = { "skip", "skiplink", "skipnav" };
	const xmlNode	*t = n->children;
	const char	*s;

	if (has_word(attr(n, "class"), words, sizeof(words) / sizeof(words[0]),
	    1))
		return 1;
	if (*attr(n, "href") != '#' || t == NULL || t->type != XML_TEXT_NODE ||
	    t->content == NULL)
		return 0;
	for (s = (const char *)t->content; is_blank((unsigned char)*s); s++)
		;
	return strncasecmp(s, "skip to ", 8) == 0 ||
	    strncasecmp(s, "skip nav", 8) == 0;
}

/* Whether the last blank- '-' '_'-separated word of s is one of list. */
static int
last_word(const char *s, const char *const *list, size_t nlist)
{
	const char	*e = s + strlen(s), *w;

	while (e > s && (is_blank((unsigned char)e[-1]) || e[-1] == '-' ||
	    e[-1] == '_'))
		e--;
	for (w = e; w > s && !is_blank((unsigned char)w[-1]) &&
	    w[-1] != '-' && w[-1] != '_'; w--)
		;
	return w < e && in_list(w, (size_t)(e - w), list, nlist);
}

static int
is_furniture(const xmlNode *n, enum kind k)
{
	static const char *const hidden[] = { "true" };
	static const char *const sections[] = {
		"chapter", "sect1", "sect2", "sect3", "section", "topic"
	};

	if (k == K_FOOTER && page_footer(n))
		return 1;
	if (k == K_A && skip_link(n))
		return 1;
	if (has_word(attr(n, "role"), furniture_roles,
	    sizeof(furniture_roles) / sizeof(furniture_roles[0]), 0))
		return 1;
	if (has_word(attr(n, "aria-hidden"), hidden, 1, 0) ||
	    xmlHasProp(n, (const xmlChar *)"hidden") != NULL)
		return 1;
	/* Classes on inline elements are styling (Sphinx's "xref py"...). */
	if (k != K_BLOCK && k != K_ASIDE && k != K_UL && k != K_OL &&
	    k != K_TABLE && k != K_FOOTER)
		return 0;
	if (has_word(attr(n, "class"), furniture,
	    sizeof(furniture) / sizeof(furniture[0]), 1))
		return 1;
	/*
	 * A section's id is made from its title ("manifest-related-options"
	 * in Sphinx, "navigation-keys"...): it says nothing of its role.
	 * Other ids count by their last word only: "footer", "site-footer"
	 * and "main-nav" are furniture, "footer-margin" a topic's anchor.
	 */
	if (strcasecmp((const char *)n->name, "section") == 0 ||
	    strcasecmp((const char *)n->name, "article") == 0 ||
	    has_word(attr(n, "class"), sections,
	    sizeof(sections) / sizeof(sections[0]), 0))
		return 0;
	return last_word(attr(n, "id"), furniture,
	    sizeof(furniture) / sizeof(furniture[0]));
}

static int
stopped(const struct html *h)
{
	return h->err != 0 || h->out->err != 0 || h->ib.err != 0;
}

static int
too_deep(struct html *h, unsigned depth)
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
static void
emit_block(struct html *h, const char *s, size_t n)
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
	while (n > 0 && !stopped(h)) {
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
static void
ib_trim(struct html *h)
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
static void
flush(struct html *h)
{
	if (h->oneline) {
		h->pending = 1;
		return;
	}
	if (h->ib.err != 0)
		return;
	ib_trim(h);
	if (h->ib.len > 0)
		emit_block(h, h->ib.p, h->ib.len);
	ib_reset(h);
}

static int
push_pfx(struct html *h, const char *first, const char *cont)
{
	struct pfx	*p;

	if (h->npfx >= sizeof(h->pfx) / sizeof(h->pfx[0])) {
		(void)too_deep(h, HTML_DEPTH_MAX + 1);
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

	while (i < n && is_blank((unsigned char)s[i]))
		i++;
	while (j > i && is_blank((unsigned char)s[j - 1]))
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

	if (too_deep(h, depth))
		return;
	for (c = n->children; c != NULL && !stopped(h) && b->err == 0;
	    c = c->next) {
		if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) {
			if (c->content != NULL)
				mdbuf_adds(b, (const char *)c->content);
		} else if (c->type == XML_ELEMENT_NODE) {
			switch (kind_of(c)) {
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
	if (b.err != 0 || b.p == NULL || stopped(h)) {
		mdbuf_free(&b);
		return;
	}
	/* Blanks collapse as in running text; control characters go. */
	s = b.p;
	for (i = 0, j = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_blank(c)) {
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
	const char	*href = attr(n, "href");
	xmlNode		*c;
	size_t		 at, len;

	if (has_word(attr(n, "class"), (const char *const[]){ "headerlink" },
	    1, 0))
		return;		/* Sphinx's pilcrow anchors */
	while (is_blank((unsigned char)*href))
		href++;
	len = strlen(href);
	while (len > 0 && is_blank((unsigned char)href[len - 1]))
		len--;
	/*
	 * In a heading, a link to this page's own anchor (Sphinx's "json"
	 * in "json - JSON encoder") is the heading itself: text only.
	 */
	if (h->inlink || !keep_href(href, len) ||
	    (h->inheading && href[0] == '#')) {
		for (c = n->children; c != NULL && !stopped(h); c = c->next)
			walk(h, c, depth + 1);
		return;
	}
	at = open_mark(h, "[");
	h->inlink = 1;
	for (c = n->children; c != NULL && !stopped(h); c = c->next)
		walk(h, c, depth + 1);
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
	ib_trim(h);
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
		s = attr(nodes[k], "class");
		while (*s != '\0') {
			while (is_blank((unsigned char)*s))
				s++;
			for (w = s; *s != '\0' && !is_blank((unsigned char)*s);
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

	flush(h);
	mdbuf_init(&b, h->out->max);
	gather(h, n, depth, &b, 1);
	if (b.err != 0 && h->out->err == 0)
		h->out->err = b.err;
	if (b.p == NULL || stopped(h)) {
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
	while (end > start && is_blank((unsigned char)s[end - 1]))
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
		emit_block(h, blk.p, blk.len);
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

	flush(h);
	h->oneline = h->inheading = 1;
	for (c = n->children; c != NULL && !stopped(h); c = c->next)
		walk(h, c, depth + 1);
	h->oneline = h->inheading = 0;
	ib_trim(h);
	if (h->ib.len > 0 && !stopped(h)) {
		mdbuf_init(&b, h->out->max);
		mdbuf_add(&b, hashes + 6 - level, level + 1);
		mdbuf_add(&b, h->ib.p, h->ib.len);
		if (b.err != 0 && h->out->err == 0)
			h->out->err = b.err;
		else
			emit_block(h, b.p, b.len);
		mdbuf_free(&b);
	}
	ib_reset(h);
}


/* ---- tables ---- */

struct cell {
	size_t	off, len;	/* in table.cells */
};

struct table {
	struct mdbuf	 cells;		/* every cell's Markdown, end to end */
	struct cell	*c;
	size_t		 n, size;
	size_t		*rows;		/* in c, each row's first cell */
	size_t		 nrows, rsize;
	size_t		 est;		/* bytes the table will take at least */
};

/* Room for element n of an array of *size elements of elt bytes. */
static void *
grow(struct html *h, void *p, size_t *size, size_t n, size_t elt)
{
	void	*np;
	size_t	 nsize;

	if (n < *size)
		return p;
	nsize = *size == 0 ? 16 : *size * 2;
	if ((np = reallocarray(p, nsize, elt)) == NULL) {
		h->err = CONVERT_ENOMEM;
		return NULL;
	}
	*size = nsize;
	return np;
}

/* One cell (span times: colspan), its content on one line. */
static void
table_cell(struct html *h, struct table *t, xmlNode *n, unsigned depth,
    size_t span)
{
	struct mdbuf	 save = h->ib;
	int		 pending = h->pending, nospace = h->nospace;
	int		 oneline = h->oneline, incell = h->incell;
	xmlNode		*c;
	struct cell	*c2;
	size_t		 i;

	mdbuf_init(&h->ib, h->out->max);
	h->oneline = h->incell = 1;
	for (c = n->children; c != NULL && !stopped(h); c = c->next)
		walk(h, c, depth + 1);
	ib_trim(h);
	for (i = 0; i < span && !stopped(h); i++) {
		if ((c2 = grow(h, t->c, &t->size, t->n, sizeof(*c2))) == NULL)
			break;
		t->c = c2;
		t->c[t->n].off = t->cells.len;
		t->c[t->n].len = i == 0 ? h->ib.len : 0;
		if (i == 0 && h->ib.len > 0)
			mdbuf_add(&t->cells, h->ib.p, h->ib.len);
		t->est += t->c[t->n].len + 3;
		t->n++;
	}
	if (t->est > h->out->max && h->out->err == 0)
		h->out->err = CONVERT_EOUTPUT;
	if (t->cells.err != 0 && h->out->err == 0)
		h->out->err = t->cells.err;
	if (h->ib.err != 0 && h->out->err == 0)
		h->out->err = h->ib.err;
	mdbuf_free(&h->ib);
	h->ib = save;
	h->pending = pending;
	h->nospace = nospace;
	h->oneline = oneline;
	h->incell = incell;
}

static void
table_rows(struct html *h, struct table *t, xmlNode *n, unsigned depth)
{
	xmlNode		*c, *d;
	enum kind	 k;
	const char	*name;
	size_t		*rows;
	long		 span;

	if (too_deep(h, depth))
		return;
	for (c = n->children; c != NULL && !stopped(h); c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		name = (const char *)c->name;
		k = kind_of(c);
		if (k == K_SKIP || is_furniture(c, k))
			continue;
		if (strcasecmp(name, "tr") != 0) {
			if (strcasecmp(name, "thead") == 0 ||
			    strcasecmp(name, "tbody") == 0 ||
			    strcasecmp(name, "tfoot") == 0)
				table_rows(h, t, c, depth + 1);
			continue;
		}
		if (too_deep(h, depth + 1) || (rows = grow(h, t->rows,
		    &t->rsize, t->nrows, sizeof(*rows))) == NULL)
			return;
		t->rows = rows;
		t->rows[t->nrows++] = t->n;
		for (d = c->children; d != NULL && !stopped(h); d = d->next) {
			if (d->type != XML_ELEMENT_NODE ||
			    (strcasecmp((const char *)d->name, "td") != 0 &&
			    strcasecmp((const char *)d->name, "th") != 0))
				continue;
			span = strtol(attr(d, "colspan"), NULL, 10);
			if (span < 1)
				span = 1;
			if (span > HTML_COLUMNS_MAX)
				span = HTML_COLUMNS_MAX;
			table_cell(h, t, d, depth + 2, (size_t)span);
			if (t->n - t->rows[t->nrows - 1] > HTML_COLUMNS_MAX) {
				h->err = CONVERT_ELIMIT;
				(void)snprintf(h->reason, h->rlen, "HTML table "
				    "wider than %d columns", HTML_COLUMNS_MAX);
				return;
			}
		}
	}
}

/* A pipe table; the first row is the header, as GFM wants one. */
static void
table(struct html *h, xmlNode *n, unsigned depth)
{
	struct table	 t;
	struct mdbuf	 blk;
	xmlNode		*c;
	size_t		 r, i, first, end, ncols = 0, hdr = 1, k;

	flush(h);
	for (c = n->children; c != NULL && !stopped(h); c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcasecmp((const char *)c->name, "caption") == 0) {
			walk(h, c, depth + 1);
			flush(h);
		}
	memset(&t, 0, sizeof(t));
	mdbuf_init(&t.cells, h->out->max);
	table_rows(h, &t, n, depth);
	for (r = 0; r < t.nrows; r++) {
		end = r + 1 < t.nrows ? t.rows[r + 1] : t.n;
		if (end - t.rows[r] > ncols)
			ncols = end - t.rows[r];
	}
	mdbuf_init(&blk, h->out->max);
	for (r = 0; r < t.nrows && ncols > 0 && !stopped(h) &&
	    blk.err == 0; r++) {
		first = t.rows[r];
		end = r + 1 < t.nrows ? t.rows[r + 1] : t.n;
		if (end == first)
			continue;	/* an empty <tr> */
		mdbuf_addc(&blk, '|');
		for (i = 0; i < ncols; i++) {
			mdbuf_addc(&blk, ' ');
			/* cells.p is NULL while every cell is empty. */
			if (first + i < end && t.c[first + i].len > 0)
				mdbuf_add(&blk, t.cells.p + t.c[first + i].off,
				    t.c[first + i].len);
			mdbuf_adds(&blk, " |");
		}
		mdbuf_addc(&blk, '\n');
		if (hdr) {
			mdbuf_addc(&blk, '|');
			for (k = 0; k < ncols; k++)
				mdbuf_adds(&blk, " --- |");
			mdbuf_addc(&blk, '\n');
			hdr = 0;
		}
	}
	if (blk.err != 0 && h->out->err == 0)
		h->out->err = blk.err;
	if (!stopped(h) && blk.len > 0) {
		/* A table needs a blank line before it, even in a list. */
		emit_block(h, blk.p, blk.len - 1);
	}
	mdbuf_free(&blk);
	mdbuf_free(&t.cells);
	free(t.c);
	free(t.rows);
}

/* ---- the walk ---- */

static void
children(struct html *h, xmlNode *n, unsigned depth)
{
	xmlNode	*c;

	for (c = n->children; c != NULL && !stopped(h); c = c->next)
		walk(h, c, depth + 1);
}

static int
is_block(enum kind k)
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
		if (c->type == XML_ELEMENT_NODE && is_block(kind_of(c)))
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
		num = strtol(attr(n, "start"), NULL, 10);
		if (num < 0 || num > 999999999 || *attr(n, "start") == '\0')
			num = 1;
	}
	inli = h->npfx > 0 && strcmp(h->pfx[h->npfx - 1].cont, "> ") != 0;
	flush(h);
	/* Only a bullet list or one from 1 may follow a paragraph directly. */
	tight = inli && num == 1;
	for (c = n->children; c != NULL && !stopped(h); c = c->next) {
		if (c->type != XML_ELEMENT_NODE || kind_of(c) != K_LI) {
			walk(h, c, depth + 1);
			continue;
		}
		if (is_furniture(c, K_LI))
			continue;
		flush(h);
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
		flush(h);
		h->npfx--;
		/* Items follow each other without blank lines. */
		tight = 1;
	}
	h->tight = 0;
}

static void
quote(struct html *h, xmlNode *n, unsigned depth)
{
	flush(h);
	if (push_pfx(h, "> ", "> ") == -1)
		return;
	h->tight = 0;
	children(h, n, depth);
	flush(h);
	h->npfx--;
	h->tight = 0;
}

static void
element(struct html *h, xmlNode *n, unsigned depth)
{
	enum kind	 k = kind_of(n);
	const char	*alt;

	if (k == K_SKIP || is_furniture(n, k))
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
		flush(h);
		children(h, n, depth);
		flush(h);
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
		flush(h);
		if (push_pfx(h, "- ", "  ") == -1)
			return;
		children(h, n, depth);
		flush(h);
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
		alt = attr(n, "alt");
		text(h, alt, strlen(alt));
		break;
	case K_BR:
		hard_break(h);
		break;
	case K_HR:
		flush(h);
		h->tight = 0;
		emit_block(h, "---", 3);
		break;
	case K_QUOTE:
	case K_DD:
		quote(h, n, depth);
		break;
	case K_TABLE:
		table(h, n, depth);
		break;
	default:
		children(h, n, depth);
		break;
	}
}

static void
walk(struct html *h, xmlNode *n, unsigned depth)
{
	if (stopped(h) || too_deep(h, depth))
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

/* ---- documents ---- */

/* <title>'s text, blanks collapsed, cut on a character boundary. */
static int
find_title(xmlNode *root, char **title)
{
	xmlNode		*head, *t, *c;
	char		*s;
	size_t		 n = 0;
	int		 blank = 0;

	*title = NULL;
	for (head = root != NULL ? root->children : NULL; head != NULL;
	    head = head->next)
		if (head->type == XML_ELEMENT_NODE &&
		    strcasecmp((const char *)head->name, "head") == 0)
			break;
	if (head == NULL)
		return CONVERT_OK;
	for (t = head->children; t != NULL; t = t->next)
		if (t->type == XML_ELEMENT_NODE &&
		    strcasecmp((const char *)t->name, "title") == 0)
			break;
	if (t == NULL)
		return CONVERT_OK;
	if ((s = malloc(CONVERT_TITLE_MAX + 1)) == NULL)
		return CONVERT_ENOMEM;
	for (c = t->children; c != NULL; c = c->next) {
		const unsigned char *p = c->content;

		if (c->type != XML_TEXT_NODE || p == NULL)
			continue;
		for (; *p != '\0'; p++) {
			if (is_blank(*p) || *p < 0x20 || *p == 0x7f) {
				blank = n > 0;
				continue;
			}
			if (blank && n < CONVERT_TITLE_MAX)
				s[n++] = ' ';
			blank = 0;
			if (n >= CONVERT_TITLE_MAX)
				goto cut;
			s[n++] = (char)*p;
		}
	}
cut:
	/* Never end inside a UTF-8 sequence. */
	if (n >= CONVERT_TITLE_MAX) {
		while (n > 0 && ((unsigned char)s[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)s[n - 1] >= 0xc0)
			n--;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0) {
		free(s);
		return CONVERT_OK;
	}
	s[n] = '\0';
	*title = s;
	return CONVERT_OK;
}

/*
 * XHTML as XML. A bomb or excessive depth fails (ELIMIT); any other
 * error returns NULL with *fallback set, to read it as HTML.
 */
static xmlDocPtr
parse_xml(const char *in, size_t len, int *fallback, int *err, char *reason,
    size_t rlen)
{
	xmlParserCtxtPtr	 ctxt;
	xmlDocPtr		 doc;
	const xmlError		*e;

	*fallback = 0;
	*err = CONVERT_OK;
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		*err = CONVERT_ENOMEM;
		return NULL;
	}
	/* No XML_PARSE_NOENT, DTDLOAD or HUGE: entities stay references. */
	doc = xmlCtxtReadMemory(ctxt, in, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc != NULL && ctxt->wellFormed) {
		xmlFreeParserCtxt(ctxt);
		return doc;
	}
	xmlFreeDoc(doc);
	e = xmlCtxtGetLastError(ctxt);
	if (e != NULL && e->code == XML_ERR_ENTITY_LOOP) {
		*err = CONVERT_ELIMIT;
		(void)snprintf(reason, rlen, "XML entities expand too much "
		    "(line %d: an entity bomb)", e->line);
	} else if (e != NULL && e->message != NULL &&
	    strstr(e->message, "Excessive depth") != NULL) {
		/* libxml2's own limit, the same as ours. */
		*err = CONVERT_ELIMIT;
		(void)snprintf(reason, rlen, "XML nested deeper than %d levels",
		    HTML_DEPTH_MAX);
	} else if (e != NULL && e->code == XML_ERR_NO_MEMORY)
		*err = CONVERT_ENOMEM;
	else
		*fallback = 1;
	xmlFreeParserCtxt(ctxt);
	return NULL;
}

/*
 * libxml2 passes bytes through unchecked where a document lies about its
 * encoding: what it gave is made valid UTF-8, each bad byte U+FFFD.
 */
static int
utf8_repair(struct mdbuf *out, size_t from)
{
	struct mdbuf	 fixed;
	size_t		 i, off;

	if (out->err != 0 || out->len == from ||
	    utf8_check(out->p + from, out->len - from, &off) == 0)
		return 0;
	mdbuf_init(&fixed, out->max);
	mdbuf_add(&fixed, out->p, from);
	for (i = from; i < out->len && fixed.err == 0; i += off + 1) {
		if (utf8_check(out->p + i, out->len - i, &off) == 0) {
			mdbuf_add(&fixed, out->p + i, out->len - i);
			break;
		}
		mdbuf_add(&fixed, out->p + i, off);
		mdbuf_adds(&fixed, "\xef\xbf\xbd");
	}
	if (fixed.err != 0) {
		out->err = fixed.err;
		mdbuf_free(&fixed);
		return -1;
	}
	mdbuf_free(out);
	*out = fixed;
	return 0;
}

/* The same for the title, which only loses its bad bytes. */
static void
utf8_drop(char *s)
{
	size_t	n = strlen(s), off, k;

	while (utf8_check(s, n, &off) != 0) {
		for (k = off; k < n; k++)
			s[k] = s[k + 1];
		n--;
	}
}

int
html_markdown(const char *in, size_t len, int xhtml, struct mdbuf *out,
    char **title, char *reason, size_t rlen)
{
	struct html		*h;
	htmlParserCtxtPtr	 ctxt = NULL;
	xmlDocPtr		 doc = NULL;
	xmlNode			*root, *c;
	const char		*enc;
	size_t			 off, bom = 0, start;
	int			 err, fallback = 1, utf8;

	*title = NULL;
	if (len > INT_MAX) {
		(void)snprintf(reason, rlen, "HTML larger than %d bytes",
		    INT_MAX);
		return CONVERT_ELIMIT;
	}
	if (xhtml) {
		doc = parse_xml(in, len, &fallback, &err, reason, rlen);
		if (err != CONVERT_OK)
			return err;
	}
	if (doc == NULL && fallback) {
		if ((ctxt = htmlNewParserCtxt()) == NULL)
			return CONVERT_ENOMEM;
		/*
		 * Text in a legacy encoding is almost never valid UTF-8, and
		 * libxml2 reads undeclared UTF-8 as Latin-1: valid UTF-8 is
		 * UTF-8, whatever the document declares.
		 */
		utf8 = utf8_check(in, len, &off) == 0;
		enc = utf8 ? "UTF-8" : NULL;
		/* A BOM says it all; libxml2 would keep it as text. */
		if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0)
			bom = 3;	/* and UTF-8 only if it is */
		else if (len >= 2 && memcmp(in, "\xff\xfe", 2) == 0) {
			enc = "UTF-16LE";
			bom = 2;
		} else if (len >= 2 && memcmp(in, "\xfe\xff", 2) == 0) {
			enc = "UTF-16BE";
			bom = 2;
		}
		doc = htmlCtxtReadMemory(ctxt, in + bom, (int)(len - bom),
		    NULL, enc, HTML_OPTIONS);
		/*
		 * Not UTF-8 and no charset declared: Windows-1252, as
		 * browsers read it (Latin-1 with letters for 0x80-0x9f).
		 */
		if (enc == NULL && doc != NULL && doc->encoding == NULL) {
			xmlFreeDoc(doc);
			doc = htmlCtxtReadMemory(ctxt, in + bom,
			    (int)(len - bom), NULL, "windows-1252",
			    HTML_OPTIONS);
		}
	}
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL) {
		/* Nothing an HTML parser can make a tree of: no text either. */
		xmlFreeDoc(doc);
		if (ctxt != NULL)
			htmlFreeParserCtxt(ctxt);
		return CONVERT_OK;
	}
	if (ctxt != NULL)
		htmlFreeParserCtxt(ctxt);
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		xmlFreeDoc(doc);
		return CONVERT_ENOMEM;
	}
	h->out = out;
	h->reason = reason;
	h->rlen = rlen;
	mdbuf_init(&h->ib, out->max);
	if ((err = find_title(root, title)) != CONVERT_OK)
		goto done;
	if (*title != NULL)
		utf8_drop(*title);
	start = out->len;
	for (c = doc->children; c != NULL && !stopped(h); c = c->next)
		walk(h, c, 1);
	flush(h);
	if (h->out->len > 0 && h->out->p[h->out->len - 1] != '\n')
		mdbuf_addc(h->out, '\n');
	if (h->ib.err != 0 && out->err == 0)
		out->err = h->ib.err;
	err = h->err;
	if (err == CONVERT_OK)
		(void)utf8_repair(out, start);
done:
	mdbuf_free(&h->ib);
	free(h);
	xmlFreeDoc(doc);
	if (err != CONVERT_OK) {
		free(*title);
		*title = NULL;
	}
	return err;
}

int
html_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	char	*title;
	int	 err;

	(void)ext;
	err = html_markdown(in, len, 0, out, &title, r->reason,
	    sizeof(r->reason));
	if (err == CONVERT_OK)
		r->title = title;
	return err;
}

/* libxml2 reports through our return codes; never on stderr. */
static void
quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static void
quiet_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

int
html_init(void)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlSetStructuredErrorFunc(NULL, quiet_structured);
	return 0;
}
