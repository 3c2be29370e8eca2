/*
 * DOCX (WordprocessingML) to Markdown: paragraphs, headings from their
 * paragraph styles, lists from their numbering, tables, line breaks; the
 * text of hyperlinks, fields and content controls. The title is
 * docProps/core.xml's dc:title when there is one. What maps to what is
 * in docs/converters.md.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "convert.h"
#include "converters.h"
#include "zip.h"
#include "mdbuf.h"

#define LIST_LEVELS	9

struct dstyle {
	const char	*id, *name, *based, *numid;
	int		 outline;	/* w:outlineLvl + 1, or 0 */
	int		 ilvl;
};

struct dnum {
	const char	*id;
	unsigned	 ordered;	/* bit per level */
	unsigned	 count[LIST_LEVELS]; /* items so far: Word continues */
};

struct docx {
	struct mdbuf	*out;
	struct dstyle	*st;
	size_t		 nst;
	struct dnum	*num;
	size_t		 nnum;
	struct mdbuf	 para;		/* a paragraph's raw text */
	int		 in_list;
	int		 err;
};

static struct dstyle *
style_find(struct docx *d, const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && i < d->nst; i++)
		if (strcmp(d->st[i].id, id) == 0)
			return &d->st[i];
	return NULL;
}

/* "heading 3" -> 3, "Title" -> 1; else the outline level, inherited. */
static int
style_level(struct docx *d, const char *id)
{
	struct dstyle	*s;
	const char	*n;
	int		 depth;

	for (depth = 0; depth < 16; depth++) {
		if ((s = style_find(d, id)) == NULL)
			break;
		n = s->name != NULL ? s->name : s->id;
		if (strncasecmp(n, "heading", 7) == 0) {
			n += 7;
			if (*n == ' ')
				n++;
			if (*n >= '1' && *n <= '9' && n[1] == '\0')
				return *n - '0';
		}
		if (strcasecmp(n, "title") == 0)
			return 1;
		if (s->outline > 0 && s->outline <= 9)
			return s->outline;
		id = s->based;
	}
	/* No styles.xml: the built-in ids, which are not localized. */
	if (d->nst == 0 && id != NULL) {
		if (strncmp(id, "Heading", 7) == 0 && id[7] >= '1' &&
		    id[7] <= '9' && id[8] == '\0')
			return id[7] - '0';
		if (strcmp(id, "Title") == 0)
			return 1;
	}
	return 0;
}

static int
load_styles(struct docx *d, struct zip *z, xmlDocPtr *doc)
{
	struct zip_entry	*e;
	struct dstyle		*s;
	xmlNodePtr		 n, ppr, np;
	const char		*v;
	size_t			 cnt = 0;
	int			 err;

	if ((err = zip_get(z, "word/styles.xml", &e)) != CONVERT_OK ||
	    e == NULL)
		return err;
	if ((*doc = xml_parse(z, e, &err)) == NULL)
		return err;
	n = xmlDocGetRootElement(*doc);
	for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next)
		cnt += xml_is(n, "style");
	if (cnt == 0)
		return CONVERT_OK;
	if ((d->st = calloc(cnt, sizeof(*d->st))) == NULL)
		return CONVERT_ENOMEM;
	n = xmlDocGetRootElement(*doc);
	for (n = n->children; n != NULL; n = n->next) {
		if (!xml_is(n, "style") || (v = xml_attr(n, "styleId")) == NULL)
			continue;
		s = &d->st[d->nst++];
		s->id = v;
		s->name = xml_attr(xml_child(n, "name"), "val");
		s->based = xml_attr(xml_child(n, "basedOn"), "val");
		ppr = xml_child(n, "pPr");
		if ((v = xml_attr(xml_child(ppr, "outlineLvl"), "val")) != NULL)
			s->outline = atoi(v) + 1;
		if ((np = xml_child(ppr, "numPr")) != NULL) {
			s->numid = xml_attr(xml_child(np, "numId"), "val");
			if ((v = xml_attr(xml_child(np, "ilvl"), "val")) != NULL)
				s->ilvl = atoi(v);
		}
	}
	return CONVERT_OK;
}

/* numId -> abstractNumId -> which levels count (decimal, letters...). */
static int
load_numbering(struct docx *d, struct zip *z, xmlDocPtr *doc)
{
	struct zip_entry	*e;
	xmlNodePtr		 root, n, a, l;
	const char		*aid, *v;
	unsigned		 mask;
	size_t			 cnt = 0;
	int			 err, lv;

	if ((err = zip_get(z, "word/numbering.xml", &e)) != CONVERT_OK ||
	    e == NULL)
		return err;
	if ((*doc = xml_parse(z, e, &err)) == NULL)
		return err;
	if ((root = xmlDocGetRootElement(*doc)) == NULL)
		return CONVERT_OK;
	for (n = root->children; n != NULL; n = n->next)
		cnt += xml_is(n, "num");
	if (cnt == 0)
		return CONVERT_OK;
	if ((d->num = calloc(cnt, sizeof(*d->num))) == NULL)
		return CONVERT_ENOMEM;
	for (n = root->children; n != NULL; n = n->next) {
		if (!xml_is(n, "num") || (v = xml_attr(n, "numId")) == NULL)
			continue;
		aid = xml_attr(xml_child(n, "abstractNumId"), "val");
		mask = 0;
		for (a = root->children; aid != NULL && a != NULL; a = a->next) {
			if (!xml_is(a, "abstractNum") ||
			    (v = xml_attr(a, "abstractNumId")) == NULL ||
			    strcmp(v, aid) != 0)
				continue;
			for (l = a->children; l != NULL; l = l->next) {
				if (!xml_is(l, "lvl") ||
				    (v = xml_attr(l, "ilvl")) == NULL)
					continue;
				lv = atoi(v);
				v = xml_attr(xml_child(l, "numFmt"), "val");
				if (lv >= 0 && lv < LIST_LEVELS && v != NULL &&
				    strcmp(v, "bullet") != 0 &&
				    strcmp(v, "none") != 0)
					mask |= 1u << lv;
			}
			break;
		}
		d->num[d->nnum].id = xml_attr(n, "numId");
		d->num[d->nnum].ordered = mask;
		d->nnum++;
	}
	return CONVERT_OK;
}

static struct dnum *
num_find(struct docx *d, const char *id)
{
	size_t	i;

	for (i = 0; i < d->nnum; i++)
		if (strcmp(d->num[i].id, id) == 0)
			return &d->num[i];
	return NULL;
}

/* A paragraph's text: runs, tabs as blanks, breaks as newlines. */
static void
run_text(struct docx *d, const xmlNode *n)
{
	const xmlNode	*c;

	for (c = n->children; c != NULL && !d->para.err; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xml_is(c, "t"))
			xml_text(c, &d->para);
		else if (xml_is(c, "tab") || xml_is(c, "ptab"))
			mdbuf_addc(&d->para, ' ');
		else if (xml_is(c, "br") || xml_is(c, "cr"))
			mdbuf_addc(&d->para, '\n');
		else if (xml_is(c, "noBreakHyphen"))
			mdbuf_addc(&d->para, '-');
		else if (xml_is(c, "AlternateContent")) {
			/* The same content twice: take the first choice. */
			if (xml_child(c, "Choice") != NULL)
				run_text(d, xml_child(c, "Choice"));
		} else if (xml_is(c, "pPr") || xml_is(c, "rPr") ||
		    xml_is(c, "del") || xml_is(c, "delText") ||
		    xml_is(c, "instrText") || xml_is(c, "moveFrom"))
			continue;
		else
			run_text(d, c);	/* r, hyperlink, ins, sdt, fldSimple... */
	}
}

static void
para_gather(struct docx *d, const xmlNode *p)
{
	d->para.len = 0;
	run_text(d, p);
	mdbuf_add(&d->para, "", 0);
}

/* Whether s has anything but blanks. */
static int
has_text(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] > ' ')
			return 1;
	return 0;
}

static void
paragraph(struct docx *d, const xmlNode *p)
{
	struct dstyle	*s;
	struct dnum	*num;
	xmlNodePtr	 ppr, np;
	const char	*sid, *numid = NULL, *v, *line, *nl, *end;
	char		 marker[16];
	int		 level, ilvl = 0, i;

	para_gather(d, p);
	if (d->para.err || !has_text(d->para.p, d->para.len))
		return;
	ppr = xml_child(p, "pPr");
	sid = xml_attr(xml_child(ppr, "pStyle"), "val");
	level = style_level(d, sid);
	if (level == 0 && (v = xml_attr(xml_child(ppr, "outlineLvl"),
	    "val")) != NULL && atoi(v) >= 0 && atoi(v) < 9)
		level = atoi(v) + 1;
	if ((np = xml_child(ppr, "numPr")) != NULL) {
		numid = xml_attr(xml_child(np, "numId"), "val");
		if ((v = xml_attr(xml_child(np, "ilvl"), "val")) != NULL)
			ilvl = atoi(v);
	} else if ((s = style_find(d, sid)) != NULL && s->numid != NULL) {
		numid = s->numid;
		ilvl = s->ilvl;
	}
	if (numid != NULL && strcmp(numid, "0") == 0)
		numid = NULL;
	end = d->para.p + d->para.len;

	if (level > 0) {
		d->in_list = 0;
		mdbuf_heading(d->out, (unsigned)level, d->para.p, d->para.len);
		return;
	}
	if (numid != NULL) {
		if (ilvl < 0)
			ilvl = 0;
		if (ilvl >= LIST_LEVELS)
			ilvl = LIST_LEVELS - 1;
		if (!d->in_list)
			mdbuf_blank(d->out);
		d->in_list = 1;
		/* Numbers go on across the document, as in Word. */
		if ((num = num_find(d, numid)) != NULL)
			for (i = ilvl + 1; i < LIST_LEVELS; i++)
				num->count[i] = 0;
		/* Four columns a level: inside any parent's marker. */
		for (i = 0; i < ilvl; i++)
			mdbuf_adds(d->out, "    ");
		if (num != NULL && (num->ordered >> ilvl) & 1)
			(void)snprintf(marker, sizeof(marker), "%u. ",
			    ++num->count[ilvl]);
		else
			(void)snprintf(marker, sizeof(marker), "- ");
		mdbuf_adds(d->out, marker);
		mdbuf_text(d->out, d->para.p, d->para.len);
		mdbuf_addc(d->out, '\n');
		return;
	}
	d->in_list = 0;
	mdbuf_blank(d->out);
	/* Line breaks are hard breaks; empty lines are dropped. */
	for (line = d->para.p; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		if (!has_text(line, (size_t)(nl - line)))
			continue;
		if (d->out->len > 0 && d->out->p[d->out->len - 1] != '\n')
			mdbuf_adds(d->out, "  \n");
		mdbuf_text(d->out, line, (size_t)(nl - line));
	}
	mdbuf_blank(d->out);
}

/* Every paragraph of a cell, nested tables included, on one line. */
static void
cell_text(struct docx *d, const xmlNode *n, struct mdbuf *cell)
{
	const xmlNode	*c;

	for (c = n->children; c != NULL && !cell->err; c = c->next) {
		if (xml_is(c, "p")) {
			para_gather(d, c);
			if (cell->len > 0)
				mdbuf_addc(cell, ' ');
			mdbuf_add(cell, d->para.p, d->para.len);
		} else if (c->type == XML_ELEMENT_NODE && !xml_is(c, "tcPr"))
			cell_text(d, c, cell);
	}
}

/*
 * The next element named local among n's children from c on, looking
 * into content controls and custom XML wrapped around rows and cells.
 */
static const xmlNode *
next_in(const xmlNode *c, const char *local, int depth)
{
	const xmlNode	*k;

	for (; c != NULL; c = c->next) {
		if (xml_is(c, local))
			return c;
		if (depth < 4 && (xml_is(c, "sdt") || xml_is(c, "customXml") ||
		    xml_is(c, "sdtContent")) &&
		    (k = next_in(c->children, local, depth + 1)) != NULL)
			return k;
	}
	return NULL;
}

/* After c: its next sibling, or up out of the wrappers next_in entered. */
static const xmlNode *
after(const xmlNode *c, const xmlNode *top, const char *local)
{
	const xmlNode	*k;

	for (;;) {
		if ((k = next_in(c->next, local, 0)) != NULL)
			return k;
		c = c->parent;
		if (c == NULL || c == top)
			return NULL;
	}
}

static void
table(struct docx *d, const xmlNode *t)
{
	struct grid	 g;
	struct mdbuf	 cell;
	const xmlNode	*tr, *tc;
	const char	*v;
	size_t		 row = 0, col;
	int		 span;

	grid_init(&g);
	mdbuf_init(&cell, MDBUF_NOLIMIT);
	for (tr = next_in(t->children, "tr", 0); tr != NULL;
	    tr = after(tr, t, "tr")) {
		col = 0;
		for (tc = next_in(tr->children, "tc", 0); tc != NULL;
		    tc = after(tc, tr, "tc")) {
			cell.len = 0;
			cell_text(d, tc, &cell);
			mdbuf_add(&cell, "", 0);
			grid_add(&g, row, col++, cell.p, cell.len);
			v = xml_attr(xml_child(xml_child(tc, "tcPr"),
			    "gridSpan"), "val");
			for (span = v != NULL ? atoi(v) : 1; span > 1 &&
			    span <= 64; span--)
				grid_add(&g, row, col++, "", 0);
		}
		row++;
	}
	d->in_list = 0;
	grid_emit(&g, d->out);
	if (g.err != 0 || cell.err != 0)
		d->err = g.err != 0 ? g.err : cell.err;
	grid_free(&g);
	mdbuf_free(&cell);
}

static void
blocks(struct docx *d, const xmlNode *n)
{
	const xmlNode	*c;

	for (c = n->children; c != NULL && !d->err && !d->out->err;
	    c = c->next) {
		if (xml_is(c, "p"))
			paragraph(d, c);
		else if (xml_is(c, "tbl"))
			table(d, c);
		else if (xml_is(c, "sdt"))
			blocks(d, xml_child(c, "sdtContent"));
		else if (xml_is(c, "customXml") || xml_is(c, "ins") ||
		    xml_is(c, "smartTag"))
			blocks(d, c);
		else if (xml_is(c, "AlternateContent") &&
		    xml_child(c, "Choice") != NULL)
			blocks(d, xml_child(c, "Choice"));
	}
	if (d->para.err)
		d->err = d->para.err;
}

int
docx_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	struct docx		 d;
	struct zip		 z;
	struct zip_entry	*e;
	xmlDocPtr		 doc = NULL, styles = NULL, numbering = NULL;
	xmlNodePtr		 body;
	int			 err;

	(void)ext;
	if ((err = zip_open(&z, in, len, r->reason, sizeof(r->reason))) != 0)
		return err;
	memset(&d, 0, sizeof(d));
	d.out = out;
	mdbuf_init(&d.para, MDBUF_NOLIMIT);
	if ((err = ooxml_check(&z, "DOCX", "word/document.xml")) != 0 ||
	    (err = zip_get(&z, "word/document.xml", &e)) != 0)
		goto out;
	if ((doc = xml_parse(&z, e, &err)) == NULL)
		goto out;
	if ((err = load_styles(&d, &z, &styles)) != 0 ||
	    (err = load_numbering(&d, &z, &numbering)) != 0)
		goto out;
	body = xml_child(xmlDocGetRootElement(doc), "body");
	if (body == NULL) {
		(void)snprintf(r->reason, sizeof(r->reason), "damaged DOCX "
		    "document (word/document.xml without a body)");
		err = CONVERT_EDOC;
		goto out;
	}
	blocks(&d, body);
	if ((err = d.err) != 0)
		goto out;
	r->title = ooxml_core_title(&z, &err);
out:
	xmlFreeDoc(doc);
	xmlFreeDoc(styles);
	xmlFreeDoc(numbering);
	free(d.st);
	free(d.num);
	mdbuf_free(&d.para);
	zip_close(&z);
	return err;
}
