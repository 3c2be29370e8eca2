"""Family crash: a crash before every step of each workload. Each crash
image (images.py) is recovered by a committer run alone and must be in
the state before or after the mutation it interrupted, and consistent; a
sample is restarted under kbd and the workload finished; a sample of
points is crashed for real (KBD_FAILPOINT=point:crash@N). Also checks
that each workload's own uninterrupted run did what it should."""

import json
import os
import shutil

import images
import oracle
import procs
import workloads
from context import ATTEMPTS, COMMIT_POINTS

FAMILY = "crash"


def run(d):
    pts = {}
    for name in d.args.workload or workloads.NAMES:
        take(d, name)
        pts[name] = check(d, name)
    return pts


def take(d, name):
    """Workload name's crash images (images.py), and its own run
    checked: what every family that recovers its images needs first."""
    rec = images.take(d, name)
    outcome(d, rec)
    return rec


def run_images(d):
    """Only the images the other families recover, when crash itself was
    not asked for (drills-negative: powerloss alone catches every broken
    build, and checking each image here too doubled its time). Counts
    the images taken; outcome() still checks the workload's own run."""
    pts = {}
    for name in d.args.workload or workloads.NAMES:
        rec = take(d, name)
        pts[name] = sum(1 for s in rec["stops"] if s[2] is not None)
    return pts


def outcome(d, rec):
    """The workload's own run, uninterrupted but for its stops: what it
    reports and leaves is what it should (workloads.py), and it did
    mutate the KB (or every image would trivially be "before")."""
    name, w = rec["name"], rec["workload"]
    lint = rec["lint"]
    if lint.returncode != 0:
        d.violation(FAMILY, "%s: lint after the workload: %s" %
                    (name, lint.stdout.strip()))
    have = {n for n, _ in rec["docs_final"]}
    for doc in oracle.reported_added(rec["run"]["out"]):
        if doc not in have:
            d.violation(FAMILY, "%s: reported added %s missing" %
                        (name, doc))
    for p in w.check(d, rec["run"]):
        d.violation(FAMILY, "%s: the workload itself: %s" % (name, p))
    if w.failpoint is None:
        if not any(label.split("@")[0] in COMMIT_POINTS
                   for _, label, _ in rec["stops"]):
            d.violation(FAMILY, "%s: the workload passed no commit point"
                        % name)
        if oracle.unstamped(rec["snaps"][0][1]) == \
                oracle.unstamped(rec["final"]):
            d.violation(FAMILY, "%s: the workload changed nothing" % name)


def check(d, name):
    """Each crash image of workload name (taken) recovered and compared
    with the oracle, a sample restarted under kbd, a sample of its
    points crashed for real. Returns the points checked."""
    rec = d.images[name]
    stops = rec["stops"]
    checked = 0
    imgs = [s for s in stops if s[2] is not None]
    resume = set()
    if imgs:
        k = len(imgs) if d.args.full else min(len(imgs), d.args.resume)
        resume = set(x[0] for x in d.rng.sample(imgs, k))
    for i, label, img in imgs:
        checked += 1
        before, after = oracle.allowed(rec["snaps"], i)
        work = img + ".r"
        images.copy_kb(img, work)
        why = procs.recover(d, work)
        if why:
            d.violation(FAMILY, "%s %s: recovery failed: %s" %
                        (name, label, why))
            continue
        got = oracle.dump(work)
        if got not in (before, after):
            d.violation(FAMILY, "%s %s: state after recovery is "
                        "neither before nor after the mutation\n%s"
                        % (name, label, oracle.diff(got, before, after)))
            continue
        probs = oracle.consistent_state(rec, work, got)
        if probs:
            d.violation(FAMILY, "%s %s: inconsistent after "
                        "recovery: %s" % (name, label, probs[:5]))
            continue
        rec.setdefault("recovered", {})[i] = got
        if i in resume:
            resume_check(d, FAMILY, rec, label, img)
        if not d.args.keep:
            shutil.rmtree(work)
    # The same points as real crashes (KBD_FAILPOINT=point:crash@N):
    # kbd restarts the committer, which recovers, and the job ends.
    if rec["workload"].failpoint is None:
        pts = [s for s in stops if not s[1].startswith("end@")]
        if d.args.point:
            pts = [s for s in pts if s[1] == d.args.point]
        elif not d.args.full:
            pts = d.rng.sample(pts, min(len(pts), d.args.real))
        for i, label, img in pts:
            checked += real_crash(d, rec, label)
    return checked


def real_crash(d, rec, label):
    """Crash the committer at label for real. A run that does not reach
    the point (batches are cut as files are ready, so a run may pass it
    fewer times than the run that listed it) is run again; when it passed
    the point fewer times than nth, the next run takes the last time it
    passed, as the ioerr and syscall families do. A point never reached
    is a violation: the run would have checked nothing."""
    name = rec["name"]
    point, nth = label.rsplit("@", 1)
    nth = int(nth)
    spec = "%s:crash@%d" % (point, nth)
    for attempt in range(ATTEMPTS):
        hits = real_crash_once(d, rec, label, spec, point, nth, attempt)
        if hits is True:
            return 1
        if attempt + 1 < ATTEMPTS:
            if 0 < hits < nth:
                nth = hits
                spec = "%s:crash@%d" % (point, nth)
                d.note("%s %s %s: passed %d times in this run, try the "
                       "last" % (FAMILY, name, spec, hits))
            else:
                d.note("%s %s %s: not reached, run again" %
                       (FAMILY, name, spec))
    d.violation(FAMILY, "%s %s: the point was not reached in %d runs" %
                (name, spec, ATTEMPTS))
    return 0


def real_crash_once(d, rec, label, spec, point, nth, attempt):
    name = rec["name"]
    kb = os.path.join(d.tmp, name, "real-%s%s" % (
        label, ".%d" % attempt if attempt else ""))
    images.copy_kb(rec["tmpl"], kb)
    argv = workloads.json_argv(rec["argv"])
    try:
        r = d.kbctl(kb, *argv, extra={"KBD_FAILPOINT": spec,
                                      "KBD_FAILPOINT_TRACE": "1"})
        if "committer gone" not in procs.read_log(kb):
            hits = procs.trace_hits(kb, point)
            if hits < nth:
                return hits  # not reached: how often it was passed
            d.violation(FAMILY, "%s %s: the point was reached "
                        "and the committer lived" % (name, spec))
            return True
        if argv[0] == "add" and r.returncode != 0:
            d.violation(FAMILY, "%s %s: the add failed after a "
                        "committer crash: %s" % (name, spec,
                                                 r.stderr.strip()))
        have = {n for n, _ in oracle.doc_set(kb)}
        for doc in oracle.reported_added(r.stdout):
            if doc not in have:
                d.violation(FAMILY, "%s %s: reported added %s "
                            "missing" % (name, spec, doc))
        d.kbctl(kb, *rec["argv"])
        lint = d.kbctl(kb, "lint", "--json")
        if lint.returncode != 0:
            d.violation(FAMILY, "%s %s: lint: %s" %
                        (name, spec, lint.stdout.strip()))
        d.stop(kb)
        oracle.check_final(d, FAMILY, "%s %s" % (name, spec), rec, kb)
        return True
    finally:
        d.stop(kb)
        if not d.args.keep:
            shutil.rmtree(kb, ignore_errors=True)


def resume_check(d, family, rec, label, img, extra=None):
    """Restart kbd on a crash image (with extra in its environment),
    let the job finish, run the workload again: the documents are the
    clean run's, once each. Returns kbd's log."""
    kb = img + ".k"
    images.copy_kb(img, kb)
    log = ""
    try:
        argv = rec["argv"]
        jobs = d.kbctl(kb, "jobs", "--json", extra=extra)
        for j in json.loads(jobs.stdout or "[]"):
            if j.get("state") in ("running", "queued"):
                d.kbctl(kb, "wait", str(j["job"]), "--json")
        r = d.kbctl(kb, *workloads.json_argv(argv))
        if argv[0] == "add" and r.returncode != 0:
            d.violation(family, "%s %s: add again after restart: %s"
                        % (rec["name"], label, r.stderr.strip()))
        lint = d.kbctl(kb, "lint", "--json")
        if lint.returncode != 0:
            d.violation(family, "%s %s: lint after restart: %s" %
                        (rec["name"], label, lint.stdout.strip()))
        d.stop(kb)
        got = oracle.doc_set(kb)
        if got != rec["docs_final"]:
            d.violation(family, "%s %s: documents after restart "
                        "differ: missing %s extra %s" %
                        (rec["name"], label,
                         sorted(rec["docs_final"] - got)[:4],
                         sorted(got - rec["docs_final"])[:4]))
        log = procs.read_log(kb)
    finally:
        d.stop(kb)
        if not d.args.keep:
            shutil.rmtree(kb, ignore_errors=True)
    return log

