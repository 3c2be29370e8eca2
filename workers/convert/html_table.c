/*
 * HTML tables as GFM pipe tables (the walk is html.c's): each cell's
 * Markdown on one line, a colspan as that many cells, rows padded to the
 * widest, the first row the header; the caption a paragraph before it.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "convert.h"
#include "html_int.h"

struct cell {
	size_t	off, len;	/* in table.cells */
};

struct table {
	struct mdbuf	 cells;		/* every cell's Markdown, end to end */
	struct cell	*c;
	size_t		 n, size;
	size_t		*rows;		/* in c, each row's first cell */
	size_t		 nrows, rsize;
	size_t		 est;		/* bytes the table will take at least */
};

/* Room for element n of an array of *size elements of elt bytes. */
static void *
grow(struct html *h, void *p, size_t *size, size_t n, size_t elt)
{
	void	*np;
	size_t	 nsize;

	if (n < *size)
		return p;
	nsize = *size == 0 ? 16 : *size * 2;
	if ((np = reallocarray(p, nsize, elt)) == NULL) {
		h->err = CONVERT_ENOMEM;
		return NULL;
	}
	*size = nsize;
	return np;
}

/* One cell (span times: colspan), its content on one line. */
static void
table_cell(struct html *h, struct table *t, xmlNode *n, unsigned depth,
    size_t span)
{
	struct mdbuf	 save = h->ib;
	int		 pending = h->pending, nospace = h->nospace;
	int		 oneline = h->oneline, incell = h->incell;
	xmlNode		*c;
	struct cell	*c2;
	size_t		 i;

	mdbuf_init(&h->ib, h->out->max);
	h->oneline = h->incell = 1;
	for (c = n->children; c != NULL && !html_stopped(h); c = c->next)
		html_walk(h, c, depth + 1);
	html_ib_trim(h);
	for (i = 0; i < span && !html_stopped(h); i++) {
		if ((c2 = grow(h, t->c, &t->size, t->n, sizeof(*c2))) == NULL)
			break;
		t->c = c2;
		t->c[t->n].off = t->cells.len;
		t->c[t->n].len = i == 0 ? h->ib.len : 0;
		if (i == 0 && h->ib.len > 0)
			mdbuf_add(&t->cells, h->ib.p, h->ib.len);
		t->est += t->c[t->n].len + 3;
		t->n++;
	}
	if (t->est > h->out->max && h->out->err == 0)
		h->out->err = CONVERT_EOUTPUT;
	if (t->cells.err != 0 && h->out->err == 0)
		h->out->err = t->cells.err;
	if (h->ib.err != 0 && h->out->err == 0)
		h->out->err = h->ib.err;
	mdbuf_free(&h->ib);
	h->ib = save;
	h->pending = pending;
	h->nospace = nospace;
	h->oneline = oneline;
	h->incell = incell;
}

static void
table_rows(struct html *h, struct table *t, xmlNode *n, unsigned depth)
{
	xmlNode		*c, *d;
	enum html_kind	 k;
	const char	*name;
	size_t		*rows;
	long		 span;

	if (html_too_deep(h, depth))
		return;
	for (c = n->children; c != NULL && !html_stopped(h); c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		name = (const char *)c->name;
		k = html_kind_of(c);
		if (k == K_SKIP || html_furniture(c, k))
			continue;
		if (strcasecmp(name, "tr") != 0) {
			if (strcasecmp(name, "thead") == 0 ||
			    strcasecmp(name, "tbody") == 0 ||
			    strcasecmp(name, "tfoot") == 0)
				table_rows(h, t, c, depth + 1);
			continue;
		}
		if (html_too_deep(h, depth + 1) || (rows = grow(h, t->rows,
		    &t->rsize, t->nrows, sizeof(*rows))) == NULL)
			return;
		t->rows = rows;
		t->rows[t->nrows++] = t->n;
		for (d = c->children; d != NULL && !html_stopped(h); d = d->next) {
			if (d->type != XML_ELEMENT_NODE ||
			    (strcasecmp((const char *)d->name, "td") != 0 &&
			    strcasecmp((const char *)d->name, "th") != 0))
				continue;
			span = strtol(html_attr(d, "colspan"), NULL, 10);
			if (span < 1)
				span = 1;
			if (span > HTML_COLUMNS_MAX)
				span = HTML_COLUMNS_MAX;
			table_cell(h, t, d, depth + 2, (size_t)span);
			if (t->n - t->rows[t->nrows - 1] > HTML_COLUMNS_MAX) {
				h->err = CONVERT_ELIMIT;
				(void)snprintf(h->reason, h->rlen, "HTML table "
				    "wider than %d columns", HTML_COLUMNS_MAX);
				return;
			}
		}
	}
}

/* A pipe table; the first row is the header, as GFM wants one. */
void
html_table(struct html *h, xmlNode *n, unsigned depth)
{
	struct table	 t;
	struct mdbuf	 blk;
	xmlNode		*c;
	size_t		 r, i, first, end, ncols = 0, hdr = 1, k;

	html_flush(h);
	for (c = n->children; c != NULL && !html_stopped(h); c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcasecmp((const char *)c->name, "caption") == 0) {
			html_walk(h, c, depth + 1);
			html_flush(h);
		}
	memset(&t, 0, sizeof(t));
	mdbuf_init(&t.cells, h->out->max);
	table_rows(h, &t, n, depth);
	for (r = 0; r < t.nrows; r++) {
		end = r + 1 < t.nrows ? t.rows[r + 1] : t.n;
		if (end - t.rows[r] > ncols)
			ncols = end - t.rows[r];
	}
	mdbuf_init(&blk, h->out->max);
	for (r = 0; r < t.nrows && ncols > 0 && !html_stopped(h) &&
	    blk.err == 0; r++) {
		first = t.rows[r];
		end = r + 1 < t.nrows ? t.rows[r + 1] : t.n;
		if (end == first)
			continue;	/* an empty <tr> */
		mdbuf_addc(&blk, '|');
		for (i = 0; i < ncols; i++) {
			mdbuf_addc(&blk, ' ');
			/* cells.p is NULL while every cell is empty. */
			if (first + i < end && t.c[first + i].len > 0)
				mdbuf_add(&blk, t.cells.p + t.c[first + i].off,
				    t.c[first + i].len);
			mdbuf_adds(&blk, " |");
		}
		mdbuf_addc(&blk, '\n');
		if (hdr) {
			mdbuf_addc(&blk, '|');
			for (k = 0; k < ncols; k++)
				mdbuf_adds(&blk, " --- |");
			mdbuf_addc(&blk, '\n');
			hdr = 0;
		}
	}
	if (blk.err != 0 && h->out->err == 0)
		h->out->err = blk.err;
	if (!html_stopped(h) && blk.len > 0) {
		/* A table needs a blank line before it, even in a list. */
		html_emit_block(h, blk.p, blk.len - 1);
	}
	mdbuf_free(&blk);
	mdbuf_free(&t.cells);
	free(t.c);
	free(t.rows);
}
