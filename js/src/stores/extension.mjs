// @ts-check
// The profile store for browser extensions (MV3 service workers, popups, options pages).
//
// Same document and same async API as MemoryProfileStore and the Node file store (see
// ./base.mjs and ./interface.md), split over two chrome.storage areas:
//   chrome.storage.local   ["keymint"]  {version, active, profiles, …}   credentials: survive
//                                                                       restarts and updates
//   chrome.storage.session ["keymint"]  {version, pending, leases}      pending flows and leases:
//                                                                       survive the service worker
//                                                                       being stopped, gone when
//                                                                       the browser closes
// Both areas are readable only by the extension's own pages and service worker (content
// scripts cannot read session storage unless the extension opts in with setAccessLevel).
//
// Updates are serialised across every context of the extension (service worker, popup, other
// pages) with the Web Locks API when present, else within one context only. A lease whose
// owner lives in another context is trusted until it expires (no liveness check crosses
// contexts). Nothing here prints, and no error message carries a secret.

import { canonicalError } from '../errors.mjs';
import { documentProblem, normalizeDocument } from './document.mjs';
import { ProfileStoreBase, createTurnQueue, randomHex } from './base.mjs';

export { profileNameFromEmail, profileNameFromOrganization, isValidProfileName, emptyDocument } from './document.mjs';

/** The document sections kept in session storage; everything else goes to local storage. */
const SESSION_FIELDS = ['pending', 'leases'];

/**
 * @typedef {{get(keys: string): Promise<Record<string, unknown>>, set(items: Record<string, unknown>): Promise<void>}} StorageArea
 * @typedef {import('./document.mjs').StoreDocument} StoreDocument
 */

/** @param {unknown} v @returns {v is Record<string, any>} */
const isPlainObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** @param {unknown} area */
const isArea = (area) => (isPlainObject(area) || typeof area === 'function')
  && typeof /** @type {any} */ (area).get === 'function' && typeof /** @type {any} */ (area).set === 'function';

/** @param {string} where @param {string} reason */
function corrupt(where, reason) {
  return canonicalError({
    code: 'CONFIG_CORRUPT',
    message: `The keymint profiles in ${where} are corrupt (${reason}); they were left as they are.`,
    nextAction: {
      text: `Remove ${where} (or reinstall the extension), then sign in again.`,
    },
    details: { path: where, reason },
  });
}

/** @param {string} where @param {number} timeoutMs */
function locked(where, timeoutMs) {
  return canonicalError({
    code: 'CONFIG_LOCKED',
    message: `Timed out after ${timeoutMs} ms waiting for another update of the profiles in ${where}.`,
    nextAction: { text: 'Another part of the extension is updating the profiles; try again in a moment.' },
  });
}

/** @param {'read'|'save'} op @param {string} where @param {unknown} cause */
function storageFailed(op, where, cause) {
  const reason = String(/** @type {any} */ (cause)?.message ?? cause).slice(0, 200);
  return canonicalError({
    code: op === 'read' ? 'CONFIG_UNREADABLE' : 'CONFIG_UNWRITABLE',
    message: `Could not ${op} the keymint profiles in ${where}: ${reason}`,
    nextAction: {
      text: 'Check that the extension has the "storage" permission and storage quota left, then try again.',
    },
    cause,
  });
}

/**
 * Profiles in chrome.storage.local, pending flows in chrome.storage.session.
 *
 *   const store = new ExtensionProfileStore();           // in the service worker or a page
 *   await store.setPending('login', flow.toJSON());      // survives the worker being stopped
 *   await store.add('you', { provider, baseUrl, apiKey }); // credentials: storage.local
 */
export class ExtensionProfileStore extends ProfileStoreBase {
  static get name() { return 'ExtensionProfileStore'; } // kept through minification (scripts/bundle-options.mjs)

  /**
   * @param {{key?: string, local?: StorageArea, session?: StorageArea, lockTimeoutMs?: number}} [opts]
   *   `key`: the item name in both areas (default "keymint"; use one per backend if an extension
   *   signs in to several). `local`/`session`: the storage areas (default chrome.storage.local
   *   and chrome.storage.session; pass others to test, or `session: chrome.storage.local` where
   *   session storage is missing).
   */
  constructor({ key = 'keymint', local, session, lockTimeoutMs = 10000 } = {}) {
    const storage = /** @type {any} */ (globalThis).chrome?.storage ?? /** @type {any} */ (globalThis).browser?.storage;
    local ??= storage?.local;
    session ??= storage?.session;
    if (!isArea(local)) {
      throw new TypeError('ExtensionProfileStore needs chrome.storage.local: add "storage" to the manifest\'s permissions');
    }
    if (!isArea(session)) {
      throw new TypeError('ExtensionProfileStore needs chrome.storage.session (Chrome 102+), or pass {session} explicitly');
    }
    if (typeof key !== 'string' || key === '') throw new TypeError('key must be a non-empty string');
    super({ where: `chrome.storage.local["${key}"]` });
    this.key = key;
    this.lockTimeoutMs = lockTimeoutMs;
    /** @private */ this._local = /** @type {StorageArea} */ (local);
    /** @private */ this._session = /** @type {StorageArea} */ (session);
    /** @private */ this._turn = createTurnQueue();
    /** @private */ this._lockName = `keymint-store:${key}`;
  }

  /** @private @returns {Promise<{local: any, session: any}>} */
  async _readRaw() {
    try {
      const [l, s] = await Promise.all([this._local.get(this.key), this._session.get(this.key)]);
      return { local: l?.[this.key], session: s?.[this.key] };
    } catch (e) {
      throw storageFailed('read', 'chrome.storage', e);
    }
  }

  /** @private @param {{local: any, session: any}} raw @returns {StoreDocument} */
  _merge({ local, session }) {
    const where = this.where;
    if (local !== undefined && !isPlainObject(local)) throw corrupt(where, 'it is not an object');
    // Session data is disposable: a malformed session item is treated as empty.
    const s = isPlainObject(session) ? session : {};
    /** @type {Record<string, any>} */
    const doc = local === undefined ? { version: 1 } : { ...local };
    for (const field of SESSION_FIELDS) {
      delete doc[field];
      if (isPlainObject(s[field])) doc[field] = s[field];
    }
    const problem = documentProblem(doc);
    if (problem !== null) {
      if (SESSION_FIELDS.some((f) => problem.includes(`"${f}"`))) {
        for (const f of SESSION_FIELDS) delete doc[f];
      } else {
        throw corrupt(where, problem);
      }
    }
    return normalizeDocument(doc, where);
  }

  /** @private @param {StoreDocument} doc */
  _split(doc) {
    /** @type {Record<string, unknown>} */
    const local = {};
    /** @type {Record<string, unknown>} */
    const session = { version: doc.version };
    for (const [k, v] of Object.entries(doc)) {
      if (SESSION_FIELDS.includes(k)) session[k] = v;
      else local[k] = v;
    }
    return { local, session };
  }

  /** A deep copy of the whole document (profiles, active, pending, leases). */
  async read() {
    return this._merge(await this._readRaw());
  }

  /**
   * Runs `fn(doc)` on a fresh copy while holding the store's lock, and saves the areas it
   * changed only if `fn` succeeds and the document is still valid.
   * @template R
   * @param {(doc: StoreDocument) => R | Promise<R>} fn
   * @returns {Promise<Awaited<R>>}
   */
  async update(fn) {
    if (typeof fn !== 'function') throw new TypeError('update() needs a function');
    return /** @type {Promise<Awaited<R>>} */ (this._exclusive(async () => {
      const raw = await this._readRaw();
      const doc = this._merge(raw);
      const before = this._split(JSON.parse(JSON.stringify(doc)));
      const result = await fn(doc);
      const problem = documentProblem(doc);
      if (problem !== null) throw new TypeError(`update(): the document is no longer valid (${problem}); nothing was saved`);
      const after = this._split(JSON.parse(JSON.stringify(doc)));
      try {
        // Session first: a completed sign-in writes its profile (local) in its own update
        // before the pending flow is cleared, so no step here can lose a credential.
        if (JSON.stringify(after.session) !== JSON.stringify(before.session) || raw.session === undefined) {
          await this._session.set({ [this.key]: after.session });
        }
        if (JSON.stringify(after.local) !== JSON.stringify(before.local) || raw.local === undefined) {
          await this._local.set({ [this.key]: after.local });
        }
      } catch (e) {
        throw storageFailed('save', 'chrome.storage', e);
      }
      return result;
    }));
  }

  /**
   * Holds the lock shared by every context of the extension (Web Locks), else this context's
   * queue, for the duration of `body`. CONFIG_LOCKED after lockTimeoutMs of waiting.
   * @private @template T @param {() => Promise<T>} body @returns {Promise<T>}
   */
  async _exclusive(body) {
    const locks = /** @type {any} */ (globalThis).navigator?.locks;
    if (!locks || typeof locks.request !== 'function') {
      const release = await this._turn(this._lockName, this.lockTimeoutMs, () => locked('chrome.storage', this.lockTimeoutMs));
      try {
        return await body();
      } finally {
        release();
      }
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), Math.max(0, this.lockTimeoutMs));
    let granted = false;
    try {
      return await locks.request(this._lockName, { signal: ctrl.signal }, async () => {
        granted = true;
        clearTimeout(timer);
        return body();
      });
    } catch (e) {
      if (!granted && ctrl.signal.aborted) throw locked('chrome.storage', this.lockTimeoutMs);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Lease owners are per context; a context cannot see whether another one is alive. */
  _newLeaseOwner() {
    return `ext.${randomHex(8)}`;
  }

  /** Another context's lease holds until it expires. @param {string} _owner */
  _foreignOwnerAlive(_owner) {
    return true;
  }
}
