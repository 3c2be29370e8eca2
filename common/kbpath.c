/* The KB's paths, built in one place (see kbpath.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kbpath.h"
#include "util.h"
#include "xmalloc.h"

char *
kbpath_raw_name(const char *doc, const char *ext)
{
	char	*p;

	(void)xasprintf(&p, "%s%s%s", doc, *ext != '\0' ? "." : "", ext);
	return p;
}

char *
kbpath_raw(const char *doc, const char *ext)
{
	char	*p;

	(void)xasprintf(&p, KB_RAW "/%s%s%s", doc, *ext != '\0' ? "." : "",
	    ext);
	return p;
}

char *
kbpath_source(const char *doc)
{
	char	*p;

	(void)xasprintf(&p, KB_SOURCES "/%s.md", doc);
	return p;
}

char *
kbpath_summary(const char *doc)
{
	char	*p;

	(void)xasprintf(&p, KB_SUMMARIES "/%s.md", doc);
	return p;
}

char *
kbpath_concept_name(const char *term)
{
	const unsigned char	*s;
	char			*p, *q;
	size_t			 n;
	int			 idx;

	if (*term == '\0' || *term == ' ')
		return NULL;
	for (s = (const unsigned char *)term; *s != '\0'; s++)
		if (*s < 0x80 && !(*s >= 'a' && *s <= 'z') &&
		    !(*s >= '0' && *s <= '9') && !(*s == ' ' && s[1] != ' ' &&
		    s[1] != '\0'))
			return NULL;
	/*
	 * Not xasprintf: a batch names some twelve terms a document, and
	 * the formatting cost more than the rest of this (callgrind).
	 */
	n = (size_t)(s - (const unsigned char *)term);
	idx = strcmp(term, "index") == 0;
	p = xmalloc(n + (size_t)idx + 1);
	for (q = p; *term != '\0'; term++)
		*q++ = *term == ' ' ? '-' : *term;
	if (idx)
		*q++ = '-';
	*q = '\0';
	return p;
}

char *
kbpath_concept(const char *term)
{
	char	*name, *p;

	if ((name = kbpath_concept_name(term)) == NULL)
		return NULL;
	(void)xasprintf(&p, KB_CONCEPTS "/%s.md", name);
	free(name);
	return p;
}

char *
kbpath_staged(uint64_t job, uint64_t seq, const char *kind)
{
	char	*p;

	(void)xasprintf(&p, KB_STAGING "/%llu-%llu.%s",
	    (unsigned long long)job, (unsigned long long)seq, kind);
	return p;
}

int
kbpath_is_staged(const char *p)
{
	const char	*f;

	if (strncmp(p, KB_STAGING "/", sizeof(KB_STAGING)) != 0)
		return 0;
	f = p + sizeof(KB_STAGING);
	return *f != '\0' && *f != '.' && strchr(f, '/') == NULL;
}

/* Bytes of a key part kept: [A-Za-z0-9._] as they are, others '-'. */
#define KEY_PART_MAX	40

static void
key_part(char *out, const char *s, size_t n, int lower)
{
	size_t	i, k = 0;
	int	c;

	for (i = 0; i < n && k < KEY_PART_MAX; i++) {
		c = (unsigned char)s[i];
		if (lower && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_'))
			c = '-';
		/* No leading dot: no hidden files, no "..". */
		if (k == 0 && c == '.')
			c = '_';
		out[k++] = (char)c;
	}
	out[k] = '\0';
}

char *
kbpath_index_key(enum kbpath_group g, const char *value)
{
	uint8_t		 h[SHA256_LEN];
	char		 part[KEY_PART_MAX + 1], hex[2 * SHA256_LEN + 1], *p;
	const char	*end, *base;

	if (g == KBPATH_TYPE) {
		if (*value == '\0')
			return xstrdup("_none");
		key_part(part, value, strlen(value), 0);
		if (strcmp(part, value) == 0)
			return xstrdup(part);
		/* Made safe: the hash keeps "a b" and "a-b" apart. */
		base = end = NULL;
		goto hashed;
	}
	/* The last component of "/a/b/" is "b"; of "/" it is "". */
	end = value + strlen(value);
	if (end > value && end[-1] == '/')
		end--;
	for (base = end; base > value && base[-1] != '/'; base--)
		;
	key_part(part, base, (size_t)(end - base), 0);
hashed:
	if (sha256_buf(value, strlen(value), h) == -1)
		memset(h, 0, sizeof(h));
	sha256_hex(h, hex);
	hex[8] = '\0';
	(void)xasprintf(&p, "%s%s%s", part, *part != '\0' ? "-" : "root-",
	    hex);
	return p;
}

static char *
index_path(const char *prefix, enum kbpath_group g, const char *value,
    unsigned page)
{
	char	*key, *p;

	key = kbpath_index_key(g, value);
	if (page == 0)
		(void)xasprintf(&p, "%s%s/%s.md", prefix,
		    g == KBPATH_TYPE ? "type" : "folder", key);
	else
		(void)xasprintf(&p, "%s%s/%s-%u.md", prefix,
		    g == KBPATH_TYPE ? "type" : "folder", key, page);
	free(key);
	return p;
}

char *
kbpath_index_page(enum kbpath_group g, const char *value, unsigned page)
{
	return index_path(KB_INDEX_DIR "/", g, value, page);
}

char *
kbpath_index_link(enum kbpath_group g, const char *value, unsigned page)
{
	return index_path("index/", g, value, page);
}

char *
kbpath_index_folders(unsigned page)
{
	char	*p;

	(void)xasprintf(&p, KB_INDEX_DIR "/folders-%u.md", page);
	return p;
}

char *
kbpath_index_folders_link(unsigned page)
{
	char	*p;

	(void)xasprintf(&p, "index/folders-%u.md", page);
	return p;
}

char *
kbpath_index_folder_from_list(const char *value)
{
	return index_path("", KBPATH_FOLDER, value, 0);
}
