// The full core (every flow: pkg/, built with the `sessions` feature) that keymint/sessions runs
// on — its session family and, through index.mjs, the email-code API too. Like the default
// entry's core it is inlined (build/wasm-inline-full.mjs) and instantiated synchronously on its
// first step: no top-level await, no dynamic import, so this entry too loads in an MV3 module
// service worker by a static import. The helpers below are the shared runtime's, bound to it.
import { wasmBytes } from '../../build/wasm-inline-full.mjs';
import { loadCore, provideCore } from '../load-core.mjs';
import { run as runOn, loadSaved as loadSavedOn } from '../steps.mjs';
import { exchange as exchangeOn } from '../driver.mjs';

/** The full core, registered for the shared Secret and errors (see load-core.mjs). */
export const core = provideCore(loadCore(wasmBytes));

/** One step of the full core (`setCore` fakes it too). */
export const { step } = core;

/** The full core's answer to an op, or the KeymintError it names. @param {any} input */
export const run = (input) => runOn(input, step);

/** A saved session-family flow, checked by the full core. @param {any} saved */
export const loadSaved = (saved) => loadSavedOn(saved, step);

/**
 * A request the full core builds and its answer read by `answerOp`.
 * @param {{op: string, config: object}} input @param {string} answerOp @param {any} opts
 */
export const exchange = (input, answerOp, opts) => exchangeOn(input, answerOp, opts, step);
