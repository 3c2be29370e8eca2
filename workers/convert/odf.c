/*
 * OpenDocument (ODT, ODS, ODP) to Markdown: the zip container and XML
 * helpers of zip.c, content.xml walked as a tree. Text: headings by
 * outline level, paragraphs, lists, tables, emphasis from automatic
 * styles, links with their targets. Spreadsheets: a heading and a pipe
 * table per sheet. Presentations: a section per slide, with its notes.
 * The title is meta.xml's dc:title when there is one. What maps to what
 * is in docs/converters.md.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "convert.h"
#include "converters.h"
#include "zip.h"
#include "mdbuf.h"

#define ODF_STYLES	4096	/* automatic styles read */
#define ODF_ROWS	10000	/* rows of a table or sheet */
#define ODF_COLS	100	/* columns of a table or sheet */
#define ODF_LISTS	8	/* list nesting written */
#define ODF_HREF_MAX	2048	/* longer link targets keep only the text */

enum { O_B = 1, O_I = 2 };

struct ostyle {
	const char	*name;
	int		 font;
};

struct odf {
	struct mdbuf	*out;
	struct ostyle	*st;
	size_t		 nst;
	struct mdbuf	 para;		/* a block's inline Markdown */
	struct mdbuf	 seg;		/* raw text in the current font */
	int		 font, space;
	int		 plain;		/* no markup: headings, cells */
	int		 depth;		/* list nesting */
	int		 err;
};

static const char *const omark[] = { "", "**", "*", "***" };

static int
style_font(struct odf *o, const char *name)
{
	size_t	i;

	if (name == NULL)
		return 0;
	for (i = 0; i < o->nst; i++)
		if (strcmp(o->st[i].name, name) == 0)
			return o->st[i].font;
	/* The named styles of styles.xml, by their usual names. */
	if (strstr(name, "Strong") != NULL)
		return O_B;
	if (strstr(name, "Emphasis") != NULL)
		return O_I;
	return 0;
}

static int
load_styles(struct odf *o, xmlNodePtr root)
{
	xmlNodePtr	 a, s, tp;
	const char	*v;
	size_t		 cnt = 0;

	if ((a = xml_child(root, "automatic-styles")) == NULL)
		return CONVERT_OK;
	for (s = a->children; s != NULL; s = s->next)
		cnt += xml_is(s, "style");
	if (cnt > ODF_STYLES)
		cnt = ODF_STYLES;
	if (cnt == 0 || (o->st = calloc(cnt, sizeof(*o->st))) == NULL)
		return cnt == 0 ? CONVERT_OK : CONVERT_ENOMEM;
	for (s = a->children; s != NULL && o->nst < cnt; s = s->next) {
		if (!xml_is(s, "style") || (v = xml_attr(s, "name")) == NULL)
			continue;
		o->st[o->nst].name = v;
		if ((tp = xml_child(s, "text-properties")) != NULL) {
			if ((v = xml_attr(tp, "font-weight")) != NULL &&
			    strcmp(v, "bold") == 0)
				o->st[o->nst].font |= O_B;
			if ((v = xml_attr(tp, "font-style")) != NULL &&
			    strcmp(v, "italic") == 0)
				o->st[o->nst].font |= O_I;
		}
		o->nst++;
	}
	return CONVERT_OK;
}

/* The text of the current font, into the block with its markers. */
static void
flush_seg(struct odf *o)
{
	const char	*s = o->seg.p;
	size_t		 n = o->seg.len, a = 0;
	int		 lead, trail, f = o->plain ? 0 : o->font;

	if (n == 0)
		return;
	while (a < n && (s[a] == ' ' || s[a] == '\t' || s[a] == '\n'))
		a++;
	while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n'))
		n--;
	lead = a > 0;
	trail = n < o->seg.len;
	o->seg.len = 0;
	if (a == n) {
		o->space |= lead;
		return;
	}
	if ((o->space || lead) && o->para.len > 0)
		mdbuf_addc(&o->para, ' ');
	mdbuf_adds(&o->para, omark[f]);
	if (o->plain)
		mdbuf_add(&o->para, s + a, n - a);
	else
		mdbuf_text(&o->para, s + a, n - a);
	mdbuf_adds(&o->para, omark[f]);
	o->space = trail;
}

static void
set_font(struct odf *o, int f)
{
	if (f != o->font) {
		flush_seg(o);
		o->font = f;
	}
}

/* A link target as Markdown reads it: no blank, no parenthesis. */
static void
href(struct mdbuf *b, const char *h)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)h; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == '(' || *p == ')' || *p == '<' ||
		    *p == '>' || *p == 0x7f) {
			mdbuf_addc(b, '%');
			mdbuf_addc(b, hex[*p >> 4]);
			mdbuf_addc(b, hex[*p & 15]);
		} else
			mdbuf_addc(b, (char)*p);
	}
}

/* The inline content of a paragraph or heading. */
static void
inlines(struct odf *o, const xmlNode *n)
{
	const xmlNode	*c;
	const char	*v;
	int		 f;

	for (c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content != NULL)
				mdbuf_adds(&o->seg, (const char *)c->content);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		/* Runs of blanks collapse in Markdown: text:s is one. */
		if (xml_is(c, "s") || xml_is(c, "tab") ||
		    xml_is(c, "line-break")) {
			mdbuf_addc(&o->seg, ' ');
		} else if (xml_is(c, "span")) {
			f = o->font;
			set_font(o, f | style_font(o, xml_attr(c, "style-name")));
			inlines(o, c);
			set_font(o, f);
		} else if (xml_is(c, "a")) {
			v = xml_attr(c, "href");
			if (o->plain || v == NULL || *v == '\0' ||
			    strlen(v) > ODF_HREF_MAX) {
				inlines(o, c);
				continue;
			}
			flush_seg(o);
			if (o->space && o->para.len > 0)
				mdbuf_addc(&o->para, ' ');
			o->space = 0;
			mdbuf_addc(&o->para, '[');
			inlines(o, c);
			flush_seg(o);
			mdbuf_adds(&o->para, "](");
			href(&o->para, v);
			mdbuf_addc(&o->para, ')');
			o->space = 0;
		} else if (xml_is(c, "note-citation") ||
		    xml_is(c, "annotation") || xml_is(c, "tracked-changes")) {
			continue;
		} else
			inlines(o, c);	/* notes, fields, frames: their text */
	}
}

static void
para_reset(struct odf *o)
{
	o->para.len = o->seg.len = 0;
	o->space = 0;
	o->font = 0;
}

static const char spaces[] = "                ";	/* 2 * ODF_LISTS */

/* A paragraph: its inline content written after prefix. */
static void
paragraph(struct odf *o, const xmlNode *n, const char *first)
{
	int	f = style_font(o, xml_attr(n, "style-name"));

	para_reset(o);
	o->font = f;
	inlines(o, n);
	flush_seg(o);
	if (o->para.len == 0)
		return;
	mdbuf_blank(o->out);
	mdbuf_adds(o->out, first);
	mdbuf_add(o->out, o->para.p, o->para.len);
	mdbuf_addc(o->out, '\n');
}

static void
heading(struct odf *o, const xmlNode *n, unsigned level)
{
	para_reset(o);
	o->plain = 1;
	inlines(o, n);
	flush_seg(o);
	o->plain = 0;
	if (o->para.len > 0)
		mdbuf_heading(o->out, level, o->para.p, o->para.len);
}

/* A cell's text, plain, its paragraphs joined by blanks. */
static void
cell_text(struct odf *o, const xmlNode *n)
{
	const xmlNode	*c;

	for (c = n->children; c != NULL; c = c->next) {
		if (xml_is(c, "p") || xml_is(c, "h")) {
			inlines(o, c);
			mdbuf_addc(&o->seg, ' ');
		} else if (c->type == XML_ELEMENT_NODE &&
		    !xml_is(c, "annotation"))
			cell_text(o, c);
	}
}

static size_t
repeated(const xmlNode *n, const char *attr)
{
	const char	*v = xml_attr(n, attr);
	long		 k;

	if (v == NULL || (k = atol(v)) < 1)
		return 1;
	return (size_t)k;
}

/* Rows of a table into the grid, skipping empty ones; *row counts. */
static void
rows(struct odf *o, const xmlNode *n, struct grid *g, size_t *row, int *cut)
{
	const xmlNode	*r, *c;
	size_t		 col, k, rep, crep;
	int		 any;

	for (r = n->children; r != NULL; r = r->next) {
		if (xml_is(r, "table-header-rows") || xml_is(r, "table-rows") ||
		    xml_is(r, "table-row-group")) {
			rows(o, r, g, row, cut);
			continue;
		}
		if (!xml_is(r, "table-row"))
			continue;
		rep = repeated(r, "number-rows-repeated");
		for (k = 0; k < rep; k++) {
			if (*row >= ODF_ROWS) {
				*cut = 1;
				return;
			}
			any = 0;
			col = 0;
			for (c = r->children; c != NULL; c = c->next) {
				if (!xml_is(c, "table-cell") &&
				    !xml_is(c, "covered-table-cell"))
					continue;
				crep = repeated(c, "number-columns-repeated");
				para_reset(o);
				o->plain = 1;
				cell_text(o, c);
				flush_seg(o);
				o->plain = 0;
				for (; crep > 0 && col < ODF_COLS; crep--, col++)
					if (o->para.len > 0) {
						grid_add(g, *row, col, o->para.p,
						    o->para.len);
						any = 1;
					}
				if (crep > 0 && o->para.len > 0)
					*cut = 1;
			}
			/* Empty rows (sheets repeat them by the million). */
			if (!any)
				break;
			(*row)++;
		}
	}
}

static void
table(struct odf *o, const xmlNode *n)
{
	struct grid	g;
	size_t		row = 0;
	int		cut = 0;

	grid_init(&g);
	rows(o, n, &g, &row, &cut);
	if (g.err != 0)
		o->err = g.err;
	else if (g.n > 0)
		grid_emit(&g, o->out);
	grid_free(&g);
	if (cut) {
		mdbuf_blank(o->out);
		mdbuf_adds(o->out, "*(kbd: table cut at 10000 rows and 100 "
		    "columns)*\n");
	}
}

static void	blocks(struct odf *, const xmlNode *);

static void
list(struct odf *o, const xmlNode *n)
{
	const xmlNode	*it, *c;
	char		 item[2 * ODF_LISTS + 3];
	const char	*body;
	int		 first, d;

	o->depth++;
	d = o->depth < ODF_LISTS ? o->depth : ODF_LISTS;
	(void)snprintf(item, sizeof(item), "%.*s- ", 2 * (d - 1), spaces);
	body = spaces + sizeof(spaces) - 1 - 2 * (size_t)d;
	for (it = n->children; it != NULL; it = it->next) {
		if (!xml_is(it, "list-item") && !xml_is(it, "list-header"))
			continue;
		first = 1;
		for (c = it->children; c != NULL; c = c->next) {
			if ((xml_is(c, "p") || xml_is(c, "h")) && first) {
				paragraph(o, c, item);
				first = 0;
			} else if (xml_is(c, "p") || xml_is(c, "h"))
				paragraph(o, c, body);
			else if (xml_is(c, "list"))
				list(o, c);
		}
	}
	o->depth--;
}

/* Block content: paragraphs, headings, lists, tables, sections, frames. */
static void
blocks(struct odf *o, const xmlNode *n)
{
	const xmlNode	*c;
	const char	*v;
	long		 lv;

	for (c = n->children; c != NULL && o->out->err == 0 && o->err == 0;
	    c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xml_is(c, "h")) {
			lv = (v = xml_attr(c, "outline-level")) != NULL ?
			    atol(v) : 1;
			heading(o, c, lv < 1 ? 1 : lv > 6 ? 6 : (unsigned)lv);
		} else if (xml_is(c, "p")) {
			v = xml_attr(c, "style-name");
			if (v != NULL && strcmp(v, "Title") == 0)
				heading(o, c, 1);
			else
				paragraph(o, c, "");
		} else if (xml_is(c, "list"))
			list(o, c);
		else if (xml_is(c, "table"))
			table(o, c);
		else if (xml_is(c, "tracked-changes") ||
		    xml_is(c, "annotation") || xml_is(c, "forms") ||
		    xml_is(c, "sequence-decls") || xml_is(c, "variable-decls") ||
		    xml_is(c, "user-field-decls"))
			continue;
		else
			blocks(o, c);	/* sections, frames, text boxes... */
	}
}

/* The text of a slide's title frame, plain. */
static void
slide_title(struct odf *o, const xmlNode *page, struct mdbuf *t)
{
	const xmlNode	*f;
	const char	*v;

	for (f = page->children; f != NULL; f = f->next) {
		if (!xml_is(f, "frame") || (v = xml_attr(f, "class")) == NULL ||
		    strcmp(v, "title") != 0)
			continue;
		para_reset(o);
		o->plain = 1;
		cell_text(o, f);
		flush_seg(o);
		o->plain = 0;
		mdbuf_add(t, o->para.p, o->para.len);
		return;
	}
}

static void
presentation(struct odf *o, const xmlNode *body)
{
	const xmlNode	*pg, *f;
	const char	*v;
	struct mdbuf	 t;
	char		 h[64];
	unsigned	 num = 0;

	mdbuf_init(&t, 4096);
	for (pg = body->children; pg != NULL && o->out->err == 0; pg = pg->next) {
		if (!xml_is(pg, "page"))
			continue;
		t.len = 0;
		slide_title(o, pg, &t);
		(void)snprintf(h, sizeof(h), "Slide %u%s", ++num,
		    t.len > 0 ? ": " : "");
		mdbuf_blank(o->out);
		mdbuf_adds(o->out, "## ");
		mdbuf_adds(o->out, h);
		if (t.len > 0)
			mdbuf_text(o->out, t.p, t.len);
		mdbuf_adds(o->out, "\n\n");
		for (f = pg->children; f != NULL; f = f->next) {
			v = xml_attr(f, "class");
			if (xml_is(f, "frame") && v != NULL &&
			    strcmp(v, "title") == 0)
				continue;
			if (xml_is(f, "notes")) {
				para_reset(o);
				o->plain = 1;
				cell_text(o, f);
				flush_seg(o);
				o->plain = 0;
				if (o->para.len > 0) {
					mdbuf_blank(o->out);
					mdbuf_adds(o->out, "> Notes: ");
					mdbuf_text(o->out, o->para.p,
					    o->para.len);
					mdbuf_addc(o->out, '\n');
				}
				continue;
			}
			if (f->type == XML_ELEMENT_NODE)
				blocks(o, f);
		}
	}
	mdbuf_free(&t);
}

static void
spreadsheet(struct odf *o, const xmlNode *body)
{
	const xmlNode	*t;
	const char	*v;

	for (t = body->children; t != NULL && o->out->err == 0; t = t->next) {
		if (!xml_is(t, "table"))
			continue;
		if ((v = xml_attr(t, "name")) != NULL)
			mdbuf_heading(o->out, 2, v, strlen(v));
		table(o, t);
	}
}

/* meta.xml's dc:title, malloc'd, or NULL. */
static char *
odf_title(struct zip *z, int *err)
{
	struct zip_entry	*e;
	struct mdbuf		 b;
	xmlDocPtr		 doc;
	xmlNodePtr		 m, t;
	char			*title = NULL;

	if ((*err = zip_get(z, "meta.xml", &e)) != CONVERT_OK || e == NULL)
		return NULL;
	if ((doc = xml_parse(z, e, err)) == NULL) {
		/* Metadata only: a damaged meta.xml costs the title. */
		if (*err != CONVERT_ENOMEM)
			*err = CONVERT_OK;
		return NULL;
	}
	m = xml_child(xmlDocGetRootElement(doc), "meta");
	if ((t = xml_child(m, "title")) != NULL) {
		mdbuf_init(&b, CONVERT_TITLE_MAX * 4);
		xml_text(t, &b);
		if (b.p != NULL && (title = meta_title(b.p, b.len)) == NULL)
			*err = CONVERT_ENOMEM;
		else if (title != NULL && *title == '\0') {
			free(title);
			title = NULL;
		}
		mdbuf_free(&b);
	}
	xmlFreeDoc(doc);
	return title;
}

int
odf_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	static const struct {
		const char	*ext, *kind, *mime, *body;
	} kinds[] = {
		{ "odt", "ODT", "application/vnd.oasis.opendocument.text",
		    "text" },
		{ "ods", "ODS", "application/vnd.oasis.opendocument.spreadsheet",
		    "spreadsheet" },
		{ "odp", "ODP",
		    "application/vnd.oasis.opendocument.presentation",
		    "presentation" },
	};
	struct zip		 z;
	struct zip_entry	*e;
	struct odf		 o;
	xmlDocPtr		 doc = NULL;
	xmlNodePtr		 root, body;
	size_t			 k, ml;
	int			 err;

	for (k = 0; k < 2 && strcmp(ext, kinds[k].ext) != 0; k++)
		;
	if ((err = zip_open(&z, in, len, r->reason, sizeof(r->reason))) != 0)
		return err;
	memset(&o, 0, sizeof(o));
	o.out = out;
	mdbuf_init(&o.para, out->max);
	mdbuf_init(&o.seg, out->max);
	/* The mimetype entry, when there is one, must name this kind. */
	if ((err = zip_get(&z, "mimetype", &e)) != 0)
		goto out;
	ml = strlen(kinds[k].mime);
	if (e != NULL && (e->len < ml ||
	    memcmp(e->data, kinds[k].mime, ml) != 0 ||
	    (e->len > ml && e->data[ml] != '\n' && e->data[ml] != '\r'))) {
		(void)snprintf(r->reason, sizeof(r->reason), "not an %s "
		    "document (mimetype is not %s)", kinds[k].kind,
		    kinds[k].mime);
		err = CONVERT_EFORMAT;
		goto out;
	}
	if ((err = zip_get(&z, "content.xml", &e)) != 0)
		goto out;
	if (e == NULL) {
		(void)snprintf(r->reason, sizeof(r->reason), "not an %s "
		    "document (zip without content.xml)", kinds[k].kind);
		err = CONVERT_EFORMAT;
		goto out;
	}
	if ((doc = xml_parse(&z, e, &err)) == NULL)
		goto out;
	root = xmlDocGetRootElement(doc);
	if ((err = load_styles(&o, root)) != 0)
		goto out;
	body = xml_child(xml_child(root, "body"), kinds[k].body);
	if (body == NULL) {
		(void)snprintf(r->reason, sizeof(r->reason), "not an %s "
		    "document (content.xml has no office:%s)", kinds[k].kind,
		    kinds[k].body);
		err = CONVERT_EFORMAT;
		goto out;
	}
	if (k == 0)
		blocks(&o, body);
	else if (k == 1)
		spreadsheet(&o, body);
	else
		presentation(&o, body);
	if ((err = o.err) != 0 || (err = o.para.err) != 0 ||
	    (err = o.seg.err) != 0)
		goto out;
	r->title = odf_title(&z, &err);
out:
	xmlFreeDoc(doc);
	free(o.st);
	mdbuf_free(&o.para);
	mdbuf_free(&o.seg);
	zip_close(&z);
	return err;
}
