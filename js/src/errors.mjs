// Typed errors shared by every layer of the JS package.
// A KeymintError carries the canonical code and a machine-readable nextAction;
// its message never contains a secret (callers mask before constructing).
// Wasm-free: the codes table comes from the core an entry loaded (load-core.mjs).
import { sharedCore } from './load-core.mjs';

// The same symbol in every copy of the package (ESM and CJS builds, bundled copies), so
// `instanceof KeymintError` and isKeymintError() hold for an error from any of them.
const BRAND = Symbol.for('keymint.KeymintError');

/** @typedef {{kind: string, text: string, command?: string, [k: string]: unknown}} NextAction */

export class KeymintError extends Error {
  static get name() { return 'KeymintError'; } // kept through minification (scripts/bundle-options.mjs)

  /**
   * @param {{code: string, message: string, status?: number, providerCode?: string,
   *   nextAction?: NextAction, details?: object, exitCode?: number, cause?: unknown}} init
   */
  constructor(init) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'KeymintError';
    this.code = init.code;
    if (init.status !== undefined) this.status = init.status;
    if (init.providerCode !== undefined) this.providerCode = init.providerCode;
    this.nextAction = init.nextAction ?? { kind: 'none', text: '' };
    if (init.details !== undefined) this.details = init.details;
    if (init.exitCode !== undefined) this.exitCode = init.exitCode;
  }

  /** @returns {true} */
  get [BRAND]() {
    return true;
  }

  /** @param {unknown} x */
  static [Symbol.hasInstance](x) {
    if (this !== KeymintError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && /** @type {any} */ (x)[BRAND] === true;
  }

  toJSON() {
    const out = { code: this.code, message: this.message };
    if (this.status !== undefined) out.status = this.status;
    if (this.providerCode !== undefined) out.providerCode = this.providerCode;
    out.nextAction = this.nextAction;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
}

/** @param {unknown} e @returns {e is KeymintError} */
export function isKeymintError(e) {
  // Also a plain object with the same shape: an error that crossed a message channel.
  return e instanceof KeymintError || (typeof e === 'object' && e !== null && /** @type {any} */ (e).name === 'KeymintError' && typeof /** @type {any} */ (e).code === 'string');
}

/** @type {Map<string, {exitCode: number, kind: string}>|undefined} */
let rows;

/**
 * A KeymintError for a canonical code raised in JS (a local check, a store, the CLI): its exit
 * code, and its next action's kind unless `nextAction` names one, come from the core's codes
 * table, so JS keeps no copy of either. A code the table lacks is a bug, and throws.
 * `exitCode` is only for a status that is not the code's policy (128 + SIGINT for Ctrl-C).
 * @param {{code: string, message: string, status?: number, nextAction?: Partial<NextAction>,
 *   details?: object, cause?: unknown, exitCode?: number}} init
 */
export function canonicalError(init) {
  rows ??= new Map(sharedCore().codeTable().map((r) => [r.code, r]));
  const row = rows.get(init.code);
  if (!row) throw new TypeError(`not a canonical code: ${init.code}`);
  const nextAction = /** @type {NextAction} */ ({ kind: row.kind, ...init.nextAction });
  nextAction.text ??= '';
  return new KeymintError({ exitCode: row.exitCode, ...init, nextAction });
}
