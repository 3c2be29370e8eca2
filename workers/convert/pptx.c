/*
 * PPTX (PresentationML) to Markdown: one "## Slide N: title" section per
 * slide in presentation order (ppt/presentation.xml's slide list through
 * its relationships), then the other text frames' paragraphs as list
 * items nested by their level, tables, and the speaker notes as a quote. The title is docProps/core.xml's
 * dc:title, else the first slide's title.
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

#define PPTX_LEVELS	9

struct pptx {
	struct mdbuf	*out;
	struct mdbuf	 para, title;
	int		 err;
};

static void
para_text(struct pptx *p, const xmlNode *n)
{
	const xmlNode	*c;

	for (c = n->children; c != NULL && !p->para.err; c = c->next) {
		if (xml_is(c, "t"))
			xml_text(c, &p->para);
		else if (xml_is(c, "br"))
			mdbuf_addc(&p->para, ' ');
		else if (c->type == XML_ELEMENT_NODE && !xml_is(c, "pPr") &&
		    !xml_is(c, "rPr") && !xml_is(c, "endParaRPr"))
			para_text(p, c);
	}
}

static int
blank(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] > ' ')
			return 0;
	return 1;
}

/* A text body's paragraphs: as list items, or into the title. */
static void
text_body(struct pptx *p, const xmlNode *body, int is_title)
{
	const xmlNode	*a;
	const char	*v;
	int		 lvl, i;

	for (a = body != NULL ? body->children : NULL; a != NULL; a = a->next) {
		if (!xml_is(a, "p"))
			continue;
		p->para.len = 0;
		para_text(p, a);
		mdbuf_add(&p->para, "", 0);
		if (p->para.err || blank(p->para.p, p->para.len))
			continue;
		if (is_title) {
			if (p->title.len > 0)
				mdbuf_addc(&p->title, ' ');
			mdbuf_add(&p->title, p->para.p, p->para.len);
			continue;
		}
		v = xml_attr(xml_child(a, "pPr"), "lvl");
		lvl = v != NULL ? atoi(v) : 0;
		if (lvl < 0 || lvl >= PPTX_LEVELS)
			lvl = lvl < 0 ? 0 : PPTX_LEVELS - 1;
		for (i = 0; i < lvl; i++)
			mdbuf_adds(p->out, "  ");
		mdbuf_adds(p->out, "- ");
		mdbuf_text(p->out, p->para.p, p->para.len);
		mdbuf_addc(p->out, '\n');
	}
}

static int
is_title_shape(const xmlNode *sp)
{
	const char	*t;

	t = xml_attr(xml_child(xml_child(xml_child(sp, "nvSpPr"), "nvPr"),
	    "ph"), "type");
	return t != NULL && (strcmp(t, "title") == 0 ||
	    strcmp(t, "ctrTitle") == 0);
}

static void
find_title(struct pptx *p, const xmlNode *tree)
{
	const xmlNode	*c;

	for (c = tree->children; c != NULL; c = c->next) {
		if (xml_is(c, "sp") && is_title_shape(c))
			text_body(p, xml_child(c, "txBody"), 1);
		else if (xml_is(c, "grpSp"))
			find_title(p, c);
	}
}

static void
ptable(struct pptx *p, const xmlNode *tbl)
{
	struct grid	 g;
	const xmlNode	*tr, *tc, *a;
	struct mdbuf	 cell;
	size_t		 row = 0, col;

	grid_init(&g);
	mdbuf_init(&cell, MDBUF_NOLIMIT);
	for (tr = tbl->children; tr != NULL; tr = tr->next) {
		if (!xml_is(tr, "tr"))
			continue;
		col = 0;
		for (tc = tr->children; tc != NULL; tc = tc->next) {
			if (!xml_is(tc, "tc"))
				continue;
			cell.len = 0;
			a = xml_child(tc, "txBody");
			for (a = a != NULL ? a->children : NULL; a != NULL;
			    a = a->next) {
				if (!xml_is(a, "p"))
					continue;
				p->para.len = 0;
				para_text(p, a);
				if (cell.len > 0 && p->para.len > 0)
					mdbuf_addc(&cell, ' ');
				mdbuf_add(&cell, p->para.p, p->para.len);
			}
			mdbuf_add(&cell, "", 0);
			grid_add(&g, row, col++, cell.p, cell.len);
		}
		row++;
	}
	mdbuf_blank(p->out);
	grid_emit(&g, p->out);
	if (g.err != 0 || cell.err != 0)
		p->err = g.err != 0 ? g.err : cell.err;
	grid_free(&g);
	mdbuf_free(&cell);
}

/* The first a:tbl under n (graphicFrame/graphic/graphicData/tbl). */
static const xmlNode *
find_table(const xmlNode *n)
{
	const xmlNode	*c, *t;

	for (c = n->children; c != NULL; c = c->next) {
		if (xml_is(c, "tbl"))
			return c;
		if (c->type == XML_ELEMENT_NODE && (t = find_table(c)) != NULL)
			return t;
	}
	return NULL;
}

static void
shapes(struct pptx *p, const xmlNode *tree)
{
	const xmlNode	*c, *t;

	for (c = tree->children; c != NULL && !p->err && !p->out->err;
	    c = c->next) {
		if (xml_is(c, "sp")) {
			if (!is_title_shape(c))
				text_body(p, xml_child(c, "txBody"), 0);
		} else if (xml_is(c, "grpSp"))
			shapes(p, c);
		else if (xml_is(c, "graphicFrame") &&
		    (t = find_table(c)) != NULL) {
			ptable(p, t);
		} else if (xml_is(c, "AlternateContent") &&
		    xml_child(c, "Choice") != NULL)
			shapes(p, xml_child(c, "Choice"));
	}
}

/* The body placeholder of the slide's notes page, as a quote. */
static int
notes(struct pptx *p, struct zip *z, const char *part)
{
	struct zip_entry	*e;
	xmlDocPtr		 rels = NULL, doc = NULL;
	xmlNodePtr		 c, tree;
	const char		*t;
	char			*np = NULL;
	int			 err;

	if ((err = rels_load(z, part, &rels)) != CONVERT_OK || rels == NULL)
		return err;
	if ((np = rels_by_type(rels, part, "notesSlide")) == NULL ||
	    (err = zip_get(z, np, &e)) != CONVERT_OK || e == NULL)
		goto out;
	if ((doc = xml_parse(z, e, &err)) == NULL)
		goto out;
	tree = xml_child(xml_child(xmlDocGetRootElement(doc), "cSld"),
	    "spTree");
	p->title.len = 0;
	for (c = tree != NULL ? tree->children : NULL; c != NULL;
	    c = c->next) {
		t = xml_attr(xml_child(xml_child(xml_child(c, "nvSpPr"),
		    "nvPr"), "ph"), "type");
		if (xml_is(c, "sp") && t != NULL && strcmp(t, "body") == 0)
			text_body(p, xml_child(c, "txBody"), 1);
	}
	if (p->title.len > 0) {
		mdbuf_blank(p->out);
		mdbuf_adds(p->out, "> Notes: ");
		mdbuf_text(p->out, p->title.p, p->title.len);
		mdbuf_blank(p->out);
	}
out:
	free(np);
	xmlFreeDoc(doc);
	xmlFreeDoc(rels);
	return err;
}

static int
slide(struct pptx *p, struct zip *z, const char *part, unsigned num,
    char **first_title)
{
	struct zip_entry	*e;
	xmlDocPtr		 doc;
	xmlNodePtr		 tree;
	char			 head[32];
	int			 err;

	if ((err = zip_get(z, part, &e)) != CONVERT_OK)
		return err;
	if (e == NULL) {
		(void)snprintf(z->reason, z->rlen, "damaged PPTX document "
		    "(slide %.100s missing)", part);
		return CONVERT_EDOC;
	}
	if ((doc = xml_parse(z, e, &err)) == NULL)
		return err;
	tree = xml_child(xml_child(xmlDocGetRootElement(doc), "cSld"),
	    "spTree");
	p->title.len = 0;
	if (tree != NULL)
		find_title(p, tree);
	mdbuf_add(&p->title, "", 0);
	/* "Slide N: " then the title, escaped as heading text. */
	(void)snprintf(head, sizeof(head), "Slide %u", num);
	mdbuf_blank(p->out);
	mdbuf_adds(p->out, "## ");
	mdbuf_adds(p->out, head);
	if (p->title.len > 0 && !blank(p->title.p, p->title.len)) {
		mdbuf_adds(p->out, ": ");
		mdbuf_text(p->out, p->title.p, p->title.len);
		if (*first_title == NULL &&
		    (*first_title = meta_title(p->title.p, p->title.len)) ==
		    NULL)
			err = CONVERT_ENOMEM;
	}
	mdbuf_adds(p->out, "\n\n");
	if (tree != NULL)
		shapes(p, tree);
	xmlFreeDoc(doc);
	if (err == CONVERT_OK && p->err == CONVERT_OK)
		err = notes(p, z, part);
	if (p->para.err || p->title.err)
		return CONVERT_ENOMEM;
	return err != CONVERT_OK ? err : p->err;
}

/* Mark every slide for one load: a pass over the zip per slide is slow. */
static int
want_slides(struct zip *z, xmlDocPtr rels, xmlNodePtr lst)
{
	struct zip_entry	*e;
	xmlNodePtr		 s;
	char			*part;
	size_t			 i;

	for (s = lst != NULL ? lst->children : NULL; s != NULL; s = s->next) {
		if (!xml_is(s, "sldId"))
			continue;
		part = rels_target(rels, "ppt/presentation.xml",
		    xml_rid(s));
		if (part != NULL && (e = zip_find(z, part)) != NULL)
			e->want = 1;
		free(part);
	}
	/* Their relationships and notes pages, in the same pass. */
	for (i = 0; i < z->n; i++)
		if (strncmp(z->e[i].name, "ppt/slides/_rels/", 17) == 0 ||
		    strncmp(z->e[i].name, "ppt/notesSlides/", 16) == 0)
			z->e[i].want = 1;
	return zip_load(z);
}

int
pptx_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	struct pptx		 p;
	struct zip		 z;
	struct zip_entry	*e;
	xmlDocPtr		 doc = NULL, rels = NULL;
	xmlNodePtr		 lst, s;
	char			*part, *first = NULL;
	unsigned		 num = 0;
	int			 err;

	(void)ext;
	if ((err = zip_open(&z, in, len, r->reason, sizeof(r->reason))) != 0)
		return err;
	memset(&p, 0, sizeof(p));
	p.out = out;
	mdbuf_init(&p.para, MDBUF_NOLIMIT);
	mdbuf_init(&p.title, MDBUF_NOLIMIT);
	if ((err = ooxml_check(&z, "PPTX", "ppt/presentation.xml")) != 0 ||
	    (err = zip_get(&z, "ppt/presentation.xml", &e)) != 0)
		goto out;
	if ((doc = xml_parse(&z, e, &err)) == NULL ||
	    (err = rels_load(&z, "ppt/presentation.xml", &rels)) != 0)
		goto out;
	lst = xml_child(xmlDocGetRootElement(doc), "sldIdLst");
	if ((err = want_slides(&z, rels, lst)) != 0)
		goto out;
	for (s = lst != NULL ? lst->children : NULL; s != NULL && !out->err;
	    s = s->next) {
		if (!xml_is(s, "sldId"))
			continue;
		part = rels_target(rels, "ppt/presentation.xml",
		    xml_rid(s));
		if (part == NULL) {
			(void)snprintf(r->reason, sizeof(r->reason), "damaged "
			    "PPTX document (slide %u has no part)", num + 1);
			err = CONVERT_EDOC;
			goto out;
		}
		err = slide(&p, &z, part, ++num, &first);
		free(part);
		if (err != CONVERT_OK)
			goto out;
	}
	if ((r->title = ooxml_core_title(&z, &err)) == NULL &&
	    err == CONVERT_OK) {
		r->title = first;
		first = NULL;
	}
out:
	free(first);
	xmlFreeDoc(doc);
	xmlFreeDoc(rels);
	mdbuf_free(&p.para);
	mdbuf_free(&p.title);
	zip_close(&z);
	return err;
}
