#!/usr/bin/env python3
"""mcpbench.py: kbd's MCP servers under a crowd (make bench, issue 13).

  mcpbench.py stdio KBCTL KB N     N `kbctl mcp` processes at once, each
                                   initializing, searching and reading
  mcpbench.py floor N              the harness's floor: N `sed -u`
                                   processes at once, each answering the
                                   same three lines at once with a fixed
                                   reply (process start, pipes and this
                                   script's own event loop, no kbd)
  mcpbench.py http URL TOKEN N     N HTTP clients at once against
                                   kbd --listen, each initializing,
                                   searching and reading

Prints one line: "runs errors p50_ms p99_ms max_ms" and, for stdio,
"rss_kib_median rss_kib_max" of the mcp processes (VmRSS after their
replies, before they exit). Latency is per client, from its start to its
last reply."""

import asyncio
import json
import statistics
import sys
import time

QUERY = "note"


def msgs(doc):
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "mcpbench", "version": "1"}}}
    search = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
              "params": {"name": "search", "arguments": {"query": QUERY,
                                                          "limit": 5}}}
    read = {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "read", "arguments": {"doc": doc,
                                                      "part": "source",
                                                      "lines": "1-20"}}}
    return [init, search, read]


def ok(reply):
    return ("result" in reply and
            not reply["result"].get("isError", False))


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


ANSWERED = [0]


FLOOR = ["sed", "-u", 's/.*/{"jsonrpc":"2.0","id":1,"result":{}}/']


async def one_stdio(argv, doc, gate, out):
    start = time.monotonic()
    err = 0
    rss = None
    p = None
    try:
        p = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL)
        for m in msgs(doc):
            p.stdin.write((json.dumps(m) + "\n").encode())
            await p.stdin.drain()
            line = await asyncio.wait_for(p.stdout.readline(), 300)
            if not line or not ok(json.loads(line)):
                err = 1
                break
        rss = rss_kib(p.pid)
    except Exception:
        err = 1
    out.append((time.monotonic() - start, err, rss))
    ANSWERED[0] += 1
    await gate.wait()	# every process alive at once, then all end
    if p is not None:
        try:
            p.stdin.close()
            await p.wait()
        except Exception:
            pass


async def one_http(host, port, token, doc, out):
    start = time.monotonic()
    err = 0
    try:
        r, w = await asyncio.open_connection(host, port)
        for m in msgs(doc):
            body = json.dumps(m).encode()
            w.write(("POST /mcp HTTP/1.1\r\nHost: %s\r\n"
                     "Authorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\n"
                     "Accept: application/json, text/event-stream\r\n"
                     "Content-Length: %d\r\n\r\n" %
                     (host, token, len(body))).encode() + body)
            await w.drain()
            status = await asyncio.wait_for(r.readline(), 300)
            length = 0
            while True:
                h = await r.readline()
                if h in (b"\r\n", b""):
                    break
                k, _, v = h.decode().partition(":")
                if k.lower() == "content-length":
                    length = int(v)
            data = await r.readexactly(length)
            if b" 200 " not in status or not ok(json.loads(data)):
                err = 1
                break
        w.close()
    except Exception:
        err = 1
    out.append((time.monotonic() - start, err, None))


def report(out, stdio):
    lat = sorted(x[0] * 1000 for x in out)
    errs = sum(x[1] for x in out)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    line = "%d %d %.1f %.1f %.1f" % (len(out), errs,
                                      statistics.median(lat), p99, lat[-1])
    if stdio:
        rss = [x[2] for x in out if x[2]]
        line += " %d %d" % (statistics.median(rss) if rss else 0,
                            max(rss) if rss else 0)
    print(line)


async def main():
    mode = sys.argv[1]
    out = []
    if mode in ("stdio", "floor"):
        if mode == "stdio":
            argv = [sys.argv[2], "-C", sys.argv[3], "mcp"]
            n = int(sys.argv[4])
        else:
            argv, n = FLOOR, int(sys.argv[2])
        gate = asyncio.Event()
        tasks = [asyncio.create_task(one_stdio(argv, "note%05d" % i,
                                               gate, out))
                 for i in range(n)]
        # Every process answered (or failed) before any ends.
        while ANSWERED[0] < n:
            await asyncio.sleep(0.2)
        gate.set()
        await asyncio.gather(*tasks)
        report(out, True)
    else:
        url, token, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
        hostport = url.split("//", 1)[1].split("/", 1)[0]
        host, port = hostport.rsplit(":", 1)
        await asyncio.gather(*[one_http(host, int(port), token,
                                        "note%05d" % i, out)
                               for i in range(n)])
        report(out, False)



if __name__ == "__main__":
    asyncio.run(main())
