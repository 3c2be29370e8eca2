/*
 * Unit tests of document naming: sanitizing stems into one safe path
 * component, and the collision rule (stem, then stem-<hash prefix> with
 * longer prefixes while taken) applied in scan order.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "naming.h"

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "01234567ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define H3 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void
check_sanitize(const char *in, const char *want)
{
	char	out[NAMING_STEM_MAX + 1];

	assert_int_equal(naming_sanitize(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

/* Whether s is entirely valid UTF-8 (the sanitizer's promise). */
static int
valid_utf8(const unsigned char *s)
{
	size_t	n, i;

	while (*s != '\0') {
		if (*s < 0x80)
			n = 1;
		else if ((*s & 0xe0) == 0xc0)
			n = 2;
		else if ((*s & 0xf0) == 0xe0)
			n = 3;
		else if ((*s & 0xf8) == 0xf0)
			n = 4;
		else
			return 0;
		for (i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		s += n;
	}
	return 1;
}

static void
test_plain(void **state)
{
	(void)state;
	check_sanitize("report", "report");
	check_sanitize("My Notes (draft) v1.2", "My Notes (draft) v1.2");
	check_sanitize("café-日本語", "café-日本語");
	check_sanitize("a.b", "a.b");
}

static void
test_slash(void **state)
{
	(void)state;
	check_sanitize("a/b/c", "a_b_c");
	check_sanitize("/", "_");
	check_sanitize("../etc/passwd", "_etc_passwd");
}

static void
test_leading_dots(void **state)
{
	(void)state;
	check_sanitize(".bashrc", "bashrc");
	check_sanitize("...x.y", "x.y");
	check_sanitize(".", "doc");
	check_sanitize("..", "doc");
	check_sanitize("x..", "x..");	/* only leading dots matter */
}

static void
test_control(void **state)
{
	(void)state;
	check_sanitize("tab\there", "tab_here");
	check_sanitize("line\nbreak\r", "line_break_");
	check_sanitize("del\x7f", "del_");
	check_sanitize("\x1b[31mred", "_[31mred");
	/* C1 controls are one character: one '_'. */
	check_sanitize("a\xc2\x85z", "a_z");
	/* NBSP (U+00A0) is not a control. */
	check_sanitize("a\xc2\xa0z", "a\xc2\xa0z");
}

static void
test_bad_utf8(void **state)
{
	(void)state;
	check_sanitize("\xff\xfe", "__");
	check_sanitize("over\xc0\xaflong", "over__long");
	check_sanitize("surrogate\xed\xa0\x80", "surrogate___");
	check_sanitize("cut\xe2\x82", "cut__");
	check_sanitize("big\xf4\x90\x80\x80", "big____");
}

/* A name is an operand of kbctl remove: it never starts with '-'. */
static void
test_leading_dash(void **state)
{
	(void)state;
	check_sanitize("-dash", "_dash");
	check_sanitize("--help", "_-help");
	check_sanitize("-", "_");
	check_sanitize(".-x", "_x");	/* the dots go first */
	check_sanitize("a-b-", "a-b-");	/* only the first byte matters */
	check_sanitize("\n-x", "_-x");
}

static void
test_empty(void **state)
{
	(void)state;
	check_sanitize("", "doc");
}

static void
test_long(void **state)
{
	char	in[1024], out[NAMING_STEM_MAX + 1];
	size_t	i;

	(void)state;
	/* ASCII: exactly the cap. */
	memset(in, 'a', 300);
	in[300] = '\0';
	assert_int_equal(naming_sanitize(in, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), NAMING_STEM_MAX);

	/* "x" then 3-byte characters: 1 + 39 * 3 = 118, a 40th would not fit. */
	in[0] = 'x';
	for (i = 0; i < 100; i++)
		memcpy(in + 1 + 3 * i, "\xe2\x82\xac", 3);	/* € */
	in[1 + 300] = '\0';
	assert_int_equal(naming_sanitize(in, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 118);
	assert_true(valid_utf8((unsigned char *)out));

	/* 4-byte characters: 30 * 4 = 120 exactly. */
	for (i = 0; i < 50; i++)
		memcpy(in + 4 * i, "\xf0\x9f\x98\x80", 4);
	in[200] = '\0';
	assert_int_equal(naming_sanitize(in, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 120);
	assert_true(valid_utf8((unsigned char *)out));

	/* 2-byte characters after one ASCII byte: 1 + 59 * 2 = 119. */
	in[0] = 'y';
	for (i = 0; i < 100; i++)
		memcpy(in + 1 + 2 * i, "\xc3\xa9", 2);	/* é */
	in[201] = '\0';
	assert_int_equal(naming_sanitize(in, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 119);
	assert_true(valid_utf8((unsigned char *)out));
}

static void
test_bad_args(void **state)
{
	char	out[NAMING_STEM_MAX + 1];

	(void)state;
	assert_int_equal(naming_sanitize("x", out, 10), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(naming_sanitize(NULL, out, sizeof(out)), -1);
}

/* A set of taken names; the committer's is the registry plus the batch. */
struct taken {
	char	*v[64];
	size_t	 n;
	int	 fail;		/* answer -1 after this many calls (0: never) */
	int	 calls;
};

static int
is_taken(void *arg, const char *name)
{
	struct taken	*t = arg;
	size_t		 i;

	if (t->fail != 0 && ++t->calls >= t->fail) {
		errno = EIO;
		return -1;
	}
	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i], name) == 0)
			return 1;
	return 0;
}

static void
take(struct taken *t, const char *name)
{
	assert_true(t->n < sizeof(t->v) / sizeof(t->v[0]));
	t->v[t->n++] = strdup(name);
}

static void
taken_free(struct taken *t)
{
	size_t	i;

	for (i = 0; i < t->n; i++)
		free(t->v[i]);
	t->n = 0;
}

/* Name one document and take the name, as the committer does per item. */
static void
decide(struct taken *t, const char *stem, const char *hash, const char *want)
{
	char	out[NAMING_NAME_MAX + 1];

	assert_int_equal(naming_choose(stem, hash, is_taken, t, out,
	    sizeof(out)), 0);
	assert_string_equal(out, want);
	take(t, out);
}

static void
test_free_stem(void **state)
{
	struct taken	t = { .n = 0 };

	(void)state;
	decide(&t, "report", H1, "report");
	taken_free(&t);
}

static void
test_suffixes_in_order(void **state)
{
	struct taken	t = { .n = 0 };

	(void)state;
	/* Three files with the same stem, in scan order. */
	decide(&t, "report", H1, "report");
	decide(&t, "report", H3, "report-fedcba98");
	/* Same first 8 hex digits as H1's would-be suffix: longer prefix. */
	decide(&t, "report", H2, "report-01234567");
	decide(&t, "report", H1, "report-0123456789ab");
	taken_free(&t);

	/* The same items in the same order give the same names. */
	decide(&t, "report", H1, "report");
	decide(&t, "report", H3, "report-fedcba98");
	taken_free(&t);
}

static void
test_longer_prefixes(void **state)
{
	struct taken	t = { .n = 0 };
	char		name[NAMING_NAME_MAX + 1];
	int		plen;

	(void)state;
	take(&t, "x");
	for (plen = 8; plen <= 60; plen += 4) {
		(void)snprintf(name, sizeof(name), "x-%.*s", plen, H1);
		take(&t, name);
	}
	decide(&t, "x", H1, "x-" H1);
	/* Every prefix taken: a counter after the full hash. */
	decide(&t, "x", H1, "x-" H1 "-2");
	decide(&t, "x", H1, "x-" H1 "-3");
	taken_free(&t);
}

static void
test_suffix_after_long_stem(void **state)
{
	struct taken	t = { .n = 0 };
	char		stem[NAMING_STEM_MAX + 1], want[NAMING_NAME_MAX + 1];
	char		out[NAMING_NAME_MAX + 1];

	(void)state;
	memset(stem, 's', NAMING_STEM_MAX);
	stem[NAMING_STEM_MAX] = '\0';
	take(&t, stem);
	(void)snprintf(want, sizeof(want), "%s-01234567", stem);
	assert_int_equal(naming_choose(stem, H1, is_taken, &t, out,
	    sizeof(out)), 0);
	assert_string_equal(out, want);
	taken_free(&t);
}

static void
test_taken_error(void **state)
{
	struct taken	t = { .n = 0 };
	char		out[NAMING_NAME_MAX + 1];

	(void)state;
	take(&t, "a");
	t.fail = 2;	/* "a" answers taken, the next lookup fails */
	errno = 0;
	assert_int_equal(naming_choose("a", H1, is_taken, &t, out,
	    sizeof(out)), -1);
	assert_int_equal(errno, EIO);
	taken_free(&t);
}

static void
test_choose_bad_args(void **state)
{
	struct taken	t = { .n = 0 };
	char		out[NAMING_NAME_MAX + 1], big[NAMING_STEM_MAX + 2];

	(void)state;
	assert_int_equal(naming_choose("a", H1, is_taken, &t, out, 16), -1);
	assert_int_equal(errno, EINVAL);
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(naming_choose(big, H1, is_taken, &t, out,
	    sizeof(out)), -1);
	assert_int_equal(errno, EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_slash),
		cmocka_unit_test(test_leading_dots),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_leading_dash),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_free_stem),
		cmocka_unit_test(test_suffixes_in_order),
		cmocka_unit_test(test_longer_prefixes),
		cmocka_unit_test(test_suffix_after_long_stem),
		cmocka_unit_test(test_taken_error),
		cmocka_unit_test(test_choose_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
