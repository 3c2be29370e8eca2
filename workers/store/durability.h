/*
 * How the committer makes published files durable, per KB: one syncfs(2)
 * per commit where the file system's syncfs reaches the data (local disk
 * file systems, tmpfs), else an fsync of each published file (FUSE, NFS,
 * SMB/CIFS, 9p, anything unknown). See docs/crash-safety.md.
 */
#ifndef KBD_DURABILITY_H
#define KBD_DURABILITY_H

#include <stddef.h>

enum durability {
	DURABILITY_SYNCFS,	/* one syncfs before the commit point */
	DURABILITY_FSYNC	/* an fsync of each published file */
};

/*
 * Decide for the file system holding dir, by its statfs f_type, unless
 * the environment variable KBD_DURABILITY ("fsync" or "syncfs") forces a
 * mode (tests, drills, a file system known better than kbd knows it).
 * Sets *mode and a line saying why in why; returns 0, or -1 with errno
 * (EINVAL for a bad KBD_DURABILITY) and *mode DURABILITY_FSYNC.
 */
int		 durability_decide(const char *dir, enum durability *mode,
		    char *why, size_t len);
const char	*durability_name(enum durability);

#endif /* KBD_DURABILITY_H */
