/*
 * Document names (see naming.h): sanitizing a file stem into one safe path
 * component, and the collision rule. The hash suffix makes the name of a
 * document depend only on its stem, its content and the names decided
 * before it, never on which worker finished first.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "naming.h"
#include "utf8.h"

int
naming_sanitize(const char *stem, char *out, size_t outlen)
{
	const unsigned char	*s = (const unsigned char *)stem;
	size_t			 n, nbad, len = 0;
	int			 bad;

	if (stem == NULL || out == NULL || outlen < NAMING_STEM_MAX + 1) {
		errno = EINVAL;
		return -1;
	}
	/* No hidden files, no "." or "..". */
	while (*s == '.')
		s++;
	while (*s != '\0') {
		/*
		 * utf8_len stops at a NUL (not a continuation byte), so it
		 * never reads past the string. A byte that starts no valid
		 * sequence is one bad byte.
		 */
		n = utf8_len(s, SIZE_MAX, &nbad);
		bad = n == 0 || *s < 0x20 || *s == 0x7f || *s == '/' ||
		    (n == 2 && s[0] == 0xc2 && s[1] < 0xa0);
		if (n == 0)
			n = 1;
		if (len + (bad ? 1 : n) > NAMING_STEM_MAX)
			break;
		if (bad)
			out[len++] = '_';
		else {
			memcpy(out + len, s, n);
			len += n;
		}
		s += n;
	}
	if (len == 0) {
		memcpy(out, "doc", 3);
		len = 3;
	}
	/* A name is an operand of kbctl remove: it must not read as an option. */
	if (out[0] == '-')
		out[0] = '_';
	out[len] = '\0';
	return 0;
}

int
naming_ext(const char *ext, char *out, size_t outlen)
{
	if (ext != NULL && *ext == '\0' && out != NULL && outlen > 0) {
		*out = '\0';
		return 0;
	}
	if (naming_sanitize(ext, out, outlen) == -1)
		return -1;
	(void)utf8_cut(out, NAMING_EXT_MAX);
	return 0;
}

int
naming_choose(const char *stem, const char *hexhash,
    int (*taken)(void *, const char *), void *arg, char *out, size_t outlen)
{
	size_t		 hlen, plen;
	unsigned	 i;
	int		 r;

	if (stem == NULL || hexhash == NULL || taken == NULL ||
	    out == NULL || outlen < NAMING_NAME_MAX + 1 ||
	    strlen(stem) > NAMING_STEM_MAX || (hlen = strlen(hexhash)) > 64) {
		errno = EINVAL;
		return -1;
	}
	(void)snprintf(out, outlen, "%s", stem);
	if ((r = taken(arg, out)) != 1)
		return r;
	for (plen = 8; plen < hlen + 4; plen += 4) {
		if (plen > hlen)
			plen = hlen;
		(void)snprintf(out, outlen, "%s-%.*s", stem, (int)plen,
		    hexhash);
		if ((r = taken(arg, out)) != 1)
			return r;
		if (plen == hlen)
			break;
	}
	/* Only names made on purpose to collide get here. */
	for (i = 2; i < 100000; i++) {
		(void)snprintf(out, outlen, "%s-%s-%u", stem, hexhash, i);
		if ((r = taken(arg, out)) != 1)
			return r;
	}
	errno = EEXIST;
	return -1;
}
