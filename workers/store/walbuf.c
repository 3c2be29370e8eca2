/*
 * The committer's VFS: SQLite's default one, except that a WAL's writes
 * are gathered in a buffer and reach the file in large ones.
 *
 * Why: SQLite writes each WAL frame with two calls, its 24-byte header
 * and then the page, so a batch of the ingest bench (some 9,000 frames)
 * made 18,000 pwrite calls, and half of their cost was the call itself
 * (perf; docs/architecture.md, "At stop 48"). Here consecutive writes
 * fill a buffer of WALBUF_SIZE, written in one call when full: one call
 * for some 29 frames instead of 58.
 *
 * Why it is safe: nothing but this connection sees a frame before SQLite
 * syncs the WAL (with synchronous=FULL, as db.c sets it, at every commit,
 * before the commit enters the WAL index that other connections read),
 * and xSync writes the buffer first. The connection's own reads, and
 * every other call that looks at the file (its size, truncation, file
 * controls, close), write it first as well. A process that dies with
 * frames in the buffer leaves a WAL whose tail was never written, as one
 * that died in the middle of the writes would: SQLite's recovery ignores
 * frames after the last valid commit. A write that fails is reported by
 * the call that wrote the buffer (SQLITE_FULL on a full disk, as the
 * default VFS's own xWrite says it), and SQLite rolls the transaction
 * back as after a failed write.
 *
 * Every other file (the database, its shared memory, a temporary file)
 * is the default VFS's own, opened in place: no call of theirs goes
 * through here.
 */
#include <stddef.h>
#include <string.h>

#include <sqlite3.h>

#include "walbuf.h"

/*
 * Under 128 KiB: the unix VFS writes at most 0x1ffff bytes a call (it
 * masks the length), so a larger buffer would be cut short and reported
 * as a full disk. 29 frames of 4 KiB pages, 7 of 16 KiB.
 */
#define WALBUF_SIZE	(120 * 1024)

struct walfile {
	sqlite3_file	 base;
	sqlite3_file	*real;		/* the default VFS's, after this */
	unsigned char	*buf;		/* WALBUF_SIZE */
	sqlite3_int64	 off;		/* where buf[0] goes in the file */
	size_t		 len;
};

/* The default VFS's file after ours, aligned for it. */
#define WALFILE_HEAD	((sizeof(struct walfile) + 15) & ~(size_t)15)

static sqlite3_vfs		 vfs;
static sqlite3_vfs		*parent;
static sqlite3_io_methods	 methods;

static int
flush(struct walfile *f)
{
	int	rc;

	if (f->len == 0)
		return SQLITE_OK;
	rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->len, f->off);
	f->len = 0;
	return rc;
}

static int
wb_close(sqlite3_file *file)
{
	struct walfile	*f = (struct walfile *)file;
	int		 rc, rc2;

	rc = flush(f);
	rc2 = f->real->pMethods->xClose(f->real);
	sqlite3_free(f->buf);
	f->buf = NULL;
	return rc != SQLITE_OK ? rc : rc2;
}

static int
wb_read(sqlite3_file *file, void *p, int n, sqlite3_int64 off)
{
	struct walfile	*f = (struct walfile *)file;
	int		 rc;

	/* Only what overlaps the buffer needs it written. */
	if (f->len > 0 && off < f->off + (sqlite3_int64)f->len &&
	    off + n > f->off && (rc = flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xRead(f->real, p, n, off);
}

static int
wb_write(sqlite3_file *file, const void *p, int n, sqlite3_int64 off)
{
	struct walfile	*f = (struct walfile *)file;
	sqlite3_int64	 end = f->off + (sqlite3_int64)f->len;
	int		 rc;

	if (n <= 0)
		return f->real->pMethods->xWrite(f->real, p, n, off);
	/* A frame of the transaction written again: in place. */
	if (f->len > 0 && off >= f->off && off + n <= end) {
		memcpy(f->buf + (off - f->off), p, (size_t)n);
		return SQLITE_OK;
	}
	if (f->len > 0 && off == end && f->len + (size_t)n <= WALBUF_SIZE) {
		memcpy(f->buf + f->len, p, (size_t)n);
		f->len += (size_t)n;
		return SQLITE_OK;
	}
	/* Anywhere else: what is buffered goes first, then this. */
	if ((rc = flush(f)) != SQLITE_OK)
		return rc;
	if ((size_t)n > WALBUF_SIZE)
		return f->real->pMethods->xWrite(f->real, p, n, off);
	memcpy(f->buf, p, (size_t)n);
	f->off = off;
	f->len = (size_t)n;
	return SQLITE_OK;
}

static int
wb_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct walfile	*f = (struct walfile *)file;
	int		 rc;

	if ((rc = flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xTruncate(f->real, size);
}

static int
wb_sync(sqlite3_file *file, int flags)
{
	struct walfile	*f = (struct walfile *)file;
	int		 rc;

	if ((rc = flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xSync(f->real, flags);
}

static int
wb_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct walfile	*f = (struct walfile *)file;
	int		 rc;

	if ((rc = flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xFileSize(f->real, size);
}

static int
wb_lock(sqlite3_file *file, int lock)
{
	struct walfile	*f = (struct walfile *)file;

	return f->real->pMethods->xLock(f->real, lock);
}

static int
wb_unlock(sqlite3_file *file, int lock)
{
	struct walfile	*f = (struct walfile *)file;

	return f->real->pMethods->xUnlock(f->real, lock);
}

static int
wb_check_reserved(sqlite3_file *file, int *out)
{
	struct walfile	*f = (struct walfile *)file;

	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int
wb_file_control(sqlite3_file *file, int op, void *arg)
{
	struct walfile	*f = (struct walfile *)file;
	int		 rc;

	/* Some look at the file (its size, its data): they see it all. */
	if ((rc = flush(f)) != SQLITE_OK)
		return rc;
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int
wb_sector_size(sqlite3_file *file)
{
	struct walfile	*f = (struct walfile *)file;

	return f->real->pMethods->xSectorSize(f->real);
}

static int
wb_device_characteristics(sqlite3_file *file)
{
	struct walfile	*f = (struct walfile *)file;

	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/*
 * A WAL has no shared memory and no mapping of its own (those are the
 * database file's), so SQLite calls none of the methods after these: the
 * table stops at version 1.
 */
static int
wb_open(sqlite3_vfs *v, const char *name, sqlite3_file *file, int flags,
    int *outflags)
{
	struct walfile	*f = (struct walfile *)file;
	int		 rc;

	(void)v;
	if ((flags & SQLITE_OPEN_WAL) == 0)
		return parent->xOpen(parent, name, file, flags, outflags);
	memset(f, 0, WALFILE_HEAD);
	f->real = (sqlite3_file *)((char *)file + WALFILE_HEAD);
	memset(f->real, 0, (size_t)parent->szOsFile);
	rc = parent->xOpen(parent, name, f->real, flags, outflags);
	if (rc == SQLITE_OK && (f->buf = sqlite3_malloc(WALBUF_SIZE)) == NULL)
		rc = SQLITE_NOMEM;
	if (rc != SQLITE_OK) {
		if (f->real->pMethods != NULL)
			(void)f->real->pMethods->xClose(f->real);
		file->pMethods = NULL;
		return rc;
	}
	file->pMethods = &methods;
	return SQLITE_OK;
}

int
walbuf_register(void)
{
	sqlite3_vfs	*p;
	int		 rc;

	if (parent != NULL)
		return SQLITE_OK;
	if ((p = sqlite3_vfs_find(NULL)) == NULL)
		return SQLITE_ERROR;
	/* The default's own methods, pAppData included, save xOpen. */
	vfs = *p;
	vfs.pNext = NULL;
	vfs.zName = WALBUF_VFS;
	vfs.szOsFile = (int)WALFILE_HEAD + p->szOsFile;
	vfs.xOpen = wb_open;

	methods.iVersion = 1;
	methods.xClose = wb_close;
	methods.xRead = wb_read;
	methods.xWrite = wb_write;
	methods.xTruncate = wb_truncate;
	methods.xSync = wb_sync;
	methods.xFileSize = wb_file_size;
	methods.xLock = wb_lock;
	methods.xUnlock = wb_unlock;
	methods.xCheckReservedLock = wb_check_reserved;
	methods.xFileControl = wb_file_control;
	methods.xSectorSize = wb_sector_size;
	methods.xDeviceCharacteristics = wb_device_characteristics;
	parent = p;
	if ((rc = sqlite3_vfs_register(&vfs, 0)) != SQLITE_OK)
		parent = NULL;
	return rc;
}
