#!/usr/bin/env python3
"""wikisize.py KB BOUND: the wiki's size for make bench (scripts/bench.sh).

Prints one line: the wiki's total size and files, its largest page and
that page's size, the number of index pages (wiki/index.md and
wiki/index/) and the most entries ("- [" lines) on one of them, ending in
"OVER BOUND" (exit 1) when a page lists more than BOUND entries.
"""
import os
import sys


def main():
    kb, bound = sys.argv[1], int(sys.argv[2])
    wiki = os.path.join(kb, "wiki")
    total = files = 0
    largest, lsize = "", -1
    for root, _, names in os.walk(wiki):
        for n in names:
            p = os.path.join(root, n)
            s = os.path.getsize(p)
            total += s
            files += 1
            if s > lsize:
                largest, lsize = os.path.relpath(p, kb), s
    pages = [os.path.join(wiki, "index.md")]
    for root, _, names in os.walk(os.path.join(wiki, "index")):
        pages += [os.path.join(root, n) for n in names]
    most, mpage, isize = 0, "", 0
    for p in pages:
        with open(p, encoding="utf-8", errors="replace") as f:
            n = sum(1 for ln in f if ln.startswith("- ["))
        isize = max(isize, os.path.getsize(p))
        if n > most:
            most, mpage = n, os.path.relpath(p, kb)
    over = most > bound
    print("%.1f MB in %d files; largest page %s, %.1f KB; %d index pages, "
          "the largest %.1f KB, at most %d entries (%s; bound %d)%s" %
          (total / 1048576, files, largest, lsize / 1024, len(pages),
           isize / 1024, most, mpage, bound, "  OVER BOUND" if over else ""))
    return 1 if over else 0


sys.exit(main())
