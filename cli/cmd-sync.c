/*
 * kbctl roots: the folders (and files) a KB follows, with how many source
 * paths and documents each holds and when it was last synced; --forget
 * stops following one, --remove also removes the documents only it held.
 * kbctl watch [--stop] marks roots watched (supervisor/watch.c follows
 * them). (sync itself is an add that prunes: cmd-job.c.)
 */
#include <sys/types.h>

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kbctl.h"
#include "names.h"

#define OPT_FORGET	0x180
#define OPT_REMOVE	0x181
#define OPT_STOP	0x182

static void
when(char *buf, size_t len, int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		(void)snprintf(buf, len, "never");
	else
		(void)strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
cmd_roots(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "forget", required_argument, NULL, OPT_FORGET },
		{ "remove", no_argument, NULL, OPT_REMOVE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__RootsReq	 req = KBD__ROOTS_REQ__INIT;
	Kbd__RootsRep	*rep;
	Kbd__RootInfo	*ri;
	struct conn	 c;
	struct msg	 m;
	struct jobj	 o;
	char		**abs = NULL, *forget = NULL, t[32];
	size_t		 i;
	int		 ch, json = 0, rc;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		switch (ch) {
		case OPT_JSON:
			json = 1;
			break;
		case OPT_FORGET:
			forget = optarg;
			break;
		case OPT_REMOVE:
			req.remove = 1;
			break;
		}
	if (optind != argc)
		die_usage("unexpected argument: %s", argv[optind]);
	if (req.remove && forget == NULL)
		die_usage("--remove goes with --forget root");
	req.forget = (char *)"";
	if (forget != NULL) {
		if (*forget == '\0')
			die_usage("empty path");
		abs = paths_absolute(1, &forget);
		req.forget = abs[0];
	}
	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_ROOTS_REQ, &req.base);
	conn_expect(&c, &m, MSG_ROOTS_REP);
	rep = (Kbd__RootsRep *)m.pb;
	rc = rep->error[0] != '\0' ? EXIT_FAIL : EXIT_OK;
	if (json) {
		putchar('[');
		for (i = 0; i < rep->n_roots; i++) {
			ri = rep->roots[i];
			if (i > 0)
				putchar(',');
			jobj_begin(&o, stdout);
			jobj_str(&o, "root", ri->path);
			jobj_i64(&o, "added", ri->added);
			jobj_i64(&o, "last_sync", ri->last_sync);
			jobj_u64(&o, "files", ri->files);
			jobj_u64(&o, "docs", ri->docs);
			jobj_bool(&o, "watched", ri->watched);
			if (ri->watch_limited)
				jobj_bool(&o, "watch_limited", 1);
			jobj_end(&o);
		}
		puts("]");
	} else {
		for (i = 0; i < rep->n_removed; i++) {
			printf("removed   ");
			text_put(stdout, rep->removed[i]->doc, TEXT_LINE);
			putchar('\n');
		}
		for (i = 0; i < rep->n_roots; i++) {
			ri = rep->roots[i];
			when(t, sizeof(t), ri->last_sync);
			text_put(stdout, ri->path, 0);
			printf("\t%" PRIu64 " files\t%" PRIu64 " documents\t"
			    "last sync %s%s\n", ri->files, ri->docs, t,
			    ri->watch_limited ? "\twatched (out of inotify "
			    "watches: every 60 s)" : ri->watched ?
			    "\twatched" : "");
		}
	}
	if (rep->error[0] != '\0')
		fprintf(stderr, "kbctl: %s\n", rep->error);
	msg_free(&m);
	conn_close(&c);
	if (abs != NULL) {
		free(abs[0]);
		free(abs);
	}
	return rc;
}

int
cmd_watch(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "stop", no_argument, NULL, OPT_STOP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__RootsReq	 req = KBD__ROOTS_REQ__INIT;
	Kbd__RootsRep	*rep;
	struct conn	 c;
	struct msg	 m;
	char		**abs;
	int		 ch, i, n, rc;

	while ((ch = cmd_getopt(argc, argv, ":h", lo)) != -1)
		switch (ch) {
		case OPT_STOP:
			req.stop = 1;
			break;
		}
	if (optind == argc)
		die_usage("watch what? give a folder");
	n = argc - optind;
	for (i = 0; i < n; i++)
		if (argv[optind + i][0] == '\0')
			die_usage("empty path");
	abs = paths_absolute(n, argv + optind);
	req.forget = (char *)"";
	req.watch = abs;
	req.n_watch = (size_t)n;
	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_ROOTS_REQ, &req.base);
	conn_expect(&c, &m, MSG_ROOTS_REP);
	rep = (Kbd__RootsRep *)m.pb;
	rc = EXIT_OK;
	if (rep->error[0] != '\0') {
		fprintf(stderr, "kbctl: %s\n", rep->error);
		rc = EXIT_FAIL;
	}
	msg_free(&m);
	conn_close(&c);
	for (i = 0; i < n; i++)
		free(abs[i]);
	free(abs);
	return rc;
}
