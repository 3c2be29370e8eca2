/* The KB's paths, built in one place (see kbpath.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kbpath.h"
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

	if (*term == '\0' || *term == ' ')
		return NULL;
	for (s = (const unsigned char *)term; *s != '\0'; s++)
		if (*s < 0x80 && !(*s >= 'a' && *s <= 'z') &&
		    !(*s >= '0' && *s <= '9') && !(*s == ' ' && s[1] != ' ' &&
		    s[1] != '\0'))
			return NULL;
	(void)xasprintf(&p, "%s%s", term, strcmp(term, "index") == 0 ?
	    "-" : "");
	for (q = p; *q != '\0'; q++)
		if (*q == ' ')
			*q = '-';
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
