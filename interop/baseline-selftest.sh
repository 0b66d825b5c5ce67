#!/usr/bin/env bash
# Shows that the interop baselines gate: against one target (default mcp-python-stdio), its
# committed baseline passes; the baseline with its first entry removed fails (the failure it
# covered is new again); the baseline with an entry added for a check that passes there fails
# (the entry is stale). Uses copies; the committed baselines are never touched. With
# SELFTEST_PASSED=1 the first run is left out: the caller has just seen the target pass against
# its committed baseline (CI runs run.sh first).
#
#   bash interop/baseline-selftest.sh [TARGET]
set -uo pipefail
INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGET="${1:-mcp-python-stdio}"
WORK="$(mktemp -d)"
trap 'rm -rf -- "$WORK"' EXIT

# Runs the target against the baselines in folder $1; prints its row of run.sh's table and
# returns zcpspec's exit code for it (0 pass, 1 a new failure or a stale entry, 2 and up: the
# run itself went wrong).
gate() {
  INTEROP_BASELINES="$1" INTEROP_REPORTS="$WORK/reports" bash "$INTEROP_DIR/run.sh" "$TARGET" \
    >"$WORK/run.out" 2>&1
  local row
  row="$(grep "^$TARGET " "$WORK/run.out")"
  echo "$row"
  return "$(awk '{print $2}' <<<"$row" | grep -E '^[0-9]+$' || echo 99)"
}

status=0
if [[ "${SELFTEST_PASSED:-}" != 1 ]]; then
  gate "$INTEROP_DIR/baselines"
  if [[ $? == 0 ]]; then
    echo "selftest: $TARGET passes against its baseline"
  else
    echo "selftest: $TARGET fails against its committed baseline" >&2
    status=1
  fi
fi

mkdir -p "$WORK/removed" "$WORK/stale"
python3 - "$INTEROP_DIR/baselines/$TARGET.yaml" "$WORK/removed/$TARGET.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
head, *entries = text.split("\n- ")
assert entries, "the baseline has no entry to remove"
open(sys.argv[2], "w").write("\n- ".join([head] + entries[1:]) + ("" if len(entries) > 1 else "\n"))
PY
gate "$WORK/removed"
if [[ $? == 1 ]]; then
  echo "selftest: with an entry removed, $TARGET fails, as it should"
else
  echo "selftest: with an entry removed, $TARGET does not fail as it should (exit 1)" >&2
  status=1
fi

{
  cat "$INTEROP_DIR/baselines/$TARGET.yaml"
  printf -- '- check: lifecycle/ping\n  scenario: lifecycle/ping\n  reason: a stale entry, added by the selftest\n'
} >"$WORK/stale/$TARGET.yaml"
gate "$WORK/stale"
if [[ $? == 1 ]] && grep -q "stale baseline entries" "$WORK/reports/$TARGET.out"; then
  echo "selftest: with a stale entry, $TARGET fails, as it should"
else
  echo "selftest: with a stale entry, $TARGET does not fail as stale" >&2
  status=1
fi
exit "$status"
