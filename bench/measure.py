#!/usr/bin/env python3
"""Runs one command and measures it as a whole process tree: wall time, CPU time and peak
memory. Prints one JSON object on stdout; the command's own output goes to --log.

    measure.py [--log FILE] [--cwd DIR] [--timeout S] -- COMMAND...

- wall: seconds from spawn to the command's exit.
- cpu: user + system seconds of the command and every descendant it reaped (getrusage
  RUSAGE_CHILDREN before and after).
- peak_tree_mib: the largest sum of resident memory (VmRSS) over the command and all its
  live descendants, sampled every 5 ms through /proc/PID/task/TID/children; at least the
  largest single process's peak (ru_maxrss), which catches a spike between two samples.
- peak_proc_mib: ru_maxrss of the largest process in the tree (what `/usr/bin/time -v` shows
  for a single-process command).
- exit: the command's exit status (a signal as 128 + its number).

Summed RSS counts pages shared between processes of the tree once per process, so for a tree
of several processes it is an upper bound; every command measured here is one process, or
one harness process plus the server processes it spawns.
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time

SAMPLE_SECONDS = 0.005
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def descendants(pid):
    """pid and every live descendant, through the kernel's children lists."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", default=os.devnull)
    ap.add_argument("--cwd")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("no command given")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(args.log, "wb") as log:
        started = time.monotonic()
        child = subprocess.Popen(command, cwd=args.cwd, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        peak = 0
        timed_out = False
        while True:
            finished, status, _ = os.wait4(child.pid, os.WNOHANG)
            if finished:
                break
            peak = max(peak, sum(rss_kib(p) for p in descendants(child.pid)))
            if time.monotonic() - started > args.timeout and not timed_out:
                timed_out = True
                os.killpg(child.pid, signal.SIGKILL)
            time.sleep(SAMPLE_SECONDS)
        wall = time.monotonic() - started
        child.returncode = 0  # reaped above; keeps Popen from waiting again
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    code = os.waitstatus_to_exitcode(status)
    json.dump({
        "wall": round(wall, 4),
        "cpu": round(cpu, 4),
        "peak_tree_mib": round(max(peak, after.ru_maxrss) / 1024, 1),
        "peak_proc_mib": round(after.ru_maxrss / 1024, 1),
        "exit": code if code >= 0 else 128 - code,
        "timed_out": timed_out,
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
