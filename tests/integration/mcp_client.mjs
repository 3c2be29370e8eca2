// The official MCP client (@modelcontextprotocol/sdk, StdioClientTransport)
// against `kbctl mcp` on a real KB; t_mcp.sh prepares the KB and runs it.
//
//   node mcp_client.mjs NPMDIR KBCTL KB MODE [ARGS...]
//
// MODE full: every tool, the resources with pagination, errors (a tool's,
// a malformed line written raw), a kbd restart in between. ARGS: the number
// of documents in the KB, a file to add, a second file to add. MODE
// readonly: --read-only hides add and remove. Exits non-zero on the first
// failed check, naming it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [npmdir, kbctl, kb, mode, ...rest] = process.argv.slice(2);
const sdk = join(npmdir, 'node_modules/@modelcontextprotocol/sdk/dist/esm');
const load = (p) => import(pathToFileURL(join(sdk, p)).href);
const { Client } = await load('client/index.js');
const { StdioClientTransport } = await load('client/stdio.js');
const { LATEST_PROTOCOL_VERSION } = await load('types.js');

let step = 'start';
function check(name) {
	step = name;
}

const transport = new StdioClientTransport({
	command: kbctl,
	args: mode === 'readonly' ? ['-C', kb, 'mcp', '--read-only'] :
	    ['mcp', '-C', kb],
	stderr: 'inherit',
});
const client = new Client({ name: 't_mcp', version: '1' });

// Every line the server writes, as the transport reads them too.
const lines = [];
let partial = '';
function watchStdout() {
	transport._process.stdout.on('data', (chunk) => {
		partial += chunk.toString('utf8');
		let i;
		while ((i = partial.indexOf('\n')) !== -1) {
			lines.push(JSON.parse(partial.slice(0, i)));
			partial = partial.slice(i + 1);
		}
	});
}
// The transport reports replies it cannot match; they are expected here.
client.onerror = () => {};
// Every message the transport hands the client (initialize's reply too).
const msgs = [];
let handler;
Object.defineProperty(transport, 'onmessage', {
	set(h) {
		handler = (m, extra) => {
			msgs.push(m);
			h?.(m, extra);
		};
	},
	get() {
		return handler;
	},
});

async function waitLine(pred, what) {
	for (let i = 0; i < 500; i++) {
		const l = lines.find(pred);
		if (l !== undefined)
			return l;
		await client.ping();
	}
	throw new Error(`no reply: ${what}`);
}

function structured(r) {
	assert.equal(r.isError, false, `isError: ${JSON.stringify(r)}`);
	assert.ok(r.structuredContent, 'structuredContent');
	assert.equal(r.content[0].type, 'text');
	assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent,
	    'text content is the structured content');
	return r.structuredContent;
}

async function rpcError(p, code) {
	let err;
	try {
		await p;
	} catch (e) {
		err = e;
	}
	assert.ok(err, `expected JSON-RPC error ${code}`);
	assert.equal(err.code, code, `error code: ${err.message}`);
	return err;
}

async function full(ndocs, addFile, addFile2) {
	const names = (r) => r.tools.map((t) => t.name).sort();

	check('tools/list');
	const tl = await client.listTools();
	assert.deepEqual(names(tl), ['add', 'list', 'read', 'remove', 'search',
	    'status']);
	for (const t of tl.tools) {
		assert.equal(t.inputSchema.type, 'object', t.name);
		assert.equal(t.outputSchema.type, 'object', t.name);
		for (const h of ['readOnlyHint', 'destructiveHint',
		    'idempotentHint'])
			assert.equal(typeof t.annotations[h], 'boolean',
			    `${t.name} ${h}`);
	}
	const tool = (n) => tl.tools.find((t) => t.name === n);
	assert.equal(tool('search').annotations.readOnlyHint, true);
	assert.equal(tool('remove').annotations.destructiveHint, true);
	assert.equal(tool('add').annotations.readOnlyHint, false);
	assert.deepEqual(tool('search').inputSchema.required, ['query']);

	check('search');
	let s = structured(await client.callTool({ name: 'search',
	    arguments: { query: 'beta' } }));
	assert.equal(s.hits[0].doc, 'beta');
	assert.equal(s.hits[0].title, 'Beta');
	assert.equal(s.hits[0].wiki_path, 'wiki/sources/beta.md');
	assert.match(s.hits[0].source_path, /\/in\/beta\.md$/);
	assert.equal(typeof s.hits[0].score, 'number');
	assert.match(s.hits[0].snippet, /beta/i);

	check('search paged');
	const all = structured(await client.callTool({ name: 'search',
	    arguments: { query: 'filler', limit: 100 } }));
	assert.ok(all.hits.length >= 3, `filler hits: ${all.hits.length}`);
	const p1 = structured(await client.callTool({ name: 'search',
	    arguments: { query: 'filler', limit: 2, offset: 1 } }));
	assert.deepEqual(p1.hits.map((h) => h.doc),
	    all.hits.slice(1, 3).map((h) => h.doc));
	assert.equal(p1.more, true);
	assert.equal(p1.offset, 1);
	assert.equal(p1.index_incomplete, false);

	check('search error');
	let r = await client.callTool({ name: 'search', arguments: {} });
	assert.equal(r.isError, true);
	assert.match(r.content[0].text, /query is required/);

	check('read lines');
	const md = readFileSync(join(kb, 'wiki/sources/alpha-notes.md'),
	    'utf8');
	const mdLines = md.split('\n');
	r = structured(await client.callTool({ name: 'read',
	    arguments: { doc: 'alpha-notes', lines: '2-3' } }));
	assert.equal(r.text, mdLines.slice(1, 3).join('\n') + '\n');
	assert.equal(r.total_bytes, Buffer.byteLength(md));
	assert.equal(r.total_lines, mdLines.length - 1);
	assert.deepEqual(r.range, { unit: 'lines', start: 2, count: 2 });
	assert.equal(r.part, 'source');

	check('read whole');
	r = structured(await client.callTool({ name: 'read',
	    arguments: { doc: 'alpha-notes' } }));
	assert.equal(r.text, md);
	assert.equal(r.range, null);

	check('read bytes');
	const buf = Buffer.from(md);
	r = structured(await client.callTool({ name: 'read',
	    arguments: { doc: 'alpha-notes', offset: 3, length: 6 } }));
	assert.equal(r.text, buf.subarray(3, 9).toString('utf8'));
	assert.deepEqual(r.range, { unit: 'bytes', start: 3, count: 6 });

	check('read bytes cut inside a character');
	// "ü" is two bytes: starting on its second byte drops it.
	const u = buf.indexOf(Buffer.from('ü'));
	assert.ok(u > 0, 'the test document holds ü');
	r = structured(await client.callTool({ name: 'read',
	    arguments: { doc: 'alpha-notes', offset: u + 1, length: 4 } }));
	assert.equal(r.range.start, u + 2);
	assert.equal(r.text, buf.subarray(u + 2, u + 5).toString('utf8'));

	check('read summary');
	r = structured(await client.callTool({ name: 'read',
	    arguments: { doc: 'beta', part: 'summary' } }));
	assert.equal(r.text, readFileSync(join(kb, 'wiki/summaries/beta.md'),
	    'utf8'));

	check('read meta');
	r = structured(await client.callTool({ name: 'read',
	    arguments: { doc: 'beta', part: 'meta' } }));
	const meta = JSON.parse(r.text);
	assert.equal(meta.doc, 'beta');
	assert.equal(meta.source, 'wiki/sources/beta.md');
	assert.equal(meta.format, 'md');

	check('read errors');
	r = await client.callTool({ name: 'read',
	    arguments: { doc: 'alpha-note' } });
	assert.equal(r.isError, true);
	assert.match(r.content[0].text,
	    /^no document named "alpha-note"; did you mean alpha-notes/);
	assert.ok(!r.content[0].text.includes('\n'), 'one line');
	r = await client.callTool({ name: 'read',
	    arguments: { doc: 'beta', lines: '3-1' } });
	assert.equal(r.isError, true);
	r = await client.callTool({ name: 'read',
	    arguments: { doc: 'beta', part: 'raw' } });
	assert.equal(r.isError, true);

	check('list pages');
	const seen = [];
	let cursor;
	let pages = 0;
	do {
		const l = structured(await client.callTool({ name: 'list',
		    arguments: cursor ? { cursor, limit: 40 } : { limit: 40 } }));
		seen.push(...l.documents.map((d) => d.doc));
		for (const d of l.documents)
			assert.equal(d.wiki_path, `wiki/sources/${d.doc}.md`);
		cursor = l.nextCursor;
		pages++;
	} while (cursor !== undefined);
	assert.equal(seen.length, ndocs);
	assert.equal(new Set(seen).size, ndocs);
	assert.equal(pages, Math.ceil(ndocs / 40));

	check('status');
	r = structured(await client.callTool({ name: 'status' }));
	assert.equal(r.documents, ndocs);
	assert.equal(r.kb, kb);
	assert.equal(r.last_job.state, 'done');
	assert.deepEqual(r.running_jobs, []);

	check('resources/list pages');
	const uris = [];
	cursor = undefined;
	pages = 0;
	do {
		const l = await client.listResources(cursor ? { cursor } : {});
		for (const res of l.resources) {
			assert.equal(res.mimeType, 'text/markdown');
			assert.equal(res.uri, `kb://${res.name}`);
		}
		uris.push(...l.resources.map((x) => x.uri));
		cursor = l.nextCursor;
		pages++;
	} while (cursor !== undefined);
	assert.equal(uris.length, ndocs);
	assert.equal(new Set(uris).size, ndocs);
	assert.ok(pages >= 2, `resources/list pages: ${pages}`);

	check('resources/read');
	let rr = await client.readResource({ uri: 'kb://beta' });
	assert.equal(rr.contents[0].text, readFileSync(join(kb,
	    'wiki/sources/beta.md'), 'utf8'));
	assert.equal(rr.contents[0].mimeType, 'text/markdown');
	rr = await client.readResource({ uri: 'kb://beta/summary' });
	assert.equal(rr.contents[0].text, readFileSync(join(kb,
	    'wiki/summaries/beta.md'), 'utf8'));
	rr = await client.readResource({ uri: 'kb://beta/meta' });
	assert.equal(rr.contents[0].mimeType, 'application/json');
	assert.equal(JSON.parse(rr.contents[0].text).doc, 'beta');
	await rpcError(client.readResource({ uri: 'kb://no-such-doc' }),
	    -32002);

	check('resources/templates/list');
	const tp = await client.listResourceTemplates();
	assert.deepEqual(tp.resourceTemplates.map((x) => x.uriTemplate).sort(),
	    ['kb://{doc}', 'kb://{doc}/meta', 'kb://{doc}/summary']);

	check('unknown tool');
	await rpcError(client.callTool({ name: 'nope', arguments: {} }),
	    -32602);

	check('malformed lines');
	const stdin = transport._process.stdin;
	stdin.write('{"jsonrpc":"2.0","id":1,"method":\n');
	await waitLine((l) => l.error?.code === -32700 && l.id === null,
	    'parse error');
	stdin.write('{"jsonrpc":"2.0","id":"raw-1"}\n');
	await waitLine((l) => l.id === 'raw-1' && l.error?.code === -32600,
	    'invalid request');
	stdin.write('{"jsonrpc":"2.0","id":"raw-2","method":"no/such"}\n');
	await waitLine((l) => l.id === 'raw-2' && l.error?.code === -32601,
	    'method not found');
	stdin.write('{"jsonrpc":"2.0","id":"raw-3","method":"tools/call",' +
	    '"params":[]}\n');
	await waitLine((l) => l.id === 'raw-3' && l.error?.code === -32602,
	    'invalid params');
	// The server goes on.
	s = structured(await client.callTool({ name: 'search',
	    arguments: { query: 'beta' } }));
	assert.equal(s.hits[0].doc, 'beta');

	check('add and wait');
	r = structured(await client.callTool({ name: 'add',
	    arguments: { paths: [addFile] } }));
	assert.equal(r.state, 'done');
	assert.equal(r.added, 1);
	assert.deepEqual(r.failures, []);
	s = structured(await client.callTool({ name: 'search',
	    arguments: { query: 'zebrafish' } }));
	assert.equal(s.hits[0].doc, 'gamma');

	check('add without waiting');
	r = structured(await client.callTool({ name: 'add',
	    arguments: { paths: [addFile2], wait: false } }));
	assert.equal(typeof r.job, 'number');
	execFileSync(kbctl, ['-C', kb, 'wait', String(r.job)]);

	check('add errors');
	r = await client.callTool({ name: 'add', arguments: { paths: [] } });
	assert.equal(r.isError, true);
	r = await client.callTool({ name: 'add',
	    arguments: { paths: ['in/beta.md'] } });
	assert.equal(r.isError, true);
	assert.match(r.content[0].text, /in\/beta\.md: not an absolute path/);
	r = await client.callTool({ name: 'add',
	    arguments: { paths: ['/nonexistent/file.md'] } });
	assert.equal(r.isError, false);
	assert.equal(r.structuredContent.failed, 1);
	assert.equal(r.structuredContent.failures[0].path,
	    '/nonexistent/file.md');

	check('kbd restarts');
	execFileSync(kbctl, ['-C', kb, 'stop']);
	r = structured(await client.callTool({ name: 'status' }));
	assert.equal(r.documents, ndocs + 2);

	check('remove');
	r = structured(await client.callTool({ name: 'remove',
	    arguments: { docs: ['gamma', 'no-such-doc'] } }));
	assert.deepEqual(r.removed, ['gamma']);
	assert.deepEqual(r.not_found, ['no-such-doc']);
	r = await client.callTool({ name: 'read', arguments: { doc: 'gamma' } });
	assert.equal(r.isError, true);
}

async function readonly() {
	check('read-only tools/list');
	const tl = await client.listTools();
	assert.deepEqual(tl.tools.map((t) => t.name).sort(),
	    ['list', 'read', 'search', 'status']);
	for (const t of tl.tools)
		assert.equal(t.annotations.readOnlyHint, true, t.name);
	check('read-only add refused');
	await rpcError(client.callTool({ name: 'add',
	    arguments: { paths: ['/nonexistent'] } }), -32602);
	await rpcError(client.callTool({ name: 'remove',
	    arguments: { docs: ['beta'] } }), -32602);
	check('read-only search');
	const s = structured(await client.callTool({ name: 'search',
	    arguments: { query: 'beta' } }));
	assert.equal(s.hits[0].doc, 'beta');
}

try {
	check('initialize');
	await client.connect(transport);
	watchStdout();
	assert.equal(msgs[0].result.protocolVersion, LATEST_PROTOCOL_VERSION,
	    'the newest protocol revision agreed');
	assert.equal(client.getServerVersion().name, 'kbd');
	assert.match(client.getInstructions(), /kb:\/\/DOC/);
	if (mode === 'readonly')
		await readonly();
	else
		await full(Number(rest[0]), rest[1], rest[2]);
	check('close');
	const proc = transport._process;
	const exited = new Promise((res) => proc.once('exit', (code, sig) =>
	    res([code, sig])));
	await client.close();
	assert.deepEqual(await exited, [0, null], 'exit status at EOF');
	console.log(`mcp_client ${mode}: ok (protocol ` +
	    `${LATEST_PROTOCOL_VERSION})`);
} catch (e) {
	console.error(`mcp_client ${mode}: FAIL at ${step}: ${e.stack}`);
	process.exit(1);
}
