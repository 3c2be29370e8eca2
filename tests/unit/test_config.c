/*
 * Unit tests of kbd.conf (common/config.c) for its text key, the
 * summarizer's command line: what is accepted, what is refused with a
 * reason (a '#' would read back as a comment, a control byte would end
 * the line, bytes that are not UTF-8), and that a stored command reads
 * back as written, beside the numeric summarizer keys.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_store_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
