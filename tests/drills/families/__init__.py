"""The drill families, in the order they run: crash first, since the
others recover its crash images. Each module's run(d) returns the points
it exercised per workload, or raises context.Skip on a machine that
cannot run it."""

from families import crash, ioerr, kill, lazyfs, loss, recovery, syscall

ORDER = [("crash", crash.run), ("recovery", recovery.run),
         ("ioerr", ioerr.run), ("syscall", syscall.run), ("kill", kill.run),
         ("dirloss", loss.run_dirloss), ("powerloss", loss.run_powerloss),
         ("lazyfs", lazyfs.run)]
NAMES = [name for name, _ in ORDER]
