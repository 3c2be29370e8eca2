/*
 * Unit tests of the OpenDocument converter (odf.c): ODT, ODS and ODP
 * documents built here with libarchive's zip writer, converted and
 * checked for their text, structure and title; the wrong kind, a missing
 * content.xml, and hostile ones (a million repeated rows, deep lists).
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
#include <archive.h>
#include <archive_entry.h>
#include "convert.h"
#include "zip.h"
#define BIG	(1 << 20)
#define ZIPMAX	(8 << 20)

#define W_NS	"xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
#define R_NS	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define CT	"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"

struct part {
	const char	*name;
	const char	*data;
	size_t		 len;		/* 0: strlen(data) */
};

static int	stored;		/* mkzip stores instead of deflating */

/* A zip of the parts, deflated; *len its size. */
static char *
mkzip(const struct part *p, size_t n, size_t *len)
{
	struct archive		*a;
	struct archive_entry	*e;
	char			*buf;
	size_t			 i, dl;

	buf = malloc(ZIPMAX);
	assert_non_null(buf);
	a = archive_write_new();
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	if (stored)
		assert_int_equal(archive_write_set_format_option(a, "zip",
		    "compression", "store"), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, buf, ZIPMAX, len),
	    ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		dl = p[i].len != 0 ? p[i].len : strlen(p[i].data);
		e = archive_entry_new();
		archive_entry_set_pathname(e, p[i].name);
		archive_entry_set_size(e, (la_int64_t)dl);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, p[i].data, dl),
		    (la_ssize_t)dl);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return buf;
}

static int
conv(const char *ext, const struct part *p, size_t n,
    struct convert_result *r)
{
	char	*z;
	size_t	 len;
	int	 err;

	z = mkzip(p, n, &len);
	err = convert(ext, z, len, BIG, r);
	free(z);
	return err;
}

static void
conv_ok(const char *ext, const struct part *p, size_t n,
    struct convert_result *r)
{
	int	err;

	if ((err = conv(ext, p, n, r)) != CONVERT_OK)
		fail_msg("convert %s: error %d: %s", ext, err, r->reason);
	assert_non_null(r->md);
}

#define NS "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" " \
	"xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" " \
	"xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" " \
	"xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" " \
	"xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" " \
	"xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" " \
	"xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\" " \
	"xmlns:xlink=\"http://www.w3.org/1999/xlink\" " \
	"xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
#define MIME(k)	{ "mimetype", "application/vnd.oasis.opendocument." k, 0 }
#define DOC(body) "<office:document-content " NS ">" body \
	"</office:document-content>"

static void
has(const struct convert_result *r, const char *s)
{
	if (strstr(r->md, s) == NULL)
		fail_msg("no \"%s\" in:\n%s", s, r->md);
}

static void
test_odt(void **state)
{
	const struct part p[] = {
		MIME("text"),
		{ "content.xml", DOC(
		    "<office:automatic-styles>"
		    "<style:style style:name=\"T1\"><style:text-properties "
		    "fo:font-weight=\"bold\"/></style:style>"
		    "<style:style style:name=\"T2\"><style:text-properties "
		    "fo:font-style=\"italic\"/></style:style>"
		    "</office:automatic-styles>"
		    "<office:body><office:text>"
		    "<text:sequence-decls><text:sequence-decl text:name=\"x\"/>"
		    "</text:sequence-decls>"
		    "<text:h text:outline-level=\"1\">Voyage Report</text:h>"
		    "<text:p>Some <text:span text:style-name=\"T1\">bold"
		    "</text:span> and <text:span text:style-name=\"T2\">slanted"
		    "</text:span> words,<text:s text:c=\"3\"/>a "
		    "<text:a xlink:href=\"https://example.org/a b\">link"
		    "</text:a> and a <text:a xlink:href=\"../other.odt\">"
		    "relative one</text:a>.</text:p>"
		    "<text:h text:outline-level=\"2\">Details</text:h>"
		    "<text:list><text:list-item><text:p>first item</text:p>"
		    "<text:list><text:list-item><text:p>nested item</text:p>"
		    "</text:list-item></text:list></text:list-item>"
		    "<text:list-item><text:p>second item</text:p>"
		    "</text:list-item></text:list>"
		    "<text:section><text:p>In a section.</text:p></text:section>"
		    "<table:table table:name=\"T\"><table:table-column/>"
		    "<table:table-header-rows><table:table-row>"
		    "<table:table-cell><text:p>Port</text:p></table:table-cell>"
		    "<table:table-cell><text:p>Days</text:p></table:table-cell>"
		    "</table:table-row></table:table-header-rows>"
		    "<table:table-row><table:table-cell><text:p>Lisbon</text:p>"
		    "</table:table-cell><table:table-cell><text:p>3</text:p>"
		    "</table:table-cell></table:table-row></table:table>"
		    "</office:text></office:body>"), 0 },
		{ "meta.xml", "<office:document-meta " NS "><office:meta>"
		    "<dc:title>The Voyage</dc:title></office:meta>"
		    "</office:document-meta>", 0 },
	};
	struct convert_result	r;

	(void)state;
	conv_ok("odt", p, 3, &r);
	assert_string_equal(r.title, "The Voyage");
	has(&r, "# Voyage Report\n\nSome **bold** and *slanted* words, a "
	    "[link](https://example.org/a%20b) and a "
	    "[relative one](../other.odt).\n\n## Details\n\n");
	has(&r, "- first item\n\n  - nested item\n\n- second item\n");
	has(&r, "In a section.\n");
	has(&r, "| Port | Days |\n| --- | --- |\n| Lisbon | 3 |\n");
	assert_int_equal(r.noutline, 2);
	convert_free(&r);
}

static void
test_ods(void **state)
{
	const struct part p[] = {
		MIME("spreadsheet"),
		{ "content.xml", DOC("<office:body><office:spreadsheet>"
		    "<table:table table:name=\"Budget\">"
		    "<table:table-row><table:table-cell><text:p>Item</text:p>"
		    "</table:table-cell><table:table-cell "
		    "table:number-columns-repeated=\"2\"/><table:table-cell>"
		    "<text:p>Cost</text:p></table:table-cell></table:table-row>"
		    "<table:table-row><table:table-cell><text:p>Sails</text:p>"
		    "</table:table-cell><table:table-cell "
		    "table:number-columns-repeated=\"2\"/><table:table-cell>"
		    "<text:p>1200</text:p></table:table-cell></table:table-row>"
		    "<table:table-row table:number-rows-repeated=\"1048570\">"
		    "<table:table-cell table:number-columns-repeated=\"16384\"/>"
		    "</table:table-row></table:table>"
		    "<table:table table:name=\"Second\"><table:table-row>"
		    "<table:table-cell><text:p>x</text:p></table:table-cell>"
		    "</table:table-row></table:table>"
		    "</office:spreadsheet></office:body>"), 0 },
	};
	struct convert_result	r;

	(void)state;
	conv_ok("ods", p, 2, &r);
	assert_string_equal(r.md, "## Budget\n\n"
	    "| Item |  |  | Cost |\n| --- | --- | --- | --- |\n"
	    "| Sails |  |  | 1200 |\n\n## Second\n\n| x |\n| --- |\n\n");
	assert_string_equal(r.title, "Budget");
	convert_free(&r);
}

static void
test_odp(void **state)
{
	const struct part p[] = {
		MIME("presentation"),
		{ "content.xml", DOC("<office:body><office:presentation>"
		    "<draw:page draw:name=\"p1\">"
		    "<draw:frame presentation:class=\"title\"><draw:text-box>"
		    "<text:p>Opening</text:p></draw:text-box></draw:frame>"
		    "<draw:frame presentation:class=\"outline\"><draw:text-box>"
		    "<text:list><text:list-item><text:p>point one</text:p>"
		    "</text:list-item></text:list></draw:text-box></draw:frame>"
		    "<presentation:notes><draw:frame><draw:text-box>"
		    "<text:p>say hello</text:p></draw:text-box></draw:frame>"
		    "</presentation:notes></draw:page>"
		    "<draw:page draw:name=\"p2\"><draw:frame><draw:text-box>"
		    "<text:p>untitled body</text:p></draw:text-box></draw:frame>"
		    "</draw:page>"
		    "</office:presentation></office:body>"), 0 },
	};
	struct convert_result	r;

	(void)state;
	conv_ok("odp", p, 2, &r);
	assert_string_equal(r.md, "## Slide 1: Opening\n\n- point one\n\n"
	    "> Notes: say hello\n\n## Slide 2\n\nuntitled body\n");
	assert_string_equal(r.title, "Slide 1: Opening");
	convert_free(&r);
}

static void
test_wrong(void **state)
{
	const struct part odt[] = {
		MIME("text"),
		{ "content.xml", DOC("<office:body><office:text><text:p>x"
		    "</text:p></office:text></office:body>"), 0 },
	};
	const struct part nocontent[] = { MIME("text"),
	    { "other.xml", "<a/>", 0 } };
	struct convert_result	r;

	(void)state;
	assert_int_equal(conv("ods", odt, 2, &r), CONVERT_EFORMAT);
	assert_string_equal(r.reason, "not an ODS document (mimetype is not "
	    "application/vnd.oasis.opendocument.spreadsheet)");
	convert_free(&r);
	assert_int_equal(conv("odt", nocontent, 2, &r), CONVERT_EFORMAT);
	assert_string_equal(r.reason,
	    "not an ODT document (zip without content.xml)");
	convert_free(&r);
	assert_int_equal(conv("odp", odt + 1, 1, &r), CONVERT_EFORMAT);
	assert_string_equal(r.reason, "not an ODP document (content.xml has "
	    "no office:presentation)");
	convert_free(&r);
}

/* Lists nested 200 deep (libxml2 stops at 256): indentation stops at 8. */
static void
test_deep(void **state)
{
	struct part		 p[2] = { MIME("text"), { "content.xml", NULL, 0 } };
	struct convert_result	 r;
	char			*x;
	size_t			 i, n = 0;

	(void)state;
	assert_non_null(x = malloc(64 * 1024));
	n += (size_t)sprintf(x + n, "<office:document-content " NS
	    "><office:body><office:text>");
	for (i = 0; i < 120; i++)
		n += (size_t)sprintf(x + n, "<text:list><text:list-item>");
	n += (size_t)sprintf(x + n, "<text:p>bottom</text:p>");
	for (i = 0; i < 120; i++)
		n += (size_t)sprintf(x + n, "</text:list-item></text:list>");
	(void)sprintf(x + n, "</office:text></office:body>"
	    "</office:document-content>");
	p[1].data = x;
	conv_ok("odt", p, 2, &r);
	assert_string_equal(r.md, "              - bottom\n");
	convert_free(&r);
	free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_odt),
		cmocka_unit_test(test_ods),
		cmocka_unit_test(test_odp),
		cmocka_unit_test(test_wrong),
		cmocka_unit_test(test_deep),
	};

	(void)convert_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
