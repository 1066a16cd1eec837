#!/usr/bin/env bash
# Core → wasm32 (release profile tuned for size) → wasm-bindgen --target web → wasm-opt -Oz,
# twice: pkg/ is the full build (every flow: the `keymint/sessions` and `keymint/node` entries),
# pkg-otp/ the email-code engine only (no `sessions` feature: the default `keymint` entry).
# Each linked wasm is also kept, names and all, as target/wasm/keymint-{full,otp}.wasm (for
# twiggy: benches/size.mjs). Writes each pkg dir by rename so a concurrent reader never sees it
# half-built.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/cargo/bin:$PATH"
mkdir -p target/wasm
tmps=()
trap 'rm -rf "${tmps[@]}"' EXIT

# build <features> <name> <out dir>
build() {
  cargo build -q --release --target wasm32-unknown-unknown --no-default-features --features "$1"
  cp target/wasm32-unknown-unknown/release/keymint.wasm "target/wasm/keymint-$2.wasm"
  local tmp old
  tmp=$(mktemp -d "$PWD/.pkg.XXXXXX")
  tmps+=("$tmp")
  wasm-bindgen --target web --out-dir "$tmp" "target/wasm/keymint-$2.wasm" --out-name keymint
  # Tuned for gzipped size (zlib level 9, as make build prints), each measured at 0230931 against
  # plain `-Oz --converge` (46,926 B email codes / 68,904 B full):
  #  - --flatten --rereloop, then -Oz twice: control flow rebuilt by the relooper, -196 / -389 B;
  #  - -ocimfs 15: a function with one caller is inlined into it only up to 15 size units
  #    (binaryen's default is no limit, which merged most of the core into one 20 KB body), and
  #    -aimfs 3 (default 2): -1,215 / -2,042 B with both. Raw bytes barely move; gzip finds more
  #    repeats across separate function bodies than inside one merged body.
  # The time per step moved within noise (+1-3 % over 5-6 alternating runs), the build ~7 s.
  js/node_modules/.bin/wasm-opt --flatten --rereloop -Oz -Oz -ocimfs 15 -aimfs 3 --converge --strip-producers --strip-target-features "$tmp/keymint_bg.wasm" -o "$tmp/keymint_bg.wasm"
  if [ -d "$3" ] && cmp -s "$tmp/keymint_bg.wasm" "$3/keymint_bg.wasm" && cmp -s "$tmp/keymint.js" "$3/keymint.js"; then return 0; fi
  old=$(mktemp -d "$PWD/.pkg-old.XXXXXX"); rmdir "$old"
  [ -d "$3" ] && mv "$3" "$old"
  mv "$tmp" "$3"
  rm -rf "$old"
}

build tiny,sessions full pkg
build tiny otp pkg-otp
