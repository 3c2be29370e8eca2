"""Family ioerr: EIO and ENOSPC (KBD_FAILPOINT=point:eio@N) at the write,
fsync and rename points of the batch, remove, lintfix, update, move and
prune workloads. At a
sync point the committer must exit; elsewhere the error reaches the
client and the failed mutation is rolled back. The workload run again
then ends as the clean run did."""

import os
import shutil

import images
import oracle
import procs
import workloads
from context import ATTEMPTS, COMMIT_POINTS, SYNC_WORDS

FAMILY = "ioerr"
NAMES = ["batch", "remove", "lintfix", "update", "move", "prune"]


def run(d):
    pts = {}
    for name in (d.args.workload or NAMES):
        rec = d.images.get(name)
        if rec is None or name == "rollback":
            continue
        pts[name] = 0
        for point, nth in io_points(d, rec):
            actions = ["eio", "enospc"]
            if not d.args.full and any(w in point for w in SYNC_WORDS):
                actions = ["eio"]
            for act in actions:
                pts[name] += ioerr_one(d, rec, point, nth, act)
    return pts


def io_points(d, rec):
    seen = {}
    for i, label, img in rec["stops"]:
        point, nth = label.rsplit("@", 1)
        # After the commit: cleanup and AGENTS.md (derived, rewritten
        # at the next change or start) are best effort, not reported.
        if point == "end" or point.startswith("init.") or \
                point.startswith("cleanup.") or \
                point.startswith("agents."):
            continue
        # lintfix shares the journal and publish steps with the other
        # workloads: quick runs take only its own points.
        if rec["name"] == "lintfix" and not d.args.full and \
                not point.startswith("lintfix."):
            continue
        seen.setdefault(point, []).append(int(nth))
    pts = []
    for point, ns in sorted(seen.items()):
        if d.args.full:
            pts.extend((point, k) for k in ns)
        else:
            pts.append((point, ns[0]))
            if len(ns) > 2 and rec["name"] != "lintfix":
                pts.append((point, ns[-1]))
    if d.args.point:
        p, k = d.args.point.rsplit("@", 1)
        pts = [(p, int(k))]
    return pts


def ioerr_one(d, rec, point, nth, act):
    """One injected error. A run that does not reach the point (batches
    are cut as files are ready) is run again; when the run passed the
    point fewer times than nth (a point of each batch, and fewer batches
    this time), the next run takes the last time it passed, as the
    syscall family does. A point never reached is a violation, not a
    pass."""
    spec = "%s:%s@%d" % (point, act, nth)
    for attempt in range(ATTEMPTS):
        hits = ioerr_once(d, rec, point, nth, act, spec, attempt)
        if hits is True:
            return 1
        if attempt + 1 < ATTEMPTS:
            if 0 < hits < nth:
                nth = hits
                spec = "%s:%s@%d" % (point, act, nth)
                d.note("%s %s %s: passed %d times in this run, try the "
                       "last" % (FAMILY, rec["name"], spec, hits))
            else:
                d.note("%s %s %s: not reached, run again" %
                       (FAMILY, rec["name"], spec))
    d.violation(FAMILY, "%s %s: the point was not reached in %d runs" %
                (rec["name"], spec, ATTEMPTS))
    return 0


def ioerr_once(d, rec, point, nth, act, spec, attempt):
    name = rec["name"]
    kb = os.path.join(d.tmp, name, "io-%s%s" % (
        spec.replace(":", "-"), ".%d" % attempt if attempt else ""))
    images.copy_kb(rec["tmpl"], kb)
    argv = workloads.json_argv(rec["argv"])
    try:
        r = d.kbctl(kb, *argv, extra={"KBD_FAILPOINT": spec,
                                      "KBD_FAILPOINT_TRACE": "1"})
        hits = procs.trace_hits(kb, point)
        if hits < nth:
            return hits  # not reached: how often it was passed
        log = procs.read_log(kb)
        died = "committer gone" in log
        sync = any(w in point for w in SYNC_WORDS)
        errtext = ("Input/output error" if act == "eio"
                   else "No space left on device")
        if sync and not died:
            d.violation(FAMILY, "%s %s: a failed fsync did not make "
                        "the committer exit" % (name, spec))
        if point.startswith("compact."):
            # The index's merge (compact.c) is upkeep after the client's
            # mutation, which stands: its failure is rolled back and
            # logged, not the client's error. The checks below (lint,
            # what was reported, the rerun) hold as for any point.
            if errtext not in log or \
                    "merging the full-text index" not in log:
                d.violation(FAMILY, "%s %s: failed merge not logged"
                            % (name, spec))
        elif not died and any(errtext in l for l in log.splitlines()
                              if "concept pages left pending" in l):
            # The failure hit a flush of the concept pages batches left
            # pending (conceptflush.c: at the job's end, after its
            # documents are committed): upkeep as the merge is, logged,
            # the marks kept for the next flush, the job done. The
            # checks below hold as for any point. A batch that failed
            # is its client's error and does not log this line.
            pass
        elif not died and point not in COMMIT_POINTS:
            # The mutation failed, was rolled back and was reported.
            out = r.stdout + r.stderr
            if errtext not in out:
                d.violation(FAMILY, "%s %s: error not reported: %s"
                            % (name, spec, out.strip()[-300:]))
        if rec.get("planted") is not None:
            # Rolled back to the planted problems, or repaired.
            d.stop(kb)
            got = oracle.dump(kb)
            if got != rec["planted"] and oracle.unstamped(got) != \
                    oracle.unstamped(rec["final"]):
                d.violation(FAMILY, "%s %s: neither before nor "
                            "after\n%s" % (name, spec, oracle.diff(
                                got, rec["planted"], rec["final"])))
            probs = None
        else:
            probs = d.kbctl(kb, "lint", "--json")
        if probs is not None and probs.returncode != 0:
            d.violation(FAMILY, "%s %s: lint: %s" %
                        (name, spec, probs.stdout.strip()))
        reported = oracle.reported_added(r.stdout)
        have = {n for n, _ in oracle.doc_set(kb)}
        for doc in reported:
            if doc not in have:
                d.violation(FAMILY, "%s %s: reported added %s "
                            "missing" % (name, spec, doc))
        if rec["argv"][0] == "add" and not died:
            # A failed batch left nothing: every document that differs
            # from the KB before the run (empty, or added before an
            # update or move) was reported changed.
            before = oracle.doc_set(rec["tmpl"])
            now = oracle.doc_set(kb)
            changed = set(oracle.reported_changed(r.stdout))
            extra = {n for n, _ in now - before} - changed
            lost = {n for n, _ in before - now} - changed
            if extra or lost:
                d.violation(FAMILY, "%s %s: documents not reported "
                            "changed differ from before (not rolled "
                            "back): %s %s" % (name, spec, sorted(extra),
                                              sorted(lost)))
        # The same mutation again: it completes.
        r2 = d.kbctl(kb, *argv)
        if rec["argv"][0] == "add" and r2.returncode != 0:
            d.violation(FAMILY, "%s %s: second run failed: %s" %
                        (name, spec, r2.stderr.strip()))
        d.stop(kb)
        oracle.check_final(d, FAMILY, "%s %s" % (name, spec), rec, kb,
                           "documents after the rerun differ")
        return True
    finally:
        d.stop(kb)
        if not d.args.keep:
            shutil.rmtree(kb, ignore_errors=True)
