/*
 * Unit tests of kbd.conf (common/config.c) for its text keys. The
 * summarizer's command line: what is accepted, what is refused with a
 * reason (a '#' would read back as a comment, a control byte would end
 * the line, bytes that are not UTF-8), and that a stored command reads
 * back as written, beside the numeric summarizer keys. exclude (issue
 * 10): its patterns checked and counted, read back from the file as
 * written, kept beside the numeric keys, a bad value refused with the
 * file and line.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config.h"
#include "kbpath.h"
static void
test_parse(void **state)
{
	char		err[256], longer[CONFIG_TEXT_MAX + 1];
	uint64_t	v = 1;
	int		k;

	(void)state;
	k = config_key("summarizer");
	assert_int_equal(k, CONF_SUMMARIZER);
	assert_true(config_text(k));
	assert_false(config_text(CONF_SUMMARIZER_JOBS));
	assert_int_equal(config_parse(k, "llm -m x 'one paragraph'", &v, err,
	    sizeof(err)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(config_parse(k, "echo é", &v, err, sizeof(err)), 0);
	assert_int_equal(config_parse(k, "echo # x", &v, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "'#'"));
	assert_int_equal(config_parse(k, "a\tb", &v, err, sizeof(err)), -1);
	assert_int_equal(config_parse(k, "echo \xff", &v, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "UTF-8"));
	assert_int_equal(config_parse(k, "", &v, err, sizeof(err)), -1);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(config_parse(k, longer, &v, err, sizeof(err)), -1);
	longer[CONFIG_TEXT_MAX - 1] = '\0';
	assert_int_equal(config_parse(k, longer, &v, err, sizeof(err)), 0);

	assert_int_equal(config_default(CONF_SUMMARIZER_JOBS), 2);
	assert_int_equal(config_default(CONF_SUMMARIZER_TIMEOUT), 60);
	assert_int_equal(config_parse(CONF_SUMMARIZER_JOBS, "0", &v, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse(CONF_SUMMARIZER_TIMEOUT, "2m", &v, err,
	    sizeof(err)), 0);
	assert_int_equal(v, 120);
}

static void
test_store_load(void **state)
{
	struct config	 c;
	char		 dir[] = "/tmp/test_config.XXXXXX", path[256], err[256];
	const char	*cmd = "sh /opt/sum.sh --lang 'en' | head -c 400";

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/" KB_STATE, dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(c.summarizer, "");
	assert_int_equal(c.set, 0);
	assert_int_equal(config_store(dir, CONF_SUMMARIZER, cmd, err,
	    sizeof(err)), 0);
	assert_int_equal(config_store(dir, CONF_SUMMARIZER_JOBS, "3", err,
	    sizeof(err)), 0);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(c.summarizer, cmd);
	assert_true(c.set & (1u << CONF_SUMMARIZER));
	assert_int_equal(c.value[CONF_SUMMARIZER_JOBS], 3);
	assert_int_equal(c.value[CONF_SUMMARIZER_TIMEOUT], 60);
	/* Refused: the file keeps the old command. */
	assert_int_equal(config_store(dir, CONF_SUMMARIZER, "x # y", err,
	    sizeof(err)), -1);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(c.summarizer, cmd);
	assert_int_equal(config_store(dir, CONF_SUMMARIZER, NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(c.summarizer, "");
	(void)snprintf(path, sizeof(path), "%s/" KB_CONFIG, dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/" KB_STATE, dir);
	(void)rmdir(path);
	(void)rmdir(dir);
}


static void
test_exclude_parse(void **state)
{
	char		err[256], big[CONFIG_PATTERNS_MAX + 8];
	uint64_t	v;

	(void)state;
	assert_true(config_text(CONF_EXCLUDE));
	assert_false(config_text(CONF_HISTORY));
	assert_int_equal(config_key("exclude"), CONF_EXCLUDE);
	assert_int_equal(config_parse(CONF_EXCLUDE, "node_modules/ *.tmp  "
	    "!keep.tmp", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 3);
	assert_int_equal(config_parse(CONF_EXCLUDE, "", &v, err,
	    sizeof(err)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(config_parse(CONF_EXCLUDE, "a !", &v, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "'!' is no pattern"));
	assert_int_equal(config_parse(CONF_EXCLUDE, "/", &v, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse(CONF_EXCLUDE, "a#b", &v, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse(CONF_EXCLUDE, "a\tb\x01", &v, err,
	    sizeof(err)), -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(config_parse(CONF_EXCLUDE, big, &v, err,
	    sizeof(err)), -1);
	/* A numeric key still refuses words. */
	assert_int_equal(config_parse(CONF_HISTORY, "node_modules", &v, err,
	    sizeof(err)), -1);
}

static void
test_exclude_file(void **state)
{
	struct config	 c;
	char		 dir[] = "/tmp/test_config.XXXXXX", path[256], err[512];
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/" KB_STATE, dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(c.exclude, "");
	assert_int_equal(c.set & (1u << CONF_EXCLUDE), 0);
	assert_int_equal(config_store(dir, CONF_HISTORY, "7", err,
	    sizeof(err)), 0);
	assert_int_equal(config_store(dir, CONF_EXCLUDE, "build/ *.o", err,
	    sizeof(err)), 0);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(c.exclude, "build/ *.o");
	assert_int_equal(c.value[CONF_EXCLUDE], 2);
	assert_int_equal(c.value[CONF_HISTORY], 7);
	/* Replaced in place; a bad value is refused, the file unchanged. */
	assert_int_equal(config_store(dir, CONF_EXCLUDE, "dist/", err,
	    sizeof(err)), 0);
	assert_int_equal(config_store(dir, CONF_EXCLUDE, "!", err,
	    sizeof(err)), -1);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(c.exclude, "dist/");
	/* A bad value written by hand: the file, the line, the reason. */
	(void)snprintf(path, sizeof(path), "%s/" KB_CONFIG, dir);
	assert_non_null(f = fopen(path, "a"));
	fputs("exclude = a / b\n", f);
	fclose(f);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "kbd.conf:3: exclude: '/' is no pattern"));
	assert_int_equal(config_store(dir, CONF_EXCLUDE, NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(c.exclude, "");
	assert_int_equal(unlink(path), 0);
	(void)snprintf(path, sizeof(path), "%s/" KB_STATE, dir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* The default language: a code or a Snowball name, lower case. */
static void
test_language(void **state)
{
	struct config	 c;
	char		 dir[] = "/tmp/test_config.XXXXXX", path[256], err[512];
	uint64_t	 v = 1;
	FILE		*f;

	(void)state;
	assert_int_equal(config_key("language"), CONF_LANGUAGE);
	assert_true(config_text(CONF_LANGUAGE));
	assert_int_equal(config_parse(CONF_LANGUAGE, "de", &v, err,
	    sizeof(err)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(config_parse(CONF_LANGUAGE, "german", &v, err,
	    sizeof(err)), 0);
	assert_int_equal(config_parse(CONF_LANGUAGE, "yi", &v, err,
	    sizeof(err)), 0);
	/* Not a code, a part of the list, a tag, upper case, empty. */
	assert_int_equal(config_parse(CONF_LANGUAGE, "xx", &v, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "'xx' is no language kbd knows"));
	assert_non_null(strstr(err, ": en, fr, de,"));
	assert_non_null(strstr(err, ", yi)"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(config_parse(CONF_LANGUAGE, "en english", &v, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse(CONF_LANGUAGE, "e", &v, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse(CONF_LANGUAGE, "glish", &v, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse(CONF_LANGUAGE, "de-AT", &v, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse(CONF_LANGUAGE, "DE", &v, err,
	    sizeof(err)), -1);
	assert_int_equal(config_parse(CONF_LANGUAGE, "", &v, err,
	    sizeof(err)), -1);

	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/" KB_STATE, dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(config_str(&c, CONF_LANGUAGE), "");
	assert_int_equal(c.set & (1u << CONF_LANGUAGE), 0);
	assert_int_equal(config_store(dir, CONF_LANGUAGE, "fr", err,
	    sizeof(err)), 0);
	assert_int_equal(config_store(dir, CONF_LANGUAGE, "klingon", err,
	    sizeof(err)), -1);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), 0);
	assert_string_equal(config_str(&c, CONF_LANGUAGE), "fr");
	assert_true(c.set & (1u << CONF_LANGUAGE));
	/* Written by hand: the file, the line, the reason. */
	(void)snprintf(path, sizeof(path), "%s/" KB_CONFIG, dir);
	assert_non_null(f = fopen(path, "a"));
	fputs("language = fr_FR\n", f);
	fclose(f);
	assert_int_equal(config_load(dir, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "kbd.conf:2: language: 'fr_FR' is no "
	    "language"));
	assert_int_equal(unlink(path), 0);
	(void)snprintf(path, sizeof(path), "%s/" KB_STATE, dir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_store_load),
		cmocka_unit_test(test_exclude_parse),
		cmocka_unit_test(test_exclude_file),
		cmocka_unit_test(test_language),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
