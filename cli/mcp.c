/*
 * kbctl mcp: a Model Context Protocol server on standard input and
 * output. JSON-RPC 2.0, one message per line each way; standard output
 * carries nothing but replies, logs go to standard error. This file is
 * the JSON-RPC layer: the stdio loop, the checks every message passes,
 * the lifecycle (initialize, version negotiation, ping) and the dispatch
 * table of methods. The tools and resources are mcp-tools.c's.
 *
 * A malformed message gets its JSON-RPC error and the server reads on;
 * end of file on standard input ends it with status 0.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbctl.h"
#include "kbd.h"
#include "mcp.h"

/*
 * Protocol revisions spoken, newest first: the newest is what the
 * official SDK (@modelcontextprotocol/sdk 1.32) calls
 * LATEST_PROTOCOL_VERSION; 2025-06-18 is the oldest with structured
 * tool output, which every tool here returns.
 */
static const char *const versions[] = { "2025-11-25", "2025-06-18" };
#define NVERSIONS	(sizeof(versions) / sizeof(versions[0]))

/* A line longer than this is refused unread as an invalid request. */
#define MCP_LINE_MAX	(8 * 1024 * 1024)

static const char	*instructions =
    "A kbd knowledge base: documents converted to Markdown, each with a "
    "summary page and a metadata record. Find documents with search "
    "(full-text query), page through them with list, read one with read "
    "(part source, summary or meta; lines \"A-B\" or offset/length for "
    "long documents: total_bytes and total_lines say how long it is). "
    "Each document is also the resource kb://DOC.";

void
rpc_fail(struct rpc_error *e, int code, const char *fmt, ...)
{
	va_list	ap;

	e->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

static json_t *
m_initialize(json_t *params, struct rpc_error *e)
{
	json_t		*v;
	const char	*want, *agreed = versions[0];
	size_t		 i;

	v = json_object_get(params, "protocolVersion");
	if (!json_is_string(v)) {
		rpc_fail(e, RPC_INVALID_PARAMS, "initialize: protocolVersion "
		    "must be a string");
		return NULL;
	}
	/* The client's revision when spoken here, else our newest. */
	want = json_string_value(v);
	for (i = 0; i < NVERSIONS; i++)
		if (strcmp(want, versions[i]) == 0)
			agreed = versions[i];
	return json_pack("{s:s, s:{s:{s:b}, s:{s:b, s:b}}, "
	    "s:{s:s, s:s, s:s}, s:s}",
	    "protocolVersion", agreed,
	    "capabilities",
	    "tools", "listChanged", 0,
	    "resources", "subscribe", 0, "listChanged", 0,
	    "serverInfo", "name", "kbd", "title", "kbd knowledge base",
	    "version", KBD_VERSION,
	    "instructions", instructions);
}

static json_t *
m_ping(json_t *params, struct rpc_error *e)
{
	(void)params;
	(void)e;
	return json_object();
}

/* Notifications the server takes note of and has nothing to do for. */
static json_t *
m_ignore(json_t *params, struct rpc_error *e)
{
	(void)params;
	(void)e;
	return NULL;
}

/*
 * The methods. A request (with an id) gets the handler's result, or its
 * error; a notification gets nothing, whatever the handler returns.
 */
static const struct method {
	const char	*name;
	json_t		*(*fn)(json_t *, struct rpc_error *);
} methods[] = {
	{ "initialize",			m_initialize },
	{ "ping",			m_ping },
	{ "notifications/initialized",	m_ignore },
	{ "notifications/cancelled",	m_ignore },
	{ "tools/list",			mcp_tools_list },
	{ "tools/call",			mcp_tools_call },
	{ "resources/list",		mcp_resources_list },
	{ "resources/read",		mcp_resources_read },
	{ "resources/templates/list",	mcp_resource_templates },
};
#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

static json_t *
rpc_error_reply(json_t *id, int code, const char *message)
{
	return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0",
	    "id", id != NULL ? id : json_null(), "error", "code", code,
	    "message", message);
}

/*
 * One parsed message: its reply, or NULL when none is due (a
 * notification, or a response from the client, which we never ask for).
 */
json_t *
mcp_handle(json_t *msg)
{
	struct rpc_error	 e;
	const struct method	*m = NULL;
	json_t			*id, *method, *params, *result;
	const char		*name;
	size_t			 i;

	if (json_is_array(msg))
		return rpc_error_reply(NULL, RPC_INVALID_REQUEST,
		    "batches are not supported: one message per line");
	if (!json_is_object(msg))
		return rpc_error_reply(NULL, RPC_INVALID_REQUEST,
		    "a message must be a JSON object");
	id = json_object_get(msg, "id");
	if (id != NULL && !json_is_string(id) && !json_is_integer(id))
		return rpc_error_reply(NULL, RPC_INVALID_REQUEST,
		    "id must be a string or an integer");
	if (!json_is_string(json_object_get(msg, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(msg, "jsonrpc")),
	    "2.0") != 0)
		return rpc_error_reply(id, RPC_INVALID_REQUEST,
		    "jsonrpc must be \"2.0\"");
	method = json_object_get(msg, "method");
	if (method == NULL && id != NULL &&
	    (json_object_get(msg, "result") != NULL ||
	    json_object_get(msg, "error") != NULL))
		return NULL;
	if (!json_is_string(method))
		return rpc_error_reply(id, RPC_INVALID_REQUEST,
		    "method must be a string");
	name = json_string_value(method);
	params = json_object_get(msg, "params");
	if (params != NULL && !json_is_object(params))
		return id == NULL ? NULL : rpc_error_reply(id,
		    RPC_INVALID_PARAMS, "params must be an object");
	for (i = 0; i < NMETHODS; i++)
		if (strcmp(methods[i].name, name) == 0)
			m = &methods[i];
	if (id == NULL) {
		/* A notification: nothing goes back, even for an error. */
		if (m != NULL && strncmp(name, "notifications/", 14) == 0)
			json_decref(m->fn(params, &e));
		return NULL;
	}
	if (m == NULL || strncmp(name, "notifications/", 14) == 0) {
		rpc_fail(&e, RPC_METHOD_NOT_FOUND, "method not found: %s",
		    name);
		return rpc_error_reply(id, e.code, e.message);
	}
	memset(&e, 0, sizeof(e));
	if (params == NULL)
		params = json_object();
	else
		json_incref(params);
	result = m->fn(params, &e);
	json_decref(params);
	if (result == NULL)
		return rpc_error_reply(id, e.code != 0 ? e.code :
		    RPC_INTERNAL_ERROR, e.message);
	return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id,
	    "result", result);
}

/* One message as text: a parse error is answered here. */
json_t *
mcp_handle_text(const char *text, size_t len)
{
	json_error_t	 err;
	json_t		*msg, *reply;
	char		 buf[sizeof(err.text) + 64];

	/* Any JSON value parses: one that is no object is -32600, not -32700. */
	if ((msg = json_loadb(text, len, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, &err)) == NULL) {
		(void)snprintf(buf, sizeof(buf), "parse error at byte %d: %s",
		    err.position, err.text);
		return rpc_error_reply(NULL, RPC_PARSE_ERROR, buf);
	}
	reply = mcp_handle(msg);
	json_decref(msg);
	return reply;
}

static void
send_reply(json_t *reply)
{
	char	*s;

	if ((s = json_dumps(reply, JSON_COMPACT)) == NULL)
		die("out of memory");
	/* The client went away: nothing to say, and nobody to say it to. */
	if (fputs(s, stdout) == EOF || putchar('\n') == EOF ||
	    fflush(stdout) == EOF) {
		if (errno == EPIPE)
			exit(EXIT_OK);
		die_errno("standard output");
	}
	free(s);
}

int
cmd_mcp(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "read-only", no_argument, NULL, 'r' },
		{ "relay", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	json_t		*reply;
	char		*line = NULL;
	size_t		 cap = 0, len;
	ssize_t		 n;
	int		 ch, read_only = 0, relay = 0;

	while ((ch = cmd_getopt(argc, argv, ":hrC:", lo)) != -1) {
		switch (ch) {
		case 'r':
			read_only = 1;
			break;
		case 'R':
			/*
			 * For kbd --listen: one line out for every line in,
			 * empty when no reply is due, so that the HTTP side
			 * knows when to answer 202.
			 */
			relay = 1;
			break;
		case 'C':
			/* -C after the command names the KB as before it. */
			if (optarg[0] == '\0')
				die_usage("-C needs a directory");
			if (setenv("KB_DIR", optarg, 1) == -1)
				die_errno("setenv");
			break;
		}
	}
	if (optind != argc)
		die_usage("unexpected argument: %s", argv[optind]);
	/* The KB is checked now, not at the first tool call. */
	fprintf(stderr, "kbctl mcp: serving %s on standard input and "
	    "output%s\n", kb_root(), read_only ? " (read-only)" : "");
	(void)signal(SIGPIPE, SIG_IGN);
	mcp_tools_init(read_only);

	while ((n = getline(&line, &cap, stdin)) != -1) {
		len = (size_t)n;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			len--;
		if (len == 0 && !relay)
			continue;
		if (len > MCP_LINE_MAX)
			reply = rpc_error_reply(NULL, RPC_INVALID_REQUEST,
			    "message too large (limit 8 MiB)");
		else
			reply = mcp_handle_text(line, len);
		if (reply != NULL) {
			send_reply(reply);
			json_decref(reply);
		} else if (relay && (putchar('\n') == EOF ||
		    fflush(stdout) == EOF))
			exit(EXIT_OK);
	}
	if (ferror(stdin))
		die_errno("standard input");
	free(line);
	return EXIT_OK;
}
