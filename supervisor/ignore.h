/* .kbignore rules of one directory (see ignore.c). */
#ifndef KBD_IGNORE_H
#define KBD_IGNORE_H

struct ignore;

/* The rules of dir/.kbignore, or NULL when it has none. */
struct ignore	*ignore_load(const char *dir);
void		 ignore_free(struct ignore *);
/* Rules given as strings (--exclude PAT, --include as "!PAT"), or NULL. */
struct ignore	*ignore_rules(char **rules, size_t n);
/*
 * How the rules judge rel (a path relative to their directory, '/'
 * separated): 1 ignored, -1 re-included by a '!' rule, 0 no rule matches.
 * *line is the deciding rule's line number.
 */
int		 ignore_match(const struct ignore *, const char *rel, int isdir,
		    unsigned *line);
/* The glob itself, exported for the unit test: 1 match, 0 not. */
int		 ignore_glob(const char *pat, const char *s);

#endif /* KBD_IGNORE_H */
