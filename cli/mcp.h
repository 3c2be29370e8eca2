/*
 * kbctl mcp: what the JSON-RPC layer (mcp.c) and the tools and resources
 * (mcp-tools.c) share. The tools take a parsed request and return a
 * jansson reply, with no notion of the transport, so that a transport
 * other than stdio can serve them too.
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

/* mcp-tools.c */
void	 mcp_tools_init(int);
json_t	*mcp_tools_list(json_t *, struct rpc_error *);
json_t	*mcp_tools_call(json_t *, struct rpc_error *);
json_t	*mcp_resources_list(json_t *, struct rpc_error *);
json_t	*mcp_resources_read(json_t *, struct rpc_error *);
json_t	*mcp_resource_templates(json_t *, struct rpc_error *);

#endif /* MCP_H */
