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
  lazyfs    on LazyFS (when installed; unexercised here): at each fsync
            and rename point, drop its unsynced data, kill kbd, remount,
            recover and check

One point: --family crash --workload batch --point publish.raw@2
checks only the crash image taken before the 2nd publish.raw, and keeps
its directory (--keep) for inspection.

Exit status 0 if no violation, 1 otherwise, 2 on a usage or setup error.
"""

import argparse
import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

MSG_COMMITTER_READY = 20
COMMIT_POINTS = ("batch.committed", "remove.committed", "lintfix.committed")
SYNC_WORDS = ("fsync", "syncfs")


class Drill:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.kbd = os.path.join(self.bin, "kbd")
        self.kbctl_bin = os.path.join(self.bin, "kbctl")
        self.rng = random.Random(args.seed)
        self.tmp = tempfile.mkdtemp(prefix="kbd-drill.")
        self.violations = []
        self.env = dict(os.environ)
        for k in ("KB_DIR", "KB_JOBS", "KBD_FAILPOINT", "KBD_FAILPOINT_TRACE",
                  "KBD_DRILL_DIRLOG"):
            self.env.pop(k, None)
        self.env["KBD"] = self.kbd
        self.images = {}      # workload -> list of image records

    # ---- processes -------------------------------------------------

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

    def violation(self, family, what):
        self.violations.append((family, what))
        print("VIOLATION [%s]: %s" % (family, what), file=sys.stderr)

    # ---- workloads -------------------------------------------------

    def corpus(self, d, n, prefix="f", start=0):
        os.makedirs(d, exist_ok=True)
        for i in range(start, start + n):
            sub = os.path.join(d, "p%d" % (i % 3))
            os.makedirs(sub, exist_ok=True)
            if i % 2:
                name, body = ("%s%04d.md" % (prefix, i),
                              "# Note %d\n\nAbout topic%d and word%d.\n\n"
                              "## More\n\nseed %d\n" % (i, i % 7, i,
                                                        self.args.seed))
            else:
                name, body = ("%s%04d.txt" % (prefix, i),
                              "Plain text %d about subject%d, seed %d.\n"
                              % (i, i % 5, self.args.seed))
            with open(os.path.join(sub, name), "w") as f:
                f.write(body)

    def workloads(self):
        """name -> (setup(kb, src), run argv list(src), expect_fail)."""
        w = {}

        def batch_setup(kb, src):
            self.corpus(src, self.args.files)

        def collide_setup(kb, src):
            # Same stems in different directories, a duplicate, an
            # extensionless file and a name needing sanitizing.
            files = {"a/a.txt": "alpha text\n", "b/a.md": "# A\n\nalpha md\n",
                     "c/a.txt": "alpha other text\n",
                     "c/a.md": "# A\n\nthird a\n", "d/dup.txt": "alpha text\n",
                     "d/My File!.txt": "odd name\n", "e/a": "no ext\n"}
            for p, body in files.items():
                os.makedirs(os.path.join(src, os.path.dirname(p)),
                            exist_ok=True)
                with open(os.path.join(src, p), "w") as f:
                    f.write(body)

        def remove_setup(kb, src):
            self.corpus(src, self.args.files)
            r = self.kbctl(kb, "add", src)
            if r.returncode != 0:
                raise RuntimeError("remove setup add: %s" % r.stderr)

        def lintfix_setup(kb, src):
            # A KB with every problem lint --fix repairs that survives a
            # restart of kbd (which itself recreates log.md and empties
            # .kb/staging): strays, a missing and an edited summary, an
            # index line gone, a full-text row gone.
            remove_setup(kb, src)
            docs = sorted(d["doc"] for d in self.list_docs(kb))
            self.stop(kb)
            for p in ("raw/stray.txt", "wiki/sources/stray.md",
                      "wiki/summaries/stray.md"):
                with open(os.path.join(kb, p), "w") as f:
                    f.write("stray\n")
            os.unlink(os.path.join(kb, "wiki/summaries/%s.md" % docs[0]))
            with open(os.path.join(kb, "wiki/summaries/%s.md" % docs[1]),
                      "a") as f:
                f.write("edited\n")
            idx = os.path.join(kb, "wiki/index.md")
            with open(idx) as f:
                lines = f.readlines()
            with open(idx, "w") as f:
                f.writelines(ln for ln in lines
                             if "summaries/%s.md" % docs[2] not in ln)
            con = sqlite3.connect(os.path.join(kb, ".kb", "kb.db"))
            try:
                con.execute("DELETE FROM fts WHERE rowid = (SELECT id FROM "
                            "documents WHERE name = ?)", (docs[3],))
                con.commit()
            finally:
                con.close()

        def remove_args(kb, src):
            docs = sorted(d["doc"] for d in self.list_docs(kb))
            pick = docs[1::3][:4]
            return ["remove"] + pick

        w["batch"] = (batch_setup, lambda kb, src: ["add", src], None)
        w["collide"] = (collide_setup, lambda kb, src: ["add", src], None)
        w["remove"] = (remove_setup, remove_args, None)
        # The "before" state of lintfix is the planted one: not consistent.
        w["lintfix"] = (lintfix_setup, lambda kb, src: ["lint", "--fix"],
                        None)
        # A batch that fails (EIO at the 2nd summary's rename) and is
        # rolled back, then the rest: images during and after a rollback.
        w["rollback"] = (batch_setup, lambda kb, src: ["add", src],
                         "publish.summary.rename:eio@2")
        return w

    def list_docs(self, kb):
        r = self.kbctl(kb, "list", "--json")
        if r.returncode != 0:
            raise RuntimeError("list: %s" % r.stderr)
        return json.loads(r.stdout) if r.stdout.strip() else []

    # ---- the oracle ------------------------------------------------

    def dump(self, kb):
        """Canonical state: registry, FTS and commit rows, raw/ and wiki/."""
        out = []
        db = os.path.join(kb, ".kb", "kb.db")
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            for row in con.execute("SELECT * FROM documents ORDER BY name"):
                out.append("doc " + json.dumps(row))
            for row in con.execute(
                    "SELECT rowid, name, title, body FROM fts ORDER BY rowid"):
                out.append("fts " + json.dumps(row))
            for row in con.execute("SELECT * FROM commits ORDER BY journal"):
                out.append("commit " + json.dumps(row))
        finally:
            con.close()
        for top in ("raw", "wiki"):
            base = os.path.join(kb, top)
            for d, dirs, files in os.walk(base):
                dirs.sort()
                rel = os.path.relpath(d, kb)
                out.append("dir " + rel)
                for f in sorted(files):
                    p = os.path.join(d, f)
                    if os.path.islink(p) or not os.path.isfile(p):
                        out.append("special %s/%s" % (rel, f))
                        continue
                    with open(p, "rb") as fh:
                        h = hashlib.sha256(fh.read()).hexdigest()
                    out.append("file %s/%s %s" % (rel, f, h))
        return "\n".join(out) + "\n"

    def consistent(self, kb):
        """What lint checks, from outside: problems as a list."""
        probs = []
        db = os.path.join(kb, ".kb", "kb.db")
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            docs = con.execute(
                "SELECT id, name, ext, hash FROM documents").fetchall()
            fts = dict(con.execute("SELECT rowid, name FROM fts").fetchall())
        finally:
            con.close()
        want = set()
        for did, name, ext, h in docs:
            raw = "raw/%s%s" % (name, "." + ext if ext else "")
            for p in (raw, "wiki/sources/%s.md" % name,
                      "wiki/summaries/%s.md" % name):
                want.add(p)
                if not os.path.isfile(os.path.join(kb, p)):
                    probs.append("%s missing" % p)
            rp = os.path.join(kb, raw)
            if os.path.isfile(rp):
                with open(rp, "rb") as fh:
                    if hashlib.sha256(fh.read()).hexdigest() != h:
                        probs.append("%s hash differs" % raw)
            if fts.get(did) != name:
                probs.append("fts row of %s" % name)
        if len(fts) != len(docs):
            probs.append("fts has %d rows for %d documents" %
                         (len(fts), len(docs)))
        for top in ("raw", "wiki/sources", "wiki/summaries"):
            d = os.path.join(kb, top)
            if not os.path.isdir(d):
                probs.append("%s missing" % top)
                continue
            for f in os.listdir(d):
                if "%s/%s" % (top, f) not in want:
                    probs.append("%s/%s stray" % (top, f))
        for f in ("wiki/index.md", "wiki/log.md"):
            if not os.path.isfile(os.path.join(kb, f)):
                probs.append("%s missing" % f)
        idx = os.path.join(kb, "wiki/index.md")
        if os.path.isfile(idx):
            with open(idx, encoding="utf-8", errors="replace") as fh:
                n = sum(1 for line in fh
                        if re.search(r"\]\(<?summaries/", line))
            if n != len(docs):
                probs.append("index.md lists %d documents, registry %d" %
                             (n, len(docs)))
        jd = os.path.join(kb, ".kb/journal")
        if os.path.isdir(jd) and os.listdir(jd):
            probs.append("journal dir not empty: %s" % os.listdir(jd))
        return probs

    @staticmethod
    def unstamped(dump):
        """A dump without what differs between two runs of the same
        mutation: commit rows (journal id, time) and log.md (time)."""
        return "\n".join(ln for ln in dump.split("\n")
                         if not ln.startswith("commit ") and
                         not ln.startswith("file wiki/log.md "))

    def consistent_state(self, rec, kb, got):
        """consistent(kb), except that a workload starting from planted
        problems (lintfix) may be back in its planted state."""
        if rec.get("planted") is not None and got == rec["planted"]:
            return []
        return self.consistent(kb)

    # ---- crash images ----------------------------------------------

    def copy_kb(self, kb, dst):
        subprocess.run(["cp", "-a", kb, dst], check=True)
        for f in ("kbd.sock", "kbd.pid", "socket"):
            try:
                os.unlink(os.path.join(dst, ".kb", f))
            except FileNotFoundError:
                pass

    def recover(self, kb, extra=None, on_stop=None):
        """Run a committer alone on kb: it recovers, says ready, and exits
        at EOF. on_stop(point) is called at each stop (trace=stop).
        Returns None, or the reason recovery failed."""
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        bfd = b.fileno()

        def child():
            if bfd == 3:
                os.set_inheritable(3, True)
            else:
                os.dup2(bfd, 3)

        p = subprocess.Popen([self.kbd, "-X", "committer", kb],
                             env=self.run_env(extra), preexec_fn=child,
                             close_fds=False, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        b.close()
        trace = os.path.join(kb, ".kb", "failpoints.trace")
        ready = False
        logs = []
        deadline = time.time() + 60
        status = None
        while time.time() < deadline:
            pid, st = os.waitpid(p.pid, os.WNOHANG | os.WUNTRACED)
            if pid == p.pid and os.WIFSTOPPED(st):
                lines = open(trace).read().split("\n")[:-1]
                point = lines[-1].split(" ", 1)[1]
                if on_stop is not None:
                    on_stop(point)
                os.kill(p.pid, signal.SIGCONT)
                continue
            if pid == p.pid:
                status = st
                break
            r, _, _ = select.select([a], [], [], 0.002)
            if r:
                try:
                    pkt = a.recv(1 << 20)
                except ConnectionResetError:
                    pkt = b""
                if len(pkt) >= 12:
                    typ = struct.unpack("=III", pkt[:12])[0]
                    if typ == MSG_COMMITTER_READY:
                        ready = True
                        a.close()
                        a = None
                        break
                    logs.append(pkt[12:].decode("utf-8", "replace"))
        if a is not None:
            a.close()
        if status is None:
            try:
                _, status = os.waitpid(p.pid, 0)
            except ChildProcessError:
                status = 0
        err = p.stderr.read().decode("utf-8", "replace")
        p.stderr.close()
        if not ready:
            return "committer did not become ready (status %s): %s %s" % (
                status, " | ".join(logs)[-400:], err[-400:])
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            return "committer exited with status %d" % status
        return None

    def run_stopped(self, kb, argv, extra, on_stop):
        """Run kbctl argv while the committer stops at every fail point."""
        env = {"KBD_FAILPOINT_TRACE": "stop", "KBD_DRILL_DIRLOG": "1"}
        env.update(extra or {})
        trace = os.path.join(kb, ".kb", "failpoints.trace")
        if os.path.exists(trace):
            os.unlink(trace)
        p = subprocess.Popen([self.kbctl_bin, "-C", kb] + argv,
                             env=self.run_env(env), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        done = 0
        deadline = time.time() + 300
        while time.time() < deadline:
            lines = []
            if os.path.exists(trace):
                with open(trace) as f:
                    lines = f.read().split("\n")[:-1]
            if len(lines) > done:
                pid, point = lines[done].split(" ", 1)
                pid = int(pid)
                if self.wait_stopped(pid):
                    on_stop(point, pid)
                    try:
                        os.kill(pid, signal.SIGCONT)
                    except ProcessLookupError:
                        pass
                done += 1
                continue
            if p.poll() is not None:
                break
            time.sleep(0.001)
        out, err = p.communicate(timeout=120)
        # Stopping kbd passes no fail point; the environment had them.
        self.stop(kb)
        return p.returncode, out, err

    @staticmethod
    def wait_stopped(pid):
        for _ in range(20000):
            try:
                with open("/proc/%d/stat" % pid) as f:
                    st = f.read().rsplit(")", 1)[1].split()[0]
            except (FileNotFoundError, ProcessLookupError):
                return False
            if st in ("T", "t"):
                return True
            if st in ("Z", "X"):
                return False
            time.sleep(0.0005)
        return False

    # ---- family: crash ---------------------------------------------

    def prepare(self, name):
        setup, argv_of, fp = self.workloads()[name]
        wd = os.path.join(self.tmp, name)
        src, kb = os.path.join(wd, "src"), os.path.join(wd, "kb")
        os.makedirs(src, exist_ok=True)
        self.kbctl(kb, "init", check=True)
        setup(kb, src)
        self.stop(kb)
        tmpl = os.path.join(wd, "template")
        self.copy_kb(kb, tmpl)
        return wd, src, kb, tmpl, argv_of(kb, src), fp

    def family_crash(self):
        t0 = time.time()
        points = 0
        names = self.args.workload or ["batch", "collide", "remove",
                                       "rollback", "lintfix"]
        for name in names:
            points += self.crash_workload(name)
        return points, time.time() - t0

    def crash_workload(self, name):
        wd, src, kb, tmpl, argv, fp = self.prepare(name)
        # kbctl list in argv_of started kbd: stop it before the clean dump.
        self.stop(kb)
        s0 = self.dump(kb)
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
            if self.want_point(label):
                img = os.path.join(imgdir, "%04d" % i)
                self.copy_kb(kb, img)
            stops.append((i, label, img))
            if point in COMMIT_POINTS:
                snaps.append((i, self.dump(kb)))

        extra = {"KBD_FAILPOINT": fp} if fp else None
        rc, out, err = self.run_stopped(kb, argv, extra, on_stop)
        final = self.dump(kb)
        i_end = len(stops)
        # One point after the last: the KB as the workload left it.
        if self.want_point("end@1"):
            img = os.path.join(imgdir, "%04d" % i_end)
            self.copy_kb(kb, img)
            stops.append((i_end, "end@1", img))
        snaps.append((i_end, final))
        reported = self.reported_added(out)
        lint = self.kbctl(kb, "lint", "--json")
        if lint.returncode != 0:
            self.violation("crash", "%s: lint after the workload: %s" %
                           (name, lint.stdout.strip()))
        # What a restarted workload must end with: the workload run again
        # (a failed batch's files are added; a remove finds nothing).
        self.kbctl(kb, *argv)
        self.stop(kb)
        docs_final = self.doc_set(kb)
        for d in reported:
            if d not in {n for n, _ in docs_final}:
                self.violation("crash", "%s: reported added %s missing" %
                               (name, d))
        if fp is None and rc != 0 and argv[0] == "add":
            self.violation("crash", "%s: workload failed: %s" % (name, err))

        if argv[:2] == ["lint", "--fix"] and rc != 0:
            self.violation("crash", "%s: lint --fix failed: %s %s" %
                           (name, out.strip()[-300:], err.strip()[-300:]))
        rec = {"name": name, "src": src, "argv": argv, "stops": stops,
               "snaps": snaps, "final": final, "docs_final": docs_final,
               "rc": rc, "planted": s0 if name == "lintfix" else None}
        self.images[name] = rec
        checked = 0
        imgs = [s for s in stops if s[2] is not None]
        resume = set()
        if imgs:
            k = len(imgs) if self.args.full else min(len(imgs),
                                                     self.args.resume)
            resume = set(x[0] for x in self.rng.sample(imgs, k))
        for i, label, img in imgs:
            checked += 1
            before, after = self.allowed(snaps, i)
            work = img + ".r"
            self.copy_kb(img, work)
            why = self.recover(work)
            if why:
                self.violation("crash", "%s %s: recovery failed: %s" %
                               (name, label, why))
                continue
            got = self.dump(work)
            if got not in (before, after):
                self.violation("crash", "%s %s: state after recovery is "
                               "neither before nor after the mutation\n%s"
                               % (name, label, self.diff(got, before, after)))
                continue
            probs = self.consistent_state(rec, work, got)
            if probs:
                self.violation("crash", "%s %s: inconsistent after "
                               "recovery: %s" % (name, label, probs[:5]))
                continue
            rec.setdefault("recovered", {})[i] = got
            if i in resume:
                self.resume_check("crash", rec, label, img)
            if not self.args.keep:
                shutil.rmtree(work)
        # The same points as real crashes (KBD_FAILPOINT=point:crash@N):
        # kbd restarts the committer, which recovers, and the job ends.
        if fp is None:
            pts = [s for s in stops if not s[1].startswith("end@")]
            if self.args.point:
                pts = [s for s in pts if s[1] == self.args.point]
            elif not self.args.full:
                pts = self.rng.sample(pts, min(len(pts), self.args.real))
            for i, label, img in pts:
                checked += self.real_crash(rec, tmpl, label)
        return checked

    def real_crash(self, rec, tmpl, label):
        name = rec["name"]
        point, nth = label.rsplit("@", 1)
        spec = "%s:crash@%s" % (point, nth)
        kb = os.path.join(self.tmp, name, "real-%s" % label)
        self.copy_kb(tmpl, kb)
        argv = rec["argv"] + (["--json"] if rec["argv"][0] == "add" else [])
        try:
            r = self.kbctl(kb, *argv, extra={"KBD_FAILPOINT": spec,
                                             "KBD_FAILPOINT_TRACE": "1"})
            log = open(os.path.join(kb, ".kb", "kbd.log")).read()
            if "committer gone" not in log:
                # Batches are cut as files are ready, so a run may pass a
                # point fewer times than the run that listed it.
                with open(os.path.join(kb, ".kb",
                                       "failpoints.trace")) as f:
                    lines = f.read().split("\n")[:-1]
                first = lines[0].split(" ")[0] if lines else None
                hits = lines.count("%s %s" % (first, point))
                if hits >= int(nth):
                    self.violation("crash", "%s %s: the point was reached "
                                   "and the committer lived" % (name, spec))
                return 0
            if argv[0] == "add" and r.returncode != 0:
                self.violation("crash", "%s %s: the add failed after a "
                               "committer crash: %s" % (name, spec,
                                                        r.stderr.strip()))
            have = {d for d, _ in self.doc_set(kb)}
            for d in self.reported_added(r.stdout):
                if d not in have:
                    self.violation("crash", "%s %s: reported added %s "
                                   "missing" % (name, spec, d))
            self.kbctl(kb, *argv)
            lint = self.kbctl(kb, "lint", "--json")
            if lint.returncode != 0:
                self.violation("crash", "%s %s: lint: %s" %
                               (name, spec, lint.stdout.strip()))
            self.stop(kb)
            got = self.doc_set(kb)
            if got != rec["docs_final"]:
                self.violation("crash", "%s %s: documents differ: missing "
                               "%s extra %s" % (name, spec,
                                                sorted(rec["docs_final"] -
                                                       got)[:3],
                                                sorted(got -
                                                       rec["docs_final"])[:3]))
            p = self.consistent(kb)
            if p:
                self.violation("crash", "%s %s: %s" % (name, spec, p[:4]))
            return 1
        finally:
            self.stop(kb)
            if not self.args.keep:
                shutil.rmtree(kb, ignore_errors=True)

    def want_point(self, label):
        return self.args.point is None or self.args.point == label

    @staticmethod
    def allowed(snaps, i):
        before = [d for j, d in snaps if j < i][-1]
        after = [d for j, d in snaps if j >= i][0]
        return before, after

    @staticmethod
    def diff(got, before, after):
        g = set(got.split("\n"))
        b = set(before.split("\n"))
        a = set(after.split("\n"))
        lines = ["  vs before: -%s +%s" % (sorted(b - g)[:4], sorted(g - b)[:4]),
                 "  vs after:  -%s +%s" % (sorted(a - g)[:4], sorted(g - a)[:4])]
        return "\n".join(lines)

    @staticmethod
    def reported_added(out):
        docs = []
        for line in out.splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if isinstance(e, dict) and e.get("status") == "added":
                docs.append(e["doc"])
        return docs

    def doc_set(self, kb):
        db = os.path.join(kb, ".kb", "kb.db")
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            return set(con.execute("SELECT name, hash FROM documents"))
        finally:
            con.close()

    def resume_check(self, family, rec, label, img, extra=None):
        """Restart kbd on a crash image (with extra in its environment),
        let the job finish, run the workload again: the documents are the
        clean run's, once each. Returns kbd's log."""
        kb = img + ".k"
        self.copy_kb(img, kb)
        log = ""
        try:
            argv = rec["argv"]
            jobs = self.kbctl(kb, "jobs", "--json", extra=extra)
            for j in json.loads(jobs.stdout or "[]"):
                if j.get("state") in ("running", "queued"):
                    self.kbctl(kb, "wait", str(j["job"]), "--json")
            r = self.kbctl(kb, *(argv + (["--json"] if argv[0] == "add"
                                         else [])))
            if argv[0] == "add" and r.returncode != 0:
                self.violation(family, "%s %s: add again after restart: %s"
                               % (rec["name"], label, r.stderr.strip()))
            lint = self.kbctl(kb, "lint", "--json")
            if lint.returncode != 0:
                self.violation(family, "%s %s: lint after restart: %s" %
                               (rec["name"], label, lint.stdout.strip()))
            self.stop(kb)
            got = self.doc_set(kb)
            if got != rec["docs_final"]:
                self.violation(family, "%s %s: documents after restart "
                               "differ: missing %s extra %s" %
                               (rec["name"], label,
                                sorted(rec["docs_final"] - got)[:4],
                                sorted(got - rec["docs_final"])[:4]))
            log = open(os.path.join(kb, ".kb", "kbd.log")).read()
        finally:
            self.stop(kb)
            if not self.args.keep:
                shutil.rmtree(kb, ignore_errors=True)
        return log

    # ---- family: recovery ------------------------------------------

    def family_recovery(self):
        t0 = time.time()
        points = 0
        for name, rec in sorted(self.images.items()):
            picks = self.recovery_picks(rec)
            for i, label, img in picks:
                points += self.recovery_image(rec, i, label, img)
        points += self.real_recovery_crash()
        return points, time.time() - t0

    def recovery_picks(self, rec):
        """Images whose recovery does the most: the last step before each
        commit point (a whole batch to roll back), each commit point
        (finalize), and one in the middle of publishing."""
        by = {}
        for i, label, img in rec["stops"]:
            if img is None:
                continue
            point = label.split("@")[0]
            if point in ("batch.commit", "remove.commit", "batch.committed",
                         "remove.committed", "publish.summary.rename",
                         "remove.unlink", "recover.restore",
                         "lintfix.commit", "lintfix.committed",
                         "lintfix.unlink"):
                by.setdefault(point, []).append((i, label, img))
        picks = []
        for point, v in sorted(by.items()):
            picks.extend(v if self.args.full else v[-1:])
        return picks

    def recovery_image(self, rec, i, label, img):
        name = rec["name"]
        base = img + ".base"
        self.copy_kb(img, base)
        why = self.recover(base)
        if why:
            self.violation("recovery", "%s %s: %s" % (name, label, why))
            return 0
        want = self.dump(base)
        shutil.rmtree(base)
        work = img + ".rs"
        self.copy_kb(img, work)
        sub = []
        counts = {}

        def on_stop(point):
            counts[point] = counts.get(point, 0) + 1
            dst = "%s.%03d" % (work, len(sub))
            self.copy_kb(work, dst)
            sub.append(("%s@%d" % (point, counts[point]), dst))

        why = self.recover(work, {"KBD_FAILPOINT_TRACE": "stop",
                                  "KBD_DRILL_DIRLOG": "1"}, on_stop)
        if why:
            self.violation("recovery", "%s %s: recovery under stops: %s" %
                           (name, label, why))
        n = 0
        for rlabel, dst in sub:
            n += 1
            why = self.recover(dst)
            if why:
                self.violation("recovery", "%s %s, crash at %s: %s" %
                               (name, label, rlabel, why))
            elif self.dump(dst) != want:
                self.violation("recovery", "%s %s, crash at %s: recovered "
                               "state differs from an uninterrupted recovery"
                               % (name, label, rlabel))
            elif self.consistent_state(rec, dst, want):
                self.violation("recovery", "%s %s, crash at %s: %s" %
                               (name, label, rlabel,
                                self.consistent_state(rec, dst, want)))
            if not self.args.keep:
                shutil.rmtree(dst)
        if not self.args.keep:
            shutil.rmtree(work)
        return n

    def real_recovery_crash(self):
        """Real failures in recovery (KBD_FAILPOINT): kbd's first committer
        dies there (SIGKILL, or exits on EIO or ENOSPC), its successor
        (without the fail point) recovers, the job finishes."""
        rec = self.images.get("batch")
        if rec is None:
            return 0
        picks = [s for s in rec["stops"] if s[2] is not None and
                 s[1].startswith("batch.commit@")]
        if not picks:
            return 0
        i, label, img = picks[-1]
        ns = range(1, 9) if self.args.full else (1, 2, 3)
        specs = ["recover.*:%s@%d" % (a, n) for n in ns
                 for a in ("crash", "eio", "enospc")]
        if not self.args.full:
            specs = [specs[1], specs[3], specs[8]]
        for spec in specs:
            log = self.resume_check("recovery", rec, "%s (%s)" %
                                    (label, spec), img,
                                    {"KBD_FAILPOINT": spec})
            if "committer gone" not in log or "recovery:" not in log:
                self.violation("recovery", "%s: with %s the committer did "
                               "not fail in recovery and recover after" %
                               (label, spec))
        return len(specs)

    # ---- family: ioerr ---------------------------------------------

    def family_ioerr(self):
        t0 = time.time()
        n = 0
        for name in (self.args.workload or ["batch", "remove", "lintfix"]):
            rec = self.images.get(name)
            if rec is None or name == "rollback":
                continue
            n += self.ioerr_workload(name, rec)
        return n, time.time() - t0

    def io_points(self, rec):
        seen = {}
        for i, label, img in rec["stops"]:
            point, nth = label.rsplit("@", 1)
            if point == "end" or point.startswith("init.") or \
                    point.startswith("cleanup."):
                continue
            # lintfix shares the journal and publish steps with the other
            # workloads: quick runs take only its own points.
            if rec["name"] == "lintfix" and not self.args.full and \
                    not point.startswith("lintfix."):
                continue
            seen.setdefault(point, []).append(int(nth))
        pts = []
        for point, ns in sorted(seen.items()):
            if self.args.full:
                pts.extend((point, k) for k in ns)
            else:
                pts.append((point, ns[0]))
                if len(ns) > 2 and rec["name"] != "lintfix":
                    pts.append((point, ns[-1]))
        if self.args.point:
            p, k = self.args.point.rsplit("@", 1)
            pts = [(p, int(k))]
        return pts

    def ioerr_workload(self, name, rec):
        wd = os.path.join(self.tmp, name)
        tmpl = os.path.join(wd, "template")
        n = 0
        for point, nth in self.io_points(rec):
            actions = ["eio", "enospc"]
            if not self.args.full and any(w in point for w in SYNC_WORDS):
                actions = ["eio"]
            for act in actions:
                n += self.ioerr_one(name, rec, tmpl, point, nth, act)
        return n

    def ioerr_one(self, name, rec, tmpl, point, nth, act):
        spec = "%s:%s@%d" % (point, act, nth)
        kb = os.path.join(self.tmp, name, "io-%s" % spec.replace(":", "-"))
        self.copy_kb(tmpl, kb)
        argv = rec["argv"] + (["--json"] if rec["argv"][0] == "add" else [])
        try:
            r = self.kbctl(kb, *argv, extra={"KBD_FAILPOINT": spec,
                                             "KBD_FAILPOINT_TRACE": "1"})
            with open(os.path.join(kb, ".kb", "failpoints.trace")) as f:
                lines = f.read().split("\n")[:-1]
            first = lines[0].split(" ")[0] if lines else None
            hits = sum(1 for ln in lines if ln == "%s %s" % (first, point))
            if hits < nth:
                # Batches are cut as files are ready: this run passed the
                # point fewer times than the run that listed it.
                return 0
            log = open(os.path.join(kb, ".kb", "kbd.log")).read()
            died = "committer gone" in log
            sync = any(w in point for w in SYNC_WORDS)
            errtext = ("Input/output error" if act == "eio"
                       else "No space left on device")
            if sync and not died:
                self.violation("ioerr", "%s %s: a failed fsync did not make "
                               "the committer exit" % (name, spec))
            if not died and point not in COMMIT_POINTS:
                # The mutation failed, was rolled back and was reported.
                out = r.stdout + r.stderr
                if errtext not in out:
                    self.violation("ioerr", "%s %s: error not reported: %s"
                                   % (name, spec, out.strip()[-300:]))
            if rec.get("planted") is not None:
                # Rolled back to the planted problems, or repaired.
                self.stop(kb)
                got = self.dump(kb)
                if got != rec["planted"] and \
                        self.unstamped(got) != self.unstamped(rec["final"]):
                    self.violation("ioerr", "%s %s: neither before nor "
                                   "after\n%s" % (name, spec, self.diff(
                                       got, rec["planted"], rec["final"])))
                probs = None
            else:
                probs = self.kbctl(kb, "lint", "--json")
            if probs is not None and probs.returncode != 0:
                self.violation("ioerr", "%s %s: lint: %s" %
                               (name, spec, probs.stdout.strip()))
            reported = self.reported_added(r.stdout)
            have = {d for d, _ in self.doc_set(kb)}
            for d in reported:
                if d not in have:
                    self.violation("ioerr", "%s %s: reported added %s "
                                   "missing" % (name, spec, d))
            if rec["argv"][0] == "add" and not died and \
                    have != set(reported):
                # The KB started empty: a failed batch left nothing.
                self.violation("ioerr", "%s %s: documents not reported "
                               "added are there (not rolled back): %s" %
                               (name, spec, sorted(have - set(reported))))
            # The same mutation again: it completes.
            r2 = self.kbctl(kb, *argv)
            if rec["argv"][0] == "add" and r2.returncode != 0:
                self.violation("ioerr", "%s %s: second run failed: %s" %
                               (name, spec, r2.stderr.strip()))
            self.stop(kb)
            got = self.doc_set(kb)
            if got != rec["docs_final"]:
                self.violation("ioerr", "%s %s: documents after the rerun "
                               "differ: missing %s extra %s" %
                               (name, spec,
                                sorted(rec["docs_final"] - got)[:3],
                                sorted(got - rec["docs_final"])[:3]))
            p = self.consistent(kb)
            if p:
                self.violation("ioerr", "%s %s: %s" % (name, spec, p[:4]))
            return 1
        finally:
            self.stop(kb)
            if not self.args.keep:
                shutil.rmtree(kb, ignore_errors=True)

    # ---- family: kill ----------------------------------------------

    def family_kill(self):
        t0 = time.time()
        n_files = 1000 if self.args.full else 300
        iters = self.args.kills
        src = os.path.join(self.tmp, "kill-src")
        self.corpus(src, n_files, prefix="k")
        landed = 0
        for it in range(iters):
            kb = os.path.join(self.tmp, "kill-%d" % it)
            self.kbctl(kb, "init", check=True)
            r = self.kbctl(kb, "add", "--no-wait", "--json", src)
            job = json.loads(r.stdout)["job"]
            # Kill at a random point of the add, measured in documents.
            at = self.rng.randint(1, n_files - n_files // 10)
            deadline = time.time() + 60
            while time.time() < deadline and self.count_docs(kb) < at:
                time.sleep(0.002)
            target = self.rng.choice(["committer", "worker", "kbd"])
            try:
                sup = int(open(os.path.join(kb, ".kb", "kbd.pid")).read())
            except (OSError, ValueError):
                sup = None
            victim = None
            if target == "kbd":
                victim = sup
            elif sup:
                kids = self.children(sup, target)
                victim = self.rng.choice(kids) if kids else None
            if victim:
                try:
                    os.kill(victim, signal.SIGKILL)
                    landed += 1
                except ProcessLookupError:
                    pass
            if target == "kbd":
                self.wait_gone(kb)
            self.kbctl(kb, "wait", str(job), "--json")
            self.kbctl(kb, "add", src)
            docs = self.list_docs(kb)
            names = [d["doc"] for d in docs]
            hashes = {d["hash"] for d in docs}
            what = "iteration %d (kill -9 %s after the add started)" % (
                it, target)
            if len(names) != n_files or len(set(names)) != n_files or \
                    len(hashes) != n_files:
                self.violation("kill", "%s: %d documents, %d distinct "
                               "contents, want %d" % (what, len(names),
                                                      len(hashes), n_files))
            lint = self.kbctl(kb, "lint", "--json")
            if lint.returncode != 0:
                self.violation("kill", "%s: lint: %s" % (what,
                                                         lint.stdout[:300]))
            self.stop(kb)
            p = self.consistent(kb)
            if p:
                self.violation("kill", "%s: %s" % (what, p[:4]))
            shutil.rmtree(kb, ignore_errors=True)
        if landed < iters:
            self.violation("kill", "only %d of %d kills found their target"
                           % (landed, iters))
        return landed, time.time() - t0

    @staticmethod
    def count_docs(kb):
        try:
            con = sqlite3.connect("file:%s/.kb/kb.db?mode=ro" % kb, uri=True)
            try:
                return con.execute(
                    "SELECT count(*) FROM documents").fetchone()[0]
            finally:
                con.close()
        except sqlite3.Error:
            return 0

    @staticmethod
    def children(ppid, role):
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    st = f.read().rsplit(")", 1)[1].split()
                if int(st[1]) != ppid:
                    continue
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    cmd = f.read().split(b"\0")
            except OSError:
                continue
            if len(cmd) > 2 and cmd[1] == b"-X" and \
                    cmd[2] == role.encode():
                out.append(int(d))
        return out

    def wait_gone(self, kb):
        # The committer holds .kb/lock until it is gone.
        for _ in range(400):
            r = subprocess.run(["pgrep", "-f", "kbd -X committer %s" % kb],
                               capture_output=True)
            if r.returncode != 0:
                return
            time.sleep(0.025)

    # ---- family: dirloss -------------------------------------------

    @staticmethod
    def pending(kb):
        """Directory entries not yet durable, from .kb/dirlog, in order."""
        path = os.path.join(kb, ".kb", "dirlog")
        if not os.path.exists(path):
            return []
        pend = []
        for line in open(path, encoding="utf-8", errors="surrogateescape"):
            f = line.rstrip("\n").split("\t")
            if f[0] == "S":
                pend = []
            elif f[0] == "F":
                pend = [e for e in pend if e[0] != f[1]]
            elif f[0] in ("C", "M", "R", "U", "D"):
                target = f[2] if f[0] == "R" else f[1]
                pend.append((os.path.dirname(target) or ".", f))
            # W, Y, T: file data (powerloss), not directory entries.
        return [f for _, f in pend]

    @staticmethod
    def undo(kb, f):
        """Undo one directory change in kb, as a lost entry would."""
        j = lambda p: os.path.join(kb, p)  # noqa: E731
        try:
            if f[0] == "C":
                if os.path.isfile(j(f[1])) or os.path.islink(j(f[1])):
                    os.unlink(j(f[1]))
            elif f[0] == "M":
                os.rmdir(j(f[1]))
            elif f[0] == "D":
                os.mkdir(j(f[1]))
            elif f[0] == "R":
                frm, to, shadow = f[1], f[2], f[3]
                if os.path.lexists(j(to)) and not os.path.lexists(j(frm)):
                    os.rename(j(to), j(frm))
                    if shadow != "-" and os.path.exists(j(shadow)):
                        os.link(j(shadow), j(to))
            elif f[0] == "U":
                if f[2] != "-" and os.path.exists(j(f[2])) and \
                        not os.path.lexists(j(f[1])):
                    os.link(j(f[2]), j(f[1]))
        except OSError:
            pass

    def family_dirloss(self):
        t0 = time.time()
        n = 0
        for name, rec in sorted(self.images.items()):
            for i, label, img in rec["stops"]:
                if img is None:
                    continue
                pend = self.pending(img)
                if not pend:
                    continue
                before, after = self.allowed(rec["snaps"], i)
                tries = 8 if self.args.full else self.args.subsets
                for t in range(tries):
                    lost = [e for e in pend if self.rng.random() < 0.5]
                    if not lost:
                        continue
                    n += 1
                    work = "%s.d%d" % (img, t)
                    self.copy_kb(img, work)
                    for e in reversed(lost):
                        self.undo(work, e)
                    why = self.recover(work)
                    what = "%s %s, lost %s" % (
                        name, label, ["/".join(e[:3]) for e in lost][:6])
                    if why:
                        self.violation("dirloss", "%s: recovery: %s" %
                                       (what, why))
                    else:
                        got = self.dump(work)
                        p = self.consistent_state(rec, work, got)
                        if got not in (before, after):
                            self.violation("dirloss", "%s: neither before "
                                           "nor after\n%s" % (
                                               what, self.diff(got, before,
                                                               after)))
                        elif p:
                            self.violation("dirloss", "%s: %s" % (what,
                                                                  p[:4]))
                    if not self.args.keep:
                        shutil.rmtree(work)
        return n, time.time() - t0

    # ---- family: powerloss -----------------------------------------

    @staticmethod
    def unsynced(kb):
        """Files whose data is not yet durable, from the data records of
        .kb/dirlog, by their current path: path -> {"durable": the size
        the file had when last durable, "dirty": [(offset, length or None
        for "to the end")] written since}. A name follows its inode
        through renames (and to its shadow when replaced or unlinked); an
        fsync of the file ("Y") or a syncfs ("S") makes it durable. A file
        renamed out of .kb/staging was written by a worker, which cannot
        fsync: all of it is unsynced until a syncfs."""
        path = os.path.join(kb, ".kb", "dirlog")
        if not os.path.exists(path):
            return {}
        st, new = {}, set()

        def move(frm, to):
            if frm in st:
                st[to] = st.pop(frm)
            if frm in new:
                new.discard(frm)
                new.add(to)

        for line in open(path, encoding="utf-8", errors="surrogateescape"):
            f = line.rstrip("\n").split("\t")
            if f[0] == "S":
                st, new = {}, set()
            elif f[0] == "C":
                st.pop(f[1], None)
                new.add(f[1])
            elif f[0] == "W":
                off, n = int(f[2]), int(f[3])
                e = st.setdefault(f[1], {"durable": 0 if f[1] in new
                                         else off, "dirty": []})
                e["dirty"].append((off, n))
            elif f[0] == "T":
                size, old = int(f[2]), int(f[3])
                e = st.setdefault(f[1], {"durable": 0 if f[1] in new
                                         else old, "dirty": []})
                e["dirty"] = [(o, n) for o, n in e["dirty"] if o < size]
            elif f[0] == "Y":
                st.pop(f[1], None)
                new.discard(f[1])
            elif f[0] == "R":
                frm, to, shadow = f[1], f[2], f[3]
                if shadow != "-":
                    move(to, shadow)
                else:
                    st.pop(to, None)
                    new.discard(to)
                if frm.startswith(".kb/staging/") and frm not in st:
                    st[frm] = {"durable": 0, "dirty": [(0, None)]}
                move(frm, to)
            elif f[0] == "U":
                if f[2] != "-":
                    move(f[1], f[2])
                else:
                    st.pop(f[1], None)
                    new.discard(f[1])
        return st

    def lose_data(self, kb, path, e):
        """Revert the unsynced data of one file as a power loss may leave
        it: cut back to its durable size, torn somewhere in between, or
        the unsynced bytes read back as zeros or as garbage. A truncate
        that is lost brings the old length back, as zeros (the old bytes
        are gone from the image). Returns what was done."""
        p = os.path.join(kb, path)
        if not os.path.isfile(p) or os.path.islink(p):
            return None
        size = os.path.getsize(p)
        durable = e["durable"]
        how = self.rng.choice(["truncate", "torn", "zeros", "garbage"])
        with open(p, "r+b") as fh:
            if how in ("truncate", "torn"):
                cut = durable
                if how == "torn" and size > durable:
                    cut = self.rng.randint(durable, size)
                fh.truncate(cut)
                if cut > size:
                    fh.seek(size)
                    fh.write(b"\0" * (cut - size))
            else:
                if durable > size:
                    fh.seek(size)
                    fh.write(b"\0" * (durable - size))
                    size = durable
                for off, n in e["dirty"]:
                    end = size if n is None else min(size, off + n)
                    if end <= off:
                        continue
                    fh.seek(off)
                    fh.write(b"\0" * (end - off) if how == "zeros" else
                             bytes(self.rng.getrandbits(8)
                                   for _ in range(end - off)))
        return "%s:%s" % (path, how)

    def family_powerloss(self):
        """Power loss: at each crash image, a seeded random subset of the
        files with unsynced data lose it (lose_data), and a random subset
        of the directory entries not yet durable are undone (as dirloss),
        then the image is recovered and checked like any other."""
        t0 = time.time()
        n = 0
        for name, rec in sorted(self.images.items()):
            for i, label, img in rec["stops"]:
                if img is None:
                    continue
                data = self.unsynced(img)
                pend = self.pending(img)
                if not data:
                    continue
                before, after = self.allowed(rec["snaps"], i)
                tries = 6 if self.args.full else self.args.plosses
                for t in range(tries):
                    files = sorted(p for p in data
                                   if self.rng.random() < 0.5)
                    if not files:
                        files = [self.rng.choice(sorted(data))]
                    lost = [e for e in pend if self.rng.random() < 0.5]
                    n += 1
                    work = "%s.p%d" % (img, t)
                    self.copy_kb(img, work)
                    done = [self.lose_data(work, p, data[p]) for p in files]
                    for e in reversed(lost):
                        self.undo(work, e)
                    why = self.recover(work)
                    what = "%s %s, lost data %s, entries %s" % (
                        name, label, [d for d in done if d][:6],
                        ["/".join(e[:3]) for e in lost][:6])
                    if why:
                        self.violation("powerloss", "%s: recovery: %s" %
                                       (what, why))
                    else:
                        got = self.dump(work)
                        p = self.consistent_state(rec, work, got)
                        if got not in (before, after):
                            self.violation("powerloss", "%s: neither "
                                           "before nor after\n%s" % (
                                               what, self.diff(got, before,
                                                               after)))
                        elif p:
                            self.violation("powerloss", "%s: %s" %
                                           (what, p[:4]))
                    if not self.args.keep:
                        shutil.rmtree(work)
        return n, time.time() - t0

    # ---- family: syscall ------------------------------------------

    SYSCALLS = ("openat", "write", "pwrite64", "fsync", "fdatasync",
                "rename", "renameat2", "unlink", "unlinkat", "mkdir",
                "mkdirat", "ftruncate", "link", "linkat")

    def strace_committer(self, kb, expr):
        """Start kbd on kb and attach strace to its committer."""
        self.kbctl(kb, "jobs", check=True)
        sup = int(open(os.path.join(kb, ".kb", "kbd.pid")).read())
        pid = None
        for _ in range(400):
            kids = self.children(sup, "committer")
            if kids:
                pid = kids[0]
                break
            time.sleep(0.01)
        if pid is None:
            raise RuntimeError("no committer under kbd %d" % sup)
        out = os.path.join(kb, ".kb", "strace.out")
        st = subprocess.Popen(["strace", "-qq", "-p", str(pid), "-o", out]
                              + expr, stderr=subprocess.PIPE, text=True)
        # strace says nothing with -qq: wait until the committer is traced.
        for _ in range(400):
            with open("/proc/%d/status" % pid) as f:
                if any(ln.startswith("TracerPid:") and ln.split()[1] != "0"
                       for ln in f):
                    break
            time.sleep(0.005)
        return st, out

    def family_syscall(self):
        t0 = time.time()
        if shutil.which("strace") is None:
            print("drills syscall: skipped: strace not installed")
            return None, 0
        landed = total = 0
        names = self.args.workload or ["batch", "collide", "remove",
                                       "lintfix"]
        for name in names:
            rec = self.images.get(name)
            if rec is None:
                continue
            got, n = self.syscall_workload(name, rec)
            landed += got
            total += n
        if total and landed == 0:
            self.violation("syscall", "none of %d injected kills hit the "
                           "committer" % total)
        return landed, time.time() - t0

    def syscall_workload(self, name, rec):
        tmpl = os.path.join(self.tmp, name, "template")
        argv = rec["argv"] + (["--json"] if rec["argv"][0] == "add" else [])
        # Record: how many of each mutating call the committer makes.
        kb = os.path.join(self.tmp, name, "sys-record")
        self.copy_kb(tmpl, kb)
        st, out = self.strace_committer(kb, ["-e", "trace=" +
                                             ",".join(self.SYSCALLS)])
        self.kbctl(kb, *argv)
        self.stop(kb)
        st.wait(timeout=30)
        counts = {}
        for line in open(out):
            call = line.split("(", 1)[0].strip()
            if call in self.SYSCALLS:
                counts[call] = counts.get(call, 0) + 1
        shutil.rmtree(kb, ignore_errors=True)
        runs = []
        # The batch add is the main workload; the others get fewer points
        # in the quick set.
        sample = 5 if name == "batch" else 1
        for sc, n in sorted(counts.items()):
            ks = list(range(1, n + 1))
            if not self.args.full:
                ks = sorted(set([1, n] + self.rng.sample(ks, min(n, sample))))
            runs.extend((sc, k) for k in ks)
        landed = 0
        for sc, k in runs:
            kb = os.path.join(self.tmp, name, "sys-%s-%d" % (sc, k))
            self.copy_kb(tmpl, kb)
            try:
                st, _ = self.strace_committer(
                    kb, ["-e", "trace=" + sc, "-e",
                         "inject=%s:signal=KILL:when=%d" % (sc, k)])
                r = self.kbctl(kb, *argv)
                landed += self.syscall_check(rec, kb, "%s %s@%d" %
                                             (name, sc, k), r)
            finally:
                self.stop(kb)
                st.wait(timeout=30)
                if not self.args.keep:
                    shutil.rmtree(kb, ignore_errors=True)
        print("  (syscall %s: %d of %d runs killed the committer; calls: %s)"
              % (name, landed, len(runs), ", ".join(
                  "%s %d" % kv for kv in sorted(counts.items()))))
        return landed, len(runs)

    def syscall_check(self, rec, kb, what, r):
        log = open(os.path.join(kb, ".kb", "kbd.log")).read()
        if "committer gone" not in log:
            # Batches differ from run to run: the Nth call may not come.
            return 0
        # An add goes on after its committer is killed; a remove or a
        # lint --fix may report the error, and is run again below.
        if rec["argv"][0] == "add" and r.returncode != 0:
            self.violation("syscall", "%s: the add failed after the "
                           "committer was killed: %s" % (what,
                                                         r.stderr.strip()))
        have = {d for d, _ in self.doc_set(kb)}
        for d in self.reported_added(r.stdout):
            if d not in have:
                self.violation("syscall", "%s: reported added %s missing" %
                               (what, d))
        self.kbctl(kb, *rec["argv"])
        lint = self.kbctl(kb, "lint", "--json")
        if lint.returncode != 0:
            self.violation("syscall", "%s: lint: %s" % (what, lint.stdout))
        self.stop(kb)
        got = self.doc_set(kb)
        if got != rec["docs_final"]:
            self.violation("syscall", "%s: documents differ: missing %s "
                           "extra %s" % (what,
                                         sorted(rec["docs_final"] - got)[:3],
                                         sorted(got - rec["docs_final"])[:3]))
        p = self.consistent(kb)
        if p:
            self.violation("syscall", "%s: %s" % (what, p[:4]))
        return 1

    # ---- family: lazyfs --------------------------------------------
    #
    # Unexercised where LazyFS is not installed (the machine this was
    # written on): it follows LazyFS's documented interface (README and
    # config/default.toml of dsrhaslab/lazyfs) and nothing here was run
    # against a real LazyFS. See docs/crash-safety.md.

    @staticmethod
    def lazyfs_exe():
        """$LAZYFS, lazyfs on the PATH, or where a source build puts it."""
        for exe in (os.environ.get("LAZYFS"), shutil.which("lazyfs"),
                    "/usr/local/bin/lazyfs",
                    "/opt/lazyfs/lazyfs/build/lazyfs"):
            if exe and os.path.isfile(exe) and os.access(exe, os.X_OK):
                return exe
        return None

    def family_lazyfs(self):
        t0 = time.time()
        exe = self.lazyfs_exe()
        fuser = shutil.which("fusermount3") or shutil.which("fusermount")
        if exe is None:
            print("drills lazyfs: skipped: LazyFS not installed")
            return None, time.time() - t0
        if not os.path.exists("/dev/fuse") or fuser is None:
            print("drills lazyfs: skipped: no /dev/fuse or fusermount")
            return None, time.time() - t0
        lz = LazyFS(exe, fuser, os.path.join(self.tmp, "lazyfs"))
        try:
            lz.mount()
        except RuntimeError as e:
            # Like a missing /dev/fuse: this machine cannot run it.
            print("drills lazyfs: skipped: %s" % e)
            lz.umount()
            return None, time.time() - t0
        try:
            n = self.lazyfs_drill(lz)
        finally:
            lz.umount()
        return n, time.time() - t0

    LAZYFS_POINTS = ("fsync", "syncfs", "rename", "activate", "publish.raw",
                     "publish.source")

    def lazyfs_drill(self, lz):
        """The batch workload on a KB inside a LazyFS mount. A listing run
        names the fsync and rename points; then, for each (a sample
        without --full), a fresh KB runs to that point, where every kbd
        process is frozen, LazyFS drops its unsynced data (clear-cache),
        kbd is killed and LazyFS remounted; the KB is recovered and must
        equal the last state committed before the point, be consistent
        and lint clean, and hold every document reported added."""
        wd = os.path.join(self.tmp, "lazyfs")
        src, tmpl = os.path.join(wd, "src"), os.path.join(wd, "template")
        self.corpus(src, self.args.files)
        kb = os.path.join(lz.mnt, "kb")
        self.kbctl(kb, "init", check=True)
        self.stop(kb)
        self.copy_kb(kb, tmpl)
        shutil.rmtree(kb)
        argv = ["add", src, "--json"]
        # Listing run: the points the committer passes, in order.
        self.lazyfs_fresh(lz, tmpl, kb)
        self.kbctl(kb, *argv, extra={"KBD_FAILPOINT_TRACE": "1"})
        self.stop(kb)
        with open(os.path.join(kb, ".kb", "failpoints.trace")) as f:
            lines = [ln.split(" ", 1) for ln in f.read().split("\n")[:-1]]
        counts, labels = {}, []
        for pid, point in lines:
            counts[(pid, point)] = counts.get((pid, point), 0) + 1
            if any(w in point for w in self.LAZYFS_POINTS):
                labels.append("%s@%d" % (point, counts[(pid, point)]))
        if self.args.point:
            labels = [x for x in labels if x == self.args.point]
        elif not self.args.full:
            labels = self.rng.sample(labels, min(len(labels),
                                                 self.args.real))
        n = 0
        for label in labels:
            n += self.lazyfs_point(lz, tmpl, kb, argv, label)
        return n

    @staticmethod
    def fsync_tree(top):
        """fsync every file and directory under top: a copy made through
        LazyFS is only in its cache until then."""
        for d, _, files in os.walk(top):
            for f in files:
                p = os.path.join(d, f)
                if os.path.isfile(p) and not os.path.islink(p):
                    fd = os.open(p, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def lazyfs_fresh(self, lz, tmpl, kb):
        if os.path.exists(kb):
            shutil.rmtree(kb)
        self.copy_kb(tmpl, kb)
        self.fsync_tree(kb)
        self.fsync_tree(os.path.dirname(kb))

    @staticmethod
    def descendants(pid):
        """pid and every process below it."""
        kids = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(d))
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(kids.get(p, []))
        return out

    def lazyfs_point(self, lz, tmpl, kb, argv, label):
        what = "batch %s" % label
        self.lazyfs_fresh(lz, tmpl, kb)
        snaps = [self.dump(kb)]
        trace = os.path.join(kb, ".kb", "failpoints.trace")
        p = subprocess.Popen([self.kbctl_bin, "-C", kb] + argv,
                             env=self.run_env({"KBD_FAILPOINT_TRACE":
                                               "stop"}),
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
            if not self.wait_stopped(int(pid)):
                continue
            if point in COMMIT_POINTS:
                snaps.append(self.dump(kb))
            if "%s@%d" % (point, counts[point]) == label:
                hit = True
                # The power goes: nothing runs from here on.
                sup = int(open(os.path.join(kb, ".kb", "kbd.pid")).read())
                procs = self.descendants(sup) + [p.pid]
                for q in procs:
                    self.signal_quiet(q, signal.SIGSTOP)
                lz.clear_cache()
                for q in procs:
                    self.signal_quiet(q, signal.SIGKILL)
                self.wait_dead(procs)
                continue
            self.signal_quiet(int(pid), signal.SIGCONT)
        out, _ = p.communicate(timeout=120)
        if not hit:
            self.stop(kb)
            return 0    # batches differ from run to run: not reached
        lz.umount()
        lz.mount()
        for f in ("kbd.sock", "kbd.pid", "socket"):
            try:
                os.unlink(os.path.join(kb, ".kb", f))
            except FileNotFoundError:
                pass
        why = self.recover(kb)
        if why:
            self.violation("lazyfs", "%s: recovery: %s" % (what, why))
            return 1
        got = self.dump(kb)
        if got != snaps[-1]:
            self.violation("lazyfs", "%s: not the state last committed "
                           "before the power loss\n%s" %
                           (what, self.diff(got, snaps[-1], snaps[-1])))
        probs = self.consistent(kb)
        if probs:
            self.violation("lazyfs", "%s: %s" % (what, probs[:4]))
        have = {d for d, _ in self.doc_set(kb)}
        for d in self.reported_added(out):
            if d not in have:
                self.violation("lazyfs", "%s: reported added %s missing" %
                               (what, d))
        lint = self.kbctl(kb, "lint", "--json")
        if lint.returncode != 0:
            self.violation("lazyfs", "%s: lint: %s" % (what,
                                                      lint.stdout.strip()))
        self.stop(kb)
        return 1

    @staticmethod
    def wait_dead(pids):
        """Until no pid runs (gone or a zombie): a FUSE file system cannot
        be unmounted while a process holds a file open on it."""
        for _ in range(1000):
            alive = 0
            for q in pids:
                try:
                    with open("/proc/%d/stat" % q) as f:
                        st = f.read().rsplit(")", 1)[1].split()[0]
                except OSError:
                    continue
                alive += st not in ("Z", "X")
            if not alive:
                return
            time.sleep(0.01)

    @staticmethod
    def signal_quiet(pid, sig):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


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


FAMILIES = ["crash", "recovery", "ioerr", "syscall", "kill", "dirloss",
            "powerloss", "lazyfs"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/release/bin")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--full", action="store_true",
                    help="every point, more images resumed, more subsets")
    ap.add_argument("--family", action="append", choices=FAMILIES)
    ap.add_argument("--workload", action="append",
                    choices=["batch", "collide", "remove", "rollback",
                             "lintfix"])
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
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "little")
    if args.full:
        args.files = max(args.files, 10)
        args.kills = max(args.kills, 10)
    fams = args.family or FAMILIES
    # Families that recover crash images need the crash family's images.
    if any(f in fams for f in ("recovery", "ioerr", "syscall", "dirloss",
                               "powerloss")) \
            and \
            "crash" not in fams:
        fams = ["crash"] + fams
    d = Drill(args)
    print("drills: seed %d, %s, bin %s, tmp %s" % (
        args.seed, "full" if args.full else "quick", d.bin, d.tmp))
    sys.stdout.flush()
    try:
        for fam in FAMILIES:
            if fam not in fams:
                continue
            before = len(d.violations)
            res, wall = getattr(d, "family_" + fam)()
            if res is None:
                continue
            print("drills %s: %d points exercised, %d violations, %.1f s" %
                  (fam, res, len(d.violations) - before, wall))
            sys.stdout.flush()
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
