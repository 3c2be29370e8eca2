#!/usr/bin/env python3
"""Known-item search (issue 12): every document of a real corpus searched
for by its own title. The corpus: python3.11-doc's HTML pages, a sample of
--sample (300) spread evenly over their sorted paths, added to a fresh KB
with the real kbd; each document's title (as kbctl list reports it) is the
query of one `kbctl search --json --limit 10` (documents whose title
another shares are left out: no ranking can put all of them first). Prints top-1 (the share of
queries whose document comes first) and MRR@10 (the mean of 1/rank, 0 when
not in the first 10), and the misses with --verbose. Then the cost of a
search on such pages (long ones: a library reference holds tens of
thousands of words): one connection searching common words back to back
(scripts/searchbench.py one) for --seconds (3), searches/s and kbd's CPU a
search, read from /proc.

    scripts/knownitem.py [--bin build/release/bin] [--sample 300]
        [--corpus /usr/share/doc/python3.11/html] [--seconds 3] [--verbose]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


# Words that match many of the pages, many times in the long ones.
WORDS = ["function", "return value", "object", "file", "import module",
         "string", "the", "class method"]


def kbd_cpu(kb):
    """The running kbd's CPU seconds (user + system), from /proc."""
    with open(os.path.join(kb, ".kb", "kbd.pid")) as f:
        pid = f.read().strip()
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def search_cost(kb, seconds):
    c0 = kbd_cpu(kb)
    r = subprocess.run([sys.executable, os.path.join(HERE, "searchbench.py"),
                        "one", kb, str(seconds)] + WORDS,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("knownitem: searchbench: %s" % r.stderr.strip())
    n, secs, errors, _ = r.stdout.split()
    n = int(n)
    return n, float(secs), int(errors), \
        (kbd_cpu(kb) - c0) * 1e6 / max(n, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/release/bin")
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--corpus", default="/usr/share/doc/python3.11/html")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    kbctl = os.path.abspath(os.path.join(a.bin, "kbctl"))
    os.environ["KBD"] = os.path.abspath(os.path.join(a.bin, "kbd"))

    pages = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(a.corpus) for f in fs
        if f.endswith(".html") and "/_" not in d)
    if not pages:
        sys.exit("knownitem: no HTML pages under %s (python3.11-doc)" %
                 a.corpus)
    k = min(a.sample, len(pages))
    sample = [pages[i * len(pages) // k] for i in range(k)]

    w = tempfile.mkdtemp(prefix="kbd-knownitem.")
    kb = os.path.join(w, "kb")
    src = os.path.join(w, "in")
    try:
        os.makedirs(src)
        for p in sample:
            # Flat names keep the sample's pages apart from each other.
            name = os.path.relpath(p, a.corpus).replace("/", "_")
            shutil.copyfile(p, os.path.join(src, name))

        def ctl(*args):
            return subprocess.run([kbctl, "-C", kb] + list(args),
                                  capture_output=True, text=True)

        ctl("init")
        r = ctl("add", src)
        if r.returncode != 0:
            sys.exit("knownitem: add failed: %s" % r.stderr)
        docs = json.loads(ctl("list", "--json").stdout)
        # A title several documents share ("Index — ...") names none of
        # them: such documents are counted apart, not as queries.
        seen = {}
        for d in docs:
            t = d["title"].strip()
            seen[t] = seen.get(t, 0) + 1
        shared = sum(1 for d in docs if seen[d["title"].strip()] > 1)
        def measure(query_of):
            n = top1 = 0
            rr = 0.0
            misses = []
            for d in docs:
                title = d["title"].strip()
                if not title or seen[title] > 1:
                    continue
                q = query_of(title)
                r = ctl("search", "--json", "--limit", "10", q)
                hits = json.loads(r.stdout) if r.returncode == 0 and \
                    r.stdout.strip() else []
                ranked = [h["doc"] for h in hits]
                n += 1
                if ranked[:1] == [d["doc"]]:
                    top1 += 1
                else:
                    misses.append((q, d["doc"], ranked[:3]))
                if d["doc"] in ranked:
                    rr += 1.0 / (ranked.index(d["doc"]) + 1)
            return n, top1, rr, misses

        full = measure(lambda t: t)
        # The title as a person would type it: without the site's suffix.
        short = measure(lambda t: t.rsplit(" \u2014 Python", 1)[0])
        cost = search_cost(kb, a.seconds)
        ctl("stop")
    finally:
        subprocess.run([kbctl, "-C", kb, "stop"], capture_output=True)
        shutil.rmtree(w, ignore_errors=True)
    for what, (n, top1, rr, misses) in (
            ("the whole title", full),
            ("the title without \"\u2014 Python 3.11.2 documentation\"",
             short)):
        if n == 0:
            sys.exit("knownitem: no titled documents")
        print("known-item search, %d python3.11-doc pages with a title of "
              "their own (%d sharing one left out), %s as the query: "
              "top-1 %.3f  MRR@10 %.3f  (goal top-1 >= 0.97)" %
              (n, shared, what, top1 / n, rr / n))
        if a.verbose:
            for t, doc, got in misses:
                print("  miss: %r (%s) -> %s" % (t, doc, got))
    n, secs, errors, cpu_us = cost
    print("searches on those pages, one connection, %d common words in "
          "turn: %.0f searches/s (%d in %.1f s, %d errors), kbd's CPU %.0f "
          "us a search" % (len(WORDS), n / secs, n, secs, errors, cpu_us))


if __name__ == "__main__":
    main()
