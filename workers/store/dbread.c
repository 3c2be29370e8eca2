/*
 * The registry's read-only queries (see dbread.h), on a connection of
 * their own opened read-only: the supervisor's view of the registry. The
 * committer is the only writer; in WAL mode these reads never block it
 * nor see half a batch. Here: the connections, and the reads of documents,
 * sources and roots; the job reads are dbreadjobs.c's, search
 * dbreadsearch.c's, recompile's dbstale.c's.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "dbread.h"
#include "dbread_int.h"
#include "kbpath.h"
#include "log.h"
#include "tokenizer.h"
#include "util.h"
#include "xmalloc.h"

static sqlite3		*db;
static sqlite3_stmt	*st_hash, *st_stat, *st_by_stat, *st_by_path, *st_list;
static sqlite3_stmt	*st_show, *st_after, *st_before, *st_words;
static sqlite3_stmt	*st_rbegin, *st_rcommit;	/* dbread_read_begin, end */

sqlite3_stmt *
dbread_prep(const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK)
		fatalx("sqlite prepare: %s: %s", sql, sqlite3_errmsg(db));
	return st;
}

static int		 immutable;	/* read-only media (dbread_open_immutable) */

/*
 * A URI of path with immutable=1: '%', '?' and '#' (and anything not
 * printable ASCII) are percent-encoded so that a KB path is never read
 * as URI syntax.
 */
static char *
immutable_uri(const char *path)
{
	static const char	 hex[] = "0123456789abcdef";
	char			*uri, *p;
	const unsigned char	*s;

	uri = xmalloc(strlen(path) * 3 + sizeof("file:?immutable=1"));
	p = uri + sprintf(uri, "file:");
	for (s = (const unsigned char *)path; *s != '\0'; s++) {
		if (*s == '%' || *s == '?' || *s == '#' || *s <= ' ' ||
		    *s >= 0x7f) {
			*p++ = '%';
			*p++ = hex[*s >> 4];
			*p++ = hex[*s & 0xf];
		} else
			*p++ = (char)*s;
	}
	(void)strcpy(p, "?immutable=1");
	return uri;
}

/*
 * Every read-only connection is opened here, the supervisor's and each
 * search thread's: whatever a connection needs to read the index (kbd's
 * tokenizer and rank function) is set up in this one place. NOMUTEX: a
 * connection is used by one thread at a time. On read-only media,
 * SQLite's immutable mode, unless a write-ahead log holds pages (it
 * ignores one): then the ordinary way, which reads a WAL read-only when
 * its -shm file is there too.
 */
sqlite3 *
dbread_open_ro(const char *kbroot)
{
	struct stat	 st;
	sqlite3		*c = NULL;
	char		*path, *uri = NULL;
	int		 flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;

	db_sqlite_config();
	xasprintf(&path, "%s/" KB_DB, kbroot);
	if (immutable) {
		xasprintf(&uri, "%s-wal", path);
		if (stat(uri, &st) == 0 && st.st_size > 0) {
			free(uri);
			uri = NULL;
		} else {
			free(uri);
			uri = immutable_uri(path);
			flags |= SQLITE_OPEN_URI;
		}
	}
	if (sqlite3_open_v2(uri != NULL ? uri : path, &c, flags, NULL) !=
	    SQLITE_OK) {
		log_warnx("%s: %s", path, c ? sqlite3_errmsg(c) : "no memory");
		sqlite3_close(c);
		free(uri);
		free(path);
		return NULL;
	}
	free(uri);
	free(path);
	sqlite3_busy_timeout(c, 5000);
	/* A large sort stays in memory: nothing is written outside the KB. */
	if (sqlite3_exec(c, "PRAGMA temp_store=MEMORY", NULL, NULL, NULL) !=
	    SQLITE_OK)
		log_warnx("temp_store: %s", sqlite3_errmsg(c));
	if (tok_register(c) == -1) {
		log_warnx("registering the full-text tokenizer: %s",
		    sqlite3_errmsg(c));
		sqlite3_close(c);
		return NULL;
	}
	return c;
}

int
dbread_open_immutable(const char *kbroot)
{
	immutable = 1;
	return dbread_open(kbroot);
}

/*
 * The expression of a document's language in d: its column since schema
 * 13, '' in an older KB (read-only media, or not yet migrated).
 */
const char *
dbread_lang_col(sqlite3 *c)
{
	sqlite3_stmt	*st;
	int		 has = 0;

	if (sqlite3_prepare_v2(c, "SELECT 1 FROM "
	    "pragma_table_info('documents') WHERE name = 'lang'", -1, &st,
	    NULL) == SQLITE_OK) {
		has = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return has ? "d.lang" : "''";
}

int
dbread_open(const char *kbroot)
{
	char	sql[256];

	if (db != NULL)
		return 0;
	if ((db = dbread_open_ro(kbroot)) == NULL)
		return -1;
	st_hash = dbread_prep("SELECT name FROM documents WHERE hash = ?");
	st_rbegin = dbread_prep("BEGIN");
	st_rcommit = dbread_prep("COMMIT");
	/* The path's source row, with the stat it was recorded with. */
	st_stat = dbread_prep("SELECT d.name FROM sources s JOIN documents d ON "
	    "d.id = s.doc WHERE s.path = ? AND s.dev = ? AND s.ino = ? AND "
	    "s.size = ? AND s.mtime_ns = ?");
	/*
	 * Another source of the same file (dbread_source_by_stat): asked
	 * for every file an add walks, so prepared once (it was half the
	 * supervisor's instructions in an add of small files).
	 */
	st_by_stat = dbread_prep("SELECT d.name, s.path FROM sources s "
	    "JOIN documents d ON d.id = s.doc WHERE s.dev = ? AND s.ino = ? "
	    "AND s.size = ? AND s.mtime_ns = ? AND s.path <> ? LIMIT 1");
	st_by_path = dbread_prep("SELECT d.name, s.dev, s.ino, s.size, "
	    "s.mtime_ns FROM sources s JOIN documents d ON d.id = s.doc "
	    "WHERE s.path = ?");
	dbread_jobs_open(db);
	(void)snprintf(sql, sizeof(sql), "SELECT id, name, title, hash, ext, "
	    "size, src_path, %s FROM documents d WHERE id > ? ORDER BY id "
	    "LIMIT ?", dbread_lang_col(db));
	st_list = dbread_prep(sql);
	(void)snprintf(sql, sizeof(sql), "SELECT name, title, description, "
	    "src_path, hash, size, ext, added_at, job, %s FROM documents d "
	    "WHERE name = ?", dbread_lang_col(db));
	st_show = dbread_prep(sql);
	/* Closest names: neighbours in name order (the UNIQUE index)... */
	st_after = dbread_prep("SELECT name FROM documents WHERE name >= ? "
	    "ORDER BY name LIMIT ?");
	st_before = dbread_prep("SELECT name FROM documents WHERE name < ? "
	    "ORDER BY name DESC LIMIT ?");
	/* ...and names sharing a word, through the full-text index. */
	st_words = dbread_prep("SELECT d.name FROM fts JOIN documents d "
	    "ON d.id = fts.rowid WHERE fts MATCH ? LIMIT ?");
	return 0;
}

/* The connection, for the store's other read-only files (dbstale.c). */
sqlite3 *
dbread_db(void)
{
	return db;
}

int
dbread_read_begin(void)
{
	int	r;

	if (db == NULL || !sqlite3_get_autocommit(db))
		return 0;
	r = sqlite3_step(st_rbegin);
	sqlite3_reset(st_rbegin);
	return r == SQLITE_DONE;
}

void
dbread_read_end(int began)
{
	if (!began)
		return;
	(void)sqlite3_step(st_rcommit);
	sqlite3_reset(st_rcommit);
}

void
dbread_close(void)
{
	sqlite3_finalize(st_hash);
	sqlite3_finalize(st_rbegin);
	sqlite3_finalize(st_rcommit);
	sqlite3_finalize(st_stat);
	sqlite3_finalize(st_by_stat);
	sqlite3_finalize(st_by_path);
	dbread_jobs_close();
	sqlite3_finalize(st_list);
	sqlite3_finalize(st_show);
	sqlite3_finalize(st_after);
	sqlite3_finalize(st_before);
	sqlite3_finalize(st_words);
	dbdir_close();
	dbstale_close();
	sqlite3_close(db);
	db = NULL;
}

static int
one_name(sqlite3_stmt *st, char *name, size_t len)
{
	int	r;

	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		(void)snprintf(name, len, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (r == SQLITE_DONE)
		return 0;
	log_warnx("registry query: %s", sqlite3_errmsg(db));
	return -1;
}

int
dbread_doc_by_hash(const uint8_t hash[32], char *name, size_t len)
{
	char	hex[2 * SHA256_LEN + 1];

	sha256_hex(hash, hex);
	sqlite3_bind_text(st_hash, 1, hex, 2 * SHA256_LEN, SQLITE_TRANSIENT);
	return one_name(st_hash, name, len);
}

int
dbread_source_unchanged(const char *path, uint64_t dev, uint64_t ino,
    uint64_t size, int64_t mtime_ns, char *name, size_t len)
{
	sqlite3_bind_text(st_stat, 1, path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st_stat, 2, (sqlite3_int64)dev);
	sqlite3_bind_int64(st_stat, 3, (sqlite3_int64)ino);
	sqlite3_bind_int64(st_stat, 4, (sqlite3_int64)size);
	sqlite3_bind_int64(st_stat, 5, mtime_ns);
	return one_name(st_stat, name, len);
}

int
dbread_list(int64_t *after, unsigned max, Kbd__ListChunk *chunk)
{
	Kbd__DocInfo	*d;
	const char	*name, *ext;
	int		 r;

	chunk->docs = xcalloc(max, sizeof(*chunk->docs));
	sqlite3_bind_int64(st_list, 1, *after);
	sqlite3_bind_int(st_list, 2, (int)max);
	while ((r = sqlite3_step(st_list)) == SQLITE_ROW) {
		d = xmalloc(sizeof(*d));
		kbd__doc_info__init(d);
		*after = sqlite3_column_int64(st_list, 0);
		name = (const char *)sqlite3_column_text(st_list, 1);
		ext = (const char *)sqlite3_column_text(st_list, 4);
		d->doc = xstrdup(name);
		d->title = xstrdup((const char *)sqlite3_column_text(st_list, 2));
		d->hash = xstrdup((const char *)sqlite3_column_text(st_list, 3));
		d->raw = kbpath_raw(name, ext);
		d->source = kbpath_source(name);
		d->size = (uint64_t)sqlite3_column_int64(st_list, 5);
		d->src_path = xstrdup((const char *)
		    sqlite3_column_text(st_list, 6));
		d->language = xstrdup((const char *)
		    sqlite3_column_text(st_list, 7));
		chunk->docs[chunk->n_docs++] = d;
	}
	sqlite3_reset(st_list);
	if (r != SQLITE_DONE) {
		log_warnx("list: %s", sqlite3_errmsg(db));
		return -1;
	}
	chunk->last = chunk->n_docs < max;
	return 0;
}

void
dbread_list_free(Kbd__ListChunk *chunk)
{
	size_t	i;

	for (i = 0; i < chunk->n_docs; i++) {
		free(chunk->docs[i]->doc);
		free(chunk->docs[i]->title);
		free(chunk->docs[i]->hash);
		free(chunk->docs[i]->raw);
		free(chunk->docs[i]->source);
		free(chunk->docs[i]->src_path);
		free(chunk->docs[i]->language);
		free(chunk->docs[i]);
	}
	free(chunk->docs);
	chunk->docs = NULL;
	chunk->n_docs = 0;
}

char *
dbread_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return xstrdup(t != NULL ? (const char *)t : "");
}

int
dbread_show(const char *name, Kbd__DocMeta *m)
{
	const char	*ext;
	int		 r;

	kbd__doc_meta__init(m);
	sqlite3_bind_text(st_show, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st_show);
	if (r == SQLITE_ROW) {
		m->doc = dbread_col_dup(st_show, 0);
		m->title = dbread_col_dup(st_show, 1);
		m->description = dbread_col_dup(st_show, 2);
		m->src_path = dbread_col_dup(st_show, 3);
		m->hash = dbread_col_dup(st_show, 4);
		m->size = (uint64_t)sqlite3_column_int64(st_show, 5);
		m->format = dbread_col_dup(st_show, 6);
		m->added = sqlite3_column_int64(st_show, 7);
		m->job = (uint64_t)sqlite3_column_int64(st_show, 8);
		m->language = dbread_col_dup(st_show, 9);
		ext = m->format;
		m->source = kbpath_source(m->doc);
		m->summary = kbpath_summary(m->doc);
		m->raw = kbpath_raw(m->doc, ext);
		r = 1;
	} else if (r == SQLITE_DONE)
		r = 0;
	else {
		log_warnx("show: %s", sqlite3_errmsg(db));
		r = -1;
	}
	sqlite3_reset(st_show);
	sqlite3_clear_bindings(st_show);
	return r;
}

void
dbread_show_free(Kbd__DocMeta *m)
{
	free(m->doc);
	free(m->title);
	free(m->description);
	free(m->src_path);
	free(m->language);
	free(m->hash);
	free(m->format);
	free(m->source);
	free(m->summary);
	free(m->raw);
	kbd__doc_meta__init(m);
}

/* Names longer than this are not compared: no one mistypes them. */
#define SIMILAR_MAXLEN	128
#define SIMILAR_EACH	16	/* candidates from each query */

/* Levenshtein distance over bytes; both shorter than SIMILAR_MAXLEN. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t	row[SIMILAR_MAXLEN + 1], la = strlen(a), lb = strlen(b);
	size_t	i, j, diag, up, best;

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

struct cand {
	char	*name;
	size_t	 dist;
};

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand	*x = a, *y = b;

	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Adds the names st yields to c (no duplicates); st is reset. */
static void
cand_collect(sqlite3_stmt *st, struct cand *c, size_t *n, size_t cap)
{
	const char	*t;
	size_t		 i;

	while (*n < cap && sqlite3_step(st) == SQLITE_ROW) {
		if ((t = (const char *)sqlite3_column_text(st, 0)) == NULL ||
		    strlen(t) >= SIMILAR_MAXLEN)
			continue;
		for (i = 0; i < *n; i++)
			if (strcmp(c[i].name, t) == 0)
				break;
		if (i == *n)
			c[(*n)++].name = xstrdup(t);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/*
 * The FTS5 query for names sharing a word with name: each run of letters
 * and digits as a quoted prefix, ORed, on the name column. NULL if name
 * has no word.
 */
static char *
words_query(const char *name)
{
	char	*q, *p;
	int	 inword = 0, words = 0;

	p = q = xmalloc(strlen(name) * 16 + 1);
	for (; *name != '\0'; name++) {
		if ((*name >= 'a' && *name <= 'z') || (*name >= 'A' &&
		    *name <= 'Z') || (*name >= '0' && *name <= '9') ||
		    (unsigned char)*name >= 0x80) {
			if (!inword) {
				p += sprintf(p, "%sname : \"", words++ ?
				    " OR " : "");
				inword = 1;
			}
			*p++ = *name;
			continue;
		}
		if (inword)
			p += sprintf(p, "\"*");
		inword = 0;
	}
	if (inword)
		p += sprintf(p, "\"*");
	*p = '\0';
	if (words == 0) {
		free(q);
		return NULL;
	}
	return q;
}

/*
 * The names closest to one that does not exist: a bounded candidate set
 * (the neighbours in name order, names sharing a word) ranked by edit
 * distance, so the cost does not grow with the registry.
 */
int
dbread_similar(const char *name, unsigned max, char ***out, size_t *nout)
{
	struct cand	 c[3 * SIMILAR_EACH];
	char		*q;
	size_t		 n = 0, i, len = strlen(name), limit;

	*out = NULL;
	*nout = 0;
	if (len == 0 || len >= SIMILAR_MAXLEN)
		return 0;
	sqlite3_bind_text(st_after, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st_after, 2, SIMILAR_EACH);
	cand_collect(st_after, c, &n, 3 * SIMILAR_EACH);
	sqlite3_bind_text(st_before, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st_before, 2, SIMILAR_EACH);
	cand_collect(st_before, c, &n, 3 * SIMILAR_EACH);
	if ((q = words_query(name)) != NULL) {
		sqlite3_bind_text(st_words, 1, q, -1, SQLITE_STATIC);
		sqlite3_bind_int(st_words, 2, SIMILAR_EACH);
		cand_collect(st_words, c, &n, 3 * SIMILAR_EACH);
		free(q);
	}
	/* Close enough to be a typo, or one name holds the other. */
	limit = len / 3 > 2 ? len / 3 : 2;
	for (i = 0; i < n; i++) {
		c[i].dist = edit_distance(name, c[i].name);
		if (c[i].dist > limit && strstr(c[i].name, name) == NULL &&
		    strstr(name, c[i].name) == NULL)
			c[i].dist = SIZE_MAX;
	}
	qsort(c, n, sizeof(*c), cand_cmp);
	*out = xcalloc(max > 0 ? max : 1, sizeof(**out));
	for (i = 0; i < n; i++) {
		if (*nout < max && c[i].dist != SIZE_MAX)
			(*out)[(*nout)++] = c[i].name;
		else
			free(c[i].name);
	}
	return 0;
}

/* Every root's path, in id order (the order they were first added). */
int
dbread_roots(char ***paths, size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 r;

	*paths = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT path FROM roots ORDER BY id", -1,
	    &st, NULL) != SQLITE_OK) {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		return -1;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*paths = xreallocarray(*paths, cap, sizeof(**paths));
		}
		(*paths)[(*n)++] = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
	}
	if (r != SQLITE_DONE)
		log_warnx("registry query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

/*
 * Every source, grouped by document (doc id order): cb(arg, doc, name,
 * path) per row, which returns 0 to go on. The supervisor's prune plan.
 */
int
dbread_sources_foreach(int (*cb)(void *, int64_t, const char *,
    const char *, int64_t), void *arg)
{
	sqlite3_stmt	*st;
	int		 r;

	if (sqlite3_prepare_v2(db, "SELECT s.doc, d.name, s.path, s.id FROM "
	    "sources s JOIN documents d ON d.id = s.doc ORDER BY s.doc, s.path",
	    -1, &st, NULL) != SQLITE_OK) {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		return -1;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (cb(arg, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    sqlite3_column_int64(st, 3)) != 0) {
			r = SQLITE_DONE;
			break;
		}
	if (r != SQLITE_DONE)
		log_warnx("registry query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

/* Every root with its counts, in id order; rep->roots xmalloc'ed. */
int
dbread_roots_info(Kbd__RootsRep *rep)
{
	sqlite3_stmt	*st;
	Kbd__RootInfo	*ri;
	size_t		 cap = 0;
	int		 r;

	/* A read-only KB of schema 4 has no roots.watched: none is. */
	if (sqlite3_prepare_v2(db, "SELECT r.path, r.added, r.last_sync, "
	    "count(s.id), count(DISTINCT s.doc), r.watched FROM roots r LEFT "
	    "JOIN sources s ON s.root = r.id GROUP BY r.id ORDER BY r.id", -1,
	    &st, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT r.path, r.added, r.last_sync, "
	    "count(s.id), count(DISTINCT s.doc), 0 FROM roots r LEFT JOIN "
	    "sources s ON s.root = r.id GROUP BY r.id ORDER BY r.id", -1, &st,
	    NULL) != SQLITE_OK) {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		return -1;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (rep->n_roots == cap) {
			cap = cap ? cap * 2 : 8;
			rep->roots = xreallocarray(rep->roots, cap,
			    sizeof(*rep->roots));
		}
		ri = xmalloc(sizeof(*ri));
		kbd__root_info__init(ri);
		ri->path = xstrdup((const char *)sqlite3_column_text(st, 0));
		ri->added = sqlite3_column_int64(st, 1);
		ri->last_sync = sqlite3_column_int64(st, 2);
		ri->files = (uint64_t)sqlite3_column_int64(st, 3);
		ri->docs = (uint64_t)sqlite3_column_int64(st, 4);
		ri->watched = sqlite3_column_int(st, 5) != 0;
		rep->roots[rep->n_roots++] = ri;
	}
	if (r != SQLITE_DONE)
		log_warnx("registry query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

void
dbread_roots_info_free(Kbd__RootsRep *rep)
{
	size_t	i;

	for (i = 0; i < rep->n_roots; i++) {
		free(rep->roots[i]->path);
		free(rep->roots[i]);
	}
	free(rep->roots);
	rep->roots = NULL;
	rep->n_roots = 0;
}

/*
 * A dry run's lookups. The source row of path: 1 (name and stat set), 0,
 * -1. A source with that stat whose path is not path (a rename keeps
 * inode and mtime): 1 (name and its path set), 0, -1.
 */
int
dbread_source_by_path(const char *path, char *name, size_t len,
    struct stat *st, int *same)
{
	sqlite3_stmt	*q = st_by_path;
	int		 r;

	sqlite3_bind_text(q, 1, path, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		(void)snprintf(name, len, "%s", sqlite3_column_text(q, 0));
		*same = (uint64_t)sqlite3_column_int64(q, 1) ==
		    (uint64_t)st->st_dev &&
		    (uint64_t)sqlite3_column_int64(q, 2) ==
		    (uint64_t)st->st_ino &&
		    sqlite3_column_int64(q, 3) == (int64_t)st->st_size &&
		    sqlite3_column_int64(q, 4) ==
		    (int64_t)st->st_mtim.tv_sec * 1000000000 +
		    st->st_mtim.tv_nsec;
	}
	sqlite3_reset(q);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

int
dbread_source_by_stat(const struct stat *st, const char *path, char *name,
    size_t len, char **other)
{
	sqlite3_stmt	*q = st_by_stat;
	int		 r;

	sqlite3_bind_int64(q, 1, (sqlite3_int64)st->st_dev);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)st->st_ino);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)st->st_size);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)st->st_mtim.tv_sec *
	    1000000000 + st->st_mtim.tv_nsec);
	sqlite3_bind_text(q, 5, path, -1, SQLITE_TRANSIENT);
	r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		(void)snprintf(name, len, "%s", sqlite3_column_text(q, 0));
		*other = xstrdup((const char *)sqlite3_column_text(q, 1));
	}
	sqlite3_reset(q);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}
