/*
 * The commands that start a job: add, sync (an add that prunes) and
 * recompile. Each sends its request and, unless --no-wait, follows the
 * job to its summary (follow.c); with --no-wait it prints the job's id.
 */
#include <sys/types.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "follow.h"
#include "kbctl.h"
#include "progress.h"
#include "xmalloc.h"

/*
 * add; sync: an add that prunes, of every root when given none;
 * recompile: a job over documents (names, --all, --stale), not paths.
 */
enum job_kind { KIND_ADD, KIND_SYNC, KIND_RECOMPILE };

static int	follow_new_job(struct conn *, int, int, int, enum progress_mode);
static int	recompile_docs(int, char **, int, Kbd__AddReq *, int, int, int);

static int
add_or_sync(int argc, char **argv, enum job_kind kind)
{
	static const struct option lo[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "prune", no_argument, NULL, OPT_PRUNE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "include", required_argument, NULL, OPT_INCLUDE },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "exit-on-error", no_argument, NULL, OPT_EXIT_ON_ERROR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "stale", no_argument, NULL, OPT_STALE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	Kbd__AddReq	 req = KBD__ADD_REQ__INIT;
	enum progress_mode pmode;
	struct conn	 c;
	const char	*root;
	char		**paths;
	unsigned long	 jobs = 0;
	int		 ch, i, json = 0, nowait = 0, eoe = 0;
	int		 sync = kind == KIND_SYNC, recompile = 0;
	int		 color = COLOR_AUTO, prune = sync;
	char		**rules = NULL;
	size_t		 nrules = 0;

	while ((ch = cmd_getopt(argc, argv, ":hj:qv", lo)) != -1) {
		switch (ch) {
		case 'j':
			jobs = parse_number("--jobs", optarg, 1, 256);
			break;
		case OPT_NO_WAIT:
			nowait = 1;
			break;
		case OPT_EXIT_ON_ERROR:
			eoe = 1;
			break;
		case OPT_ALL:
		case OPT_STALE:
			if (kind != KIND_RECOMPILE)
				die_usage("--%s goes with recompile",
				    ch == OPT_ALL ? "all" : "stale");
			if (recompile != 0)
				die_usage("--all and --stale exclude each "
				    "other");
			recompile = ch == OPT_ALL ?
			    KBD__RECOMPILE_MODE__RECOMPILE_ALL :
			    KBD__RECOMPILE_MODE__RECOMPILE_STALE;
			break;
		case OPT_PRUNE:
			prune = 1;
			break;
		case OPT_DRY_RUN:
			req.dry_run = 1;
			break;
		case OPT_EXCLUDE:
		case OPT_INCLUDE:
			if (*optarg == '\0')
				die_usage("empty pattern");
			rules = xreallocarray(rules, nrules + 1,
			    sizeof(*rules));
			xasprintf(&rules[nrules++], "%s%s",
			    ch == OPT_INCLUDE ? "!" : "", optarg);
			break;
		default:
			follow_option(ch, &json, &color);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	req.jobs = (uint32_t)jobs;
	if (kind == KIND_RECOMPILE)
		return recompile_docs(argc, argv, recompile, &req, nowait,
		    json, color);
	if (argc == 0 && !sync)
		die_usage("no paths given");
	for (i = 0; i < argc; i++)
		if (argv[i][0] == '\0')
			die_usage("empty path");
	root = kb_root();

	paths = paths_absolute(argc, argv);
	req.n_paths = (size_t)argc;
	req.paths = paths;
	req.prune = prune;
	req.rules = rules;
	req.n_rules = nrules;
	req.jobs = (uint32_t)jobs;
	if (req.dry_run)
		nowait = 0;	/* the plan comes at once */
	req.follow = !nowait;
	req.changes_only = follow_changes_only(json);
	pmode = nowait ? PROGRESS_OFF : follow_mode(json);
	req.progress = progress_level(pmode);
	follow_colors(color);
	conn_open(&c, root, 1);
	conn_send(&c, MSG_ADD_REQ, &req.base);
	for (i = 0; i < argc; i++)
		free(paths[i]);
	free(paths);
	for (i = 0; i < (int)nrules; i++)
		free(rules[i]);
	free(rules);

	return follow_new_job(&c, nowait, json, eoe, pmode);
}

/* The job's id is the answer: print it, or follow the job to its end. */
static int
follow_new_job(struct conn *c, int nowait, int json, int eoe,
    enum progress_mode pmode)
{
	struct msg	 m;
	struct jobj	 o;
	uint64_t	 job;
	int		 rc;

	conn_expect(c, &m, MSG_ADD_REP);
	job = ((Kbd__AddRep *)m.pb)->job;
	msg_free(&m);
	if (nowait) {
		if (json) {
			jobj_begin(&o, stdout);
			jobj_u64(&o, "job", job);
			jobj_end(&o);
			putchar('\n');
		} else
			printf("job %" PRIu64 "\n", job);
		rc = EXIT_OK;
	} else
		rc = follow(c, job, 1, json, eoe, pmode);
	conn_close(c);
	return rc;
}

/*
 * kbctl recompile: the documents named (or --all, --stale) converted
 * again from raw/ as a job, followed like an add's.
 */
static int
recompile_docs(int argc, char **argv, int mode, Kbd__AddReq *req,
    int nowait, int json, int color)
{
	enum progress_mode	 pmode;
	struct conn		 c;
	int			 i;

	if (mode != 0 && argc > 0)
		die_usage("documents and --all or --stale exclude each other");
	if (mode == 0 && argc == 0)
		die_usage("no documents given (or --all, --stale)");
	if (req->prune || req->dry_run || req->n_rules > 0)
		die_usage("recompile takes no --prune, --dry-run, --exclude "
		    "or --include");
	for (i = 0; i < argc; i++)
		if (argv[i][0] == '\0')
			die_usage("empty document name");
	req->recompile = mode != 0 ? mode :
	    KBD__RECOMPILE_MODE__RECOMPILE_DOCS;
	req->docs = argv;
	req->n_docs = (size_t)argc;
	req->follow = !nowait;
	req->changes_only = follow_changes_only(json);
	pmode = nowait ? PROGRESS_OFF : follow_mode(json);
	req->progress = progress_level(pmode);
	follow_colors(color);
	conn_open(&c, kb_root(), 1);
	conn_send(&c, MSG_ADD_REQ, &req->base);
	return follow_new_job(&c, nowait, json, 0, pmode);
}

int
cmd_add(int argc, char **argv)
{
	return add_or_sync(argc, argv, KIND_ADD);
}

int
cmd_sync(int argc, char **argv)
{
	return add_or_sync(argc, argv, KIND_SYNC);
}

int
cmd_recompile(int argc, char **argv)
{
	return add_or_sync(argc, argv, KIND_RECOMPILE);
}
