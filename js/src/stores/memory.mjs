// @ts-check
// The profile store in memory (tests, pages, workers): the document of ./document.mjs held as
// JSON text, the profile API of ./base.mjs. The Node file store is ../node/profile-store.mjs.

import { canonicalError } from '../errors.mjs';
import { emptyDocument, normalizeDocument, documentProblem, jsonCopy } from './document.mjs';
import { ProfileStoreBase, createTurnQueue } from './base.mjs';

/** @typedef {import('./document.mjs').StoreDocument} StoreDocument */

/** @param {string} where @param {number} timeoutMs */
function memoryLocked(where, timeoutMs) {
  return canonicalError({
    code: 'CONFIG_LOCKED',
    message: `Timed out after ${timeoutMs} ms waiting for another update of the ${where} profile store.`,
    nextAction: { text: 'Another operation is updating the profiles; try again in a moment.' },
  });
}

/**
 * The profile store in memory: same API as the file store, same JSON semantics (what you put
 * is copied; what you get is a copy). Updates are serialised; `update(fn)` must not call the
 * store itself (it would wait for its own turn until lockTimeoutMs).
 */
export class MemoryProfileStore extends ProfileStoreBase {
  static get name() { return 'MemoryProfileStore'; } // kept through minification (scripts/bundle-options.mjs)

  /** @param {{initial?: object, lockTimeoutMs?: number}} [opts] */
  constructor({ initial, lockTimeoutMs = 10000 } = {}) {
    super({ where: 'memory' });
    this.lockTimeoutMs = lockTimeoutMs;
    const doc = initial === undefined ? emptyDocument() : normalizeDocument(jsonCopy(initial), 'memory');
    /** @private */
    this._text = JSON.stringify(doc);
    /** @private */
    this._turn = createTurnQueue();
  }

  /** @returns {Promise<StoreDocument>} */
  async read() {
    return JSON.parse(this._text);
  }

  /**
   * @template R
   * @param {(doc: StoreDocument) => R | Promise<R>} fn
   * @returns {Promise<Awaited<R>>}
   */
  async update(fn) {
    if (typeof fn !== 'function') throw new TypeError('update() needs a function');
    const release = await this._turn('memory', this.lockTimeoutMs, () => memoryLocked(this.where, this.lockTimeoutMs));
    try {
      const doc = JSON.parse(this._text);
      const result = await fn(doc);
      const problem = documentProblem(doc);
      if (problem !== null) throw new TypeError(`update(): the document is no longer valid (${problem}); nothing was saved`);
      this._text = JSON.stringify(doc);
      return result;
    } finally {
      release();
    }
  }
}
