/*
 * Unit tests of the source code converter (code.c): fenced code with the
 * language of the extension, the leading comment or docstring as the
 * description (licence tags, mode lines and shebangs skipped), the file
 * name as title, fences longer than the file's backtick runs.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "convert.h"

#define BIG	(1 << 20)

static void
conv_ok(const char *ext, const char *in, struct convert_result *r)
{
	int	err;

	err = convert(ext, in, strlen(in), BIG, r);
	if (err != CONVERT_OK)
		fail_msg("convert: error %d: %s", err, r->reason);
	assert_non_null(r->md);
}

static void
test_languages(void **state)
{
	struct convert_result	r;
	const char		*c = "/*\n * SPDX-License-Identifier: MIT\n *\n"
	    " * Copyright 2024 Someone\n *\n * The frobnicator: frobs widgets\n"
	    " * gently.\n *\n * More detail.\n */\n#include <stdio.h>\n";
	const char		*py = "#!/usr/bin/env python3\n"
	    "# -*- coding: utf-8 -*-\n\"\"\"Tidal tables: compute the tides\n"
	    "for a harbour.\n\nDetails.\n\"\"\"\nimport sys\nprint(\"```\")";
	const char		*sh = "#!/bin/sh\n# Deploy the *site*.\nset -e\n";
	const char		*go = "// Package tide reads tides.\npackage tide\n";
	const char		*json = "{\"a\": \"// not a comment\"}\n";
	const char		*nocomment = "x = 1\n# late comment\n";

	(void)state;
	conv_ok("c", c, &r);
	assert_int_equal(strncmp(r.md, "The frobnicator: frobs widgets "
	    "gently.\n\n```c\n/*\n", 45), 0);
	assert_string_equal(r.md + r.md_len - 23, "#include <stdio.h>\n```\n");
	assert_string_equal(r.title, "");
	assert_string_equal(r.description,
	    "The frobnicator: frobs widgets gently.");
	convert_free(&r);
	/* A docstring; the file's own ``` needs a longer fence. */
	conv_ok("py", py, &r);
	assert_string_equal(r.description,
	    "Tidal tables: compute the tides for a harbour.");
	assert_non_null(strstr(r.md, "\n````python\n#!/usr/bin/env python3\n"));
	assert_non_null(strstr(r.md, "print(\"```\")\n````\n"));
	convert_free(&r);
	conv_ok("sh", sh, &r);
	assert_string_equal(r.md, "Deploy the \\*site\\*.\n\n```sh\n"
	    "#!/bin/sh\n# Deploy the *site*.\nset -e\n```\n");
	convert_free(&r);
	conv_ok("go", go, &r);
	assert_string_equal(r.description, "Package tide reads tides.");
	assert_non_null(strstr(r.md, "```go\n"));
	convert_free(&r);
	/* JSON has no comments; a comment after code is not the description. */
	conv_ok("json", json, &r);
	assert_string_equal(r.md, "```json\n{\"a\": \"// not a comment\"}\n"
	    "```\n");
	assert_string_equal(r.description, "");
	convert_free(&r);
	conv_ok("toml", nocomment, &r);
	assert_string_equal(r.description, "");
	convert_free(&r);
}

/* Bad text is refused as any text is; an unclosed comment is read. */
static void
test_hostile(void **state)
{
	struct convert_result	r;
	char			*in;

	(void)state;
	assert_int_equal(convert("c", "int x;\xff\n", 8, BIG, &r),
	    CONVERT_EUTF8);
	assert_int_equal(r.offset, 6);
	convert_free(&r);
	conv_ok("c", "/* never closed\n * still comment", &r);
	assert_string_equal(r.description, "never closed still comment");
	convert_free(&r);
	conv_ok("py", "\"\"\"", &r);
	convert_free(&r);
	conv_ok("c", "", &r);
	assert_string_equal(r.md, "```c\n```\n");
	convert_free(&r);
	/* A run of 100 backticks: no fence can hold it. */
	assert_non_null(in = calloc(1, 101));
	memset(in, '`', 100);
	assert_int_equal(convert("js", in, 100, BIG, &r), CONVERT_ELIMIT);
	convert_free(&r);
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_languages),
		cmocka_unit_test(test_hostile),
	};

	(void)convert_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
