/*
 * Unit tests of the RTF converter (rtf.c): text, paragraphs, emphasis,
 * \'hh and \uN escapes with their fallback, skipped destinations, the
 * \info title, hyperlink fields, tables; hostile documents (deep groups,
 * truncation, \bin past the end, not RTF at all).
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
conv_ok(const char *in, size_t len, struct convert_result *r)
{
	int	err;

	err = convert("rtf", in, len, BIG, r);
	if (err != CONVERT_OK)
		fail_msg("convert: error %d: %s", err, r->reason);
	assert_non_null(r->md);
	assert_int_equal(strlen(r->md), r->md_len);
}

static void
test_document(void **state)
{
	struct convert_result	r;
	const char		*in =
	    "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Times;}}"
	    "{\\colortbl;\\red0\\green0\\blue0;}{\\stylesheet{\\s1 heading 1;}}"
	    "{\\info{\\title Sea Notes}{\\author Someone}}"
	    "{\\*\\generator Writer;}\r\n"
	    "\\pard\\outlinelevel0 Chapter One\\par\n"
	    "\\pard Plain {\\b bold} and {\\i italic} text caf\\'e9 "
	    "\\'80 \\u8364? \\uc2\\u20320 xy \\u-10179?\\u-8903? done.\\par\n"
	    "A {\\field{\\*\\fldinst HYPERLINK \"https://example.org/x\"}"
	    "{\\fldrslt link}} here\\line next\\tab col \\{braces\\} "
	    "back\\\\slash *star*\\par\n"
	    "\\trowd\\pard\\intbl A1\\cell B1\\cell\\row"
	    "\\pard\\intbl A2\\cell B2\\cell\\row\n"
	    "\\pard After {\\pict\\wmetafile8 0123abcd} table.\\par"
	    "{\\object{\\*\\objdata 0102}}{\\header Running head\\par}"
	    "{\\*\\unknownthing hidden}\\b1 tail\\b0 end}";

	(void)state;
	conv_ok(in, strlen(in), &r);
	assert_string_equal(r.md,
	    "# Chapter One\n\n"
	    "Plain **bold** and *italic* text caf\xc3\xa9 \xe2\x82\xac "
	    "\xe2\x82\xac \xe4\xbd\xa0 \xf0\x9f\x94\xb9" "done.\n\n"
	    "A [link](https://example.org/x) here next col {braces} "
	    "back\\\\slash \\*star\\*\n\n"
	    "| A1 | B1 |\n| --- | --- |\n| A2 | B2 |\n\n"
	    "After table.\n\n"
	    "**tail**end\n");
	assert_string_equal(r.title, "Sea Notes");
	assert_int_equal(r.noutline, 1);
	convert_free(&r);
}

static void
test_hostile(void **state)
{
	struct convert_result	r;
	char			*in;
	size_t			 i;
	const char		*trunc[] = { "{\\rtf1", "{\\rtf1 abc\\",
	    "{\\rtf1 a\\'e", "{\\rtf1 a\\u", "{\\rtf1 a\\u-",
	    "{\\rtf1 {\\field{\\*\\fldinst HYPERLINK \"x", "{\\rtf1 }}}}",
	    /* Blanks before HYPERLINK and one quote, last (a fuzz find). */
	    "{\\rtf1 {\\field{\\*\\fldinst{  HYPERLINK x\"}}{\\fldrslt y}}}",
	    "{\\rtf1 \\bin99999999 abc}", "{\\rtf1 \\uc99999\\u65 abc}",
	    "{\\rtf1 \\u99999999999999999999 x}",
	    "{\\rtf1 {\\fldrslt {\\fldrslt {\\fldrslt x}}}}" };

	(void)state;
	/* Groups nested past 256 fail as a limit. */
	assert_non_null(in = malloc(20000));
	memcpy(in, "{\\rtf1 ", 7);
	for (i = 7; i < 10007; i++)
		in[i] = '{';
	in[i] = '\0';
	assert_int_equal(convert("rtf", in, strlen(in), BIG, &r),
	    CONVERT_ELIMIT);
	assert_string_equal(r.reason, "RTF nested deeper than 256 groups");
	convert_free(&r);
	/* 255 levels are fine. */
	for (i = 7; i < 7 + 254; i++)
		in[i] = '{';
	memcpy(in + i, "deep", 4);
	in[i + 4] = '\0';
	conv_ok(in, strlen(in), &r);
	assert_string_equal(r.md, "deep\n");
	convert_free(&r);
	free(in);
	for (i = 0; i < sizeof(trunc) / sizeof(trunc[0]); i++) {
		conv_ok(trunc[i], strlen(trunc[i]), &r);
		convert_free(&r);
	}
	assert_int_equal(convert("rtf", "plain text", 10, BIG, &r),
	    CONVERT_EFORMAT);
	assert_string_equal(r.reason, "not an RTF document (no {\\rtf header)");
	convert_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_hostile),
	};

	(void)convert_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
