/*
 * Unit tests of links between documents (workers/store/links.c): link
 * targets resolved against the source path (fragment, query, "..",
 * percent-escapes; schemes, absolute paths and fragments alone are no
 * targets); the three forms of a link rewritten and back, the original
 * URL kept; a link the resolver keeps left byte for byte; images and
 * code left alone; broken .md links found; bad Markdown never a crash.
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

#include "links.h"
#include "xmalloc.h"

static void
check_target(const char *base, const char *url, const char *want)
{
	char	*got = links_target(base, url);

	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	free(got);
}

static void
test_target(void **state)
{
	(void)state;
	check_target("/s/a/index.html", "b.html", "/s/a/b.html");
	check_target("/s/a/index.html", "sub/c.html#part", "/s/a/sub/c.html");
	check_target("/s/a/index.html", "../d.html?x=1#y", "/s/d.html");
	check_target("/s/a/index.html", "./e%20f.html", "/s/a/e f.html");
	check_target("/s/a/index.html", "../../../x.html", NULL);
	check_target("/s/a/index.html", "https://example.org/x.html", NULL);
	check_target("/s/a/index.html", "mailto:a@b", NULL);
	check_target("/s/a/index.html", "/abs.html", NULL);
	check_target("/s/a/index.html", "#frag", NULL);
	check_target("/s/a/index.html", "", NULL);
	check_target("/s/a/index.html", "dir/", NULL);
	check_target("relative/base", "x.html", NULL);
}

/* Resolves /s/b.html to "bee" and nothing else. */
static char *
resolve_b(void *arg, const char *target)
{
	(*(int *)arg)++;
	return strcmp(target, "/s/b.html") == 0 ? xstrdup("bee") : NULL;
}

static char *
resolve_none(void *arg, const char *target)
{
	(void)arg;
	(void)target;
	return NULL;
}

static char *
rewrite(const char *md, links_resolve_fn fn, int *calls)
{
	size_t	len;

	return links_rewrite(md, strlen(md), "/s/index.html", fn, NULL,
	    calls, &len);
}

static void
test_rewrite(void **state)
{
	const char	*md = "See [the *b* page](b.html#x) and [c](c.html), "
	    "![img](b.html), `[code](b.html)` and [web](http://x.org/b.html)."
	    "\n\n```\n[fenced](b.html)\n```\n";
	char		*out, *back, *again;
	int		 calls = 0;

	(void)state;
	out = rewrite(md, resolve_b, &calls);
	assert_int_equal(calls, 2);	/* b.html and c.html, nothing else */
	assert_string_equal(out, "See [the *b* page](../sources/bee.md "
	    "\"b.html#x\") and \\[c\\](c.html), ![img](b.html), "
	    "`[code](b.html)` and [web](http://x.org/b.html).\n\n```\n"
	    "[fenced](b.html)\n```\n");
	/* Rewriting is stable, and reversible: the target gone, plain. */
	again = rewrite(out, resolve_b, &calls);
	assert_string_equal(again, out);
	back = rewrite(out, resolve_none, &calls);
	assert_string_equal(back, "See \\[the *b* page\\](b.html#x) and "
	    "\\[c\\](c.html), ![img](b.html), `[code](b.html)` and "
	    "[web](http://x.org/b.html).\n\n```\n[fenced](b.html)\n```\n");
	free(again);
	/* And resolved again from plain text. */
	again = rewrite(back, resolve_b, &calls);
	assert_string_equal(again, out);
	free(again);
	free(back);
	free(out);
}

/* /s/b.html resolves to "bee"; every other link is kept as it is. */
static char *
resolve_b_keep(void *arg, const char *target)
{
	(*(int *)arg)++;
	return strcmp(target, "/s/b.html") == 0 ? xstrdup("bee") : LINKS_KEEP;
}

static void
found_count(void *arg, const char *target, const char *doc)
{
	(void)target;
	(void)doc;
	(*(int *)arg)++;
}

/*
 * A link kept (LINKS_KEEP) stays byte for byte in whatever form it has,
 * found is not told of it; the others are rewritten as always: what
 * linkw.c relies on to rewrite only the links whose target changed.
 */
static void
test_keep(void **state)
{
	const char	*md = "[a](b.html) \\[c\\](c.html) "
	    "[d](../sources/dee.md \"d.html\") \\[b2\\](b.html) "
	    "[e](  e.html  )";
	char		*out;
	size_t		 len;
	int		 calls = 0, found = 0;

	(void)state;
	out = links_rewrite(md, strlen(md), "/s/index.html", resolve_b_keep,
	    NULL, &calls, &len);
	assert_int_equal(calls, 5);
	assert_int_equal(len, strlen(out));
	assert_string_equal(out, "[a](../sources/bee.md \"b.html\") "
	    "\\[c\\](c.html) [d](../sources/dee.md \"d.html\") "
	    "[b2](../sources/bee.md \"b.html\") [e](  e.html  )");
	free(out);
	/* found is told of the two links resolved only (arg counts both). */
	out = links_rewrite(md, strlen(md), "/s/index.html", resolve_b_keep,
	    found_count, &found, &len);
	assert_int_equal(found, 5 + 2);
	free(out);
}

/*
 * The full-text index's form: the converter's, resolved and plain forms
 * of a link index alike, so resolving one changes no row; what is no
 * relative link stays as it is.
 */
static void
test_indexed(void **state)
{
	const char	*md = "See [the *b* page](b.html#x \"t\") and "
	    "[c](c.html), ![img](b.html), `[code](b.html)`, [web]"
	    "(http://x.org/b.html) and [top](/abs.md).\n";
	const char	*want = "See [the *b* page](b.html#x) and [c](c.html), "
	    "![img](b.html), `[code](b.html)`, [web](http://x.org/b.html) "
	    "and [top](/abs.md).\n";
	char		*out, *ix;
	size_t		 len;
	int		 calls = 0;

	(void)state;
	ix = links_indexed(md, strlen(md), &len);
	assert_string_equal(ix, want);
	free(ix);
	out = rewrite(md, resolve_b, &calls);
	ix = links_indexed(out, strlen(out), &len);
	assert_string_equal(ix, want);
	free(ix);
	free(out);
	out = rewrite(md, resolve_none, &calls);
	ix = links_indexed(out, strlen(out), &len);
	assert_string_equal(ix, want);
	free(ix);
	free(out);
}

/*
 * A literal \[...\] before a plain link of the same paragraph is no
 * link: rewriting it resolved the wrong text (python3.11-doc's re.html,
 * "the inclusive range \[1..99\], ... \[IndexError\](...)").
 */
static void
test_plain_literal(void **state)
{
	const char	*md = "range \\[1..99\\], or an \\[`IndexError`\\]"
	    "(b.html) is raised; \\[a \\[b\\] c\\](c.html).\n";
	char		*out;
	size_t		 len;
	int		 calls = 0;

	(void)state;
	out = rewrite(md, resolve_b, &calls);
	assert_int_equal(calls, 2);
	assert_string_equal(out, "range \\[1..99\\], or an [`IndexError`]"
	    "(../sources/bee.md \"b.html\") is raised; \\[a \\[b\\] c\\]"
	    "(c.html).\n");
	free(out);
	out = links_indexed(md, strlen(md), &len);
	assert_string_equal(out, "range \\[1..99\\], or an [`IndexError`]"
	    "(b.html) is raised; [a \\[b\\] c](c.html).\n");
	free(out);
}

static void
test_odd(void **state)
{
	const char	*bad[] = { "[", "[a](", "[a](b", "\\[a\\](", "[a](<b",
	    "[a](b \"t", "![", "``", "[a]b", "[[[]]](x.html)", "\\", "`a",
	    "[a](b(c) d)", "\\[a\\](b c d)" };
	char		*out;
	size_t		 i, len;
	int		 calls = 0;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = links_rewrite(bad[i], strlen(bad[i]), "/s/index.html",
		    resolve_b, NULL, &calls, &len);
		assert_int_equal(len, strlen(out));
		free(out);
	}
	/* A URL with a space is written so that it parses back. */
	out = rewrite("[a](<my b.html>)", resolve_none, &calls);
	assert_string_equal(out, "\\[a\\](<my b.html>)");
	free(out);
}

static void
count_broken(void *arg, const char *target)
{
	(void)target;
	(*(int *)arg)++;
}

static void
test_broken(void **state)
{
	const char	*md = "[here](test_links.c) [gone](nothere.md) "
	    "\\[plain\\](gone2.md) [web](http://x.org/a.md) "
	    "[frag](nothere2.md#x)";
	int		 n = 0;

	(void)state;
	assert_int_equal(links_broken(md, strlen(md), "tests/unit",
	    count_broken, &n), 2);
	assert_int_equal(n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_indexed),
		cmocka_unit_test(test_plain_literal),
		cmocka_unit_test(test_odd),
		cmocka_unit_test(test_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
