#!/usr/bin/env bash
# Core → wasm32 (release profile tuned for size) → wasm-bindgen --target web → wasm-opt -Oz.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/cargo/bin:$PATH"
cargo build -q --release --target wasm32-unknown-unknown
rm -rf pkg
wasm-bindgen --target web --out-dir pkg target/wasm32-unknown-unknown/release/keymint.wasm
js/node_modules/.bin/wasm-opt -Oz --converge --strip-producers pkg/keymint_bg.wasm -o pkg/keymint_bg.wasm
