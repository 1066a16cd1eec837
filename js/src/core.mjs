// Loads the wasm core synchronously from inlined bytes: no top-level await and
// no dynamic import, so the same module works in Node, pages, workers and MV3
// service workers.
import { initSync, step as wasmStep, codes as wasmCodes } from '../../pkg/keymint.js';
import wasmText from '../build/wasm-inline.mjs';

// See encodeWasm in scripts/build.mjs: each character carries one byte in its low 8 bits.
function decode(text) {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

initSync({ module: decode(wasmText) });

/** Runs one core step: a plain object in, a plain object out. */
export function step(input) {
  return JSON.parse(wasmStep(JSON.stringify(input)));
}

/** The canonical codes table: [{code, exitCode, kind}]. */
export function codeTable() {
  return wasmCodes()
    .trim()
    .split('\n')
    .map((line) => {
      const [code, exit, kind] = line.split(' ');
      return { code, exitCode: Number(exit), kind };
    });
}
