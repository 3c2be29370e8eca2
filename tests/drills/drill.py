#!/usr/bin/env python3
"""Crash-recovery drills for kbd (docs/crash-safety.md).

Drives the real kbd and kbctl of a test build (FAILPOINTS=1) over seeded
workloads and checks, after every simulated crash, I/O error, kill or
power loss, that the KB is in the state before or after the interrupted
mutation, that what kbctl reported done is there, and that lint is clean.

Families (--family, default all):
  crash     stop the committer at every fail point of each workload
            (KBD_FAILPOINT_TRACE=stop), copy the KB there (a crash image),
            recover each image alone and compare with the oracle; sampled
            images are also restarted under kbd and the add finished
  recovery  crash again at every step of the recovery of interrupted
            batches, recover, compare with the undisturbed recovery; one
            real SIGKILL in recovery through KBD_FAILPOINT
  ioerr     EIO and ENOSPC at write, fsync and rename points
  kill      kill -9 of the committer, a worker or kbd during a large add
  dirloss   undo a seeded random subset of the directory entries not yet
            made durable at each crash image (.kb/dirlog), then recover
  powerloss as dirloss, and also revert a random subset of the file data
            written since the file's last fsync (cut back, torn, zeros or
            garbage), then recover
  lazyfs    on LazyFS ($LAZYFS, or built by scripts/lazyfs.sh): at each
            fsync and rename point, drop its unsynced data, kill kbd,
            remount, recover and check

--durability fsync makes the committer fsync each published file instead
of one syncfs (KBD_DURABILITY, kbd(8)), as it does on FUSE and network
file systems, so the drills cover that path on any file system.

One point: --family crash --workload batch --point publish.raw@2
checks only the crash image taken before the 2nd publish.raw, and keeps
its directory (--keep) for inspection.

Every family must exercise at least one point, and each workload it
covers at least one (unless --point narrows the run), or that is a
violation: a family that checked nothing does not pass. A family this
machine cannot run (strace absent or denied, no LazyFS) prints
"drills FAMILY: skipped: REASON".

The modules: drill.py (options, the families run, the summary),
context.py (the state of a run), workloads.py, images.py (crash images),
oracle.py (dumps and the before/after checks), dirlog.py (the power-loss
model), procs.py (processes), families/ (one module per family).

The last line counts the families that ran and were skipped, and the
points exercised ("drills (quick): 7 of 8 families ran, N points, 1
skipped: lazyfs"); it is also appended to $KBD_CHECK_COUNTS when set
(make check prints those lines last). Fewer families ran or skipped than
asked for is an error.

Exit status 0 if no violation, 1 otherwise, 2 on a usage or setup error
(a traceback included: it is never taken for a violation).
"""

import argparse
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

import families
import workloads
from context import Caught, Drill, Skip
from families import crash

# Families that recover crash images need the crash family's images.
NEED_IMAGES = ("recovery", "ioerr", "syscall", "dirloss", "powerloss")


def require(d, fam, pts):
    """A family, and each workload it covered, exercised some point."""
    if sum(pts.values()) == 0:
        d.violation(fam, "no point exercised: the family checked nothing")
    elif d.args.point is None:
        for name, n in sorted(pts.items()):
            if n == 0:
                d.violation(fam, "%s: no point exercised" % name)


def run_one(d, fam, run):
    """Run one family with its own random source (seeded by the run's
    seed and the family's name, so that what it samples does not depend
    on which families ran before it or beside it). Returns ("ran",
    points per workload, wall seconds, its violations) or ("skip",
    reason, 0, [])."""
    d.rng = random.Random("%d:%s" % (d.args.seed, fam))
    before = len(d.violations)
    t0 = time.time()
    try:
        pts = run(d)
    except Skip as e:
        return ("skip", str(e), 0, [])
    wall = time.time() - t0
    require(d, fam, pts)
    return ("ran", pts, wall, d.violations[before:])


def report(d, fam, res, ran, skipped):
    """Print and count one family's result; returns its points."""
    kind, what, wall, viol = res
    if kind == "skip":
        print("drills %s: skipped: %s" % (fam, what))
        sys.stdout.flush()
        skipped.append(fam)
        return 0
    ran.append(fam)
    if fam == "crash" and d.images_only:
        print("drills crash (images only): %d images taken, %d "
              "violations, %.1f s" % (sum(what.values()), len(viol), wall))
    else:
        print("drills %s: %d points exercised, %d violations, %.1f s" %
              (fam, sum(what.values()), len(viol), wall))
    sys.stdout.flush()
    return sum(what.values())


def fork_family(d, fam, run, one=None):
    """Run one family in a child process, its output held in files and
    its result written as JSON: (pid, files). one(d, fam, run) gives
    the result (run_one unless said)."""
    files = [tempfile.TemporaryFile(mode="w+") for _ in range(3)]
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        st = 0
        try:
            os.dup2(files[0].fileno(), 1)
            os.dup2(files[1].fileno(), 2)
            try:
                res = (one or run_one)(d, fam, run)
            except BaseException:
                traceback.print_exc()
                res = ("error", str(sys.exc_info()[1]), 0, [])
            sys.stdout.flush()
            sys.stderr.flush()
            json.dump(res, files[2])
            files[2].flush()
        except BaseException:
            st = 2
        os._exit(st)
    return pid, files


def collect(d, fam, pid, files):
    """A forked family ended: pass its output on (stderr, where its
    VIOLATION lines are, to stderr), take its violations; returns its
    result, as run_one's."""
    _, st = os.waitpid(pid, 0)
    out, err, res = files
    for f, to in ((out, sys.stdout), (err, sys.stderr)):
        f.seek(0)
        to.write(f.read())
        to.flush()
    res.seek(0)
    text = res.read()
    if st != 0 or not text:
        raise RuntimeError("family %s: its process ended with status %d "
                           "and no result" % (fam, st))
    kind, what, wall, viol = json.loads(text)
    if kind == "error":
        raise RuntimeError("family %s: %s" % (fam, what))
    d.violations.extend(tuple(v) for v in viol)
    return (kind, what, wall, viol)


# The families' usual length (the quick set, two jobs: recovery and ioerr
# about 130 s, dirloss 115, syscall 65, crash's parts 5 to 30 each,
# powerloss 30, kill 4): the longest start first, so that none is left
# to end the run alone on one core.
LONGEST_FIRST = ("lazyfs", "recovery", "ioerr", "dirloss", "syscall",
                 "crash/", "powerloss", "kill")


def rank(fam):
    """fam's place in LONGEST_FIRST (crash's parts by their prefix)."""
    for i, f in enumerate(LONGEST_FIRST):
        if fam == f or (f.endswith("/") and fam.startswith(f)):
            return i
    return len(LONGEST_FIRST)


def run_families(d, fams):
    """Run the families asked for; return (ran, skipped, points): the
    names of those that ran and of those skipped, and the points
    exercised in all. With one job, crash runs whole and first (it
    takes the images the others recover), then the others in turn.
    With more, every family is a process of its own, --jobs at a time,
    longest first: crash's images are taken one workload a process
    (take_part), beside the families that need none; then crash's
    checks, one part a workload (check_parts), and the families that
    recover the images. They share nothing but the images, which they
    copy before touching."""
    ran, skipped, points = [], [], 0
    rest = []           # (family, run, needs the images, its run_one)
    whole = None        # crash in parts: what its parts sum into
    for fam, run in families.ORDER:
        if fam not in fams:
            continue
        if fam == "crash" and d.images_only:
            run = crash.run_images
        if fam == "crash" and not d.images_only and d.args.jobs > 1:
            names = list(d.args.workload or workloads.NAMES)
            whole = {"pts": {}, "viol": [], "t0": time.time(),
                     "left": 2 * len(names), "images": len(names)}
            rest.extend(("images/" + n, take_part(n), False, take_one)
                        for n in names)
            rest.extend((f, r, True, None) for f, r in check_parts(names))
        elif fam == "crash" or d.args.jobs <= 1:
            points += report(d, fam, run_one(d, fam, run), ran, skipped)
        else:
            rest.append((fam, run, whole is not None and
                         fam in NEED_IMAGES, None))
    rest.sort(key=lambda r: (r[2], rank(r[0])))
    running = {}
    while rest or running:
        while len(running) < d.args.jobs:
            ready = [r for r in rest
                     if not r[2] or whole["images"] == 0]
            if not ready:
                break
            rest.remove(ready[0])
            fam, run, _, one = ready[0]
            pid, files = fork_family(d, fam, run, one)
            running[pid] = (fam, files)
        pid = wait_any(running)
        fam, files = running.pop(pid)
        res = collect(d, fam, pid, files)
        if fam.startswith("images/"):
            # The record the part left (take_part), for those after it.
            name = fam.split("/", 1)[1]
            with open(record_path(d, name), "rb") as f:
                d.images[name] = pickle.load(f)
            whole["images"] -= 1
        elif not fam.startswith("crash/"):
            points += report(d, fam, res, ran, skipped)
            continue
        else:
            whole["pts"].update(res[1])
        whole["viol"].extend(res[3])
        whole["left"] -= 1
        if whole["left"] == 0:
            points += report(d, "crash", ("ran", whole["pts"],
                                          time.time() - whole["t0"],
                                          whole["viol"]), ran, skipped)
    return ran, skipped, points


def record_path(d, name):
    """Where an images part leaves workload name's record."""
    return os.path.join(d.tmp, name + ".record")


def take_part(name):
    """An images part: workload name's crash images taken (crash.take),
    its record pickled for the drill's process (it holds the images'
    places, the dumps, the workload's own run)."""
    def run(d):
        rec = crash.take(d, name)
        with open(record_path(d, name), "wb") as f:
            pickle.dump(rec, f)
        return {name: len(rec["stops"])}
    return run


def take_one(d, fam, run):
    """run_one for an images part: its own random source, but no
    require(): its images become crash's points once checked."""
    d.rng = random.Random("%d:%s" % (d.args.seed, fam))
    before = len(d.violations)
    t0 = time.time()
    pts = run(d)
    return ("ran", pts, time.time() - t0, d.violations[before:])


def check_parts(names):
    """crash's checks, one part a workload ("crash/NAME", its own random
    source, crash.check), counted as crash."""
    return [("crash/" + n, lambda dd, n=n: {n: crash.check(dd, n)})
            for n in names]


def wait_any(running):
    """The pid of a forked family that has ended (left to be reaped by
    collect: waitid with WNOWAIT)."""
    while True:
        r = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT)
        if r is not None and r.si_pid in running:
            return r.si_pid
        if r is not None:
            os.waitpid(r.si_pid, 0)    # not ours: a stray child, reaped


def summary(d, fams, ran, skipped, points):
    """One line of counts (also appended to $KBD_CHECK_COUNTS, for make
    check); fewer families run or skipped than asked for, from the
    drill's own list, is an error of the drill."""
    line = "drills (%s): %d of %d families ran, %d points" % (
        "full" if d.args.full else "quick", len(ran), len(fams), points)
    if skipped:
        line += ", %d skipped: %s" % (len(skipped), " ".join(skipped))
    if sorted(fams) != sorted(families.NAMES):
        line += " (WARNING: --family selects %d of the %d families)" % (
            len(fams), len(families.NAMES))
    print(line)
    sys.stdout.flush()
    if os.environ.get("KBD_CHECK_COUNTS"):
        with open(os.environ["KBD_CHECK_COUNTS"], "a") as f:
            f.write(line + "\n")
    if len(ran) + len(skipped) < len(fams):
        raise RuntimeError("only %d of the %d families asked for ran or "
                           "skipped" % (len(ran) + len(skipped), len(fams)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/release/bin")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--full", action="store_true",
                    help="every point, more images resumed, more subsets")
    ap.add_argument("--family", action="append", choices=families.NAMES)
    ap.add_argument("--workload", action="append", choices=workloads.NAMES)
    ap.add_argument("--point", help="only this point, as NAME@N")
    ap.add_argument("--files", type=int, default=6,
                    help="files in the batch and remove workloads")
    ap.add_argument("--resume", type=int, default=3,
                    help="crash images per workload restarted under kbd")
    ap.add_argument("--real", type=int, default=6,
                    help="points per workload also crashed for real")
    ap.add_argument("--subsets", type=int, default=2,
                    help="random losses tried per crash image (dirloss)")
    ap.add_argument("--plosses", type=int, default=1,
                    help="random power losses tried per crash image "
                    "(powerloss)")
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--jobs", type=int,
                    default=min(4, max(1, len(os.sched_getaffinity(0)))),
                    help="families run at once after crash (default: "
                    "the processors, at most 4)")
    ap.add_argument("--durability", choices=("auto", "fsync", "syncfs"),
                    default="auto",
                    help="how the committer makes published files durable "
                    "(KBD_DURABILITY): auto decides by the file system; "
                    "fsync drills the per-file path on any")
    ap.add_argument("--tmp", help="scratch directory (default: "
                    "$KBD_DRILL_TMP, else /dev/shm when it is a tmpfs with "
                    "room, else $TMPDIR or /tmp)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("--first", action="store_true",
                    help="end the run at the first violation (a negative "
                    "control needs one); families then run one at a time")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "little")
    if args.full:
        args.files = max(args.files, 10)
        args.kills = max(args.kills, 10)
    if args.first:
        args.jobs = 1
    fams = list(dict.fromkeys(args.family or families.NAMES))
    images_only = False
    if any(f in fams for f in NEED_IMAGES) and "crash" not in fams:
        # Its images only: their checks are the crash family's, not asked.
        fams = ["crash"] + fams
        images_only = True
    d = Drill(args)
    d.images_only = images_only
    print("drills: seed %d, %s, durability %s, bin %s, tmp %s" % (
        args.seed, "full" if args.full else "quick", args.durability,
        d.bin, d.tmp))
    sys.stdout.flush()
    try:
        ran, skipped, points = run_families(d, fams)
        summary(d, fams, ran, skipped, points)
    except Caught:
        print("drills: ended at the first violation (--first)")
    except Exception:
        # Not a violation: the drill itself broke, and proves nothing.
        traceback.print_exc()
        print("drills: error (seed %d): %s" % (args.seed,
                                               sys.exc_info()[1]),
              file=sys.stderr)
        return 2
    finally:
        if not args.keep:
            for k in subprocess.run(["find", d.tmp, "-maxdepth", "4",
                                     "-name", "kbd.pid"],
                                    capture_output=True,
                                    text=True).stdout.split():
                d.stop(os.path.dirname(os.path.dirname(k)))
            shutil.rmtree(d.tmp, ignore_errors=True)
        else:
            print("drills: kept %s" % d.tmp)
    if d.violations:
        print("drills: %d violations (seed %d)" % (len(d.violations),
                                                   args.seed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
