"""Family kill: kill -9 of the committer, a worker or kbd itself at a
random point of a large add; the job is waited for (kbd restarted if
needed) and the add run again: every document is there exactly once,
and lint is clean."""

import json
import os
import signal
import shutil
import time

import oracle
import procs
import workloads

FAMILY = "kill"


def run(d):
    n_files = 1000 if d.args.full else 300
    iters = d.args.kills
    src = os.path.join(d.tmp, "kill-src")
    workloads.corpus(d, src, n_files, prefix="k")
    landed = 0
    for it in range(iters):
        kb = os.path.join(d.tmp, "kill-%d" % it)
        d.kbctl(kb, "init", check=True)
        r = d.kbctl(kb, "add", "--no-wait", "--json", src)
        job = json.loads(r.stdout)["job"]
        # Kill at a random point of the add, measured in documents.
        at = d.rng.randint(1, n_files - n_files // 10)
        deadline = time.time() + 60
        while time.time() < deadline and oracle.count_docs(kb) < at:
            time.sleep(0.002)
        target = d.rng.choice(["committer", "worker", "kbd"])
        try:
            sup = int(open(os.path.join(kb, ".kb", "kbd.pid")).read())
        except (OSError, ValueError):
            sup = None
        victim = None
        # The committer holds .kb/lock until it is gone: after kbd is
        # killed, wait for that very process, not for a name that might
        # match nothing.
        committers = procs.children(sup, "committer") if sup else []
        if target == "kbd":
            victim = sup
        elif sup:
            kids = procs.children(sup, target)
            victim = d.rng.choice(kids) if kids else None
        if victim:
            try:
                os.kill(victim, signal.SIGKILL)
                landed += 1
            except ProcessLookupError:
                pass
        if target == "kbd":
            procs.wait_dead(committers)
        d.kbctl(kb, "wait", str(job), "--json")
        d.kbctl(kb, "add", src)
        docs = d.list_docs(kb)
        names = [x["doc"] for x in docs]
        hashes = {x["hash"] for x in docs}
        what = "iteration %d (kill -9 %s after the add started)" % (
            it, target)
        if len(names) != n_files or len(set(names)) != n_files or \
                len(hashes) != n_files:
            d.violation(FAMILY, "%s: %d documents, %d distinct "
                        "contents, want %d" % (what, len(names),
                                               len(hashes), n_files))
        lint = d.kbctl(kb, "lint", "--json")
        if lint.returncode != 0:
            d.violation(FAMILY, "%s: lint: %s" % (what, lint.stdout[:300]))
        d.stop(kb)
        p = oracle.consistent(kb)
        if p:
            d.violation(FAMILY, "%s: %s" % (what, p[:4]))
        shutil.rmtree(kb, ignore_errors=True)
    if landed < iters:
        d.violation(FAMILY, "only %d of %d kills found their target"
                    % (landed, iters))
    return {"kill": landed}
