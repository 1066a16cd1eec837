#!/usr/bin/env bash
# Core → wasm32 (release profile tuned for size) → wasm-bindgen --target web → wasm-opt -Oz.
# Writes pkg/ by rename so a concurrent reader never sees it half-built.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/cargo/bin:$PATH"
cargo build -q --release --target wasm32-unknown-unknown --no-default-features --features tiny
tmp=$(mktemp -d "$PWD/.pkg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --out-dir "$tmp" target/wasm32-unknown-unknown/release/keymint.wasm
js/node_modules/.bin/wasm-opt -Oz --converge --strip-producers "$tmp/keymint_bg.wasm" -o "$tmp/keymint_bg.wasm"
if [ -d pkg ] && cmp -s "$tmp/keymint_bg.wasm" pkg/keymint_bg.wasm && cmp -s "$tmp/keymint.js" pkg/keymint.js; then exit 0; fi
old=$(mktemp -d "$PWD/.pkg-old.XXXXXX"); rmdir "$old"
[ -d pkg ] && mv pkg "$old"
mv "$tmp" pkg
rm -rf "$old"
