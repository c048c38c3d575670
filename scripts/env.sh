# Sourced by the project's scripts: puts the pinned tools first on PATH.
# tools/node_modules/.bin holds wasm-opt 132; it must win over any Debian binaryen.
VIGIE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export VIGIE_ROOT
export PATH="$VIGIE_ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Browsers and npm write caches here rather than in the home folder.
export VIGIE_SCRATCH="$VIGIE_ROOT/.scratch"
mkdir -p "$VIGIE_SCRATCH"
