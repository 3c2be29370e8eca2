/*
 * HTML and XHTML to Markdown with libxml2: the converter for .html and
 * .htm, and the same walk for other converters whose documents are
 * (X)HTML inside a container (EPUB chapters). What maps to what is in
 * docs/converters.md. Library-like: malloc only, errors are codes.
 */
#ifndef KBD_CONVERT_HTML_H
#define KBD_CONVERT_HTML_H

#include <stddef.h>

/* Elements nested deeper than this fail the document (CONVERT_ELIMIT). */
#define HTML_DEPTH_MAX		256
/* Columns of one table (CONVERT_ELIMIT past it). */
#define HTML_COLUMNS_MAX	1024

struct mdbuf;

/*
 * Append the Markdown of len bytes of in to out. xhtml=1 parses in as XML
 * (XHTML: no network, no DTD loading, entities never substituted), and
 * falls back to the HTML parser when it is not well-formed XML, as
 * readers do; xhtml=0 parses it as HTML: valid UTF-8 as UTF-8, else in
 * the charset of its BOM or <meta>, else as Windows-1252. *title is set to
 * the <title> (malloc'd, whitespace collapsed, cut to CONVERT_TITLE_MAX
 * bytes) or NULL when the document has none. A document too broken to
 * parse is empty, not an error. Returns CONVERT_OK, CONVERT_ENOMEM, or
 * CONVERT_ELIMIT with a one-line reason (without a file name) in reason;
 * out's own error (cap, memory) is left in out->err for the caller.
 */
int	html_markdown(const char *in, size_t len, int xhtml, struct mdbuf *out,
	    char **title, char *reason, size_t rlen);

/* Before the sandbox: libxml2's global state and character encodings. */
int	html_init(void);

#endif /* KBD_CONVERT_HTML_H */
