/*
 * The metadata pass every conversion ends with (meta.c). Internal to
 * workers/convert.
 */
#ifndef KBD_CONVERT_META_H
#define KBD_CONVERT_META_H

#include <stddef.h>

struct convert_result;

/*
 * Read the title, description and outline of len bytes of Markdown into
 * r, keeping what the converter set itself: r->title, and r->outline when
 * it is set or r->outline_set says the converter's own (even empty) is
 * the outline. CONVERT_OK, CONVERT_ENOMEM or CONVERT_EPARSE.
 */
int	meta_collect(const char *md, size_t len, struct convert_result *r);
/*
 * Whether a paragraph's collapsed text is noise, not a description: a
 * table of contents line ("1 Introduction 2", dotted leaders), a running
 * header ("TAR(1) GNU TAR Manual TAR(1)"), a reST directive left as text
 * (".. c:function::", "c:function PyObject* ..."). Descriptions and
 * titles read from paragraphs skip it.
 */
int	meta_noise(const char *s);

#endif /* KBD_CONVERT_META_H */
