/*
 * Commands on the knowledge base as a whole: init (make one and start its
 * kbd), remove, lint (and lint --fix; at a terminal it says which job it
 * waits for, and each problem of a known kind says what to do next), and
 * stop (which waits until kbd is gone, so that the next command sees no
 * daemon and a script can rely on that).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "kbctl.h"
#include "kbpath.h"
#include "xmalloc.h"

static const struct option help_only[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* mkdir -p: path is modified while walking it and restored. */
static void
mkdir_p(char *path)
{
	struct stat	 st;
	char		*p, c;

	for (p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(path, 0777) == -1 && errno != EEXIST)
			die_errno("mkdir %s", path);
		*p = c;
		if (c == '\0')
			break;
	}
	if (stat(path, &st) == -1)
		die_errno("%s", path);
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		die_errno("%s", path);
	}
}

int
cmd_init(int argc, char **argv)
{
	struct conn	 c;
	struct stat	 st;
	const char	*dir;
	char		 root[PATH_MAX], kbdir[PATH_MAX + 8], *copy;

	while (cmd_getopt(argc, argv, ":h", help_only) != -1)
		;
	argc -= optind;
	argv += optind;
	if (argc > 1)
		die_usage("too many arguments");
	if (argc == 1)
		dir = argv[0];
	else if ((dir = kb_dir_option()) == NULL)
		dir = ".";
	if (dir[0] == '\0')
		die_usage("empty directory name");

	copy = estrdup(dir);
	mkdir_p(copy);
	free(copy);
	if (realpath(dir, root) == NULL)
		die_errno("%s", dir);
	if ((size_t)snprintf(kbdir, sizeof(kbdir), "%s/" KB_STATE, root) >=
	    sizeof(kbdir)) {
		errno = ENAMETOOLONG;
		die_errno("%s/" KB_STATE, root);
	}
	if (mkdir(kbdir, 0700) == -1) {
		if (errno == EEXIST && stat(kbdir, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			die("%s is already a knowledge base", root);
		die_errno("mkdir %s", kbdir);
	}
	/* The committer creates the rest of the layout on its first start. */
	conn_open(&c, root, 1);
	conn_close(&c);
	fputs("Initialized knowledge base in ", stdout);
	text_put(stdout, root, 0);
	putchar('\n');
	return EXIT_OK;
}

int
cmd_remove(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "job", required_argument, NULL, OPT_JOB },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__RemoveReq	 req = KBD__REMOVE_REQ__INIT;
	char		**given = NULL;
	size_t		 ngiven = 0;
	Kbd__RemoveRep	*rep;
	Kbd__ItemResult	*r;
	struct conn	 c;
	struct msg	 m;
	struct jobj	 o;
	size_t		 i;
	int		 ch, json = 0, rc = EXIT_OK, failed;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		switch (ch) {
		case OPT_JSON:
			json = 1;
			break;
		case OPT_PATH:
			if (*optarg == '\0')
				die_usage("empty path");
			given = xreallocarray(given, ngiven + 1,
			    sizeof(*given));
			given[ngiven++] = optarg;
			break;
		case OPT_JOB:
			req.job = parse_number("--job", optarg, 1, ULONG_MAX);
			break;
		case OPT_DRY_RUN:
			req.dry_run = 1;
			break;
		}
	argc -= optind;
	argv += optind;
	if ((ngiven > 0 || req.job != 0) && argc > 0)
		die_usage("documents given with --path or --job");
	if (ngiven > 0 && req.job != 0)
		die_usage("--path and --job together");
	if (ngiven > 0) {
		req.paths = paths_absolute((int)ngiven, given);
		req.n_paths = ngiven;
	}
	if (argc == 0 && ngiven == 0 && req.job == 0)
		die_usage("no documents given");
	for (i = 0; i < (size_t)argc; i++)
		if (argv[i][0] == '\0')
			die_usage("empty document name");
	req.docs = argv;
	req.n_docs = (size_t)argc;

	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_REMOVE_REQ, &req.base);
	conn_expect(&c, &m, MSG_REMOVE_REP);
	rep = (Kbd__RemoveRep *)m.pb;
	failed = rep->error[0] != '\0';
	if (json)
		putchar('[');
	for (i = 0; i < rep->n_results; i++) {
		r = rep->results[i];
		if (r->status != KBD__FILE_STATUS__FS_REMOVED)
			rc = EXIT_FAIL;
		if (json) {
			if (i > 0)
				fputs(",\n", stdout);
			jobj_begin(&o, stdout);
			jobj_str(&o, "doc", r->doc);
			jobj_str(&o, "status", file_status_str(r->status));
			if (r->reason[0] != '\0')
				jobj_str(&o, "reason", r->reason);
			jobj_end(&o);
			continue;
		}
		switch (r->status) {
		case KBD__FILE_STATUS__FS_REMOVED:
			fputs(req.dry_run ? "would remove " : "removed ",
			    stdout);
			text_put(stdout, r->doc, 0);
			putchar('\n');
			break;
		case KBD__FILE_STATUS__FS_NOT_FOUND:
			(void)fflush(stdout);
			fputs("kbctl: ", stderr);
			text_put(stderr, r->doc, 0);
			fputs(": no such document\n", stderr);
			break;
		default:
			if (failed)
				break;	/* said once, below */
			(void)fflush(stdout);
			fputs("kbctl: ", stderr);
			text_put(stderr, r->doc, 0);
			fputs(": ", stderr);
			text_put(stderr, r->reason[0] != '\0' ? r->reason :
			    file_status_str(r->status), TEXT_LINE);
			fputc('\n', stderr);
			break;
		}
	}
	if (json)
		fputs("]\n", stdout);
	if (failed) {
		(void)fflush(stdout);
		fputs("kbctl: remove failed: ", stderr);
		text_put(stderr, rep->error, TEXT_LINE);
		fputc('\n', stderr);
		rc = EXIT_FAIL;
	}
	msg_free(&m);
	conn_close(&c);
	for (i = 0; i < req.n_paths; i++)
		free(req.paths[i]);
	free(req.paths);
	free(given);
	return rc;
}

/*
 * What to do about a lint problem, told by its kind: the path it names
 * and the committer's wording after it. lint --fix repairs what the KB
 * itself holds; an original or its Markdown that is missing or changed
 * only comes back from the user's file.
 */
enum lint_todo {
	TODO_FIX,		/* kbctl lint --fix repairs it */
	TODO_READD		/* remove the document and add it again */
};

static const struct lint_kind {
	const char	*path;	/* a directory ("raw/"), or the file itself */
	const char	*says;	/* after "PATH: "; NULL: the file is missing */
	enum lint_todo	 todo;
} lint_kinds[] = {
	{ KB_SUMMARIES "/",	"missing (document ",		TODO_FIX },
	{ KB_RAW "/",		"missing (document ",		TODO_READD },
	{ KB_SOURCES "/",	"missing (document ",		TODO_READD },
	{ KB_RAW "/",		"content does not match the registry",
								TODO_READD },
	{ KB_RAW "/",		"no document in the registry",	TODO_FIX },
	{ KB_SOURCES "/",	"no document in the registry",	TODO_FIX },
	{ KB_SUMMARIES "/",	"no document in the registry",	TODO_FIX },
	{ KB_STAGING "/",	"leftover staging file",	TODO_FIX },
	{ KB_INDEX,		NULL,				TODO_FIX },
	{ KB_LOG,		NULL,				TODO_FIX },
	{ KB_DB,		"full-text index has ",		TODO_FIX },
	{ KB_DB,		"full-text row without a document", TODO_FIX },
	{ KB_DB,		"document without a full-text row", TODO_FIX },
	{ KB_DB,		"index group count differs",	TODO_FIX },
	{ KB_DB,		"kept count of a term differs",	TODO_FIX },
	{ KB_SUMMARIES "/",	"does not match the registry",	TODO_FIX },
	{ KB_INDEX,		"not as the registry makes it",	TODO_FIX },
	{ KB_LOG,		"no frontmatter",		TODO_FIX },
	{ KB_AGENTS,		"not as the registry makes it",	TODO_FIX },
	{ KB_CONCEPTS "/",	"missing (concept",		TODO_FIX },
	{ KB_CONCEPTS "/",	"does not match the registry",	TODO_FIX },
	{ KB_CONCEPTS "/",	"no concept in the registry",	TODO_FIX },
};

/*
 * The document a problem is about: named in "(document DOC)" at its end,
 * else the raw file's name (the first pathlen bytes of problem) without
 * the extension kbd gave it. malloc'd; NULL when there is none.
 */
static char *
lint_doc(const char *problem, size_t pathlen)
{
	const char	*p, *base, *dot;
	size_t		 len = strlen(problem), rawlen = strlen(KB_RAW "/");

	if (len > 0 && problem[len - 1] == ')' &&
	    (p = strstr(problem + pathlen, " (document ")) != NULL) {
		p += strlen(" (document ");
		return estrndup(p, (size_t)(problem + len - 1 - p));
	}
	if (pathlen <= rawlen || strncmp(problem, KB_RAW "/", rawlen) != 0)
		return NULL;
	base = problem + rawlen;
	len = pathlen - rawlen;
	/* Only names of files kbd reads get here: .EXT is one it reads. */
	if ((dot = memrchr(base, '.', len)) != NULL && dot > base) {
		p = estrndup(dot + 1, (size_t)(base + len - dot - 1));
		if (format_readable(p))
			len = (size_t)(dot - base);
		free((char *)p);
	}
	return estrndup(base, len);
}

/* Whether what follows ": " at p is what k says. */
static int
lint_says(const struct lint_kind *k, const char *p)
{
	if (strncmp(p, ": ", 2) != 0)
		return 0;
	if (k->says == NULL)
		return strcmp(p + 2, strerror(ENOENT)) == 0;
	return strncmp(p + 2, k->says, strlen(k->says)) == 0;
}

/* The end of the path when problem is of kind k, else NULL. */
static const char *
lint_match(const struct lint_kind *k, const char *problem)
{
	const char	*p;
	size_t		 n = strlen(k->path);

	if (strncmp(problem, k->path, n) != 0)
		return NULL;
	if (k->path[n - 1] != '/')
		return lint_says(k, problem + n) ? problem + n : NULL;
	/* A file in the directory: its name may hold ": " too. */
	for (p = strstr(problem + n, ": "); p != NULL; p = strstr(p + 1, ": "))
		if (lint_says(k, p))
			return p;
	return NULL;
}

#define LINT_FIX_HINT	"; run kbctl lint --fix"

/* The committer's wording may hold the hint already (index pages). */
static int
ends_with(const char *s, const char *end)
{
	size_t	n = strlen(s), m = strlen(end);

	return n >= m && strcmp(s + n - m, end) == 0;
}

/* Print problem on its line, then what to do about it when that is known. */
static void
lint_problem(const char *problem, int fixed)
{
	const char	*end = NULL;
	char		*doc;
	size_t		 i;

	text_put(stdout, problem, TEXT_LINE);
	for (i = 0; i < sizeof(lint_kinds) / sizeof(lint_kinds[0]); i++)
		if ((end = lint_match(&lint_kinds[i], problem)) != NULL)
			break;
	if (end != NULL && lint_kinds[i].todo == TODO_FIX) {
		/* After --fix, what remains is what it could not do. */
		if (!fixed && !ends_with(problem, LINT_FIX_HINT))
			fputs(LINT_FIX_HINT, stdout);
	} else if (end != NULL &&
	    (doc = lint_doc(problem, (size_t)(end - problem))) != NULL) {
		fputs("; remove ", stdout);
		if (doc[0] == '-')
			fputs("-- ", stdout);	/* a name from before names */
		text_put(stdout, doc, 0);	/* never started with '-' */
		fputs(" and add it again", stdout);
		free(doc);
	}
	putchar('\n');
}

/*
 * kbd serves lint once no job is running or queued. At a terminal, say
 * so rather than wait in silence: the jobs list tells which ones (jobs
 * run in id order, so the last of them is the one lint waits for).
 */
static void
lint_say_waiting(struct conn *c)
{
	Kbd__JobsReq	 req = KBD__JOBS_REQ__INIT;
	Kbd__JobsRep	*rep;
	struct msg	 m;
	uint64_t	 first = 0, last = 0;
	size_t		 i;
	int		 st;

	conn_send(c, MSG_JOBS_REQ, &req.base);
	conn_expect(c, &m, MSG_JOBS_REP);
	rep = (Kbd__JobsRep *)m.pb;
	for (i = 0; i < rep->n_jobs; i++) {
		st = rep->jobs[i]->state;
		if (st != KBD__JOB_STATE__JOB_RUNNING &&
		    st != KBD__JOB_STATE__JOB_QUEUED)
			continue;
		if (first == 0 || rep->jobs[i]->job < first)
			first = rep->jobs[i]->job;
		if (rep->jobs[i]->job > last)
			last = rep->jobs[i]->job;
	}
	msg_free(&m);
	if (first == 0)
		return;
	(void)fflush(stdout);
	if (first == last)
		fprintf(stderr, "kbctl: waiting for job %" PRIu64 " to finish\n",
		    first);
	else
		fprintf(stderr, "kbctl: waiting for jobs %" PRIu64 " to %"
		    PRIu64 " to finish\n", first, last);
}

int
cmd_lint(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "fix", no_argument, NULL, OPT_FIX },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__LintReq	 req = KBD__LINT_REQ__INIT;
	Kbd__LintRep	*rep;
	struct conn	 c;
	struct msg	 m;
	struct jobj	 o;
	size_t		 i;
	int		 ch, json = 0, rc, failed;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		if (ch == OPT_JSON)
			json = 1;
		else if (ch == OPT_FIX)
			req.fix = 1;
	if (optind != argc)
		die_usage("unexpected argument: %s", argv[optind]);

	conn_open(&c, kb_root(), 1);
	if (isatty(STDERR_FILENO))
		lint_say_waiting(&c);
	conn_send(&c, MSG_LINT_REQ, &req.base);
	conn_expect(&c, &m, MSG_LINT_REP);
	rep = (Kbd__LintRep *)m.pb;
	failed = rep->error[0] != '\0';
	rc = rep->n_problems > 0 || failed ? EXIT_FAIL : EXIT_OK;
	if (json) {
		jobj_begin(&o, stdout);
		jobj_bool(&o, "ok", rc == EXIT_OK);
		if (req.fix) {
			jobj_key(&o, "repairs");
			putchar('[');
			for (i = 0; i < rep->n_repairs; i++) {
				if (i > 0)
					putchar(',');
				json_write_string(stdout, rep->repairs[i]);
			}
			putchar(']');
		}
		jobj_key(&o, "problems");
		putchar('[');
		for (i = 0; i < rep->n_problems; i++) {
			if (i > 0)
				putchar(',');
			json_write_string(stdout, rep->problems[i]);
		}
		putchar(']');
		if (failed)
			jobj_str(&o, "error", rep->error);
		jobj_end(&o);
		putchar('\n');
	} else {
		for (i = 0; i < rep->n_repairs; i++) {
			fputs("repaired: ", stdout);
			text_put(stdout, rep->repairs[i], TEXT_LINE);
			putchar('\n');
		}
		for (i = 0; i < rep->n_problems; i++)
			lint_problem(rep->problems[i], req.fix);
		if (rep->n_repairs > 0)
			printf("%zu repair%s\n", rep->n_repairs,
			    rep->n_repairs == 1 ? "" : "s");
		if (rep->n_problems == 0 && !failed)
			puts("ok");
		else if (rep->n_problems > 0)
			printf("%zu problem%s\n", rep->n_problems,
			    rep->n_problems == 1 ? "" : "s");
	}
	if (failed) {
		(void)fflush(stdout);
		fputs("kbctl: lint failed: ", stderr);
		text_put(stderr, rep->error, TEXT_LINE);
		fputc('\n', stderr);
	}
	msg_free(&m);
	conn_close(&c);
	return rc;
}

int
cmd_stop(int argc, char **argv)
{
	Kbd__StopReq	 req = KBD__STOP_REQ__INIT;
	struct conn	 c;
	struct msg	 m;
	char		 path[sizeof(c.path)];
	pid_t		 pid;

	while (cmd_getopt(argc, argv, ":h", help_only) != -1)
		;
	if (optind != argc)
		die_usage("unexpected argument: %s", argv[optind]);

	if (conn_open(&c, kb_root(), 0) == -1) {
		fputs("kbctl: kbd is not running\n", stderr);
		return EXIT_OK;
	}
	conn_send(&c, MSG_STOP_REQ, &req.base);
	conn_expect(&c, &m, MSG_STOP_REP);
	msg_free(&m);
	pid = c.pid;
	memcpy(path, c.path, sizeof(path));
	conn_close(&c);
	conn_wait_gone(path, pid);
	return EXIT_OK;
}
