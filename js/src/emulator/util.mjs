// Small helpers shared by the emulator's backends. Pure functions plus one
// sliding-window counter; nothing here reads the clock itself (backends pass
// ctx.now() in) so advancing the emulator clock moves every rule together.

import { createHash, randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Emails are compared case-insensitively after trimming (protocols/README.md). */
export function normalizeEmail(email) {
  return email.trim().toLowerCase();
}

/**
 * Pragmatic syntax check, not RFC 5322: exactly one `@`, a non-empty local part,
 * a dotted domain with no empty labels, no white space, at most 254 characters.
 * @param {string} email already normalised
 */
export function isValidEmail(email) {
  if (email.length === 0 || email.length > 254 || /\s/.test(email)) return false;
  const parts = email.split('@');
  if (parts.length !== 2) return false;
  const [local, domain] = parts;
  if (local.length === 0) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((l) => l.length > 0);
}

/** True for undefined, null, '' and white-space-only strings: the "missing" cases. */
export function isBlank(value) {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * RFC 3339 UTC with `Z` and whole seconds (`2026-11-22T17:40:00Z`).
 * `round` picks the direction when `ms` is not on a second boundary: an expiry is
 * floored (never promise more time than there is) and an "available at" is
 * ceiled (a client that waits until it is never gets refused).
 * @param {number} ms @param {'floor'|'ceil'} [round]
 */
export function rfc3339(ms, round = 'floor') {
  const seconds = round === 'ceil' ? Math.ceil(ms / 1000) : Math.floor(ms / 1000);
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A wait in ms as whole seconds, rounded up and never 0 (a 429 always asks for a wait). */
export function retrySeconds(waitMs) {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/** The request body as an object ({} when absent or not a JSON object). */
export function body(req) {
  const j = req.json;
  return j !== null && typeof j === 'object' && !Array.isArray(j) ? j : {};
}

/** `len` characters of crypto-random base62 (randomInt is unbiased). */
export function randomBase62(len) {
  let out = '';
  for (let i = 0; i < len; i++) out += BASE62[randomInt(62)];
  return out;
}

/** 6 crypto-random ASCII digits, leading zeros kept. */
export function randomCode() {
  return String(randomInt(1_000_000)).padStart(6, '0');
}

/** Keys and tokens are stored only as this digest; the raw value leaves once. */
export function sha256Hex(text) {
  return createHash('sha256').update(text).digest('hex');
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(headers) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match ? match[1] : undefined;
}

/**
 * Counts events per key over a sliding window (e.g. "20 per hour"). An event at
 * time t counts while now - t < windowMs.
 */
export class SlidingWindow {
  /** @param {number} windowMs */
  constructor(windowMs) {
    this.windowMs = windowMs;
    /** @type {Map<string, number[]>} ascending timestamps per key */
    this.events = new Map();
  }

  /** The key's timestamps still inside the window at `now` (older ones are dropped). */
  #live(key, now) {
    const list = (this.events.get(key) ?? []).filter((t) => now - t < this.windowMs);
    this.events.set(key, list);
    return list;
  }

  add(key, now) {
    this.#live(key, now).push(now);
  }

  /**
   * 0 when fewer than `limit` events are in the window; otherwise the ms until
   * enough of them leave it for one more to be allowed.
   */
  waitMs(key, now, limit) {
    const list = this.#live(key, now);
    if (list.length < limit) return 0;
    return list[list.length - limit] + this.windowMs - now;
  }

  clear() {
    this.events.clear();
  }
}

/** The `{success, data}` envelope Scripto and Codika share, as a handler answer. */
export function ok(data) {
  return { status: 200, json: { success: true, data } };
}

/** The `{success: false, error}` envelope; `error` is the backend's own error object. */
export function fail(status, error, headers) {
  return headers ? { status, json: { success: false, error }, headers } : { status, json: { success: false, error } };
}
