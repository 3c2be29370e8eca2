/*
 * The checks and normalisation every text format starts with (see
 * source.h). The UTF-8 rule itself is common/utf8's.
 */
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "source.h"
#include "utf8.h"

int
convert_check_text(const char *s, size_t len, size_t *off)
{
	switch (utf8_check(s, len, off)) {
	case 0:
		return CONVERT_OK;
	case 1:
		return CONVERT_ENUL;
	default:
		return CONVERT_EUTF8;
	}
}

/* Drop a BOM; CRLF and lone CR become LF. */
static char *
normalize(const char *in, size_t len, size_t *outlen)
{
	char	*out;
	size_t	 i = 0, n = 0;

	if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	if ((out = malloc(len - i + 1)) == NULL)
		return NULL;
	for (; i < len; i++) {
		if (in[i] == '\r') {
			out[n++] = '\n';
			if (i + 1 < len && in[i + 1] == '\n')
				i++;
		} else
			out[n++] = in[i];
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

int
text_source(const char *in, size_t len, struct convert_result *r,
    char **src, size_t *n)
{
	int	err;

	if ((err = convert_check_text(in, len, &r->offset)) != CONVERT_OK)
		return err;
	if ((*src = normalize(in, len, n)) == NULL)
		return CONVERT_ENOMEM;
	return CONVERT_OK;
}
