#!/usr/bin/env python3
"""Turns bench/run.sh's measurements into the markdown it prints and writes to
bench/results/latest.md: medians over the runs, ratios between tools measured in the same run,
and each target of issue 9 with whether it is met."""

import argparse
import json
import re
import statistics
import time

TARGETS = {
    "suite_speed": 5.0,    # official wall / zcpspec wall, same server and transport
    "suite_memory": 3.0,   # official peak / zcpspec peak
    "fuzz_rate": 20.0,     # zcpspec frames/s / mcp-fuzzer frames/s, same server
    "overhead": 10.0,      # session p50 over raw p50, percent
}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def counts(record):
    """(scenarios, checks) that the run's own output reports."""
    try:
        text = open(record["log"], errors="replace").read()
    except OSError:
        return None, None
    if record["tool"] == "official":
        scenarios = len(re.findall(r"^=== Running scenario:", text, re.M))
        total = re.search(r"^Total: (\d+) passed, (\d+) failed", text, re.M)
        checks = int(total.group(1)) + int(total.group(2)) if total else None
        return scenarios, checks
    m = re.search(r"^(\d+) checks: .*?; (\d+) scenarios", text, re.M)
    return (int(m.group(2)), int(m.group(1))) if m else (None, None)


def fmt(value, unit="", digits=1):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def ratio(a, b):
    return a / b if a is not None and b else None


def verdict(value, target, higher_is_better=True):
    if value is None:
        return "not measured"
    met = value >= target if higher_is_better else value < target
    if met:
        return "**met**"
    if higher_is_better:
        return f"**missed** (short by {target / value:.1f}x)" if value > 0 else "**missed**"
    return f"**missed** (by {value - target:+.1f} points)"


def suite_section(records, out, targets):
    rows = {}
    for r in records:
        rows.setdefault((r["server"], r["tool"]), []).append(r)
    out.append("### 1. Full suite: wall time, CPU time, peak memory\n")
    out.append("Medians over the runs. CPU is user + system of the suite's whole process tree; "
               "peak memory is the largest summed resident memory of that tree (see Method). "
               "Scenarios and checks are what each suite's own output reports.\n")
    out.append("| server (transport) | suite | scenarios | checks | wall | CPU | peak memory | runs |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|")
    medians = {}
    for (server, tool), rs in rows.items():
        wall = median([r["wall"] for r in rs])
        cpu = median([r["cpu"] for r in rs])
        peak = median([r["peak_tree_mib"] for r in rs])
        scen, checks = counts(rs[0])
        medians[(server, tool)] = (wall, cpu, peak)
        name = "official conformance" if tool == "official" else "zcpspec"
        out.append(f"| {server} | {name} | {fmt(scen, digits=0)} | {fmt(checks, digits=0)} | "
                   f"{fmt(wall, ' s', 2)} | {fmt(cpu, ' s', 2)} | {fmt(peak, ' MiB')} | {len(rs)} |")
    out.append("")
    out.append("Ratios, official suite over zcpspec (above 1: zcpspec is ahead):\n")
    out.append("| server (transport) | wall | CPU | peak memory |")
    out.append("|---|---:|---:|---:|")
    for (server, tool), (wall, cpu, peak) in medians.items():
        if tool != "official" or (server, "zcpspec") not in medians:
            continue
        zw, zc, zp = medians[(server, "zcpspec")]
        out.append(f"| {server} | {fmt(ratio(wall, zw), 'x', 2)} | {fmt(ratio(cpu, zc), 'x', 2)} | "
                   f"{fmt(ratio(peak, zp), 'x', 1)} |")
        if "everything" in server:
            targets.append(("Full suite at least 5x faster than the official suite "
                            f"({server})", fmt(ratio(wall, zw), "x", 2),
                            verdict(ratio(wall, zw), TARGETS["suite_speed"])))
            targets.append((f"At least 3x less peak memory ({server})",
                            fmt(ratio(peak, zp), "x", 1),
                            verdict(ratio(peak, zp), TARGETS["suite_memory"])))
    out.append("")


def fuzz_section(fuzz, replays, out, targets):
    out.append("### 2. Fuzzing: frames per second into the same stdio server\n")
    out.append("A frame is one JSON-RPC line the fuzzer wrote to the server's stdin, counted by "
               "the same wrapper for both fuzzers, over the window from 2 s after launch to 1 s "
               "before the end. Fuzzer CPU is the fuzzer's own processes (not the server's) per "
               "frame in that window. The limit is the same server answering the same frames, "
               "session by session, replayed from a file (the first 10,000 frames); share = rate "
               "/ limit. Medians over the runs.\n")
    out.append("| server | fuzzer | frames/s | MiB/s | fuzzer CPU per frame | limit for these frames | share of limit | runs |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|")
    rows = {}
    for r in fuzz:
        rows.setdefault((r["server"], r["tool"]), {"fuzz": [], "replay": []})["fuzz"].append(r)
    for r in replays:
        rows.setdefault((r["server"], r["tool"]), {"fuzz": [], "replay": []})["replay"].append(r)
    medians = {}
    for (server, tool), rs in rows.items():
        rate = median([r["frames_per_second"] for r in rs["fuzz"]])
        mib = median([r["mib_per_second"] for r in rs["fuzz"]])
        cpu = median([r["cpu_us_per_frame"] for r in rs["fuzz"]])
        limit = median([r["frames_per_second"] for r in rs["replay"]])
        medians[(server, tool)] = (rate, cpu)
        out.append(f"| {server} | {tool} | {fmt(rate, digits=0)} | {fmt(mib, digits=2)} | {fmt(cpu, ' µs')} | "
                   f"{fmt(limit, digits=0)} | {fmt(ratio(rate, limit) and 100 * ratio(rate, limit), '%', 0)} | "
                   f"{len(rs['fuzz'])} |")
    out.append("")
    out.append("Ratios, zcpspec over mcp-fuzzer:\n")
    out.append("| server | frames/s | fuzzer CPU per frame (mcp-fuzzer / zcpspec) |")
    out.append("|---|---:|---:|")
    for (server, tool), (rate, cpu) in medians.items():
        if tool != "zcpspec" or (server, "mcp-fuzzer") not in medians:
            continue
        mrate, mcpu = medians[(server, "mcp-fuzzer")]
        out.append(f"| {server} | {fmt(ratio(rate, mrate), 'x', 2)} | {fmt(ratio(mcpu, cpu), 'x', 1)} |")
        targets.append((f"Fuzzing at least 20x the frames/s of mcp-fuzzer ({server})",
                        fmt(ratio(rate, mrate), "x", 2), verdict(ratio(rate, mrate), TARGETS["fuzz_rate"])))
    out.append("")


def overhead_section(path, out, targets):
    out.append("### 3. Per-request overhead: sequential pings to `zcpspec serve`\n")
    out.append("`cargo bench -p zcpspec --bench overhead`: microseconds per round trip, median over "
               "5 runs of each run's p50 and p99 (2,000 pings each); client CPU is the client "
               "process's user + system time per request.\n")
    out.append("| transport | client | p50 | p99 | p50 vs raw | client CPU per request |")
    out.append("|---|---|---:|---:|---:|---:|")
    try:
        lines = open(path).read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        f = line.split()
        if len(f) == 6 and f[0] in ("stdio", "http") and f[4].endswith("%"):
            out.append(f"| {f[0]} | {f[1]} | {f[2]} µs | {f[3]} µs | {f[4]} | {f[5]} µs |")
            if f[1] == "session":
                value = float(f[4].rstrip("%"))
                targets.append((f"Session overhead under 10% of the raw loop at p50 ({f[0]})",
                                f"{value:+.1f}%", verdict(value, TARGETS["overhead"], False)))
    out.append("")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", required=True)
    ap.add_argument("--overhead", required=True)
    ap.add_argument("--machine-before", required=True)
    ap.add_argument("--machine-after", required=True)
    ap.add_argument("--seconds-total", type=int)
    ap.add_argument("--seconds-measuring", type=int)
    ap.add_argument("--runs")
    ap.add_argument("--slow-runs")
    ap.add_argument("--fuzz-seconds")
    ap.add_argument("--versions", default="")
    ap.add_argument("--json-out")
    args = ap.parse_args()
    records = [json.loads(line) for line in open(args.records) if line.strip()]
    before, after = json.loads(args.machine_before), json.loads(args.machine_after)
    out, targets = [], []
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out.append(f"## Latest results ({date})\n")
    out.append(f"- Machine: {before['cpu']}, {before['cores']} cores, {before['memory_gib']} GiB, "
               f"Linux {before['kernel']}; Node {before['node']} (system), Python {before['python']}, "
               f"{before['rustc']}.")
    out.append(f"- Load average (1, 5, 15 min) before measuring: {', '.join(before['load'])}; "
               f"after: {', '.join(after['load'])} (on {before['cores']} cores: above about "
               f"{before['cores'] * 0.25:.1f} before the run means something else was running).")
    dirty = " with uncommitted changes" if before["dirty"] else ""
    out.append(f"- zcpspec at {before['commit']}{dirty}; peers: "
               f"{args.versions.replace(',', ', ').replace('=', ' ')}.")
    out.append(f"- Runs: {args.runs} of each quick measurement, {args.slow_runs} against "
               f"server-everything and per fuzzer; {args.fuzz_seconds} s per campaign. "
               f"`bench/run.sh` took {args.seconds_total} s ({args.seconds_measuring} s measuring).")
    out.append("- Absolute times are this machine's; compare the ratios, which come from the same run.\n")
    suite_section([r for r in records if r["part"] == "suite"], out, targets)
    fuzz_section([r for r in records if r["part"] == "fuzz"],
                 [r for r in records if r["part"] == "replay"], out, targets)
    overhead_section(args.overhead, out, targets)
    out.append("### Targets\n")
    out.append("| target | measured | verdict |")
    out.append("|---|---:|---|")
    for name, value, result in targets:
        out.append(f"| {name} | {value} | {result} |")
    print("\n".join(out))
    if args.json_out:
        with open(args.json_out, "w") as f:
            f.write(json.dumps({"date": date, "machine_before": before, "machine_after": after,
                                "versions": args.versions}) + "\n")
            for r in records:
                f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
