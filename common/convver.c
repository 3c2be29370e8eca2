/*
 * The converters' names and versions (convver.h says who reads them).
 *
 * Bump a converter's version whenever its Markdown for the same input
 * changes (a fix, a new construct kept, different metadata): every
 * document it made before is then stale, `kbctl status` counts it and
 * `kbctl recompile --stale` converts it again. Version 0 is "made by a
 * kbd older than converter versions".
 */
#include <stddef.h>
#include <string.h>

#include "convver.h"

static const struct {
	const char	*name;
	unsigned	 version;
} convver[FMT_MAX] = {
	[FMT_TEXT] =		{ "text", 1 },
	[FMT_MARKDOWN] =	{ "markdown", 1 },
	[FMT_RST] =		{ "rst", 1 },
	[FMT_HTML] =		{ "html", 1 },
	[FMT_CSV] =		{ "csv", 1 },
	[FMT_PDF] =		{ "pdf", 1 },
	[FMT_DOCX] =		{ "docx", 1 },
	[FMT_PPTX] =		{ "pptx", 1 },
	[FMT_XLSX] =		{ "xlsx", 1 },
	[FMT_EPUB] =		{ "epub", 1 },
	[FMT_COMPRESSED] =	{ "compressed", 1 },
	[FMT_MAN] =		{ "man", 1 },
	[FMT_ODT] =		{ "odt", 1 },
	[FMT_ODS] =		{ "ods", 1 },
	[FMT_ODP] =		{ "odp", 1 },
	[FMT_RTF] =		{ "rtf", 1 },
	[FMT_SOURCE] =		{ "source", 1 },
};

const char *
convver_name(enum format f)
{
	if (f <= FMT_NONE || f >= FMT_MAX)
		return NULL;
	return convver[f].name;
}

unsigned
convver_version(enum format f)
{
	if (f <= FMT_NONE || f >= FMT_MAX || convver[f].name == NULL)
		return 0;
	return convver[f].version;
}

unsigned
convver_current(const char *name)
{
	int	f;

	for (f = FMT_NONE + 1; f < FMT_MAX; f++)
		if (convver[f].name != NULL &&
		    strcmp(convver[f].name, name) == 0)
			return convver[f].version;
	return 0;
}
