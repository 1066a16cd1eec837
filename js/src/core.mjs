// Loads the wasm core synchronously: no top-level await and no dynamic import,
// so the same module works in Node, pages, workers and MV3 service workers.
// Importing only parses the module text; the wasm is loaded, compiled and
// instantiated on the first call into the core.
import { initSync, step as wasmStep, codes as wasmCodes } from '../../pkg/keymint.js';
// The bytes, decoded from the string the build inlines (see scripts/build.mjs).
import { wasmBytes } from '../build/wasm-inline.mjs';

let ready = false;
function init() {
  initSync({ module: wasmBytes() });
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
