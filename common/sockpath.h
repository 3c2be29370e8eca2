/*
 * Where a KB's control socket lives. Both kbd (to bind) and kbctl (to
 * connect) derive it the same way: KB/.kb/kbd.sock when that fits in
 * sun_path, else a per-user runtime directory keyed by the KB's real path.
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
/* The runtime directory used for fallbacks (not created). */
int	kb_rundir(char *buf, size_t len);

#endif /* KBD_SOCKPATH_H */
