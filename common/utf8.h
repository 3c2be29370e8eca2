/*
 * UTF-8: the one validator of kbd. Strict, as RFC 3629 and Unicode's
 * "well-formed" define it: no overlong forms, no surrogates, nothing
 * above U+10FFFF. Converters check every text input with it, names and
 * JSON output are made of what it accepts, and cuts never split what it
 * reads as one character.
 */
#ifndef KBD_UTF8_H
#define KBD_UTF8_H

#include <stddef.h>

/*
 * Length of the valid sequence at s, which has avail bytes, or 0 when it
 * is invalid; then *bad is the length of its maximal invalid prefix (the
 * unit U+FFFD replaces, as Unicode recommends), at least 1. A NUL is
 * never a continuation byte: on a C string, avail may be SIZE_MAX.
 */
size_t	utf8_len(const unsigned char *s, size_t avail, size_t *bad);
/*
 * Check len bytes: 0 when they are UTF-8 without a NUL; else 1 for a NUL,
 * -1 for invalid UTF-8, with *off the offending byte's offset (off may
 * be NULL).
 */
int	utf8_check(const char *s, size_t len, size_t *off);
/* Cut s to at most max bytes, not inside a character; the new length. */
size_t	utf8_cut(char *s, size_t max);

#endif /* KBD_UTF8_H */
