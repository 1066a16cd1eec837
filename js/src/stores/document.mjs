// @ts-check
// The profile store's document (see ./interface.md), platform-neutral:
//   {"version": 1, "active": name|null, "profiles": {name: profile},
//    "pending": {key: flowState}, "leases": {key: {owner, until}}}
// Its shape and validation, profile names (valid, derived, unique, shown in messages) and the
// edits every store makes to it. The stores built on it: ./base.mjs (the profile API),
// ./memory.mjs, ./extension.mjs, ../node/profile-store.mjs. Nothing here touches Node APIs,
// nothing prints, and no error message carries a secret.

import { canonicalError } from '../errors.mjs';
import { maskSecret } from '../mask.mjs';
import { Secret } from '../secret.mjs';

export const STORE_VERSION = 1;

/** Profile names: 1–64 letters, digits, dots, dashes, underscores; first a letter or digit. */
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PROFILE_NAME_MAX = 64;
/** Derived names stay short enough to take a numeric suffix. */
const DERIVED_NAME_MAX = 48;

export const hasOwn = (/** @type {object} */ o, /** @type {PropertyKey} */ k) => Object.prototype.hasOwnProperty.call(o, k);

/** @param {unknown} v @returns {v is Record<string, any>} */
export function isPlainObject(v) {
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
    nextAction: { text: `Fix or move ${where} aside, then run the command again.` },
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
export function assertProfileName(name) {
  if (isValidProfileName(name)) return;
  throw canonicalError({
    code: 'PROFILE_NAME_INVALID',
    message: typeof name === 'string'
      ? `"${displayName(name)}" is not a valid profile name.`
      : 'A profile name must be a string.',
    nextAction: {
      field: 'profile',
      text: 'Use 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
    },
  });
}

/** @param {unknown} key @param {string} what */
export function assertKey(key, what) {
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
export function jsonCopy(v) {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

/** @param {unknown} profile @returns {Profile} */
export function checkedProfile(profile) {
  if (!isPlainObject(profile)) throw new TypeError('A profile must be a plain object');
  if (typeof profile.provider !== 'string' || profile.provider === '') throw new TypeError('A profile needs a "provider" string');
  if (typeof profile.baseUrl !== 'string' || profile.baseUrl === '') throw new TypeError('A profile needs a "baseUrl" string');
  return jsonCopy(/** @type {Profile} */ (profile));
}

/**
 * @param {StoreDocument} doc @param {string} name @param {Profile} profile @param {boolean} activate
 */
export function putIn(doc, name, profile, activate) {
  const previous = hasOwn(doc.profiles, name) ? doc.profiles[name] : undefined;
  const stored = { ...profile };
  if (stored.createdAt === undefined) stored.createdAt = previous?.createdAt ?? new Date().toISOString();
  doc.profiles[name] = stored;
  if (activate) doc.active = name;
  return jsonCopy(stored);
}
