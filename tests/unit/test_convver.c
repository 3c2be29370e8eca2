/*
 * Unit tests of converter versions (common/convver.c): every format a
 * converter reads has a name and a version of 1 or more, names are
 * unique and map back to their version, a format without a converter
 * has none; and convert() says which converter made the Markdown.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "convert.h"
#include "convver.h"

static void
test_every_converter_versioned(void **state)
{
	int		 f, g;
	const char	*n;

	(void)state;
	for (f = FMT_NONE + 1; f < FMT_MAX; f++) {
		n = convver_name((enum format)f);
		if (!convert_has((enum format)f)) {
			/* Recognised, not read: nothing to version. */
			assert_null(n);
			assert_int_equal(convver_version((enum format)f), 0);
			continue;
		}
		/* A converter added without a version fails here. */
		assert_non_null(n);
		assert_true(convver_version((enum format)f) >= 1);
		assert_int_equal(convver_current(n),
		    convver_version((enum format)f));
		for (g = FMT_NONE + 1; g < f; g++)
			if (convver_name((enum format)g) != NULL)
				assert_string_not_equal(n,
				    convver_name((enum format)g));
	}
	assert_null(convver_name(FMT_NONE));
	assert_null(convver_name(FMT_MAX));
	assert_int_equal(convver_current(""), 0);
	assert_int_equal(convver_current("no-such-converter"), 0);
}

static void
check_fmt(const char *ext, const char *in, enum format want)
{
	struct convert_result	r;

	assert_int_equal(convert(ext, in, strlen(in), 1 << 20, &r),
	    CONVERT_OK);
	assert_int_equal(r.fmt, want);
	convert_free(&r);
}

static void
test_convert_says_which(void **state)
{
	(void)state;
	assert_int_equal(convert_init(), 0);
	check_fmt("md", "# Title\n\nText.\n", FMT_MARKDOWN);
	check_fmt("txt", "plain text\n", FMT_TEXT);
	check_fmt("html", "<html><head><title>T</title></head><body><p>x"
	    "</p></body></html>", FMT_HTML);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_converter_versioned),
		cmocka_unit_test(test_convert_says_which),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
