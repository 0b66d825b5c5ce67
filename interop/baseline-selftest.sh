#!/usr/bin/env bash
# Shows that the interop baselines gate: against one target (default mcp-python-stdio), its
# committed baseline passes; the baseline with its first entry removed fails (the failure it
# covered is new again); the baseline with an entry added for a check that passes there fails
# (the entry is stale). Uses copies; the committed baselines are never touched.
#
#   bash interop/baseline-selftest.sh [TARGET]
set -uo pipefail
INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGET="${1:-mcp-python-stdio}"
WORK="$(mktemp -d)"
trap 'rm -rf -- "$WORK"' EXIT

# Runs the target against the baselines in folder $1; prints and returns run.sh's status.
gate() {
  INTEROP_BASELINES="$1" INTEROP_REPORTS="$WORK/reports" bash "$INTEROP_DIR/run.sh" "$TARGET" \
    >"$WORK/run.out" 2>&1
  local rc=$?
  tail -n 3 "$WORK/run.out" | head -n 1
  return "$rc"
}

status=0
if gate "$INTEROP_DIR/baselines"; then
  echo "selftest: $TARGET passes against its baseline"
else
  echo "selftest: $TARGET fails against its committed baseline" >&2
  status=1
fi

mkdir -p "$WORK/removed" "$WORK/stale"
python3 - "$INTEROP_DIR/baselines/$TARGET.yaml" "$WORK/removed/$TARGET.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
head, *entries = text.split("\n- ")
assert entries, "the baseline has no entry to remove"
open(sys.argv[2], "w").write("\n- ".join([head] + entries[1:]) + ("" if len(entries) > 1 else "\n"))
PY
if gate "$WORK/removed"; then
  echo "selftest: with an entry removed, $TARGET still passes" >&2
  status=1
else
  echo "selftest: with an entry removed, $TARGET fails, as it should"
fi

{
  cat "$INTEROP_DIR/baselines/$TARGET.yaml"
  printf -- '- check: lifecycle/ping\n  scenario: lifecycle/ping\n  reason: a stale entry, added by the selftest\n'
} >"$WORK/stale/$TARGET.yaml"
if gate "$WORK/stale"; then
  echo "selftest: with a stale entry, $TARGET still passes" >&2
  status=1
else
  echo "selftest: with a stale entry, $TARGET fails, as it should"
fi
exit "$status"
