"""Crash images: a KB copied as a crash would leave it. A workload runs
from a fresh KB with its committer stopped before every step
(KBD_FAILPOINT_TRACE=stop); at each stop the whole KB is copied (cp -a,
hard links kept: what the kernel already holds is what a SIGKILL
leaves), and at each commit point the live KB is dumped (the state after
that mutation). The record of one workload's run is what every family
that recovers images works from."""

import os
import subprocess

import oracle
import procs
import workloads
from context import COMMIT_POINTS


def copy_kb(kb, dst):
    subprocess.run(["cp", "-a", kb, dst], check=True)
    for f in ("kbd.sock", "kbd.pid", "socket"):
        try:
            os.unlink(os.path.join(dst, ".kb", f))
        except FileNotFoundError:
            pass


def prepare(d, name):
    """A fresh KB set up for workload name, stopped, and a template copy
    of it. Returns (workload, dir, src, kb, template, argv)."""
    w = workloads.TABLE[name]
    wd = os.path.join(d.tmp, name)
    src, kb = os.path.join(wd, "src"), os.path.join(wd, "kb")
    os.makedirs(src, exist_ok=True)
    d.kbctl(kb, "init", check=True)
    w.setup(d, kb, src)
    d.stop(kb)
    tmpl = os.path.join(wd, "template")
    copy_kb(kb, tmpl)
    return w, wd, src, kb, tmpl, w.argv(d, kb, src)


def take(d, name):
    """Run workload name with stops, taking its crash images. Returns its
    record: "stops" [(index, point@N, image or None)], "snaps" [(index,
    dump)] before the first stop, at each commit point and after the
    last, "final" (the dump after), "run" (what the workload's own check
    reads, workloads.py), "lint" (kbctl lint on the KB it left) and
    "docs_final" (the documents once the workload was run again: what a
    restarted workload must end with)."""
    w, wd, src, kb, tmpl, argv = prepare(d, name)
    # kbctl list in w.argv started kbd: stop it before the clean dump.
    d.stop(kb)
    s0 = oracle.dump(kb)
    docs0 = oracle.doc_set(kb)
    imgdir = os.path.join(wd, "img")
    os.makedirs(imgdir)
    stops = []          # (index, point@N, image path or None)
    snaps = [(-1, s0)]  # (index, dump) after each commit
    counts = {}

    def on_stop(point, pid):
        key = (pid, point)
        counts[key] = counts.get(key, 0) + 1
        label = "%s@%d" % (point, counts[key])
        i = len(stops)
        img = None
        if d.want_point(label):
            img = os.path.join(imgdir, "%04d" % i)
            copy_kb(kb, img)
        stops.append((i, label, img))
        if point in COMMIT_POINTS:
            snaps.append((i, oracle.dump(kb)))

    extra = {"KBD_FAILPOINT": w.failpoint} if w.failpoint else None
    rc, out, err = procs.run_stopped(d, kb, workloads.json_argv(argv),
                                     extra, on_stop)
    final = oracle.dump(kb)
    docs1 = oracle.doc_set(kb)
    left = oracle.consistent(kb)
    concepts = oracle.concepts(kb)
    i_end = len(stops)
    # One point after the last: the KB as the workload left it.
    if d.want_point("end@1"):
        img = os.path.join(imgdir, "%04d" % i_end)
        copy_kb(kb, img)
        stops.append((i_end, "end@1", img))
    snaps.append((i_end, final))
    lint = d.kbctl(kb, "lint", "--json")
    # What a restarted workload must end with: the workload run again
    # (a failed batch's files are added; a remove finds nothing).
    again = d.kbctl(kb, *argv)
    d.stop(kb)
    docs_final = oracle.doc_set(kb)
    run = {"argv": argv, "rc": rc, "out": out, "err": err,
           "before": docs0, "after": docs1, "tmpl": tmpl, "left": left,
           "again": again.returncode, "final": docs_final,
           "concepts": concepts}
    rec = {"name": name, "src": src, "argv": argv, "tmpl": tmpl,
           "stops": stops, "snaps": snaps, "final": final,
           "docs_final": docs_final, "rc": rc, "run": run, "lint": lint,
           "workload": w, "planted": s0 if w.planted else None}
    d.images[name] = rec
    return rec
