#!/usr/bin/env bash
# Installs what building and testing Vigie needs, idempotently: each step checks first and
# does nothing when the right version is already there. Safe to run on every command.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VIGIE_ROOT"

TRUNK_VERSION=0.21.14
step() { printf '\n[setup] %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else "$@"; fi; }

if ! have cargo; then
  echo "[setup] cargo not found: install Rust with rustup first (https://rustup.rs)" >&2
  exit 1
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! have chromium || ! have chromedriver; then
  step "installing Debian's chromium and chromium-driver"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi

if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
  step "installing trunk $TRUNK_VERSION (about 11 minutes on 2 cores)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must equal the library version Cargo.lock resolved.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$WB_VERSION" ]; then
  echo "[setup] cannot read wasm-bindgen's version from Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WB_VERSION" ]; then
  step "installing wasm-bindgen-cli $WB_VERSION"
  # Not --locked: its lockfile pins a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi
if ! grep -q "^wasm_bindgen = \"$WB_VERSION\"" Trunk.toml; then
  echo "[setup] Trunk.toml pins a wasm_bindgen other than Cargo.lock's $WB_VERSION: update it" >&2
  exit 1
fi

npm_install() { # folder
  if [ ! -d "$1/node_modules" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    step "installing npm packages in $1"
    (cd "$1" && npm ci --no-audit --no-fund --cache "$VIGIE_SCRATCH/npm")
  fi
}
npm_install tools
npm_install e2e
if [ "$(wasm-opt --version 2>/dev/null || true)" != "wasm-opt version 132 (version_132)" ]; then
  echo "[setup] wasm-opt on PATH is not binaryen 132: $(command -v wasm-opt || echo none)" >&2
  exit 1
fi

# A clean run of the test command writes about 3 GB under target/. Say so up front rather
# than let cargo stop half-way with "No space left on device".
free_kb=$(df -Pk "$VIGIE_ROOT" | awk 'NR == 2 { print $4 }')
if [ -n "$free_kb" ] && [ "$free_kb" -lt $((4 * 1024 * 1024)) ]; then
  echo "[setup] warning: $((free_kb / 1024)) MB free where Vigie builds; a clean build and test run needs about 4 GB" >&2
fi

# trunk builds offline (Trunk.toml), so every crate must be fetched beforehand.
cargo fetch --quiet
echo "[setup] ready: $(trunk --version), $(wasm-bindgen --version), wasm-opt 132, $(chromium --version 2>/dev/null | head -n1)"
