/*
 * Single compressed files (gzip, bzip2, xz, zstd): decompressed from
 * memory with libarchive's raw format, under a size and a ratio limit,
 * then converted by the name and content inside ("notes.txt.gz" as text,
 * "ls.1.gz" as what "ls.1" is). See docs/converters.md, "Compressed
 * files".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "convert.h"
#include "converters.h"
#include "mdbuf.h"

#define DECOMPRESS_MAX_DEFAULT	(64u << 20)	/* kbd --max-size's default */
#define DECOMPRESS_RATIO	100u		/* output / input, past ... */
#define DECOMPRESS_RATIO_FREE	(1u << 20)	/* ... this much output */

size_t	convert_decompress_max;

/*
 * The filters of the formats format.c recognises, each built into
 * libarchive: when one is not, libarchive would run an external program,
 * which the sandbox forbids, so it is refused here instead.
 */
static int
support(struct archive *a)
{
	return archive_read_support_filter_gzip(a) == ARCHIVE_OK &&
	    archive_read_support_filter_bzip2(a) == ARCHIVE_OK &&
	    archive_read_support_filter_xz(a) == ARCHIVE_OK &&
	    archive_read_support_filter_zstd(a) == ARCHIVE_OK &&
	    archive_read_support_format_raw(a) == ARCHIVE_OK;
}

static int
inflate(const char *in, size_t len, char **outp, size_t *outlen,
    struct convert_result *r)
{
	struct archive		*a;
	struct archive_entry	*ae;
	size_t			 max, n = 0, cap = 64 * 1024;
	char			*buf = NULL, *nb;
	la_ssize_t		 got;
	int			 err = CONVERT_OK;

	max = convert_decompress_max != 0 ? convert_decompress_max :
	    DECOMPRESS_MAX_DEFAULT;
	if ((a = archive_read_new()) == NULL)
		return CONVERT_ENOMEM;
	if (!support(a)) {
		(void)snprintf(r->reason, sizeof(r->reason),
		    "this compression cannot be read without an external "
		    "program");
		err = CONVERT_EFORMAT;
		goto done;
	}
	if (archive_read_open_memory(a, in, len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ae) != ARCHIVE_OK)
		goto damaged;
	if ((buf = malloc(cap + 1)) == NULL) {
		err = CONVERT_ENOMEM;
		goto done;
	}
	for (;;) {
		if (n == cap) {
			cap *= 2;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				err = CONVERT_ENOMEM;
				goto done;
			}
			buf = nb;
		}
		if ((got = archive_read_data(a, buf + n, cap - n)) < 0)
			goto damaged;
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			(void)snprintf(r->reason, sizeof(r->reason),
			    "decompressed size exceeds %zu bytes", max);
			err = CONVERT_ELIMIT;
			goto done;
		}
		if (n > DECOMPRESS_RATIO_FREE && n / DECOMPRESS_RATIO > len) {
			(void)snprintf(r->reason, sizeof(r->reason),
			    "compressed file expands more than %u times "
			    "(compression bomb)", DECOMPRESS_RATIO);
			err = CONVERT_ELIMIT;
			goto done;
		}
	}
	buf[n] = '\0';
	*outp = buf;
	*outlen = n;
	buf = NULL;
	goto done;
damaged:
	(void)snprintf(r->reason, sizeof(r->reason),
	    "damaged compressed file: %s", archive_error_string(a) != NULL ?
	    archive_error_string(a) : "unreadable");
	err = CONVERT_EDOC;
done:
	free(buf);
	archive_read_free(a);
	return err;
}

int
decompress_convert(const char *ext, const char *in, size_t len,
    struct mdbuf *out, struct convert_result *r)
{
	char	*inner, *buf = NULL;
	size_t	 n = 0, ilen = 0;
	int	 err;

	/* notes.txt.gz: txt; gz alone, or a name kbd does not know: none. */
	if (format_compression(ext, &ilen) == NULL)
		ilen = 0;
	if ((inner = strndup(ext, ilen)) == NULL)
		return CONVERT_ENOMEM;
	if ((err = inflate(in, len, &buf, &n, r)) == CONVERT_OK)
		err = convert_inner(inner, buf, n, out, r);
	free(buf);
	free(inner);
	return err;
}
