#!/usr/bin/env bash
# Live fuzzing campaigns against the interop targets (see targets.sh): `zcpspec fuzz` for a
# bounded time against each named target (default: the ZCP SDK and server-everything over
# stdio and streamable HTTP), findings under interop/reports/fuzz/<target>/. Needs the servers
# setup.sh installs. Prints each campaign's summary; exits 0 unless a campaign itself failed
# to run (exit 2 or 3): findings are the point.
#
#   bash interop/fuzz.sh [TARGET ...]
#   INTEROP_FUZZ_SECONDS   seconds per campaign (default 30)
#   INTEROP_FUZZ_SEED      the seed (default 1)
#   ZCPSPEC                the zcpspec binary (default target/release/zcpspec)
set -uo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=targets.sh
source "$REPO_ROOT/interop/targets.sh"
ZCPSPEC="${ZCPSPEC:-target/release/zcpspec}"
[[ "$ZCPSPEC" == /* ]] || ZCPSPEC="$REPO_ROOT/$ZCPSPEC"
SECONDS_EACH="${INTEROP_FUZZ_SECONDS:-30}"
SEED="${INTEROP_FUZZ_SEED:-1}"
OUT="$REPO_ROOT/interop/reports/fuzz"
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(zcp-stdio zcp-mcp everything-stdio everything-http)

status=0
for t in "${targets[@]}"; do
  mkdir -p "$OUT/$t"
  if ! target_start "$t" "$OUT/$t/server.log"; then
    echo "fuzz: $t: the server did not start" >&2
    status=1
    continue
  fi
  timeout_args=()
  [[ "$t" == everything-* ]] && timeout_args=(--timeout-ms 15000)
  echo "fuzz: $t: zcpspec fuzz --seed $SEED --duration $SECONDS_EACH ${timeout_args[*]} ${TARGET_ARGS[*]}"
  "$ZCPSPEC" fuzz --seed "$SEED" --duration "$SECONDS_EACH" --out "$OUT/$t" "${timeout_args[@]}" \
    "${TARGET_ARGS[@]}" | tee "$OUT/$t/campaign.out"
  code="${PIPESTATUS[0]}"
  target_stop
  if [[ "$code" -ge 2 ]]; then
    echo "fuzz: $t: the campaign failed (exit $code)" >&2
    status=1
  fi
done
exit "$status"
