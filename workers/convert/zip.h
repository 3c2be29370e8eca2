/*
 * Zip containers (DOCX, PPTX, XLSX, EPUB) read from memory with
 * libarchive, with limits against zip bombs, and the XML helpers their
 * converters share (libxml2, no entities expanded, nothing loaded from
 * outside the document). Library-like: malloc only; every failure is a
 * convert error code with its reason.
 */
#ifndef KBD_CONVERT_ZIP_H
#define KBD_CONVERT_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "convert.h"
#include "mdbuf.h"

#define ZIP_ENTRIES_MAX		10000		/* entries in a container */
#define ZIP_NAME_MAX		1024		/* bytes of an entry's name */
#define ZIP_ENTRY_MAX		(64u << 20)	/* uncompressed bytes of a part read */
#define ZIP_TOTAL_MAX		(256u << 20)	/* of all the parts read */
#define ZIP_RATIO_MAX		100		/* uncompressed : compressed ... */
#define ZIP_RATIO_FROM		(1u << 20)	/* ... checked past this size */
#define XML_TREE_MAX		(32u << 20)	/* bytes of a part parsed as a tree */
#define XML_DEPTH_MAX		256		/* element nesting (libxml2's own) */

struct zip_entry {
	char		*name;		/* UTF-8, as stored */
	uint64_t	 size;		/* uncompressed, as declared */
	uint64_t	 csize;		/* compressed, as declared (or the zip's) */
	int		 want;		/* zip_load reads it */
	char		*data;		/* NUL-terminated once loaded */
	size_t		 len;
};

struct zip {
	const char		*in;
	size_t			 inlen;
	struct zip_entry	*e;
	size_t			 n;
	size_t			 loaded;	/* bytes held by loaded entries */
	size_t			 total_max;
	char			*reason;
	size_t			 rlen;
};

/*
 * List the entries of the zip in len bytes of in (which must outlive z),
 * checking the count and name limits. Errors: EDOC (not a readable zip),
 * ELIMIT, ENOMEM, with the reason in reason.
 */
int	 zip_open(struct zip *z, const char *in, size_t len, char *reason,
	    size_t rlen);
/* The entry of that exact name, or NULL. */
struct zip_entry *zip_find(struct zip *z, const char *name);
/* Read every entry marked want and not loaded yet, checking the limits. */
int	 zip_load(struct zip *z);
/* Mark and load one entry; NULL entry when there is none (not an error). */
int	 zip_get(struct zip *z, const char *name, struct zip_entry **ep);
void	 zip_close(struct zip *z);

/*
 * A part's path resolved against the directory of the part that names it
 * (base "ppt/slides/slide1.xml", target "../media/a.png" gives
 * "ppt/media/a.png"); a leading '/' is from the root. Returns a malloc'd
 * string or NULL (memory, or a path that climbs out of the root).
 */
char	*zip_resolve(const char *base, const char *target);

/*
 * Parse a loaded entry as XML: no network, no DTD loading, entities
 * never substituted, libxml2's own depth limit. Returns the document or
 * NULL with *err (EDOC with the part's name and libxml2's message, or
 * ENOMEM) and the reason in z->reason.
 */
xmlDocPtr xml_parse(struct zip *z, const struct zip_entry *e, int *err);
/* libxml2's error as a reason; returns EDOC, ELIMIT or ENOMEM. */
int	 xml_reason(struct zip *z, const char *part, const xmlError *x);
/* Options for xmlReadMemory and xmlReaderForMemory. */
int	 xml_options(void);
/* Whether n is an element with that local name (any namespace). */
int	 xml_is(const xmlNode *n, const char *local);
/* The first child element with that local name, or NULL. */
xmlNodePtr xml_child(const xmlNode *n, const char *local);
/* Value of an attribute by local name, or NULL; never allocates. */
const char *xml_attr(const xmlNode *n, const char *local);
/* The relationship id (r:id: "id" in a namespace), or NULL. */
const char *xml_rid(const xmlNode *n);
/*
 * Append the text of n's subtree (text and CDATA nodes; entity
 * references are skipped, never expanded) to b.
 */
void	 xml_text(const xmlNode *n, struct mdbuf *b);
/*
 * Metadata text: whitespace and control characters collapsed to single
 * blanks, cut at CONVERT_TITLE_MAX bytes on a character boundary;
 * malloc'd ("" when nothing is left), NULL without memory.
 */
char	*meta_title(const char *s, size_t n);
/* The title of docProps/core.xml (dc:title), malloc'd, or NULL. */
char	*ooxml_core_title(struct zip *z, int *err);

/*
 * EFORMAT unless the zip has [Content_Types].xml and main_part ("not a
 * DOCX document (zip without word/document.xml)").
 */
int	 ooxml_check(struct zip *z, const char *kind, const char *main_part);
/* The relationships of part (DIR/_rels/NAME.rels), NULL doc if none. */
int	 rels_load(struct zip *z, const char *part, xmlDocPtr *doc);
/* The part a relationship id names, resolved against part; malloc'd. */
char	*rels_target(xmlDocPtr rels, const char *part, const char *id);

/*
 * The first internal relationship whose type ends in "/" type
 * ("notesSlide", "sharedStrings"), resolved against part; malloc'd, or
 * NULL when there is none (or no memory).
 */
char	*rels_by_type(xmlDocPtr rels, const char *part, const char *type);

/*
 * A table gathered cell by cell (in any order, sparse) and written as a
 * pipe table: rows in order, the first one the header, each as wide as
 * the widest, missing cells empty.
 */
struct gcell;
struct grid {
	struct mdbuf	 text;
	struct gcell	*c;
	size_t		 n, cap, ncols;
	int		 err;
};
void	 grid_init(struct grid *g);
void	 grid_add(struct grid *g, size_t row, size_t col, const char *s,
	    size_t n);
void	 grid_emit(struct grid *g, struct mdbuf *out);
void	 grid_free(struct grid *g);

#endif /* KBD_CONVERT_ZIP_H */
