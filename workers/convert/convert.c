/*
 * The converters' entry points: the table of the converter of each
 * format, and convert(), which decides the format (common/format.c), runs
 * its converter with the output cap, and reads the metadata back from
 * the Markdown (meta.c). No format is a special case here; what each
 * converter does is in docs/converters.md.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "convert.h"
#include "converters.h"
#include "html.h"
#include "mdbuf.h"
#include "meta.h"

/*
 * The converter of each format kbd reads. Each has a version, in
 * common/convver.c (the supervisor and the committer read it too): bump
 * it there when the converter's output changes.
 */
static convert_fn *const converters[FMT_MAX] = {
	[FMT_TEXT] =		txt_convert,
	[FMT_MARKDOWN] =	md_convert,
	[FMT_RST] =		rst_convert,
	[FMT_HTML] =		html_convert,
	[FMT_CSV] =		csv_convert,
	[FMT_PDF] =		pdf_convert,
	[FMT_DOCX] =		docx_convert,
	[FMT_PPTX] =		pptx_convert,
	[FMT_XLSX] =		xlsx_convert,
	[FMT_EPUB] =		epub_convert,
	[FMT_COMPRESSED] =	decompress_convert,
	[FMT_MAN] =		man_convert,
	[FMT_ODT] =		odf_convert,
	[FMT_ODS] =		odf_convert,
	[FMT_ODP] =		odf_convert,
	[FMT_RTF] =		rtf_convert,
	[FMT_SOURCE] =		code_convert,
};

int
convert_has(enum format f)
{
	return f > FMT_NONE && f < FMT_MAX && converters[f] != NULL;
}

/*
 * Run the converter of fmt. The text formats read UTF-8: other text is
 * transcoded first (charset.c), and the Markdown ends with a comment
 * saying which charset was read. HTML reads its own encodings.
 */
static int
run(enum format fmt, const char *ext, const char *in, size_t len,
    struct mdbuf *out, struct convert_result *r)
{
	char	*u = NULL, cs[CHARSET_NAME_MAX];
	size_t	 ulen;
	int	 err;

	if (format_is_plain(fmt) || fmt == FMT_CSV) {
		err = charset_utf8(in, len, &u, &ulen, cs, sizeof(cs));
		if (err == CONVERT_EDOC)
			(void)snprintf(r->reason, sizeof(r->reason),
			    "text in charset %s could not be read", cs);
		if (err != CONVERT_OK)
			return err;
		if (u != NULL) {
			in = u;
			len = ulen;
		}
	}
	/* An inner conversion (a compressed file's) sets it again, after. */
	r->fmt = fmt;
	err = converters[fmt](ext, in, len, out, r);
	if (err == CONVERT_OK && u != NULL) {
		if (out->len > 0 && out->p[out->len - 1] != '\n')
			mdbuf_addc(out, '\n');
		mdbuf_adds(out, "\n<!-- kbd: read as ");
		mdbuf_adds(out, cs);
		mdbuf_adds(out, " -->\n");
	}
	free(u);
	return err;
}

/* Decide the format of a document and convert it into out. */
static int
dispatch(const char *ext, const char *in, size_t len, int inner,
    struct mdbuf *out, struct convert_result *r)
{
	enum format	 fmt;

	if (format_sniff(ext, in, len, &fmt, r->reason,
	    sizeof(r->reason)) == -1)
		return CONVERT_EFORMAT;
	if (inner && fmt == FMT_COMPRESSED) {
		(void)snprintf(r->reason, sizeof(r->reason),
		    "a compressed file inside a compressed file");
		return CONVERT_EFORMAT;
	}
	if (!convert_has(fmt)) {
		format_unsupported(ext, r->reason, sizeof(r->reason));
		return CONVERT_EFORMAT;
	}
	return run(fmt, ext, in, len, out, r);
}

int
convert_inner(const char *ext, const char *in, size_t len,
    struct mdbuf *out, struct convert_result *r)
{
	return dispatch(ext, in, len, 1, out, r);
}

int
convert(const char *ext, const char *in, size_t len, size_t max_output,
    struct convert_result *r)
{
	struct mdbuf	 out;
	int		 err;

	memset(r, 0, sizeof(*r));
	mdbuf_init(&out, max_output);
	err = dispatch(ext, in, len, 0, &out, r);
	if (err == CONVERT_OK && out.err != 0)
		err = out.err;
	if (err == CONVERT_OK && out.p == NULL) {
		mdbuf_add(&out, "", 0);
		err = out.err;
	}
	if (err != CONVERT_OK) {
		mdbuf_free(&out);
		return err;
	}
	r->md = out.p;
	r->md_len = out.len;
	if ((err = meta_collect(r->md, r->md_len, r)) != 0) {
		convert_free(r);
		return err;
	}
	return CONVERT_OK;
}

void
convert_free(struct convert_result *r)
{
	size_t	i;

	free(r->md);
	free(r->title);
	free(r->description);
	for (i = 0; i < r->noutline; i++)
		free(r->outline[i].text);
	free(r->outline);
	r->md = r->title = r->description = NULL;
	r->outline = NULL;
	r->noutline = 0;
	r->md_len = 0;
}

int
convert_init(void)
{
	/*
	 * libarchive hands out entry names converted to the locale's charset:
	 * in the C locale, a zip's UTF-8 names would be unreadable. The
	 * locale's files are read now, before the sandbox; without it, such
	 * names stay unreadable and their entries unused.
	 */
	(void)setlocale(LC_CTYPE, "C.UTF-8");
	/* ICU's converters for text in other charsets. */
	if (charset_init() == -1)
		return -1;
	/* libxml2's tables and encodings. */
	return html_init();
}
