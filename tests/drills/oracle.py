"""The oracle: what a KB holds, read from outside (a canonical dump of the
registry, full-text and commit rows and of raw/ and wiki/), what lint
checks (consistent), and which states an image may be in after recovery:
the one before or the one after the mutation it interrupted."""

import hashlib
import json
import os
import re
import sqlite3


# wiki/AGENTS.md is derived from the registry's document count and
# rewritten after the commit point (and at start-up when stale), so a
# snapshot taken at a commit point holds the old one: dump() leaves it
# out and consistent() checks it against the registry instead.
AGENTS = "wiki/AGENTS.md"
AGENTS_COUNT = re.compile(r"It holds (\d+) documents?\.")
# A Markdown link to a .md page, as the wiki writes them (not \[..\]).
MD_LINK = re.compile(r"(?<!\\)\]\(<?([^)>\s]+\.md)>?[\s)]")


def dump(kb):
    """Canonical state: registry, FTS and commit rows, raw/ and wiki/
    (but AGENTS.md, see above)."""
    out = []
    db = os.path.join(kb, ".kb", "kb.db")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        for row in con.execute("SELECT * FROM documents ORDER BY name"):
            out.append("doc " + json.dumps(row))
        # fts's own content table: fts itself needs kbd's tokenizer.
        for row in con.execute(
                "SELECT id, c0, c1, c3 FROM fts_content ORDER BY id"):
            out.append("fts " + json.dumps(row))
        for row in con.execute("SELECT * FROM commits ORDER BY journal"):
            out.append("commit " + json.dumps(row))
        # Schema 3: the paths each document came from.
        for row in con.execute(
                "SELECT s.path, d.name, s.dev, s.ino, s.size, s.mtime_ns,"
                " s.root FROM sources s LEFT JOIN documents d"
                " ON d.id = s.doc ORDER BY s.path"):
            out.append("source " + json.dumps(row))
        # Schema 9: links between documents, by name.
        for row in con.execute(
                "SELECT f.name, l.target, t.name FROM links l"
                " JOIN documents f ON f.id = l.from_doc"
                " LEFT JOIN documents t ON t.id = l.to_doc"
                " ORDER BY f.name, l.target"):
            out.append("link " + json.dumps(row))
        # Schema 11: the concept registry (18: in two tables, whichever
        # holds a row).
        for row in con.execute("SELECT * FROM concept_terms_all"
                               " ORDER BY doc, term"):
            out.append("term " + json.dumps(row))
        for row in con.execute("SELECT * FROM concepts ORDER BY term"):
            out.append("concept " + json.dumps(row))
        # Schema 14: concept pages a batch left to the flush.
        for row in con.execute("SELECT * FROM concepts_pending"
                               " ORDER BY term"):
            out.append("pending " + json.dumps(row))
        # Schema 15: each index group's count, in the documents' step.
        for row in con.execute("SELECT * FROM index_groups"
                               " ORDER BY folder, value"):
            out.append("group " + json.dumps(row))
    finally:
        con.close()
    for top in ("raw", "wiki"):
        base = os.path.join(kb, top)
        for d, dirs, files in os.walk(base):
            dirs.sort()
            rel = os.path.relpath(d, kb)
            out.append("dir " + rel)
            for f in sorted(files):
                if "%s/%s" % (rel, f) == AGENTS:
                    continue
                p = os.path.join(d, f)
                if os.path.islink(p) or not os.path.isfile(p):
                    out.append("special %s/%s" % (rel, f))
                    continue
                with open(p, "rb") as fh:
                    h = hashlib.sha256(fh.read()).hexdigest()
                out.append("file %s/%s %s" % (rel, f, h))
    return "\n".join(out) + "\n"


def concept_page(term):
    """A concept's page, as kbpath_concept names it."""
    return "wiki/concepts/%s.md" % ("index-" if term == "index"
                                    else term.replace(" ", "-"))


def concepts(kb):
    """The registry's concepts, sorted."""
    db = os.path.join(kb, ".kb", "kb.db")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return sorted(t for (t,) in
                      con.execute("SELECT term FROM concepts"))
    finally:
        con.close()


def consistent(kb):
    """What lint checks, from outside: problems as a list."""
    probs = []
    db = os.path.join(kb, ".kb", "kb.db")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        docs = con.execute(
            "SELECT id, name, ext, hash FROM documents").fetchall()
        # Past the language marker ("\x1fen\x1f") of kbd's tokenizer.
        fts = dict((i, n[4:] if n.startswith("\x1f") else n) for i, n in
                   con.execute("SELECT id, c0 FROM fts_content").fetchall())
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
    # Every document once in the pages by type (wiki/index/type/), no
    # other: index.md leads to them.
    tdir = os.path.join(kb, "wiki/index/type")
    listed = []
    if os.path.isdir(tdir):
        for f in os.listdir(tdir):
            with open(os.path.join(tdir, f), encoding="utf-8",
                      errors="replace") as fh:
                for line in fh:
                    m = re.search(r"\]\(<?\.\./\.\./summaries/(.*?)\.md>?\)",
                                  line)
                    if m:
                        listed.append(m.group(1).replace("\\", ""))
    if sorted(listed) != sorted(name for _, name, _, _ in docs):
        probs.append("index.md lists %d documents by type, registry %d" %
                     (len(listed), len(docs)))
    # Each concept has its page; each page is a concept's.
    pages = set(concept_page(t) for t in concepts(kb))
    cdir = os.path.join(kb, "wiki/concepts")
    have = set("wiki/concepts/" + f for f in os.listdir(cdir)
               if f != "index.md") if os.path.isdir(cdir) else set()
    for p in sorted(pages - have):
        probs.append("%s missing" % p)
    for p in sorted(have - pages):
        probs.append("%s stray" % p)
    if pages and not os.path.isfile(os.path.join(cdir, "index.md")):
        probs.append("wiki/concepts/index.md missing")
    ag = os.path.join(kb, AGENTS)
    if not os.path.isfile(ag):
        probs.append("%s missing" % AGENTS)
    else:
        with open(ag, encoding="utf-8", errors="replace") as fh:
            m = AGENTS_COUNT.search(fh.read())
        if m is None or int(m.group(1)) != len(docs):
            probs.append("%s says %s documents, registry %d" %
                         (AGENTS, m.group(1) if m else "no count",
                          len(docs)))
    # No broken link: a relative .md link of a page names a page.
    for top in ("wiki/sources", "wiki/summaries"):
        d = os.path.join(kb, top)
        for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(d, f), encoding="utf-8",
                      errors="replace") as fh:
                text = fh.read()
            for m in MD_LINK.finditer(text):
                t = m.group(1).split("#")[0]
                if "://" not in t and not os.path.isfile(
                        os.path.join(d, t)):
                    probs.append("%s/%s: broken link %s" % (top, f, t))
    jd = os.path.join(kb, ".kb/journal")
    if os.path.isdir(jd) and os.listdir(jd):
        probs.append("journal dir not empty: %s" % os.listdir(jd))
    return probs


def consistent_state(rec, kb, got):
    """consistent(kb), except that a workload starting from planted
    problems (lintfix) may be back in its planted state."""
    if rec.get("planted") is not None and got == rec["planted"]:
        return []
    return consistent(kb)


def unstamped(text):
    """A dump without what differs between two runs of the same
    mutation: commit rows (journal id, time) and log.md (time)."""
    return "\n".join(ln for ln in text.split("\n")
                     if not ln.startswith("commit ") and
                     not ln.startswith("file wiki/log.md "))


def allowed(snaps, i):
    """The states an image taken at stop i may recover to: the dump of
    the last commit before it and of the first commit at or after it."""
    before = [s for j, s in snaps if j < i][-1]
    after = [s for j, s in snaps if j >= i][0]
    return before, after


def diff(got, before, after):
    g = set(got.split("\n"))
    b = set(before.split("\n"))
    a = set(after.split("\n"))
    lines = ["  vs before: -%s +%s" % (sorted(b - g)[:4], sorted(g - b)[:4]),
             "  vs after:  -%s +%s" % (sorted(a - g)[:4], sorted(g - a)[:4])]
    return "\n".join(lines)


def reported_added(out):
    """The documents an `add --json` output reports added."""
    docs = []
    for line in out.splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if isinstance(e, dict) and e.get("status") == "added":
            docs.append(e["doc"])
    return docs


def reported_changed(out):
    """The documents an `add --json` output reports added, updated,
    moved or removed (pruned)."""
    docs = []
    for line in out.splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if isinstance(e, dict) and e.get("status") in (
                "added", "updated", "moved", "removed") and e.get("doc"):
            docs.append(e["doc"])
    return docs


def doc_set(kb):
    """The registry as a set of (name, hash)."""
    db = os.path.join(kb, ".kb", "kb.db")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return set(con.execute("SELECT name, hash FROM documents"))
    finally:
        con.close()


def count_docs(kb):
    """Documents registered so far (0 while there is no registry)."""
    try:
        con = sqlite3.connect("file:%s/.kb/kb.db?mode=ro" % kb, uri=True)
        try:
            return con.execute(
                "SELECT count(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def check_final(d, family, what, rec, kb, how="documents differ"):
    """After a workload was run again on kb (stopped): the documents are
    the clean run's, and the KB is consistent."""
    got = doc_set(kb)
    if got != rec["docs_final"]:
        d.violation(family, "%s: %s: missing %s extra %s" %
                    (what, how, sorted(rec["docs_final"] - got)[:3],
                     sorted(got - rec["docs_final"])[:3]))
    p = consistent(kb)
    if p:
        d.violation(family, "%s: %s" % (what, p[:4]))
