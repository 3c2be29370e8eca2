/*
 * libFuzzer harness for the source code converter. The first byte picks
 * the language (its comment syntax), the rest is the file. Any input
 * converts or fails with an error code; never a crash, a leak or output
 * past the cap.
 */
#include <stdint.h>
#include <stdlib.h>

#include "convert.h"

#define OUTPUT_CAP	(1u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const	exts[] = { "c", "py", "sh", "lua",
	    "ini", "json", "php", "el" };
	struct convert_result		r;

	if (size < 1)
		return 0;
	if (convert(exts[data[0] % 8], (const char *)data + 1, size - 1,
	    OUTPUT_CAP, &r) == CONVERT_OK && r.md_len > OUTPUT_CAP)
		abort();
	convert_free(&r);
	return 0;
}
