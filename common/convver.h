/*
 * Converter versions: the name and version of the converter of each
 * format. The worker reports them with each conversion, the registry
 * records them with each document (documents.converter, .conv_version),
 * and the supervisor compares them with these to count the documents an
 * older kbd converted (kbctl status) and to choose what `kbctl recompile
 * --stale` converts again. They live in common/ because three processes
 * need them and the supervisor and the committer may not include the
 * converters (Makefile, INC_*).
 */
#ifndef KBD_CONVVER_H
#define KBD_CONVVER_H

#include "format.h"

/* The converter of a format: its name ("pdf"), or NULL if there is none. */
const char	*convver_name(enum format);
/* Its version (1 and up); 0 for a format with no converter. */
unsigned	 convver_version(enum format);
/*
 * The current version of the converter called name; 0 if kbd has no
 * converter of that name (any version recorded for it is stale).
 */
unsigned	 convver_current(const char *name);

#endif
