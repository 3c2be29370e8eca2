"""The workloads the families interrupt: how each sets up its KB, the
kbctl command it runs, the fail point it injects (rollback), and what its
own uninterrupted run must end with (check): a workload that did nothing,
or failed where it should not, would make every crash image trivially
"before" or "after" and prove nothing.

  batch     an add of several files, cut into batches as they are ready
  collide   same stems in different directories, a duplicate, an
            extensionless file and a name needing sanitizing
  remove    remove some documents of an added corpus
  rollback  a batch add whose second summary rename fails with EIO: the
            batch is rolled back, the rest added
  lintfix   lint --fix of an added corpus with planted problems
  update    an added corpus, some files changed, added again: their
            documents replaced in place (old files backed up)
  move      an added corpus, a file renamed, added again: its document
            keeps its name, only its source path changes
  prune     an added corpus, some files deleted, then kbctl sync of its
            root: their documents removed (one journaled remove), the
            rest unchanged
  recompile an added corpus made stale (converter versions set back),
            some Markdown tampered: recompile --stale rewrites those
            in place (old files backed up), leaves the rest alone
  links     HTML pages added with links to targets not yet in the KB,
            then the targets added: the pending links resolve, the
            pages that hold them are rewritten in that batch
  unlink    pages and their link targets added, the targets removed:
            the links turn back into plain text in the remove
  concepts  a KB whose documents share phrases (concept pages exist),
            then an add of more that share them: the batches rewrite
            concept pages, and one makes a new concept
"""

import json
import os
import sqlite3
import subprocess

import oracle

NAMES = ["batch", "collide", "remove", "rollback", "lintfix", "update",
         "move", "prune", "recompile", "links", "unlink", "concepts"]

COLLIDE = {"a/a.txt": "alpha text\n", "b/a.md": "# A\n\nalpha md\n",
           "c/a.txt": "alpha other text\n",
           "c/a.md": "# A\n\nthird a\n", "d/dup.txt": "alpha text\n",
           "d/My File!.txt": "odd name\n", "e/a": "no ext\n"}


def corpus(d, top, n, prefix="f", start=0):
    """n small text and Markdown files in three subdirectories of top."""
    os.makedirs(top, exist_ok=True)
    for i in range(start, start + n):
        sub = os.path.join(top, "p%d" % (i % 3))
        os.makedirs(sub, exist_ok=True)
        if i % 2:
            name, body = ("%s%04d.md" % (prefix, i),
                          "# Note %d\n\nAbout topic%d and word%d.\n\n"
                          "## More\n\nseed %d\n" % (i, i % 7, i,
                                                    d.args.seed))
        else:
            name, body = ("%s%04d.txt" % (prefix, i),
                          "Plain text %d about subject%d, seed %d.\n"
                          % (i, i % 5, d.args.seed))
        with open(os.path.join(sub, name), "w") as f:
            f.write(body)


def batch_setup(d, kb, src):
    corpus(d, src, d.args.files)


def collide_setup(d, kb, src):
    for p, body in COLLIDE.items():
        os.makedirs(os.path.join(src, os.path.dirname(p)), exist_ok=True)
        with open(os.path.join(src, p), "w") as f:
            f.write(body)


def remove_setup(d, kb, src):
    corpus(d, src, d.args.files)
    r = d.kbctl(kb, "add", src)
    if r.returncode != 0:
        raise RuntimeError("remove setup add: %s" % r.stderr)


def changed(d):
    """The files the update workload changes: one. A changed file is found
    once it is hashed, so two changed files may share a batch or not; the
    job's end then journals its log.md entry after one batch or after two,
    and a point numbered from a two-batch trace would not be reached in
    every run. One file keeps every point in every run (as MOVED below)."""
    return 1


def corpus_files(src):
    out = []
    for dd, dirs, files in os.walk(src):
        dirs.sort()
        out.extend(os.path.join(dd, f) for f in sorted(files))
    return out


def update_setup(d, kb, src):
    """Added, then some files rewritten (the KB is not touched)."""
    remove_setup(d, kb, src)
    for p in corpus_files(src)[::3][:changed(d)]:
        with open(p, "a") as f:
            f.write("\nchanged for the update drill, seed %d\n"
                    % d.args.seed)


# One file moved: a move is found once its file is hashed, so two moves
# may share a batch or not, and a real crash at the second batch's points
# would not be reached in every run.
MOVED = 1


def move_setup(d, kb, src):
    """Added, then a file renamed into a new directory."""
    remove_setup(d, kb, src)
    dest = os.path.join(src, "moved")
    os.makedirs(dest)
    for p in corpus_files(src)[::3][:MOVED]:
        os.rename(p, os.path.join(dest, "m-" + os.path.basename(p)))


def pruned(d):
    """The files the prune workload deletes: every third, two at least."""
    return max(2, d.args.files // 3)


def prune_setup(d, kb, src):
    """Added, then some files deleted (the KB is not touched)."""
    remove_setup(d, kb, src)
    for p in corpus_files(src)[1::3][:pruned(d)]:
        os.unlink(p)


def recompile_setup(d, kb, src):
    """Added, then every document stale, as after an upgrade of kbd, and
    the Markdown of every third what an older converter made: different,
    with its summary page and full-text row made from it (lint --fix
    rebuilds them), so the KB is consistent. A recompile must rewrite
    those and only those."""
    remove_setup(d, kb, src)
    docs = sorted(x["doc"] for x in d.list_docs(kb))
    d.stop(kb)
    old = docs[::3][:changed(d)]
    for name in old:
        with open(os.path.join(kb, "wiki/sources/%s.md" % name), "a") as f:
            f.write("\nas an older converter made it\n")
    # kbsql: the full-text table needs kbd's tokenizer.
    subprocess.run([os.path.join(d.bin, "kbsql"),
                    os.path.join(kb, ".kb", "kb.db"),
                    "DELETE FROM fts WHERE rowid IN (SELECT id FROM "
                    "documents WHERE name IN (%s))" % ", ".join(
                        "'%s'" % n.replace("'", "''") for n in old)],
                   check=True)
    r = d.kbctl(kb, "lint", "--fix")
    if r.returncode != 0:
        raise RuntimeError("recompile setup lint --fix: %s %s" %
                           (r.stdout, r.stderr))
    d.stop(kb)
    con = sqlite3.connect(os.path.join(kb, ".kb", "kb.db"))
    con.execute("UPDATE documents SET conv_version = 0")
    con.commit()
    con.close()


def lintfix_setup(d, kb, src):
    """A KB with every problem lint --fix repairs that survives a restart
    of kbd (which itself recreates log.md and empties .kb/staging):
    strays, a missing and an edited summary, an index line gone, a
    full-text row gone."""
    remove_setup(d, kb, src)
    docs = sorted(x["doc"] for x in d.list_docs(kb))
    d.stop(kb)
    for p in ("raw/stray.txt", "wiki/sources/stray.md",
              "wiki/summaries/stray.md"):
        with open(os.path.join(kb, p), "w") as f:
            f.write("stray\n")
    os.unlink(os.path.join(kb, "wiki/summaries/%s.md" % docs[0]))
    with open(os.path.join(kb, "wiki/summaries/%s.md" % docs[1]),
              "a") as f:
        f.write("edited\n")
    tdir = os.path.join(kb, "wiki/index/type")
    for name in os.listdir(tdir):
        idx = os.path.join(tdir, name)
        with open(idx) as f:
            lines = f.readlines()
        with open(idx, "w") as f:
            f.writelines(ln for ln in lines
                         if "summaries/%s.md" % docs[2] not in ln)
    # kbsql: the full-text table needs kbd's tokenizer.
    subprocess.run([os.path.join(d.bin, "kbsql"),
                    os.path.join(kb, ".kb", "kb.db"),
                    "DELETE FROM fts WHERE rowid = (SELECT id FROM "
                    "documents WHERE name = '%s')" % docs[3].replace("'", "''")],
                   check=True)


# Links: pages that link to two targets (and to each other), the targets
# added after them.
LINK_PAGES = 6
LINK_TARGETS = 2


def links_setup(d, kb, src, targets_too=False):
    pages, targets = os.path.join(src, "pages"), os.path.join(src, "targets")
    os.makedirs(pages)
    os.makedirs(targets)
    for i in range(LINK_PAGES):
        with open(os.path.join(pages, "p%d.html" % i), "w") as f:
            f.write('<html><head><title>Page %d</title></head><body>'
                    '<h1>Page %d</h1><p>See <a href="../targets/t%d.html'
                    '#s">target %d</a> and <a href="p%d.html">the next '
                    'page</a>, seed %d.</p></body></html>\n'
                    % (i, i, i % LINK_TARGETS, i % LINK_TARGETS,
                       (i + 1) % LINK_PAGES, d.args.seed))
    for k in range(LINK_TARGETS):
        with open(os.path.join(targets, "t%d.html" % k), "w") as f:
            f.write('<html><head><title>Target %d</title></head><body>'
                    '<h1>Target %d</h1><p>Back to <a href="../pages/'
                    'p0.html">the first page</a>.</p></body></html>\n'
                    % (k, k))
    r = d.kbctl(kb, "add", pages)
    if r.returncode == 0 and targets_too:
        r = d.kbctl(kb, "add", targets)
    if r.returncode != 0:
        raise RuntimeError("links setup add: %s" % r.stderr)


def unlink_setup(d, kb, src):
    links_setup(d, kb, src, targets_too=True)


def links_args(d, kb, src):
    return ["add", os.path.join(src, "targets")]


def unlink_args(d, kb, src):
    docs = sorted(x["doc"] for x in d.list_docs(kb))
    return ["remove"] + [n for n in docs if n.startswith("t")]


def concepts_corpus(d, top, n, start=0):
    """n Markdown files: each treats "vector clock", every third also
    "merkle tree" (so the first add makes one concept, the second two)."""
    os.makedirs(top, exist_ok=True)
    for i in range(start, start + n):
        body = ("# Replica %d\n\nA vector clock is a map from replica to "
                "counter. Each replica keeps a vector clock and merges "
                "the vector clock of its peers (seed %d).\n"
                % (i, d.args.seed))
        if i % 3 == 2:
            body += ("\nA merkle tree is a tree of hashes. The merkle "
                     "tree of replica %d is compared.\n" % i)
        with open(os.path.join(top, "r%04d.md" % i), "w") as f:
            f.write(body)


def concepts_setup(d, kb, src):
    """Three documents added from beside src: "vector clock" is a
    concept; the workload adds src's files."""
    pre = src.rstrip("/") + "-pre"
    concepts_corpus(d, pre, 3)
    r = d.kbctl(kb, "add", pre)
    if r.returncode != 0:
        raise RuntimeError("concepts setup add: %s" % r.stderr)
    concepts_corpus(d, src, d.args.files, start=3)


def add_args(d, kb, src):
    return ["add", src]


def remove_args(d, kb, src):
    docs = sorted(x["doc"] for x in d.list_docs(kb))
    pick = docs[1::3][:4]
    return ["remove"] + pick


def sync_args(d, kb, src):
    return ["sync", src]


def lintfix_args(d, kb, src):
    return ["lint", "--fix"]


def recompile_args(d, kb, src):
    return ["recompile", "--stale"]


# ---- what each uninterrupted run must end with ----------------------
#
# run: "argv", and "rc", "out", "err" of the run (an add with --json);
# "before" and "after" (the documents, as (name, hash), before and after
# it); "tmpl" (the KB before it); "left" (consistent() after it);
# "again" (the exit status of the workload run once more after it) and
# "final" (the documents then); "concepts" (the registry's after it).

def summary(out):
    """The summary event of an `add --json` output, {} if none."""
    for line in reversed(out.splitlines()):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if isinstance(e, dict) and e.get("event") == "summary":
            return e
    return {}


def check_add(run, added, duplicates=0):
    s = summary(run["out"])
    probs = []
    if run["rc"] != 0:
        probs.append("exit %d: %s" % (run["rc"], run["err"].strip()[-300:]))
    if (s.get("added"), s.get("duplicates"), s.get("failed")) != \
            (added, duplicates, 0):
        probs.append("want %d added, %d duplicates, 0 failed; summary %s" %
                     (added, duplicates, s))
    names = {n for n, _ in run["after"]}
    if names != set(oracle.reported_added(run["out"])):
        probs.append("registry %s is not what was reported added" %
                     sorted(names)[:6])
    return probs


def check_again(run, n):
    """An add run again after the workload: it ends well, and the KB
    holds n documents."""
    probs = []
    if run["again"] != 0:
        probs.append("the add run again exited %d" % run["again"])
    if len(run["final"]) != n:
        probs.append("%d documents after the add run again, want %d" %
                     (len(run["final"]), n))
    return probs


def batch_check(d, run):
    return check_add(run, d.args.files) + check_again(run, d.args.files)


def collide_check(d, run):
    n = len(set(COLLIDE.values()))
    return check_add(run, n, len(COLLIDE) - n) + check_again(run, n)


def remove_check(d, run):
    picks = run["argv"][1:]
    names = {n for n, _ in run["before"]} - set(picks)
    probs = []
    if run["rc"] != 0:
        probs.append("exit %d: %s" % (run["rc"], run["err"].strip()[-300:]))
    if not picks:
        probs.append("nothing to remove")
    if {n for n, _ in run["after"]} != names or run["final"] != run["after"]:
        probs.append("documents after: %s, want %s" %
                     (sorted(n for n, _ in run["after"])[:8],
                      sorted(names)[:8]))
    return probs


def lintfix_check(d, run):
    probs = []
    if run["rc"] != 0:
        probs.append("exit %d: %s %s" % (run["rc"],
                                         run["out"].strip()[-300:],
                                         run["err"].strip()[-300:]))
    planted = " ".join(oracle.consistent(run["tmpl"]))
    for p in ("raw/stray.txt stray", "wiki/sources/stray.md stray",
              "wiki/summaries/stray.md stray", ".md missing",
              "index.md lists", "fts row of"):
        if p not in planted:
            probs.append("planted problem %r not in the KB before" % p)
    if run["left"]:
        probs.append("problems left: %s" % run["left"][:4])
    if run["after"] != run["before"] or run["final"] != run["before"]:
        probs.append("documents changed")
    if run["again"] != 0:
        probs.append("lint --fix run again exited %d" % run["again"])
    return probs


def update_check(d, run):
    """The changed files updated their documents in place: the same
    names, the changed ones with a new hash, nothing added."""
    s = summary(run["out"])
    n = min(changed(d), d.args.files)
    probs = []
    if run["rc"] != 0:
        probs.append("exit %d: %s" % (run["rc"], run["err"].strip()[-300:]))
    if (s.get("added"), s.get("updated"), s.get("failed")) != (0, n, 0):
        probs.append("want 0 added, %d updated, 0 failed; summary %s" %
                     (n, s))
    before, after = dict(run["before"]), dict(run["after"])
    if set(before) != set(after):
        probs.append("names changed: %s" % sorted(set(before) ^
                                                  set(after))[:6])
    diff = [k for k in after if before.get(k) != after[k]]
    if len(diff) != n:
        probs.append("%d documents have new content, want %d" %
                     (len(diff), n))
    if run["final"] != run["after"]:
        probs.append("the add run again changed the documents")
    return probs + check_again(run, d.args.files)


def move_check(d, run):
    """The renamed file kept its document: nothing converted."""
    s = summary(run["out"])
    n = MOVED
    probs = []
    if run["rc"] != 0:
        probs.append("exit %d: %s" % (run["rc"], run["err"].strip()[-300:]))
    if (s.get("added"), s.get("moved"), s.get("failed")) != (0, n, 0):
        probs.append("want 0 added, %d moved, 0 failed; summary %s" %
                     (n, s))
    if run["after"] != run["before"]:
        probs.append("documents changed by a move")
    if run["final"] != run["after"]:
        probs.append("the add run again changed the documents")
    return probs + check_again(run, d.args.files)


def prune_check(d, run):
    """The deleted files' documents are gone, the others untouched;
    nothing added, updated or moved; a sync run again changes nothing."""
    s = summary(run["out"])
    n = min(pruned(d), d.args.files)
    probs = []
    if run["rc"] != 0:
        probs.append("exit %d: %s" % (run["rc"], run["err"].strip()[-300:]))
    if (s.get("added"), s.get("updated"), s.get("moved"), s.get("removed"),
            s.get("failed")) != (0, 0, 0, n, 0):
        probs.append("want 0 added, 0 updated, 0 moved, %d removed, "
                     "0 failed; summary %s" % (n, s))
    if len(run["after"]) != len(run["before"]) - n or \
            not set(run["after"]) <= set(run["before"]):
        probs.append("documents after: %s, want %d of the %d before, "
                     "unchanged" % (sorted(n for n, _ in run["after"])[:8],
                                    len(run["before"]) - n,
                                    len(run["before"])))
    if run["final"] != run["after"]:
        probs.append("the sync run again changed the documents")
    if run["again"] != 0:
        probs.append("the sync run again exited %d" % run["again"])
    return probs


def recompile_check(d, run):
    """The tampered documents were rewritten (updated), the others found
    unchanged; no document changed name or content; run again, nothing
    is stale any more and nothing changes."""
    s = summary(run["out"])
    n = min(changed(d), len(run["before"]))
    probs = []
    if run["rc"] != 0:
        probs.append("exit %d: %s" % (run["rc"], run["err"].strip()[-300:]))
    if (s.get("added"), s.get("updated"), s.get("duplicates"),
            s.get("failed")) != (0, n, len(run["before"]) - n, 0):
        probs.append("want 0 added, %d updated, %d unchanged, 0 failed; "
                     "summary %s" % (n, len(run["before"]) - n, s))
    if run["after"] != run["before"]:
        probs.append("documents changed by a recompile")
    if run["again"] != 0:
        probs.append("recompile run again exited %d" % run["again"])
    if run["final"] != run["after"]:
        probs.append("the recompile run again changed the documents")
    return probs


def links_check(d, run):
    """The targets were added (the pages were there before)."""
    s = summary(run["out"])
    probs = []
    if run["rc"] != 0:
        probs.append("exit %d: %s" % (run["rc"], run["err"].strip()[-300:]))
    if (s.get("added"), s.get("failed")) != (LINK_TARGETS, 0):
        probs.append("want %d added, 0 failed; summary %s" %
                     (LINK_TARGETS, s))
    new = {n for n, _ in run["after"]} - {n for n, _ in run["before"]}
    if new != set(oracle.reported_added(run["out"])):
        probs.append("new documents %s are not what was reported added" %
                     sorted(new))
    return probs + check_again(run, LINK_PAGES + LINK_TARGETS)


def rollback_check(d, run):
    """The injected EIO fired: the add failed, naming the error; the
    batch it hit was rolled back (only what was reported added is
    there); the add run again adds the rest."""
    s = summary(run["out"])
    probs = []
    if run["rc"] != 1:
        probs.append("exit %d, want 1 (a failed batch)" % run["rc"])
    if "Input/output error" not in run["out"] + run["err"]:
        probs.append("no Input/output error reported: the injected EIO "
                     "did not fire")
    # Files after the failed batch are added, or cancelled when the job
    # stopped before they reached a batch: that depends on timing.
    if not s.get("failed") or s.get("added", 0) + s.get("failed") + \
            s.get("cancelled", 0) != d.args.files:
        probs.append("want some of %d failed and the rest added or "
                     "cancelled; summary %s" % (d.args.files, s))
    names = {n for n, _ in run["after"]}
    if names != set(oracle.reported_added(run["out"])):
        probs.append("registry %s is not what was reported added" %
                     sorted(names)[:6])
    return probs + check_again(run, d.args.files)


def concepts_check(d, run):
    """The add added the new files; the KB has both phrases' concepts
    (their words are concepts too)."""
    s = summary(run["out"])
    probs = []
    if run["rc"] != 0:
        probs.append("exit %d: %s" % (run["rc"], run["err"].strip()[-300:]))
    if (s.get("added"), s.get("failed")) != (d.args.files, 0):
        probs.append("want %d added, 0 failed; summary %s" %
                     (d.args.files, s))
    if not {"merkle tree", "vector clock"} <= set(run["concepts"]):
        probs.append("concepts after: %s" % run["concepts"])
    return probs + check_again(run, d.args.files + 3)


class Workload:
    def __init__(self, name, setup, argv, check, failpoint=None,
                 planted=False):
        self.name = name
        self.setup = setup          # (d, kb, src): the KB before
        self.argv = argv            # (d, kb, src) -> kbctl arguments
        self.check = check          # (d, run) -> problems of its run
        self.failpoint = failpoint  # KBD_FAILPOINT of every run
        # The "before" state is the planted one: not consistent.
        self.planted = planted


TABLE = {w.name: w for w in (
    Workload("batch", batch_setup, add_args, batch_check),
    Workload("collide", collide_setup, add_args, collide_check),
    Workload("remove", remove_setup, remove_args, remove_check),
    # A batch that fails (EIO at the 2nd summary's rename) and is rolled
    # back, then the rest: images during and after a rollback.
    Workload("rollback", batch_setup, add_args, rollback_check,
             failpoint="publish.summary.rename:eio@2"),
    Workload("lintfix", lintfix_setup, lintfix_args, lintfix_check,
             planted=True),
    Workload("update", update_setup, add_args, update_check),
    Workload("move", move_setup, add_args, move_check),
    Workload("prune", prune_setup, sync_args, prune_check),
    Workload("recompile", recompile_setup, recompile_args, recompile_check),
    Workload("links", links_setup, links_args, links_check),
    Workload("unlink", unlink_setup, unlink_args, remove_check),
    Workload("concepts", concepts_setup, add_args, concepts_check),
)}


def json_argv(argv):
    """argv, with --json for an add, a sync or a recompile (its output
    names what was added, updated and removed)."""
    return argv + (["--json"] if argv[0] in ("add", "sync", "recompile")
                   else [])
