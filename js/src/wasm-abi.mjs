// @ts-check
// The one module that speaks the wasm's exports (src/wasm/mod.rs), for both builds: plain
// functions over the instance's memory, with no generated glue. A call writes its UTF-8 input
// into the buffer the `input` export hands out, calls the export with the input's length, and
// reads the answer's pieces at the (pointer, length) pairs the export returns a pointer to.
// The answer stays in the instance until its next call, so nothing is freed across the
// boundary and a step is one call into the wasm.
//
// A trap (a panic in the core, or memory exhausted) leaves the instance's state unknown: the
// instance is dropped and the next call starts a fresh one from the same compiled module.
// That loses nothing: what the instance keeps between steps is a cache of flows whose saved
// documents the JS holds (src/protocol/memo.rs).

/** @typedef {{memory: WebAssembly.Memory} & Record<'input' | 'step' | 'mask' | 'known_prefix' | 'preset_spec', (n: number) => number> & {codes: () => number}} Exports */

const encoder = new TextEncoder();
let decoder = new TextDecoder('utf-8', { ignoreBOM: true });
/**
 * Safari's TextDecoder fails after about 2 GiB decoded by one decoder (a workaround
 * wasm-bindgen's glue carries too): a fresh decoder before that.
 */
const DECODER_BUDGET = 2146435072;
let decoded = 0;

/** An input larger than this gives its buffer back after the call (spec documents, bodies). */
const KEEP_INPUT_BYTES = 1 << 18;

/**
 * The exports of one wasm build, over its bytes (compiled on the first call, synchronously).
 * @param {() => Uint8Array<ArrayBuffer>} bytes
 */
export function bindWasm(bytes) {
  /** @type {WebAssembly.Module | null} */
  let module = null;
  /** @type {Exports | null} */
  let exp = null;
  /**
   * Views of the instance's memory, made again after it grows (growing detaches the old buffer,
   * which empties its views) and for a new instance.
   */
  let u8 = new Uint8Array(0);
  let u32 = new Uint32Array(0);
  /** The input buffer: where it is and how many bytes it holds. */
  let at = 0;
  let cap = 0;

  /** @returns {Exports} */
  const instance = () => {
    if (exp === null) {
      module ??= new WebAssembly.Module(bytes());
      exp = /** @type {Exports} */ (/** @type {unknown} */ (new WebAssembly.Instance(module, {}).exports));
      cap = 0;
      u8 = new Uint8Array(0);
    }
    return exp;
  };
  /** @param {Exports} e */
  const views = (e) => {
    if (u8.byteLength === 0) {
      u8 = new Uint8Array(e.memory.buffer);
      u32 = new Uint32Array(e.memory.buffer);
    }
  };
  /** Room for `n` input bytes, keeping those already written. @param {Exports} e @param {number} n */
  const room = (e, n) => {
    if (n > cap) {
      at = e.input(n) >>> 0;
      cap = n;
    }
    views(e);
  };
  /**
   * Writes `text` up to `end` as UTF-8 at byte `off` of the input buffer.
   * @param {Exports} e @param {string} text @param {number} off @param {number} [end]
   * @returns {number} the offset after it
   */
  const write = (e, text, off, end = text.length) => {
    room(e, off + end);
    let i = 0;
    // Most input is ASCII: a byte per character, without the encoder's call.
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      u8[at + off + i] = c;
    }
    if (i === end) return off + end;
    room(e, off + i + (end - i) * 3);
    return off + i + encoder.encodeInto(text.slice(i, end), u8.subarray(at + off + i, at + cap)).written;
  };
  /** @param {number} p @param {number} n */
  const text = (p, n) => {
    if (n === 0) return '';
    decoded += n;
    if (decoded >= DECODER_BUDGET) {
      decoder = new TextDecoder('utf-8', { ignoreBOM: true });
      decoded = n;
    }
    return decoder.decode(u8.subarray(p, p + n));
  };
  /**
   * Calls export `name` with the input `put` writes (none: `codes`) and reads its answer's pieces.
   * @param {'step' | 'mask' | 'known_prefix' | 'preset_spec' | 'codes'} name
   * @param {((e: Exports) => number) | null} put writes the input, answering its length in bytes
   * @returns {[string, string]} the first piece, and the second ('' when there is none)
   */
  const call = (name, put) => {
    const e = instance();
    try {
      const p = (put === null ? e.codes() : e[name](put(e))) >>> 2;
      views(e);
      const out = /** @type {[string, string]} */ ([text(u32[p], u32[p + 1]), text(u32[p + 2], u32[p + 3])]);
      if (cap > KEEP_INPUT_BYTES) {
        e.input(0);
        cap = 0;
      }
      return out;
    } catch (err) {
      exp = null;
      throw err;
    }
  };
  return {
    /** Compiles and instantiates the wasm now (else at the first call). */
    init: () => void instance(),
    /**
     * One core step: the action's JSON, and the saved document's ('' when none). `doc`, a saved
     * document's text, is written into the input as its `state` member (`input` is a JSON
     * object's text), without building the joined string first.
     * @param {string} input @param {string} [doc]
     */
    step: (input, doc) =>
      call('step', (e) => (doc === undefined ? write(e, input, 0) : write(e, '}', write(e, doc, write(e, ',"state":', write(e, input, 0, input.length - 1)))))),
    /** @param {string} raw */
    mask: (raw) => call('mask', (e) => write(e, raw, 0))[0],
    /** @param {string} raw */
    knownPrefix: (raw) => call('known_prefix', (e) => write(e, raw, 0))[0],
    /** @param {string} name */
    presetSpec: (name) => call('preset_spec', (e) => write(e, name, 0))[0],
    codes: () => call('codes', null)[0],
  };
}
