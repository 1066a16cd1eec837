// Sessions: access + refresh token pairs (the OTP sessions API, CODITECT password
// sign-in with TOTP 2FA, OAuth2 tokens) and CODITECT `cdt_` API tokens.
//
// - createClient() keeps a session alive: client.fetch() adds the bearer token,
//   refreshes shortly before expiry and once on a 401 token_expired, then retries
//   the request once. Refresh is single-flight per client, and across processes
//   sharing a profile store it runs inside the store's lease after re-reading the
//   profile (another process may have rotated the token already), so a rotated
//   refresh token is never presented twice (which would revoke the session).
// - passwordLogin() drives register / login / second factor; an agent holding its
//   TOTP secret passes it and the core computes the code.
// - totp() computes an RFC 6238 code in the core.
// Every decision is the core's (sessions ops of `step`); this file performs the
// requests and keeps the tokens, wrapped in Secret wherever they are handed out.
import { step, run, loadSaved, exchange } from './core.mjs';
import { KeymintError, canonicalError } from '../errors.mjs';
import { Secret } from '../secret.mjs';
import { Resumable, advance, splitConfig } from '../driver.mjs';
import { nowSeconds, providerConfig, toSession } from '../steps.mjs';
import { fetchSameOrigin } from '../transport.mjs';

export { toSession };

const reveal = (v) => (v instanceof Secret ? v.reveal() : v ?? undefined);

/**
 * The RFC 6238 code (6 digits, 30 s, SHA-1) of a base32 TOTP secret, computed by the core.
 * @param {string|Secret} secret @param {{now?: number}} [opts] `now` in ms (default Date.now())
 */
export function totp(secret, { now } = {}) {
  const ms = now ?? Date.now();
  return run({ op: 'totp', now: Math.floor(ms / 1000), secret: String(reveal(secret) ?? '') }).action.code;
}

/**
 * Which environment an API token belongs to (`cdt_live_` → 'live', `cdt_test_` → 'test').
 * @param {string|Secret} token @param {string} [provider]
 * @returns {'live'|'test'|null}
 */
export function apiTokenEnv(token, provider = 'coditect') {
  return run({ op: 'api_token', config: { ...providerConfig(provider), token: String(reveal(token) ?? '') } }).action.env ?? null;
}

/**
 * The profile a session credential is stored as (raw tokens: profile files are 0600).
 * @param {object} credential a session credential (from passwordLogin, an OTP flow or OAuth)
 */
export function sessionProfile(credential) {
  if (credential === null || typeof credential !== 'object') throw new TypeError('sessionProfile needs a session credential');
  const p = {
    provider: credential.provider,
    baseUrl: credential.baseUrl,
    accessToken: reveal(credential.accessToken),
    refreshToken: reveal(credential.refreshToken),
    tokenExpiresAt: credential.expiresAt ?? null,
  };
  for (const k of ['email', 'user', 'clientId', 'tokenUrl', 'scope', 'kind']) if (credential[k] !== undefined) p[k] = credential[k];
  if (p.refreshToken === undefined) delete p.refreshToken;
  return p;
}

// ---- password sign-in (CODITECT) ------------------------------------------------

/** A password sign-in; its saved document holds the short-lived challenge token while 2FA is pending, never the password. */
export class PasswordFlow extends Resumable {
  static get name() { return 'PasswordFlow'; } // kept through minification (scripts/bundle-options.mjs)

  /** @param {object} state a saved password flow @param {object} [opts] */
  constructor(state, opts = {}) {
    super(state, opts, step);
  }
  get email() { return this.state.email; }
  get challengeExpiresAt() { return this.state.challengeExpiresAt ?? null; }
  get attemptsRemaining() { return this.state.attemptsRemaining ?? null; }

  #result(action) {
    if (action.type === 'second_factor') {
      const { type, ...rest } = action;
      return { status: 'second_factor', ...rest };
    }
    return { status: 'signed_in', credential: toSession(action.credential) };
  }

  /** Creates the account; resolves with the session credential. */
  async register({ password, name } = {}) {
    const action = await advance(this, { type: 'register', password: String(reveal(password) ?? ''), name });
    return toSession(action.credential);
  }

  /**
   * Logs in. Resolves `{status: 'signed_in', credential}`, or `{status: 'second_factor',
   * method, expiresAt}` when the account has 2FA — unless `totpSecret` is given, in which case
   * the second factor is completed at once.
   */
  async login(password, { totpSecret } = {}) {
    const result = this.#result(await advance(this, { type: 'login', password: String(reveal(password) ?? '') }));
    if (result.status === 'second_factor' && totpSecret !== undefined) {
      return { status: 'signed_in', credential: await this.submitSecondFactor({ totpSecret }) };
    }
    return result;
  }

  /** Sends the second factor: a code (`'123 456'`) or `{totpSecret}` for the core to compute it. */
  async submitSecondFactor(input) {
    const event = input && typeof input === 'object' && !(input instanceof Secret)
      ? { type: 'submit_2fa', totpSecret: String(reveal(input.totpSecret) ?? '') }
      : { type: 'submit_2fa', code: String(input ?? '') };
    const action = await advance(this, event);
    return toSession(action.credential);
  }
}

/** Starts a password sign-in: `{provider: 'coditect', baseUrl?, email}`; nothing is sent yet. */
export function passwordLogin(config, opts = {}) {
  const { runOpts, core } = splitConfig(config, opts);
  const out = run({ op: 'password_start', now: nowSeconds(runOpts.clock), config: core });
  return new PasswordFlow(out.state, runOpts);
}

/** Resumes a password sign-in from its saved document. */
export function resumePasswordLogin(saved, opts = {}) {
  return new PasswordFlow(loadSaved(saved), opts);
}

// ---- the session client ---------------------------------------------------------

const DEFAULT_SKEW_MS = 60_000;

/**
 * A client that keeps one session (or API token) usable.
 * @param {{provider: string|object, baseUrl?: string, authUrl?: string, tokens?: object, apiKey?: string|Secret,
 *   store?: object, profile?: string, fetch?: Function, clock?: () => number, refreshSkewMs?: number,
 *   leaseTtlMs?: number, leaseWaitMs?: number, timeoutMs?: number, allowInsecure?: boolean,
 *   clientId?: string, clientSecret?: string|Secret, autoRefresh?: boolean,
 *   onRefresh?: (session: object) => void | Promise<void>}} options
 */
export function createClient(options) {
  return new SessionClient(options);
}

export class SessionClient {
  static get name() { return 'SessionClient'; } // kept through minification (scripts/bundle-options.mjs)

  #o;
  #access;
  #refresh;
  #expiresAt = null; // ms
  #apiKey;
  #clientId;
  #tokenUrl;
  #loaded = false;
  #inflight = null;
  #base;

  constructor(options) {
    options ??= {};
    if (!options.provider) throw new TypeError('createClient needs a provider');
    if ((options.store && !options.profile) || (!options.store && options.profile)) {
      throw new TypeError('createClient: store and profile go together');
    }
    this.#o = { refreshSkewMs: DEFAULT_SKEW_MS, leaseTtlMs: 60_000, leaseWaitMs: 15_000, autoRefresh: true, ...options };
    this.#clientId = options.clientId ?? options.tokens?.clientId;
    this.#tokenUrl = options.tokenUrl ?? options.tokens?.tokenUrl;
    if (options.apiKey !== undefined) {
      this.#apiKey = reveal(options.apiKey);
      this.#loaded = true;
    } else if (options.tokens) {
      this.#adopt(options.tokens);
      this.#loaded = true;
    } else if (!options.store) {
      throw new TypeError('createClient needs tokens, an apiKey, or a store and profile');
    }
    this.#base = options.baseUrl ?? options.tokens?.baseUrl;
  }

  /** The current tokens, wrapped in Secrets. */
  get session() {
    if (this.#apiKey !== undefined) return Object.freeze({ apiKey: new Secret(this.#apiKey) });
    if (this.#access === undefined) return null;
    return toSession({
      accessToken: this.#access,
      refreshToken: this.#refresh,
      expiresAt: this.#expiresAt === null ? null : new Date(this.#expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  }

  toJSON() {
    return { provider: typeof this.#o.provider === 'string' ? this.#o.provider : this.#o.provider.name, session: this.session };
  }

  #adopt(t) {
    this.#access = reveal(t.accessToken);
    this.#refresh = reveal(t.refreshToken) ?? this.#refresh;
    const exp = t.expiresAt ?? t.tokenExpiresAt ?? null;
    this.#expiresAt = exp === null ? null : Date.parse(exp);
    if (Number.isNaN(this.#expiresAt)) this.#expiresAt = null;
    if (t.clientId) this.#clientId = t.clientId;
    if (t.tokenUrl) this.#tokenUrl = t.tokenUrl;
  }

  async #load() {
    if (this.#loaded) return;
    const p = await this.#o.store.get(this.#o.profile);
    if (p && typeof p.apiKey === 'string' && typeof p.accessToken !== 'string') {
      this.#apiKey = p.apiKey; // an API token saved as the profile's key
    } else if (!p || typeof p.accessToken !== 'string') {
      throw canonicalError({
        code: 'PROFILE_NOT_FOUND',
        message: `No session is saved in profile "${this.#o.profile}".`,
        nextAction: { field: 'profile', text: 'Sign in first, or name a profile that holds a session.' },
      });
    } else {
      this.#adopt(p);
    }
    this.#base ??= p.baseUrl;
    this.#loaded = true;
  }

  #now() {
    return this.#o.clock ? this.#o.clock() : Date.now();
  }

  #config(operation) {
    const o = this.#o;
    return {
      ...providerConfig(o.provider),
      baseUrl: this.#base,
      authUrl: o.authUrl,
      allowInsecure: o.allowInsecure,
      operation,
      accessToken: this.#access,
      refreshToken: this.#refresh,
      apiKey: this.#apiKey,
      clientId: this.#clientId,
      tokenUrl: this.#tokenUrl,
      clientSecret: reveal(o.clientSecret),
    };
  }

  #runOpts() {
    const { fetch, timeoutMs, signal, headers, clock } = this.#o;
    return { fetch, timeoutMs, signal, headers, clock };
  }

  /** One session op: request, perform, answer. */
  async #op(operation) {
    return exchange({ op: 'session_request', config: this.#config(operation) }, 'session_response', this.#runOpts());
  }

  #expiresSoon() {
    return this.#expiresAt !== null && this.#expiresAt - this.#now() <= this.#o.refreshSkewMs;
  }

  /**
   * Refreshes now (single flight: concurrent callers share one refresh). With a store, runs
   * inside its lease and adopts the profile's tokens when another process rotated them first.
   */
  refresh() {
    if (this.#apiKey !== undefined) return Promise.reject(new TypeError('An API token does not refresh.'));
    this.#inflight ??= this.#doRefresh().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #doRefresh() {
    await this.#load();
    const { store, profile } = this.#o;
    if (!store) {
      this.#adopt((await this.#op('refresh')).session);
      await this.#o.onRefresh?.(this.session);
      return;
    }
    const mine = this.#refresh;
    await store.withLease(`refresh:${profile}`, this.#o.leaseTtlMs, async () => {
      const p = await store.get(profile);
      if (p && typeof p.refreshToken === 'string' && p.refreshToken !== mine && typeof p.accessToken === 'string') {
        this.#adopt(p); // another process rotated it: use theirs, send nothing
        return;
      }
      this.#adopt((await this.#op('refresh')).session);
      await store.put(profile, { ...(p ?? { provider: typeof this.#o.provider === 'string' ? this.#o.provider : this.#o.provider.name, baseUrl: this.#base }), ...this.#profileTokens() }, { activate: false });
      await this.#o.onRefresh?.(this.session);
    }, { waitMs: this.#o.leaseWaitMs });
  }

  #profileTokens() {
    const t = { accessToken: this.#access, refreshToken: this.#refresh, tokenExpiresAt: this.session?.expiresAt ?? null };
    if (t.refreshToken === undefined) delete t.refreshToken;
    return t;
  }

  /** Refreshes unless the token that failed was already replaced. */
  async #refreshAfter(used) {
    if (this.#access === used) await this.refresh();
  }

  async #ready() {
    await this.#load();
    if (this.#apiKey === undefined && this.#o.autoRefresh && this.#refresh !== undefined && this.#expiresSoon()) {
      await this.refresh();
    }
  }

  /** Runs `fn(token)`; once more after a refresh when it fails with TOKEN_EXPIRED. */
  async #withRetry(fn) {
    await this.#ready();
    const used = this.#access;
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof KeymintError) || e.code !== 'TOKEN_EXPIRED' || !this.#canRefresh()) throw e;
      await this.#refreshAfter(used);
      return fn();
    }
  }

  #canRefresh() {
    return this.#apiKey === undefined && this.#o.autoRefresh && this.#refresh !== undefined;
  }

  /** Who the session (or API token) belongs to: the backend's session / me answer. */
  async check() {
    return (await this.#withRetry(() => this.#op('check'))).identity;
  }

  /** Same as check(). */
  me() {
    return this.check();
  }

  /**
   * Revokes the session (sessions API: revoke; CODITECT: logout) and forgets the tokens;
   * with a store, removes them from the profile. Revoking an already revoked session succeeds.
   */
  async revoke() {
    if (this.#apiKey !== undefined) throw new TypeError('API tokens are revoked in the dashboard.');
    const out = await this.#withRetry(() => this.#op('revoke'));
    this.#access = undefined;
    this.#refresh = undefined;
    this.#expiresAt = null;
    const { store, profile } = this.#o;
    if (store) {
      await store.update((doc) => {
        const p = doc.profiles[profile];
        if (p) for (const k of ['accessToken', 'refreshToken', 'tokenExpiresAt']) delete p[k];
      });
    }
    return { revoked: true, alreadyRevoked: out.alreadyRevoked === true };
  }

  /** Same as revoke(). */
  logout() {
    return this.revoke();
  }

  #url(url) {
    const base = this.#base;
    const target = base === undefined ? new URL(String(url)) : new URL(String(url), base.endsWith('/') ? base : `${base}/`);
    // A relative path keeps the base URL's own path prefix.
    if (base !== undefined && typeof url === 'string' && url.startsWith('/')) {
      const b = new URL(base);
      target.pathname = b.pathname.replace(/\/$/, '') + url.replace(/[?#].*$/, '');
    }
    if (base !== undefined && target.origin !== new URL(base).origin) {
      throw canonicalError({
        code: 'INSECURE_URL',
        message: 'The session token is only sent to its own backend.',
        nextAction: { field: 'url', text: `Call a URL under ${new URL(base).origin}.` },
      });
    }
    return target;
  }

  async #send(target, init, token) {
    const headers = new Headers(init.headers ?? {});
    headers.set('authorization', `Bearer ${token}`);
    // The transport's redirect policy: the token never follows to another origin. A refused
    // redirect is handed back as the 3xx answer it is (this is the caller's own fetch).
    return (await fetchSameOrigin(this.#o.fetch ?? globalThis.fetch, target.href, { ...init, headers, redirect: 'manual' })).res;
  }

  async #expired(res) {
    if (res.status !== 401) return false;
    try {
      const body = await res.clone().text();
      const h = (n) => res.headers.get(n) ?? undefined;
      const event = { type: 'response', status: 401, body, headers: { 'content-type': h('content-type') } };
      const out = step({ op: 'session_response', now: nowSeconds(this.#o.clock), config: this.#config('call'), event });
      return out.action.type === 'error' && out.action.error.code === 'TOKEN_EXPIRED';
    } catch {
      return false;
    }
  }

  /**
   * fetch() with the session's bearer token: refreshes shortly before expiry and once after a
   * 401 token_expired, then retries once. Only to the backend's own origin. A request body must
   * be re-sendable (a string, bytes, URLSearchParams, FormData) for the retry.
   * @param {string|URL} url absolute, or a path under the base URL
   * @param {RequestInit} [init]
   * @returns {Promise<Response>}
   */
  async fetch(url, init = {}) {
    const target = (await this.#load(), this.#url(url));
    await this.#ready();
    const used = this.#apiKey ?? this.#access;
    let res = await this.#send(target, init, used);
    if (this.#canRefresh() && (await this.#expired(res))) {
      await this.#refreshAfter(used);
      res = await this.#send(target, init, this.#access);
    }
    return res;
  }

  /**
   * fetch() then the answer read through the backend's envelope: resolves with its data, or
   * throws the KeymintError it maps to (e.g. INSUFFICIENT_SCOPE with `details.requiredScope`).
   */
  async json(url, init = {}) {
    const res = await this.fetch(url, init);
    const body = await res.text();
    const h = (n) => res.headers.get(n) ?? undefined;
    const event = { type: 'response', status: res.status, body, headers: { 'content-type': h('content-type'), 'retry-after': h('retry-after') } };
    return run({ op: 'session_response', now: nowSeconds(this.#o.clock), config: this.#config('call'), event }).action.data;
  }
}
