/*
 * Markdown is its own Markdown: the converter for .md and .markdown
 * passes the checked, normalised input through (a YAML front matter's
 * title is read with the rest of the metadata, in meta.c).
 */
#include <stdlib.h>

#include "convert.h"
#include "converters.h"
#include "mdbuf.h"
#include "source.h"

int
md_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	char	*src;
	size_t	 n;
	int	 err;

	(void)ext;
	if ((err = text_source(in, len, r, &src, &n)) != CONVERT_OK)
		return err;
	if (n > out->max) {
		free(src);
		return CONVERT_EOUTPUT;
	}
	mdbuf_free(out);
	out->p = src;
	out->len = n;
	out->cap = n + 1;
	return CONVERT_OK;
}
