/*
 * A KB's settings file, .kb/kbd.conf (kbd.conf(5)): the one owner of its
 * keys, their limits and its syntax. kbd reads it at start (its command
 * line overrides it); kbctl config reads, checks and rewrites it. Library
 * style: errors come back as -1 with a one-line reason that names the
 * file and line.
 */
#ifndef KBD_CONFIG_H
#define KBD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum config_key {
	CONF_JOBS,		/* worker processes */
	CONF_MAX_SIZE,		/* largest input, bytes */
	CONF_MAX_OUTPUT,	/* most Markdown from one file, bytes */
	CONF_TIMEOUT,		/* per-file watchdog, seconds */
	CONF_MEM_LIMIT,		/* a worker's address space, bytes */
	CONF_CPU_LIMIT,		/* a worker's CPU time, seconds */
	CONF_IDLE_EXIT,		/* seconds idle before kbd exits; 0 never */
	CONF_HISTORY,		/* finished jobs whose file outcomes are kept */
	CONF_WATCH_DEBOUNCE,	/* seconds of quiet before a watched sync */
	CONF_SUMMARIZER,	/* a command line (text): the summarizer */
	CONF_SUMMARIZER_JOBS,	/* summarizer commands at once */
	CONF_SUMMARIZER_TIMEOUT, /* seconds one summarizer command may take */
	CONF_EXCLUDE,		/* default excludes: .kbignore patterns */
	CONF_LANGUAGE,		/* text: the default language, ISO 639-1 */
	CONF_NKEYS
};

/* The longest text value (the summarizer's command line), NUL included. */
#define CONFIG_TEXT_MAX		1024
/* The longest exclude value, NUL included. */
#define CONFIG_PATTERNS_MAX	2048
/* The longest language value (a Snowball name: "portuguese"), NUL too. */
#define CONFIG_LANG_MAX		16

struct config {
	uint64_t	value[CONF_NKEYS];	/* text: 0; exclude: its count */
	unsigned	set;		/* bit per key: given in the file */
	char		summarizer[CONFIG_TEXT_MAX];	/* "" when unset */
	char		exclude[CONFIG_PATTERNS_MAX];	/* "" when unset */
	/* As given: an ISO 639-1 code or a Snowball name; "" when unset. */
	char		language[CONFIG_LANG_MAX];
};

/* The key's name in the file ("max-size"), its help line, its limits. */
const char	*config_name(enum config_key);
const char	*config_help(enum config_key);
uint64_t	 config_default(enum config_key);
/*
 * The languages the language key takes: "code name" pairs separated by
 * spaces, the tokenizer's (workers/store/lang.c; test_tokenizer checks
 * that both lists agree).
 */
const char	*config_languages(void);
/* Whether the key's value is text (summarizer, exclude), not a number. */
int		 config_text(enum config_key);
/* A text key's value in c ("" when unset); NULL for a number key. */
const char	*config_str(const struct config *c, enum config_key);
/* The key named name, or -1. */
int		 config_key(const char *name);
/*
 * Parse a value for key: 0 and *out, or -1 with the reason in err. A text
 * key's value is checked (UTF-8, no control byte, no '#', shorter than
 * CONFIG_TEXT_MAX) and *out is 0.
 */
int		 config_parse(enum config_key, const char *value, uint64_t *out,
		    char *err, size_t errlen);
/*
 * Read KB/.kb/kbd.conf into c (every key at its default, the file's keys
 * marked in c->set). A missing file is no error.
 */
int		 config_load(const char *kbroot, struct config *c, char *err,
		    size_t errlen);
/*
 * Set key to value (NULL: remove it) in KB/.kb/kbd.conf, keeping its other
 * lines and comments; written to a temporary file, fsynced and renamed
 * over it, so a crash leaves the old file or the new.
 */
int		 config_store(const char *kbroot, enum config_key,
		    const char *value, char *err, size_t errlen);

#endif /* KBD_CONFIG_H */
