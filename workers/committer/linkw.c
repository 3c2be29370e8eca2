/*
 * Links between documents, the committer's side (linkw.h). A batch
 * records each published document's link targets in the links table,
 * resolved to the document added from that path or pending, and writes
 * its source page with the resolved links pointing at the target's page
 * (links.c). The documents a batch or a remove affects besides its own
 * are planned before the journal is activated, so that their pages are
 * journaled: those with a pending link to a path the batch adds (their
 * links resolve, once, in that batch), those a published document links
 * to or a removed one was linked from or linked to (their summary's
 * "Linked from" and "Links to"), those linking to a document whose title
 * an update changes (their "Links to"). Each is planned for what changes in it:
 * a source page only when it links to a path whose document changes, and
 * then only those links are resolved again; a summary when its link lists
 * do. Everything else is left alone: a batch costs what its own links
 * cost, never a pass over the KB.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "concepts.h"
#include "db.h"
#include "fsio.h"
#include "kbpath.h"
#include "links.h"
#include "linkw.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#if defined(KBD_DRILL_BREAK_LINKS_NOJOURNAL) && !defined(KBD_FAILPOINTS)
#error "KBD_DRILL_BREAK_* variants are test builds (FAILPOINTS=1) only"
#endif

/*
 * What a planned document needs: its source page, when it links to a
 * path whose document changes (a pending link resolves, a resolved one
 * turns plain), and its summary, whose link sections list the documents
 * at both ends. A document that only gains or loses a "Linked from"
 * keeps its source page: nothing in it changes.
 */
#define PLAN_SOURCE	0x1
#define PLAN_SUMMARY	0x2

/* Markdown kept for the full-text rows: per file, per batch (item.h). */
#define MD_KEEP_FILE	(64 * 1024)
#define MD_KEEP_BATCH	(4 * 1024 * 1024)

struct planned {
	int64_t	 id;
	int	 what;		/* PLAN_SOURCE, PLAN_SUMMARY */
	char	*name;		/* by linkw_track */
};

/* The existing documents whose pages the current commit rewrites. */
static struct {
	struct planned	*v;
	size_t		 n;
	int64_t		*ids;		/* the registry's answer, to take */
	size_t		 nids;
	/*
	 * The source paths whose document the commit changes (sorted,
	 * each once): a planned source page's links to them are resolved
	 * again, its other links and their rows stay as they are.
	 */
	char		**targets;
	size_t		 ntargets;
} plan;

struct resolve_ctx {
	int64_t	 from;
	int64_t	 last;		/* the document resolve found, or 0 */
	int	 put;		/* record links in the registry */
	int	 err;
	size_t	 found;		/* links to a file seen (planning) */
};

/*
 * The document whose source path is target, from the registry: one
 * lookup (a path's source row joined to its document) a link.
 */
static char *
resolve_db(void *arg, const char *target)
{
	struct resolve_ctx	*c = arg;
	char			*name;
	int64_t			 id;
	int			 r;

	c->last = 0;
	if ((r = db_link_target_doc(target, &id, &name)) != 1) {
		if (r == -1)
			c->err = 1;
		return NULL;
	}
	c->last = id;
	return name;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A target the commit changes: resolved anew; any other: kept. */
static char *
resolve_changed(void *arg, const char *target)
{
	if (plan.ntargets == 0 || bsearch(&target, plan.targets,
	    plan.ntargets, sizeof(*plan.targets), cmp_str) == NULL)
		return LINKS_KEEP;
	return resolve_db(arg, target);
}

/*
 * A link found: its row (a link to itself is no link between documents:
 * none, also when a resolve of the commit gave it one).
 */
static void
found_put(void *arg, const char *target, const char *doc)
{
	struct resolve_ctx	*c = arg;

	if (!c->put)
		return;
	if (doc != NULL && c->last == c->from) {
		if (c->put == 2 && db_link_delete(c->from, target) == -1)
			c->err = 1;
		return;
	}
	if (db_link_put(c->from, target, doc != NULL ? c->last : 0) == -1)
		c->err = 1;
}

static void
plan_add(int64_t id, int what)
{
	plan.v = xreallocarray(plan.v, plan.n + 1, sizeof(*plan.v));
	plan.v[plan.n].id = id;
	plan.v[plan.n].what = what;
	plan.v[plan.n].name = NULL;
	plan.n++;
}

/* The ids the registry appended to plan.ids, planned for what. */
static void
plan_take(int what)
{
	size_t	i;

	for (i = 0; i < plan.nids; i++)
		plan_add(plan.ids[i], what);
	plan.nids = 0;
}

static void
plan_target(const char *path)
{
	plan.targets = xreallocarray(plan.targets, plan.ntargets + 1,
	    sizeof(*plan.targets));
	plan.targets[plan.ntargets++] = xstrdup(path);
}

/* Planning: a target already in the registry gains a "Linked from". */
static void
found_plan(void *arg, const char *target, const char *doc)
{
	struct resolve_ctx	*c = arg;
	struct db_source	 s;
	int			 r;

	(void)doc;
	c->found++;
	if ((r = db_source_get(target, &s)) == -1)
		c->err = 1;
	else if (r == 1)
		plan_add(s.doc, PLAN_SUMMARY);
}

/*
 * A document whose links to it go, as it is dropped or removed: the
 * pages linking to it (their links turn plain, or follow the path's new
 * document), the documents it linked to (their "Linked from").
 */
static int
plan_gone(int64_t id)
{
	if (db_links_from(id, &plan.ids, &plan.nids) == -1 ||
	    db_links_targets(id, &plan.targets, &plan.ntargets) == -1)
		return -1;
	plan_take(PLAN_SOURCE | PLAN_SUMMARY);
	if (db_links_to(id, &plan.ids, &plan.nids) == -1)
		return -1;
	plan_take(PLAN_SUMMARY);
	return 0;
}

static int
cmp_planned(const void *a, const void *b)
{
	int64_t	x = ((const struct planned *)a)->id;
	int64_t	y = ((const struct planned *)b)->id;

	return x < y ? -1 : x > y;
}

/*
 * Sorted, each once with what all its reasons need, without the ids the
 * commit writes itself; the targets sorted, each once.
 */
static void
plan_settle(const int64_t *own, size_t nown)
{
	size_t	i, k, o = 0;

	if (plan.ntargets > 0) {
		qsort(plan.targets, plan.ntargets, sizeof(*plan.targets),
		    cmp_str);
		for (i = 0; i < plan.ntargets; i++) {
			if (o > 0 && strcmp(plan.targets[o - 1],
			    plan.targets[i]) == 0)
				free(plan.targets[i]);
			else
				plan.targets[o++] = plan.targets[i];
		}
		plan.ntargets = o;
	}
	if (plan.n == 0)
		return;		/* qsort's array must not be NULL */
	qsort(plan.v, plan.n, sizeof(*plan.v), cmp_planned);
	for (i = 0, o = 0; i < plan.n; i++) {
		if (o > 0 && plan.v[o - 1].id == plan.v[i].id) {
			plan.v[o - 1].what |= plan.v[i].what;
			continue;
		}
		for (k = 0; k < nown && own[k] != plan.v[i].id; k++)
			;
		if (k == nown)
			plan.v[o++] = plan.v[i];
	}
	plan.n = o;
}

void
linkw_end(void)
{
	size_t	i;

	for (i = 0; i < plan.n; i++)
		free(plan.v[i].name);
	for (i = 0; i < plan.ntargets; i++)
		free(plan.targets[i]);
	free(plan.v);
	free(plan.ids);
	free(plan.targets);
	memset(&plan, 0, sizeof(plan));
}

/*
 * Whether an update or a recompile gives document it->doc another title:
 * the "Links to" lists of the summaries that link to it show the title.
 * 1, 0, -1.
 */
static int
title_changes(const struct item *it)
{
	struct db_doc	d;
	int		r;

	if ((r = db_doc_named(it->doc, &d)) != 1)
		return r;
	/* A document without a title is registered under its name. */
	r = it->title != NULL && strcmp(d.title, *it->title != '\0' ?
	    it->title : it->doc) != 0;
	db_doc_clear(&d);
	return r;
}

char *
linkw_plan_batch(struct item *items, size_t nitems, size_t *n)
{
	struct resolve_ctx	 c;
	struct item		*it;
	int64_t			*own = NULL;
	char			*md, *out;
	size_t			 i, len, olen, nown = 0, kept = 0;
	int			 r;

	linkw_end();
	memset(&c, 0, sizeof(c));
	for (i = 0; i < nitems && !c.err; i++) {
		it = &items[i];
		if (ITEM_PUBLISHES(it)) {
			if ((md = read_file(it->staged_md, &len)) == NULL) {
				linkw_end();
				return errf("%s: %s", it->staged_md,
				    strerror(errno));
			}
			c.found = 0;
			out = links_rewrite(md, len, it->path, NULL,
			    found_plan, &c, &olen);
			free(out);
			/*
			 * Kept for the full-text row: reading each small
			 * file again was 3 % of the committer's time in an
			 * add of small files. Bounded per batch.
			 */
			if (len <= MD_KEEP_FILE && kept + len <= MD_KEEP_BATCH) {
				free(it->md);
				it->md = md;
				it->mdlen = len;
				kept += len;
			} else
				free(md);
			it->nolinks = c.found == 0 && it->act == ACT_INSERT &&
			    !ITEM_RECOMPILE(it);
			if (it->act == ACT_REPLACE) {
				own = xreallocarray(own, nown + 1,
				    sizeof(*own));
				own[nown++] = it->upd_id;
				if (db_links_to(it->upd_id, &plan.ids,
				    &plan.nids) == -1)
					c.err = 1;
				plan_take(PLAN_SUMMARY);
				if ((r = title_changes(it)) == -1 ||
				    (r == 1 && db_links_from(it->upd_id,
				    &plan.ids, &plan.nids) == -1))
					c.err = 1;
				plan_take(PLAN_SUMMARY);
			}
		}
		if (it->doc != NULL && (ITEM_PUBLISHES(it) ||
		    it->act == ACT_SOURCE)) {
			/* A path that now names a document, maybe another. */
			plan_target(it->path);
			if (db_links_pending(it->path, &plan.ids,
			    &plan.nids) == -1)
				c.err = 1;
			plan_take(PLAN_SOURCE | PLAN_SUMMARY);
		}
		if (it->moved_from != NULL)
			plan_target(it->moved_from);
		if (it->drop_id != 0) {
			own = xreallocarray(own, nown + 1, sizeof(*own));
			own[nown++] = it->drop_id;
			if (plan_gone(it->drop_id) == -1)
				c.err = 1;
		}
	}
	if (c.err) {
		free(own);
		linkw_end();
		return errf("registry: %s", db_errmsg());
	}
	plan_settle(own, nown);
	free(own);
	*n = plan.n;
	return NULL;
}

char *
linkw_plan_remove(const int64_t *ids, size_t nids, size_t *n)
{
	size_t	i;

	linkw_end();
	for (i = 0; i < nids; i++)
		if (plan_gone(ids[i]) == -1) {
			linkw_end();
			return errf("registry: %s", db_errmsg());
		}
	plan_settle(ids, nids);
	*n = plan.n;
	return NULL;
}

/* The pages apply_plan writes, and only those. */
int
linkw_track(struct journal *j)
{
	struct planned	*p;
	char		*ext, *hash, *src, *path;
	size_t		 i;
	int		 r;

	for (i = 0; i < plan.n; i++) {
		p = &plan.v[i];
		if ((r = db_doc_get(p->id, &p->name, &ext, &hash,
		    &src)) != 1) {
			p->name = NULL;
			errno = r == 0 ? ENOENT : EIO;
			return -1;
		}
		free(ext);
		free(hash);
		free(src);
		r = 0;
#ifndef KBD_DRILL_BREAK_LINKS_NOJOURNAL
		/* Negative control: source pages rewritten unjournaled. */
		if (p->what & PLAN_SOURCE) {
			path = kbpath_source(p->name);
			r = journal_track(j, path);
			free(path);
		}
#endif
		if (r == 0 && (p->what & PLAN_SUMMARY)) {
			path = kbpath_summary(p->name);
			r = journal_track(j, path);
			free(path);
		}
		if (r == -1)
			return -1;
	}
	return 0;
}

/* path written with text unless it holds it already. */
static char *
page_put(const char *path, const char *old, size_t oldlen, const char *text,
    size_t len, const char *point)
{
	if (old != NULL && oldlen == len && memcmp(old, text, len) == 0)
		return NULL;
	if (fsio_write_batched(path, text, len, point) == -1)
		return errf("%s: %s", path, strerror(errno));
	commit_published(path);
	return NULL;
}

/*
 * Document id's source page written anew: all its links resolved and
 * recorded (all: a page of the commit's own), or only those to the
 * targets the commit changes (plan.targets), the others and their rows
 * left as they are. The registry's rows of those targets are already
 * what the commit makes them (db_links_resolve, db_links_unresolve), so
 * the page comes out as resolving all its links would make it, without
 * two registry lookups a link and its rows put again.
 */
static char *
source_rewrite(int64_t id, const char *name, int all)
{
	struct resolve_ctx	 c;
	char			*path, *md = NULL, *out = NULL, *err = NULL;
	char			*nm, *ext, *hash, *base = NULL;
	size_t			 len, olen;
	int			 r;

	path = kbpath_source(name);
	if ((r = db_doc_get(id, &nm, &ext, &hash, &base)) != 1) {
		err = errf("registry: %s", r == 0 ? "document gone" :
		    db_errmsg());
		goto out;
	}
	free(nm);
	free(ext);
	free(hash);
	if ((md = read_file(path, &len)) == NULL) {
		err = errf("%s: %s", path, strerror(errno));
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.from = id;
	c.put = all ? 1 : 2;
	if (all && db_links_clear(id) == -1) {
		err = errf("registry: %s", db_errmsg());
		goto out;
	}
	out = links_rewrite(md, len, base, all ? resolve_db : resolve_changed,
	    found_put, &c, &olen);
	if (c.err)
		err = errf("registry: %s", db_errmsg());
	else if (olen != len || memcmp(md, out, len) != 0)
		/*
		 * Only the form of links changed, which the full-text row
		 * does not hold (links_indexed): the row stays. Reindexing
		 * the whole text for each resolved link was a third of the
		 * committer's time in a large add with links.
		 */
		err = page_put(path, md, len, out, olen, "links.source");
out:
	free(base);
	free(md);
	free(out);
	free(path);
	return err;
}

int
linkw_fill(struct wiki_doc *wd, int64_t id)
{
	struct db_link	*v;
	struct wiki_link *w;
	size_t		 n, i, k;
	uint64_t	 total;

	for (k = 0; k < 2; k++) {
		if (db_links_list(id, (int)k, LINKS_SHOWN, &v, &n,
		    &total) == -1) {
			linkw_fill_free(wd);
			return -1;
		}
		w = xcalloc(n ? n : 1, sizeof(*w));
		for (i = 0; i < n; i++) {
			w[i].name = v[i].name;
			w[i].title = v[i].title;
		}
		free(v);	/* the strings are w's now */
		if (k == 0) {
			wd->links_to = w;
			wd->nlinks_to = n;
			wd->links_to_total = total;
		} else {
			wd->linked_from = w;
			wd->nlinked_from = n;
			wd->linked_from_total = total;
		}
	}
	return 0;
}

static void
wlinks_free(const struct wiki_link *w, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free((char *)w[i].name);
		free((char *)w[i].title);
	}
	free((struct wiki_link *)w);
}

void
linkw_fill_free(struct wiki_doc *wd)
{
	wlinks_free(wd->links_to, wd->nlinks_to);
	wlinks_free(wd->linked_from, wd->nlinked_from);
	wd->links_to = wd->linked_from = NULL;
	wd->nlinks_to = wd->nlinked_from = 0;
	wd->links_to_total = wd->linked_from_total = 0;
}

/*
 * Document id's summary page: its link sections from the registry, and
 * after them its concepts section (conceptw.c), as lint --fix renders the
 * page. The concepts section is the page's own, kept as it is: it is the
 * registry's already (a batch's own summaries get it from the plan, and
 * conceptw_apply, which runs first, rewrites it in every other summary
 * whose concepts change). Reading the document's concepts back from the
 * registry for each summary was 7 % of the committer's time late in a
 * 30,000-file add, 4 % early: pages of concept_terms read back.
 */
static char *
summary_rewrite(int64_t id, const char *name)
{
	static const char *const tails[] = { WIKI_SUM_LINKS_TO,
	    WIKI_SUM_LINKED_FROM, CONCEPT_SUMMARY_SECTION };
	struct wiki_doc	 wd;
	const char	*kw, *p, *cut;
	char		*path, *old, *page = NULL, *err = NULL;
	size_t		 len, plen, i, conc;
	FILE		*f;

	path = kbpath_summary(name);
	if ((old = read_file(path, &len)) == NULL) {
		err = errf("%s: %s", path, strerror(errno));
		free(path);
		return err;
	}
	/* The sections written here follow the last Keywords section. */
	for (kw = NULL, p = strstr(old, "\n## Keywords\n\n"); p != NULL;
	    p = strstr(p + 1, "\n## Keywords\n\n"))
		kw = p;
	cut = old + len;
	for (i = 0; kw != NULL && i < sizeof(tails) / sizeof(tails[0]); i++)
		if ((p = strstr(kw, tails[i])) != NULL && p < cut)
			cut = p;
	memset(&wd, 0, sizeof(wd));
	if (linkw_fill(&wd, id) == -1) {
		err = errf("registry: %s", db_errmsg());
		goto out;
	}
	/*
	 * Its concepts section, where conceptw_summary_fix cuts: kept. A
	 * page not in that shape (no keywords, a section before the links:
	 * edited by hand) gets the registry's section, as lint --fix does.
	 */
	conc = concepts_summary_strip(old, len);
	if ((f = open_memstream(&page, &plen)) == NULL)
		fatal("open_memstream");
	fwrite(old, 1, (size_t)(cut - old), f);
	wiki_summary_links(f, &wd);
	if (kw != NULL && old + conc >= cut)
		fwrite(old + conc, 1, len - conc, f);
	if (ferror(f) || fclose(f) != 0)
		fatalx("out of memory rendering a summary page");
	linkw_fill_free(&wd);
	if (kw == NULL || old + conc < cut)
		page = conceptw_summary_fix(id, page, &plen, &err);
	if (err == NULL)
		err = page_put(path, old, len, page, plen, "links.summary");
out:
	free(page);
	free(old);
	free(path);
	return err;
}

/* The planned documents' pages, each what its plan says. */
static char *
apply_plan(void)
{
	struct planned	*p;
	char		*err = NULL;
	size_t		 i;

	for (i = 0; i < plan.n && err == NULL; i++) {
		p = &plan.v[i];
		if (p->what & PLAN_SOURCE)
			err = source_rewrite(p->id, p->name, 0);
	}
	for (i = 0; i < plan.n && err == NULL; i++) {
		p = &plan.v[i];
		if (p->what & PLAN_SUMMARY)
			err = summary_rewrite(p->id, p->name);
	}
	return err;
}

char *
linkw_apply_batch(struct item *items, size_t nitems)
{
	struct item	*it;
	char		*err = NULL, *ext;
	int64_t		 id;
	size_t		 i;
	int		 r;

	for (i = 0; i < nitems && err == NULL; i++) {
		it = &items[i];
		if (it->drop_id != 0 && (db_links_clear(it->drop_id) == -1 ||
		    db_links_unresolve(it->drop_id) == -1))
			err = errf("registry: %s", db_errmsg());
		if (err != NULL || it->doc == NULL || !(ITEM_PUBLISHES(it) ||
		    it->act == ACT_SOURCE))
			continue;
		if ((r = db_doc_by_name(it->doc, &id, &ext)) != 1) {
			err = errf("registry: %s", r == 0 ? "document gone" :
			    db_errmsg());
			break;
		}
		free(ext);
		if (db_links_resolve(it->path, id) == -1)
			err = errf("registry: %s", db_errmsg());
		else if (ITEM_PUBLISHES(it) && !it->nolinks)
			err = source_rewrite(id, it->doc, 1);
	}
	if (err == NULL)
		err = apply_plan();
	for (i = 0; i < nitems && err == NULL; i++) {
		it = &items[i];
		if (!ITEM_PUBLISHES(it))
			continue;
		if ((r = db_doc_by_name(it->doc, &id, &ext)) != 1) {
			err = errf("registry: %s", r == 0 ? "document gone" :
			    db_errmsg());
			break;
		}
		free(ext);
		/*
		 * A new document without links, and none to it (pending
		 * ones resolved, the batch's own): its page as published
		 * already has empty link lists. Read, queried and compared
		 * for nothing (and its source page too), they were a sixth
		 * of the committer's time in an add of small files without
		 * links.
		 */
		if (it->nolinks && (r = db_links_any_to(id)) != 1) {
			if (r == -1)
				err = errf("registry: %s", db_errmsg());
			continue;
		}
		err = summary_rewrite(id, it->doc);
	}
	linkw_end();
	return err;
}

char *
linkw_apply_remove(const int64_t *ids, size_t nids)
{
	char	*err = NULL;
	size_t	 i;

	for (i = 0; i < nids && err == NULL; i++)
		if (db_links_clear(ids[i]) == -1 ||
		    db_links_unresolve(ids[i]) == -1)
			err = errf("registry: %s", db_errmsg());
	if (err == NULL)
		err = apply_plan();
	linkw_end();
	return err;
}

char *
linkw_source_page(int64_t id, const char *md, size_t len, size_t *outlen)
{
	struct resolve_ctx	 c;
	char			*nm, *ext, *hash, *base, *out;

	if (db_doc_get(id, &nm, &ext, &hash, &base) != 1)
		return NULL;
	free(nm);
	free(ext);
	free(hash);
	memset(&c, 0, sizeof(c));
	c.from = id;
	out = links_rewrite(md, len, base, resolve_db, NULL, &c, outlen);
	free(base);
	if (c.err) {
		free(out);
		return NULL;
	}
	return out;
}
