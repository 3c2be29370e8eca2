/*
 * Unit tests of the CSV converter: RFC 4180 quoting, the delimiter
 * guessed, ragged rows padded, the line that sums the table up, UTF-8
 * checks and the limits.
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
#include "csv.h"

#define BIG	(1 << 20)

static void
conv_ok(const char *in, size_t len, struct convert_result *r)
{
	int	err;

	err = convert("csv", in, len, BIG, r);
	if (err != CONVERT_OK)
		fail_msg("convert: error %d: %s", err, r->reason);
	assert_non_null(r->md);
	assert_int_equal(strlen(r->md), r->md_len);
}

static void
test_rfc4180(void **state)
{
	struct convert_result	r;
	const char		*in = "name,quote,n\r\n"
	    "Ann,\"says \"\"hi\"\", then, leaves\",1\r\n"
	    "\"Bob\",\"two\r\nlines\",2\r\n"
	    "\r\n"
	    "Cy,a|b *c*,3";

	(void)state;
	conv_ok(in, strlen(in), &r);
	assert_string_equal(r.md,
	    "3 rows, 3 columns: name, quote, n.\n"
	    "\n"
	    "| name | quote | n |\n"
	    "| --- | --- | --- |\n"
	    "| Ann | says \"hi\", then, leaves | 1 |\n"
	    "| Bob | two lines | 2 |\n"
	    "| Cy | a\\|b \\*c\\* | 3 |\n");
	/* The name is the title: a CSV file has none. */
	assert_string_equal(r.title, "");
	assert_string_equal(r.description,
	    "3 rows, 3 columns: name, quote, n.");
	assert_int_equal(r.noutline, 0);
	convert_free(&r);
}

static void
test_delimiters(void **state)
{
	struct convert_result	r;
	const char		*semi = "a;b;c\n\"1,5\";2;3\n4;5;6\n";
	const char		*tab = "x\ty, z\tw\n1\t2, 3\t4\n";
	const char		*pipe = "p|q\n\"a;b\"|c\n";
	const char		*one = "only\nvalues\n";

	(void)state;
	conv_ok(semi, strlen(semi), &r);
	assert_non_null(strstr(r.md, "| a | b | c |\n| --- | --- | --- |\n"
	    "| 1,5 | 2 | 3 |\n| 4 | 5 | 6 |\n"));
	convert_free(&r);
	conv_ok(tab, strlen(tab), &r);
	assert_non_null(strstr(r.md, "| x | y, z | w |\n"
	    "| --- | --- | --- |\n| 1 | 2, 3 | 4 |\n"));
	convert_free(&r);
	conv_ok(pipe, strlen(pipe), &r);
	assert_non_null(strstr(r.md, "| p | q |\n| --- | --- |\n"
	    "| a;b | c |\n"));
	convert_free(&r);
	conv_ok(one, strlen(one), &r);
	assert_string_equal(r.md, "1 row, 1 column: only.\n\n"
	    "| only |\n| --- |\n| values |\n");
	convert_free(&r);
}

static void
test_ragged(void **state)
{
	struct convert_result	r;
	const char		*in = "\xef\xbb\xbf" "a,b\n1\n2,3,4,5\n,\n";

	(void)state;
	conv_ok(in, strlen(in), &r);
	assert_string_equal(r.md, "3 rows, 4 columns: a, b, , .\n\n"
	    "| a | b |  |  |\n| --- | --- | --- | --- |\n"
	    "| 1 |  |  |  |\n| 2 | 3 | 4 | 5 |\n|  |  |  |  |\n");
	convert_free(&r);
	conv_ok("", 0, &r);
	assert_string_equal(r.md, "");
	convert_free(&r);
	conv_ok("\n\n\r\n", 4, &r);
	assert_string_equal(r.md, "");
	convert_free(&r);
}

static void
test_errors(void **state)
{
	struct convert_result	r;
	const char		*open = "a,b\n1,2\n3,\"never\nclosed,4\n";
	const char		*latin1 = "a,b\ncaf\xe9,1\n";
	char			*in, *p;
	size_t			 i;

	(void)state;
	assert_int_equal(convert("csv", open, strlen(open), BIG, &r),
	    CONVERT_EDOC);
	assert_string_equal(r.reason,
	    "CSV quoted field opened on line 3 is never closed");
	convert_free(&r);
	/* A quote inside an unquoted field is a character. */
	conv_ok("a,b\n5\" disk,x\n", 14, &r);
	assert_non_null(strstr(r.md, "| 5\" disk | x |\n"));
	convert_free(&r);

	/* The text check CSV applies; convert() hands it UTF-8. */
	assert_int_equal(convert_check_text(latin1, strlen(latin1), &i),
	    CONVERT_EUTF8);
	assert_int_equal(i, 7);
	conv_ok(latin1, strlen(latin1), &r);
	assert_non_null(strstr(r.md, "| caf\xc3\xa9 | 1 |\n"));
	assert_non_null(strstr(r.md, "<!-- kbd: read as windows-1252 -->"));
	convert_free(&r);

	/* Too many fields in a record. */
	in = p = malloc(2 * (CSV_COLUMNS_MAX + 1) + 1);
	assert_non_null(in);
	for (i = 0; i <= CSV_COLUMNS_MAX; i++) {
		*p++ = 'x';
		*p++ = ',';
	}
	p[-1] = '\n';
	*p = '\0';
	assert_int_equal(convert("csv", in, strlen(in), BIG, &r),
	    CONVERT_ELIMIT);
	assert_string_equal(r.reason, "CSV line 1 has more than 1024 fields");
	convert_free(&r);
	/* Exactly the limit is fine. */
	p[-3] = '\n';
	p[-2] = '\0';
	conv_ok(in, strlen(in), &r);
	convert_free(&r);
	free(in);

	/* Rows are bounded by the output cap. */
	in = malloc(100001);
	assert_non_null(in);
	for (i = 0; i < 100000; i += 4)
		memcpy(in + i, "a,b\n", 4);
	in[100000] = '\0';
	assert_int_equal(convert("csv", in, 100000, 4096, &r),
	    CONVERT_EOUTPUT);
	convert_free(&r);
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4180),
		cmocka_unit_test(test_delimiters),
		cmocka_unit_test(test_ragged),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
