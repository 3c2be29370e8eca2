"""The power-loss model, read from a crash image's .kb/dirlog (written by
the committer's I/O layer under KBD_DRILL_DIRLOG=1): the directory
entries not yet durable and how to undo one (dirloss), the files whose
data is not yet durable and how a power loss may leave them (powerloss).
"""

import os


def path(kb):
    return os.path.join(kb, ".kb", "dirlog")


def has_dirlog(kb):
    return os.path.exists(path(kb))


def pending(kb):
    """Directory entries not yet durable, from .kb/dirlog, in order."""
    if not has_dirlog(kb):
        return []
    pend = []
    for line in open(path(kb), encoding="utf-8", errors="surrogateescape"):
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


def unsynced(kb):
    """Files whose data is not yet durable, from the data records of
    .kb/dirlog, by their current path: path -> {"durable": the size
    the file had when last durable, "dirty": [(offset, length or None
    for "to the end")] written since}. A name follows its inode
    through renames (and to its shadow when replaced or unlinked); an
    fsync of the file ("Y") or a syncfs ("S") makes it durable. A file
    renamed out of .kb/staging was written by a worker, which cannot
    fsync: all of it is unsynced until a syncfs."""
    if not has_dirlog(kb):
        return {}
    st, new = {}, set()

    def move(frm, to):
        if frm in st:
            st[to] = st.pop(frm)
        if frm in new:
            new.discard(frm)
            new.add(to)

    for line in open(path(kb), encoding="utf-8", errors="surrogateescape"):
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


def lose_data(rng, kb, rel, e):
    """Revert the unsynced data of one file as a power loss may leave
    it: cut back to its durable size, torn somewhere in between, or
    the unsynced bytes read back as zeros or as garbage. A truncate
    that is lost brings the old length back, as zeros (the old bytes
    are gone from the image). Returns what was done."""
    p = os.path.join(kb, rel)
    if not os.path.isfile(p) or os.path.islink(p):
        return None
    size = os.path.getsize(p)
    durable = e["durable"]
    how = rng.choice(["truncate", "torn", "zeros", "garbage"])
    with open(p, "r+b") as fh:
        if how in ("truncate", "torn"):
            cut = durable
            if how == "torn" and size > durable:
                cut = rng.randint(durable, size)
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
                         bytes(rng.getrandbits(8) for _ in range(end - off)))
    return "%s:%s" % (rel, how)
