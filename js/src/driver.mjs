// @ts-check
// The one driver loop and the one resumable base of every flow (email OTP, password sign-in,
// OAuth). The core decides; this file feeds it events, performs the requests it asks for
// (transport.mjs), saves each new flow document, and turns an error action into a thrown
// KeymintError. The core is the `step` of a core made by load-core.mjs's `loadCore`, passed in
// by the entry that loaded it (the default entry's email-code build, or keymint/sessions' full
// one): this file, like the rest of the shared runtime, carries no wasm. load-core.mjs's
// `setCore` seam lets a test drive these classes with a fake core.
import { perform } from './transport.mjs';
import { savedStep } from './load-core.mjs';
import { nowSeconds, toError, run, providerConfig } from './steps.mjs';

/**
 * The transport's options (perform), the caller's clock, and where a flow reports a new saved
 * document.
 * @typedef {{fetch?: typeof fetch, timeoutMs?: number, signal?: AbortSignal, headers?: Record<string,string>,
 *   clock?: () => number, onState?: (state: Record<string, any>) => unknown}} RunOptions
 */

/**
 * One request the core builds from `input`, and its answer read by op `answerOp` with the same
 * config (whoami, session refresh / check / revoke): the stateless ops beside the flows.
 * @param {{op: string, config: object}} input @param {string} answerOp
 * @param {RunOptions} opts the transport's options and the clock
 * @param {import('./load-core.mjs').CoreStep} core the core's step
 * @returns {Promise<any>} the core's action for the answer
 */
export async function exchange(input, answerOp, opts, core) {
  const event = await perform(run({ ...input, now: nowSeconds(opts.clock) }, core).action.request, opts);
  // `now` again after the wait: expiries count from the answer.
  return run({ ...input, op: answerOp, now: nowSeconds(opts.clock), event }, core).action;
}

/**
 * A flow's config split in two: the options of the driver and its transport (with `opts`
 * over them), and the config the core gets (the provider as a preset name or a spec).
 * @param {Record<string, any>} config @param {object} [opts]
 */
export function splitConfig(config, opts) {
  // No config at all reads as an empty one, so the core names what is missing (a typed error)
  // rather than the destructuring throwing a TypeError.
  const { fetch, timeoutMs, signal, clock, onState, headers, provider, ...core } = config ?? {};
  return { runOpts: { fetch, timeoutMs, signal, clock, onState, headers, ...opts }, core: { ...core, ...providerConfig(provider) } };
}

/**
 * Feeds `event` to a flow's saved document, keeps (and reports through `onState`) the new
 * document, and resolves with the core's final action. Module-private so that only the flow
 * classes step a flow; set by Resumable's static block, the one place with its private fields.
 * @type {(flow: Resumable, event: import('../types/protocol.js').FlowEvent) => Promise<any>}
 */
let advance;

/** A flow that lives in a small saved document and resumes from it in any process. */
export class Resumable {
  static get name() { return 'Resumable'; } // kept through minification (scripts/bundle-options.mjs)

  /** The saved document as the core wrote it (or as JSON.stringify wrote a checked one). */
  #text;
  /** The same, parsed: only when asked for (`state`, the getters, `onState`). */
  #doc;
  #opts;
  #core;

  /**
   * @param {import('../types/protocol.js').SavedFlow | string} state a saved flow document, or its text as the core wrote it
   * @param {RunOptions | undefined} opts
   * @param {import('./load-core.mjs').CoreStep} core the step of the core this flow runs on (its entry's)
   */
  constructor(state, opts, core) {
    if (typeof core !== 'function') throw new TypeError('a flow needs the step of its core');
    if (typeof state === 'string') this.#text = state;
    else {
      this.#doc = state;
      this.#text = JSON.stringify(state);
    }
    this.#opts = opts ?? {};
    this.#core = core;
  }

  /** The saved document: store it, then resume it in another process. */
  toJSON() {
    return this.state;
  }
  /**
   * The saved document (same as toJSON()), parsed once from the text the core wrote.
   * @returns {import('../types/protocol.js').SavedFlow}
   */
  get state() {
    return (this.#doc ??= JSON.parse(this.#text));
  }
  get phase() {
    return this.state.phase;
  }

  static {
    advance = async (flow, event) => {
      const opts = flow.#opts;
      // The one driver loop: the core decides, this performs every request it asks for.
      // The document stays the text the core wrote (`stateText` in and out), unparsed. (In
      // this function rather than a helper: a flow parked on its request holds one suspended
      // function less.)
      const step = savedStep(flow.#core);
      let out = step({ op: 'event', now: nowSeconds(opts.clock), event }, flow.#text);
      while (out.action.type === 'send') {
        const answer = await perform(out.action.request, opts);
        out = step({ op: 'event', now: nowSeconds(opts.clock), event: answer }, out.stateText);
      }
      if (out.stateText !== undefined) {
        flow.#text = out.stateText;
        flow.#doc = undefined;
        if (opts.onState) await opts.onState(flow.state);
      }
      if (out.action.type === 'error') throw toError(out.action.error);
      return out.action;
    };
  }
}

export { advance };
