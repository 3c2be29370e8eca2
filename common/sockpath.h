/*
 * Where a KB's control socket lives. Both kbd (to bind) and kbctl (to
 * connect) derive it the same way: KB/.kb/kbd.sock when that fits in
 * sun_path, else a per-user runtime directory keyed by the KB's real path.
 * Where the KB's file system refuses sockets, kbd binds the runtime
 * directory's path instead, and kbctl tries it after KB/.kb/kbd.sock.
 * On read-only media the pid file, the log and kbctl's start lock go there
 * too.
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
/*
 * Connect to the socket at path: the fd, or -1 with errno (ENAMETOOLONG
 * for a path beyond sun_path).
 */
int	kb_sock_connect(const char *path);
/* Whether a connect(2) error means no kbd listens there. */
int	kb_sock_absent(int error);
/*
 * Connect to kbroot's kbd where kb_sockpath() says, else where kbd binds
 * when the KB's file system refuses sockets (the runtime directory): the
 * fd and the path connected to, or -1 with errno (the first path tried's
 * error, or ENAMETOOLONG when no path fits) and the first path tried.
 */
int	kb_sock_open(const char *kbroot, char *path, size_t len);
/* The runtime directory's socket path for kbroot, whatever its length. */
int	kb_sockpath_rundir(const char *kbroot, char *buf, size_t len);
/*
 * Another file of kbroot's in the runtime directory, named like its socket
 * with another suffix: "pid", "log", "start.lock" for a KB on read-only
 * media, where nothing can be written in .kb/.
 */
int	kb_rundir_file(const char *kbroot, const char *suffix, char *buf,
	    size_t len);
/*
 * Create the runtime directory if needed; -1 with errno (EPERM: it exists
 * but is not a private directory of ours).
 */
int	kb_rundir_create(void);
/* Whether path is on a file system mounted read-only. */
int	kb_readonly_fs(const char *path);
/* Whether a bind(2) error means the file system refuses Unix sockets. */
int	kb_sock_refused(int error);
/* The runtime directory used for fallbacks (not created). */
int	kb_rundir(char *buf, size_t len);

#endif /* KBD_SOCKPATH_H */
