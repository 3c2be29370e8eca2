/*
 * Journals of the commit protocol (see journal.h for the file format and
 * the fail point names). Every step that changes the disk goes through
 * fsio so that crash drills can stop before it; recovery is written so
 * that stopping it anywhere and running it again gives the same result.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsio.h"
#include "journal.h"
#include "kbpath.h"
#include "util.h"

#if (defined(KBD_DRILL_BREAK_NOBACKUPSYNC) || \
    defined(KBD_DRILL_BREAK_NOJOURNALSYNC)) && !defined(KBD_FAILPOINTS)
#error "KBD_DRILL_BREAK_* variants are test builds (FAILPOINTS=1) only"
#endif

#define JOURNAL_DIR	KB_JOURNAL
#define JOURNAL_MAGIC	"kbd-journal 1"
#define JOURNAL_END	"end"
#define TAIL		"\n" JOURNAL_END "\n"	/* how a whole journal ends */
#define ID_LEN		16

enum jstate {
	J_NEW,		/* tracking; nothing the live tree depends on yet */
	J_ACTIVE,	/* ID.jnl exists: the live tree may change */
	J_DONE		/* discarded or rolled back */
};

struct jentry {
	char			 kind;	/* 'B' backup, 'A' absent, 'S' size */
	unsigned long long	 num;	/* B: backup number, S: old size */
	char			*path;
	uint32_t		 hash;	/* of path */
	size_t			 next;	/* 1 + the next entry of its slot, or 0 */
};

/*
 * A batch tracks every path it may change once, so looking a path up is
 * a hash (slots: 1 + an entry's index, chained by next), not a scan of
 * the entries so far: the scan made a batch of n files cost n squared.
 */
struct journal {
	char			 id[ID_LEN + 1];
	struct jentry		*v;
	size_t			 n, cap;
	size_t			*slots;
	size_t			 nslots;	/* 0 or a power of two */
	unsigned long long	 nbackups;
	enum jstate		 state;
	int			 ondisk;	/* ID.d or ID.tmp may exist */
};

/* Fail point names of the steps that remove a journal (see drop()). */
struct dropnames {
	const char	*backup;	/* unlink one file in ID.d */
	const char	*rmdir;		/* rmdir ID.d */
	const char	*unlink;	/* unlink the journal file */
	const char	*fsync;		/* fsync .kb/journal */
};

static const struct dropnames discard_names = {
	"journal.discard.backup", "journal.discard.rmdir",
	"journal.discard.unlink", "journal.discard.fsync"
};
static const struct dropnames remove_names = {
	"recover.remove.backup", "recover.remove.rmdir",
	"recover.remove.unlink", "recover.remove.fsync"
};
static const struct dropnames finalize_names = {
	"recover.finalize.backup", "recover.finalize.rmdir",
	"recover.finalize.unlink", "recover.finalize.fsync"
};
static const struct dropnames tmp_names = {
	"recover.tmp.backup", "recover.tmp.rmdir",
	"recover.tmp.unlink", "recover.tmp.fsync"
};
static const struct dropnames stray_names = {
	"recover.stray.backup", "recover.stray.rmdir",
	NULL, "recover.stray.fsync"
};

/* .kb/journal/<id><suffix>; -1/ENAMETOOLONG if it does not fit. */
static int
jpath(char *buf, size_t len, const char *id, const char *suffix)
{
	int	n;

	n = snprintf(buf, len, "%s/%s%s", JOURNAL_DIR, id, suffix);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int
backup_path(char *buf, size_t len, const char *id, unsigned long long n)
{
	int	r;

	r = snprintf(buf, len, "%s/%s.d/%llu", JOURNAL_DIR, id, n);
	if (r < 0 || (size_t)r >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

struct journal *
journal_new(void)
{
	struct journal	*j;
	unsigned char	 r[ID_LEN / 2];
	size_t		 got = 0, i;
	ssize_t		 n;

	while (got < sizeof(r)) {
		if ((n = getrandom(r + got, sizeof(r) - got, 0)) == -1) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		got += (size_t)n;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	for (i = 0; i < sizeof(r); i++)
		(void)snprintf(j->id + 2 * i, 3, "%02x", r[i]);
	j->state = J_NEW;
	return j;
}

const char *
journal_id(const struct journal *j)
{
	return j->id;
}

void
journal_free(struct journal *j)
{
	size_t	i;

	if (j == NULL)
		return;
	for (i = 0; i < j->n; i++)
		free(j->v[i].path);
	free(j->v);
	free(j->slots);
	free(j);
}

/* Room in the slots for one more entry, at most half of them used. */
static int
slots_grow(struct journal *j)
{
	size_t	*ns, nb, i, s;

	if (2 * (j->n + 1) <= j->nslots)
		return 0;
	nb = j->nslots == 0 ? 64 : 2 * j->nslots;
	if ((ns = calloc(nb, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < j->n; i++) {
		s = j->v[i].hash & (nb - 1);
		j->v[i].next = ns[s];
		ns[s] = i + 1;
	}
	free(j->slots);
	j->slots = ns;
	j->nslots = nb;
	return 0;
}

static int
add_entry(struct journal *j, char kind, unsigned long long num,
    const char *path, size_t pathlen)
{
	struct jentry	*nv, *e;
	size_t		 ncap, s;
	char		*p;

	if (j->n == j->cap) {
		ncap = j->cap == 0 ? 16 : j->cap * 2;
		if ((nv = reallocarray(j->v, ncap, sizeof(*nv))) == NULL)
			return -1;
		j->v = nv;
		j->cap = ncap;
	}
	if (slots_grow(j) == -1 || (p = strndup(path, pathlen)) == NULL)
		return -1;
	e = &j->v[j->n];
	e->kind = kind;
	e->num = num;
	e->path = p;
	e->hash = hash_fnv1a(p);
	s = e->hash & (j->nslots - 1);
	e->next = j->slots[s];
	j->slots[s] = ++j->n;
	return 0;
}

/* The entry for path whose kind is one of kinds, or NULL. */
static struct jentry *
find_entry(struct journal *j, const char *path, const char *kinds)
{
	struct jentry	*e;
	uint32_t	 h;
	size_t		 k;

	if (j->nslots == 0)
		return NULL;
	h = hash_fnv1a(path);
	for (k = j->slots[h & (j->nslots - 1)]; k != 0; k = e->next) {
		e = &j->v[k - 1];
		if (e->hash == h && strchr(kinds, e->kind) != NULL &&
		    strcmp(e->path, path) == 0)
			return e;
	}
	return NULL;
}

static int
check_track(struct journal *j, const char *path)
{
	if (j->state != J_NEW || path == NULL || *path == '\0' ||
	    strchr(path, '\n') != NULL) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
journal_track(struct journal *j, const char *path)
{
	struct stat	st;
	char		dir[PATH_MAX], backup[PATH_MAX];
	int		saved;

	if (check_track(j, path) == -1)
		return -1;
	if (find_entry(j, path, "BA") != NULL)
		return 0;
	if (lstat(path, &st) == -1) {
		if (errno != ENOENT)
			return -1;
		return add_entry(j, 'A', 0, path, strlen(path));
	}
	if (jpath(dir, sizeof(dir), j->id, ".d") == -1 ||
	    backup_path(backup, sizeof(backup), j->id, j->nbackups) == -1)
		return -1;
	j->ondisk = 1;
	if (j->nbackups == 0 && fsio_mkdir(dir, 0700, "journal.mkdir") == -1)
		return -1;
	/* The old inode stays reachable; publishing renames over the path. */
	if (fsio_link(path, backup, "journal.link") == -1)
		return -1;
	if (add_entry(j, 'B', j->nbackups, path, strlen(path)) == -1) {
		saved = errno;
		(void)unlink(backup);
		errno = saved;
		return -1;
	}
	j->nbackups++;
	return 0;
}

int
journal_track_append(struct journal *j, const char *path)
{
	struct stat	st;

	if (check_track(j, path) == -1)
		return -1;
	if (find_entry(j, path, "SA") != NULL)
		return 0;
	if (lstat(path, &st) == -1) {
		if (errno != ENOENT)
			return -1;
		return add_entry(j, 'A', 0, path, strlen(path));
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	return add_entry(j, 'S', (unsigned long long)st.st_size, path,
	    strlen(path));
}

/* The journal file's text, in a malloc'd buffer. */
static int
format_journal(struct journal *j, char **bufp, size_t *lenp)
{
	FILE		*f;
	struct jentry	*e;
	size_t		 i;

	*bufp = NULL;
	if ((f = open_memstream(bufp, lenp)) == NULL)
		return -1;
	fprintf(f, "%s\n", JOURNAL_MAGIC);
	for (i = 0; i < j->n; i++) {
		e = &j->v[i];
		if (e->kind == 'A')
			fprintf(f, "A %s\n", e->path);
		else
			fprintf(f, "%c %llu %s\n", e->kind, e->num, e->path);
	}
	fprintf(f, "%s\n", JOURNAL_END);
	if (ferror(f)) {
		fclose(f);
		free(*bufp);
		*bufp = NULL;
		errno = ENOMEM;
		return -1;
	}
	if (fclose(f) != 0) {
		free(*bufp);
		*bufp = NULL;
		return -1;
	}
	return 0;
}

int
journal_activate(struct journal *j)
{
	char	 tmp[PATH_MAX], jnl[PATH_MAX], dir[PATH_MAX], *buf = NULL;
	size_t	 len;
	int	 fd = -1, saved;

	if (j->state != J_NEW) {
		errno = EINVAL;
		return -1;
	}
	if (jpath(tmp, sizeof(tmp), j->id, ".tmp") == -1 ||
	    jpath(jnl, sizeof(jnl), j->id, ".jnl") == -1 ||
	    jpath(dir, sizeof(dir), j->id, ".d") == -1 ||
	    format_journal(j, &buf, &len) == -1)
		return -1;

	j->ondisk = 1;
	fd = fsio_create(tmp, O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
	if (fd == -1 ||
	    fsio_write_all(fd, buf, len, "journal.write") == -1)
		goto fail;
	/* Negative control NOJOURNALSYNC: it counts before its bytes do. */
#ifndef KBD_DRILL_BREAK_NOJOURNALSYNC
	if (fsio_fsync(fd, "journal.fsync") == -1)
		goto fail;
#endif
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	free(buf);
	buf = NULL;

	/* Backups and the journal's name must be durable before it counts. */
#ifndef KBD_DRILL_BREAK_NOBACKUPSYNC
	if (j->nbackups > 0 &&
	    fsio_fsync_dir(dir, "journal.fsync.backups") == -1)
		return -1;
#endif
	if (fsio_fsync_dir(JOURNAL_DIR, "journal.fsync.dir") == -1)
		return -1;
	if (fsio_rename(tmp, jnl, "journal.activate") == -1)
		return -1;
	j->state = J_ACTIVE;
	return fsio_fsync_dir(JOURNAL_DIR, "journal.activate.fsync");

fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	free(buf);
	errno = saved;
	return -1;
}

/*
 * Remove a journal: every file in ID.d, ID.d, the journal file ID<suffix>
 * (none when suffix is NULL), then fsync .kb/journal. Each step tolerates
 * what an earlier, interrupted run already removed.
 */
static int
drop(const char *id, const char *suffix, const struct dropnames *names)
{
	char		 dir[PATH_MAX], path[PATH_MAX], file[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	int		 n, saved;

	if (jpath(dir, sizeof(dir), id, ".d") == -1 ||
	    (suffix != NULL && jpath(file, sizeof(file), id, suffix) == -1))
		return -1;
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			return -1;
	} else {
		for (;;) {
			errno = 0;
			if ((de = readdir(d)) == NULL)
				break;
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			n = snprintf(path, sizeof(path), "%s/%s", dir,
			    de->d_name);
			if (n < 0 || (size_t)n >= sizeof(path)) {
				errno = ENAMETOOLONG;
				break;
			}
			if (fsio_unlink(path, names->backup) == -1)
				break;
		}
		saved = errno;
		closedir(d);
		if (saved != 0) {
			errno = saved;
			return -1;
		}
		if (fsio_rmdir(dir, names->rmdir) == -1)
			return -1;
	}
	if (suffix != NULL && fsio_unlink(file, names->unlink) == -1)
		return -1;
	return fsio_fsync_dir(JOURNAL_DIR, names->fsync);
}

/* Unique parent directories of the paths a rollback touched. */
struct dirset {
	char	**v;
	size_t	  n, cap;
};

static int
dirset_add(struct dirset *s, const char *path)
{
	const char	 *slash;
	char		 *dir, **nv;
	size_t		  i, len, ncap;

	if ((slash = strrchr(path, '/')) == NULL)
		dir = strdup(".");
	else {
		len = slash == path ? 1 : (size_t)(slash - path);
		dir = strndup(path, len);
	}
	if (dir == NULL)
		return -1;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], dir) == 0) {
			free(dir);
			return 0;
		}
	if (s->n == s->cap) {
		ncap = s->cap == 0 ? 8 : s->cap * 2;
		if ((nv = reallocarray(s->v, ncap, sizeof(*nv))) == NULL) {
			free(dir);
			return -1;
		}
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = dir;
	return 0;
}

static void
dirset_free(struct dirset *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* Put an appended-to file back to its old size, durably. */
static int
restore_size(const struct jentry *e)
{
	struct stat	st;
	int		fd;

	if (lstat(e->path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(st.st_mode))
		return 0;
	/* Never grow a file: a smaller one was not produced by appending. */
	if ((unsigned long long)st.st_size > e->num &&
	    fsio_truncate(e->path, (off_t)e->num, "recover.truncate") == -1)
		return -1;
	/* Also when already short: an earlier run may have died unsynced. */
	if ((fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	if (fsio_fsync(fd, "recover.truncate.fsync") == -1) {
		int	saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/*
 * Undo the tracked changes, last tracked first, and make that durable.
 * Safe to repeat: a backup already renamed back is missing, an absent path
 * already unlinked stays absent, a truncate to the same size changes
 * nothing.
 */
static int
undo(struct journal *j)
{
	struct dirset	 dirs = { NULL, 0, 0 };
	struct jentry	*e;
	struct stat	 st;
	char		 backup[PATH_MAX], tmp[PATH_MAX];
	size_t		 i;
	int		 n, saved;

	for (i = j->n; i-- > 0;) {
		e = &j->v[i];
		switch (e->kind) {
		case 'B':
			if (backup_path(backup, sizeof(backup), j->id,
			    e->num) == -1)
				goto fail;
			if (fsio_rename(backup, e->path, "recover.restore") ==
			    -1) {
				if (errno != ENOENT)
					goto fail;
				/* Restored by an earlier run, or no parent. */
				if (lstat(backup, &st) == 0) {
					errno = ENOENT;
					goto fail;
				}
			}
			break;
		case 'A':
			if (fsio_unlink(e->path, "recover.unlink") == -1) {
				if (errno != EISDIR)
					goto fail;
				/* A directory the mutation created. */
				if (fsio_rmdir(e->path, "recover.rmdir") == -1 &&
				    errno != ENOTEMPTY && errno != EEXIST)
					goto fail;
			}
			break;
		case 'S':
			if (restore_size(e) == -1)
				goto fail;
			continue;
		}
		/*
		 * A crash inside fsio_write_atomic leaves path.tmp next to a
		 * path it was replacing; nothing else removes it.
		 */
		n = snprintf(tmp, sizeof(tmp), "%s.tmp", e->path);
		if (n >= 0 && (size_t)n < sizeof(tmp) &&
		    find_entry(j, tmp, "BAS") == NULL &&
		    fsio_unlink(tmp, "recover.unlink.tmp") == -1)
			goto fail;
		if (dirset_add(&dirs, e->path) == -1)
			goto fail;
	}
	/* A directory that is gone was an absent path, removed above. */
	for (i = 0; i < dirs.n; i++)
		if (fsio_fsync_dir(dirs.v[i], "recover.fsync") == -1 &&
		    errno != ENOENT)
			goto fail;
	dirset_free(&dirs);
	return 0;
fail:
	saved = errno;
	dirset_free(&dirs);
	errno = saved;
	return -1;
}

int
journal_discard(struct journal *j)
{
	if (j->state != J_ACTIVE) {
		errno = EINVAL;
		return -1;
	}
	if (drop(j->id, ".jnl", &discard_names) == -1)
		return -1;
	j->state = J_DONE;
	return 0;
}

int
journal_rollback(struct journal *j)
{
	char	jnl[PATH_MAX];

	switch (j->state) {
	case J_NEW:
		/*
		 * The live tree was never touched. A .jnl may exist if
		 * activation failed in an unclear state: it must go too, or
		 * a later recovery would roll back over newer commits.
		 */
		if (j->ondisk) {
			if (jpath(jnl, sizeof(jnl), j->id, ".jnl") == -1 ||
			    fsio_unlink(jnl, "recover.tmp.jnl") == -1 ||
			    drop(j->id, ".tmp", &tmp_names) == -1)
				return -1;
		}
		break;
	case J_ACTIVE:
		if (undo(j) == -1 || drop(j->id, ".jnl", &remove_names) == -1)
			return -1;
		break;
	case J_DONE:
		errno = EINVAL;
		return -1;
	}
	j->state = J_DONE;
	return 0;
}

/* Parse "<digits> " at *sp, advancing past the space. */
static int
parse_num(const char **sp, unsigned long long *np)
{
	const char	*s = *sp;
	char		*ep;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*np = strtoull(s, &ep, 10);
	if (errno != 0 || *ep != ' ')
		return -1;
	*sp = ep + 1;
	return 0;
}

/*
 * Load an active journal. *torn is set (and 0 returned) when the file does
 * not end with the "end" line; a malformed one fails with EBADMSG.
 */
static int
load(struct journal *j, int *torn)
{
	char			 path[PATH_MAX], *buf, *line, *nl, *end;
	const char		*s;
	size_t			 len;
	unsigned long long	 num;
	int			 first = 1;

	*torn = 0;
	if (jpath(path, sizeof(path), j->id, ".jnl") == -1 ||
	    (buf = read_file(path, &len)) == NULL)
		return -1;
	if (memchr(buf, '\0', len) != NULL)
		goto bad;

	end = buf + len;
	if (len < sizeof(TAIL) - 1 ||
	    memcmp(end - (sizeof(TAIL) - 1), TAIL, sizeof(TAIL) - 1) != 0) {
		*torn = 1;
		free(buf);
		return 0;
	}
	for (line = buf; line < end; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		if (first) {
			if (strcmp(line, JOURNAL_MAGIC) != 0)
				goto bad;
			first = 0;
			continue;
		}
		if (nl + 1 == end) {
			if (strcmp(line, JOURNAL_END) != 0)
				goto bad;
			break;
		}
		s = line + 2;
		if (line[0] == '\0' || line[1] != ' ')
			goto bad;
		switch (line[0]) {
		case 'B':
		case 'S':
			if (parse_num(&s, &num) == -1)
				goto bad;
			break;
		case 'A':
			num = 0;
			break;
		default:
			goto bad;
		}
		if (*s == '\0' ||
		    add_entry(j, line[0], num, s, strlen(s)) == -1)
			goto bad;
	}
	if (first)
		goto bad;
	free(buf);
	return 0;
bad:
	free(buf);
	errno = EBADMSG;
	return -1;
}

/* A journal's id, if name is "<16 hex><suffix>" with a known suffix. */
static const char *
name_suffix(const char *name)
{
	size_t	i;

	for (i = 0; i < ID_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			return NULL;
	if (strcmp(name + ID_LEN, ".jnl") == 0 ||
	    strcmp(name + ID_LEN, ".tmp") == 0 ||
	    strcmp(name + ID_LEN, ".d") == 0)
		return name + ID_LEN;
	return NULL;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct names {
	char	**v;
	size_t	  n, cap;
};

static void
names_free(struct names *ns)
{
	size_t	i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* The journal files and dirs in .kb/journal, sorted. */
static int
list_journals(struct names *ns)
{
	DIR		 *d;
	struct dirent	 *de;
	char		**nv, *s;
	size_t		  ncap;
	int		  saved;

	memset(ns, 0, sizeof(*ns));
	if ((d = opendir(JOURNAL_DIR)) == NULL)
		return errno == ENOENT ? 0 : -1;
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (name_suffix(de->d_name) == NULL)
			continue;
		if (ns->n == ns->cap) {
			ncap = ns->cap == 0 ? 8 : ns->cap * 2;
			if ((nv = reallocarray(ns->v, ncap, sizeof(*nv))) ==
			    NULL)
				break;
			ns->v = nv;
			ns->cap = ncap;
		}
		if ((s = strdup(de->d_name)) == NULL)
			break;
		ns->v[ns->n++] = s;
	}
	saved = errno;
	closedir(d);
	if (saved != 0) {
		names_free(ns);
		errno = saved;
		return -1;
	}
	if (ns->n > 0)
		qsort(ns->v, ns->n, sizeof(*ns->v), cmp_names);
	return 0;
}

static int
names_has(const struct names *ns, const char *id, const char *suffix)
{
	size_t	i;

	for (i = 0; i < ns->n; i++)
		if (strncmp(ns->v[i], id, ID_LEN) == 0 &&
		    strcmp(ns->v[i] + ID_LEN, suffix) == 0)
			return 1;
	return 0;
}

/* Finalize or roll back the active journal id. */
static int
recover_one(const char *id, int (*committed)(void *, const char *),
    void *arg, unsigned *rolled_back, unsigned *finalized)
{
	struct journal	*j;
	int		 torn, r, saved;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	memcpy(j->id, id, ID_LEN);
	j->state = J_ACTIVE;
	if (load(j, &torn) == -1)
		goto fail;
	if (torn) {
		/* Never activated, so never acted on. */
		r = drop(j->id, ".jnl", &tmp_names);
	} else {
		errno = 0;
		if ((r = committed(arg, j->id)) == -1) {
			if (errno == 0)
				errno = EIO;
			goto fail;
		}
		if (r == 1) {
			if ((r = drop(j->id, ".jnl", &finalize_names)) == 0)
				(*finalized)++;
		} else {
			if ((r = undo(j)) == 0 &&
			    (r = drop(j->id, ".jnl", &remove_names)) == 0)
				(*rolled_back)++;
		}
	}
	if (r == -1)
		goto fail;
	journal_free(j);
	return 0;
fail:
	saved = errno;
	journal_free(j);
	errno = saved;
	return -1;
}

int
journal_recover(int (*committed)(void *, const char *), void *arg,
    unsigned *rolled_back, unsigned *finalized)
{
	struct names	 ns;
	const char	*suffix;
	char		 id[ID_LEN + 1];
	unsigned	 rb = 0, fin = 0;
	size_t		 i;
	int		 r = 0, saved;

	if (committed == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (list_journals(&ns) == -1)
		return -1;
	for (i = 0; i < ns.n && r == 0; i++) {
		suffix = name_suffix(ns.v[i]);
		memcpy(id, ns.v[i], ID_LEN);
		id[ID_LEN] = '\0';
		if (strcmp(suffix, ".jnl") == 0)
			r = recover_one(id, committed, arg, &rb, &fin);
		else if (strcmp(suffix, ".tmp") == 0)
			/* Sorted: an ID.jnl beside it was handled first. */
			r = drop(id, ".tmp", &tmp_names);
		else if (!names_has(&ns, id, ".jnl") &&
		    !names_has(&ns, id, ".tmp"))
			r = drop(id, NULL, &stray_names);
	}
	saved = errno;
	names_free(&ns);
	if (rolled_back != NULL)
		*rolled_back = rb;
	if (finalized != NULL)
		*finalized = fin;
	errno = saved;
	return r;
}

int
journal_count_active(void)
{
	struct names	ns;
	size_t		i;
	int		n = 0;

	if (list_journals(&ns) == -1)
		return -1;
	for (i = 0; i < ns.n; i++)
		if (strcmp(name_suffix(ns.v[i]), ".jnl") == 0)
			n++;
	names_free(&ns);
	return n;
}
