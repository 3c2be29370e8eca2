/*
 * Removing documents: the names of one request, looked up in the
 * registry, go together in one journaled commit: their three files
 * unlinked, an entry in wiki/log.md, their rows deleted, then the index
 * pages of their groups written from the registry (indexw.c). Any error
 * rolls everything back and fails every name of the request.
 *
 * Fail points (fsio.h): remove.unlink, remove.index(.fsync, .rename),
 * remove.subindex(.rename, .unlink), remove.log(.fsync), links.source
 * and links.summary (linkw.c: the pages of documents linked to or from
 * them), remove.fsync, remove.commit, remove.committed.
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
#include "wiki.h"
#include "xmalloc.h"

struct rdoc {
	const char	*name;
	int		 found;		/* 1, or 0: not found or repeated */
	int64_t		 id;
	char		*ext, *raw, *src, *sum;
};

/* What remove_commit planned, released on every way out. */
static void
remove_plan_end(struct index_plan *ip, int64_t *ids, struct conceptw *cw)
{
	index_plan_free(ip);
	linkw_end();
	free(ids);
	conceptw_free(cw);
}

static char *
remove_commit(struct rdoc *v, size_t n, size_t nfound)
{
	struct journal		 *j;
	struct index_plan	  ip;
	struct conceptw		 *cw;
	char			**names, *err = NULL, *what, *entry;
	size_t			  i, k, nlinked;
	uint64_t		  ndocs;
	int64_t			  now = time(NULL), *ids;

	/* The concepts of the removed documents, planned first. */
	if (db_doc_count(&ndocs) == -1)
		return errf("registry: %s", db_errmsg());
	cw = conceptw_new();
	for (i = 0; i < n; i++)
		if (v[i].found)
			conceptw_drop(cw, v[i].id);
	if ((err = conceptw_plan(cw, ndocs - nfound)) != NULL) {
		conceptw_free(cw);
		return err;
	}
	/* Pages that link to a removed document, or are linked from one. */
	ids = xcalloc(nfound, sizeof(*ids));
	for (i = k = 0; i < n; i++)
		if (v[i].found)
			ids[k++] = v[i].id;
	if ((err = linkw_plan_remove(ids, nfound, &nlinked)) != NULL) {
		conceptw_free(cw);
		free(ids);
		return err;
	}
	memset(&ip, 0, sizeof(ip));
	for (i = 0; i < n; i++)
		if (v[i].found && index_plan_doc(&ip, v[i].id, NULL) == -1) {
			remove_plan_end(&ip, ids, cw);
			return errf("registry: %s", db_errmsg());
		}
	if ((j = journal_new()) == NULL) {
		remove_plan_end(&ip, ids, cw);
		return commit_journal_err(j);
	}
	for (i = 0; i < n; i++) {
		if (!v[i].found)
			continue;
		if (journal_track(j, v[i].raw) == -1 ||
		    journal_track(j, v[i].src) == -1 ||
		    journal_track(j, v[i].sum) == -1)
			break;
	}
	if (i < n || index_plan_track(&ip, j) == -1 ||
	    journal_track_append(j, WIKI_LOG) == -1 || linkw_track(j) == -1 ||
	    conceptw_track(cw, j) == -1) {
		err = ip.dberr ? errf("registry: %s", db_errmsg()) :
		    commit_journal_err(j);
		commit_rollback(j);
		remove_plan_end(&ip, ids, cw);
		return err;
	}
	if ((err = commit_activate(j)) != NULL) {
		remove_plan_end(&ip, ids, cw);
		return err;
	}

	names = xcalloc(nfound, sizeof(*names));
	for (i = k = 0; i < n; i++)
		if (v[i].found)
			names[k++] = (char *)v[i].name;
	for (i = 0; i < n && err == NULL; i++) {
		if (!v[i].found)
			continue;
		if (fsio_unlink(v[i].raw, "remove.unlink") == -1)
			err = errf("%s: %s", v[i].raw, strerror(errno));
		else if (fsio_unlink(v[i].src, "remove.unlink") == -1)
			err = errf("%s: %s", v[i].src, strerror(errno));
		else if (fsio_unlink(v[i].sum, "remove.unlink") == -1)
			err = errf("%s: %s", v[i].sum, strerror(errno));
	}
	if (err == NULL) {
		xasprintf(&what, "remove | %zu document%s", nfound,
		    wiki_plural(nfound));
		entry = wiki_log_entry(what, names, nfound, nfound,
		    (time_t)now);
		if (fsio_append(WIKI_LOG, entry, strlen(entry),
		    "remove.log") == -1)
			err = errf("%s: %s", WIKI_LOG, strerror(errno));
		free(entry);
		free(what);
	}
	free(names);
	/* The index pages are the registry's: written in its transaction. */
	if (err == NULL) {
		if (db_begin() == -1)
			err = errf("registry: %s", db_errmsg());
		for (i = 0; i < n && err == NULL; i++)
			if (v[i].found && db_doc_delete(v[i].id) == -1)
				err = errf("registry: %s", db_errmsg());
		/* Concepts, then links (summaries carry both, linkw.c). */
		if (err == NULL)
			err = conceptw_apply(cw);
		if (err == NULL)
			err = linkw_apply_remove(ids, nfound);
		if (err == NULL)
			err = index_plan_write(&ip, "remove");
		if (err == NULL)
			commit_sync("remove.fsync");
		err = transaction_end(j, 0, now, "remove.commit", err);
	}
	remove_plan_end(&ip, ids, cw);
	return journal_end(j, "remove.committed", err);
}

void
remove_docs(const Kbd__RemoveReq *req)
{
	Kbd__RemoveRep	  rep = KBD__REMOVE_REP__INIT;
	Kbd__ItemResult	 *res, **resp;
	struct rdoc	 *v;
	char		 *err = NULL;
	size_t		  i, k, n = req->n_docs, nfound = 0;
	int		  r;

	v = xcalloc(n ? n : 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i].name = req->docs[i];
	for (i = 0; i < n && err == NULL; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(v[k].name, v[i].name) == 0)
				break;
		if (k < i)
			continue;	/* named twice: removed once */
		r = db_doc_by_name(v[i].name, &v[i].id, &v[i].ext);
		if (r == -1)
			err = errf("registry: %s", db_errmsg());
		if (r != 1)
			continue;
		v[i].found = 1;
		nfound++;
		v[i].raw = kbpath_raw(v[i].name, v[i].ext);
		v[i].src = kbpath_source(v[i].name);
		v[i].sum = kbpath_summary(v[i].name);
	}
	if (err == NULL && nfound > 0 &&
	    (err = remove_commit(v, n, nfound)) == NULL)
		compact_note(nfound);

	res = xcalloc(n ? n : 1, sizeof(*res));
	resp = xcalloc(n ? n : 1, sizeof(*resp));
	for (i = 0; i < n; i++) {
		kbd__item_result__init(&res[i]);
		res[i].seq = i + 1;
		res[i].doc = req->docs[i];
		for (k = 0; k <= i; k++)
			if (strcmp(v[k].name, v[i].name) == 0)
				break;
		res[i].status = err == NULL && v[k].found ?
		    KBD__FILE_STATUS__FS_REMOVED :
		    KBD__FILE_STATUS__FS_NOT_FOUND;
		if (err != NULL) {
			res[i].status = KBD__FILE_STATUS__FS_FAILED;
			res[i].reason = err;
		} else if (!v[k].found)
			res[i].reason = (char *)"no such document";
		resp[i] = &res[i];
	}
	rep.results = resp;
	rep.n_results = n;
	rep.error = err != NULL ? err : (char *)"";
	if (err != NULL)
		log_warnx("remove: %s", err);
	/* Before the answer, so a client that was answered reads it current. */
	(void)agents_refresh(0);
	committer_send(MSG_C_REMOVE_REP, &rep.base);
	for (i = 0; i < n; i++) {
		free(v[i].ext);
		free(v[i].raw);
		free(v[i].src);
		free(v[i].sum);
	}
	free(v);
	free(res);
	free(resp);
	free(err);
}
