#!/usr/bin/env bash
# Benchmarks (figures, not tests): builds the release bundle and prints its size per file,
# failing loudly when the compressed first load exceeds the budget; then the time to flush
# 100 queued records from the app, the first and later load times on emulated EDGE and 3G,
# the app's memory (wasm and JS heap), the field-performance table (saves with 0/1,000/5,000
# waiting, lists and memory with 5,000, a flush over a 300 ms round trip, an offline start,
# all at 4x CPU throttling), Lighthouse's mobile performance audit of Home and the incident
# form, and a load test of
# the receiver (records/s, p95 latency, peak memory).
#   scripts/bench.sh            budget 538000 B brotli (see README: how it was set)
#   VIGIE_BUDGET=340000 scripts/bench.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VIGIE_ROOT"
bash scripts/setup.sh >/dev/null
bash scripts/build.sh >/dev/null 2>&1 || bash scripts/build.sh
echo "== bundle size (release build in dist/)"
size_status=0
node scripts/bench-size.mjs dist "${VIGIE_BUDGET:-560000}" || size_status=$?
echo
echo "== size floor: the same stack and build settings with no features (bench/floor)"
floor_out="$VIGIE_ROOT/target/floor/bindgen"
# Without erase_components (.cargo/config.toml): on an app this small it adds ~6 KB, and the
# floor should be the smallest this stack gets.
(cd bench/floor && RUSTFLAGS="" cargo build --release --target wasm32-unknown-unknown --quiet \
  --target-dir "$VIGIE_ROOT/target/floor")
rm -rf "$floor_out"
wasm-bindgen --target web --out-dir "$floor_out" \
  "$VIGIE_ROOT/target/floor/wasm32-unknown-unknown/release/vigie-size-floor.wasm"
# The flags that give the same bytes as trunk's own wasm-opt step on Vigie.
wasm-opt -Os --strip-producers --strip-target-features --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$floor_out/vigie-size-floor_bg.wasm" -o "$floor_out/vigie-size-floor_bg.wasm"
node scripts/bench-floor.mjs "$floor_out" dist
echo
echo "== flush of queued records to the embedded receiver (headless Chromium, loopback)"
cargo build --release -p vigie-server --quiet
export VIGIE_SERVER_BIN="$VIGIE_ROOT/target/release/vigie-server"
node bench/flush.mjs 100 3
echo
echo "== waiting time on a slow network (headless Chromium, DevTools network emulation)"
node bench/firstload.mjs 3
echo
echo "== memory of the app (headless Chromium, 360x640)"
node bench/memory.mjs 500 3
echo
echo "== field performance: saves, lists, slow-link flush, offline start (4x CPU, 360x640)"
node bench/field.mjs 3
echo
echo "== Lighthouse mobile performance, first and repeat visit (its simulated slow 4G, 4x CPU)"
(cd bench/lighthouse && npm ci --silent --no-audit --no-fund >/dev/null && node run.mjs 3)
echo
echo "== height of each form screen at 360x640 (CSS px; goal: about two phone screens)"
node bench/screens.mjs
echo
echo "== start with 500 queued records, sealed with their own keys and in clear"
node bench/sealed-start.mjs 500
echo
echo "== PIN: an offline attacker's cost per guess (one core, node's PBKDF2)"
node bench/pin.mjs
echo
echo "== load on the embedded receiver: 20 devices x 100 records, retries and replays (loopback)"
load_status=0
node bench/load.mjs 20 100 || load_status=$?
# The size budget and the row count are checked last so every figure is still printed.
[ "$load_status" = 0 ] || exit "$load_status"
exit "$size_status"
