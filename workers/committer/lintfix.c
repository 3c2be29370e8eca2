/*
 * Lint --fix: every repair the KB itself allows, planned before anything
 * changes, then made in one journaled commit. Stray files (in the live
 * directories with no document, or left in staging) are removed; summary
 * pages missing or not as the registry gives them are written again;
 * full-text rows are rebuilt from the published Markdown, or deleted when
 * their document is gone; wiki/index.md is rewritten from the registry
 * when it does not list each document once; a missing wiki/log.md is
 * created. What needs the original input (a raw or source file missing or
 * changed) is only reported, by lint.
 *
 * Fail points (fsio.h): lintfix.unlink, lintfix.summary(.fsync,
 * .rename), lintfix.index(.fsync, .rename), lintfix.log(.fsync),
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
#include "log.h"
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
	int		 index;		/* rewrite wiki/index.md */
	int		 log_missing;
	int		 staging;	/* a stray is in .kb/staging */
	int64_t		 orphans;	/* full-text rows without a document */
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
static char *
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
static size_t
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
	char			*kw[WIKI_KEYWORDS];
	size_t			 len, oldlen = 0, plen, nkw, nhd;
	int			 r, missing;

	src = kbpath_source(d->name);
	sum = kbpath_summary(d->name);
	/* Without its Markdown nothing is rebuilt: lint reports it. */
	if (lstat(src, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (md = read_file(src, &len)) == NULL)
		goto out;
	if ((r = db_fts_exists(d->id)) == -1) {
		fix_db_error(f);
		goto out;
	}
	if (r == 0) {
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
	nkw = wiki_keywords(md, len, kw);
	page = old != NULL ? summary_keep_outline(&wd, kw, nkw, old, &plen) :
	    NULL;
	if (page == NULL) {
		nhd = md_headings(md, &hd);
		wd.outline = hd;
		wd.noutline = nhd;
		page = wiki_summary(&wd, kw, nkw, &plen);
		free(hd);
	}
	wiki_keywords_free(kw, nkw);
	if (old != NULL && oldlen == plen && memcmp(old, page, plen) == 0) {
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
	lint_add(&f->repairs, "%s: written again (%s)", s->path,
	    missing ? "missing" : "did not match the registry");
out:
	free(md);
	free(old);
	free(src);
	free(sum);
	return f->error != NULL;
}

struct icheck {
	FILE	*in;
	char	*line;
	size_t	 cap;
	int	 differ;
};

static int
index_cmp_doc(void *arg, const struct db_doc *d)
{
	struct icheck	*c = arg;
	struct wiki_doc	 wd;
	char		*want;
	ssize_t		 nr;

	wiki_doc_of(d, &wd);
	want = wiki_index_line(&wd);
	nr = getline(&c->line, &c->cap, c->in);
	if (nr == -1 || (size_t)nr != strlen(want) ||
	    memcmp(c->line, want, (size_t)nr) != 0)
		c->differ = 1;
	free(want);
	return c->differ;
}

/* Whether index.md is the header and one line per document, in id order. */
static void
fix_index_plan(struct fix *f)
{
	struct icheck	 c;
	char		 hdr[sizeof(WIKI_INDEX_HEADER)];
	size_t		 hlen = strlen(WIKI_INDEX_HEADER);

	memset(&c, 0, sizeof(c));
	if ((c.in = fopen(WIKI_INDEX, "re")) == NULL) {
		if (errno != ENOENT)
			f->error = errf("%s: %s", WIKI_INDEX, strerror(errno));
		else {
			f->index = 1;
			lint_add(&f->repairs, "%s: rewritten from the "
			    "registry (missing)", WIKI_INDEX);
		}
		return;
	}
	if (fread(hdr, 1, hlen, c.in) != hlen ||
	    memcmp(hdr, WIKI_INDEX_HEADER, hlen) != 0)
		c.differ = 1;
	if (!c.differ && db_docs_foreach(index_cmp_doc, &c) == -1)
		fix_db_error(f);
	if (!c.differ && getc(c.in) != EOF)
		c.differ = 1;
	if (f->error == NULL && ferror(c.in))
		f->error = errf("%s: read error", WIKI_INDEX);
	fclose(c.in);
	free(c.line);
	if (f->error == NULL && c.differ) {
		f->index = 1;
		lint_add(&f->repairs, "%s: rewritten from the registry "
		    "(did not list each document once)", WIKI_INDEX);
	}
}

static int
index_put_doc(void *arg, const struct db_doc *d)
{
	struct index_writer	*w = arg;
	struct wiki_doc		 wd;
	char			*line;

	wiki_doc_of(d, &wd);
	line = wiki_index_line(&wd);
	index_writer_put(w, line, strlen(line));
	free(line);
	return w->err != NULL;
}

/* index.md from the registry. */
static char *
fix_index_write(void)
{
	struct index_writer	 w;
	char			*err;

	if ((err = index_writer_open(&w, "lintfix.index")) != NULL)
		return err;
	index_writer_put(&w, WIKI_INDEX_HEADER, strlen(WIKI_INDEX_HEADER));
	if (db_docs_foreach(index_put_doc, &w) == -1 && w.err == NULL)
		w.err = errf("registry: %s", db_errmsg());
	return index_writer_close(&w);
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
		return errf("journal: %s", strerror(errno));
	r = 0;
	for (i = 0; i < f->strays.n && r == 0; i++)
		r = journal_track(j, f->strays.v[i]);
	for (i = 0; i < f->nsum && r == 0; i++)
		r = journal_track(j, f->sum[i].path);
	if (r == 0 && f->index)
		r = journal_track(j, WIKI_INDEX);
	if (r == 0)
		r = f->log_missing ? journal_track(j, WIKI_LOG) :
		    journal_track_append(j, WIKI_LOG);
	if (r == -1) {
		err = errf("journal: %s", strerror(errno));
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
	if (err == NULL && f->index)
		err = fix_index_write();
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
		} else
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
			if (db_fts_insert(f->fts[i].id, f->fts[i].name,
			    f->fts[i].title, body, len) == -1)
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
	struct lint	 ignored;
	struct stat	 st;
	size_t		 i, n0;
	char		*err;

	memset(&f, 0, sizeof(f));
	memset(&ignored, 0, sizeof(ignored));
	f.repairs.max = LINT_BYTES_MAX / 2;
	f.strays.max = SIZE_MAX;
	if (db_docs_foreach(fix_doc, &f) == -1)
		fix_db_error(&f);
	if (db_fts_orphans(&f.orphans) == -1)
		fix_db_error(&f);
	else if (f.orphans > 0)
		lint_add(&f.repairs, "%s: %" PRId64 " full-text row%s without "
		    "a document deleted", DB_PATH, f.orphans,
		    f.orphans == 1 ? "" : "s");
	if (f.error == NULL)
		fix_index_plan(&f);
	if (stat(WIKI_LOG, &st) == -1 && errno == ENOENT) {
		f.log_missing = 1;
		lint_add(&f.repairs, "%s: created (missing)", WIKI_LOG);
	}
	lint_dir(&ignored, KB_RAW, DIR_RAW, &f.strays);
	lint_dir(&ignored, KB_SOURCES, DIR_PAGES, &f.strays);
	lint_dir(&ignored, KB_SUMMARIES, DIR_PAGES, &f.strays);
	n0 = f.strays.n;
	lint_dir(&ignored, KB_STAGING, DIR_STAGING, &f.strays);
	f.staging = f.strays.n > n0;
	for (i = 0; i < f.strays.n; i++)
		lint_add(&f.repairs, "%s: removed (%s)", f.strays.v[i],
		    i < n0 ? "no document in the registry" :
		    "leftover staging file");
	/* What lint_dir could not judge, lint reports afterwards. */
	for (i = 0; i < ignored.n; i++)
		free(ignored.v[i]);
	free(ignored.v);
	free(ignored.error);

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
