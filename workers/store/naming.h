/*
 * Document names: the file stem made safe as one path component of the
 * KB, and the rule that keeps names unique. A name is the sanitized stem
 * when that is free, else the stem with the shortest hash suffix that is
 * free ("stem-1a2b3c4d", then longer prefixes of the hash). The committer
 * decides names in scan order, so the outcome does not depend on timing.
 *
 * Library-like: no allocation, returns 0 or -1 with errno set.
 */
#ifndef KBD_NAMING_H
#define KBD_NAMING_H

#include <stddef.h>

/* Longest sanitized stem, in bytes (cut on a UTF-8 character boundary). */
#define NAMING_STEM_MAX		120
/* Longest extension of a raw copy, in bytes. */
#define NAMING_EXT_MAX		32
/* Longest name: stem, "-", a full SHA-256 in hex, "-" and a counter. */
#define NAMING_NAME_MAX		(NAMING_STEM_MAX + 1 + 64 + 1 + 10)

/*
 * Sanitize a stem into out (outlen >= NAMING_STEM_MAX + 1): leading dots
 * are dropped; '/', control characters (C0, DEL, C1) and bytes that are
 * not valid UTF-8 become '_'; the result is cut to NAMING_STEM_MAX bytes
 * without splitting a character. An empty result becomes "doc". A leading
 * '-' becomes '_', so that no name reads as an option ("-dash": "_dash").
 */
int	naming_sanitize(const char *stem, char *out, size_t outlen);

/*
 * The extension a raw copy keeps (out holds NAMING_STEM_MAX + 1): the
 * rules of a stem, cut to NAMING_EXT_MAX bytes; "" if ext is "". 0 or -1.
 */
int	naming_ext(const char *ext, char *out, size_t outlen);

/*
 * Choose the name for a sanitized stem and a lower-case hex hash:
 * taken(arg, name) answers 1 (taken), 0 (free) or -1 (error, errno set).
 * Tries the stem, then stem-<first 8, 12, 16 ... 64 hex digits>, then
 * stem-<hash>-2, -3 ...; writes the first free one into out (outlen >=
 * NAMING_NAME_MAX + 1).
 */
int	naming_choose(const char *stem, const char *hexhash,
	    int (*taken)(void *, const char *), void *arg, char *out,
	    size_t outlen);

#endif /* KBD_NAMING_H */
