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
size_status=0
node scripts/bench-size.mjs dist "${VIGIE_BUDGET:-153600}" || size_status=$?
echo
echo "== flush of queued records to the embedded receiver (headless Chromium, loopback)"
cargo build -p vigie-server --quiet
(cd e2e && node bench-flush.mjs 100 3)
# The size budget is checked last so the other figures are still printed.
exit "$size_status"
