/*
 * libFuzzer harness for the search query language (workers/store/query.c):
 * any bytes compile or fail with a message, never crash, and a compiled
 * query has as many parameters as its conditions have placeholders.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct query	 q;
	char		 err[256], *text;
	size_t		 marks = 0;
	const char	*p;

	if ((text = malloc(len + 1)) == NULL)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	if (query_compile(text, &q, err, sizeof(err), NULL) == 0) {
		for (p = q.where; *p != '\0'; p++)
			marks += *p == '?';
		if (marks != q.nparams || (q.match == NULL &&
		    q.where[0] == '\0'))
			abort();
		query_free(&q);
	} else if (err[0] == '\0')
		abort();
	free(text);
	return 0;
}
