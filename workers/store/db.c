/*
 * The committer's database (see db.h): its one connection for reads and
 * writes (checkpoints have their own: dbckpt.c; its WAL's writes are
 * gathered: walbuf.c), the pragmas the
 * commit protocol relies on (WAL, synchronous=FULL so a COMMIT is durable
 * when it returns), and one prepared statement per write or lookup of
 * documents. The schema and its migrations are dbmigrate.c's, the index
 * rebuild's state dbreindex.c's, jobs and their history dbjobs.c's,
 * sources and roots dbsources.c's, lint's checks dbcheck.c's.
 *
 * SQLite errors are returned, except a failed fsync, which is fatal: the
 * committer exits and recovery on the next start decides, from the commit
 * records, what happened. A COMMIT that fails for any reason but a full
 * disk is fatal for the same reason: its outcome is not known.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "conceptdb.h"
#include "db.h"
#include "db_int.h"
#include "links.h"
#include "log.h"
#include "tokenizer.h"
#include "walbuf.h"
#include "xmalloc.h"

static sqlite3		*db;
static char		 errbuf[512];

static sqlite3_stmt	*st_begin, *st_commit, *st_rollback, *st_read_begin;
static sqlite3_stmt	*st_commit_exists, *st_commit_insert;
static sqlite3_stmt	*st_name, *st_name_ext, *st_by_hash, *st_by_name;
static sqlite3_stmt	*st_doc_insert, *st_fts_insert;
static sqlite3_stmt	*st_doc_delete, *st_fts_delete;
static sqlite3_stmt	*st_doc_count;
static sqlite3_stmt	*st_meta_set, *st_doc_lang;
static uint32_t		 langs_known;	/* meta 'languages', as a mask */
static sqlite3_stmt	*st_doc_get, *st_doc_update;
static sqlite3_stmt	*st_doc_moved;

const char *
db_errmsg(void)
{
	return errbuf;
}

sqlite3 *
db_conn(void)
{
	return db;
}

static int	fail(int, const char *);

int
db_fail(int rc, const char *what)
{
	return fail(rc, what);
}

int
db_is_fsync_error(int rc)
{
	return rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_DIR_FSYNC;
}

/* Record the error of rc; never returns on a failed fsync. */
static int
fail(int rc, const char *what)
{
	if (db_is_fsync_error(rc) ||
	    db_is_fsync_error(sqlite3_extended_errcode(db)))
		fatalx("%s: fsync failed during %s: %s", DB_PATH, what,
		    sqlite3_errmsg(db));
	/* SQLite says "database or disk is full"; say which, and where. */
	if ((rc & 0xff) == SQLITE_FULL ||
	    (sqlite3_extended_errcode(db) & 0xff) == SQLITE_FULL)
		(void)snprintf(errbuf, sizeof(errbuf), "%s: %s (%s)", what,
		    strerror(ENOSPC), DB_PATH);
	else
		(void)snprintf(errbuf, sizeof(errbuf), "%s: %s", what,
		    sqlite3_errmsg(db));
	return -1;
}

sqlite3_stmt *
db_prep(const char *sql)
{
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("%s: preparing \"%s\": %s", DB_PATH, sql,
		    sqlite3_errmsg(db));
	return st;
}

/* Step a statement that returns no rows. */
int
db_run(sqlite3_stmt *st, const char *what)
{
	int	rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		(void)fail(rc, what);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

/* Step a lookup: 1 a row (the caller resets), 0 none, -1 error. */
int
db_row(sqlite3_stmt *st, const char *what)
{
	int	rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		(void)fail(rc, what);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_names(sqlite3_stmt *st, size_t max, void (*cb)(void *, const char *),
    void *arg, uint64_t *total, const char *what)
{
	const char	*name;
	uint64_t	 n = 0;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		if (name != NULL && n++ < max)
			cb(arg, name);
	}
	sqlite3_finalize(st);
	*total = n;
	if (rc != SQLITE_DONE)
		return fail(rc, what);
	return 0;
}

void
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

char *
db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char	*s;

	s = sqlite3_column_text(st, i);
	return xstrdup(s != NULL ? (const char *)s : "");
}

int
db_exec(const char *sql)
{
	char	*err = NULL;
	int	 rc;

	if ((rc = sqlite3_exec(db, sql, NULL, NULL, &err)) != SQLITE_OK) {
		if (db_is_fsync_error(rc))
			fatalx("%s: fsync failed: %s", DB_PATH, err);
		(void)snprintf(errbuf, sizeof(errbuf), "%s", err != NULL ?
		    err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

void
db_errset(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
}

/*
 * An integer meta value, prepared each time: its keys are read at start
 * and after a rebuild's slice, not on a batch's path.
 */
int
db_meta_int(const char *key, int64_t *v, const char *what)
{
	sqlite3_stmt	*st;
	int		 rc;

	*v = 0;
	st = db_prep("SELECT value FROM meta WHERE key = ?");
	db_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		(void)fail(rc, what);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_meta_set(const char *key, const char *value, const char *what)
{
	db_bind_text(st_meta_set, 1, key);
	db_bind_text(st_meta_set, 2, value);
	return db_run(st_meta_set, what);
}

/* The languages indexed so far, as meta 'languages' ("en,fr") says. */
static void
load_langs(void)
{
	sqlite3_stmt	*st;
	const char	*v;

	langs_known = 0;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = "
	    "'languages'", -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(st, 0)) != NULL)
		langs_known = tok_langs_parse(v);
	sqlite3_finalize(st);
}

/*
 * No memory statistics: with them on (SQLite's default) every allocation
 * takes one process-wide mutex, and the supervisor's search threads,
 * each on its own connection, queued on it (a futex wait or wake in a
 * tenth of their samples under a thousand clients). kbd never reads
 * them. sqlite3_config must come before SQLite initializes; a second call
 * is refused harmlessly.
 */
void
db_sqlite_config(void)
{
	static int	done;

	if (!done) {
		done = 1;
		(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	}
}

/*
 * The committer's page cache and checkpoints. A batch of 512 documents
 * dirtied about 4,000 pages at 30,000 documents (the index of concept
 * terms by term, before schema 18's side table, and the documents' hashes
 * take random pages: most of theirs, every batch), and the cache of
 * SQLite's default 2 MiB read
 * them back from the WAL or the database at the next batch; a checkpoint
 * every 1,000 pages (the default) copied every batch's pages into the
 * database, the same pages again for the next. With 32 MiB and a
 * checkpoint every 10,000 pages (about 40 MiB of WAL), an add of 30,000
 * small files read 0.8 GB instead of 3.3 and wrote 1.3 GB instead of 2.1
 * (the committer's rchar and wchar; docs/architecture.md, scale notes).
 * The cache grows only as far as the KB needs; the WAL is truncated back
 * to DB_WAL_KEEP after each checkpoint resets it. The checkpoints run on
 * a thread of their own (dbckpt.c).
 */
#define DB_CACHE_KIB	"-32768"
#define DB_WAL_KEEP	"33554432"
/* How long the checkpoint at the close waits for readers (wal_truncate). */
#define DB_CLOSE_WAIT_MS	2000

int
db_open(const char *path)
{
	sqlite3_stmt	*st;
	const char	*mode;
	int		 wal;

	db_sqlite_config();
	/* Its WAL's writes gathered (walbuf.c): this connection's only. */
	if (walbuf_register() != SQLITE_OK) {
		(void)snprintf(errbuf, sizeof(errbuf), "cannot register the "
		    "VFS " WALBUF_VFS);
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, WALBUF_VFS) !=
	    SQLITE_OK) {
		(void)snprintf(errbuf, sizeof(errbuf), "%s", db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		db = NULL;
		return -1;
	}
	sqlite3_extended_result_codes(db, 1);
	if (tok_register(db) == -1) {
		(void)snprintf(errbuf, sizeof(errbuf), "cannot register the "
		    "full-text tokenizer: %s", sqlite3_errmsg(db));
		goto fail;
	}
	/* The supervisor reads while we write; WAL readers never block us. */
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) != SQLITE_OK)
		goto bad;
	wal = sqlite3_step(st) == SQLITE_ROW &&
	    (mode = (const char *)sqlite3_column_text(st, 0)) != NULL &&
	    strcmp(mode, "wal") == 0;
	sqlite3_finalize(st);
	if (!wal) {
		(void)snprintf(errbuf, sizeof(errbuf), "cannot enable WAL: %s",
		    sqlite3_errmsg(db));
		goto fail;
	}
	/*
	 * Statement journals and sorts in memory: nothing is written outside
	 * the KB (SQLite's temporary files go to /var/tmp), and a statement
	 * journal (a statement that may fail half way, in a transaction) is
	 * no file of its own.
	 */
	if (db_exec("PRAGMA synchronous=FULL") == -1 ||
	    db_exec("PRAGMA temp_store=MEMORY") == -1 ||
	    db_exec("PRAGMA cache_size=" DB_CACHE_KIB) == -1 ||
	    db_exec("PRAGMA journal_size_limit=" DB_WAL_KEEP) == -1 ||
	    db_schema_check() == -1)
		goto fail;
	if (dbckpt_start(db, path) == -1)
		goto bad;
	load_langs();

	st_begin = db_prep("BEGIN IMMEDIATE");
	st_read_begin = db_prep("BEGIN");
	st_commit = db_prep("COMMIT");
	st_rollback = db_prep("ROLLBACK");
	st_commit_exists = db_prep("SELECT 1 FROM commits WHERE journal = ?");
	st_commit_insert = db_prep("INSERT INTO commits(journal, job, at) "
	    "VALUES (?, ?, ?)");
	st_name = db_prep("SELECT 1 FROM documents WHERE name = ?");
	st_doc_count = db_prep("SELECT count(*) FROM documents");
	st_name_ext = db_prep("SELECT 1 FROM documents WHERE name = ? AND "
	    "ext = ?");
	st_by_hash = db_prep("SELECT name, src_path, job FROM documents "
	    "WHERE hash = ?");
	st_by_name = db_prep("SELECT id, ext FROM documents WHERE name = ?");
	st_doc_insert = db_prep("INSERT INTO documents(name, title, "
	    "description, hash, ext, size, src_path, src_dev, src_ino, "
	    "src_mtime_ns, job, added_at, converter, conv_version, lang) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	st_fts_insert = db_prep("INSERT INTO fts(rowid, name, title, headings, "
	    "body) VALUES (?, ?, ?, ?, ?)");
	st_meta_set = db_prep("INSERT OR REPLACE INTO meta(key, value) "
	    "VALUES (?, ?)");
	st_doc_lang = db_prep("UPDATE documents SET lang = ?1 WHERE id = ?2 "
	    "AND lang IS NOT ?1");
	st_doc_delete = db_prep("DELETE FROM documents WHERE id = ?");
	st_fts_delete = db_prep("DELETE FROM fts WHERE rowid = ?");
	dbjobs_open();
	dbsources_open();
	st_doc_get = db_prep("SELECT name, ext, hash, src_path FROM documents "
	    "WHERE id = ?");
	/* job: the job that last gave it content (remove --job). */
	st_doc_update = db_prep("UPDATE documents SET title = ?, "
	    "description = ?, description_by = 'local', hash = ?, size = ?, src_path = ?, src_dev = ?, "
	    "src_ino = ?, src_mtime_ns = ?, job = ? WHERE id = ?");
	st_doc_moved = db_prep("UPDATE documents SET src_path = ?, src_dev = ?, "
	    "src_ino = ?, src_mtime_ns = ? WHERE id = ? AND src_path = ?");
	return 0;
bad:
	(void)snprintf(errbuf, sizeof(errbuf), "%s", sqlite3_errmsg(db));
fail:
	sqlite3_close(db);
	db = NULL;
	return -1;
}

/*
 * The WAL copied into the database and cut to nothing as the committer
 * goes. SQLite does that itself at the last connection's close, but the
 * supervisor's read-only connection outlives this one and cannot: the
 * WAL stayed whole, 32 MiB after any add and 600 MiB after the merge of
 * a large one, on disk while kbd was down and read again by the next
 * start's recovery (its wal-index rebuilt: the whole file read), and a
 * copy of kb.db alone was not the KB. A reader still in a transaction
 * makes the checkpoint give up after a short wait: the WAL stays as it
 * was, as safe. The checkpoint syncs the WAL before it copies and the
 * database before it truncates (synchronous=FULL), so a crash at any
 * point leaves the commits as they were.
 */
static void
wal_truncate(void)
{
	int	rc, nlog = 0, ncopied = 0;

	if (db == NULL)
		return;
	sqlite3_busy_timeout(db, DB_CLOSE_WAIT_MS);
	rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    &nlog, &ncopied);
	if (rc != SQLITE_OK)
		log_info("%s: the WAL left for the next start (%d of %d "
		    "frames copied): %s", DB_PATH, ncopied, nlog,
		    sqlite3_errmsg(db));
}

void
db_close(void)
{
	sqlite3_stmt	**sts[] = {
		&st_begin, &st_commit, &st_rollback, &st_read_begin,
		&st_commit_exists,
		&st_commit_insert, &st_name, &st_name_ext, &st_by_hash,
		&st_by_name, &st_doc_insert, &st_fts_insert, &st_doc_delete,
		&st_fts_delete, &st_doc_count, &st_meta_set,
		&st_doc_get, &st_doc_update,
		&st_doc_moved,
		&st_doc_lang
	};
	size_t		  i;

	/* Its connection first: one checkpoint at a time. */
	dbckpt_stop(db);
	wal_truncate();
	dbwiki_close();
	dbjobs_close();
	dbsources_close();
	conceptdb_close();
	for (i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
		sqlite3_finalize(*sts[i]);
		*sts[i] = NULL;
	}
	/* SQLITE_BUSY: a statement left unfinalized, the connection leaks. */
	if (sqlite3_close(db) != SQLITE_OK)
		log_warnx("%s: not closed: %s", DB_PATH, sqlite3_errmsg(db));
	db = NULL;
}

int
db_begin(void)
{
	return db_run(st_begin, "BEGIN");
}

int
db_commit(void)
{
	int	rc;

	rc = sqlite3_step(st_commit);
	sqlite3_reset(st_commit);
	if (rc == SQLITE_DONE)
		return 0;
	if ((rc & 0xff) == SQLITE_FULL) {
		/* Definitely not committed: roll back what is left. */
		(void)fail(rc, "COMMIT");
		db_rollback();
		return -1;
	}
	if (db_is_fsync_error(rc))
		fatalx("%s: fsync failed at COMMIT: %s", DB_PATH,
		    sqlite3_errmsg(db));
	fatalx("%s: COMMIT failed, outcome unknown: %s", DB_PATH,
	    sqlite3_errmsg(db));
}

void
db_rollback(void)
{
	if (sqlite3_get_autocommit(db))
		return;
	if (db_run(st_rollback, "ROLLBACK") == -1)
		log_warnx("%s: %s", DB_PATH, errbuf);
}

/*
 * A transaction only to read (the committer's decisions and plans: one
 * WAL read lock for all their statements, and not the write lock). One
 * that wrote would lose its writes at its end: a bug, and fatal.
 */
int
db_read_begin(void)
{
	return db_run(st_read_begin, "BEGIN");
}

void
db_read_end(void)
{
	if (sqlite3_txn_state(db, NULL) == SQLITE_TXN_WRITE)
		fatalx("%s: a read transaction wrote", DB_PATH);
	db_rollback();
}

int
db_commit_exists(const char *journal)
{
	int	r;

	db_bind_text(st_commit_exists, 1, journal);
	if ((r = db_row(st_commit_exists, "commit record lookup")) == 1)
		sqlite3_reset(st_commit_exists);
	return r;
}

int
db_commit_insert(const char *journal, uint64_t job, int64_t at)
{
	db_bind_text(st_commit_insert, 1, journal);
	sqlite3_bind_int64(st_commit_insert, 2, (sqlite3_int64)job);
	sqlite3_bind_int64(st_commit_insert, 3, at);
	return db_run(st_commit_insert, "inserting the commit record");
}

int
db_name_exists(const char *name)
{
	int	r;

	db_bind_text(st_name, 1, name);
	if ((r = db_row(st_name, "name lookup")) == 1)
		sqlite3_reset(st_name);
	return r;
}

int
db_doc_count(uint64_t *n)
{
	int	r;

	*n = 0;
	if ((r = db_row(st_doc_count, "document count")) == 1) {
		*n = (uint64_t)sqlite3_column_int64(st_doc_count, 0);
		sqlite3_reset(st_doc_count);
	}
	return r == -1 ? -1 : 0;
}

int
db_name_ext_exists(const char *name, const char *ext)
{
	int	r;

	db_bind_text(st_name_ext, 1, name);
	db_bind_text(st_name_ext, 2, ext);
	if ((r = db_row(st_name_ext, "name lookup")) == 1)
		sqlite3_reset(st_name_ext);
	return r;
}

int
db_doc_by_hash(const char *hash, char **name, char **src_path, uint64_t *job)
{
	int	r;

	db_bind_text(st_by_hash, 1, hash);
	if ((r = db_row(st_by_hash, "hash lookup")) != 1)
		return r;
	if (name != NULL)
		*name = db_col_text(st_by_hash, 0);
	if (src_path != NULL)
		*src_path = db_col_text(st_by_hash, 1);
	if (job != NULL)
		*job = (uint64_t)sqlite3_column_int64(st_by_hash, 2);
	sqlite3_reset(st_by_hash);
	return 1;
}

int
db_doc_by_name(const char *name, int64_t *id, char **ext)
{
	int	r;

	db_bind_text(st_by_name, 1, name);
	if ((r = db_row(st_by_name, "name lookup")) != 1)
		return r;
	*id = sqlite3_column_int64(st_by_name, 0);
	*ext = db_col_text(st_by_name, 1);
	sqlite3_reset(st_by_name);
	return 1;
}

int
db_doc_insert(const struct db_doc *d, int64_t *id)
{
	sqlite3_stmt	*st = st_doc_insert;

	db_bind_text(st, 1, d->name);
	db_bind_text(st, 2, d->title);
	db_bind_text(st, 3, d->description);
	db_bind_text(st, 4, d->hash);
	db_bind_text(st, 5, d->ext);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)d->size);
	db_bind_text(st, 7, d->src_path);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)d->src_dev);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)d->src_ino);
	sqlite3_bind_int64(st, 10, d->src_mtime_ns);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)d->job);
	sqlite3_bind_int64(st, 12, d->added_at);
	db_bind_text(st, 13, d->converter != NULL ? d->converter : "");
	sqlite3_bind_int64(st, 14, (sqlite3_int64)d->conv_version);
	/* db_fts_insert's UPDATE of it then writes nothing when it agrees. */
	db_bind_text(st, 15, d->lang != NULL ? d->lang : "");
	if (db_run(st, "inserting a document") == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(db);
	return db_groups_change(d->ext, d->src_path, 1);
}

/* Record a language in meta 'languages' the first time it is indexed. */
static int
note_lang(int lang)
{
	char	 list[3 * 32 + 1];
	size_t	 n = 0;
	int	 l;

	if (lang < 0 || lang >= 32 || (langs_known & (1u << lang)) != 0)
		return 0;
	for (l = 0; l < 32 && l < tok_nlangs(); l++) {
		if (l != lang && (langs_known & (1u << l)) == 0)
			continue;
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    n ? "," : "", tok_lang_code(l));
	}
	if (db_meta_set("languages", list, "recording a language") == -1)
		return -1;
	/* Known once committed; a rollback only means writing it again. */
	langs_known |= 1u << lang;
	return 0;
}

/* A column's text behind the language marker: malloc'ed. */
static char *
marked(const char *code, const char *s, size_t len, size_t *outlen)
{
	char	*out;

	out = xmalloc(len + TOK_LANG_MARKLEN + 1);
	out[0] = TOK_LANG_MARK;
	out[1] = code[0];
	out[2] = code[1];
	out[3] = TOK_LANG_MARK;
	memcpy(out + TOK_LANG_MARKLEN, s, len);
	out[len + TOK_LANG_MARKLEN] = '\0';
	*outlen = len + TOK_LANG_MARKLEN;
	return out;
}

int
db_fts_insert(int64_t id, const char *name, const char *title,
    const char *body, size_t bodylen, const char *langcode)
{
	sqlite3_stmt	*st = st_fts_insert;
	const char	*code;
	char		*col[4], *hd, *ib;
	size_t		 len[4], hdlen, iblen;
	int		 lang, r, i;

	/* Links in one form: resolving one later changes no row. */
	ib = links_indexed(body, bodylen, &iblen);
	if (langcode == NULL || (lang = tok_lang_by_code(langcode)) < 0)
		lang = tok_doc_lang(ib, iblen);
	code = tok_lang_code(lang);
	hd = tok_md_headings(ib, iblen, &hdlen);
	col[0] = marked(code, name, strlen(name), &len[0]);
	col[1] = marked(code, title, strlen(title), &len[1]);
	col[2] = marked(code, hd, hdlen, &len[2]);
	col[3] = marked(code, ib, iblen, &len[3]);
	free(hd);
	free(ib);
	sqlite3_bind_int64(st, 1, id);
	for (i = 0; i < 4; i++)
		sqlite3_bind_text64(st, i + 2, col[i], len[i], SQLITE_STATIC,
		    SQLITE_UTF8);
	r = db_run(st, "inserting a full-text row");
	for (i = 0; i < 4; i++)
		free(col[i]);
	if (r == 0)
		r = note_lang(lang);
	/* The registry says the language its row was indexed in. */
	if (r == 0) {
		db_bind_text(st_doc_lang, 1, code);
		sqlite3_bind_int64(st_doc_lang, 2, id);
		r = db_run(st_doc_lang, "recording a document's language");
	}
	return r;
}

int
db_fts_delete(int64_t id)
{
	sqlite3_bind_int64(st_fts_delete, 1, id);
	return db_run(st_fts_delete, "deleting a full-text row");
}

int
db_doc_delete(int64_t id)
{
	char	*name, *ext, *hash, *src;
	int	 r;

	sqlite3_bind_int64(st_fts_delete, 1, id);
	if (db_run(st_fts_delete, "deleting a full-text row") == -1)
		return -1;
	if (dbsources_delete_doc(id) == -1)
		return -1;
	/* Its groups lose it (index_groups). */
	if ((r = db_doc_get(id, &name, &ext, &hash, &src)) != 1)
		return r == 0 ? 0 : -1;
	sqlite3_bind_int64(st_doc_delete, 1, id);
	r = db_run(st_doc_delete, "deleting a document");
	if (r == 0)
		r = db_groups_change(ext, src, -1);
	free(name);
	free(ext);
	free(hash);
	free(src);
	return r;
}

int
db_doc_get(int64_t id, char **name, char **ext, char **hash, char **src)
{
	int	r;

	sqlite3_bind_int64(st_doc_get, 1, id);
	if ((r = db_row(st_doc_get, "document lookup")) != 1)
		return r;
	*name = db_col_text(st_doc_get, 0);
	*ext = db_col_text(st_doc_get, 1);
	*hash = db_col_text(st_doc_get, 2);
	*src = db_col_text(st_doc_get, 3);
	sqlite3_reset(st_doc_get);
	return 1;
}

int
db_doc_update(int64_t id, const struct db_doc *d)
{
	sqlite3_stmt	*st = st_doc_update;
	char		*name, *ext, *hash, *src;
	int		 r;

	db_bind_text(st, 1, d->title);
	db_bind_text(st, 2, d->description);
	db_bind_text(st, 3, d->hash);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)d->size);
	db_bind_text(st, 5, d->src_path);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)d->src_dev);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)d->src_ino);
	sqlite3_bind_int64(st, 8, d->src_mtime_ns);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)d->job);
	sqlite3_bind_int64(st, 10, id);
	/* Its folder's count follows src_path (index_groups). */
	if ((r = db_doc_get(id, &name, &ext, &hash, &src)) != 1)
		return r == 0 ? db_run(st, "updating a document") : -1;
	r = db_run(st, "updating a document");
	if (r == 0)
		r = db_groups_moved(src, d->src_path);
	free(name);
	free(ext);
	free(hash);
	free(src);
	return r;
}

int
db_doc_named(const char *name, struct db_doc *d)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("SELECT id, ext, hash, title, description, description_by, "
	    "lang FROM documents WHERE name = ?");
	db_bind_text(st, 1, name);
	memset(d, 0, sizeof(*d));
	if ((r = db_row(st, "document lookup")) == 1) {
		d->id = sqlite3_column_int64(st, 0);
		d->name = xstrdup(name);
		d->ext = db_col_text(st, 1);
		d->hash = db_col_text(st, 2);
		d->title = db_col_text(st, 3);
		d->description = db_col_text(st, 4);
		d->description_by = db_col_text(st, 5);
		d->lang = db_col_text(st, 6);
	}
	sqlite3_finalize(st);
	return r;
}

void
db_doc_clear(struct db_doc *d)
{
	free((char *)d->name);
	free((char *)d->ext);
	free((char *)d->hash);
	free((char *)d->title);
	free((char *)d->description);
	free((char *)d->description_by);
	free((char *)d->lang);
	memset(d, 0, sizeof(*d));
}

int
db_doc_describe(int64_t id, const char *description, const char *by)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("UPDATE documents SET description = ?, description_by = ? "
	    "WHERE id = ?");
	db_bind_text(st, 1, description);
	db_bind_text(st, 2, by);
	sqlite3_bind_int64(st, 3, id);
	r = db_run(st, "recording a description");
	sqlite3_finalize(st);
	return r;
}

int
db_doc_moved(int64_t id, const char *from, const struct db_doc *d)
{
	sqlite3_stmt	*st = st_doc_moved;

	db_bind_text(st, 1, d->src_path);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)d->src_dev);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)d->src_ino);
	sqlite3_bind_int64(st, 4, d->src_mtime_ns);
	sqlite3_bind_int64(st, 5, id);
	db_bind_text(st, 6, from);
	if (db_run(st, "moving a document's source") == -1)
		return -1;
	/* Moved only where it was from: its folder's count follows. */
	return sqlite3_changes(db) > 0 ? db_groups_moved(from, d->src_path) :
	    0;
}
