// The full core (every flow: pkg/, built with the `sessions` feature) that the session family
// runs on. Like the default entry's core it is inlined (build/wasm-inline-full.mjs) and
// instantiated synchronously on its first step: no top-level await, no dynamic import, so this
// entry too loads in an MV3 module service worker by a static import. The driver helpers below
// are the default entry's, bound to this core.
import { initSync, step as wasmStep } from '../../../pkg/keymint.js';
import { wasmBytes } from '../../build/wasm-inline-full.mjs';
import { loadCore, run as runOn, loadSaved as loadSavedOn, exchange as exchangeOn } from '../internal.mjs';

/** One step of the full core (see core.mjs's `loadCore`; `setCore` fakes it too). */
export const { step } = loadCore(initSync, wasmStep, wasmBytes);

/** The full core's answer to an op, or the KeymintError it names. @param {any} input */
export const run = (input) => runOn(input, step);

/** A saved session-family flow, checked by the full core. @param {any} saved */
export const loadSaved = (saved) => loadSavedOn(saved, step);

/**
 * A request the full core builds and its answer read by `answerOp`.
 * @param {{op: string, config: object}} input @param {string} answerOp @param {any} opts
 */
export const exchange = (input, answerOp, opts) => exchangeOn(input, answerOp, opts, step);
