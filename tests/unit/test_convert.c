/*
 * Unit tests of the converters: Markdown passed through with its title,
 * description and outline read back by md4c; reStructuredText and plain
 * text turned into Markdown; strict UTF-8, BOM and line endings; the caps
 * on metadata and output.
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

#include "convert.h"

#define BIG	(1 << 20)

static void
conv_ok(const char *ext, const char *in, struct convert_result *r)
{
	int	err;

	err = convert(ext, in, strlen(in), BIG, r);
	if (err != CONVERT_OK)
		fail_msg("convert %s: error %d at %zu", ext, err, r->offset);
	assert_non_null(r->md);
	assert_int_equal(strlen(r->md), r->md_len);
	assert_non_null(r->title);
	assert_non_null(r->description);
}

/* The output contains want (a run of whole lines, say). */
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

static void
test_md_passthrough(void **state)
{
	const char		*in =
	    "Intro line\n"
	    "==========\n"
	    "\n"
	    "```sh\n"
	    "# not a heading\n"
	    "```\n"
	    "\n"
	    "    # indented code, not a heading either\n"
	    "\n"
	    "The *first*   paragraph,\n"
	    "on two lines &amp; more.\n"
	    "\n"
	    "## Second `level` ##\n"
	    "\n"
	    "Setext two\n"
	    "----------\n"
	    "\n"
	    "~~~\n"
	    "## fenced\n"
	    "~~~\n"
	    "### Third\n";
	struct convert_result	 r;

	(void)state;
	conv_ok("md", in, &r);
	assert_string_equal(r.md, in);
	assert_string_equal(r.title, "Intro line");
	assert_string_equal(r.description,
	    "The first paragraph, on two lines & more.");
	assert_int_equal(r.noutline, 4);
	assert_heading(&r, 0, 1, "Intro line");
	assert_heading(&r, 1, 2, "Second level");
	assert_heading(&r, 2, 2, "Setext two");
	assert_heading(&r, 3, 3, "Third");
	convert_free(&r);

	/* "markdown" is the same converter. */
	conv_ok("markdown", in, &r);
	assert_string_equal(r.md, in);
	assert_int_equal(r.noutline, 4);
	convert_free(&r);
}

static void
test_md_title_fallbacks(void **state)
{
	struct convert_result	r;

	(void)state;
	/* No heading: the first line of the first paragraph. */
	conv_ok("md", "> a quote first\n\nFirst line\nsecond line\n", &r);
	assert_string_equal(r.title, "First line");
	/* Paragraphs outside quotes win for the description. */
	assert_string_equal(r.description, "First line second line");
	assert_int_equal(r.noutline, 0);
	convert_free(&r);

	/* Only a quote: then it is used. */
	conv_ok("md", "> quoted\n> text\n", &r);
	assert_string_equal(r.title, "quoted");
	assert_string_equal(r.description, "quoted text");
	convert_free(&r);

	/* Nothing textual at all. */
	conv_ok("md", "```\ncode only\n```\n", &r);
	assert_string_equal(r.title, "");
	assert_string_equal(r.description, "");
	convert_free(&r);

	/* YAML front matter is not a heading; its title is the title. */
	conv_ok("md", "---\ntitle: \"From YAML\"\ndate: x\n---\n\n"
	    "# Heading\n\nBody text.\n", &r);
	assert_string_equal(r.title, "From YAML");
	assert_string_equal(r.description, "Body text.");
	assert_int_equal(r.noutline, 1);
	assert_heading(&r, 0, 1, "Heading");
	convert_free(&r);
}

static void
test_md_caps(void **state)
{
	struct convert_result	 r;
	char			*in, *p;
	size_t			 i;

	(void)state;
	/* 400 two-byte characters: cut at 300 bytes, never mid-character. */
	in = malloc(2 + 400 * 2 + 2 + 300 * 2 + 1);
	assert_non_null(in);
	p = in;
	memcpy(p, "# ", 2);
	p += 2;
	for (i = 0; i < 400; i++, p += 2)
		memcpy(p, "\xc3\xa9", 2);
	memcpy(p, "\n\n", 2);
	p += 2;
	for (i = 0; i < 300; i++, p += 2)
		memcpy(p, "\xc3\xa9", 2);
	*p = '\0';
	conv_ok("md", in, &r);
	assert_int_equal(strlen(r.title), CONVERT_TITLE_MAX);
	assert_int_equal(strlen(r.outline[0].text), CONVERT_HEADING_MAX);
	assert_int_equal(strlen(r.description), CONVERT_DESC_MAX);
	convert_free(&r);
	free(in);

	/* An odd cap: 199 bytes of 'x', then a 2-byte character. */
	in = malloc(2 + 199 + 2 + 2);
	assert_non_null(in);
	memcpy(in, "# ", 2);
	memset(in + 2, 'x', 199);
	memcpy(in + 201, "\xc3\xa9\n", 4);
	conv_ok("md", in, &r);
	assert_int_equal(strlen(r.title), 199);
	convert_free(&r);
	free(in);

	/* The outline stops at CONVERT_OUTLINE_MAX headings. */
	in = malloc(300 * 16);
	assert_non_null(in);
	for (i = 0, p = in; i < 300; i++)
		p += sprintf(p, "## h%zu\n\n", i);
	conv_ok("md", in, &r);
	assert_int_equal(r.noutline, CONVERT_OUTLINE_MAX);
	assert_heading(&r, CONVERT_OUTLINE_MAX - 1, 2, "h255");
	convert_free(&r);
	free(in);
}

static void
test_rst_titles(void **state)
{
	const char		*in =
	    "==========\n"
	    " Overlined\n"
	    "==========\n"
	    "\n"
	    "Intro paragraph\n"
	    "of the document.\n"
	    "\n"
	    "First section\n"
	    "=============\n"
	    "\n"
	    "Body.\n"
	    "\n"
	    "Sub section\n"
	    "-----------\n"
	    "\n"
	    "Second section\n"
	    "==============\n"
	    "\n"
	    "Too short\n"
	    "===\n"
	    "\n"
	    "----------\n"
	    "\n"
	    "Deep ``code``\n"
	    "~~~~~~~~~~~~~\n";
	struct convert_result	 r;

	(void)state;
	conv_ok("rst", in, &r);
	assert_has(&r, "# Overlined\n\nIntro paragraph\nof the document.\n");
	assert_has(&r, "\n## First section\n\nBody.\n\n### Sub section\n");
	assert_has(&r, "\n## Second section\n");
	/* An underline shorter than the title makes no title. */
	assert_has(&r, "\nToo short\n\\===\n");
	/* A lone adornment line is a transition. */
	assert_has(&r, "\n---\n");
	assert_has(&r, "\n#### Deep `code`\n");
	assert_string_equal(r.title, "Overlined");
	assert_string_equal(r.description, "Intro paragraph of the document.");
	assert_int_equal(r.noutline, 5);
	assert_heading(&r, 0, 1, "Overlined");
	assert_heading(&r, 1, 2, "First section");
	assert_heading(&r, 2, 3, "Sub section");
	assert_heading(&r, 3, 2, "Second section");
	assert_heading(&r, 4, 4, "Deep code");
	convert_free(&r);
}

static void
test_rst_literal(void **state)
{
	const char		*in =
	    "Title\n"
	    "=====\n"
	    "\n"
	    "An example::\n"
	    "\n"
	    "    for i in x:\n"
	    "        print(i)\n"
	    "\n"
	    "    done()\n"
	    "\n"
	    "Expanded form ::\n"
	    "\n"
	    "  a = 1\n"
	    "\n"
	    "::\n"
	    "\n"
	    "   lone\n"
	    "   ```\n"
	    "\n"
	    "After.\n";
	struct convert_result	 r;

	(void)state;
	conv_ok("rst", in, &r);
	assert_has(&r, "\nAn example:\n\n```\nfor i in x:\n    print(i)\n\n"
	    "done()\n```\n");
	assert_has(&r, "\nExpanded form\n\n```\na = 1\n```\n");
	/* A lone "::" vanishes; a fence in the block gets a longer fence. */
	assert_has(&r, "\n````\nlone\n```\n````\n\nAfter.\n");
	assert_lacks(&r, "::");
	assert_int_equal(r.noutline, 1);
	assert_string_equal(r.description, "An example:");
	convert_free(&r);

	/* ".. highlight::" gives later literal blocks a language. */
	conv_ok("rst", ".. highlight:: c\n\nCode::\n\n   int x;\n", &r);
	assert_has(&r, "Code:\n\n```c\nint x;\n```\n");
	convert_free(&r);
}

static void
test_rst_directives(void **state)
{
	const char		*in =
	    "Doc\n"
	    "===\n"
	    "\n"
	    ".. code-block:: python\n"
	    "   :linenos:\n"
	    "\n"
	    "   def f():\n"
	    "       return 1\n"
	    "\n"
	    ".. code:: sh\n"
	    "\n"
	    "   ls -l\n"
	    "\n"
	    ".. sourcecode::\n"
	    "\n"
	    "   plain\n"
	    "\n"
	    ".. note:: Mind the\n"
	    "   gap.\n"
	    "\n"
	    "   Second paragraph.\n"
	    "\n"
	    ".. function:: spam(eggs)\n"
	    "   :module: food\n"
	    "\n"
	    "   Cooks *spam*.\n"
	    "\n"
	    ".. this is a comment\n"
	    "   that goes on\n"
	    "\n"
	    ".. _a-target:\n"
	    "\n"
	    ".. |sub| replace:: text\n"
	    "\n"
	    ".. index:: single: spam\n"
	    "\n"
	    "End.\n";
	struct convert_result	 r;

	(void)state;
	conv_ok("rst", in, &r);
	assert_has(&r, "\n```python\ndef f():\n    return 1\n```\n");
	assert_has(&r, "\n```sh\nls -l\n```\n");
	assert_has(&r, "\n```\nplain\n```\n");
	assert_has(&r, "\n> **note** Mind the\n> gap.\n>\n> Second paragraph.\n");
	assert_has(&r, "\n> **function** `spam(eggs)`\n>\n> Cooks *spam*.\n");
	assert_has(&r, "\n\nEnd.\n");
	assert_lacks(&r, "linenos");
	assert_lacks(&r, ":module:");
	assert_lacks(&r, "comment");
	assert_lacks(&r, "target");
	assert_lacks(&r, "replace");
	assert_lacks(&r, "index");
	/* Code is never a description; quotes only as a last resort. */
	assert_string_equal(r.description, "End.");
	convert_free(&r);
}

static void
test_rst_inline(void **state)
{
	const char		*in =
	    "Use ``x = 1`` and :func:`len`, see :ref:`the intro <intro>`,\n"
	    ":meth:`~os.path.join`, `Python <https://python.org>`_ and\n"
	    "`interpreted`:term: or `default`, a footnote [1]_ and\n"
	    "``a `tick` here`` plus es\\ caped.\n";
	struct convert_result	 r;

	(void)state;
	conv_ok("rst", in, &r);
	assert_string_equal(r.md,
	    "Use `x = 1` and `len`, see the intro,\n"
	    "`join`, [Python](https://python.org) and\n"
	    "`interpreted` or `default`, a footnote [1] and\n"
	    "``a `tick` here`` plus escaped.\n");
	assert_string_equal(r.title, "Use x = 1 and len, see the intro,");
	convert_free(&r);
}

static void
test_rst_lists(void **state)
{
	const char		*in =
	    ":Author: Someone\n"
	    ":Version: 1\n"
	    "\n"
	    "- one\n"
	    "- two\n"
	    "  continued\n"
	    "\n"
	    "  - nested\n"
	    "\n"
	    "#. first\n"
	    "#. second\n"
	    "\n"
	    "term\n"
	    "   Its definition.\n"
	    "\n"
	    "Para.\n"
	    "\n"
	    "    A block quote.\n"
	    "\n"
	    ">>> 1 + 1\n"
	    "2\n";
	struct convert_result	 r;

	(void)state;
	conv_ok("rst", in, &r);
	assert_has(&r, "- **Author:** Someone\n- **Version:** 1\n");
	assert_has(&r, "\n- one\n- two\n  continued\n\n  - nested\n");
	assert_has(&r, "\n1. first\n1. second\n");
	assert_has(&r, "\nterm\n\n> Its definition.\n");
	assert_has(&r, "\nPara.\n\n> A block quote.\n");
	assert_has(&r, "\n```\n>>> 1 + 1\n2\n```\n");
	convert_free(&r);
}

static void
test_txt(void **state)
{
	const char		*in =
	    "\n"
	    "  Plain text title  \n"
	    "\n"
	    "The first paragraph,\n"
	    "   on two lines.\n"
	    "\n"
	    "# not a heading\n"
	    "> not a quote\n"
	    "- not a list\n"
	    "12. not a list\n"
	    "====\n"
	    "<b>not html</b>\n"
	    "\n"
	    "    indented\n"
	    "      verbatim\n";
	struct convert_result	 r;

	(void)state;
	conv_ok("txt", in, &r);
	assert_string_equal(r.md,
	    "# Plain text title\n"
	    "\n"
	    "The first paragraph,\n"
	    "on two lines.\n"
	    "\n"
	    "\\# not a heading\n"
	    "\\> not a quote\n"
	    "\\- not a list\n"
	    "12\\. not a list\n"
	    "\\====\n"
	    "\\<b>not html</b>\n"
	    "\n"
	    "```\n"
	    "indented\n"
	    "  verbatim\n"
	    "```\n");
	assert_string_equal(r.title, "Plain text title");
	assert_string_equal(r.description, "The first paragraph, on two lines.");
	/* No underlined titles: no outline. */
	assert_int_equal(r.noutline, 0);
	convert_free(&r);

	/* Any other extension is plain text; a heading stays one. */
	conv_ok("", "# Already a heading\nand text\n", &r);
	assert_string_equal(r.md, "# Already a heading\n\nand text\n");
	assert_string_equal(r.title, "Already a heading");
	assert_string_equal(r.description, "and text");
	convert_free(&r);
}

static void
test_txt_underlined(void **state)
{
	struct convert_result	r;

	(void)state;
	conv_ok("txt", "Title\n\nChapter\n=======\n\nText.\n\n"
	    "Part\n----\n\nMore.\n\nAgain\n=====\n", &r);
	assert_string_equal(r.md, "# Title\n\n## Chapter\n\nText.\n\n"
	    "### Part\n\nMore.\n\n## Again\n");
	assert_int_equal(r.noutline, 4);
	assert_heading(&r, 0, 1, "Title");
	assert_heading(&r, 1, 2, "Chapter");
	assert_heading(&r, 2, 3, "Part");
	assert_heading(&r, 3, 2, "Again");
	convert_free(&r);

	/* An underlined first line is the title and the top level. */
	conv_ok("txt", "Title\n=====\n\nSub\n---\n", &r);
	assert_string_equal(r.md, "# Title\n\n## Sub\n");
	assert_int_equal(r.noutline, 2);
	convert_free(&r);

	/* Overlined too; a lone rule is just text. */
	conv_ok("txt", "=========\n The Title\n=========\n\nText.\n\n"
	    "-----\n\nSub\n===\n", &r);
	assert_string_equal(r.md, "# The Title\n\nText.\n\n\\-----\n\n"
	    "## Sub\n");
	assert_string_equal(r.title, "The Title");
	assert_int_equal(r.noutline, 2);
	convert_free(&r);
}

static void
expect_error(const char *ext, const char *in, size_t len, int err,
    size_t offset)
{
	struct convert_result	r;

	assert_int_equal(convert(ext, in, len, BIG, &r), err);
	assert_int_equal(r.offset, offset);
	assert_null(r.md);
	convert_free(&r);
}

static void
text_check_err(const char *in, size_t len, int err, size_t offset)
{
	size_t	off = (size_t)-1;

	assert_int_equal(convert_check_text(in, len, &off), err);
	assert_int_equal(off, offset);
}

static void
test_utf8(void **state)
{
	static const char	ok4[] = "\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9"
	    " \xf4\x8f\xbf\xbf\n";
	struct convert_result	r;
	char			*big;

	(void)state;
	/*
	 * The strict UTF-8 check every text converter applies to what it
	 * reads (convert() hands it UTF-8: charset.c transcodes the rest).
	 */
	text_check_err("caf\xe9", 4, CONVERT_EUTF8, 3);
	text_check_err("ok\n\xc0\xaf", 5, CONVERT_EUTF8, 3);	/* overlong */
	text_check_err("\xe0\x80\xaf", 3, CONVERT_EUTF8, 0);	/* overlong */
	text_check_err("\xf0\x80\x80\xaf", 4, CONVERT_EUTF8, 0);	/* overlong */
	text_check_err("ab\xed\xa0\x80", 5, CONVERT_EUTF8, 2);	/* surrogate */
	text_check_err("\xf4\x90\x80\x80", 4, CONVERT_EUTF8, 0);	/* > U+10FFFF */
	text_check_err("\xf5\x80\x80\x80", 4, CONVERT_EUTF8, 0);
	text_check_err("x\xe2\x82", 3, CONVERT_EUTF8, 1);	/* truncated */
	text_check_err("x\x80y", 3, CONVERT_EUTF8, 1);	/* stray continuation */
	text_check_err("\xff", 1, CONVERT_EUTF8, 0);
	text_check_err("ab\0cd", 5, CONVERT_ENUL, 2);
	/* Offsets count the BOM: they are offsets in the file. */
	text_check_err("\xef\xbb\xbf" "ab\xe9", 6, CONVERT_EUTF8, 5);
	/* Through convert(), text that is not UTF-8 is read in a charset. */
	conv_ok("txt", "caf\xe9", &r);
	assert_string_equal(r.md, "# caf\xc3\xa9\n\n"
	    "<!-- kbd: read as windows-1252 -->\n");
	convert_free(&r);
	/* A NUL is not text either. */
	/* A NUL where the sniffer looks is binary; further on, an error. */
	expect_error("txt", "ab\0cd", 5, CONVERT_EFORMAT, 0);
	big = malloc(FORMAT_SNIFF_LEN + 10);
	assert_non_null(big);
	memset(big, 'a', FORMAT_SNIFF_LEN + 10);
	big[FORMAT_SNIFF_LEN + 3] = '\0';
	expect_error("txt", big, FORMAT_SNIFF_LEN + 10, CONVERT_ENUL,
	    FORMAT_SNIFF_LEN + 3);
	free(big);

	conv_ok("md", ok4, &r);
	assert_string_equal(r.md, ok4);
	convert_free(&r);
}

static void
test_bom_crlf(void **state)
{
	struct convert_result	r;

	(void)state;
	conv_ok("md", "\xef\xbb\xbf# Title\r\n\r\nText\r\nmore\rlast\r\n", &r);
	assert_string_equal(r.md, "# Title\n\nText\nmore\nlast\n");
	assert_string_equal(r.title, "Title");
	assert_string_equal(r.description, "Text more last");
	convert_free(&r);

	conv_ok("rst", "\xef\xbb\xbfTitle\r\n=====\r\n\r\nBody::\r\n\r\n"
	    "  code\r\n", &r);
	assert_string_equal(r.md, "# Title\n\nBody:\n\n```\ncode\n```\n");
	convert_free(&r);

	conv_ok("txt", "\xef\xbb\xbfHello\r\n", &r);
	assert_string_equal(r.md, "# Hello\n");
	assert_string_equal(r.title, "Hello");
	convert_free(&r);
}

static void
test_limits(void **state)
{
	struct convert_result	r;

	(void)state;
	/* Output over max_output fails, whatever the converter. */
	assert_int_equal(convert("md", "0123456789\n", 11, 10, &r),
	    CONVERT_EOUTPUT);
	convert_free(&r);
	assert_int_equal(convert("md", "0123456789\n", 11, 11, &r), CONVERT_OK);
	convert_free(&r);
	assert_int_equal(convert("txt", "title\n\n- x\n",
	    strlen("title\n\n- x\n"), 12, &r), CONVERT_EOUTPUT);
	convert_free(&r);
	assert_int_equal(convert("rst", "Para::\n\n  code\n",
	    strlen("Para::\n\n  code\n"), 8, &r), CONVERT_EOUTPUT);
	convert_free(&r);

	/* Empty input is a valid, empty document. */
	conv_ok("txt", "", &r);
	assert_int_equal(r.md_len, 0);
	assert_string_equal(r.title, "");
	convert_free(&r);
	conv_ok("rst", "", &r);
	assert_int_equal(r.md_len, 0);
	convert_free(&r);
}

/* Nesting far deeper than kept still converts, and in bounded time. */
static void
test_rst_deep(void **state)
{
	struct convert_result	 r;
	char			*in, *p;
	const char		*q;
	int			 i, n;

	(void)state;
	in = malloc(200 * 200 + 16);
	assert_non_null(in);
	p = in;
	for (i = 0; i < 100; i++) {
		memset(p, ' ', (size_t)i * 2);
		p += i * 2;
		p += sprintf(p, "- x%d\n\n", i);
	}
	*p = '\0';
	conv_ok("rst", in, &r);
	assert_has(&r, "- x0\n\n  - x1\n\n    - x2\n");
	/* Past the depth kept, the rest is verbatim in a fence. */
	assert_has(&r, "```\n");
	assert_has(&r, "- x99\n");
	for (n = 0, q = r.md; (q = strchr(q, 'x')) != NULL; q++)
		n++;
	assert_int_equal(n, 100);
	assert_lacks(&r, " \n");
	convert_free(&r);
	free(in);
}

/* The content decides the family; a name that disagrees is refused. */
static void
test_sniff(void **state)
{
	static const char	pdf[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n";
	static const char	zip[] = "PK\003\004\024\0\0\0\010\0";
	static const char	ole[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0";
	struct convert_result	r;
	enum format	f;
	char			reason[CONVERT_REASON_MAX];

	(void)state;
	assert_int_equal(format_sniff("txt", "hello", 5, &f, reason,
	    sizeof(reason)), 0);
	assert_int_equal(f, FMT_TEXT);
	assert_int_equal(format_sniff("rst", "x", 1, &f, reason,
	    sizeof(reason)), 0);
	assert_int_equal(f, FMT_RST);
	assert_int_equal(format_sniff("txt", pdf, sizeof(pdf) - 1, &f,
	    reason, sizeof(reason)), -1);
	assert_string_equal(reason,
	    "content is a PDF document but the name says .txt");
	assert_int_equal(format_sniff("md", zip, sizeof(zip) - 1, &f,
	    reason, sizeof(reason)), -1);
	assert_string_equal(reason,
	    "content is a zip container but the name says .md");
	assert_int_equal(format_sniff("", ole, sizeof(ole) - 1, &f,
	    reason, sizeof(reason)), -1);
	assert_int_equal(format_sniff("exe", "MZ", 2, &f, reason,
	    sizeof(reason)), -1);
	assert_string_equal(reason, "unsupported format (.exe: executable)");
	assert_int_equal(format_readable("exe"), 0);
	assert_int_equal(format_readable("rst"), 1);

	/* convert() sniffs too, and says why in the result. */
	assert_int_equal(convert("txt", pdf, sizeof(pdf) - 1, BIG, &r),
	    CONVERT_EFORMAT);
	assert_string_equal(r.reason,
	    "content is a PDF document but the name says .txt");
	assert_null(r.md);
	convert_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md_passthrough),
		cmocka_unit_test(test_md_title_fallbacks),
		cmocka_unit_test(test_md_caps),
		cmocka_unit_test(test_rst_titles),
		cmocka_unit_test(test_rst_literal),
		cmocka_unit_test(test_rst_directives),
		cmocka_unit_test(test_rst_inline),
		cmocka_unit_test(test_rst_lists),
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_txt_underlined),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_bom_crlf),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_rst_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
