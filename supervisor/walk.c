/*
 * The input walk of an add job: the job's paths in the order given, each
 * directory's entries sorted by name, recursively. It streams: memory holds
 * the entry names of the directories on the current path, never the tree.
 * Because the order depends only on the tree, a resumed job numbers its
 * files exactly as before and can skip what it had already committed.
 *
 * What is left out, in the order the rules are read (the last that
 * matches decides): kbd.conf's exclude (walk_defaults), then the
 * .kbignore files from the input down, then --exclude and --include.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ignore.h"
#include "kbd.pb-c.h"
#include "walk.h"
#include "xmalloc.h"

/*
 * Directories on the current path kept open, so that their entries are
 * stat'ed relative to them (fstatat) rather than by a full path looked
 * up from / each time; deeper ones fall back to the full path.
 */
#define WALK_OPEN_MAX	64

struct wframe {
	char		 *dir;
	DIR		 *d;		/* open while walked, or NULL */
	char		**names;
	size_t		  n, i;
	struct ignore	 *ign;		/* its .kbignore's rules, or NULL */
};

/* kbd.conf's exclude, set once at start: before every .kbignore. */
static struct ignore	*defaults;

void
walk_defaults(const char *patterns)
{
	char	*copy, *p, *w, **v = NULL;
	size_t	 n = 0;

	ignore_free(defaults);
	defaults = NULL;
	copy = xstrdup(patterns);
	for (p = copy; (w = strsep(&p, " \t")) != NULL; ) {
		if (*w == '\0')
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = w;
	}
	defaults = ignore_rules(v, n);
	free(v);
	free(copy);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
push_dir(struct walk *w, const char *dir)
{
	struct wframe	*f;
	struct dirent	*de;
	DIR		*d;
	size_t		 cap = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	if (w->depth == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		w->stack = xreallocarray(w->stack, w->cap, sizeof(*w->stack));
	}
	f = &w->stack[w->depth++];
	memset(f, 0, sizeof(*f));
	f->dir = xstrdup(dir);
	f->ign = ignore_load(dir);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (f->n == cap) {
			cap = cap ? cap * 2 : 32;
			f->names = xreallocarray(f->names, cap, sizeof(char *));
		}
		f->names[f->n++] = xstrdup(de->d_name);
	}
	if (w->depth <= WALK_OPEN_MAX)
		f->d = d;
	else
		closedir(d);
	if (f->n > 1)
		qsort(f->names, f->n, sizeof(char *), cmp_names);
	return 0;
}

static void
pop_dir(struct walk *w)
{
	struct wframe	*f = &w->stack[--w->depth];

	while (f->i < f->n)
		free(f->names[f->i++]);
	free(f->names);
	free(f->dir);
	if (f->d != NULL)
		closedir(f->d);
	ignore_free(f->ign);
}

static const char *
kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "FIFO";
	if (S_ISSOCK(m))
		return "socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "device";
	return "special file";
}

void
walk_init(struct walk *w, char **inputs, size_t ninputs, const char *exclude,
    char **rules, size_t nrules)
{
	memset(w, 0, sizeof(*w));
	w->inputs = inputs;
	w->ninputs = ninputs;
	w->exclude = exclude;
	w->rules = ignore_rules(rules, nrules);
}

void
walk_free(struct walk *w)
{
	while (w->depth > 0)
		pop_dir(w);
	free(w->stack);
	w->stack = NULL;
	ignore_free(w->rules);
	w->rules = NULL;
}

/* path is root or below it (both clean and absolute). */
static int
path_under(const char *path, const char *root)
{
	size_t	n = strlen(root);

	if (n == 1 && root[0] == '/')
		return 1;
	return strncmp(path, root, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/* A directory holding .kb/: another knowledge base (or this one). */
static int
holds_kb(const char *dir)
{
	struct stat	 st;
	char		*p;
	int		 r;

	xasprintf(&p, "%s/.kb", strcmp(dir, "/") == 0 ? "" : dir);
	r = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return r;
}

/*
 * An entry the .kbignore files of the directories above it, outermost
 * first, leave out: skipped "ignored (FILE:LINE)", reported only to a
 * verbose client as every skipped file is.
 */
static int
ignored(struct walk *w, const char *path, int isdir, struct walk_entry *e)
{
	const char	*by = NULL;
	size_t		 k, n;
	unsigned	 line, at = 0;
	int		 r, v = 0, conf = 0;

	/* kbd.conf's rules first, relative to the input, as --exclude's. */
	if (defaults != NULL && w->depth > 0) {
		n = strcmp(w->stack[0].dir, "/") == 0 ? 0 :
		    strlen(w->stack[0].dir);
		if ((v = ignore_match(defaults, path + n + 1, isdir,
		    &line)) != 0) {
			conf = 1;
			at = line;
		}
	}
	for (k = 0; k < w->depth; k++) {
		if (w->stack[k].ign == NULL)
			continue;
		n = strcmp(w->stack[k].dir, "/") == 0 ? 0 :
		    strlen(w->stack[k].dir);
		if ((r = ignore_match(w->stack[k].ign, path + n + 1, isdir,
		    &line)) != 0) {
			v = r;
			by = w->stack[k].dir;
			at = line;
			conf = 0;
		}
	}
	/* The command line's rules come last, relative to the input. */
	if (w->rules != NULL && w->depth > 0) {
		n = strcmp(w->stack[0].dir, "/") == 0 ? 0 :
		    strlen(w->stack[0].dir);
		if ((r = ignore_match(w->rules, path + n + 1, isdir,
		    &line)) != 0) {
			v = r;
			by = NULL;
			at = line;
			conf = 0;
		}
	}
	if (v != 1)
		return 0;
	memset(e, 0, sizeof(*e));
	e->path = (char *)path;
	e->status = KBD__FILE_STATUS__FS_SKIPPED;
	if (conf)
		(void)snprintf(e->reason, sizeof(e->reason), "excluded "
		    "(kbd.conf exclude)");
	else if (by == NULL)
		(void)snprintf(e->reason, sizeof(e->reason), "excluded "
		    "(--exclude)");
	else
		(void)snprintf(e->reason, sizeof(e->reason), "ignored "
		    "(%s/.kbignore:%u)", strcmp(by, "/") == 0 ? "" : by, at);
	return 1;
}

/*
 * Classify one path; explicit inputs follow symlinks, entries do not (an
 * entry is name in the directory open as dfd, or -1: by its path).
 * Nothing of a knowledge base is input: its own tree (its output) and
 * any directory holding .kb/ are skipped whole.
 */
static void
classify(struct walk *w, char *path, int explicit, int dfd, const char *name,
    struct walk_entry *e)
{
	struct stat	st;
	int		r;

	memset(e, 0, sizeof(*e));
	e->path = path;
	if (explicit)
		r = stat(path, &st);
	else if (dfd != -1)
		r = fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW);
	else
		r = lstat(path, &st);
	if (r == -1) {
		e->status = KBD__FILE_STATUS__FS_FAILED;
		(void)snprintf(e->reason, sizeof(e->reason), "%s",
		    strerror(errno));
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) == -1) {
			e->status = KBD__FILE_STATUS__FS_FAILED;
			(void)snprintf(e->reason, sizeof(e->reason),
			    "broken symlink (%s)", strerror(errno));
			return;
		}
		if (S_ISDIR(st.st_mode)) {
			e->status = KBD__FILE_STATUS__FS_SKIPPED;
			(void)snprintf(e->reason, sizeof(e->reason),
			    "symlink to a directory");
			return;
		}
	}
	if (!explicit && ignored(w, path, S_ISDIR(st.st_mode), e))
		return;
	if ((w->exclude != NULL && path_under(path, w->exclude)) ||
	    (S_ISDIR(st.st_mode) && holds_kb(path))) {
		e->status = KBD__FILE_STATUS__FS_SKIPPED;
		(void)snprintf(e->reason, sizeof(e->reason),
		    "inside a knowledge base");
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (push_dir(w, path) == -1) {
			e->status = KBD__FILE_STATUS__FS_FAILED;
			(void)snprintf(e->reason, sizeof(e->reason),
			    "cannot read directory: %s", strerror(errno));
			return;
		}
		e->status = -1;		/* nothing to report */
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		e->status = KBD__FILE_STATUS__FS_SKIPPED;
		(void)snprintf(e->reason, sizeof(e->reason), "%s",
		    kind(st.st_mode));
		return;
	}
	e->status = KBD__FILE_STATUS__FS_NONE;
	e->st = st;
}

int
walk_next(struct walk *w, struct walk_entry *e)
{
	struct wframe	*f;
	char		*name, *path;

	for (;;) {
		if (w->depth == 0) {
			if (w->next_input == w->ninputs)
				return 0;
			path = xstrdup(w->inputs[w->next_input++]);
			classify(w, path, 1, -1, NULL, e);
		} else {
			f = &w->stack[w->depth - 1];
			if (f->i == f->n) {
				pop_dir(w);
				continue;
			}
			name = f->names[f->i++];
			xasprintf(&path, "%s/%s", strcmp(f->dir, "/") == 0 ?
			    "" : f->dir, name);
			if (name[0] == '.') {
				memset(e, 0, sizeof(*e));
				e->path = path;
				e->status = KBD__FILE_STATUS__FS_SKIPPED;
				(void)snprintf(e->reason, sizeof(e->reason),
				    "hidden");
				free(name);
				return 1;
			}
			/* classify may grow the stack: f is not used after. */
			classify(w, path, 0, f->d != NULL ? dirfd(f->d) : -1,
			    name, e);
			free(name);
		}
		if (e->status == -1) {
			free(path);
			continue;
		}
		return 1;
	}
}
