/*
 * Converters: the bytes of one input document to Markdown, with the
 * metadata kbd keeps about it (title, description, outline). Library-like:
 * no I/O, malloc only, and every failure is an error code; the worker
 * turns codes into reasons.
 *
 * Every input is first checked as strict UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF) and must contain no NUL byte. A
 * leading UTF-8 BOM is dropped and line endings are normalized: CRLF and
 * a lone CR become LF, as CommonMark reads them anyway.
 *
 * The format is decided from the content's first bytes, then the name
 * (common/format.c): a PDF header, a zip container (DOCX, PPTX, XLSX, EPUB),
 * an OLE compound file (XLS) or text. A name whose extension says one
 * family and content that is another is refused (CONVERT_EFORMAT, with
 * the reason); so is binary content in a text format. A name without an
 * extension is read as what its content is, when kbd reads that.
 *
 * Text formats, by extension:
 *
 *  "md", "markdown": the Markdown is the input itself (BOM and line
 *	endings aside). A YAML front matter block ("---" first line up to a
 *	"---" or "..." line) is left in place but is not read as Markdown;
 *	its "title:" becomes the title.
 *
 *  "rst": reStructuredText to Markdown, the subset documents use:
 *	- section titles (underlined, or over- and underlined, with one
 *	  punctuation character repeated at least as long as the title) become
 *	  ATX headings; each adornment style (character, overlined or not)
 *	  gets the next level in order of first appearance, as in docutils;
 *	  levels past 6 stay 6. A lone adornment line is a transition ("---").
 *	- "::" literal blocks (a paragraph ending in "::", or a lone "::")
 *	  become fenced code, dedented; "text::" keeps one ':', "text ::" none.
 *	  ".. highlight:: lang" sets the info string of later literal blocks.
 *	- ".. code-block:: lang", ".. code:: lang", ".. sourcecode:: lang"
 *	  become fenced code with that info string (else the highlight
 *	  language); "parsed-literal", "doctest", "testcode" and "testoutput"
 *	  fenced code without one. Their options are dropped.
 *	- doctest blocks (">>>" paragraphs), grid and simple tables become
 *	  fenced code, verbatim, so that their layout survives.
 *	- any other directive becomes a blockquote headed by its name in bold;
 *	  an admonition's argument is text, any other directive's argument a
 *	  code span (it is a signature, a path...), as is each further
 *	  signature line under it; options are dropped and the body is
 *	  converted recursively inside the quote. Footnotes and citations read
 *	  the same way with their label in bold.
 *	- comments, hyperlink targets and substitution definitions are dropped:
 *	  they are invisible in rendered reST too. So are directives that show
 *	  nothing of their own or only what is not in the file (index, meta,
 *	  toctree, include, literalinclude, raw, contents, *author, ...).
 *	- tabs in indentation count to the next multiple of 8 columns.
 *	- bullet lists, enumerated lists with numbers or "#", field lists (as
 *	  "- **name:** body" items), block quotes (as "> " quotes) and
 *	  definition lists (the term as a paragraph, the definition quoted)
 *	  keep their nesting.
 *	- inline: ``literal`` -> `literal`; :role:`text` and `text`:role: ->
 *	  `text`, except :role:`Label <target>` -> Label ("~" and "!" prefixes
 *	  of Sphinx roles are honoured); `text <url>`_ -> [text](url);
 *	  `text`_ -> text; "\ " disappears. Everything else passes through.
 *
 *  anything else ("txt", "text", no extension): plain text. The first
 *	non-blank line is the title and becomes a "# " heading (kept as it is
 *	if already an ATX heading). Underlined titles as in reST become
 *	headings too; only then is there an outline. Paragraphs whose lines
 *	are all indented by four columns or more become fenced code, verbatim;
 *	the lines of other paragraphs lose their leading blanks, and a line
 *	start Markdown would misread ('#', '>', '<', a list marker, "1." or
 *	"1)", a thematic break or setext underline, a code fence, "[x]:")
 *	gets a backslash.
 *
 * PDF (pdf.c):
 *
 *  "pdf" (and a PDF without extension): MuPDF's structured text, page by
 *	page. The metadata's Title, if any, is the title and a "# " heading.
 *	Each page starts with a "<!-- page N -->" line; each text block is a
 *	paragraph, lines joined, words hyphenated at a line's end joined
 *	again; a running header or footer repeated from the page before is
 *	dropped. Bookmarks become headings (level 1 for a top one, one more
 *	under a title heading) before the block they point at, dropping that
 *	block's first line when it is the bookmark's title, and are the
 *	outline. Without bookmarks, short blocks in a font clearly larger
 *	than the body's are headings (levels by how much larger).
 *	Encrypted, damaged, textless PDFs and those past the limits (10,000
 *	pages, MuPDF's memory cap) fail with their reason.
 *
 * Zip containers, by extension (zip.c and one file each; the
 * container must agree with the extension, and the limits on entries,
 * sizes, compression ratio and XML are in zip.h):
 *
 *  "docx": paragraphs; headings from paragraph styles (named "heading N"
 *	or "Title" in styles.xml, or with an outline level, inherited
 *	through basedOn); list items ("- ", or "N. " when numbering.xml
 *	gives the level a non-bullet format), four columns a level; tables
 *	as pipe tables, the first row the header; line breaks as hard
 *	breaks; the text of hyperlinks, fields and content controls. Title:
 *	docProps/core.xml's dc:title.
 *
 *  "pptx": "## Slide N: title" per slide in presentation order, then the
 *	other text frames' paragraphs as list items nested by level, tables,
 *	and the speaker notes as a "> Notes: " quote. Title: dc:title, else
 *	the first slide's title.
 *
 *  "xlsx": "## sheet name" and one pipe table per sheet in workbook order,
 *	cells placed by reference, values as written (shared and inline
 *	strings, numbers as stored, TRUE/FALSE, formulas' cached values);
 *	empty rows dropped; at most 10000 rows and 100 columns a sheet, with
 *	a line saying so when cut. Title: dc:title.
 *
 *  "epub": the spine's XHTML/HTML chapters in order, each through
 *	html_markdown. Title: the package's dc:title, else the first
 *	chapter's <title>.
 *
 *  "xls" (an OLE compound file) is recognised and refused as unsupported:
 *	FreeXL, Debian's reader, opens files by path only, which the sandbox
 *	forbids.
 *
 * Text formats that read their own bytes (the UTF-8 rule above is not
 * applied by convert() before them):
 *
 *  "html", "htm": libxml2's HTML parser (convert-html.c). Input that is
 *	valid UTF-8 is UTF-8, whatever it declares; otherwise the encoding
 *	is the BOM's or the <meta> charset's (any libxml2 reads: Latin-1,
 *	Windows-125x, Shift_JIS...), else Windows-1252, as browsers read
 *	undeclared pages. UTF-16 is read when it starts with a BOM (which
 *	convert_sniff lets through for HTML only); without one its NUL bytes
 *	make it binary. Bytes libxml2 lets through undecoded become U+FFFD:
 *	the Markdown is always UTF-8. The tree becomes:
 *	- h1-h6: ATX headings; p, div and other blocks: paragraphs, inline
 *	  whitespace collapsed; br: a hard line break; hr: "---".
 *	- ul, ol (with its start): "- " and "N. " items, nested by
 *	  indentation; blockquote: "> " quotes; dl: the term as a paragraph,
 *	  the definition quoted (as reST definition lists).
 *	- table: a pipe table, the first row the header (GFM wants one),
 *	  colspan repeated as empty cells, short rows padded, the caption a
 *	  paragraph before it; blocks inside a cell, a heading or a link run
 *	  together on one line, and emphasis around blocks is dropped.
 *	- pre: fenced code, verbatim, its language from a "language-X",
 *	  "lang-X" or "highlight-X" class on it, its <code> or two wrappers;
 *	  code, kbd, samp, tt: code spans; em, i, cite, var, dfn: *...*;
 *	  strong, b: **...**; del, s, strike: ~~...~~.
 *	- a: [text](href) for absolute http, https, ftp and mailto targets up
 *	  to 2 KiB, percent-encoding what Markdown would misread; relative
 *	  links (they lead nowhere in the KB) keep only their text. img: its
 *	  alt text.
 *	- dropped with their content: head (its <title> is the title),
 *	  script, style, noscript, template, svg, math, iframe, object, form
 *	  controls; page furniture: nav, footer, aside (except notes and
 *	  footnotes: a "note" or "footnote" role or class), anything with
 *	  role navigation, search, banner, contentinfo, complementary, menu,
 *	  menubar or toolbar, hidden or aria-hidden, and blocks whose class or
 *	  id has a word (split at blanks, '-', '_') among nav, navbar,
 *	  navigation, menu, sidebar, sphinxsidebar, related, breadcrumb(s),
 *	  footer, toolbar; Sphinx's "headerlink" anchors.
 *	The title is <title>, else the first heading. Elements nested deeper
 *	than HTML_DEPTH_MAX (256) fail the document (CONVERT_ELIMIT), as do
 *	tables wider than 1024 columns.
 *
 *  "csv": RFC 4180 (convert-csv.c): fields quoted with '"', doubled quotes,
 *	line breaks inside quotes, CRLF, LF or CR line ends, a quote inside
 *	an unquoted field taken as a character. The input must be UTF-8 like
 *	any text (a BOM is dropped). The delimiter is the one of ',', ';',
 *	TAB and '|' that splits the first 20 records into the same number of
 *	fields (more than one) most often. The whole file becomes one pipe
 *	table whose header is the first record, rows padded to the widest,
 *	blank lines skipped, line breaks in a field as blanks; before it, a
 *	line "N rows, M columns: name, ...", which is the description. The
 *	title is empty, so kbd names the document by its file name. A
 *	quoted field never closed fails (CONVERT_EDOC, with its line), as do
 *	records of more than CSV_COLUMNS_MAX (1024) fields (CONVERT_ELIMIT).
 *
 * Metadata comes from the Markdown produced, read with md4c, so code blocks
 * never contribute: the title is the first heading's text, else the first
 * line of the first paragraph; the description is the first paragraph
 * outside block quotes (else the first one), whitespace collapsed; the
 * outline is every heading with its level. Whitespace and control
 * characters collapse to single blanks; texts are cut on UTF-8 character
 * boundaries at the limits below.
 */
#ifndef KBD_CONVERT_H
#define KBD_CONVERT_H

#include <stddef.h>

#include "format.h"

#define CONVERT_TITLE_MAX	200	/* bytes */
#define CONVERT_HEADING_MAX	200	/* bytes per outline entry */
#define CONVERT_DESC_MAX	300	/* bytes */
#define CONVERT_OUTLINE_MAX	256	/* headings */

#define CONVERT_REASON_MAX	200	/* bytes of convert_result.reason */
enum convert_error {
	CONVERT_OK = 0,
	CONVERT_ENOMEM,		/* out of memory */
	CONVERT_EUTF8,		/* invalid UTF-8; offset says where */
	CONVERT_ENUL,		/* NUL byte; offset says where */
	CONVERT_EOUTPUT,	/* the Markdown would exceed max_output */
	CONVERT_EPARSE,		/* md4c gave up */
	CONVERT_EFORMAT,	/* not the format it claims, or unsupported */
	CONVERT_EDOC,		/* damaged or unreadable document */
	CONVERT_ELIMIT		/* a container or parser limit (bombs) */
};

struct convert_heading {
	unsigned	 level;		/* 1-6 */
	char		*text;
};

struct convert_result {
	char			*md;		/* NUL-terminated, md_len bytes */
	size_t			 md_len;
	char			*title;		/* "" when there is none */
	char			*description;
	struct convert_heading	*outline;
	size_t			 noutline;
	int			 outline_set;	/* a converter's own outline, even none */
	size_t			 offset;	/* EUTF8, ENUL: byte offset in the input */
	char			 reason[CONVERT_REASON_MAX]; /* EFORMAT, EDOC, ELIMIT */
};

/*
 * The most memory MuPDF may hold while it reads one PDF; past it the PDF
 * fails with CONVERT_ELIMIT. 0 (the default): half the process's
 * RLIMIT_AS, or 512 MiB when there is none. Tests lower it.
 */
extern size_t	convert_pdf_mem_max;

/*
 * Once per process, before the sandbox: lets libraries load what they
 * would otherwise load lazily from the file system. Returns 0 or -1.
 */
int	convert_init(void);

/*
 * The text checks every text format passes (strict UTF-8, no NUL), for
 * converters that read text themselves (CSV). CONVERT_OK, or
 * CONVERT_EUTF8 or CONVERT_ENUL with *off the offending byte's offset.
 */
int	convert_check_text(const char *s, size_t len, size_t *off);

/* Whether a converter reads this format (common/format.c decides it). */
int	convert_has(enum format);

/*
 * Convert len bytes of in, a document with extension ext (lower case, no
 * dot), into r. Returns CONVERT_OK or an error; r is filled only on success
 * (except r->offset), and is released with convert_free either way.
 */
int	convert(const char *ext, const char *in, size_t len, size_t max_output,
	    struct convert_result *r);
void	convert_free(struct convert_result *r);

#endif /* KBD_CONVERT_H */
