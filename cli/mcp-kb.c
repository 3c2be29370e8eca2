/*
 * kbctl mcp's side of kbd: the one persistent connection (opened at the
 * first call, starting kbd like every kbctl command, and opened again
 * when kbd went away), the document pages and records the tools and
 * resources share, and the resources themselves: each document as
 * kb://DOC (text/markdown), its summary page and its record as
 * kb://DOC/summary and kb://DOC/meta.
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbctl.h"
#include "mcp.h"

#define RESOURCE_MAX	(8 * 1024 * 1024)	/* a resource's text */

static struct conn	kbc = { .fd = -1 };

void
terr(struct tool_error *t, const char *fmt, ...)
{
	va_list	ap;
	char	*p;

	va_start(ap, fmt);
	(void)vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	/* One line. */
	for (p = t->msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

int
kb_connect(struct tool_error *t)
{
	if (kbc.fd != -1)
		return 0;
	if (conn_reopen(&kbc, kb_root()) == -1) {
		terr(t, "kbd for %s cannot be reached now (starting or "
		    "stopping); try again", kb_root());
		return -1;
	}
	return 0;
}

void
kb_drop(void)
{
	conn_close(&kbc);
}

/*
 * The next message on the connection; kbd's error becomes the reason.
 * A lost connection is -1 with lost set.
 */
int
kb_recv(struct msg *m, int *lost, struct tool_error *t)
{
	*lost = 0;
	if (conn_tryrecv_any(&kbc, m) == -1) {
		kb_drop();
		*lost = 1;
		terr(t, "lost connection to kbd");
		return -1;
	}
	if (m->type == MSG_ERROR) {
		terr(t, "%s", ((Kbd__ErrorMsg *)m->pb)->message);
		msg_free(m);
		/* kbd may close after an error: start afresh next time. */
		kb_drop();
		return -1;
	}
	return 0;
}

/*
 * Send a request and receive its first reply, of type expect. A
 * connection found lost (kbd restarted since the last call) is opened
 * again and the request sent once more.
 */
int
kb_call(uint32_t type, const ProtobufCMessage *req, struct msg *m,
    uint32_t expect, struct tool_error *t)
{
	int	try, lost;

	for (try = 0; try < 2; try++) {
		if (kb_connect(t) == -1)
			return -1;
		if (conn_trysend(&kbc, type, req) == -1) {
			kb_drop();
			terr(t, "lost connection to kbd");
			continue;
		}
		if (kb_recv(m, &lost, t) == -1) {
			if (lost)
				continue;
			return -1;
		}
		if (m->type != expect) {
			terr(t, "unexpected %s message from kbd",
			    msg_type_name(m->type));
			msg_free(m);
			kb_drop();
			return -1;
		}
		return 0;
	}
	return -1;
}

/* Send a request on the connection as it is (a follower's WAIT). */
int
kb_send(uint32_t type, const ProtobufCMessage *req, struct tool_error *t)
{
	if (kb_connect(t) == -1)
		return -1;
	if (conn_trysend(&kbc, type, req) == -1) {
		kb_drop();
		terr(t, "lost connection to kbd");
		return -1;
	}
	return 0;
}

/* A cursor is the decimal offset of the next item, as text. */
int
arg_cursor(json_t *args, uint64_t *off, struct rpc_error *e,
    struct tool_error *t)
{
	const char	*s;
	char		*end;

	*off = 0;
	if ((s = json_string_value(json_object_get(args, "cursor"))) == NULL) {
		if (json_object_get(args, "cursor") == NULL ||
		    json_is_null(json_object_get(args, "cursor")))
			return 0;
	} else {
		errno = 0;
		*off = strtoull(s, &end, 10);
		if (*s >= '0' && *s <= '9' && *end == '\0' && errno == 0)
			return 0;
	}
	if (e != NULL)
		rpc_fail(e, RPC_INVALID_PARAMS, "invalid cursor");
	if (t != NULL)
		terr(t, "invalid cursor");
	return -1;
}

json_t *
cursor_of(uint64_t off)
{
	char	buf[32];

	(void)snprintf(buf, sizeof(buf), "%" PRIu64, off);
	return json_string(buf);
}

/* kbd's strings are UTF-8 it checked; jansson checks again. */
json_t *
jstr(const char *s)
{
	json_t	*v;

	if ((v = json_string(s != NULL ? s : "")) == NULL)
		v = json_string("(not UTF-8)");
	return v;
}

/*
 * The documents from off on, at most limit of them, in registry order.
 * kbd streams the whole registry in chunks: those before off are skipped
 * and the rest drained, so the connection stays in step. more says
 * whether documents follow the page.
 */
int
doc_page(uint64_t off, uint64_t limit, json_t *(*item)(const Kbd__DocInfo *),
    json_t *out, int *more, uint64_t *total, struct tool_error *t)
{
	Kbd__ListReq	 req = KBD__LIST_REQ__INIT;
	Kbd__ListChunk	*chunk;
	struct msg	 m;
	uint64_t	 n = 0;
	size_t		 i;
	int		 last, lost;

	*more = 0;
	if (kb_call(MSG_LIST_REQ, &req.base, &m, MSG_LIST_CHUNK, t) == -1)
		return -1;
	for (;;) {
		chunk = (Kbd__ListChunk *)m.pb;
		for (i = 0; i < chunk->n_docs; i++, n++) {
			if (n < off || out == NULL)
				continue;
			if (n - off >= limit)
				*more = 1;
			else
				json_array_append_new(out,
				    item(chunk->docs[i]));
		}
		last = chunk->last;
		msg_free(&m);
		if (last)
			break;
		if (kb_recv(&m, &lost, t) == -1)
			return -1;
		if (m.type != MSG_LIST_CHUNK) {
			terr(t, "unexpected %s message from kbd",
			    msg_type_name(m.type));
			msg_free(&m);
			kb_drop();
			return -1;
		}
	}
	if (total != NULL)
		*total = n;
	return 0;
}

/* kb://DOC: the document's name, percent-encoded where need be. */
static json_t *
doc_uri(const char *doc, const char *suffix)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*buf, *q;
	json_t			*v;

	q = buf = emalloc(strlen("kb://") + 3 * strlen(doc) +
	    strlen(suffix) + 1);
	q += sprintf(q, "kb://");
	for (p = (const unsigned char *)doc; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL)
			*q++ = (char)*p;
		else {
			*q++ = '%';
			*q++ = hex[*p >> 4];
			*q++ = hex[*p & 15];
		}
	}
	strcpy(q, suffix);
	v = json_string(buf);
	free(buf);
	return v;
}

static json_t *
resource_json(const Kbd__DocInfo *d)
{
	return json_pack("{s:o, s:o, s:o, s:s}", "uri", doc_uri(d->doc, ""),
	    "name", jstr(d->doc), "title", jstr(d->title),
	    "mimeType", "text/markdown");
}

/* One document's record, or a reason naming the closest names. */
int
doc_meta(const char *doc, struct msg *m, Kbd__DocMeta **meta,
    struct tool_error *t)
{
	Kbd__ShowReq	 req = KBD__SHOW_REQ__INIT;
	Kbd__ShowRep	*rep;
	size_t		 i, len;

	req.doc = (char *)doc;
	if (kb_call(MSG_SHOW_REQ, &req.base, m, MSG_SHOW_REP, t) == -1)
		return -1;
	rep = (Kbd__ShowRep *)m->pb;
	if ((*meta = rep->meta) != NULL)
		return 0;
	len = (size_t)snprintf(t->msg, sizeof(t->msg), "no document named "
	    "\"%s\"", doc);
	for (i = 0; i < rep->n_similar && len < sizeof(t->msg); i++)
		len += (size_t)snprintf(t->msg + len, sizeof(t->msg) - len,
		    "%s%s", i == 0 ? "; did you mean " : i + 1 ==
		    rep->n_similar ? " or " : ", ", rep->similar[i]);
	if (rep->n_similar > 0 && len < sizeof(t->msg))
		(void)snprintf(t->msg + len, sizeof(t->msg) - len, "?");
	msg_free(m);
	return -1;
}

/* Resources */

json_t *
mcp_resources_list(json_t *params, struct rpc_error *e)
{
	struct tool_error	 t;
	uint64_t		 off;
	json_t			*list, *out;
	int			 more;

	if (arg_cursor(params, &off, e, NULL) == -1)
		return NULL;
	list = json_array();
	if (doc_page(off, LIST_PAGE, resource_json, list, &more, NULL,
	    &t) == -1) {
		json_decref(list);
		rpc_fail(e, RPC_INTERNAL_ERROR, "%s", t.msg);
		return NULL;
	}
	out = json_pack("{s:o}", "resources", list);
	if (more)
		json_object_set_new(out, "nextCursor",
		    cursor_of(off + LIST_PAGE));
	return out;
}

json_t *
mcp_resource_templates(json_t *params, struct rpc_error *e)
{
	(void)params;
	(void)e;
	return json_pack("{s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}, "
	    "{s:s, s:s, s:s, s:s}]}", "resourceTemplates",
	    "uriTemplate", "kb://{doc}", "name", "document",
	    "description", "A document's Markdown", "mimeType",
	    "text/markdown",
	    "uriTemplate", "kb://{doc}/summary", "name", "summary",
	    "description", "A document's summary page", "mimeType",
	    "text/markdown",
	    "uriTemplate", "kb://{doc}/meta", "name", "meta",
	    "description", "A document's record (title, paths, hash, "
	    "size, format, outline, keywords)", "mimeType",
	    "application/json");
}

static int
unhex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

json_t *
mcp_resources_read(json_t *params, struct rpc_error *e)
{
	struct tool_error	 t;
	struct range		 r = { RANGE_NONE, 1, UINT64_MAX };
	struct sel		 s;
	struct msg		 m;
	Kbd__DocMeta		*meta;
	const char		*uri, *p, *mime = "text/markdown";
	char			*doc, *q, *text = NULL;
	size_t			 len;
	int			 part = 0;	/* source, summary, meta */
	json_t			*out = NULL;

	if ((uri = json_string_value(json_object_get(params, "uri"))) ==
	    NULL) {
		rpc_fail(e, RPC_INVALID_PARAMS, "resources/read: uri must be "
		    "a string");
		return NULL;
	}
	if (strncmp(uri, "kb://", 5) != 0 || uri[5] == '\0') {
		rpc_fail(e, MCP_RESOURCE_NOT_FOUND, "resource not found: %s "
		    "(kbctl mcp serves kb://DOC)", uri);
		return NULL;
	}
	len = strlen(uri + 5);
	if (len > 8 && strcmp(uri + 5 + len - 8, "/summary") == 0) {
		part = 1;
		len -= 8;
	} else if (len > 5 && strcmp(uri + 5 + len - 5, "/meta") == 0) {
		part = 2;
		len -= 5;
		mime = "application/json";
	}
	q = doc = emalloc(len + 1);
	for (p = uri + 5; p < uri + 5 + len; p++) {
		if (*p == '%' && p + 2 < uri + 5 + len &&
		    unhex(p[1]) != -1 && unhex(p[2]) != -1) {
			*q++ = (char)(unhex(p[1]) * 16 + unhex(p[2]));
			p += 2;
		} else
			*q++ = *p;
	}
	*q = '\0';
	memset(&t, 0, sizeof(t));
	if (doc_meta(doc, &m, &meta, &t) == -1) {
		rpc_fail(e, strncmp(t.msg, "no document", 11) == 0 ?
		    MCP_RESOURCE_NOT_FOUND : RPC_INTERNAL_ERROR, "%s", t.msg);
		free(doc);
		return NULL;
	}
	free(doc);
	if (part == 2)
		text = show_meta_json(meta);
	else if (show_select(part == 0 ? meta->source : meta->summary, &r, &s,
	    t.msg, sizeof(t.msg)) == -1)
		rpc_fail(e, RPC_INTERNAL_ERROR, "%s", t.msg);
	else if (s.len > RESOURCE_MAX) {
		rpc_fail(e, RPC_INTERNAL_ERROR, "%s: %zu bytes, more than a "
		    "resource returns (8 MiB); use the read tool with a range",
		    uri, s.len);
		free(s.text);
	} else
		text = s.text != NULL ? s.text : estrdup("");
	if (text != NULL) {
		out = json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri",
		    uri, "mimeType", mime, "text", text);
		if (out == NULL)
			rpc_fail(e, RPC_INTERNAL_ERROR, "%s is not UTF-8 text",
			    uri);
		free(text);
	}
	msg_free(&m);
	return out;
}
