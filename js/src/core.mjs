// Loads the wasm core synchronously: no top-level await and no dynamic import,
// so the same module works in Node, pages, workers and MV3 service workers.
// Importing only parses the module text; the wasm is loaded, compiled and
// instantiated on the first call into the core.
//
// This is the default entry's core: pkg-otp/, the email-code engine only (built without the
// `sessions` feature). The session family (keymint/sessions) runs the full build, pkg/, through
// the same `loadCore` (src/sessions/core.mjs); a session-family op sent here answers
// INVALID_STEP naming keymint/sessions.
import { initSync, step as wasmStep, codes as wasmCodes, mask as wasmMask, knownPrefix as wasmKnownPrefix, presetSpec as wasmPresetSpec } from '../../pkg-otp/keymint.js';
// The bytes, decoded from the string the build inlines (see scripts/build.mjs).
import { wasmBytes } from '../build/wasm-inline.mjs';

/** @type {((input: any) => any) | null} */
let fake = null;

/**
 * The one seam between the JS package and its cores: every flow, session and driver step goes
 * through a `step` made by `loadCore`, so a test can run them against a fake core (input
 * object → output object), whichever build they would reach. `null` puts the wasm cores back.
 * @param {((input: any) => any) | null} core
 */
export function setCore(core) {
  fake = core;
}

/**
 * A core's `step` over one wasm build: its wasm-bindgen glue's `initSync` and `step`, and the
 * bytes of its wasm. The module is instantiated on the first call (`ready` runs it earlier).
 * @param {(m: {module: BufferSource}) => unknown} init @param {(input: string) => string} wasmStepFn
 * @param {() => Uint8Array} bytes
 */
export function loadCore(init, wasmStepFn, bytes) {
  let loaded = false;
  const ready = () => {
    if (!loaded) {
      init({ module: bytes() });
      loaded = true;
    }
  };
  /**
   * Runs one core step: a plain object in, a plain object out. The shapes are the core's wire
   * contract, generated from src/protocol/schema.rs (types/protocol.d.ts).
   * @param {import('../types/protocol').StepInput} input
   * @returns {import('../types/protocol').StepOutput}
   */
  const run = (input) => {
    if (fake) return fake(input);
    ready();
    return JSON.parse(wasmStepFn(JSON.stringify(input)));
  };
  return { step: run, ready };
}

const core = loadCore(initSync, wasmStep, wasmBytes);
const init = core.ready;

/** One step of the default entry's core (email codes): see `loadCore`. */
export const step = core.step;

/** A raw key or token masked for display, by the core's masker (src/secret.rs). */
export function mask(raw) {
  init();
  return wasmMask(raw);
}

/** The presets' key prefix `raw` starts with (`cko_`, `cdt_live_`, …), or ''. */
export function knownPrefix(raw) {
  init();
  return wasmKnownPrefix(raw);
}

/** The canonical codes table: [{code, exitCode, kind}]. */
export function codeTable() {
  init();
  return wasmCodes()
    .trim()
    .split('\n')
    .map((line) => {
      const [code, exit, kind] = line.split(' ');
      return { code, exitCode: Number(exit), kind };
    });
}

/**
 * A built-in preset's provider spec (the language of docs/custom-provider.md), or null for a
 * name that is not a preset: its flows, credential and routes are facts read from the core.
 * @param {string} name @returns {Record<string, any>|null}
 */
export function presetSpec(name) {
  const key = String(name);
  if (!presets.has(key)) {
    init();
    const text = wasmPresetSpec(key);
    presets.set(key, text === '' ? null : deepFreeze(JSON.parse(text)));
  }
  return /** @type {Record<string, any>|null} */ (presets.get(key));
}

/** Presets never change: each is read from the core once, and shared frozen. */
const presets = new Map();
/** @param {any} v */
function deepFreeze(v) {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
