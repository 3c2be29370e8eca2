/*
 * The concept registry (schema 11): concept_terms holds each document's
 * candidate terms (concepts.h) with count, weight and defining sentence;
 * concepts the terms that are concepts, with their document counts.
 * Since schema 18 the latest documents' terms are in concept_terms_new
 * until a merge moves them (conceptdb_merge); queries read both through
 * the view concept_terms_all. The committer's connection (db.h); every
 * function returns 0 (1 found) or -1 with db_errmsg().
 */
#ifndef KBD_CONCEPTDB_H
#define KBD_CONCEPTDB_H

#include <stddef.h>
#include <stdint.h>

#include "concepts.h"

/* Finalize the prepared statements (db_close calls it). */
void	 conceptdb_close(void);
/* The terms of document doc, xstrdup'ed into *terms (free each). */
int	 conceptdb_doc_terms(int64_t doc, char ***terms, size_t *n);
int	 conceptdb_doc_delete(int64_t doc);
/*
 * When the side table of the latest rows (schema 18) holds max rows or
 * more, move them into concept_terms, in the open transaction: 0 or -1.
 */
int	 conceptdb_merge(uint64_t max);
/* The terms of the document named name (its row inserted already). */
int	 conceptdb_doc_insert(const char *name, const struct concept_term *,
	    size_t n);
/*
 * In how many documents term is a candidate: 1 read from its term_counts
 * row, 0 counted, -1. The row is kept by conceptdb_count_set (a term held
 * by CONCEPT_COUNT_KEEP documents or more that is no concept) and
 * conceptdb_count_unset, in the mutation that changes the count.
 */
int	 conceptdb_df(const char *term, uint64_t *df);
int	 conceptdb_count_set(const char *term, uint64_t ndocs);
int	 conceptdb_count_unset(const char *term);
/* 1 when term is a concept (*ndocs its count), 0 when not. */
int	 conceptdb_get(const char *term, uint64_t *ndocs);
/* 1 when the KB has a concept, 0 when not, -1. */
int	 conceptdb_any(void);
int	 conceptdb_set(const char *term, uint64_t ndocs);
int	 conceptdb_unset(const char *term);
/* The concepts (but term) sharing a document with term. */
int	 conceptdb_neighbors(const char *term, char ***terms, size_t *n);
/*
 * A concept's page as the registry makes it (p's strings and arrays are
 * allocated: conceptdb_page_free).
 */
int	 conceptdb_page(const char *term, struct concept_page *p);
void	 conceptdb_page_free(struct concept_page *p);
/*
 * Between begin and end, while no concept or term of the registry
 * changes (a flush), conceptdb_page keeps each document's concepts from
 * page to page, in bounded memory (conceptrel.c); end frees them.
 */
void	 conceptdb_cache_begin(void);
void	 conceptdb_cache_end(void);
/*
 * The first max concepts, most documents first (ties in byte order), and
 * how many there are. Free with conceptdb_index_free.
 */
int	 conceptdb_index(size_t max, struct concept_entry **e, size_t *n,
	    uint64_t *total);
void	 conceptdb_index_free(struct concept_entry *e, size_t n);
/* The concepts among document doc's terms, in byte order. */
int	 conceptdb_doc_concepts(int64_t doc, char ***terms, size_t *n);
/* The documents (ids and names, by id) that hold term. */
int	 conceptdb_term_docs(const char *term, int64_t **ids, char ***names,
	    size_t *n);
/* Every concept's term, in byte order. */
int	 conceptdb_all(char ***terms, size_t *n);
void	 conceptdb_strv_free(char **v, size_t n);
/*
 * Pages left behind (schema 14): a batch that only adds documents to a
 * concept marks its page pending instead of writing it; the flush
 * (conceptflush.c) writes the pending pages and clears the marks, as
 * does any mutation that writes the page itself. pending: the first max
 * terms after after in byte order ("": from the first); pending_any: 1
 * when there is one, 0, -1.
 */
int	 conceptdb_pend(const char *term);
int	 conceptdb_unpend(const char *term);
int	 conceptdb_pending(const char *after, size_t max, char ***terms,
	    size_t *n);
int	 conceptdb_pending_any(void);

#endif /* KBD_CONCEPTDB_H */
