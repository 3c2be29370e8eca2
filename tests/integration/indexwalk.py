#!/usr/bin/env python3
"""indexwalk.py KB BOUND: walk the wiki's index from wiki/index.md.

Checks every .md link of wiki/index.md and wiki/index/**.md resolves to a
file, every page under wiki/index/ lists at most BOUND entries and is
reached from index.md (a folder's or type's page within two links, its
numbered pages within three), and every summary page in
wiki/summaries/ is reached within three links of index.md. Prints one line per problem and exits 1 if any, else prints
"pages N entries M maxdepth D" and exits 0.
"""
import os
import re
import sys

LINK = re.compile(r"\]\((<(?:\\.|[^>])*>|[^)\s]+)\)")


def links(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = []
    for m in LINK.finditer(text):
        t = m.group(1)
        if t.startswith("<"):
            t = re.sub(r"\\(.)", r"\1", t[1:-1])
        out.append(t)
    return text, out


def main():
    kb, bound = sys.argv[1], int(sys.argv[2])
    wiki = os.path.join(kb, "wiki")
    probs = []
    top = os.path.join(wiki, "index.md")
    depth = {os.path.normpath(top): 0}
    queue = [os.path.normpath(top)]
    pages = entries = 0
    while queue:
        page = queue.pop(0)
        text, targets = links(page)
        if page != os.path.normpath(top):
            pages += 1
            n = sum(1 for ln in text.splitlines() if ln.startswith("- ["))
            if n > bound:
                probs.append("%s: %d entries, bound %d" % (page, n, bound))
        for t in targets:
            if not t.endswith(".md"):
                continue
            dest = os.path.normpath(os.path.join(os.path.dirname(page), t))
            if not os.path.isfile(dest):
                probs.append("%s: broken link %s" % (page, t))
                continue
            if dest in depth:
                continue
            depth[dest] = depth[page] + 1
            if dest.startswith(os.path.join(wiki, "index") + os.sep):
                queue.append(dest)
            elif "/summaries/" in dest:
                entries += 1
    # Every page under wiki/index/ is reached, and checked.
    for root, _, files in os.walk(os.path.join(wiki, "index")):
        for f in files:
            p = os.path.normpath(os.path.join(root, f))
            if p not in depth:
                probs.append("%s: not reached from index.md" % p)
            elif depth[p] > (3 if re.search(r"-[0-9]+\.md$", f) and
                             os.path.basename(root) in ("type", "folder")
                             else 2):
                probs.append("%s: %d links from index.md" % (p, depth[p]))
    sums = os.path.join(wiki, "summaries")
    for f in sorted(os.listdir(sums)):
        p = os.path.normpath(os.path.join(sums, f))
        if p not in depth:
            probs.append("%s: not reached from index.md" % p)
        elif depth[p] > 3:
            probs.append("%s: %d links from index.md" % (p, depth[p]))
    for p in probs:
        print(p)
    if probs:
        return 1
    print("pages %d entries %d maxdepth %d" % (pages, entries,
          max(depth.values())))
    return 0


sys.exit(main())
