# kbctl mcp: the Model Context Protocol server on stdio, driven by the
# official client (@modelcontextprotocol/sdk from npm, StdioClientTransport;
# mcp_client.mjs) on a real KB: initialize, every tool, resources with
# pagination, a tool error, malformed lines, a kbd restart, --read-only.
# Then raw JSON-RPC lines: version negotiation and EOF.
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)

mcp_sdk

mkdir -p "$T/in" "$T/more"
printf 'line one\nline two \303\274n\303\257code filler\nline three\nline four\n' \
    > "$T/in/alpha-notes.txt"
printf '# Beta\n\nSome beta text here, filler.\n' > "$T/in/beta.md"
# Enough documents for resources/list to take more than one page (100).
i=0
while [ $i -lt 110 ]; do
	printf 'Note %d\n\nfiller words for note %d\n' $i $i > "$T/in/note-$i.txt"
	i=$((i + 1))
done
printf '# Gamma\n\nA zebrafish swims.\n' > "$T/more/gamma.md"
printf '# Delta\n\nAnother one.\n' > "$T/more/delta.md"

kbctl init >/dev/null
kbctl add -q "$T/in" >/dev/null
n=$(doc_count)
assert_eq 112 "$n" "documents"

node "$here/mcp_client.mjs" "$NPMDIR" "$KBCTL" "$KB" full "$n" \
    "$T/more/gamma.md" "$T/more/delta.md" ||
    fail "the MCP client (full)"
node "$here/mcp_client.mjs" "$NPMDIR" "$KBCTL" "$KB" readonly ||
    fail "the MCP client (read-only)"
# What the client removed and added is what kbd holds.
assert_eq 113 "$(doc_count)" "documents after add and remove"
lint_clean

# Raw lines: each revision spoken is agreed; an older or unknown one gets
# the newest; nothing but replies on standard output.
init() {
	printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}\n' "$1"
}
for v in 2025-11-25 2025-06-18; do
	got=$(init $v | kbctl mcp 2>/dev/null | jq -r .result.protocolVersion)
	assert_eq "$v" "$got" "protocol $v agreed"
done
got=$(init 2024-11-05 | kbctl mcp 2>/dev/null | jq -r .result.protocolVersion)
assert_eq 2025-11-25 "$got" "an older revision answered with the newest"

out=$( { init 2025-11-25
	echo 'not json'
	echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
	echo '{"jsonrpc":"2.0","id":2,"method":"ping"}'
	echo '[{"jsonrpc":"2.0","id":3,"method":"ping"}]'
	echo '{"jsonrpc":"1.0","id":4,"method":"ping"}'
	echo '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"read","arguments":{"doc":"nope"}}}'
	echo '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5}}'
	echo '{"jsonrpc":"2.0","id":6,"method":"resources/list","params":{"cursor":"x"}}'
	echo '42'
	echo '{"jsonrpc":"2.0","id":8,"id":9,"method":"ping"}'
	echo '{"jsonrpc":"2.0","id":10,"method":"resources/read","params":{"uri":"kb://beta/summary"}}'
      } | kbctl mcp 2>"$T/mcp.err")
assert_eq 10 "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "one reply per request"
assert_eq "-32700" "$(printf '%s\n' "$out" | sed -n 2p | jq .error.code)" "parse error"
assert_eq "null" "$(printf '%s\n' "$out" | sed -n 2p | jq .id)" "parse error id"
assert_eq "{}" "$(printf '%s\n' "$out" | sed -n 3p | jq -c .result)" "ping"
assert_eq "-32600" "$(printf '%s\n' "$out" | sed -n 4p | jq .error.code)" "batch"
assert_eq "-32600" "$(printf '%s\n' "$out" | sed -n 5p | jq .error.code)" "jsonrpc 1.0"
assert_eq "true" "$(printf '%s\n' "$out" | sed -n 6p | jq .result.isError)" "tool error"
assert_eq "-32602" "$(printf '%s\n' "$out" | sed -n 7p | jq .error.code)" "bad cursor"
assert_eq "-32600" "$(printf '%s\n' "$out" | sed -n 8p | jq .error.code)" "a bare number"
assert_eq "-32700" "$(printf '%s\n' "$out" | sed -n 9p | jq .error.code)" "a duplicate key"
printf '%s\n' "$out" | sed -n 10p | jq -j '.result.contents[0].text' > "$T/summary.md"
cmp -s "$T/summary.md" "$KB/wiki/summaries/beta.md" || fail "resources/read after errors"
assert_contains "$(cat "$T/mcp.err")" "kbctl mcp: serving $KB" "log on stderr"

# EOF on standard input: exit 0. A directory that is no KB: a usage error.
expect_status 0 kbctl mcp </dev/null
expect_status 2 "$KBCTL" mcp -C "$T/in" </dev/null
