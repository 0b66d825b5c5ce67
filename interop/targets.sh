#!/usr/bin/env bash
# The interoperability targets: how to start each third-party server and what zcpspec is told.
#
# Sourced by run.sh, which calls:
#   target_start NAME   starts the server of a network target (free port on 127.0.0.1, bounded
#                       readiness wait) and sets TARGET_ARGS (the zcpspec target arguments) and
#                       TARGET_PID (empty for stdio targets, where zcpspec spawns the server)
#   target_stop         stops the server target_start started (TERM, then KILL), bounded
#
# Standalone, for trying a target by hand:
#   bash interop/targets.sh list                 the target names
#   bash interop/targets.sh args NAME            stdio targets: print the zcpspec arguments
#   bash interop/targets.sh serve NAME           network targets: start the server, print the
#                                                zcpspec arguments, keep it up until Ctrl-C or
#                                                $INTEROP_SERVE_SECONDS (default 600) pass
#
# Targets:
#   zcp-stdio          ZCP Python SDK, MCP over stdio (its MCP gateway)
#   zcp-mcp            ZCP Python SDK, streamable HTTP (MCP)     POST/GET/DELETE /mcp
#   zcp-ws             ZCP Python SDK, WebSocket (MCP)           /ws, subprotocol "mcp"
#   zcp-zcp            ZCP Python SDK, native ZCP JSON-RPC       POST /zcp
#   mcp-python-stdio   MCP Python SDK (MCPServer), stdio
#   mcp-python-http    MCP Python SDK, streamable HTTP           /mcp
#   mcp-python-sse     MCP Python SDK, legacy HTTP+SSE           GET /sse, POST /messages/?session_id=
#   everything-stdio   @modelcontextprotocol/server-everything, stdio
#   everything-http    server-everything, streamable HTTP        /mcp
#   everything-sse     server-everything, legacy HTTP+SSE        GET /sse, POST /message?sessionId=
#   rmcp-stdio         rmcp (Rust MCP SDK), interop/rmcp-server, stdio
#   rmcp-http          rmcp, streamable HTTP                     /mcp
# (ZCP's GET /sse is the same stream as GET /mcp, not the legacy HTTP+SSE transport: it sends
# no `endpoint` event and has no POST endpoint of its own, so there is no zcp-sse target.)

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INTEROP_HOME="${INTEROP_HOME:-$INTEROP_DIR}"
INTEROP_PY="$INTEROP_HOME/.venv/bin/python"
EVERYTHING_JS="$INTEROP_HOME/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
# The rmcp server, a workspace member that setup.sh builds into cargo's target directory
# ($CARGO_TARGET_DIR, relative to the repository root as cargo takes it there, else target/).
RMCP_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
[[ "$RMCP_TARGET_DIR" == /* ]] || RMCP_TARGET_DIR="$(cd "$INTEROP_DIR/.." && pwd)/$RMCP_TARGET_DIR"
RMCP_SERVER="$RMCP_TARGET_DIR/debug/rmcp-server"
# Seconds a network server gets to accept connections.
INTEROP_READY_SECONDS="${INTEROP_READY_SECONDS:-30}"

ALL_TARGETS=(
  zcp-stdio zcp-mcp zcp-ws zcp-zcp
  mcp-python-stdio mcp-python-http mcp-python-sse
  everything-stdio everything-http everything-sse
  rmcp-stdio rmcp-http
)

# server-everything runs with a scrubbed environment: its get-env tool returns the whole
# environment (zcpspec's call-each calls every tool, and traces keep the answers), and its
# gzip-file-as-resource tool fetches a URL from the internet by default; allowing only a
# loopback domain makes that call fail fast instead.
EVERYTHING_ENV=(env -i "PATH=$PATH" HOME=/nonexistent NODE_ENV=production
  GZIP_ALLOWED_DOMAINS=127.0.0.1 GZIP_MAX_FETCH_TIME_MILLIS=2000)

# The target profile (profiles/<server>.yaml) naming which tool or resource of the target's
# server plays each fixture role. Every surface of one server shares its profile.
target_profile() {
  case "$1" in
    zcp-*) echo "$INTEROP_DIR/profiles/zcp.yaml" ;;
    mcp-python-*) echo "$INTEROP_DIR/profiles/mcp-python.yaml" ;;
    everything-*) echo "$INTEROP_DIR/profiles/everything.yaml" ;;
    rmcp-*) echo "$INTEROP_DIR/profiles/rmcp.yaml" ;;
  esac
}

# zcpspec arguments for a target, besides the target itself: its profile and, for
# server-everything, a longer response timeout: its trigger-long-running-operation takes 10 s
# with its default arguments (the ones call-each sends), longer than zcpspec's default 5 s.
target_extra_args() {
  local args=(--profile "$(target_profile "$1")")
  case "$1" in
    everything-*) args+=(--timeout-ms 15000) ;;
  esac
  echo "${args[@]}"
}

target_is_network() {
  case "$1" in
    *-stdio) return 1 ;;
    *) return 0 ;;
  esac
}

target_known() {
  local t
  for t in "${ALL_TARGETS[@]}"; do [[ "$t" == "$1" ]] && return 0; done
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for_port PORT PID: a bounded loop on a TCP connect to 127.0.0.1:PORT; fails early if the
# server process died.
wait_for_port() {
  local port="$1" pid="$2" deadline=$((SECONDS + INTEROP_READY_SECONDS))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "targets: the server (pid $pid) exited before it listened on port $port" >&2
      return 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "targets: nothing listened on 127.0.0.1:$port within ${INTEROP_READY_SECONDS}s" >&2
  return 1
}

TARGET_ARGS=()
TARGET_PID=""
TARGET_LOG=""

# target_start NAME [LOGFILE]
target_start() {
  local name="$1" log="${2:-/dev/null}" port=""
  TARGET_ARGS=()
  TARGET_PID=""
  TARGET_LOG="$log"
  target_known "$name" || { echo "targets: unknown target $name" >&2; return 2; }
  if target_is_network "$name"; then
    port="$(free_port)"
  fi
  case "$name" in
    zcp-stdio) TARGET_ARGS=(-- "$INTEROP_PY" "$INTEROP_DIR/zcp_server.py" stdio) ;;
    mcp-python-stdio) TARGET_ARGS=(-- "$INTEROP_PY" "$INTEROP_DIR/mcp_server.py" stdio) ;;
    everything-stdio) TARGET_ARGS=(-- "${EVERYTHING_ENV[@]}" node "$EVERYTHING_JS" stdio) ;;
    rmcp-stdio) TARGET_ARGS=(-- "$RMCP_SERVER" stdio) ;;
    zcp-mcp | zcp-ws | zcp-zcp)
      "$INTEROP_PY" "$INTEROP_DIR/zcp_server.py" http "$port" >"$log" 2>&1 &
      TARGET_PID=$!
      case "$name" in
        zcp-mcp) TARGET_ARGS=(--url "http://127.0.0.1:$port/mcp") ;;
        zcp-ws) TARGET_ARGS=(--url "ws://127.0.0.1:$port/ws") ;;
        zcp-zcp) TARGET_ARGS=(--url "http://127.0.0.1:$port/zcp" --transport zcp) ;;
      esac
      ;;
    mcp-python-http)
      "$INTEROP_PY" "$INTEROP_DIR/mcp_server.py" http "$port" >"$log" 2>&1 &
      TARGET_PID=$!
      TARGET_ARGS=(--url "http://127.0.0.1:$port/mcp")
      ;;
    mcp-python-sse)
      "$INTEROP_PY" "$INTEROP_DIR/mcp_server.py" sse "$port" >"$log" 2>&1 &
      TARGET_PID=$!
      TARGET_ARGS=(--url "http://127.0.0.1:$port/sse" --transport sse)
      ;;
    rmcp-http)
      "$RMCP_SERVER" http "$port" >"$log" 2>&1 &
      TARGET_PID=$!
      TARGET_ARGS=(--url "http://127.0.0.1:$port/mcp")
      ;;
    everything-http | everything-sse)
      # The server reads its port from $PORT and calls listen(PORT) with no host (every
      # interface); loopback.cjs makes such a listen bind 127.0.0.1.
      local mode=streamableHttp path=/mcp
      [[ "$name" == everything-sse ]] && mode=sse path=/sse
      "${EVERYTHING_ENV[@]}" "PORT=$port" node --require "$INTEROP_DIR/loopback.cjs" \
        "$EVERYTHING_JS" "$mode" >"$log" 2>&1 &
      TARGET_PID=$!
      if [[ "$name" == everything-sse ]]; then
        TARGET_ARGS=(--url "http://127.0.0.1:$port$path" --transport sse)
      else
        TARGET_ARGS=(--url "http://127.0.0.1:$port$path")
      fi
      ;;
  esac
  if [[ -n "$TARGET_PID" ]] && ! wait_for_port "$port" "$TARGET_PID"; then
    target_stop
    return 3
  fi
  return 0
}

# target_stop: TERM, up to 5 s, then KILL; reaps the process.
target_stop() {
  local pid="$TARGET_PID"
  TARGET_PID=""
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    list) printf '%s\n' "${ALL_TARGETS[@]}" ;;
    args)
      [[ $# -eq 2 ]] || { echo "usage: targets.sh args NAME" >&2; exit 2; }
      target_is_network "$2" && { echo "targets: $2 is a network target; use serve" >&2; exit 2; }
      target_start "$2"
      printf "%q " $(target_extra_args "$2") "${TARGET_ARGS[@]}"
      echo
      ;;
    serve)
      [[ $# -eq 2 ]] || { echo "usage: targets.sh serve NAME" >&2; exit 2; }
      waiter=""
      trap 'target_stop; [[ -z "$waiter" ]] || kill "$waiter" 2>/dev/null || true' EXIT
      trap 'exit 130' INT TERM
      target_start "$2" /dev/stderr
      printf "%q " $(target_extra_args "$2") "${TARGET_ARGS[@]}"
      echo
      if [[ -n "$TARGET_PID" ]]; then
        # In the background so that a trapped INT or TERM is handled at once.
        timeout "${INTEROP_SERVE_SECONDS:-600}" tail --pid="$TARGET_PID" -f /dev/null &
        waiter=$!
        wait "$waiter" || true
        waiter=""
      fi
      ;;
    *)
      echo "usage: targets.sh list | args NAME | serve NAME" >&2
      exit 2
      ;;
  esac
fi
