/*
 * Recompile (kbctl recompile): a recompile job's items are documents the
 * workers converted again from their raw/ copies. Each is decided here
 * (batch_decide calls recompile_decide) and then goes the way of an
 * update in place (ACT_REPLACE, batch.c and sources.c): its raw file (the
 * same bytes), Markdown and summary page replaced under the batch's
 * journal, its index line rewritten where it stands, its full-text row
 * replaced, in the batch's transaction. A document whose Markdown and
 * summary page come out the same, and whose concept terms in the registry
 * are those its Markdown gives, is left alone: only its converter version
 * is recorded. So `recompile --all` also fills in the concept terms of
 * documents added before concepts (a KB migrated to schema 11) or under
 * older extraction rules. Its sources, name, job and hash never change.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "conceptdb.h"
#include "concepts.h"
#include "db.h"
#include "item.h"
#include "kbpath.h"
#include "linkw.h"
#include "tokenizer.h"
#include "util.h"
#include "wiki.h"
#include "xmalloc.h"

/* Whether the file at path holds exactly len bytes p; -1 on error. */
static int
same_bytes(const char *path, const char *p, size_t len)
{
	char	*old;
	size_t	 olen;
	int	 r;

	if ((old = read_file(path, &olen)) == NULL)
		return errno == ENOENT ? 0 : -1;
	r = olen == len && memcmp(old, p, len) == 0;
	free(old);
	return r;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Whether the registry holds the concept terms of the item's analysis:
 * not for a document added before concepts (schema 11) or before the
 * current extraction rules. 1 yes, 0 no, -1 registry error.
 */
static int
same_terms(int64_t id, const struct item *it)
{
	const char	**t;
	char		**have;
	size_t		  nhave, i;
	int		  same;

	if (conceptdb_doc_terms(id, &have, &nhave) == -1)
		return -1;
	same = it->nterms == nhave;
	if (same && nhave > 0) {
		t = xcalloc(it->nterms, sizeof(*t));
		for (i = 0; i < it->nterms; i++)
			t[i] = it->terms[i].term;
		qsort(t, it->nterms, sizeof(*t), cmp_str);
		for (i = 0; same && i < nhave; i++)
			same = strcmp(t[i], have[i]) == 0;
		free(t);
	}
	conceptdb_strv_free(have, nhave);
	return same;
}

/*
 * Whether the live Markdown, summary page and concept terms differ from
 * what this conversion makes (an error reading the live files counts as
 * a difference: rewriting them is the repair).
 */
static int
changed(struct item *it, const struct db_recompile *r)
{
	struct wiki_doc	 d;
	char		*md, *page, *err = NULL;
	size_t		 len, plen;
	int		 same;

	if ((md = read_file(it->staged_md, &len)) == NULL)
		return -1;
	/*
	 * The live page has its links to other documents rewritten to their
	 * pages: compared with the conversion as it would be published, not
	 * as the converter wrote it (which made every document with a link
	 * "updated" at every recompile).
	 */
	page = linkw_source_page(r->id, md, len, &plen);
	free(md);
	same = page != NULL && same_bytes(it->src, page, plen) == 1;
	free(page);
	/* The terms' rows are rewritten by the update's conceptw_add. */
	if (same && same_terms(r->id, it) != 1)
		same = 0;
	memset(&d, 0, sizeof(d));
	d.lang = tok_lang_code(it->lang - 1);
	d.name = it->doc;
	d.ext = it->ext;
	d.title = it->title;
	d.description = it->description;
	d.hash = it->hex;
	d.outline = it->outline;
	d.noutline = it->noutline;
	/* The whole page, as lint --fix renders it: links and concepts. */
	if (linkw_fill(&d, r->id) == -1)
		return 1;	/* the rewrite meets the registry's error */
	page = wiki_summary(&d, it->kw, it->nkw, &plen);
	linkw_fill_free(&d);
	page = conceptw_summary_fix(r->id, page, &plen, &err);
	if (err != NULL) {
		free(err);
		free(page);
		return 1;
	}
	if (same)
		same = same_bytes(it->sum, page, plen) == 1;
	free(page);
	if (same)
		same = strcmp(*it->title != '\0' ? it->title : it->doc,
		    r->title) == 0 && strcmp(it->description,
		    r->description) == 0;
	return !same;
}

int
recompile_decide(struct item *it, char **err)
{
	struct db_recompile	 r;
	int			 c;

	it->act = ACT_NONE;
	memset(&r, 0, sizeof(r));
	if ((c = db_doc_recompile_get(it->recompile, &r)) == -1) {
		*err = errf("registry: %s", db_errmsg());
		return -1;
	}
	it->doc = xstrdup(it->recompile);
	if (c == 0) {
		it->result = KBD__FILE_STATUS__FS_FAILED;
		it->why = xstrdup("no longer in the registry (removed)");
		return 0;
	}
	if (strcmp(r.hash, it->hex) != 0) {
		/* The supervisor checked it; a change since is caught here. */
		it->result = KBD__FILE_STATUS__FS_FAILED;
		it->why = errf("%s differs from the registry's hash: kbctl "
		    "lint", it->path);
		db_recompile_free(&r);
		return 0;
	}
	free(it->ext);
	it->ext = xstrdup(r.ext);
	it->upd_id = r.id;
	it->raw = kbpath_raw(it->doc, it->ext);
	it->src = kbpath_source(it->doc);
	it->sum = kbpath_summary(it->doc);
	if ((c = changed(it, &r)) == -1) {
		*err = errf("%s: %s", it->staged_md, strerror(errno));
		db_recompile_free(&r);
		return -1;
	}
	db_recompile_free(&r);
	if (c) {
		it->act = ACT_REPLACE;
		it->result = KBD__FILE_STATUS__FS_UPDATED;
		it->why = xstrdup("recompiled");
	} else {
		it->result = KBD__FILE_STATUS__FS_DUPLICATE;
		it->why = xstrdup("recompiled: unchanged");
	}
	return 0;
}

char *
recompile_register(struct item *it)
{
	char	*body;
	size_t	 len;
	int	 r;

	if (it->act == ACT_REPLACE) {
		if (db_doc_recompiled(it->upd_id, *it->title != '\0' ?
		    it->title : it->doc, it->description) == -1 ||
		    db_fts_delete(it->upd_id) == -1)
			return errf("registry: %s", db_errmsg());
		/* The text indexed is what the KB holds, read back from it. */
		if ((body = read_file(it->src, &len)) == NULL)
			return errf("%s: %s", it->src, strerror(errno));
		r = db_fts_insert(it->upd_id, it->doc, *it->title != '\0' ?
		    it->title : it->doc, body, len,
		    tok_lang_code(it->lang - 1));
		free(body);
		if (r == -1)
			return errf("full-text index: %s", db_errmsg());
	}
	if (db_doc_converter(it->upd_id, it->converter, it->conv_version) ==
	    -1)
		return errf("registry: %s", db_errmsg());
	return NULL;
}

int
recompile_job(uint64_t job)
{
	Kbd__JobCreateReq	*req;
	void			*blob;
	size_t			 len;
	int			 r;

	if (db_job_request(job, &blob, &len) != 1)
		return 0;
	req = kbd__job_create_req__unpack(NULL, len, blob);
	free(blob);
	if (req == NULL)
		return 0;
	r = req->recompile != KBD__RECOMPILE_MODE__RECOMPILE_NONE;
	kbd__job_create_req__free_unpacked(req, NULL);
	return r;
}

int
recompile_log_names(uint64_t job, size_t max,
    void (*cb)(void *, const char *), void *arg, uint64_t *total)
{
	return db_job_files_docs(job, KBD__FILE_STATUS__FS_UPDATED, max, cb,
	    arg, total);
}
