// The official MCP client (@modelcontextprotocol/sdk,
// StreamableHTTPClientTransport) against kbd --listen; t_mcp_http.sh
// prepares the KB and the daemon.
//
//   node mcp_http_client.mjs NPMDIR URL TOKEN DOCS
//
// With the right token: initialize, tools/list, search, read, list,
// resources/list and read, a tool error. With a wrong token the
// connection is refused. Exits non-zero on the first failed check.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [npmdir, url, token, docs] = process.argv.slice(2);
const sdk = join(npmdir, 'node_modules/@modelcontextprotocol/sdk/dist/esm');
const load = (p) => import(pathToFileURL(join(sdk, p)).href);
const { Client } = await load('client/index.js');
const { StreamableHTTPClientTransport } = await load('client/streamableHttp.js');

let step = 'start';
const connect = async (tok) => {
	const transport = new StreamableHTTPClientTransport(new URL(url), {
		requestInit: { headers: { Authorization: `Bearer ${tok}` } },
	});
	const client = new Client({ name: 't_mcp_http', version: '1' });
	client.onerror = () => {};
	await client.connect(transport);
	return client;
};

try {
	step = 'connect';
	const client = await connect(token);
	assert.ok(client.getServerVersion()?.name === 'kbd', 'server name');

	step = 'tools/list';
	const tools = (await client.listTools()).tools.map((t) => t.name).sort();
	assert.deepEqual(tools, ['add', 'list', 'read', 'remove', 'search',
	    'status']);

	step = 'search';
	const s = await client.callTool({ name: 'search',
	    arguments: { query: 'lighthouse' } });
	assert.ok(!s.isError, JSON.stringify(s));
	assert.equal(s.structuredContent.hits[0].doc, 'beacon');

	step = 'read';
	const r = await client.callTool({ name: 'read',
	    arguments: { doc: 'beacon', part: 'source' } });
	assert.ok(r.structuredContent.text.includes('keeps the lighthouse'));

	step = 'list';
	const l = await client.callTool({ name: 'list', arguments: {} });
	assert.equal(l.structuredContent.documents.length, Number(docs));

	step = 'resources';
	const res = await client.listResources();
	assert.equal(res.resources.length, Number(docs));
	const rr = await client.readResource({ uri: 'kb://beacon' });
	assert.ok(rr.contents[0].text.includes('lighthouse'));

	step = 'tool error';
	const e = await client.callTool({ name: 'read',
	    arguments: { doc: 'no-such-doc', part: 'source' } });
	assert.equal(e.isError, true);

	step = 'many at once';
	const many = await Promise.all(Array.from({ length: 50 }, () =>
	    client.callTool({ name: 'search',
		arguments: { query: 'lighthouse' } })));
	assert.ok(many.every((m) => !m.isError &&
	    m.structuredContent.hits[0].doc === 'beacon'));
	await client.close();

	step = 'wrong token';
	let refused = false;
	try {
		await connect('0'.repeat(64));
	} catch (err) {
		refused = /401|nauthorized/i.test(String(err) + (err?.code ?? ""));
		if (!refused)
			console.error(`wrong token: ${err}`);
	}
	assert.ok(refused, 'a wrong token was not refused with 401');
	console.log('mcp_http_client: ok');
} catch (e) {
	console.error(`mcp_http_client: FAIL at ${step}: ${e.stack}`);
	process.exit(1);
}
