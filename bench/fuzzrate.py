"""Fuzzing throughput, counted the same way for every fuzzer: the frames that reach the
server's stdin. The server is started through a wrapper that copies its stdin to a log per
server process (`tee SESSIONS/$$.jsonl | exec SERVER`), so a frame counts once the fuzzer has
written it, whatever the fuzzer calls an execution.

    fuzzrate.py campaign --sessions DIR --wrapper PATH --seconds S [--stop INT] [--log FILE]
                -- FUZZER...
        Starts the fuzzer (which starts the server through PATH), counts the frames and bytes
        in DIR and the fuzzer's own CPU time at 2 s and at S - 1 s after launch, then stops it:
        SIGTERM (or SIGINT) at S s if it is still running, then SIGKILL 2 s later to whatever
        is left of it and of the servers it started through the wrapper. Prints JSON over that
        window (start-up and shut-down excluded): frames/s, MiB/s, the fuzzer's CPU
        microseconds per frame (its own processes, not the server's); and the frames in DIR
        at the end.
    fuzzrate.py replay --sessions DIR [--limit N] -- SERVER...
        The server's own limit: the campaign's sessions in the order they started, each one's
        frames as a file on a fresh server's stdin, its answers written to a file, until N
        frames (default 10,000). A session is timed to the server's exit or, for a server that
        outlives its input (server-everything), to when it has read all of it and its output
        pauses (50 ms; at most 2 s after), less the start-up time (the same server with empty
        input, to its exit). Prints JSON: frames, sessions, busy seconds, frames/s.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

WINDOW_START = 2.0
STOP_GRACE = 2.0
STOP_SIGNALS = {"INT": signal.SIGINT, "TERM": signal.SIGTERM}
PAUSE = 0.05
TAIL_CAP = 2.0
STARTUP_CAP = 10.0
REPLAY_CAP = 20.0
TICKS = os.sysconf("SC_CLK_TCK")


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except OSError:
        return 0


class Tally:
    """Frames and bytes written so far to the session logs of a folder, counted from where
    the last count stopped."""

    def __init__(self, folder):
        self.folder = folder
        self.counted = {}  # path -> (bytes counted, lines in them)

    def take(self):
        """The sizes now (a snapshot), then the lines up to them: (frames, bytes)."""
        sizes = {}
        for name in os.listdir(self.folder):
            if name.endswith(".jsonl"):
                path = os.path.join(self.folder, name)
                try:
                    sizes[path] = os.path.getsize(path)
                except OSError:
                    pass
        for path, size in sizes.items():
            done, lines = self.counted.get(path, (0, 0))
            with open(path, "rb") as f:
                f.seek(done)
                left = size - done
                while left > 0:
                    chunk = f.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    lines += chunk.count(b"\n")
                    left -= len(chunk)
            self.counted[path] = (size - left, lines)
        return (sum(n for _, n in self.counted.values()),
                sum(b for b, _ in self.counted.values()))


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return out


def is_wrapper(pid, wrapper):
    """Whether pid runs the wrapper script (`/bin/sh WRAPPER`)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return wrapper.encode() in f.read().split(b"\0")[:2]
    except OSError:
        return False


def wrapper_trees(wrapper):
    """Every live process running the wrapper, and their descendants."""
    roots = [int(p) for p in os.listdir("/proc") if p.isdigit() and is_wrapper(int(p), wrapper)]
    out, todo = [], roots
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def fuzzer_cpu(pid, wrapper):
    """CPU seconds of the fuzzer's live processes, leaving out the server's (the wrapper's
    subtree)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        if is_wrapper(p, wrapper):
            continue
        total += cpu_seconds(p)
        todo.extend(children(p))
    return total


def sleep_until(deadline):
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))


def campaign(args, command):
    with open(args.log, "wb") as log:
        started = time.monotonic()
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        sleep_until(started + WINDOW_START)
        tally = Tally(args.sessions)
        t0 = time.monotonic()
        frames0, bytes0 = tally.take()
        cpu0 = fuzzer_cpu(child.pid, args.wrapper)
        sleep_until(started + args.seconds - 1.0)
        t1 = time.monotonic()
        frames1, bytes1 = tally.take()
        cpu1 = fuzzer_cpu(child.pid, args.wrapper)
        alive_at_end = child.poll() is None
        sleep_until(started + args.seconds)
        if child.poll() is None:
            child.send_signal(STOP_SIGNALS[args.stop])
        try:
            child.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            pass
        # Whatever is left is killed: the fuzzer's process group, and the servers it started
        # through the wrapper (a fuzzer may start them in process groups of their own).
        leftovers = wrapper_trees(args.wrapper)
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        child.wait()
    frames = frames1 - frames0
    json.dump({
        "window_seconds": round(t1 - t0, 3),
        "frames_per_second": round(frames / (t1 - t0), 1),
        "mib_per_second": round((bytes1 - bytes0) / (t1 - t0) / (1 << 20), 2),
        "cpu_us_per_frame": round(1e6 * (cpu1 - cpu0) / frames, 1) if frames else None,
        "frames_total": Tally(args.sessions).take()[0],
        "ran_whole_window": alive_at_end,
        "exit": child.returncode,
    }, sys.stdout)
    print()


def read_position(pid):
    """How far the process has read its stdin (a file), or None."""
    try:
        with open(f"/proc/{pid}/fdinfo/0") as f:
            for line in f:
                if line.startswith("pos:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def timed_replay(command, source, answers):
    """Seconds the server takes to answer the frames in the file `source` (its stdin; its
    output goes to the file `answers`): until it exits, or, for a server that outlives its
    input, until it has read all of it and its output pauses for PAUSE. What it sends later
    (a long-running tool's progress, a timer's notifications) is held back on purpose, not
    throughput. With no `source`: until a server with empty input exits (its start-up)."""
    started = time.monotonic()
    with open(source or os.devnull, "rb") as stdin, open(answers, "wb") as stdout:
        server = subprocess.Popen(command, stdin=stdin, stdout=stdout,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        total = os.fstat(stdin.fileno()).st_size
        last, size, consumed, end = started, 0, None, None
        while end is None:
            exited = server.poll() is not None
            now = time.monotonic()
            grown = os.fstat(stdout.fileno()).st_size
            if grown != size:
                last, size = now, grown
            if exited:
                end = now
            elif source is None:
                if now - started > STARTUP_CAP:
                    end = started  # it does not exit without input: no start-up to subtract
            elif consumed is None:
                position = read_position(server.pid)
                if position is not None and position >= total:
                    consumed = now
            elif now - last > PAUSE or now - consumed > TAIL_CAP:
                end = max(consumed, last)
            if end is None and now - started > REPLAY_CAP:
                end = now
            time.sleep(0.002)
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return end - started


def first_lines(path, n, scratch):
    """path itself when it has at most n lines, else a copy of its first n lines."""
    if count_lines(path) <= n:
        return path
    with open(path, "rb") as src, open(scratch, "wb") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            dst.write(line)
    return scratch


def replay(args, command):
    """Replays the campaign's sessions in the order they started, each into a fresh server,
    until `limit` frames; the rate is the frames over the summed busy time."""
    # One file per server process, named by its pid: in the order the sessions started.
    names = [f for f in os.listdir(args.sessions) if f.endswith(".jsonl")]
    names.sort(key=lambda f: int(f.split(".")[0]))
    scratch = os.path.join(args.sessions, "replay.in")
    answers = os.path.join(args.sessions, "replay.out")
    startup = timed_replay(command, None, answers)
    frames, busy, sessions = 0, 0.0, 0
    for name in names:
        path = os.path.join(args.sessions, name)
        n = min(count_lines(path), args.limit - frames)
        if n <= 0:
            break
        seconds = timed_replay(command, first_lines(path, n, scratch), answers)
        busy += max(seconds - startup, 0.0)
        frames += n
        sessions += 1
    for leftover in (scratch, answers):
        if os.path.exists(leftover):
            os.remove(leftover)
    json.dump({
        "frames": frames,
        "sessions": sessions,
        "busy_seconds": round(busy, 3),
        "startup_seconds": round(startup, 3),
        "frames_per_second": round(frames / busy, 1) if busy > 0 else None,
    }, sys.stdout)
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["campaign", "replay"])
    ap.add_argument("--sessions", required=True,
                    help="the wrapper's folder of frame logs, one per server process")
    ap.add_argument("--wrapper")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--stop", choices=sorted(STOP_SIGNALS), default="TERM",
                    help="the signal that stops the fuzzer at the end (mcp-fuzzer: INT, its Ctrl-C)")
    ap.add_argument("--limit", type=int, default=10_000)
    ap.add_argument("--log", default=os.devnull)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args, command = ap.parse_args(argv[:split]), argv[split + 1:]
    if not command:
        ap.error("no command given")
    if args.mode == "campaign":
        if not args.wrapper:
            ap.error("campaign needs --wrapper")
        campaign(args, command)
    else:
        replay(args, command)


if __name__ == "__main__":
    main()
