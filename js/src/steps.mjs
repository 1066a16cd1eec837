// @ts-check
// What every driver (OTP flows, password sign-in, OAuth, sessions) needs around
// the core's `step`: the clock in seconds, errors as KeymintErrors, saved
// documents validated on load, and random bytes drawn here (the core never does). Wasm-free:
// the core is the caller's (its entry's `step`, load-core.mjs), never imported here.
import { KeymintError } from './errors.mjs';
import { Secret } from './secret.mjs';
import { savedStep } from './load-core.mjs';

/** Unix seconds from the caller's clock (milliseconds), or Date.now. @param {(() => number) | undefined} clock */
export const nowSeconds = (clock) => Math.floor((clock ? clock() : Date.now()) / 1000);

/**
 * Builds the thrown error from the core's error object.
 * @param {{code: string, message: string, status?: number, providerCode?: string, nextAction?: any,
 *   details?: Record<string, any>, exitCode?: number}} e
 */
export function toError(e) {
  const err = /** @type {KeymintError & {attemptsRemaining?: number, retryAfterSeconds?: number}} */ (new KeymintError({
    code: e.code,
    message: e.message,
    status: e.status,
    providerCode: e.providerCode,
    nextAction: e.nextAction,
    details: e.details,
    exitCode: e.exitCode,
  }));
  // The figures a caller branches on, also as plain fields of the error.
  if (e.details?.attemptsRemaining !== undefined) err.attemptsRemaining = e.details.attemptsRemaining;
  if (e.details?.retryAfterSeconds !== undefined) err.retryAfterSeconds = e.details.retryAfterSeconds;
  return err;
}

/**
 * The core's answer to an op, or the KeymintError it names.
 * @param {any} input @param {import('./load-core.mjs').CoreStep} core the step of the core the entry loaded
 */
export function run(input, core) {
  const out = core(input);
  if (out.action.type === 'error') throw toError(out.action.error);
  return out;
}

/**
 * The core's answer to an op that starts a flow: its saved document as the core wrote it (the
 * flow keeps that text: see driver.mjs's Resumable), or the KeymintError the core names.
 * @param {any} input @param {import('./load-core.mjs').CoreStep} core the step of the core the entry loaded
 * @returns {{action: any, stateText: string}}
 */
export function begin(input, core) {
  const out = savedStep(core)(input, undefined);
  if (out.action.type === 'error') throw toError(out.action.error);
  return /** @type {{action: any, stateText: string}} */ (out);
}

/** `provider` may be a preset name or a custom spec object. @param {string | object} provider */
export function providerConfig(provider) {
  return provider && typeof provider === 'object' ? { spec: provider } : { provider };
}

/**
 * A saved document (a string or the object `toJSON()` gave), checked by the core
 * now rather than at the next step: INVALID_STATE for anything unknown, malformed or
 * damaged. (The check catches accidents, not tampering: anyone who can write the
 * document can recompute it; the store's ownership checks keep others out.)
 * @param {any} saved @param {import('./load-core.mjs').CoreStep} core the core that checks it (as for `run`)
 */
export function loadSaved(saved, core) {
  let state = saved;
  if (typeof saved === 'string') {
    try {
      state = JSON.parse(saved);
    } catch {
      state = null;
    }
  }
  run({ op: 'validate', state }, core);
  return state;
}

/** The two hex digits of every byte value. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Bytes 0–255 (a Uint8Array) as lowercase hex. @param {Uint8Array} bytes */
export function bytesToHex(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
  return out;
}

/**
 * `n` random bytes as hex from crypto.getRandomValues; `given` (hex string or
 * bytes) is used as is, so tests and callers with their own source can pass it.
 * @param {number} n @param {string | ArrayLike<number>} [given]
 */
export function randomHex(n, given) {
  if (typeof given === 'string') return given;
  if (given) return Array.from(given, (b) => b.toString(16).padStart(2, '0')).join('');
  if (!globalThis.crypto?.getRandomValues) {
    throw new TypeError('No secure random source (crypto.getRandomValues): pass `random` bytes yourself.');
  }
  return bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(n)));
}

/**
 * Wraps the tokens of a session credential in Secrets; everything else stays plain data.
 * @param {Record<string, any>} c
 */
export function toSession(c) {
  /** @type {Record<string, any>} */
  const out = { ...c, accessToken: new Secret(c.accessToken) };
  if (c.refreshToken !== undefined && c.refreshToken !== null) out.refreshToken = new Secret(c.refreshToken);
  return Object.freeze(out);
}

/**
 * The one wrapper of a credential a flow hands out: a minted key (the OTP mint, the device
 * flow's mint, a refreshed token) with `apiKey` in a Secret, or a session (access/refresh
 * tokens, no apiKey) through toSession. `expiresAt: null` is a credential that never expires
 * (the core drops null members).
 * @param {Record<string, any>} c
 */
export function toCredential(c) {
  if (c.apiKey === undefined && c.accessToken !== undefined) return toSession({ ...c, expiresAt: c.expiresAt ?? null });
  return Object.freeze({ ...c, expiresAt: c.expiresAt ?? null, apiKey: new Secret(c.apiKey) });
}
