/* UTF-8 validation and cutting (see utf8.h). */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

size_t
utf8_len(const unsigned char *s, size_t avail, size_t *bad)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	*bad = 1;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	for (i = 1; i < n; i++) {
		/* Also stops at a NUL, and at the end of the bytes. */
		if (i >= avail || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

int
utf8_check(const char *str, size_t len, size_t *off)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, n, bad, where;

	if (off == NULL)
		off = &where;
	while (i < len) {
		if (s[i] < 0x80) {
			if (s[i] == 0) {
				*off = i;
				return 1;
			}
			i++;
			continue;
		}
		if ((n = utf8_len(s + i, len - i, &bad)) == 0) {
			*off = i;
			return -1;
		}
		i += n;
	}
	return 0;
}

size_t
utf8_cut(char *s, size_t max)
{
	size_t	len = strlen(s);

	if (len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
		len--;
	s[len] = '\0';
	return len;
}
