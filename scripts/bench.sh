#!/usr/bin/env bash
# Benchmarks (figures, not tests): builds the release bundle and prints its size per file,
# failing loudly when the compressed first load exceeds the budget.
#   scripts/bench.sh            budget 150 KiB brotli
#   VIGIE_BUDGET=160000 scripts/bench.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VIGIE_ROOT"
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null 2>&1 || bash scripts/build.sh
echo "== bundle size (release build in dist/)"
node scripts/bench-size.mjs dist "${VIGIE_BUDGET:-153600}"
