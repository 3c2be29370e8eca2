/*
 * Lint --fix: every repair the KB itself allows, planned before anything
 * changes, then made in one journaled commit. Stray files (in the live
 * directories with no document, or left in staging) are removed; summary
 * pages missing or not as the registry gives them are written again;
 * full-text rows are rebuilt from the published Markdown, or deleted when
 * their document is gone; wiki/index.md and each sub-index page is
 * rewritten from the registry when it is not as the registry makes it,
 * one no group makes is removed (indexw.c); a missing wiki/log.md is
 * created, one without its frontmatter and header gets them; concept
 * pages (and their index) missing or not as the registry makes them are
 * written again, files in wiki/concepts/ of no concept removed. lint runs
 * the same plan dry (lintfix_check) and reports what it would repair, so
 * the two agree. What needs the original input (a raw or source file missing or
 * changed) is only reported, by lint.
 *
 * Fail points (fsio.h): lintfix.unlink, lintfix.summary(.fsync,
 * .rename), lintfix.index(.fsync, .rename), lintfix.subindex(.rename,
 * .unlink), lintfix.log(.fsync),
 * lintfix.fsync, lintfix.commit, lintfix.committed.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "committer.h"
#include "db.h"
#include "fsio.h"
#include "journal.h"
#include "kbpath.h"
#include "links.h"
#include "linkw.h"
#include "log.h"
#include "tokenizer.h"
#include "util.h"
#include "wiki.h"
#include "xmalloc.h"

struct fsum {
	char	*path;
	char	*page;
	size_t	 len;
};

struct ffts {
	int64_t	 id;
	char	*name, *title, *src;
};

/* What lint --fix will repair, planned before anything changes. */
struct fix {
	struct lint	 repairs;	/* one line per repair */
	struct lint	 strays;	/* paths to remove */
	struct fsum	*sum;		/* summary pages to write */
	size_t		 nsum, capsum;
	struct ffts	*fts;		/* full-text rows to rebuild */
	size_t		 nfts, capfts;
	struct index_fix index;		/* index pages to write */
	int		 log_missing;
	int		 log_header;	/* log.md without its frontmatter */
	int		 dry;		/* lint: report, repair nothing */
	struct lint	*problems;	/* dry: what lint --fix would repair */
	int		 staging;	/* a stray is in .kb/staging */
	int64_t		 orphans;	/* full-text rows without a document */
	int64_t		 groups;	/* index group counts that differ */
	int64_t		 counts;	/* term_counts rows that differ */
	char		*error;
};

static void
fix_db_error(struct fix *f)
{
	if (f->error == NULL)
		f->error = errf("registry: %s", db_errmsg());
}

/* The last occurrence of needle in s, or NULL. */
static const char *
last_strstr(const char *s, const char *needle, const char *end)
{
	const char	*p, *last = NULL;

	for (p = strstr(s, needle); p != NULL && (end == NULL || p < end);
	    p = strstr(p + 1, needle))
		last = p;
	return last;
}

#define SUM_OUTLINE	"\n## Outline\n\n"
#define SUM_KEYWORDS	"\n## Keywords\n\n"

/*
 * The summary page the registry gives, keeping the outline of the old
 * page: the outline came from the converter (a PDF's bookmarks, say) and
 * the registry does not hold it. NULL when old has no outline section.
 */
char *
summary_keep_outline(const struct wiki_doc *wd, char *const *kw, size_t nkw,
    const char *old, size_t *len)
{
	const char	*ok, *oo, *gk, *go;
	char		*gen, *page;
	size_t		 glen;
	FILE		*f;

	if ((ok = last_strstr(old, SUM_KEYWORDS, NULL)) == NULL ||
	    (oo = last_strstr(old, SUM_OUTLINE, ok)) == NULL)
		return NULL;
	gen = wiki_summary(wd, kw, nkw, &glen);
	gk = last_strstr(gen, SUM_KEYWORDS, NULL);
	go = gk != NULL ? last_strstr(gen, SUM_OUTLINE, gk) : NULL;
	if (go == NULL)
		fatalx("summary page without its sections");
	if ((f = open_memstream(&page, len)) == NULL)
		fatal("open_memstream");
	fwrite(gen, 1, (size_t)(go - gen) + strlen(SUM_OUTLINE), f);
	oo += strlen(SUM_OUTLINE);
	fwrite(oo, 1, (size_t)(ok - oo), f);
	fputs(gk, f);
	if (ferror(f) || fclose(f) != 0)
		fatalx("out of memory rendering a summary page");
	free(gen);
	return page;
}

/* ATX headings of Markdown outside fenced code (md is cut up): an outline. */
size_t
md_headings(char *md, struct wiki_heading **out)
{
	struct wiki_heading	*v = NULL;
	size_t			 n = 0, cap = 0;
	char			*line, *nl, *t, *e;
	unsigned		 level;
	int			 fence = 0;

	for (line = md; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (strncmp(line, "```", 3) == 0 ||
		    strncmp(line, "~~~", 3) == 0) {
			fence = !fence;
			continue;
		}
		if (fence || *line != '#')
			continue;
		for (level = 0; line[level] == '#'; level++)
			;
		if (level > 6 || (line[level] != ' ' && line[level] != '\t'))
			continue;
		for (t = line + level; *t == ' ' || *t == '\t'; t++)
			;
		e = t + strlen(t);
		while (e > t && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'))
			e--;
		*e = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].level = level;
		v[n++].text = t;
	}
	*out = v;
	return n;
}

/* A registry document as the wiki renders it; the outline is not kept. */
static void
wiki_doc_of(const struct db_doc *d, struct wiki_doc *wd)
{
	memset(wd, 0, sizeof(*wd));
	wd->name = d->name;
	wd->ext = d->ext;
	wd->title = d->title;
	wd->description = d->description;
	wd->description_by = d->description_by;
	wd->hash = d->hash;
}

/* Why a summary page is not the one the registry makes. */
static const char *
summary_differs(const char *old, size_t len, const struct db_doc *d)
{
	const char	*why;
	char		*doc, *hash;
	int		 r;

	r = wiki_frontmatter(old, len, &doc, &hash);
	if (r == WIKI_FM_MISSING)
		why = "no frontmatter";
	else if (r != 0)
		why = "its frontmatter does not parse";
	else if (doc == NULL || strcmp(doc, d->name) != 0)
		why = "its frontmatter's doc is not the document's name";
	else if (hash == NULL || strcmp(hash, d->hash) != 0)
		why = "its frontmatter's hash is not the registry's";
	else
		why = "its text differs from the page the registry makes";
	free(doc);
	free(hash);
	return why;
}

static void
first_broken(void *arg, const char *target)
{
	char	**first = arg;

	if (*first == NULL)
		*first = xstrdup(target);
}

/*
 * Broken links in a document's source page (links.c): rewritten from
 * the registry, a resolved link follows its target's page or turns
 * plain. 1 when the page is to be written (its full-text row with it),
 * 0 nothing to repair, -1 a registry error.
 */
static int
fix_links(struct fix *f, const struct db_doc *d, const char *src,
    const char *md, size_t len)
{
	struct fsum	*s;
	char		*first = NULL, *page;
	size_t		 n, plen;

	if ((n = links_broken(md, len, KB_SOURCES, first_broken,
	    &first)) == 0)
		return 0;
	if ((page = linkw_source_page(d->id, md, len, &plen)) == NULL) {
		free(first);
		fix_db_error(f);
		return -1;
	}
	if (links_broken(page, plen, KB_SOURCES, NULL, NULL) == n) {
		/* Nothing the registry can do: lint says so. */
		if (f->problems != NULL)
			lint_add(f->problems, "%s: %zu broken link%s (%s) "
			    "the registry cannot repair; add its target or "
			    "remove %s", src, n, wiki_plural(n), first,
			    d->name);
		free(page);
		free(first);
		return 0;
	}
	if (f->dry) {
		lint_add(f->problems, "%s: %zu broken link%s (%s); run kbctl "
		    "lint --fix", src, n, wiki_plural(n), first);
		free(page);
		free(first);
		return 0;
	}
	if (f->nsum == f->capsum) {
		f->capsum = f->capsum ? f->capsum * 2 : 16;
		f->sum = xreallocarray(f->sum, f->capsum, sizeof(*f->sum));
	}
	s = &f->sum[f->nsum++];
	s->path = xstrdup(src);
	s->page = page;
	s->len = plen;
	lint_add(&f->repairs, "%s: %zu broken link%s rewritten from the "
	    "registry", src, n, wiki_plural(n));
	free(first);
	return 1;
}

/* Plan the repairs of one document's summary page and full-text row. */
static int
fix_doc(void *arg, const struct db_doc *d)
{
	struct fix		*f = arg;
	struct wiki_doc		 wd;
	struct wiki_heading	*hd = NULL;
	struct stat		 st;
	struct fsum		*s;
	struct ffts		*t;
	char			*src, *sum, *md = NULL, *old = NULL, *page;
	char			*kw[KEYWORDS_MAX];
	size_t			 len, oldlen = 0, plen, nkw, nhd;
	int			 r, r2, missing;

	src = kbpath_source(d->name);
	sum = kbpath_summary(d->name);
	/* Without its Markdown nothing is rebuilt: lint reports it. */
	if (lstat(src, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (md = read_file(src, &len)) == NULL)
		goto out;
	/* A missing row, or one stale (lint reports those it samples). */
	if ((r = db_fts_current(d->id, md, len)) == -1) {
		fix_db_error(f);
		goto out;
	}
	if ((r2 = fix_links(f, d, src, md, len)) == -1)
		goto out;
	if ((r == 0 || r2 == 1) && !f->dry) {
		if (f->nfts == f->capfts) {
			f->capfts = f->capfts ? f->capfts * 2 : 16;
			f->fts = xreallocarray(f->fts, f->capfts,
			    sizeof(*f->fts));
		}
		t = &f->fts[f->nfts++];
		t->id = d->id;
		t->name = xstrdup(d->name);
		t->title = xstrdup(d->title);
		t->src = xstrdup(src);
		lint_add(&f->repairs, "%s: full-text row rebuilt from %s",
		    DB_PATH, src);
	}

	missing = lstat(sum, &st) == -1;
	if (missing && errno != ENOENT)
		goto out;
	if (!missing && (!S_ISREG(st.st_mode) ||
	    (old = read_file(sum, &oldlen)) == NULL))
		goto out;	/* not a file to replace: lint reports it */
	wiki_doc_of(d, &wd);
	/*
	 * The language its full-text row is in: the registry's, or when
	 * the row is rebuilt here, the one it is rebuilt in. (A change of
	 * kbd.conf's language alone is no repair: recompile applies it.) A
	 * page from before schema 13, without a language line, is not told
	 * to have one: it gets it when next written (an update, recompile).
	 */
	wd.lang = r == 0 || r2 == 1 ?
	    tok_lang_code(tok_doc_lang(md, len)) : d->lang;
	if (old != NULL && wiki_fm_has(old, oldlen, "language") == 0)
		wd.lang = NULL;
	if (linkw_fill(&wd, d->id) == -1) {
		fix_db_error(f);
		goto out;
	}
	nkw = keywords_extract(md, len, kw);
	page = old != NULL ? summary_keep_outline(&wd, kw, nkw, old, &plen) :
	    NULL;
	if (page == NULL) {
		nhd = md_headings(md, &hd);
		wd.outline = hd;
		wd.noutline = nhd;
		page = wiki_summary(&wd, kw, nkw, &plen);
		free(hd);
	}
	keywords_free(kw, nkw);
	linkw_fill_free(&wd);
	/* Its concepts, as the registry has them (conceptw.c). */
	page = conceptw_summary_fix(d->id, page, &plen, &f->error);
	if (f->error != NULL) {
		free(page);
		goto out;
	}
	if (old != NULL && oldlen == plen && memcmp(old, page, plen) == 0) {
		free(page);
		goto out;
	}
	if (f->dry) {
		/* A missing page lint reports itself. */
		if (!missing)
			lint_add(f->problems, "%s: does not match the registry "
			    "(%s)", sum,
			    summary_differs(old, oldlen, d));
		free(page);
		goto out;
	}
	if (f->nsum == f->capsum) {
		f->capsum = f->capsum ? f->capsum * 2 : 16;
		f->sum = xreallocarray(f->sum, f->capsum, sizeof(*f->sum));
	}
	s = &f->sum[f->nsum++];
	s->path = sum;
	s->page = page;
	s->len = plen;
	sum = NULL;
	if (missing)
		lint_add(&f->repairs, "%s: written again (missing)", s->path);
	else
		lint_add(&f->repairs, "%s: written again (did not match the "
		    "registry: %s)", s->path, summary_differs(old, oldlen, d));
out:
	free(md);
	free(old);
	free(src);
	free(sum);
	return f->error != NULL;
}

/* The index pages against the registry (indexw.c). */
static void
fix_index_plan(struct fix *f)
{
	if (f->error == NULL)
		f->error = index_fix_plan(&f->index,
		    f->dry ? f->problems : &f->repairs, f->dry);
}

/*
 * log.md written again with its frontmatter and header, its entries kept
 * (a header from before frontmatter dropped), entry appended.
 */
static int
log_add_header(const char *entry)
{
	FILE	*f;
	char	*old, *text;
	size_t	 len, tlen, skip = 0;
	int	 r;

	if ((old = read_file(WIKI_LOG, &len)) == NULL)
		return -1;
	if (len >= strlen(WIKI_LOG_HEADER_OLD) && memcmp(old,
	    WIKI_LOG_HEADER_OLD, strlen(WIKI_LOG_HEADER_OLD)) == 0)
		skip = strlen(WIKI_LOG_HEADER_OLD);
	if ((f = open_memstream(&text, &tlen)) == NULL)
		fatal("open_memstream");
	fputs(WIKI_LOG_HEADER, f);
	fwrite(old + skip, 1, len - skip, f);
	fputs(entry, f);
	if (ferror(f) || fclose(f) != 0)
		fatalx("out of memory");
	r = fsio_write_atomic(WIKI_LOG, text, tlen, "lintfix.log");
	free(text);
	free(old);
	return r;
}

/* Whether log.md starts with its frontmatter and header: 1, 0, -1. */
static int
log_has_header(void)
{
	FILE	*f;
	char	 hdr[sizeof(WIKI_LOG_HEADER)];
	size_t	 hlen = strlen(WIKI_LOG_HEADER);
	int	 r;

	if ((f = fopen(WIKI_LOG, "re")) == NULL)
		return -1;
	r = fread(hdr, 1, hlen, f) == hlen &&
	    memcmp(hdr, WIKI_LOG_HEADER, hlen) == 0;
	fclose(f);
	return r;
}

/* The journal, the changes, the transaction: as remove.c does. */
static char *
fix_commit(struct fix *f)
{
	struct journal	*j;
	char		*err = NULL, *what, *entry, *text, *body;
	size_t		 i, len;
	int64_t		 now = time(NULL);
	int		 r;

	if ((j = journal_new()) == NULL)
		return commit_journal_err(j);
	r = 0;
	for (i = 0; i < f->strays.n && r == 0; i++)
		r = journal_track(j, f->strays.v[i]);
	for (i = 0; i < f->nsum && r == 0; i++)
		r = journal_track(j, f->sum[i].path);
	if (r == 0)
		r = index_fix_track(&f->index, j);
	if (r == 0)
		r = f->log_missing || f->log_header ?
		    journal_track(j, WIKI_LOG) :
		    journal_track_append(j, WIKI_LOG);
	if (r == -1) {
		err = commit_journal_err(j);
		commit_rollback(j);
		return err;
	}
	if ((err = commit_activate(j)) != NULL)
		return err;

	for (i = 0; i < f->strays.n && err == NULL; i++)
		if (fsio_unlink(f->strays.v[i], "lintfix.unlink") == -1)
			err = errf("%s: %s", f->strays.v[i], strerror(errno));
	for (i = 0; i < f->nsum && err == NULL; i++)
		if (fsio_write_batched(f->sum[i].path, f->sum[i].page,
		    f->sum[i].len, "lintfix.summary") == -1)
			err = errf("%s: %s", f->sum[i].path, strerror(errno));
		else
			commit_published(f->sum[i].path);
	if (err == NULL)
		err = index_fix_write(&f->index);
	if (err == NULL) {
		xasprintf(&what, "lint --fix | %zu repair%s",
		    f->repairs.n + f->repairs.more,
		    wiki_plural(f->repairs.n + f->repairs.more));
		entry = wiki_log_entry(what, NULL, 0, 0, (time_t)now);
		if (f->log_missing) {
			xasprintf(&text, "%s%s", WIKI_LOG_HEADER, entry);
			r = fsio_write_atomic(WIKI_LOG, text, strlen(text),
			    "lintfix.log");
			free(text);
		} else if (f->log_header)
			r = log_add_header(entry);
		else
			r = fsio_append(WIKI_LOG, entry, strlen(entry),
			    "lintfix.log");
		if (r == -1)
			err = errf("%s: %s", WIKI_LOG, strerror(errno));
		free(entry);
		free(what);
	}
	if (err == NULL) {
		commit_sync("lintfix.fsync");
		if (f->staging &&
		    fsio_fsync_dir(KB_STAGING, "lintfix.fsync") == -1)
			fatal("fsync %s", KB_STAGING);
		if (db_begin() == -1)
			err = errf("registry: %s", db_errmsg());
		if (err == NULL && f->orphans > 0 &&
		    db_fts_orphans_delete() == -1)
			err = errf("full-text index: %s", db_errmsg());
		for (i = 0; i < f->nfts && err == NULL; i++) {
			if ((body = read_file(f->fts[i].src, &len)) == NULL) {
				err = errf("%s: %s", f->fts[i].src,
				    strerror(errno));
				break;
			}
			/* New, stale, or its page had broken links. */
			if (db_fts_reindex(f->fts[i].id, body, len, 0) == -1)
				err = errf("full-text index: %s", db_errmsg());
			free(body);
		}
		err = transaction_end(j, 0, now, "lintfix.commit", err);
	}
	return journal_end(j, "lintfix.committed", err);
}

static void
fix_free(struct fix *f)
{
	size_t	i;

	for (i = 0; i < f->strays.n; i++)
		free(f->strays.v[i]);
	free(f->strays.v);
	for (i = 0; i < f->nsum; i++) {
		free(f->sum[i].path);
		free(f->sum[i].page);
	}
	free(f->sum);
	for (i = 0; i < f->nfts; i++) {
		free(f->fts[i].name);
		free(f->fts[i].title);
		free(f->fts[i].src);
	}
	free(f->fts);
	index_fix_free(&f->index);
}

/* A concept page (or the concepts' index) to write again. */
static void
concept_page_cb(void *arg, char *path, const char *term, char *text,
    size_t len, int missing)
{
	struct fix	*f = arg;
	struct fsum	*s;
	char		*what;

	if (term != NULL)
		xasprintf(&what, "concept %s", term);
	else
		what = xstrdup("concept index");
	if (f->dry) {
		lint_add(f->problems, "%s: %s (%s)", path, missing ? "missing" :
		    "does not match the registry", what);
		free(what);
		free(path);
		free(text);
		return;
	}
	if (f->nsum == f->capsum) {
		f->capsum = f->capsum ? f->capsum * 2 : 16;
		f->sum = xreallocarray(f->sum, f->capsum, sizeof(*f->sum));
	}
	s = &f->sum[f->nsum++];
	s->path = path;
	s->page = text;
	s->len = len;
	lint_add(&f->repairs, "%s: written again (%s, %s)", path, what,
	    missing ? "missing" : "did not match the registry");
	free(what);
}

static void
concept_stray_cb(void *arg, char *path)
{
	struct fix	*f = arg;

	if (f->dry)
		lint_add(f->problems, "%s: no concept in the registry", path);
	else {
		lint_add(&f->strays, "%s", path);
		lint_add(&f->repairs, "%s: removed (no concept in the "
		    "registry)", path);
	}
	free(path);
}

/* Concept pages against the registry (conceptw.c). */
static void
fix_concepts(struct fix *f)
{
	static const struct conceptw_lint_cb cb = {
		concept_page_cb, concept_stray_cb
	};
	char	*err;

	if (f->error == NULL && (err = conceptw_lint(&cb, f)) != NULL)
		f->error = err;
}

/*
 * Plan every repair the KB itself allows. Dry (lint), only what lint's
 * own checks do not find goes to f->problems: a page that is there but
 * not as the registry makes it.
 */
static void
fix_plan(struct fix *f)
{
	struct lint	 ignored;
	struct stat	 st;
	size_t		 i, n0;

	memset(&ignored, 0, sizeof(ignored));
	if (db_docs_foreach(fix_doc, f) == -1)
		fix_db_error(f);
	if (f->dry)
		;	/* db_check reports full-text rows */
	else if (db_fts_orphans(&f->orphans) == -1)
		fix_db_error(f);
	else if (f->orphans > 0)
		lint_add(&f->repairs, "%s: %" PRId64 " full-text row%s without "
		    "a document deleted", DB_PATH, f->orphans,
		    f->orphans == 1 ? "" : "s");
	/*
	 * The index pages are planned from the groups' counts: those come
	 * right first, in a transaction of their own (registry rows only).
	 */
	if (f->dry)
		;	/* db_check reports the groups */
	else if (db_index_groups_wrong(&f->groups) == -1)
		fix_db_error(f);
	else if (f->groups > 0) {
		if (db_begin() == -1 || db_index_groups_rebuild() == -1 ||
		    db_commit() == -1) {
			db_rollback();
			fix_db_error(f);
		} else
			lint_add(&f->repairs, "%s: %" PRId64 " index group "
			    "count%s rebuilt from the documents", DB_PATH,
			    f->groups, f->groups == 1 ? "" : "s");
	}
	if (f->dry)
		;	/* db_check reports the kept counts */
	else if (db_term_counts_wrong(&f->counts) == -1)
		fix_db_error(f);
	else if (f->counts > 0) {
		if (db_begin() == -1 || db_term_counts_repair() == -1 ||
		    db_commit() == -1) {
			db_rollback();
			fix_db_error(f);
		} else
			lint_add(&f->repairs, "%s: %" PRId64 " kept term "
			    "count%s deleted, to be counted again", DB_PATH,
			    f->counts, f->counts == 1 ? "" : "s");
	}
	if (f->error == NULL)
		fix_index_plan(f);
	if (stat(WIKI_LOG, &st) == -1 && errno == ENOENT) {
		if (!f->dry) {
			f->log_missing = 1;
			lint_add(&f->repairs, "%s: created (missing)",
			    WIKI_LOG);
		}
	} else if (log_has_header() == 0) {
		if (f->dry)
			lint_add(f->problems, "%s: no frontmatter and header",
			    WIKI_LOG);
		else {
			f->log_header = 1;
			lint_add(&f->repairs, "%s: frontmatter and header "
			    "added", WIKI_LOG);
		}
	}
	if (f->dry) {
		fix_concepts(f);
		return;		/* lint_dir reports strays */
	}
	lint_dir(&ignored, KB_RAW, DIR_RAW, &f->strays);
	lint_dir(&ignored, KB_SOURCES, DIR_PAGES, &f->strays);
	lint_dir(&ignored, KB_SUMMARIES, DIR_PAGES, &f->strays);
	n0 = f->strays.n;
	lint_dir(&ignored, KB_STAGING, DIR_STAGING, &f->strays);
	f->staging = f->strays.n > n0;
	for (i = 0; i < f->strays.n; i++)
		lint_add(&f->repairs, "%s: removed (%s)", f->strays.v[i],
		    i < n0 ? "no document in the registry" :
		    "leftover staging file");
	fix_concepts(f);
	/* What lint_dir could not judge, lint reports afterwards. */
	for (i = 0; i < ignored.n; i++)
		free(ignored.v[i]);
	free(ignored.v);
	free(ignored.error);
}

/*
 * lint's view of the repairs: each page lint --fix would write again that
 * lint's other checks do not report goes to problems, so that after lint
 * says ok, lint --fix repairs nothing. NULL or the error.
 */
char *
lintfix_check(struct lint *problems)
{
	struct fix	 f;
	size_t		 i;

	memset(&f, 0, sizeof(f));
	f.dry = 1;
	f.problems = problems;
	f.repairs.max = LINT_BYTES_MAX / 2;
	f.strays.max = SIZE_MAX;
	fix_plan(&f);
	for (i = 0; i < f.repairs.n; i++)
		free(f.repairs.v[i]);
	free(f.repairs.v);
	fix_free(&f);
	return f.error;
}

/*
 * Plan every repair the KB itself allows, then make them all in one
 * journaled commit. The repairs made go to *repairs; NULL or the error
 * (nothing was changed then).
 */
char *
lintfix(struct lint *repairs)
{
	struct fix	 f;
	size_t		 i;
	char		*err;

	memset(&f, 0, sizeof(f));
	f.repairs.max = LINT_BYTES_MAX / 2;
	f.strays.max = SIZE_MAX;
	fix_plan(&f);
	err = f.error;
	if (err == NULL && f.repairs.n + f.repairs.more > 0)
		err = fix_commit(&f);
	if (err == NULL && f.repairs.more > 0)
		lint_add(&f.repairs, "... and %zu more repairs",
		    f.repairs.more);
	if (err != NULL) {
		for (i = 0; i < f.repairs.n; i++)
			free(f.repairs.v[i]);
		free(f.repairs.v);
		memset(&f.repairs, 0, sizeof(f.repairs));
	}
	*repairs = f.repairs;
	fix_free(&f);
	return err;
}
