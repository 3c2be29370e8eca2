/*
 * Sources (docs/architecture.md, "Sources"): what an item of a batch does
 * to the registry's paths. A path the registry knows, with new content,
 * updates its document in place when it was that document's only source
 * (same name; the files are replaced under the batch's journal), or gets
 * a document of its own when other paths still hold the old content. A
 * known content at a new path is a move when one of its document's
 * source paths is gone, else one more source of it. A known path whose
 * content became another document's is that document's source now, and
 * the document it leaves is removed if no path holds it any more.
 *
 * Decisions only read the registry (and lstat old paths); the rows are
 * written in the batch's transaction (sources_register), the files by
 * batch.c's publishing.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "fsio.h"
#include "db.h"
#include "item.h"
#include "kbpath.h"
#include "log.h"
#include "wiki.h"
#include "xmalloc.h"

/* Whether an earlier item of the batch claimed doc (update, drop). */
static int
doc_claimed(struct item *items, size_t i, int64_t doc)
{
	size_t	k;

	for (k = 0; k < i; k++)
		if ((items[k].act == ACT_REPLACE && items[k].upd_id == doc) ||
		    items[k].drop_id == doc)
			return 1;
	return 0;
}

static int
path_claimed(struct item *items, size_t i, const char *path)
{
	size_t	k;

	for (k = 0; k < i; k++)
		if (items[k].moved_from != NULL &&
		    strcmp(items[k].moved_from, path) == 0)
			return 1;
	return 0;
}

/*
 * A path gone from the file system (not merely unreadable) while its
 * root is there: a vanished mount or a root without a row moves nothing.
 */
static int
path_gone(const char *path, const char *root)
{
	struct stat	st;

	if (*root == '\0' || stat(root, &st) == -1)
		return 0;
	return lstat(path, &st) == -1 && (errno == ENOENT ||
	    errno == ENOTDIR);
}

/* Set up the removal of document id, left without a source. */
static int
drop_doc(struct item *it, int64_t id, char **err)
{
	char	*hash, *src;
	int	 r;

	if ((r = db_doc_get(id, &it->drop_name, &it->drop_ext, &hash,
	    &src)) != 1) {
		*err = r == 0 ? errf("registry: document %" PRId64 " vanished",
		    id) : errf("registry: %s", db_errmsg());
		return -1;
	}
	free(hash);
	free(src);
	it->drop_id = id;
	it->drop_raw = kbpath_raw(it->drop_name, it->drop_ext);
	it->drop_src = kbpath_source(it->drop_name);
	it->drop_sum = kbpath_summary(it->drop_name);
	return 0;
}

int
sources_added(struct item *items, size_t i, char **err)
{
	struct item		*it = &items[i];
	struct db_source	 s;
	uint64_t		 n;
	char			*name, *ext, *hash, *src;
	int			 r;

	it->act = ACT_INSERT;
	if ((r = db_source_get(it->path, &s)) == -1)
		goto dberr;
	if (r == 0 || doc_claimed(items, i, s.doc))
		return 0;		/* a new path: a new document */
	if (db_source_count(s.doc, &n) == -1)
		goto dberr;
	if ((r = db_doc_get(s.doc, &name, &ext, &hash, &src)) == -1)
		goto dberr;
	if (r == 0)
		return 0;
	free(hash);
	free(src);
	it->result = KBD__FILE_STATUS__FS_UPDATED;
	if (n > 1) {
		/* Other paths hold the old content: it stays for them. */
		it->why = errf("content changed; %s stays for its other "
		    "sources", name);
		free(name);
		free(ext);
		return 0;
	}
	if (strcmp(ext, it->ext) != 0) {
		/* Not a name this content can keep: a new one, old dropped. */
		free(name);
		free(ext);
		return drop_doc(it, s.doc, err) == -1 ? -1 : 0;
	}
	free(ext);
	it->act = ACT_REPLACE;
	it->upd_id = s.doc;
	it->why = xstrdup("");
	it->doc = name;
	it->raw = kbpath_raw(name, it->ext);
	it->src = kbpath_source(name);
	it->sum = kbpath_summary(name);
	return 1;
dberr:
	*err = errf("registry: %s", db_errmsg());
	return -1;
}

int
sources_same(struct item *items, size_t i, const char *dup, char **err)
{
	struct item		*it = &items[i];
	struct db_source	 s;
	char			*ext, **paths = NULL, **roots = NULL;
	size_t			 np = 0, k;
	uint64_t		 n;
	int			 r;

	/* The document: the registry's, or an earlier item's (id later). */
	it->target = 0;
	if ((r = db_doc_by_name(dup, &it->target, &ext)) == -1)
		goto dberr;
	if (r == 1)
		free(ext);
	it->act = ACT_SOURCE;
	if ((r = db_source_get(it->path, &s)) == -1)
		goto dberr;
	if (r == 1 && it->target != 0 && s.doc == it->target) {
		/* Known path, same content: its stat refreshed if touched. */
		if (s.dev == it->dev && s.ino == it->ino &&
		    s.size == it->size && s.mtime_ns == it->mtime_ns)
			it->act = ACT_NONE;
		return 0;
	}
	if (r == 1) {
		/* The path now holds another document's content. */
		free(it->why);
		it->result = KBD__FILE_STATUS__FS_UPDATED;
		it->why = errf("now the same content as %s", dup);
		if (db_source_count(s.doc, &n) == -1)
			goto dberr;
		if (n <= 1 && !doc_claimed(items, i, s.doc) &&
		    drop_doc(it, s.doc, err) == -1)
			return -1;
		return 0;
	}
	if (it->target == 0)
		return 0;		/* a new source of an item of the batch */
	if (db_sources_of_doc(it->target, &paths, &roots, &np) == -1)
		goto dberr;
	for (k = 0; k < np; k++) {
		if (it->moved_from == NULL &&
		    path_gone(paths[k], roots[k]) &&
		    !path_claimed(items, i, paths[k]))
			it->moved_from = paths[k];
		else
			free(paths[k]);
		free(roots[k]);
	}
	free(paths);
	free(roots);
	if (it->moved_from != NULL) {
		free(it->why);
		it->result = KBD__FILE_STATUS__FS_MOVED;
		it->why = errf("moved from %s", it->moved_from);
	}
	return 0;
dberr:
	*err = errf("registry: %s", db_errmsg());
	return -1;
}

char *
sources_register(struct item *it, int64_t id)
{
	struct db_source	 s;
	struct db_doc		 d;
	char			*ext;
	int			 r;

	if (it->act == ACT_NONE)
		return NULL;
	if (it->act == ACT_SOURCE) {
		id = it->target;
		if (id == 0) {
			/* Its document came in this batch: named by now. */
			if ((r = db_doc_by_name(it->doc, &id, &ext)) == -1)
				return errf("registry: %s", db_errmsg());
			if (r == 0)
				return NULL;
			free(ext);
		}
	}
	if (it->moved_from != NULL) {
		memset(&d, 0, sizeof(d));
		d.src_path = it->path;
		d.src_dev = it->dev;
		d.src_ino = it->ino;
		d.src_mtime_ns = it->mtime_ns;
		if (db_source_delete(it->moved_from) == -1 ||
		    db_doc_moved(id, it->moved_from, &d) == -1)
			return errf("registry: %s", db_errmsg());
	}
	memset(&s, 0, sizeof(s));
	s.doc = id;
	s.dev = it->dev;
	s.ino = it->ino;
	s.size = it->size;
	s.mtime_ns = it->mtime_ns;
	if (db_source_put(it->path, &s) == -1)
		return errf("registry: %s", db_errmsg());
	if (it->drop_id != 0 && db_doc_delete(it->drop_id) == -1)
		return errf("registry: %s", db_errmsg());
	return NULL;
}

void
sources_item_free(struct item *it)
{
	free(it->moved_from);
	free(it->drop_name);
	free(it->drop_ext);
	free(it->drop_raw);
	free(it->drop_src);
	free(it->drop_sum);
}

/* Publishing: the files of a document the item leaves without source. */
char *
sources_unlink(struct item *it)
{
	const char	*p[3];
	size_t		 k;

	p[0] = it->drop_raw;
	p[1] = it->drop_src;
	p[2] = it->drop_sum;
	for (k = 0; k < 3; k++)
		if (fsio_unlink(p[k], "update.unlink") == -1)
			return errf("%s: %s", p[k], strerror(errno));
	return NULL;
}
