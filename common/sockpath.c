/*
 * Control socket addresses (see sockpath.h). A KB nested deep enough that
 * KB/.kb/kbd.sock exceeds sun_path, or on a file system that refuses Unix
 * sockets (FUSE, network mounts), still gets a socket: it goes to
 * $XDG_RUNTIME_DIR/kbd or /tmp/kbd-UID, named by a SHA-256 of the KB's path
 * so every client finds it without reading anything first; kbd records the
 * choice in .kb/socket for people and tools.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "kbpath.h"
#include "sockpath.h"
#include "util.h"

int
kb_rundir(char *buf, size_t len)
{
	const char	*xdg;
	int		 n;

	xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg != NULL && xdg[0] == '/' && access(xdg, W_OK | X_OK) == 0)
		n = snprintf(buf, len, "%s/kbd", xdg);
	else
		n = snprintf(buf, len, "/tmp/kbd-%lu", (unsigned long)getuid());
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
kb_sockpath(const char *kbroot, char *buf, size_t len, int *fallback)
{
	struct sockaddr_un	 sun;
	size_t			 max;
	int			 n;

	max = sizeof(sun.sun_path);
	if (len < max)
		max = len;
	*fallback = 0;
	n = snprintf(buf, len, "%s/" KB_SOCKET, kbroot);
	if (n >= 0 && (size_t)n < max)
		return 0;
	*fallback = 1;
	return kb_sockpath_rundir(kbroot, buf, len);
}

int
kb_sock_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
kb_sock_absent(int error)
{
	return error == ENOENT || error == ECONNREFUSED;
}

int
kb_sock_open(const char *kbroot, char *path, size_t len)
{
	char	alt[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int	fallback, fd, saved;

	if (kb_sockpath(kbroot, path, len, &fallback) == -1)
		return -1;
	if ((fd = kb_sock_connect(path)) != -1 || fallback ||
	    !kb_sock_absent(errno))
		return fd;
	saved = errno;
	if (kb_sockpath_rundir(kbroot, alt, sizeof(alt)) == -1 ||
	    (fd = kb_sock_connect(alt)) == -1) {
		errno = saved;
		return -1;
	}
	(void)snprintf(path, len, "%s", alt);
	return fd;
}

int
kb_sockpath_rundir(const char *kbroot, char *buf, size_t len)
{
	return kb_rundir_file(kbroot, "sock", buf, len);
}

int
kb_rundir_file(const char *kbroot, const char *suffix, char *buf, size_t len)
{
	struct sockaddr_un	 sun;
	uint8_t			 md[SHA256_LEN];
	char			 dir[sizeof(sun.sun_path)], hex[2 * SHA256_LEN + 1];
	size_t			 max;
	int			 n;

	max = sizeof(sun.sun_path);
	if (len < max)
		max = len;
	if (sha256_buf(kbroot, strlen(kbroot), md) == -1)
		return -1;
	sha256_hex(md, hex);
	hex[32] = '\0';	/* 128 bits name a KB well enough */
	if (kb_rundir(dir, sizeof(dir)) == -1)
		return -1;
	n = snprintf(buf, len, "%s/%s.%s", dir, hex, suffix);
	if (n < 0 || (size_t)n >= max) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * bind(2) errors by which a file system refuses Unix sockets: FUSE and
 * network file systems answer ENOSYS or EOPNOTSUPP, some EPERM or EACCES.
 */
int
kb_sock_refused(int error)
{
	return error == ENOSYS || error == EOPNOTSUPP || error == ENOTSUP ||
	    error == EPERM || error == EACCES;
}

int
kb_rundir_create(void)
{
	struct stat	 st;
	char		 dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	if (kb_rundir(dir, sizeof(dir)) == -1)
		return -1;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) == -1)
		return -1;
	/* A shared /tmp: the directory must be ours and private. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
kb_readonly_fs(const char *path)
{
	struct statvfs	sv;

	return statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY) != 0;
}
