/*
 * The paths of add: what kbctl sends kbd, and how it prints what kbd
 * reports. kbd wants absolute paths and names every file by the path it
 * walked, under the operand it was given; the user wants to read them as
 * they would write them. So an operand is made absolute and clean ("."
 * and repeated slashes go, and "dir/.." where dir is a directory and not
 * a symbolic link, the one case where dropping it cannot change which
 * file is meant), and a path under an operand given relative is printed
 * relative to the working directory again: `add kb3/wiki/../../notes`
 * prints notes/x.md, not /home/me/kb3/wiki/../../notes/x.md.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbctl.h"

struct given {
	char	*abs;		/* what kbd was sent */
	size_t	 abslen;
	char	*rel;		/* how it is printed: "." for the cwd */
};

static struct given	*given;
static size_t		 ngiven;
static char		*showbuf;
static size_t		 showcap;

/*
 * cwd/p (p alone if absolute) without ".", empty components and the
 * ".." that follow a real directory; ".." at the root is the root.
 */
static char *
clean_absolute(const char *cwd, const char *p)
{
	struct stat	 st;
	char		*joined, *out, *comp, *save, *prev;
	size_t		 n, len = 0;

	n = strlen(cwd) + strlen(p) + 2;
	joined = emalloc(n);
	if (p[0] == '/')
		memcpy(joined, p, strlen(p) + 1);
	else {
		memcpy(joined, cwd, strlen(cwd));
		joined[strlen(cwd)] = '/';
		memcpy(joined + strlen(cwd) + 1, p, strlen(p) + 1);
	}
	out = emalloc(strlen(joined) + 2);
	out[0] = '\0';
	for (comp = strtok_r(joined, "/", &save); comp != NULL;
	    comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (len == 0)
				continue;	/* "/.." is "/" */
			prev = strrchr(out, '/');
			if (strcmp(prev + 1, "..") != 0 &&
			    lstat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
				len = (size_t)(prev - out);
				out[len] = '\0';
				continue;
			}
		}
		out[len++] = '/';
		n = strlen(comp);
		memcpy(out + len, comp, n + 1);
		len += n;
	}
	if (len == 0)
		memcpy(out, "/", 2);
	free(joined);
	return out;
}

/*
 * abs (clean) relative to cwd (clean: getcwd has no symbolic links, so
 * each ".." up from it is its parent): "." for cwd itself.
 */
static char *
relative_to(const char *cwd, const char *abs)
{
	const char	*c = cwd, *a = abs, *p;
	char		*rel;
	size_t		 common = 0, ups = 0, i, len;

	/* The longest common run of whole components. */
	for (i = 0;; i++) {
		if ((c[i] == '/' || c[i] == '\0') &&
		    (a[i] == '/' || a[i] == '\0'))
			common = i;
		if (c[i] == '\0' || a[i] == '\0' || c[i] != a[i])
			break;
	}
	for (p = cwd + common; *p != '\0'; p++)
		if (*p == '/')
			ups++;
	if (strcmp(cwd, "/") == 0)
		ups = 0;
	a = abs + common;
	while (*a == '/')
		a++;
	len = ups * 3 + strlen(a) + 2;
	rel = emalloc(len);
	rel[0] = '\0';
	for (i = 0; i < ups; i++)
		strcat(rel, i + 1 < ups || *a != '\0' ? "../" : "..");
	strcat(rel, a);
	if (rel[0] == '\0')
		strcpy(rel, ".");
	return rel;
}

char **
paths_absolute(int n, char **args)
{
	char	**abs, *cwd = NULL;
	int	  i;

	for (i = 0; i < n; i++)
		if (args[i][0] != '/' && cwd == NULL &&
		    (cwd = getcwd(NULL, 0)) == NULL)
			die_errno("current directory");
	abs = ecalloc((size_t)n, sizeof(*abs));
	/* A second call (kbctl mcp adds more than once) adds to the first. */
	given = ereallocarray(given, ngiven + (size_t)n, sizeof(*given));
	for (i = 0; i < n; i++) {
		abs[i] = clean_absolute(cwd != NULL ? cwd : "/", args[i]);
		if (args[i][0] == '/')
			continue;
		given[ngiven].abs = estrdup(abs[i]);
		given[ngiven].abslen = strlen(abs[i]);
		given[ngiven].rel = relative_to(cwd, abs[i]);
		ngiven++;
	}
	free(cwd);
	return abs;
}

const char *
path_show(const char *path)
{
	const struct given	*g, *best = NULL;
	const char		*rest;
	size_t			 i, len;

	/* The longest operand the path is under (or is). */
	for (i = 0; i < ngiven; i++) {
		g = &given[i];
		if (strncmp(path, g->abs, g->abslen) != 0 || (g->abslen > 1 &&
		    path[g->abslen] != '/' && path[g->abslen] != '\0'))
			continue;
		if (best == NULL || g->abslen > best->abslen)
			best = g;
	}
	if (best == NULL)
		return path;
	/* "" or "/NAME...": the root's files are "/NAME" too. */
	rest = best->abslen == 1 ? path + (path[1] == '\0') : path +
	    best->abslen;
	if (rest[0] == '\0')
		return best->rel;
	if (strcmp(best->rel, ".") == 0)
		return rest + 1;	/* "NAME", not "./NAME" */
	len = strlen(best->rel) + strlen(rest) + 1;
	if (len > showcap) {
		free(showbuf);
		showbuf = emalloc(showcap = len);
	}
	memcpy(showbuf, best->rel, strlen(best->rel));
	memcpy(showbuf + strlen(best->rel), rest, strlen(rest) + 1);
	return showbuf;
}
