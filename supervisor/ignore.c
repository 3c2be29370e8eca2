/*
 * .kbignore: gitignore's syntax for what a walk leaves out. One rule a
 * line; blank lines and lines starting with '#' are none; trailing
 * spaces are dropped; "\#" and "\!" start a pattern with that character.
 * "!" negates (re-includes what an earlier rule excluded). A trailing '/'
 * matches directories only. A pattern with a '/' elsewhere is anchored
 * to the directory of its .kbignore (a leading '/' only anchors); one
 * without matches the name at any depth. '*' and '?' do not match '/',
 * "[...]" is a class (fnmatch's), "**" matches across directories
 * ("**" + "/" also none). The last rule that matches decides; the rules
 * of deeper directories come after those of their parents (walk.c). An
 * ignored directory is not entered, so nothing under it comes back.
 */
#include <sys/types.h>

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ignore.h"
#include "xmalloc.h"

struct rule {
	char		*pat;
	unsigned	 line;
	int		 negate, dironly, anchored;
};

struct ignore {
	struct rule	*v;
	size_t		 n;
};

int
ignore_glob(const char *p, const char *s)
{
	char	cls[256];
	size_t	k;

	for (;;) {
		if (p[0] == '*' && p[1] == '*') {
			while (*p == '*')
				p++;
			if (*p == '/') {
				/* "**" + "/": zero or more directories. */
				if (ignore_glob(p + 1, s))
					return 1;
				for (; *s != '\0'; s++)
					if (*s == '/' && ignore_glob(p + 1, s + 1))
						return 1;
				return 0;
			}
			for (;; s++) {
				if (ignore_glob(p, s))
					return 1;
				if (*s == '\0')
					return 0;
			}
		}
		switch (*p) {
		case '\0':
			return *s == '\0';
		case '*':
			p++;
			for (;; s++) {
				if (ignore_glob(p, s))
					return 1;
				if (*s == '\0' || *s == '/')
					return 0;
			}
		case '?':
			if (*s == '\0' || *s == '/')
				return 0;
			p++, s++;
			continue;
		case '[':
			/* One character against the class, by fnmatch. */
			for (k = 1; p[k] != '\0' && (p[k] != ']' || k == 1 ||
			    (k == 2 && p[1] == '!')); k++)
				;
			if (p[k] != ']' || k + 2 > sizeof(cls))
				goto literal;
			if (*s == '\0' || *s == '/')
				return 0;
			memcpy(cls, p, k + 1);
			cls[k + 1] = '\0';
			{
				char	one[2] = { *s, '\0' };

				if (fnmatch(cls, one, 0) != 0)
					return 0;
			}
			p += k + 1, s++;
			continue;
		case '\\':
			if (p[1] != '\0')
				p++;
			/* FALLTHROUGH */
		default:
		literal:
			if (*p != *s)
				return 0;
			p++, s++;
			continue;
		}
	}
}

/* One rule from a line (trailing newline and spaces gone); 0 if none. */
static int
rule_parse(struct rule *r, char *p, unsigned no)
{
	size_t	len;

	memset(r, 0, sizeof(*r));
	if (*p == '\0' || *p == '#')
		return 0;
	r->line = no;
	if (*p == '!') {
		r->negate = 1;
		p++;
	} else if (p[0] == '\\' && (p[1] == '!' || p[1] == '#'))
		p++;
	len = strlen(p);
	if (len > 0 && p[len - 1] == '/') {
		r->dironly = 1;
		p[--len] = '\0';
	}
	if (*p == '/') {
		r->anchored = 1;
		p++;
	} else if (strchr(p, '/') != NULL)
		r->anchored = 1;
	if (*p == '\0')
		return 0;
	r->pat = xstrdup(p);
	return 1;
}

struct ignore *
ignore_load(const char *dir)
{
	struct ignore	*ig;
	FILE		*f;
	char		*path, *line = NULL;
	size_t		 cap = 0, len;
	unsigned	 no = 0;

	xasprintf(&path, "%s/.kbignore", strcmp(dir, "/") == 0 ? "" : dir);
	f = fopen(path, "re");
	free(path);
	if (f == NULL)
		return NULL;
	ig = xcalloc(1, sizeof(*ig));
	while (getline(&line, &cap, f) != -1) {
		no++;
		len = strcspn(line, "\r\n");
		while (len > 0 && line[len - 1] == ' ' &&
		    (len < 2 || line[len - 2] != '\\'))
			len--;
		line[len] = '\0';
		ig->v = xreallocarray(ig->v, ig->n + 1, sizeof(*ig->v));
		ig->n += rule_parse(&ig->v[ig->n], line, no);
	}
	free(line);
	fclose(f);
	if (ig->n == 0) {
		ignore_free(ig);
		return NULL;
	}
	return ig;
}

struct ignore *
ignore_rules(char **rules, size_t n)
{
	struct ignore	*ig;
	char		*p;
	size_t		 i;

	if (n == 0)
		return NULL;
	ig = xcalloc(1, sizeof(*ig));
	ig->v = xcalloc(n, sizeof(*ig->v));
	for (i = 0; i < n; i++) {
		p = xstrdup(rules[i]);
		ig->n += rule_parse(&ig->v[ig->n], p, (unsigned)i + 1);
		free(p);
	}
	if (ig->n == 0) {
		ignore_free(ig);
		return NULL;
	}
	return ig;
}

void
ignore_free(struct ignore *ig)
{
	size_t	i;

	if (ig == NULL)
		return;
	for (i = 0; i < ig->n; i++)
		free(ig->v[i].pat);
	free(ig->v);
	free(ig);
}

int
ignore_match(const struct ignore *ig, const char *rel, int isdir,
    unsigned *line)
{
	const struct rule	*r;
	const char		*base;
	size_t			 i;
	int			 v = 0;

	base = strrchr(rel, '/');
	base = base != NULL ? base + 1 : rel;
	for (i = 0; i < ig->n; i++) {
		r = &ig->v[i];
		if (r->dironly && !isdir)
			continue;
		if (!ignore_glob(r->pat, r->anchored ? rel : base))
			continue;
		v = r->negate ? -1 : 1;
		*line = r->line;
	}
	return v;
}
