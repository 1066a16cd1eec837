// @ts-check
// Masking for display, done by the core's one masker (src/secret.rs `mask`) — the core an entry
// loaded (load-core.mjs), since this file ships in the wasm-free runtime: the well-known
// prefix, eight bullets, and (for values at least 20 characters long) the last four.
//   maskSecret('cko_…ab12')      → 'cko_••••••••ab12'
//   maskSecret('scripto_…x9Qz')  → 'scripto_••••••••x9Qz'
import { sharedCore } from './load-core.mjs';

/**
 * Mask a secret for display. Never returns the value itself.
 * `null`, `undefined` and the empty string mask to the empty string.
 * @param {unknown} value
 * @returns {string}
 */
export function maskSecret(value) {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return s === '' ? '' : sharedCore().mask(s);
}
