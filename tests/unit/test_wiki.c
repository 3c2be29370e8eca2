/*
 * Unit tests of the wiki's frontmatter: wiki_yaml_str quotes any string
 * so that wiki_frontmatter reads it back unchanged; a summary page's
 * frontmatter parses with its doc and hash; what the wiki does not write
 * is missing or invalid, never a crash; the escapes, written in runs, as
 * a byte at a time. And log.md entries: plurals and
 * the names cut at WIKI_LOG_NAMES. And the index pages' lines:
 * descriptions cut at a word with an ellipsis, never inside a UTF-8
 * character; the folder and file shown; kbpath's index page keys.
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

#include "kbpath.h"
#include "utf8.h"
#include "wiki.h"

/* A page whose doc is name, written with wiki_yaml_str. */
static char *
page_with_doc(const char *name, size_t *len)
{
	FILE	*f;
	char	*buf;

	f = open_memstream(&buf, len);
	assert_non_null(f);
	fputs("---\ntype: \"summary\"\ndoc: ", f);
	wiki_yaml_str(f, name);
	fputs("\nkeywords:\n  - \"a\"\n  - ", f);
	wiki_yaml_str(f, name);
	fputs("\nhash: \"abc\"\n---\n\n# T\n", f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
test_roundtrip(void **state)
{
	static const char *const names[] = {
		"plain", "with \"quotes\"", "back\\slash", "tab\there",
		"new\nline", "ctl\x01\x1f\x7f", "café ünïcode", "", "---",
		"key: \"value\"", "\\x41",
	};
	char	*page, *doc, *hash;
	size_t	 i, len;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		page = page_with_doc(names[i], &len);
		assert_int_equal(wiki_frontmatter(page, len, &doc, &hash), 0);
		assert_non_null(doc);
		assert_string_equal(doc, names[i]);
		assert_string_equal(hash, "abc");
		free(doc);
		free(hash);
		free(page);
	}
}

/* wiki_yaml_str as it was, a byte at a time: the runs must match it. */
static void
yaml_ref(FILE *f, const char *s)
{
	unsigned char	c;

	fputc('"', f);
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static char *
written(void (*put)(FILE *, const char *), const char *s)
{
	FILE	*f;
	char	*buf;
	size_t	 len;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	put(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
put_link(FILE *f, const char *s)
{
	wiki_put_doc_link(f, s, "a b(c)<d>\\e", "../summaries/");
}

/*
 * The escapes written in runs: 2,000 random strings of plain and special
 * bytes give what the byte-at-a-time code gave; links escape their text
 * and target.
 */
static void
test_escape_runs(void **state)
{
	static const char	 pool[] = "ab \"\\\n\t\x01\x1f\x7f[]<>()\xc3\xa9";
	char			 s[40], *got, *want;
	size_t			 i, k, n;

	(void)state;
	srandom(7);
	for (i = 0; i < 2000; i++) {
		n = (size_t)random() % (sizeof(s) - 1);
		for (k = 0; k < n; k++)
			s[k] = pool[(size_t)random() % (sizeof(pool) - 1)];
		s[n] = '\0';
		got = written(wiki_yaml_str, s);
		want = written(yaml_ref, s);
		assert_string_equal(got, want);
		free(got);
		free(want);
	}
	got = written(put_link, "x [y] \\z");
	assert_string_equal(got,
	    "[x \\[y\\] \\\\z](<../summaries/a b(c)\\<d\\>\\\\e.md>)");
	free(got);
}

static void
test_summary(void **state)
{
	struct wiki_doc	 d;
	char		*kw[] = { "alpha", "beta \"b\"" };
	char		*page, *doc, *hash;
	size_t		 len;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.name = "doc-1";
	d.ext = "md";
	d.title = "A \"title\"\twith tab";
	d.description = "Some\ndescription.";
	d.hash = "00ff";
	page = wiki_summary(&d, kw, 2, &len);
	assert_int_equal(wiki_frontmatter(page, len, &doc, &hash), 0);
	assert_string_equal(doc, "doc-1");
	assert_string_equal(hash, "00ff");
	assert_non_null(strstr(page, "description: \"Some description.\"\n"));
	/* Who wrote it: the converter, unless the summarizer did. */
	assert_non_null(strstr(page, "\ndescription_by: \"local\"\n"));
	free(doc);
	free(hash);
	free(page);
	d.description_by = "summarizer";
	page = wiki_summary(&d, kw, 2, &len);
	assert_non_null(strstr(page, "\ndescription_by: \"summarizer\"\n"));
	assert_int_equal(wiki_frontmatter(page, len, &doc, &hash), 0);
	free(doc);
	free(hash);
	/* No language: no line (a page from before schema 13). */
	assert_null(strstr(page, "\nlanguage:"));
	assert_int_equal(wiki_fm_has(page, len, "language"), 0);
	assert_int_equal(wiki_fm_has(page, len, "hash"), 1);
	free(page);
	d.lang = "fr";
	page = wiki_summary(&d, kw, 2, &len);
	assert_non_null(strstr(page, "\nhash: \"00ff\"\nlanguage: \"fr\"\n"
	    "keywords:\n"));
	assert_int_equal(wiki_frontmatter(page, len, &doc, &hash), 0);
	assert_int_equal(wiki_fm_has(page, len, "language"), 1);
	/* Only the frontmatter counts, and only a whole key. */
	assert_int_equal(wiki_fm_has(page, len, "lang"), 0);
	assert_int_equal(wiki_fm_has("# language: x\n", 14, "language"),
	    WIKI_FM_MISSING);
	assert_int_equal(wiki_fm_has("---\ntype: \"x\"\n---\nlanguage: "
	    "\"fr\"\n", 32, "language"), 0);
	free(doc);
	free(hash);
	free(page);
}

static void
check_bad(const char *text, int want)
{
	char	*doc, *hash;

	assert_int_equal(wiki_frontmatter(text, strlen(text), &doc, &hash),
	    want);
	assert_null(doc);
	assert_null(hash);
}

static void
test_bad(void **state)
{
	(void)state;
	check_bad("", WIKI_FM_MISSING);
	check_bad("# Title\n", WIKI_FM_MISSING);
	check_bad("--\n", WIKI_FM_MISSING);
	check_bad("---\n", WIKI_FM_INVALID);		/* never closed */
	check_bad("---\ndoc: \"a\"\n", WIKI_FM_INVALID);
	check_bad("---\ndoc: \"a\n---\n", WIKI_FM_INVALID);
	check_bad("---\ndoc: a\n---\n", WIKI_FM_INVALID);	/* unquoted */
	check_bad("---\ndoc: \"a\" x\n---\n", WIKI_FM_INVALID);
	check_bad("---\ndoc: \"\\q\"\n---\n", WIKI_FM_INVALID);
	check_bad("---\ndoc: \"\\x4\"\n---\n", WIKI_FM_INVALID);
	check_bad("---\ndoc: \"\\", WIKI_FM_INVALID);
	check_bad("---\nDoc: \"a\"\n---\n", WIKI_FM_INVALID);
	check_bad("---\n  - \"a\"\n---\n", WIKI_FM_INVALID);	/* no list */
	check_bad("---\nx:\n  - b\n---\n", WIKI_FM_INVALID);
	check_bad("---\nhash:\"a\"\n---\n", WIKI_FM_INVALID);
}

static void
test_log(void **state)
{
	char	*names[30], buf[30][8], *e;
	size_t	 i, n = 0;
	char	*p;

	(void)state;
	assert_string_equal(wiki_plural(0), "s");
	assert_string_equal(wiki_plural(1), "");
	assert_string_equal(wiki_plural(2), "s");
	for (i = 0; i < 30; i++) {
		snprintf(buf[i], sizeof(buf[i]), "d%zu", i);
		names[i] = buf[i];
	}
	e = wiki_log_entry("job 1 | 30 documents added", names, 30, 30, 0);
	for (p = e; (p = strstr(p, "\n- d")) != NULL; p++)
		n++;
	assert_int_equal(n, WIKI_LOG_NAMES);
	assert_non_null(strstr(e, "\n- d19\n- and 10 more\n\n"));
	assert_null(strstr(e, "- d20"));
	free(e);
	/* Fewer names than the total: the rest counted. */
	e = wiki_log_entry("x", names, 2, 5, 0);
	assert_non_null(strstr(e, "- d0\n- d1\n- and 3 more\n"));
	free(e);
	e = wiki_log_entry("x", NULL, 0, 0, 0);
	assert_string_equal(e, "## [1970-01-01T00:00:00Z] x\n\n\n");
	free(e);
}

/* s cut to max with wiki_cut_words: a fresh copy. */
static char *
cut(const char *s, size_t max)
{
	char	*t = malloc(strlen(s) + 4);

	assert_non_null(t);
	strcpy(t, s);
	wiki_cut_words(t, max);
	return t;
}

static void
test_cut(void **state)
{
	char	*t;
	size_t	 off, i;
	/* Each "é" and "ü" is 2 bytes, "€" 3. */
	const char *u = "caf\xc3\xa9 \xc3\xbc" "ber \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac end";

	(void)state;
	t = cut("short enough", 20);
	assert_string_equal(t, "short enough");
	free(t);
	/* At a word: "the quick brown" + ellipsis, not "the quick brown fo". */
	t = cut("the quick brown fox jumps", 21);
	assert_string_equal(t, "the quick brown\xe2\x80\xa6");
	free(t);
	/* A cut that lands between words; a trailing comma dropped. */
	t = cut("alpha beta, gamma delta", 14);
	assert_string_equal(t, "alpha beta\xe2\x80\xa6");
	free(t);
	/* One long word: cut inside it, at a character. */
	t = cut("abcdefghijklmnopqrstuvwxyz", 10);
	assert_string_equal(t, "abcdefg\xe2\x80\xa6");
	free(t);
	/* Every length: valid UTF-8, within max, ending in the ellipsis. */
	for (i = 4; i < strlen(u); i++) {
		t = cut(u, i);
		assert_int_equal(utf8_check(t, strlen(t), &off), 0);
		assert_true(strlen(t) <= i);
		assert_non_null(strstr(t, "\xe2\x80\xa6"));
		free(t);
	}
}

static void
test_subindex(void **state)
{
	struct wiki_doc	 d;
	char		*e, *k1, *k2;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.name = "README-9a76f357";
	d.ext = "md";
	d.title = "README";
	d.description = "The [b] folder.";
	e = wiki_subindex_entry(&d, "/home/me/x/b/README.md");
	assert_string_equal(e, "- [README](../../summaries/README-9a76f357.md)"
	    " \xe2\x80\x94 The [b] folder. (b/README.md)\n");
	free(e);
	/* No title: the name; a name with a space: an <...> target. */
	d.name = "a b";
	d.title = "";
	d.description = "";
	e = wiki_subindex_entry(&d, "top.md");
	assert_string_equal(e, "- [a b](<../../summaries/a b.md>) (top.md)\n");
	free(e);

	k1 = kbpath_index_page(KBPATH_TYPE, "pdf", 0);
	assert_string_equal(k1, "wiki/index/type/pdf.md");
	free(k1);
	k1 = kbpath_index_page(KBPATH_TYPE, "", 2);
	assert_string_equal(k1, "wiki/index/type/_none-2.md");
	free(k1);
	/* Made safe, and told apart by the hash. */
	k1 = kbpath_index_key(KBPATH_TYPE, "a b");
	k2 = kbpath_index_key(KBPATH_TYPE, "a-b");
	assert_string_not_equal(k1, k2);
	assert_int_equal(strncmp(k1, "a-b-", 4), 0);
	free(k1);
	free(k2);
	/* Two folders named docs: two keys, both "docs-" and 8 hex digits. */
	k1 = kbpath_index_key(KBPATH_FOLDER, "/x/docs/");
	k2 = kbpath_index_key(KBPATH_FOLDER, "/y/docs/");
	assert_string_not_equal(k1, k2);
	assert_int_equal(strlen(k1), strlen("docs-") + 8);
	assert_int_equal(strncmp(k1, "docs-", 5), 0);
	free(k1);
	free(k2);
	k1 = kbpath_index_key(KBPATH_FOLDER, "/");
	assert_int_equal(strncmp(k1, "root-", 5), 0);
	free(k1);
	k1 = kbpath_index_key(KBPATH_FOLDER, "/a/..hidden/");
	assert_int_equal(strncmp(k1, "_.hidden-", 9), 0);
	free(k1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_escape_runs),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_subindex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
