/*
 * Which HTML element is what to the walk (html.c), and which are page
 * furniture: navigation and other chrome, recognised by element, ARIA
 * role and class/id words, and dropped with their subtree.
 */
#include <sys/types.h>

#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "html_int.h"

static const struct elem {
	const char	*name;
	enum html_kind	 kind;
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

enum html_kind
html_kind_of(const xmlNode *n)
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
const char *
html_attr(const xmlNode *n, const char *name)
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

int
html_blank(int c)
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
int
html_has_word(const char *s, const char *const *list, size_t nlist,
    int dashes)
{
	const char	*w;
	size_t		 n;

	while (*s != '\0') {
		while (*s != '\0' && (html_blank((unsigned char)*s) ||
		    (dashes && (*s == '-' || *s == '_'))))
			s++;
		w = s;
		while (*s != '\0' && !html_blank((unsigned char)*s) &&
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

	if (html_has_word(html_attr(n, "class"), words, sizeof(words) / sizeof(words[0]),
	    1))
		return 1;
	if (*html_attr(n, "href") != '#' || t == NULL || t->type != XML_TEXT_NODE ||
	    t->content == NULL)
		return 0;
	for (s = (const char *)t->content; html_blank((unsigned char)*s); s++)
		;
	return strncasecmp(s, "skip to ", 8) == 0 ||
	    strncasecmp(s, "skip nav", 8) == 0;
}

/* Whether the last blank- '-' '_'-separated word of s is one of list. */
static int
last_word(const char *s, const char *const *list, size_t nlist)
{
	const char	*e = s + strlen(s), *w;

	while (e > s && (html_blank((unsigned char)e[-1]) || e[-1] == '-' ||
	    e[-1] == '_'))
		e--;
	for (w = e; w > s && !html_blank((unsigned char)w[-1]) &&
	    w[-1] != '-' && w[-1] != '_'; w--)
		;
	return w < e && in_list(w, (size_t)(e - w), list, nlist);
}

int
html_furniture(const xmlNode *n, enum html_kind k)
{
	static const char *const hidden[] = { "true" };
	static const char *const sections[] = {
		"chapter", "sect1", "sect2", "sect3", "section", "topic"
	};

	if (k == K_FOOTER && page_footer(n))
		return 1;
	if (k == K_A && skip_link(n))
		return 1;
	if (html_has_word(html_attr(n, "role"), furniture_roles,
	    sizeof(furniture_roles) / sizeof(furniture_roles[0]), 0))
		return 1;
	if (html_has_word(html_attr(n, "aria-hidden"), hidden, 1, 0) ||
	    xmlHasProp(n, (const xmlChar *)"hidden") != NULL)
		return 1;
	/* Classes on inline elements are styling (Sphinx's "xref py"...). */
	if (k != K_BLOCK && k != K_ASIDE && k != K_UL && k != K_OL &&
	    k != K_TABLE && k != K_FOOTER)
		return 0;
	if (html_has_word(html_attr(n, "class"), furniture,
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
	    html_has_word(html_attr(n, "class"), sections,
	    sizeof(sections) / sizeof(sections[0]), 0))
		return 0;
	return last_word(html_attr(n, "id"), furniture,
	    sizeof(furniture) / sizeof(furniture[0]));
}
