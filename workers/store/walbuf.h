/*
 * The committer's connection's VFS: the default one, with the writes to
 * a WAL gathered into large ones (walbuf.c).
 */
#ifndef KBD_WALBUF_H
#define KBD_WALBUF_H

#define WALBUF_VFS	"kbd-walbuf"

/*
 * Registers WALBUF_VFS (not as the default) over the default VFS, once
 * per process; SQLITE_OK or SQLite's error code.
 */
int	walbuf_register(void);

#endif
