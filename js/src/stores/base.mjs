// @ts-check
// ProfileStoreBase: the whole profile API (list/get/put/add/remove/use, pending flows,
// leases) built on the two primitives a concrete store provides, `read()` and `update(fn)`,
// plus the turn queue and backoff the stores serialise updates with. Platform-neutral.

import { canonicalError } from '../errors.mjs';
import {
  hasOwn, isPlainObject, emptyDocument, displayName, assertProfileName, assertKey, uniqueNameIn, jsonCopy, checkedProfile, putIn,
} from './document.mjs';

/** @typedef {import('./document.mjs').StoreDocument} StoreDocument @typedef {import('./document.mjs').Profile} Profile */

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** @param {number} base */
export function jitter(base) {
  return base * (0.5 + Math.random());
}

/**
 * A FIFO of turns per key, for serialising updates inside one process. `turn(key, timeoutMs,
 * onTimeout)` resolves to a release function once every earlier turn for `key` is released;
 * after `timeoutMs` it gives up its place and throws `onTimeout()`.
 */
export function createTurnQueue() {
  /** @type {Map<string, Promise<void>>} */
  const tails = new Map();
  /**
   * @param {string} key @param {number} timeoutMs @param {() => Error} onTimeout
   * @returns {Promise<() => void>}
   */
  return async function turn(key, timeoutMs, onTimeout) {
    const prev = tails.get(key) ?? Promise.resolve();
    /** @type {() => void} */
    let release = () => {};
    const mine = new Promise((resolve) => { release = () => resolve(undefined); });
    const tail = prev.then(() => mine);
    tails.set(key, tail);
    tail.then(() => { if (tails.get(key) === tail) tails.delete(key); });
    /** @type {any} */
    let timer;
    const ready = await Promise.race([
      prev.then(() => true),
      new Promise((resolve) => { timer = setTimeout(resolve, Math.max(0, timeoutMs), false); }),
    ]);
    clearTimeout(timer);
    if (!ready) {
      release(); // our place passes on as soon as the earlier turns finish
      throw onTimeout();
    }
    let released = false;
    return () => { if (!released) { released = true; release(); } };
  };
}

/** Lease owners alive in this process (any store, any file). */
const LIVE_OWNERS = new Set();

let ownerCounter = 0;
/** A short random hex string; uniqueness only, not a secret. */
export function randomHex(bytes = 6) {
  const c = /** @type {any} */ (globalThis).crypto;
  const buf = new Uint8Array(bytes);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(buf);
  else for (let i = 0; i < bytes; i++) buf[i] = Math.floor(Math.random() * 256);
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The profile API over two primitives a subclass provides:
 *   read(): Promise<StoreDocument>           a deep copy of the whole document
 *   update(fn): Promise<R>                   fn(doc) on a fresh copy, exclusively; the
 *                                            mutated doc is saved only if fn succeeds
 * and, for leases held by other processes, `_newLeaseOwner()` and `_foreignOwnerAlive(owner)`.
 */
export class ProfileStoreBase {
  static get name() { return 'ProfileStoreBase'; } // kept through minification (scripts/bundle-options.mjs)

  /** @param {{where: string}} init `where` names the store in messages (a path, "memory") */
  constructor({ where }) {
    this.where = where;
  }

  /** @returns {Promise<StoreDocument>} */
  async read() { throw new Error('read() is not implemented'); }

  /**
   * @template R
   * @param {(doc: StoreDocument) => R | Promise<R>} fn
   * @returns {Promise<Awaited<R>>}
   */
  // eslint-disable-next-line no-unused-vars
  async update(fn) { throw new Error('update() is not implemented'); }

  /** A new lease owner id. */
  _newLeaseOwner() {
    return `mem.${++ownerCounter}.${randomHex(6)}`;
  }

  /**
   * Whether an owner not held by this process may still be alive elsewhere. A store with no
   * other processes (memory) answers false; the file store checks the pid.
   * @param {string} _owner
   */
  _foreignOwnerAlive(_owner) { return false; }

  /** @param {string} owner */
  _ownerAlive(owner) {
    return LIVE_OWNERS.has(owner) || this._foreignOwnerAlive(owner);
  }

  /** @returns {Promise<Array<{name: string, active: boolean} & Profile>>} */
  async list() {
    const doc = await this.read();
    return Object.entries(doc.profiles).map(([name, profile]) =>
      Object.assign({ name, active: doc.active === name }, profile, { name, active: doc.active === name }));
  }

  /** @param {string} name @returns {Promise<Profile|undefined>} */
  async get(name) {
    const doc = await this.read();
    return typeof name === 'string' && hasOwn(doc.profiles, name) ? doc.profiles[name] : undefined;
  }

  /** @returns {Promise<{name: string, profile: Profile}|undefined>} */
  async active() {
    const doc = await this.read();
    const name = doc.active;
    if (name === null || !hasOwn(doc.profiles, name)) return undefined;
    return { name, profile: doc.profiles[name] };
  }

  /**
   * Save (replace) a profile. `createdAt` is kept from the given profile, else from the
   * profile it replaces, else set to now.
   * @param {string} name @param {Profile} profile @param {{activate?: boolean}} [opts]
   * @returns {Promise<Profile>} the stored profile
   */
  async put(name, profile, { activate = true } = {}) {
    assertProfileName(name);
    const copy = checkedProfile(profile);
    return this.update((doc) => putIn(doc, name, copy, activate));
  }

  /**
   * The first of `base`, `base-2`, `base-3`, … not in use now. Only advisory: another process
   * may take it before you put it; `add()` picks and saves in one step.
   * @param {string} base
   */
  async uniqueName(base) {
    return uniqueNameIn(await this.read(), base);
  }

  /**
   * Pick a unique name from `baseName` and save the profile under it, in one update.
   * @param {string} baseName @param {Profile} profile @param {{activate?: boolean}} [opts]
   * @returns {Promise<string>} the name used
   */
  async add(baseName, profile, { activate = true } = {}) {
    assertProfileName(baseName);
    const copy = checkedProfile(profile);
    return this.update((doc) => {
      const name = uniqueNameIn(doc, baseName);
      putIn(doc, name, copy, activate);
      return name;
    });
  }

  /**
   * Delete a profile; if it was active, none is active afterwards. PROFILE_NOT_FOUND if missing.
   * @param {string} name
   * @returns {Promise<Profile>} the removed profile
   */
  async remove(name) {
    return this.update((doc) => {
      if (typeof name !== 'string' || !hasOwn(doc.profiles, name)) throw this._notFound(doc, name);
      const removed = doc.profiles[name];
      delete doc.profiles[name];
      if (doc.active === name) doc.active = null;
      return removed;
    });
  }

  /**
   * Make a profile active. PROFILE_NOT_FOUND if missing.
   * @param {string} name
   * @returns {Promise<{name: string, profile: Profile}>}
   */
  async use(name) {
    return this.update((doc) => {
      if (typeof name !== 'string' || !hasOwn(doc.profiles, name)) throw this._notFound(doc, name);
      doc.active = name;
      return { name, profile: doc.profiles[name] };
    });
  }

  /** @param {string} key @returns {Promise<Record<string, unknown>|undefined>} */
  async getPending(key) {
    assertKey(key, 'A pending key');
    const doc = await this.read();
    return hasOwn(doc.pending, key) ? doc.pending[key] : undefined;
  }

  /**
   * Save a pending flow's state, or clear it with null/undefined.
   * @param {string} key @param {Record<string, unknown>|null|undefined} state
   */
  async setPending(key, state) {
    assertKey(key, 'A pending key');
    if (state === null || state === undefined) {
      await this.update((doc) => { delete doc.pending[key]; });
      return;
    }
    if (!isPlainObject(state)) throw new TypeError('A pending flow state must be a plain object or null');
    const copy = jsonCopy(state);
    await this.update((doc) => { doc.pending[key] = copy; });
  }

  /**
   * Run `fn` while holding the lease `key`, recorded in the store so that other processes
   * sharing it wait (e.g. two CLIs never rotate the same refresh token). The lease lasts
   * `ttlMs` at most: if `fn` runs longer, another owner may take it over. A lease whose owner
   * process is gone is free at once. Waits up to `waitMs`, then throws LEASE_TIMEOUT.
   * Not re-entrant: taking the same key again inside `fn` waits for itself and times out.
   * @template R
   * @param {string} key
   * @param {number} ttlMs
   * @param {(lease: {key: string, owner: string, until: number}) => R | Promise<R>} fn
   * @param {{waitMs?: number}} [opts]
   * @returns {Promise<Awaited<R>>}
   */
  async withLease(key, ttlMs, fn, { waitMs = 15000 } = {}) {
    assertKey(key, 'A lease key');
    if (typeof ttlMs !== 'number' || !(ttlMs > 0) || !Number.isFinite(ttlMs)) throw new TypeError('ttlMs must be a positive number');
    if (typeof waitMs !== 'number' || !(waitMs >= 0)) throw new TypeError('waitMs must be a number >= 0');
    if (typeof fn !== 'function') throw new TypeError('withLease() needs a function');
    const owner = this._newLeaseOwner();
    const deadline = Date.now() + waitMs;
    let delay = 20;
    LIVE_OWNERS.add(owner);
    try {
      /** @type {{key: string, owner: string, until: number}} */
      let lease;
      for (;;) {
        const got = await this.update((doc) => {
          const now = Date.now();
          for (const [k, l] of Object.entries(doc.leases)) {
            if (l.until <= now || !this._ownerAlive(l.owner)) delete doc.leases[k];
          }
          if (hasOwn(doc.leases, key)) return { held: true, until: doc.leases[key].until };
          doc.leases[key] = { owner, until: now + ttlMs };
          return { held: false, until: now + ttlMs };
        });
        if (!got.held) { lease = { key, owner, until: got.until }; break; }
        const left = deadline - Date.now();
        if (left <= 0) throw leaseTimeout(key, waitMs, got.until);
        await sleep(Math.min(jitter(delay), left));
        delay = Math.min(delay * 1.6, 250);
      }
      try {
        return await fn({ ...lease });
      } finally {
        try {
          await this.update((doc) => {
            if (hasOwn(doc.leases, key) && doc.leases[key].owner === owner) delete doc.leases[key];
          });
        } catch {
          // The lease could not be released (store locked or broken); it expires at `until`.
        }
      }
    } finally {
      LIVE_OWNERS.delete(owner);
    }
  }

  /** @param {StoreDocument} doc @param {unknown} name */
  _notFound(doc, name) {
    const names = Object.keys(doc.profiles);
    const shown = typeof name === 'string' ? `"${displayName(name)}"` : 'with that name';
    return canonicalError({
      code: 'PROFILE_NOT_FOUND',
      message: `No profile ${shown} in ${this.where}.`,
      nextAction: {
        field: 'profile',
        text: names.length === 0
          ? 'No profiles are saved yet: sign in first.'
          : `Use one of the saved profiles: ${names.map(displayName).join(', ')}.`,
      },
      details: { profiles: names.map(displayName) },
    });
  }
}

/** @param {string} key @param {number} waitMs @param {number} until */
function leaseTimeout(key, waitMs, until) {
  return canonicalError({
    code: 'LEASE_TIMEOUT',
    message: `Gave up after ${waitMs} ms waiting for "${displayName(key)}": another process holds it.`,
    nextAction: { text: 'Another command is using the same credentials; run the command again in a moment.' },
    details: { key: displayName(key), heldUntil: new Date(until).toISOString() },
  });
}
