/*
 * kbctl mcp's tools, independent of the transport: each takes a parsed
 * request (jansson) and returns its reply. They ask kbd over mcp-kb.c's
 * persistent connection and read the KB's files as kbctl show does
 * (cmd-show.c's show_select).
 *
 * A tool's failure (a bad argument, an unknown document, kbd's error) is
 * a result with isError and a one-line reason; only protocol faults (an
 * unknown tool or resource, params of the wrong shape) are JSON-RPC
 * errors.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kbctl.h"
#include "mcp.h"
#include "utf8.h"

/* Caps. */
#define SEARCH_MAX	10000		/* offset + limit, as kbctl search */
#define TEXT_MAX	(1024 * 1024)	/* a read's text */
#define FAILURES_MAX	100		/* add's failed files listed */
#define RECONNECT_TRIES	50		/* while following an add */

static int		read_only;

/* kbd */

/* Arguments */

static int
arg_string(json_t *args, const char *key, int required, const char **out,
    struct tool_error *t)
{
	json_t	*v = json_object_get(args, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required) {
			terr(t, "%s is required", key);
			return -1;
		}
		return 0;
	}
	if (!json_is_string(v)) {
		terr(t, "%s must be a string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static int
arg_uint(json_t *args, const char *key, uint64_t def, uint64_t min,
    uint64_t max, uint64_t *out, struct tool_error *t)
{
	json_t	*v = json_object_get(args, key);

	*out = def;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) < min ||
	    (uint64_t)json_integer_value(v) > max) {
		terr(t, "%s must be an integer from %" PRIu64 " to %" PRIu64,
		    key, min, max);
		return -1;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* A non-empty array of strings, as a malloc'd array of its values. */
static int
arg_strings(json_t *args, const char *key, const char ***out, size_t *n,
    struct tool_error *t)
{
	json_t	*v = json_object_get(args, key), *s;
	size_t	 i;

	if (!json_is_array(v) || json_array_size(v) == 0) {
		terr(t, "%s must be a non-empty array of strings", key);
		return -1;
	}
	*n = json_array_size(v);
	*out = ecalloc(*n, sizeof(**out));
	json_array_foreach(v, i, s) {
		if (!json_is_string(s) || json_string_length(s) == 0) {
			terr(t, "%s[%zu] must be a non-empty string", key, i);
			free(*out);
			return -1;
		}
		(*out)[i] = json_string_value(s);
	}
	return 0;
}

/* Documents, as list and resources/list page through them */

static json_t *
doc_json(const Kbd__DocInfo *d)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:I, s:o, s:o}",
	    "doc", jstr(d->doc), "title", jstr(d->title),
	    "wiki_path", jstr(d->source), "source_path", jstr(d->src_path),
	    "size", (json_int_t)d->size, "hash", jstr(d->hash),
	    "language", jstr(d->language));
}

/*
 * Whole characters only: a byte range may cut one at either end. Drops
 * the cut bytes, moving first and last (1-based byte positions) with them.
 */
static int
utf8_trim(struct sel *s)
{
	size_t	off, n, need;

	while (s->len > 0 && ((unsigned char)s->text[0] & 0xc0) == 0x80) {
		memmove(s->text, s->text + 1, s->len--);
		s->first++;
	}
	for (n = 1; n <= 3 && n <= s->len; n++) {
		unsigned char	c = (unsigned char)s->text[s->len - n];

		if ((c & 0xc0) == 0x80)
			continue;
		need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (need > n) {
			s->len -= n;
			s->last -= n;
			s->text[s->len] = '\0';
		}
		break;
	}
	if (s->len == 0)
		s->first = 0;
	return s->len == 0 ? 0 : utf8_check(s->text, s->len, &off);
}

/* Tools */

static json_t *
tool_search(json_t *args, struct tool_error *t)
{
	Kbd__SearchReq	 req = KBD__SEARCH_REQ__INIT;
	Kbd__SearchRep	*rep;
	Kbd__SearchHit	*h;
	struct msg	 m;
	const char	*query;
	uint64_t	 limit, off;
	json_t		*hits;
	size_t		 i;
	int		 more, incomplete;

	if (arg_string(args, "query", 1, &query, t) == -1 ||
	    arg_uint(args, "limit", 10, 1, 100, &limit, t) == -1 ||
	    arg_uint(args, "offset", 0, 0, SEARCH_MAX - 1, &off, t) == -1)
		return NULL;
	if (query[0] == '\0') {
		terr(t, "query is empty");
		return NULL;
	}
	/* One more than asked, to know whether more follow. */
	req.query = (char *)query;
	req.offset = (uint32_t)off;
	req.limit = (uint32_t)(limit + 1);
	if (kb_call(MSG_SEARCH_REQ, &req.base, &m, MSG_SEARCH_REP, t) == -1)
		return NULL;
	rep = (Kbd__SearchRep *)m.pb;
	if (rep->error != NULL && rep->error[0] != '\0') {
		/* A malformed query: the parser's one line, with its column. */
		terr(t, "search: %s", rep->error);
		msg_free(&m);
		return NULL;
	}
	hits = json_array();
	for (i = 0; i < rep->n_hits && i < limit; i++) {
		h = rep->hits[i];
		json_array_append_new(hits, json_pack("{s:o, s:o, s:o, s:f, "
		    "s:o, s:o, s:o}", "doc", jstr(h->doc), "title",
		    jstr(h->title), "snippet", jstr(h->snippet), "score",
		    h->score, "wiki_path", jstr(h->source), "source_path",
		    jstr(h->src_path), "language", jstr(h->language)));
	}
	more = rep->n_hits > limit;
	incomplete = rep->incomplete;
	msg_free(&m);
	/* While the full-text index is rebuilt, what it holds so far. */
	return json_pack("{s:o, s:I, s:b, s:b}", "hits", hits,
	    "offset", (json_int_t)off, "more", more, "index_incomplete",
	    incomplete);
}

static json_t *
tool_read(json_t *args, struct tool_error *t)
{
	static const char *const parts[] = { "source", "summary", "meta" };
	struct range	 r = { RANGE_NONE, 1, UINT64_MAX };
	struct msg	 m;
	struct sel	 s;
	Kbd__DocMeta	*meta;
	const char	*doc, *part, *lines, *rel;
	uint64_t	 off, len;
	json_t		*out, *range = NULL;
	char		*text, *end;
	size_t		 p;

	if (arg_string(args, "doc", 1, &doc, t) == -1 ||
	    arg_string(args, "part", 0, &part, t) == -1 ||
	    arg_string(args, "lines", 0, &lines, t) == -1 ||
	    arg_uint(args, "offset", UINT64_MAX, 0, UINT64_MAX / 2, &off,
	    t) == -1 ||
	    arg_uint(args, "length", UINT64_MAX, 1, TEXT_MAX, &len, t) == -1)
		return NULL;
	if (part == NULL)
		part = "source";
	for (p = 0; p < 3 && strcmp(part, parts[p]) != 0; p++)
		;
	if (p == 3) {
		terr(t, "part must be source, summary or meta, not \"%s\"",
		    part);
		return NULL;
	}
	if (lines != NULL && (off != UINT64_MAX || len != UINT64_MAX)) {
		terr(t, "lines and offset/length go one at a time");
		return NULL;
	}
	if (p == 2 && (lines != NULL || off != UINT64_MAX ||
	    len != UINT64_MAX)) {
		terr(t, "part meta takes no range");
		return NULL;
	}
	if (lines != NULL) {
		/* "A-B", "A-" or "A", 1-based and inclusive, as show. */
		r.unit = RANGE_LINES;
		errno = 0;
		r.from = strtoull(lines, &end, 10);
		if (*lines < '0' || *lines > '9' || errno != 0 || r.from == 0)
			goto badlines;
		if (*end == '\0')
			r.to = r.from;
		else if (*end++ != '-')
			goto badlines;
		else if (*end != '\0') {
			r.to = strtoull(end, &end, 10);
			if (*end != '\0' || errno != 0 || r.to < r.from)
				goto badlines;
		}
	} else if (off != UINT64_MAX || len != UINT64_MAX) {
		r.unit = RANGE_BYTES;
		r.from = (off == UINT64_MAX ? 0 : off) + 1;
		r.to = len == UINT64_MAX ? UINT64_MAX : r.from + len - 1;
	}

	if (doc_meta(doc, &m, &meta, t) == -1)
		return NULL;
	if (p == 2) {
		text = show_meta_json(meta);
		out = json_pack("{s:o, s:s, s:s, s:I, s:I, s:n}", "doc",
		    jstr(meta->doc), "part", part, "text", text, "total_bytes",
		    (json_int_t)strlen(text), "total_lines", (json_int_t)1,
		    "range");
		free(text);
		msg_free(&m);
		if (out == NULL)
			terr(t, "the record is not UTF-8");
		return out;
	}
	rel = p == 0 ? meta->source : meta->summary;
	if (show_select(rel, &r, &s, t->msg, sizeof(t->msg)) == -1) {
		msg_free(&m);
		return NULL;
	}
	if (r.unit == RANGE_BYTES && utf8_trim(&s) != 0) {
		terr(t, "%s is not UTF-8 text", rel);
		goto fail;
	}
	if (s.len > TEXT_MAX) {
		terr(t, "%s: %zu bytes selected, more than a read returns "
		    "(%d); ask for lines \"A-B\" or offset/length", rel, s.len,
		    TEXT_MAX);
		goto fail;
	}
	if (r.unit == RANGE_LINES)
		range = json_pack("{s:s, s:I, s:I}", "unit", "lines",
		    "start", (json_int_t)(s.first != 0 ? s.first : r.from),
		    "count", (json_int_t)(s.first != 0 ?
		    s.last - s.first + 1 : 0));
	else if (r.unit == RANGE_BYTES)
		range = json_pack("{s:s, s:I, s:I}", "unit", "bytes",
		    "start", (json_int_t)(s.first != 0 ? s.first - 1 :
		    r.from - 1), "count", (json_int_t)s.len);
	out = json_pack("{s:o, s:s, s:s%, s:I, s:I, s:o}", "doc",
	    jstr(meta->doc), "part", part, "text", s.text != NULL ? s.text :
	    "", s.len, "total_bytes", (json_int_t)s.size, "total_lines",
	    (json_int_t)s.lines, "range", range != NULL ? range : json_null());
	if (out == NULL)
		terr(t, "%s is not UTF-8 text", rel);
	free(s.text);
	msg_free(&m);
	return out;
fail:
	free(s.text);
	msg_free(&m);
	return NULL;
badlines:
	terr(t, "lines \"%s\": expected A-B (1-based, A <= B), A- or A",
	    lines);
	return NULL;
}

static json_t *
tool_list(json_t *args, struct tool_error *t)
{
	uint64_t	 off, limit;
	json_t		*docs, *out;
	int		 more;

	if (arg_cursor(args, &off, NULL, t) == -1 ||
	    arg_uint(args, "limit", LIST_PAGE, 1, LIST_MAX, &limit, t) == -1)
		return NULL;
	docs = json_array();
	if (doc_page(off, limit, doc_json, docs, &more, NULL, t) == -1) {
		json_decref(docs);
		return NULL;
	}
	out = json_pack("{s:o}", "documents", docs);
	if (more)
		json_object_set_new(out, "nextCursor",
		    cursor_of(off + limit));
	return out;
}

static json_t *
job_json(const Kbd__JobSummary *s)
{
	json_t	*o;

	o = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:o}", "job", (json_int_t)s->job, "state",
	    job_state_str(s->state), "added", (json_int_t)s->added,
	    "duplicates", (json_int_t)s->duplicates, "skipped",
	    (json_int_t)s->skipped, "failed", (json_int_t)s->failed,
	    "cancelled", (json_int_t)s->cancelled, "created",
	    (json_int_t)s->created, "finished", (json_int_t)s->finished,
	    "error", jstr(s->error));
	/* As kbctl jobs --json: a full-text rebuild's job, or one under
	 * way, with its progress (docs/json.md). */
	if (s->kind != NULL && s->kind[0] != '\0')
		json_object_set_new(o, "kind", json_string(s->kind));
	if (s->index_rebuilding || (s->kind != NULL &&
	    strcmp(s->kind, "reindex") == 0)) {
		json_object_set_new(o, "index_rebuilding",
		    json_boolean(s->index_rebuilding));
		json_object_set_new(o, "index_done",
		    json_integer((json_int_t)s->index_done));
		json_object_set_new(o, "index_total",
		    json_integer((json_int_t)s->index_total));
	}
	return o;
}

static json_t *
tool_status(json_t *args, struct tool_error *t)
{
	Kbd__JobsReq	 req = KBD__JOBS_REQ__INIT;
	Kbd__JobsRep	*rep;
	Kbd__JobSummary	*s;
	struct msg	 m;
	uint64_t	 ndocs;
	json_t		*running, *last = NULL;
	size_t		 i;
	int		 more;

	(void)args;
	if (doc_page(0, 0, NULL, NULL, &more, &ndocs, t) == -1)
		return NULL;
	req.limit = 100;
	if (kb_call(MSG_JOBS_REQ, &req.base, &m, MSG_JOBS_REP, t) == -1)
		return NULL;
	rep = (Kbd__JobsRep *)m.pb;
	running = json_array();
	for (i = 0; i < rep->n_jobs; i++) {
		s = rep->jobs[i];
		if (i == 0)
			last = job_json(s);
		if (s->state == KBD__JOB_STATE__JOB_QUEUED ||
		    s->state == KBD__JOB_STATE__JOB_RUNNING)
			json_array_append_new(running, job_json(s));
	}
	msg_free(&m);
	return json_pack("{s:s, s:I, s:o, s:o}", "kb", kb_root(),
	    "documents", (json_int_t)ndocs, "running_jobs", running,
	    "last_job", last != NULL ? last : json_null());
}

/*
 * Follow a job to its summary on the connection its add (or a wait)
 * was sent on, listing failed files; a lost connection is opened again
 * and the job followed anew (a sealed job is summarized at once).
 */
static json_t *
follow_job(uint64_t job, struct tool_error *t)
{
	Kbd__WaitReq	 req = KBD__WAIT_REQ__INIT;
	Kbd__FileEvent	*ev;
	struct timespec	 nap = { 0, 100 * 1000 * 1000 };
	struct msg	 m;
	json_t		*failures, *out;
	int		 lost, tries = 0;

	failures = json_array();
	for (;;) {
		if (kb_recv(&m, &lost, t) == -1) {
			if (!lost)
				goto fail;
			req.job = job;
			while (kb_send(MSG_WAIT_REQ, &req.base, t) == -1) {
				if (++tries >= RECONNECT_TRIES) {
					terr(t, "lost connection to kbd while "
					    "following job %" PRIu64 " (kbctl "
					    "wait %" PRIu64 " follows it)",
					    job, job);
					goto fail;
				}
				(void)nanosleep(&nap, NULL);
			}
			continue;
		}
		if (m.type == MSG_JOB_SUMMARY)
			break;
		if (m.type == MSG_STOPPED) {
			terr(t, "kbd was stopped; job %" PRIu64 " resumes when "
			    "kbd starts again", job);
			msg_free(&m);
			kb_drop();
			goto fail;
		}
		if (m.type == MSG_FILE_EVENT) {
			ev = (Kbd__FileEvent *)m.pb;
			if (ev->status == KBD__FILE_STATUS__FS_FAILED &&
			    json_array_size(failures) < FAILURES_MAX)
				json_array_append_new(failures,
				    json_pack("{s:o, s:o}", "path",
				    jstr(ev->path), "reason",
				    jstr(ev->reason)));
		}
		msg_free(&m);
	}
	out = job_json((Kbd__JobSummary *)m.pb);
	msg_free(&m);
	json_object_set_new(out, "failures", failures);
	return out;
fail:
	json_decref(failures);
	return NULL;
}

static json_t *
tool_add(json_t *args, struct tool_error *t)
{
	Kbd__AddReq	 req = KBD__ADD_REQ__INIT;
	struct msg	 m;
	const char	**paths;
	json_t		*w;
	uint64_t	 job;
	size_t		 n, i;
	int		 wait, rc;

	if (arg_strings(args, "paths", &paths, &n, t) == -1)
		return NULL;
	/*
	 * A relative path would be taken from wherever the client started
	 * kbctl mcp, which an agent does not know: refused.
	 */
	for (i = 0; i < n; i++)
		if (paths[i][0] != '/') {
			terr(t, "%s: not an absolute path", paths[i]);
			free(paths);
			return NULL;
		}
	w = json_object_get(args, "wait");
	if (w != NULL && !json_is_boolean(w)) {
		terr(t, "wait must be a boolean");
		free(paths);
		return NULL;
	}
	wait = w == NULL || json_is_true(w);
	req.n_paths = n;
	req.paths = (char **)paths;
	req.follow = wait;
	req.progress = KBD__PROGRESS_LEVEL__PROGRESS_NONE;
	rc = kb_call(MSG_ADD_REQ, &req.base, &m, MSG_ADD_REP, t);
	free(paths);
	if (rc == -1)
		return NULL;
	job = ((Kbd__AddRep *)m.pb)->job;
	msg_free(&m);
	if (!wait)
		return json_pack("{s:I, s:s}", "job", (json_int_t)job,
		    "state", "queued");
	return follow_job(job, t);
}

static json_t *
tool_remove(json_t *args, struct tool_error *t)
{
	Kbd__RemoveReq	 req = KBD__REMOVE_REQ__INIT;
	Kbd__RemoveRep	*rep;
	Kbd__ItemResult	*r;
	struct msg	 m;
	const char	**docs;
	json_t		*removed, *missing, *failed;
	size_t		 n, i;
	int		 rc;

	if (arg_strings(args, "docs", &docs, &n, t) == -1)
		return NULL;
	req.n_docs = n;
	req.docs = (char **)docs;
	rc = kb_call(MSG_REMOVE_REQ, &req.base, &m, MSG_REMOVE_REP, t);
	free(docs);
	if (rc == -1)
		return NULL;
	rep = (Kbd__RemoveRep *)m.pb;
	if (rep->error != NULL && rep->error[0] != '\0') {
		terr(t, "remove failed: %s", rep->error);
		msg_free(&m);
		return NULL;
	}
	removed = json_array();
	missing = json_array();
	failed = json_array();
	for (i = 0; i < rep->n_results; i++) {
		r = rep->results[i];
		if (r->status == KBD__FILE_STATUS__FS_REMOVED)
			json_array_append_new(removed, jstr(r->doc));
		else if (r->status == KBD__FILE_STATUS__FS_NOT_FOUND)
			json_array_append_new(missing, jstr(r->doc));
		else
			json_array_append_new(failed, json_pack("{s:o, s:o}",
			    "doc", jstr(r->doc), "reason", jstr(r->reason)));
	}
	msg_free(&m);
	return json_pack("{s:o, s:o, s:o}", "removed", removed, "not_found",
	    missing, "failed", failed);
}

/*
 * The tools: name, what they take and return (JSON Schema), annotations
 * (read-only, destructive, idempotent) and whether --read-only hides them.
 */
#define JOB_PROPS \
	"\"job\":{\"type\":\"integer\"},\"state\":{\"type\":\"string\"}," \
	"\"added\":{\"type\":\"integer\"},\"duplicates\":{\"type\":\"integer\"}," \
	"\"skipped\":{\"type\":\"integer\"},\"failed\":{\"type\":\"integer\"}," \
	"\"cancelled\":{\"type\":\"integer\"},\"created\":{\"type\":\"integer\"}," \
	"\"finished\":{\"type\":\"integer\"},\"error\":{\"type\":\"string\"}," \
	"\"kind\":{\"type\":\"string\"}," \
	"\"index_rebuilding\":{\"type\":\"boolean\"}," \
	"\"index_done\":{\"type\":\"integer\"}," \
	"\"index_total\":{\"type\":\"integer\"}"
#define JOB_SCHEMA \
	"{\"type\":\"object\",\"properties\":{" JOB_PROPS "}," \
	"\"required\":[\"job\",\"state\"]}"

static const struct tool {
	const char	*name;
	const char	*title;
	const char	*description;
	const char	*input;
	const char	*output;
	int		 ro, destructive, idempotent, writes;
	json_t		*(*fn)(json_t *, struct tool_error *);
} tools[] = {
	{ "search", "Search the knowledge base",
	  "Full-text search of the documents, in kbd's query language (as "
	  "kbctl search); best hits first, paged by offset.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"query\":{\"type\":\"string\",\"description\":\"the query\"},"
	  "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,"
	  "\"default\":10},"
	  "\"offset\":{\"type\":\"integer\",\"minimum\":0,\"default\":0}},"
	  "\"required\":[\"query\"]}",
	  "{\"type\":\"object\",\"properties\":{\"hits\":{\"type\":\"array\","
	  "\"items\":{\"type\":\"object\",\"properties\":{"
	  "\"doc\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
	  "\"snippet\":{\"type\":\"string\"},\"score\":{\"type\":\"number\"},"
	  "\"wiki_path\":{\"type\":\"string\"},"
	  "\"source_path\":{\"type\":\"string\"},"
	  "\"language\":{\"type\":\"string\"}},"
	  "\"required\":[\"doc\",\"title\",\"snippet\",\"score\","
	  "\"wiki_path\",\"source_path\"]}},"
	  "\"offset\":{\"type\":\"integer\"},\"more\":{\"type\":\"boolean\"},"
	  "\"index_incomplete\":{\"type\":\"boolean\"}},"
	  "\"required\":[\"hits\",\"offset\",\"more\"]}",
	  1, 0, 1, 0, tool_search },
	{ "read", "Read a document",
	  "A document's Markdown (part source), its summary page (summary) "
	  "or its record (meta, as JSON text). For a long document ask for "
	  "lines \"A-B\" (1-based, inclusive) or offset/length in bytes; "
	  "total_bytes and total_lines give its size. At most 1 MiB a read.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"doc\":{\"type\":\"string\",\"description\":\"document name\"},"
	  "\"part\":{\"type\":\"string\",\"enum\":[\"source\",\"summary\","
	  "\"meta\"],\"default\":\"source\"},"
	  "\"lines\":{\"type\":\"string\",\"description\":\"A-B, A- or A\"},"
	  "\"offset\":{\"type\":\"integer\",\"minimum\":0},"
	  "\"length\":{\"type\":\"integer\",\"minimum\":1,"
	  "\"maximum\":1048576}},\"required\":[\"doc\"]}",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"doc\":{\"type\":\"string\"},\"part\":{\"type\":\"string\"},"
	  "\"text\":{\"type\":\"string\"},"
	  "\"total_bytes\":{\"type\":\"integer\"},"
	  "\"total_lines\":{\"type\":\"integer\"},"
	  "\"range\":{\"type\":[\"object\",\"null\"],\"properties\":{"
	  "\"unit\":{\"type\":\"string\",\"enum\":[\"lines\",\"bytes\"]},"
	  "\"start\":{\"type\":\"integer\"},\"count\":{\"type\":\"integer\"}}}},"
	  "\"required\":[\"doc\",\"part\",\"text\",\"total_bytes\","
	  "\"total_lines\",\"range\"]}",
	  1, 0, 1, 0, tool_read },
	{ "list", "List the documents",
	  "The documents in the order they were added, a page at a time: "
	  "pass nextCursor back as cursor for the next page.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"cursor\":{\"type\":\"string\"},"
	  "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,"
	  "\"default\":100}}}",
	  "{\"type\":\"object\",\"properties\":{\"documents\":{\"type\":"
	  "\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
	  "\"doc\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
	  "\"wiki_path\":{\"type\":\"string\"},"
	  "\"source_path\":{\"type\":\"string\"},"
	  "\"size\":{\"type\":\"integer\"},\"hash\":{\"type\":\"string\"},"
	  "\"language\":{\"type\":\"string\"}},"
	  "\"required\":[\"doc\",\"title\",\"wiki_path\",\"source_path\"]}},"
	  "\"nextCursor\":{\"type\":\"string\"}},\"required\":[\"documents\"]}",
	  1, 0, 1, 0, tool_list },
	{ "status", "Knowledge base status",
	  "The KB's root, its document count, the jobs queued or running "
	  "and the newest job.",
	  "{\"type\":\"object\",\"properties\":{}}",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"kb\":{\"type\":\"string\"},\"documents\":{\"type\":\"integer\"},"
	  "\"running_jobs\":{\"type\":\"array\",\"items\":" JOB_SCHEMA "},"
	  "\"last_job\":{\"type\":[\"object\",\"null\"],\"properties\":{"
	  JOB_PROPS "}}},"
	  "\"required\":[\"kb\",\"documents\",\"running_jobs\",\"last_job\"]}",
	  1, 0, 1, 0, tool_status },
	{ "add", "Add files",
	  "Add files and directories (recursively, as kbctl add; absolute "
	  "paths on the server's host). With wait (the default) the call "
	  "returns when the job ends, with its counts and failed files; "
	  "without, at once with the job's id.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"paths\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
	  "\"minItems\":1},"
	  "\"wait\":{\"type\":\"boolean\",\"default\":true}},"
	  "\"required\":[\"paths\"]}",
	  "{\"type\":\"object\",\"properties\":{" JOB_PROPS ","
	  "\"failures\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	  "\"properties\":{\"path\":{\"type\":\"string\"},"
	  "\"reason\":{\"type\":\"string\"}}}}},\"required\":[\"job\"]}",
	  0, 0, 1, 1, tool_add },
	{ "remove", "Remove documents",
	  "Remove documents by name: their files, registry rows and index "
	  "entries.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"docs\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
	  "\"minItems\":1}},\"required\":[\"docs\"]}",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"removed\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	  "\"not_found\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	  "\"failed\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}},"
	  "\"required\":[\"removed\",\"not_found\",\"failed\"]}",
	  0, 1, 1, 1, tool_remove },
};
#define NTOOLS	(sizeof(tools) / sizeof(tools[0]))

static json_t	*tool_list_reply;

static json_t *
schema(const char *text, const char *tool)
{
	json_error_t	 err;
	json_t		*v;

	if ((v = json_loads(text, 0, &err)) == NULL)
		die("tool %s: bad schema: %s", tool, err.text);
	return v;
}

/* Parse the schemas once: a mistake in one shows at once. */
void
mcp_tools_init(int ro)
{
	const struct tool	*tl;
	json_t			*list;
	size_t			 i;

	read_only = ro;
	list = json_array();
	for (i = 0; i < NTOOLS; i++) {
		tl = &tools[i];
		if (read_only && tl->writes)
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o, "
		    "s:o, s:{s:s, s:b, s:b, s:b, s:b}}", "name", tl->name,
		    "title", tl->title, "description", tl->description,
		    "inputSchema", schema(tl->input, tl->name),
		    "outputSchema", schema(tl->output, tl->name),
		    "annotations", "title", tl->title, "readOnlyHint", tl->ro,
		    "destructiveHint", tl->destructive, "idempotentHint",
		    tl->idempotent, "openWorldHint", 0));
	}
	tool_list_reply = json_pack("{s:o}", "tools", list);
}

json_t *
mcp_tools_list(json_t *params, struct rpc_error *e)
{
	(void)params;
	(void)e;
	return json_incref(tool_list_reply);
}

json_t *
mcp_tools_call(json_t *params, struct rpc_error *e)
{
	struct tool_error	 t;
	const struct tool	*tl = NULL;
	const char		*name;
	json_t			*args, *out, *reply;
	char			*text;
	size_t			 i;

	if ((name = json_string_value(json_object_get(params, "name"))) ==
	    NULL) {
		rpc_fail(e, RPC_INVALID_PARAMS, "tools/call: name must be a "
		    "string");
		return NULL;
	}
	for (i = 0; i < NTOOLS; i++)
		if (strcmp(tools[i].name, name) == 0 &&
		    !(read_only && tools[i].writes))
			tl = &tools[i];
	if (tl == NULL) {
		rpc_fail(e, RPC_INVALID_PARAMS, "unknown tool: %s%s", name,
		    read_only ? " (kbctl mcp --read-only)" : "");
		return NULL;
	}
	args = json_object_get(params, "arguments");
	if (args != NULL && !json_is_object(args)) {
		rpc_fail(e, RPC_INVALID_PARAMS, "tools/call: arguments must "
		    "be an object");
		return NULL;
	}
	memset(&t, 0, sizeof(t));
	if (args == NULL)
		args = json_object();
	else
		json_incref(args);
	out = tl->fn(args, &t);
	json_decref(args);
	if (out == NULL) {
		if (t.msg[0] == '\0')
			terr(&t, "%s failed", name);
		fprintf(stderr, "kbctl mcp: %s: %s\n", name, t.msg);
		return json_pack("{s:[{s:s, s:s}], s:b}", "content", "type",
		    "text", "text", t.msg, "isError", 1);
	}
	if ((text = json_dumps(out, JSON_COMPACT)) == NULL)
		die("out of memory");
	reply = json_pack("{s:[{s:s, s:s}], s:o, s:b}", "content", "type",
	    "text", "text", text, "structuredContent", out, "isError", 0);
	free(text);
	return reply;
}

/* Resources */

