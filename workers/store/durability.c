/*
 * Which file systems honour syncfs(2) for the data kbd publishes (see
 * durability.h). syncfs reaches every dirty page of a local file system;
 * FUSE does not pass it to its server, and network file systems (NFS,
 * SMB/CIFS, 9p) give it no guarantee, so there each published file is
 * fsynced. An unknown file system is treated as one of those: an fsync
 * too many costs time, a syncfs that does not reach the data loses
 * committed documents.
 */
#include <sys/types.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "durability.h"

/* f_type values (linux/magic.h, and the file systems' own sources). */
static const struct {
	unsigned long	 magic;
	const char	*name;
} local_fs[] = {
	{ 0xEF53UL, "ext4" },		/* ext2, ext3 and ext4 */
	{ 0x58465342UL, "xfs" },
	{ 0x9123683EUL, "btrfs" },
	{ 0x01021994UL, "tmpfs" },	/* nothing to sync */
	{ 0x858458F6UL, "ramfs" },	/* nothing to sync */
	{ 0xF2F52010UL, "f2fs" },
	{ 0x3153464AUL, "jfs" },
	{ 0x52654973UL, "reiserfs" },
	{ 0xCA451A4EUL, "bcachefs" },
	{ 0x2FC12FC1UL, "zfs" },
	{ 0x3434UL, "nilfs2" },
	{ 0x4D44UL, "vfat" },
	{ 0x2011BAB0UL, "exfat" },
}, other_fs[] = {
	{ 0x65735546UL, "fuse" },
	{ 0x6969UL, "nfs" },
	{ 0x517BUL, "smb" },
	{ 0xFE534D42UL, "smb2" },
	{ 0xFF534D42UL, "cifs" },
	{ 0x01021997UL, "9p" },
	{ 0x00C36400UL, "ceph" },
	{ 0x794C7630UL, "overlayfs" },
};

const char *
durability_name(enum durability mode)
{
	return mode == DURABILITY_SYNCFS ? "syncfs" : "fsync per file";
}

int
durability_decide(const char *dir, enum durability *mode, char *why,
    size_t len)
{
	struct statfs	 sf;
	const char	*env, *name = NULL;
	unsigned long	 magic;
	size_t		 i;
	int		 fd, saved;

	*mode = DURABILITY_FSYNC;
	if ((env = getenv("KBD_DURABILITY")) != NULL && *env != '\0') {
		if (strcmp(env, "fsync") == 0)
			*mode = DURABILITY_FSYNC;
		else if (strcmp(env, "syncfs") == 0)
			*mode = DURABILITY_SYNCFS;
		else {
			(void)snprintf(why, len, "KBD_DURABILITY=%s is neither "
			    "fsync nor syncfs", env);
			errno = EINVAL;
			return -1;
		}
		(void)snprintf(why, len, "KBD_DURABILITY=%s", env);
		return 0;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstatfs(fd, &sf) == -1) {
		saved = errno;
		(void)snprintf(why, len, "fstatfs %s: %s", dir,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	magic = (unsigned long)(unsigned int)sf.f_type;
	for (i = 0; i < sizeof(local_fs) / sizeof(local_fs[0]); i++)
		if (local_fs[i].magic == magic) {
			*mode = DURABILITY_SYNCFS;
			(void)snprintf(why, len, "%s", local_fs[i].name);
			return 0;
		}
	for (i = 0; i < sizeof(other_fs) / sizeof(other_fs[0]); i++)
		if (other_fs[i].magic == magic)
			name = other_fs[i].name;
	if (name != NULL)
		(void)snprintf(why, len, "%s", name);
	else
		(void)snprintf(why, len, "unknown file system 0x%lx", magic);
	return 0;
}
