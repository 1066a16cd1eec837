// Typed errors shared by every layer of the JS package.
// A KeymintError carries the canonical code and a machine-readable nextAction;
// its message never contains a secret (callers mask before constructing).

// The same symbol in every copy of the package (ESM and CJS builds, bundled copies), so
// `instanceof KeymintError` and isKeymintError() hold for an error from any of them.
const BRAND = Symbol.for('keymint.KeymintError');

/** @typedef {{kind: string, text: string, command?: string, [k: string]: unknown}} NextAction */

export class KeymintError extends Error {
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
