// The driver loop: feeds the core events, performs the requests it asks for,
// and turns its actions into resolved values or thrown KeymintErrors.
import { step, stepText } from './core.mjs';
import { perform } from './transport.mjs';
import { Secret } from './secret.mjs';
import { nowSeconds, toError, loadSaved, bytesToHex } from './steps.mjs';

export { toError };

/**
 * The flow id the idempotency key derives from: random so flows never share
 * keys. Node 18 has no global crypto; there, uniqueness is all it needs.
 * Random bytes are drawn from crypto.getRandomValues a pool at a time (each byte
 * used once), as Node's own randomUUID does: one call per flow costs more than
 * the rest of `start()` in JS.
 */
const POOL_FLOWS = 128;
let pool = /** @type {Uint8Array|null} */ (null);
let poolAt = 0;
function flowId() {
  const c = globalThis.crypto;
  if (c?.getRandomValues) {
    if (pool === null || poolAt === pool.length) {
      pool = c.getRandomValues(new Uint8Array(16 * POOL_FLOWS));
      poolAt = 0;
    }
    const id = bytesToHex(pool.subarray(poolAt, poolAt + 16));
    pool.fill(0, poolAt, poolAt + 16);
    poolAt += 16;
    return id;
  }
  return Array.from({ length: 4 }, () => Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0')).join('');
}

/** The optional per-step URL override of an event (`--api-url`). */
function withUrl(event, step) {
  if (step?.url !== undefined && step.url !== null) event.url = String(step.url);
  return event;
}

/** Wraps the minted key in a Secret; everything else stays plain data. */
function toCredential(c) {
  // `expiresAt: null` is a key that never expires (the core drops null members).
  // A session (the sessions preset) carries accessToken/refreshToken instead of apiKey.
  if (c.apiKey === undefined && c.accessToken !== undefined) {
    const out = { ...c, expiresAt: c.expiresAt ?? null, accessToken: new Secret(c.accessToken) };
    if (c.refreshToken !== undefined) out.refreshToken = new Secret(c.refreshToken);
    return Object.freeze(out);
  }
  return Object.freeze({ ...c, expiresAt: c.expiresAt ?? null, apiKey: new Secret(c.apiKey) });
}

/**
 * Runs `input` through the core, performing every request it asks for.
 * @returns {Promise<{state: object|null, action: any}>}
 */
export async function drive(input, opts) {
  let out = step(input);
  while (out.action.type === 'send') {
    const event = await perform(out.action.request, opts);
    out = step({ op: 'event', now: nowSeconds(opts.clock), state: out.state, event });
  }
  return out;
}

/** The JSON text of an `event` step: the saved state goes in as the text the core wrote. */
function eventText(clock, state, event) {
  return `{"op":"event","now":${JSON.stringify(nowSeconds(clock))},"state":${state ?? 'null'},"event":${JSON.stringify(event)}}`;
}

/** `drive` on JSON text, keeping the state as the core's text between steps. */
async function driveText(text, opts) {
  let out = stepText(text);
  while (out.action.type === 'send') {
    const event = await perform(out.action.request, opts);
    out = stepText(eventText(opts.clock, out.state, event));
  }
  return out;
}

export class Flow {
  #text; // the saved document as JSON text (what the core wrote), or undefined
  #doc; // the same document parsed, made on first use
  #opts;

  /** @param {object} state a saved flow document @param {object} opts */
  constructor(state, opts = {}, text = undefined) {
    this.#doc = state;
    this.#text = text;
    this.#opts = opts;
  }

  /** The saved document: store it, then `resume()` it in another process. */
  toJSON() {
    return this.state;
  }
  get state() {
    if (this.#doc === undefined && this.#text !== undefined) this.#doc = JSON.parse(this.#text);
    return this.#doc;
  }
  get phase() { return this.state.phase; }
  get email() { return this.state.email; }
  get purpose() { return this.state.purpose; }
  get provider() { return this.state.provider; }
  get baseUrl() { return this.state.baseUrl; }
  get expiresAt() { return this.state.expiresAt ?? null; }
  get resendAvailableAt() { return this.state.resendAvailableAt ?? null; }
  get attemptsRemaining() { return this.state.attemptsRemaining ?? null; }
  get organizations() { return this.state.organizations ?? []; }
  get lockedUntil() { return this.state.lockedUntil ?? null; }
  get switchedFrom() { return this.state.switchedFrom ?? null; }
  get keyMayHaveBeenMinted() { return this.state.keyMayHaveBeenMinted === true; }

  async #run(event) {
    const opts = this.#opts;
    const out = await driveText(eventText(opts.clock, (this.#text ??= JSON.stringify(this.#doc)), event), opts);
    if (out.state !== null) {
      this.#text = out.state;
      this.#doc = undefined;
      if (opts.onState) await opts.onState(this.state);
    }
    if (out.action.type === 'error') throw toError(out.action.error);
    return out.action;
  }

  /**
   * Asks the backend to email a code. Resolves with `{email, purpose, expiresAt, resendAvailableAt, switchedFrom}`.
   * `step.url` replaces the whole URL of the endpoint this step calls (https or loopback).
   */
  async requestCode(step) {
    const { type, ...sent } = await this.#run(withUrl({ type: 'request_code' }, step));
    return sent;
  }

  /**
   * Sends the code (spaces and dashes allowed) and resolves with the credential.
   * `step.url` replaces the whole URL of the endpoint this step calls (https or loopback).
   */
  async submitCode(code, options, step) {
    const action = await this.#run(withUrl({ type: 'submit_code', code: String(code ?? ''), options }, step));
    return toCredential(action.credential);
  }

  /** Re-sends the kept code for the chosen organization (`step.url` as for `submitCode`). */
  async chooseOrganization(organizationId, step) {
    const action = await this.#run(withUrl({ type: 'choose_organization', organizationId: String(organizationId ?? '') }, step));
    return toCredential(action.credential);
  }
}

/** Starts a flow (no request is sent until `requestCode()`). */
export function start(config, opts = {}) {
  const { fetch, timeoutMs, signal, clock, onState, headers, ...core } = config;
  const runOpts = { fetch, timeoutMs, signal, clock, onState, headers, ...opts };
  if (core.provider && typeof core.provider === 'object') {
    core.spec = core.provider;
    delete core.provider;
  }
  const out = stepText(JSON.stringify({ op: 'start', now: nowSeconds(clock), config: { flowId: flowId(), ...core } }));
  if (out.action.type === 'error') throw toError(out.action.error);
  return new Flow(undefined, runOpts, out.state);
}

/** Resumes a flow from its saved document (a string or the object `toJSON()` gave). */
export function resume(saved, opts = {}) {
  return new Flow(loadSaved(saved), opts);
}

/** Asks the backend who a key belongs to. */
export async function whoami(config, opts = {}) {
  const { fetch, timeoutMs, signal, clock, headers, ...core } = config;
  const runOpts = { fetch, timeoutMs, signal, clock, headers, ...opts };
  if (core.provider && typeof core.provider === 'object') {
    core.spec = core.provider;
    delete core.provider;
  }
  if (core.apiKey instanceof Secret) core.apiKey = core.apiKey.reveal();
  const req = step({ op: 'whoami', config: core });
  if (req.action.type === 'error') throw toError(req.action.error);
  const event = await perform(req.action.request, runOpts);
  const out = step({ op: 'whoami_response', config: core, event });
  if (out.action.type === 'error') throw toError(out.action.error);
  return out.action.identity;
}
