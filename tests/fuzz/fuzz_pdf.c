/*
 * libFuzzer harness for the PDF converter (MuPDF): the input is the
 * document, named .pdf. Any input converts or fails with an error code;
 * never a crash, a leak or output past the cap. MuPDF's memory is capped
 * well under libFuzzer's RSS limit so that a bomb is a CONVERT_ELIMIT,
 * as in the worker.
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

	convert_pdf_mem_max = 256u << 20;
	if (convert("pdf", (const char *)data, size, OUTPUT_CAP, &r) ==
	    CONVERT_OK && r.md_len > OUTPUT_CAP)
		abort();
	convert_free(&r);
	return 0;
}
