/*
 * A dry run of add or sync (--dry-run): the plan, per file, and nothing
 * changed. The walk runs here, at once, on the supervisor's loop, with
 * the registry's sources: a path unchanged since added is left out; a
 * known path with a new stat is "updated"; a new path whose stat is a
 * source's elsewhere (a rename keeps inode and mtime) whose path is gone
 * is "moved"; any other is "added". With a prune, the documents the
 * prune would remove follow ("removed"). Files are not read, so a file
 * touched without a change shows as updated, and a copy of known content
 * as added, where the real run finds duplicates. The client gets
 * ADD_REP{job 0}, a FILE_EVENT per planned file and a JOB_SUMMARY with the
 * counts (failed, with the reason, for a missing root).
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbread.h"
#include "format.h"
#include "log.h"
#include "supervisor.h"
#include "walk.h"
#include "xmalloc.h"

static void
plan_event(struct client *c, uint64_t seq, const char *path, int status,
    const char *doc, const char *reason)
{
	Kbd__FileEvent	ev = KBD__FILE_EVENT__INIT;

	ev.seq = seq;
	ev.path = (char *)path;
	ev.status = status;
	ev.doc = (char *)doc;
	ev.reason = (char *)reason;
	client_send(c, MSG_FILE_EVENT, &ev.base);
}

static int
gone(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == -1 && (errno == ENOENT ||
	    errno == ENOTDIR);
}

void
dryrun_request(struct client *c, const Kbd__AddReq *a)
{
	Kbd__AddRep		 ar = KBD__ADD_REP__INIT;
	Kbd__JobSummary		 s = KBD__JOB_SUMMARY__INIT;
	struct walk		 w;
	struct walk_entry	 e;
	char			**inputs, **moved = NULL, *stem, *ext, *other;
	char			 name[512], why[1024];
	size_t			 n, i, nmoved = 0;
	uint64_t		 seq = 0;
	int			 r, same, own = 0;

	if (a->n_paths == 0) {
		if (dbread_roots(&inputs, &n) == -1 || n == 0) {
			client_error(c, "no roots to sync: add a folder first");
			return;
		}
		own = 1;
	} else {
		inputs = a->paths;
		n = a->n_paths;
	}
	client_send(c, MSG_ADD_REP, &ar.base);
	s.state = KBD__JOB_STATE__JOB_DONE;
	s.error = (char *)"";
	walk_init(&w, inputs, n, sup_opts->kbroot, a->rules, a->n_rules);
	while (walk_next(&w, &e) == 1) {
		if (e.status != KBD__FILE_STATUS__FS_NONE) {
			free(e.path);
			continue;
		}
		format_split(e.path, &stem, &ext);
		r = format_readable(ext);
		free(stem);
		free(ext);
		if (!r) {
			free(e.path);
			continue;
		}
		if ((r = dbread_source_by_path(e.path, name, sizeof(name),
		    &e.st, &same)) == 1) {
			if (!same) {
				plan_event(c, ++seq, e.path,
				    KBD__FILE_STATUS__FS_UPDATED, name,
				    "dry run: changed since added");
				s.updated++;
			}
		} else if (r == 0 && dbread_source_by_stat(&e.st, e.path, name,
		    sizeof(name), &other) == 1 && gone(other)) {
			(void)snprintf(why, sizeof(why), "dry run: moved from "
			    "%s", other);
			plan_event(c, ++seq, e.path, KBD__FILE_STATUS__FS_MOVED,
			    name, why);
			free(other);
			moved = xreallocarray(moved, nmoved + 1,
			    sizeof(*moved));
			moved[nmoved++] = xstrdup(name);
			s.moved++;
		} else {
			plan_event(c, ++seq, e.path, KBD__FILE_STATUS__FS_ADDED,
			    "", "dry run: new");
			s.added++;
		}
		free(e.path);
	}
	walk_free(&w);
	if (a->prune)
		prune_plan(c, inputs, n, moved, nmoved, &seq, &s);
	client_send(c, MSG_JOB_SUMMARY, &s.base);
	client_done(c);
	if (s.error[0] != '\0')
		free(s.error);
	for (i = 0; i < nmoved; i++)
		free(moved[i]);
	free(moved);
	if (own) {
		for (i = 0; i < n; i++)
			free(inputs[i]);
		free(inputs);
	}
}
