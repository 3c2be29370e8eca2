/*
 * .kb/kbd.conf (see config.h and kbd.conf(5)). One "key = value" per line;
 * '#' starts a comment; blank lines are kept. Sizes take a K, M, G or T
 * suffix (powers of 1024), durations s, m or h. exclude's value is text:
 * .kbignore patterns separated by spaces. The table below is every
 * key there is: kbd's options and kbctl config both come from it.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kbpath.h"
#include "utf8.h"
#include "util.h"

enum unit { U_COUNT, U_BYTES, U_SECONDS, U_TEXT, U_PATTERNS, U_LANG };

/*
 * The language key's values: the tokenizer's languages (lang.c), which
 * common/ may not include; test_tokenizer compares the two lists.
 */
static const char languages[] =
	"en english fr french de german es spanish it italian "
	"pt portuguese nl dutch sv swedish da danish no norwegian "
	"fi finnish ru russian hu hungarian ro romanian tr turkish "
	"el greek ca catalan id indonesian eu basque ga irish "
	"lt lithuanian sr serbian ar arabic hy armenian hi hindi "
	"ne nepali ta tamil yi yiddish";

static const struct {
	const char	*name;
	enum unit	 unit;
	uint64_t	 min, max, def;
	const char	*help;
} keys[CONF_NKEYS] = {
	[CONF_JOBS] = { "jobs", U_COUNT, 1, 256, 0,
	    "worker processes (default: 2 per CPU, at most 8)" },
	[CONF_MAX_SIZE] = { "max-size", U_BYTES, 1, 1ull << 40, 64ull << 20,
	    "largest input file accepted" },
	[CONF_MAX_OUTPUT] = { "max-output", U_BYTES, 4096, 1ull << 40,
	    256ull << 20, "most Markdown one file may produce" },
	[CONF_TIMEOUT] = { "timeout", U_SECONDS, 1, 86400, 30,
	    "seconds one file may take in a worker" },
	[CONF_MEM_LIMIT] = { "mem-limit", U_BYTES, 16ull << 20, 1ull << 44,
	    1ull << 30, "a worker's address space" },
	[CONF_CPU_LIMIT] = { "cpu-limit", U_SECONDS, 1, 86400, 60,
	    "a worker's CPU seconds before it is killed" },
	[CONF_IDLE_EXIT] = { "idle-exit", U_SECONDS, 0, 7 * 86400, 600,
	    "seconds without clients or jobs before kbd exits (0: never)" },
	[CONF_HISTORY] = { "history", U_COUNT, 1, 100000, 50,
	    "finished jobs whose per-file outcomes are kept" },
	[CONF_WATCH_DEBOUNCE] = { "watch-debounce", U_SECONDS, 0, 3600, 1,
	    "seconds of quiet in a watched root before it is synced" },
	[CONF_SUMMARIZER] = { "summarizer", U_TEXT, 0, 0, 0,
	    "command (sh -c) that summarizes a document: Markdown in, text out" },
	[CONF_SUMMARIZER_JOBS] = { "summarizer-jobs", U_COUNT, 1, 64, 2,
	    "summarizer commands run at once" },
	[CONF_SUMMARIZER_TIMEOUT] = { "summarizer-timeout", U_SECONDS, 1,
	    86400, 60, "seconds one summarizer command may take" },
	[CONF_EXCLUDE] = { "exclude", U_PATTERNS, 0, CONFIG_PATTERNS_MAX, 0,
	    "patterns (.kbignore's) every add, sync and watch leaves out" },
	[CONF_LANGUAGE] = { "language", U_LANG, 0, 0, 0,
	    "language of a document that does not show its own "
	    "(default: en)" },
};

const char *
config_name(enum config_key k)
{
	return keys[k].name;
}

const char *
config_help(enum config_key k)
{
	return keys[k].help;
}

uint64_t
config_default(enum config_key k)
{
	return keys[k].def;
}

const char *
config_str(const struct config *c, enum config_key k)
{
	switch (k) {
	case CONF_SUMMARIZER:
		return c->summarizer;
	case CONF_EXCLUDE:
		return c->exclude;
	case CONF_LANGUAGE:
		return c->language;
	default:
		return NULL;
	}
}

int
config_text(enum config_key k)
{
	return keys[k].unit == U_TEXT || keys[k].unit == U_PATTERNS ||
	    keys[k].unit == U_LANG;
}

const char *
config_languages(void)
{
	return languages;
}

/* A code or a name of the list above. */
static int
lang_parse(const char *s, uint64_t *out, char *err, size_t errlen)
{
	const char	*p, *e;
	size_t		 n = strlen(s), off;
	int		 i;

	for (p = languages; *p != '\0'; p = *e == ' ' ? e + 1 : e) {
		e = p + strcspn(p, " ");
		if ((size_t)(e - p) == n && memcmp(p, s, n) == 0) {
			*out = 0;
			return 0;
		}
	}
	/* The message lists the codes: every other word. */
	off = (size_t)snprintf(err, errlen, "'%s' is no language kbd knows "
	    "(expected an ISO 639-1 code or a Snowball name, in lower case:",
	    s);
	for (p = languages, i = 0; *p != '\0' && off < errlen;
	    p = *e == ' ' ? e + 1 : e, i++) {
		e = p + strcspn(p, " ");
		if (i % 2 == 0)
			off += (size_t)snprintf(err + off, errlen - off, "%s %.*s",
			    i ? "," : "", (int)(e - p), p);
	}
	if (off < errlen)
		(void)snprintf(err + off, errlen - off, ")");
	return -1;
}

/*
 * Patterns separated by spaces: printable ASCII or UTF-8, none of them a
 * bare "!" or "/". *out is their count.
 */
static int
patterns_parse(const char *s, uint64_t *out, char *err, size_t errlen)
{
	const unsigned char	*p;
	const char		*w;
	size_t			 len;
	uint64_t		 n = 0;

	if (strlen(s) >= CONFIG_PATTERNS_MAX) {
		(void)snprintf(err, errlen, "expected at most %d bytes of "
		    "patterns", CONFIG_PATTERNS_MAX - 1);
		return -1;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '#') {
			(void)snprintf(err, errlen, "expected .kbignore "
			    "patterns separated by spaces, without control "
			    "characters or '#'");
			return -1;
		}
	for (w = s; *w != '\0'; w += len) {
		w += strspn(w, " \t");
		if ((len = strcspn(w, " \t")) == 0)
			break;
		if ((len == 1 && (*w == '!' || *w == '/')) ||
		    (len == 2 && w[0] == '!' && w[1] == '/')) {
			(void)snprintf(err, errlen, "'%.*s' is no pattern",
			    (int)len, w);
			return -1;
		}
		n++;
	}
	*out = n;
	return 0;
}

int
config_key(const char *name)
{
	int	k;

	for (k = 0; k < CONF_NKEYS; k++)
		if (strcmp(keys[k].name, name) == 0)
			return k;
	return -1;
}

static int
suffix_scale(enum unit u, char c, uint64_t *scale)
{
	static const char	bytes[] = "KMGT";
	const char		*p;

	switch (u) {
	case U_BYTES:
		if ((p = strchr(bytes, toupper((unsigned char)c))) == NULL)
			return -1;
		*scale = 1ull << (10 * (p - bytes + 1));
		return 0;
	case U_SECONDS:
		*scale = c == 's' ? 1 : c == 'm' ? 60 : c == 'h' ? 3600 : 0;
		return *scale == 0 ? -1 : 0;
	default:
		return -1;
	}
}

/*
 * A command line: it must read back as written, so no '#' (a comment
 * here) and no control byte (a line break would end it).
 */
static int
parse_text(const char *s, uint64_t *out, char *err, size_t errlen)
{
	size_t	i, off, len = strlen(s);

	if (len == 0 || len >= CONFIG_TEXT_MAX) {
		(void)snprintf(err, errlen, "expected a command line of 1 to "
		    "%d bytes", CONFIG_TEXT_MAX - 1);
		return -1;
	}
	if (utf8_check(s, len, &off) != 0) {
		(void)snprintf(err, errlen, "not valid UTF-8");
		return -1;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    s[i] == '#') {
			(void)snprintf(err, errlen, "a command line may hold "
			    "no '#' (it starts a comment) and no control "
			    "character");
			return -1;
		}
	*out = 0;
	return 0;
}

int
config_parse(enum config_key k, const char *s, uint64_t *out, char *err,
    size_t errlen)
{
	unsigned long long	 v;
	uint64_t		 scale = 1;
	char			*end;

	if (keys[k].unit == U_TEXT)
		return parse_text(s, out, err, errlen);
	if (keys[k].unit == U_PATTERNS)
		return patterns_parse(s, out, err, errlen);
	if (keys[k].unit == U_LANG)
		return lang_parse(s, out, err, errlen);
	errno = 0;
	if (!isdigit((unsigned char)s[0]))
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		goto bad;
	if (*end != '\0' && (end[1] != '\0' ||
	    suffix_scale(keys[k].unit, *end, &scale) == -1))
		goto bad;
	if (v > UINT64_MAX / scale)
		goto bad;
	v *= scale;
	if (v < keys[k].min || v > keys[k].max)
		goto bad;
	*out = v;
	return 0;
bad:
	(void)snprintf(err, errlen, "expected %s from %" PRIu64 " to %"
	    PRIu64 "%s, not '%s'", keys[k].unit == U_BYTES ?
	    "a size in bytes" : keys[k].unit == U_SECONDS ? "seconds" :
	    "a number", keys[k].min, keys[k].max, keys[k].unit == U_BYTES ?
	    " (or with K, M, G, T)" : keys[k].unit == U_SECONDS ?
	    " (or with s, m, h)" : "", s);
	return -1;
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Split one line into key and value (both trimmed, in place). 0: a
 * setting; 1: blank or comment; -1: malformed.
 */
static int
split_line(char *line, char **key, char **value)
{
	char	*eq, *hash;

	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	line = trim(line);
	if (*line == '\0')
		return 1;
	if ((eq = strchr(line, '=')) == NULL)
		return -1;
	*eq = '\0';
	*key = trim(line);
	*value = trim(eq + 1);
	return **key == '\0' || **value == '\0' ? -1 : 0;
}

int
config_load(const char *kbroot, struct config *c, char *err, size_t errlen)
{
	char	 path[4096], *buf, *line, *next, *key, *value;
	size_t	 len;
	int	 k, n, lineno = 0, r = 0;
	uint64_t v;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < CONF_NKEYS; k++)
		c->value[k] = keys[k].def;
	(void)snprintf(path, sizeof(path), "%s/" KB_CONFIG, kbroot);
	if ((buf = read_file(path, &len)) == NULL) {
		if (errno == ENOENT)
			return 0;
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		(void)snprintf(err, errlen, "%s: not a text file", path);
		free(buf);
		return -1;
	}
	for (line = buf; line != NULL && r == 0; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		if ((n = split_line(line, &key, &value)) == 1)
			continue;
		if (n == -1) {
			(void)snprintf(err, errlen, "%s:%d: expected "
			    "'key = value'", path, lineno);
			r = -1;
		} else if ((k = config_key(key)) == -1) {
			(void)snprintf(err, errlen, "%s:%d: unknown key '%s'",
			    path, lineno, key);
			r = -1;
		} else if (config_parse(k, value, &v, err, errlen) == 0) {
			c->value[k] = v;
			c->set |= 1u << k;
			if (k == CONF_SUMMARIZER)
				(void)snprintf(c->summarizer,
				    sizeof(c->summarizer), "%s", value);
			if (k == CONF_EXCLUDE)
				(void)snprintf(c->exclude, sizeof(c->exclude),
				    "%s", value);
			if (k == CONF_LANGUAGE)
				(void)snprintf(c->language,
				    sizeof(c->language), "%s", value);
		} else {
			char	reason[256];

			(void)snprintf(reason, sizeof(reason), "%s", err);
			(void)snprintf(err, errlen, "%s:%d: %s: %s", path,
			    lineno, key, reason);
			r = -1;
		}
	}
	free(buf);
	return r;
}

/* Write all of buf to path's temporary and rename it over path. */
static int
replace_file(const char *path, const char *buf, size_t len, char *err,
    size_t errlen)
{
	char	tmp[4200], dir[4096], *slash;
	int	fd, dfd;

	(void)snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		goto fail;
	if (write_all(fd, buf, len) == -1 || fsync(fd) == -1) {
		close(fd);
		(void)unlink(tmp);
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		(void)unlink(tmp);
		goto fail;
	}
	(void)snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return -1;
}

int
config_store(const char *kbroot, enum config_key k, const char *value,
    char *err, size_t errlen)
{
	char	 path[4096], *buf, *out, *line, *next, *copy, *key, *val;
	size_t	 len, olen = 0, cap;
	uint64_t v;
	int	 done = 0, r;

	if (value != NULL && config_parse(k, value, &v, err, errlen) == -1)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/" KB_CONFIG, kbroot);
	if ((buf = read_file(path, &len)) == NULL) {
		if (errno != ENOENT) {
			(void)snprintf(err, errlen, "%s: %s", path,
			    strerror(errno));
			return -1;
		}
		buf = strdup("");
		len = 0;
		if (buf == NULL)
			goto nomem;
	}
	cap = len + strlen(keys[k].name) + (value ? strlen(value) : 0) + 8;
	if ((out = malloc(cap)) == NULL) {
		free(buf);
		goto nomem;
	}
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((copy = strdup(line)) == NULL) {
			free(out);
			free(buf);
			goto nomem;
		}
		r = split_line(copy, &key, &val);
		if (r == 0 && strcmp(key, keys[k].name) == 0) {
			/* The first setting of the key is replaced, later dropped. */
			if (value != NULL && !done)
				olen += (size_t)sprintf(out + olen, "%s = %s\n",
				    keys[k].name, value);
			done = 1;
		} else
			olen += (size_t)sprintf(out + olen, "%s\n", line);
		free(copy);
	}
	if (value != NULL && !done)
		olen += (size_t)sprintf(out + olen, "%s = %s\n", keys[k].name,
		    value);
	free(buf);
	r = replace_file(path, out, olen, err, errlen);
	free(out);
	return r;
nomem:
	(void)snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
	return -1;
}
