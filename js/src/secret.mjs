// A raw key or token that never prints: toString, toJSON and util.inspect show
// the masked form; reveal() is the one deliberate way to read it.
import { maskSecret } from './mask.mjs';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export class Secret {
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
}
