/*
 * The zip container of DOCX, PPTX, XLSX and EPUB, read from memory with
 * libarchive's seekable zip reader (the central directory, as Office and
 * EPUB readers do), and the libxml2 helpers their converters share. See
 * zip.h for the interface.
 *
 * Zip bombs: the entry count is checked against the end of central
 * directory record before libarchive builds its index of it, and again
 * while listing; only the parts a converter asks for are decompressed,
 * each checked as it grows against a per-part size, a total for the
 * document and a compression ratio (against the compressed size the
 * central directory declares, which libarchive does not tell; a lie is
 * bounded by the input's size). Hostile XML: libxml2 substitutes no
 * entity and loads nothing (no NOENT, DTDLOAD or HUGE option), its own
 * depth limit stands, and the text walkers skip entity references.
 */
#include <sys/types.h>
#include <sys/resource.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "convert.h"
#include "zip.h"
#include "mdbuf.h"
#include "util.h"

#define CHUNK	(64 * 1024)

static uint64_t
le(const unsigned char *p, int n)
{
	uint64_t	v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* What the end of central directory record (or its zip64 form) says. */
struct eocd {
	uint64_t	n;		/* entries */
	uint64_t	cd_off, cd_size;
};

/* 0 with d filled, or -1 when there is none to read (libarchive decides). */
static int
eocd_find(const unsigned char *s, size_t len, struct eocd *d)
{
	size_t		i, lo, off;
	uint64_t	z64;

	if (len < 22)
		return -1;
	lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
	for (i = len - 22 + 1; i-- > lo; ) {
		if (memcmp(s + i, "PK\005\006", 4) != 0)
			continue;
		d->n = le(s + i + 10, 2);
		d->cd_size = le(s + i + 12, 4);
		d->cd_off = le(s + i + 16, 4);
		if ((d->n != 0xffff && d->cd_size != 0xffffffff &&
		    d->cd_off != 0xffffffff) || i < 20 ||
		    memcmp(s + i - 20, "PK\006\007", 4) != 0)
			return 0;
		z64 = le(s + i - 20 + 8, 8);
		if (len < 56 || z64 > len - 56)
			return 0;
		off = (size_t)z64;
		if (memcmp(s + off, "PK\006\006", 4) != 0)
			return 0;
		d->n = le(s + off + 32, 8);
		d->cd_size = le(s + off + 40, 8);
		d->cd_off = le(s + off + 48, 8);
		return 0;
	}
	return -1;
}

struct cdrec {
	const char	*name;		/* in the input, not NUL-terminated */
	size_t		 nlen;
	uint64_t	 csize;
};

static int
cdrec_cmp(const void *a, const void *b)
{
	const struct cdrec	*x = a, *y = b;
	size_t			 n = x->nlen < y->nlen ? x->nlen : y->nlen;
	int			 c;

	if ((c = memcmp(x->name, y->name, n)) != 0)
		return c;
	return x->nlen < y->nlen ? -1 : x->nlen > y->nlen;
}

/*
 * Each entry's compressed size, from the central directory: libarchive
 * does not tell it, and the ratio check needs it. A size the directory
 * does not give (a name it spells otherwise, a directory libarchive found
 * elsewhere) is taken as the whole input's: the check stays, looser.
 */
static int
cd_sizes(struct zip *z, const struct eocd *d)
{
	const unsigned char	*s = (const unsigned char *)z->in;
	struct cdrec		*rec, key, *hit;
	uint64_t		 usize, csize;
	size_t			 at, end, nrec = 0, i, nl, xl, cl, x, xid, xsz;

	for (i = 0; i < z->n; i++)
		z->e[i].csize = z->inlen;
	if (d->cd_off > z->inlen || d->cd_size > z->inlen - d->cd_off ||
	    d->n == 0)
		return CONVERT_OK;
	if ((rec = calloc((size_t)d->n, sizeof(*rec))) == NULL)
		return CONVERT_ENOMEM;
	at = (size_t)d->cd_off;
	end = at + (size_t)d->cd_size;
	while (nrec < d->n && end - at >= 46 &&
	    memcmp(s + at, "PK\001\002", 4) == 0) {
		csize = le(s + at + 20, 4);
		usize = le(s + at + 24, 4);
		nl = (size_t)le(s + at + 28, 2);
		xl = (size_t)le(s + at + 30, 2);
		cl = (size_t)le(s + at + 32, 2);
		if (end - at - 46 < nl + xl + cl)
			break;
		/* Zip64: the sizes that did not fit are in extra field 1. */
		for (x = at + 46 + nl; csize == 0xffffffff &&
		    x + 4 <= at + 46 + nl + xl; x += 4 + xsz) {
			xid = (size_t)le(s + x, 2);
			xsz = (size_t)le(s + x + 2, 2);
			if (x + 4 + xsz > at + 46 + nl + xl)
				break;
			if (xid != 1)
				continue;
			i = usize == 0xffffffff ? 8 : 0;
			if (xsz >= i + 8)
				csize = le(s + x + 4 + i, 8);
			break;
		}
		rec[nrec].name = (const char *)s + at + 46;
		rec[nrec].nlen = nl;
		rec[nrec].csize = csize;
		nrec++;
		at += 46 + nl + xl + cl;
	}
	qsort(rec, nrec, sizeof(*rec), cdrec_cmp);
	for (i = 0; i < z->n; i++) {
		key.name = z->e[i].name;
		key.nlen = strlen(key.name);
		hit = bsearch(&key, rec, nrec, sizeof(*rec), cdrec_cmp);
		if (hit != NULL && hit->csize < z->inlen)
			z->e[i].csize = hit->csize;
	}
	free(rec);
	return CONVERT_OK;
}

static int zip_fail(struct zip *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
zip_fail(struct zip *z, int err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(z->reason, z->rlen, fmt, ap);
	va_end(ap);
	return err;
}

static int
zip_archive_err(struct zip *z, struct archive *a)
{
	const char	*msg = archive_error_string(a);

	if (archive_errno(a) == ENOMEM)
		return CONVERT_ENOMEM;
	return zip_fail(z, CONVERT_EDOC, "damaged zip container (%s)",
	    msg != NULL ? msg : "unreadable");
}

static struct archive *
zip_reader(struct zip *z)
{
	struct archive	*a;

	if ((a = archive_read_new()) == NULL)
		return NULL;
	/* Zip only, no filter: a gzip-wrapped zip is not a document. */
	if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, z->in, z->inlen) != ARCHIVE_OK) {
		(void)zip_archive_err(z, a);
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int
zip_open(struct zip *z, const char *in, size_t len, char *reason,
    size_t rlen)
{
	struct archive		*a;
	struct archive_entry	*ae;
	struct zip_entry	*e;
	struct rlimit		 rl;
	const char		*name;
	struct eocd		 eocd;
	uint64_t		 declared;
	size_t			 nlen;
	int			 r, err;

	memset(z, 0, sizeof(*z));
	z->in = in;
	z->inlen = len;
	z->reason = reason;
	z->rlen = rlen;
	/* Never more than a quarter of what the worker may map. */
	z->total_max = ZIP_TOTAL_MAX;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < z->total_max)
		z->total_max = (size_t)(rl.rlim_cur / 4);

	memset(&eocd, 0, sizeof(eocd));
	(void)eocd_find((const unsigned char *)in, len, &eocd);
	declared = eocd.n;
	if (declared > ZIP_ENTRIES_MAX) {
		(void)snprintf(reason, rlen, "zip container with %llu entries "
		    "(limit %d)", (unsigned long long)declared,
		    ZIP_ENTRIES_MAX);
		return CONVERT_ELIMIT;
	}
	reason[0] = '\0';
	if ((a = zip_reader(z)) == NULL)
		return reason[0] != '\0' ? CONVERT_EDOC : CONVERT_ENOMEM;
	for (;;) {
		r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			err = zip_archive_err(z, a);
			goto fail;
		}
		if (z->n == ZIP_ENTRIES_MAX) {
			(void)snprintf(reason, rlen, "zip container with more "
			    "than %d entries", ZIP_ENTRIES_MAX);
			err = CONVERT_ELIMIT;
			goto fail;
		}
		/* A name not in UTF-8 is kept as "": no part has it. */
		if ((name = archive_entry_pathname_utf8(ae)) == NULL)
			name = "";
		if ((nlen = strlen(name)) > ZIP_NAME_MAX) {
			(void)snprintf(reason, rlen, "zip entry name of %zu "
			    "bytes (limit %d)", nlen, ZIP_NAME_MAX);
			err = CONVERT_ELIMIT;
			goto fail;
		}
		if (z->n % 64 == 0) {
			e = reallocarray(z->e, z->n + 64, sizeof(*e));
			if (e == NULL) {
				err = CONVERT_ENOMEM;
				goto fail;
			}
			z->e = e;
		}
		e = &z->e[z->n];
		memset(e, 0, sizeof(*e));
		if ((e->name = strdup(name)) == NULL) {
			err = CONVERT_ENOMEM;
			goto fail;
		}
		e->size = archive_entry_size_is_set(ae) ?
		    (uint64_t)archive_entry_size(ae) : 0;
		z->n++;
	}
	archive_read_free(a);
	/* A central directory libarchive could not read through. */
	if (declared != 0 && declared != 0xffff && z->n != declared) {
		(void)snprintf(reason, rlen, "damaged zip container (central "
		    "directory of %llu entries, %zu readable)",
		    (unsigned long long)declared, z->n);
		zip_close(z);
		return CONVERT_EDOC;
	}
	if ((err = cd_sizes(z, &eocd)) != CONVERT_OK) {
		zip_close(z);
		return err;
	}
	return CONVERT_OK;
fail:
	archive_read_free(a);
	zip_close(z);
	return err;
}

struct zip_entry *
zip_find(struct zip *z, const char *name)
{
	size_t	i;

	for (i = 0; *name != '\0' && i < z->n; i++)
		if (strcmp(z->e[i].name, name) == 0)
			return &z->e[i];
	return NULL;
}

/* One entry's data, the limits checked as it grows. */
static int
zip_read_entry(struct zip *z, struct archive *a, struct archive_entry *ae,
    struct zip_entry *e)
{
	char		*p = NULL, *np;
	size_t		 len = 0, cap = 0;
	la_ssize_t	 got;
	int		 err;

	if (archive_entry_is_encrypted(ae))
		return zip_fail(z, CONVERT_EDOC, "encrypted zip entry %s",
		    e->name);
	if (e->size > ZIP_ENTRY_MAX) {
		(void)snprintf(z->reason, z->rlen, "zip entry %.100s of %llu "
		    "bytes uncompressed (limit %u MiB)", e->name,
		    (unsigned long long)e->size, ZIP_ENTRY_MAX >> 20);
		return CONVERT_ELIMIT;
	}
	for (;;) {
		if (cap - len < CHUNK) {
			cap = cap == 0 ? CHUNK * 2 : cap * 2;
			if ((np = realloc(p, cap + 1)) == NULL) {
				err = CONVERT_ENOMEM;
				goto fail;
			}
			p = np;
		}
		got = archive_read_data(a, p + len, cap - len);
		if (got == 0)
			break;
		if (got < 0) {
			err = zip_archive_err(z, a);
			goto fail;
		}
		len += (size_t)got;
		if (len > ZIP_ENTRY_MAX) {
			(void)snprintf(z->reason, z->rlen, "zip entry %.100s "
			    "larger than %u MiB uncompressed", e->name,
			    ZIP_ENTRY_MAX >> 20);
			err = CONVERT_ELIMIT;
			goto fail;
		}
		if (len > z->total_max - z->loaded) {
			(void)snprintf(z->reason, z->rlen, "zip parts larger "
			    "than %zu MiB uncompressed in all",
			    z->total_max >> 20);
			err = CONVERT_ELIMIT;
			goto fail;
		}
		if (len > ZIP_RATIO_FROM &&
		    len / ZIP_RATIO_MAX > e->csize) {
			(void)snprintf(z->reason, z->rlen, "zip entry %.100s "
			    "expands more than %d times (zip bomb)", e->name,
			    ZIP_RATIO_MAX);
			err = CONVERT_ELIMIT;
			goto fail;
		}
	}
	if (p == NULL && (p = malloc(1)) == NULL)
		return CONVERT_ENOMEM;
	p[len] = '\0';
	e->data = p;
	e->len = len;
	z->loaded += len;
	return CONVERT_OK;
fail:
	free(p);
	return err;
}

int
zip_load(struct zip *z)
{
	struct archive		*a;
	struct archive_entry	*ae;
	struct zip_entry	*e;
	const char		*name;
	size_t			 i, todo = 0;
	int			 r, err = CONVERT_OK;

	for (i = 0; i < z->n; i++)
		if (z->e[i].want && z->e[i].data == NULL)
			todo++;
	if (todo == 0)
		return CONVERT_OK;
	z->reason[0] = '\0';
	if ((a = zip_reader(z)) == NULL)
		return z->reason[0] != '\0' ? CONVERT_EDOC : CONVERT_ENOMEM;
	/* The listing's order: entry i is the ith header again. */
	for (i = 0; i < z->n && todo > 0; i++) {
		r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF || r < ARCHIVE_WARN) {
			err = zip_archive_err(z, a);
			break;
		}
		e = &z->e[i];
		if (!e->want || e->data != NULL)
			continue;
		if ((name = archive_entry_pathname_utf8(ae)) == NULL)
			name = "";
		if (strcmp(name, e->name) != 0) {
			err = zip_fail(z, CONVERT_EDOC, "damaged zip container "
			    "(%s)", "entries changed between reads");
			break;
		}
		if ((err = zip_read_entry(z, a, ae, e)) != CONVERT_OK)
			break;
		todo--;
	}
	archive_read_free(a);
	return err;
}

int
zip_get(struct zip *z, const char *name, struct zip_entry **ep)
{
	struct zip_entry	*e;
	int			 err;

	*ep = NULL;
	if ((e = zip_find(z, name)) == NULL)
		return CONVERT_OK;
	e->want = 1;
	if ((err = zip_load(z)) != CONVERT_OK)
		return err;
	*ep = e;
	return CONVERT_OK;
}

void
zip_close(struct zip *z)
{
	size_t	i;

	for (i = 0; i < z->n; i++) {
		free(z->e[i].name);
		free(z->e[i].data);
	}
	free(z->e);
	z->e = NULL;
	z->n = 0;
}

char *
zip_resolve(const char *base, const char *target)
{
	const char	*slash;
	char		*p, *out, *seg, *next;
	size_t		 dlen, tlen, n, i, o;

	/* Targets are URIs: no fragment or query; %XX decoded. */
	tlen = strcspn(target, "#?");
	slash = strrchr(base, '/');
	dlen = *target == '/' || slash == NULL ? 0 : (size_t)(slash - base) + 1;
	if ((p = malloc(dlen + tlen + 1)) == NULL)
		return NULL;
	memcpy(p, base, dlen);
	for (i = 0, o = dlen; i < tlen; i++) {
		if (target[i] == '%' && i + 2 < tlen + 1 &&
		    hex_digit(target[i + 1]) >= 0 && hex_digit(target[i + 2]) >= 0) {
			p[o++] = (char)(hex_digit(target[i + 1]) * 16 +
			    hex_digit(target[i + 2]));
			i += 2;
		} else
			p[o++] = target[i];
	}
	p[o] = '\0';
	if ((out = malloc(o + 1)) == NULL) {
		free(p);
		return NULL;
	}
	/* Segments: "." dropped, ".." climbs, empty ones dropped. */
	n = 0;
	for (seg = p; seg != NULL; seg = next) {
		if ((next = strchr(seg, '/')) != NULL)
			*next++ = '\0';
		if (*seg == '\0' || strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			if (n == 0) {
				free(p);
				free(out);
				return NULL;
			}
			while (n > 0 && out[--n] != '/')
				;
			continue;
		}
		if (n > 0)
			out[n++] = '/';
		memcpy(out + n, seg, strlen(seg));
		n += strlen(seg);
	}
	out[n] = '\0';
	free(p);
	return out;
}

/* ---- XML ---- */

int
xml_options(void)
{
	/*
	 * Never XML_PARSE_NOENT (substitutes entities: billion laughs),
	 * DTDLOAD or DTDATTR (external and default content), or HUGE (lifts
	 * the depth and size limits). COMPACT keeps short texts inside
	 * their nodes: trees of small runs are what Office parts are.
	 */
	return XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_COMPACT;
}

int
xml_reason(struct zip *z, const char *part, const xmlError *x)
{
	char	msg[128];
	size_t	n;
	int	line = x != NULL ? x->line : 0;

	if (x != NULL && x->code == XML_ERR_NO_MEMORY)
		return CONVERT_ENOMEM;
	(void)snprintf(msg, sizeof(msg), "%s", x != NULL && x->message !=
	    NULL ? x->message : "unreadable");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	/* libxml2's own limits: say which, not how to lift them. */
	if (x != NULL && (x->code == XML_ERR_ENTITY_LOOP ||
	    strstr(msg, "mplification") != NULL)) {
		(void)snprintf(z->reason, z->rlen, "%.100s: XML entity "
		    "expansion refused at line %d (entity bomb)", part, line);
		return CONVERT_ELIMIT;
	}
	if (strstr(msg, "Excessive depth") != NULL) {
		(void)snprintf(z->reason, z->rlen, "%.100s: XML nested deeper "
		    "than %d elements at line %d", part, XML_DEPTH_MAX, line);
		return CONVERT_ELIMIT;
	}
	(void)snprintf(z->reason, z->rlen, "%.100s: XML error at line %d: %s",
	    part, line, msg);
	return CONVERT_EDOC;
}

xmlDocPtr
xml_parse(struct zip *z, const struct zip_entry *e, int *err)
{
	xmlDocPtr	 doc;

	/* A tree costs ten times its text or more: a lower cap. */
	if (e->len > XML_TREE_MAX) {
		*err = zip_fail(z, CONVERT_ELIMIT, "XML part %.100s of %zu "
		    "MiB (limit %u MiB)", e->name, e->len >> 20,
		    XML_TREE_MAX >> 20);
		return NULL;
	}
	xmlResetLastError();
	doc = xmlReadMemory(e->data, (int)e->len, e->name, NULL,
	    xml_options());
	if (doc != NULL)
		return doc;
	*err = xml_reason(z, e->name, xmlGetLastError());
	return NULL;
}

int
xml_is(const xmlNode *n, const char *local)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, local) == 0;
}

xmlNodePtr
xml_child(const xmlNode *n, const char *local)
{
	xmlNodePtr	c;

	if (n == NULL)
		return NULL;
	for (c = n->children; c != NULL; c = c->next)
		if (xml_is(c, local))
			return c;
	return NULL;
}

const char *
xml_attr(const xmlNode *n, const char *local)
{
	const xmlAttr	*a;

	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return NULL;
	for (a = n->properties; a != NULL; a = a->next) {
		if (strcmp((const char *)a->name, local) != 0)
			continue;
		if (a->children != NULL && a->children->type == XML_TEXT_NODE &&
		    a->children->content != NULL)
			return (const char *)a->children->content;
		return "";
	}
	return NULL;
}

const char *
xml_rid(const xmlNode *n)
{
	const xmlAttr	*a;

	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return NULL;
	for (a = n->properties; a != NULL; a = a->next)
		if (a->ns != NULL && strcmp((const char *)a->name, "id") == 0 &&
		    a->children != NULL && a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
	return NULL;
}

void
xml_text(const xmlNode *n, struct mdbuf *b)
{
	const xmlNode	*c;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content != NULL)
			mdbuf_adds(b, (const char *)n->content);
		return;
	}
	if (n->type != XML_ELEMENT_NODE)
		return;		/* entity references: never expanded */
	for (c = n->children; c != NULL && !b->err; c = c->next)
		xml_text(c, b);
}

char *
meta_title(const char *s, size_t n)
{
	char	*o;
	size_t	 i, k, len = 0;
	int	 space = 0;

	if ((o = malloc(CONVERT_TITLE_MAX + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i += k) {
		k = 1;
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f) {
			space = len > 0;
			continue;
		}
		while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k++;
		if (len + (size_t)space + k > CONVERT_TITLE_MAX)
			break;
		if (space)
			o[len++] = ' ';
		space = 0;
		memcpy(o + len, s + i, k);
		len += k;
	}
	o[len] = '\0';
	return o;
}

char *
ooxml_core_title(struct zip *z, int *err)
{
	struct zip_entry	*e;
	struct mdbuf		 b;
	xmlDocPtr		 doc;
	xmlNodePtr		 root, t;
	char			*title = NULL;

	*err = CONVERT_OK;
	if ((*err = zip_get(z, "docProps/core.xml", &e)) != CONVERT_OK ||
	    e == NULL)
		return NULL;
	if ((doc = xml_parse(z, e, err)) == NULL) {
		/* Metadata only: a damaged core.xml costs the title. */
		if (*err != CONVERT_ENOMEM)
			*err = CONVERT_OK;
		return NULL;
	}
	root = xmlDocGetRootElement(doc);
	if ((t = xml_child(root, "title")) != NULL) {
		mdbuf_init(&b, CONVERT_TITLE_MAX * 4);
		xml_text(t, &b);
		if (b.err == CONVERT_ENOMEM)
			*err = CONVERT_ENOMEM;
		else if (b.p != NULL && (title = meta_title(b.p, b.len)) ==
		    NULL)
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
ooxml_check(struct zip *z, const char *kind, const char *main_part)
{
	const char	*missing = NULL;

	if (zip_find(z, "[Content_Types].xml") == NULL)
		missing = "[Content_Types].xml";
	else if (zip_find(z, main_part) == NULL)
		missing = main_part;
	if (missing == NULL)
		return CONVERT_OK;
	(void)snprintf(z->reason, z->rlen, "not a %s document (zip without "
	    "%s)", kind, missing);
	return CONVERT_EFORMAT;
}

/* "dir/name.xml" -> "dir/_rels/name.xml.rels" */
int
rels_load(struct zip *z, const char *part, xmlDocPtr *doc)
{
	struct zip_entry	*e;
	const char		*slash = strrchr(part, '/');
	char			*name;
	size_t			 d = slash != NULL ? (size_t)(slash - part) + 1 : 0;
	int			 err;

	*doc = NULL;
	if ((name = malloc(strlen(part) + 12)) == NULL)
		return CONVERT_ENOMEM;
	memcpy(name, part, d);
	(void)sprintf(name + d, "_rels/%s.rels", part + d);
	err = zip_get(z, name, &e);
	free(name);
	if (err != CONVERT_OK || e == NULL)
		return err;
	if ((*doc = xml_parse(z, e, &err)) == NULL)
		return err;
	return CONVERT_OK;
}

char *
rels_target(xmlDocPtr rels, const char *part, const char *id)
{
	xmlNodePtr	 n;
	const char	*v, *t;

	if (rels == NULL || id == NULL)
		return NULL;
	n = xmlDocGetRootElement(rels);
	for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next) {
		if (!xml_is(n, "Relationship") ||
		    (v = xml_attr(n, "Id")) == NULL || strcmp(v, id) != 0)
			continue;
		if ((v = xml_attr(n, "TargetMode")) != NULL &&
		    strcmp(v, "External") == 0)
			return NULL;
		if ((t = xml_attr(n, "Target")) == NULL)
			return NULL;
		return zip_resolve(part, t);
	}
	return NULL;
}

char *
rels_by_type(xmlDocPtr rels, const char *part, const char *type)
{
	xmlNodePtr	 n;
	const char	*t, *v;
	size_t		 tl, want = strlen(type);

	n = rels != NULL ? xmlDocGetRootElement(rels) : NULL;
	for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next) {
		if (!xml_is(n, "Relationship") ||
		    (t = xml_attr(n, "Type")) == NULL ||
		    (v = xml_attr(n, "Target")) == NULL ||
		    ((t = xml_attr(n, "TargetMode")) != NULL &&
		    strcmp(t, "External") == 0))
			continue;
		t = xml_attr(n, "Type");
		tl = strlen(t);
		if (tl > want && t[tl - want - 1] == '/' &&
		    strcmp(t + tl - want, type) == 0)
			return zip_resolve(part, v);
	}
	return NULL;
}

/* ---- tables ---- */

struct gcell {
	size_t	row, col, off, len;
};

void
grid_init(struct grid *g)
{
	memset(g, 0, sizeof(*g));
	mdbuf_init(&g->text, MDBUF_NOLIMIT);
}

void
grid_add(struct grid *g, size_t row, size_t col, const char *s, size_t n)
{
	struct gcell	*c;

	if (g->err)
		return;
	if (g->n == g->cap) {
		c = reallocarray(g->c, g->cap != 0 ? g->cap * 2 : 64,
		    sizeof(*c));
		if (c == NULL) {
			g->err = CONVERT_ENOMEM;
			return;
		}
		g->c = c;
		g->cap = g->cap != 0 ? g->cap * 2 : 64;
	}
	c = &g->c[g->n++];
	c->row = row;
	c->col = col;
	c->off = g->text.len;
	c->len = n;
	mdbuf_add(&g->text, s, n);
	if (g->text.err)
		g->err = g->text.err;
	if (col + 1 > g->ncols)
		g->ncols = col + 1;
}

static int
gcell_cmp(const void *a, const void *b)
{
	const struct gcell	*x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

void
grid_emit(struct grid *g, struct mdbuf *out)
{
	const char	**cells;
	size_t		 *lens, i, j, k;
	int		  header = 1;

	if (g->err || g->n == 0)
		return;
	cells = calloc(g->ncols, sizeof(*cells));
	lens = calloc(g->ncols, sizeof(*lens));
	if (cells == NULL || lens == NULL) {
		g->err = CONVERT_ENOMEM;
		goto done;
	}
	qsort(g->c, g->n, sizeof(*g->c), gcell_cmp);
	for (i = 0; i < g->n && !out->err; i = j) {
		for (k = 0; k < g->ncols; k++) {
			cells[k] = "";
			lens[k] = 0;
		}
		for (j = i; j < g->n && g->c[j].row == g->c[i].row; j++) {
			cells[g->c[j].col] = g->text.p + g->c[j].off;
			lens[g->c[j].col] = g->c[j].len;
		}
		mdbuf_table_row(out, cells, lens, g->ncols, header);
		header = 0;
	}
	mdbuf_blank(out);
done:
	free(cells);
	free(lens);
}

void
grid_free(struct grid *g)
{
	mdbuf_free(&g->text);
	free(g->c);
	memset(g, 0, sizeof(*g));
}
