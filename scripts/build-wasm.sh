#!/usr/bin/env bash
# Core → wasm32 (release profile tuned for size) → wasm-opt (scripts/wasm-opt.flags), twice:
# pkg/ is the full build (every flow: the `keymint/sessions` and `keymint/node` entries),
# pkg-otp/ the email-code engine only (no `sessions` feature: the default `keymint` entry).
# No bindings generator: the exports are plain functions over the instance's memory
# (src/wasm/mod.rs), spoken by one JS module (js/src/wasm-abi.mjs).
# Each linked wasm is also kept, names and all, as target/wasm/keymint-{full,otp}.wasm (for
# twiggy: benches/size.mjs). Writes each pkg dir by rename so a concurrent reader never sees it
# half-built.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/cargo/bin:$PATH"
mkdir -p target/wasm
read -ra WASM_OPT_FLAGS <<<"$(grep -v '^#' scripts/wasm-opt.flags | tr '\n' ' ')"
tmps=()
trap 'rm -rf "${tmps[@]}"' EXIT

# build <features> <name> <out dir>
build() {
  cargo build -q --release --target wasm32-unknown-unknown --no-default-features --features "$1"
  cp target/wasm32-unknown-unknown/release/keymint.wasm "target/wasm/keymint-$2.wasm"
  local tmp old
  tmp=$(mktemp -d "$PWD/.pkg.XXXXXX")
  tmps+=("$tmp")
  # The flags and why: scripts/wasm-opt.flags (benches/size.mjs reads them too).
  js/node_modules/.bin/wasm-opt "${WASM_OPT_FLAGS[@]}" "target/wasm/keymint-$2.wasm" -o "$tmp/keymint.wasm"
  if [ -d "$3" ] && cmp -s "$tmp/keymint.wasm" "$3/keymint.wasm"; then return 0; fi
  old=$(mktemp -d "$PWD/.pkg-old.XXXXXX"); rmdir "$old"
  [ -d "$3" ] && mv "$3" "$old"
  mv "$tmp" "$3"
  rm -rf "$old"
}

build tiny,sessions full pkg
build tiny otp pkg-otp
