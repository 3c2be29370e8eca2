/*
 * Plain text extracted from a layout (PDF paragraphs) written as a
 * Markdown paragraph with the fewest escapes that keep it literal
 * (mdplain.c). Internal to workers/convert.
 */
#ifndef KBD_CONVERT_MDPLAIN_H
#define KBD_CONVERT_MDPLAIN_H

#include <stddef.h>

struct mdbuf;

/*
 * Append n bytes of s as one paragraph line: blanks collapse, controls
 * go, and a backslash is added only before what Markdown (CommonMark with
 * GitHub's tables, strikethrough and autolinks, as md4c reads it) would
 * take for markup there: "tar {A|c|d}" stays as it is, "*x*" does not.
 * The line must not be a table row: it is written after a blank line and
 * followed by one, so a "|" can never start a table.
 */
void	mdbuf_plain(struct mdbuf *, const char *s, size_t n);

#endif /* KBD_CONVERT_MDPLAIN_H */
