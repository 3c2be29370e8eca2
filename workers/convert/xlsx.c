/*
 * XLSX (SpreadsheetML) to Markdown: a "## name" heading and one pipe
 * table per sheet, in workbook order. Cells are placed by their reference
 * ("B3"), so a sparse sheet keeps its columns; rows with no value are
 * left out. Values are shown as written: shared and inline strings,
 * numbers as stored (no number formats applied), booleans as TRUE and
 * FALSE, formulas by their cached value. Sheets and shared strings are
 * read with libxml2's streaming reader, so a large sheet costs its text,
 * not a tree; at most XLSX_ROWS rows and XLSX_COLS columns per sheet are
 * shown, and the output says when a sheet was cut.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "convert.h"
#include "converters.h"
#include "zip.h"
#include "mdbuf.h"

#define XLSX_ROWS	10000
#define XLSX_COLS	100

struct sst {
	struct mdbuf	 text;
	size_t		*off;		/* n + 1 offsets into text */
	size_t		 n, cap;
};

static int
reader_err(struct zip *z, const struct zip_entry *e)
{
	return xml_reason(z, e->name, xmlGetLastError());
}

static xmlTextReaderPtr
reader(struct zip *z, const struct zip_entry *e, int *err)
{
	xmlTextReaderPtr	r;

	*err = CONVERT_OK;
	if (e->len > INT_MAX) {
		(void)snprintf(z->reason, z->rlen, "XML part %.100s too large",
		    e->name);
		*err = CONVERT_ELIMIT;
		return NULL;
	}
	xmlResetLastError();
	if ((r = xmlReaderForMemory(e->data, (int)e->len, e->name, NULL,
	    xml_options())) == NULL)
		*err = CONVERT_ENOMEM;
	return r;
}

static int
is_el(xmlTextReaderPtr r, const char *local)
{
	const xmlChar	*n = xmlTextReaderConstLocalName(r);

	return n != NULL && strcmp((const char *)n, local) == 0;
}

/* Text, CDATA and significant whitespace: what a cell's <t> holds. */
static int
is_text(int type)
{
	return type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
	    type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

static void
add_value(xmlTextReaderPtr r, struct mdbuf *b)
{
	const xmlChar	*v = xmlTextReaderConstValue(r);

	if (v != NULL)
		mdbuf_adds(b, (const char *)v);
}

/* xl/sharedStrings.xml: each <si>'s text, phonetic runs (rPh) aside. */
static int
load_sst(struct zip *z, const char *part, struct sst *s)
{
	struct zip_entry	*e;
	xmlTextReaderPtr	 r;
	size_t			*o;
	int			 rc, type, in_si = 0, in_t = 0, in_ph = 0, err;

	if ((err = zip_get(z, part, &e)) != CONVERT_OK || e == NULL)
		return err;
	if ((r = reader(z, e, &err)) == NULL)
		return err;
	while ((rc = xmlTextReaderRead(r)) == 1 && !s->text.err) {
		type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_ELEMENT) {
			if (is_el(r, "si")) {
				if (s->n + 1 >= s->cap) {
					s->cap = s->cap ? s->cap * 2 : 256;
					o = reallocarray(s->off, s->cap,
					    sizeof(*o));
					if (o == NULL) {
						err = CONVERT_ENOMEM;
						break;
					}
					s->off = o;
				}
				s->off[s->n] = s->text.len;
				in_si = !xmlTextReaderIsEmptyElement(r);
				if (!in_si)
					s->off[++s->n] = s->text.len;
			} else if (is_el(r, "rPh"))
				in_ph = !xmlTextReaderIsEmptyElement(r);
			else if (is_el(r, "t"))
				in_t = !xmlTextReaderIsEmptyElement(r);
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (is_el(r, "si") && in_si) {
				in_si = 0;
				s->off[++s->n] = s->text.len;
			} else if (is_el(r, "rPh"))
				in_ph = 0;
			else if (is_el(r, "t"))
				in_t = 0;
		} else if (is_text(type) && in_si && in_t && !in_ph)
			add_value(r, &s->text);
	}
	if (rc == -1 && err == CONVERT_OK)
		err = reader_err(z, e);
	if (err == CONVERT_OK && s->text.err)
		err = s->text.err;
	xmlFreeTextReader(r);
	return err;
}

/* "BC12" -> column 54, row 11 (both from 0); -1 when it is not one. */
static int
cell_ref(const char *ref, size_t *col, size_t *row)
{
	size_t	c = 0, rw = 0;
	int	nl = 0, nd = 0;

	for (; *ref >= 'A' && *ref <= 'Z' && nl < 4; ref++, nl++)
		c = c * 26 + (size_t)(*ref - 'A' + 1);
	for (; *ref >= '0' && *ref <= '9' && nd < 8; ref++, nd++)
		rw = rw * 10 + (size_t)(*ref - '0');
	if (nl == 0 || *ref != '\0' || (nd > 0 && rw == 0))
		return -1;
	*col = c - 1;
	if (nd > 0)
		*row = rw - 1;
	return 0;
}

struct sheet {
	struct grid	 g;
	struct mdbuf	 val;
	size_t		 row, col;
	char		 type[16];
	int		 cut_rows, cut_cols;
};

static void
cell_done(struct sheet *sh, const struct sst *sst)
{
	const char	*v = sh->val.p != NULL ? sh->val.p : "";
	size_t		 n = sh->val.len;
	char		*end;
	unsigned long	 i;

	if (strcmp(sh->type, "s") == 0) {
		i = strtoul(v, &end, 10);
		if (end == v || i >= sst->n)
			return;
		v = sst->text.p + sst->off[i];
		n = sst->off[i + 1] - sst->off[i];
	} else if (strcmp(sh->type, "b") == 0) {
		v = strcmp(v, "1") == 0 ? "TRUE" : "FALSE";
		n = strlen(v);
	}
	if (n == 0)
		return;
	if (sh->row >= XLSX_ROWS) {
		sh->cut_rows = 1;
		return;
	}
	if (sh->col >= XLSX_COLS) {
		sh->cut_cols = 1;
		return;
	}
	grid_add(&sh->g, sh->row, sh->col, v, n);
}

static int
sheet(struct zip *z, const char *part, const struct sst *sst,
    struct mdbuf *out)
{
	struct zip_entry	*e;
	struct sheet		 sh;
	xmlTextReaderPtr	 r;
	xmlChar			*a;
	char			 note[96];
	size_t			 next_row = 0;
	int			 rc, type, in_c = 0, in_v = 0, in_t = 0;
	int			 in_ph = 0, err;

	if ((err = zip_get(z, part, &e)) != CONVERT_OK)
		return err;
	if (e == NULL) {
		(void)snprintf(z->reason, z->rlen, "damaged XLSX document "
		    "(sheet %.100s missing)", part);
		return CONVERT_EDOC;
	}
	if ((r = reader(z, e, &err)) == NULL)
		return err;
	memset(&sh, 0, sizeof(sh));
	grid_init(&sh.g);
	mdbuf_init(&sh.val, MDBUF_NOLIMIT);
	while ((rc = xmlTextReaderRead(r)) == 1 && !sh.g.err && !sh.val.err) {
		type = xmlTextReaderNodeType(r);
		if (type == XML_READER_TYPE_ELEMENT) {
			if (is_el(r, "row")) {
				sh.row = next_row;
				if ((a = xmlTextReaderGetAttribute(r,
				    BAD_CAST "r")) != NULL) {
					if (atol((char *)a) > 0)
						sh.row = (size_t)atol((char *)a)
						    - 1;
					xmlFree(a);
				}
				next_row = sh.row + 1;
				sh.col = 0;
				/* Rows come in order: past the cap is done. */
				if (sh.row >= XLSX_ROWS && sh.g.n > 0) {
					sh.cut_rows = 1;
					break;
				}
			} else if (is_el(r, "c")) {
				sh.val.len = 0;
				sh.type[0] = '\0';
				if ((a = xmlTextReaderGetAttribute(r,
				    BAD_CAST "r")) != NULL) {
					(void)cell_ref((char *)a, &sh.col,
					    &sh.row);
					xmlFree(a);
				}
				if ((a = xmlTextReaderGetAttribute(r,
				    BAD_CAST "t")) != NULL) {
					(void)snprintf(sh.type, sizeof(sh.type),
					    "%s", (char *)a);
					xmlFree(a);
				}
				in_c = !xmlTextReaderIsEmptyElement(r);
				if (!in_c)
					sh.col++;
			} else if (in_c && is_el(r, "v"))
				in_v = 1;
			else if (in_c && is_el(r, "t"))
				in_t = 1;
			else if (in_c && is_el(r, "rPh"))
				in_ph = !xmlTextReaderIsEmptyElement(r);
			if (xmlTextReaderIsEmptyElement(r) &&
			    (is_el(r, "v") || is_el(r, "t")))
				in_v = in_t = 0;
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (is_el(r, "c") && in_c) {
				mdbuf_add(&sh.val, "", 0);
				cell_done(&sh, sst);
				in_c = 0;
				sh.col++;
			} else if (is_el(r, "v"))
				in_v = 0;
			else if (is_el(r, "t"))
				in_t = 0;
			else if (is_el(r, "rPh"))
				in_ph = 0;
		} else if (is_text(type) && in_c && (in_v || (in_t && !in_ph)))
			add_value(r, &sh.val);
	}
	if (rc == -1)
		err = reader_err(z, e);
	else if (sh.g.err || sh.val.err)
		err = sh.g.err ? sh.g.err : sh.val.err;
	if (err == CONVERT_OK) {
		grid_emit(&sh.g, out);
		if (sh.cut_rows || sh.cut_cols) {
			(void)snprintf(note, sizeof(note), "(Sheet cut: only "
			    "the first %d rows and %d columns are shown.)",
			    XLSX_ROWS, XLSX_COLS);
			mdbuf_blank(out);
			mdbuf_adds(out, note);
			mdbuf_blank(out);
		}
		err = sh.g.err;
	}
	xmlFreeTextReader(r);
	grid_free(&sh.g);
	mdbuf_free(&sh.val);
	return err;
}

/* Mark the shared strings and every sheet for one pass over the zip. */
static void
want_parts(struct zip *z, xmlDocPtr rels, xmlNodePtr sheets)
{
	struct zip_entry	*e;
	xmlNodePtr		 s;
	char			*part;

	for (s = sheets != NULL ? sheets->children : NULL; s != NULL;
	    s = s->next) {
		if (!xml_is(s, "sheet"))
			continue;
		part = rels_target(rels, "xl/workbook.xml", xml_rid(s));
		if (part != NULL && (e = zip_find(z, part)) != NULL)
			e->want = 1;
		free(part);
	}
	if ((e = zip_find(z, "xl/sharedStrings.xml")) != NULL)
		e->want = 1;
}

/* The shared strings part, by relationship, else its usual name. */
static char *
sst_part(xmlDocPtr rels)
{
	char	*p;

	if ((p = rels_by_type(rels, "xl/workbook.xml", "sharedStrings")) !=
	    NULL)
		return p;
	return strdup("xl/sharedStrings.xml");
}

int
xlsx_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	struct zip		 z;
	struct zip_entry	*e;
	struct sst		 sst;
	xmlDocPtr		 doc = NULL, rels = NULL;
	xmlNodePtr		 sheets, s;
	const char		*name;
	char			*part = NULL;
	int			 err;

	(void)ext;
	if ((err = zip_open(&z, in, len, r->reason, sizeof(r->reason))) != 0)
		return err;
	memset(&sst, 0, sizeof(sst));
	mdbuf_init(&sst.text, MDBUF_NOLIMIT);
	if ((err = ooxml_check(&z, "XLSX", "xl/workbook.xml")) != 0 ||
	    (err = zip_get(&z, "xl/workbook.xml", &e)) != 0)
		goto out;
	if ((doc = xml_parse(&z, e, &err)) == NULL ||
	    (err = rels_load(&z, "xl/workbook.xml", &rels)) != 0)
		goto out;
	sheets = xml_child(xmlDocGetRootElement(doc), "sheets");
	want_parts(&z, rels, sheets);
	if ((err = zip_load(&z)) != 0)
		goto out;
	if ((part = sst_part(rels)) == NULL) {
		err = CONVERT_ENOMEM;
		goto out;
	}
	if ((err = load_sst(&z, part, &sst)) != 0)
		goto out;
	for (s = sheets != NULL ? sheets->children : NULL; s != NULL &&
	    !out->err; s = s->next) {
		if (!xml_is(s, "sheet"))
			continue;
		free(part);
		part = rels_target(rels, "xl/workbook.xml", xml_rid(s));
		if (part == NULL) {
			(void)snprintf(r->reason, sizeof(r->reason), "damaged "
			    "XLSX document (a sheet without a part)");
			err = CONVERT_EDOC;
			goto out;
		}
		name = xml_attr(s, "name");
		if (name == NULL || *name == '\0')
			name = "Sheet";
		mdbuf_heading(out, 2, name, strlen(name));
		if ((err = sheet(&z, part, &sst, out)) != 0)
			goto out;
	}
	r->title = ooxml_core_title(&z, &err);
out:
	free(part);
	free(sst.off);
	mdbuf_free(&sst.text);
	xmlFreeDoc(doc);
	xmlFreeDoc(rels);
	zip_close(&z);
	return err;
}
