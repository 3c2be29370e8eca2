/*
 * wiki/index.md written whole, for the two mutations that drop lines from
 * it (remove, lint --fix; adding only appends): streamed through a 64 KiB
 * buffer into index.md.tmp, fsynced, renamed over index.md. The caller
 * has tracked index.md in its journal; rollback removes the .tmp.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "committer.h"
#include "fsio.h"
#include "log.h"
#include "wiki.h"
#include "xmalloc.h"

#define INDEX_TMP	WIKI_INDEX ".tmp"
#define INDEX_BUFMAX	(64 * 1024)

char *
index_writer_open(struct index_writer *w, const char *point)
{
	memset(w, 0, sizeof(*w));
	w->point = point;
	w->fd = fsio_create(INDEX_TMP, O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd == -1)
		return errf("%s: %s", INDEX_TMP, strerror(errno));
	w->max = INDEX_BUFMAX;
	w->buf = xmalloc(w->max);
	return NULL;
}

static void
index_writer_flush(struct index_writer *w)
{
	if (w->err == NULL && w->len > 0 &&
	    fsio_write_all(w->fd, w->buf, w->len, w->point) == -1)
		w->err = errf("%s: %s", INDEX_TMP, strerror(errno));
	w->len = 0;
}

void
index_writer_put(struct index_writer *w, const char *s, size_t n)
{
	if (w->err != NULL)
		return;
	if (w->len + n > w->max)
		index_writer_flush(w);
	/* A line longer than the buffer goes straight through. */
	if (w->err == NULL && n > w->max) {
		if (fsio_write_all(w->fd, s, n, w->point) == -1)
			w->err = errf("%s: %s", INDEX_TMP, strerror(errno));
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/*
 * Flush, fsync (a failure is fatal: never retried), close, rename over
 * index.md unless an error came first. NULL or the first error.
 */
char *
index_writer_close(struct index_writer *w)
{
	char	point[128];

	index_writer_flush(w);
	free(w->buf);
	w->buf = NULL;
	(void)snprintf(point, sizeof(point), "%s.fsync", w->point);
	if (w->err == NULL && fsio_fsync(w->fd, point) == -1)
		fatal("fsync %s", INDEX_TMP);
	if (close(w->fd) == -1 && w->err == NULL)
		w->err = errf("%s: %s", INDEX_TMP, strerror(errno));
	(void)snprintf(point, sizeof(point), "%s.rename", w->point);
	if (w->err == NULL && fsio_rename(INDEX_TMP, WIKI_INDEX, point) == -1)
		w->err = errf("%s: %s", WIKI_INDEX, strerror(errno));
	return w->err;
}
