/*
 * Full-text search (see dbread.h): a read-only connection per search
 * thread, the ranking (the one place it is written), and a query's hits
 * with their snippets, as the query language (query.c) compiles them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "dbread.h"
#include "dbread_int.h"
#include "kbpath.h"
#include "log.h"
#include "query.h"
#include "tokenizer.h"
#include "xmalloc.h"

/*
 * Snippet markers: control bytes the converters' text does not carry
 * (a stray one is dropped), turned into offsets before a hit leaves.
 */
#define MARK_START	"\x01"
#define MARK_END	"\x02"

struct dbread_conn {
	sqlite3		*db;
	sqlite3_stmt	*st_rank;	/* the query without field conditions */
	sqlite3_stmt	*st_langs;	/* the languages the KB has indexed */
	sqlite3_stmt	*st_reindex;	/* a full-text rebuild under way */
	sqlite3_stmt	*st_begin;	/* a search is one read transaction */
	sqlite3_stmt	*st_end;
	const char	*lang;		/* the language column's expression */
	struct rank_cache *rank;	/* kbd_rank's IDFs of recent queries */
	struct tok_counter *tc;		/* which query words the index holds */
	int		 has_lang;	/* documents has a lang column */
};

/*
 * The ranking, the one place it is defined (docs/architecture.md, "Search
 * index"): kbd_rank (rank.c) is BM25 with column weights, name 2, title
 * 10, headings 4, body 1, and a boost for a title the query matches whole.
 * It follows "WHERE fts MATCH ? AND "; the query then ends "ORDER BY rank
 * LIMIT ? OFFSET ?": FTS5 ranks every match in its own sorter, and the
 * columns, the join and the snippet are computed for the rows returned
 * only (SQLite skips the OFFSET rows before computing columns).
 */
#define RANK_SQL	"rank MATCH 'kbd_rank(2.0, 10.0, 4.0, 1.0)'"
/* The full-text columns: name, title, headings, body; snippets are body's. */
#define SNIPPET_COLUMN	"3"
/*
 * A hit's columns, after its id and score, in one statement with the rank:
 * each hit used to be a second MATCH of its own (the query parsed and its
 * doclists read again per row), half of a search's time.
 */
#define HIT_COLS	"d.name, d.title, d.src_path, kbd_snippet(fts, " \
	SNIPPET_COLUMN ", '" MARK_START "', '" MARK_END "', '...', 16), "
#define ROW_COLS	"d.name, d.title, d.src_path, d.description, "

const char *
dbread_rank_sql(void)
{
	return RANK_SQL;
}

struct dbread_conn *
dbread_conn_open(const char *kbroot)
{
	struct dbread_conn	*c;
	char			*rank;

	c = xcalloc(1, sizeof(*c));
	if ((c->db = dbread_open_ro(kbroot)) == NULL) {
		free(c);
		return NULL;
	}
	c->lang = dbread_lang_col(c->db);
	if ((c->rank = rank_cache_new()) == NULL)
		fatal("rank cache");
	if ((c->tc = tok_counter_new(c->db)) == NULL)
		fatal("search tokenizer");
	c->has_lang = strcmp(c->lang, "d.lang") == 0;
	xasprintf(&rank, "SELECT fts.rowid, rank, " HIT_COLS "%s FROM fts "
	    "JOIN documents d ON d.id = fts.rowid WHERE fts MATCH ? AND "
	    RANK_SQL " ORDER BY rank LIMIT ? OFFSET ?", c->lang);
	if (sqlite3_prepare_v3(c->db, "SELECT value FROM meta WHERE key = "
	    "'languages'", -1, SQLITE_PREPARE_PERSISTENT, &c->st_langs,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, "SELECT 1 FROM meta WHERE key = "
	    "'reindex'", -1, SQLITE_PREPARE_PERSISTENT, &c->st_reindex,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT,
	    &c->st_begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT,
	    &c->st_end, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, rank, -1, SQLITE_PREPARE_PERSISTENT,
	    &c->st_rank, NULL) != SQLITE_OK) {
		log_warnx("registry: %s", sqlite3_errmsg(c->db));
		free(rank);
		dbread_conn_close(c);
		return NULL;
	}
	free(rank);
	return c;
}

void
dbread_conn_close(struct dbread_conn *c)
{
	if (c == NULL)
		return;
	sqlite3_finalize(c->st_rank);
	sqlite3_finalize(c->st_langs);
	sqlite3_finalize(c->st_reindex);
	sqlite3_finalize(c->st_begin);
	sqlite3_finalize(c->st_end);
	sqlite3_close(c->db);
	rank_cache_free(c->rank);
	tok_counter_free(c->tc);
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

/* The hit of the row st is on: id, score, then HIT_COLS or ROW_COLS. */
static void
search_hit(sqlite3_stmt *st, Kbd__SearchRep *rep, size_t *cap)
{
	Kbd__SearchHit	*h;

	if (rep->n_hits == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		rep->hits = xreallocarray(rep->hits, *cap, sizeof(*rep->hits));
	}
	h = xmalloc(sizeof(*h));
	kbd__search_hit__init(h);
	h->score = sqlite3_column_double(st, 1);
	h->doc = xstrdup(col_str(st, 2));
	h->title = xstrdup(col_str(st, 3));
	h->src_path = xstrdup(col_str(st, 4));
	snippet_split(col_str(st, 5), h);
	h->source = kbpath_source(h->doc);
	h->wiki = kbpath_summary(h->doc);
	h->language = xstrdup(col_str(st, 6));
	rep->hits[rep->n_hits++] = h;
}

/*
 * One statement: rank with LIMIT and OFFSET (FTS5 ranks alone, in its
 * sorter), and the row and snippet of each returned hit only.
 */
int
dbread_search(struct dbread_conn *c, const char *text, unsigned limit,
    unsigned offset, Kbd__SearchRep *rep, char *err, size_t errlen)
{
	struct query	 q;
	sqlite3_stmt	*st = NULL;
	char		*sql = NULL;
	size_t		 i, cap = 0;
	unsigned	 version;
	int		 r = SQLITE_DONE, k, ret = -1;

	/*
	 * One read transaction: the rebuild flag, the languages and the hits
	 * are of one state of the registry, and the data version read once
	 * it has begun is that state's (kbd_rank's cache key).
	 */
	memset(&q, 0, sizeof(q));
	(void)sqlite3_step(c->st_begin);
	sqlite3_reset(c->st_begin);
	/* A rebuild under way: the hits are from what is indexed so far. */
	rep->incomplete = sqlite3_step(c->st_reindex) != SQLITE_DONE;
	sqlite3_reset(c->st_reindex);
	/* Before the query is compiled: its words' stems are in these. */
	refresh_langs(c);
	if (query_compile(text, &q, err, errlen, c->tc) == -1) {
		ret = 1;
		goto out;
	}
	if (q.uses_lang && !c->has_lang) {
		(void)snprintf(err, errlen, "lang: this KB records no "
		    "document languages");
		ret = 1;
		goto out;
	}
	if (q.match != NULL && q.where[0] == '\0')
		st = c->st_rank;
	else {
		if (q.match != NULL)
			xasprintf(&sql, "SELECT fts.rowid, rank, " HIT_COLS
			    "%s FROM fts JOIN documents d ON d.id = fts.rowid "
			    "WHERE fts MATCH ? AND " RANK_SQL "%s ORDER BY rank "
			    "LIMIT ? OFFSET ?", c->lang, q.where);
		else
			xasprintf(&sql, "SELECT d.id, 0.0, " ROW_COLS "%s "
			    "FROM documents d WHERE 1%s ORDER BY d.added_at "
			    "DESC, d.id DESC LIMIT ? OFFSET ?", c->lang,
			    q.where);
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
	if (q.match != NULL && sqlite3_file_control(c->db, "main",
	    SQLITE_FCNTL_DATA_VERSION, &version) == SQLITE_OK)
		rank_cache_use(c->rank, q.match, version, q.group,
		    q.nphrase);
	while (rep->n_hits < limit && (r = sqlite3_step(st)) == SQLITE_ROW)
		search_hit(st, rep, &cap);
	rank_cache_use(NULL, NULL, 0, NULL, 0);
	if (rep->n_hits < limit && r != SQLITE_DONE) {
		(void)snprintf(err, errlen, "%s", sqlite3_errmsg(c->db));
		goto out;
	}
	ret = 0;
out:
	if (st == c->st_rank) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else
		sqlite3_finalize(st);
	(void)sqlite3_step(c->st_end);
	sqlite3_reset(c->st_end);
	free(sql);
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
