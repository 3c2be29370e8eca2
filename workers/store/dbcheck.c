/*
 * Lint's view of the committer's database (see db.h): every document in
 * turn, the database's own checks (SQLite's and FTS5's integrity, the
 * full-text rows against the documents and a sample of them against
 * their Markdown), and lint --fix's full-text row lookups and repairs. On
 * db.c's connection.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "db_int.h"
#include "kbpath.h"
#include "links.h"
#include "tokenizer.h"
#include "util.h"
#include "xmalloc.h"

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
		r = db_fail(rc, "listing documents");
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
	return db_fail(rc, "looking up a full-text row");
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
	size_t		 blen, iblen;
	char		 code[3], *ib;
	int		 rc, r = 0;

	ib = links_indexed(md, len, &iblen);
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
			    blen - TOK_LANG_MARKLEN == iblen &&
			    memcmp(body + TOK_LANG_MARKLEN, ib, iblen) == 0;
		}
	} else if (rc != SQLITE_DONE)
		r = db_fail(rc, "reading a full-text row");
	sqlite3_finalize(st);
	free(ib);
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
	return db_exec("DELETE FROM fts WHERE rowid NOT IN "
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

	if (sqlite3_prepare_v2(db_conn(), sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(SQLITE_ERROR, sql);
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
		(void)db_fail(rc, sql);
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
		(void)db_fail(rc, sql);
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
	char		*line, *src, *md, *ib, code[3];
	size_t		 len, blen, iblen;
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
			ib = md != NULL ? links_indexed(md, len, &iblen) : NULL;
			if (ib != NULL && (iblen != blen - TOK_LANG_MARKLEN ||
			    memcmp(ib, body + TOK_LANG_MARKLEN, iblen) != 0))
				xasprintf(&line, "%s: full-text row of %s "
				    "differs from %s", DB_PATH, name, src);
			free(ib);
			free(md);
			free(src);
		}
		if (line != NULL) {
			report(arg, line);
			free(line);
		}
	}
	if (rc != SQLITE_DONE)
		(void)db_fail(rc, "sampling the full-text index");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The groups whose count differs from the documents', either way. */
#define GROUPS_WRONG(a, b) \
	"SELECT CASE f WHEN 0 THEN 'type ' ELSE 'folder ' END || v FROM" \
	" (SELECT * FROM (" a ") EXCEPT SELECT * FROM (" b "))"
#define GROUPS_KEPT	"SELECT folder AS f, value AS v, n FROM index_groups"
#define GROUPS_COUNTED	DB_INDEX_GROUPS_COUNTED

int
db_index_groups_wrong(int64_t *n)
{
	return count("SELECT count(*) FROM (" GROUPS_WRONG(GROUPS_COUNTED,
	    GROUPS_KEPT) " UNION " GROUPS_WRONG(GROUPS_KEPT,
	    GROUPS_COUNTED) ")", n);
}

int
db_index_groups_rebuild(void)
{
	return db_exec("DELETE FROM index_groups;"
	    "INSERT INTO index_groups(folder, value, n) "
	    DB_INDEX_GROUPS_COUNTED ";");
}

/*
 * The term_counts rows whose count is not their term's documents', or
 * whose term is a concept (whose count is its concepts row).
 */
#define COUNTS_WRONG \
	"SELECT term FROM (SELECT term, ndocs FROM term_counts EXCEPT" \
	" SELECT term, count(*) FROM concept_terms_all WHERE term IN" \
	" (SELECT term FROM term_counts) AND term NOT IN" \
	" (SELECT term FROM concepts) GROUP BY term)"

int
db_term_counts_wrong(int64_t *n)
{
	return count("SELECT count(*) FROM (" COUNTS_WRONG ")", n);
}

int
db_term_counts_repair(void)
{
	/* Gone, the counts are counted again, and kept by the next batch. */
	return db_exec("DELETE FROM term_counts WHERE term IN (" COUNTS_WRONG
	    ");");
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
	/* index.md's counts (kept by triggers: only a damaged KB differs). */
	if (check_rows(GROUPS_WRONG(GROUPS_COUNTED, GROUPS_KEPT) " UNION "
	    GROUPS_WRONG(GROUPS_KEPT, GROUPS_COUNTED), DB_PATH ": index "
	    "group count differs from the documents: ", NULL, report,
	    arg) == -1)
		return -1;
	if (check_rows(COUNTS_WRONG, DB_PATH ": kept count of a term differs "
	    "from its documents': ", NULL, report, arg) == -1)
		return -1;
	/* FTS5 checks its index against its content, re-tokenizing every
	 * row with kbd's tokenizer; reported as an error. */
	if (db_exec("INSERT INTO fts(fts) VALUES('integrity-check')") == -1) {
		xasprintf(&line, "%s: full-text integrity-check: %s", DB_PATH,
		    db_errmsg());
		report(arg, line);
		free(line);
	}
	return 0;
}
