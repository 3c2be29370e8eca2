/*
 * The wiki's index pages, rendered from the registry (docs/architecture.md,
 * "The wiki"): wiki/index.md, the way in, lists groups; a group is a type
 * (extension) or a source folder. A group's page (wiki/index/type/KEY.md,
 * wiki/index/folder/KEY.md) lists its documents when it has at most
 * wikiindex_bound() of them, else its numbered pages KEY-1.md, KEY-2.md...
 * which list bound documents each, in id order. So every document is
 * within three links of index.md: index.md, the group's page, a numbered
 * page, the summary. Folders beyond what index.md lists go on the folder
 * list's pages (wiki/index/folders-N.md), which index.md links: a
 * folder's page is two links away, whatever the folder count. Every page
 * is a function of the registry alone (lint compares, lint --fix
 * rewrites); indexw.c decides which pages a mutation writes. Only
 * rendering here.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conceptdb.h"
#include "db.h"
#include "kbpath.h"
#include "log.h"
#include "util.h"
#include "wiki.h"
#include "wikiindex.h"
#include "xmalloc.h"

static FILE *
mopen(char **buf, size_t *len)
{
	FILE	*f;

	*buf = NULL;
	if ((f = open_memstream(buf, len)) == NULL)
		fatal("open_memstream");
	return f;
}

static void
mclose(FILE *f)
{
	if (ferror(f) || fclose(f) != 0)
		fatalx("out of memory rendering an index page");
}

uint64_t
wikiindex_bound(void)
{
	static uint64_t	 bound;

	/* Tests lower it to exercise paging on a small KB. */
	if (bound == 0)
		bound = env_u64("KBD_INDEX_BOUND", WIKI_INDEX_BOUND, 2,
		    WIKI_INDEX_BOUND);
	return bound;
}

unsigned
wikiindex_npages(uint64_t n)
{
	uint64_t	b = wikiindex_bound();

	return n <= b ? 0 : (unsigned)((n + b - 1) / b);
}

unsigned
wikiindex_page_of(uint64_t rank)
{
	return (unsigned)(rank / wikiindex_bound()) + 1;
}

/* "pdf", "(no extension)", or the folder as it is. */
static void
put_group_name(FILE *f, enum kbpath_group g, const char *value)
{
	if (g == KBPATH_TYPE && *value == '\0')
		fputs("(no extension)", f);
	else
		wiki_put_text(f, value);
}

static void
put_frontmatter(FILE *f, enum kbpath_group g, const char *value, uint64_t n,
    unsigned page)
{
	char	*desc;

	if (page == 0)
		(void)xasprintf(&desc, "The %" PRIu64 " document%s of %s "
		    "%s.", n, wiki_plural(n), g == KBPATH_TYPE ? "type" :
		    "folder", *value != '\0' ? value : "(no extension)");
	else
		(void)xasprintf(&desc, "Page %u of the documents of %s %s.",
		    page, g == KBPATH_TYPE ? "type" : "folder",
		    *value != '\0' ? value : "(no extension)");
	fputs("---\ntype: \"index\"\ndescription: ", f);
	wiki_yaml_str(f, desc);
	fputs("\n---\n\n", f);
	free(desc);
}

static int
put_entry(void *arg, const struct db_doc *dd)
{
	FILE		*f = arg;
	struct wiki_doc	 d;
	char		*line;

	memset(&d, 0, sizeof(d));
	d.name = dd->name;
	d.ext = dd->ext;
	d.title = dd->title;
	d.description = dd->description;
	line = wiki_subindex_entry(&d, dd->src_path);
	fputs(line, f);
	free(line);
	return 0;
}

char *
wikiindex_page(enum kbpath_group g, const char *value, uint64_t n,
    unsigned page, size_t *len)
{
	FILE		*f;
	char		*buf, *key;
	uint64_t	 b = wikiindex_bound(), first, last;
	unsigned	 npages = wikiindex_npages(n), k;
	int		 r = 0;

	f = mopen(&buf, len);
	put_frontmatter(f, g, value, n, page);
	fputs(g == KBPATH_TYPE ? "# Type " : "# Folder ", f);
	put_group_name(f, g, value);
	key = kbpath_index_key(g, value);
	if (page == 0) {
		fprintf(f, "\n\n[Index](../../index.md) · %" PRIu64
		    " document%s", n, wiki_plural(n));
		if (npages == 0) {
			fputs("\n\n", f);
			r = db_index_docs(g == KBPATH_FOLDER, value, 0, b, n,
			    put_entry, f);
		} else {
			fprintf(f, " on %u pages of at most %" PRIu64
			    "\n\n", npages, b);
			for (k = 1; k <= npages; k++) {
				first = (uint64_t)(k - 1) * b + 1;
				last = first + b - 1 < n ? first + b - 1 : n;
				fprintf(f, "- [Page %u](%s-%u.md): documents "
				    "%" PRIu64 "\xe2\x80\x93%" PRIu64 "\n", k,
				    key, k, first, last);
			}
		}
	} else {
		first = (uint64_t)(page - 1) * b;
		last = first + b < n ? first + b : n;
		/*
		 * Nothing here depends on the group's size but the last
		 * page's range: adding rewrites only the last pages.
		 */
		fprintf(f, ", page %u\n\n[Index](../../index.md) · "
		    "[all pages](%s.md) · documents %" PRIu64 "\xe2\x80\x93%"
		    PRIu64 "\n\n", page, key, first + 1, last);
		r = db_index_docs(g == KBPATH_FOLDER, value, first, b, n,
		    put_entry, f);
	}
	free(key);
	mclose(f);
	if (r != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct top {
	FILE			*f;
	uint64_t		 groups, docs;
	struct grp {
		char		*value;
		uint64_t	 n;
	}			*v;
	size_t			 n, cap;
};

/* A group's line, in index.md or (list) in a folder list's page. */
static void
put_group(FILE *f, enum kbpath_group g, const char *value, uint64_t n,
    int list)
{
	char	*link;

	fputs("- [", f);
	put_group_name(f, g, value);
	fputs("](", f);
	link = list ? kbpath_index_folder_from_list(value) :
	    kbpath_index_link(g, value, 0);
	fputs(link, f);
	free(link);
	fprintf(f, ") \xe2\x80\x94 %" PRIu64 " document%s\n", n,
	    wiki_plural(n));
}

static int
put_type(void *arg, const char *value, uint64_t n)
{
	struct top	*t = arg;

	t->groups++;
	t->docs += n;
	put_group(t->f, KBPATH_TYPE, value, n, 0);
	return 0;
}

static int
keep_folder(void *arg, const char *value, uint64_t n)
{
	struct top	*t = arg;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	t->v[t->n].value = xstrdup(value);
	t->v[t->n].n = n;
	t->n++;
	return 0;
}

static void
top_free(struct top *t)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].value);
	free(t->v);
}

/* Folders index.md lists itself: WIKI_INDEX_FOLDERS_MAX, or the bound. */
static uint64_t
folders_listed_max(void)
{
	uint64_t	b = wikiindex_bound();

	return b < WIKI_INDEX_FOLDERS_MAX ? b : WIKI_INDEX_FOLDERS_MAX;
}

unsigned
wikiindex_folder_npages(uint64_t nfolders)
{
	uint64_t	b = wikiindex_bound();

	if (nfolders <= folders_listed_max())
		return 0;
	return (unsigned)((nfolders + b - 1) / b);
}

/* index.md's lines for the folder list's pages: their first and last. */
static void
put_folder_pages(FILE *f, const struct top *t)
{
	uint64_t	b = wikiindex_bound();
	unsigned	np = wikiindex_folder_npages(t->n), k;
	size_t		first, last;
	char		*link;

	fprintf(f, "%zu folders, by path, on %u pages of at most %" PRIu64
	    ":\n\n", t->n, np, b);
	for (k = 1; k <= np; k++) {
		first = (size_t)(k - 1) * b;
		last = first + b < t->n ? first + b - 1 : t->n - 1;
		link = kbpath_index_folders_link(k);
		fprintf(f, "- [Folders, page %u](%s): ", k, link);
		free(link);
		put_group_name(f, KBPATH_FOLDER, t->v[first].value);
		fputs(" \xe2\x80\x93 ", f);
		put_group_name(f, KBPATH_FOLDER, t->v[last].value);
		fputc('\n', f);
	}
}

/*
 * A folder list's page: its folders and their counts, and nothing that
 * depends on the others (a folder's count changes only its own page).
 */
static char *
folders_page(const struct top *t, unsigned k, size_t *len)
{
	FILE		*f;
	char		*buf, *desc;
	uint64_t	 b = wikiindex_bound();
	size_t		 first, last, i;

	first = (size_t)(k - 1) * b;
	last = first + b < t->n ? first + b : t->n;
	f = mopen(&buf, len);
	(void)xasprintf(&desc, "Page %u of the source folders, by path.", k);
	fputs("---\ntype: \"index\"\ndescription: ", f);
	wiki_yaml_str(f, desc);
	free(desc);
	fprintf(f, "\n---\n\n# Folders, page %u\n\n[Index](../index.md)"
	    "\n\n", k);
	for (i = first; i < last; i++)
		put_group(f, KBPATH_FOLDER, t->v[i].value, t->v[i].n, 1);
	mclose(f);
	return buf;
}

int
wikiindex_folders(struct wikiindex_folders *wf)
{
	struct top	t;
	unsigned	k;

	memset(wf, 0, sizeof(*wf));
	memset(&t, 0, sizeof(t));
	if (db_index_groups(1, keep_folder, &t) == -1) {
		top_free(&t);
		return -1;
	}
	wf->nfolders = t.n;
	wf->n = wikiindex_folder_npages(t.n);
	wf->page = xcalloc(wf->n ? wf->n : 1, sizeof(*wf->page));
	wf->len = xcalloc(wf->n ? wf->n : 1, sizeof(*wf->len));
	for (k = 1; k <= wf->n; k++)
		wf->page[k - 1] = folders_page(&t, k, &wf->len[k - 1]);
	top_free(&t);
	return 0;
}

void
wikiindex_folders_free(struct wikiindex_folders *wf)
{
	unsigned	k;

	for (k = 0; k < wf->n; k++)
		free(wf->page[k]);
	free(wf->page);
	free(wf->len);
	memset(wf, 0, sizeof(*wf));
}

/*
 * index.md: the types, then the folders (all, by path, while they fit:
 * folders_listed_max; else the folder list's pages, each with its first
 * and last folder). One pass over each of the registry's two group
 * indexes.
 */
char *
wikiindex_top(size_t *len)
{
	struct top	 t;
	FILE		*f;
	char		*buf, *types;
	size_t		 tlen, i;
	int		 r, any;

	memset(&t, 0, sizeof(t));
	/* The types first, apart: their sum heads the page. */
	t.f = mopen(&types, &tlen);
	r = db_index_groups(0, put_type, &t);
	mclose(t.f);
	if (r == 0)
		r = db_index_groups(1, keep_folder, &t);
	f = mopen(&buf, len);
	fputs(WIKI_INDEX_HEADER, f);
	if (r == 0 && t.docs > 0) {
		fprintf(f, "%" PRIu64 " document%s. Each line leads to a page "
		    "that lists the documents of one type or folder, or its "
		    "numbered pages when it holds more than %" PRIu64
		    ".\n\n## By type\n\n%s\n## By folder\n\n", t.docs,
		    wiki_plural(t.docs), wikiindex_bound(), types);
		if (wikiindex_folder_npages(t.n) == 0)
			for (i = 0; i < t.n; i++)
				put_group(f, KBPATH_FOLDER, t.v[i].value,
				    t.v[i].n, 0);
		else
			put_folder_pages(f, &t);
		/* The concepts' own index, once there is a concept. */
		if ((any = conceptdb_any()) == -1)
			r = -1;
		else if (any)
			fprintf(f, "\n## By concept\n\n- [Concepts](%s): the "
			    "terms and phrases several documents share, each "
			    "with its page\n",
			    &KB_CONCEPTS_INDEX[sizeof(KB_WIKI)]);
	}
	mclose(f);
	free(types);
	top_free(&t);
	if (r != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
