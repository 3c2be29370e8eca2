/*
 * Where a KB's control socket lives. Both kbd (to bind) and kbctl (to
 * connect) derive it the same way: KB/.kb/kbd.sock when that fits in
 * sun_path, else a per-user runtime directory keyed by the KB's real path.
 * Where the KB's file system refuses sockets, kbd binds the runtime
 * directory's path instead, and kbctl tries it after KB/.kb/kbd.sock.
 */
#ifndef KBD_SOCKPATH_H
#define KBD_SOCKPATH_H

#include <stddef.h>

/*
 * kbroot must be an absolute, canonical path. Returns 0 and the path in
 * buf, with *fallback set when the runtime directory is used; -1 if even
 * the fallback does not fit (errno ENAMETOOLONG).
 */
int	kb_sockpath(const char *kbroot, char *buf, size_t len, int *fallback);
/* The runtime directory's socket path for kbroot, whatever its length. */
int	kb_sockpath_rundir(const char *kbroot, char *buf, size_t len);
/* Whether a bind(2) error means the file system refuses Unix sockets. */
int	kb_sock_refused(int error);
/* The runtime directory used for fallbacks (not created). */
int	kb_rundir(char *buf, size_t len);

#endif /* KBD_SOCKPATH_H */
