"""Family recovery: crash again at every step of the recovery of the
images whose recovery does the most; each such image recovered again
must equal the uninterrupted recovery. Then real failures in recovery
(KBD_FAILPOINT=recover.*:...): kbd's first committer dies there, its
successor recovers, the job finishes."""

import shutil

import images
import oracle
import procs
from families.crash import resume_check

FAMILY = "recovery"

# The last step before each commit point (a whole batch to roll back),
# each commit point (finalize), the middle of publishing and removing.
PICK_POINTS = ("batch.commit", "remove.commit", "batch.committed",
               "remove.committed", "publish.summary.rename",
               "remove.unlink", "recover.restore", "lintfix.commit",
               "lintfix.committed", "lintfix.unlink")


def run(d):
    pts = {}
    for name, rec in sorted(d.images.items()):
        pts[name] = 0
        for i, label, img in recovery_picks(d, rec):
            pts[name] += recovery_image(d, rec, i, label, img)
    if "batch" in d.images:
        pts["real"] = real_recovery_crash(d)
    return pts


def recovery_picks(d, rec):
    """Images whose recovery does the most (PICK_POINTS): the last of
    each point, every one with --full."""
    by = {}
    for i, label, img in rec["stops"]:
        if img is None:
            continue
        point = label.split("@")[0]
        if point in PICK_POINTS:
            by.setdefault(point, []).append((i, label, img))
    picks = []
    for point, v in sorted(by.items()):
        picks.extend(v if d.args.full else v[-1:])
    return picks


def recovery_image(d, rec, i, label, img):
    name = rec["name"]
    base = img + ".base"
    images.copy_kb(img, base)
    why = procs.recover(d, base)
    if why:
        d.violation(FAMILY, "%s %s: %s" % (name, label, why))
        return 0
    want = oracle.dump(base)
    shutil.rmtree(base)
    work = img + ".rs"
    images.copy_kb(img, work)
    sub = []
    counts = {}

    def on_stop(point):
        counts[point] = counts.get(point, 0) + 1
        dst = "%s.%03d" % (work, len(sub))
        images.copy_kb(work, dst)
        sub.append(("%s@%d" % (point, counts[point]), dst))

    why = procs.recover(d, work, {"KBD_FAILPOINT_TRACE": "stop",
                                  "KBD_DRILL_DIRLOG": "1"}, on_stop)
    if why:
        d.violation(FAMILY, "%s %s: recovery under stops: %s" %
                    (name, label, why))
    n = 0
    for rlabel, dst in sub:
        n += 1
        why = procs.recover(d, dst)
        if why:
            d.violation(FAMILY, "%s %s, crash at %s: %s" %
                        (name, label, rlabel, why))
        elif oracle.dump(dst) != want:
            d.violation(FAMILY, "%s %s, crash at %s: recovered "
                        "state differs from an uninterrupted recovery"
                        % (name, label, rlabel))
        elif oracle.consistent_state(rec, dst, want):
            d.violation(FAMILY, "%s %s, crash at %s: %s" %
                        (name, label, rlabel,
                         oracle.consistent_state(rec, dst, want)))
        if not d.args.keep:
            shutil.rmtree(dst)
    if not d.args.keep:
        shutil.rmtree(work)
    return n


def real_recovery_crash(d):
    """Real failures in recovery (KBD_FAILPOINT): kbd's first committer
    dies there (SIGKILL, or exits on EIO or ENOSPC), its successor
    (without the fail point) recovers, the job finishes."""
    rec = d.images["batch"]
    picks = [s for s in rec["stops"] if s[2] is not None and
             s[1].startswith("batch.commit@")]
    if not picks:
        return 0
    i, label, img = picks[-1]
    ns = range(1, 9) if d.args.full else (1, 2, 3)
    specs = ["recover.*:%s@%d" % (a, n) for n in ns
             for a in ("crash", "eio", "enospc")]
    if not d.args.full:
        specs = [specs[1], specs[3], specs[8]]
    n = 0
    for spec in specs:
        log = resume_check(d, FAMILY, rec, "%s (%s)" % (label, spec), img,
                           {"KBD_FAILPOINT": spec})
        if "committer gone" not in log or "recovery:" not in log:
            d.violation(FAMILY, "%s: with %s the committer did "
                        "not fail in recovery and recover after" %
                        (label, spec))
        else:
            n += 1
    return n
