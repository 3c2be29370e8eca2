"""Family syscall: strace records the mutating system calls the committer
makes in each workload, then kills it on entering the Nth of each
(strace -e inject=CALL:signal=KILL:when=N). Unlike the fail points this
reaches SQLite's own writes and fsyncs, those of the checkpoint that
empties the WAL as kbd stops after the workload included (a kill there is
checked by the next start: the workload's documents, lint clean). A
machine where strace is absent or cannot attach (ptrace denied) skips the
family, and says why."""

import os
import shutil
import subprocess
import time

import images
import oracle
import procs
import workloads
from context import ATTEMPTS, Skip

FAMILY = "syscall"
NAMES = ["batch", "collide", "remove", "lintfix", "update", "move"]
SYSCALLS = ("openat", "write", "pwrite64", "fsync", "fdatasync",
            "rename", "renameat2", "unlink", "unlinkat", "mkdir",
            "mkdirat", "ftruncate", "link", "linkat")


class AttachError(Exception):
    pass


def strace_committer(d, kb, expr):
    """Start kbd on kb and attach strace to its committer; returns the
    strace process and its output file once the committer is traced."""
    d.kbctl(kb, "jobs", check=True)
    sup = int(open(os.path.join(kb, ".kb", "kbd.pid")).read())
    pid = None
    for _ in range(400):
        kids = procs.children(sup, "committer")
        if kids:
            pid = kids[0]
            break
        time.sleep(0.01)
    if pid is None:
        raise RuntimeError("no committer under kbd %d" % sup)
    out = os.path.join(kb, ".kb", "strace.out")
    st = subprocess.Popen(["strace", "-qq", "-p", str(pid), "-o", out]
                          + expr, stderr=subprocess.PIPE, text=True)
    # strace says nothing with -qq: wait until the committer is traced,
    # or strace gives up (ptrace denied).
    deadline = time.time() + 10
    while time.time() < deadline:
        with open("/proc/%d/status" % pid) as f:
            if any(ln.startswith("TracerPid:") and ln.split()[1] != "0"
                   for ln in f):
                return st, out
        if st.poll() is not None:
            raise AttachError("strace cannot attach to the committer "
                              "(exit %d): %s" % (st.returncode,
                                                 st.stderr.read().strip()))
        time.sleep(0.005)
    st.kill()
    st.wait()
    raise AttachError("strace did not attach to the committer in 10 s")


def run(d):
    if shutil.which("strace") is None:
        raise Skip("strace not installed")
    pts = {}
    for name in d.args.workload or NAMES:
        rec = d.images.get(name)
        if rec is None:
            continue
        pts[name] = syscall_workload(d, rec, first=not pts)
    return pts


def record(d, rec, first):
    """How many of each mutating call the committer makes in a clean
    run of the workload."""
    name = rec["name"]
    kb = os.path.join(d.tmp, name, "sys-record")
    images.copy_kb(rec["tmpl"], kb)
    try:
        st, out = strace_committer(d, kb, ["-e", "trace=" +
                                           ",".join(SYSCALLS)])
    except AttachError as e:
        d.stop(kb)
        if first:
            # This machine cannot trace: nothing here would be tested.
            raise Skip(str(e))
        d.violation(FAMILY, "%s: %s" % (name, e))
        return {}
    d.kbctl(kb, *workloads.json_argv(rec["argv"]))
    d.stop(kb)
    st.wait(timeout=30)
    counts = {}
    for line in open(out):
        call = line.split("(", 1)[0].strip()
        if call in SYSCALLS:
            counts[call] = counts.get(call, 0) + 1
    shutil.rmtree(kb, ignore_errors=True)
    if not counts:
        d.violation(FAMILY, "%s: strace recorded no mutating call of the "
                    "committer" % name)
    return counts


def syscall_workload(d, rec, first):
    name = rec["name"]
    counts = record(d, rec, first)
    runs = []
    # The batch add is the main workload; the others get fewer points
    # in the quick set.
    sample = 5 if name == "batch" else 1
    for sc, n in sorted(counts.items()):
        ks = list(range(1, n + 1))
        if not d.args.full:
            ks = sorted(set([1, n] + d.rng.sample(ks, min(n, sample))))
        runs.extend((sc, k) for k in ks)
    landed = 0
    for sc, k in runs:
        landed += syscall_one(d, rec, sc, k)
    d.note("syscall %s: %d of %d runs killed the committer; calls: %s"
           % (name, landed, len(runs), ", ".join(
               "%s %d" % kv for kv in sorted(counts.items()))))
    return landed


def syscall_one(d, rec, sc, k):
    """Kill the committer on entering the kth sc. Batches differ from run
    to run, so the kth call may not come: strace's record of the run
    says how many came (m), and the run is tried again at the mth, the
    last this run made, then halfway. A run that made the kth call and left the
    committer alive, or three runs that killed nothing, are violations."""
    what = "%s %s@%d" % (rec["name"], sc, k)
    for attempt in range(ATTEMPTS):
        kb = os.path.join(d.tmp, rec["name"], "sys-%s-%d%s" % (
            sc, k, ".%d" % attempt if attempt else ""))
        images.copy_kb(rec["tmpl"], kb)
        st = None
        try:
            st, out = strace_committer(
                d, kb, ["-e", "trace=" + sc, "-e",
                        "inject=%s:signal=KILL:when=%d" % (sc, k)])
            r = d.kbctl(kb, *workloads.json_argv(rec["argv"]))
            if syscall_check(d, rec, kb, what, r):
                return 1
            d.stop(kb)
            st.wait(timeout=30)
            with open(out) as f:
                m = sum(1 for ln in f if ln.startswith(sc + "("))
            if m >= k:
                if killed(out):
                    # The kth call came as kbd stopped: the committer's
                    # checkpoint that empties the WAL (db.c wal_truncate),
                    # after the workload: nothing to run again.
                    final_check(d, rec, kb, what + " (at the stop)")
                    return 1
                d.violation(FAMILY, "%s: the committer made the call and "
                            "lived: strace did not kill it" % what)
                return 0
            # Batch boundaries move with the workers' timing, so the
            # count can shrink again (collide made 10 unlinks, then 9,
            # 6 and 5): the second retry aims halfway, at a call a
            # shorter run still makes.
            nk = m if attempt == 0 else m // 2
            d.note("%s %s: %d such calls in this run, try the %s" %
                   (FAMILY, what, m, "last" if attempt == 0 else
                    "%dth" % max(1, nk)))
            k = max(1, nk) if m else k
        except AttachError as e:
            d.note("%s %s: %s" % (FAMILY, what, e))
        finally:
            d.stop(kb)
            if st is not None:
                st.wait(timeout=30)
            if not d.args.keep:
                shutil.rmtree(kb, ignore_errors=True)
    d.violation(FAMILY, "%s: the committer was not killed in %d runs" %
                (what, ATTEMPTS))
    return 0


def killed(out):
    """strace saw its tracee killed (by the injected SIGKILL)."""
    with open(out) as f:
        return any("+++ killed by SIGKILL +++" in ln for ln in f)


def final_check(d, rec, kb, what):
    """The next start recovers a KB with the workload's documents,
    consistent and lint clean."""
    lint = d.kbctl(kb, "lint", "--json")
    if lint.returncode != 0:
        d.violation(FAMILY, "%s: lint: %s" % (what, lint.stdout))
    d.stop(kb)
    oracle.check_final(d, FAMILY, what, rec, kb)


def syscall_check(d, rec, kb, what, r):
    if "committer gone" not in procs.read_log(kb):
        return False
    # An add goes on after its committer is killed; a remove or a
    # lint --fix may report the error, and is run again below.
    if rec["argv"][0] == "add" and r.returncode != 0:
        d.violation(FAMILY, "%s: the add failed after the "
                    "committer was killed: %s" % (what, r.stderr.strip()))
    have = {n for n, _ in oracle.doc_set(kb)}
    for doc in oracle.reported_added(r.stdout):
        if doc not in have:
            d.violation(FAMILY, "%s: reported added %s missing" %
                        (what, doc))
    d.kbctl(kb, *rec["argv"])
    final_check(d, rec, kb, what)
    return True
