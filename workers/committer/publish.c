/*
 * A batch's live tree: its dropped documents' files unlinked, its new and
 * updated documents' staged files renamed into place and their summary
 * pages written, in scan order, on a thread of its own while the
 * committer's thread writes the same documents' rows (batch.c).
 *
 * Why a thread: publishing is file system work (renames and creates in
 * directories of one name per document: ext4 looks each name up in an
 * htree) and the rows are SQLite's (the full-text index above all); in a
 * large add each was about a quarter of the committer's time, one after
 * the other, while the machine's other core was half idle
 * (docs/architecture.md, scale notes). Neither needs the other: the
 * commit point comes after both, so a failure of either rolls both back.
 *
 * The thread also tracks the items' live paths in the batch's journal (a
 * look-up of each: is there a file to back up?) and activates it, before
 * it changes the live tree. Those look-ups, three a document that miss in
 * directories of 150,000 names, were a twelfth of the committer's thread
 * in a large add; the rows need no active journal (they are in a
 * transaction the commit point ends, and a crash before it loses them),
 * so the committer's thread writes them meanwhile. The caller tracks
 * the batch's other paths (index, links, concepts) before the start and
 * touches the journal again only after the join.
 *
 * What the thread may touch while it runs: the items' paths and staged
 * names, the journal, the concept plan (read only), the fsio layer and
 * its fail points, and commit_published. The committer's thread,
 * meanwhile, only writes rows: no fsio call, no file of the batch,
 * except the Markdown of an item whose text it must read back from the
 * KB, for which it waits (publish_wait).
 *
 * Fail points (fsio.h): journal.mkdir, journal.link and the journal's
 * own (journal.c), publish.raw, publish.source, publish.summary
 * (.rename), update.unlink (sources.c).
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "fsio.h"
#include "item.h"
#include "journal.h"
#include "kbpath.h"
#include "log.h"
#include "tokenizer.h"
#include "util.h"
#include "wiki.h"
#include "xmalloc.h"

static struct {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	pthread_t		 tid;
	int			 running;	/* started, not joined */
	struct item		*items;
	size_t			 n;
	uint64_t		 job;
	struct journal		*j;
	const struct conceptw	*cw;
	size_t			 hint;		/* conceptw_summary_section's */
	int64_t			 start;		/* mono_ns() at the start */
	/* Under mtx: */
	size_t			 done;		/* items published, in order */
	int			 over;		/* no more: all done or failed */
	int64_t			 took;		/* ns, once over */
	char			*err;
} pub = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static struct wiki_doc *
item_wiki(const struct item *it, struct wiki_doc *d)
{
	memset(d, 0, sizeof(*d));
	d->name = it->doc;
	d->ext = it->ext;
	d->title = it->title;
	d->description = it->description;
	d->description_by = NULL;	/* the converter's: "local" */
	d->hash = it->hex;
	d->outline = it->outline;
	d->noutline = it->noutline;
	return d;
}

/*
 * Move one document's staged files into place and write its page (with
 * its concepts, as cw planned them).
 */
static char *
publish_one(struct item *it)
{
	struct wiki_doc	 d;
	char		*page, *sec, *tmp;
	size_t		 len, slen;
	int		 r;

	item_wiki(it, &d);
	/* The language its full-text row is written in (db_fts_insert). */
	d.lang = tok_lang_code(it->lang - 1);
	page = wiki_summary(&d, it->kw, it->nkw, &len);
	sec = conceptw_summary_section(pub.cw, it->doc, &pub.hint);
	slen = strlen(sec);
	page = xreallocarray(page, len + slen + 1, 1);
	memcpy(page + len, sec, slen + 1);
	len += slen;
	free(sec);

	if (fsio_rename(it->staged_raw, it->raw, "publish.raw") == -1) {
		free(page);
		return errf("%s: %s", it->raw, strerror(errno));
	}
	/* Renamed away: batch_cleanup has nothing to unlink. */
	*it->staged_raw = '\0';
	if (fsio_rename(it->staged_md, it->src, "publish.source") == -1) {
		free(page);
		return errf("%s: %s", it->src, strerror(errno));
	}
	*it->staged_md = '\0';
	commit_published(it->raw);
	commit_published(it->src);
	/*
	 * Written in the staging directory and renamed into place: a new
	 * name in wiki/summaries/ (150,000 in a large KB) is looked up and
	 * made once, not once as .tmp and once more by the rename.
	 */
	tmp = kbpath_staged(pub.job, it->seq, KB_STAGED_SUM);
	r = fsio_write_batched_via(it->sum, tmp, page, len,
	    "publish.summary");
	free(tmp);
	free(page);
	if (r == -1)
		return errf("%s: %s", it->sum, strerror(errno));
	commit_published(it->sum);
	return NULL;
}

/*
 * Each item's live paths in the journal (an update's old files are
 * backed up: rollback restores them), then the journal activated.
 */
static char *
publish_track(void)
{
	struct item	*it;
	size_t		 i;

	for (i = 0; i < pub.n; i++) {
		it = &pub.items[i];
		if (ITEM_PUBLISHES(it) &&
#ifdef KBD_DRILL_BREAK_UPDATE_NOBACKUP
		    /* Negative control: an update replaces files unsaved. */
		    it->act != ACT_REPLACE &&
#endif
		    (journal_track(pub.j, it->raw) == -1 ||
		    journal_track(pub.j, it->src) == -1 ||
		    journal_track(pub.j, it->sum) == -1))
			return commit_journal_err(pub.j);
		if (it->drop_id != 0 &&
		    (journal_track(pub.j, it->drop_raw) == -1 ||
		    journal_track(pub.j, it->drop_src) == -1 ||
		    journal_track(pub.j, it->drop_sum) == -1))
			return commit_journal_err(pub.j);
	}
#ifdef KBD_DRILL_BREAK_EARLY_PUBLISH
	/* Negative control: batch.c activates it after publishing. */
	return NULL;
#else
	return commit_activate_keep(pub.j);
#endif
}

static void *
publish_main(void *arg)
{
	struct item	*it;
	char		*err;
	size_t		 i;

	(void)arg;
	/* Named for ps -L, top -H and perf --comm. */
	(void)pthread_setname_np(pthread_self(), "kbd-publish");
	err = publish_track();
	for (i = 0; err == NULL && i < pub.n; i++) {
		it = &pub.items[i];
		if (it->drop_id != 0 && (err = sources_unlink(it)) != NULL)
			break;
		if (ITEM_PUBLISHES(it) && (err = publish_one(it)) != NULL)
			break;
		pthread_mutex_lock(&pub.mtx);
		pub.done = i + 1;
		pthread_cond_broadcast(&pub.cond);
		pthread_mutex_unlock(&pub.mtx);
	}
	pthread_mutex_lock(&pub.mtx);
	pub.err = err;
	pub.took = mono_ns() - pub.start;
	pub.over = 1;
	pthread_cond_broadcast(&pub.cond);
	pthread_mutex_unlock(&pub.mtx);
	return NULL;
}

void
publish_start(struct item *items, size_t n, uint64_t job,
    struct journal *j, const struct conceptw *cw)
{
	int	e;

	if (pub.running)
		fatalx("%s: already publishing", __func__);
	pub.items = items;
	pub.n = n;
	pub.job = job;
	pub.j = j;
	pub.cw = cw;
	pub.hint = 0;
	pub.done = 0;
	pub.over = 0;
	pub.err = NULL;
	pub.took = 0;
	pub.start = mono_ns();
	if ((e = pthread_create(&pub.tid, NULL, publish_main, NULL)) != 0) {
		errno = e;
		fatal("%s: pthread_create", __func__);
	}
	pub.running = 1;
}

int
publish_wait(const struct item *it)
{
	size_t	i;
	int	r;

	if (!pub.running || it < pub.items || it >= pub.items + pub.n)
		return 0;
	i = (size_t)(it - pub.items);
	pthread_mutex_lock(&pub.mtx);
	while (pub.done <= i && !pub.over)
		pthread_cond_wait(&pub.cond, &pub.mtx);
	r = pub.done > i ? 0 : -1;
	pthread_mutex_unlock(&pub.mtx);
	return r;
}

char *
publish_join(void)
{
	int	e;

	if (!pub.running)
		return NULL;
	if ((e = pthread_join(pub.tid, NULL)) != 0) {
		errno = e;
		fatal("%s: pthread_join", __func__);
	}
	pub.running = 0;
	/* The thread's own time: rows and publishing overlap by this. */
	stage_add(ST_PUBLISH, pub.took);
	pub.items = NULL;
	pub.j = NULL;
	pub.cw = NULL;
	return pub.err;
}
