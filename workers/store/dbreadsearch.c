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
	sqlite3_stmt	*st_doc;	/* a kept row's document */
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
 *
 * A search is two steps. Every match is ranked in FTS5's rowid order and
 * the best offset + limit are kept here (struct topn), each with its
 * snippet's window, chosen from the row's match positions while FTS5's
 * cursor is on it (kbd_rank hands each row to topn_keep). Then each kept
 * row's document is read by its id, and its snippet made from the body
 * in FTS5's content table, read as far as the window (snip_render):
 * no second MATCH. FTS5's own "ORDER BY rank" sorted every match in a
 * sorter of its own, each row's position lists of every phrase copied
 * into it; a second MATCH over the kept rows walked the doclists again.
 */
#define RANK_FN		"kbd_rank(fts, 2.0, 10.0, 4.0, 1.0)"
/* The full-text columns: name, title, headings, body; snippets are body's. */
#define SNIPPET_COL	3		/* rank.c's RANK_BODY_COL: its length */
#define SNIPPET_TABLE	"fts_content"	/* FTS5's for table fts */
#define SNIPPET_NAME	"c3"		/* its column of SNIPPET_COL */
#define SNIPPET_TOKENS	16
#define ROW_COLS	"d.name, d.title, d.src_path, d.description, "

/* A ranked row; lower scores are better, as bm25()'s. */
struct ranked {
	double			 score;
	sqlite3_int64		 row;
	struct snip_plan	*plan;
};

/*
 * The best k rows so far: a heap with the worst kept on top, so that a
 * row is compared with one other and most are not kept (nor have their
 * snippet's window chosen). It grows to k as rows come, so its size is
 * at most the KB's matches, whatever offset.
 */
struct topn {
	struct ranked	*a;
	size_t		 n, cap, k;
};

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
	xasprintf(&rank, "SELECT d.name, d.title, d.src_path, %s FROM "
	    "documents d WHERE d.id = ?", c->lang);
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
	    sqlite3_prepare_v3(c->db, "SELECT fts.rowid, " RANK_FN " FROM fts "
	    "WHERE fts MATCH ?", -1, SQLITE_PREPARE_PERSISTENT, &c->st_rank,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(c->db, rank, -1, SQLITE_PREPARE_PERSISTENT,
	    &c->st_doc, NULL) != SQLITE_OK) {
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
	sqlite3_finalize(c->st_doc);
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

/* A hit: its row's name, title, source path, language, and snippet. */
static Kbd__SearchHit *
search_hit(const char *name, const char *title, const char *src_path,
    const char *lang, const char *snippet, double score)
{
	Kbd__SearchHit	*h;

	h = xmalloc(sizeof(*h));
	kbd__search_hit__init(h);
	h->score = score;
	h->doc = xstrdup(name);
	h->title = xstrdup(title);
	h->src_path = xstrdup(src_path);
	snippet_split(snippet, h);
	h->source = kbpath_source(h->doc);
	h->wiki = kbpath_summary(h->doc);
	h->language = xstrdup(lang);
	return h;
}

/* a ranks before b: a lower score, of equal ones the older row. */
static int
ranked_before(const struct ranked *a, const struct ranked *b)
{
	return a->score < b->score || (a->score == b->score && a->row < b->row);
}

static int
ranked_cmp(const void *a, const void *b)
{
	return ranked_before(a, b) ? -1 : ranked_before(b, a);
}

static void
ranked_swap(struct ranked *a, size_t i, size_t j)
{
	struct ranked	t = a[i];

	a[i] = a[j];
	a[j] = t;
}

/* r would be kept: the heap has room, or r ranks before its worst. */
static int
topn_wants(const struct topn *t, const struct ranked *r)
{
	return t->n < t->k || (t->n > 0 && ranked_before(r, &t->a[0]));
}

static void
topn_add(struct topn *t, struct ranked r)
{
	size_t	i, c;

	if (t->n < t->k) {
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 16;
			if (t->cap > t->k)
				t->cap = t->k;
			t->a = xreallocarray(t->a, t->cap, sizeof(*t->a));
		}
		for (i = t->n++, t->a[i] = r; i > 0 &&
		    ranked_before(&t->a[(i - 1) / 2], &t->a[i]); i = (i - 1) / 2)
			ranked_swap(t->a, i, (i - 1) / 2);
		return;
	}
	snip_plan_free(t->a[0].plan);
	for (i = 0, t->a[0] = r; (c = 2 * i + 1) < t->n; i = c) {
		if (c + 1 < t->n && ranked_before(&t->a[c], &t->a[c + 1]))
			c++;
		if (!ranked_before(&t->a[i], &t->a[c]))
			break;
		ranked_swap(t->a, i, c);
	}
}

/* kbd_rank's keep: a row it ranked, FTS5's cursor still on it. */
static int
topn_keep(void *arg, const Fts5ExtensionApi *api, Fts5Context *fts,
    double score, int body)
{
	struct topn	*t = arg;
	struct ranked	 r;

	r.score = score;
	r.row = api->xRowid(fts);
	r.plan = NULL;
	if (!topn_wants(t, &r))
		return SQLITE_OK;
	if ((r.plan = snip_plan_new(api, fts, SNIPPET_COL, SNIPPET_TOKENS,
	    body)) == NULL)
		return SQLITE_NOMEM;
	topn_add(t, r);
	return SQLITE_OK;
}

/* Row r's hit: its document by id, its body through blob (open on one). */
static Kbd__SearchHit *
ranked_hit(struct dbread_conn *c, const struct ranked *r, sqlite3_blob **blob,
    int *rc)
{
	Kbd__SearchHit	*h = NULL;
	char		*snippet;

	if (*blob == NULL)
		*rc = sqlite3_blob_open(c->db, "main", SNIPPET_TABLE,
		    SNIPPET_NAME, r->row, 0, blob);
	else
		*rc = sqlite3_blob_reopen(*blob, r->row);
	if (*rc == SQLITE_ERROR) {
		/* No body to read (a NULL one: lint's to repair), no snippet. */
		sqlite3_blob_close(*blob);
		*blob = NULL;
		snippet = xstrdup("");
	} else if (*rc != SQLITE_OK)
		return NULL;
	else if ((snippet = snip_render(r->plan, *blob, c->tc, MARK_START,
	    MARK_END, "...")) == NULL) {
		*rc = SQLITE_NOMEM;
		return NULL;
	}
	sqlite3_bind_int64(c->st_doc, 1, r->row);
	if ((*rc = sqlite3_step(c->st_doc)) == SQLITE_ROW) {
		h = search_hit(col_str(c->st_doc, 0), col_str(c->st_doc, 1),
		    col_str(c->st_doc, 2), col_str(c->st_doc, 3), snippet,
		    r->score);
		*rc = SQLITE_OK;
	} else if (*rc == SQLITE_DONE)
		*rc = SQLITE_OK;	/* no document: not a hit */
	sqlite3_reset(c->st_doc);
	free(snippet);
	return h;
}

/*
 * The query's matches ranked by st (the MATCH expression and the field
 * conditions bound), the best offset + limit kept with their snippets'
 * windows; then the kept rows after the first offset, best first.
 */
static int
search_ranked(struct dbread_conn *c, sqlite3_stmt *st, unsigned limit,
    unsigned offset, Kbd__SearchRep *rep, char *err, size_t errlen)
{
	struct topn	 t;
	sqlite3_blob	*blob = NULL;
	Kbd__SearchHit	*h;
	size_t		 i;
	int		 r, ret = -1;

	memset(&t, 0, sizeof(t));
	t.k = (size_t)offset + limit;
	rank_keep(topn_keep, &t);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		;
	rank_keep(NULL, NULL);
	if (r != SQLITE_DONE)
		goto out;
	if (t.n > 1)
		qsort(t.a, t.n, sizeof(*t.a), ranked_cmp);
	if (t.n > offset)
		rep->hits = xreallocarray(NULL, t.n - offset,
		    sizeof(*rep->hits));
	for (i = offset, r = SQLITE_OK; i < t.n && r == SQLITE_OK; i++)
		if ((h = ranked_hit(c, &t.a[i], &blob, &r)) != NULL)
			rep->hits[rep->n_hits++] = h;
	if (r != SQLITE_OK)
		goto out;
	ret = 0;
out:
	if (ret == -1)
		(void)snprintf(err, errlen, "%s", sqlite3_errmsg(c->db));
	sqlite3_blob_close(blob);
	for (i = 0; i < t.n; i++)
		snip_plan_free(t.a[i].plan);
	free(t.a);
	return ret;
}

/*
 * One read transaction: the rebuild flag, the languages and the hits are
 * of one state of the registry, and the data version read once it has
 * begun is that state's (kbd_rank's cache key).
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
	int		 r, k, ret = -1;

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
			xasprintf(&sql, "SELECT fts.rowid, " RANK_FN " FROM "
			    "fts JOIN documents d ON d.id = fts.rowid WHERE "
			    "fts MATCH ?%s", q.where);
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
	if (q.match != NULL) {
		if (sqlite3_file_control(c->db, "main",
		    SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK)
			version = 0;
		rank_cache_use(c->rank, q.match, version, q.group, q.also,
		    q.nphrase);
		ret = search_ranked(c, st, limit, offset, rep, err, errlen);
		rank_cache_use(NULL, NULL, 0, NULL, NULL, 0);
		goto out;
	}
	sqlite3_bind_int(st, k++, (int)limit);
	sqlite3_bind_int(st, k, (int)offset);
	while (rep->n_hits < limit && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (rep->n_hits == cap) {
			cap = cap ? cap * 2 : 16;
			rep->hits = xreallocarray(rep->hits, cap,
			    sizeof(*rep->hits));
		}
		rep->hits[rep->n_hits++] = search_hit(col_str(st, 2),
		    col_str(st, 3), col_str(st, 4), col_str(st, 6),
		    col_str(st, 5), 0.0);
	}
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
