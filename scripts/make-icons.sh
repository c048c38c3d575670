#!/usr/bin/env bash
# Renders the PNG icons of the web manifest from the SVG sources with headless Chromium.
# The PNGs are committed; run this only after changing an SVG.
set -euo pipefail
cd "$(dirname "$0")/../public/icons"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
render() { # svg size out
  printf '<html><body style="margin:0"><img src="%s" width="%s" height="%s"></body></html>' \
    "$PWD/$1" "$2" "$2" > "$scratch/page.html"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$scratch/ud" \
    --disable-background-networking --disable-component-update --disable-sync \
    --default-background-color=00000000 \
    --window-size="$2,$2" --screenshot="$PWD/$3" "file://$scratch/page.html" 2>/dev/null
}
render icon.svg 192 icon-192.png
render icon.svg 512 icon-512.png
render maskable.svg 512 maskable-512.png
ls -l ./*.png
