/*
 * EPUB to Markdown (placeholder until the HTML converter lands).
 */
#include <sys/types.h>

#include <stdio.h>

#include "convert.h"
#include "convert-zip.h"
#include "mdbuf.h"

int
convert_epub(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	(void)ext;
	(void)in;
	(void)len;
	(void)out;
	(void)snprintf(r->reason, sizeof(r->reason), "unsupported format "
	    "(.epub)");
	return CONVERT_EFORMAT;
}
