/*
 * The concept pages' text, and which terms are concepts (see
 * concepts.h); the terms themselves are extracted by terms.c.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "concepts.h"
#include "kbpath.h"
#include "log.h"
#include "tokenizer.h"
#include "utf8.h"
#include "wiki.h"
#include "util.h"
#include "xmalloc.h"

/*
 * A term in more than a quarter of the documents says little about any
 * of them (its IDF is below log 4): not a concept ("function", "python"
 * in Python's documentation). In a small KB a quarter is a few documents
 * and chance decides: the ceiling is 60% there, up to 60 documents, so
 * it never drops as the KB grows (max of the two).
 *
 * A concept stays one up to CONCEPT_DF_KEEPPCT. A word whose share of the
 * documents is about a quarter crossed the bound one way or the other
 * with every few batches of a large add, and each crossing writes the
 * summaries of all its documents (they link to its page, or now must
 * not): 37,000 of them in a 150,000-file add, seconds a batch (issue
 * 14). Its share must now move by five points to cross back.
 */
int
concepts_is_concept(uint64_t df, uint64_t ndocs, int was)
{
	uint64_t	small;

	if (df < CONCEPT_DF_MIN)
		return 0;
	if (ndocs < CONCEPT_DF_CAP_FROM)
		return 1;
	small = ndocs * CONCEPT_DF_SMALLPCT;
	if (small > (uint64_t)CONCEPT_DF_SMALL * 100)
		small = (uint64_t)CONCEPT_DF_SMALL * 100;
	return df * 100 <= ndocs * (was ? CONCEPT_DF_KEEPPCT :
	    CONCEPT_DF_MAXPCT) || df * 100 <= small;
}

/*
 * Documents a term that is no concept needs to keep its count in
 * term_counts: CONCEPT_COUNT_KEEP; tests set KBD_CONCEPT_COUNT_KEEP=N so
 * that a small KB has such rows. A row is exact whatever the bound it was
 * made under (every mutation that changes a term's count plans the term,
 * and sets or deletes its row), so a committer with another bound only
 * counts more or less often.
 */
uint64_t
concepts_count_keep(void)
{
	static uint64_t	 keep;

	if (keep == 0)
		keep = env_u64("KBD_CONCEPT_COUNT_KEEP", CONCEPT_COUNT_KEEP, 1,
		    UINT64_MAX);
	return keep;
}

/* Pages. */

static FILE *
mopen(char **buf, size_t *len)
{
	FILE	*f;

	*buf = NULL;
	if ((f = open_memstream(buf, len)) == NULL)
		fatal("open_memstream");
	return f;
}

static void
mclose(FILE *f)
{
	if (ferror(f) || fclose(f) != 0)
		fatalx("out of memory rendering a concept page");
}

/* "[term](name.md)" between concept pages. */
static void
concept_link(FILE *f, const char *term, const char *prefix)
{
	char	*name;

	if ((name = kbpath_concept_name(term)) == NULL)
		fatalx("concept term %s", term);
	fprintf(f, "[%s](%s%s.md)", term, prefix, name);
	free(name);
}

char *
concepts_page(const struct concept_page *c, size_t *len)
{
	FILE	*f;
	char	*buf, *desc;
	size_t	 i;

	f = mopen(&buf, len);
	(void)xasprintf(&desc, "A concept: %s, in %" PRIu64 " document%s.",
	    c->term, c->ndocs, wiki_plural(c->ndocs));
	fputs("---\n", f);
	fputs("type: \"concept\"\n", f);
	fputs("description: ", f);
	wiki_yaml_str(f, desc);
	fputs("\nterm: ", f);
	wiki_yaml_str(f, c->term);
	fputs("\n---\n\n", f);
	fprintf(f, "# %s\n\n%s\n\n", c->term, desc);
	free(desc);

	fputs("## Definition\n\n", f);
	if (c->defn != NULL) {
		fprintf(f, "> %s\n\n— ", c->defn);
		wiki_put_doc_link(f, c->defn_title, c->defn_doc,
		    KB_LINK_CONCEPT_SUMMARY);
		fputs("\n\n", f);
	} else
		fputs("_No defining sentence found._\n\n", f);

	fputs("## Documents\n\n", f);
	for (i = 0; i < c->ndocs_shown; i++) {
		fputs("- ", f);
		wiki_put_doc_link(f, c->docs[i].title, c->docs[i].name,
		    KB_LINK_CONCEPT_SUMMARY);
		fputc('\n', f);
	}
	if (c->ndocs > c->ndocs_shown)
		fprintf(f, "- and %" PRIu64 " more (`kbctl search "
		    "'\"%s\"'`)\n", c->ndocs - c->ndocs_shown, c->term);
	fputc('\n', f);

	fputs("## Related concepts\n\n", f);
	for (i = 0; i < c->nrelated; i++) {
		fputs(i > 0 ? ", " : "", f);
		concept_link(f, c->related[i], "");
	}
	fputs(c->nrelated > 0 ? "\n" : "_None._\n", f);
	mclose(f);
	return buf;
}

char *
concepts_index(const struct concept_entry *e, size_t n, uint64_t total,
    size_t *len)
{
	FILE	*f;
	char	*buf;
	size_t	 i;

	f = mopen(&buf, len);
	fputs("---\ntype: \"concepts\"\ndescription: \""
	    CONCEPT_INDEX_DESCRIPTION "\"\n---\n\n# Concepts\n\n"
	    CONCEPT_INDEX_DESCRIPTION "\n\n", f);
	for (i = 0; i < n; i++) {
		fputs("- ", f);
		concept_link(f, e[i].term, "");
		fprintf(f, " (%" PRIu64 ")\n", e[i].ndocs);
	}
	if (total > n)
		fprintf(f, "- and %" PRIu64 " more\n", total - n);
	if (total == 0)
		fputs("_None yet._\n", f);
	mclose(f);
	return buf;
}

char *
concepts_summary_section(char *const *terms, size_t n)
{
	FILE	*f;
	char	*buf;
	size_t	 len, i;

	if (n == 0)
		return xstrdup("");
	f = mopen(&buf, &len);
	fputs(CONCEPT_SUMMARY_SECTION, f);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ", " : "", f);
		concept_link(f, terms[i], KB_LINK_SUMMARY_CONCEPT);
	}
	fputc('\n', f);
	mclose(f);
	return buf;
}

size_t
concepts_summary_strip(const char *page, size_t len)
{
	const char	*p, *last = NULL, *kw;
	size_t		 k = strlen(CONCEPT_SUMMARY_SECTION);

	/* The section follows the keywords: the last one after them. */
	if ((kw = memmem(page, len, "\n## Keywords\n\n", 14)) == NULL)
		return len;
	for (p = kw; (p = memmem(p, len - (size_t)(p - page),
	    CONCEPT_SUMMARY_SECTION, k)) != NULL; p++)
		last = p;
	return last != NULL ? (size_t)(last - page) : len;
}
