/*
 * Formats: the extension table, the stem/extension split and content
 * sniffing (see format.h). Every "what is this file" question in kbd is
 * answered here, in all three processes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "xmalloc.h"

/* How the first bytes of a format must look. */
enum family {
	FAM_BINARY,
	FAM_TEXT,
	FAM_PDF,
	FAM_ZIP,
	FAM_OLE,
	FAM_COMPRESSED,
	FAM_PS			/* PostScript: text, but a program */
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

/*
 * Single compressed files, read by what is inside (decompress.c in the
 * converters): the suffix and the signature of each.
 */
static const struct compent {
	const char	*ext;
	const char	*name;
	const char	*magic;
	size_t		 mlen;
} compressions[] = {
	{ "gz",		"gzip",		"\x1f\x8b\x08", 3 },
	{ "bz2",	"bzip2",	"BZh", 3 },
	{ "xz",		"xz",		"\xfd" "7zXZ\0", 6 },
	{ "zst",	"zstd",		"\x28\xb5\x2f\xfd", 4 },
};

/*
 * Binary kinds kbd has no converter for, skipped by their name alone so
 * that a tree of images or a build directory costs no reads. Anything not
 * here is read, and its content decides.
 */
static const struct binent {
	const char	*ext;
	const char	*kind;
} binaries[] = {
	{ "png", "image" }, { "jpg", "image" }, { "jpeg", "image" },
	{ "gif", "image" }, { "bmp", "image" }, { "tif", "image" },
	{ "tiff", "image" }, { "webp", "image" }, { "ico", "image" },
	{ "xcf", "image" }, { "psd", "image" }, { "heic", "image" },
	{ "xpm", "image" }, { "xbm", "image" },
	{ "mp3", "audio" }, { "ogg", "audio" }, { "oga", "audio" },
	{ "flac", "audio" }, { "wav", "audio" }, { "m4a", "audio" },
	{ "opus", "audio" },
	{ "mp4", "video" }, { "mkv", "video" }, { "webm", "video" },
	{ "avi", "video" }, { "mov", "video" }, { "ogv", "video" },
	{ "zip", "archive" }, { "tar", "archive" }, { "tgz", "archive" },
	{ "tbz2", "archive" }, { "txz", "archive" }, { "7z", "archive" },
	{ "rar", "archive" }, { "jar", "archive" }, { "deb", "archive" },
	{ "rpm", "archive" }, { "iso", "disk image" }, { "img", "disk image" },
	{ "exe", "executable" }, { "dll", "executable" },
	{ "so", "shared library" }, { "o", "object file" },
	{ "a", "static library" }, { "class", "Java class file" },
	{ "pyc", "Python bytecode" }, { "wasm", "WebAssembly module" },
	{ "mo", "compiled message catalog" },
	{ "ttf", "font" }, { "otf", "font" }, { "woff", "font" },
	{ "woff2", "font" }, { "pfb", "font" },
	{ "sqlite", "database" }, { "sqlite3", "database" },
	{ "mdb", "database" },
	/* Page descriptions: text to a program, no prose to a reader. */
	{ "ps", "PostScript" }, { "eps", "PostScript" }, { "dvi", "DVI" },
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

static const struct binent *
binary_ext(const char *ext)
{
	size_t	i;

	for (i = 0; i < sizeof(binaries) / sizeof(binaries[0]); i++)
		if (strcmp(ext, binaries[i].ext) == 0)
			return &binaries[i];
	return NULL;
}

const char *
format_compression(const char *ext, size_t *inner)
{
	const char	*last = strrchr(ext, '.');
	size_t		 i;

	last = last != NULL ? last + 1 : ext;
	for (i = 0; i < sizeof(compressions) / sizeof(compressions[0]); i++)
		if (strcmp(last, compressions[i].ext) == 0) {
			if (inner != NULL)
				*inner = last == ext ? 0 :
				    (size_t)(last - ext - 1);
			return compressions[i].name;
		}
	return NULL;
}

/* An extension kbd knows, so that format_split splits it off. */
static int
known_ext(const char *ext)
{
	return lookup(ext) != NULL || binary_ext(ext) != NULL ||
	    format_compression(ext, NULL) != NULL;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* The extension at the last dot of base[0..len), or NULL. */
static const char *
last_dot(const char *base, size_t len)
{
	const char	*dot = memrchr(base, '.', len);

	return dot == NULL || dot == base ? NULL : dot;
}

/*
 * A man section after a digit is a version, not an extension: GFDL-1.3,
 * LGPL-2.1 and python3.11 are names, while ls.1 and tar.1p are pages.
 */
static int
version_digit(const char *base, const char *dot, const char *ext)
{
	return format_of(ext) == FMT_MAN && dot > base &&
	    isdigit((unsigned char)dot[-1]);
}

void
format_split(const char *path, char **stem, char **ext)
{
	const char	*base, *dot, *dot2;
	char		*e, *e2;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if ((dot = last_dot(base, strlen(base))) == NULL)
		goto whole;
	e = xstrdup(dot + 1);
	lower(e);
	if (format_compression(e, NULL) != NULL) {
		/* notes.txt.gz: the extension inside too, if kbd knows it. */
		if ((dot2 = last_dot(base, (size_t)(dot - base))) != NULL) {
			e2 = xstrndup(dot2 + 1, (size_t)(dot - dot2 - 1));
			lower(e2);
			if (known_ext(e2) && format_compression(e2,
			    NULL) == NULL && !version_digit(base, dot2, e2)) {
				free(e);
				xasprintf(&e, "%s.%s", e2, dot + 1);
				lower(e);
				dot = dot2;
			}
			free(e2);
		}
	} else if (!known_ext(e) || version_digit(base, dot, e)) {
		free(e);
		goto whole;
	}
	*stem = xstrndup(base, (size_t)(dot - base));
	*ext = e;
	return;
whole:
	*stem = xstrdup(base);
	*ext = xstrdup("");
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
format_skip(const char *ext, char *reason, size_t rlen)
{
	const struct fmtent	*f = lookup(ext);
	const struct binent	*b;
	char			*inner;
	size_t			 n;

	if (f != NULL && f->why != NULL) {
		format_unsupported(ext, reason, rlen);
		return 1;
	}
	/* foo.tar.gz is an archive, whatever compresses it. */
	if (format_compression(ext, &n) != NULL && n > 0) {
		inner = xstrndup(ext, n);
		b = binary_ext(inner);
		f = lookup(inner);
		free(inner);
		if (f != NULL && f->why != NULL)
			b = NULL;
	} else
		b = binary_ext(ext);
	if (b == NULL)
		return 0;
	(void)snprintf(reason, rlen, "unsupported format (.%s: %s)", ext,
	    b->kind);
	return 1;
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

/*
 * Whether the bytes could not be text in any charset: C0 controls other
 * than the blanks, backspace (overstrike in formatted man pages) and
 * escape (terminal colours in logs), or DEL.
 */
static int
control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' &&
	    c != '\f' && c != '\v' && c != '\b' && c != 0x1b) || c == 0x7f;
}

/*
 * Text: no NUL, and control bytes under 1 in 32, in UTF-8 or in any
 * other charset (charset.c in the converters reads it).
 */
static int
looks_text(const char *head, size_t n)
{
	size_t	i, ctl = 0;

	if (memchr(head, '\0', n) != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (control((unsigned char)head[i]))
			ctl++;
	return ctl * 32 <= n;
}

/* A UTF-16 or UTF-32 byte order mark: text with NUL bytes. */
static int
wide_bom(const char *head, size_t n)
{
	return n >= 2 && (memcmp(head, "\xff\xfe", 2) == 0 ||
	    memcmp(head, "\xfe\xff", 2) == 0 ||
	    (n >= 4 && memcmp(head, "\0\0\xfe\xff", 4) == 0));
}

/*
 * "%PDF-" where a PDF reader looks for it: at the start, or within the
 * first KiB after bytes that are not text (junk a reader skips); with a
 * name saying .pdf, also at the start of a line after a text preamble (a
 * mail header). A text that quotes "%PDF-1.7" is never a PDF.
 */
static int
pdf_header(const char *head, size_t n, int named_pdf)
{
	const char	*p;
	size_t		 at, lim = n < 1024 ? n : 1024;

	if (n >= 5 && memcmp(head, "%PDF-", 5) == 0)
		return 1;
	for (at = 1; at + 5 <= lim; at = (size_t)(p - head) + 1) {
		if ((p = memmem(head + at, lim - at, "%PDF-", 5)) == NULL)
			return 0;
		if (!looks_text(head, (size_t)(p - head)))
			return 1;
		if (named_pdf && (p[-1] == '\n' || p[-1] == '\r'))
			return 1;
	}
	return 0;
}

/* What the first bytes are, whatever the name says. */
static enum family
content_family(const char *head, size_t len, int named_pdf)
{
	static const char ole[8] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
	size_t	 i, n = len < FORMAT_SNIFF_LEN ? len : FORMAT_SNIFF_LEN;

	if (pdf_header(head, n, named_pdf))
		return FAM_PDF;
	if (n >= 4 && memcmp(head, "PK\003\004", 4) == 0)
		return FAM_ZIP;
	if (n >= 8 && memcmp(head, ole, 8) == 0)
		return FAM_OLE;
	for (i = 0; i < sizeof(compressions) / sizeof(compressions[0]); i++)
		if (n >= compressions[i].mlen && memcmp(head,
		    compressions[i].magic, compressions[i].mlen) == 0)
			return FAM_COMPRESSED;
	if (wide_bom(head, n))
		return FAM_TEXT;
	if (!looks_text(head, n))
		return FAM_BINARY;
	if (n >= 4 && memcmp(head, "%!PS", 4) == 0)
		return FAM_PS;
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
	case FAM_COMPRESSED:
		return "compressed";
	case FAM_PS:
		return "a PostScript document";
	case FAM_BINARY:
		return "binary";
	default:
		return "text";
	}
}

int
format_skippable(const char *ext, const char *head, size_t len)
{
	const struct fmtent	*f = lookup(ext);
	enum family		 c;

	if (f != NULL && *ext != '\0')
		return 0;
	c = content_family(head, len, 0);
	return c == FAM_BINARY || c == FAM_PS;
}

int
format_sniff(const char *ext, const char *head, size_t len, enum format *fmt,
    char *reason, size_t rlen)
{
	const struct fmtent	*f;
	enum family		 c;

	*fmt = FMT_NONE;
	if (format_skip(ext, reason, rlen))
		return -1;
	f = lookup(ext);
	c = content_family(head, len, f != NULL && f->fmt == FMT_PDF);
	/* notes.txt.gz, or a compressed file under a name kbd does not know. */
	if (c == FAM_COMPRESSED && (f == NULL || *ext == '\0' ||
	    format_compression(ext, NULL) != NULL)) {
		*fmt = FMT_COMPRESSED;
		return 0;
	}
	if (c == FAM_PS) {
		(void)snprintf(reason, rlen, "unsupported format (PostScript; "
		    "convert it to PDF)");
		return -1;
	}
	/* An extension kbd does not know: the content alone decides. */
	if (f == NULL)
		f = lookup("");
	/* UTF-16 with a BOM is text to every text format (charset.c). */
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
	if (f->fmt == FMT_TEXT && f->fam == FAM_TEXT && *ext != '\0' &&
	    lookup(ext) == NULL)
		ext = "";
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
