/*
 * What each item of a batch becomes, in scan order, before anything is
 * written: a duplicate by hash of the registry or of an earlier item, an
 * update of a known path or a move (sources.c), a recompile
 * (recompile.c), or a new document and its name (naming.c); batch.c calls
 * it in a read transaction.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "db.h"
#include "item.h"
#include "kbpath.h"
#include "naming.h"
#include "strset.h"
#include "util.h"
#include "xmalloc.h"

/*
 * Whether a registry document's raw file is named file. Names hold dots,
 * so "a.b.c" may be a/b.c, a.b/c or a.b.c without extension: each split
 * is one indexed lookup.
 */
int
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

/*
 * The names and raw file names of the documents the items decided so far
 * publish (the items before the one being named): a set, where a scan of
 * the items made each name a batch chose cost a string for every item
 * before it (7 % of the committer with batches of 512).
 */
static struct strset	taken_names = STRSET_INIT, taken_files = STRSET_INIT;

/*
 * The hashes of the items before the one decided that publish: most items
 * are new content, and the scan of every earlier item's hash that told so
 * was quadratic in the batch (2,048 items: two million strcmp).
 */
static struct strset	taken_hashes = STRSET_INIT;

static void
taken_note(const struct item *it)
{
	char	*file;

	if (!ITEM_PUBLISHES(it))
		return;
	(void)strset_add(&taken_hashes, it->hex);
	if (it->doc == NULL)
		return;
	(void)strset_add(&taken_names, it->doc);
	file = kbpath_raw_name(it->doc, it->ext);
	(void)strset_add(&taken_files, file);
	free(file);
}

static int
name_taken(void *arg, const char *name)
{
	const char	*ext = arg;
	char		*file;
	int		 r;

	file = kbpath_raw_name(name, ext);
	if (strset_has(&taken_names, name) || strset_has(&taken_files, file))
		r = 1;
	else if ((r = db_name_exists(name)) == 0)
		r = raw_file_owned(file);
	free(file);
	if (r == -1)
		errno = EIO;	/* the reason is in db_errmsg() */
	return r;
}

int
item_kept(struct item *it)
{
	if (it->status == KBD__FILE_STATUS__FS_ADDED)
		return 0;
	it->result = it->status;
	it->why = xstrdup(it->reason);
	return 1;
}

/* The document an earlier item of the batch publishes with hex, or NULL. */
static const char *
batch_same_hash(struct item *items, size_t i, const char *hex)
{
	struct item	*prev;
	size_t		 k;

	if (!strset_has(&taken_hashes, hex))
		return NULL;
	for (k = 0; k < i; k++) {
		prev = &items[k];
		if (ITEM_PUBLISHES(prev) && strcmp(prev->hex, hex) == 0)
			return prev->doc;
	}
	return NULL;
}

/*
 * An item whose content is known (a duplicate, by the supervisor or
 * here): the document it duplicates, and what its path becomes
 * (sources.c). Items without a hash (unchanged by stat) change nothing.
 */
static char *
decide_same(struct item *items, size_t i, char *dup)
{
	struct item	*it = &items[i];
	const char	*prev;
	char		*err = NULL;
	int		 r;

	if (dup == NULL) {
		if ((r = db_doc_by_hash(it->hex, &dup, NULL, NULL)) == -1)
			return errf("registry: %s", db_errmsg());
		if (r == 0 && (prev = batch_same_hash(items, i, it->hex)) != NULL)
			dup = xstrdup(prev);
		if (dup == NULL)
			return NULL;
	}
	free(it->doc);
	it->doc = dup;
	if (sources_same(items, i, dup, &err) == -1)
		return err;
	return NULL;
}

/*
 * Outcome of each item, in scan order: duplicates by hash against the
 * registry and the items before it, updates of known paths (sources.c),
 * then the document's name.
 */
char *
batch_decide(struct item *items, size_t n)
{
	struct item		*it;
	const char		*prev;
	char			 stem[NAMING_STEM_MAX + 1];
	char			 name[NAMING_NAME_MAX + 1], *dup, *err = NULL;
	size_t			 i;
	int			 r;

	strset_clear(&taken_names);
	strset_clear(&taken_files);
	strset_clear(&taken_hashes);
	for (i = 0; i < n; i++) {
		if (i > 0)
			taken_note(&items[i - 1]);
		it = &items[i];
		if (item_kept(it)) {
			if (it->status == KBD__FILE_STATUS__FS_DUPLICATE &&
			    *it->hex != '\0' &&
			    (err = decide_same(items, i, NULL)) != NULL)
				return err;
			continue;
		}
		if (ITEM_RECOMPILE(it)) {
			/* Its own content: not a duplicate of itself. */
			if (recompile_decide(it, &err) == -1)
				return err;
			continue;
		}
		if ((r = db_doc_by_hash(it->hex, &dup, NULL, NULL)) == -1)
			return errf("registry: %s", db_errmsg());
		if (r == 0 && (prev = batch_same_hash(items, i, it->hex)) != NULL) {
			dup = xstrdup(prev);
			r = 1;
		}
		if (r == 1) {
			it->result = KBD__FILE_STATUS__FS_DUPLICATE;
			it->why = errf("same content as %s", dup);
			if ((err = decide_same(items, i, dup)) != NULL)
				return err;
			continue;
		}
		it->result = KBD__FILE_STATUS__FS_ADDED;
		if ((r = sources_added(items, i, &err)) == -1)
			return err;
		if (r == 1)
			continue;	/* updated in place: named already */
		if (naming_sanitize(it->stem, stem, sizeof(stem)) == -1 ||
		    naming_choose(stem, it->hex, name_taken, it->ext, name,
		    sizeof(name)) == -1)
			return errf("naming %s: %s", it->path,
			    errno == EIO ? db_errmsg() : strerror(errno));
		if (it->why == NULL)
			it->why = xstrdup("");
		it->doc = xstrdup(name);
		it->raw = kbpath_raw(name, it->ext);
		it->src = kbpath_source(name);
		it->sum = kbpath_summary(name);
	}
	return NULL;
}

