/*
 * The input every text format reads: strict UTF-8 without NUL, then (for
 * the formats read line by line) without a BOM and with LF line ends.
 * Internal to workers/convert; convert_check_text (convert.h) is its
 * check.
 */
#ifndef KBD_CONVERT_SOURCE_H
#define KBD_CONVERT_SOURCE_H

#include <stddef.h>

struct convert_result;

/*
 * Check len bytes of in as text (convert_check_text, the offset of a bad
 * byte in r->offset), then return in *src a malloc'd, NUL-terminated copy
 * of *n bytes without a leading BOM, CRLF and lone CR become LF.
 * CONVERT_OK, CONVERT_EUTF8, CONVERT_ENUL or CONVERT_ENOMEM.
 */
int	text_source(const char *in, size_t len, struct convert_result *r,
	    char **src, size_t *n);

#endif /* KBD_CONVERT_SOURCE_H */
