/*
 * The index pages written (wiki/index.md and wiki/index/; rendering in
 * workers/store/wikiindex.c), incrementally: a mutation plans the groups
 * (types, folders) its documents are in, tracks in its journal the pages
 * of those groups it may change, before activation, and writes them once
 * the registry holds its changes (in the same open transaction), before
 * the commit point. A group that only gains documents (an add) changes
 * its page and its last numbered pages; one that loses or changes any
 * (remove, update, move) has all its pages written. index.md is tracked
 * each time and written only when it changes. lint --fix's side:
 * every page compared with what the registry makes, the differing ones
 * written again and strays removed.
 *
 * Fail points (fsio.h), PREFIX the caller's (publish, update, remove,
 * lintfix): PREFIX.index(.fsync, .rename) for index.md,
 * PREFIX.subindex(.rename) for a page (its data made durable by the
 * caller's commit_sync), PREFIX.subindex.unlink.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "db.h"
#include "fsio.h"
#include "journal.h"
#include "kbpath.h"
#include "log.h"
#include "util.h"
#include "wiki.h"
#include "wikiindex.h"
#include "xmalloc.h"

static struct index_group *
plan_group(struct index_plan *p, enum kbpath_group g, const char *value)
{
	struct index_group	*x;
	size_t			 i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].g == g && strcmp(p->v[i].value, value) == 0)
			return &p->v[i];
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
	}
	x = &p->v[p->n++];
	memset(x, 0, sizeof(*x));
	x->g = g;
	x->value = xstrdup(value);
	return x;
}

/* The folder of a source path: up to its last slash, kept. */
static char *
folder_of(const char *src_path)
{
	const char	*s = strrchr(src_path, '/');

	return s == NULL ? xstrdup("") : xstrndup(src_path,
	    (size_t)(s - src_path + 1));
}

void
index_plan_add(struct index_plan *p, const char *ext, const char *src_path)
{
	char	*dir = folder_of(src_path);

	plan_group(p, KBPATH_TYPE, ext)->nadd++;
	plan_group(p, KBPATH_FOLDER, dir)->nadd++;
	free(dir);
}

void
index_plan_change(struct index_plan *p, const char *ext,
    const char *src_path)
{
	char	*dir = folder_of(src_path);

	plan_group(p, KBPATH_TYPE, ext)->whole = 1;
	plan_group(p, KBPATH_FOLDER, dir)->whole = 1;
	free(dir);
}

int
index_plan_doc(struct index_plan *p, int64_t id, const char *new_src)
{
	char	*name, *ext, *hash, *src;
	int	 r;

	if ((r = db_doc_get(id, &name, &ext, &hash, &src)) != 1)
		return r;
	index_plan_change(p, ext, src);
	if (new_src != NULL) {
		/* It may enter these groups: one more, at most. */
		index_plan_change(p, ext, new_src);
		index_plan_add(p, ext, new_src);
	}
	free(name);
	free(ext);
	free(hash);
	free(src);
	return 1;
}

void
index_plan_free(struct index_plan *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++)
		free(p->v[i].value);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static int
track_page(struct journal *j, enum kbpath_group g, const char *value,
    unsigned page)
{
	char	*path;
	int	 r;

	path = kbpath_index_page(g, value, page);
	r = journal_track(j, path);
	free(path);
	return r;
}

static int
count_group(void *arg, const char *value, uint64_t n)
{
	(void)value;
	(void)n;
	(*(uint64_t *)arg)++;
	return 0;
}

/*
 * The folder list's pages (wikiindex_folders) a mutation may write or
 * remove: all of them, as many as the folders before and after (nnew
 * folders at most are new). A folder's count changes its own page only;
 * a new or gone folder shifts the pages after it (they list folders by
 * path), and index_plan_write writes only the pages that differ.
 */
static int
track_folder_pages(struct index_plan *p, struct journal *j, uint64_t nnew)
{
	uint64_t	nfolders = 0;
	unsigned	np, k;
	char		*path;
	int		 r;

	if (db_index_groups(1, count_group, &nfolders) == -1) {
		p->dberr = 1;
		errno = EIO;
		return -1;
	}
	np = wikiindex_folder_npages(nfolders);
	p->fpages = wikiindex_folder_npages(nfolders + nnew);
	if (np > p->fpages)
		p->fpages = np;
	for (k = 1; k <= p->fpages; k++) {
		path = kbpath_index_folders(k);
		r = journal_track(j, path);
		free(path);
		if (r == -1)
			return -1;
	}
	return 0;
}

/*
 * Before activation, with the registry as it was: which pages each group
 * may change, tracked, and index.md. 0 or -1 (errno; a registry error is
 * EIO, with db_errmsg).
 */
int
index_plan_track(struct index_plan *p, struct journal *j)
{
	struct index_group	*x;
	uint64_t		 nup, nnew = 0;
	unsigned		 pold, pup, k;
	size_t			 i;

	for (i = 0; i < p->n; i++) {
		x = &p->v[i];
		if (db_index_count(x->g == KBPATH_FOLDER, x->value,
		    &x->nold) == -1) {
			p->dberr = 1;
			return -1;
		}
		nup = x->nold + x->nadd;
		pold = wikiindex_npages(x->nold);
		pup = wikiindex_npages(nup);
		if (x->whole || (pold == 0) != (pup == 0))
			x->plo = 1;
		else
			x->plo = wikiindex_page_of(x->nold);
		x->phi = pold > pup ? pold : pup;
		if (track_page(j, x->g, x->value, 0) == -1)
			return -1;
		for (k = x->plo; k <= x->phi; k++)
			if (track_page(j, x->g, x->value, k) == -1)
				return -1;
		if (x->g == KBPATH_FOLDER && x->nold == 0)
			nnew++;
	}
	if (track_folder_pages(p, j, nnew) == -1)
		return -1;
	return journal_track(j, WIKI_INDEX);
}

static char *
put_page(const char *path, const char *page, size_t len, const char *prefix)
{
	char	point[64];

	(void)snprintf(point, sizeof(point), "%s.subindex", prefix);
	if (fsio_write_batched(path, page, len, point) == -1)
		return errf("%s: %s", path, strerror(errno));
	commit_published(path);
	return NULL;
}

static char *
drop_page(const char *path, const char *prefix)
{
	char	point[64];

	(void)snprintf(point, sizeof(point), "%s.subindex.unlink", prefix);
	if (fsio_unlink(path, point) == -1)
		return errf("%s: %s", path, strerror(errno));
	return NULL;
}

/*
 * The folder list's pages the registry now makes, written where they
 * differ; those past the last, removed. Only pages tracked (fpages).
 */
static char *
write_folder_pages(const struct index_plan *p, const char *prefix)
{
	struct wikiindex_folders	 wf;
	struct stat			 st;
	char				*path, *have, *err = NULL;
	size_t				 hlen;
	unsigned			 k;

	/* None tracked: the folders fit in index.md before and after. */
	if (p->fpages == 0)
		return NULL;
	if (wikiindex_folders(&wf) == -1)
		return errf("registry: %s", db_errmsg());
	if (wf.n > p->fpages) {
		err = errf("%u folder list pages, %u tracked", wf.n,
		    p->fpages);
		wikiindex_folders_free(&wf);
		return err;
	}
	for (k = 1; k <= p->fpages && err == NULL; k++) {
		path = kbpath_index_folders(k);
		if (k > wf.n) {
			if (lstat(path, &st) == 0)
				err = drop_page(path, prefix);
		} else {
			have = read_file(path, &hlen);
			if (have == NULL || hlen != wf.len[k - 1] ||
			    memcmp(have, wf.page[k - 1], hlen) != 0)
				err = put_page(path, wf.page[k - 1],
				    wf.len[k - 1], prefix);
			free(have);
		}
		free(path);
	}
	wikiindex_folders_free(&wf);
	return err;
}

/* index.md, if the registry now makes it otherwise. */
static char *
write_top(const char *prefix)
{
	char	 point[64], *want, *have;
	size_t	 wlen, hlen;
	char	*err = NULL;

	if ((want = wikiindex_top(&wlen)) == NULL)
		return errf("registry: %s", db_errmsg());
	have = read_file(WIKI_INDEX, &hlen);
	if (have == NULL || hlen != wlen || memcmp(have, want, wlen) != 0) {
		(void)snprintf(point, sizeof(point), "%s.index", prefix);
		if (fsio_write_atomic(WIKI_INDEX, want, wlen, point) == -1)
			err = errf("%s: %s", WIKI_INDEX, strerror(errno));
	}
	free(have);
	free(want);
	return err;
}

/*
 * After the registry holds the mutation's changes (its transaction
 * open), before commit_sync: the tracked pages written or removed.
 */
char *
index_plan_write(struct index_plan *p, const char *prefix)
{
	struct index_group	*x;
	char			*path, *page, *err = NULL;
	uint64_t		 n;
	size_t			 i, len;
	unsigned		 np, k;

	for (i = 0; i < p->n && err == NULL; i++) {
		x = &p->v[i];
		if (db_index_count(x->g == KBPATH_FOLDER, x->value, &n) == -1)
			return errf("registry: %s", db_errmsg());
		np = wikiindex_npages(n);
		for (k = 0; k <= x->phi && err == NULL; k++) {
			if (k > 0 && k < x->plo)
				continue;
			path = kbpath_index_page(x->g, x->value, k);
			if (n == 0 || k > np)
				err = drop_page(path, prefix);
			else if ((page = wikiindex_page(x->g, x->value, n, k,
			    &len)) == NULL)
				err = errf("registry: %s", db_errmsg());
			else {
				err = put_page(path, page, len, prefix);
				free(page);
			}
			free(path);
		}
	}
	if (err == NULL)
		err = write_folder_pages(p, prefix);
	if (err == NULL)
		err = write_top(prefix);
	return err;
}

/* lint and lint --fix: every page against the registry. */

static void
fix_add(struct index_fix *x, char *path, char *page, size_t len)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		x->v = xreallocarray(x->v, x->cap, sizeof(*x->v));
	}
	x->v[x->n].path = path;
	x->v[x->n].page = page;
	x->v[x->n].len = len;
	x->n++;
}

struct fplan {
	struct index_fix	*x;
	struct lint		*l;
	int			 dry;
	enum kbpath_group	 g;
	char			**want;		/* expected page paths */
	size_t			 nwant, capwant;
	char			*error;
};

static void
want_add(struct fplan *f, const char *path)
{
	if (f->nwant == f->capwant) {
		f->capwant = f->capwant ? 2 * f->capwant : 64;
		f->want = xreallocarray(f->want, f->capwant,
		    sizeof(*f->want));
	}
	f->want[f->nwant++] = xstrdup(path);
}

/* One page: as the registry makes it, else planned and reported. */
static void
check_page(struct fplan *f, const char *path, char *want, size_t wlen)
{
	char		*have;
	size_t		 hlen;
	int		 missing;

	have = read_file(path, &hlen);
	missing = have == NULL && errno == ENOENT;
	if (have == NULL && !missing) {
		f->error = errf("%s: %s", path, strerror(errno));
		free(want);
		return;
	}
	if (have != NULL && hlen == wlen && memcmp(have, want, wlen) == 0) {
		free(have);
		free(want);
		return;
	}
	free(have);
	if (f->dry && missing && strcmp(path, WIKI_INDEX) == 0) {
		free(want);	/* lint reports it missing */
		return;
	}
	if (f->dry) {
		lint_add(f->l, "%s: %s; run kbctl lint --fix", path,
		    missing ? "missing" : "not as the registry makes it");
		free(want);
		return;
	}
	lint_add(f->l, "%s: rewritten from the registry (%s)", path,
	    missing ? "missing" : "did not list its documents as the "
	    "registry does");
	fix_add(f->x, xstrdup(path), want, wlen);
}

static int
check_group(void *arg, const char *value, uint64_t n)
{
	struct fplan	*f = arg;
	char		*path, *page;
	size_t		 len;
	unsigned	 k, np = wikiindex_npages(n);

	for (k = 0; k <= np && f->error == NULL; k++) {
		path = kbpath_index_page(f->g, value, k);
		want_add(f, path);
		if ((page = wikiindex_page(f->g, value, n, k, &len)) == NULL)
			f->error = errf("registry: %s", db_errmsg());
		else
			check_page(f, path, page, len);
		free(path);
	}
	return f->error != NULL;
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Files of a sub-index directory that no group makes; with prefix, only
 * the files whose names start with it (wiki/index/ holds directories).
 */
static void
check_strays(struct fplan *f, const char *dir, const char *prefix)
{
	DIR		*d;
	struct dirent	*e;
	char		*path;

	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			f->error = errf("%s: %s", dir, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (prefix != NULL && strncmp(e->d_name, prefix,
		    strlen(prefix)) != 0)
			continue;
		(void)xasprintf(&path, "%s/%s", dir, e->d_name);
		if (bsearch(&path, f->want, f->nwant, sizeof(*f->want),
		    cmp_strp) != NULL) {
			free(path);
			continue;
		}
		if (f->dry) {
			lint_add(f->l, "%s: no such index group; run kbctl "
			    "lint --fix", path);
			free(path);
		} else {
			lint_add(f->l, "%s: removed (no such index group)",
			    path);
			fix_add(f->x, path, NULL, 0);
		}
	}
	closedir(d);
}

/* The folder list's pages. */
static void
check_folder_pages(struct fplan *f)
{
	struct wikiindex_folders	 wf;
	char				*path;
	unsigned			 k;

	if (wikiindex_folders(&wf) == -1) {
		f->error = errf("registry: %s", db_errmsg());
		return;
	}
	for (k = 1; k <= wf.n && f->error == NULL; k++) {
		path = kbpath_index_folders(k);
		want_add(f, path);
		check_page(f, path, wf.page[k - 1], wf.len[k - 1]);
		wf.page[k - 1] = NULL;	/* check_page's now */
		free(path);
	}
	wikiindex_folders_free(&wf);
}

/*
 * Every index page compared with what the registry makes. Dry (lint):
 * problems go to l. Else what to write or remove goes to x and the
 * repairs to l. NULL or the error.
 */
char *
index_fix_plan(struct index_fix *x, struct lint *l, int dry)
{
	struct fplan	 f;
	char		*top;
	size_t		 len, i;

	memset(&f, 0, sizeof(f));
	f.x = x;
	f.l = l;
	f.dry = dry;
	f.g = KBPATH_TYPE;
	if (db_index_groups(0, check_group, &f) == -1 && f.error == NULL)
		f.error = errf("registry: %s", db_errmsg());
	f.g = KBPATH_FOLDER;
	if (f.error == NULL && db_index_groups(1, check_group, &f) == -1
	    && f.error == NULL)
		f.error = errf("registry: %s", db_errmsg());
	if (f.error == NULL)
		check_folder_pages(&f);
	if (f.error == NULL) {
		if (f.nwant > 0)
			qsort(f.want, f.nwant, sizeof(*f.want), cmp_strp);
		check_strays(&f, KB_INDEX_TYPES, NULL);
	}
	if (f.error == NULL)
		check_strays(&f, KB_INDEX_FOLDERS, NULL);
	if (f.error == NULL)
		check_strays(&f, KB_INDEX_DIR, "folders-");
	if (f.error == NULL && (top = wikiindex_top(&len)) == NULL)
		f.error = errf("registry: %s", db_errmsg());
	else if (f.error == NULL)
		check_page(&f, WIKI_INDEX, top, len);
	for (i = 0; i < f.nwant; i++)
		free(f.want[i]);
	free(f.want);
	return f.error;
}

int
index_fix_track(struct index_fix *x, struct journal *j)
{
	size_t	i;

	for (i = 0; i < x->n; i++)
		if (journal_track(j, x->v[i].path) == -1)
			return -1;
	return 0;
}

char *
index_fix_write(struct index_fix *x)
{
	char	*err = NULL;
	size_t	 i;

	for (i = 0; i < x->n && err == NULL; i++) {
		if (x->v[i].page == NULL)
			err = drop_page(x->v[i].path, "lintfix");
		else if (strcmp(x->v[i].path, WIKI_INDEX) == 0) {
			if (fsio_write_atomic(WIKI_INDEX, x->v[i].page,
			    x->v[i].len, "lintfix.index") == -1)
				err = errf("%s: %s", WIKI_INDEX,
				    strerror(errno));
		} else
			err = put_page(x->v[i].path, x->v[i].page,
			    x->v[i].len, "lintfix");
	}
	return err;
}

void
index_fix_free(struct index_fix *x)
{
	size_t	i;

	for (i = 0; i < x->n; i++) {
		free(x->v[i].path);
		free(x->v[i].page);
	}
	free(x->v);
	memset(x, 0, sizeof(*x));
}
