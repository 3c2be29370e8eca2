/*
 * Unit tests of the PDF converter (MuPDF): small PDFs written here byte by
 * byte, with a correct cross-reference table unless a test breaks it on
 * purpose. Text, page markers, title, bookmarks as headings, running
 * headers, hyphenation; damaged, encrypted and hostile documents fail
 * with their reason.
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
#include <zlib.h>

#include "convert.h"

#define BIG	(1 << 20)
#define OBJ_MAX	512

struct pdf {
	char	*p;
	size_t	 len, cap;
	char	*obj[OBJ_MAX + 1];	/* 1-based */
	size_t	 olen[OBJ_MAX + 1];
	size_t	 nobj;
};

static void
put(struct pdf *d, const void *s, size_t n)
{
	if (d->len + n + 1 > d->cap) {
		d->cap = (d->len + n + 1) * 2;
		d->p = realloc(d->p, d->cap);
		assert_non_null(d->p);
	}
	memcpy(d->p + d->len, s, n);
	d->len += n;
	d->p[d->len] = '\0';
}

static void
putf(struct pdf *d, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	put(d, s, (size_t)n);
	free(s);
}

/* Object number d->nobj + 1, the dictionary or array as given. */
static size_t
obj(struct pdf *d, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	assert_true(d->nobj < OBJ_MAX);
	va_start(ap, fmt);
	n = vasprintf(&d->obj[++d->nobj], fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	d->olen[d->nobj] = (size_t)n;
	return d->nobj;
}

/* A stream object; binary data allowed. */
static size_t
stream(struct pdf *d, const char *dict, const void *data, size_t n)
{
	char	*s;
	int	 k;

	k = asprintf(&s, "<< %s /Length %zu >>\nstream\n", dict, n);
	assert_true(k >= 0);
	s = realloc(s, (size_t)k + n + 12);
	assert_non_null(s);
	memcpy(s + k, data, n);
	memcpy(s + k + n, "\nendstream", 11);
	d->obj[++d->nobj] = s;
	d->olen[d->nobj] = (size_t)k + n + 10;
	return d->nobj;
}

static size_t
content(struct pdf *d, const char *ops)
{
	return stream(d, "", ops, strlen(ops));
}

/* The file: header, objects, xref, trailer with root 1 and extra keys. */
static void
finish(struct pdf *d, const char *trailer)
{
	size_t	*off, i, n;
	const char *s;

	off = calloc(d->nobj + 1, sizeof(*off));
	assert_non_null(off);
	put(d, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", 15);
	for (i = 1; i <= d->nobj; i++) {
		off[i] = d->len;
		putf(d, "%zu 0 obj\n", i);
		s = d->obj[i];
		put(d, s, d->olen[i]);
		put(d, "\nendobj\n", 8);
		free(d->obj[i]);
	}
	n = d->len;
	putf(d, "xref\n0 %zu\n0000000000 65535 f \n", d->nobj + 1);
	for (i = 1; i <= d->nobj; i++)
		putf(d, "%010zu 00000 n \n", off[i]);
	putf(d, "trailer\n<< /Size %zu /Root 1 0 R %s >>\nstartxref\n%zu\n"
	    "%%%%EOF\n", d->nobj + 1, trailer, n);
	free(off);
}

static const char font[] = "<< /Type /Font /Subtype /Type1 "
    "/BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

/*
 * A document of npages pages: objects 1 catalog (with extra keys), 2 page
 * tree, 3 font, then per page its page object and content stream.
 */
static void
pages(struct pdf *d, const char *catalog, const char *const *ops,
    size_t npages)
{
	char	kids[1024] = "";
	size_t	i, n;

	obj(d, "<< /Type /Catalog /Pages 2 0 R %s >>", catalog);
	obj(d, "PLACEHOLDER");
	obj(d, "%s", font);
	for (i = 0; i < npages; i++) {
		n = obj(d, "<< /Type /Page /Parent 2 0 R /MediaBox "
		    "[0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
		    "/Contents %zu 0 R >>", d->nobj + 2);
		(void)content(d, ops[i]);
		(void)snprintf(kids + strlen(kids), sizeof(kids) -
		    strlen(kids), "%zu 0 R ", n);
	}
	free(d->obj[2]);
	d->olen[2] = (size_t)asprintf(&d->obj[2], "<< /Type /Pages /Kids "
	    "[%s] /Count %zu >>", kids, npages);
}

static int
conv(const struct pdf *d, struct convert_result *r)
{
	return convert("pdf", d->p, d->len, BIG, r);
}

static void
assert_has(const struct convert_result *r, const char *want)
{
	if (strstr(r->md, want) == NULL)
		fail_msg("output lacks \"%s\":\n%s", want, r->md);
}

static void
assert_reason(int err, int want, const struct convert_result *r,
    const char *reason)
{
	if (err != want)
		fail_msg("error %d, expected %d (reason \"%s\")", err, want,
		    r->reason);
	if (strstr(r->reason, reason) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", r->reason, reason);
}

static void
test_text(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 24 Tf 72 700 Td (Annual report) Tj ET\n"
	    "BT /F1 12 Tf 72 650 Td (The first paragraph talks) Tj "
	    "0 -14 Td (about apples and oranges.) Tj ET\n"
	    "BT /F1 12 Tf 72 500 Td (A second paragraph with a hyphen-) Tj "
	    "0 -14 Td (ated word and 1. no list.) Tj ET\n",
	    "BT /F1 12 Tf 72 700 Td (Page two says zebra.) Tj ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	pages(&d, "", ops, 2);
	obj(&d, "<< /Title (Fruit \\(and more\\)) /Author (Nobody) >>");
	finish(&d, "/Info 8 0 R");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_string_equal(r.title, "Fruit (and more)");
	assert_has(&r, "# Fruit (and more)\n\n<!-- page 1 -->\n\n");
	/* Twice the body's size, under the title: a level 2 heading. */
	assert_has(&r, "<!-- page 1 -->\n\n## Annual report\n\n");
	assert_has(&r, "\n\nThe first paragraph talks about apples and "
	    "oranges.\n\n");
	/* Hyphenation undone; a "1." inside a line stays text. */
	assert_has(&r, "with a hyphenated word and 1. no list.");
	assert_has(&r, "<!-- page 2 -->\n\nPage two says zebra.\n");
	assert_string_equal(r.description, "The first paragraph talks about "
	    "apples and oranges.");
	/* No bookmarks: the outline is what the Markdown has. */
	assert_int_equal(r.noutline, 2);
	assert_string_equal(r.outline[0].text, "Fruit (and more)");
	assert_int_equal(r.outline[1].level, 2);
	assert_string_equal(r.outline[1].text, "Annual report");
	convert_free(&r);
	free(d.p);
}

/*
 * Without bookmarks, headings from font sizes: how much larger than the
 * body text gives the level; long or slightly larger blocks are text.
 */
static void
test_font_headings(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 24 Tf 72 740 Td (Big title) Tj ET\n"
	    "BT /F1 14 Tf 72 700 Td (1 Section) Tj ET\n"
	    "BT /F1 10 Tf 72 680 Td (Body text of the section, long enough "
	    "to be the commonest size on the page.) Tj ET\n"
	    "BT /F1 12 Tf 72 640 Td (1.1 Subsection) Tj ET\n"
	    "BT /F1 10 Tf 72 620 Td (More body text that is plain and "
	    "ordinary.) Tj ET\n"
	    "BT /F1 11 Tf 72 580 Td (Slightly larger text stays text.) Tj "
	    "ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	pages(&d, "", ops, 1);
	finish(&d, "");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_has(&r, "# Big title\n\n## 1 Section\n\nBody text");
	assert_has(&r, "### 1.1 Subsection\n\nMore body");
	assert_has(&r, "\n\nSlightly larger text stays text.\n");
	assert_string_equal(r.title, "Big title");
	assert_int_equal(r.noutline, 3);
	convert_free(&r);
	free(d.p);
}

/* Invisible text (render mode 3), as OCR layers of scans are: read. */
static void
test_ocr_layer(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 12 Tf 3 Tr 72 700 Td (Scanned page words.) Tj ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	pages(&d, "", ops, 1);
	finish(&d, "");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_has(&r, "<!-- page 1 -->\n\nScanned page words.\n");
	convert_free(&r);
	free(d.p);
}

/* Without metadata the title is the first line; "." ".." escaped. */
static void
test_no_title(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 12 Tf 72 700 Td (- dash line) Tj ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	pages(&d, "", ops, 1);
	finish(&d, "");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_string_equal(r.title, "- dash line");
	assert_has(&r, "<!-- page 1 -->\n\n\\- dash line\n");
	convert_free(&r);
	free(d.p);
}

/*
 * Without metadata, a man page printed to PDF: the running header and
 * the NAME label are not the title, the line after them is; the header
 * is no description either.
 */
static void
test_page_title(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 10 Tf 72 760 Td (TAR\\(1\\) GNU TAR Manual TAR\\(1\\)) Tj "
	    "ET\n"
	    "BT /F1 10 Tf 72 720 Td (NAME) Tj 0 -12 Td "
	    "(tar - an archiving utility) Tj ET\n"
	    "BT /F1 10 Tf 72 660 Td (SYNOPSIS) Tj 0 -12 Td "
	    "(tar {A|c|d} [OPTIONS] *.tar snake_case ~/.tarrc) Tj ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	pages(&d, "", ops, 1);
	finish(&d, "");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_string_equal(r.title, "tar - an archiving utility");
	assert_string_equal(r.description, "NAME tar - an archiving utility");
	/* Escapes only where Markdown needs them. */
	assert_has(&r, "\n\nSYNOPSIS tar {A|c|d} [OPTIONS] \\*.tar snake_case "
	    "~/.tarrc\n");
	convert_free(&r);
	free(d.p);
}

/* Markup PDF text would make, escaped: emphasis, code, links, HTML. */
static void
test_escapes(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 12 Tf 72 700 Td (# not a heading *x* _y_ `z` [a](b) <b> "
	    "&amp; a\\\\b ![i][r] x~~s~~) Tj ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	pages(&d, "", ops, 1);
	finish(&d, "");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_has(&r, "\n\n\\# not a heading \\*x\\* \\_y\\_ \\`z\\` "
	    "[a\\](b) \\<b> \\&amp; a\\b \\![i\\][r] x\\~~s\\~\\~\n");
	convert_free(&r);
	free(d.p);
}

/*
 * Bookmarks: each becomes a heading before the block it points at; a
 * block whose first line is the bookmark's title loses that line.
 */
static void
test_outline(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 12 Tf 72 700 Td (Preface text.) Tj ET\n"
	    "BT /F1 16 Tf 72 600 Td (Methods) Tj ET\n"
	    "BT /F1 12 Tf 72 570 Td (We counted things.) Tj ET\n",
	    "BT /F1 12 Tf 72 700 Td (Results were good.) Tj ET\n"
	    "BT /F1 12 Tf 72 400 Td (Detail paragraph.) Tj ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	/* Objects 1-7 are the pages; 8 outlines, 9-11 items. */
	pages(&d, "/Outlines 8 0 R", ops, 2);
	obj(&d, "<< /Type /Outlines /First 9 0 R /Last 10 0 R /Count 3 >>");
	obj(&d, "<< /Title (Methods) /Parent 8 0 R /Next 10 0 R "
	    "/Dest [4 0 R /XYZ 0 620 0] >>");
	obj(&d, "<< /Title (Results) /Parent 8 0 R /Prev 9 0 R "
	    "/First 11 0 R /Last 11 0 R /Count 1 /Dest [6 0 R /XYZ 0 792 0] >>");
	obj(&d, "<< /Title (The details) /Parent 10 0 R "
	    "/Dest [6 0 R /XYZ 0 420 0] >>");
	finish(&d, "");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_has(&r, "<!-- page 1 -->\n\nPreface text.\n\n# Methods\n\n"
	    "We counted things.\n");
	assert_has(&r, "<!-- page 2 -->\n\n# Results\n\nResults were good."
	    "\n\n## The details\n\nDetail paragraph.\n");
	assert_int_equal(r.noutline, 3);
	assert_int_equal(r.outline[0].level, 1);
	assert_string_equal(r.outline[0].text, "Methods");
	assert_int_equal(r.outline[2].level, 2);
	assert_string_equal(r.outline[2].text, "The details");
	/* The "Methods" line is the heading, not text as well. */
	assert_null(strstr(strstr(r.md, "# Methods") + 9, "Methods"));
	assert_string_equal(r.title, "Methods");
	convert_free(&r);
	free(d.p);
}

/* A header and footer repeated on every page are written once. */
static void
test_running(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 9 Tf 72 760 Td (FOO\\(1\\) Manual FOO\\(1\\)) Tj ET\n"
	    "BT /F1 12 Tf 72 600 Td (Body one.) Tj ET\n"
	    "BT /F1 9 Tf 300 40 Td (Footer 1) Tj ET\n",
	    "BT /F1 9 Tf 72 760 Td (FOO\\(1\\) Manual FOO\\(1\\)) Tj ET\n"
	    "BT /F1 12 Tf 72 600 Td (Body two.) Tj ET\n"
	    "BT /F1 9 Tf 300 40 Td (Footer 2) Tj ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;
	const char		*p;

	(void)state;
	pages(&d, "", ops, 2);
	finish(&d, "");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	p = strstr(r.md, "FOO(1) Manual");
	assert_non_null(p);
	assert_null(strstr(p + 1, "FOO(1) Manual"));
	assert_has(&r, "Footer 1");
	assert_null(strstr(r.md, "Footer 2"));
	assert_has(&r, "Body two.");
	convert_free(&r);
	free(d.p);
}

static void
one_page(struct pdf *d)
{
	static const char *const ops[] = {
	    "BT /F1 12 Tf 72 700 Td (Some text here.) Tj ET\n",
	};

	pages(d, "", ops, 1);
}

/* A broken xref is repaired by MuPDF; the text is still there. */
static void
test_bad_xref(void **state)
{
	struct pdf		d = { 0 };
	struct convert_result	r;
	char			*x;

	(void)state;
	one_page(&d);
	finish(&d, "");
	x = strstr(d.p, "xref\n");
	assert_non_null(x);
	memset(x + 5, '#', 40);
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_has(&r, "Some text here.");
	convert_free(&r);
	free(d.p);
}

/* Cut before the first page's text: nothing to read, and it says why. */
static void
test_truncated(void **state)
{
	struct pdf		d = { 0 };
	struct convert_result	r;
	int			err;

	(void)state;
	one_page(&d);
	finish(&d, "");
	d.len = (size_t)(strstr(d.p, "3 0 obj") - d.p);
	err = conv(&d, &r);
	assert_reason(err, CONVERT_EDOC, &r, "damaged PDF: ");
	convert_free(&r);
	/* Only the header. */
	err = convert("pdf", "%PDF-1.4\n", 9, BIG, &r);
	assert_reason(err, CONVERT_EDOC, &r, "damaged PDF: ");
	convert_free(&r);
	free(d.p);
}

/* An /Encrypt dictionary whose empty user password does not match. */
static void
test_encrypted(void **state)
{
	struct pdf		d = { 0 };
	struct convert_result	r;
	char			o[65], u[65];

	(void)state;
	memset(o, 'A', 64);
	memset(u, 'B', 64);
	o[64] = u[64] = '\0';
	one_page(&d);
	obj(&d, "<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>",
	    o, u);
	finish(&d, "/Encrypt 6 0 R /ID [<0123456789abcdef0123456789abcdef> "
	    "<0123456789abcdef0123456789abcdef>]");
	assert_reason(conv(&d, &r), CONVERT_EDOC, &r,
	    "encrypted PDF (password required)");
	convert_free(&r);
	free(d.p);
}

static void
test_mismatch(void **state)
{
	struct convert_result	r;

	(void)state;
	assert_reason(convert("pdf", "", 0, BIG, &r), CONVERT_EFORMAT, &r,
	    "content is text but the name says .pdf");
	convert_free(&r);
	assert_reason(convert("pdf", "just text\n", 10, BIG, &r),
	    CONVERT_EFORMAT, &r, "content is text but the name says .pdf");
	convert_free(&r);
	/* A PDF named .txt is not read as text. */
	assert_reason(convert("txt", "%PDF-1.4\n", 9, BIG, &r),
	    CONVERT_EFORMAT, &r, "content is a PDF document");
	convert_free(&r);
}

/* No extension: the content says PDF, so it is read as one. */
static void
test_no_ext(void **state)
{
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	one_page(&d);
	finish(&d, "");
	assert_int_equal(convert("", d.p, d.len, BIG, &r), CONVERT_OK);
	assert_has(&r, "Some text here.");
	convert_free(&r);
	free(d.p);
}

/*
 * A page whose /Parent is another page, and a bookmark to it: MuPDF leaks
 * while it looks up the bookmark's page number (found by fuzzing); the
 * per-document arena frees it (the sanitizer build checks for leaks at
 * exit).
 */
static void
test_parent_page(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 12 Tf 72 700 Td (First page.) Tj ET\n",
	    "BT /F1 12 Tf 72 700 Td (Second page.) Tj ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;
	char			*p;
	int			 err;

	(void)state;
	pages(&d, "/Outlines 8 0 R", ops, 2);
	obj(&d, "<< /Type /Outlines /First 9 0 R /Last 10 0 R /Count 2 >>");
	obj(&d, "<< /Title (One) /Parent 8 0 R /Next 10 0 R "
	    "/Dest [4 0 R /XYZ 0 720 0] >>");
	obj(&d, "<< /Title (Two) /Parent 8 0 R /Prev 9 0 R "
	    "/Dest [6 0 R /Fit] >>");
	p = strstr(d.obj[6], "/Parent 2 0 R");
	assert_non_null(p);
	p[8] = '4';
	finish(&d, "");
	err = conv(&d, &r);
	if (err == CONVERT_OK)
		assert_has(&r, "First page.");
	else
		assert_reason(err, CONVERT_EDOC, &r, "damaged PDF: ");
	convert_free(&r);
	free(d.p);
}

/* An outline of depth levels, one bookmark each, all to page 1. */
static void
deep_outline(struct pdf *d, size_t depth)
{
	static const char *const ops[] = {
	    "BT /F1 12 Tf 72 700 Td (Deep text.) Tj ET\n",
	};
	size_t	i, o;

	pages(d, "/Outlines 6 0 R", ops, 1);
	obj(d, "<< /Type /Outlines /First 7 0 R /Last 7 0 R >>");
	for (i = 0; i < depth; i++) {
		o = 7 + i;
		if (i + 1 < depth)
			obj(d, "<< /Title (Level %zu) /Parent %zu 0 R /First "
			    "%zu 0 R /Last %zu 0 R /Dest [4 0 R /XYZ 0 792 0] >>",
			    i, i == 0 ? 6 : o - 1, o + 1, o + 1);
		else
			obj(d, "<< /Title (Level %zu) /Parent %zu 0 R "
			    "/Dest [4 0 R /XYZ 0 792 0] >>", i, o - 1);
	}
	finish(d, "");
}

/*
 * MuPDF reads outlines recursively (100,000 levels overflow its stack):
 * an outline deeper than 256 levels is not read at all, the text is; a
 * shallower one gives headings for its first 32 levels.
 */
static void
test_deep_outline(void **state)
{
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	deep_outline(&d, 300);
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_has(&r, "Deep text.");
	assert_null(strstr(r.md, "Level 0"));
	assert_int_equal(r.noutline, 0);
	convert_free(&r);
	free(d.p);

	memset(&d, 0, sizeof(d));
	deep_outline(&d, 200);
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_has(&r, "# Level 0\n");
	assert_has(&r, "###### Level 31\n");
	assert_null(strstr(r.md, "Level 32"));
	assert_int_equal(r.noutline, 32);
	convert_free(&r);
	free(d.p);
}

/* A page that cannot be loaded is marked; the others are read. */
static void
test_bad_page(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 12 Tf 72 700 Td (Good page.) Tj ET\n",
	    "BT /F1 12 Tf 72 700 Td (Lost page.) Tj ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	pages(&d, "", ops, 2);
	/* The second kid is a page tree that holds itself. */
	free(d.obj[6]);
	d.olen[6] = (size_t)asprintf(&d.obj[6], "<< /Type /Pages /Parent 2 0 R "
	    "/Kids [6 0 R] /Count 1 >>");
	finish(&d, "");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_has(&r, "<!-- page 1 -->\n\nGood page.\n");
	assert_has(&r, "<!-- page 2 -->\n\n*(kbd: this page could not be "
	    "read: damaged)*\n");
	convert_free(&r);
	free(d.p);
}

/* A page tree claiming more pages than the cap is refused up front. */
static void
test_page_count(void **state)
{
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	obj(&d, "<< /Type /Catalog /Pages 2 0 R >>");
	obj(&d, "<< /Type /Pages /Kids [3 0 R] /Count 2000000000 >>");
	obj(&d, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
	finish(&d, "");
	assert_reason(conv(&d, &r), CONVERT_ELIMIT, &r,
	    "PDF has 2000000000 pages (limit 10000)");
	convert_free(&r);
	free(d.p);
}

/* Pages without text: kbd does no OCR, and says so. */
static void
test_no_text(void **state)
{
	static const char *const ops[] = { "0 0 m 100 100 l S\n" };
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	pages(&d, "", ops, 1);
	finish(&d, "");
	assert_reason(conv(&d, &r), CONVERT_EDOC, &r, "PDF has no text");
	convert_free(&r);
	free(d.p);
}

/* Deep nesting in an object: MuPDF's parser has its own limit. */
static void
test_deep(void **state)
{
	struct pdf		d = { 0 };
	struct convert_result	r;
	char			*deep;
	size_t			 n = 200000;
	int			 err;

	(void)state;
	deep = malloc(2 * n + 1);
	assert_non_null(deep);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	one_page(&d);
	free(d.obj[3]);
	d.olen[3] = (size_t)asprintf(&d.obj[3], "<< /Type /Font /Subtype "
	    "/Type1 /BaseFont /Helvetica /Widths %s >>", deep);
	finish(&d, "");
	err = conv(&d, &r);
	/* Either the font is dropped and the text read, or the page fails. */
	if (err == CONVERT_OK)
		assert_has(&r, "Some text here.");
	else
		assert_reason(err, CONVERT_EDOC, &r, "damaged PDF: ");
	convert_free(&r);
	free(deep);
	free(d.p);
}

/*
 * A content stream that inflates far past the memory cap, in a font
 * program MuPDF must hold whole: the PDF fails with the limit, no crash.
 */
static void
test_memory_cap(void **state)
{
	struct pdf		d = { 0 };
	struct convert_result	r;
	unsigned char		*raw, *z;
	uLongf			 zlen;
	size_t			 rawlen = 64u << 20;
	size_t			 i;
	char			*big;
	int			 err;

	(void)state;
	convert_pdf_mem_max = 16u << 20;
	/* An array of 4 M integers: each is an object MuPDF allocates. */
	raw = malloc(rawlen);
	assert_non_null(raw);
	memcpy(raw, "[", 1);
	for (i = 1; i + 2 < rawlen; i += 2)
		memcpy(raw + i, "0 ", 2);
	raw[rawlen - 1] = ']';
	zlen = compressBound(rawlen);
	z = malloc(zlen);
	assert_non_null(z);
	assert_int_equal(compress2(z, &zlen, raw, rawlen, 9), Z_OK);
	free(raw);
	one_page(&d);
	/* The page's content: an array of streams, one a bomb. */
	big = d.obj[5];
	d.nobj--;
	(void)stream(&d, "/Filter /FlateDecode", z, zlen);
	free(big);
	free(z);
	finish(&d, "");
	err = conv(&d, &r);
	convert_pdf_mem_max = 0;
	assert_reason(err, CONVERT_ELIMIT, &r,
	    "PDF needs more than the 16 MiB kbd gives its reader");
	convert_free(&r);
	free(d.p);
}

/* A page of more drawing operations than the cap: read up to there. */
static void
test_page_ops(void **state)
{
	static const char	 head[] = "BT /F1 12 Tf 72 700 Td (Before) Tj ET\n";
	static const char	 op[] = "0 0 1 1 re f\n";
	static const char	 tail[] = "BT /F1 12 Tf 72 600 Td (After) Tj ET\n";
	struct pdf		 d = { 0 };
	struct convert_result	 r;
	unsigned char		*raw, *z;
	size_t			 n = 1100000, len, i;
	uLongf			 zlen;
	char			*old;

	(void)state;
	len = sizeof(head) - 1 + n * (sizeof(op) - 1) + sizeof(tail) - 1;
	raw = malloc(len);
	assert_non_null(raw);
	memcpy(raw, head, sizeof(head) - 1);
	for (i = 0; i < n; i++)
		memcpy(raw + sizeof(head) - 1 + i * (sizeof(op) - 1), op,
		    sizeof(op) - 1);
	memcpy(raw + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	zlen = compressBound(len);
	z = malloc(zlen);
	assert_non_null(z);
	assert_int_equal(compress2(z, &zlen, raw, len, 6), Z_OK);
	free(raw);
	one_page(&d);
	old = d.obj[5];
	d.nobj--;
	(void)stream(&d, "/Filter /FlateDecode", z, zlen);
	free(old);
	free(z);
	finish(&d, "");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_has(&r, "Before");
	assert_has(&r, "the rest of this page was not read: too many drawing "
	    "operations");
	assert_null(strstr(r.md, "After"));
	convert_free(&r);
	free(d.p);
}

/*
 * Fidelity (issue 11): a compound broken after its hyphen keeps it and
 * gets no blank ("ChaCha-Poly1305"), a hyphenation is still undone, and a
 * spacing accent drawn before its letter, as TeX does, is the accented
 * letter ("M\xc3\xb6ller"), as pdftotext reads them.
 */
static void
test_text_assembly(void **state)
{
	static const char *const ops[] = {
	    "BT /F1 12 Tf 72 700 Td (Written by Niels M\\250oller and "
	    "Andr\\264e,) Tj 0 -14 Td (who use ChaCha-) Tj "
	    "0 -14 Td (Poly1305 over an SSH-) Tj 0 -14 Td (forbindelse, "
	    "and a hyphen-) Tj 0 -14 Td (ated word, and a dash -) Tj "
	    "0 -14 Td (Then this.) Tj ET\n",
	};
	struct pdf		d = { 0 };
	struct convert_result	r;

	(void)state;
	pages(&d, "", ops, 1);
	finish(&d, "");
	assert_int_equal(conv(&d, &r), CONVERT_OK);
	assert_has(&r, "Written by Niels M\xc3\xb6ller and Andr\xc3\xa9, who "
	    "use ChaCha-Poly1305 over an SSH-forbindelse, and a hyphenated "
	    "word, and a dash - Then this.\n");
	convert_free(&r);
	free(d.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_no_title),
		cmocka_unit_test(test_page_title),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_font_headings),
		cmocka_unit_test(test_ocr_layer),
		cmocka_unit_test(test_outline),
		cmocka_unit_test(test_running),
		cmocka_unit_test(test_bad_xref),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_no_ext),
		cmocka_unit_test(test_page_count),
		cmocka_unit_test(test_bad_page),
		cmocka_unit_test(test_deep_outline),
		cmocka_unit_test(test_parent_page),
		cmocka_unit_test(test_no_text),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_memory_cap),
		cmocka_unit_test(test_page_ops),
		cmocka_unit_test(test_text_assembly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
