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
	if ((c->db = dbread_open_ro(kbroot)) == NULL) {
		free(c);
		return NULL;
	}
	lang = dbread_lang_col(c->db);
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
