/*
 * libFuzzer harness for detection, charsets and compressed files: the
 * first byte picks the name's extension (none, an unknown one, a
 * compressed one, a text format), the rest is the document, sniffed and
 * converted as the worker does. Any input converts or fails with an error
 * code; never a crash, a leak or output past the cap.
 */
#include <stdint.h>
#include <stdlib.h>

#include "convert.h"

#define OUTPUT_CAP	(1u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const	 exts[] = {
		"", "gz", "txt.gz", "md.xz", "csv.zst", "txt.bz2", "txt",
		"csv", "md",
	};
	struct convert_result		 r;

	if (size < 1)
		return 0;
	/* Keep bombs cheap: the ratio limit is what is under test. */
	convert_decompress_max = 8u << 20;
	if (convert(exts[data[0] % (sizeof(exts) / sizeof(exts[0]))],
	    (const char *)data + 1, size - 1, OUTPUT_CAP, &r) == CONVERT_OK &&
	    r.md_len > OUTPUT_CAP)
		abort();
	convert_free(&r);
	return 0;
}
