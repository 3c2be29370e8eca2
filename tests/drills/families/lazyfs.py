"""Family lazyfs: the batch workload on a KB inside a LazyFS mount, a
FUSE file system that keeps every write in its own cache until fsync; at
each fsync and rename point its unsynced data is dropped (clear-cache),
kbd killed, LazyFS remounted, and the KB recovered and checked.

LazyFS is $LAZYFS, lazyfs on the PATH, or the build scripts/lazyfs.sh
makes from ../shared/tools/lazyfs (or $LAZYFS_SRC) into build/lazyfs;
`make drills-full` builds it there when the sources are present. The
family skips, saying why, where none is built or /dev/fuse is missing;
with both there, a failed mount is an error of the drill (exit 2).
See docs/crash-safety.md."""

import os
import select
import shutil
import signal
import subprocess
import time

import images
import oracle
import procs
import workloads
from context import ATTEMPTS, COMMIT_POINTS, Skip

FAMILY = "lazyfs"
POINTS = ("fsync", "syncfs", "rename", "activate", "publish.raw",
          "publish.source")


TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


def lazyfs_exe():
    """What scripts/lazyfs.sh finds: (path, None) or (None, why not)."""
    p = subprocess.run([os.path.join(TOP, "scripts", "lazyfs.sh"), "find"],
                       capture_output=True, text=True)
    if p.returncode == 0 and p.stdout.strip():
        return p.stdout.strip(), None
    return None, p.stderr.strip() or "LazyFS not found"


def run(d):
    exe, why = lazyfs_exe()
    fuser = shutil.which("fusermount3") or shutil.which("fusermount")
    if exe is None:
        raise Skip(why)
    if not os.path.exists("/dev/fuse"):
        raise Skip("no /dev/fuse")
    # LazyFS and /dev/fuse are there: from now on, what goes wrong is an
    # error of the drill (exit 2), never a skip that would look like a pass.
    if fuser is None:
        raise RuntimeError("LazyFS is there (%s) but no fusermount to "
                           "unmount it" % exe)
    lz = LazyFS(exe, fuser, os.path.join(d.tmp, "lazyfs"))
    try:
        lz.mount()
    except RuntimeError:
        lz.umount()
        raise
    try:
        return {"batch": drill(d, lz)}
    finally:
        lz.umount()


def drill(d, lz):
    """The batch workload on a KB inside a LazyFS mount. A listing run
    names the fsync and rename points; then, for each (a sample
    without --full), a fresh KB runs to that point, where every kbd
    process is frozen, LazyFS drops its unsynced data (clear-cache),
    kbd is killed and LazyFS remounted; the KB is recovered and must
    equal the last state committed before the point, be consistent
    and lint clean, and hold every document reported added."""
    wd = os.path.join(d.tmp, "lazyfs")
    src, tmpl = os.path.join(wd, "src"), os.path.join(wd, "template")
    workloads.corpus(d, src, d.args.files)
    kb = os.path.join(lz.mnt, "kb")
    d.kbctl(kb, "init", check=True)
    d.stop(kb)
    images.copy_kb(kb, tmpl)
    shutil.rmtree(kb)
    argv = ["add", src, "--json"]
    # Listing run: the points the committer passes, in order.
    fresh(lz, tmpl, kb)
    d.kbctl(kb, *argv, extra={"KBD_FAILPOINT_TRACE": "1"})
    d.stop(kb)
    lines = [ln.split(" ", 1) for ln in procs.read_trace(kb)]
    counts, labels = {}, []
    for pid, point in lines:
        counts[(pid, point)] = counts.get((pid, point), 0) + 1
        if any(w in point for w in POINTS):
            labels.append("%s@%d" % (point, counts[(pid, point)]))
    if d.args.point:
        labels = [x for x in labels if x == d.args.point]
    elif not d.args.full:
        labels = d.rng.sample(labels, min(len(labels), d.args.real))
    n = 0
    for label in labels:
        for _ in range(ATTEMPTS):
            got = lazyfs_point(d, lz, tmpl, kb, argv, label)
            if got is not None:
                n += got
                break
            # Batches differ from run to run: not reached this time.
            d.note("%s %s: not reached" % (FAMILY, label))
        else:
            d.violation(FAMILY, "%s: the point was not reached in %d runs"
                        % (label, ATTEMPTS))
    return n


def fsync_tree(top):
    """fsync every file and directory under top: a copy made through
    LazyFS is only in its cache until then."""
    for dd, _, files in os.walk(top):
        for f in files:
            p = os.path.join(dd, f)
            if os.path.isfile(p) and not os.path.islink(p):
                fd = os.open(p, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        fd = os.open(dd, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fresh(lz, tmpl, kb):
    if os.path.exists(kb):
        shutil.rmtree(kb)
    images.copy_kb(tmpl, kb)
    fsync_tree(kb)
    fsync_tree(os.path.dirname(kb))


def lazyfs_point(d, lz, tmpl, kb, argv, label):
    """Power loss at label; 1, or None if this run did not reach it."""
    what = "batch %s" % label
    fresh(lz, tmpl, kb)
    snaps = [oracle.dump(kb)]
    trace = os.path.join(kb, ".kb", "failpoints.trace")
    p = subprocess.Popen([d.kbctl_bin, "-C", kb] + argv,
                         env=d.run_env({"KBD_FAILPOINT_TRACE": "stop"}),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    counts, done, hit = {}, 0, False
    deadline = time.time() + 300
    while time.time() < deadline and not hit:
        lines = []
        if os.path.exists(trace):
            with open(trace) as f:
                lines = f.read().split("\n")[:-1]
        if len(lines) <= done:
            if p.poll() is not None:
                break
            time.sleep(0.002)
            continue
        pid, point = lines[done].split(" ", 1)
        done += 1
        counts[point] = counts.get(point, 0) + 1
        if not procs.wait_stopped(int(pid)):
            continue
        if point in COMMIT_POINTS:
            snaps.append(oracle.dump(kb))
        if "%s@%d" % (point, counts[point]) == label:
            hit = True
            # The power goes: nothing runs from here on.
            sup = int(open(os.path.join(kb, ".kb", "kbd.pid")).read())
            ps = procs.descendants(sup) + [p.pid]
            for q in ps:
                procs.signal_quiet(q, signal.SIGSTOP)
            lz.clear_cache()
            for q in ps:
                procs.signal_quiet(q, signal.SIGKILL)
            procs.wait_dead(ps)
            continue
        procs.signal_quiet(int(pid), signal.SIGCONT)
    out, _ = p.communicate(timeout=120)
    if not hit:
        d.stop(kb)
        return None
    lz.umount()
    lz.mount()
    for f in ("kbd.sock", "kbd.pid", "socket"):
        try:
            os.unlink(os.path.join(kb, ".kb", f))
        except FileNotFoundError:
            pass
    why = procs.recover(d, kb)
    if why:
        d.violation(FAMILY, "%s: recovery: %s" % (what, why))
        return 1
    got = oracle.dump(kb)
    if got != snaps[-1]:
        d.violation(FAMILY, "%s: not the state last committed "
                    "before the power loss\n%s" %
                    (what, oracle.diff(got, snaps[-1], snaps[-1])))
    probs = oracle.consistent(kb)
    if probs:
        d.violation(FAMILY, "%s: %s" % (what, probs[:4]))
    have = {n for n, _ in oracle.doc_set(kb)}
    for doc in oracle.reported_added(out):
        if doc not in have:
            d.violation(FAMILY, "%s: reported added %s missing" %
                        (what, doc))
    lint = d.kbctl(kb, "lint", "--json")
    if lint.returncode != 0:
        d.violation(FAMILY, "%s: lint: %s" % (what, lint.stdout.strip()))
    d.stop(kb)
    return 1


class LazyFS:
    """A LazyFS mount of d/root on d/mnt, driven through its faults FIFO.
    Config keys and commands as documented by LazyFS: [faults] fifo_path
    (commands, one a line: "lazyfs::clear-cache" drops every byte not
    fsynced) and fifo_path_completed (it writes "finished::clear-cache"
    there when done; it opens that FIFO for writing at start, so the drill
    holds it open first); [cache] and [cache.simple] size the cache with
    no eviction, so nothing unsynced reaches the root dir by accident."""

    def __init__(self, exe, fuser, d):
        self.exe, self.fuser, self.d = exe, fuser, d
        self.root, self.mnt = os.path.join(d, "root"), os.path.join(d, "mnt")
        self.fifo = os.path.join(d, "faults.fifo")
        self.done_fifo = os.path.join(d, "done.fifo")
        self.cfg = os.path.join(d, "lazyfs.toml")
        self.log = os.path.join(d, "lazyfs.log")
        self.proc, self.done = None, None

    def mount(self):
        for x in (self.root, self.mnt):
            os.makedirs(x, exist_ok=True)
        for x in (self.fifo, self.done_fifo):
            if not os.path.exists(x):
                os.mkfifo(x, 0o600)
        with open(self.cfg, "w") as f:
            f.write('[faults]\nfifo_path="%s"\nfifo_path_completed="%s"\n'
                    '[cache]\napply_eviction=false\n'
                    '[cache.simple]\ncustom_size="256mb"\n'
                    'blocks_per_page=1\n'
                    '[filesystem]\nlog_all_operations=false\n'
                    'logfile="%s"\n' % (self.fifo, self.done_fifo,
                                         self.log))
        # Read end first: LazyFS blocks opening the FIFO until it exists.
        self.done = os.open(self.done_fifo, os.O_RDWR | os.O_NONBLOCK)
        out = open(os.path.join(self.d, "lazyfs.out"), "a")
        self.proc = subprocess.Popen(
            [self.exe, self.mnt, "--config-path", self.cfg, "-o",
             "modules=subdir", "-o", "subdir=" + self.root, "-f"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            start_new_session=True)
        out.close()
        for _ in range(1500):
            if os.path.ismount(self.mnt):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        tail = ""
        try:
            with open(os.path.join(self.d, "lazyfs.out")) as f:
                tail = " ".join(f.read().split()[-20:])
        except OSError:
            pass
        raise RuntimeError("LazyFS could not mount %s: %s" % (self.mnt,
                                                               tail))

    def clear_cache(self):
        """Drop LazyFS's unsynced data; wait until it says it is done."""
        try:
            while os.read(self.done, 4096):
                pass
        except BlockingIOError:
            pass
        fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, b"lazyfs::clear-cache\n")
        finally:
            os.close(fd)
        got = b""
        deadline = time.time() + 60
        while b"finished::clear-cache" not in got:
            left = deadline - time.time()
            if left <= 0:
                raise RuntimeError("LazyFS did not finish clear-cache")
            r, _, _ = select.select([self.done], [], [], left)
            if r:
                try:
                    got += os.read(self.done, 4096)
                except BlockingIOError:
                    pass

    def umount(self):
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            self.proc = None
            os.close(self.done)
            self.done = None
            return
        subprocess.run([self.fuser, "-u", self.mnt], capture_output=True)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            subprocess.run([self.fuser, "-uz", self.mnt],
                           capture_output=True)
        self.proc = None
        os.close(self.done)
        self.done = None
