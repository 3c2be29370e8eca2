/*
 * Formats: the one owner of every decision about what a file is. Which
 * extensions kbd knows and reads, how a name splits into stem and
 * extension, and what the first bytes of the content say, whatever the
 * name claims. The supervisor asks at PREPARE time (skip what kbd cannot
 * read without reading it), the worker sniffs the bytes it reads, and the
 * converters dispatch on the result.
 */
#ifndef KBD_FORMAT_H
#define KBD_FORMAT_H

#include <stddef.h>

#define FORMAT_SNIFF_LEN	8192	/* bytes format_sniff looks at */

enum format {
	FMT_NONE = 0,		/* binary, or not a format kbd knows */
	FMT_TEXT,
	FMT_MARKDOWN,
	FMT_RST,
	FMT_HTML,
	FMT_CSV,
	FMT_PDF,
	FMT_DOCX,
	FMT_PPTX,
	FMT_XLSX,
	FMT_EPUB,
	FMT_XLS,		/* legacy Office: recognised, not read */
	FMT_DOC,
	FMT_PPT,
	FMT_COMPRESSED,		/* gzip, bzip2, xz, zstd: one file inside */
	FMT_MAN,		/* roff: man(7), mdoc(7) */
	FMT_ODT,		/* OpenDocument */
	FMT_ODS,
	FMT_ODP,
	FMT_RTF,
	FMT_SOURCE,		/* source code and config, by extension */
	FMT_MAX
};

/*
 * Split the last component of path into stem and extension (lower case,
 * no dot). Only an extension kbd knows is split off (one it reads, or a
 * known binary one, or a compression suffix with, when kbd knows it, the
 * extension before it: "notes.txt.gz" is notes and txt.gz); any other
 * dot is part of the stem ("README.Debian", "Apache-2.0" have no
 * extension), as is a leading dot. Both malloc'd.
 */
void		 format_split(const char *path, char **stem, char **ext);
/*
 * The extension whose format a document is read as: ext itself, except a
 * reST source saved as text (Sphinx publishes NAME.rst.txt), read as reST.
 */
const char	*format_ext_for(const char *stem, const char *ext);
/* The format of an extension (lower case, no dot); FMT_NONE if unknown. */
enum format	 format_of(const char *ext);
/* Whether kbd reads files with this extension. */
int		 format_readable(const char *ext);
/*
 * Whether a file with this extension is skipped without reading a byte
 * (a known binary kind: images, archives, programs..., or a recognised
 * format kbd cannot read), with the reason. Any other extension is read
 * and its content decides.
 */
int		 format_skip(const char *ext, char *reason, size_t rlen);
/*
 * The compression a file with this extension is in ("gzip" for gz or
 * txt.gz...), or NULL; *inner, when not NULL, is set to the length of the
 * extension inside (3 for txt.gz, 0 for gz).
 */
const char	*format_compression(const char *ext, size_t *inner);
/*
 * The reason a file with this extension is not read: "unsupported format
 * (.xls: legacy Excel; save it as .xlsx)".
 */
void		 format_unsupported(const char *ext, char *reason, size_t rlen);
/*
 * Decide the format of a document named with extension ext from the first
 * len bytes of its content (at most FORMAT_SNIFF_LEN are looked at):
 * signatures first, then the name; any text (UTF-8, or 8-bit text without
 * control bytes, or UTF-16/32 with a BOM) under an extension kbd does not
 * know is plain text. Returns 0 with *fmt set, or -1 with the reason.
 */
int		 format_sniff(const char *ext, const char *head, size_t len,
		    enum format *fmt, char *reason, size_t rlen);
/*
 * After format_sniff failed: whether the file is a binary kbd has no
 * converter for (binary content or PostScript under a name that claims
 * no format kbd reads), which is skipped rather than failed.
 */
int		 format_skippable(const char *ext, const char *head,
		    size_t len);
/* Whether the converter reads the bytes as UTF-8 text itself. */
int		 format_is_plain(enum format);

#endif /* KBD_FORMAT_H */
