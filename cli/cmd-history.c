/*
 * kbctl status --files (issue 10, history): the JOB_FILES chunks that
 * follow a job's summary, printed as they arrive, a line per file or the
 * "history" and "files" keys that end the summary's JSON object.
 */
#include <sys/types.h>

#include <stdio.h>

#include "kbctl.h"

static const char *
history_str(int h)
{
	switch (h) {
	case KBD__HISTORY__HISTORY_KEPT:
		return "kept";
	case KBD__HISTORY__HISTORY_PRUNED:
		return "pruned";
	default:
		return "none";
	}
}

/* One file of status --files: text as add -v prints it, but to stdout. */
static void
history_file(const Kbd__FileEvent *ev, int json, int *n)
{
	struct jobj	o;

	if (json) {
		if ((*n)++ > 0)
			putchar(',');
		jobj_begin(&o, stdout);
		jobj_u64(&o, "seq", ev->seq);
		jobj_str(&o, "path", ev->path);
		jobj_str(&o, "status", file_status_str(ev->status));
		jobj_str(&o, "doc", ev->doc);
		jobj_str(&o, "reason", ev->reason);
		jobj_end(&o);
		return;
	}
	printf("  %-9s ", file_status_str(ev->status));
	text_put(stdout, path_show(ev->path), 0);
	if (ev->doc[0] != '\0') {
		fputs(" -> ", stdout);
		text_put(stdout, ev->doc, TEXT_LINE);
	}
	if (ev->reason[0] != '\0') {
		fputs(" (", stdout);
		reason_put(stdout, ev->reason);
		putchar(')');
	}
	putchar('\n');
}

/*
 * The rest of status --files: JOB_FILES chunks up to the last. Text: a
 * line per file, or why there are none; JSON: "history" and "files" end
 * the summary's object.
 */
void
history_print(struct conn *c, struct jobj *o, int json, int failed)
{
	Kbd__JobFiles	*jf;
	struct msg	 m;
	size_t		 i;
	int		 n = 0, last, first = 1;

	do {
		conn_expect(c, &m, MSG_JOB_FILES);
		jf = (Kbd__JobFiles *)m.pb;
		if (first && json) {
			jobj_str(o, "history", history_str(jf->history));
			jobj_key(o, "files");
			putchar('[');
		} else if (first && jf->history != KBD__HISTORY__HISTORY_KEPT)
			printf("  files: %s\n", jf->history ==
			    KBD__HISTORY__HISTORY_PRUNED ? "no longer kept "
			    "(kbd.conf history keeps the newest jobs' only)" :
			    "not recorded (a job from before kbd kept them)");
		else if (first)
			printf("  %s:%s\n", failed ? "files, failed only" : "files",
			    jf->n_files == 0 ? " none" : "");
		first = 0;
		for (i = 0; i < jf->n_files; i++)
			history_file(jf->files[i], json, &n);
		last = jf->last;
		msg_free(&m);
	} while (!last);
	if (json)
		putchar(']');
}
