/*
 * Unit tests of kbd's FTS5 tokenizer (workers/store/tokenizer.c), its
 * language detection and headings (lang.c) and its rank (rank.c): the
 * tokens each rule emits, read through FTS5's own API, and what matches
 * and ranks first in a real in-memory FTS5 table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "config.h"
#include "tokenizer.h"

static sqlite3		*db;
static fts5_api		*api;
static fts5_tokenizer	 tk;
static Fts5Tokenizer	*tok;

struct out {
	char	buf[4096];
	size_t	len;
};

/* "a b/~c": positions apart by ' ', colocated by '/', a stem marked '~'. */
static int
collect(void *arg, int flags, const char *t, int n, int s, int e)
{
	struct out	*o = arg;
	int		 i;

	(void)s;
	(void)e;
	if (o->len > 0)
		o->buf[o->len++] = (flags & FTS5_TOKEN_COLOCATED) ? '/' : ' ';
	for (i = 0; i < n && o->len < sizeof(o->buf) - 2; i++)
		o->buf[o->len++] = t[i] == TOK_STEM_MARK ? '~' : t[i];
	o->buf[o->len] = '\0';
	return SQLITE_OK;
}

static const char *
toks(int flags, const char *text)
{
	static struct out	o;

	memset(&o, 0, sizeof(o));
	assert_int_equal(tk.xTokenize(tok, &o, flags, text, (int)strlen(text),
	    collect), SQLITE_OK);
	return o.buf;
}

#define DOC(s)		toks(FTS5_TOKENIZE_DOCUMENT, s)
#define QUERY(s)	toks(FTS5_TOKENIZE_QUERY, s)

static int
setup(void **state)
{
	void		*ud;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(tok_register(db), 0);
	assert_non_null(api = tok_fts5_api(db));
	assert_int_equal(api->xFindTokenizer(api, TOK_NAME, &ud, &tk),
	    SQLITE_OK);
	assert_int_equal(tk.xCreate(ud, NULL, 0, &tok), SQLITE_OK);
	tok_set_query_langs(1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tk.xDelete(tok);
	sqlite3_close(db);
	return 0;
}

static void
test_words(void **state)
{
	(void)state;
	/*
	 * Case folded, diacritics removed as unicode61 does; stemmed with
	 * them (a stem differs from the folded word: colocated).
	 */
	assert_string_equal(DOC("Hello WORLD Café"), "hello world cafe/~café");
	assert_string_equal(DOC("ΑΘΗΝΑ Москва"), "αθηνα москва");
	/* English by default: a stem differing from the word is colocated. */
	assert_string_equal(DOC("The owls were hunting"),
	    "the owls/~owl were hunting/~hunt");
	assert_string_equal(DOC("end. (next)"), "end next");
}

/*
 * Indexing keeps the stems it made (a cache of 16,384 sets of two by
 * hash): a word seen again, in another language, or after others took
 * its slot (more words than the cache holds), gets the stem Snowball
 * gives it, as on first sight. A slot keeps a stem as the word's prefix
 * and a tail ("...ili" of "...ily"), or not at all when the two pass its
 * 28 bytes (the last suffix below).
 */
static void
test_stem_cache(void **state)
{
	enum { N = 40000 };
	static const char *suffix[] = { "ings", "ily", "fulness",
	    "izationalizationalizations" };
	char	**first, word[40], text[56];
	int	  i, pass, stemmed = 0;
	const char *got;

	(void)state;
	assert_string_equal(DOC("\x1f" "en\x1f" "chevaux hunting"),
	    "chevaux hunting/~hunt");
	assert_string_equal(DOC("\x1f" "fr\x1f" "chevaux hunting"),
	    "chevaux/~cheval hunting");
	assert_string_equal(DOC("\x1f" "en\x1f" "chevaux hunting"),
	    "chevaux hunting/~hunt");
	first = calloc(N, sizeof(*first));
	assert_non_null(first);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < N; i++) {
			(void)snprintf(word, sizeof(word), "%c%c%c%c%s",
			    'a' + i % 26, 'a' + i / 26 % 26,
			    'a' + i / 676 % 26, 'a' + i / 17576 % 26,
			    suffix[i / 2 % 4]);
			(void)snprintf(text, sizeof(text), "\x1f" "%s\x1f" "%s",
			    i % 2 ? "en" : "de", word);
			got = DOC(text);
			if (pass == 0) {
				first[i] = strdup(got);
				assert_non_null(first[i]);
				stemmed += strstr(got, "/~") != NULL;
			} else {
				/* Seen again after others, then at once. */
				assert_string_equal(got, first[i]);
				assert_string_equal(DOC(text), first[i]);
				free(first[i]);
			}
		}
	free(first);
	/* The stems were made, not the words passed through. */
	assert_true(stemmed > N / 2);
}

static void
test_stems_languages(void **state)
{
	(void)state;
	assert_string_equal(DOC("\x1f" "fr\x1f" "chevaux mangeaient"),
	    "chevaux/~cheval mangeaient/~mang");
	assert_string_equal(DOC("\x1f" "de\x1f" "Häuser Kinder"),
	    "hauser/~haus kinder/~kind");
	assert_string_equal(DOC("\x1f" "es\x1f" "corriendo ciudades"),
	    "corriendo/~corr ciudades/~ciudad");
	/* Stemmed with its accent: "corrían" is a form of "correr". */
	assert_string_equal(DOC("\x1f" "es\x1f" "Corrían correr"),
	    "corrian/~corr correr/~corr");
	assert_string_equal(DOC("\x1f" "ru\x1f" "книги читали"),
	    "книги/~книг читали/~чита");
	/* Highlighting (AUX): one token a position, the same positions. */
	assert_string_equal(toks(FTS5_TOKENIZE_AUX, "The owls, c++ 東京は"),
	    "the owls c++ 東京 京は");
	/* An unknown code: the default language. */
	assert_string_equal(DOC("\x1f" "zz\x1f" "owls"), "owls/~owl");
}

static void
test_query(void **state)
{
	(void)state;
	/* One word: the word or its stems, marked and unmarked. */
	assert_string_equal(QUERY("owls"), "owls/~owl/owl");
	assert_string_equal(QUERY("owl"), "owl/~owl");
	/* In every language of the KB. */
	tok_set_query_langs(1u << tok_lang_by_code("en") |
	    1u << tok_lang_by_code("fr"));
	assert_string_equal(QUERY("chevaux"), "chevaux/~chevaux/~cheval/cheval");
	tok_set_query_langs(1);
	/* Several words, the exact mark, a prefix: exact forms only. */
	assert_string_equal(QUERY("owls hunting"), "owls hunting");
	assert_string_equal(QUERY("\x1eowls"), "owls");
	assert_string_equal(toks(FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX,
	    "owls"), "owls");
}

static void
test_typed_tokens(void **state)
{
	(void)state;
	assert_string_equal(DOC("c++ C# .NET"), "c++/c c#/c .net/net");
	assert_string_equal(DOC("node.js IPv6"), "node.js/node/js ipv6");
	assert_string_equal(DOC("e-mail foo_bar"),
	    "e-mail/e/mail/email foo_bar/foo/bar/foobar");
	/* Parts are stemmed. */
	assert_string_equal(DOC("e-mails"), "e-mails/e/mails/~mail/emails");
	assert_string_equal(DOC("Python 3.11.2."),
	    "python 3.11.2/3/11/3.11/2");
	/* A query finds them as typed, the whole form only. */
	assert_string_equal(QUERY("c++"), "c++");
	assert_string_equal(QUERY("C#"), "c#");
	assert_string_equal(QUERY(".NET"), ".net");
	assert_string_equal(QUERY("node.js"), "node.js");
	assert_string_equal(QUERY("3.11"), "3.11");
	/* Punctuation alone is no token. */
	assert_string_equal(DOC("-- ... ++ #"), "");
}

static void
test_cjk(void **state)
{
	(void)state;
	/* Bigrams, each with its first character; the last with the last. */
	assert_string_equal(DOC("東京は日本"),
	    "東京/東 京は/京 は日/は 日本/日/本");
	assert_string_equal(DOC("東"), "東");
	/* Mixed scripts: both halves. */
	assert_string_equal(DOC("東京tower"), "東京/東/京 tower");
	assert_string_equal(DOC("한국어 カタカナ"),
	    "한국/한 국어/국/어 カタ/カ タカ/タ カナ/カ/ナ");
	/* A query: bigrams, a phrase; one character, itself. */
	assert_string_equal(QUERY("日本語"), "日本 本語");
	assert_string_equal(QUERY("東京"), "東京");
	assert_string_equal(QUERY("東"), "東");
}

struct cjk_count {
	int	positions;	/* tokens not colocated */
	int	found;		/* the bigram looked for */
};

static int
cjk_count(void *arg, int flags, const char *t, int n, int s, int e)
{
	struct cjk_count	*c = arg;

	(void)s;
	(void)e;
	if ((flags & FTS5_TOKEN_COLOCATED) == 0)
		c->positions++;
	if (n == 6 && memcmp(t, "\xe6\x9d\xb1\xe4\xba\xac", 6) == 0)
		c->found++;
	return SQLITE_OK;
}

/*
 * A run longer than the tokenizer's 512-character chunk: the bigram
 * across the chunks (東京 at characters 511 and 512) is made once, and the
 * run has a position per character but the last, as a short run has.
 */
static void
test_cjk_long(void **state)
{
	struct cjk_count	 c = { 0, 0 };
	char			 text[600 * 3 + 1];
	int			 i;

	(void)state;
	for (i = 0; i < 600; i++)
		memcpy(text + i * 3, i == 511 ? "\xe6\x9d\xb1" : i == 512 ?
		    "\xe4\xba\xac" : "\xe4\xb8\x80", 3);	/* 東, 京, 一 */
	text[600 * 3] = '\0';
	assert_int_equal(tk.xTokenize(tok, &c, FTS5_TOKENIZE_DOCUMENT, text,
	    600 * 3, cjk_count), SQLITE_OK);
	assert_int_equal(c.found, 1);
	assert_int_equal(c.positions, 599);
	memset(&c, 0, sizeof(c));
	assert_int_equal(tk.xTokenize(tok, &c, FTS5_TOKENIZE_QUERY, text,
	    600 * 3, cjk_count), SQLITE_OK);
	assert_int_equal(c.found, 1);
	assert_int_equal(c.positions, 599);
}

static void
test_detect(void **state)
{
	const char	*en = "The cat was on the mat and it is not the dog "
	    "that was in the house with the owl.";
	const char	*fr = "Le chat est sur la table et les enfants sont "
	    "dans le jardin avec le chien pour la journée.";
	const char	*de = "Der Hund ist nicht in dem Haus und die Katze "
	    "ist auch nicht mit den Kindern auf der Straße.";
	const char	*es = "El perro está en la casa con los niños y "
	    "las niñas que juegan para el gato por la tarde.";
	const char	*ru = "Это книга, которую он читал в парке, и она "
	    "не знала, что он так же любит все его стихи.";
	const char	*fm = "---\ntitle: x\nlang: de-DE\n---\nThe cat was "
	    "on the mat and it is not the dog.";
	const char	*links = "# The modules\n\nThe [os](../os/de/da.md "
	    "\"os de da do\") and the [os.path](os-para-que-em.md "
	    "\"os.path para que em\") modules are in the list of the "
	    "[modules](do/os/um/uma.md).\n`os de da do em para que`\n";
	const char	*codeonly = "`os de da do em para que um uma os`";

	(void)state;
	assert_string_equal(tok_lang_code(tok_detect_lang(en, strlen(en))),
	    "en");
	assert_string_equal(tok_lang_code(tok_detect_lang(fr, strlen(fr))),
	    "fr");
	assert_string_equal(tok_lang_code(tok_detect_lang(de, strlen(de))),
	    "de");
	assert_string_equal(tok_lang_code(tok_detect_lang(es, strlen(es))),
	    "es");
	assert_string_equal(tok_lang_code(tok_detect_lang(ru, strlen(ru))),
	    "ru");
	/* A front matter's language comes first; else detection; else en. */
	assert_string_equal(tok_lang_code(tok_doc_lang(fm, strlen(fm))),
	    "de");
	assert_string_equal(tok_lang_code(tok_doc_lang(fr, strlen(fr))),
	    "fr");
	assert_string_equal(tok_lang_code(tok_doc_lang("x", 1)), "en");
	/* kbd.conf's language replaces en as the last resort only. */
	assert_int_equal(tok_set_default_lang("german"), 0);
	assert_string_equal(tok_lang_code(tok_doc_lang("x", 1)), "de");
	assert_string_equal(tok_lang_code(tok_doc_lang(fr, strlen(fr))),
	    "fr");
	assert_int_equal(tok_set_default_lang("xx"), -1);
	assert_string_equal(tok_lang_code(tok_doc_lang("x", 1)), "de");
	assert_int_equal(tok_set_default_lang("en"), 0);
	assert_string_equal(tok_lang_code(tok_doc_lang("x", 1)), "en");
	/* Too little evidence: not a guess. */
	assert_int_equal(tok_detect_lang("owl", 3), -1);
	/*
	 * Link targets and code are not the text's words: these links'
	 * targets and titles hold Portuguese stop words (os, de, da, do,
	 * em, para, que), the text English ones (allos, filesys in
	 * python3.11-doc were Portuguese when they counted).
	 */
	assert_string_equal(tok_lang_code(tok_detect_lang(links,
	    strlen(links))), "en");
	assert_int_equal(tok_detect_lang(codeonly, strlen(codeonly)), -1);
	assert_int_equal(tok_langs_parse("en,fr,xx"),
	    1u << tok_lang_by_code("en") | 1u << tok_lang_by_code("fr"));
}

static void
test_headings(void **state)
{
	const char	*md = "# Title\n\ntext\n## Second one\n```\n# not\n"
	    "```\n#nope\n    # indented code\n###### Six\n";
	char		*h;
	size_t		 n;

	(void)state;
	h = tok_md_headings(md, strlen(md), &n);
	assert_string_equal(h, "Title\nSecond one\nSix\n");
	assert_int_equal(n, strlen(h));
	free(h);
}

/* The names a MATCH returns, in rank order, comma-separated. */
static const char *
search(const char *q)
{
	static char	 out[1024];
	sqlite3_stmt	*st;
	size_t		 n = 0;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT title FROM fts "
	    "WHERE fts MATCH ? AND rank MATCH 'kbd_rank(2.0, 10.0, 4.0, 1.0)' "
	    "ORDER BY rank", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
		    n ? "," : "", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static void
test_match_rank(void **state)
{
	(void)state;
	assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE fts USING "
	    "fts5(name, title, headings, body, tokenize = 'kbd');"
	    "INSERT INTO fts VALUES ('a', 'Owl', '', 'An owl is a bird.');"
	    "INSERT INTO fts VALUES ('b', 'Birds', '', 'The owls were hunting "
	    "owls at night, owls everywhere.');"
	    "INSERT INTO fts VALUES ('c', 'Overview', 'Asyncio runners', "
	    "'asyncio runners asyncio runners asyncio runners');"
	    "INSERT INTO fts VALUES ('d', 'Asyncio runners', '', "
	    "'How to run.');"
	    "INSERT INTO fts VALUES ('e', 'Tokyo', '', "
	    "'東京は日本の首都です。');", NULL, NULL, NULL), SQLITE_OK);
	/* Stems both ways. */
	assert_string_equal(search("owl"), "Owl,Birds");
	assert_string_equal(search("hunt"), "Birds");
	/* Exact forms first when the exact form is a phrase of its own. */
	assert_string_equal(search("(owls OR \"\x1eowls\")"), "Birds,Owl");
	assert_string_equal(search("(owl OR \"\x1eowl\")"), "Owl,Birds");
	/* A quoted phrase: exact forms only. */
	assert_string_equal(search("\"owls were\""), "Birds");
	assert_string_equal(search("\"owl were\""), "");
	/* The exact title first, over a page that says it more often. */
	assert_string_equal(search("asyncio runners"),
	    "Asyncio runners,Overview");
	assert_string_equal(search("東京"), "Tokyo");
	assert_string_equal(search("首都"), "Tokyo");
	assert_string_equal(search("日本"), "Tokyo");
	assert_string_equal(search("東"), "Tokyo");
}

/* Each matching row's kbd_rank, in rowid order, into out (at most 8). */
static int
scores(const char *q, double *out)
{
	sqlite3_stmt	*st;
	int		 n = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT rank FROM fts WHERE "
	    "fts MATCH ? AND rank MATCH 'kbd_rank(2.0, 10.0, 4.0, 1.0)' "
	    "ORDER BY rowid", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && n < 8)
		out[n++] = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * kbd_rank with a connection's cache (the IDFs and the row lengths it
 * read at one data version) scores every row as without it, read from
 * the cache or not; at another version, a row's new length counts.
 */
static void
test_rank_cache(void **state)
{
	static const char *const qs[] = { "owl", "asyncio runners", "hunt",
	    "\"owls were\"", "owl OR asyncio" };
	struct rank_cache	*c;
	double			 plain[8], cached[8];
	size_t			 i;
	int			 n, k, round;

	(void)state;
	assert_non_null(c = rank_cache_new());
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		rank_cache_use(NULL, NULL, 0, NULL, NULL, 0);
		n = scores(qs[i], plain);
		assert_true(n > 0);
		for (round = 0; round < 2; round++) {
			rank_cache_use(c, qs[i], 7, NULL, NULL, 0);
			assert_int_equal(scores(qs[i], cached), n);
			for (k = 0; k < n; k++)
				assert_true(cached[k] == plain[k]);
		}
	}
	/* Birds' text grows: at a new version its score follows. */
	assert_int_equal(sqlite3_exec(db, "UPDATE fts SET body = body || "
	    "' More words about the night and the woods and the birds.' "
	    "WHERE title = 'Birds'", NULL, NULL, NULL), SQLITE_OK);
	rank_cache_use(NULL, NULL, 0, NULL, NULL, 0);
	n = scores("owl", plain);
	rank_cache_use(c, "owl", 8, NULL, NULL, 0);
	assert_int_equal(scores("owl", cached), n);
	for (k = 0; k < n; k++)
		assert_true(cached[k] == plain[k]);
	rank_cache_use(NULL, NULL, 0, NULL, NULL, 0);
	rank_cache_free(c);
}

struct pos_out {
	char	*buf;
	size_t	 len, size;
	int	 stop;		/* answer SQLITE_DONE after this many */
};

/* Every token with its flags and offsets: "tok/flags@s-e ". */
static int
collect_pos(void *arg, int flags, const char *t, int n, int s, int e)
{
	struct pos_out	*o = arg;
	int		 k;

	if (o->size - o->len < (size_t)n + 64) {
		o->size = 2 * o->size + (size_t)n + 64;
		assert_non_null(o->buf = realloc(o->buf, o->size));
	}
	k = snprintf(o->buf + o->len, o->size - o->len, "%.*s/%d@%d-%d ", n,
	    t, flags, s, e);
	o->len += (size_t)k;
	return --o->stop == 0 ? SQLITE_DONE : SQLITE_OK;
}

static char *
toks_pos(int flags, const char *text, int n, int stop)
{
	struct pos_out	o = { NULL, 0, 0, stop };

	assert_int_equal(tk.xTokenize(tok, &o, flags, text, n, collect_pos),
	    SQLITE_OK);
	return o.buf != NULL ? o.buf : strdup("");
}

/*
 * The tokenizer's own pass over ASCII (scan_tokens) gives what unicode61
 * over the whole text gave: the same tokens, flags and offsets, for
 * documents, queries and highlighting, and the same stop when the caller
 * answers SQLITE_DONE; on random text of ASCII of every class, joiners,
 * letters beyond ASCII, CJK, invalid UTF-8 and tokens too long for its
 * buffers.
 */
static void
test_scan_ascii(void **state)
{
	static const char *piece[] = { "a", "Z", "q", "7", "0", " ", "\n",
	    ".", "-", "_", "+", "#", ",", "(", "'", "\t", "\xc3\xa9",
	    "\xc3\x89", "\xc3\x9f", "\xe2\x80\x94", "\xe4\xb8\xad",
	    "\xe6\x96\x87", "\xf0\x9f\x98\x80", "\xcc\x81", "\xff",
	    "\x80", "\xc3", "Running", "happily", "node.js", "C++", "e-mail",
	    "3.11.2", ".NET", "\x1f", "\x01", "\x7f", "@", "~" };
	static const int flags[] = { FTS5_TOKENIZE_DOCUMENT,
	    FTS5_TOKENIZE_QUERY, FTS5_TOKENIZE_AUX,
	    FTS5_TOKENIZE_QUERY | FTS5_TOKENIZE_PREFIX };
	char		 text[1200];
	char		*fast, *slow;
	unsigned	 seed = 58;
	int		 i, k, n, f, stop;

	(void)state;
	for (i = 0; i < 3000; i++) {
		n = 0;
		if (i % 3 == 0) {
			memcpy(text, "\x1f" "de\x1f", 4);
			n = 4;
		}
		k = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 60;
		while (k-- > 0 && n < 700) {
			seed = seed * 1103515245u + 12345u;
			n += snprintf(text + n, sizeof(text) - (size_t)n, "%s",
			    piece[(seed >> 16) % (sizeof(piece) /
			    sizeof(piece[0]))]);
		}
		/* A token longer than the pass's buffer, now and then. */
		if (i % 50 == 0)
			for (k = 0; k < 300 && n < (int)sizeof(text) - 1; k++)
				text[n++] = (char)('a' + k % 26);
		text[n] = '\0';
		f = flags[i % 4];
		stop = i % 7 == 0 ? 1 + i % 5 : 0;
		tok_scan_ascii = 1;
		fast = toks_pos(f, text, n, stop);
		tok_scan_ascii = 0;
		slow = toks_pos(f, text, n, stop);
		tok_scan_ascii = 1;
		if (strcmp(fast, slow) != 0)
			fail_msg("\"%s\" (flags %d): %s against %s", text, f,
			    fast, slow);
		free(fast);
		free(slow);
	}
}

/*
 * kbd.conf's language key (common/config.c) takes the tokenizer's
 * languages, "code name" pairs in lang.c's order: the two lists agree.
 */
static void
test_config_languages(void **state)
{
	char		 code[16], name[16], err[512];
	const char	*p = config_languages();
	uint64_t	 v;
	int		 n = 0, k;

	(void)state;
	while (sscanf(p, "%15s %15s%n", code, name, &k) == 2) {
		assert_string_equal(tok_lang_code(n), code);
		assert_string_equal(tok_lang_name(n), name);
		assert_int_equal(config_parse(CONF_LANGUAGE, code, &v, err,
		    sizeof(err)), 0);
		assert_int_equal(tok_set_default_lang(code), 0);
		p += k;
		n++;
	}
	assert_int_equal(n, tok_nlangs());
	assert_int_equal(tok_set_default_lang("en"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_stems_languages),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_typed_tokens),
		cmocka_unit_test(test_cjk),
		cmocka_unit_test(test_cjk_long),
		cmocka_unit_test(test_stem_cache),
		cmocka_unit_test(test_scan_ascii),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_headings),
		cmocka_unit_test(test_match_rank),
		cmocka_unit_test(test_rank_cache),
		cmocka_unit_test(test_config_languages),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
