// The driver loop: feeds the core events, performs the requests it asks for,
// and turns its actions into resolved values or thrown KeymintErrors.
import { step } from './core.mjs';
import { perform } from './transport.mjs';
import { Secret } from './secret.mjs';
import { nowSeconds, toError, loadSaved, bytesToHex, run, providerConfig, toSession } from './steps.mjs';

export { toError };

/**
 * 16 random bytes as hex: the flow id, and the nonce of each code submission
 * (the two halves of the Idempotency-Key, so flows and submissions never share
 * keys and the key says nothing about the code). Node 18 has no global crypto;
 * there, uniqueness is all they need.
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
  if (c.apiKey === undefined && c.accessToken !== undefined) return toSession({ ...c, expiresAt: c.expiresAt ?? null });
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

export class Flow {
  #state;
  #opts;

  /** @param {object} state a saved flow document @param {object} opts */
  constructor(state, opts = {}) {
    this.#state = state;
    this.#opts = opts;
  }

  /** The saved document: store it, then `resume()` it in another process. */
  toJSON() {
    return this.#state;
  }
  get state() {
    return this.#state;
  }
  get phase() { return this.#state.phase; }
  get email() { return this.#state.email; }
  get purpose() { return this.#state.purpose; }
  get provider() { return this.#state.provider; }
  get baseUrl() { return this.#state.baseUrl; }
  get expiresAt() { return this.#state.expiresAt ?? null; }
  get resendAvailableAt() { return this.#state.resendAvailableAt ?? null; }
  get attemptsRemaining() { return this.#state.attemptsRemaining ?? null; }
  get organizations() { return this.#state.organizations ?? []; }
  get lockedUntil() { return this.#state.lockedUntil ?? null; }
  get switchedFrom() { return this.#state.switchedFrom ?? null; }
  get keyMayHaveBeenMinted() { return this.#state.keyMayHaveBeenMinted === true; }

  async #run(event) {
    const opts = this.#opts;
    const out = await drive({ op: 'event', now: nowSeconds(opts.clock), state: this.#state, event }, opts);
    if (out.state) {
      this.#state = out.state;
      if (opts.onState) await opts.onState(this.#state);
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
    // A fresh nonce every call: the core keeps the saved one when this is the same
    // code and options as the submission before (a retry after a lost answer).
    const action = await this.#run(withUrl({ type: 'submit_code', code: String(code ?? ''), options, nonce: flowId() }, step));
    return toCredential(action.credential);
  }

  /** Re-sends the kept code for the chosen organization (`step.url` as for `submitCode`). */
  async chooseOrganization(organizationId, step) {
    const action = await this.#run(withUrl({ type: 'choose_organization', organizationId: String(organizationId ?? ''), nonce: flowId() }, step));
    return toCredential(action.credential);
  }
}

/** Starts a flow (no request is sent until `requestCode()`). */
export function start(config, opts = {}) {
  const { fetch, timeoutMs, signal, clock, onState, headers, provider, ...core } = config;
  const runOpts = { fetch, timeoutMs, signal, clock, onState, headers, ...opts };
  const out = run({ op: 'start', now: nowSeconds(clock), config: { flowId: flowId(), ...core, ...providerConfig(provider) } });
  return new Flow(out.state, runOpts);
}

/** Resumes a flow from its saved document (a string or the object `toJSON()` gave). */
export function resume(saved, opts = {}) {
  return new Flow(loadSaved(saved), opts);
}

/** Asks the backend who a key belongs to. */
export async function whoami(config, opts = {}) {
  const { fetch, timeoutMs, signal, clock, headers, provider, ...rest } = config;
  const runOpts = { fetch, timeoutMs, signal, clock, headers, ...opts };
  const core = { ...rest, ...providerConfig(provider) };
  if (core.apiKey instanceof Secret) core.apiKey = core.apiKey.reveal();
  const req = run({ op: 'whoami', config: core });
  const event = await perform(req.action.request, runOpts);
  return run({ op: 'whoami_response', config: core, event }).action.identity;
}
