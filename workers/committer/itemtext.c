/*
 * An added item's text analysis (language, concept terms, keywords), as
 * the worker that converted it computed it from the Markdown it wrote
 * (ConvertRep.analysis; the supervisor forwards the bytes undecoded).
 * The worker parsed untrusted bytes, so what it sends is checked here
 * like any worker output, against the rules the extraction itself keeps
 * (workers/analysis/): a bad analysis fails its item, never the
 * committer, and nothing unchecked reaches a path, a page or the
 * registry.
 */
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "item.h"
#include "kbd.pb-c.h"
#include "kbpath.h"
#include "keywords.h"
#include "lang.h"
#include "terms.h"
#include "utf8.h"
#include "xmalloc.h"

/* Valid UTF-8 of 1..max bytes without a control character. */
static int
text_ok(const char *s, size_t max)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > max || utf8_check(s, n, NULL) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* A term as the extraction makes them, one that names a concept page. */
static int
term_ok(const char *term)
{
	char	*name;

	if (!text_ok(term, CONCEPT_TERM_MAX))
		return 0;
	if ((name = kbpath_concept_name(term)) == NULL)
		return 0;
	free(name);
	return 1;
}

static const char *
check(const Kbd__Analysis *a)
{
	size_t	i, j;

	if (tok_lang_by_code(a->lang) < 0)
		return "unknown language";
	if (a->n_terms > CONCEPT_DOC_TERMS || a->n_keywords > KEYWORDS_MAX)
		return "too many terms";
	for (i = 0; i < a->n_terms; i++) {
		if (!term_ok(a->terms[i]->term) || a->terms[i]->count == 0)
			return "bad term";
		if (*a->terms[i]->defn != '\0' &&
		    !text_ok(a->terms[i]->defn, CONCEPT_DEFN_MAX))
			return "bad definition";
		/* A document's terms are its rows' keys. */
		for (j = 0; j < i; j++)
			if (strcmp(a->terms[i]->term, a->terms[j]->term) == 0)
				return "a term twice";
	}
	for (i = 0; i < a->n_keywords; i++)
		if (!text_ok(a->keywords[i], KEYWORDS_WORD_MAX))
			return "bad keyword";
	return NULL;
}

int
itemtext_take(struct item *it, const uint8_t *data, size_t len,
    const char **why)
{
	Kbd__Analysis	*a;
	size_t		 i;

	*why = "missing";
	if (len == 0)
		return -1;
	*why = "malformed";
	if ((a = kbd__analysis__unpack(NULL, len, data)) == NULL)
		return -1;
	if ((*why = check(a)) != NULL) {
		kbd__analysis__free_unpacked(a, NULL);
		return -1;
	}
	it->lang = tok_lang_by_code(a->lang) + 1;
	it->nterms = a->n_terms;
	it->terms = xcalloc(a->n_terms ? a->n_terms : 1, sizeof(*it->terms));
	for (i = 0; i < a->n_terms; i++) {
		it->terms[i].term = xstrdup(a->terms[i]->term);
		it->terms[i].count = a->terms[i]->count;
		it->terms[i].weight = a->terms[i]->weight;
		if (*a->terms[i]->defn != '\0')
			it->terms[i].defn = xstrdup(a->terms[i]->defn);
	}
	it->nkw = a->n_keywords;
	for (i = 0; i < a->n_keywords; i++)
		it->kw[i] = xstrdup(a->keywords[i]);
	kbd__analysis__free_unpacked(a, NULL);
	return 0;
}

void
itemtext_free(struct item *it)
{
	concepts_terms_free(it->terms, it->nterms);
	it->terms = NULL;
	it->nterms = 0;
	keywords_free(it->kw, it->nkw);
	it->nkw = 0;
}
