/*
 * Removing documents: the names of one request, looked up in the
 * registry, go together in one journaled commit: their three files
 * unlinked, their lines dropped from wiki/index.md, an entry in
 * wiki/log.md, their rows deleted. Any error rolls everything back and
 * fails every name of the request.
 *
 * Fail points (fsio.h): remove.unlink, remove.index(.fsync, .rename),
 * remove.log(.fsync), remove.fsync, remove.commit, remove.committed.
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
#include "log.h"
#include "wiki.h"
#include "xmalloc.h"

struct rdoc {
	const char	*name;
	int		 found;		/* 1, or 0: not found or repeated */
	int64_t		 id;
	char		*ext, *raw, *src, *sum;
};

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * index.md without the lines of the removed documents (names sorted).
 * This costs O(size of the index) per remove request, not per document;
 * adding never rewrites the index.
 */
static char *
index_rewrite(char **names, size_t n)
{
	struct index_writer	 w;
	FILE			*in;
	char			*line = NULL, *name, *err;
	size_t			 cap = 0;
	ssize_t			 nr;
	int			 drop;

	if ((in = fopen(WIKI_INDEX, "re")) == NULL)
		return errf("%s: %s", WIKI_INDEX, strerror(errno));
	if ((err = index_writer_open(&w, "remove.index")) != NULL) {
		fclose(in);
		return err;
	}
	while (w.err == NULL && (nr = getline(&line, &cap, in)) != -1) {
		drop = 0;
		if ((name = wiki_index_line_doc(line, (size_t)nr)) != NULL) {
			drop = bsearch(&name, names, n, sizeof(*names),
			    cmp_strp) != NULL;
			free(name);
		}
		if (!drop)
			index_writer_put(&w, line, (size_t)nr);
	}
	if (w.err == NULL && ferror(in))
		w.err = errf("%s: read error", WIKI_INDEX);
	free(line);
	fclose(in);
	return index_writer_close(&w);
}

static char *
remove_commit(struct rdoc *v, size_t n, size_t nfound)
{
	struct journal	*j;
	struct conceptw	*cw;
	char		**names, *err = NULL, *what, *entry;
	size_t		  i, k;
	uint64_t	  ndocs;
	int64_t		  now = time(NULL);

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
	if ((j = journal_new()) == NULL) {
		conceptw_free(cw);
		return errf("journal: %s", strerror(errno));
	}
	for (i = 0; i < n; i++) {
		if (!v[i].found)
			continue;
		if (journal_track(j, v[i].raw) == -1 ||
		    journal_track(j, v[i].src) == -1 ||
		    journal_track(j, v[i].sum) == -1)
			break;
	}
	if (i < n || journal_track(j, WIKI_INDEX) == -1 ||
	    journal_track_append(j, WIKI_LOG) == -1 ||
	    conceptw_track(cw, j) == -1) {
		err = errf("journal: %s", strerror(errno));
		commit_rollback(j);
		conceptw_free(cw);
		return err;
	}
	if ((err = commit_activate(j)) != NULL) {
		conceptw_free(cw);
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
		/* The log lists them in request order, the index wants sorted. */
		xasprintf(&what, "remove | %zu document%s", nfound,
		    wiki_plural(nfound));
		entry = wiki_log_entry(what, names, nfound, nfound,
		    (time_t)now);
		qsort(names, nfound, sizeof(*names), cmp_strp);
		err = index_rewrite(names, nfound);
		if (err == NULL && fsio_append(WIKI_LOG, entry, strlen(entry),
		    "remove.log") == -1)
			err = errf("%s: %s", WIKI_LOG, strerror(errno));
		free(entry);
		free(what);
	}
	free(names);
	if (err == NULL) {
		commit_sync("remove.fsync");
		if (db_begin() == -1)
			err = errf("registry: %s", db_errmsg());
		for (i = 0; i < n && err == NULL; i++)
			if (v[i].found && db_doc_delete(v[i].id) == -1)
				err = errf("registry: %s", db_errmsg());
		if (err == NULL)
			err = conceptw_apply(cw);
		err = transaction_end(j, 0, now, "remove.commit", err);
	}
	conceptw_free(cw);
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
	if (err == NULL && nfound > 0)
		err = remove_commit(v, n, nfound);

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
