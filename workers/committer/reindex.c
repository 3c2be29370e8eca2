/*
 * The full-text index rebuilt from the KB's Markdown (wiki/sources) after
 * the migration to schema 4 (a new tokenizer): at start-up, after
 * recovery, before the committer serves. Bounded transactions of at most
 * REINDEX_DOCS documents or REINDEX_BYTES bytes of text, each recording
 * the last document it indexed: a committer killed midway resumes after
 * it. Only the database changes; the KB's files are read, never written.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define REINDEX_DOCS	256
#define REINDEX_BYTES	(16 * 1024 * 1024)

struct rdoc {
	int64_t	 id;
	char	*name, *title;
};

struct rbatch {
	struct rdoc	d[REINDEX_DOCS];
	unsigned	n;
};

static int
collect(void *arg, int64_t id, const char *name, const char *title)
{
	struct rbatch	*b = arg;

	b->d[b->n].id = id;
	b->d[b->n].name = xstrdup(name);
	b->d[b->n].title = xstrdup(title);
	b->n++;
	return 0;
}

/* One transaction: index b's documents up to the byte budget. */
static int
reindex_batch(struct rbatch *b, uint64_t *done)
{
	char	*src, *md;
	size_t	 len, bytes = 0;
	unsigned i;
	int64_t	 last = 0;

	if (db_begin() == -1)
		return -1;
	for (i = 0; i < b->n && (i == 0 || bytes < REINDEX_BYTES); i++) {
		src = kbpath_source(b->d[i].name);
		if ((md = read_file(src, &len)) == NULL) {
			/* lint reports a document without its Markdown. */
			log_warnx("reindex: %s: %s", src, strerror(errno));
			md = xstrdup("");
			len = 0;
		}
		free(src);
		bytes += len;
		if (db_fts_delete(b->d[i].id) == -1 ||
		    db_fts_insert(b->d[i].id, b->d[i].name, b->d[i].title,
		    md, len) == -1) {
			free(md);
			db_rollback();
			return -1;
		}
		free(md);
		last = b->d[i].id;
		(*done)++;
	}
	if ((i == 0 ? db_reindex_done() : db_reindex_progress(last)) == -1) {
		db_rollback();
		return -1;
	}
	return db_commit();
}

void
reindex_run(void)
{
	struct rbatch	*b;
	uint64_t	 done = 0;
	int64_t		 after;
	unsigned	 i;
	int		 r;

	if ((r = db_reindex_pending(&after)) == 0)
		return;
	b = xcalloc(1, sizeof(*b));
	log_info("full-text index: rebuilding after document %" PRId64,
	    after);
	while (r == 1) {
		b->n = 0;
		if (db_reindex_docs(after, REINDEX_DOCS, collect, b) == -1 ||
		    reindex_batch(b, &done) == -1)
			fatalx("full-text index rebuild: %s", db_errmsg());
		for (i = 0; i < b->n; i++) {
			free(b->d[i].name);
			free(b->d[i].title);
		}
		if (b->n == 0)
			break;
		if ((r = db_reindex_pending(&after)) == -1)
			fatalx("full-text index rebuild: %s", db_errmsg());
	}
	if (r == -1)
		fatalx("full-text index rebuild: %s", db_errmsg());
	free(b);
	log_info("full-text index: rebuilt, %" PRIu64 " documents", done);
}
