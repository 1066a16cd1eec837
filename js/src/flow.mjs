// Email one-time-code flows: start, request a code, submit it (choose an organization),
// resume from the saved document; and whoami for a minted key. The loop is driver.mjs's.
// Part of the wasm-free runtime: `emailCodeFlows` binds these functions to the core of the entry
// that exports them (the default entry's email-code build, or keymint/sessions' full one), and
// a Flow steps on the core it was made with.
import { Resumable, advance, exchange, splitConfig } from './driver.mjs';
import { Secret } from './secret.mjs';
import { nowSeconds, loadSaved, bytesToHex, begin, toCredential } from './steps.mjs';

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

/** The credential of a `done` action. @param {any} action */
const credentialOf = (action) => toCredential(action.credential);

export class Flow extends Resumable {
  static get name() { return 'Flow'; } // kept through minification (scripts/bundle-options.mjs)

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

  /**
   * Asks the backend to email a code. Resolves with `{email, purpose, expiresAt, resendAvailableAt, switchedFrom}`.
   * `step.url` replaces the whole URL of the endpoint this step calls (https or loopback).
   */
  requestCode(step) {
    // `then` rather than an async method: one suspended function less while the request is out.
    return advance(this, withUrl({ type: 'request_code' }, step)).then(({ type, ...sent }) => sent);
  }

  /**
   * Sends the code (spaces and dashes allowed) and resolves with the credential.
   * `step.url` replaces the whole URL of the endpoint this step calls (https or loopback).
   */
  submitCode(code, options, step) {
    // A fresh nonce every call: the core keeps the saved one when this is the same
    // code and options as the submission before (a retry after a lost answer).
    return advance(this, withUrl({ type: 'submit_code', code: String(code ?? ''), options, nonce: flowId() }, step)).then(credentialOf);
  }

  /** Re-sends the kept code for the chosen organization (`step.url` as for `submitCode`). */
  chooseOrganization(organizationId, step) {
    return advance(this, withUrl({ type: 'choose_organization', organizationId: String(organizationId ?? ''), nonce: flowId() }, step)).then(credentialOf);
  }
}

/**
 * The email-code API (start, resume, refreshToken, whoami) on one core: each entry that carries a
 * wasm exports it bound to its own (src/index.mjs, src/sessions/index.mjs).
 * @param {import('./load-core.mjs').CoreStep} step the step of the entry's core
 */
export function emailCodeFlows(step) {
  /** Starts a flow (no request is sent until `requestCode()`). */
  function start(config, opts = {}) {
    const { runOpts, core } = splitConfig(config, opts);
    const out = begin({ op: 'start', now: nowSeconds(runOpts.clock), config: { flowId: flowId(), ...core } }, step);
    return new Flow(out.stateText, runOpts, step);
  }

  /** Resumes a flow from its saved document (a string or the object `toJSON()` gave). */
  function resume(saved, opts = {}) {
    return new Flow(loadSaved(saved, step), opts, step);
  }

  /**
   * Refreshes a token credential with the spec's `refresh` route (the current token in a header
   * or the body, as the spec says); resolves with the new credential (`apiKey`, `kind`,
   * `expiresAt` — the token's own `exp` for a JWT —, `user`).
   */
  async function refreshToken(config, opts = {}) {
    const { runOpts, core } = splitConfig(config, opts);
    if (core.apiKey instanceof Secret) core.apiKey = core.apiKey.reveal();
    const action = await exchange({ op: 'token_refresh', config: core }, 'token_refresh_response', runOpts, step);
    return toCredential(action.credential);
  }

  /** Asks the backend who a key belongs to. */
  async function whoami(config, opts = {}) {
    const { runOpts, core } = splitConfig(config, opts);
    if (core.apiKey instanceof Secret) core.apiKey = core.apiKey.reveal();
    return (await exchange({ op: 'whoami', config: core }, 'whoami_response', runOpts, step)).identity;
  }

  return { start, resume, refreshToken, whoami };
}
