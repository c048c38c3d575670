#!/usr/bin/env bash
# The test command: sets up, checks formatting and lints, then runs the three tiers —
# host unit/integration tests, wasm-bindgen tests in headless Chromium, end-to-end tests in
# headless Chromium against the release build served by the real server.
# Ends with one line: "N passed, N failed".
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VIGIE_ROOT"

# A CI run builds once from clean: incremental caches only cost time and disk there.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
bash scripts/setup.sh || { echo "setup failed"; echo; echo "0 passed, 1 failed"; exit 1; }
log="$VIGIE_SCRATCH/test.log"
: > "$log"
: > "$VIGIE_SCRATCH/e2e.tap"
: > "$VIGIE_SCRATCH/worker.tap"
banner() { printf '\n===== %s =====\n' "$*"; }
# Every step runs even when an earlier one failed, so a red run says how red. A step that
# is not a test runner (a lint, a build) counts as one failed test when it fails.
broken=0
check() { # name, command…
  local name=$1; shift
  if ! "$@" 2>&1 | tee -a "$log"; then
    echo "[test] FAILED: $name"
    broken=$((broken + 1))
    return 1
  fi
}

# A test runner: its failures are counted from its own summary; only a run that failed
# without reporting any failed test (it did not compile, it crashed) counts as one.
tier() { # name, TAP file the runner writes ("" for cargo), command…
  local name=$1 tap=$2; shift 2
  local out="$VIGIE_SCRATCH/tier.out"
  if ! "$@" 2>&1 | tee "$out" | tee -a "$log"; then
    echo "[test] FAILED: $name"
    if ! grep -qE '(test result: FAILED|^# fail [1-9])' "$out" ${tap:+"$tap"} 2>/dev/null; then
      broken=$((broken + 1))
    fi
  fi
}

# The browsers the tests start (chromedriver's, Playwright's) keep a profile in the temporary
# folder, and one that is killed or not closed leaves it there: 13-100 MB each, every run.
# They get a folder of ours, removed at the end. Its path stays short: Chromium puts a Unix
# socket in it, and a socket's path may not exceed 107 bytes.
browser_tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigie-test.XXXXXX")
trap 'rm -rf "$browser_tmp"' EXIT

banner "format and lints"
check "cargo fmt" cargo fmt --all -- --check
check "clippy (host)" cargo clippy --workspace --all-targets --quiet -- -D warnings
check "clippy (wasm32)" cargo clippy -p vigie --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
# No import cycle between modules, no view file over 400 lines (docs/ARCHITECTURE.md).
check "module layout" node scripts/check-layout.mjs
# The core is pure by construction: nothing of the browser or of Leptos may reach it.
impure=$(cargo tree -p vigie-core -e normal --prefix none | grep -E '^(leptos|web-sys|js-sys|wasm-bindgen|gloo)' || true)
if [ -n "$impure" ]; then
  echo "[test] FAILED: vigie-core depends on browser or UI crates: $impure"
  broken=$((broken + 1))
fi

banner "tier 1: host tests"
tier "host tests" "" cargo test --workspace

# The service worker's flush against the vectors the core just checked (no build needed).
tier "worker rules" "$VIGIE_SCRATCH/worker.tap" node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$VIGIE_SCRATCH/worker.tap" js-tests/

banner "tier 2: browser adapter tests (wasm-bindgen-test, headless Chromium)"
tier "browser tests" "" env TMPDIR="$browser_tmp" cargo test -p vigie --target wasm32-unknown-unknown

banner "tier 3: end-to-end (release build, real server, headless Chromium)"
if check "release build" bash scripts/build.sh --next && check "server build" cargo build -p vigie-server --quiet; then
  cd e2e
  tier "end-to-end" "$VIGIE_SCRATCH/e2e.tap" env TMPDIR="$browser_tmp" node --test --test-concurrency=1 --test-timeout=120000 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$VIGIE_SCRATCH/e2e.tap" ./*.test.mjs
  cd "$VIGIE_ROOT"
fi

# One summary over all tiers (cargo's per-binary lines, node's TAP totals, failed steps).
read -r passed failed < <(
  { grep -E '^test result:' "$log" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/'
    for tap in "$VIGIE_SCRATCH/worker.tap" "$VIGIE_SCRATCH/e2e.tap"; do
      p=$(grep -E '^# pass ' "$tap" | awk '{print $3}'); f=$(grep -E '^# fail ' "$tap" | awk '{print $3}')
      echo "${p:-0} ${f:-0}"
    done
    echo "0 $broken"; } | awk '{p+=$1; f+=$2} END {print p, f}')
echo
echo "${passed} passed, ${failed} failed"
[ "$failed" = 0 ]
