/*
 * kbctl config: read and set a KB's settings (.kb/kbd.conf, kbd.conf(5));
 * kbctl token: the bearer token of kbd --listen (.kb/http.token).
 * The file belongs to the user, not to the registry: kbctl reads and
 * rewrites it directly (common/config.c checks every value and replaces
 * the file atomically), and kbd reads it when it starts.
 */
#include <sys/types.h>
#include <sys/random.h>

#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kbctl.h"
#include "kbpath.h"

static void
print_value(enum config_key k, const struct config *c)
{
	if (k == CONF_JOBS && (c->set & (1u << k)) == 0)
		printf("auto");
	else if (k == CONF_SUMMARIZER && (c->set & (1u << k)) == 0)
		printf("none");
	else if (k == CONF_LANGUAGE && (c->set & (1u << k)) == 0)
		printf("en");
	else if (config_text(k))
		printf("%s", config_str(c, k));
	else
		printf("%" PRIu64, c->value[k]);
}

static int
config_json(const struct config *c)
{
	struct jobj	o, v;
	int		k;

	jobj_begin(&o, stdout);
	for (k = 0; k < CONF_NKEYS; k++) {
		jobj_key(&o, config_name(k));
		jobj_begin(&v, stdout);
		if (k == CONF_JOBS && (c->set & (1u << k)) == 0)
			jobj_str(&v, "value", "auto");
		else if (k == CONF_LANGUAGE && (c->set & (1u << k)) == 0)
			jobj_str(&v, "value", "en");
		else if (config_text(k))
			jobj_str(&v, "value", config_str(c, k));
		else
			jobj_u64(&v, "value", c->value[k]);
		jobj_bool(&v, "set", (c->set & (1u << k)) != 0);
		jobj_str(&v, "help", config_help(k));
		jobj_end(&v);
	}
	jobj_end(&o);
	putchar('\n');
	return EXIT_OK;
}

int
cmd_config(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "unset", no_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	 c;
	char		 err[512];
	int		 ch, k, unset = 0, json = 0;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1) {
		if (ch == 'u')
			unset = 1;
		else if (ch == 'j')
			json = 1;
	}
	argc -= optind;
	argv += optind;
	if (argc > 2)
		die_usage("too many arguments");
	if (unset && argc != 1)
		die_usage("--unset takes one key");
	if (json && argc > 1)
		die_usage("--json only lists the settings");
	k = -1;
	if (argc >= 1 && (k = config_key(argv[0])) == -1)
		die_value("unknown key '%s' (kbctl config lists them)",
		    argv[0]);
	if (argc == 2 || unset) {
		if (config_store(kb_root(), k, unset ? NULL : argv[1], err,
		    sizeof(err)) == -1) {
			if (strchr(err, '/') == NULL)
				die_value("%s: %s", argv[0], err);
			die("%s", err);
		}
		fprintf(stderr, "kbctl: %s %s; kbd reads it when it starts "
		    "(kbctl stop applies it now)\n", config_name(k),
		    unset ? "reset to its default" : "set");
		return EXIT_OK;
	}
	if (config_load(kb_root(), &c, err, sizeof(err)) == -1)
		die("%s", err);
	if (json)
		return config_json(&c);
	if (k != -1) {
		print_value(k, &c);
		putchar('\n');
		return EXIT_OK;
	}
	for (k = 0; k < CONF_NKEYS; k++) {
		printf("%-11s ", config_name(k));
		print_value(k, &c);
		printf("%s\t# %s\n", (c.set & (1u << k)) ? "" : " (default)",
		    config_help(k));
	}
	return EXIT_OK;
}

/*
 * The bearer token of kbd --listen, .kb/http.token: 32 random bytes in
 * hex, mode 0600. Written to a temporary file and renamed, so kbd, which
 * reads it again whenever it changes, sees the old token or the new.
 */
static void
token_write(const char *path)
{
	unsigned char	 raw[32];
	char		 hex[2 * sizeof(raw) + 2], tmp[PATH_MAX + 32];
	size_t		 i;
	int		 fd;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		die_errno("getrandom");
	for (i = 0; i < sizeof(raw); i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	hex[2 * sizeof(raw)] = '\n';
	hex[2 * sizeof(raw) + 1] = '\0';
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1)
		die_errno("%s", tmp);
	if (write(fd, hex, strlen(hex)) != (ssize_t)strlen(hex) ||
	    fsync(fd) == -1 || close(fd) == -1) {
		(void)unlink(tmp);
		die_errno("%s", tmp);
	}
	if (rename(tmp, path) == -1) {
		(void)unlink(tmp);
		die_errno("%s", path);
	}
}

int
cmd_token(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rotate", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char		 path[PATH_MAX + 16], buf[256];
	FILE		*f;
	int		 ch, rotate = 0;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		if (ch == 'r')
			rotate = 1;
	if (optind != argc)
		die_usage("unexpected argument: %s", argv[optind]);
	(void)snprintf(path, sizeof(path), "%s/" KB_HTTP_TOKEN, kb_root());
	if (rotate || access(path, F_OK) == -1)
		token_write(path);
	if ((f = fopen(path, "re")) == NULL)
		die_errno("%s", path);
	if (fgets(buf, sizeof(buf), f) == NULL) {
		fclose(f);
		die("%s: empty", path);
	}
	fclose(f);
	fputs(buf, stdout);
	return EXIT_OK;
}
