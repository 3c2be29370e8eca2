/*
 * libFuzzer harness for the OpenDocument converter (ODT, ODS, ODP). The
 * first byte picks the kind and what the rest is: the whole container,
 * or content.xml placed in a container built here with the right
 * mimetype (the XML walkers, which random zip bytes would rarely reach).
 * Any input converts or fails with an error code; never a crash, a leak
 * or output past the cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "convert.h"

#define OUTPUT_CAP	(1u << 20)
#define ZIP_CAP		(4u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct part {
	const char	*name;
	const char	*data;		/* NULL: the fuzzer's input */
};

#define ODF(k) { { "mimetype", "application/vnd.oasis.opendocument." k }, \
	{ "content.xml", NULL }, { "meta.xml", "<document-meta><meta>" \
	"<title>T</title></meta></document-meta>" }, { NULL, NULL } }

static const struct part odt[] = ODF("text");
static const struct part ods[] = ODF("spreadsheet");
static const struct part odp[] = ODF("presentation");

static char *
mkzip(const struct part *p, const char *in, size_t len, size_t *zlen)
{
	struct archive		*a;
	struct archive_entry	*e;
	char			*buf;
	const char		*d;
	size_t			 dl;

	if ((buf = malloc(ZIP_CAP)) == NULL)
		return NULL;
	a = archive_write_new();
	if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    archive_write_open_memory(a, buf, ZIP_CAP, zlen) != ARCHIVE_OK)
		abort();
	for (; p->name != NULL; p++) {
		d = p->data != NULL ? p->data : in;
		dl = p->data != NULL ? strlen(p->data) : len;
		e = archive_entry_new();
		archive_entry_set_pathname(e, p->name);
		archive_entry_set_size(e, (la_int64_t)dl);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    archive_write_data(a, d, dl) != (la_ssize_t)dl)
			abort();
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		abort();
	archive_write_free(a);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const	 exts[] = { "odt", "ods", "odp" };
	static const struct part *const	 skel[] = { odt, ods, odp };
	static int			 init;
	struct convert_result		 r;
	const char			*in = (const char *)data + 1;
	char				*z = NULL;
	size_t				 len, k;

	if (!init) {
		if (convert_init() != 0)
			abort();
		init = 1;
	}
	if (size < 1 || size > (1u << 20))
		return 0;
	k = data[0] % 3;
	len = size - 1;
	if (data[0] & 4) {
		if ((z = mkzip(skel[k], in, len, &len)) == NULL)
			return 0;
		in = z;
	}
	if (convert(exts[k], in, len, OUTPUT_CAP, &r) == CONVERT_OK &&
	    r.md_len > OUTPUT_CAP)
		abort();
	convert_free(&r);
	free(z);
	return 0;
}
