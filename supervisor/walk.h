/* The sorted, streaming input walk of an add job (see walk.c). */
#ifndef KBD_WALK_H
#define KBD_WALK_H

#include <sys/stat.h>
#include <stddef.h>

struct wframe;

struct walk {
	char		**inputs;
	size_t		  ninputs, next_input;
	struct wframe	 *stack;
	size_t		  depth, cap;
	const char	 *exclude;	/* the KB's root: nothing under it is input */
	struct ignore	 *rules;	/* --exclude, --include: after .kbignore */
};

struct walk_entry {
	char		*path;		/* malloc'ed; the caller frees it */
	int		 status;	/* FS_NONE: a regular file to process */
	char		 reason[160];
	struct stat	 st;
};

void	walk_init(struct walk *, char **inputs, size_t ninputs,
	    const char *exclude, char **rules, size_t nrules);
/*
 * kbd.conf's exclude (patterns separated by spaces): the rules every walk
 * reads before the .kbignore files. Set once, at start.
 */
void	walk_defaults(const char *patterns);
/* 1 an entry, 0 the walk is over. */
int	walk_next(struct walk *, struct walk_entry *);
void	walk_free(struct walk *);

#endif /* KBD_WALK_H */
