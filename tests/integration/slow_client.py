#!/usr/bin/env python3
"""A follower that asks for progress and then does not read.

Used by t_progress.sh to check that kbd drops progress for a client that
is behind, and never a file event. Speaks kbd's wire protocol itself
(proto/kbd-protocol.h header; the few protobuf fields it needs encoded by
hand): HELLO, then ADD_REQ{paths, follow, progress=PROGRESS_SLOTS}. It
then reads nothing until the file named by --go exists (the test creates
it once the job has ended), reads everything up to the JOB_SUMMARY and
prints a JSON report: how many FILE_EVENT and PROGRESS messages came, and
how many PROGRESS among the last --tail messages before the summary.
"""
import argparse
import json
import os
import re
import socket
import struct
import sys
import time


def proto_version():
    """KBD_PROTO_VERSION, read from the header it is defined in."""
    hdr = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "..", "proto", "kbd-protocol.h")
    with open(hdr) as f:
        return int(re.search(r"#define KBD_PROTO_VERSION (\d+)",
                             f.read()).group(1))


VERSION = proto_version()
HELLO, HELLO_REP, ADD_REQ, ADD_REP = 40, 41, 42, 43
FILE_EVENT, JOB_SUMMARY, ERROR, PROGRESS = 44, 45, 58, 62
PROGRESS_SLOTS = 2


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def field_bytes(num, b):
    return varint(num << 3 | 2) + varint(len(b)) + b


def send(s, mtype, payload):
    s.sendall(struct.pack("=III", mtype, VERSION, len(payload)) + payload)


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            sys.exit("kbd closed the connection")
        buf.extend(d)
    return bytes(buf)


def recv(s):
    mtype, _, n = struct.unpack("=III", recv_exact(s, 12))
    return mtype, recv_exact(s, n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sock", required=True)
    ap.add_argument("--go", required=True)
    ap.add_argument("--tail", type=int, default=1000)
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # A small receive buffer: the backlog stays in kbd, where the rule is.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(a.sock)
    send(s, HELLO, field_varint(1, VERSION) + field_varint(2, os.getpid()))
    t, _ = recv(s)
    assert t == HELLO_REP, t
    req = b"".join(field_bytes(1, os.path.abspath(p).encode())
                   for p in a.paths)
    req += field_varint(3, 1) + field_varint(4, PROGRESS_SLOTS)
    send(s, ADD_REQ, req)
    t, _ = recv(s)
    if t != ADD_REP:
        sys.exit("no ADD_REP: message type %d" % t)
    print("added", flush=True)
    while not os.path.exists(a.go):
        time.sleep(0.05)
    kinds = []
    while True:
        t, _ = recv(s)
        if t == JOB_SUMMARY:
            break
        if t not in (FILE_EVENT, PROGRESS):
            sys.exit("unexpected message type %d" % t)
        kinds.append(t)
    tail = kinds[-a.tail:]
    json.dump({"events": kinds.count(FILE_EVENT),
               "progress": kinds.count(PROGRESS),
               "progress_in_tail": tail.count(PROGRESS),
               "tail": len(tail)}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
