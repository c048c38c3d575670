#!/usr/bin/env bash
# The run command: sets up, builds the release bundle and the server, and serves the app on
# http://127.0.0.1:8080 (override with VIGIE_BIND). Stop with Ctrl-C.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VIGIE_ROOT"

bash scripts/setup.sh
bash scripts/build.sh
cargo build --release -p vigie-server
echo
echo "Vigie: open http://${VIGIE_BIND:-127.0.0.1:8080}/ in Chromium (installable, works offline after the first visit)."
exec target/release/vigie-server --dist dist
