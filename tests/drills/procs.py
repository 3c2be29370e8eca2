"""The processes the drills drive: a committer run alone on a KB (it
recovers and says ready), a kbctl run whose committer stops at every fail
point, and what the families need to find, stop and wait for kbd's
processes through /proc."""

import os
import select
import signal
import socket
import struct
import subprocess
import time

from context import MSG_COMMITTER_READY


def read_trace(kb):
    """The lines of .kb/failpoints.trace ("pid point"), [] if none."""
    try:
        with open(os.path.join(kb, ".kb", "failpoints.trace")) as f:
            return f.read().split("\n")[:-1]
    except FileNotFoundError:
        return []


def trace_hits(kb, point):
    """How many times the first committer of the run passed point."""
    lines = read_trace(kb)
    first = lines[0].split(" ")[0] if lines else None
    return lines.count("%s %s" % (first, point))


def read_log(kb):
    with open(os.path.join(kb, ".kb", "kbd.log")) as f:
        return f.read()


def recover(d, kb, extra=None, on_stop=None):
    """Run a committer alone on kb: it recovers, says ready, and exits
    at EOF. on_stop(point) is called at each stop (trace=stop).
    Returns None, or the reason recovery failed."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    bfd = b.fileno()

    def child():
        if bfd == 3:
            os.set_inheritable(3, True)
        else:
            os.dup2(bfd, 3)

    p = subprocess.Popen([d.kbd, "-X", "committer", kb],
                         env=d.run_env(extra), preexec_fn=child,
                         close_fds=False, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    b.close()
    ready = False
    logs = []
    deadline = time.time() + 60
    status = None
    while time.time() < deadline:
        pid, st = os.waitpid(p.pid, os.WNOHANG | os.WUNTRACED)
        if pid == p.pid and os.WIFSTOPPED(st):
            point = read_trace(kb)[-1].split(" ", 1)[1]
            if on_stop is not None:
                on_stop(point)
            os.kill(p.pid, signal.SIGCONT)
            continue
        if pid == p.pid:
            status = st
            break
        r, _, _ = select.select([a], [], [], 0.002)
        if r:
            try:
                pkt = a.recv(1 << 20)
            except ConnectionResetError:
                pkt = b""
            if len(pkt) >= 12:
                typ = struct.unpack("=III", pkt[:12])[0]
                if typ == MSG_COMMITTER_READY:
                    ready = True
                    a.close()
                    a = None
                    break
                logs.append(pkt[12:].decode("utf-8", "replace"))
    if a is not None:
        a.close()
    if status is None:
        try:
            _, status = os.waitpid(p.pid, 0)
        except ChildProcessError:
            status = 0
    err = p.stderr.read().decode("utf-8", "replace")
    p.stderr.close()
    if not ready:
        return "committer did not become ready (status %s): %s %s" % (
            status, " | ".join(logs)[-400:], err[-400:])
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        return "committer exited with status %d" % status
    return None


def run_stopped(d, kb, argv, extra, on_stop):
    """Run kbctl argv while the committer stops at every fail point;
    on_stop(point, pid) at each. Returns (exit status, stdout, stderr)."""
    env = {"KBD_FAILPOINT_TRACE": "stop", "KBD_DRILL_DIRLOG": "1"}
    env.update(extra or {})
    trace = os.path.join(kb, ".kb", "failpoints.trace")
    if os.path.exists(trace):
        os.unlink(trace)
    p = subprocess.Popen([d.kbctl_bin, "-C", kb] + argv,
                         env=d.run_env(env), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    done = 0
    deadline = time.time() + 300
    while time.time() < deadline:
        lines = read_trace(kb)
        if len(lines) > done:
            pid, point = lines[done].split(" ", 1)
            pid = int(pid)
            if wait_stopped(pid):
                on_stop(point, pid)
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
            done += 1
            continue
        if p.poll() is not None:
            break
        time.sleep(0.001)
    out, err = p.communicate(timeout=120)
    # Stopping kbd passes no fail point; the environment had them.
    d.stop(kb)
    return p.returncode, out, err


def wait_stopped(pid):
    for _ in range(20000):
        try:
            with open("/proc/%d/stat" % pid) as f:
                st = f.read().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if st in ("T", "t"):
            return True
        if st in ("Z", "X"):
            return False
        time.sleep(0.0005)
    return False


def children(ppid, role):
    """kbd's children of one role (-X role), from /proc."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read().rsplit(")", 1)[1].split()
            if int(st[1]) != ppid:
                continue
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if len(cmd) > 2 and cmd[1] == b"-X" and cmd[2] == role.encode():
            out.append(int(p))
    return out


def descendants(pid):
    """pid and every process below it."""
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def wait_dead(pids):
    """Until no pid runs (gone or a zombie): a FUSE file system cannot
    be unmounted while a process holds a file open on it."""
    for _ in range(1000):
        alive = 0
        for q in pids:
            try:
                with open("/proc/%d/stat" % q) as f:
                    st = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            alive += st not in ("Z", "X")
        if not alive:
            return
        time.sleep(0.01)


def signal_quiet(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
