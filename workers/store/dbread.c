/*
 * The registry's read-only queries (see dbread.h), on a connection of
 * their own opened read-only: the supervisor's view of the registry. The
 * committer is the only writer; in WAL mode these reads never block it
 * nor see half a batch.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "dbread.h"
#include "kbpath.h"
#include "log.h"
#include "query.h"
#include "tokenizer.h"
#include "util.h"
#include "xmalloc.h"

static sqlite3		*db;
static sqlite3_stmt	*st_hash, *st_stat, *st_job, *st_newest, *st_list;
static sqlite3_stmt	*st_show, *st_after, *st_before, *st_words;

static sqlite3_stmt *
prep(const char *sql)
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
static sqlite3 *
open_ro(const char *kbroot)
{
	struct stat	 st;
	sqlite3		*c = NULL;
	char		*path, *uri = NULL;
	int		 flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;

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
static const char *
lang_col(sqlite3 *c)
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
	if ((db = open_ro(kbroot)) == NULL)
		return -1;
	st_hash = prep("SELECT name FROM documents WHERE hash = ?");
	/* The path's source row, with the stat it was recorded with. */
	st_stat = prep("SELECT d.name FROM sources s JOIN documents d ON "
	    "d.id = s.doc WHERE s.path = ? AND s.dev = ? AND s.ino = ? AND "
	    "s.size = ? AND s.mtime_ns = ?");
	st_job = prep("SELECT " DB_JOB_COLUMNS " FROM jobs WHERE id = ?");
	st_newest = prep("SELECT max(id) FROM jobs");
	(void)snprintf(sql, sizeof(sql), "SELECT id, name, title, hash, ext, "
	    "size, src_path, %s FROM documents d WHERE id > ? ORDER BY id "
	    "LIMIT ?", lang_col(db));
	st_list = prep(sql);
	(void)snprintf(sql, sizeof(sql), "SELECT name, title, description, "
	    "src_path, hash, size, ext, added_at, job, %s FROM documents d "
	    "WHERE name = ?", lang_col(db));
	st_show = prep(sql);
	/* Closest names: neighbours in name order (the UNIQUE index)... */
	st_after = prep("SELECT name FROM documents WHERE name >= ? "
	    "ORDER BY name LIMIT ?");
	st_before = prep("SELECT name FROM documents WHERE name < ? "
	    "ORDER BY name DESC LIMIT ?");
	/* ...and names sharing a word, through the full-text index. */
	st_words = prep("SELECT d.name FROM fts JOIN documents d "
	    "ON d.id = fts.rowid WHERE fts MATCH ? LIMIT ?");
	return 0;
}

/* The connection, for the store's other read-only files (dbstale.c). */
sqlite3 *
dbread_db(void)
{
	return db;
}

void
dbread_close(void)
{
	sqlite3_finalize(st_hash);
	sqlite3_finalize(st_stat);
	sqlite3_finalize(st_job);
	sqlite3_finalize(st_newest);
	sqlite3_finalize(st_list);
	sqlite3_finalize(st_show);
	sqlite3_finalize(st_after);
	sqlite3_finalize(st_before);
	sqlite3_finalize(st_words);
	dbdir_close();
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

/* The value of a meta key as an integer: 1, 0 none, -1 error. */
static int
meta_int(sqlite3 *c, const char *key, int64_t *v)
{
	sqlite3_stmt	*st;
	int		 r;

	*v = 0;
	if (sqlite3_prepare_v2(c, "SELECT value FROM meta WHERE key = ?", -1,
	    &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

int
dbread_reindex(uint64_t *job, uint64_t *done, uint64_t *total)
{
	sqlite3_stmt	*st;
	int64_t		 after, j;
	int		 r;

	*job = *done = *total = 0;
	if ((r = meta_int(db, "reindex", &after)) != 1 ||
	    meta_int(db, "reindex_job", &j) == -1)
		return r;
	*job = (uint64_t)j;
	/* The job's cursor counts the documents indexed so far. */
	if (sqlite3_prepare_v2(db, "SELECT (SELECT cursor FROM jobs WHERE "
	    "id = ?), (SELECT count(*) FROM documents WHERE id > ?)", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, j);
	sqlite3_bind_int64(st, 2, after);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*done = (uint64_t)sqlite3_column_int64(st, 0);
		*total = *done + (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : -1;
}

/* A full-text rebuild's job: its kind and counts (dbread_reindex). */
static void
mark_reindex(Kbd__JobSummary *s)
{
	Kbd__JobCreateReq	*req;
	uint64_t		 job, done, total;

	if (dbread_job_request(s->job, &req) != 1)
		return;
	if (req->reindex) {
		s->kind = (char *)"reindex";
		s->index_done = s->index_total = s->cursor;
		if (dbread_reindex(&job, &done, &total) == 1 &&
		    job == s->job) {
			s->index_rebuilding = 1;
			s->index_done = done;
			s->index_total = total;
		}
	}
	kbd__job_create_req__free_unpacked(req, NULL);
}

/* out->error is malloc'ed: free it. */
int
dbread_job(uint64_t job, Kbd__JobSummary *out)
{
	int	r;

	sqlite3_bind_int64(st_job, 1, (sqlite3_int64)job);
	r = sqlite3_step(st_job);
	if (r == SQLITE_ROW) {
		db_job_row(st_job, out);
		sqlite3_reset(st_job);
		mark_reindex(out);
		return 1;
	}
	sqlite3_reset(st_job);
	if (r == SQLITE_DONE)
		return 0;
	log_warnx("registry query: %s", sqlite3_errmsg(db));
	return -1;
}

int
dbread_jobs(unsigned limit, Kbd__JobsRep *rep)
{
	sqlite3_stmt	*st;
	Kbd__JobSummary	*j;
	size_t		 i;
	int		 r;

	if (sqlite3_prepare_v2(db, "SELECT " DB_JOB_COLUMNS " FROM jobs "
	    "ORDER BY id DESC LIMIT ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, (int)limit);
	rep->jobs = xcalloc(limit, sizeof(*rep->jobs));
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		j = xmalloc(sizeof(*j));
		kbd__job_summary__init(j);
		db_job_row(st, j);
		rep->jobs[rep->n_jobs++] = j;
	}
	sqlite3_finalize(st);
	for (i = 0; i < rep->n_jobs; i++)
		mark_reindex(rep->jobs[i]);
	return r == SQLITE_DONE ? 0 : -1;
}

void
dbread_jobs_free(Kbd__JobsRep *rep)
{
	size_t	i;

	for (i = 0; i < rep->n_jobs; i++) {
		free(rep->jobs[i]->error);
		free(rep->jobs[i]);
	}
	free(rep->jobs);
	rep->jobs = NULL;
	rep->n_jobs = 0;
}

/* max(id) is NULL, read as 0, when there is no job. */
int
dbread_newest_job(uint64_t *job)
{
	int	r;

	*job = 0;
	r = sqlite3_step(st_newest);
	if (r == SQLITE_ROW)
		*job = (uint64_t)sqlite3_column_int64(st_newest, 0);
	sqlite3_reset(st_newest);
	if (r != SQLITE_ROW) {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		return -1;
	}
	return *job != 0;
}

int
dbread_unfinished_jobs(uint64_t **ids, size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 r;

	*ids = NULL;
	*n = 0;
	/* The full-text rebuild's job is the committer's to run. */
	if (sqlite3_prepare_v2(db, "SELECT id FROM jobs WHERE state IN (1, 2) "
	    "AND id NOT IN (SELECT CAST(value AS INTEGER) FROM meta WHERE "
	    "key = 'reindex_job') ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*ids = xreallocarray(*ids, cap, sizeof(**ids));
		}
		(*ids)[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
	}
	if (r != SQLITE_DONE)
		log_warnx("registry query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

/* A request that does not unpack is an error, as a failed read is. */
int
dbread_job_request(uint64_t job, Kbd__JobCreateReq **req)
{
	sqlite3_stmt	*st;
	int		 r;

	*req = NULL;
	if (sqlite3_prepare_v2(db, "SELECT request FROM jobs WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK) {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*req = kbd__job_create_req__unpack(NULL,
		    (size_t)sqlite3_column_bytes(st, 0),
		    sqlite3_column_blob(st, 0));
		r = *req != NULL ? 1 : -1;
	} else if (r == SQLITE_DONE)
		r = 0;
	else {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		r = -1;
	}
	sqlite3_finalize(st);
	return r;
}

int
dbread_job_cancelled(uint64_t job)
{
	sqlite3_stmt	*st;
	int		 r;

	if (sqlite3_prepare_v2(db, "SELECT cancel_requested != 0 FROM jobs "
	    "WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		r = sqlite3_column_int(st, 0) != 0;
	else if (r == SQLITE_DONE)
		r = 0;
	else {
		log_warnx("registry query: %s", sqlite3_errmsg(db));
		r = -1;
	}
	sqlite3_finalize(st);
	return r;
}

/*
 * Snippet markers: control bytes the converters' text does not carry
 * (a stray one is dropped), turned into offsets before a hit leaves.
 */
#define MARK_START	"\x01"
#define MARK_END	"\x02"

struct dbread_conn {
	sqlite3		*db;
	sqlite3_stmt	*st_rank;	/* the query without field conditions */
	sqlite3_stmt	*st_hit;	/* one hit's row and snippet */
	sqlite3_stmt	*st_row;	/* one hit's row (fields-only query) */
	sqlite3_stmt	*st_langs;	/* the languages the KB has indexed */
	sqlite3_stmt	*st_reindex;	/* a full-text rebuild under way */
	int		 has_lang;	/* documents has a lang column */
};

/*
 * The ranking, the one place it is defined (docs/architecture.md, "Search
 * index"): kbd_rank (rank.c) is BM25 with column weights, name 2, title
 * 10, headings 4, body 1, and a boost for a title the query matches whole.
 * It follows "WHERE fts MATCH ? AND "; the query then ends "ORDER BY rank
 * LIMIT ?", and FTS5 ranks before it joins or builds snippets.
 */
#define RANK_SQL	"rank MATCH 'kbd_rank(2.0, 10.0, 4.0, 1.0)'"
/* The full-text columns: name, title, headings, body; snippets are body's. */
#define SNIPPET_COLUMN	"3"

const char *
dbread_rank_sql(void)
{
	return RANK_SQL;
}

struct dbread_conn *
dbread_conn_open(const char *kbroot)
{
	struct dbread_conn	*c;
	const char		*lang;
	char			 hit[512], row[256];

	c = xcalloc(1, sizeof(*c));
	if ((c->db = open_ro(kbroot)) == NULL) {
		free(c);
		return NULL;
	}
	lang = lang_col(c->db);
	c->has_lang = strcmp(lang, "d.lang") == 0;
	(void)snprintf(hit, sizeof(hit), "SELECT d.name, d.title, d.src_path, "
	    "snippet(fts, " SNIPPET_COLUMN ", '" MARK_START "', '" MARK_END
	    "', '...', 16), %s "
	    "FROM fts JOIN documents d ON d.id = fts.rowid "
	    "WHERE fts MATCH ? AND fts.rowid = ?", lang);
	(void)snprintf(row, sizeof(row), "SELECT name, title, src_path, "
	    "description, %s FROM documents d WHERE id = ?", lang);
	if (sqlite3_prepare_v3(c->db, hit, -1,
	    SQLITE_PREPARE_PERSISTENT, &c->st_hit, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, row, -1,
	    SQLITE_PREPARE_PERSISTENT, &c->st_row, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, "SELECT value FROM meta WHERE key = "
	    "'languages'", -1, SQLITE_PREPARE_PERSISTENT, &c->st_langs,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, "SELECT 1 FROM meta WHERE key = "
	    "'reindex'", -1, SQLITE_PREPARE_PERSISTENT, &c->st_reindex,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, "SELECT fts.rowid, rank FROM fts "
	    "JOIN documents d ON d.id = fts.rowid WHERE fts MATCH ? AND "
	    RANK_SQL " ORDER BY rank LIMIT ? OFFSET ?", -1,
	    SQLITE_PREPARE_PERSISTENT, &c->st_rank, NULL) != SQLITE_OK) {
		log_warnx("registry: %s", sqlite3_errmsg(c->db));
		dbread_conn_close(c);
		return NULL;
	}
	return c;
}

void
dbread_conn_close(struct dbread_conn *c)
{
	if (c == NULL)
		return;
	sqlite3_finalize(c->st_rank);
	sqlite3_finalize(c->st_hit);
	sqlite3_finalize(c->st_row);
	sqlite3_finalize(c->st_langs);
	sqlite3_finalize(c->st_reindex);
	sqlite3_close(c->db);
	free(c);
}

/*
 * Query terms are stemmed in every language the KB has indexed: the set
 * is the tokenizer's (atomic, so each search thread may set it).
 */
static void
refresh_langs(struct dbread_conn *c)
{
	const char	*v;

	if (sqlite3_step(c->st_langs) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(c->st_langs, 0)) != NULL)
		tok_set_query_langs(tok_langs_parse(v));
	sqlite3_reset(c->st_langs);
}

/*
 * The snippet as FTS5 marked it into h: the text without the markers, and
 * each match as a byte offset and length into that text. The language
 * marker an indexed column begins with (tokenizer.h) is not text.
 */
static void
snippet_split(const char *s, Kbd__SearchHit *h)
{
	size_t		 len, o = 0, start = 0, cap = 0;
	const char	*e;
	int		 in = 0;

	if (s[0] == TOK_LANG_MARK && (e = strchr(s + 1, TOK_LANG_MARK)) !=
	    NULL && e - s < 8)
		s = e + 1;
	len = strlen(s);

	h->snippet = xmalloc(len + 1);
	for (; *s != '\0'; s++) {
		if (*s == MARK_START[0] || *s == MARK_END[0]) {
			if (*s == MARK_START[0] && !in) {
				in = 1;
				start = o;
			} else if (*s == MARK_END[0] && in) {
				in = 0;
				if (h->n_matches + 2 > cap) {
					cap = cap ? cap * 2 : 8;
					h->matches = xreallocarray(h->matches,
					    cap, sizeof(*h->matches));
				}
				h->matches[h->n_matches++] = (uint32_t)start;
				h->matches[h->n_matches++] =
				    (uint32_t)(o - start);
			}
			continue;
		}
		h->snippet[o++] = *s;
	}
	h->snippet[o] = '\0';
}

static const char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

/* The hit for one ranked row: its names, paths and snippet. */
static int
search_hit(struct dbread_conn *c, const struct query *q, int64_t id,
    double score, Kbd__SearchRep *rep, size_t *cap)
{
	sqlite3_stmt	*st = q->match != NULL ? c->st_hit : c->st_row;
	Kbd__SearchHit	*h;
	int		 r;

	if (q->match != NULL) {
		sqlite3_bind_text(st, 1, q->match, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
	} else
		sqlite3_bind_int64(st, 1, id);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (rep->n_hits == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			rep->hits = xreallocarray(rep->hits, *cap,
			    sizeof(*rep->hits));
		}
		h = xmalloc(sizeof(*h));
		kbd__search_hit__init(h);
		h->doc = xstrdup(col_str(st, 0));
		h->title = xstrdup(col_str(st, 1));
		h->src_path = xstrdup(col_str(st, 2));
		h->score = score;
		snippet_split(col_str(st, 3), h);
		h->source = kbpath_source(h->doc);
		h->wiki = kbpath_summary(h->doc);
		h->language = xstrdup(col_str(st, 4));
		rep->hits[rep->n_hits++] = h;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	/* Gone between the two steps (removed): not a hit, not an error. */
	return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : -1;
}

/*
 * Two steps: rank with LIMIT and OFFSET (FTS5 computes rank alone), then
 * the row and the snippet of each returned hit only.
 */
int
dbread_search(struct dbread_conn *c, const char *text, unsigned limit,
    unsigned offset, Kbd__SearchRep *rep, char *err, size_t errlen)
{
	struct query	 q;
	sqlite3_stmt	*st = NULL;
	char		*sql = NULL;
	int64_t		*ids = NULL;
	double		*scores = NULL;
	size_t		 n = 0, i, cap = 0;
	int		 r, k, ret = -1;

	if (query_compile(text, &q, err, errlen) == -1)
		return 1;
	/* A rebuild under way: the hits are from what is indexed so far. */
	rep->incomplete = sqlite3_step(c->st_reindex) != SQLITE_DONE;
	sqlite3_reset(c->st_reindex);
	refresh_langs(c);
	if (q.uses_lang && !c->has_lang) {
		(void)snprintf(err, errlen, "lang: this KB records no "
		    "document languages");
		query_free(&q);
		return 1;
	}
	if (q.match != NULL && q.where[0] == '\0')
		st = c->st_rank;
	else {
		if (q.match != NULL)
			xasprintf(&sql, "SELECT fts.rowid, rank FROM fts JOIN "
			    "documents d ON d.id = fts.rowid WHERE fts MATCH ? "
			    "AND " RANK_SQL "%s ORDER BY rank LIMIT ? OFFSET ?",
			    q.where);
		else
			xasprintf(&sql, "SELECT d.id, 0.0 FROM documents d "
			    "WHERE 1%s ORDER BY d.added_at DESC, d.id DESC "
			    "LIMIT ? OFFSET ?", q.where);
		if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) !=
		    SQLITE_OK) {
			(void)snprintf(err, errlen, "%s",
			    sqlite3_errmsg(c->db));
			goto out;
		}
	}
	k = 1;
	if (q.match != NULL)
		sqlite3_bind_text(st, k++, q.match, -1, SQLITE_STATIC);
	for (i = 0; i < q.nparams; i++, k++)
		if (q.params[i].is_int)
			sqlite3_bind_int64(st, k, q.params[i].num);
		else
			sqlite3_bind_text(st, k, q.params[i].text, -1,
			    SQLITE_STATIC);
	sqlite3_bind_int(st, k++, (int)limit);
	sqlite3_bind_int(st, k, (int)offset);
	ids = xcalloc(limit, sizeof(*ids));
	scores = xcalloc(limit, sizeof(*scores));
	while (n < limit && (r = sqlite3_step(st)) == SQLITE_ROW) {
		ids[n] = sqlite3_column_int64(st, 0);
		scores[n++] = sqlite3_column_double(st, 1);
	}
	if (n < limit && r != SQLITE_DONE) {
		(void)snprintf(err, errlen, "%s", sqlite3_errmsg(c->db));
		goto out;
	}
	if (st == c->st_rank) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		st = NULL;
	}
	for (i = 0; i < n; i++)
		if (search_hit(c, &q, ids[i], scores[i], rep, &cap) == -1) {
			(void)snprintf(err, errlen, "%s",
			    sqlite3_errmsg(c->db));
			goto out;
		}
	ret = 0;
out:
	if (st == c->st_rank) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else
		sqlite3_finalize(st);
	free(sql);
	free(ids);
	free(scores);
	query_free(&q);
	return ret;
}

void
dbread_search_free(Kbd__SearchRep *rep)
{
	size_t	i;

	for (i = 0; i < rep->n_hits; i++) {
		free(rep->hits[i]->doc);
		free(rep->hits[i]->title);
		free(rep->hits[i]->snippet);
		free(rep->hits[i]->source);
		free(rep->hits[i]->src_path);
		free(rep->hits[i]->wiki);
		free(rep->hits[i]->language);
		free(rep->hits[i]->matches);
		free(rep->hits[i]);
	}
	free(rep->hits);
	rep->hits = NULL;
	rep->n_hits = 0;
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

static char *
col_dup(sqlite3_stmt *st, int i)
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
		m->doc = col_dup(st_show, 0);
		m->title = col_dup(st_show, 1);
		m->description = col_dup(st_show, 2);
		m->src_path = col_dup(st_show, 3);
		m->hash = col_dup(st_show, 4);
		m->size = (uint64_t)sqlite3_column_int64(st_show, 5);
		m->format = col_dup(st_show, 6);
		m->added = sqlite3_column_int64(st_show, 7);
		m->job = (uint64_t)sqlite3_column_int64(st_show, 8);
		m->language = col_dup(st_show, 9);
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
	sqlite3_stmt	*q;
	int		 r;

	if (sqlite3_prepare_v2(db, "SELECT d.name, s.dev, s.ino, s.size, "
	    "s.mtime_ns FROM sources s JOIN documents d ON d.id = s.doc "
	    "WHERE s.path = ?", -1, &q, NULL) != SQLITE_OK)
		return -1;
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
	sqlite3_finalize(q);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

int
dbread_source_by_stat(const struct stat *st, const char *path, char *name,
    size_t len, char **other)
{
	sqlite3_stmt	*q;
	int		 r;

	if (sqlite3_prepare_v2(db, "SELECT d.name, s.path FROM sources s "
	    "JOIN documents d ON d.id = s.doc WHERE s.dev = ? AND s.ino = ? "
	    "AND s.size = ? AND s.mtime_ns = ? AND s.path <> ? LIMIT 1", -1,
	    &q, NULL) != SQLITE_OK)
		return -1;
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
	sqlite3_finalize(q);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

/* The names of the documents job added or last updated, in id order. */
int
dbread_docs_of_job(uint64_t job, char ***names, size_t *n)
{
	sqlite3_stmt	*st;
	int		 r;

	*names = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT name FROM documents WHERE job = ? "
	    "ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*names = xreallocarray(*names, *n + 1, sizeof(**names));
		(*names)[(*n)++] = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : -1;
}

/*
 * History (kbctl status --files): the next chunk of a job's file outcomes
 * after seq *after, at most max, failed ones only with failed; the job's
 * History state in chunk->history. Prepared per chunk: chunks are rare.
 */
int
dbread_job_files(uint64_t job, int failed, uint64_t *after, unsigned max,
    Kbd__JobFiles *chunk)
{
	sqlite3_stmt	*st;
	Kbd__FileEvent	*e;
	int		 r;

	chunk->job = job;
	if (sqlite3_prepare_v2(db, "SELECT history FROM jobs WHERE id = ?",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		chunk->history = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		goto fail;
	if (sqlite3_prepare_v2(db, "SELECT seq, path, status, doc, reason "
	    "FROM job_files WHERE job = ? AND seq > ? AND (? = 0 OR "
	    "status = ?) ORDER BY seq LIMIT ?", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)job);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)*after);
	sqlite3_bind_int(st, 3, failed);
	sqlite3_bind_int(st, 4, KBD__FILE_STATUS__FS_FAILED);
	sqlite3_bind_int(st, 5, (int)max);
	chunk->files = xcalloc(max, sizeof(*chunk->files));
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		e = xmalloc(sizeof(*e));
		kbd__file_event__init(e);
		e->job = job;
		e->seq = *after = (uint64_t)sqlite3_column_int64(st, 0);
		e->path = col_dup(st, 1);
		e->status = sqlite3_column_int(st, 2);
		e->doc = col_dup(st, 3);
		e->reason = col_dup(st, 4);
		chunk->files[chunk->n_files++] = e;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		goto fail;
	chunk->last = chunk->n_files < max;
	return 0;
fail:
	log_warnx("job files: %s", sqlite3_errmsg(db));
	return -1;
}

void
dbread_job_files_free(Kbd__JobFiles *chunk)
{
	size_t	i;

	for (i = 0; i < chunk->n_files; i++) {
		free(chunk->files[i]->path);
		free(chunk->files[i]->doc);
		free(chunk->files[i]->reason);
		free(chunk->files[i]);
	}
	free(chunk->files);
	chunk->files = NULL;
	chunk->n_files = 0;
}
