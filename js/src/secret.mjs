// A raw key or token that never prints: toString, toJSON and util.inspect show
// the masked form; reveal() is the one deliberate way to read it.
import { maskSecret } from './mask.mjs';
import { sharedCore } from './load-core.mjs';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
// A registry symbol, the same in every copy of the package: an app that loads both the
// ESM and the CJS build (or two bundled copies) still recognises a Secret from either.
const BRAND = Symbol.for('keymint.Secret');

export class Secret {
  static get name() { return 'Secret'; } // kept through minification (scripts/bundle-options.mjs)

  #value;
  /** @param {string} value */
  constructor(value) {
    this.#value = String(value);
    Object.freeze(this);
  }
  /** The raw value: pass it to a store or an Authorization header, nowhere else. */
  reveal() {
    return this.#value;
  }
  /** e.g. `cko_••••••••ab12` */
  get masked() {
    return maskSecret(this.#value);
  }
  toString() {
    return this.masked;
  }
  toJSON() {
    return this.masked;
  }
  [INSPECT]() {
    return `Secret(${this.masked})`;
  }
  /** @returns {true} */
  get [BRAND]() {
    return true;
  }
  /**
   * Whether a value starts with a preset's key or token prefix (`cko_`, `scripto_`,
   * `cdt_live_`, `cdt_test_`: the core's list), so text that may be a key is shown masked.
   * @param {unknown} value
   */
  static looksLikeKey(value) {
    return sharedCore().knownPrefix(String(value)) !== '';
  }
  /** `x instanceof Secret` holds for a Secret of any copy of keymint. @param {unknown} x */
  static [Symbol.hasInstance](x) {
    return typeof x === 'object' && x !== null && /** @type {any} */ (x)[BRAND] === true && typeof /** @type {any} */ (x).reveal === 'function';
  }
}
