#!/bin/bash
# kbd --listen: MCP over Streamable HTTP, driven by the official client
# (@modelcontextprotocol/sdk, StreamableHTTPClientTransport) on a real KB;
# then raw requests: no token or a wrong one (401), a rotated token, GET
# (405), a wrong path (404), a wrong type (415), a body over the cap
# (413), a notification (202); after kbctl stop no relay is left.
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
mcp_sdk

mkdir -p "$T/in"
printf '# Beacon\n\nShe keeps the lighthouse lit.\n' > "$T/in/beacon.md"
printf '# Tide\n\nLow water at noon.\n' > "$T/in/tide.md"
kbctl init >/dev/null
kbctl add "$T/in" >/dev/null
kbctl stop >/dev/null
token=$(kbctl token)
[ ${#token} -eq 64 ] || fail "token: '$token'"
assert_eq "-rw-------" "$(stat -c %A "$KB/.kb/http.token")" "token file mode"
assert_eq "$token" "$(kbctl token)" "the token is kept"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$KBD" -C "$KB" --listen "127.0.0.1:$port"
url="http://127.0.0.1:$port/mcp"
grep -q "serving MCP over HTTP on 127.0.0.1 port $port" "$KB/.kb/kbd.log" ||
    fail "kbd.log does not say it listens"

node "$here/mcp_http_client.mjs" "$NPMDIR" "$url" "$token" 2 ||
    fail "the MCP client over HTTP"

post() {	# TOKEN BODY [CURL ARGS...]: prints the status code
	local tok=$1 body=$2
	shift 2
	curl -s -o "$T/body" -w '%{http_code}' -X POST "$url" \
	    -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' "$@" --data-binary "$body"
}
ping='{"jsonrpc":"2.0","id":7,"method":"ping"}'
assert_eq 200 "$(post "$token" "$ping")" "ping with the token"
assert_eq 7 "$(jq .id "$T/body")" "ping's reply"
assert_eq 401 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" \
    -H 'Content-Type: application/json' -d "$ping")" "no token"
# The token with its last digit changed (to 1 when it is 0: never itself).
case $token in *0) wrong=${token%?}1 ;; *) wrong=${token%?}0 ;; esac
assert_eq 401 "$(post "$wrong" "$ping")" "a wrong token"
assert_eq 405 "$(curl -s -o /dev/null -w '%{http_code}' "$url" \
    -H "Authorization: Bearer $token")" "GET"
assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    "http://127.0.0.1:$port/other" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d "$ping")" "another path"
assert_eq 415 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" \
    -H "Authorization: Bearer $token" -H 'Content-Type: text/plain' \
    -d "$ping")" "text/plain"
head -c 2000000 /dev/zero | tr '\0' ' ' > "$T/big.json"
assert_eq 413 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary @"$T/big.json")" "a body over 1 MiB"
assert_eq 202 "$(post "$token" '{"jsonrpc":"2.0","method":"notifications/initialized"}')" \
    "a notification"
assert_eq 200 "$(post "$token" '{"jsonrpc":"2.0","id":1,"method":"no/such"}')" \
    "an unknown method"
assert_eq -32601 "$(jq .error.code "$T/body")" "an unknown method's error"
assert_eq 200 "$(post "$token" '{not json')" "malformed JSON"
assert_eq -32700 "$(jq .error.code "$T/body")" "malformed JSON's error"

# A rotated token: the old one is refused at once, the new one served.
new=$(kbctl token --rotate)
[ "$new" != "$token" ] || fail "--rotate kept the token"
assert_eq 401 "$(post "$token" "$ping")" "the old token after --rotate"
assert_eq 200 "$(post "$new" "$ping")" "the new token after --rotate"

# Stopping kbd ends its relays.
relays=$(pgrep -f "kbctl -C $KB mcp --relay" | wc -l)
[ "$relays" -ge 1 ] || fail "no relay process while serving"
kbctl stop >/dev/null
i=0
while pgrep -f "kbctl -C $KB mcp --relay" >/dev/null; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "relays left after kbctl stop (hang guard)"
	sleep 0.1
done
