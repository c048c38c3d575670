#!/usr/bin/env bash
# The test command: sets up, checks formatting and lints, then runs the three tiers —
# host unit/integration tests, wasm-bindgen tests in headless Chromium, end-to-end tests in
# headless Chromium against the release build served by the real server.
# Ends with one line: "N passed, N failed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VIGIE_ROOT"

bash scripts/setup.sh
log="$VIGIE_SCRATCH/test.log"
: > "$log"
banner() { printf '\n===== %s =====\n' "$*"; }
run() { "$@" 2>&1 | tee -a "$log"; }

banner "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy -p vigie --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings

banner "tier 1: host tests"
run cargo test --workspace

banner "tier 2: browser adapter tests (wasm-bindgen-test, headless Chromium)"
run cargo test -p vigie --target wasm32-unknown-unknown

banner "tier 3: end-to-end (release build, real server, headless Chromium)"
bash scripts/build.sh --next
cargo build -p vigie-server --quiet
(cd e2e && run node --test --test-concurrency=1 --test-timeout=120000 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$VIGIE_SCRATCH/e2e.tap" ./*.test.mjs)

# One summary over all tiers (cargo's per-binary lines, node's TAP totals).
read -r passed failed < <(
  { grep -E '^test result:' "$log" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/'
    p=$(grep -E '^# pass ' "$VIGIE_SCRATCH/e2e.tap" | awk '{print $3}'); f=$(grep -E '^# fail ' "$VIGIE_SCRATCH/e2e.tap" | awk '{print $3}')
    echo "${p:-0} ${f:-0}"; } | awk '{p+=$1; f+=$2} END {print p, f}')
echo
echo "${passed} passed, ${failed} failed"
[ "$failed" = 0 ]
