/*
 * The HTML converter's parts (html.c the walk, html_page.c which elements
 * are what and which are page furniture, html_table.c tables, html_doc.c
 * the documents: parsing, charsets, the title): the walk's state and the
 * functions they share. Internal to workers/convert/html*.c.
 */
#ifndef KBD_CONVERT_HTML_INT_H
#define KBD_CONVERT_HTML_INT_H

#include <stddef.h>

#include <libxml/tree.h>

#include "html.h"
#include "mdbuf.h"

#define PFX_LEN		24	/* any "%ld. " fits */

enum html_kind {
	K_INLINE, K_SKIP, K_BLOCK, K_HEADING, K_UL, K_OL, K_LI, K_PRE,
	K_CODE, K_EM, K_STRONG, K_DEL, K_A, K_IMG, K_BR, K_HR, K_QUOTE,
	K_TABLE, K_DT, K_DD, K_FOOTER, K_ASIDE
};

struct pfx {
	char	first[PFX_LEN];	/* the container's first line: "- ", "1. " */
	char	cont[PFX_LEN];	/* its other lines: "  ", "   ", "> " */
	int	used;
};

struct html {
	struct mdbuf	*out;
	struct mdbuf	 ib;		/* this block's inline Markdown */
	int		 pending;	/* whitespace seen but not written */
	int		 nospace;	/* just after an opening mark */
	int		 oneline;	/* headings, cells: blocks are blanks */
	int		 incell;	/* '|' must be escaped everywhere */
	int		 inlink;
	int		 inheading;
	int		 em, strong, del;
	int		 tight;		/* next block: no blank line before */
	struct pfx	 pfx[HTML_DEPTH_MAX + 2];
	size_t		 npfx;
	int		 err;		/* CONVERT_ELIMIT, CONVERT_ENOMEM */
	char		*reason;
	size_t		 rlen;
};

/* html_page.c */
enum html_kind	 html_kind_of(const xmlNode *);
/* An attribute's value as the parser left it: no copy, "" when absent. */
const char	*html_attr(const xmlNode *, const char *);
int		 html_blank(int);
/* Whether the blank- '-' '_'-separated words of s include one of list. */
int		 html_has_word(const char *s, const char *const *list,
		    size_t nlist, int dashes);
/* Navigation and other page furniture: dropped with its subtree. */
int		 html_furniture(const xmlNode *, enum html_kind);

/* html.c */
void		 html_walk(struct html *, xmlNode *, unsigned depth);
int		 html_stopped(const struct html *);
int		 html_too_deep(struct html *, unsigned depth);
void		 html_flush(struct html *);
void		 html_ib_trim(struct html *);
void		 html_emit_block(struct html *, const char *, size_t);
/*
 * The Markdown of doc's tree appended to out: CONVERT_OK, or
 * CONVERT_ENOMEM or CONVERT_ELIMIT with a reason in reason.
 */
int		 html_body(xmlDoc *doc, struct mdbuf *out, char *reason,
		    size_t rlen);

/* html_table.c */
void		 html_table(struct html *, xmlNode *, unsigned depth);

#endif /* KBD_CONVERT_HTML_INT_H */
