/*
 * libFuzzer harness for the HTML converter: the first byte picks the way
 * in (convert() on a .html document, or html_markdown() reading XHTML as
 * XML, as the EPUB converter does), the rest is the document. Any input
 * converts or fails with an error code; never a crash, a leak, output
 * past the cap or output that is not UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "html.h"
#include "mdbuf.h"

#define OUTPUT_CAP	(1u << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 ready;
	struct convert_result	 r;
	struct mdbuf		 out;
	char			*title, reason[CONVERT_REASON_MAX];
	size_t			 off;
	int			 err;

	if (!ready) {
		if (convert_init() == -1)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		mdbuf_init(&out, OUTPUT_CAP);
		err = html_markdown((const char *)data + 1, size - 1, 1, &out,
		    &title, reason, sizeof(reason));
		if (out.len > OUTPUT_CAP ||
		    (err != CONVERT_OK && title != NULL) ||
		    (err == CONVERT_OK && out.err == 0 && out.p != NULL &&
		    convert_check_text(out.p, out.len, &off) != CONVERT_OK) ||
		    (title != NULL && convert_check_text(title,
		    strlen(title), &off) != CONVERT_OK))
			abort();
		free(title);
		mdbuf_free(&out);
		return 0;
	}
	/* Whatever the input's encoding, the Markdown is UTF-8. */
	if (convert("html", (const char *)data + 1, size - 1, OUTPUT_CAP,
	    &r) == CONVERT_OK && (r.md_len > OUTPUT_CAP ||
	    convert_check_text(r.md, r.md_len, &off) != CONVERT_OK))
		abort();
	convert_free(&r);
	return 0;
}
