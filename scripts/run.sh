#!/usr/bin/env bash
# The run command: sets up, builds the release bundle and the server, and starts the
# embedded receiver on http://127.0.0.1:8080 (override with VIGIE_BIND), serving the app and
# receiving its submissions into data/vigie.sqlite3. Stop with Ctrl-C.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VIGIE_ROOT"

bash scripts/setup.sh
bash scripts/build.sh
cargo build --release -p vigie-server
# A device token for the local app; kept between runs so configured phones keep working.
mkdir -p data
[ -s data/demo-token ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > data/demo-token
export VIGIE_TOKEN="${VIGIE_TOKEN:-$(cat data/demo-token)}"
echo
echo "Vigie: open the setup link printed below in Chromium once; the app then sends its reports here."
exec target/release/vigie-server --dist dist --data-dir data
