// @ts-check
// The wasm-free half of a core. An entry that carries a wasm build (the default entry's
// src/core.mjs: pkg-otp/, email codes only; keymint/sessions' src/sessions/core.mjs: pkg/, the
// full build) hands its bytes to `loadCore` and registers the result with
// `provideCore`; every runtime module (the driver, flows, errors, Secret, masking) takes the
// core it uses from there instead of importing a wasm. So the runtime ships as one built file
// (dist/runtime.mjs) that both entries import, and an app compiles only the wasm of the entry
// it imports.
//
// Importing only parses the module text; a core's wasm is compiled and instantiated
// synchronously on its first call (no top-level await, no dynamic import), so the same code
// runs in Node, pages, workers and MV3 service workers.
import { bindWasm } from './wasm-abi.mjs';

/**
 * One core step: the generated wire input (types/protocol.d.ts, checked where a caller builds
 * it), a plain object out whose action the caller narrows by its `type`. `saved` is the same
 * step for a flow that keeps its saved document as the text the core wrote: the input without
 * `state`, and that text, which goes in and comes back out unparsed (a flow's hot path: the
 * document is neither parsed nor written again in JS between steps).
 * @typedef {((input: import('../types/protocol.js').StepInput) => any) &
 *   {saved?: (input: Record<string, unknown>, stateText: string | undefined) => SavedOut}} CoreStep
 */

/** @typedef {{action: any, stateText?: string}} SavedOut */

/**
 * `core.saved`, or the same over a step that takes and gives objects (a fake core; a step
 * without `saved`): the document parsed into the input and written back to text.
 * @param {CoreStep} core @returns {NonNullable<CoreStep['saved']>}
 */
export function savedStep(core) {
  return (
    core.saved ??
    ((input, stateText) => {
      const out = core(/** @type {any} */ (stateText === undefined ? input : { ...input, state: JSON.parse(stateText) }));
      return out.state === undefined ? { action: out.action } : { action: out.action, stateText: JSON.stringify(out.state) };
    })
  );
}



/** @type {CoreStep | null} */
let fake = null;

/**
 * The one seam between the JS package and its cores: every flow, session and driver step goes
 * through the `step` of a core made by `loadCore`, so a test can run them against a fake core
 * (input object → output object), whichever build they would reach. `null` puts the wasm cores
 * back. Masking and the codes table stay the real core's.
 * @param {CoreStep | null} core
 */
export function setCore(core) {
  fake = core;
}

/**
 * @typedef {object} Core
 * @property {CoreStep} step one core step: a plain object in, a plain object out
 *   (the wire contract of src/protocol/schema.rs, types/protocol.d.ts)
 * @property {() => void} ready compiles and instantiates the wasm now
 * @property {boolean} loaded whether the wasm is instantiated
 * @property {(raw: string) => string} mask a raw key or token masked for display (src/secret.rs)
 * @property {(raw: string) => string} knownPrefix the presets' key prefix `raw` starts with, or ''
 * @property {() => {code: string, exitCode: number, kind: string}[]} codeTable the canonical codes
 * @property {(name: string) => Record<string, any>|null} presetSpec a built-in preset's spec, or null
 */

/**
 * A core over one wasm build, from its bytes (the exports are spoken by ./wasm-abi.mjs).
 * @param {() => Uint8Array<ArrayBuffer>} bytes
 * @returns {Core}
 */
export function loadCore(bytes) {
  const wasm = bindWasm(bytes);
  let loaded = false;
  const ready = () => {
    if (!loaded) {
      wasm.init();
      loaded = true;
    }
  };
  /** Presets never change: each is read from the core once, and shared frozen. */
  const presets = new Map();
  /**
   * The wasm step: the action, parsed, and the saved document's text, if the step wrote one
   * (src/wasm/mod.rs).
   * @param {string} text the input's JSON @param {string} [doc] a saved document's text, its `state` @returns {SavedOut}
   */
  const wasmStep = (text, doc) => {
    const [actionText, stateText] = wasm.step(text, doc);
    const action = JSON.parse(actionText);
    return stateText === '' ? { action } : { action, stateText };
  };
  /** @type {CoreStep} */
  const step = (input) => {
    if (fake) return fake(input);
    ready();
    const out = wasmStep(JSON.stringify(input));
    return out.stateText === undefined ? { action: out.action } : { state: JSON.parse(out.stateText), action: out.action };
  };
  step.saved = (input, stateText) => {
    if (fake) return savedStep(fake)(input, stateText);
    ready();
    // The document is the core's own text (or JSON.stringify of a checked one): spliced in as is.
    return wasmStep(JSON.stringify(input), stateText);
  };
  // Closures, not methods on `this`: the entries hand them out destructured.
  return Object.freeze({
    step,
    ready,
    get loaded() {
      return loaded;
    },
    mask: (/** @type {string} */ raw) => {
      ready();
      return wasm.mask(raw);
    },
    knownPrefix: (/** @type {string} */ raw) => {
      ready();
      return wasm.knownPrefix(raw);
    },
    codeTable: () => {
      ready();
      return wasm
        .codes()
        .trim()
        .split('\n')
        .map((line) => {
          const [code, exit, kind] = line.split(' ');
          return { code, exitCode: Number(exit), kind };
        });
    },
    presetSpec: (/** @type {string} */ name) => {
      const key = String(name);
      if (!presets.has(key)) {
        ready();
        const text = wasm.presetSpec(key);
        presets.set(key, text === '' ? null : deepFreeze(JSON.parse(text)));
      }
      return /** @type {Record<string, any>|null} */ (presets.get(key));
    },
  });
}

/** @param {any} v */
function deepFreeze(v) {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** The cores the entries loaded into this copy of the runtime, in load order. @type {Core[]} */
const cores = [];

/**
 * Registers an entry's core as one the shared classes may use (Secret's masking, the codes
 * table of canonicalError): called once by each entry that carries a wasm, when it loads.
 * @param {Core} core @returns {Core} the same core
 */
export function provideCore(core) {
  cores.push(core);
  return core;
}

/**
 * The core that what the entries share (one Secret, one KeymintError) uses: one already
 * instantiated, so an app that imported both entries but runs flows of one compiles only that
 * one's wasm; else the first loaded. Both builds answer mask, knownPrefix and codes alike.
 * @returns {Core}
 */
export function sharedCore() {
  const core = cores.find((c) => c.loaded) ?? cores[0];
  if (!core) {
    // keymint/stores carries no wasm: it uses the core of the entry the app imports beside it.
    throw new Error("keymint: no core is loaded; import 'keymint' or 'keymint/sessions' (keymint/stores carries no wasm of its own)");
  }
  return core;
}
