/*
 * Batches of prepared documents (group commit): the items as the
 * supervisor sent them, in scan order; the decision for each (decide.c:
 * a duplicate, an update, a name), in a read transaction; publishing
 * the added ones (their files on publish.c's thread) and their rows, with
 * the job's counters and cursor, by the commit protocol (commit.c); and
 * the reply. A batch the job's cursor is already past committed before a
 * crash: it is answered from the registry and changes nothing.
 *
 * Fail points (fsio.h): publish.c's, publish.index(.fsync, .rename) and
 * publish.subindex(.rename, .unlink) (indexw.c; update.* when the batch
 * updates or drops documents), links.source and links.summary (linkw.c,
 * in the transaction),
 * publish.fsync, batch.commit (before COMMIT), batch.committed (after
 * it), cleanup.staging; the concept pages' (conceptw.c); with updates
 * (sources.c) update.unlink.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "committer.h"
#include "db.h"
#include "fsio.h"
#include "item.h"
#include "journal.h"
#include "kbpath.h"
#include "linkw.h"
#include "log.h"
#include "naming.h"
#include "tokenizer.h"
#include "util.h"
#include "wiki.h"
#include "xmalloc.h"

#define BATCH_ITEMS_MAX	65536

/* The batch being received; whether one is, is the committer's state. */
static struct {
	uint64_t	 job, batch;
	uint32_t	 count, n;
	struct item	*items;
} batch;

/* Receiving. */

/* "" or a file directly in the staging directory. */
static int
staging_path_ok(const char *p)
{
	return *p == '\0' || kbpath_is_staged(p);
}

static void
item_copy(struct item *it, const Kbd__BatchItem *bi)
{
	char		 ext[NAMING_STEM_MAX + 1];
	const char	*why;
	size_t		 i;

	memset(it, 0, sizeof(*it));
	it->seq = bi->seq;
	it->path = xstrdup(bi->path);
	it->status = bi->status;
	it->reason = xstrdup(bi->reason);
	/* util.c's encoder: one owner of the hex form of a hash. */
	if (bi->hash.len == SHA256_LEN)
		sha256_hex(bi->hash.data, it->hex);
	else if (bi->hash.len != 0)
		fatalx("item %" PRIu64 ": hash of %zu bytes", bi->seq,
		    bi->hash.len);
	it->size = bi->size;
	it->dev = bi->dev;
	it->ino = bi->ino;
	it->mtime_ns = bi->mtime_ns;
	it->title = xstrdup(bi->title);
	it->description = xstrdup(bi->description);
	if (bi->n_outline > 0) {
		it->outline = xcalloc(bi->n_outline, sizeof(*it->outline));
		for (i = 0; i < bi->n_outline; i++) {
			it->outline[i].level = bi->outline[i]->level;
			it->outline[i].text = xstrdup(bi->outline[i]->text);
		}
		it->noutline = bi->n_outline;
	}
	it->stem = xstrdup(bi->stem);
	/* The extension names a live file too: same rules as a stem. */
	if (naming_ext(bi->ext, ext, sizeof(ext)) == -1)
		ext[0] = '\0';
	it->ext = xstrdup(ext);
	it->staged_raw = xstrdup(bi->staged_raw);
	it->staged_md = xstrdup(bi->staged_md);
	it->converter = xstrdup(bi->converter);
	it->conv_version = bi->converter_version;
	it->recompile = xstrdup(bi->recompile);

	/* Staging paths are unlinked and renamed: they must be staging's. */
	if (!staging_path_ok(it->staged_raw) ||
	    !staging_path_ok(it->staged_md))
		fatalx("item %" PRIu64 ": staging path outside " KB_STAGING,
		    it->seq);
	if (it->status == KBD__FILE_STATUS__FS_ADDED &&
	    (*it->hex == '\0' || *it->staged_raw == '\0' ||
	    *it->staged_md == '\0'))
		fatalx("item %" PRIu64 ": added without hash or staged files",
		    it->seq);
	/* The worker's analysis: a bad one fails the file (itemtext.c). */
	if (it->status == KBD__FILE_STATUS__FS_ADDED &&
	    itemtext_take(it, bi->analysis.data, bi->analysis.len,
	    &why) == -1) {
		log_warnx("%s: the worker's analysis is %s", it->path, why);
		it->status = KBD__FILE_STATUS__FS_FAILED;
		free(it->reason);
		(void)xasprintf(&it->reason, "the converter's text analysis "
		    "is %s", why);
	}
}

static void
item_free(struct item *it)
{
	size_t	i;

	free(it->path);
	free(it->reason);
	free(it->title);
	free(it->description);
	for (i = 0; i < it->noutline; i++)
		free((char *)it->outline[i].text);
	free(it->outline);
	free(it->stem);
	free(it->ext);
	free(it->staged_raw);
	free(it->staged_md);
	free(it->md);
	free(it->doc);
	free(it->why);
	free(it->raw);
	free(it->src);
	free(it->sum);
	free(it->converter);
	free(it->recompile);
	itemtext_free(it);
	sources_item_free(it);
}

uint32_t
batch_begin(const Kbd__BatchBegin *b)
{
	if (b->count > BATCH_ITEMS_MAX)
		fatalx("batch of %u items", b->count);
	stage_end(ST_WAIT);
	batch.job = b->job;
	batch.batch = b->batch;
	batch.count = b->count;
	batch.n = 0;
	batch.items = xcalloc(b->count ? b->count : 1, sizeof(*batch.items));
	return batch.count;
}

uint32_t
batch_item(const Kbd__BatchItem *bi)
{
	/* The dispatch sends no more items than BATCH_BEGIN announced. */
	if (batch.n == batch.count)
		fatalx("batch %" PRIu64 ": more than %u items", batch.batch,
		    batch.count);
	if (batch.n > 0 && bi->seq <= batch.items[batch.n - 1].seq)
		fatalx("batch items out of order");
	item_copy(&batch.items[batch.n++], bi);
	return batch.count - batch.n;
}

/*
 * What the batch adds to its job's counters. When it failed, items sent
 * as added failed with it, whatever had been decided for them.
 */
static void
batch_counts(struct db_counts *c, int failed)
{
	struct item	*it;
	size_t		 i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < batch.n; i++) {
		it = &batch.items[i];
		switch (failed ? it->status : it->result) {
		case KBD__FILE_STATUS__FS_ADDED:
			if (failed)
				c->failed++;
			else
				c->added++;
			break;
		case KBD__FILE_STATUS__FS_DUPLICATE:
			c->duplicates++;
			break;
		case KBD__FILE_STATUS__FS_UPDATED:
			c->updated++;
			break;
		case KBD__FILE_STATUS__FS_MOVED:
			c->moved++;
			break;
		case KBD__FILE_STATUS__FS_SKIPPED:
			c->skipped++;
			break;
		case KBD__FILE_STATUS__FS_CANCELLED:
			c->cancelled++;
			break;
		default:
			c->failed++;
			break;
		}
	}
}

/* Committing. */

/*
 * Registry and full-text rows of one published document: a new row, or
 * the row of the document it updates in place, whose full-text row is
 * replaced. Then its source.
 */
static char *
register_one(struct item *it, int64_t now)
{
	struct db_doc	 d;
	char		*body;
	size_t		 len;
	int64_t		 id;
	int		 r;

	/* Its Markdown is read back from the KB: published first. */
	if ((ITEM_RECOMPILE(it) || it->md == NULL) && publish_wait(it) == -1)
		return errf("%s: not published", it->doc);
	if (ITEM_RECOMPILE(it))
		return recompile_register(it);
	memset(&d, 0, sizeof(d));
	d.name = it->doc;
	d.title = *it->title != '\0' ? it->title : it->doc;
	d.description = it->description;
	d.hash = it->hex;
	d.ext = it->ext;
	d.size = it->size;
	d.src_path = it->path;
	d.src_dev = it->dev;
	d.src_ino = it->ino;
	d.src_mtime_ns = it->mtime_ns;
	d.job = batch.job;
	d.added_at = now;
	d.converter = it->converter;
	d.conv_version = it->conv_version;
	d.lang = tok_lang_code(it->lang - 1);	/* NULL: db_fts_insert's */
	if (it->act == ACT_REPLACE) {
		id = it->upd_id;
		if (db_doc_update(id, &d) == -1 || db_fts_delete(id) == -1 ||
		    db_doc_converter(id, it->converter, it->conv_version) == -1)
			return errf("registry: %s", db_errmsg());
	} else if (db_doc_insert(&d, &id) == -1)
		return errf("registry: %s", db_errmsg());
	/*
	 * The text indexed is what the KB holds: the bytes planning read
	 * from the file since published (renamed, not copied), else read
	 * back from it.
	 */
	if (it->md != NULL) {
		body = it->md;
		len = it->mdlen;
		it->md = NULL;
	} else if ((body = read_file(it->src, &len)) == NULL)
		return errf("%s: %s", it->src, strerror(errno));
	r = db_fts_insert(id, d.name, d.title, body, len,
	    tok_lang_code(it->lang - 1));
	free(body);
	if (r == -1)
		return errf("full-text index: %s", db_errmsg());
	return sources_register(it, id);
}

/*
 * History: every item's outcome as the reply tells it, in the batch's
 * transaction (failed: the items as they came, the added ones failed).
 */
static int
batch_history(const char *failed)
{
	struct item	*it;
	const char	*reason, *doc;
	size_t		 i;
	int		 status;

	for (i = 0; i < batch.n; i++) {
		it = &batch.items[i];
		if (failed != NULL) {
			status = it->status;
			reason = it->reason;
			doc = "";
			if (status == KBD__FILE_STATUS__FS_ADDED) {
				status = KBD__FILE_STATUS__FS_FAILED;
				reason = failed;
			}
		} else {
			status = it->result;
			reason = it->why != NULL ? it->why : it->reason;
			doc = it->doc;
		}
		if (db_job_file(batch.job, it->seq, it->path, status, doc,
		    reason) == -1)
			return -1;
	}
	return 0;
}

/*
 * The registry's side of a batch, in a transaction left open (*began set
 * once it is): its rows, sources, counters and cursor.
 */
static char *
batch_register(uint64_t cursor, int64_t now, int *began)
{
	struct db_counts	 c;
	struct item		*it;
	char			*err = NULL;
	size_t			 i;

	*began = 0;
	if (db_begin() == -1)
		return errf("registry: %s", db_errmsg());
	*began = 1;
	if (compact_batch(batch.n) == -1)
		return errf("registry: %s", db_errmsg());
	db_groups_hold();
	for (i = 0; i < batch.n && err == NULL; i++) {
		it = &batch.items[i];
		if (ITEM_PUBLISHES(it) || (ITEM_RECOMPILE(it) &&
		    it->upd_id != 0))
			err = register_one(it, now);
		else if (it->act == ACT_SOURCE)
			err = sources_register(it, 0);
	}
	if (db_groups_release(err == NULL) == -1 && err == NULL)
		err = errf("registry: %s", db_errmsg());
	batch_counts(&c, 0);
	if (err == NULL && (db_job_batch(batch.job, &c, cursor) == -1 ||
	    batch_history(NULL) == -1))
		err = errf("registry: %s", db_errmsg());
	return err;
}

/* The transaction of a batch that published nothing. */
static char *
batch_transaction(uint64_t cursor, int64_t now)
{
	char	*err;
	int	 began;

	err = batch_register(cursor, now, &began);
	if (!began)
		return err;
	return transaction_end(NULL, batch.job, now, "batch.commit", err);
}

/*
 * The index groups of the batch's documents (indexw.c): added ones are
 * appended, updated, dropped and moved ones change their groups, before
 * and after. 0 or -1.
 */
static int
batch_index_plan(struct index_plan *ip)
{
	struct item	*it;
	size_t		 i;

	for (i = 0; i < batch.n; i++) {
		it = &batch.items[i];
		if (it->act == ACT_INSERT)
			index_plan_add(ip, it->ext, it->path);
		else if (it->act == ACT_REPLACE && index_plan_doc(ip,
		    it->upd_id, it->path) == -1)
			return -1;
		if (it->drop_id != 0 &&
		    index_plan_doc(ip, it->drop_id, NULL) == -1)
			return -1;
		if (it->moved_from != NULL && it->target != 0 &&
		    index_plan_doc(ip, it->target, it->path) == -1)
			return -1;
	}
	return 0;
}

/* What batch_commit planned, released on every way out. */
static void
batch_plan_end(struct index_plan *ip, struct conceptw *cw)
{
	index_plan_free(ip);
	linkw_end();
	conceptw_free(cw);
}

/*
 * The batch's concept changes, planned before its journal: the terms of
 * the documents it publishes (their workers' analysis) and of those it
 * replaces or drops.
 */
static char *
batch_concepts(struct conceptw **cwp)
{
	struct conceptw	*cw;
	struct item	*it;
	char		*err;
	uint64_t	 ndocs;
	size_t		 i;

	if (db_doc_count(&ndocs) == -1)
		return errf("registry: %s", db_errmsg());
	cw = conceptw_new();
	for (i = 0; i < batch.n; i++) {
		it = &batch.items[i];
		if (ITEM_PUBLISHES(it)) {
			conceptw_add(cw, it->doc, it->act == ACT_REPLACE ?
			    it->upd_id : 0, it->terms, it->nterms);
			if (it->act == ACT_INSERT)
				ndocs++;
		}
		if (it->drop_id != 0) {
			conceptw_drop(cw, it->drop_id);
			ndocs--;
		}
	}
	/* Pages of concepts that only gain documents: to the flush. */
	conceptw_defer(cw);
	if ((err = conceptw_plan(cw, ndocs)) != NULL) {
		conceptw_free(cw);
		return err;
	}
	*cwp = cw;
	return NULL;
}

/* Commit the decided batch by the commit protocol. */
static char *
batch_commit(uint64_t cursor)
{
	struct journal		*j;
	struct conceptw		*cw = NULL;
	struct item		*it;
	struct index_plan	 ip;
	char			*err = NULL, *perr;
	size_t			 i, nlinked, npend;
	int64_t			 now = time(NULL);
	int			 rewrite = 0, touched = 0, began = 0, r;

	for (i = 0; i < batch.n; i++) {
		it = &batch.items[i];
		/*
		 * A move is logged: it has a journal and commit record; so
		 * has a recompile that only records converter versions.
		 */
		if (ITEM_PUBLISHES(it) || it->drop_id != 0 ||
		    it->moved_from != NULL ||
		    (ITEM_RECOMPILE(it) && it->upd_id != 0))
			touched = 1;
		if (it->act == ACT_REPLACE || it->drop_id != 0)
			rewrite = 1;	/* index pages change, not only grow */
	}
	/*
	 * The plans read the registry a few times per item (links,
	 * concepts, index groups): in one read transaction, as the
	 * decisions, rather than one per statement (each took and dropped
	 * a WAL read lock, two fcntl calls: about eight a document).
	 */
	if (db_read_begin() == -1)
		return errf("registry: %s", db_errmsg());
	/* Pages of other documents whose links the batch changes. */
	if ((err = linkw_plan_batch(batch.items, batch.n, &nlinked)) != NULL) {
		db_read_end();
		return err;
	}
	if (!touched && nlinked == 0) {
		db_read_end();
		linkw_end();
		return batch_transaction(cursor, now);
	}
	/* The concepts of the documents it publishes, replaces or drops. */
	if ((err = batch_concepts(&cw)) != NULL) {
		db_read_end();
		linkw_end();
		return err;
	}

	memset(&ip, 0, sizeof(ip));
	r = batch_index_plan(&ip);
	db_read_end();
	if (r == -1) {
		batch_plan_end(&ip, cw);
		return errf("registry: %s", db_errmsg());
	}
	if ((j = journal_new()) == NULL) {
		batch_plan_end(&ip, cw);
		return commit_journal_err(j);
	}
	/* The items' own paths are publish.c's to track, on its thread. */
	if (index_plan_track(&ip, j) == -1 ||
	    linkw_track(j) == -1 || conceptw_track(cw, j) == -1) {
		err = ip.dberr ? errf("registry: %s", db_errmsg()) :
		    commit_journal_err(j);
		commit_rollback(j);
		batch_plan_end(&ip, cw);
		return err;
	}

	/*
	 * The live tree changes from here on: the journal made active and
	 * the files published on publish.c's thread while this one writes
	 * the rows in the registry's transaction. Then the pages made from
	 * the rows (concept pages, links of other documents: their
	 * summaries carry both, so concepts first; index pages), then one
	 * sync of everything published before the commit point. A failure
	 * on either thread rolls back both, the journal whatever its state.
	 */
	stage_end(ST_PLANS);
	publish_start(batch.items, batch.n, batch.job, j, cw);
	err = batch_register(cursor, now, &began);
	stage_end(ST_ROWS);
	perr = publish_join();
	stage_end(ST_PUBWAIT);
	if (perr != NULL) {
		free(err);
		err = perr;
	}
#ifdef KBD_DRILL_BREAK_EARLY_PUBLISH
	/* Negative control: the live tree changed before the journal counts. */
	if (err == NULL && (err = commit_activate(j)) != NULL) {
		batch_plan_end(&ip, cw);
		return err;
	}
#endif
	if (err == NULL)
		err = conceptw_apply(cw);
	stage_end(ST_CONCEPTS);
	if (err == NULL)
		err = linkw_apply_batch(batch.items, batch.n);
	stage_end(ST_LINKS);
	if (err == NULL)
		err = index_plan_write(&ip, rewrite ? "update" : "publish");
	npend = conceptw_npend(cw);
	batch_plan_end(&ip, cw);
	stage_end(ST_INDEX);
	if (err == NULL)
		commit_sync("publish.fsync");
	stage_end(ST_SYNC);
	if (began)
		err = transaction_end(j, batch.job, now, "batch.commit", err);
	stage_end(ST_COMMIT);
	if ((err = journal_end(j, "batch.committed", err)) == NULL &&
	    npend > 0)
		flush_note();
	stage_end(ST_JOURNAL);
	return err;
}

/*
 * The batch was committed before a crash (the job's cursor is past it):
 * answer from the registry and change nothing. An added item whose
 * document came from its own path in this job is the one added; others
 * with the same content were its duplicates.
 */
static char *
batch_replay(void)
{
	struct item	*it, *prev;
	char		*name, *src;
	uint64_t	 job;
	size_t		 i, k;
	int		 r, claimed;

	for (i = 0; i < batch.n; i++) {
		it = &batch.items[i];
		if (item_kept(it))
			continue;
		if (ITEM_RECOMPILE(it)) {
			/* Committed: recompiled (or found unchanged). */
			it->result = KBD__FILE_STATUS__FS_UPDATED;
			it->why = xstrdup("");
			it->doc = xstrdup(it->recompile);
			continue;
		}
		if ((r = db_doc_by_hash(it->hex, &name, &src, &job)) == -1)
			return errf("registry: %s", db_errmsg());
		if (r == 0) {
			it->result = KBD__FILE_STATUS__FS_FAILED;
			it->why = xstrdup("not in the registry (failed, or "
			    "removed since)");
			continue;
		}
		claimed = 0;
		for (k = 0; k < i; k++) {
			prev = &batch.items[k];
			if (prev->result == KBD__FILE_STATUS__FS_ADDED &&
			    strcmp(prev->doc, name) == 0)
				claimed = 1;
		}
		if (!claimed && strcmp(src, it->path) == 0) {
			/* An earlier job's document: this one updated it. */
			it->result = job == batch.job ?
			    KBD__FILE_STATUS__FS_ADDED :
			    KBD__FILE_STATUS__FS_UPDATED;
			it->why = xstrdup("");
		} else {
			it->result = KBD__FILE_STATUS__FS_DUPLICATE;
			it->why = errf("same content as %s", name);
		}
		it->doc = name;
		free(src);
	}
	return NULL;
}

/*
 * The decisions read the registry a few times per item; in one read
 * transaction rather than one per statement (each takes and drops the
 * WAL locks: a handful of fcntl calls and page reads per item). They
 * write nothing; the batch's own transaction comes after publishing.
 */
static char *
batch_decide_read(void)
{
	char	*err;

	if (db_read_begin() == -1)
		return errf("registry: %s", db_errmsg());
	err = batch_decide(batch.items, batch.n);
	db_read_end();
	return err;
}

/*
 * A batch that failed still ends its items (the supervisor moves its
 * cursor past them): record them, the added ones as failed, so the job's
 * counters match what its clients were told.
 */
static void
batch_record_failure(uint64_t cursor, const char *err)
{
	struct db_counts	c;

	batch_counts(&c, 1);
	if (db_begin() == -1 || db_job_batch(batch.job, &c, cursor) == -1 ||
	    batch_history(err) == -1) {
		log_warnx("job %" PRIu64 ": recording a failed batch: %s",
		    batch.job, db_errmsg());
		db_rollback();
		return;
	}
	if (db_commit() == -1)
		log_warnx("job %" PRIu64 ": recording a failed batch: %s",
		    batch.job, db_errmsg());
}

/* Staging files are ours once a batch is sent; published ones are gone. */
static void
batch_cleanup(void)
{
	struct item	*it;
	size_t		 i;

	for (i = 0; i < batch.n; i++) {
		it = &batch.items[i];
		if (*it->staged_raw != '\0' &&
		    fsio_unlink(it->staged_raw, "cleanup.staging") == -1)
			log_warn("%s", it->staged_raw);
		if (*it->staged_md != '\0' &&
		    fsio_unlink(it->staged_md, "cleanup.staging") == -1)
			log_warn("%s", it->staged_md);
	}
}

/* The reply: its own copies of the strings, as the batch is freed. */
/*
 * Whether an item's outcome is the one it came with, whatever happened:
 * the supervisor's side of the rule is pipeline.c batch_done.
 */
static int
batch_echo(const struct item *it)
{
	return it->status != KBD__FILE_STATUS__FS_ADDED &&
	    !ITEM_RECOMPILE(it) && *it->hex == '\0';
}

static Kbd__BatchRep *
batch_reply(const char *err)
{
	Kbd__BatchRep	 *rep;
	Kbd__ItemResult	 *res;
	struct item	 *it;
	const char	 *reason, *doc;
	size_t		  i, n;

	rep = xmalloc(sizeof(*rep));
	kbd__batch_rep__init(rep);
	rep->job = batch.job;
	rep->batch = batch.batch;
	rep->error = xstrdup(err != NULL ? err : "");
	res = NULL;
	if (batch.n > 0) {
		rep->results = xcalloc(batch.n, sizeof(*rep->results));
		res = xcalloc(batch.n, sizeof(*res));
	}
	for (i = 0, n = 0; i < batch.n; i++) {
		it = &batch.items[i];
		/*
		 * An outcome the supervisor sent and nothing here could
		 * change (no content to compare: a file unchanged since it
		 * was added, skipped, ignored, failed in a worker) is not
		 * answered: the supervisor has it. So a batch of thousands
		 * of unchanged files gets a small reply, and batches of
		 * light files can be larger than a packet of results.
		 */
		if (batch_echo(it))
			continue;
		kbd__item_result__init(&res[n]);
		res[n].seq = it->seq;
		if (err != NULL) {
			/* Nothing was decided: the items as they came. */
			res[n].status = it->status;
			reason = it->reason;
			doc = "";
			if (it->status == KBD__FILE_STATUS__FS_ADDED) {
				res[n].status = KBD__FILE_STATUS__FS_FAILED;
				reason = err;
			}
		} else {
			res[n].status = it->result;
			reason = it->why != NULL ? it->why : it->reason;
			doc = it->doc != NULL ? it->doc : "";
		}
		res[n].path = xstrdup(it->path);
		res[n].reason = xstrdup(reason);
		res[n].doc = xstrdup(doc);
		rep->results[n] = &res[n];
		n++;
	}
	rep->n_results = n;
	if (n == 0) {
		free(res);
		free(rep->results);
		rep->results = NULL;
	}
	/* The supervisor knows each item's path: drop them rather than fail. */
	if (protobuf_c_message_get_packed_size(&rep->base) > MSG_MAX_INTERNAL)
		for (i = 0; i < n; i++)
			res[i].path[0] = '\0';
	return rep;
}

void
batch_rep_free(Kbd__BatchRep *rep)
{
	size_t	i;

	if (rep == NULL)
		return;
	for (i = 0; i < rep->n_results; i++) {
		free(rep->results[i]->path);
		free(rep->results[i]->reason);
		free(rep->results[i]->doc);
	}
	if (rep->n_results > 0)
		free(rep->results[0]);	/* the array of results */
	free(rep->results);
	free(rep->error);
	free(rep);
}

Kbd__BatchRep *
batch_end(const Kbd__BatchEnd *e)
{
	Kbd__JobSummary	 js = KBD__JOB_SUMMARY__INIT;
	Kbd__BatchRep	*rep;
	char		*err = NULL;
	size_t		 i;
	int		 r;

	stage_end(ST_RECV);
	stage_batch();
	if (e->job != batch.job || e->batch != batch.batch ||
	    batch.n != batch.count)
		fatalx("BATCH_END of job %" PRIu64 " batch %" PRIu64 " after "
		    "%u of %u items", e->job, e->batch, batch.n, batch.count);
	js.error = NULL;	/* set, xstrdup'ed, only when found */
	if ((r = db_job_get(batch.job, &js)) == -1)
		err = errf("registry: %s", db_errmsg());
	else if (r == 0)
		err = errf("no such job %" PRIu64, batch.job);
	else if (js.cursor >= e->cursor)
		err = batch_replay();
	else if ((err = batch_decide_read()) == NULL) {
		stage_end(ST_DECIDE);
		err = batch_commit(e->cursor);
	}
	if (err != NULL) {
		log_warnx("job %" PRIu64 " batch %" PRIu64 ": %s", batch.job,
		    batch.batch, err);
		if (r == 1 && js.cursor < e->cursor)
			batch_record_failure(e->cursor, err);
	}
	free(js.error);
	batch_cleanup();
	rep = batch_reply(err);
	free(err);
	for (i = 0; i < batch.n; i++)
		item_free(&batch.items[i]);
	free(batch.items);
	memset(&batch, 0, sizeof(batch));
	return rep;
}
