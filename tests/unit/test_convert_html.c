/*
 * Unit tests of the HTML converter: the Markdown structure each element
 * becomes, page furniture dropped, charsets decoded, XHTML read as XML
 * without entity expansion, and the depth, width and output limits.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <md4c.h>

#include "convert.h"
#include "html.h"
#include "mdbuf.h"

#define BIG	(1 << 20)

static void
conv_ok(const char *in, struct convert_result *r)
{
	int	err;

	err = convert("html", in, strlen(in), BIG, r);
	if (err != CONVERT_OK)
		fail_msg("convert: error %d: %s", err, r->reason);
	assert_non_null(r->md);
	assert_int_equal(strlen(r->md), r->md_len);
}

static void
assert_has(const struct convert_result *r, const char *want)
{
	if (strstr(r->md, want) == NULL)
		fail_msg("output lacks \"%s\":\n%s", want, r->md);
}

static void
assert_lacks(const struct convert_result *r, const char *bad)
{
	if (strstr(r->md, bad) != NULL)
		fail_msg("output has \"%s\":\n%s", bad, r->md);
}

static void
assert_heading(const struct convert_result *r, size_t i, unsigned level,
    const char *text)
{
	assert_true(i < r->noutline);
	assert_int_equal(r->outline[i].level, level);
	assert_string_equal(r->outline[i].text, text);
}

static char *
repeat(const char *head, const char *s, size_t n, const char *mid,
    const char *e, const char *tail)
{
	size_t	 ls = strlen(s), le = strlen(e), i, len;
	char	*p, *q;

	len = strlen(head) + n * (ls + le) + strlen(mid) + strlen(tail) + 1;
	p = q = malloc(len);
	assert_non_null(p);
	q = stpcpy(q, head);
	for (i = 0; i < n; i++)
		q = stpcpy(q, s);
	q = stpcpy(q, mid);
	for (i = 0; i < n; i++)
		q = stpcpy(q, e);
	(void)stpcpy(q, tail);
	return p;
}

static void
test_blocks(void **state)
{
	struct convert_result	r;

	(void)state;
	conv_ok("<!DOCTYPE html><html><head><title> The   page\n title "
	    "</title><style>p { color: red }</style>"
	    "<script>var junk = 1;</script></head><body>"
	    "<h1>Main <em>topic</em></h1>"
	    "<p>First   paragraph\n with <b>bold</b>, <i>italic</i> and "
	    "<code>a `tick`</code>.</p>"
	    "<h2>Second</h2><p>one<br>two</p><hr>"
	    "<h3>Third</h3><blockquote><p>quoted</p><p>twice</p></blockquote>"
	    "<p># not a heading</p><p>1. not a list</p>"
	    "</body></html>", &r);
	assert_string_equal(r.title, "The page title");
	assert_int_equal(r.noutline, 3);
	assert_heading(&r, 0, 1, "Main topic");
	assert_heading(&r, 1, 2, "Second");
	assert_heading(&r, 2, 3, "Third");
	assert_has(&r, "# Main *topic*\n\n");
	assert_has(&r, "\n\nFirst paragraph with **bold**, *italic* and "
	    "`` a `tick` ``.\n\n");
	assert_has(&r, "\n\none\\\ntwo\n\n---\n\n");
	assert_has(&r, "\n\n> quoted\n>\n> twice\n\n");
	assert_has(&r, "\n\\# not a heading\n");
	assert_has(&r, "\n1\\. not a list\n");
	assert_lacks(&r, "color");
	assert_lacks(&r, "junk");
	assert_string_equal(r.description,
	    "First paragraph with bold, italic and a `tick`.");
	convert_free(&r);

	/* No <title>: the first heading is the title. */
	conv_ok("<p>intro</p><h1>Heading title</h1>", &r);
	assert_string_equal(r.title, "Heading title");
	convert_free(&r);
}

static void
test_lists(void **state)
{
	struct convert_result	r;

	(void)state;
	conv_ok("<p>Before:</p><ul><li>one</li><li>two<ul><li>two.a</li>"
	    "<li>two.b<ol start=\"3\"><li>three</li><li>four</li></ol></li>"
	    "</ul></li><li><p>para item</p><p>second para</p></li></ul>"
	    "<ol><li>first</li><li>second</li></ol><p>after</p>", &r);
	assert_has(&r, "Before:\n\n- one\n- two\n  - two.a\n  - two.b\n\n"
	    "    3. three\n    4. four\n- para item\n\n  second para\n\n"
	    "1. first\n2. second\n\nafter\n");
	convert_free(&r);
}

static void
test_links_images(void **state)
{
	struct convert_result	r;

	(void)state;
	conv_ok("<p><a href=\"https://example.org/a b(c)\">Example</a>, "
	    "<a href=\"other.html#x\">relative</a>, "
	    "<a href=\"javascript:alert(1)\">js</a>, "
	    "<a href=\"http://x.org/\"><img src=\"i.png\" alt=\"logo\"></a>, "
	    "<img src=\"j.png\" alt=\"picture [1]\">, "
	    "<a href=\"https://e.org/\"> </a>end"
	    "<a class=\"headerlink\" href=\"#x\">\xc2\xb6</a></p>", &r);
	assert_has(&r, "[Example](<https://example.org/a b\\(c\\)>), "
	    "[relative](other.html#x), js, [logo](http://x.org/), "
	    "picture \\[1\\], end\n");
	assert_lacks(&r, "\xc2\xb6");
	convert_free(&r);

	/* Blocks inside a link run together; emphasis never spans blocks. */
	conv_ok("<a href=\"https://x.org/\"><div><h3>Card</h3><p>text</p>"
	    "</div></a><b><p>one</p><p>two</p></b>", &r);
	assert_string_equal(r.md, "[Card text](https://x.org/)\n\none\n\n"
	    "two\n");
	convert_free(&r);
}

static void
test_tables(void **state)
{
	struct convert_result	r;

	(void)state;
	conv_ok("<table><caption>Sizes</caption><thead><tr><th>Name</th>"
	    "<th>Size</th><th>Note</th></tr></thead><tbody>"
	    "<tr><td>a|b</td><td><code>x|y</code></td></tr>"
	    "<tr><td colspan=\"2\">wide</td><td><p>two</p><p>paras</p></td>"
	    "</tr></tbody></table>"
	    "<table><tr><td>no</td><td>th</td></tr><tr><td>1</td></tr>"
	    "</table>", &r);
	assert_has(&r, "Sizes\n\n| Name | Size | Note |\n"
	    "| --- | --- | --- |\n"
	    "| a\\|b | `x\\|y` |  |\n"
	    "| wide |  | two paras |\n\n"
	    "| no | th |\n| --- | --- |\n| 1 |  |\n");
	convert_free(&r);
}

static void
test_code(void **state)
{
	struct convert_result	r;

	(void)state;
	conv_ok("<div class=\"highlight-python3 notranslate\"><div "
	    "class=\"highlight\"><pre>\n<span class=\"k\">def</span> f():\n"
	    "\treturn  1\n\n</pre></div></div>"
	    "<pre><code class=\"language-sh\">echo ```\n</code></pre>"
	    "<ul><li>item<pre>in\n  list</pre></li></ul>", &r);
	assert_has(&r, "```python3\ndef f():\n\treturn  1\n```\n\n");
	assert_has(&r, "````sh\necho ```\n````\n");
	assert_has(&r, "- item\n\n  ```\n  in\n    list\n  ```\n");
	assert_int_equal(r.noutline, 0);
	convert_free(&r);
}

static void
test_furniture(void **state)
{
	struct convert_result	r;

	(void)state;
	conv_ok("<body><div class=\"related\" role=\"navigation\">index "
	    "modules</div><nav>Home | About</nav>"
	    "<header><h1>Site header</h1></header>"
	    "<div class=\"sphinxsidebar\">Quick search</div>"
	    "<div id=\"breadcrumbs\">Home &gt; Docs</div>"
	    "<ul class=\"nav-links\"><li>link list</li></ul>"
	    "<div class=\"document\"><p>Real content.</p>"
	    "<aside class=\"footnote\" role=\"note\">A footnote.</aside>"
	    "<p hidden>hidden text</p><span aria-hidden=\"true\">icon</span>"
	    "<noscript>enable js</noscript><template>tmpl</template>"
	    "<svg><text>vector</text></svg><form role=\"search\">"
	    "<input value=\"q\"><button>Go</button></form></div>"
	    "<footer>Copyright</footer><div class=\"footer\">(c) 2024</div>"
	    "</body>", &r);
	assert_has(&r, "# Site header\n");
	assert_has(&r, "Real content.\n\nA footnote.\n");
	assert_lacks(&r, "index");
	assert_lacks(&r, "Home");
	assert_lacks(&r, "Quick");
	assert_lacks(&r, "link list");
	assert_lacks(&r, "hidden");
	assert_lacks(&r, "icon");
	assert_lacks(&r, "enable");
	assert_lacks(&r, "tmpl");
	assert_lacks(&r, "vector");
	assert_lacks(&r, "Go");
	assert_lacks(&r, "Copyright");
	assert_lacks(&r, "2024");
	convert_free(&r);
}

/*
 * What the fidelity measure found dropped (issue 11): DocBook's sidebar
 * boxes, asides, admonitions, notes, figure captions, definition lists,
 * details, tables and an article's footer are text; a section whose id
 * has a furniture word ("manifest-related-options") is a section, and
 * so is a block whose id only starts with one ("footer-margin").
 */
static void
test_content_kept(void **state)
{
	struct convert_result	r;

	(void)state;
	conv_ok("<body><div class=\"section\"><div class=\"sidebar\">"
	    "<div class=\"titlepage\"><p class=\"title\"><strong>IN PRACTICE"
	    "</strong> Boxes</p></div><div class=\"para\">zzsidebar text"
	    "</div></div>"
	    "<aside>zzaside box</aside>"
	    "<aside role=\"complementary\">zzcomplementary</aside>"
	    "<div class=\"admonition note\"><p class=\"admonition-title\">"
	    "Note</p><p>zznote</p></div><div class=\"tip\">zztip</div>"
	    "<figure><img src=\"f.png\" alt=\"zzalt\"><figcaption>zzcaption"
	    "</figcaption></figure>"
	    "<dl><dt>zzterm</dt><dd>zzdefinition</dd></dl>"
	    "<details><summary>zzsummary</summary><p>zzdetails</p></details>"
	    "<table><tr><th>zzhead</th></tr><tr><td>zzcell</td></tr></table>"
	    "<section id=\"manifest-related-options\"><h2>Options</h2>"
	    "<p>zzsection</p></section>"
	    "<div class=\"section\" id=\"navigation-keys\"><p>zzoldsection"
	    "</p></div><div id=\"footer-margin\">zzfootermargin</div>"
	    "<article><p>zzarticle</p><footer>zzarticlefooter</footer>"
	    "</article></div></body>", &r);
	assert_has(&r, "**IN PRACTICE** Boxes\n\nzzsidebar text\n");
	assert_has(&r, "zzaside box\n\nzzcomplementary\n");
	assert_has(&r, "Note\n\nzznote\n\nzztip\n");
	assert_has(&r, "zzalt\n\nzzcaption\n");
	assert_has(&r, "zzterm\n\n> zzdefinition\n");
	assert_has(&r, "zzsummary\n\nzzdetails\n");
	assert_has(&r, "| zzhead |\n| --- |\n| zzcell |\n");
	assert_has(&r, "## Options\n\nzzsection\n");
	assert_has(&r, "zzoldsection\n\nzzfootermargin\n");
	assert_has(&r, "zzarticle\n\nzzarticlefooter\n");
	convert_free(&r);
}

/*
 * True navigation goes: nav landmarks and roles, DocBook's docnav bars,
 * Sphinx's related bars and sidebar, breadcrumbs, skip links, the page's
 * own footer, blocks whose id ends in a furniture word ("site-footer").
 */
static void
test_navigation_dropped(void **state)
{
	struct convert_result	r;

	(void)state;
	conv_ok("<body><a class=\"skip-link\" href=\"#main\">Jump down</a>"
	    "<a href=\"#content\">Skip to content</a>"
	    "<ul class=\"docnav top\"><li class=\"previous\"><a href=\"p.html\">"
	    "<strong>Prev</strong></a></li><li class=\"home\">Handbook</li>"
	    "</ul><div class=\"navheader\">Chapter header</div>"
	    "<div role=\"navigation\" class=\"related\">index modules</div>"
	    "<div class=\"sphinxsidebar\"><h3>Previous topic</h3></div>"
	    "<ol class=\"breadcrumb\"><li>Home</li></ol>"
	    "<main id=\"main\"><p>zzmain <a href=\"#skip\">skip over</a></p>"
	    "</main><div class=\"navfooter\">Chapter footer</div>"
	    "<div id=\"site-footer\">Site links</div><div id=\"nav\">Nav</div>"
	    "<footer><p>Copyright</p></footer></body>", &r);
	assert_string_equal(r.md, "zzmain [skip over](#skip)\n");
	convert_free(&r);
}

struct hrefs {
	char	buf[1024];
	size_t	len;
	int	spans;
};

/* Each link's destination as a CommonMark reader (md4c) reads it. */
static int
md_enter_span(MD_SPANTYPE type, void *detail, void *arg)
{
	struct hrefs		*h = arg;
	const MD_ATTRIBUTE	*a;
	unsigned		 i;
	int			 n;

	if (type != MD_SPAN_A)
		return 0;
	a = &((MD_SPAN_A_DETAIL *)detail)->href;
	h->spans++;
	for (i = 0; a->substr_offsets[i] < a->size; i++) {
		n = snprintf(h->buf + h->len, sizeof(h->buf) - h->len, "%s%.*s",
		    a->substr_types[i] == MD_TEXT_ENTITY ? "&!" : "",
		    (int)(a->substr_offsets[i + 1] - a->substr_offsets[i]),
		    a->text + a->substr_offsets[i]);
		h->len += (size_t)n;
	}
	h->len += (size_t)snprintf(h->buf + h->len, sizeof(h->buf) - h->len,
	    "\n");
	return 0;
}

static int
md_none(int a, void *b, void *c)
{
	(void)a;
	(void)b;
	(void)c;
	return 0;
}

static int
md_text(MD_TEXTTYPE t, const MD_CHAR *s, MD_SIZE n, void *arg)
{
	(void)t;
	(void)s;
	(void)n;
	(void)arg;
	return 0;
}

static void
md_hrefs(const char *md, struct hrefs *h)
{
	MD_PARSER	p;

	memset(h, 0, sizeof(*h));
	memset(&p, 0, sizeof(p));
	p.flags = MD_DIALECT_GITHUB;
	p.enter_block = (int (*)(MD_BLOCKTYPE, void *, void *))md_none;
	p.leave_block = (int (*)(MD_BLOCKTYPE, void *, void *))md_none;
	p.enter_span = md_enter_span;
	p.leave_span = (int (*)(MD_SPANTYPE, void *, void *))md_none;
	p.text = md_text;
	assert_int_equal(md_parse(md, (MD_SIZE)strlen(md), &p, h), 0);
}

/*
 * Every link keeps its target as written, relative ones included, and a
 * CommonMark reader reads back that target: parentheses, spaces, '|',
 * backticks and what looks like a character reference are escaped.
 * Script and data URLs and empty targets keep only their text.
 */
static void
test_link_targets(void **state)
{
	struct convert_result	r;
	struct hrefs		h;

	(void)state;
	conv_ok("<p><a href=\"other.html#x\">rel</a> <a href=\"../d/p.html\">"
	    "up</a> <a href=\"#frag\">frag</a> <a href=\"my file (2).html#s\">"
	    "spaced</a> <a href=\"q?a=1&amp;copy;=2&amp;b=3\">amp</a> "
	    "<a href=\"x`y|z[1]\\\">odd</a> <a href=\" JavaScript:go()\">js"
	    "</a> <a href=\"java&#10;script:go()\">js2</a> <a href=\"data:,x\">"
	    "data</a> <a href=\"\">empty</a> <a>none</a> "
	    "<a href=\"mailto:a@b.org\">mail</a> <em>code `x</em> "
	    "<a href=\"https://e.org/p?q=1\">abs</a></p>"
	    "<table><tr><th>h</th></tr><tr><td><a href=\"t|x.html\">cell</a>"
	    "</td></tr></table>", &r);
	assert_has(&r, "[rel](other.html#x) [up](../d/p.html) [frag](#frag) "
	    "[spaced](<my file \\(2\\).html#s>) [amp](q?a=1\\&copy;=2&b=3) "
	    "[odd](x\\`y\\|z\\[1\\]\\\\) js js2 data empty none "
	    "[mail](mailto:a@b.org) *code \\`x* [abs](https://e.org/p?q=1)\n");
	assert_has(&r, "| [cell](t\\|x.html) |\n");
	md_hrefs(r.md, &h);
	assert_int_equal(h.spans, 9);
	assert_string_equal(h.buf, "other.html#x\n../d/p.html\n#frag\n"
	    "my file (2).html#s\nq?a=1&copy;=2&b=3\nx`y|z[1]\\\n"
	    "mailto:a@b.org\nhttps://e.org/p?q=1\nt|x.html\n");
	convert_free(&r);
}

/* EPUB chapters (XHTML): links between chapters stay as written. */
static void
test_xhtml_links(void **state)
{
	struct mdbuf	 out;
	char		*title, why[256];
	const char	*x = "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3."
	    "org/1999/xhtml\"><body><p>See <a href=\"ch02.xhtml#s1\">the next "
	    "chapter</a> and <a href=\"../Text/notes.xhtml\">notes</a>.</p>"
	    "</body></html>";

	(void)state;
	mdbuf_init(&out, BIG);
	assert_int_equal(html_markdown(x, strlen(x), 1, &out, &title, why,
	    sizeof(why)), CONVERT_OK);
	assert_string_equal(out.p, "See [the next chapter](ch02.xhtml#s1) and "
	    "[notes](../Text/notes.xhtml).\n");
	free(title);
	mdbuf_free(&out);
}

static void
test_charset(void **state)
{
	struct convert_result	r;
	const char		*latin1 = "<html><head><meta charset="
	    "\"iso-8859-1\"><title>Caf\xe9</title></head><body><p>na\xefve "
	    "\xa9</p></body></html>";
	const char		*cp1252 = "<meta http-equiv=\"Content-Type\" "
	    "content=\"text/html; charset=windows-1252\"><p>\x93quoted\x94 "
	    "\x80</p>";
	const char		*nometa = "<p>\x93" "caf\xe9\x94 au lait</p>";
	const char		*lie = "<meta charset=\"iso-8859-1\"><p>"
	    "caf\xc3\xa9</p>";

	(void)state;
	conv_ok(latin1, &r);
	assert_string_equal(r.title, "Caf\xc3\xa9");
	assert_has(&r, "na\xc3\xafve \xc2\xa9\n");
	convert_free(&r);
	conv_ok(cp1252, &r);
	assert_has(&r, "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac\n");
	convert_free(&r);
	/* Not UTF-8 and no charset: Windows-1252, as browsers read it. */
	conv_ok(nometa, &r);
	assert_has(&r, "\xe2\x80\x9c" "caf\xc3\xa9\xe2\x80\x9d au lait\n");
	convert_free(&r);
	/* Valid UTF-8 is UTF-8, whatever it declares. */
	conv_ok(lie, &r);
	assert_has(&r, "caf\xc3\xa9\n");
	convert_free(&r);
	/* A UTF-8 BOM on what is not UTF-8 does not make it UTF-8. */
	conv_ok("\xef\xbb\xbf<p>caf\xe9</p>", &r);
	assert_string_equal(r.md, "caf\xc3\xa9\n");
	convert_free(&r);
	/* UTF-16 with a BOM, either way round. */
	assert_int_equal(convert("html", "\xff\xfe<\0p\0>\0\xe9\0\xac\x20", 12,
	    BIG, &r), CONVERT_OK);
	assert_string_equal(r.md, "\xc3\xa9\xe2\x82\xac\n");
	convert_free(&r);
	assert_int_equal(convert("html", "\xfe\xff\0<\0p\0>\0\xe9", 10,
	    BIG, &r), CONVERT_OK);
	assert_string_equal(r.md, "\xc3\xa9\n");
	convert_free(&r);
	/* UTF-8 without a declaration stays UTF-8. */
	conv_ok("<p>\xe6\x97\xa5\xe6\x9c\xac</p>", &r);
	assert_has(&r, "\xe6\x97\xa5\xe6\x9c\xac\n");
	convert_free(&r);
}

static void
test_limits(void **state)
{
	struct convert_result	r;
	struct mdbuf		out;
	char			*in, *title, reason[200];
	int			err;

	(void)state;
	/* Deep nesting fails with a reason, however deep. */
	in = repeat("<html><body>", "<div>", 100000, "x", "</div>",
	    "</body></html>");
	err = convert("html", in, strlen(in), BIG, &r);
	assert_int_equal(err, CONVERT_ELIMIT);
	assert_string_equal(r.reason, "HTML nested deeper than 256 levels");
	convert_free(&r);
	free(in);
	in = repeat("<body>", "<div>", 300, "x", "</div>", "</body>");
	assert_int_equal(convert("html", in, strlen(in), BIG, &r),
	    CONVERT_ELIMIT);
	convert_free(&r);
	free(in);
	/* Nesting below the limit is read. */
	in = repeat("<body>", "<blockquote>", 150, "deep", "</blockquote>",
	    "</body>");
	conv_ok(in, &r);
	assert_has(&r, "> > deep\n");
	convert_free(&r);
	free(in);

	/* A table wider than the limit fails. */
	in = repeat("<table><tr>", "<td>c</td>", HTML_COLUMNS_MAX + 1, "",
	    "", "</tr></table>");
	err = convert("html", in, strlen(in), BIG, &r);
	assert_int_equal(err, CONVERT_ELIMIT);
	assert_string_equal(r.reason, "HTML table wider than 1024 columns");
	convert_free(&r);
	free(in);
	/* So does a colspan that makes it so. */
	in = strdup("<table><tr><td colspan=\"99999\">x</td><td>y</td></tr>"
	    "</table>");
	assert_int_equal(convert("html", in, strlen(in), BIG, &r),
	    CONVERT_ELIMIT);
	convert_free(&r);
	free(in);

	/* The output cap. */
	in = repeat("<body>", "<p>some words here</p>", 1000, "", "",
	    "</body>");
	assert_int_equal(convert("html", in, strlen(in), 4096, &r),
	    CONVERT_EOUTPUT);
	convert_free(&r);
	free(in);
	in = repeat("<table>", "<tr><td></td><td></td></tr>", 10000, "", "",
	    "</table>");
	assert_int_equal(convert("html", in, strlen(in), 4096, &r),
	    CONVERT_EOUTPUT);
	convert_free(&r);
	free(in);

	/* A huge attribute costs nothing in the output. */
	in = repeat("<p><a href=\"http://x.org/", "a", 1 << 20, "\" class=\"",
	    "b", "\">text</a></p>");
	conv_ok(in, &r);
	assert_string_equal(r.md, "text\n");
	convert_free(&r);
	free(in);

	/* Truncated and empty documents are read for what they hold. */
	conv_ok("<html><body><h1>Cut</h1><p>half a para", &r);
	assert_string_equal(r.md, "# Cut\n\nhalf a para\n");
	convert_free(&r);
	conv_ok("", &r);
	assert_string_equal(r.md, "");
	convert_free(&r);

	/* html_markdown on its own, as other converters call it. */
	mdbuf_init(&out, BIG);
	assert_int_equal(html_markdown("<p>a</p>", 8, 0, &out, &title,
	    reason, sizeof(reason)), CONVERT_OK);
	assert_null(title);
	assert_int_equal(html_markdown("<p>b</p>", 8, 0, &out, &title,
	    reason, sizeof(reason)), CONVERT_OK);
	assert_string_equal(out.p, "a\n\nb\n");
	mdbuf_free(&out);
}

static void
test_xhtml(void **state)
{
	struct mdbuf	 out;
	char		*title, *in, reason[200];
	const char	*ok = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>Ch"
	    " 1</title></head><body><h1>One</h1><p>A &amp; B "
	    "<![CDATA[<raw>]]></p></body></html>";
	const char	*lol = "<?xml version=\"1.0\"?>\n<!DOCTYPE html [\n"
	    "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
	    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
	    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
	    "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
	    "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\n"
	    "]>\n<html><body><p>x&h;y</p></body></html>";
	const char	*ext = "<?xml version=\"1.0\"?>\n<!DOCTYPE html [\n"
	    "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
	    "<html><body><p>a&x;b</p></body></html>";
	const char	*sloppy = "<html><body><p>non&nbsp;breaking<br>"
	    "</p></body></html>";
	int		 err;

	(void)state;
	mdbuf_init(&out, BIG);
	assert_int_equal(html_markdown(ok, strlen(ok), 1, &out, &title,
	    reason, sizeof(reason)), CONVERT_OK);
	assert_string_equal(title, "Ch 1");
	assert_string_equal(out.p, "# One\n\nA & B \\<raw\\>\n");
	free(title);
	mdbuf_free(&out);

	/* Entities are never expanded: a bomb is refused or left out. */
	mdbuf_init(&out, BIG);
	err = html_markdown(lol, strlen(lol), 1, &out, &title, reason,
	    sizeof(reason));
	assert_int_equal(err, CONVERT_ELIMIT);
	assert_string_equal(reason,
	    "XML entities expand too much (line 12: an entity bomb)");
	assert_int_equal(out.len, 0);
	assert_null(title);
	mdbuf_free(&out);
	in = repeat("<?xml version=\"1.0\"?><html><body>", "<div>", 100000,
	    "x", "</div>", "</body></html>");
	mdbuf_init(&out, BIG);
	assert_int_equal(html_markdown(in, strlen(in), 1, &out, &title,
	    reason, sizeof(reason)), CONVERT_ELIMIT);
	assert_string_equal(reason, "XML nested deeper than 256 levels");
	mdbuf_free(&out);
	free(in);

	/* External entities are not loaded. */
	mdbuf_init(&out, BIG);
	assert_int_equal(html_markdown(ext, strlen(ext), 1, &out, &title,
	    reason, sizeof(reason)), CONVERT_OK);
	assert_string_equal(out.p, "ab\n");
	free(title);
	mdbuf_free(&out);

	/* Not well-formed XML (an HTML entity): read as HTML. */
	mdbuf_init(&out, BIG);
	assert_int_equal(html_markdown(sloppy, strlen(sloppy), 1, &out,
	    &title, reason, sizeof(reason)), CONVERT_OK);
	assert_string_equal(out.p, "non\xc2\xa0" "breaking\n");
	free(title);
	mdbuf_free(&out);
}

static void
test_mismatch(void **state)
{
	struct convert_result	r;
	const char		*pdf = "%PDF-1.4\n%\xe2\xe3\n1 0 obj\n";

	(void)state;
	assert_int_equal(convert("html", pdf, strlen(pdf), BIG, &r),
	    CONVERT_EFORMAT);
	assert_string_equal(r.reason,
	    "content is a PDF document but the name says .html");
	convert_free(&r);
	assert_int_equal(convert("htm", "<p>x</p>\0", 9, BIG, &r),
	    CONVERT_EFORMAT);
	assert_string_equal(r.reason, "binary content");
	convert_free(&r);
	/* A UTF-16 BOM makes text of any text format (charset.c). */
	assert_int_equal(convert("txt", "\xff\xfe<\0p\0>\0", 8, BIG, &r),
	    CONVERT_OK);
	assert_string_equal(r.md, "# <p>\n\n<!-- kbd: read as UTF-16LE -->\n");
	convert_free(&r);
	/* Without one, its NUL bytes make it binary. */
	assert_int_equal(convert("txt", "<\0p\0>\0", 6, BIG, &r),
	    CONVERT_EFORMAT);
	assert_string_equal(r.reason, "binary content");
	convert_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_links_images),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_code),
		cmocka_unit_test(test_furniture),
		cmocka_unit_test(test_content_kept),
		cmocka_unit_test(test_navigation_dropped),
		cmocka_unit_test(test_link_targets),
		cmocka_unit_test(test_xhtml_links),
		cmocka_unit_test(test_charset),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_xhtml),
		cmocka_unit_test(test_mismatch),
	};

	if (convert_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
