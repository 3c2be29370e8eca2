/*
 * The committer's database (see db.h): schema creation, the pragmas the
 * commit protocol relies on (WAL, synchronous=FULL so a COMMIT is durable
 * when it returns), and one prepared statement per write or lookup.
 *
 * SQLite errors are returned, except a failed fsync, which is fatal: the
 * committer exits and recovery on the next start decides, from the commit
 * records, what happened. A COMMIT that fails for any reason but a full
 * disk is fatal for the same reason: its outcome is not known.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "conceptdb.h"
#include "db.h"
#include "db_int.h"
#include "log.h"
#include "tokenizer.h"
#include "util.h"
#include "xmalloc.h"

/*
 * 1: the first schema.
 * 2: jobs.cancel_requested, the time a client cancelled the job (0: not).
 * 3: sources (every path a document came from) and roots (the inputs of
 *    add jobs); jobs.updated and jobs.moved. documents.src_* stay: the
 *    path (and its stat) the document was last added or updated from,
 *    which show prints; sources is the authority.
 * 4: fts tokenized by kbd's tokenizer (tokenizer.c), with a headings
 *    column; meta 'languages' and, while the index is rebuilt, 'reindex'.
 * 5: job_files, every file's outcome of the newest finished jobs (kbd.conf
 *    history) and of running ones; jobs.history (the History enum of
 *    kbd.proto: none before 5, kept, pruned).
 * 6: roots.watched (kbctl watch: kbd follows the root with inotify).
 * 13: documents.lang, the ISO 639-1 code the tokenizer indexed the
 *    document in (lang: in queries, show --meta, the page's language:).
 * A KB of an older version is migrated when the committer opens it, one
 * step of the migrations table at a time.
 */
#define DB_SCHEMA_VERSION	13
#define DB_SCHEMA_VERSION_S	"13"

/* The full-text table, in the schema and in the migration to 4. */
#define FTS_SQL	"CREATE VIRTUAL TABLE fts USING fts5(name, title, headings, " \
		"body, tokenize = '" TOK_NAME "');"

/* Schema 3's own tables, in a new KB and in the 2 to 3 migration. */
#define SOURCES_SQL \
	"CREATE TABLE sources(" \
	" id INTEGER PRIMARY KEY, doc INTEGER NOT NULL," \
	" path TEXT NOT NULL UNIQUE, dev INTEGER NOT NULL," \
	" ino INTEGER NOT NULL, size INTEGER NOT NULL," \
	" mtime_ns INTEGER NOT NULL, root INTEGER NOT NULL DEFAULT 0);" \
	"CREATE INDEX sources_doc ON sources(doc);" \
	"CREATE TABLE roots(" \
	" id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE," \
	" added INTEGER NOT NULL, last_sync INTEGER NOT NULL DEFAULT 0);"

/* Schema 5's history table, in a new KB and in the 4 to 5 migration. */
#define JOB_FILES_SQL \
	"CREATE TABLE job_files(" \
	" job INTEGER NOT NULL, seq INTEGER NOT NULL, path TEXT NOT NULL," \
	" status INTEGER NOT NULL, doc TEXT NOT NULL, reason TEXT NOT NULL," \
	" PRIMARY KEY(job, seq)) WITHOUT ROWID;"
/* Schema 6's column, in a new KB and in the 5 to 6 migration. */
#define WATCHED_SQL \
	"ALTER TABLE roots ADD COLUMN watched INTEGER NOT NULL DEFAULT 0;"
/* Schema 9's links between documents, in a new KB and the 8 to 9 step. */
#define LINKS_SQL \
	"CREATE TABLE links(" \
	" from_doc INTEGER NOT NULL, target TEXT NOT NULL, to_doc INTEGER," \
	" PRIMARY KEY(from_doc, target)) WITHOUT ROWID;" \
	"CREATE INDEX links_target ON links(target);" \
	"CREATE INDEX links_to ON links(to_doc);"

/*
 * Schema 7's column, in a new KB and in the 6 to 7 migration: who wrote
 * the description, "local" (the converter's) or "summarizer".
 */
#define DESCRIPTION_BY_SQL \
	"ALTER TABLE documents ADD COLUMN description_by TEXT NOT NULL " \
	"DEFAULT 'local';"


/*
 * Schema 8's columns, in a new KB and in the 7 to 8 migration: the
 * converter that made each document's Markdown and its version
 * (common/convver.c); '' and 0 for a document of an older kbd (stale).
 */
#define CONVERTER_SQL \
	"ALTER TABLE documents ADD COLUMN converter TEXT NOT NULL DEFAULT '';" \
	"ALTER TABLE documents ADD COLUMN conv_version INTEGER NOT NULL " \
	"DEFAULT 0;"

/*
 * Schema 10's indexes, in a new KB and in the 9 to 10 migration: the index
 * pages' groups (a type, a folder) read in id order without a scan of
 * every document (db_index_*, wikiindex.c).
 */
#define INDEX_PAGES_SQL \
	"CREATE INDEX IF NOT EXISTS documents_ext ON documents(ext, id);" \
	"CREATE INDEX IF NOT EXISTS documents_folder ON documents(" \
	DB_FOLDER_EXPR ", id);"

/*
 * Schema 11's concept registry (conceptdb.c), in a new KB and in the 10 to
 * 11 migration: each document's candidate terms, and the concepts.
 */
#define CONCEPTS_SQL \
	"CREATE TABLE concept_terms(" \
	" doc INTEGER NOT NULL, term TEXT NOT NULL," \
	" count INTEGER NOT NULL, weight INTEGER NOT NULL," \
	" defn TEXT, PRIMARY KEY(doc, term)) WITHOUT ROWID;" \
	"CREATE INDEX concept_terms_term ON concept_terms(term, weight);" \
	"CREATE TABLE concepts(term TEXT PRIMARY KEY," \
	" ndocs INTEGER NOT NULL) WITHOUT ROWID;"

/*
 * Schema 12's index, in a new KB and in the 11 to 12 migration: the
 * supervisor asks for every file it walks whether another source has the
 * same (dev, ino, size, mtime) (a hard link; dbread_source_by_stat).
 * Without it each question scanned the sources: quadratic in a large add.
 */
#define SOURCES_STAT_SQL \
	"CREATE INDEX IF NOT EXISTS sources_stat ON sources(dev, ino);"

/*
 * Schema 13's column, in a new KB and in the 12 to 13 migration: the
 * language of each document's full-text row ('' until it has one).
 */
#define DOC_LANG_SQL \
	"ALTER TABLE documents ADD COLUMN lang TEXT NOT NULL DEFAULT '';"

static const char schema_sql[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE documents("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" title TEXT NOT NULL, description TEXT NOT NULL,"
	" hash TEXT NOT NULL UNIQUE, ext TEXT NOT NULL,"
	" size INTEGER NOT NULL, src_path TEXT NOT NULL,"
	" src_dev INTEGER NOT NULL, src_ino INTEGER NOT NULL,"
	" src_mtime_ns INTEGER NOT NULL,"
	" job INTEGER NOT NULL, added_at INTEGER NOT NULL);"
	DOC_LANG_SQL
	"CREATE INDEX documents_src ON documents(src_dev, src_ino, size,"
	" src_mtime_ns);"
	FTS_SQL
	"CREATE TABLE jobs("
	" id INTEGER PRIMARY KEY, state INTEGER NOT NULL,"
	" request BLOB NOT NULL,"
	" created INTEGER NOT NULL, finished INTEGER NOT NULL DEFAULT 0,"
	" cursor INTEGER NOT NULL DEFAULT 0,"
	" added INTEGER NOT NULL DEFAULT 0,"
	" duplicates INTEGER NOT NULL DEFAULT 0,"
	" skipped INTEGER NOT NULL DEFAULT 0,"
	" failed INTEGER NOT NULL DEFAULT 0,"
	" cancelled INTEGER NOT NULL DEFAULT 0,"
	" error TEXT NOT NULL DEFAULT '',"
	" cancel_requested INTEGER NOT NULL DEFAULT 0,"
	" updated INTEGER NOT NULL DEFAULT 0,"
	" moved INTEGER NOT NULL DEFAULT 0,"
	" removed INTEGER NOT NULL DEFAULT 0,"
	" history INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE commits(journal TEXT PRIMARY KEY, job INTEGER NOT NULL,"
	" at INTEGER NOT NULL);"
	SOURCES_SQL
	JOB_FILES_SQL
	WATCHED_SQL
	DESCRIPTION_BY_SQL
	CONVERTER_SQL
	LINKS_SQL
	INDEX_PAGES_SQL
	CONCEPTS_SQL
	SOURCES_STAT_SQL
	"INSERT INTO meta(key, value) VALUES ('schema', '"
	DB_SCHEMA_VERSION_S "');";

static sqlite3		*db;
static char		 errbuf[512];

static sqlite3_stmt	*st_begin, *st_commit, *st_rollback;
static sqlite3_stmt	*st_commit_exists, *st_commit_insert;
static sqlite3_stmt	*st_name, *st_name_ext, *st_by_hash, *st_by_name;
static sqlite3_stmt	*st_doc_insert, *st_fts_insert;
static sqlite3_stmt	*st_doc_delete, *st_fts_delete;
static sqlite3_stmt	*st_job_insert, *st_job_get, *st_job_batch;
static sqlite3_stmt	*st_job_finish, *st_job_cancel, *st_doc_count;
static sqlite3_stmt	*st_meta_set, *st_doc_lang;
static uint32_t		 langs_known;	/* meta 'languages', as a mask */
static sqlite3_stmt	*st_src_get, *st_src_put, *st_src_delete;
static sqlite3_stmt	*st_src_count, *st_src_of_doc, *st_src_delete_doc;
static sqlite3_stmt	*st_doc_get, *st_doc_update, *st_root_add;
static sqlite3_stmt	*st_doc_moved;
static sqlite3_stmt	*st_jf_insert, *st_hist_mark, *st_hist_drop; /* lazy */

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

static int
is_fsync_error(int rc)
{
	return rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_DIR_FSYNC;
}

/* Record the error of rc; never returns on a failed fsync. */
static int
fail(int rc, const char *what)
{
	if (is_fsync_error(rc) ||
	    is_fsync_error(sqlite3_extended_errcode(db)))
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

static int
exec(const char *sql)
{
	char	*err = NULL;
	int	 rc;

	if ((rc = sqlite3_exec(db, sql, NULL, NULL, &err)) != SQLITE_OK) {
		if (is_fsync_error(rc))
			fatalx("%s: fsync failed: %s", DB_PATH, err);
		(void)snprintf(errbuf, sizeof(errbuf), "%s", err != NULL ?
		    err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/*
 * Migrations: each step takes the schema from one version to the next.
 * check_schema runs a step and records its version in one transaction,
 * so a KB is at one version or the next, never between. A new version
 * appends its step here and changes schema_sql (a new KB).
 */
static int
migrate_1_2(void)
{
	return exec("ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER "
	    "NOT NULL DEFAULT 0;");
}

/*
 * Sources from documents.src_*. Two documents from one path (content
 * changed between two adds before schema 3): the path stays with the
 * newer one; the older keeps no source and goes at the next prune.
 */
static int
migrate_2_3(void)
{
	return exec(SOURCES_SQL
	    "ALTER TABLE jobs ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;"
	    "ALTER TABLE jobs ADD COLUMN moved INTEGER NOT NULL DEFAULT 0;"
	    "ALTER TABLE jobs ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;"
	    "INSERT OR REPLACE INTO sources(doc, path, dev, ino, size,"
	    " mtime_ns) SELECT id, src_path, src_dev, src_ino, size,"
	    " src_mtime_ns FROM documents WHERE src_path <> '' ORDER BY id;");
}

/*
 * The new tokenizer indexes differently: the table is made anew, empty,
 * and 'reindex' (the last document id indexed) tells the committer to
 * fill it from wiki/sources (db_reindex_*), resumably.
 */
static int
migrate_3_4(void)
{
	return exec("DROP TABLE fts;" FTS_SQL
	    "INSERT OR REPLACE INTO meta(key, value) VALUES ('reindex', '0');");
}

/*
 * History (job_files): jobs before 5 recorded no file outcomes and keep
 * history 0 (none). The lead may merge this step with another 4 to 5.
 */
static int
migrate_4_5_history(void)
{
	return exec(JOB_FILES_SQL
	    "ALTER TABLE jobs ADD COLUMN history INTEGER NOT NULL DEFAULT 0;");
}

static int
migrate_5_6_watch(void)
{
	return exec(WATCHED_SQL);
}

static int
migrate_6_7_summarizer(void)
{
	return exec(DESCRIPTION_BY_SQL);
}

static int
migrate_7_8_recompile(void)
{
	return exec(CONVERTER_SQL);
}

static int
migrate_8_9_links(void)
{
	return exec(LINKS_SQL);
}

static int
migrate_9_10_index(void)
{
	return exec(INDEX_PAGES_SQL);
}

/*
 * Concepts: empty tables. A KB from before has documents without
 * candidate terms; kbctl recompile --all (recompile.c: terms that are not
 * those of the Markdown make a document changed) or a new add of them
 * fills them in.
 */
static int
migrate_10_11_concepts(void)
{
	return exec(CONCEPTS_SQL);
}

static int
migrate_11_12_ingest(void)
{
	return exec(SOURCES_STAT_SQL);
}

/*
 * Each document's language, read from its full-text row's language
 * marker ("\x1f" code "\x1f", db_fts_insert), in this one transaction.
 * A document without a row (an index rebuild under way) gets its language
 * when the rebuild writes the row.
 */
static int
migrate_12_13_lang(void)
{
	return exec(DOC_LANG_SQL
	    "UPDATE documents SET lang = coalesce((SELECT substr(f.body, 2, 2)"
	    " FROM fts f WHERE f.rowid = documents.id"
	    " AND substr(f.body, 1, 1) = char(31)"
	    " AND substr(f.body, 4, 1) = char(31)), '');");
}

static const struct migration {
	int	  from, to;
	int	(*step)(void);
} migrations[] = {
	{ 1, 2, migrate_1_2 },
	{ 2, 3, migrate_2_3 },
	{ 3, 4, migrate_3_4 },
	{ 4, 5, migrate_4_5_history },
	{ 5, 6, migrate_5_6_watch },
	{ 6, 7, migrate_6_7_summarizer },
	{ 7, 8, migrate_7_8_recompile },
	{ 8, 9, migrate_8_9_links },
	{ 9, 10, migrate_9_10_index },
	{ 10, 11, migrate_10_11_concepts },
	{ 11, 12, migrate_11_12_ingest },
	{ 12, 13, migrate_12_13_lang },
};

/* Run sql in one transaction. */
static int
exec_tx(const char *sql)
{
	if (exec("BEGIN IMMEDIATE") == -1)
		return -1;
	if (exec(sql) == -1) {
		(void)exec("ROLLBACK");
		return -1;
	}
	return exec("COMMIT");
}

/* One migration step and its version, together or not at all. */
static int
migrate(const struct migration *m)
{
	char	sql[128];

	if (exec("BEGIN IMMEDIATE") == -1)
		return -1;
	(void)snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%d' "
	    "WHERE key = 'schema'", m->to);
	if (m->step() == -1 || exec(sql) == -1) {
		(void)exec("ROLLBACK");
		return -1;
	}
	if (exec("COMMIT") == -1)
		return -1;
	log_info("%s: schema %d migrated to %d", DB_PATH, m->from, m->to);
	return 0;
}

/*
 * The schema version, creating the schema in an empty database and
 * migrating an older one step by step.
 */
static int
check_schema(void)
{
	sqlite3_stmt	*st;
	const char	*v;
	char		 version[16], *end;
	size_t		 i;
	long		 n;
	int		 rc;

	rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = "
	    "'schema'", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* No meta table: a new KB. */
		return exec_tx(schema_sql);
	}
	version[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(st, 0)) != NULL)
		(void)snprintf(version, sizeof(version), "%s", v);
	sqlite3_finalize(st);
	n = strtol(version, &end, 10);
	if (version[0] == '\0' || *end != '\0')
		n = -1;
	for (i = 0; n >= 0 && n < DB_SCHEMA_VERSION &&
	    i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		if (migrations[i].from != n)
			continue;
		if (migrate(&migrations[i]) == -1)
			return -1;
		n = migrations[i].to;
	}
	if (n == DB_SCHEMA_VERSION)
		return 0;
	(void)snprintf(errbuf, sizeof(errbuf), "schema version is %s, not %d",
	    version[0] != '\0' ? version : "unknown", DB_SCHEMA_VERSION);
	return -1;
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

int
db_open(const char *path)
{
	sqlite3_stmt	*st;
	const char	*mode;
	int		 wal;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
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
	if (exec("PRAGMA synchronous=FULL") == -1 || check_schema() == -1)
		goto fail;
	load_langs();

	st_begin = db_prep("BEGIN IMMEDIATE");
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
	    "src_mtime_ns, job, added_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	st_fts_insert = db_prep("INSERT INTO fts(rowid, name, title, headings, "
	    "body) VALUES (?, ?, ?, ?, ?)");
	st_meta_set = db_prep("INSERT OR REPLACE INTO meta(key, value) "
	    "VALUES (?, ?)");
	st_doc_lang = db_prep("UPDATE documents SET lang = ?1 WHERE id = ?2 "
	    "AND lang IS NOT ?1");
	st_doc_delete = db_prep("DELETE FROM documents WHERE id = ?");
	st_fts_delete = db_prep("DELETE FROM fts WHERE rowid = ?");
	st_job_insert = db_prep("INSERT INTO jobs(state, request, created, "
	    "history) VALUES (?, ?, ?, 1)");
	st_job_get = db_prep("SELECT " DB_JOB_COLUMNS " FROM jobs WHERE id = ?");
	st_job_batch = db_prep("UPDATE jobs SET added = added + ?, "
	    "duplicates = duplicates + ?, skipped = skipped + ?, "
	    "failed = failed + ?, cancelled = cancelled + ?, cursor = ?, "
	    "updated = updated + ?, moved = moved + ? WHERE id = ?");
	st_job_finish = db_prep("UPDATE jobs SET state = ?, finished = ?, "
	    "error = ?, removed = ? WHERE id = ?");
	/* The first cancel's time stays: a resent request changes nothing. */
	st_job_cancel = db_prep("UPDATE jobs SET cancel_requested = "
	    "CASE cancel_requested WHEN 0 THEN ? ELSE cancel_requested END "
	    "WHERE id = ?");
	st_src_get = db_prep("SELECT doc, dev, ino, size, mtime_ns FROM sources "
	    "WHERE path = ?");
	/* A source belongs to the deepest root holding it (0: none). */
	st_src_put = db_prep("INSERT OR REPLACE INTO sources(doc, path, dev, "
	    "ino, size, mtime_ns, root) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "coalesce((SELECT id FROM roots WHERE path = ?2 OR "
	    "(path = '/' AND substr(?2, 1, 1) = '/') OR "
	    "substr(?2, 1, length(path) + 1) = path || '/' "
	    "ORDER BY length(path) DESC LIMIT 1), 0))");
	st_src_delete = db_prep("DELETE FROM sources WHERE path = ?");
	st_src_delete_doc = db_prep("DELETE FROM sources WHERE doc = ?");
	st_src_count = db_prep("SELECT count(*) FROM sources WHERE doc = ?");
	st_src_of_doc = db_prep("SELECT s.path, coalesce(r.path, '') FROM "
	    "sources s LEFT JOIN roots r ON r.id = s.root WHERE s.doc = ? "
	    "ORDER BY s.path");
	st_doc_get = db_prep("SELECT name, ext, hash, src_path FROM documents "
	    "WHERE id = ?");
	/* job: the job that last gave it content (remove --job). */
	st_doc_update = db_prep("UPDATE documents SET title = ?, "
	    "description = ?, description_by = 'local', hash = ?, size = ?, src_path = ?, src_dev = ?, "
	    "src_ino = ?, src_mtime_ns = ?, job = ? WHERE id = ?");
	st_doc_moved = db_prep("UPDATE documents SET src_path = ?, src_dev = ?, "
	    "src_ino = ?, src_mtime_ns = ? WHERE id = ? AND src_path = ?");
	st_root_add = db_prep("INSERT OR IGNORE INTO roots(path, added) "
	    "VALUES (?, ?)");
	return 0;
bad:
	(void)snprintf(errbuf, sizeof(errbuf), "%s", sqlite3_errmsg(db));
fail:
	sqlite3_close(db);
	db = NULL;
	return -1;
}

void
db_close(void)
{
	sqlite3_stmt	**sts[] = {
		&st_begin, &st_commit, &st_rollback, &st_commit_exists,
		&st_commit_insert, &st_name, &st_name_ext, &st_by_hash,
		&st_by_name, &st_doc_insert, &st_fts_insert, &st_doc_delete,
		&st_fts_delete, &st_job_insert, &st_job_get, &st_job_batch,
		&st_job_finish, &st_job_cancel, &st_doc_count, &st_meta_set,
		&st_src_get, &st_src_put, &st_src_delete, &st_src_count, &st_src_of_doc,
		&st_src_delete_doc, &st_doc_get, &st_doc_update, &st_root_add,
		&st_doc_moved, &st_jf_insert, &st_hist_mark, &st_hist_drop,
		&st_doc_lang
	};
	size_t		  i;

	dbwiki_close();
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
	if (is_fsync_error(rc))
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
	if (db_run(st, "inserting a document") == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(db);
	return 0;
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
	db_bind_text(st_meta_set, 1, "languages");
	db_bind_text(st_meta_set, 2, list);
	if (db_run(st_meta_set, "recording a language") == -1)
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
	char		*col[4], *hd;
	size_t		 len[4], hdlen;
	int		 lang, r, i;

	if (langcode == NULL || (lang = tok_lang_by_code(langcode)) < 0)
		lang = tok_doc_lang(body, bodylen);
	code = tok_lang_code(lang);
	hd = tok_md_headings(body, bodylen, &hdlen);
	col[0] = marked(code, name, strlen(name), &len[0]);
	col[1] = marked(code, title, strlen(title), &len[1]);
	col[2] = marked(code, hd, hdlen, &len[2]);
	col[3] = marked(code, body, bodylen, &len[3]);
	free(hd);
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
db_reindex_pending(int64_t *after)
{
	sqlite3_stmt	*st;
	int		 rc;

	*after = 0;
	st = db_prep("SELECT value FROM meta WHERE key = 'reindex'");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*after = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		(void)fail(rc, "reading the index rebuild's progress");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_reindex_docs(int64_t after, unsigned max,
    int (*cb)(void *, int64_t, const char *, const char *), void *arg)
{
	sqlite3_stmt	*st;
	const char	*name, *title;
	int		 rc, r = 0;

	st = db_prep("SELECT id, name, title FROM documents WHERE id > ? "
	    "ORDER BY id LIMIT ?");
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, (int)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 1);
		title = (const char *)sqlite3_column_text(st, 2);
		if ((r = cb(arg, sqlite3_column_int64(st, 0), name ? name : "",
		    title ? title : "")) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = fail(rc, "listing documents to index");
	sqlite3_finalize(st);
	return r;
}

int
db_reindex_progress(int64_t last)
{
	char	v[32];

	(void)snprintf(v, sizeof(v), "%" PRId64, last);
	db_bind_text(st_meta_set, 1, "reindex");
	db_bind_text(st_meta_set, 2, v);
	return db_run(st_meta_set, "recording the index rebuild's progress");
}

int
db_reindex_done(void)
{
	return exec("DELETE FROM meta WHERE key = 'reindex'");
}

int
db_reindex_job(uint64_t *job)
{
	sqlite3_stmt	*st;
	int		 rc;

	*job = 0;
	st = db_prep("SELECT value FROM meta WHERE key = 'reindex_job'");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*job = (uint64_t)sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		(void)fail(rc, "reading the index rebuild's job");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_reindex_job_set(uint64_t job)
{
	char	v[32];

	(void)snprintf(v, sizeof(v), "%" PRIu64, job);
	db_bind_text(st_meta_set, 1, "reindex_job");
	db_bind_text(st_meta_set, 2, v);
	return db_run(st_meta_set, "recording the index rebuild's job");
}

int
db_reindex_job_add(uint64_t job, uint64_t n)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("UPDATE jobs SET cursor = cursor + ? WHERE id = ?");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)job);
	r = db_run(st, "counting the index rebuild's documents");
	sqlite3_finalize(st);
	return r;
}

int
db_reindex_job_clear(void)
{
	return exec("DELETE FROM meta WHERE key = 'reindex_job'");
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
	sqlite3_bind_int64(st_fts_delete, 1, id);
	if (db_run(st_fts_delete, "deleting a full-text row") == -1)
		return -1;
	sqlite3_bind_int64(st_src_delete_doc, 1, id);
	if (db_run(st_src_delete_doc, "deleting a document's sources") == -1)
		return -1;
	sqlite3_bind_int64(st_doc_delete, 1, id);
	return db_run(st_doc_delete, "deleting a document");
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
	return db_run(st, "updating a document");
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
	return db_run(st, "moving a document's source");
}

int
db_source_get(const char *path, struct db_source *s)
{
	sqlite3_stmt	*st = st_src_get;
	int		 r;

	db_bind_text(st, 1, path);
	if ((r = db_row(st, "source lookup")) != 1)
		return r;
	s->doc = sqlite3_column_int64(st, 0);
	s->dev = (uint64_t)sqlite3_column_int64(st, 1);
	s->ino = (uint64_t)sqlite3_column_int64(st, 2);
	s->size = (uint64_t)sqlite3_column_int64(st, 3);
	s->mtime_ns = sqlite3_column_int64(st, 4);
	sqlite3_reset(st);
	return 1;
}

int
db_source_put(const char *path, const struct db_source *s)
{
	sqlite3_stmt	*st = st_src_put;

	sqlite3_bind_int64(st, 1, s->doc);
	db_bind_text(st, 2, path);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)s->dev);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)s->ino);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)s->size);
	sqlite3_bind_int64(st, 6, s->mtime_ns);
	return db_run(st, "recording a source");
}

int
db_source_delete(const char *path)
{
	db_bind_text(st_src_delete, 1, path);
	return db_run(st_src_delete, "deleting a source");
}

int
db_source_count(int64_t doc, uint64_t *n)
{
	int	r;

	*n = 0;
	sqlite3_bind_int64(st_src_count, 1, doc);
	if ((r = db_row(st_src_count, "source count")) == 1) {
		*n = (uint64_t)sqlite3_column_int64(st_src_count, 0);
		sqlite3_reset(st_src_count);
	}
	return r == -1 ? -1 : 0;
}

int
db_sources_of_doc(int64_t doc, char ***paths, char ***roots, size_t *n)
{
	sqlite3_stmt	*st = st_src_of_doc;
	size_t		 cap = 0;
	int		 rc;

	*paths = *roots = NULL;
	*n = 0;
	sqlite3_bind_int64(st, 1, doc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 4;
			*paths = xreallocarray(*paths, cap, sizeof(**paths));
			*roots = xreallocarray(*roots, cap, sizeof(**roots));
		}
		(*paths)[*n] = db_col_text(st, 0);
		(*roots)[(*n)++] = db_col_text(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail(rc, "listing sources");
	return 0;
}

int
db_root_add(const char *path, int64_t now)
{
	db_bind_text(st_root_add, 1, path);
	sqlite3_bind_int64(st_root_add, 2, now);
	return db_run(st_root_add, "recording a root");
}

int
db_job_create(const void *req, size_t reqlen, int64_t now, uint64_t *job)
{
	static const char	 empty[1];

	sqlite3_bind_int(st_job_insert, 1, KBD__JOB_STATE__JOB_RUNNING);
	/* A NULL pointer would bind NULL, which the schema refuses. */
	sqlite3_bind_blob64(st_job_insert, 2, reqlen ? req : empty, reqlen,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st_job_insert, 3, now);
	if (db_run(st_job_insert, "creating a job") == -1)
		return -1;
	*job = (uint64_t)sqlite3_last_insert_rowid(db);
	return 0;
}

int
db_job_get(uint64_t job, Kbd__JobSummary *s)
{
	sqlite3_stmt	*st = st_job_get;
	int		 r;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	if ((r = db_row(st, "job lookup")) != 1)
		return r;
	db_job_row(st, s);
	sqlite3_reset(st);
	return 1;
}

void
db_job_row(sqlite3_stmt *st, Kbd__JobSummary *s)
{
	s->job = (uint64_t)sqlite3_column_int64(st, 0);
	s->state = sqlite3_column_int(st, 1);
	s->added = (uint64_t)sqlite3_column_int64(st, 2);
	s->duplicates = (uint64_t)sqlite3_column_int64(st, 3);
	s->skipped = (uint64_t)sqlite3_column_int64(st, 4);
	s->failed = (uint64_t)sqlite3_column_int64(st, 5);
	s->cancelled = (uint64_t)sqlite3_column_int64(st, 6);
	s->created = sqlite3_column_int64(st, 7);
	s->finished = sqlite3_column_int64(st, 8);
	s->error = db_col_text(st, 9);
	s->cursor = (uint64_t)sqlite3_column_int64(st, 10);
	s->updated = (uint64_t)sqlite3_column_int64(st, 11);
	s->moved = (uint64_t)sqlite3_column_int64(st, 12);
	s->removed = (uint64_t)sqlite3_column_int64(st, 13);
}

/* db_run() for a statement that must change exactly the row of job. */
static int
run_job(sqlite3_stmt *st, const char *what, uint64_t job)
{
	if (db_run(st, what) == -1)
		return -1;
	if (sqlite3_changes(db) != 1) {
		(void)snprintf(errbuf, sizeof(errbuf), "no such job %" PRIu64,
		    job);
		return -1;
	}
	return 0;
}

int
db_job_batch(uint64_t job, const struct db_counts *c, uint64_t cursor)
{
	sqlite3_stmt	*st = st_job_batch;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)c->added);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)c->duplicates);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->skipped);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)c->failed);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)c->cancelled);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)cursor);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)c->updated);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)c->moved);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)job);
	return run_job(st, "updating the job", job);
}

int
db_job_finish(uint64_t job, int state, const char *error, uint64_t removed,
    int64_t now)
{
	sqlite3_stmt	*st = st_job_finish;

	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_int64(st, 2, now);
	db_bind_text(st, 3, error);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)removed);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)job);
	return db_run(st, "finishing the job");
}

int
db_job_cancel(uint64_t job, int64_t now)
{
	sqlite3_stmt	*st = st_job_cancel;

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)job);
	return run_job(st, "recording the cancel", job);
}

int
db_docs_foreach(int (*cb)(void *, const struct db_doc *), void *arg)
{
	sqlite3_stmt	*st;
	struct db_doc	 d;
	int		 rc, r = 0;

	st = db_prep("SELECT id, name, ext, hash, title, description, "
	    "description_by, lang FROM documents ORDER BY id");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		d.id = sqlite3_column_int64(st, 0);
		d.name = (const char *)sqlite3_column_text(st, 1);
		d.ext = (const char *)sqlite3_column_text(st, 2);
		d.hash = (const char *)sqlite3_column_text(st, 3);
		d.title = (const char *)sqlite3_column_text(st, 4);
		d.description = (const char *)sqlite3_column_text(st, 5);
		d.description_by = (const char *)sqlite3_column_text(st, 6);
		d.lang = (const char *)sqlite3_column_text(st, 7);
		if (d.name == NULL || d.ext == NULL || d.hash == NULL ||
		    d.title == NULL || d.description == NULL ||
		    d.description_by == NULL || d.lang == NULL)
			continue;	/* NOT NULL columns: integrity_check says */
		if ((r = cb(arg, &d)) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = fail(rc, "listing documents");
	sqlite3_finalize(st);
	return r;
}

static int	count(const char *, int64_t *);

int
db_fts_exists(int64_t id)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_prep("SELECT 1 FROM fts WHERE rowid = ?");
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return fail(rc, "looking up a full-text row");
}

/*
 * Whether id's full-text row indexes md for this tokenizer: its body is a
 * language marker of a known language, the one documents.lang says, then
 * md. 0 if it is missing or stale (lint's check_fts_sample reports the
 * same rows).
 */
int
db_fts_current(int64_t id, const char *md, size_t len)
{
	sqlite3_stmt	*st;
	const char	*body, *lang;
	size_t		 blen;
	char		 code[3];
	int		 rc, r = 0;

	st = db_prep("SELECT f.body, d.lang FROM fts f JOIN documents d "
	    "ON d.id = f.rowid WHERE f.rowid = ?");
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		body = (const char *)sqlite3_column_text(st, 0);
		blen = (size_t)sqlite3_column_bytes(st, 0);
		lang = (const char *)sqlite3_column_text(st, 1);
		if (body != NULL && blen >= TOK_LANG_MARKLEN &&
		    body[0] == TOK_LANG_MARK && body[3] == TOK_LANG_MARK) {
			code[0] = body[1];
			code[1] = body[2];
			code[2] = '\0';
			r = tok_lang_by_code(code) != -1 &&
			    lang != NULL && strcmp(lang, code) == 0 &&
			    blen - TOK_LANG_MARKLEN == len &&
			    memcmp(body + TOK_LANG_MARKLEN, md, len) == 0;
		}
	} else if (rc != SQLITE_DONE)
		r = fail(rc, "reading a full-text row");
	sqlite3_finalize(st);
	return r;
}

int
db_fts_orphans(int64_t *n)
{
	return count("SELECT count(*) FROM fts WHERE rowid NOT IN "
	    "(SELECT id FROM documents)", n);
}

int
db_fts_orphans_delete(void)
{
	return exec("DELETE FROM fts WHERE rowid NOT IN "
	    "(SELECT id FROM documents)");
}

/* Report every row of a one-column query as "<prefix><value>". */
static int
check_rows(const char *sql, const char *prefix, const char *okvalue,
    void (*report)(void *, const char *), void *arg)
{
	sqlite3_stmt	*st;
	const char	*v;
	char		*line;
	int		 rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(SQLITE_ERROR, sql);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = (const char *)sqlite3_column_text(st, 0);
		if (v == NULL)
			v = "";
		if (okvalue != NULL && strcmp(v, okvalue) == 0)
			continue;
		xasprintf(&line, "%s%s", prefix, v);
		report(arg, line);
		free(line);
	}
	if (rc != SQLITE_DONE) {
		(void)fail(rc, sql);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int
count(const char *sql, int64_t *n)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_prep(sql);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		(void)fail(rc, sql);
		sqlite3_finalize(st);
		return -1;
	}
	*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/*
 * A sample of full-text rows, at most FTS_SAMPLE spread over the ids,
 * against what they index: each column begins with a language marker (it
 * was written for this tokenizer) and the body is the document's Markdown.
 * A pending rebuild is reported too: the index is not whole.
 */
#define FTS_SAMPLE	32

static int
check_fts_sample(void (*report)(void *, const char *), void *arg)
{
	sqlite3_stmt	*st;
	const char	*name, *body, *lang;
	char		*line, *src, *md, code[3];
	size_t		 len, blen;
	int64_t		 n, after;
	int		 rc;

	if ((rc = db_reindex_pending(&after)) == -1)
		return -1;
	if (rc == 1) {
		xasprintf(&line, "%s: full-text index rebuild pending after "
		    "document %" PRId64, DB_PATH, after);
		report(arg, line);
		free(line);
		return 0;
	}
	if (count("SELECT count(*) FROM documents", &n) == -1)
		return -1;
	st = db_prep("SELECT d.name, fts.body, d.lang FROM documents d JOIN "
	    "fts ON fts.rowid = d.id WHERE d.id % ? = 0 LIMIT 32"); /* FTS_SAMPLE */
	sqlite3_bind_int64(st, 1, n > FTS_SAMPLE ? n / FTS_SAMPLE : 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		body = (const char *)sqlite3_column_text(st, 1);
		blen = (size_t)sqlite3_column_bytes(st, 1);
		if (name == NULL || body == NULL)
			continue;
		line = NULL;
		code[0] = blen >= TOK_LANG_MARKLEN ? body[1] : '\0';
		code[1] = blen >= TOK_LANG_MARKLEN ? body[2] : '\0';
		code[2] = '\0';
		if (blen < TOK_LANG_MARKLEN || body[0] != TOK_LANG_MARK ||
		    body[3] != TOK_LANG_MARK || tok_lang_by_code(code) == -1)
			xasprintf(&line, "%s: full-text row of %s: not indexed "
			    "for this tokenizer", DB_PATH, name);
		else if ((lang = (const char *)sqlite3_column_text(st, 2)) ==
		    NULL || strcmp(lang, code) != 0)
			xasprintf(&line, "%s: full-text row of %s is in %s, the "
			    "registry says %s", DB_PATH, name, code,
			    lang != NULL && *lang != '\0' ? lang : "none");
		else {
			src = kbpath_source(name);
			md = read_file(src, &len);
			if (md != NULL && (len != blen - TOK_LANG_MARKLEN ||
			    memcmp(md, body + TOK_LANG_MARKLEN, len) != 0))
				xasprintf(&line, "%s: full-text row of %s "
				    "differs from %s", DB_PATH, name, src);
			free(md);
			free(src);
		}
		if (line != NULL) {
			report(arg, line);
			free(line);
		}
	}
	if (rc != SQLITE_DONE)
		(void)fail(rc, "sampling the full-text index");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
db_check(void (*report)(void *, const char *), void *arg)
{
	char	*line;
	int64_t	 ndocs, nfts, after;
	int	 pending;

	if (check_rows("PRAGMA integrity_check", DB_PATH ": integrity: ",
	    "ok", report, arg) == -1)
		return -1;
	if (count("SELECT count(*) FROM documents", &ndocs) == -1 ||
	    count("SELECT count(*) FROM fts", &nfts) == -1 ||
	    (pending = db_reindex_pending(&after)) == -1)
		return -1;
	/*
	 * A rebuild under way (check_fts_sample says so) has not reached
	 * every document yet: their missing rows are no problem of lint's.
	 */
	if (!pending && ndocs != nfts) {
		xasprintf(&line, "%s: full-text index has %" PRId64 " rows, "
		    "documents %" PRId64, DB_PATH, nfts, ndocs);
		report(arg, line);
		free(line);
	}
	if (check_rows("SELECT rowid FROM fts WHERE NOT EXISTS (SELECT 1 "
	    "FROM documents d WHERE d.id = fts.rowid)", DB_PATH ": full-text "
	    "row without a document: rowid ", NULL, report, arg) == -1 ||
	    (!pending && check_rows("SELECT name FROM documents d WHERE NOT "
	    "EXISTS (SELECT 1 FROM fts WHERE fts.rowid = d.id)", DB_PATH
	    ": document without a full-text row: ", NULL, report, arg) == -1))
		return -1;
	if (check_fts_sample(report, arg) == -1)
		return -1;
	/* FTS5 checks its index against its content, re-tokenizing every
	 * row with kbd's tokenizer; reported as an error. */
	if (exec("INSERT INTO fts(fts) VALUES('integrity-check')") == -1) {
		xasprintf(&line, "%s: full-text integrity-check: %s", DB_PATH,
		    errbuf);
		report(arg, line);
		free(line);
	}
	return 0;
}

int
db_root_synced(const char *path, int64_t now)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("UPDATE roots SET last_sync = ? WHERE path = ?");
	sqlite3_bind_int64(st, 1, now);
	db_bind_text(st, 2, path);
	r = db_run(st, "recording a sync");
	sqlite3_finalize(st);
	return r;
}

int
db_root_forget(const char *path)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("DELETE FROM roots WHERE path = ?");
	db_bind_text(st, 1, path);
	r = db_run(st, "forgetting a root");
	sqlite3_finalize(st);
	if (r == -1)
		return -1;
	if (sqlite3_changes(db) == 0)
		return 0;
	/* Every source whose root is gone: the deepest root left, or 0. */
	if (exec("UPDATE sources SET root = coalesce((SELECT r.id FROM "
	    "roots r WHERE sources.path = r.path OR r.path = '/' OR "
	    "substr(sources.path, 1, length(r.path) + 1) = r.path || '/' "
	    "ORDER BY length(r.path) DESC LIMIT 1), 0) WHERE root NOT IN "
	    "(SELECT id FROM roots)") == -1)
		return -1;
	return 1;
}

/*
 * History: one file's outcome in its job (inside the batch's
 * transaction). A batch replayed after a crash writes the same rows.
 */
int
db_job_file(uint64_t job, uint64_t seq, const char *path, int status,
    const char *doc, const char *reason)
{
	sqlite3_stmt	*st;

	if (st_jf_insert == NULL)
		st_jf_insert = db_prep("INSERT OR REPLACE INTO job_files(job, "
		    "seq, path, status, doc, reason) VALUES (?, ?, ?, ?, ?, "
		    "?)");
	st = st_jf_insert;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	db_bind_text(st, 3, path);
	sqlite3_bind_int(st, 4, status);
	db_bind_text(st, 5, doc != NULL ? doc : "");
	db_bind_text(st, 6, reason != NULL ? reason : "");
	return db_run(st, "recording a file's outcome");
}

/*
 * Drop the file outcomes of every finished job but the newest keep
 * (inside the finishing job's transaction). Unfinished jobs keep theirs.
 */
static int	db_jobs_trim(unsigned);

int
db_history_prune(unsigned keep)
{
	if (st_hist_mark == NULL) {
		st_hist_mark = db_prep("UPDATE jobs SET history = 2 WHERE history = 1 "
		    "AND id IN (SELECT id FROM jobs WHERE finished <> 0 "
		    "ORDER BY id DESC LIMIT -1 OFFSET ?)");
		st_hist_drop = db_prep("DELETE FROM job_files WHERE job IN (SELECT id "
		    "FROM jobs WHERE history = 2)");
	}
	sqlite3_bind_int64(st_hist_mark, 1, keep);
	if (db_run(st_hist_mark, "pruning the history") == -1)
		return -1;
	if (sqlite3_changes(db) != 0 &&
	    db_run(st_hist_drop, "pruning the history") == -1)
		return -1;
	return db_jobs_trim(keep > DB_JOBS_KEPT ? keep : DB_JOBS_KEPT);
}

/*
 * Every watched change is a job: the rows of all but the newest keep
 * finished jobs go (and any file outcome of theirs left), in the job
 * finish's transaction. Unfinished jobs stay (a resume needs them); the
 * newest row stays, so a new job's id is still one more than any before.
 */
static int
db_jobs_trim(unsigned keep)
{
	sqlite3_stmt	*st;
	int		 r;

	st = db_prep("DELETE FROM job_files WHERE job IN (SELECT id FROM jobs "
	    "WHERE finished <> 0 ORDER BY id DESC LIMIT -1 OFFSET ?)");
	sqlite3_bind_int64(st, 1, keep);
	r = db_run(st, "trimming the jobs");
	sqlite3_finalize(st);
	if (r == -1)
		return -1;
	st = db_prep("DELETE FROM jobs WHERE id IN (SELECT id FROM jobs "
	    "WHERE finished <> 0 ORDER BY id DESC LIMIT -1 OFFSET ?)");
	sqlite3_bind_int64(st, 1, keep);
	r = db_run(st, "trimming the jobs");
	sqlite3_finalize(st);
	return r;
}

int
db_root_watch(const char *path, int watched, int64_t now)
{
	sqlite3_stmt	*st;
	int		 r;

	if (watched) {
		st = db_prep("INSERT OR IGNORE INTO roots(path, added) "
		    "VALUES (?, ?)");
		db_bind_text(st, 1, path);
		sqlite3_bind_int64(st, 2, now);
		r = db_run(st, "adding a root");
		sqlite3_finalize(st);
		if (r == -1)
			return -1;
	}
	st = db_prep("UPDATE roots SET watched = ? WHERE path = ?");
	sqlite3_bind_int(st, 1, watched);
	db_bind_text(st, 2, path);
	r = db_run(st, "watching a root");
	sqlite3_finalize(st);
	return r;
}

/*
 * The names of up to max documents a job last gave content (added or
 * updated), in id order, to cb; *total gets how many there are. For the
 * job's wiki/log.md entry.
 */
int
db_docs_of_job(uint64_t job, size_t max, void (*cb)(void *, const char *),
    void *arg, uint64_t *total)
{
	sqlite3_stmt	*st;
	const char	*name;
	uint64_t	 n = 0;
	int		 rc;

	st = db_prep("SELECT name FROM documents WHERE job = ? ORDER BY id");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		if (name != NULL && n++ < max)
			cb(arg, name);
	}
	sqlite3_finalize(st);
	*total = n;
	if (rc != SQLITE_DONE)
		return fail(rc, "listing a job's documents");
	return 0;
}
