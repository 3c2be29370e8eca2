#!/usr/bin/env python3
"""make bench's instruction count of the committer (scripts/bench.sh).

instrbench.py KBCTL KB EXTRA: stops KB's kbd, adds the files of EXTRA (a
tree the KB does not hold) with the committer under valgrind's callgrind
(KBD_COMMITTER_WRAP, kbd(8)), stops kbd again and prints one line: the
committer's instructions in all, those of its batches (batch_end and what
it calls), and the files added. Exits 2 when valgrind is not installed.

Why: this VM's speed moves by a third within minutes and it has no
hardware counters, so the cost of a batch at two sizes of a KB could not
be told apart from the noise by time. Instructions in user space are the
same in every run; they leave out the kernel's work for the committer's
system calls and the time its cache misses cost.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def count(kbctl, kb, extra):
    if shutil.which("valgrind") is None or \
            shutil.which("callgrind_annotate") is None:
        print("instrbench: valgrind is not installed", file=sys.stderr)
        sys.exit(2)
    subprocess.run([kbctl, "-C", kb, "stop"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    fd, out = tempfile.mkstemp(prefix="callgrind.", dir=os.path.dirname(
        os.path.abspath(kb)))
    os.close(fd)
    env = dict(os.environ)
    env["KBD_COMMITTER_WRAP"] = ("valgrind --tool=callgrind --quiet "
                                 "--callgrind-out-file=" + out)
    try:
        add = subprocess.run([kbctl, "-C", kb, "add", extra], env=env,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        subprocess.run([kbctl, "-C", kb, "stop"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        m = re.search(rb"(\d+) added", add.stdout)
        if add.returncode != 0 or m is None:
            sys.exit("instrbench: kbctl add %s failed" % extra)
        ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", out],
                             stdout=subprocess.PIPE, check=True).stdout
    finally:
        os.unlink(out)
    total = re.search(rb"^\s*([\d,]+) .*PROGRAM TOTALS", ann, re.M)
    batches = re.search(rb"^\s*([\d,]+) .*batch\.c:batch_end\b", ann, re.M)
    if total is None or batches is None:
        sys.exit("instrbench: no totals in callgrind's output")
    print(int(total.group(1).replace(b",", b"")),
          int(batches.group(1).replace(b",", b"")), int(m.group(1)))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: instrbench.py KBCTL KB EXTRA")
    count(sys.argv[1], sys.argv[2], sys.argv[3])
