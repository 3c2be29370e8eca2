/*
 * kbctl mcp: what the JSON-RPC layer (mcp.c), the tools (mcp-tools.c) and
 * the kbd side with the resources (mcp-kb.c) share; include after
 * kbctl.h. The tools take a parsed request and return a jansson reply,
 * with no notion of the transport, so that a transport other than stdio
 * can serve them too.
 */
#ifndef MCP_H
#define MCP_H

#include <jansson.h>

/* JSON-RPC 2.0 error codes, and MCP's for an unknown resource. */
#define RPC_PARSE_ERROR		-32700
#define RPC_INVALID_REQUEST	-32600
#define RPC_METHOD_NOT_FOUND	-32601
#define RPC_INVALID_PARAMS	-32602
#define RPC_INTERNAL_ERROR	-32603
#define MCP_RESOURCE_NOT_FOUND	-32002

/* A protocol error: the JSON-RPC error a method answers instead. */
struct rpc_error {
	int	code;
	char	message[512];
};

void	 rpc_fail(struct rpc_error *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* mcp.c: one message in, its reply out (NULL: none, a notification). */
json_t	*mcp_handle(json_t *);
json_t	*mcp_handle_text(const char *, size_t);

/* Page sizes. */
#define LIST_PAGE	100		/* list's and resources/list's default */
#define LIST_MAX	1000

/* A tool's one-line reason for isError. */
struct tool_error {
	char	msg[1024];
};

struct msg;

/* mcp-kb.c */
void	 terr(struct tool_error *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 kb_connect(struct tool_error *);
void	 kb_drop(void);
int	 kb_recv(struct msg *, int *, struct tool_error *);
int	 kb_call(uint32_t, const ProtobufCMessage *, struct msg *, uint32_t,
	    struct tool_error *);
int	 kb_send(uint32_t, const ProtobufCMessage *, struct tool_error *);
int	 arg_cursor(json_t *, uint64_t *, struct rpc_error *,
	    struct tool_error *);
json_t	*cursor_of(uint64_t);
json_t	*jstr(const char *);
int	 doc_page(uint64_t, uint64_t, json_t *(*)(const Kbd__DocInfo *),
	    json_t *, int *, uint64_t *, struct tool_error *);
int	 doc_meta(const char *, struct msg *, Kbd__DocMeta **,
	    struct tool_error *);
json_t	*mcp_resources_list(json_t *, struct rpc_error *);
json_t	*mcp_resources_read(json_t *, struct rpc_error *);
json_t	*mcp_resource_templates(json_t *, struct rpc_error *);

/* mcp-tools.c */
void	 mcp_tools_init(int);
json_t	*mcp_tools_list(json_t *, struct rpc_error *);
json_t	*mcp_tools_call(json_t *, struct rpc_error *);

#endif /* MCP_H */
