/*
 * Descriptions from the summarizer (kbd.conf's summarizer command, run by
 * the supervisor: supervisor/summarize.c). One request holds the
 * descriptions that finished since the last; each applies only if its
 * document still has the hash it was summarized at (an update or a
 * removal since wins: the summarizer runs again for an update). All go in
 * one journaled commit: the registry's description and description_by,
 * the summary page (its outline kept, as lint --fix keeps it) and the
 * index pages that list the document (indexw.c).
 *
 * Fail points (fsio.h): summary.page, summary.subindex(.unlink),
 * summary.index(.fsync, .rename) when index.md changes, summary.fsync,
 * summary.commit, summary.committed.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "committer.h"
#include "db.h"
#include "fsio.h"
#include "journal.h"
#include "kbpath.h"
#include "linkw.h"
#include "log.h"
#include "tokenizer.h"
#include "util.h"
#include "wiki.h"
#include "xmalloc.h"

#define BY_SUMMARIZER	"summarizer"

struct sdoc {
	struct db_doc	 d;		/* with the new description */
	char		*sum;		/* its summary page's path */
	char		*page;		/* the page rewritten */
	size_t		 len;
};

/* The summary page with description d, outline kept from the old page. */
static char *
render_page(struct sdoc *s, const char *desc)
{
	struct wiki_doc		 wd;
	struct wiki_heading	*hd = NULL;
	char			*md, *old, *src, *err, *kw[KEYWORDS_MAX];
	size_t			 mdlen, oldlen, nkw, nhd;

	src = kbpath_source(s->d.name);
	if ((md = read_file(src, &mdlen)) == NULL) {
		err = errf("%s: %s", src, strerror(errno));
		free(src);
		return err;
	}
	free(src);
	memset(&wd, 0, sizeof(wd));
	wd.name = s->d.name;
	wd.ext = s->d.ext;
	wd.title = s->d.title;
	wd.description = desc;
	wd.description_by = BY_SUMMARIZER;
	wd.hash = s->d.hash;
	/* Only the page is written: the language its row is in. */
	wd.lang = s->d.lang;
	/* The whole page, as lint --fix renders it: links and concepts. */
	if (linkw_fill(&wd, s->d.id) == -1) {
		free(md);
		return errf("registry: %s", db_errmsg());
	}
	nkw = keywords_extract(md, mdlen, kw);
	old = read_file(s->sum, &oldlen);
	s->page = old != NULL ? summary_keep_outline(&wd, kw, nkw, old,
	    &s->len) : NULL;
	if (s->page == NULL) {
		nhd = md_headings(md, &hd);
		wd.outline = hd;
		wd.noutline = nhd;
		s->page = wiki_summary(&wd, kw, nkw, &s->len);
		free(hd);
	}
	keywords_free(kw, nkw);
	linkw_fill_free(&wd);
	free(old);
	free(md);
	s->page = conceptw_summary_fix(s->d.id, s->page, &s->len, &err);
	return err;
}

static char *
summary_commit(struct sdoc *v, size_t n)
{
	struct journal		*j;
	struct index_plan	 ip;
	char			*err = NULL;
	size_t			 i;
	int64_t			 now = time(NULL);
	int			 r = 0;

	/* The index pages that list these documents show descriptions. */
	memset(&ip, 0, sizeof(ip));
	for (i = 0; i < n && r != -1; i++)
		r = index_plan_doc(&ip, v[i].d.id, NULL);
	if (r == -1) {
		index_plan_free(&ip);
		return errf("registry: %s", db_errmsg());
	}
	if ((j = journal_new()) == NULL) {
		index_plan_free(&ip);
		return commit_journal_err(j);
	}
	for (i = 0, r = 0; i < n && r == 0; i++)
		r = journal_track(j, v[i].sum);
	if (r == 0)
		r = index_plan_track(&ip, j);
	if (r == -1) {
		err = ip.dberr ? errf("registry: %s", db_errmsg()) :
		    commit_journal_err(j);
		commit_rollback(j);
		index_plan_free(&ip);
		return err;
	}
	if ((err = commit_activate(j)) != NULL) {
		index_plan_free(&ip);
		return err;
	}
	for (i = 0; i < n && err == NULL; i++)
		if (fsio_write_batched(v[i].sum, v[i].page, v[i].len,
		    "summary.page") == -1)
			err = errf("%s: %s", v[i].sum, strerror(errno));
		else
			commit_published(v[i].sum);
	if (err == NULL) {
		if (db_begin() == -1)
			err = errf("registry: %s", db_errmsg());
		for (i = 0; i < n && err == NULL; i++)
			if (db_doc_describe(v[i].d.id, v[i].d.description,
			    BY_SUMMARIZER) == -1)
				err = errf("registry: %s", db_errmsg());
		/* The index pages are the registry's: in its transaction. */
		if (err == NULL)
			err = index_plan_write(&ip, "summary");
		if (err == NULL)
			commit_sync("summary.fsync");
		err = transaction_end(j, 0, now, "summary.commit", err);
	}
	index_plan_free(&ip);
	return journal_end(j, "summary.committed", err);
}

void
summary_set(const Kbd__SummaryReq *req)
{
	Kbd__SummaryRep	 rep = KBD__SUMMARY_REP__INIT;
	Kbd__SummaryEntry *e;
	struct sdoc	*v;
	char		*err = NULL;
	size_t		 i, k, n = 0;
	int		 r;

	v = xcalloc(req->n_entries ? req->n_entries : 1, sizeof(*v));
	for (i = 0; i < req->n_entries && err == NULL; i++) {
		e = req->entries[i];
		for (k = 0; k < n; k++)
			if (strcmp(v[k].d.name, e->doc) == 0)
				break;
		if (k < n)
			continue;	/* the supervisor sends one per doc */
		r = db_doc_named(e->doc, &v[n].d);
		if (r == -1)
			err = errf("registry: %s", db_errmsg());
		if (r != 1)
			continue;
		if (strcmp(v[n].d.hash, e->hash) != 0) {
			/* Changed since it was summarized: its own run wins. */
			log_debug("summary of %s: content changed, dropped",
			    e->doc);
			db_doc_clear(&v[n].d);
			continue;
		}
		free((char *)v[n].d.description);
		v[n].d.description = xstrdup(e->description);
		v[n].sum = kbpath_summary(e->doc);
		if ((err = render_page(&v[n], e->description)) != NULL) {
			/* A page it cannot render is a problem lint reports. */
			log_warnx("summary of %s: %s", e->doc, err);
			free(err);
			err = NULL;
			db_doc_clear(&v[n].d);
			free(v[n].sum);
			v[n].sum = NULL;
			continue;
		}
		n++;
	}
	if (err == NULL && n > 0)
		err = summary_commit(v, n);
	rep.applied = err == NULL ? (uint32_t)n : 0;
	rep.error = err != NULL ? err : (char *)"";
	if (err != NULL)
		log_warnx("summary: %s", err);
	committer_send(MSG_C_SUMMARY_REP, &rep.base);
	for (i = 0; i < n; i++) {
		db_doc_clear(&v[i].d);
		free(v[i].sum);
		free(v[i].page);
	}
	free(v);
	free(err);
}
