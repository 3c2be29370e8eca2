/*
 * The committer: the only process that writes a KB. It holds .kb/lock,
 * replays journals left active by a predecessor, then serves the
 * supervisor's requests one at a time: job records, batches of prepared
 * documents (group commit), removals and lint.
 *
 * Every mutation follows the commit protocol of DESIGN.md: track each live
 * path in a journal, activate it, publish (rename staged files, write
 * pages, append to index.md and log.md), fsync the directories once, then
 * one SQLite transaction whose COMMIT, with the journal's commit record,
 * is the commit point; then discard the journal. Any error before COMMIT
 * rolls the journal back. A failed fsync is fatal and never retried: the
 * next committer's recovery puts the KB back in a committed state.
 *
 * Fail points (fsio.h) named here, for crash drills: init.*, publish.raw,
 * publish.source, publish.summary(.fsync, .rename), publish.index(.fsync),
 * publish.log(.fsync), publish.fsync, batch.commit (before COMMIT),
 * batch.committed (after it), cleanup.staging, remove.unlink,
 * remove.index(.fsync, .rename), remove.log(.fsync), remove.fsync,
 * remove.commit, remove.committed, lintfix.unlink, lintfix.summary
 * (.fsync, .rename), lintfix.index(.fsync, .rename), lintfix.log(.fsync),
 * lintfix.fsync, lintfix.commit, lintfix.committed.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#include "chan.h"
#include "db.h"
#include "fsio.h"
#include "journal.h"
#include "kbpath.h"
#include "kbd.h"
#include "kbd.pb-c.h"
#include "log.h"
#include "naming.h"
#include "util.h"
#include "wiki.h"
#include "xmalloc.h"

#if (defined(KBD_DRILL_BREAK_EARLY_PUBLISH) || \
    defined(KBD_DRILL_BREAK_NOSYNCFS)) && !defined(KBD_FAILPOINTS)
#error "KBD_DRILL_BREAK_* variants are test builds (FAILPOINTS=1) only"
#endif

#define BATCH_ITEMS_MAX	65536
/* Room left in a LintRep for the framing and the "and N more" line. */
#define LINT_BYTES_MAX	(MSG_MAX_INTERNAL - 16 * 1024)

static const char *const live_dirs[] = {
	KB_RAW, KB_WIKI, KB_SOURCES, KB_SUMMARIES
};

/* One item of the batch being received, copied out of its message. */
struct item {
	uint64_t		 seq;
	char			*path;
	int			 status;	/* as the supervisor sent it */
	char			*reason;
	char			 hex[65];	/* hash, "" if none */
	uint64_t		 size, dev, ino;
	int64_t			 mtime_ns;
	char			*title, *description;
	struct wiki_heading	*outline;
	size_t			 noutline;
	char			*stem, *ext, *staged_raw, *staged_md;

	/* The outcome. */
	int			 result;	/* FileStatus replied */
	char			*doc;		/* added, or the one it duplicates */
	char			*why;		/* reason replied */
	char			*raw, *src, *sum;	/* live paths, if added */
};

static struct {
	int		 active;
	uint64_t	 job, batch;
	uint32_t	 count, n;
	struct item	*items;
} batch;

static struct chan	chan;

static void	send_msg(uint32_t, const ProtobufCMessage *);

static char *
errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A one-line error message, xmalloc'ed. */
static char *
errf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	return s;
}

static void
sync_dirs(const char *point)
{
	size_t	i;

	/*
	 * The published files' data (staged unsynced by workers) first.
	 * Negative control NOSYNCFS: the commit point comes before it.
	 */
#ifndef KBD_DRILL_BREAK_NOSYNCFS
	if (fsio_syncfs(".", "publish.syncfs") == -1)
		fatal("syncfs");
#endif
	for (i = 0; i < sizeof(live_dirs) / sizeof(live_dirs[0]); i++)
		if (fsio_fsync_dir(live_dirs[i], point) == -1)
			fatal("fsync %s", live_dirs[i]);
}

/*
 * Before the commit point: undo the live tree. Failing that, stop. After a
 * failed fsync the page cache may have dropped what it was to write, so
 * undoing through it is not trusted either: stop, and let the next
 * committer's recovery roll back from what is on disk.
 */
static void
rollback(struct journal *j)
{
	if (fsio_sync_failed())
		fatalx("journal %s: an fsync failed; exiting for recovery",
		    journal_id(j));
	if (journal_rollback(j) == -1)
		fatal("journal %s: rollback", journal_id(j));
	journal_free(j);
}

/* After the commit point. */
static void
discard(struct journal *j)
{
	if (journal_discard(j) == -1)
		fatal("journal %s: discard", journal_id(j));
	journal_free(j);
}

/*
 * The commit point of a journaled mutation whose registry changes are made
 * in the open transaction (err NULL) or failed (err set): record j as
 * committed (for a job's batch, with its job), pass the fail point, and
 * commit, or roll the transaction back. Returns the error.
 */
static char *
transaction_end(struct journal *j, uint64_t job, int64_t now,
    const char *point, char *err)
{
	if (err == NULL && j != NULL &&
	    db_commit_insert(journal_id(j), job, now) == -1)
		err = errf("registry: %s", db_errmsg());
	if (err == NULL && fsio_point(point) == -1)
		err = errf("registry: %s", strerror(errno));
	if (err != NULL) {
		db_rollback();
		return err;
	}
	if (db_commit() == -1)
		return errf("registry: %s", db_errmsg());
	return NULL;
}

/* After the transaction: roll j back on err, else discard it. */
static char *
journal_end(struct journal *j, const char *committed, char *err)
{
	if (err != NULL) {
		rollback(j);
		return err;
	}
	(void)fsio_point(committed);
	discard(j);
	return NULL;
}

/*
 * Activate j, or explain why not. A full disk is an error the request
 * reports; any other failure leaves the journal's state unclear (it
 * fsyncs), so the committer stops and recovery sorts it out.
 */
static char *
activate(struct journal *j)
{
	char	*err;

	if (journal_activate(j) == 0)
		return NULL;
	if (errno != ENOSPC && errno != EDQUOT)
		fatal("journal %s: activate", journal_id(j));
	err = errf("journal: %s", strerror(errno));
	rollback(j);
	return err;
}

/*
 * Whether a registry document's raw file is named file. Names hold dots,
 * so "a.b.c" may be a/b.c, a.b/c or a.b.c without extension: each split
 * is one indexed lookup.
 */
static int
raw_file_owned(const char *file)
{
	char	*name, *dot;
	int	 r;

	if ((r = db_name_ext_exists(file, "")) != 0)
		return r;
	name = xstrdup(file);
	for (dot = strchr(name, '.'); dot != NULL; dot = strchr(dot + 1, '.')) {
		*dot = '\0';
		r = db_name_ext_exists(name, dot + 1);
		*dot = '.';
		if (r != 0)
			break;
	}
	free(name);
	return r;
}

/* Startup. */

static void
init_dirs(const char *const *dirs, size_t n, mode_t mode)
{
	struct stat	 st;
	const char	*slash;
	char		*parent;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (fsio_mkdir(dirs[i], mode, "init.mkdir") == -1)
			fatal("mkdir %s", dirs[i]);
		slash = strrchr(dirs[i], '/');
		parent = slash == NULL ? xstrdup(".") :
		    xstrndup(dirs[i], (size_t)(slash - dirs[i]));
		if (fsio_fsync_dir(parent, "init.fsync") == -1)
			fatal("fsync %s", parent);
		free(parent);
	}
}

static void
init_file(const char *path, const char *text, const char *point)
{
	struct stat	st;

	if (stat(path, &st) == 0)
		return;
	if (errno != ENOENT)
		fatal("%s", path);
	if (fsio_write_atomic(path, text, strlen(text), point) == -1)
		fatal("%s", path);
	if (fsio_fsync_dir("wiki", "init.fsync") == -1)
		fatal("fsync wiki");
}

static int
committed(void *arg, const char *id)
{
	int	r;

	(void)arg;
	if ((r = db_commit_exists(id)) == -1) {
		log_warnx("%s", db_errmsg());
		errno = EIO;
	}
	return r;
}

/* Batches. */

/* "" or a file directly in the staging directory. */
static int
staging_path_ok(const char *p)
{
	return *p == '\0' || kbpath_is_staged(p);
}

static void
item_copy(struct item *it, const Kbd__BatchItem *bi)
{
	char	ext[NAMING_STEM_MAX + 1];
	size_t	i;

	memset(it, 0, sizeof(*it));
	it->seq = bi->seq;
	it->path = xstrdup(bi->path);
	it->status = bi->status;
	it->reason = xstrdup(bi->reason);
	if (bi->hash.len == 32)
		for (i = 0; i < 32; i++)
			(void)snprintf(it->hex + 2 * i, 3, "%02x",
			    bi->hash.data[i]);
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
	free(it->doc);
	free(it->why);
	free(it->raw);
	free(it->src);
	free(it->sum);
}

static void
batch_begin(const Kbd__BatchBegin *b)
{
	if (batch.active)
		fatalx("BATCH_BEGIN inside batch %" PRIu64, batch.batch);
	if (b->count > BATCH_ITEMS_MAX)
		fatalx("batch of %u items", b->count);
	batch.active = 1;
	batch.job = b->job;
	batch.batch = b->batch;
	batch.count = b->count;
	batch.n = 0;
	batch.items = xcalloc(b->count ? b->count : 1, sizeof(*batch.items));
}

static void
batch_item(const Kbd__BatchItem *bi)
{
	if (!batch.active || batch.n == batch.count)
		fatalx("BATCH_ITEM outside a batch");
	if (batch.n > 0 && bi->seq <= batch.items[batch.n - 1].seq)
		fatalx("batch items out of order");
	item_copy(&batch.items[batch.n++], bi);
}

struct taken_arg {
	size_t		 upto;		/* items decided before this one */
	const char	*ext;
};

static int
name_taken(void *arg, const char *name)
{
	struct taken_arg	*ta = arg;
	struct item		*it;
	char			*file, *other;
	size_t			 i;
	int			 r;

	file = kbpath_raw_name(name, ta->ext);
	for (i = 0; i < ta->upto; i++) {
		it = &batch.items[i];
		if (it->result != KBD__FILE_STATUS__FS_ADDED)
			continue;
		other = kbpath_raw_name(it->doc, it->ext);
		r = strcmp(it->doc, name) == 0 || strcmp(other, file) == 0;
		free(other);
		if (r) {
			free(file);
			return 1;
		}
	}
	if ((r = db_name_exists(name)) == 0)
		r = raw_file_owned(file);
	free(file);
	if (r == -1)
		errno = EIO;	/* the reason is in db_errmsg() */
	return r;
}

/*
 * Outcome of each item, in scan order: duplicates by hash against the
 * registry and the items before it, then the document's name.
 */
static char *
batch_decide(void)
{
	struct taken_arg	 ta;
	struct item		*it, *prev;
	char			 stem[NAMING_STEM_MAX + 1];
	char			 name[NAMING_NAME_MAX + 1], *dup;
	size_t			 i, k;
	int			 r;

	for (i = 0; i < batch.n; i++) {
		it = &batch.items[i];
		if (it->status != KBD__FILE_STATUS__FS_ADDED) {
			it->result = it->status;
			it->why = xstrdup(it->reason);
			continue;
		}
		if ((r = db_doc_by_hash(it->hex, &dup, NULL, NULL)) == -1)
			return errf("registry: %s", db_errmsg());
		for (k = 0; r == 0 && k < i; k++) {
			prev = &batch.items[k];
			if (prev->result == KBD__FILE_STATUS__FS_ADDED &&
			    strcmp(prev->hex, it->hex) == 0) {
				dup = xstrdup(prev->doc);
				r = 1;
			}
		}
		if (r == 1) {
			it->result = KBD__FILE_STATUS__FS_DUPLICATE;
			it->why = errf("same content as %s", dup);
			it->doc = dup;
			continue;
		}
		ta.upto = i;
		ta.ext = it->ext;
		if (naming_sanitize(it->stem, stem, sizeof(stem)) == -1 ||
		    naming_choose(stem, it->hex, name_taken, &ta, name,
		    sizeof(name)) == -1)
			return errf("naming %s: %s", it->path,
			    errno == EIO ? db_errmsg() : strerror(errno));
		it->result = KBD__FILE_STATUS__FS_ADDED;
		it->why = xstrdup("");
		it->doc = xstrdup(name);
		it->raw = kbpath_raw(name, it->ext);
		it->src = kbpath_source(name);
		it->sum = kbpath_summary(name);
	}
	return NULL;
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

static struct wiki_doc *
item_wiki(const struct item *it, struct wiki_doc *d)
{
	d->name = it->doc;
	d->ext = it->ext;
	d->title = it->title;
	d->description = it->description;
	d->outline = it->outline;
	d->noutline = it->noutline;
	return d;
}

/* Move one document's staged files into place and write its page. */
static char *
publish_one(struct item *it)
{
	struct wiki_doc	 d;
	char		*md, *page, *kw[WIKI_KEYWORDS];
	size_t		 len, nkw;
	int		 r;

	if ((md = read_file(it->staged_md, &len)) == NULL)
		return errf("%s: %s", it->staged_md, strerror(errno));
	nkw = wiki_keywords(md, len, kw);
	free(md);
	page = wiki_summary(item_wiki(it, &d), kw, nkw, &len);
	wiki_keywords_free(kw, nkw);

	if (fsio_rename(it->staged_raw, it->raw, "publish.raw") == -1) {
		free(page);
		return errf("%s: %s", it->raw, strerror(errno));
	}
	if (fsio_rename(it->staged_md, it->src, "publish.source") == -1) {
		free(page);
		return errf("%s: %s", it->src, strerror(errno));
	}
	r = fsio_write_batched(it->sum, page, len, "publish.summary");
	free(page);
	if (r == -1)
		return errf("%s: %s", it->sum, strerror(errno));
	return NULL;
}

/* Registry and full-text rows of one published document. */
static char *
register_one(const struct item *it, int64_t now)
{
	struct db_doc	 d;
	char		*body;
	size_t		 len;
	int64_t		 id;
	int		 r;

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
	if (db_doc_insert(&d, &id) == -1)
		return errf("registry: %s", db_errmsg());
	/* The text indexed is what the KB holds, read back from it. */
	if ((body = read_file(it->src, &len)) == NULL)
		return errf("%s: %s", it->src, strerror(errno));
	r = db_fts_insert(id, d.name, d.title, body, len);
	free(body);
	if (r == -1)
		return errf("full-text index: %s", db_errmsg());
	return NULL;
}

/* The transaction of a batch; j NULL when it published nothing. */
static char *
batch_transaction(struct journal *j, uint64_t cursor, int64_t now)
{
	struct db_counts	 c;
	struct item		*it;
	char			*err = NULL;
	size_t			 i;

	if (db_begin() == -1)
		return errf("registry: %s", db_errmsg());
	for (i = 0; i < batch.n && err == NULL; i++) {
		it = &batch.items[i];
		if (it->result == KBD__FILE_STATUS__FS_ADDED)
			err = register_one(it, now);
	}
	batch_counts(&c, 0);
	if (err == NULL && db_job_batch(batch.job, &c, cursor) == -1)
		err = errf("registry: %s", db_errmsg());
	return transaction_end(j, batch.job, now, "batch.commit", err);
}

/* Commit the decided batch by the commit protocol. */
static char *
batch_commit(uint64_t cursor)
{
	struct journal	*j;
	struct item	*it;
	struct wiki_doc	 d;
	char		*err = NULL, *line, *entry, *what, **docs;
	char		*lines = NULL;
	size_t		 i, ndocs = 0, linelen = 0, len;
	int64_t		 now = time(NULL);

	for (i = 0; i < batch.n; i++)
		if (batch.items[i].result == KBD__FILE_STATUS__FS_ADDED)
			ndocs++;
	if (ndocs == 0)
		return batch_transaction(NULL, cursor, now);

	if ((j = journal_new()) == NULL)
		return errf("journal: %s", strerror(errno));
	for (i = 0; i < batch.n; i++) {
		it = &batch.items[i];
		if (it->result != KBD__FILE_STATUS__FS_ADDED)
			continue;
		if (journal_track(j, it->raw) == -1 ||
		    journal_track(j, it->src) == -1 ||
		    journal_track(j, it->sum) == -1) {
			err = errf("journal: %s", strerror(errno));
			rollback(j);
			return err;
		}
	}
	if (journal_track_append(j, WIKI_INDEX) == -1 ||
	    journal_track_append(j, WIKI_LOG) == -1) {
		err = errf("journal: %s", strerror(errno));
		rollback(j);
		return err;
	}
#ifndef KBD_DRILL_BREAK_EARLY_PUBLISH
	if ((err = activate(j)) != NULL)
		return err;
#endif

	/* The live tree changes from here on. */
	docs = xcalloc(ndocs, sizeof(*docs));
	ndocs = 0;
	for (i = 0; i < batch.n && err == NULL; i++) {
		it = &batch.items[i];
		if (it->result != KBD__FILE_STATUS__FS_ADDED)
			continue;
		if ((err = publish_one(it)) != NULL)
			break;
		docs[ndocs++] = it->doc;
		line = wiki_index_line(item_wiki(it, &d));
		len = strlen(line);
		lines = xreallocarray(lines, 1, linelen + len + 1);
		memcpy(lines + linelen, line, len + 1);
		linelen += len;
		free(line);
	}
	if (err == NULL && fsio_append(WIKI_INDEX, lines, linelen,
	    "publish.index") == -1)
		err = errf("%s: %s", WIKI_INDEX, strerror(errno));
	if (err == NULL) {
		xasprintf(&what, "add | job %" PRIu64 ": %zu documents",
		    batch.job, ndocs);
		entry = wiki_log_entry(what, docs, ndocs, (time_t)now);
		if (fsio_append(WIKI_LOG, entry, strlen(entry),
		    "publish.log") == -1)
			err = errf("%s: %s", WIKI_LOG, strerror(errno));
		free(entry);
		free(what);
	}
	free(lines);
	free(docs);
#ifdef KBD_DRILL_BREAK_EARLY_PUBLISH
	/* Negative control: the live tree changed before the journal counts. */
	if (err == NULL && (err = activate(j)) != NULL)
		return err;
#endif
	if (err == NULL) {
		sync_dirs("publish.fsync");
		err = batch_transaction(j, cursor, now);
	}
	return journal_end(j, "batch.committed", err);
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
		if (it->status != KBD__FILE_STATUS__FS_ADDED) {
			it->result = it->status;
			it->why = xstrdup(it->reason);
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
		if (!claimed && job == batch.job &&
		    strcmp(src, it->path) == 0) {
			it->result = KBD__FILE_STATUS__FS_ADDED;
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
 * A batch that failed still ends its items (the supervisor moves its
 * cursor past them): record them, the added ones as failed, so the job's
 * counters match what its clients were told.
 */
static void
batch_record_failure(uint64_t cursor)
{
	struct db_counts	c;

	batch_counts(&c, 1);
	if (db_begin() == -1 || db_job_batch(batch.job, &c, cursor) == -1) {
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

static void
batch_reply(const char *err)
{
	Kbd__BatchRep	  rep = KBD__BATCH_REP__INIT;
	Kbd__ItemResult	 *res, **resp;
	struct item	 *it;
	size_t		  i;

	rep.job = batch.job;
	rep.batch = batch.batch;
	rep.error = (char *)(err != NULL ? err : "");
	res = xcalloc(batch.n ? batch.n : 1, sizeof(*res));
	resp = xcalloc(batch.n ? batch.n : 1, sizeof(*resp));
	for (i = 0; i < batch.n; i++) {
		it = &batch.items[i];
		kbd__item_result__init(&res[i]);
		res[i].seq = it->seq;
		res[i].path = it->path;
		if (err != NULL) {
			/* Nothing was decided: the items as they came. */
			res[i].status = it->status;
			res[i].reason = it->reason;
			res[i].doc = (char *)"";
			if (it->status == KBD__FILE_STATUS__FS_ADDED) {
				res[i].status = KBD__FILE_STATUS__FS_FAILED;
				res[i].reason = (char *)err;
			}
		} else {
			res[i].status = it->result;
			res[i].reason = it->why != NULL ? it->why :
			    it->reason;
			res[i].doc = it->doc != NULL ? it->doc : (char *)"";
		}
		resp[i] = &res[i];
	}
	rep.results = resp;
	rep.n_results = batch.n;
	/* The supervisor knows each item's path: drop them rather than fail. */
	if (protobuf_c_message_get_packed_size(&rep.base) > MSG_MAX_INTERNAL)
		for (i = 0; i < batch.n; i++)
			res[i].path = (char *)"";
	send_msg(MSG_BATCH_REP, &rep.base);
	free(resp);
	free(res);
}

static void
batch_end(const Kbd__BatchEnd *e)
{
	Kbd__JobSummary	 js = KBD__JOB_SUMMARY__INIT;
	char		*err = NULL;
	size_t		 i;
	int		 r;

	if (!batch.active || e->job != batch.job || e->batch != batch.batch ||
	    batch.n != batch.count)
		fatalx("BATCH_END of job %" PRIu64 " batch %" PRIu64 " after "
		    "%u of %u items", e->job, e->batch, batch.n, batch.count);
	if ((r = db_job_get(batch.job, &js)) == -1)
		err = errf("registry: %s", db_errmsg());
	else if (r == 0)
		err = errf("no such job %" PRIu64, batch.job);
	else if (js.cursor >= e->cursor)
		err = batch_replay();
	else if ((err = batch_decide()) == NULL)
		err = batch_commit(e->cursor);
	if (err != NULL) {
		log_warnx("job %" PRIu64 " batch %" PRIu64 ": %s", batch.job,
		    batch.batch, err);
		if (r == 1 && js.cursor < e->cursor)
			batch_record_failure(e->cursor);
	}
	free(js.error);
	batch_cleanup();
	batch_reply(err);
	free(err);
	for (i = 0; i < batch.n; i++)
		item_free(&batch.items[i]);
	free(batch.items);
	memset(&batch, 0, sizeof(batch));
}

/* Jobs. */

static void
job_create(const Kbd__JobCreateReq *req)
{
	Kbd__JobCreateRep	 rep = KBD__JOB_CREATE_REP__INIT;
	uint8_t			*buf;
	size_t			 len;
	char			*err = NULL;

	len = protobuf_c_message_get_packed_size(&req->base);
	buf = xmalloc(len + 1);
	(void)protobuf_c_message_pack(&req->base, buf);
	/* synchronous=FULL: the job is durable when this returns. */
	if (db_job_create(buf, len, time(NULL), &rep.job) == -1) {
		err = errf("registry: %s", db_errmsg());
		rep.error = err;
		rep.job = 0;
	}
	free(buf);
	send_msg(MSG_JOB_CREATE_REP, &rep.base);
	free(err);
}

static void
job_finish(const Kbd__JobFinishReq *req)
{
	Kbd__JobSummary	 s = KBD__JOB_SUMMARY__INIT;
	int		 r;

	if (db_job_finish(req->job, req->state, req->error, time(NULL)) == -1)
		log_warnx("job %" PRIu64 ": %s", req->job, db_errmsg());
	if ((r = db_job_get(req->job, &s)) != 1) {
		s.job = req->job;
		s.state = KBD__JOB_STATE__JOB_NONE;
		s.error = r == 0 ? errf("no such job %" PRIu64, req->job) :
		    errf("registry: %s", db_errmsg());
	}
	send_msg(MSG_JOB_FINISH_REP, &s.base);
	free(s.error);
}

/*
 * A client cancelled the job: recorded in its row, in a transaction of
 * its own, so that a kbd that stops or dies before the job ends does not
 * resume it. The supervisor sends it in order with the job's batches.
 */
static void
job_cancel(const Kbd__JobCancelReq *req)
{
	Kbd__JobCancelRep	 rep = KBD__JOB_CANCEL_REP__INIT;
	char			*err = NULL;

	if (db_begin() == -1 || db_job_cancel(req->job, time(NULL)) == -1) {
		err = errf("registry: %s", db_errmsg());
		db_rollback();
	} else if (db_commit() == -1)
		err = errf("registry: %s", db_errmsg());
	if (err != NULL)
		rep.error = err;	/* the supervisor logs it */
	rep.job = req->job;
	send_msg(MSG_JOB_CANCEL_REP, &rep.base);
	free(err);
}

/* Removal. */

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

/* Write buffered index text; a failure is remembered in *err. */
static void
index_flush(int fd, char *buf, size_t *len, char **err)
{
	if (*err == NULL && *len > 0 &&
	    fsio_write_all(fd, buf, *len, "remove.index") == -1)
		*err = errf("%s: %s", WIKI_INDEX ".tmp", strerror(errno));
	*len = 0;
}

/*
 * index.md without the lines of the removed documents (names sorted):
 * streamed into index.md.tmp, fsynced, renamed over index.md. This costs
 * O(size of the index) per remove request, not per document; adding
 * never rewrites the index.
 */
static char *
index_rewrite(char **names, size_t n)
{
	FILE	*in;
	char	*line = NULL, *name, *err = NULL, *buf;
	size_t	 cap = 0, len = 0, bufmax = 64 * 1024;
	ssize_t	 nr;
	int	 fd, drop;

	if ((in = fopen(WIKI_INDEX, "re")) == NULL)
		return errf("%s: %s", WIKI_INDEX, strerror(errno));
	fd = fsio_create(WIKI_INDEX ".tmp", O_WRONLY | O_TRUNC | O_CLOEXEC,
	    0644);
	if (fd == -1) {
		err = errf("%s: %s", WIKI_INDEX ".tmp", strerror(errno));
		fclose(in);
		return err;
	}
	buf = xmalloc(bufmax);
	while (err == NULL && (nr = getline(&line, &cap, in)) != -1) {
		drop = 0;
		if ((name = wiki_index_line_doc(line, (size_t)nr)) != NULL) {
			drop = bsearch(&name, names, n, sizeof(*names),
			    cmp_strp) != NULL;
			free(name);
		}
		if (drop)
			continue;
		if (len + (size_t)nr > bufmax)
			index_flush(fd, buf, &len, &err);
		if ((size_t)nr > bufmax) {
			if (err == NULL && fsio_write_all(fd, line, (size_t)nr,
			    "remove.index") == -1)
				err = errf("%s: %s", WIKI_INDEX ".tmp",
				    strerror(errno));
			continue;
		}
		memcpy(buf + len, line, (size_t)nr);
		len += (size_t)nr;
	}
	if (err == NULL && ferror(in))
		err = errf("%s: read error", WIKI_INDEX);
	index_flush(fd, buf, &len, &err);
	free(buf);
	free(line);
	fclose(in);
	if (err == NULL && fsio_fsync(fd, "remove.index.fsync") == -1)
		fatal("fsync %s.tmp", WIKI_INDEX);
	if (close(fd) == -1 && err == NULL)
		err = errf("%s: %s", WIKI_INDEX ".tmp", strerror(errno));
	if (err == NULL && fsio_rename(WIKI_INDEX ".tmp", WIKI_INDEX,
	    "remove.index.rename") == -1)
		err = errf("%s: %s", WIKI_INDEX, strerror(errno));
	return err;
}

static char *
remove_commit(struct rdoc *v, size_t n, size_t nfound)
{
	struct journal	*j;
	char		**names, *err = NULL, *what, *entry;
	size_t		  i, k;
	int64_t		  now = time(NULL);

	if ((j = journal_new()) == NULL)
		return errf("journal: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		if (!v[i].found)
			continue;
		if (journal_track(j, v[i].raw) == -1 ||
		    journal_track(j, v[i].src) == -1 ||
		    journal_track(j, v[i].sum) == -1)
			break;
	}
	if (i < n || journal_track(j, WIKI_INDEX) == -1 ||
	    journal_track_append(j, WIKI_LOG) == -1) {
		err = errf("journal: %s", strerror(errno));
		rollback(j);
		return err;
	}
	if ((err = activate(j)) != NULL)
		return err;

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
		xasprintf(&what, "remove | %zu documents", nfound);
		entry = wiki_log_entry(what, names, nfound, (time_t)now);
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
		sync_dirs("remove.fsync");
		if (db_begin() == -1)
			err = errf("registry: %s", db_errmsg());
		for (i = 0; i < n && err == NULL; i++)
			if (v[i].found && db_doc_delete(v[i].id) == -1)
				err = errf("registry: %s", db_errmsg());
		err = transaction_end(j, 0, now, "remove.commit", err);
	}
	return journal_end(j, "remove.committed", err);
}

static void
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
	send_msg(MSG_C_REMOVE_REP, &rep.base);
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

/* Lint. */

struct lint {
	char	**v;
	size_t	  n, cap;
	size_t	  bytes, more;
	size_t	  max;		/* bytes listed; 0: LINT_BYTES_MAX */
	char	 *error;
};

static void
lint_add(struct lint *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Problems past what one message holds are counted, not listed. */
static void
lint_add(struct lint *l, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	if (l->bytes + strlen(s) + 8 > (l->max ? l->max : LINT_BYTES_MAX)) {
		l->more++;
		free(s);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->bytes += strlen(s) + 8;
	l->v[l->n++] = s;
}

static void
lint_report(void *arg, const char *line)
{
	lint_add(arg, "%s", line);
}

static void
lint_db_error(struct lint *l)
{
	if (l->error == NULL)
		l->error = errf("registry: %s", db_errmsg());
}

/* A file of a document is there and a regular file; 0 if not. */
static int
lint_file(struct lint *l, const char *path, const char *doc)
{
	struct stat	st;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			lint_add(l, "%s: missing (document %s)", path, doc);
		else
			lint_add(l, "%s: %s", path, strerror(errno));
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		lint_add(l, "%s: not a regular file (document %s)", path, doc);
		return 0;
	}
	return 1;
}

static int
lint_doc(void *arg, const struct db_doc *d)
{
	struct lint	*l = arg;
	char		*path, hex[65];

	path = kbpath_raw(d->name, d->ext);
	if (lint_file(l, path, d->name)) {
		if (sha256_file(path, hex) == -1)
			lint_add(l, "%s: %s", path, strerror(errno));
		else if (strcmp(hex, d->hash) != 0)
			lint_add(l, "%s: content does not match the registry "
			    "(sha256 %s, registered %s)", path, hex, d->hash);
	}
	free(path);
	path = kbpath_source(d->name);
	(void)lint_file(l, path, d->name);
	free(path);
	path = kbpath_summary(d->name);
	(void)lint_file(l, path, d->name);
	free(path);
	return 0;
}

enum dir_kind {
	DIR_RAW,	/* raw/<doc>[.<ext>] */
	DIR_PAGES,	/* <doc>.md */
	DIR_STAGING	/* nothing should be left */
};

/*
 * Stream a directory: every entry must belong to a registry document.
 * With strays non-NULL, regular files that belong to none (or are left in
 * staging) go there, for lint --fix to remove, instead of being reported.
 */
static void
lint_dir(struct lint *l, const char *dir, enum dir_kind kind,
    struct lint *strays)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*path, *name;
	size_t		 len;
	int		 r;

	if ((d = opendir(dir)) == NULL) {
		lint_add(l, "%s: %s", dir, strerror(errno));
		return;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		if (kind == DIR_STAGING) {
			if (strays != NULL && lstat(path, &st) == 0 &&
			    S_ISREG(st.st_mode))
				lint_add(strays, "%s", path);
			else
				lint_add(l, "%s: leftover staging file", path);
			free(path);
			continue;
		}
		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			lint_add(l, "%s: not a regular file", path);
			free(path);
			continue;
		}
		len = strlen(de->d_name);
		if (kind == DIR_RAW)
			r = raw_file_owned(de->d_name);
		else if (len > 3 && strcmp(de->d_name + len - 3, ".md") == 0) {
			name = xstrndup(de->d_name, len - 3);
			r = db_name_exists(name);
			free(name);
		} else
			r = 0;
		if (r == -1)
			lint_db_error(l);
		else if (r == 0 && strays != NULL)
			lint_add(strays, "%s", path);
		else if (r == 0)
			lint_add(l, "%s: no document in the registry", path);
		free(path);
	}
	if (errno != 0)
		lint_add(l, "%s: %s", dir, strerror(errno));
	closedir(d);
}

/* Lint --fix. */

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
	memset(&wd, 0, sizeof(wd));
	wd.name = d->name;
	wd.ext = d->ext;
	wd.title = d->title;
	wd.description = d->description;
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

static void
wiki_doc_of(const struct db_doc *d, struct wiki_doc *wd)
{
	memset(wd, 0, sizeof(*wd));
	wd->name = d->name;
	wd->ext = d->ext;
	wd->title = d->title;
	wd->description = d->description;
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

struct iwrite {
	int	 fd;
	char	*buf;
	size_t	 len, max;
	char	*err;
};

static void
iflush(struct iwrite *w)
{
	if (w->err == NULL && w->len > 0 &&
	    fsio_write_all(w->fd, w->buf, w->len, "lintfix.index") == -1)
		w->err = errf("%s: %s", WIKI_INDEX ".tmp", strerror(errno));
	w->len = 0;
}

static void
iwrite(struct iwrite *w, const char *s, size_t n)
{
	if (w->err != NULL)
		return;
	if (w->len + n > w->max)
		iflush(w);
	if (w->err == NULL && n > w->max) {
		if (fsio_write_all(w->fd, s, n, "lintfix.index") == -1)
			w->err = errf("%s: %s", WIKI_INDEX ".tmp",
			    strerror(errno));
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static int
index_put_doc(void *arg, const struct db_doc *d)
{
	struct iwrite	*w = arg;
	struct wiki_doc	 wd;
	char		*line;

	wiki_doc_of(d, &wd);
	line = wiki_index_line(&wd);
	iwrite(w, line, strlen(line));
	free(line);
	return w->err != NULL;
}

/* index.md from the registry: streamed to index.md.tmp, fsynced, renamed. */
static char *
fix_index_write(void)
{
	struct iwrite	w;

	memset(&w, 0, sizeof(w));
	w.fd = fsio_create(WIKI_INDEX ".tmp", O_WRONLY | O_TRUNC | O_CLOEXEC,
	    0644);
	if (w.fd == -1)
		return errf("%s: %s", WIKI_INDEX ".tmp", strerror(errno));
	w.max = 64 * 1024;
	w.buf = xmalloc(w.max);
	iwrite(&w, WIKI_INDEX_HEADER, strlen(WIKI_INDEX_HEADER));
	if (db_docs_foreach(index_put_doc, &w) == -1 && w.err == NULL)
		w.err = errf("registry: %s", db_errmsg());
	iflush(&w);
	free(w.buf);
	if (w.err == NULL && fsio_fsync(w.fd, "lintfix.index.fsync") == -1)
		fatal("fsync %s.tmp", WIKI_INDEX);
	if (close(w.fd) == -1 && w.err == NULL)
		w.err = errf("%s: %s", WIKI_INDEX ".tmp", strerror(errno));
	if (w.err == NULL && fsio_rename(WIKI_INDEX ".tmp", WIKI_INDEX,
	    "lintfix.index.rename") == -1)
		w.err = errf("%s: %s", WIKI_INDEX, strerror(errno));
	return w.err;
}

/* The journal, the changes, the transaction: as remove_commit. */
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
		rollback(j);
		return err;
	}
	if ((err = activate(j)) != NULL)
		return err;

	for (i = 0; i < f->strays.n && err == NULL; i++)
		if (fsio_unlink(f->strays.v[i], "lintfix.unlink") == -1)
			err = errf("%s: %s", f->strays.v[i], strerror(errno));
	for (i = 0; i < f->nsum && err == NULL; i++)
		if (fsio_write_batched(f->sum[i].path, f->sum[i].page,
		    f->sum[i].len, "lintfix.summary") == -1)
			err = errf("%s: %s", f->sum[i].path, strerror(errno));
	if (err == NULL && f->index)
		err = fix_index_write();
	if (err == NULL) {
		xasprintf(&what, "lint --fix | %zu repairs",
		    f->repairs.n + f->repairs.more);
		entry = wiki_log_entry(what, NULL, 0, (time_t)now);
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
		sync_dirs("lintfix.fsync");
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
static char *
lint_fix(struct lint *repairs)
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

static void
lint(const Kbd__LintReq *req)
{
	Kbd__LintRep	 rep = KBD__LINT_REP__INIT;
	struct lint	 l, fixed;
	struct stat	 st;
	size_t		 i;
	int		 n;

	memset(&l, 0, sizeof(l));
	memset(&fixed, 0, sizeof(fixed));
	/* Repair first; what remains is what lint then finds. */
	if (req->fix) {
		l.max = LINT_BYTES_MAX / 2;
		l.error = lint_fix(&fixed);
		if (l.error != NULL)
			log_warnx("lint --fix: %s", l.error);
	}
	if (db_docs_foreach(lint_doc, &l) == -1)
		lint_db_error(&l);
	lint_dir(&l, KB_RAW, DIR_RAW, NULL);
	lint_dir(&l, KB_SOURCES, DIR_PAGES, NULL);
	lint_dir(&l, KB_SUMMARIES, DIR_PAGES, NULL);
	if (stat(WIKI_INDEX, &st) == -1)
		lint_add(&l, "%s: %s", WIKI_INDEX, strerror(errno));
	if (stat(WIKI_LOG, &st) == -1)
		lint_add(&l, "%s: %s", WIKI_LOG, strerror(errno));
	if (db_check(lint_report, &l) == -1)
		lint_db_error(&l);
	if ((n = journal_count_active()) == -1)
		lint_add(&l, "%s: %s", KB_JOURNAL, strerror(errno));
	else if (n > 0)
		lint_add(&l, "%s: %d active journal%s", KB_JOURNAL, n,
		    n == 1 ? "" : "s");
	/* Lint is only served while no job runs: staging should be empty. */
	lint_dir(&l, KB_STAGING, DIR_STAGING, NULL);
	if (l.more > 0) {
		/* Fits: LINT_BYTES_MAX leaves room for it. */
		if (l.n == l.cap)
			l.v = xreallocarray(l.v, ++l.cap, sizeof(*l.v));
		l.v[l.n++] = errf("... and %zu more problems", l.more);
	}
	rep.problems = l.v;
	rep.n_problems = l.n;
	rep.repairs = fixed.v;
	rep.n_repairs = fixed.n;
	rep.error = l.error != NULL ? l.error : (char *)"";
	send_msg(MSG_C_LINT_REP, &rep.base);
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	free(l.error);
	for (i = 0; i < fixed.n; i++)
		free(fixed.v[i]);
	free(fixed.v);
}

/* The process. */

static void
send_msg(uint32_t type, const ProtobufCMessage *pb)
{
	if (chan_send(&chan, type, pb, NULL, 0) == -1)
		fatal("sending %s", msg_type_name(type));
}

void
committer_main(const char *kbroot)
{
	static const char *const kbdirs[] = { KB_JOURNAL, KB_STAGING };
	Kbd__CommitterReady	 ready = KBD__COMMITTER_READY__INIT;
	struct msg		 m;
	unsigned		 rolled_back = 0, finalized = 0;
	int			 lockfd, r;

	chan_init(&chan, KBD_CHAN_FD, 0, MSG_MAX_INTERNAL);
	log_setsink(chan_log_sink, &chan);
	/*
	 * Ctrl-C on a foreground kbd reaches the whole process group; the
	 * committer stops at EOF, between requests, instead of mid-batch.
	 */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (chdir(kbroot) == -1)
		fatal("%s", kbroot);

	/* A predecessor may still be dying: wait for its lock. */
	if ((lockfd = open(KB_LOCK, O_RDWR | O_CREAT | O_CLOEXEC,
	    0600)) == -1)
		fatal(KB_LOCK);
	while (flock(lockfd, LOCK_EX) == -1)
		if (errno != EINTR)
			fatal("flock " KB_LOCK);

	/* Recovery before anything touches the live tree. */
	init_dirs(kbdirs, sizeof(kbdirs) / sizeof(kbdirs[0]), 0700);
	if (db_open(DB_PATH) == -1)
		fatalx("%s: %s", DB_PATH, db_errmsg());
	/* kb.db may be new: its name must be durable before it counts. */
	if (fsio_fsync_dir(KB_STATE, "init.fsync") == -1)
		fatal("fsync .kb");
	if (journal_recover(committed, NULL, &rolled_back, &finalized) == -1)
		fatal("journal recovery");
	if (rolled_back || finalized)
		log_info("recovery: %u rolled back, %u finalized",
		    rolled_back, finalized);
	init_dirs(live_dirs, sizeof(live_dirs) / sizeof(live_dirs[0]), 0755);
	init_file(WIKI_INDEX, WIKI_INDEX_HEADER, "init.index");
	init_file(WIKI_LOG, WIKI_LOG_HEADER, "init.log");

	ready.rolled_back = rolled_back;
	ready.finalized = finalized;
	send_msg(MSG_COMMITTER_READY, &ready.base);

	for (;;) {
		if ((r = chan_recv(&chan, &m, 0)) == 0) {
			db_close();
			exit(0);
		}
		if (r == -1) {
			if (errno == EPROTO)
				fatalx("bad message: %s", chan.error);
			fatal("receiving");
		}
		if (m.nfds != 0)
			fatalx("%s with file descriptors",
			    msg_type_name(m.type));
		if (batch.active && m.type != MSG_BATCH_ITEM &&
		    m.type != MSG_BATCH_END)
			fatalx("%s inside a batch", msg_type_name(m.type));
		switch (m.type) {
		case MSG_JOB_CREATE_REQ:
			job_create((Kbd__JobCreateReq *)m.pb);
			break;
		case MSG_BATCH_BEGIN:
			batch_begin((Kbd__BatchBegin *)m.pb);
			break;
		case MSG_BATCH_ITEM:
			batch_item((Kbd__BatchItem *)m.pb);
			break;
		case MSG_BATCH_END:
			batch_end((Kbd__BatchEnd *)m.pb);
			break;
		case MSG_JOB_FINISH_REQ:
			job_finish((Kbd__JobFinishReq *)m.pb);
			break;
		case MSG_JOB_CANCEL_REQ:
			job_cancel((Kbd__JobCancelReq *)m.pb);
			break;
		case MSG_C_REMOVE_REQ:
			remove_docs((Kbd__RemoveReq *)m.pb);
			break;
		case MSG_C_LINT_REQ:
			lint((Kbd__LintReq *)m.pb);
			break;
		default:
			fatalx("unexpected %s", msg_type_name(m.type));
		}
		msg_free(&m);
	}
}
