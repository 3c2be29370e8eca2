/*
 * libFuzzer harness for the man-page converter: any input converts or fails
 * with an error code; never a crash, a leak or output past the cap.
 */
#include <stdint.h>
#include <stdlib.h>

#include "convert.h"

#define OUTPUT_CAP	(1u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct convert_result	r;

	if (convert("1", (const char *)data, size, OUTPUT_CAP, &r) ==
	    CONVERT_OK && r.md_len > OUTPUT_CAP)
		abort();
	convert_free(&r);
	return 0;
}
