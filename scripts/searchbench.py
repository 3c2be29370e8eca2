#!/usr/bin/env python3
"""Search load on a running kbd, for make bench (scripts/bench.sh).

  searchbench.py one KB SECONDS [QUERY...]
      one persistent connection, searches back to back (the QUERYs in
      turn, by default the generated documents' QUERIES): prints
      "<searches> <seconds> <errors> <client CPU us a search>"
  searchbench.py many KB CLIENTS ROUNDS [THINK_MS]
      CLIENTS persistent connections at once, each ROUNDS searches one
      after the other, back to back or THINK_MS apart on average: prints "<searches> <errors> <p50 ms> <p99 ms>
      <max ms> <searches/s> <client CPU us a search>"
  searchbench.py capture KB FILE
      writes the payload of kbd's reply to QUERIES[0] into FILE, for
      tests/tools/kbecho (the harness's floor: the same clients against a
      server that answers at once).
  KB may also be the socket itself (kbecho's).
  searchbench.py fleet KB AGENTS AT_ONCE KBCTL MODE
      AGENTS processes, AT_ONCE at a time; MODE "kb": each runs
      `kbctl search` or `kbctl status` (alternately), "help": `kbctl --help`
      (never reaches kbd), "true": /bin/true. Each process's wall time
      from spawn to exit: prints "<runs> <errors> <p50 ms> <p99 ms>"

The wire is kbd's: a 12-byte header (type, version, length, host order)
and a protobuf payload; message numbers and the version are read from
proto/kbd-protocol.h."""
import asyncio, heapq, os, random, re, resource, selectors, socket, struct, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def protocol():
    text = open(os.path.join(HERE, "..", "proto", "kbd-protocol.h")).read()
    version = int(re.search(r"#define KBD_PROTO_VERSION (\d+)", text).group(1))
    body = re.search(r"enum msg_type \{(.*?)\};", text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    types, n = {}, -1
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            name, val = [x.strip() for x in item.split("=")]
            n = int(val)
        else:
            name, n = item, n + 1
        types[name] = n
    return version, types


VERSION, T = protocol()
# Words of bench.sh's generated documents (w0 to w4999, uniform): each
# is in a few percent of them; w321* expands to 11 words.
QUERIES = ["w123", "w42 w77", "w1 OR w2", "w321*", '"w10 w11"', "w3 -w4",
           "title:Document w9", "w200 w300 OR w400"]


def varint(v):
    out = b""
    while True:
        b = v & 0x7f
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def packet(mtype, payload):
    return struct.pack("=III", mtype, VERSION, len(payload)) + payload


def hello():
    return packet(T["MSG_HELLO"], b"\x08" + varint(VERSION))


def search_req(q, limit=10):
    b = q.encode()
    return packet(T["MSG_SEARCH_REQ"],
                  b"\x0a" + varint(len(b)) + b + b"\x10" + varint(limit))


def sock_path(kb):
    if not os.path.isdir(kb):
        return kb
    note = os.path.join(kb, ".kb", "socket")
    if os.path.exists(note):
        return open(note).read().strip()
    return os.path.join(kb, ".kb", "kbd.sock")


def rep_ok(mtype, body):
    """A SEARCH_REP without an error field (2) is a good answer."""
    if mtype != T["MSG_SEARCH_REP"]:
        return False
    i = 0
    while i < len(body):
        tag = body[i]
        i += 1
        n = shift = 0
        while True:
            b = body[i]
            i += 1
            n |= (b & 0x7f) << shift
            shift += 7
            if not b & 0x80:
                break
        if tag >> 3 == 2:
            return False
        i += n
    return True


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.pending = []

    def msgs(self):
        """Whole messages in the buffer."""
        out = []
        while len(self.buf) >= 12:
            mtype, _, n = struct.unpack("=III", self.buf[:12])
            if len(self.buf) < 12 + n:
                break
            out.append((mtype, self.buf[12:12 + n]))
            self.buf = self.buf[12 + n:]
        return out

    def recv_one(self):
        """The next message; those read with it wait for the next call."""
        while True:
            self.pending += self.msgs()
            if self.pending:
                return self.pending.pop(0)
            chunk = self.s.recv(65536)
            if not chunk:
                raise SystemExit("kbd closed the connection")
            self.buf += chunk


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else 0.0


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def one(kb, seconds, queries=None):
    queries = queries or QUERIES
    c = Conn(sock_path(kb))
    c.s.sendall(hello())
    c.recv_one()
    n = errors = 0
    t0, c0 = time.monotonic(), cpu()
    while time.monotonic() - t0 < seconds:
        c.s.sendall(search_req(queries[n % len(queries)]))
        mtype, body = c.recv_one()
        errors += not rep_ok(mtype, body)
        n += 1
    print("%d %.3f %d %.0f" % (n, time.monotonic() - t0, errors,
                               (cpu() - c0) * 1e6 / max(n, 1)))


def capture(kb, out):
    c = Conn(sock_path(kb))
    c.s.sendall(hello())
    c.recv_one()
    c.s.sendall(search_req(QUERIES[0]))
    mtype, body = c.recv_one()
    if not rep_ok(mtype, body):
        raise SystemExit("capture: no good reply")
    open(out, "wb").write(body)


def many(kb, nclients, rounds, think_ms=0.0):
    """think_ms 0: each client sends its next search as its reply arrives
    (a closed loop: by Little's law the latency is then CLIENTS over the
    throughput, whatever the server). think_ms > 0: each client waits a
    random time, exponential with that mean, before each search (the
    first within think_ms of the start), and latency counts from when the
    search was due, so a late harness or server is not hidden."""
    path = sock_path(kb)
    sel = selectors.DefaultSelector()
    rnd = random.Random(nclients)
    conns, due = [], []
    for i in range(nclients):
        c = Conn(path)
        c.s.sendall(hello())
        c.i, c.left, c.sent = i, rounds, None
        c.s.setblocking(False)
        sel.register(c.s, selectors.EVENT_READ, c)
        conns.append(c)
    lat, errors, done = [], 0, 0
    t0, c0 = time.monotonic(), cpu()

    def send(c, at):
        c.left -= 1
        c.sent = at
        c.s.sendall(search_req(QUERIES[(c.i + c.left) % len(QUERIES)]))

    while done < nclients:
        now = time.monotonic()
        while due and due[0][0] <= now:
            at, _, c = heapq.heappop(due)
            send(c, at)
        timeout = max(0.0, due[0][0] - now) if due else None
        for key, _ in sel.select(timeout):
            c = key.data
            try:
                chunk = c.s.recv(65536)
            except BlockingIOError:
                continue
            if not chunk:
                raise SystemExit("kbd closed a connection")
            c.buf += chunk
            for mtype, body in c.msgs():
                now = time.monotonic()
                if c.sent is not None:
                    lat.append((now - c.sent) * 1000)
                    errors += not rep_ok(mtype, body)
                if c.left == 0:
                    done += 1
                    sel.unregister(c.s)
                    break
                if think_ms <= 0:
                    send(c, now)
                elif c.sent is None:
                    heapq.heappush(due, (now + rnd.uniform(0, think_ms) /
                                         1000, c.i, c))
                else:
                    heapq.heappush(due, (now + rnd.expovariate(
                        1000 / think_ms), c.i, c))
    t1, c1 = time.monotonic(), cpu()
    for c in conns:
        c.s.close()
    print("%d %d %.2f %.2f %.2f %.0f %.0f" % (
        len(lat), errors, pct(lat, 0.5), pct(lat, 0.99), max(lat),
        len(lat) / (t1 - t0), (c1 - c0) * 1e6 / max(len(lat), 1)))


async def fleet_run(kb, agents, at_once, kbctl, mode):
    sem = asyncio.Semaphore(at_once)
    lat, errors = [], 0

    async def agent(i):
        nonlocal errors
        if mode == "kb":
            argv = ([kbctl, "-C", kb, "search", QUERIES[i % len(QUERIES)]]
                    if i % 2 == 0 else [kbctl, "-C", kb, "status"])
        elif mode == "help":
            argv = [kbctl, "--help"]
        else:
            argv = ["/bin/true"]
        async with sem:
            t0 = time.monotonic()
            p = await asyncio.create_subprocess_exec(
                *argv, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL)
            rc = await p.wait()
            lat.append((time.monotonic() - t0) * 1000)
            # search: 0 hits or 1 none; anything else is an error.
            if rc not in (0, 1) or (rc == 1 and "search" not in argv):
                errors += 1

    await asyncio.gather(*(agent(i) for i in range(agents)))
    print("%d %d %.1f %.1f" % (len(lat), errors, pct(lat, 0.5),
                               pct(lat, 0.99)))


def main():
    mode = sys.argv[1]
    if mode == "one":
        one(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
    elif mode == "many":
        many(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
             float(sys.argv[5]) if len(sys.argv) > 5 else 0.0)
    elif mode == "capture":
        capture(sys.argv[2], sys.argv[3])
    elif mode == "fleet":
        asyncio.run(fleet_run(sys.argv[2], int(sys.argv[3]),
                              int(sys.argv[4]), sys.argv[5], sys.argv[6]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
