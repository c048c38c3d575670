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
# A demo device token for the local app and a coordinator token for /coord/, kept between
# runs so a configured phone keeps working. Real deployments use `vigie-server token add`.
mkdir -p data
[ -s data/demo-token ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > data/demo-token
[ -s data/coordinator-token ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > data/coordinator-token
chmod 600 data/demo-token data/coordinator-token
export VIGIE_TOKEN="${VIGIE_TOKEN:-$(cat data/demo-token)}"
export VIGIE_COORDINATOR_TOKEN="${VIGIE_COORDINATOR_TOKEN:-$(cat data/coordinator-token)}"
echo
echo "Vigie: open the setup link printed below in Chromium once; the app then sends its reports here."
echo "Coordinator pages: sign in with any user name and the password in data/coordinator-token."
exec target/release/vigie-server --dist dist --data-dir data
