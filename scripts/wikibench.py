#!/usr/bin/env python3
"""make bench's wiki at scale (BENCH_ONLY=wiki, scripts/bench.sh; issue 14).

gen DIR N: N Markdown files of about 2 KB, 1,000 to a folder, whose text
makes the wiki's links and concepts real. The words are English function
words (so the language is English and the stop words apply) between
content words drawn from a Zipf-like vocabulary of made-up words; each
file treats a few topics, phrases of two or three words drawn from a
Zipf-like list of 4,000, each repeated, and one of them defined in an
"A PHRASE is a ..." sentence. Each file links with relative Markdown
links to up to four others: an earlier file of its folder, a later file
at most 500 on (pending until it arrives), a file at most 1,500 away
either way, and a file 1,000 to 2,000 on (pending); a link whose target
would fall outside the tree is not made. One file in five also links to
a file that does not exist. Every file gets about as many links as it
makes, wherever it is in the tree, so no page gathers links as the tree
grows, and past the first 2,000 files each file's links cost the same
work whatever its place in the add. The tree is the same for the same N.

stats KB: after kbd stopped, from the registry (read only): the concept
pages in wiki/concepts/ (index.md apart), the links recorded, resolved
and left pending. One line: concept-pages links resolved pending.
"""
import glob
import os
import random
import sqlite3
import sys

FUNCTION = ("the of and to in is that for it as with on by this be are "
            "from at or an which not but all can has have was one its "
            "when their more other into than only also each may").split()


# How far the third link reaches, either way, and the fourth ahead.
WINDOW = 1500
AHEAD = (1000, 2000)


def zipf_cum(n, s=1.07):
    cum, t = [], 0.0
    for r in range(1, n + 1):
        t += 1.0 / r ** s
        cum.append(t)
    return cum


def gen(d, n):
    rnd = random.Random(n)
    syl = ["ka", "lo", "mir", "ten", "sor", "vel", "du", "ran", "pe", "zin",
           "bal", "tor", "qui", "nes", "fa", "gol", "hum", "lix", "ob", "tre"]
    vocab, seen = [], set()
    while len(vocab) < 20000:
        w = "".join(rnd.choice(syl) for _ in range(rnd.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            vocab.append(w)
    vcum = zipf_cum(len(vocab))
    # Phrases from the rarer half of the vocabulary, so that their words
    # are not concepts of their own everywhere.
    phrases = [" ".join(rnd.choice(vocab[2000:]) for _ in
                        range(rnd.choice((2, 2, 3))))
               for _ in range(4000)]
    pcum = zipf_cum(len(phrases), 0.9)

    def path(i):
        return "d%03d/f%06d.md" % (i // 1000, i)

    for i in range(n):
        sub = os.path.join(d, "d%03d" % (i // 1000))
        if i % 1000 == 0:
            os.makedirs(sub, exist_ok=True)
        topics = rnd.choices(phrases, cum_weights=pcum, k=3)
        here = i // 1000
        targets = []
        # Each rule gives every file about one incoming link, wherever it
        # is in the tree, so no page gathers links as the tree grows: an
        # earlier file of the folder; a later one, at most 500 files on
        # (pending until it arrives); a file at most WINDOW away either
        # way; a file AHEAD (pending). No rule draws from the whole tree:
        # a link to any file is pending while its target is still to
        # come, so a late file would resolve more links of earlier pages
        # than an early one (a page rewritten each) and the work per file
        # would grow through the add by construction. Nor does a rule
        # fold a target outside the tree back into it: the last files,
        # linking back instead of ahead, did more work (a page rewritten
        # each time: 8.9 a file in the last tenth of 150,000 against 8.5).
        # So only the first 2,000 files, which fewer earlier files link
        # to, do less: 8.2 a file in the first tenth.
        lo = here * 1000
        targets.append(rnd.randrange(lo, i) if i > lo else
                       i + 1 + rnd.randrange(500))
        targets.append(i + 1 + rnd.randrange(500))
        targets.append(i + rnd.randint(-WINDOW, WINDOW))
        targets.append(i + rnd.randint(*AHEAD))
        targets = [j for j in targets if j != i and 0 <= j < n]
        links = []
        for j in targets:
            if j // 1000 == here:
                rel = "f%06d.md" % j
            else:
                rel = "../" + path(j)
            links.append("[%s](%s)" % (rnd.choice(topics), rel))
        if i % 5 == 0:
            links.append("[%s](missing/m%06d.md)" % (topics[0], i))
        sents = ["A %s is a %s %s of the %s." % (
            topics[0], *rnd.choices(vocab, cum_weights=vcum, k=3))]
        size = len(sents[0])
        li = 0
        while size < 1900:
            ws = rnd.choices(vocab, cum_weights=vcum, k=8)
            fw = rnd.choices(FUNCTION, k=8)
            words = [x for pair in zip(fw, ws) for x in pair]
            r = rnd.random()
            if r < 0.35:
                words.insert(rnd.randrange(len(words)), rnd.choice(topics))
            if r < 0.10 and li < len(links):
                words.insert(rnd.randrange(len(words)), "see " + links[li])
                li += 1
            s = " ".join(words)
            s = s[0].upper() + s[1:] + "."
            sents.append(s)
            size += len(s) + 1
        while li < len(links):
            sents.append("See also %s." % links[li])
            li += 1
        paras = [" ".join(sents[k:k + 4]) for k in range(0, len(sents), 4)]
        with open(os.path.join(sub, "f%06d.md" % i), "w") as f:
            f.write("# %s %d\n\n%s\n" % (topics[0].title(), i,
                                         "\n\n".join(paras)))


def stats(kb):
    pages = [p for p in glob.glob(os.path.join(kb, "wiki", "concepts", "*.md"))
             if os.path.basename(p) != "index.md"]
    dbs = [p for p in glob.glob(os.path.join(kb, ".kb", "*"))
           if p.endswith((".db", ".sqlite"))]
    if len(dbs) != 1:
        sys.exit("wikibench: no single registry in %s/.kb: %s" % (kb, dbs))
    con = sqlite3.connect("file:%s?mode=ro" % dbs[0], uri=True)
    links, resolved = con.execute(
        "SELECT count(*), count(to_doc) FROM links").fetchone()
    concepts = con.execute("SELECT count(*) FROM concepts").fetchone()[0]
    con.close()
    if concepts != len(pages):
        sys.exit("wikibench: %d concepts in the registry, %d pages" %
                 (concepts, len(pages)))
    print("%d %d %d %d" % (len(pages), links, resolved, links - resolved))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "stats":
        stats(sys.argv[2])
    else:
        sys.exit("usage: wikibench.py gen DIR N | stats KB")
