/*
 * Lint: every registry document has its three files, its raw file has the
 * content registered; every file of the live directories belongs to a
 * document; index.md, log.md and AGENTS.md exist and are as the registry
 * makes them, as is each summary page (lintfix_check: what lint --fix
 * would repair, lint reports); the database checks itself; no
 * journal is active and nothing is left in staging. With fix, lint --fix
 * (lintfix.c) repairs first and lint reports what remains. Read-only
 * itself: changes nothing.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "committer.h"
#include "db.h"
#include "journal.h"
#include "kbpath.h"
#include "log.h"
#include "sha256.h"
#include "util.h"
#include "wiki.h"
#include "xmalloc.h"

/* Problems past what one message holds are counted, not listed. */
void
lint_add(struct lint *l, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = verrf(fmt, ap);
	va_end(ap);
	if (l->bytes + strlen(s) + 8 > (l->max ? l->max : LINT_BYTES_MAX)) {
		l->more++;
		free(s);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->bytes += strlen(s) + 8;
	l->v[l->n++] = s;
}

static void
lint_report(void *arg, const char *line)
{
	lint_add(arg, "%s", line);
}

static void
lint_db_error(struct lint *l)
{
	if (l->error == NULL)
		l->error = errf("registry: %s", db_errmsg());
}

/* A file of a document is there and a regular file; 0 if not. */
static int
lint_file(struct lint *l, const char *path, const char *doc)
{
	struct stat	st;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			lint_add(l, "%s: missing (document %s)", path, doc);
		else
			lint_add(l, "%s: %s", path, strerror(errno));
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		lint_add(l, "%s: not a regular file (document %s)", path, doc);
		return 0;
	}
	return 1;
}

static int
lint_doc(void *arg, const struct db_doc *d)
{
	struct lint	*l = arg;
	char		*path, hex[65];

	path = kbpath_raw(d->name, d->ext);
	if (lint_file(l, path, d->name)) {
		if (sha256_file(path, hex) == -1)
			lint_add(l, "%s: %s", path, strerror(errno));
		else if (strcmp(hex, d->hash) != 0)
			lint_add(l, "%s: content does not match the registry "
			    "(sha256 %s, registered %s)", path, hex, d->hash);
	}
	free(path);
	path = kbpath_source(d->name);
	(void)lint_file(l, path, d->name);
	free(path);
	path = kbpath_summary(d->name);
	(void)lint_file(l, path, d->name);
	free(path);
	return 0;
}

/*
 * Stream a directory: every entry must belong to a registry document.
 * With strays non-NULL, regular files that belong to none (or are left in
 * staging) go there, for lint --fix to remove, instead of being reported.
 */
void
lint_dir(struct lint *l, const char *dir, enum dir_kind kind,
    struct lint *strays)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*path, *name;
	size_t		 len;
	int		 r;

	if ((d = opendir(dir)) == NULL) {
		lint_add(l, "%s: %s", dir, strerror(errno));
		return;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		if (kind == DIR_STAGING) {
			if (strays != NULL && lstat(path, &st) == 0 &&
			    S_ISREG(st.st_mode))
				lint_add(strays, "%s", path);
			else
				lint_add(l, "%s: leftover staging file", path);
			free(path);
			continue;
		}
		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			lint_add(l, "%s: not a regular file", path);
			free(path);
			continue;
		}
		len = strlen(de->d_name);
		if (kind == DIR_RAW)
			r = raw_file_owned(de->d_name);
		else if (len > 3 && strcmp(de->d_name + len - 3, ".md") == 0) {
			name = xstrndup(de->d_name, len - 3);
			r = db_name_exists(name);
			free(name);
		} else
			r = 0;
		if (r == -1)
			lint_db_error(l);
		else if (r == 0 && strays != NULL)
			lint_add(strays, "%s", path);
		else if (r == 0)
			lint_add(l, "%s: no document in the registry", path);
		free(path);
	}
	if (errno != 0)
		lint_add(l, "%s: %s", dir, strerror(errno));
	closedir(d);
}

/* AGENTS.md is there: is it the page the registry makes? */
static void
lint_agents(struct lint *l)
{
	uint64_t	 n;
	char		*want, *cur;
	size_t		 wlen, clen;

	if (db_doc_count(&n) == -1) {
		lint_db_error(l);
		return;
	}
	want = wiki_agents(n, &wlen);
	if ((cur = read_file(WIKI_AGENTS, &clen)) == NULL)
		lint_add(l, "%s: %s", WIKI_AGENTS, strerror(errno));
	else if (clen != wlen || memcmp(cur, want, wlen) != 0)
		lint_add(l, "%s: not as the registry makes it (%" PRIu64
		    " document%s)", WIKI_AGENTS, n,
		    wiki_plural(n));
	free(cur);
	free(want);
}

void
lint_kb(const Kbd__LintReq *req)
{
	Kbd__LintRep	 rep = KBD__LINT_REP__INIT;
	struct lint	 l, fixed;
	struct stat	 st;
	size_t		 i;
	int		 n;

	memset(&l, 0, sizeof(l));
	memset(&fixed, 0, sizeof(fixed));
	/*
	 * Concept pages batches left pending are committed work still to
	 * write, not damage: written first, so that lint and lint --fix
	 * see the same settled wiki (a failure leaves them to be reported).
	 */
	(void)flush_all();
	/* Repair first; what remains is what lint then finds. */
	if (req->fix) {
		l.max = LINT_BYTES_MAX / 2;
		l.error = lintfix(&fixed);
		if (l.error != NULL)
			log_warnx("lint --fix: %s", l.error);
		else if (agents_refresh(1) == 1)
			lint_add(&fixed, "%s: rewritten", WIKI_AGENTS);
	}
	if (db_docs_foreach(lint_doc, &l) == -1)
		lint_db_error(&l);
	lint_dir(&l, KB_RAW, DIR_RAW, NULL);
	lint_dir(&l, KB_SOURCES, DIR_PAGES, NULL);
	lint_dir(&l, KB_SUMMARIES, DIR_PAGES, NULL);
	if (stat(WIKI_INDEX, &st) == -1)
		lint_add(&l, "%s: %s", WIKI_INDEX, strerror(errno));
	if (stat(WIKI_LOG, &st) == -1)
		lint_add(&l, "%s: %s", WIKI_LOG, strerror(errno));
	if (stat(WIKI_AGENTS, &st) == -1)
		lint_add(&l, "%s: %s", WIKI_AGENTS, strerror(errno));
	else
		lint_agents(&l);
	/* What lint --fix would write again that the checks above miss. */
	if (l.error == NULL)
		l.error = lintfix_check(&l);
	if (db_check(lint_report, &l) == -1)
		lint_db_error(&l);
	if ((n = journal_count_active()) == -1)
		lint_add(&l, "%s: %s", KB_JOURNAL, strerror(errno));
	else if (n > 0)
		lint_add(&l, "%s: %d active journal%s", KB_JOURNAL, n,
		    n == 1 ? "" : "s");
	/* Lint is only served while no job runs: staging should be empty. */
	lint_dir(&l, KB_STAGING, DIR_STAGING, NULL);
	if (l.more > 0) {
		/* Fits: LINT_BYTES_MAX leaves room for it. */
		if (l.n == l.cap)
			l.v = xreallocarray(l.v, ++l.cap, sizeof(*l.v));
		l.v[l.n++] = errf("... and %zu more problems", l.more);
	}
	rep.problems = l.v;
	rep.n_problems = l.n;
	rep.repairs = fixed.v;
	rep.n_repairs = fixed.n;
	rep.error = l.error != NULL ? l.error : (char *)"";
	committer_send(MSG_C_LINT_REP, &rep.base);
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	free(l.error);
	for (i = 0; i < fixed.n; i++)
		free(fixed.v[i]);
	free(fixed.v);
}
