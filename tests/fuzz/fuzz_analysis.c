/*
 * libFuzzer harness for the committer's check of a worker's analysis
 * (workers/committer/itemtext.c): any bytes, as ConvertRep.analysis
 * arrives from a worker that may have been subverted by what it parsed,
 * are taken into an item or refused with a reason; never a crash or a
 * leak, and what is taken keeps the extraction's rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "kbpath.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct item	 it;
	const char	*why;
	char		*name;
	size_t		 i;

	memset(&it, 0, sizeof(it));
	if (itemtext_take(&it, data, size, &why) == -1) {
		if (why == NULL || *why == '\0')
			abort();
		return 0;
	}
	if (it.lang <= 0 || it.nterms > CONCEPT_DOC_TERMS ||
	    it.nkw > KEYWORDS_MAX)
		abort();
	for (i = 0; i < it.nterms; i++) {
		if ((name = kbpath_concept_name(it.terms[i].term)) == NULL ||
		    utf8_check(it.terms[i].term, strlen(it.terms[i].term),
		    NULL) != 0)
			abort();
		free(name);
	}
	itemtext_free(&it);
	return 0;
}
