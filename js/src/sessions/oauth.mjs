// OAuth2 authorization code flow with PKCE (S256) and `state`, for CODITECT (or any
// provider spec with `oauth` endpoints). The core builds the authorize URL from random
// bytes drawn here, checks the returned `state` before anything else (a mismatch sends
// nothing), and builds the form-encoded code exchange; this file performs it.
import { step, run, loadSaved } from './core.mjs';
import { Resumable, advance, splitConfig } from '../driver.mjs';
import { nowSeconds, randomHex, toSession } from '../steps.mjs';
import { Secret } from '../secret.mjs';

/** An authorization in progress; its saved document holds the PKCE verifier, so keep it where you keep tokens. */
export class OAuthFlow extends Resumable {
  static get name() { return 'OAuthFlow'; } // kept through minification (scripts/bundle-options.mjs)

  #url;
  #clientSecret;
  constructor(state, url, opts = {}) {
    super(state, opts, step);
    this.#url = url;
    this.#clientSecret = opts.clientSecret;
  }
  /** The URL to open in a browser (null for a resumed flow). */
  get url() { return this.#url; }
  /** The `state` parameter sent; the callback must bring it back unchanged. */
  get stateParam() { return this.state.state; }

  /**
   * Handles the redirect back: the full callback URL (or its query parameters as an object).
   * Checks `state` first (STATE_MISMATCH, nothing sent), then the server's error, then
   * exchanges the code. Resolves with the token credential.
   * @param {string|URL|Record<string,string>|URLSearchParams} callback
   */
  async callback(callback) {
    const event = { type: 'callback' };
    if (typeof callback === 'string' || callback instanceof URL) event.url = String(callback);
    else if (callback instanceof URLSearchParams) event.params = Object.fromEntries(callback);
    else event.params = { ...callback };
    const secret = this.#clientSecret;
    if (secret !== undefined) event.clientSecret = secret instanceof Secret ? secret.reveal() : String(secret);
    return toSession((await advance(this, event)).credential);
  }
}

/**
 * Starts an authorization: `{provider: 'coditect', clientId, redirectUri, scope, authUrl?,
 * baseUrl?, clientSecret?, random?}`. Nothing is sent; open `flow.url`.
 */
export function authorize(config, opts = {}) {
  const { clientSecret, random, ...rest } = config ?? {};
  const { runOpts, core } = splitConfig(rest, { clientSecret, ...opts });
  // 48 random bytes: 32 for the PKCE code verifier, 16 for `state`.
  const out = run({ op: 'oauth_start', now: nowSeconds(runOpts.clock), config: { ...core, random: randomHex(48, random) } });
  return new OAuthFlow(out.state, out.action.url, runOpts);
}

/** Resumes an authorization from its saved document (e.g. in the process that gets the callback). */
export function resumeOAuth(saved, opts = {}) {
  return new OAuthFlow(loadSaved(saved), null, opts);
}
