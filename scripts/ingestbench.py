#!/usr/bin/env python3
"""make bench's small-file ingest (BENCH_ONLY=ingest, scripts/bench.sh).

gen DIR N: N Markdown files of about 2 KB, 1,000 to a folder (150,000 make
the 150 folders of issue 15).

add KBCTL KB TREE: init KB, add TREE with -v and time each event line as it
arrives; before kbd stops, read each process's CPU time and peak RSS from
/proc. Prints one line: seconds, files added, events, first-tenth seconds,
last-tenth seconds, supervisor peak RSS KiB, committer peak RSS KiB, then
CPU seconds of the supervisor, the workers (together) and the committer,
then the committer's CPU seconds over the first and the last tenth of the
events (what the machine's other load does not change), then the tail: the
seconds from the last file's event to kbctl's exit (the job's end, which
writes the concept pages its batches left pending) and the committer's CPU
seconds in it, then the speed probe's CPU microseconds for its fixed work
over the first and the last tenth; on stderr, the seconds, the
committer's CPU seconds and the probe's of each tenth.

The probe: a process beside the add that does the same small piece of
work four times a second and records the CPU time it took. On a shared
VM the machine's speed moves by a quarter over tens of seconds, and the
committer's CPU time moves with it (the host's other load, not visible
as steal); the probe's time says how fast the machine was in each tenth.
"""
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

# The lines of kbctl add -v that are one file's outcome.
FILE_EVENTS = (b"added", b"updated", b"moved", b"duplicate", b"skipped",
               b"failed", b"unchanged", b"removed", b"cancelled")


def gen(d, n):
    rnd = random.Random(n)
    words = ["w%d" % i for i in range(5000)]
    for i in range(n):
        sub = os.path.join(d, "d%03d" % (i // 1000))
        if i % 1000 == 0:
            os.makedirs(sub, exist_ok=True)
        body, size = [], 0
        while size < 1900:
            p = " ".join(rnd.choice(words) for _ in range(50))
            body.append(p)
            size += len(p) + 2
        with open(os.path.join(sub, "f%06d.md" % i), "w") as f:
            f.write("# Document %d\n\n%s\n" % (i, "\n\n".join(body)))


def proc_stat(pid):
    """CPU seconds (user + system) and peak RSS (KiB) of pid."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1])
    return cpu, rss


def children(pid):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read()
            with open("/proc/%s/cmdline" % p, "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if int(st.rsplit(")", 1)[1].split()[1]) == pid:
            out.append((int(p), b"committer" in b" ".join(cmd)))
    return out


PROBE = r"""
import sys, time
out = open(sys.argv[1], "w", buffering=1)
while True:
    t = time.process_time()
    x = 0
    for i in range(20000):
        x += i * i % 7
    out.write("%.6f %.6f\n" % (time.monotonic(), time.process_time() - t))
    time.sleep(0.25)
"""


def probe_means(path, times, tenth):
    """The probe's mean CPU microseconds for its work in each tenth."""
    with open(path) as f:
        rows = [tuple(map(float, line.split())) for line in f
                if len(line.split()) == 2]
    n, means = len(times), []
    for k in range(10):
        if k * tenth >= n:
            break
        a, b = times[k * tenth], times[min(n, (k + 1) * tenth) - 1]
        v = [dt for t, dt in rows if a <= t <= b]
        means.append(1e6 * sum(v) / len(v) if v else 0.0)
    return means


def add(kbctl, kb, tree):
    subprocess.run([kbctl, "-C", kb, "init"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["sync"], check=True)
    with open(os.path.join(kb, ".kb", "kbd.pid")) as f:
        sup = int(f.read().split()[0])
    com = [pid for pid, c in children(sup) if c]
    times, cpu = [], []
    # The last file's event: where the committer's CPU of the events ends.
    nfiles = sum(len(f) for _, _, f in os.walk(tree))
    last_cpu = None
    added = 0
    t0 = time.monotonic()
    # kbctl's errors go to a file: a failed add says why (a full disk,
    # say), not only that it failed.
    errs = tempfile.TemporaryFile()
    probe_out = tempfile.NamedTemporaryFile(suffix=".probe", delete=False)
    probe_out.close()
    probe = subprocess.Popen([sys.executable, "-c", PROBE, probe_out.name])
    p = subprocess.Popen(["stdbuf", "-oL", kbctl, "-C", kb, "add", "-v",
                          tree], stdout=subprocess.PIPE, stderr=errs)
    for line in p.stdout:
        # The files' events only: what follows the last (the job's end,
        # with the concept pages its batches left pending, and the
        # summary) is timed apart, as the tail.
        if not line.startswith(FILE_EVENTS):
            continue
        times.append(time.monotonic())
        # The committer's CPU time every 100 events: flat cost measured
        # where the machine's other load does not count.
        if com and len(times) % 100 == 1:
            cpu.append(proc_stat(com[0])[0])
        if com and len(times) == nfiles:
            last_cpu = proc_stat(com[0])[0]
        if line.startswith(b"added"):
            added += 1
    p.wait()
    t1 = time.monotonic()
    probe.kill()
    probe.wait()
    end_cpu = proc_stat(com[0])[0] if com else 0.0
    # The full-text index is merged after the reply, once the committer
    # is idle (compact.c): its time is printed apart, and the committer's
    # CPU by role counts it.
    merge = merged_after(kb, t1) if p.returncode == 0 else 0.0
    if last_cpu is None:
        last_cpu = end_cpu
    tail = t1 - times[-1] if times else 0.0
    tail_cpu = end_cpu - last_cpu
    if p.returncode != 0:
        errs.seek(0)
        lines = errs.read().decode(errors="replace").splitlines()
        sys.exit("kbctl add exited %d%s" % (
            p.returncode, ": " + lines[-1] if lines else ""))
    errs.close()
    n = len(times)
    tenth = max(1, n // 10)
    first = times[tenth - 1] - times[0]
    last = times[-1] - times[n - tenth]
    # Every tenth on stderr: where the cost grows, if it does.
    print("tenths of the events (s): " + " ".join(
        "%.1f" % (times[min(n, (k + 1) * tenth) - 1] - times[k * tenth])
        for k in range(min(10, n))), file=sys.stderr)
    sup_cpu, sup_rss = proc_stat(sup)
    # The committer's CPU over the first and the last tenth of the events
    # (to the nearest 100 events; 0 when there are too few).
    step = max(1, tenth // 100)
    cpu.append(last_cpu)
    if len(cpu) > 2 * step:
        cfirst, clast = cpu[step] - cpu[0], cpu[-1] - cpu[-1 - step]
    else:
        cfirst = clast = 0.0
    print("committer CPU by tenth (s): " + " ".join(
        "%.1f" % (cpu[min(len(cpu) - 1, (k + 1) * step)] - cpu[k * step])
        for k in range(10) if k * step < len(cpu) - 1), file=sys.stderr)
    pm = probe_means(probe_out.name, times, tenth)
    os.unlink(probe_out.name)
    print("probe CPU by tenth (us): " + " ".join("%.0f" % m for m in pm),
          file=sys.stderr)
    pfirst, plast = (pm[0], pm[-1]) if pm else (0.0, 0.0)
    work_cpu = com_cpu = 0.0
    com_rss = 0
    for pid, committer in children(sup):
        cpu, rss = proc_stat(pid)
        if committer:
            com_cpu, com_rss = cpu, rss
        else:
            work_cpu += cpu
    print("%.3f %d %d %.3f %.3f %d %d %.2f %.2f %.2f %.2f %.2f %.3f %.2f "
          "%.1f %.1f %.2f" % (
              t1 - t0, added, n, first, last, sup_rss, com_rss,
              sup_cpu, work_cpu, com_cpu, cfirst, clast, tail, tail_cpu,
              pfirst, plast, merge))


def merged_after(kb, t1):
    """Seconds from kbctl add's return until the committer recorded the
    full-text index merged (meta 'fts_changed' 0), at most 600."""
    db = "file:%s?mode=ro" % os.path.join(kb, ".kb", "kb.db")
    while time.monotonic() - t1 < 600:
        try:
            con = sqlite3.connect(db, uri=True, timeout=10)
            try:
                row = con.execute("SELECT value FROM meta"
                                  " WHERE key = 'fts_changed'").fetchone()
            finally:
                con.close()
        except sqlite3.Error:
            row = None
        # No row: a kbd that merges before its reply, or nothing to merge.
        if row is None or str(row[0]) == "0":
            break
        time.sleep(0.05)
    return time.monotonic() - t1


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "add":
        add(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: ingestbench.py gen DIR N | add KBCTL KB TREE")
