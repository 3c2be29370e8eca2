/*
 * kbctl, the command-line client of kbd: main, the command table, usage,
 * and the choice of the knowledge base. Each command parses its own
 * options (GNU permutation, so options may follow operands; "--" ends
 * them) before it asks for the KB, so usage errors never depend on where
 * kbctl runs.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbctl.h"
#include "kbd.h"
#include "kbpath.h"

static int	cmd_help(int, char **);

static const struct cmd cmds[] = {
	{ "init", "[dir]",
	  "Create a knowledge base in dir (default: -C dir, $KB_DIR or the\n"
	  "working directory) and start its kbd.\n", cmd_init },
	{ "add", "[-qv] [--jobs n] [--no-wait] [--exit-on-error] [--prune] "
	  "[--dry-run] [--json] [--color when] path ...",
	  "Add files and directories (recursively); follow the job to its end.\n"
	  "At a terminal, the files in progress show below the finished ones.\n"
	  "  -j, --jobs n  convert with n workers (1-256; default: kbd's)\n"
	  "  --no-wait     print the job id and exit (see status, wait)\n"
	  "  --exit-on-error  after the first failed file, cancel the rest\n"
	  "  -q, --quiet   print only failures and the summary\n"
	  "  -v, --verbose also print duplicates and skipped files\n"
	  "  --json        one JSON object per file, then a summary (NDJSON)\n"
	  "  --color when  auto (default), always or never\n"
	  "  --prune       also remove documents whose files under the paths\n"
	  "                are gone (as sync)\n"
	  "  --dry-run     print the plan (added, updated, moved, removed)\n"
	  "                and change nothing\n"
	  "  --exclude glob  leave out what glob matches (.kbignore syntax)\n"
	  "  --include glob  take back what an earlier rule left out\n",
	  cmd_add },
	{ "sync", "[-qv] [--jobs n] [--no-wait] [--dry-run] [--json] "
	  "[--color when] "
	  "[root ...]",
	  "Bring the KB in step with its roots (default: every folder it was\n"
	  "added from): add new files, update changed ones, then remove the\n"
	  "documents whose every file under the roots is gone. A missing or\n"
	  "unreadable root removes nothing and fails.\n"
	  "  options as for add\n", cmd_sync },
	{ "recompile", "[-qv] [--jobs n] [--no-wait] [--json] [--color when] "
	  "doc ... | --all | --stale",
	  "Convert documents again from their raw/ copies with this kbd's\n"
	  "converters, as a job (followed like add): their Markdown, summary,\n"
	  "index line and search rows. An unchanged document is left alone.\n"
	  "  --all         every document\n"
	  "  --stale       the documents an older kbd converted (see status)\n"
	  "  other options as for add\n", cmd_recompile },
	{ "roots", "[--json] [--forget root [--remove]]",
	  "List the roots the KB follows (the paths it was added from), with\n"
	  "their files, documents and last sync.\n"
	  "  --forget root stop following root (its documents stay)\n"
	  "  --remove      with --forget: remove the documents only root held\n"
	  "  --json        a JSON array\n", cmd_roots },
	{ "watch", "[--stop] root ...",
	  "Follow folders as they change: kbd syncs a watched root (adding\n"
	  "it if new) once at start and after each change, once quiet for\n"
	  "watch-debounce seconds. Watches persist across restarts.\n"
	  "  --stop        stop watching the roots (their documents stay)\n",
	  cmd_watch },
	{ "status", "[--files [--failed]] [--json] [job]",
	  "Show a job's state and counts (default: the newest job).\n"
	  "  --files       also each file's outcome, doc and reason\n"
	  "  --failed      with --files: the failed files only\n"
	  "  --json        one JSON object\n", cmd_status },
	{ "wait", "[-qv] [--json] [--color when] [--timeout seconds] job",
	  "Follow a job until it ends, printing like add.\n"
	  "  -q, --quiet   print only failures and the summary\n"
	  "  -v, --verbose also print duplicates and skipped files\n"
	  "  --json        one JSON object per file, then a summary (NDJSON)\n"
	  "  --color when  auto (default), always or never\n"
	  "  --timeout s   give up after s seconds (exit 1; the job goes on)\n",
	  cmd_wait },
	{ "cancel", "[--json] job",
	  "Cancel a job: files a worker holds finish and are committed, the\n"
	  "rest are cancelled; the job ends \"cancelled\".\n"
	  "  --json        the job's summary as one JSON object\n",
	  cmd_cancel },
	{ "jobs", "[--json] [--limit n]",
	  "Recent jobs, newest first.\n"
	  "  -n, --limit n at most n jobs (1-1000, default 20)\n"
	  "  --json        an array of job summaries\n",
	  cmd_jobs },
	{ "search", "[-l] [--limit n] [--offset n] [--json] [--color when] "
	  "query ...",
	  "Full-text search; best hits first. Words are ANDed; OR, -word,\n"
	  "NOT word, \"a phrase\", prefix*, (groups), title:, type:pdf,\n"
	  "path:GLOB, lang:xx, added:>YYYY-MM-DD (kbctl(1)). Exit 1: no\n"
	  "hits; 2: a malformed query.\n"
	  "  -n, --limit n at most n hits (1-10000, default 10)\n"
	  "  --offset n    skip the first n hits (paging)\n"
	  "  -l, --files   document names only\n"
	  "  --color when  matches in colour: auto (default), always, never\n"
	  "  --json        an array of {doc, title, score, snippet, matches,\n"
	  "                source, wiki, src_path}\n",
	  cmd_search },
	{ "show", "[--summary | --raw | --meta] [--lines a-b | --bytes a-b] "
	  "[-o file] [--json] doc",
	  "Print a document's Markdown (from the KB's files).\n"
	  "  --summary     its summary page instead\n"
	  "  --raw         the original bytes (binary only to a pipe or -o)\n"
	  "  --meta        its record: title, paths, hash, size, outline...\n"
	  "  --lines a-b   only lines a to b (1-based, inclusive; a- to the end)\n"
	  "  --bytes a-b   only bytes a to b (1-based, inclusive; a- to the end)\n"
	  "  -o, --output file  write to file instead of standard output\n"
	  "  --json        one object: {doc, part, path, size, text} or the\n"
	  "                record\n",
	  cmd_show },
	{ "list", "[--json]",
	  "List the documents.\n"
	  "  --json        an array of {doc, title, hash, raw, source, size,\n"
	  "                src_path}\n",
	  cmd_list },
	{ "remove", "[--json] [--dry-run] doc ... | --path path ... | --job n",
	  "Remove documents: their files, registry rows and index entries.\n"
	  "  --path path   the documents all of whose sources are under path\n"
	  "  --job n       the documents job n added or last updated\n"
	  "  --dry-run     print what would be removed; change nothing\n"
	  "  --json        an array of {doc, status}\n", cmd_remove },
	{ "lint", "[--fix] [--json]",
	  "Check the knowledge base; exit 0 only when it is clean.\n"
	  "  --fix         first repair what the KB itself allows (stray\n"
	  "                files, summaries, index.md, log.md, full-text rows)\n"
	  "  --json        {ok, repairs, problems}\n", cmd_lint },
	{ "stop", "",
	  "Stop this knowledge base's kbd and wait until it is gone.\n",
	  cmd_stop },
	{ "config", "[--json] [key [value]] | --unset key",
	  "Show or change this KB's settings (.kb/kbd.conf, kbd.conf(5)).\n"
	  "  key           print one setting\n"
	  "  key value     set it (checked; kbd reads it when it starts)\n"
	  "  --unset key   back to its default\n"
	  "  --json        {key: {value, set, help}, ...}\n", cmd_config },
	{ "token", "[--rotate]",
	  "Print the bearer token of kbd --listen (MCP over HTTP), making\n"
	  "one the first time.\n"
	  "  --rotate      replace it; kbd refuses the old one at once\n",
	  cmd_token },
	{ "mcp", "[--read-only] [-C dir]",
	  "Serve the KB to an MCP client (Model Context Protocol) on standard\n"
	  "input and output: tools search, read, list, status, add, remove;\n"
	  "each document as the resource kb://DOC.\n"
	  "  --read-only   no add or remove tools\n"
	  "  -C dir        the knowledge base, as before the command\n",
	  cmd_mcp },
	{ "help", "[command]", NULL, cmd_help },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

const struct cmd	*cmd_current;
static const char	*opt_dir;	/* -C */
static char		 root[PATH_MAX];

/* The synopsis; with full, what the command does and its options. */
static void
cmd_usage(FILE *f, const struct cmd *c, int full)
{
	fprintf(f, "usage: kbctl [-C dir] %s%s%s\n", c->name,
	    c->args[0] != '\0' ? " " : "", c->args);
	if (full && c->help != NULL)
		fputs(c->help, f);
}

static void
main_usage(FILE *f)
{
	size_t	i;

	fputs("usage: kbctl [-C dir] command [args]\n\ncommands:\n", f);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %s%*s%s\n", cmds[i].name,
		    cmds[i].args[0] != '\0' ? 8 - (int)strlen(cmds[i].name) : 0,
		    "", cmds[i].args);
	fputs("\nThe knowledge base is -C dir, else $KB_DIR, else the nearest "
	    "directory\nat or above the working directory holding .kb/. "
	    "Every command takes --help.\n", f);
}

static void	(*error_hook)(void);

void
before_error(void (*fn)(void))
{
	error_hook = fn;
}

static void vwarn(const char *, va_list, const char *)
    __attribute__((format(printf, 1, 0)));

static void
vwarn(const char *fmt, va_list ap, const char *err)
{
	/* What was printed so far goes first, so the error lands after it. */
	if (error_hook != NULL)
		error_hook();
	(void)fflush(stdout);
	fputs("kbctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (err != NULL)
		fprintf(stderr, ": %s", err);
	fputc('\n', stderr);
}

void
die(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vwarn(fmt, ap, NULL);
	va_end(ap);
	exit(EXIT_FAIL);
}

void
die_errno(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vwarn(fmt, ap, strerror(saved));
	va_end(ap);
	exit(EXIT_FAIL);
}

/* A usage error's line: "kbctl CMD: " and the message. */
static void
usage_line(const char *fmt, va_list ap)
{
	(void)fflush(stdout);
	if (cmd_current != NULL)
		fprintf(stderr, "kbctl %s: ", cmd_current->name);
	else
		fputs("kbctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
die_value(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	usage_line(fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

void
die_usage(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	usage_line(fmt, ap);
	va_end(ap);
	if (cmd_current != NULL)
		cmd_usage(stderr, cmd_current, 0);
	else
		main_usage(stderr);
	exit(EXIT_USAGE);
}

void *
emalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		die("out of memory");
	return p;
}

void *
ecalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		die("out of memory");
	return p;
}

void *
ereallocarray(void *p, size_t n, size_t size)
{
	if ((p = reallocarray(p, n == 0 ? 1 : n, size == 0 ? 1 : size)) ==
	    NULL)
		die("out of memory");
	return p;
}

char *
estrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		die("out of memory");
	return p;
}

char *
estrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		die("out of memory");
	return p;
}

/*
 * getopt_long for a command: optstring must start with ':' and have 'h',
 * longopts must map "help" to 'h'. Handles --help and every error itself,
 * so callers only see their own options and -1.
 */
int
cmd_getopt(int argc, char **argv, const char *opts, const struct option *lo)
{
	int	ch;

	opterr = 0;
	switch ((ch = getopt_long(argc, argv, opts, lo, NULL))) {
	case 'h':
		cmd_usage(stdout, cmd_current, 1);
		out_flush();
		exit(EXIT_OK);
	case ':':
		die_usage("option %s needs an argument", argv[optind - 1]);
	case '?':
		if (optopt != 0 && strncmp(argv[optind - 1], "--", 2) == 0)
			die_usage("option %.*s takes no argument",
			    (int)strcspn(argv[optind - 1], "="),
			    argv[optind - 1]);
		if (optopt > 0 && optopt < 0x100)
			die_usage("unknown option -%c", optopt);
		die_usage("unknown option %s", argv[optind - 1]);
	}
	return ch;
}

/* A decimal number in [min, max]; anything else is a usage error. */
unsigned long
parse_number(const char *what, const char *s, unsigned long min,
    unsigned long max)
{
	unsigned long	 v;
	char		*end;

	if (s[0] < '0' || s[0] > '9')
		goto bad;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	return v;
bad:
	if (max == ULONG_MAX)
		die_usage("%s: expected a number from %lu, not '%s'", what,
		    min, s);
	die_usage("%s: expected a number from %lu to %lu, not '%s'", what,
	    min, max, s);
}

static int
is_kb(const char *dir)
{
	char		path[PATH_MAX + 8];
	struct stat	st;

	if ((size_t)snprintf(path, sizeof(path), "%s/" KB_STATE, dir) >= sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory named by -C or $KB_DIR, NULL when neither is set. */
const char *
kb_dir_option(void)
{
	const char	*env;

	if (opt_dir != NULL)
		return opt_dir;
	if ((env = getenv("KB_DIR")) != NULL && env[0] != '\0')
		return env;
	return NULL;
}

/* An explicitly named KB root (already canonical) must be a KB. */
void
kb_check(const char *dir)
{
	if (!is_kb(dir)) {
		fprintf(stderr, "kbctl: %s is not a knowledge base (no .kb/; "
		    "use kbctl init)\n", dir);
		exit(EXIT_USAGE);
	}
}

/*
 * The KB this command works on, canonical (realpath) so that every kbctl,
 * however it names the KB, derives the same socket path as kbd.
 */
const char *
kb_root(void)
{
	const char	*dir;
	char		*slash;

	if (root[0] != '\0')
		return root;
	if ((dir = kb_dir_option()) != NULL) {
		if (realpath(dir, root) == NULL) {
			fprintf(stderr, "kbctl: %s: %s\n", dir,
			    strerror(errno));
			exit(EXIT_USAGE);
		}
		kb_check(root);
		return root;
	}
	if (realpath(".", root) == NULL)
		die_errno("current directory");
	for (;;) {
		if (is_kb(root))
			return root;
		if ((slash = strrchr(root, '/')) == NULL || root[1] == '\0')
			break;
		if (slash == root)
			slash[1] = '\0';	/* up to / itself */
		else
			*slash = '\0';
	}
	root[0] = '\0';
	fprintf(stderr, "kbctl: not in a knowledge base "
	    "(use -C DIR or kbctl init)\n");
	exit(EXIT_USAGE);
}

static const struct cmd *
cmd_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

#define TYPO_MAX	32	/* longer words are no typo of a command */

/*
 * Edit distance of a and b, a transposition counting as one edit ("lsit"
 * is 1 from "list"): optimal string alignment, both at most TYPO_MAX.
 */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t	d[TYPO_MAX + 1][TYPO_MAX + 1], la = strlen(a), lb = strlen(b);
	size_t	i, j, v;

	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/*
 * The command a mistyped name most likely meant, NULL when none is near:
 * the one command it begins ("stat"), else the nearest within one edit
 * (two for a name of five bytes or more); the first in the table on a tie.
 */
static const struct cmd *
cmd_nearest(const char *name)
{
	const struct cmd	*best = NULL;
	size_t			 i, len = strlen(name), d, bestd, nprefix = 0;

	if (len == 0 || len > TYPO_MAX)
		return NULL;
	for (i = 0; i < NCMDS; i++)
		if (len >= 2 && strncmp(cmds[i].name, name, len) == 0) {
			best = &cmds[i];
			nprefix++;
		}
	if (nprefix == 1)
		return best;
	best = NULL;
	bestd = len >= 5 ? 3 : 2;	/* one more than allowed */
	for (i = 0; i < NCMDS; i++)
		if (strlen(cmds[i].name) <= TYPO_MAX &&
		    (d = edit_distance(name, cmds[i].name)) < bestd) {
			best = &cmds[i];
			bestd = d;
		}
	return best;
}

/* One line, not the whole usage: the list of commands is kbctl help. */
static void __attribute__((noreturn))
unknown_command(const char *name)
{
	const struct cmd	*c;

	(void)fflush(stdout);
	fputs("kbctl: unknown command: ", stderr);
	text_put(stderr, name, 0);
	if ((c = cmd_nearest(name)) != NULL)
		fprintf(stderr, " (did you mean %s?)\n", c->name);
	else
		fputs(" (kbctl help lists the commands)\n", stderr);
	exit(EXIT_USAGE);
}

static int
cmd_help(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd	*c;

	while (cmd_getopt(argc, argv, ":h", lo) != -1)
		;
	argc -= optind;
	argv += optind;
	if (argc > 1)
		die_usage("too many arguments");
	if (argc == 0) {
		main_usage(stdout);
		return EXIT_OK;
	}
	if ((c = cmd_find(argv[0])) == NULL)
		unknown_command(argv[0]);
	cmd_usage(stdout, c, 1);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd	*c;
	int			 ch, rc;

	opterr = 0;
	/* '+': global options end at the command name. */
	while ((ch = getopt_long(argc, argv, "+:C:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'C':
			if (optarg[0] == '\0')
				die_usage("-C needs a directory");
			opt_dir = optarg;
			break;
		case 'h':
			main_usage(stdout);
			out_flush();
			return EXIT_OK;
		case 'V':
			printf("kbctl %s (protocol %d)\n", KBD_VERSION,
			    KBD_PROTO_VERSION);
			out_flush();
			return EXIT_OK;
		case ':':
			die_usage("option %s needs an argument",
			    argv[optind - 1]);
		default:
			if (optopt > 0 && optopt < 0x100)
				die_usage("unknown option -%c", optopt);
			die_usage("unknown option %s", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		die_usage("no command given");
	if ((c = cmd_find(argv[0])) == NULL)
		unknown_command(argv[0]);
	cmd_current = c;
	optind = 0;	/* glibc: reinitialize, now with permutation */
	rc = c->fn(argc, argv);
	out_flush();
	return rc;
}
