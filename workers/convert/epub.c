/*
 * EPUB to Markdown: META-INF/container.xml names the package (OPF); its
 * spine gives the reading order of the manifest's XHTML (or HTML)
 * chapters, each converted by html_markdown (html.c) and
 * appended in that order. The title is the OPF's dc:title, else the
 * first chapter's <title>.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "convert.h"
#include "converters.h"
#include "html.h"
#include "zip.h"
#include "mdbuf.h"

#define EPUB_MIMETYPE	"application/epub+zip"

static int
check_mimetype(struct zip *z)
{
	struct zip_entry	*e;
	size_t			 n;
	int			 err;

	if ((err = zip_get(z, "mimetype", &e)) != CONVERT_OK)
		return err;
	if (e != NULL) {
		for (n = e->len; n > 0 && (e->data[n - 1] == '\n' ||
		    e->data[n - 1] == '\r' || e->data[n - 1] == ' '); n--)
			;
		if (n == strlen(EPUB_MIMETYPE) &&
		    memcmp(e->data, EPUB_MIMETYPE, n) == 0)
			return CONVERT_OK;
	}
	(void)snprintf(z->reason, z->rlen, "not an EPUB document (zip without "
	    "a mimetype of %s)", EPUB_MIMETYPE);
	return CONVERT_EFORMAT;
}

/* The package document's path, from META-INF/container.xml; malloc'd. */
static int
package_path(struct zip *z, char **path)
{
	struct zip_entry	*e;
	xmlDocPtr		 doc;
	xmlNodePtr		 n;
	const char		*p = NULL, *t;
	int			 err;

	*path = NULL;
	if ((err = zip_get(z, "META-INF/container.xml", &e)) != CONVERT_OK)
		return err;
	if (e == NULL) {
		(void)snprintf(z->reason, z->rlen, "damaged EPUB document "
		    "(no META-INF/container.xml)");
		return CONVERT_EDOC;
	}
	if ((doc = xml_parse(z, e, &err)) == NULL)
		return err;
	n = xml_child(xmlDocGetRootElement(doc), "rootfiles");
	for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next) {
		if (!xml_is(n, "rootfile") ||
		    (t = xml_attr(n, "full-path")) == NULL)
			continue;
		if (p == NULL)
			p = t;
		if ((t = xml_attr(n, "media-type")) != NULL &&
		    strcmp(t, "application/oebps-package+xml") == 0) {
			p = xml_attr(n, "full-path");
			break;
		}
	}
	if (p == NULL) {
		(void)snprintf(z->reason, z->rlen, "damaged EPUB document "
		    "(META-INF/container.xml names no package)");
		err = CONVERT_EDOC;
	} else if ((*path = zip_resolve("", p)) == NULL)
		err = CONVERT_ENOMEM;
	xmlFreeDoc(doc);
	return err;
}

/* The manifest item of that id. */
static xmlNodePtr
manifest_item(xmlNodePtr manifest, const char *id)
{
	xmlNodePtr	 n;
	const char	*v;

	for (n = manifest != NULL ? manifest->children : NULL; n != NULL;
	    n = n->next)
		if (xml_is(n, "item") && (v = xml_attr(n, "id")) != NULL &&
		    strcmp(v, id) == 0)
			return n;
	return NULL;
}

/* A spine entry's chapter: its part name, and whether it is XHTML. */
static char *
chapter(const char *opf, xmlNodePtr manifest, xmlNodePtr ref, int *xhtml)
{
	xmlNodePtr	 item;
	const char	*id, *href, *type;

	if (!xml_is(ref, "itemref") || (id = xml_attr(ref, "idref")) == NULL ||
	    (item = manifest_item(manifest, id)) == NULL ||
	    (href = xml_attr(item, "href")) == NULL)
		return NULL;
	type = xml_attr(item, "media-type");
	if (type == NULL || strcmp(type, "application/xhtml+xml") == 0)
		*xhtml = 1;
	else if (strcmp(type, "text/html") == 0)
		*xhtml = 0;
	else
		return NULL;	/* an image or SVG page: no text */
	return zip_resolve(opf, href);
}

int
epub_convert(const char *ext, const char *in, size_t len, struct mdbuf *out,
    struct convert_result *r)
{
	struct zip		 z;
	struct zip_entry	*e;
	xmlDocPtr		 doc = NULL;
	xmlNodePtr		 pkg, manifest, spine, ref, t;
	struct mdbuf		 tb;
	char			*opf = NULL, *part, *title = NULL;
	char			 why[CONVERT_REASON_MAX];
	size_t			 nch = 0;
	int			 err, xhtml;

	(void)ext;
	if ((err = zip_open(&z, in, len, r->reason, sizeof(r->reason))) != 0)
		return err;
	mdbuf_init(&tb, CONVERT_TITLE_MAX * 4);
	if ((err = check_mimetype(&z)) != 0 ||
	    (err = package_path(&z, &opf)) != 0 ||
	    (err = zip_get(&z, opf, &e)) != 0)
		goto out;
	if (e == NULL) {
		(void)snprintf(r->reason, sizeof(r->reason), "damaged EPUB "
		    "document (package %.100s missing)", opf);
		err = CONVERT_EDOC;
		goto out;
	}
	if ((doc = xml_parse(&z, e, &err)) == NULL)
		goto out;
	pkg = xmlDocGetRootElement(doc);
	manifest = xml_child(pkg, "manifest");
	spine = xml_child(pkg, "spine");
	if ((t = xml_child(xml_child(pkg, "metadata"), "title")) != NULL) {
		xml_text(t, &tb);
		if (tb.p != NULL && (r->title = meta_title(tb.p, tb.len)) ==
		    NULL) {
			err = CONVERT_ENOMEM;
			goto out;
		}
		if (r->title != NULL && *r->title == '\0') {
			free(r->title);
			r->title = NULL;
		}
	}

	/* Every chapter in one pass over the zip. */
	for (ref = spine != NULL ? spine->children : NULL; ref != NULL;
	    ref = ref->next) {
		if ((part = chapter(opf, manifest, ref, &xhtml)) == NULL)
			continue;
		if ((e = zip_find(&z, part)) != NULL)
			e->want = 1;
		free(part);
	}
	if ((err = zip_load(&z)) != 0)
		goto out;
	for (ref = spine != NULL ? spine->children : NULL; ref != NULL &&
	    !out->err; ref = ref->next) {
		if ((part = chapter(opf, manifest, ref, &xhtml)) == NULL)
			continue;
		/* A chapter the zip lacks is skipped, as readers do. */
		if ((e = zip_find(&z, part)) == NULL || e->data == NULL) {
			free(part);
			continue;
		}
		mdbuf_blank(out);
		err = html_markdown(e->data, e->len, xhtml, out, &title, why,
		    sizeof(why));
		if (err != CONVERT_OK) {
			(void)snprintf(r->reason, sizeof(r->reason), "%.80s: %.110s",
			    part, why);
			free(part);
			goto out;
		}
		free(part);
		nch++;
		if (r->title == NULL && title != NULL && *title != '\0') {
			r->title = title;
			title = NULL;
		}
		free(title);
		title = NULL;
	}
	if (nch == 0 && !out->err) {
		(void)snprintf(r->reason, sizeof(r->reason), "damaged EPUB "
		    "document (no chapter of its spine in the container)");
		err = CONVERT_EDOC;
	}
out:
	free(opf);
	mdbuf_free(&tb);
	xmlFreeDoc(doc);
	zip_close(&z);
	return err;
}
