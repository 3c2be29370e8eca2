"""Families dirloss and powerloss: at each crash image, a seeded random
part of what was not yet durable is lost (dirlog.py): directory entries
(dirloss), and also file data (powerloss); the image is then recovered
and must be in the state before or after the mutation, and consistent.
An image with no .kb/dirlog, once the workload has written one, would
have nothing to lose: that is a violation, not a pass."""

import shutil

import dirlog
import images
import oracle
import procs


def logged_images(d, family, rec):
    """The workload's crash images, in order, each with a dirlog. The
    first images may come before the committer's first logged change;
    from the first with a dirlog on, each must have one, and some must."""
    seen = False
    for i, label, img in rec["stops"]:
        if img is None:
            continue
        if dirlog.has_dirlog(img):
            seen = True
            yield i, label, img
        elif seen:
            d.violation(family, "%s %s: the image has no .kb/dirlog, an "
                        "earlier one had" % (rec["name"], label))
    if not seen and not d.args.point:
        d.violation(family, "%s: no crash image has a .kb/dirlog "
                    "(KBD_DRILL_DIRLOG not honoured?)" % rec["name"])


def check(d, family, rec, i, work, what):
    """Recover work (image i with losses) and compare with the oracle."""
    before, after = oracle.allowed(rec["snaps"], i)
    why = procs.recover(d, work)
    if why:
        d.violation(family, "%s: recovery: %s" % (what, why))
    else:
        got = oracle.dump(work)
        p = oracle.consistent_state(rec, work, got)
        if got not in (before, after):
            d.violation(family, "%s: neither before nor after\n%s" % (
                what, oracle.diff(got, before, after)))
        elif p:
            d.violation(family, "%s: %s" % (what, p[:4]))
    if not d.args.keep:
        shutil.rmtree(work)


def run_dirloss(d):
    """Undo a seeded random subset of the directory entries not yet
    durable at each crash image, then recover."""
    pts = {}
    for name, rec in sorted(d.images.items()):
        pts[name] = 0
        for i, label, img in logged_images(d, "dirloss", rec):
            pend = dirlog.pending(img)
            if not pend:
                continue
            tries = 8 if d.args.full else d.args.subsets
            for t in range(tries):
                lost = [e for e in pend if d.rng.random() < 0.5]
                if not lost:
                    continue
                pts[name] += 1
                work = "%s.d%d" % (img, t)
                images.copy_kb(img, work)
                for e in reversed(lost):
                    dirlog.undo(work, e)
                check(d, "dirloss", rec, i, work, "%s %s, lost %s" % (
                    name, label, ["/".join(e[:3]) for e in lost][:6]))
    return pts


def run_powerloss(d):
    """Power loss: at each crash image, a seeded random subset of the
    files with unsynced data lose it (dirlog.lose_data), and a random
    subset of the directory entries not yet durable are undone (as
    dirloss), then the image is recovered and checked like any other."""
    pts = {}
    for name, rec in sorted(d.images.items()):
        pts[name] = 0
        for i, label, img in logged_images(d, "powerloss", rec):
            data = dirlog.unsynced(img)
            pend = dirlog.pending(img)
            if not data:
                continue
            tries = 6 if d.args.full else d.args.plosses
            for t in range(tries):
                files = sorted(p for p in data if d.rng.random() < 0.5)
                if not files:
                    files = [d.rng.choice(sorted(data))]
                lost = [e for e in pend if d.rng.random() < 0.5]
                pts[name] += 1
                work = "%s.p%d" % (img, t)
                images.copy_kb(img, work)
                done = [dirlog.lose_data(d.rng, work, p, data[p])
                        for p in files]
                for e in reversed(lost):
                    dirlog.undo(work, e)
                check(d, "powerloss", rec, i, work,
                      "%s %s, lost data %s, entries %s" % (
                          name, label, [x for x in done if x][:6],
                          ["/".join(e[:3]) for e in lost][:6]))
    return pts
