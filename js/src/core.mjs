// Loads the wasm core synchronously from inlined bytes: no top-level await and
// no dynamic import, so the same module works in Node, pages, workers and MV3
// service workers. Importing only parses the module text; the wasm is decoded,
// compiled and instantiated on the first call into the core.
import { initSync, step as wasmStep, codes as wasmCodes } from '../../pkg/keymint.js';
import wasmText from '../build/wasm-inline.mjs';

// See encodeWasm in scripts/build.mjs: each character carries one byte in its low 8 bits.
function decode(text) {
  // Node's latin1 encoder keeps exactly the low 8 bits of each UTF-16 unit, natively.
  const B = globalThis.Buffer;
  if (typeof B === 'function' && typeof B.from === 'function') {
    const buf = B.from(text, 'latin1');
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }
  const n = text.length;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = text.charCodeAt(i);
  return bytes; // a Uint8Array store keeps the low 8 bits
}

let ready = false;
function init() {
  initSync({ module: decode(wasmText) });
  ready = true;
}

/** Runs one core step: a plain object in, a plain object out. */
export function step(input) {
  if (!ready) init();
  return JSON.parse(wasmStep(JSON.stringify(input)));
}

/** The canonical codes table: [{code, exitCode, kind}]. */
export function codeTable() {
  if (!ready) init();
  return wasmCodes()
    .trim()
    .split('\n')
    .map((line) => {
      const [code, exit, kind] = line.split(' ');
      return { code, exitCode: Number(exit), kind };
    });
}
