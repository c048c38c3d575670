#!/usr/bin/env bash
# Builds the release bundle into dist/ (trunk, wasm-opt -Os, post-build hook) and the server.
#   scripts/build.sh            app + server (release)
#   scripts/build.sh --next     also dist-next/: the same app with one style change, which the
#                               end-to-end update test deploys as "the next version"
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$VIGIE_ROOT"

trunk build --release
if [ "${1:-}" = "--next" ]; then
  next="$VIGIE_SCRATCH/next"
  mkdir -p "$next"
  # Same crate (cargo has nothing to rebuild), one extra stylesheet: a byte-different build.
  sed -e 's#href="style/main.css"#href="../../style/main.css"#' \
      -e 's#href="public"#href="../../public"#' \
      -e 's#src="boot/#src="../../boot/#' \
      -e 's#rel="rust"#rel="rust" href="../../Cargo.toml"#' \
      -e 's#\(<link data-trunk rel="css"[^>]*>\)#\1<link data-trunk rel="css" href="next.css">#' \
      index.html > "$next/index.html"
  printf 'body { --build-mark: next; }\n' > "$next/next.css"
  trunk build --release --dist "$VIGIE_ROOT/dist-next" "$next/index.html"
fi
