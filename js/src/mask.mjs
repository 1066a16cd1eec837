// @ts-check
// Masking for display: a secret is shown as its well-known prefix, eight bullets, and (for
// values long enough that it gives nothing away) its last four characters.
//   maskSecret('cko_…ab12')      → 'cko_••••••••ab12'
//   maskSecret('scripto_…x9Qz')  → 'scripto_••••••••x9Qz'

const BULLETS = '••••••••';

/** Known prefixes, longest first so `cdt_live_` wins over a generic `cdt_`. */
const KNOWN_PREFIXES = ['cdt_live_', 'cdt_test_', 'scripto_', 'cko_'];

/**
 * A generic prefix: up to and including the first `_`, at most 12 characters, and made of
 * a letter followed by letters and digits (so a random token that happens to contain an early
 * `_` or `-` does not leak its first characters).
 */
const GENERIC_PREFIX = /^[A-Za-z][A-Za-z0-9]{0,10}_/;

/** Values shorter than this show no tail at all. */
const TAIL_MIN_LENGTH = 20;

/**
 * Mask a secret for display. Never returns the value itself.
 * `null`, `undefined` and the empty string mask to the empty string.
 * @param {unknown} value
 * @returns {string}
 */
export function maskSecret(value) {
  if (value === null || value === undefined) return '';
  const s = String(value);
  if (s === '') return '';
  const prefix = KNOWN_PREFIXES.find((p) => s.startsWith(p)) ?? GENERIC_PREFIX.exec(s)?.[0] ?? '';
  const tail = s.length >= TAIL_MIN_LENGTH ? s.slice(-4) : '';
  return prefix + BULLETS + tail;
}
