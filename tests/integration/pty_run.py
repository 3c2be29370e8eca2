#!/usr/bin/env python3
"""Run a command on a real pseudo-terminal and report what it drew.

Used by t_progress.sh and t_papercuts.sh. The command (kbctl add, wait,
lint) gets the pty as its controlling terminal, stdin, stdout and stderr.
This script reads all it writes and drives it in steps that wait for what
the terminal shows, never for a time:

  1. wait until a frame (a synchronized-output block) has a row naming a
     file in a phase (hash, convert, commit); with --expect TEXT, until
     the command has printed TEXT instead;
  2. with --resize COLS: set the pty's size (TIOCSWINSZ), send SIGWINCH,
     and wait until a frame has rows and fits the new width; the widest
     row after the resize is that of the frames from that one to the end
     (frames drawn before kbctl read the signal may arrive after it);
  3. with --interrupt: type Ctrl-C, and wait until kbctl says it cancels;
     with it twice: then type Ctrl-C again and wait for EOF before step 4;
     with --kill SIG: send it signal SIG (TERM, HUP);
  4. run --after (a shell command: e.g. SIGCONT to stopped workers);
     with --rows-after TEXT: then wait until the command has printed
     TEXT and, after it, a frame with a row; then run --finally (a shell
     command);
  5. read to EOF and reap the command.

A step that does not happen within --limit seconds is reported as such
(the test fails on it). Step 5, the end, has its own bound, --end-limit
(120 s): a short --limit (to look for a frame that must not come) must
not cut a command that is merely slow to finish. The output is saved to
--out and a JSON report is printed on stdout.
"""
import argparse
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

SYNC_BEGIN = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
CSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]")
SGR = re.compile(rb"\x1b\[[0-9;]*m")
ROW = re.compile(r"^\S (hash|convert|commit) +(\S.*?)(\s{2,}|$)")


def frames(out, start=0):
    """(offset, bytes) of each complete frame at or after start."""
    res = []
    i = out.find(SYNC_BEGIN, start)
    while i != -1:
        j = out.find(SYNC_END, i)
        if j == -1:
            break
        res.append((i, out[i + len(SYNC_BEGIN):j]))
        i = out.find(SYNC_BEGIN, j)
    return res


def region_lines(frame):
    """The rows and the status line of a frame, escape sequences removed."""
    text = CSI.sub(b"", frame).decode("utf-8", "replace").replace("\r", "")
    rows, status = [], []
    for line in text.split("\n"):
        if ROW.match(line):
            rows.append(line)
        elif "files/s" in line:
            status.append(line)
    return rows, status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--cols", type=int, default=200)
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--resize", type=int, default=0)
    ap.add_argument("--interrupt", action="count", default=0)
    ap.add_argument("--before-interrupt", default="")
    ap.add_argument("--kill", default="")
    ap.add_argument("--after", default="")
    ap.add_argument("--rows-after", default="")
    ap.add_argument("--finally", dest="fin", default="")
    ap.add_argument("--limit", type=float, default=120)
    ap.add_argument("--end-limit", type=float, default=120)
    ap.add_argument("--expect", default="")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd

    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ,
                    struct.pack("HHHH", a.rows, a.cols, 0, 0))
        # An ignored signal is inherited across exec, and kbctl keeps a
        # SIGHUP ignored as nohup(1) asks: a run under nohup must not make
        # the signal tests wait in vain.
        for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        os.execvp(cmd[0], cmd)

    out = bytearray()
    eof = False
    report = {}

    def pump(timeout):
        nonlocal eof
        if eof:
            return
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if not data:
            eof = True
        out.extend(data)

    def wait_for(pred, limit=None):
        deadline = time.monotonic() + (a.limit if limit is None else limit)
        while not pred():
            if eof or time.monotonic() > deadline:
                return False
            pump(0.1)
        return True

    def frame_with_rows(start=0):
        for off, f in frames(bytes(out), start):
            rows, _ = region_lines(f)
            if not rows:
                continue
            report.setdefault("row_text", rows)
            return True
        return False

    def fitting_frame(start, maxw):
        """Offset of the first frame at or after start with rows, all
        within maxw columns, or None."""
        for off, f in frames(bytes(out), start):
            rows, status = region_lines(f)
            if rows and all(len(x) <= maxw for x in rows + status):
                return off
        return None

    if a.expect:
        report["expect_seen"] = wait_for(lambda: a.expect.encode() in out)
    else:
        report["rows_seen"] = wait_for(frame_with_rows)
    before = len(out)
    if a.resize:
        widths = [len(x) for _, f in frames(bytes(out))
                  for x in sum(region_lines(f), [])]
        report["widest_before"] = max(widths) if widths else 0
        fcntl.ioctl(fd, termios.TIOCSWINSZ,
                    struct.pack("HHHH", a.rows, a.resize, 0, 0))
        os.kill(pid, signal.SIGWINCH)
        report["relayout"] = wait_for(
            lambda: fitting_frame(before, a.resize - 1) is not None)
        fit = fitting_frame(before, a.resize - 1)
    if a.before_interrupt:
        subprocess.run(a.before_interrupt, shell=True, check=False)
    if a.interrupt:
        os.write(fd, b"\x03")
        report["cancelling"] = wait_for(lambda: b"cancelling" in out)
    if a.interrupt > 1:
        os.write(fd, b"\x03")
        report["detached"] = wait_for(lambda: eof)
    if a.kill:
        os.kill(pid, getattr(signal, "SIG" + a.kill))
    if a.after:
        subprocess.run(a.after, shell=True, check=False)
    if a.rows_after:
        text = a.rows_after.encode()
        report["rows_after"] = (wait_for(lambda: text in out) and
                                wait_for(lambda: frame_with_rows(
                                    bytes(out).find(text))))
    if a.fin:
        subprocess.run(a.fin, shell=True, check=False)
    # Never block on a command that blocks on us: read, or kill it.
    report["ended"] = wait_for(lambda: eof, max(a.limit, a.end_limit))
    if not report["ended"]:
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: eof, max(a.limit, a.end_limit))
    _, st = os.waitpid(pid, 0)
    os.close(fd)
    with open(a.out, "wb") as f:
        f.write(out)

    data = bytes(out)
    if a.resize:
        # Frames kbctl drew before it read the signal may still have been
        # in the pty's buffer when it was sent: the widest row after the
        # resize is that of the frames from the first that fits to the
        # end, all drawn knowing the new size.
        start = before if fit is None else fit
        after = [len(x) for _, f in frames(data, start)
                 for x in sum(region_lines(f), [])]
        report["widest_after"] = max(after) if after else 0
        report["frames_before_relayout"] = (
            0 if fit is None else len(frames(data[:fit], before)))
    vis = re.findall(rb"\x1b\[\?25[hl]", data)
    all_frames = frames(data)
    report.update({
        "exit": os.WEXITSTATUS(st) if os.WIFEXITED(st) else None,
        "signal": os.WTERMSIG(st) if os.WIFSIGNALED(st) else None,
        "frames": len(all_frames),
        "sync_begin": data.count(SYNC_BEGIN),
        "sync_end": data.count(SYNC_END),
        "last_cursor": ("show" if vis and vis[-1].endswith(b"h") else
                        "hide" if vis else "none"),
        "sgr": len(SGR.findall(data)),
        "max_rows": max([len(region_lines(f)[0]) for _, f in all_frames],
                        default=0),
        "last_frame_rows": (len(sum(region_lines(all_frames[-1][1]), []))
                            if all_frames else 0),
        "cut": any("\u2026" in x for _, f in all_frames
                   for x in region_lines(f)[0]),
    })
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
