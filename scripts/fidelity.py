#!/usr/bin/env python3
"""Fidelity of kbd's converters against an independent extraction.

    scripts/fidelity.py [options] BINDIR CORPUS [CORPUS...]

BINDIR holds kbd and kbctl; each CORPUS is a folder (or a file). The HTML
(.html, .htm, .xhtml) and PDF files found there are added to a scratch KB
(kbctl init, kbctl add), and for each document the set of distinct words
(five letters or more, NFKC-normalised, case-folded, runs of Unicode
letters) of an independent extraction -- `w3m -dump` for HTML, `pdftotext`
for PDF -- is compared with the words of kbd's Markdown
(wiki/sources/DOC.md, found through `kbctl list --json`).

The site's template -- reference lines that recur verbatim in half the
documents of the corpus or of one of its top folders (copyright footers,
search boxes, "Prev Up Home Next" bars) -- is left out of the reference:
it is page chrome, not a document's text. The share against the whole
page is printed too.

Printed per corpus and format: documents, the mean share of each document's
reference words found in its Markdown, the share over the union of
(document, word) pairs, the share of the corpus vocabulary, and the worst
documents with a sample of their missing words. Files kbd did not add
(failures, skips) are listed apart and not counted in the shares; a file
identical to another is measured as that document.

Exit status 0, or 1 with --min SHARE when a format's union share is below
SHARE (tests use it); 2 on a usage or environment error. Python 3 standard
library only.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata

FORMATS = {".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf"}
WORD = re.compile(r"[^\W\d_]+")
# Markdown link targets are not text a reader sees (w3m does not print
# them): "](target)" and "](<target>)" go before the words are counted.
LINK_TARGET = re.compile(r"\]\((?:<[^>\n]*>|[^)\s]*)\)")
MIN_LEN = 5


def words(text):
    text = unicodedata.normalize("NFKC", text).casefold()
    return {w for w in WORD.findall(text) if len(w) >= MIN_LEN}


def md_words(md):
    md = LINK_TARGET.sub("]", md)
    # Backslash escapes: "\_" joins nothing, but "\-" and the like would
    # split nothing either; dropping the backslash is enough.
    md = md.replace("\\", "")
    return words(md)


def reference(path, fmt, timeout):
    """The independent extraction's text, or None when it failed."""
    if fmt == "html":
        cmd = ["w3m", "-dump", "-T", "text/html", "-O", "UTF-8",
               "-cols", "4000", "-o", "display_link_number=0", path]
    else:
        cmd = ["pdftotext", "-enc", "UTF-8", "-q", path, "-"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=timeout,
                           check=False)
    except (subprocess.TimeoutExpired, OSError):
        return None
    if p.returncode != 0:
        return None
    return p.stdout.decode("utf-8", "replace")


def find_files(corpus, sample):
    if os.path.isfile(corpus):
        found = [corpus]
    else:
        found = []
        for d, dirs, files in os.walk(corpus, followlinks=True):
            dirs.sort()
            for f in sorted(files):
                if os.path.splitext(f)[1].lower() in FORMATS:
                    found.append(os.path.join(d, f))
    found = [os.path.abspath(f) for f in found]
    if sample and len(found) > sample:
        # Evenly spaced, so a sample spans the corpus and is reproducible.
        step = len(found) / sample
        found = [found[int(i * step)] for i in range(sample)]
    return found


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def kbctl(args, kb, *rest, **kw):
    return subprocess.run([os.path.join(args.bindir, "kbctl"), "-C", kb]
                          + list(rest), check=False, **kw)


def add_files(args, kb, files):
    """Adds files in chunks; returns kbctl's failure lines by path."""
    reasons = {}
    for i in range(0, len(files), 400):
        p = kbctl(args, kb, "add", "-q", *files[i:i + 400],
                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for line in p.stderr.decode("utf-8", "replace").splitlines():
            m = re.match(r"kbctl: (/.*?): (.*)$", line)
            if m:
                reasons[m.group(1)] = m.group(2)
    return reasons


def measure(args, kb, corpus):
    files = find_files(corpus, args.sample)
    if not files:
        print("fidelity: %s: no HTML or PDF file" % corpus)
        return []
    reasons = add_files(args, kb, files)
    p = kbctl(args, kb, "list", "--json", stdout=subprocess.PIPE)
    by_hash = {}
    for d in json.loads(p.stdout or b"[]"):
        by_hash[d["hash"]] = d
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        refs = list(ex.map(lambda f: reference(
            f, FORMATS[os.path.splitext(f)[1].lower()], args.timeout),
            files))
    results = []
    for f, ref in zip(files, refs):
        fmt = FORMATS[os.path.splitext(f)[1].lower()]
        r = {"path": f, "fmt": fmt, "corpus": corpus}
        d = by_hash.get(sha256(f))
        if d is None:
            r["status"] = "not added: " + reasons.get(f, "skipped")
        elif ref is None:
            r["status"] = "no reference extraction"
        else:
            with open(os.path.join(kb, d["source"]), encoding="utf-8",
                      errors="replace") as fh:
                got = md_words(fh.read())
            r["status"] = "ok"
            r["ref"] = ref
            r["got"] = got
        results.append(r)
    template = template_lines(results)
    groups = {}
    for r in results:
        groups.setdefault(top_folder(corpus, r["path"]), []).append(r)
    local = {g: template_lines(rs) for g, rs in groups.items()
             if g is not None and len(rs) >= 6}
    for r in results:
        if r["status"] != "ok":
            continue
        g = top_folder(corpus, r["path"])
        tpl = template[r["fmt"]] | local.get(g, {}).get(r["fmt"], set())
        r["raw"] = words(r["ref"])
        r["rawmissing"] = r["raw"] - r["got"]
        r["want"] = words("\n".join(
            l for l in r["ref"].splitlines()
            if l.strip() not in tpl))
        r["missing"] = r["want"] - r["got"]
        del r["ref"]
    return results


def top_folder(corpus, path):
    """The folder under corpus that holds path (None: at its top)."""
    rel = os.path.relpath(path, corpus)
    return rel.split(os.sep)[0] if os.sep in rel else None


def template_lines(results):
    """
    The page template of each format: reference lines (blanks collapsed)
    found in half the documents or more, three at least, of the corpus or
    of its top folder (a book's translations each have theirs: en-US/,
    fr-FR/...). Sites repeat their chrome (copyright footers, search
    boxes, "Navigation", "Prev Up Home Next") verbatim on every page; text
    seldom recurs so.
    """
    out = {}
    for fmt in FORMATS.values():
        rs = [r for r in results if r["fmt"] == fmt and r["status"] == "ok"]
        count = {}
        for r in rs:
            for l in {l.strip() for l in r["ref"].splitlines()}:
                if l:
                    count[l] = count.get(l, 0) + 1
        need = max(3, (len(rs) + 1) // 2)
        out[fmt] = {l for l, n in count.items() if n >= need}
    return out


def report(corpus, results, worst):
    """Prints a corpus's figures; returns {format: union share}."""
    shares = {}
    for fmt in sorted({r["fmt"] for r in results}):
        rs = [r for r in results if r["fmt"] == fmt]
        ok = [r for r in rs if r["status"] == "ok" and r["want"]]
        other = [r for r in rs if r["status"] != "ok"]
        empty = [r for r in rs if r["status"] == "ok" and not r["want"]]
        print("%s, %s: %d files, %d measured" % (corpus, fmt, len(rs),
                                                 len(ok)), end="")
        if empty:
            print(", %d without reference words" % len(empty), end="")
        if other:
            print(", %d not measured" % len(other), end="")
        print()
        if ok:
            for r in ok:
                r["share"] = 1 - len(r["missing"]) / len(r["want"])
            mean = sum(r["share"] for r in ok) / len(ok)
            want = sum(len(r["want"]) for r in ok)
            miss = sum(len(r["missing"]) for r in ok)
            union = 1 - miss / want
            vocab = set().union(*(r["want"] for r in ok))
            vgot = set().union(*(r["got"] for r in ok))
            vmiss = vocab - vgot
            print("  mean share %.4f; union share %.4f (%d of %d "
                  "document words); vocabulary share %.4f (%d of %d)"
                  % (mean, union, want - miss, want,
                     1 - len(vmiss) / len(vocab), len(vocab) - len(vmiss),
                     len(vocab)))
            rwant = sum(len(r["raw"]) for r in ok)
            rmiss = sum(len(r["rawmissing"]) for r in ok)
            print("  whole page (template included): union share %.4f "
                  "(%d of %d)" % (1 - rmiss / max(rwant, 1), rwant - rmiss,
                                  rwant))
            shares[fmt] = union
            bad = sorted((r for r in ok if r["missing"]),
                         key=lambda r: (r["share"], r["path"]))[:worst]
            if bad:
                print("  worst documents:")
            for r in bad:
                sample = sorted(r["missing"])[:12]
                print("    %.3f %s (%d of %d missing: %s)" % (
                    r["share"], os.path.relpath(r["path"], corpus)
                    if os.path.isdir(corpus) else r["path"],
                    len(r["missing"]), len(r["want"]), " ".join(sample)))
        for r in other[:worst]:
            print("    %s: %s" % (r["path"], r["status"]))
        if len(other) > worst:
            print("    ... and %d more not measured" % (len(other) - worst))
    return shares


def main():
    ap = argparse.ArgumentParser(
        description="Share of an independent extraction's words (w3m -dump "
        "for HTML, pdftotext for PDF) found in kbd's Markdown.")
    ap.add_argument("bindir", help="the directory holding kbd and kbctl")
    ap.add_argument("corpus", nargs="+", help="folders (or files) to measure")
    ap.add_argument("--sample", type=int, default=0, metavar="N",
                    help="at most N files of each corpus, evenly spaced")
    ap.add_argument("--min", type=float, default=None, metavar="SHARE",
                    help="exit 1 when a format's union share is below SHARE")
    ap.add_argument("--worst", type=int, default=10, metavar="N",
                    help="list the N worst documents (default 10)")
    ap.add_argument("--jobs", type=int, default=2, metavar="N",
                    help="reference extractions run at once (default 2)")
    ap.add_argument("--timeout", type=float, default=120, metavar="S",
                    help="seconds allowed to one reference extraction")
    ap.add_argument("--json", metavar="FILE",
                    help="write each document's share and missing words")
    ap.add_argument("--keep", metavar="DIR",
                    help="build the KB in DIR (created) and keep it")
    args = ap.parse_args()
    args.bindir = os.path.abspath(args.bindir)
    for prog in ("kbd", "kbctl"):
        if not os.access(os.path.join(args.bindir, prog), os.X_OK):
            print("fidelity: %s: no %s there" % (args.bindir, prog),
                  file=sys.stderr)
            return 2
    for prog in ("w3m", "pdftotext"):
        if shutil.which(prog) is None:
            print("fidelity: %s is missing (Debian: %s)" % (
                prog, "w3m" if prog == "w3m" else "poppler-utils"),
                file=sys.stderr)
            return 2
    os.environ["KBD"] = os.path.join(args.bindir, "kbd")
    os.environ.pop("KB_DIR", None)
    tmp = None
    if args.keep:
        kb = os.path.abspath(args.keep)
    else:
        tmp = tempfile.mkdtemp(prefix="kbd-fidelity.")
        kb = os.path.join(tmp, "kb")
    failed = []
    dump = []
    try:
        p = kbctl(args, kb, "init", stdout=subprocess.DEVNULL)
        if p.returncode != 0:
            return 2
        for corpus in args.corpus:
            corpus = os.path.abspath(corpus)
            results = measure(args, kb, corpus)
            shares = report(corpus, results, args.worst)
            dump += [{"path": r["path"], "format": r["fmt"],
                      "status": r["status"], "share": r.get("share"),
                      "missing": sorted(r.get("missing", ()))}
                     for r in results]
            for fmt, share in shares.items():
                if args.min is not None and share < args.min:
                    failed.append("%s %s %.4f" % (corpus, fmt, share))
    finally:
        kbctl(args, kb, "stop", stdout=subprocess.DEVNULL,
              stderr=subprocess.DEVNULL)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(dump, f, ensure_ascii=False, indent=1)
    if failed:
        print("fidelity: below %.4f: %s" % (args.min, "; ".join(failed)),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
