/*
 * Commands on the knowledge base as a whole: init (make one and start its
 * kbd), remove, lint (and lint --fix), and stop (which waits until kbd is
 * gone, so that the next command sees no daemon and a script can rely on
 * that).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbctl.h"
#include "kbpath.h"

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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__RemoveReq	 req = KBD__REMOVE_REQ__INIT;
	Kbd__RemoveRep	*rep;
	Kbd__ItemResult	*r;
	struct conn	 c;
	struct msg	 m;
	struct jobj	 o;
	size_t		 i;
	int		 ch, json = 0, rc = EXIT_OK, failed;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		if (ch == OPT_JSON)
			json = 1;
	argc -= optind;
	argv += optind;
	if (argc == 0)
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
			fputs("removed ", stdout);
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
	return rc;
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
				json_string(stdout, rep->repairs[i]);
			}
			putchar(']');
		}
		jobj_key(&o, "problems");
		putchar('[');
		for (i = 0; i < rep->n_problems; i++) {
			if (i > 0)
				putchar(',');
			json_string(stdout, rep->problems[i]);
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
		for (i = 0; i < rep->n_problems; i++) {
			text_put(stdout, rep->problems[i], TEXT_LINE);
			putchar('\n');
		}
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
