#!/usr/bin/env python3
"""Open N concurrent clients on a KB's control socket, each doing the
version handshake and then a status request, all held open at once; print
the supervisor's RSS before and with them. Used by make bench."""
import os, resource, socket, struct, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

def field_varint(num, val):
    out = bytes([(num << 3) | 0])
    while True:
        b = val & 0x7f
        val >>= 7
        if val:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])

def packet(mtype, payload):
    # struct msg_hdr: type, version, len (host order), then the payload.
    return struct.pack("=III", mtype, VERSION, len(payload)) + payload

def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def read_msg(s):
    hdr = b""
    while len(hdr) < 12:
        chunk = s.recv(12 - len(hdr))
        if not chunk:
            raise SystemExit("connection closed")
        hdr += chunk
    mtype, _, n = struct.unpack("=III", hdr)
    body = b""
    while len(body) < n:
        body += s.recv(n - len(body))
    return mtype

kb, n = sys.argv[1], int(sys.argv[2])
VERSION = int(sys.argv[3])
MSG_HELLO, MSG_HELLO_REP, MSG_STATUS_REQ, MSG_JOB_SUMMARY, MSG_ERROR = 40, 41, 46, 45, 58
pid = int(open(os.path.join(kb, ".kb/kbd.pid")).read())
path = os.path.join(kb, ".kb/kbd.sock")
if os.path.exists(os.path.join(kb, ".kb/socket")):
    path = open(os.path.join(kb, ".kb/socket")).read().strip()
before = rss(pid)
socks = []
t0 = time.time()
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(packet(MSG_HELLO, field_varint(1, VERSION)))
    socks.append(s)
for s in socks:
    if read_msg(s) != MSG_HELLO_REP:
        raise SystemExit("no handshake reply")
    s.sendall(packet(MSG_STATUS_REQ, b""))
answered = 0
for s in socks:
    if read_msg(s) in (MSG_JOB_SUMMARY, MSG_ERROR):
        answered += 1
elapsed = time.time() - t0
during = rss(pid)
for s in socks:
    s.close()
print("%d %d %d %.2f" % (before, during, answered, elapsed))
