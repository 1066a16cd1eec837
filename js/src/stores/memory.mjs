// @ts-check
// Profile stores: the platform-neutral part.
//
// Every store keeps one document (see ./interface.md):
//   {"version": 1, "active": name|null, "profiles": {name: profile},
//    "pending": {key: flowState}, "leases": {key: {owner, until}}}
// A concrete store implements two primitives, `read()` and `update(fn)`; `ProfileStoreBase`
// builds the whole profile API (list/get/put/add/remove/use, pending flows, leases) on them.
// `MemoryProfileStore` keeps the document in memory (tests, browsers); the Node file store is
// ../node/profile-store.mjs. Nothing here touches Node APIs, so it loads in any runtime.
// Nothing here prints, and no error message carries a secret.

import { canonicalError } from '../errors.mjs';
import { maskSecret } from '../mask.mjs';
import { Secret } from '../secret.mjs';

export const STORE_VERSION = 1;

/** Profile names: 1–64 letters, digits, dots, dashes, underscores; first a letter or digit. */
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PROFILE_NAME_MAX = 64;
/** Derived names stay short enough to take a numeric suffix. */
const DERIVED_NAME_MAX = 48;

const hasOwn = (/** @type {object} */ o, /** @type {PropertyKey} */ k) => Object.prototype.hasOwnProperty.call(o, k);

/** @param {unknown} v @returns {v is Record<string, any>} */
function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** @returns {StoreDocument} */
export function emptyDocument() {
  return { version: STORE_VERSION, active: null, profiles: {}, pending: {}, leases: {} };
}

/**
 * @typedef {{provider: string, baseUrl: string, apiKey?: string, accessToken?: string,
 *   refreshToken?: string, tokenExpiresAt?: string|number, keyId?: string, keyName?: string,
 *   keyPrefix?: string, scopes?: string[], expiresAt?: string|null,
 *   organization?: {id: string, name: string}, user?: {id: string, email: string},
 *   email?: string, createdAt?: string, [k: string]: unknown}} Profile
 * @typedef {{owner: string, until: number, [k: string]: unknown}} Lease
 * @typedef {{version: 1, active: string|null, profiles: Record<string, Profile>,
 *   pending: Record<string, Record<string, unknown>>, leases: Record<string, Lease>,
 *   [k: string]: unknown}} StoreDocument
 */

/**
 * What is wrong with a document's shape, or null when it is a valid version-1 document.
 * Reasons never quote the document's content (it holds secrets).
 * @param {unknown} doc
 * @returns {string|null}
 */
export function documentProblem(doc) {
  if (!isPlainObject(doc)) return 'the top level is not a JSON object';
  if (!hasOwn(doc, 'version')) return 'it has no "version" field';
  if (doc.version !== STORE_VERSION) {
    return typeof doc.version === 'number' ? `unknown version ${doc.version}` : 'its "version" is not a number';
  }
  if (hasOwn(doc, 'active') && doc.active !== null && typeof doc.active !== 'string') {
    return '"active" is neither a profile name nor null';
  }
  for (const field of ['profiles', 'pending', 'leases']) {
    if (!hasOwn(doc, field)) continue;
    const section = doc[field];
    if (!isPlainObject(section)) return `"${field}" is not an object`;
    for (const value of Object.values(section)) {
      if (!isPlainObject(value)) return `an entry of "${field}" is not an object`;
      if (field === 'leases' && (typeof value.owner !== 'string' || typeof value.until !== 'number' || !Number.isFinite(value.until))) {
        return 'an entry of "leases" lacks a string "owner" or a numeric "until"';
      }
    }
  }
  return null;
}

/**
 * Check a parsed document and fill in the optional sections. Throws CONFIG_CORRUPT.
 * @param {unknown} doc
 * @param {string} where the file path (or "memory"), named in the error
 * @returns {StoreDocument}
 */
export function normalizeDocument(doc, where) {
  const problem = documentProblem(doc);
  if (problem !== null) throw corruptError(where, problem);
  const d = /** @type {Record<string, any>} */ (doc);
  if (!hasOwn(d, 'active')) d.active = null;
  for (const field of ['profiles', 'pending', 'leases']) if (!hasOwn(d, field)) d[field] = {};
  return /** @type {StoreDocument} */ (d);
}

/**
 * Parse a document's text. Throws CONFIG_CORRUPT for invalid JSON or a wrong shape.
 * The JSON.parse error is not attached: its message can quote the file, i.e. a secret.
 * @param {string} text
 * @param {string} where
 * @returns {StoreDocument}
 */
export function parseDocument(text, where) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String(/** @type {any} */ (e)?.message));
    throw corruptError(where, m ? `invalid JSON near character ${m[1]}` : 'invalid JSON');
  }
  return normalizeDocument(doc, where);
}

/**
 * @param {string} where
 * @param {string} reason
 */
export function corruptError(where, reason) {
  return canonicalError({
    code: 'CONFIG_CORRUPT',
    message: `The profile file ${where} is corrupt (${reason}); it was left as it is.`,
    nextAction: { kind: 'fix_config', text: `Fix or move ${where} aside, then run the command again.` },
    details: { path: where, reason },
  });
}

/**
 * A name or key fit for a message: secret-looking or over-long values are masked.
 * @param {string} s
 */
export function displayName(s) {
  const str = String(s);
  if (str.length > PROFILE_NAME_MAX || Secret.looksLikeKey(str)) return maskSecret(str);
  return str;
}

/** @param {unknown} name @returns {name is string} */
export function isValidProfileName(name) {
  return typeof name === 'string' && PROFILE_NAME.test(name);
}

/** @param {unknown} name */
function assertProfileName(name) {
  if (isValidProfileName(name)) return;
  throw canonicalError({
    code: 'PROFILE_NAME_INVALID',
    message: typeof name === 'string'
      ? `"${displayName(name)}" is not a valid profile name.`
      : 'A profile name must be a string.',
    nextAction: {
      kind: 'fix_input',
      field: 'profile',
      text: 'Use 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
    },
  });
}

/** @param {unknown} key @param {string} what */
function assertKey(key, what) {
  if (typeof key !== 'string' || key === '' || key.length > 512 || key === '__proto__') {
    throw new TypeError(`${what} must be a non-empty string of at most 512 characters (not "__proto__")`);
  }
}

/**
 * Lower case, runs of anything but [a-z0-9] become one dash, no leading/trailing dashes,
 * accents folded (é → e), at most 48 characters, "default" when nothing is left.
 * @param {unknown} s
 */
function slug(s) {
  const out = String(s ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, DERIVED_NAME_MAX)
    .replace(/-+$/, '');
  return out === '' ? 'default' : out;
}

/**
 * Scripto's profile name: the email's local part, slugged. `you@example.com` → `you`.
 * @param {string} email
 * @returns {string}
 */
export function profileNameFromEmail(email) {
  const s = String(email ?? '').trim();
  const at = s.lastIndexOf('@');
  return slug(at >= 0 ? s.slice(0, at) : s);
}

/**
 * Codika's profile name: the organization name, slugged. `My Organization` → `my-organization`.
 * @param {string} name
 * @returns {string}
 */
export function profileNameFromOrganization(name) {
  return slug(name);
}

/**
 * `base`, else `base-2`, `base-3`, … — the first not used in `doc`.
 * @param {StoreDocument} doc
 * @param {string} base
 */
export function uniqueNameIn(doc, base) {
  assertProfileName(base);
  if (!hasOwn(doc.profiles, base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const stem = base.length + suffix.length > PROFILE_NAME_MAX
      ? base.slice(0, PROFILE_NAME_MAX - suffix.length).replace(/[-._]+$/, '')
      : base;
    const candidate = stem + suffix;
    if (!hasOwn(doc.profiles, candidate)) return candidate;
  }
}

/**
 * A JSON deep copy (the stores hold JSON, so this is also what a round trip through them does).
 * @template T @param {T} v @returns {T}
 */
function jsonCopy(v) {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

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
        kind: 'fix_input',
        field: 'profile',
        text: names.length === 0
          ? 'No profiles are saved yet: sign in first.'
          : `Use one of the saved profiles: ${names.map(displayName).join(', ')}.`,
      },
      details: { profiles: names.map(displayName) },
    });
  }
}

/** @param {unknown} profile @returns {Profile} */
function checkedProfile(profile) {
  if (!isPlainObject(profile)) throw new TypeError('A profile must be a plain object');
  if (typeof profile.provider !== 'string' || profile.provider === '') throw new TypeError('A profile needs a "provider" string');
  if (typeof profile.baseUrl !== 'string' || profile.baseUrl === '') throw new TypeError('A profile needs a "baseUrl" string');
  return jsonCopy(/** @type {Profile} */ (profile));
}

/**
 * @param {StoreDocument} doc @param {string} name @param {Profile} profile @param {boolean} activate
 */
function putIn(doc, name, profile, activate) {
  const previous = hasOwn(doc.profiles, name) ? doc.profiles[name] : undefined;
  const stored = { ...profile };
  if (stored.createdAt === undefined) stored.createdAt = previous?.createdAt ?? new Date().toISOString();
  doc.profiles[name] = stored;
  if (activate) doc.active = name;
  return jsonCopy(stored);
}

/** @param {string} key @param {number} waitMs @param {number} until */
function leaseTimeout(key, waitMs, until) {
  return canonicalError({
    code: 'LEASE_TIMEOUT',
    message: `Gave up after ${waitMs} ms waiting for "${displayName(key)}": another process holds it.`,
    nextAction: { kind: 'retry', text: 'Another command is using the same credentials; run the command again in a moment.' },
    details: { key: displayName(key), heldUntil: new Date(until).toISOString() },
  });
}

/** @param {string} where @param {number} timeoutMs */
function memoryLocked(where, timeoutMs) {
  return canonicalError({
    code: 'CONFIG_LOCKED',
    message: `Timed out after ${timeoutMs} ms waiting for another update of the ${where} profile store.`,
    nextAction: { kind: 'retry', text: 'Another operation is updating the profiles; try again in a moment.' },
  });
}

/**
 * The profile store in memory: same API as the file store, same JSON semantics (what you put
 * is copied; what you get is a copy). Updates are serialised; `update(fn)` must not call the
 * store itself (it would wait for its own turn until lockTimeoutMs).
 */
export class MemoryProfileStore extends ProfileStoreBase {
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
