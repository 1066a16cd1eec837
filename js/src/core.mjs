// Loads the wasm core synchronously from inlined bytes: no top-level await and
// no dynamic import, so the same module works in Node, pages, workers and MV3
// service workers. Importing only parses the module text; the wasm is decoded,
// compiled and instantiated on the first call into the core.
import { initSync, step as wasmStep, codes as wasmCodes } from '../../pkg/keymint.js';
import wasmText from '../build/wasm-inline.mjs';

// See encodeWasm in scripts/build.mjs: each character carries one byte in its low 8 bits.
function decode(text) {
  // Node's latin1 encoder keeps exactly the low 8 bits of each UTF-16 unit, natively.
  const B = globalThis.Buffer;
  if (typeof B === 'function' && typeof B.from === 'function') {
    const buf = B.from(text, 'latin1');
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  }
  const n = text.length;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = text.charCodeAt(i);
  return bytes; // a Uint8Array store keeps the low 8 bits
}

let ready = false;
function init() {
  initSync({ module: decode(wasmText) });
  ready = true;
}

/** Runs one core step: a plain object in, a plain object out. */
export function step(input) {
  if (!ready) init();
  return JSON.parse(wasmStep(JSON.stringify(input)));
}

/**
 * Runs one core step on JSON text and splits the answer `{"state":S,"action":A}`
 * without parsing S: `{state: S as JSON text (or null), action: A parsed}`. A
 * driver that only hands the state back to the core never parses it.
 */
export function stepText(text) {
  if (!ready) init();
  const out = wasmStep(text);
  if (out.startsWith('{"state":{')) {
    const end = endOfObject(out, 9);
    if (end > 0 && out.startsWith(',"action":', end)) {
      return { state: out.slice(9, end), action: JSON.parse(out.slice(end + 10, -1)) };
    }
  }
  const parsed = JSON.parse(out);
  return { state: parsed.state === undefined ? null : JSON.stringify(parsed.state), action: parsed.action };
}

/** The index just past the object opening at `i` of valid JSON text `s`; 0 if none. */
function endOfObject(s, i) {
  let depth = 0;
  while (i < s.length) {
    let c = s.charCodeAt(i++);
    if (c === 34) {
      // A string: skip to its closing quote, stepping over escapes.
      while (i < s.length && (c = s.charCodeAt(i++)) !== 34) if (c === 92) i++;
    } else if (c === 123 || c === 91) depth++;
    else if ((c === 125 || c === 93) && --depth === 0) return i;
  }
  return 0;
}

/** The canonical codes table: [{code, exitCode, kind}]. */
export function codeTable() {
  if (!ready) init();
  return wasmCodes()
    .trim()
    .split('\n')
    .map((line) => {
      const [code, exit, kind] = line.split(' ');
      return { code, exitCode: Number(exit), kind };
    });
}
