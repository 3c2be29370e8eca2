/*
 * Formats: the extension table, the stem/extension split and content
 * sniffing (see format.h). Every "what is this file" question in kbd is
 * answered here, in all three processes.
 */
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "xmalloc.h"

/* How the first bytes of a format must look. */
enum family {
	FAM_BINARY,
	FAM_TEXT,
	FAM_PDF,
	FAM_ZIP,
	FAM_OLE
};

/*
 * Every extension kbd knows, its format and family. A format with a why
 * is one kbd recognises and names in its reason, but cannot read.
 */
static const struct fmtent {
	const char	*ext;
	enum format	 fmt;
	enum family	 fam;
	const char	*name;
	const char	*why;
} formats[] = {
	{ "",		FMT_TEXT,	FAM_TEXT,	"text" },
	{ "txt",	FMT_TEXT,	FAM_TEXT,	"text" },
	{ "text",	FMT_TEXT,	FAM_TEXT,	"text" },
	{ "md",		FMT_MARKDOWN,	FAM_TEXT,	"Markdown" },
	{ "markdown",	FMT_MARKDOWN,	FAM_TEXT,	"Markdown" },
	{ "rst",	FMT_RST,	FAM_TEXT,	"reStructuredText" },
	{ "html",	FMT_HTML,	FAM_TEXT,	"HTML" },
	{ "htm",	FMT_HTML,	FAM_TEXT,	"HTML" },
	{ "csv",	FMT_CSV,	FAM_TEXT,	"CSV" },
	{ "docx",	FMT_DOCX,	FAM_ZIP,	"DOCX" },
	{ "pptx",	FMT_PPTX,	FAM_ZIP,	"PPTX" },
	{ "xlsx",	FMT_XLSX,	FAM_ZIP,	"XLSX" },
	{ "epub",	FMT_EPUB,	FAM_ZIP,	"EPUB" },
	/* FreeXL, Debian's reader, opens by path only: the sandbox forbids. */
	{ "xls",	FMT_XLS,	FAM_OLE,	"XLS",
	    "legacy Excel; save it as .xlsx" },
	/* No reader of the binary formats in Debian fits in a sandbox. */
	{ "doc",	FMT_DOC,	FAM_OLE,	"DOC",
	    "legacy Word; save it as .docx" },
	{ "ppt",	FMT_PPT,	FAM_OLE,	"PPT",
	    "legacy PowerPoint; save it as .pptx" },
	{ "pdf",	FMT_PDF,	FAM_PDF,	"PDF" },
	/* Man pages by section: .1-.9, and suffixed (.1p, .3pm, .1ssl). */
	{ "1",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "2",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "3",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "4",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "5",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "6",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "7",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "8",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "9",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "man",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "1p",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "3p",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "0p",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "3pm",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "3perl",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "1ssl",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "3ssl",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "5ssl",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "7ssl",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "1x",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "3x",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "n",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "2type",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "3type",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "3const",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "3head",	 FMT_MAN,	FAM_TEXT,	"man page" },
	{ "odt",	FMT_ODT,	FAM_ZIP,	"ODT" },
	{ "ods",	FMT_ODS,	FAM_ZIP,	"ODS" },
	{ "odp",	FMT_ODP,	FAM_ZIP,	"ODP" },
	{ "rtf",	FMT_RTF,	FAM_TEXT,	"RTF" },
	/* Source code and configuration, fenced with their language. */
	{ "c",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "h",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "cc",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "cpp",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "cxx",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "hpp",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "hh",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "hxx",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "py",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "sh",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "bash",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "zsh",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "go",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "rs",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "js",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "mjs",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "cjs",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "jsx",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "ts",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "tsx",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "java",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "kt",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "cs",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "swift",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "scala",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "rb",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "pl",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "pm",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "lua",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "sql",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "php",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "r",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "yaml",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "yml",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "toml",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "json",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "ini",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "cmake",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "mk",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "css",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "el",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
	{ "hs",	 FMT_SOURCE,	FAM_TEXT,	"source code" },
};

static const struct fmtent *
lookup(const char *ext)
{
	size_t	i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(ext, formats[i].ext) == 0)
			return &formats[i];
	return NULL;
}

void
format_split(const char *path, char **stem, char **ext)
{
	const char	*base, *dot;
	char		*e;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base) {
		*stem = xstrdup(base);
		*ext = xstrdup("");
		return;
	}
	*stem = xstrndup(base, (size_t)(dot - base));
	*ext = xstrdup(dot + 1);
	for (e = *ext; *e != '\0'; e++)
		if (*e >= 'A' && *e <= 'Z')
			*e = (char)(*e - 'A' + 'a');
}

const char *
format_ext_for(const char *stem, const char *ext)
{
	size_t	len = strlen(stem);

	if (strcmp(ext, "txt") == 0 && len > 4 &&
	    strcmp(stem + len - 4, ".rst") == 0)
		return "rst";
	return ext;
}

enum format
format_of(const char *ext)
{
	const struct fmtent	*f = lookup(ext);

	return f == NULL ? FMT_NONE : f->fmt;
}

int
format_readable(const char *ext)
{
	const struct fmtent	*f = lookup(ext);

	return f != NULL && f->why == NULL;
}

int
format_is_plain(enum format f)
{
	return f == FMT_TEXT || f == FMT_MARKDOWN || f == FMT_RST;
}

void
format_unsupported(const char *ext, char *reason, size_t rlen)
{
	const struct fmtent	*f = lookup(ext);

	if (f != NULL && f->why != NULL)
		(void)snprintf(reason, rlen, "unsupported format (.%s: %s)",
		    ext, f->why);
	else if (f != NULL)
		(void)snprintf(reason, rlen, "unsupported format (.%s: %s "
		    "files cannot be read; convert it to a format kbd reads)",
		    ext, f->name);
	else
		(void)snprintf(reason, rlen, "unsupported format (.%s)", ext);
}

/* What the first bytes are, whatever the name says. */
static enum family
content_family(const char *head, size_t len)
{
	static const char ole[8] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
	size_t	 n = len < FORMAT_SNIFF_LEN ? len : FORMAT_SNIFF_LEN;

	/* Readers accept "%PDF-" anywhere in the first KiB, after junk. */
	if (memmem(head, n < 1024 ? n : 1024, "%PDF-", 5) != NULL)
		return FAM_PDF;
	if (n >= 4 && memcmp(head, "PK\003\004", 4) == 0)
		return FAM_ZIP;
	if (n >= 8 && memcmp(head, ole, 8) == 0)
		return FAM_OLE;
	if (memchr(head, '\0', n) != NULL)
		return FAM_BINARY;
	return FAM_TEXT;
}

static const char *
family_name(enum family f)
{
	switch (f) {
	case FAM_PDF:
		return "a PDF document";
	case FAM_ZIP:
		return "a zip container";
	case FAM_OLE:
		return "an OLE compound file (legacy Office)";
	case FAM_BINARY:
		return "binary";
	default:
		return "text";
	}
}

int
format_sniff(const char *ext, const char *head, size_t len, enum format *fmt,
    char *reason, size_t rlen)
{
	const struct fmtent	*f;
	enum family		 c;

	*fmt = FMT_NONE;
	if ((f = lookup(ext)) == NULL) {
		(void)snprintf(reason, rlen, "unsupported format (.%s)", ext);
		return -1;
	}
	c = content_family(head, len);
	/* HTML reads its own encoding: UTF-16 with a BOM is text to it. */
	if (c == FAM_BINARY && f->fmt == FMT_HTML && len >= 2 &&
	    (memcmp(head, "\xff\xfe", 2) == 0 ||
	    memcmp(head, "\xfe\xff", 2) == 0))
		c = FAM_TEXT;
	if (c == f->fam) {
		*fmt = f->fmt;
		if (f->why != NULL) {
			format_unsupported(ext, reason, rlen);
			return -1;
		}
		return 0;
	}
	if (c == FAM_BINARY && f->fam == FAM_TEXT) {
		(void)snprintf(reason, rlen, "binary content");
		return -1;
	}
	/* A name without an extension: the content alone decides. */
	if (*ext == '\0' && c == FAM_PDF) {
		*fmt = FMT_PDF;
		return 0;
	}
	if (*ext == '\0' && c == FAM_ZIP) {
		(void)snprintf(reason, rlen, "a zip container without an "
		    "extension; name it .docx, .pptx, .xlsx or .epub");
		return -1;
	}
	(void)snprintf(reason, rlen, "content is %s but the name says %s%s",
	    family_name(c), *ext == '\0' ? "text" : ".", ext);
	return -1;
}
