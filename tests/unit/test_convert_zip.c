/*
 * Unit tests of the zip-container converters: DOCX, PPTX, XLSX and EPUB
 * documents built here with libarchive's zip writer from small XML parts,
 * converted by convert() and checked for their text and structure; the
 * container limits (entries, names, compression ratio), damaged zips,
 * entity bombs and deep XML; part paths resolved against their referrer.
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

static void
assert_has(const struct convert_result *r, const char *want)
{
	if (strstr(r->md, want) == NULL)
		fail_msg("output lacks \"%s\":\n%s", want, r->md);
}

/* want comes after the end of the previous match; returns its end. */
static const char *
assert_after(const struct convert_result *r, const char *from,
    const char *want)
{
	const char	*p = strstr(from, want);

	if (p == NULL)
		fail_msg("output lacks \"%s\" after offset %zu:\n%s", want,
		    (size_t)(from - r->md), r->md);
	return p + strlen(want);
}

static void
assert_fails(int err, const struct convert_result *r, int want,
    const char *reason)
{
	if (err != want)
		fail_msg("error %d, expected %d (%s)", err, want, r->reason);
	if (strstr(r->reason, reason) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", r->reason, reason);
}

#define DOC(body) "<?xml version=\"1.0\"?><w:document " W_NS " " R_NS \
	"><w:body>" body "</w:body></w:document>"
#define P(s)	"<w:p><w:r><w:t>" s "</w:t></w:r></w:p>"
#define PS(st, s) "<w:p><w:pPr><w:pStyle w:val=\"" st "\"/></w:pPr>" \
	"<w:r><w:t>" s "</w:t></w:r></w:p>"
#define LI(lvl, num, s) "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"" lvl "\"/>" \
	"<w:numId w:val=\"" num "\"/></w:numPr></w:pPr><w:r><w:t>" s \
	"</w:t></w:r></w:p>"
#define TC(s)	"<w:tc><w:p><w:r><w:t>" s "</w:t></w:r></w:p></w:tc>"

static void
test_docx(void **state)
{
	const struct part	 p[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "word/document.xml", DOC(
		    PS("Heading2", "Built-in Id")
		    P("Plain *text* with # marks")
		    "<w:p><w:r><w:t>left</w:t></w:r><w:r><w:tab/></w:r>"
		    "<w:r><w:t>right</w:t></w:r><w:r><w:br/></w:r>"
		    "<w:r><w:t>next line</w:t></w:r>"
		    "<w:del><w:r><w:delText>deleted</w:delText></w:r></w:del>"
		    "</w:p>"
		    LI("0", "5", "one") LI("1", "5", "one.a") LI("0", "5", "two")
		    "<w:tbl><w:tr>" TC("A") TC("B") TC("C") "</w:tr>"
		    "<w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr>"
		    "<w:p><w:r><w:t>wide</w:t></w:r></w:p></w:tc>" TC("c2")
		    "</w:tr><w:sdt><w:sdtPr/><w:sdtContent><w:tr>" TC("in")
		    "<w:sdt><w:sdtContent>" TC("sdt") "</w:sdtContent></w:sdt>"
		    "</w:tr></w:sdtContent></w:sdt><w:tr>" TC("last")
		    "</w:tr></w:tbl>"
		    "<w:sdt><w:sdtContent>" P("in a control")
		    "</w:sdtContent></w:sdt>"
		    LI("0", "5", "three")), 0 },
		{ "word/numbering.xml", "<w:numbering " W_NS ">"
		    "<w:abstractNum w:abstractNumId=\"3\"><w:lvl w:ilvl=\"0\">"
		    "<w:numFmt w:val=\"decimal\"/></w:lvl><w:lvl w:ilvl=\"1\">"
		    "<w:numFmt w:val=\"bullet\"/></w:lvl></w:abstractNum>"
		    "<w:num w:numId=\"5\"><w:abstractNumId w:val=\"3\"/></w:num>"
		    "</w:numbering>", 0 },
	};
	struct convert_result	 r;
	const char		*at;

	(void)state;
	conv_ok("docx", p, sizeof(p) / sizeof(p[0]), &r);
	at = assert_after(&r, r.md, "## Built-in Id\n");
	at = assert_after(&r, at, "Plain \\*text\\* with # marks\n");
	at = assert_after(&r, at, "left right  \nnext line\n");
	at = assert_after(&r, at, "1. one\n    - one.a\n2. two\n");
	at = assert_after(&r, at, "| A | B | C |\n| --- | --- | --- |\n"
	    "| wide |  | c2 |\n| in | sdt |  |\n| last |  |  |\n");
	at = assert_after(&r, at, "in a control\n");
	/* Word numbers on across the paragraph and the table. */
	(void)assert_after(&r, at, "\n3. three\n");
	assert_null(strstr(r.md, "deleted"));
	/* No core.xml: the first heading. */
	assert_string_equal(r.title, "Built-in Id");
	assert_int_equal(r.noutline, 1);
	convert_free(&r);
}

static void
test_docx_not(void **state)
{
	const struct part	 nodoc[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "xl/workbook.xml", "<workbook/>", 0 },
	};
	const struct part	 noct[] = {
		{ "word/document.xml", DOC(P("x")), 0 },
	};
	const struct part	 nobody[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "word/document.xml", "<w:document " W_NS "/>", 0 },
	};
	const struct part	 bad[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "word/document.xml", "<w:document " W_NS "><w:body>", 0 },
	};
	struct convert_result	 r;

	(void)state;
	assert_fails(conv("docx", nodoc, 2, &r), &r, CONVERT_EFORMAT,
	    "not a DOCX document (zip without word/document.xml)");
	convert_free(&r);
	assert_fails(conv("pptx", nodoc, 2, &r), &r, CONVERT_EFORMAT,
	    "not a PPTX document (zip without ppt/presentation.xml)");
	convert_free(&r);
	assert_fails(conv("docx", noct, 1, &r), &r, CONVERT_EFORMAT,
	    "not a DOCX document (zip without [Content_Types].xml)");
	convert_free(&r);
	assert_fails(conv("docx", nobody, 2, &r), &r, CONVERT_EDOC,
	    "word/document.xml without a body");
	convert_free(&r);
	assert_fails(conv("docx", bad, 2, &r), &r, CONVERT_EDOC,
	    "word/document.xml: XML error at line 1");
	convert_free(&r);
	assert_fails(convert("docx", "plain text", 10, BIG, &r), &r,
	    CONVERT_EFORMAT, "content is text but the name says .docx");
	convert_free(&r);
	assert_fails(convert("docx", "PK\003\004garbage", 12, BIG, &r), &r,
	    CONVERT_EDOC, "damaged zip container");
	convert_free(&r);
}

static void
test_xml_bombs(void **state)
{
	static char		 deep[200000];
	const struct part	 laughs[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "word/document.xml", "<?xml version=\"1.0\"?>"
		    "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">"
		    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
		    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
		    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
		    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
		    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
		    "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
		    "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">"
		    "<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>"
		    "<w:document " W_NS "><w:body>"
		    "<w:p><w:r><w:t>&i;</w:t></w:r></w:p>"
		    "</w:body></w:document>", 0 },
	};
	const struct part	 xl[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "xl/workbook.xml", "<workbook " R_NS "><sheets><sheet "
		    "name=\"L\" r:id=\"r1\"/></sheets></workbook>", 0 },
		{ "xl/_rels/workbook.xml.rels", "<Relationships><Relationship "
		    "Id=\"r1\" Target=\"worksheets/s.xml\"/></Relationships>",
		    0 },
		{ "xl/worksheets/s.xml", "<?xml version=\"1.0\"?>"
		    "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">"
		    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
		    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
		    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
		    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
		    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
		    "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
		    "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">"
		    "<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>"
		    "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&i;"
		    "</t></is></c></row></sheetData></worksheet>", 0 },
	};
	/* A small entity: parsed, but never expanded into the text. */
	const struct part	 small[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "word/document.xml", "<?xml version=\"1.0\"?>"
		    "<!DOCTYPE d [<!ENTITY a \"expanded\">]>"
		    "<w:document " W_NS "><w:body>"
		    "<w:p><w:r><w:t>kept &a; text</w:t></w:r></w:p>"
		    "</w:body></w:document>", 0 },
	};
	struct part		 dp[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "word/document.xml", deep, 0 },
	};
	struct convert_result	 r;
	size_t			 n = 0;
	int			 i;

	(void)state;
	assert_fails(conv("docx", laughs, 2, &r), &r, CONVERT_ELIMIT,
	    "word/document.xml: XML entity expansion refused");
	convert_free(&r);
	/* The same bomb in a sheet, read by the streaming reader. */
	assert_fails(conv("xlsx", xl, 4, &r), &r, CONVERT_ELIMIT,
	    "xl/worksheets/s.xml: XML entity expansion refused");
	convert_free(&r);
	conv_ok("docx", small, 2, &r);
	assert_has(&r, "kept text");
	assert_null(strstr(r.md, "expanded"));
	convert_free(&r);

	n += (size_t)snprintf(deep + n, sizeof(deep) - n,
	    "<w:document " W_NS "><w:body>");
	for (i = 0; i < 1000; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n,
		    "<w:sdt><w:sdtContent>");
	for (i = 0; i < 1000; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n,
		    "</w:sdtContent></w:sdt>");
	(void)snprintf(deep + n, sizeof(deep) - n, "</w:body></w:document>");
	assert_fails(conv("docx", dp, 2, &r), &r, CONVERT_ELIMIT,
	    "word/document.xml: XML nested deeper than 256 elements");
	convert_free(&r);
}

static void
test_zip_limits(void **state)
{
	struct part		*p;
	struct convert_result	 r;
	char			 (*names)[16], longname[ZIP_NAME_MAX + 20];
	char			*zeros;
	size_t			 i, n = ZIP_ENTRIES_MAX + 1;

	(void)state;
	/* Entry count. */
	p = calloc(n, sizeof(*p));
	names = calloc(n, sizeof(*names));
	assert_non_null(p);
	assert_non_null(names);
	for (i = 0; i < n; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "e%zu", i);
		p[i].name = names[i];
		p[i].data = "x";
	}
	assert_fails(conv("docx", p, n, &r), &r, CONVERT_ELIMIT,
	    "zip container with 10001 entries (limit 10000)");
	convert_free(&r);
	free(names);

	/* Name length. */
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	p[0].name = "[Content_Types].xml";
	p[0].data = CT;
	p[1].name = longname;
	p[1].data = "x";
	assert_fails(conv("docx", p, 2, &r), &r, CONVERT_ELIMIT,
	    "zip entry name of 1043 bytes (limit 1024)");
	convert_free(&r);

	/* Ratio: 4 MiB of blanks deflate to a few KiB. */
	zeros = malloc(4 << 20);
	assert_non_null(zeros);
	memset(zeros, ' ', 4 << 20);
	memcpy(zeros, "<a>", 3);
	p[1].name = "word/document.xml";
	p[1].data = zeros;
	p[1].len = 4 << 20;
	assert_fails(conv("docx", p, 2, &r), &r, CONVERT_ELIMIT,
	    "zip entry word/document.xml expands more than 100 times");
	convert_free(&r);
	/* The same part stored: large, but no bomb. */
	memcpy(zeros, "<w:document " W_NS "><w:body><w:p><w:r><w:t>big",
	    strlen("<w:document " W_NS "><w:body><w:p><w:r><w:t>big"));
	memcpy(zeros + (4 << 20) - 40, "</w:t></w:r></w:p></w:body>"
	    "</w:document>", 40);
	stored = 1;
	conv_ok("docx", p, 2, &r);
	stored = 0;
	assert_has(&r, "big\n");
	convert_free(&r);
	free(zeros);
	free(p);
}

static void
test_zip_damaged(void **state)
{
	const struct part	 p[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "word/document.xml", DOC(P("fine words")), 0 },
	};
	struct convert_result	 r;
	char			*z, *cd;
	size_t			 len;

	(void)state;
	z = mkzip(p, 2, &len);
	assert_int_equal(convert("docx", z, len, BIG, &r), CONVERT_OK);
	assert_has(&r, "fine words");
	convert_free(&r);
	/* Truncated: no end of central directory. */
	assert_fails(convert("docx", z, len / 2, BIG, &r), &r, CONVERT_EDOC,
	    "damaged zip container");
	convert_free(&r);
	/* Central directory headers overwritten. */
	cd = memmem(z, len, "PK\001\002", 4);
	assert_non_null(cd);
	memset(cd, 'X', (size_t)(z + len - cd) - 22);
	assert_fails(convert("docx", z, len, BIG, &r), &r, CONVERT_EDOC,
	    "damaged zip container");
	convert_free(&r);
	free(z);
}

#define P_NS	"xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\""
#define A_NS	"xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\""
#define SLIDE(shapes) "<p:sld " P_NS " " A_NS "><p:cSld><p:spTree>" shapes \
	"</p:spTree></p:cSld></p:sld>"
#define SP(ph, body) "<p:sp><p:nvSpPr><p:nvPr>" ph "</p:nvPr></p:nvSpPr>" \
	"<p:txBody>" body "</p:txBody></p:sp>"
#define AP(lvl, s) "<a:p><a:pPr lvl=\"" lvl "\"/><a:r><a:t>" s \
	"</a:t></a:r></a:p>"
#define REL(id, t) "<Relationship Id=\"" id "\" Type=\"x\" Target=\"" t "\"/>"
#define RELS(r)	"<Relationships xmlns=\"http://schemas.openxmlformats.org/" \
	"package/2006/relationships\">" r "</Relationships>"

static void
test_pptx(void **state)
{
	const struct part	 p[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "ppt/presentation.xml", "<p:presentation " P_NS " " R_NS ">"
		    "<p:sldIdLst><p:sldId id=\"300\" r:id=\"rB\"/>"
		    "<p:sldId id=\"301\" r:id=\"rA\"/></p:sldIdLst>"
		    "</p:presentation>", 0 },
		{ "ppt/_rels/presentation.xml.rels", RELS(
		    REL("rA", "slides/slide1.xml") REL("rB", "slides/slide2.xml")),
		    0 },
		{ "ppt/slides/slide1.xml", SLIDE(
		    SP("", AP("0", "body first") AP("1", "body deeper"))
		    SP("<p:ph type=\"title\"/>", AP("0", "Second Title"))), 0 },
		{ "ppt/slides/slide2.xml", SLIDE(
		    "<p:grpSp>" SP("<p:ph type=\"ctrTitle\"/>",
		    AP("0", "Opening")) "</p:grpSp>"), 0 },
		{ "docProps/core.xml", "<cp:coreProperties xmlns:cp=\"c\" "
		    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>"
		    "  Deck \n Title </dc:title></cp:coreProperties>", 0 },
	};
	struct convert_result	 r;
	const char		*at;

	(void)state;
	conv_ok("pptx", p, sizeof(p) / sizeof(p[0]), &r);
	at = assert_after(&r, r.md, "## Slide 1: Opening\n");
	at = assert_after(&r, at, "## Slide 2: Second Title\n\n"
	    "- body first\n  - body deeper\n");
	assert_string_equal(r.title, "Deck Title");
	convert_free(&r);
}

#define S_NS	"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""

static void
test_xlsx(void **state)
{
	const struct part	 p[] = {
		{ "[Content_Types].xml", CT, 0 },
		{ "xl/workbook.xml", "<workbook " S_NS " " R_NS "><sheets>"
		    "<sheet name=\"First | one\" sheetId=\"9\" r:id=\"r2\"/>"
		    "<sheet name=\"Second\" sheetId=\"1\" r:id=\"r1\"/>"
		    "</sheets></workbook>", 0 },
		{ "xl/_rels/workbook.xml.rels", RELS(
		    REL("r1", "worksheets/a.xml") REL("r2", "/xl/worksheets/b.xml")),
		    0 },
		{ "xl/sharedStrings.xml", "<sst " S_NS "><si><t>zero</t></si>"
		    "<si><t>one</t></si></sst>", 0 },
		{ "xl/worksheets/b.xml", "<worksheet " S_NS "><sheetData>"
		    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>1</v></c>"
		    "<c r=\"C1\" t=\"b\"><v>0</v></c></row>"
		    "<row r=\"4\"><c r=\"B4\"><v>-1.5E3</v></c>"
		    "<c r=\"C4\" t=\"s\"><v>0</v></c>"
		    "<c r=\"D4\" t=\"s\"><v>99</v></c></row>"
		    "</sheetData></worksheet>", 0 },
		{ "xl/worksheets/a.xml", "<worksheet " S_NS "><sheetData>"
		    "<row><c t=\"inlineStr\"><is><t>x</t></is></c>"
		    "<c t=\"str\"><f>A1</f><v>y</v></c></row>"
		    "<row><c/><c t=\"e\"><v>#DIV/0!</v></c></row>"
		    "</sheetData></worksheet>", 0 },
	};
	struct convert_result	 r;
	const char		*at;

	(void)state;
	conv_ok("xlsx", p, sizeof(p) / sizeof(p[0]), &r);
	at = assert_after(&r, r.md, "## First \\| one\n");
	at = assert_after(&r, at, "| one |  | FALSE |\n| --- | --- | --- |\n"
	    "|  | -1.5E3 | zero |\n");
	at = assert_after(&r, at, "## Second\n");
	(void)assert_after(&r, at, "| x | y |\n| --- | --- |\n"
	    "|  | #DIV/0! |\n");
	convert_free(&r);
}

#define XHTML(t, b) "<?xml version=\"1.0\"?><html xmlns=\"" \
	"http://www.w3.org/1999/xhtml\"><head><title>" t "</title></head>" \
	"<body>" b "</body></html>"

static void
test_epub(void **state)
{
	const struct part	 p[] = {
		{ "mimetype", "application/epub+zip", 0 },
		{ "META-INF/container.xml", "<container><rootfiles>"
		    "<rootfile full-path=\"book/pkg.opf\"/></rootfiles>"
		    "</container>", 0 },
		{ "book/pkg.opf", "<package><metadata/><manifest>"
		    "<item id=\"a\" href=\"a.html\" media-type=\"text/html\"/>"
		    "<item id=\"b\" href=\"sub/b.xhtml\" "
		    "media-type=\"application/xhtml+xml\"/>"
		    "</manifest><spine><itemref idref=\"b\"/>"
		    "<itemref idref=\"a\"/><itemref idref=\"nosuch\"/>"
		    "</spine></package>", 0 },
		{ "book/a.html", "<html><head><title>A</title></head><body>"
		    "<h2>Later</h2><p>second in the spine</body></html>", 0 },
		{ "book/sub/b.xhtml", XHTML("Bee Title",
		    "<h1>Earlier</h1><p>first in the spine</p>"), 0 },
	};
	const struct part	 wrong[] = {
		{ "mimetype", "application/zip", 0 },
		{ "META-INF/container.xml", "<container/>", 0 },
	};
	struct convert_result	 r;
	const char		*at;

	(void)state;
	conv_ok("epub", p, sizeof(p) / sizeof(p[0]), &r);
	at = assert_after(&r, r.md, "# Earlier\n");
	at = assert_after(&r, at, "first in the spine\n");
	at = assert_after(&r, at, "## Later\n");
	(void)assert_after(&r, at, "second in the spine\n");
	/* No dc:title: the first chapter's. */
	assert_string_equal(r.title, "Bee Title");
	convert_free(&r);
	assert_fails(conv("epub", wrong, 2, &r), &r, CONVERT_EFORMAT,
	    "not an EPUB document");
	convert_free(&r);
}

static void
test_xls(void **state)
{
	static const char	 ole[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest";
	struct convert_result	 r;
	char			 why[CONVERT_REASON_MAX];

	(void)state;
	assert_false(format_readable("xls"));
	assert_true(format_readable("docx"));
	assert_true(format_readable("epub"));
	format_unsupported("xls", why, sizeof(why));
	assert_string_equal(why,
	    "unsupported format (.xls: legacy Excel; save it as .xlsx)");
	assert_fails(convert("xls", ole, sizeof(ole) - 1, BIG, &r), &r,
	    CONVERT_EFORMAT, "unsupported format (.xls: legacy Excel");
	convert_free(&r);
}

static void
test_resolve(void **state)
{
	static const struct {
		const char	*base, *target, *want;
	} t[] = {
		{ "ppt/slides/slide1.xml", "../media/a.png", "ppt/media/a.png" },
		{ "ppt/presentation.xml", "slides/s.xml", "ppt/slides/s.xml" },
		{ "xl/workbook.xml", "/xl/worksheets/x.xml",
		    "xl/worksheets/x.xml" },
		{ "OEBPS/c.opf", "Text/a%20b%C3%A9.xhtml#frag",
		    "OEBPS/Text/a b\xc3\xa9.xhtml" },
		{ "", "./a//b/./c", "a/b/c" },
		{ "a/b.xml", "../../etc/passwd", NULL },
	};
	size_t	 i;
	char	*got;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = zip_resolve(t[i].base, t[i].target);
		if (t[i].want == NULL)
			assert_null(got);
		else {
			assert_non_null(got);
			assert_string_equal(got, t[i].want);
		}
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docx),
		cmocka_unit_test(test_docx_not),
		cmocka_unit_test(test_xml_bombs),
		cmocka_unit_test(test_zip_limits),
		cmocka_unit_test(test_zip_damaged),
		cmocka_unit_test(test_pptx),
		cmocka_unit_test(test_xlsx),
		cmocka_unit_test(test_epub),
		cmocka_unit_test(test_xls),
		cmocka_unit_test(test_resolve),
	};

	if (convert_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
