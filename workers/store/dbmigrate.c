/*
 * The registry's schema (see db_int.h): the one definition of a new KB's
 * tables, and the migrations that bring a KB of an older version to it.
 * The committer's connection (db.c) runs them when it opens the KB.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "concepts.h"
#include "db.h"
#include "db_int.h"
#include "log.h"
#include "tokenizer.h"

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
 * 15: index_groups, each index group's document count (db_groups_change).
 * 16: documents_conv, the documents by converter and version (dbstale.c).
 * 17: documents_link, each document's name and title by id (db_links_list).
 * 18: concept_terms_new, the rows of the latest mutations, merged into
 *    concept_terms in sorted runs (conceptdb_merge); the view
 *    concept_terms_all reads both.
 * 19: term_counts, the document count of each candidate term too frequent
 *    to be a concept (conceptdb_df).
 * 20: no table: a concept page's ties are the newest documents first, no
 *    longer by name, so every concept page is marked pending and the
 *    flush writes it again.
 * A KB of an older version is migrated when the committer opens it, one
 * step of the migrations table at a time.
 */
#define DB_SCHEMA_VERSION	20
#define DB_SCHEMA_VERSION_S	"20"

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

/*
 * Schema 14's table, in a new KB and in the 13 to 14 migration: the
 * concepts whose pages a batch left behind for the flush
 * (conceptflush.c). The same step changed what a full-text row holds:
 * links in one form (links_indexed), so a KB with links has its index
 * rebuilt (reindex.c), in the background.
 */
#define CONCEPTS_PENDING_SQL \
	"CREATE TABLE concepts_pending(term TEXT PRIMARY KEY) WITHOUT ROWID;"

/*
 * Schema 15's table, in a new KB and in the 14 to 15 migration: the
 * number of documents in each index group (folder 0: a type, by ext; 1:
 * a folder, DB_FOLDER_EXPR), kept by the statements that change the
 * documents (db.c, through db_groups_change) in their transaction.
 * index.md, the folder pages and each group's page read their counts
 * here (db_index_groups, db_index_count): a GROUP BY or count over every
 * document, several per batch, made a large add quadratic. (Triggers
 * would keep it too, but they give every insert a statement journal: a
 * fifth more of the committer's time on an add of small files.)
 */
#define INDEX_GROUPS_SQL \
	"CREATE TABLE index_groups(folder INTEGER NOT NULL," \
	" value TEXT NOT NULL, n INTEGER NOT NULL," \
	" PRIMARY KEY(folder, value)) WITHOUT ROWID;"

/*
 * Schema 16's index, in a new KB and in the 15 to 16 migration: kbctl
 * status counts the documents an older converter made (dbread_stale) a
 * converter at a time, by a range of this index. Without it each status
 * counted every document in the supervisor's loop: 8 ms at 13,000
 * documents, and a fleet of agents asking for status held up the add
 * they were watching.
 */
#define DOCUMENTS_CONV_SQL \
	"CREATE INDEX IF NOT EXISTS documents_conv ON documents(converter," \
	" conv_version);"

/*
 * Schema 17's index, in a new KB and in the 16 to 17 migration: the
 * summaries' "Links to" and "Linked from" name each linked document by
 * its name and title (db_links_list, several times for each document a
 * batch adds). Read from the documents' rows, whose descriptions make
 * them ten times the size, each lookup was a page of a table that
 * outgrew SQLite's page cache as the KB grew: read back from the WAL or
 * the database file more often the larger the KB. This index holds only
 * what the lists show.
 */
#define DOCUMENTS_LINK_SQL \
	"CREATE INDEX IF NOT EXISTS documents_link ON documents(id, name," \
	" title);"

/*
 * Schema 18's side table of concept terms, in a new KB and in the 17 to 18
 * migration. A batch's terms spread over the whole alphabet, so inserted
 * into concept_terms they dirtied nearly every page of its index by term,
 * batch after batch, a cost that grew with the KB. They go here instead,
 * a table that stays small, and move to concept_terms many batches at a
 * time, in the index's order (conceptdb_merge). A document's rows are in
 * one table or the other; readers read the view. (IF NOT EXISTS: tests
 * set a KB's version back without dropping what came after.)
 */
#define CONCEPT_TERMS_NEW_SQL \
	"CREATE TABLE IF NOT EXISTS concept_terms_new(" \
	" doc INTEGER NOT NULL, term TEXT NOT NULL," \
	" count INTEGER NOT NULL, weight INTEGER NOT NULL," \
	" defn TEXT, PRIMARY KEY(doc, term)) WITHOUT ROWID;" \
	"CREATE INDEX IF NOT EXISTS concept_terms_new_term" \
	" ON concept_terms_new(term, weight);" \
	"CREATE VIEW IF NOT EXISTS concept_terms_all AS" \
	" SELECT * FROM concept_terms UNION ALL" \
	" SELECT * FROM concept_terms_new;"

/*
 * Schema 19's table, in a new KB and in the 18 to 19 migration: the
 * document count of each candidate term held by at least
 * CONCEPT_COUNT_KEEP documents that is not a concept (a concept's count
 * is its concepts row). Those are the KB's commonest words, over
 * CONCEPT_DF_MAXPCT % of its documents; every batch holds them, and
 * counting their rows to decide again that they are no concepts read a
 * number of index entries that grew with the KB: late in a
 * 150,000-file add, over a million a batch. conceptw_apply keeps the rows
 * exact in the mutation's transaction (conceptdb_count_set).
 */
#define TERM_COUNTS_SQL \
	"CREATE TABLE IF NOT EXISTS term_counts(term TEXT PRIMARY KEY," \
	" ndocs INTEGER NOT NULL) WITHOUT ROWID;"

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
	CONCEPTS_PENDING_SQL
	INDEX_GROUPS_SQL
	DOCUMENTS_CONV_SQL
	DOCUMENTS_LINK_SQL
	CONCEPT_TERMS_NEW_SQL
	TERM_COUNTS_SQL
	"INSERT INTO meta(key, value) VALUES ('schema', '"
	DB_SCHEMA_VERSION_S "');";

/*
 * Migrations: each step takes the schema from one version to the next.
 * db_schema_check runs a step and records its version in one transaction,
 * so a KB is at one version or the next, never between. A new version
 * appends its step here and changes schema_sql (a new KB).
 */
static int
migrate_1_2(void)
{
	return db_exec("ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER "
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
	return db_exec(SOURCES_SQL
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
	return db_exec("DROP TABLE fts;" FTS_SQL
	    "INSERT OR REPLACE INTO meta(key, value) VALUES ('reindex', '0');");
}

/*
 * History (job_files): jobs before 5 recorded no file outcomes and keep
 * history 0 (none). The lead may merge this step with another 4 to 5.
 */
static int
migrate_4_5_history(void)
{
	return db_exec(JOB_FILES_SQL
	    "ALTER TABLE jobs ADD COLUMN history INTEGER NOT NULL DEFAULT 0;");
}

static int
migrate_5_6_watch(void)
{
	return db_exec(WATCHED_SQL);
}

static int
migrate_6_7_summarizer(void)
{
	return db_exec(DESCRIPTION_BY_SQL);
}

static int
migrate_7_8_recompile(void)
{
	return db_exec(CONVERTER_SQL);
}

static int
migrate_8_9_links(void)
{
	return db_exec(LINKS_SQL);
}

static int
migrate_9_10_index(void)
{
	return db_exec(INDEX_PAGES_SQL);
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
	return db_exec(CONCEPTS_SQL);
}

static int
migrate_11_12_ingest(void)
{
	return db_exec(SOURCES_STAT_SQL);
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
	return db_exec(DOC_LANG_SQL
	    "UPDATE documents SET lang = coalesce((SELECT substr(f.body, 2, 2)"
	    " FROM fts f WHERE f.rowid = documents.id"
	    " AND substr(f.body, 1, 1) = char(31)"
	    " AND substr(f.body, 4, 1) = char(31)), '');");
}

static int
migrate_13_14_pending(void)
{
	return db_exec(CONCEPTS_PENDING_SQL
	    "INSERT OR REPLACE INTO meta(key, value) SELECT 'reindex', '0'"
	    " WHERE EXISTS (SELECT 1 FROM links);");
}

/*
 * The groups' counts, from the documents, once. Made anew: a KB that a
 * test set back to an older version may hold them already.
 */
static int
migrate_14_15_groups(void)
{
	return db_exec("DROP TABLE IF EXISTS index_groups;"
	    INDEX_GROUPS_SQL
	    "INSERT INTO index_groups(folder, value, n) "
	    DB_INDEX_GROUPS_COUNTED ";");
}

static int
migrate_15_16_conv(void)
{
	return db_exec(DOCUMENTS_CONV_SQL);
}

static int
migrate_16_17_link(void)
{
	return db_exec(DOCUMENTS_LINK_SQL);
}

static int
migrate_17_18_side(void)
{
	return db_exec(CONCEPT_TERMS_NEW_SQL);
}

static int
migrate_18_19_counts(void)
{
	char	sql[512];

	(void)snprintf(sql, sizeof(sql), TERM_COUNTS_SQL
	    "INSERT OR REPLACE INTO term_counts(term, ndocs)"
	    " SELECT term, count(*) FROM concept_terms_all"
	    " WHERE term NOT IN (SELECT term FROM concepts)"
	    " GROUP BY term HAVING count(*) >= %llu;",
	    (unsigned long long)concepts_count_keep());
	return db_exec(sql);
}

/*
 * A concept page lists its documents by weight, ties now newest first
 * (conceptrel.c): every page an older kbd wrote is pending, rewritten by
 * the next flush (before lint, when idle, at a job's end).
 */
static int
migrate_19_20_ties(void)
{
	return db_exec("INSERT OR IGNORE INTO concepts_pending(term)"
	    " SELECT term FROM concepts;");
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
	{ 13, 14, migrate_13_14_pending },
	{ 14, 15, migrate_14_15_groups },
	{ 15, 16, migrate_15_16_conv },
	{ 16, 17, migrate_16_17_link },
	{ 17, 18, migrate_17_18_side },
	{ 18, 19, migrate_18_19_counts },
	{ 19, 20, migrate_19_20_ties },
};

/* Run sql in one transaction. */
static int
exec_tx(const char *sql)
{
	if (db_exec("BEGIN IMMEDIATE") == -1)
		return -1;
	if (db_exec(sql) == -1) {
		(void)db_exec("ROLLBACK");
		return -1;
	}
	return db_exec("COMMIT");
}

/* One migration step and its version, together or not at all. */
static int
migrate(const struct migration *m)
{
	char	sql[128];

	if (db_exec("BEGIN IMMEDIATE") == -1)
		return -1;
	(void)snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%d' "
	    "WHERE key = 'schema'", m->to);
	if (m->step() == -1 || db_exec(sql) == -1) {
		(void)db_exec("ROLLBACK");
		return -1;
	}
	if (db_exec("COMMIT") == -1)
		return -1;
	log_info("%s: schema %d migrated to %d", DB_PATH, m->from, m->to);
	return 0;
}

/*
 * The schema version, creating the schema in an empty database and
 * migrating an older one step by step.
 */
int
db_schema_check(void)
{
	sqlite3_stmt	*st;
	const char	*v;
	char		 version[16], *end;
	size_t		 i;
	long		 n;
	int		 rc;

	rc = sqlite3_prepare_v2(db_conn(), "SELECT value FROM meta WHERE key = "
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
	db_errset("schema version is %s, not %d",
	    version[0] != '\0' ? version : "unknown", DB_SCHEMA_VERSION);
	return -1;
}

