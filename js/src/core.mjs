// Loads the wasm core synchronously from inlined bytes: no top-level await and
// no dynamic import, so the same module works in Node, pages, workers and MV3
// service workers.
import { initSync, step as wasmStep, codes as wasmCodes } from '../../pkg/keymint.js';
import wasmBase64 from '../build/wasm-inline.mjs';

function decode(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

initSync({ module: decode(wasmBase64) });

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
