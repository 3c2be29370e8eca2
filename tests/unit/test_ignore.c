/*
 * Unit tests of .kbignore matching (supervisor/ignore.c): the glob
 * (*, ?, [...], **), and rules read from a file (comments, negation,
 * directory-only, anchors, escapes), the last matching rule deciding.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ignore.h"

static void
test_glob(void **state)
{
	(void)state;
	assert_true(ignore_glob("*.md", "a.md"));
	assert_false(ignore_glob("*.md", "d/a.md"));
	assert_true(ignore_glob("a?c", "abc"));
	assert_false(ignore_glob("a?c", "a/c"));
	assert_true(ignore_glob("[ab]x", "bx"));
	assert_false(ignore_glob("[ab]x", "cx"));
	assert_true(ignore_glob("[!ab]x", "cx"));
	assert_true(ignore_glob("**/x.md", "x.md"));
	assert_true(ignore_glob("**/x.md", "a/b/x.md"));
	assert_true(ignore_glob("a/**/x.md", "a/x.md"));
	assert_true(ignore_glob("a/**/x.md", "a/b/c/x.md"));
	assert_false(ignore_glob("a/**/x.md", "b/a/x.md"));
	assert_true(ignore_glob("a/**", "a/b/c"));
	assert_true(ignore_glob("\\*", "*"));
	assert_false(ignore_glob("\\*", "x"));
	/* A bracket that does not close is a literal. */
	assert_true(ignore_glob("[ab", "[ab"));
	assert_false(ignore_glob("", "x"));
	assert_true(ignore_glob("", ""));
}

static struct ignore *
load(const char *text)
{
	char	 dir[] = "/tmp/test_ignore.XXXXXX", path[64];
	FILE	*f;
	struct ignore *ig;

	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/.kbignore", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	ig = ignore_load(dir);
	unlink(path);
	rmdir(dir);
	return ig;
}

static void
test_rules(void **state)
{
	struct ignore	*ig;
	unsigned	 line = 0;

	(void)state;
	assert_null(load("# only a comment\n\n"));
	ig = load("# c\n*.txt\nbuild/\n!keep.txt\n/top.md\n"
	    "docs/**/secret.md\n\\#hash\nspace   \n");
	assert_non_null(ig);
	assert_int_equal(ignore_match(ig, "a.txt", 0, &line), 1);
	assert_int_equal(line, 2);
	assert_int_equal(ignore_match(ig, "d/e/a.txt", 0, &line), 1);
	assert_int_equal(ignore_match(ig, "keep.txt", 0, &line), -1);
	assert_int_equal(line, 4);
	assert_int_equal(ignore_match(ig, "build", 1, &line), 1);
	assert_int_equal(ignore_match(ig, "build", 0, &line), 0);
	assert_int_equal(ignore_match(ig, "x/build", 1, &line), 1);
	assert_int_equal(ignore_match(ig, "top.md", 0, &line), 1);
	assert_int_equal(ignore_match(ig, "x/top.md", 0, &line), 0);
	assert_int_equal(ignore_match(ig, "docs/secret.md", 0, &line), 1);
	assert_int_equal(ignore_match(ig, "docs/a/b/secret.md", 0, &line), 1);
	assert_int_equal(ignore_match(ig, "x/docs/secret.md", 0, &line), 0);
	assert_int_equal(ignore_match(ig, "#hash", 0, &line), 1);
	assert_int_equal(ignore_match(ig, "space", 0, &line), 1);
	assert_int_equal(ignore_match(ig, "other.md", 0, &line), 0);
	ignore_free(ig);
}

static void
test_command_line(void **state)
{
	char		*rules[] = { "*.md", "!keep-*", "", "node_modules/" };
	struct ignore	*ig;
	unsigned	 line = 0;

	(void)state;
	assert_null(ignore_rules(rules, 0));
	ig = ignore_rules(rules, 4);
	assert_non_null(ig);
	assert_int_equal(ignore_match(ig, "a/b.md", 0, &line), 1);
	assert_int_equal(ignore_match(ig, "a/keep-b.md", 0, &line), -1);
	assert_int_equal(ignore_match(ig, "a/node_modules", 1, &line), 1);
	assert_int_equal(line, 4);
	ignore_free(ig);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_command_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
