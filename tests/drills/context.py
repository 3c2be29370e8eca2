"""The state one drill run shares: options, the seeded random source, the
temporary directory, the binaries, the environment kbd and kbctl get,
the violations found and the points each family exercised."""

import json
import os
import random
import subprocess
import sys
import tempfile

MSG_COMMITTER_READY = 20
COMMIT_POINTS = ("batch.committed", "remove.committed", "lintfix.committed",
                 "finish.committed", "flush.committed")
SYNC_WORDS = ("fsync", "syncfs")
# A one-shot run (a real crash, an injected error or kill) that does not
# reach its point is run again this many times in all before it fails:
# batches are cut as files are ready, so a run may pass a point fewer
# times than the run that listed it.
ATTEMPTS = 3


# A tmpfs with this much room holds a run's KBs and images (a quick run
# peaks near 300 MB, a full one with --jobs near 1 GB).
TMPFS_ROOM = 2 << 30
TMPFS_MAGIC = 0x01021994


def scratch_dir(asked):
    """Where the drills keep their KBs and crash images: --tmp, else
    $KBD_DRILL_TMP, else /dev/shm when it is a tmpfs with room, else the
    system's temporary directory. The drills model a power loss
    themselves (dirlog.py) and never rely on the kernel's fsync, so a
    tmpfs tests the same code paths (syncfs mode, as on ext4) while each
    of the thousands of recoveries no longer waits for the disk's
    journal; the lazyfs family mounts its own file system either way."""
    if asked:
        return asked
    env = os.environ.get("KBD_DRILL_TMP")
    if env:
        return env
    try:
        st = os.statvfs("/dev/shm")
        if (st.f_bavail * st.f_frsize >= TMPFS_ROOM and
                os.access("/dev/shm", os.W_OK | os.X_OK) and
                fs_magic("/dev/shm") == TMPFS_MAGIC):
            return "/dev/shm"
    except OSError:
        pass
    return None


def fs_magic(path):
    """statfs(2)'s f_type of path (Python's os has no statfs)."""
    out = subprocess.run(["stat", "-f", "-c", "%t", path],
                         capture_output=True, text=True)
    try:
        return int(out.stdout.strip(), 16)
    except ValueError:
        return None


class Skip(Exception):
    """A family that cannot run on this machine (a tool absent, ptrace
    denied): reported as skipped with the reason, never as a pass."""


class Caught(Exception):
    """--first: the first violation ends the run (a negative control
    needs one to be caught; the rest would only take time)."""


class Drill:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.kbd = os.path.join(self.bin, "kbd")
        self.kbctl_bin = os.path.join(self.bin, "kbctl")
        self.rng = random.Random(args.seed)
        self.tmp = tempfile.mkdtemp(prefix="kbd-drill.",
                                    dir=scratch_dir(args.tmp))
        self.violations = []
        self.env = dict(os.environ)
        for k in ("KB_DIR", "KB_JOBS", "KBD_FAILPOINT", "KBD_FAILPOINT_TRACE",
                  "KBD_DRILL_DIRLOG", "KBD_DURABILITY"):
            self.env.pop(k, None)
        if getattr(args, "durability", "auto") != "auto":
            self.env["KBD_DURABILITY"] = args.durability
        self.env["KBD"] = self.kbd
        # The concept terms' side table merges into their index by term
        # at 65,536 rows, never in a drill's KB: at 8, nearly every batch
        # merges, inside its transaction, where the drills stop it.
        self.env["KBD_CONCEPT_MERGE_ROWS"] = "8"
        # The full-text index's merge runs after a job's reply, once the
        # committer is idle (compact.c): after the client returned, where
        # a drill no longer follows the committer's fail points. Here the
        # job's end merges before its reply, the same steps, traced.
        self.env["KBD_COMPACT_SYNC"] = "1"
        self.images = {}      # workload -> its crash images (images.py)

    def run_env(self, extra=None):
        e = dict(self.env)
        if extra:
            e.update(extra)
        return e

    def kbctl(self, kb, *args, extra=None, check=False, timeout=120):
        p = subprocess.run([self.kbctl_bin, "-C", kb] + list(args),
                           env=self.run_env(extra), capture_output=True,
                           text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError("kbctl %s: exit %d: %s" %
                               (" ".join(args), p.returncode, p.stderr))
        return p

    def stop(self, kb):
        if os.path.exists(os.path.join(kb, ".kb")):
            self.kbctl(kb, "stop")

    def list_docs(self, kb):
        r = self.kbctl(kb, "list", "--json")
        if r.returncode != 0:
            raise RuntimeError("list: %s" % r.stderr)
        return json.loads(r.stdout) if r.stdout.strip() else []

    def violation(self, family, what):
        self.violations.append((family, what))
        print("VIOLATION [%s]: %s" % (family, what), file=sys.stderr)
        if getattr(self.args, "first", False):
            raise Caught(what)

    def note(self, what):
        print("  (%s)" % what)
        sys.stdout.flush()

    def want_point(self, label):
        return self.args.point is None or self.args.point == label
