#!/usr/bin/env bash
# Runs zcpspec against real MCP/ZCP servers from the package registries.
#
#   bash interop/run.sh                 every target (see targets.sh)
#   bash interop/run.sh zcp-stdio ...   only these targets
#
# Environment:
#   ZCPSPEC               the zcpspec binary (default target/release/zcpspec, relative to the repo root)
#   INTEROP_HOME          where setup.sh installs the servers (default: this folder)
#   INTEROP_REPORTS       where reports go (default: interop/reports); one folder per target,
#                         plus <target>.out (zcpspec's terminal output) and <target>.server.log
#   INTEROP_RUN_TIMEOUT   seconds one zcpspec run may take (default 300)
#   INTEROP_ZCPSPEC_ARGS  more `zcpspec run` options for every target, split on spaces
#                         (e.g. "--scenarios /path/to/scenarios --jobs 2")
#   INTEROP_BASELINES     the folder of per-target baselines, <target>.yaml (default
#                         interop/baselines): each server's known failures, with reasons
#   INTEROP_WRITE_BASELINES=1   record each run's failures as its baseline instead
#
# Exit status: 0 when every run exited 0: no failure outside its target's baseline, and no
# stale baseline entry; 1 otherwise (a new failure, a stale entry, a missing baseline, a bad
# invocation, a target that could not be started, a timeout).
set -uo pipefail

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INTEROP_DIR/.." && pwd)"
ZCPSPEC="${ZCPSPEC:-target/release/zcpspec}"
[[ "$ZCPSPEC" == /* ]] || ZCPSPEC="$REPO_ROOT/$ZCPSPEC"
REPORTS="${INTEROP_REPORTS:-$INTEROP_DIR/reports}"
RUN_TIMEOUT="${INTEROP_RUN_TIMEOUT:-300}"
read -r -a EXTRA_ARGS <<<"${INTEROP_ZCPSPEC_ARGS:-}"
BASELINES="${INTEROP_BASELINES:-$INTEROP_DIR/baselines}"

bash "$INTEROP_DIR/setup.sh" || { echo "run: setup failed" >&2; exit 1; }

# shellcheck source=targets.sh
source "$INTEROP_DIR/targets.sh"

trap target_stop EXIT
trap 'exit 130' INT TERM

if [[ ! -x "$ZCPSPEC" ]]; then
  echo "run: no zcpspec binary at $ZCPSPEC (cargo build --release -p zcpspec, or set ZCPSPEC)" >&2
  exit 1
fi

if [[ $# -gt 0 ]]; then
  TARGETS=("$@")
  for t in "${TARGETS[@]}"; do
    target_known "$t" || { echo "run: unknown target $t (known: ${ALL_TARGETS[*]})" >&2; exit 1; }
  done
else
  TARGETS=("${ALL_TARGETS[@]}")
fi

# The command-line pattern of a target's server processes, to find any left behind.
target_pattern() {
  case "$1" in
    zcp-*) echo "$INTEROP_DIR/zcp_server.py" ;;
    mcp-python-*) echo "$INTEROP_DIR/mcp_server.py" ;;
    everything-*) echo "$EVERYTHING_JS" ;;
    rmcp-*) echo "$RMCP_SERVER" ;;
  esac
}

mkdir -p "$REPORTS"
declare -A RC NOTE LEFT
status=0
for t in "${TARGETS[@]}"; do
  dir="$REPORTS/$t"
  rm -rf -- "$dir"
  LEFT[$t]=0
  if ! target_start "$t" "$REPORTS/$t.server.log"; then
    RC[$t]="start"
    NOTE[$t]="the server did not start; see $t.server.log"
    echo "run: $t: the server did not start"
    status=1
    continue
  fi
  if [[ "${INTEROP_WRITE_BASELINES:-}" == 1 ]]; then
    mkdir -p "$BASELINES"
    baseline=(--write-baseline "$BASELINES/$t.yaml")
  else
    baseline=(--baseline "$BASELINES/$t.yaml")
  fi
  echo "run: $t: zcpspec run ${baseline[*]} ${EXTRA_ARGS[*]} $(target_extra_args "$t") ${TARGET_ARGS[*]}"
  # shellcheck disable=SC2046
  (cd "$REPO_ROOT" && timeout -k 10 "$RUN_TIMEOUT" "$ZCPSPEC" run --color never --report-dir "$dir" \
    "${baseline[@]}" "${EXTRA_ARGS[@]}" $(target_extra_args "$t") "${TARGET_ARGS[@]}") \
    >"$REPORTS/$t.out" 2>&1
  rc=$?
  target_stop
  RC[$t]=$rc
  case "$rc" in
    0) NOTE[$t]="" ;;
    1) NOTE[$t]="a failure outside the baseline, or a stale entry; see $t.out" ;;
    2) NOTE[$t]="bad invocation, unreadable baseline, or no check ran; see $t.out" ;;
    3) NOTE[$t]="zcpspec could not start the target" ;;
    124 | 137) NOTE[$t]="timed out after ${RUN_TIMEOUT}s" ;;
    *) NOTE[$t]="zcpspec ended with status $rc" ;;
  esac
  [[ "$rc" == 0 ]] || status=1
  # Anything of this target's server still running once zcpspec and target_stop are done?
  sleep 0.2
  left="$(pgrep -f -- "$(target_pattern "$t")" | wc -l)"
  LEFT[$t]=$left
  if ((left > 0)); then
    NOTE[$t]="${NOTE[$t]:+${NOTE[$t]}; }$left server process(es) left behind"
  fi
done

summary() {
  python3 - "$1" <<'EOF'
import json, sys
try:
    report = json.load(open(sys.argv[1]))
    s = report["summary"]
    counts = [s.get(k, "-") for k in ("passed", "failed", "warned", "skipped", "not_observed")]
    print(*counts, s.get("expected_failures", 0), len(report.get("stale", [])))
except Exception:
    print("- - - - - - -")
EOF
}

echo
printf '%-18s %5s %6s %6s %8s %6s %6s %7s %12s  %s\n' target exit passed failed expected stale \
  warned skipped not-observed note
for t in "${TARGETS[@]}"; do
  read -r p f w s n e st < <(summary "$REPORTS/$t/report.json")
  printf '%-18s %5s %6s %6s %8s %6s %6s %7s %12s  %s\n' "$t" "${RC[$t]}" "$p" "$f" "$e" "$st" "$w" "$s" \
    "$n" "${NOTE[$t]}"
done
echo "reports: $REPORTS"
exit "$status"
