#!/usr/bin/env bash
# Installs the third-party MCP/ZCP servers that zcpspec's interoperability runs talk to.
#
#   bash interop/setup.sh
#
# Everything goes under $INTEROP_HOME (default: this folder), which .gitignore covers:
#   $INTEROP_HOME/.venv   a Python virtual environment with the pinned PyPI packages
#   $INTEROP_HOME/node    an npm prefix with the pinned npm package
# and builds interop/rmcp-server (a workspace member on the pinned crates.io `rmcp`) into
# cargo's target directory.
# Idempotent: a part whose pinned versions are already installed is skipped, and cargo does
# nothing when the server is built. Quiet: prints one line per part. Bounded: every install
# and build is wrapped in `timeout`.
set -euo pipefail

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INTEROP_HOME="${INTEROP_HOME:-$INTEROP_DIR}"

# Pinned versions, verified to install and run here (Python 3.11, Node 20).
PY_PACKAGES=(
  "zero-context-protocol-sdk==0.2.0" # the ZCP Python SDK (import zcp)
  "uvicorn==0.54.0"                  # the ZCP SDK ships an ASGI app, no HTTP server
  "websockets==17.4"                 # uvicorn's WebSocket support, for ZCP's /ws
  "mcp==2.3.0"                       # the MCP Python SDK (MCPServer, formerly FastMCP)
)
NPM_PACKAGE="@modelcontextprotocol/server-everything"
NPM_VERSION="2026.8.31"
INSTALL_TIMEOUT="${INTEROP_INSTALL_TIMEOUT:-600}"
REPO_ROOT="$(cd "$INTEROP_DIR/.." && pwd)"

VENV="$INTEROP_HOME/.venv"
PY="$VENV/bin/python"
NODE_PREFIX="$INTEROP_HOME/node"

python_ready() {
  [[ -x "$PY" ]] || return 1
  "$PY" - "${PY_PACKAGES[@]}" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
for spec in sys.argv[1:]:
    name, want = spec.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
EOF
}

setup_python() {
  if python_ready; then
    echo "setup: python packages ready in $VENV"
    return
  fi
  mkdir -p "$INTEROP_HOME"
  if [[ ! -x "$PY" ]]; then
    timeout 120 python3 -m venv "$VENV"
  fi
  # constraints.txt pins the transitive dependencies as they were verified.
  timeout "$INSTALL_TIMEOUT" "$PY" -m pip install --quiet --disable-pip-version-check \
    --no-input -c "$INTEROP_DIR/constraints.txt" "${PY_PACKAGES[@]}"
  python_ready || { echo "setup: python packages did not install as pinned" >&2; exit 1; }
  echo "setup: installed ${PY_PACKAGES[*]} into $VENV"
}

npm_ready() {
  local pkg="$NODE_PREFIX/node_modules/$NPM_PACKAGE/package.json"
  [[ -f "$pkg" ]] || return 1
  node -e 'const p=require(process.argv[1]); process.exit(p.version===process.argv[2]?0:1)' "$pkg" "$NPM_VERSION"
}

setup_npm() {
  if npm_ready; then
    echo "setup: $NPM_PACKAGE@$NPM_VERSION ready in $NODE_PREFIX"
    return
  fi
  mkdir -p "$NODE_PREFIX"
  timeout "$INSTALL_TIMEOUT" npm install --prefix "$NODE_PREFIX" --save-exact \
    --no-audit --no-fund --loglevel=error "$NPM_PACKAGE@$NPM_VERSION" >/dev/null
  npm_ready || { echo "setup: $NPM_PACKAGE did not install as pinned" >&2; exit 1; }
  echo "setup: installed $NPM_PACKAGE@$NPM_VERSION into $NODE_PREFIX"
}

# The rmcp server is built through its integration test with the whole workspace selected:
# cargo then resolves dependency features as a workspace `cargo test` does and finds them
# built (CI runs `cargo test` first). `cargo build -p zcpspec-interop-rmcp` would resolve
# features for this one package and compile most of its dependencies again.
setup_rmcp() {
  local out
  if ! out="$(cd "$REPO_ROOT" && timeout "$INSTALL_TIMEOUT" \
    cargo test --quiet --no-run --workspace --test rmcp_server 2>&1)"; then
    printf '%s\n' "$out" >&2
    echo "setup: building interop/rmcp-server failed" >&2
    exit 1
  fi
  echo "setup: interop/rmcp-server built (cargo, rmcp pinned in interop/rmcp-server/Cargo.toml)"
}

setup_python
setup_npm
setup_rmcp
