// RFC 6238 TOTP (on RFC 4226 HOTP) and RFC 4648 base32, for the emulator.
// Zero dependencies: node:crypto only. Times are in seconds (the emulator clock
// is in milliseconds; callers divide).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * RFC 4648 base32 encode, upper case, without padding (the usual form of a TOTP secret).
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function base32Encode(bytes) {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * RFC 4648 base32 decode. Case-insensitive; ignores spaces, hyphens and trailing `=`.
 * Throws a TypeError on any other character.
 * @param {string} text
 * @returns {Buffer}
 */
export function base32Decode(text) {
  const clean = String(text).replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const idx = B32.indexOf(ch);
    if (idx < 0) throw new TypeError(`invalid base32 character ${JSON.stringify(ch)}`);
    value = ((value << 5) | idx) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** @param {Uint8Array|string} secret raw bytes, or a base32 string */
function secretBytes(secret) {
  return typeof secret === 'string' ? base32Decode(secret) : Buffer.from(secret);
}

/**
 * RFC 4226 HOTP.
 * @param {Uint8Array|string} secret raw key bytes, or a base32 string
 * @param {number|bigint} counter
 * @param {{digits?: number, algorithm?: 'sha1'|'sha256'|'sha512'}} [opts]
 * @returns {string} zero-padded code
 */
export function hotp(secret, counter, opts = {}) {
  const digits = opts.digits ?? 6;
  const algorithm = opts.algorithm ?? 'sha1';
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secretBytes(secret)).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/**
 * The RFC 6238 time step counter for a time in seconds.
 * @param {number} seconds Unix time in seconds
 * @param {number} [step] seconds per step (30)
 * @param {number} [t0] epoch (0)
 */
export function timeStep(seconds, step = 30, t0 = 0) {
  return Math.floor((seconds - t0) / step);
}

/**
 * RFC 6238 TOTP at a given time.
 * @param {Uint8Array|string} secret raw key bytes, or a base32 string
 * @param {number} seconds Unix time in seconds
 * @param {{step?: number, t0?: number, digits?: number, algorithm?: 'sha1'|'sha256'|'sha512'}} [opts]
 * @returns {string}
 */
export function totp(secret, seconds, opts = {}) {
  return hotp(secret, timeStep(seconds, opts.step ?? 30, opts.t0 ?? 0), opts);
}

/**
 * Checks a TOTP code, accepting `window` steps of skew either side (1 by default).
 * @param {Uint8Array|string} secret
 * @param {string} code
 * @param {number} seconds Unix time in seconds
 * @param {{step?: number, t0?: number, digits?: number, algorithm?: 'sha1'|'sha256'|'sha512', window?: number}} [opts]
 * @returns {number|null} the matching step counter, or null
 */
export function verifyTotp(secret, code, seconds, opts = {}) {
  const digits = opts.digits ?? 6;
  if (typeof code !== 'string' || code.length !== digits || !/^[0-9]+$/.test(code)) return null;
  const window = opts.window ?? 1;
  const current = timeStep(seconds, opts.step ?? 30, opts.t0 ?? 0);
  const key = secretBytes(secret);
  for (let d = -window; d <= window; d++) {
    const counter = current + d;
    if (counter < 0) continue;
    const expected = hotp(key, counter, opts);
    if (timingSafeEqual(Buffer.from(expected), Buffer.from(code))) return counter;
  }
  return null;
}

/**
 * A fresh random TOTP secret, base32 (20 bytes = 160 bits, the RFC 4226 recommendation).
 * @param {number} [bytes]
 */
export function randomTotpSecret(bytes = 20) {
  return base32Encode(randomBytes(bytes));
}
