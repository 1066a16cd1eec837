// OAuth 2.0 device authorization grant (RFC 8628): show a code, let a person confirm it in
// any browser, poll until the grant is approved. The core decides everything (when to poll,
// slow_down, denial, expiry, the optional key mint); this file performs the requests, sleeps
// until the time the core names, and wraps the credential in Secrets.
import { step, run, loadSaved } from './core.mjs';
import { Resumable, advance, splitConfig } from '../driver.mjs';
import { nowSeconds, toError, toCredential } from '../steps.mjs';

/** An abortable sleep of `ms` milliseconds. */
function sleepFor(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => { signal?.removeEventListener('abort', stop); resolve(); }, ms);
    const stop = () => { clearTimeout(t); reject(signal.reason); };
    signal?.addEventListener('abort', stop, { once: true });
  });
}

/** The pending code as the caller shows it. */
function pendingOf(s) {
  if (!s.userCode) return null;
  const iso = (t) => (typeof t === 'number' ? new Date(t * 1000).toISOString().replace('.000Z', 'Z') : null);
  return {
    userCode: s.userCode,
    verificationUri: s.verificationUri,
    verificationUriComplete: s.verificationUriComplete ?? null,
    expiresAt: iso(s.expiresAt),
    interval: s.interval,
    nextPollAt: iso(s.nextPollAt),
  };
}

/**
 * A device sign-in. Its saved document holds the device code (a bearer for the poll): keep it
 * where you keep tokens. Any process can `resumeDevice(saved)` and continue polling.
 */
export class DeviceFlow extends Resumable {
  static get name() { return 'DeviceFlow'; } // kept through minification (scripts/bundle-options.mjs)

  #opts;
  constructor(state, opts = {}) {
    super(state, opts, step);
    this.#opts = opts;
  }
  /** The pending code (`{userCode, verificationUri, verificationUriComplete, expiresAt, interval, nextPollAt}`), or null before start(). */
  get pending() { return pendingOf(this.state); }
  get userCode() { return this.state.userCode ?? null; }

  /** Asks the server for a code: resolves `{userCode, verificationUri, verificationUriComplete, expiresAt, interval}`. */
  async start() {
    const a = await advance(this, { type: 'request' });
    const { type, ...rest } = a;
    return rest;
  }

  /**
   * One poll. Resolves with the credential once the code is confirmed; otherwise throws
   * AUTHORIZATION_PENDING (`nextAction` open_url, `retryAfterSeconds` until the next poll is
   * allowed; nothing is sent when called early), ACCESS_DENIED or DEVICE_CODE_EXPIRED.
   */
  async poll() {
    const a = await advance(this, { type: 'poll' });
    if (a.type === 'wait') throw toError(a.error);
    return toCredential(a.credential);
  }

  /**
   * Polls until the code is confirmed, denied or expired, sleeping as long as the core says
   * (the interval, grown by 5 s on each slow_down). `onWait(wait)` is called before each
   * sleep with `{until, retryAfterSeconds, reason, userCode, verificationUri, expiresAt, …}`.
   * @param {{signal?: AbortSignal, onWait?: (w: object) => void, sleep?: (ms: number, signal?: AbortSignal) => Promise<void>}} [opts]
   */
  async wait({ signal, onWait, sleep = this.#opts.sleep ?? sleepFor } = {}) {
    for (;;) {
      signal?.throwIfAborted?.();
      const a = await advance(this, { type: 'poll' });
      if (a.type !== 'wait') return toCredential(a.credential);
      await onWait?.(a);
      const ms = Date.parse(a.until) - nowSeconds(this.#opts.clock) * 1000;
      await sleep(Math.max(ms, 0), signal);
    }
  }
}

/**
 * Starts a device sign-in: `{provider, baseUrl?, clientId?, scope?, resource?, keyName?,
 * keyExpiresInDays?, allowInsecure?}`; the endpoints come from the provider's `device`
 * section. Nothing is sent until start().
 */
export function deviceLogin(config, opts = {}) {
  const { sleep, ...rest } = config ?? {};
  const { runOpts, core } = splitConfig(rest, { sleep, ...opts });
  const out = run({ op: 'device_start', now: nowSeconds(runOpts.clock), config: core });
  return new DeviceFlow(out.state, runOpts);
}

/** Resumes a device sign-in from its saved document (e.g. in another process). */
export function resumeDevice(saved, opts = {}) {
  return new DeviceFlow(loadSaved(saved), opts);
}
