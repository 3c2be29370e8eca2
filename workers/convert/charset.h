/*
 * Charsets: text input that is not UTF-8 (a legacy 8-bit or CJK charset,
 * or UTF-16/32 with a byte order mark) becomes UTF-8 before a text
 * converter reads it (docs/converters.md, "Charsets"). Internal to
 * workers/convert.
 */
#ifndef KBD_CONVERT_CHARSET_H
#define KBD_CONVERT_CHARSET_H

#include <stddef.h>

#define CHARSET_NAME_MAX	64
#define CHARSET_FALLBACK	"windows-1252"	/* 8-bit text uchardet cannot place */

/*
 * When len bytes of in are UTF-8 (or hold a NUL, which the converter
 * reports), *out is NULL: read them as they are. Otherwise *out is a
 * malloc'd, NUL-terminated UTF-8 copy of *outlen bytes, and name the
 * charset read (uchardet's guess, the BOM's, or CHARSET_FALLBACK; nlen at
 * least CHARSET_NAME_MAX). CONVERT_OK, CONVERT_ENOMEM or CONVERT_EDOC.
 */
int	charset_utf8(const char *in, size_t len, char **out, size_t *outlen,
	    char *name, size_t nlen);
/* Before the sandbox: load the common converters' tables. 0 or -1. */
int	charset_init(void);

#endif /* KBD_CONVERT_CHARSET_H */
