/*
 * Unit tests of concept extraction (workers/store/concepts.c): phrases of
 * up to three words counted from prose only (code, inline code and link
 * targets left out), stop words never at either end, a phrase needs two
 * occurrences, plurals folded into a singular the text has, the defining
 * sentence found; noise dropped (labels before a number, English
 * participles and verbs, a word inside a phrase); the result is the
 * same for the same text; page names
 * from terms (kbpath_concept_name); which document counts make a concept.
 * And hostile input (no words, huge words, bytes that are not UTF-8) is
 * an empty or bounded result, never a crash. The tables each thread keeps
 * between documents change no result: a document after a large one (its
 * table freed) or a small one gives what it gave alone.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "concepts.h"
#include "keywords.h"
#include "utf8.h"
#include "kbpath.h"

static const struct concept_term *
find(const struct concept_term *v, size_t n, const char *term)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].term, term) == 0)
			return &v[i];
	return NULL;
}

static const char text[] =
	"# Clocks\n\n"
	"A vector clock is a data structure that orders events.\n"
	"Each replica keeps a vector clock; the vector clock of a replica\n"
	"grows. Replicas exchange [clocks](http://example.org/vector-clock).\n"
	"\n"
	"```\n"
	"zebra zebra zebra zebra zebra zebra\n"
	"```\n"
	"\n"
	"    quagga quagga quagga quagga\n"
	"\n"
	"Use `yak yak yak` here, and the point of view of the replica.\n"
	"The point of view matters.\n";

static void
test_extract(void **state)
{
	struct concept_term		*v, *w;
	const struct concept_term	*t;
	size_t				 n, m, i;

	(void)state;
	n = concepts_extract(text, sizeof(text) - 1, &v);
	assert_true(n > 0 && n <= CONCEPT_DOC_TERMS);
	t = find(v, n, "vector clock");
	assert_non_null(t);
	assert_int_equal(t->count, 3);
	assert_non_null(t->defn);
	assert_string_equal(t->defn,
	    "A vector clock is a data structure that orders events.");
	/* "replicas" folds into "replica": 3 + 1. */
	t = find(v, n, "replica");
	assert_non_null(t);
	assert_int_equal(t->count, 4);
	assert_null(find(v, n, "replicas"));
	/* A stop word inside a phrase, never at its ends. */
	assert_non_null(find(v, n, "point of view"));
	for (i = 0; i < n; i++) {
		assert_true(strncmp(v[i].term, "the ", 4) != 0);
		assert_true(strncmp(v[i].term, "of ", 3) != 0);
	}
	/* Code, inline code and link targets are not prose. */
	assert_null(find(v, n, "zebra"));
	assert_null(find(v, n, "quagga"));
	assert_null(find(v, n, "yak"));
	assert_null(find(v, n, "example"));
	assert_null(find(v, n, "org"));
	/* Deterministic: the same text, the same terms in the same order. */
	m = concepts_extract(text, sizeof(text) - 1, &w);
	assert_int_equal(m, n);
	for (i = 0; i < n; i++) {
		assert_string_equal(v[i].term, w[i].term);
		assert_int_equal(v[i].count, w[i].count);
		assert_int_equal(v[i].weight, w[i].weight);
	}
	concepts_terms_free(v, n);
	concepts_terms_free(w, m);
}

/* A rule's text: each noise term is there twice or more, and a control. */
static void
noise_case(const char *md, const char *noise, const char *kept)
{
	struct concept_term	*v;
	size_t			 n;

	n = concepts_extract(md, strlen(md), &v);
	if (noise != NULL && find(v, n, noise) != NULL)
		fail_msg("\"%s\" kept in: %s", noise, md);
	if (kept != NULL && find(v, n, kept) == NULL)
		fail_msg("\"%s\" dropped in: %s", kept, md);
	concepts_terms_free(v, n);
}

static void
test_noise(void **state)
{
	(void)state;
	/* Labels: a number follows the term at least half the times. */
	noise_case("Changed in version 3.2: the parser.\n\n"
	    "Changed in version 3.7: the parser again.\n\n"
	    "Version 3.11 has a parser too. The parser reads.\n",
	    "version", "parser");
	noise_case("Changed in version 3.2: the parser.\n\n"
	    "Changed in version 3.7: the parser again.\n",
	    "changed in version", "parser");
	/* ...but not when it mostly stands alone. */
	noise_case("The version matters. Each version differs. A version "
	    "has a name; version 3 too.\n", NULL, "version");
	/* English participles, alone. */
	noise_case("The socket is called twice. It was called by the "
	    "socket owner, and called again.\n", "called", "socket");
	/* "-eed" is no participle. */
	noise_case("The speed of light. The speed of sound.\n", NULL,
	    "speed");
	/* Verbs: an article follows them ("return the"). */
	noise_case("Return the socket. Return a socket when asked. The "
	    "socket return value is an integer.\n", "return", "socket");
	/* Verbs: the past form is a quarter as frequent or more. */
	noise_case("Widgets render fast. A widget can render; it rendered "
	    "once and rendered twice. Widgets render.\n", "render",
	    "widget");
	/* A noun that is seldom a verb stays. */
	noise_case("A list holds items. The list grows. Lists are "
	    "ordered. Each list is listed once.\n", NULL, "list");
	/* A single word mostly inside a phrase: the phrase is the concept. */
	noise_case("A regular expression matches text. Compile the regular "
	    "expression first; a regular expression is fast. Each "
	    "expression counts.\n", "expression", "regular expression");
	/* ...but stays when it mostly stands alone. */
	noise_case("A regular expression matches text. The regular "
	    "expression is fast. An expression evaluates; the expression "
	    "yields, and every expression has a value; an expression "
	    "again.\n", NULL, "expression");
	/* Other languages keep verbs and participles: only English rules. */
	noise_case("Le serveur répond. Le serveur écoute. Le serveur est "
	    "rapide et le serveur est simple pour les clients.\n", NULL,
	    "serveur");
}

static void
test_hostile(void **state)
{
	struct concept_term	*v;
	char			*big;
	size_t			 n, i, len = 1 << 20;

	(void)state;
	assert_int_equal(concepts_extract("", 0, &v), 0);
	concepts_terms_free(v, 0);
	n = concepts_extract("... !!! 123 456 123 456", 23, &v);
	assert_int_equal(n, 0);
	concepts_terms_free(v, n);
	/* One huge word, then bytes that are no UTF-8, many times over. */
	big = malloc(len);
	assert_non_null(big);
	for (i = 0; i < len; i++)
		big[i] = i < len / 2 ? 'a' : (char)(0x80 | (i % 64));
	n = concepts_extract(big, len, &v);
	assert_true(n <= CONCEPT_DOC_TERMS);
	concepts_terms_free(v, n);
	/*
	 * Text that is not UTF-8 (a PDF's Markdown can hold such bytes): a
	 * term made of them and a defining sentence holding them are left
	 * out, never a crash (utf8_check with no offset wanted).
	 */
	n = concepts_extract("Widget \xff\xfe is a thing that holds "
	    "other \xc3 things.\n\nWidget \xff\xfe and widget \xff\xfe.\n"
	    "\xe9t\xe9 \xe9t\xe9 \xe9t\xe9 widget widget\n", 100, &v);
	for (i = 0; i < n; i++) {
		assert_int_equal(utf8_check(v[i].term, strlen(v[i].term),
		    NULL), 0);
		if (v[i].defn != NULL)
			assert_int_equal(utf8_check(v[i].defn,
			    strlen(v[i].defn), NULL), 0);
	}
	concepts_terms_free(v, n);
	/* Many distinct words: bounded. */
	for (i = 0; i + 8 < len; i += 8)
		snprintf(big + i, 9, "w%05zx ", (i / 8) % 0x40000);
	n = concepts_extract(big, len - 8, &v);
	assert_true(n <= CONCEPT_DOC_TERMS);
	concepts_terms_free(v, n);
	free(big);
}

/* The terms and keywords of md, as one string. */
static char *
analyse(const char *md, size_t len)
{
	struct concept_term	*v;
	char			*kw[KEYWORDS_MAX], *out, *p;
	size_t			 n, nkw, i, size = 64;

	n = concepts_extract(md, len, &v);
	nkw = keywords_extract(md, len, kw);
	for (i = 0; i < n; i++)
		size += strlen(v[i].term) + 64 +
		    (v[i].defn != NULL ? strlen(v[i].defn) : 0);
	for (i = 0; i < nkw; i++)
		size += strlen(kw[i]) + 2;
	p = out = malloc(size);
	assert_non_null(out);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s %u %u %s|", v[i].term, v[i].count,
		    v[i].weight, v[i].defn != NULL ? v[i].defn : "");
	for (i = 0; i < nkw; i++)
		p += sprintf(p, "k:%s ", kw[i]);
	concepts_terms_free(v, n);
	keywords_free(kw, nkw);
	return out;
}

static void
test_cache(void **state)
{
	char	*first, *again, *big;
	size_t	 i, len = 1 << 20;

	(void)state;
	first = analyse(text, sizeof(text) - 1);
	/* Many distinct terms and words: both tables grow past a keep. */
	big = malloc(len);
	assert_non_null(big);
	for (i = 0; i + 8 < len; i += 8)
		snprintf(big + i, 9, "w%05zx ", (i / 8) % 0x40000);
	free(analyse(big, len - 8));
	again = analyse(text, sizeof(text) - 1);
	assert_string_equal(first, again);
	free(again);
	/* After a small document, whose table is kept. */
	free(analyse(big, 4000));
	again = analyse(text, sizeof(text) - 1);
	assert_string_equal(first, again);
	free(again);
	again = analyse(text, sizeof(text) - 1);
	assert_string_equal(first, again);
	free(again);
	free(first);
	free(big);
}

static void
test_names(void **state)
{
	char	*p;

	(void)state;
	p = kbpath_concept_name("vector clock");
	assert_string_equal(p, "vector-clock");
	free(p);
	p = kbpath_concept_name("index");
	assert_string_equal(p, "index-");
	free(p);
	p = kbpath_concept("module");
	assert_string_equal(p, KB_CONCEPTS "/module.md");
	free(p);
	assert_null(kbpath_concept_name(""));
	assert_null(kbpath_concept_name("../etc"));
	assert_null(kbpath_concept_name("a/b"));
	assert_null(kbpath_concept_name("two  spaces"));
	assert_null(kbpath_concept_name("trailing "));
	assert_null(kbpath_concept_name("Upper"));
}

static void
test_is_concept(void **state)
{
	(void)state;
	assert_false(concepts_is_concept(2, 3, 0));
	assert_true(concepts_is_concept(3, 3, 0));
	assert_true(concepts_is_concept(3, CONCEPT_DF_CAP_FROM - 1, 0));
	/* In most of a large KB: too common to be one. */
	assert_false(concepts_is_concept(70, 100, 0));
	assert_true(concepts_is_concept(60, 100, 0));
	/* Past 60 documents, at most a quarter of the KB. */
	assert_true(concepts_is_concept(93, 374, 0));
	assert_false(concepts_is_concept(94, 374, 0));
	assert_false(concepts_is_concept(5000, 10000, 0));
	assert_true(concepts_is_concept(2500, 10000, 0));
	/* A small KB: 60%, so 15 of 20 is too many, 12 is not. */
	assert_false(concepts_is_concept(15, 20, 0));
	assert_true(concepts_is_concept(12, 20, 0));
	/* The ceiling never drops as the KB grows. */
	assert_true(concepts_is_concept(60, 240, 0));
	assert_true(concepts_is_concept(60, 241, 0));
	/* A concept stays one up to 30%, and only it. */
	assert_true(concepts_is_concept(2501, 10000, 1));
	assert_false(concepts_is_concept(2501, 10000, 0));
	assert_true(concepts_is_concept(3000, 10000, 1));
	assert_false(concepts_is_concept(3001, 10000, 1));
	assert_false(concepts_is_concept(2, 10000, 1));
	assert_false(concepts_is_concept(15, 20, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extract),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_is_concept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
