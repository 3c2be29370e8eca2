/*
 * The converters: one for each format kbd reads, each an entry of
 * convert.c's table, and the contract they all keep. What each produces
 * is in docs/converters.md. Internal to workers/convert.
 */
#ifndef KBD_CONVERT_CONVERTERS_H
#define KBD_CONVERT_CONVERTERS_H

#include <stddef.h>

struct convert_result;
struct mdbuf;

/*
 * Append the Markdown of len bytes of in (a document named with extension
 * ext) to out. A converter may set r->title (malloc'd) from the document's
 * metadata and r->outline (or r->outline_set) from its own structure;
 * what it leaves is read from the Markdown (meta.c). On failure it returns
 * an error and, for EFORMAT, EDOC and ELIMIT, says why in r->reason,
 * without the file name (the worker adds it); for EUTF8 and ENUL,
 * r->offset says where. out's own error (output cap, memory) is checked
 * by the caller.
 */
typedef int convert_fn(const char *ext, const char *in, size_t len,
    struct mdbuf *out, struct convert_result *r);

convert_fn	txt_convert;		/* text.c */
convert_fn	md_convert;		/* markdown.c */
convert_fn	rst_convert;		/* rst.c */
convert_fn	html_convert;		/* html.c, libxml2 */
convert_fn	csv_convert;		/* csv.c */
convert_fn	pdf_convert;		/* pdf.c, MuPDF */
convert_fn	docx_convert;		/* docx.c, zip.c */
convert_fn	pptx_convert;		/* pptx.c, zip.c */
convert_fn	xlsx_convert;		/* xlsx.c, zip.c */
convert_fn	epub_convert;		/* epub.c, zip.c, html.c */
convert_fn	man_convert;		/* man.c, roff of our own */
convert_fn	odf_convert;		/* odf.c, zip.c */
convert_fn	rtf_convert;		/* rtf.c, RTF of our own */
convert_fn	code_convert;		/* code.c, source code by extension */
convert_fn	decompress_convert;	/* decompress.c, libarchive */

/*
 * Convert a document found inside another (decompress.c): its format
 * decided and its converter run as convert() does, but a compressed file
 * inside is refused.
 */
convert_fn	convert_inner;

#endif /* KBD_CONVERT_CONVERTERS_H */
