/*
 * Is a walked file unchanged since it was added? The answer of
 * dbread_source_unchanged (same path, device, inode, size and mtime as
 * its source row), but from the rows of its directory read a chunk at a
 * time (dbread_dir_sources) rather than a query per file: a sync of an
 * unchanged tree asked the registry 150,000 times, each a read
 * transaction with its locks.
 *
 * The chunk holds the rows of one directory from one name on, at most
 * REGDIR_CHUNK of them, up to the first row of a subdirectory: memory
 * does not grow with the tree or with a directory, nor does a read. It is read again when the walk leaves it (another
 * directory, a name past its end) and whenever the committer may have
 * changed the registry since (commitq_generation): what it answers is
 * what the query per file would have answered at the time of the read.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbread.h"
#include "supervisor.h"
#include "xmalloc.h"

#define REGDIR_CHUNK	1024

struct regrow {
	size_t		 name, doc;	/* offsets in the arena */
	uint64_t	 dev, ino, size;
	int64_t		 mtime_ns, id;
};

static struct {
	int		 valid;
	uint64_t	 gen;		/* commitq_generation() when read */
	char		*dir;		/* the directory, clean */
	char		*from;		/* rows from this name on */
	int		 more;		/* a full chunk: rows may follow */
	struct regrow	 rows[REGDIR_CHUNK];
	size_t		 n;
	char		*arena;
	size_t		 alen, acap;
} rd;

static size_t
arena_put(const char *s)
{
	size_t	len = strlen(s) + 1, off;

	if (rd.alen + len > rd.acap) {
		while (rd.alen + len > rd.acap)
			rd.acap = rd.acap ? 2 * rd.acap : 64 * 1024;
		rd.arena = xreallocarray(rd.arena, rd.acap, 1);
	}
	off = rd.alen;
	memcpy(rd.arena + off, s, len);
	rd.alen += len;
	return off;
}

static void
add_row(void *arg, const char *name, uint64_t dev, uint64_t ino,
    uint64_t size, int64_t mtime_ns, const char *doc, int64_t id)
{
	struct regrow	*r;

	(void)arg;
	if (rd.n == REGDIR_CHUNK)
		return;		/* the query's LIMIT: not reached */
	r = &rd.rows[rd.n++];
	r->name = arena_put(name);
	r->doc = arena_put(doc != NULL ? doc : "");
	r->dev = dev;
	r->ino = ino;
	r->size = size;
	r->mtime_ns = mtime_ns;
	r->id = id;
}

/* The chunk of dir's rows from name base on; -1 on a registry error. */
static int
fill(const char *dir, size_t dlen, const char *base)
{
	int	n;

	rd.valid = 0;
	rd.n = 0;
	rd.alen = 0;
	free(rd.dir);
	free(rd.from);
	rd.dir = xstrndup(dir, dlen);
	rd.from = xstrdup(base);
	rd.gen = commitq_generation();
	if ((n = dbread_dir_sources(rd.dir, base, REGDIR_CHUNK, add_row,
	    NULL, &rd.more)) == -1)
		return -1;
	rd.valid = 1;
	return 0;
}

static const char *
row_name(size_t i)
{
	return rd.arena + rd.rows[i].name;
}

/* The row named base, or NULL. */
static const struct regrow *
find(const char *base)
{
	size_t	lo = 0, hi = rd.n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(row_name(mid), base)) == 0)
			return &rd.rows[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The chunk answers for base: read for its directory, and base in it. */
static int
covers(const char *dir, size_t dlen, const char *base)
{
	if (!rd.valid || rd.gen != commitq_generation() ||
	    strncmp(rd.dir, dir, dlen) != 0 || rd.dir[dlen] != '\0' ||
	    strcmp(base, rd.from) < 0)
		return 0;
	return !rd.more || (rd.n > 0 && strcmp(base, row_name(rd.n - 1)) <= 0);
}

int
regdir_unchanged(const char *path, uint64_t dev, uint64_t ino, uint64_t size,
    int64_t mtime_ns, char *name, size_t len, int64_t *id)
{
	const struct regrow	*r;
	const char		*slash, *base;
	size_t			 dlen;

	*id = 0;
	if ((slash = strrchr(path, '/')) == NULL)
		return dbread_source_unchanged(path, dev, ino, size, mtime_ns,
		    name, len);
	base = slash + 1;
	/* The directory is path's first dlen bytes ("/" for a file in /). */
	dlen = slash == path ? 1 : (size_t)(slash - path);
	if (!covers(path, dlen, base) && fill(path, dlen, base) == -1)
		return -1;
	if ((r = find(base)) == NULL)
		return 2;
	if (r->dev != dev || r->ino != ino || r->size != size ||
	    r->mtime_ns != mtime_ns)
		return 0;
	(void)snprintf(name, len, "%s", rd.arena + r->doc);
	*id = r->id;
	return 1;
}

void
regdir_free(void)
{
	free(rd.dir);
	free(rd.from);
	free(rd.arena);
	memset(&rd, 0, sizeof(rd));
}
