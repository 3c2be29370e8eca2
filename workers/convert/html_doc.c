/*
 * HTML and XHTML documents to Markdown: libxml2 parses the document
 * (from memory, never the network or a file; XHTML as XML first), in its
 * charset, and the walk (html.c) writes the Markdown of its tree; the
 * <title> is the document's title.
 */
#include <sys/types.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "convert.h"
#include "converters.h"
#include "html_int.h"
#include "utf8.h"

#define HTML_OPTIONS	(HTML_PARSE_RECOVER | HTML_PARSE_NONET | \
			 HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING)

/* <title>'s text, blanks collapsed, cut on a character boundary. */
static int
find_title(xmlNode *root, char **title)
{
	xmlNode		*head, *t, *c;
	char		*s;
	size_t		 n = 0;
	int		 blank = 0;

	*title = NULL;
	for (head = root != NULL ? root->children : NULL; head != NULL;
	    head = head->next)
		if (head->type == XML_ELEMENT_NODE &&
		    strcasecmp((const char *)head->name, "head") == 0)
			break;
	if (head == NULL)
		return CONVERT_OK;
	for (t = head->children; t != NULL; t = t->next)
		if (t->type == XML_ELEMENT_NODE &&
		    strcasecmp((const char *)t->name, "title") == 0)
			break;
	if (t == NULL)
		return CONVERT_OK;
	if ((s = malloc(CONVERT_TITLE_MAX + 1)) == NULL)
		return CONVERT_ENOMEM;
	for (c = t->children; c != NULL; c = c->next) {
		const unsigned char *p = c->content;

		if (c->type != XML_TEXT_NODE || p == NULL)
			continue;
		for (; *p != '\0'; p++) {
			if (html_blank(*p) || *p < 0x20 || *p == 0x7f) {
				blank = n > 0;
				continue;
			}
			if (blank && n < CONVERT_TITLE_MAX)
				s[n++] = ' ';
			blank = 0;
			if (n >= CONVERT_TITLE_MAX)
				goto cut;
			s[n++] = (char)*p;
		}
	}
cut:
	/* Never end inside a UTF-8 sequence. */
	if (n >= CONVERT_TITLE_MAX) {
		while (n > 0 && ((unsigned char)s[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)s[n - 1] >= 0xc0)
			n--;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0) {
		free(s);
		return CONVERT_OK;
	}
	s[n] = '\0';
	*title = s;
	return CONVERT_OK;
}

/*
 * XHTML as XML. A bomb or excessive depth fails (ELIMIT); any other
 * error returns NULL with *fallback set, to read it as HTML.
 */
static xmlDocPtr
parse_xml(const char *in, size_t len, int *fallback, int *err, char *reason,
    size_t rlen)
{
	xmlParserCtxtPtr	 ctxt;
	xmlDocPtr		 doc;
	const xmlError		*e;

	*fallback = 0;
	*err = CONVERT_OK;
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		*err = CONVERT_ENOMEM;
		return NULL;
	}
	/* No XML_PARSE_NOENT, DTDLOAD or HUGE: entities stay references. */
	doc = xmlCtxtReadMemory(ctxt, in, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc != NULL && ctxt->wellFormed) {
		xmlFreeParserCtxt(ctxt);
		return doc;
	}
	xmlFreeDoc(doc);
	e = xmlCtxtGetLastError(ctxt);
	if (e != NULL && e->code == XML_ERR_ENTITY_LOOP) {
		*err = CONVERT_ELIMIT;
		(void)snprintf(reason, rlen, "XML entities expand too much "
		    "(line %d: an entity bomb)", e->line);
	} else if (e != NULL && e->message != NULL &&
	    strstr(e->message, "Excessive depth") != NULL) {
		/* libxml2's own limit, the same as ours. */
		*err = CONVERT_ELIMIT;
		(void)snprintf(reason, rlen, "XML nested deeper than %d levels",
		    HTML_DEPTH_MAX);
	} else if (e != NULL && e->code == XML_ERR_NO_MEMORY)
		*err = CONVERT_ENOMEM;
	else
		*fallback = 1;
	xmlFreeParserCtxt(ctxt);
	return NULL;
}

/*
 * libxml2 passes bytes through unchecked where a document lies about its
 * encoding: what it gave is made valid UTF-8, each bad byte U+FFFD.
 */
static int
utf8_repair(struct mdbuf *out, size_t from)
{
	struct mdbuf	 fixed;
	size_t		 i, off;

	if (out->err != 0 || out->len == from ||
	    utf8_check(out->p + from, out->len - from, &off) == 0)
		return 0;
	mdbuf_init(&fixed, out->max);
	mdbuf_add(&fixed, out->p, from);
	for (i = from; i < out->len && fixed.err == 0; i += off + 1) {
		if (utf8_check(out->p + i, out->len - i, &off) == 0) {
			mdbuf_add(&fixed, out->p + i, out->len - i);
			break;
		}
		mdbuf_add(&fixed, out->p + i, off);
		mdbuf_adds(&fixed, "\xef\xbf\xbd");
	}
	if (fixed.err != 0) {
		out->err = fixed.err;
		mdbuf_free(&fixed);
		return -1;
	}
	mdbuf_free(out);
	*out = fixed;
	return 0;
}

/* The same for the title, which only loses its bad bytes. */
static void
utf8_drop(char *s)
{
	size_t	n = strlen(s), off, k;

	while (utf8_check(s, n, &off) != 0) {
		for (k = off; k < n; k++)
			s[k] = s[k + 1];
		n--;
	}
}

int
html_markdown(const char *in, size_t len, int xhtml, struct mdbuf *out,
    char **title, char *reason, size_t rlen)
{
	htmlParserCtxtPtr	 ctxt = NULL;
	xmlDocPtr		 doc = NULL;
	xmlNode			*root;
	const char		*enc;
	size_t			 off, bom = 0, start;
	int			 err, fallback = 1, utf8;

	*title = NULL;
	if (len > INT_MAX) {
		(void)snprintf(reason, rlen, "HTML larger than %d bytes",
		    INT_MAX);
		return CONVERT_ELIMIT;
	}
	if (xhtml) {
		doc = parse_xml(in, len, &fallback, &err, reason, rlen);
		if (err != CONVERT_OK)
			return err;
	}
	if (doc == NULL && fallback) {
		if ((ctxt = htmlNewParserCtxt()) == NULL)
			return CONVERT_ENOMEM;
		/*
		 * Text in a legacy encoding is almost never valid UTF-8, and
		 * libxml2 reads undeclared UTF-8 as Latin-1: valid UTF-8 is
		 * UTF-8, whatever the document declares.
		 */
		utf8 = utf8_check(in, len, &off) == 0;
		enc = utf8 ? "UTF-8" : NULL;
		/* A BOM says it all; libxml2 would keep it as text. */
		if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0)
			bom = 3;	/* and UTF-8 only if it is */
		else if (len >= 2 && memcmp(in, "\xff\xfe", 2) == 0) {
			enc = "UTF-16LE";
			bom = 2;
		} else if (len >= 2 && memcmp(in, "\xfe\xff", 2) == 0) {
			enc = "UTF-16BE";
			bom = 2;
		}
		doc = htmlCtxtReadMemory(ctxt, in + bom, (int)(len - bom),
		    NULL, enc, HTML_OPTIONS);
		/*
		 * Not UTF-8 and no charset declared: Windows-1252, as
		 * browsers read it (Latin-1 with letters for 0x80-0x9f).
		 */
		if (enc == NULL && doc != NULL && doc->encoding == NULL) {
			xmlFreeDoc(doc);
			doc = htmlCtxtReadMemory(ctxt, in + bom,
			    (int)(len - bom), NULL, "windows-1252",
			    HTML_OPTIONS);
		}
	}
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL) {
		/* Nothing an HTML parser can make a tree of: no text either. */
		xmlFreeDoc(doc);
		if (ctxt != NULL)
			htmlFreeParserCtxt(ctxt);
		return CONVERT_OK;
	}
	if (ctxt != NULL)
		htmlFreeParserCtxt(ctxt);
	if ((err = find_title(root, title)) != CONVERT_OK)
		goto done;
	if (*title != NULL)
		utf8_drop(*title);
	start = out->len;
	err = html_body(doc, out, reason, rlen);
	if (err == CONVERT_OK)
		(void)utf8_repair(out, start);
done:
	xmlFreeDoc(doc);
	if (err != CONVERT_OK) {
		free(*title);
		*title = NULL;
	}
	return err;
}

int
html_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	char	*title;
	int	 err;

	(void)ext;
	err = html_markdown(in, len, 0, out, &title, r->reason,
	    sizeof(r->reason));
	if (err == CONVERT_OK)
		r->title = title;
	return err;
}

/* libxml2 reports through our return codes; never on stderr. */
static void
quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static void
quiet_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

int
html_init(void)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlSetStructuredErrorFunc(NULL, quiet_structured);
	return 0;
}
