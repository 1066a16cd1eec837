// Emulator backend: CODITECT (shared/protocols/coditect.md, seed 003).
// Password + TOTP 2FA sessions under /v1, `cdt_live_`/`cdt_test_` API tokens, and an
// OAuth2 authorization server (/authorize, /token) with PKCE S256 on the same server.
// Every rule reads the emulator clock (ctx.now()), including TOTP.

import { createHash, scryptSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { normalizeEmail, isValidEmail, isBlank, sha256Hex, bearerToken, randomBase62, rfc3339, retrySeconds, body } from '../util.mjs';
import { verifyTotp, randomTotpSecret, totp, timeStep } from '../totp.mjs';

/** RFC 3339 UTC, whole seconds; `ceil` for "available at" times so a client never comes early. */
/** Whole seconds from `nowMs` until `untilMs`, rounded up and never 0. */
const secondsUntil = (untilMs, nowMs) => retrySeconds(untilMs - nowMs);

export const SCOPES = [
  'read:profile', 'write:profile', 'read:projects', 'write:projects',
  'read:org', 'admin:org', 'read:licenses', 'manage:licenses',
];
export const MIN_PASSWORD = 12;
export const LOGIN_FAIL_LIMIT = 10;
export const LOGIN_WINDOW_S = 15 * 60;
export const CHALLENGE_TTL_S = 300;
export const CHALLENGE_ATTEMPTS = 5;
export const ACCESS_TTL_S = 3600;
export const REFRESH_TTL_S = 30 * 24 * 3600;
export const AUTH_CODE_TTL_S = 60;

const ok = (data, status = 200) => ({ status, json: { data } });

/** `{"error": {code, message, …}}`; a 429 with `retry_after` also gets `Retry-After`. */
function fail(status, code, message, extra = {}, headers = undefined) {
  const res = { status, json: { error: { code, message, ...extra } } };
  const h = { ...(headers ?? {}) };
  if (status === 429 && typeof extra.retry_after === 'number') h['retry-after'] = String(extra.retry_after);
  if (Object.keys(h).length) res.headers = h;
  return res;
}

/** RFC 6749 §5.2 error, never cached. */
function oauthFail(status, error, description, headers = {}) {
  return {
    status,
    json: { error, error_description: description },
    headers: { 'cache-control': 'no-store', pragma: 'no-cache', ...headers },
  };
}


const str = (v) => (typeof v === 'string' ? v : undefined);

function hashPassword(password) {
  const salt = randomBytes(16);
  // Small cost parameters: this is an emulator, but the password is still never stored.
  return { salt, hash: scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 }) };
}

function checkPassword(password, stored) {
  const hash = scryptSync(password, stored.salt, 32, { N: 1024, r: 8, p: 1 });
  return timingSafeEqual(hash, stored.hash);
}

/** base64url(sha256(verifier)), RFC 7636 §4.2 S256. */
export function pkceChallenge(verifier) {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function isAbsoluteUrl(u) {
  if (typeof u !== 'string') return false;
  try {
    new URL(u);
    return true;
  } catch {
    return false;
  }
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

const VERIFIER_RE = /^[A-Za-z0-9\-._~]{43,128}$/;

const bearerHeaders = (error, extra = '') => ({ 'www-authenticate': `Bearer realm="coditect", error="${error}"${extra}` });

export default function createCoditect(ctx) {
  const now = () => ctx.now();
  const token = (prefix, len) => (ctx.randomToken ? ctx.randomToken(prefix, len) : prefix + randomBase62(len));

  let s = fresh();

  function fresh() {
    return {
      /** @type {Map<string, any>} normalised email → user */
      users: new Map(),
      /** @type {Map<string, any>} user id → user */
      usersById: new Map(),
      /** @type {Map<string, number[]>} email → ms of failed logins, oldest first */
      failedLogins: new Map(),
      /** challenge-token hash → {userId, expiresAt, attemptsLeft} */
      challenges: new Map(),
      /** family id → {id, userId, kind: 'session'|'oauth', clientId?, scopes, revoked} */
      families: new Map(),
      /** access-token hash → {familyId, expiresAt, scopes} */
      access: new Map(),
      /** refresh-token hash → {familyId, expiresAt, rotated} */
      refresh: new Map(),
      /** API-token hash → {userId, env, scopes, expiresAt?, revoked} */
      apiTokens: new Map(),
      /** client_id → {clientId, secret?, redirectUris} */
      clients: new Map(),
      /** auth-code hash → {clientId, userId, redirectUri, redirectUriGiven, scopes, challenge?, expiresAt, used, familyId?} */
      codes: new Map(),
      lastSeeded: undefined,
      /** undefined: the most recently seeded user; null: nobody signed in; else an email */
      authorizeAs: undefined,
      stats: { refreshRequests: 0, tokenRequests: 0, revokedFamilies: 0 },
    };
  }

  function reset() {
    s = fresh();
  }

  function emailOf(value) {
    if (typeof value !== 'string' || isBlank(value)) return undefined;
    const email = normalizeEmail(value);
    return isValidEmail(email) ? email : undefined;
  }

  function putUser({ email, password, name, totp: withTotp }) {
    const existing = s.users.get(email);
    const id = existing?.id ?? token('usr_', 16);
    const displayName = name ?? existing?.name ?? email.split('@')[0];
    const user = {
      id,
      email,
      name: displayName,
      password: hashPassword(password),
      totpSecret: withTotp ? randomTotpSecret() : undefined,
      createdAt: existing?.createdAt ?? now(),
      org: existing?.org ?? { id: token('org_', 12), name: `${displayName}'s organization`, role: 'owner' },
      projects: existing?.projects ?? [{ id: token('prj_', 12), name: 'Sample project', created_at: rfc3339(now()) }],
    };
    s.users.set(email, user);
    s.usersById.set(id, user);
    s.lastSeeded = email;
    return user;
  }

  const userBrief = (u) => ({ id: u.id, email: u.email, name: u.name });
  const userFull = (u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    avatar_url: `https://avatars.coditect.ai/${u.id}`,
    created_at: rfc3339(u.createdAt),
    organization: { ...u.org },
  });

  /** Mints an access + refresh pair in a (new or existing) family. */
  function mint(user, { family, kind = 'session', clientId, scopes = SCOPES } = {}) {
    if (!family) {
      family = { id: token('fam_', 16), userId: user.id, kind, clientId, scopes: [...scopes], revoked: false };
      s.families.set(family.id, family);
    }
    const accessToken = token('cat_', 40);
    const refreshToken = token('crt_', 48);
    const expiresAt = now() + ACCESS_TTL_S * 1000;
    s.access.set(sha256Hex(accessToken), { familyId: family.id, expiresAt, scopes: [...scopes] });
    s.refresh.set(sha256Hex(refreshToken), { familyId: family.id, expiresAt: now() + REFRESH_TTL_S * 1000, rotated: false });
    return { accessToken, refreshToken, expiresAt, family, scopes };
  }

  function sessionTokens(user, status = 200, family = undefined) {
    const t = mint(user, { family });
    return ok({ user: userBrief(user), access_token: t.accessToken, refresh_token: t.refreshToken, expires_at: rfc3339(t.expiresAt) }, status);
  }

  function revokeFamily(family, reused = false) {
    if (!family || family.revoked) return;
    family.revoked = true;
    if (reused) s.stats.revokedFamilies++;
  }

  /**
   * Resolves the bearer token of a /v1 request: a session/OAuth access token, or a
   * `cdt_live_`/`cdt_test_` API token when `allowApi`.
   * @returns {{user: any, scopes: string[], kind: 'access'|'api', family?: any} | {error: any}}
   */
  function authenticate(req, { allowApi = true } = {}) {
    const raw = bearerToken(req.headers);
    if (!raw) return { error: fail(401, 'invalid_token', 'A bearer token is required.', {}, bearerHeaders('invalid_token')) };
    const invalid = { error: fail(401, 'invalid_token', 'The token is unknown or has been revoked.', {}, bearerHeaders('invalid_token')) };
    if (/^cdt_(live|test)_/.test(raw)) {
      if (!allowApi) return { error: fail(400, 'invalid_request', 'API tokens are revoked in the dashboard, not by logout.') };
      const rec = s.apiTokens.get(sha256Hex(raw));
      const user = rec ? s.usersById.get(rec.userId) : undefined;
      if (!rec || rec.revoked || !user) return invalid;
      if (rec.expiresAt !== undefined && now() >= rec.expiresAt) {
        return { error: fail(401, 'token_expired', 'The API token has expired. Generate a new one in the dashboard.', {}, bearerHeaders('invalid_token', ', error_description="expired"')) };
      }
      return { user, scopes: rec.scopes, kind: 'api', env: rec.env };
    }
    const rec = s.access.get(sha256Hex(raw));
    const family = rec ? s.families.get(rec.familyId) : undefined;
    const user = family ? s.usersById.get(family.userId) : undefined;
    if (!rec || !family || family.revoked || !user) return invalid;
    if (now() >= rec.expiresAt) {
      return { error: fail(401, 'token_expired', 'The access token has expired. Please refresh.', {}, bearerHeaders('invalid_token', ', error_description="expired"')) };
    }
    return { user, scopes: rec.scopes, kind: 'access', family };
  }

  function requireScope(auth, scope) {
    if (auth.scopes.includes(scope)) return undefined;
    return fail(403, 'insufficient_scope', `This action requires the '${scope}' scope`, { required_scope: scope },
      bearerHeaders('insufficient_scope', `, scope="${scope}"`));
  }

  // ---- /v1 sessions -------------------------------------------------------

  async function register(req) {
    const b = body(req);
    const email = emailOf(b.email);
    if (!email) return fail(400, 'invalid_request', 'A valid email is required.', { field: 'email' });
    if (typeof b.password !== 'string' || b.password.length === 0) return fail(400, 'invalid_request', 'A password is required.', { field: 'password' });
    if (b.name !== undefined && b.name !== null && (typeof b.name !== 'string' || isBlank(b.name))) {
      return fail(400, 'invalid_request', 'name must be a non-empty string.', { field: 'name' });
    }
    if ([...b.password].length < MIN_PASSWORD) {
      return fail(400, 'weak_password', `The password must be at least ${MIN_PASSWORD} characters.`, { min_length: MIN_PASSWORD });
    }
    if (s.users.has(email)) return fail(409, 'email_taken', 'An account with this email already exists. Log in instead.');
    const user = putUser({ email, password: b.password, name: typeof b.name === 'string' ? b.name.trim() : undefined, totp: false });
    return sessionTokens(user, 201);
  }

  async function login(req) {
    const b = body(req);
    if (typeof b.email !== 'string' || isBlank(b.email)) return fail(400, 'invalid_request', 'email is required.', { field: 'email' });
    if (typeof b.password !== 'string' || b.password.length === 0) return fail(400, 'invalid_request', 'password is required.', { field: 'password' });
    const email = normalizeEmail(b.email);
    // Sliding window: a failure counts while it is under 15 minutes old.
    const failures = (s.failedLogins.get(email) ?? []).filter((t) => now() - t < LOGIN_WINDOW_S * 1000);
    s.failedLogins.set(email, failures);
    if (failures.length >= LOGIN_FAIL_LIMIT) {
      // Allowed again once enough failures age out of the window to leave room for one more.
      const until = failures[failures.length - LOGIN_FAIL_LIMIT] + LOGIN_WINDOW_S * 1000;
      return fail(429, 'rate_limited', 'Too many failed logins for this email. Try again later.', { retry_after: secondsUntil(until, now()) });
    }
    const user = s.users.get(email);
    if (!user || !checkPassword(b.password, user.password)) {
      failures.push(now());
      return fail(401, 'invalid_credentials', 'The email or password is incorrect');
    }
    s.failedLogins.delete(email);
    if (user.totpSecret) {
      const challenge = token('ch_', 32);
      s.challenges.set(sha256Hex(challenge), { userId: user.id, expiresAt: now() + CHALLENGE_TTL_S * 1000, attemptsLeft: CHALLENGE_ATTEMPTS });
      return ok({ requires_2fa: true, challenge_token: challenge, method: 'totp' });
    }
    return sessionTokens(user);
  }

  async function verify2fa(req) {
    const b = body(req);
    const ch = str(b.challenge_token);
    if (!ch) return fail(400, 'invalid_request', 'challenge_token is required.', { field: 'challenge_token' });
    if (typeof b.code !== 'string' && typeof b.code !== 'number') return fail(400, 'invalid_request', 'code is required.', { field: 'code' });
    const key = sha256Hex(ch);
    const rec = s.challenges.get(key);
    const user = rec ? s.usersById.get(rec.userId) : undefined;
    if (!rec || !user || now() >= rec.expiresAt || rec.attemptsLeft <= 0) {
      return fail(410, 'challenge_expired', 'The 2FA challenge has expired. Log in again.');
    }
    const code = String(b.code);
    if (verifyTotp(user.totpSecret, code, Math.floor(now() / 1000)) === null) {
      rec.attemptsLeft--;
      return fail(401, 'invalid_2fa_code', 'The 2FA code is incorrect.', { attempts_remaining: rec.attemptsLeft });
    }
    s.challenges.delete(key);
    return sessionTokens(user);
  }

  async function refresh(req) {
    s.stats.refreshRequests++;
    const b = body(req);
    const raw = str(b.refresh_token);
    if (!raw) return fail(400, 'invalid_request', 'refresh_token is required.', { field: 'refresh_token' });
    const rec = s.refresh.get(sha256Hex(raw));
    const family = rec ? s.families.get(rec.familyId) : undefined;
    const user = family ? s.usersById.get(family.userId) : undefined;
    const invalid = () => fail(401, 'invalid_refresh_token', 'The refresh token is invalid, revoked or already used. Log in again.');
    if (!rec || !family || family.kind !== 'session' || family.revoked || !user || now() >= rec.expiresAt) return invalid();
    if (rec.rotated) {
      revokeFamily(family, true);
      return invalid();
    }
    rec.rotated = true;
    return sessionTokens(user, 200, family);
  }

  async function logout(req) {
    const auth = authenticate(req, { allowApi: false });
    if (auth.error) return auth.error;
    revokeFamily(auth.family);
    return { status: 204 };
  }

  async function me(req) {
    const auth = authenticate(req);
    if (auth.error) return auth.error;
    return ok(userFull(auth.user));
  }

  async function projects(req) {
    const auth = authenticate(req);
    if (auth.error) return auth.error;
    const denied = requireScope(auth, 'read:projects');
    if (denied) return denied;
    return ok(auth.user.projects.map((p) => ({ ...p })));
  }

  // ---- OAuth2 authorization server -------------------------------------------

  function parseScopes(text) {
    return String(text ?? '').split(/[\s+]+/).filter(Boolean);
  }

  async function authorize(req) {
    const q = req.query;
    const clientId = q.get('client_id');
    const client = clientId ? s.clients.get(clientId) : undefined;
    // Until client and redirect URI are verified, errors are shown, never redirected (RFC 6749 §4.1.2.1).
    if (!clientId) return oauthFail(400, 'invalid_request', 'client_id is required.');
    if (!client) return oauthFail(400, 'invalid_client', 'Unknown client_id.');
    let redirectUri = q.get('redirect_uri');
    const redirectUriGiven = redirectUri !== null;
    if (!redirectUriGiven) {
      if (client.redirectUris.length !== 1) return oauthFail(400, 'invalid_request', 'redirect_uri is required.');
      redirectUri = client.redirectUris[0];
    } else if (!client.redirectUris.includes(redirectUri)) {
      return oauthFail(400, 'invalid_request', 'redirect_uri does not match any URI registered for this client.');
    }
    const state = q.get('state');
    const back = (params) => {
      const url = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      if (state !== null) url.searchParams.set('state', state);
      return { status: 302, headers: { location: url.toString(), 'cache-control': 'no-store' } };
    };
    const backError = (error, description) => back({ error, error_description: description });

    if (q.get('response_type') !== 'code') return backError('unsupported_response_type', 'response_type must be "code".');
    const challenge = q.get('code_challenge');
    const method = q.get('code_challenge_method');
    if (challenge !== null) {
      if ((method ?? 'plain') !== 'S256') return backError('invalid_request', 'code_challenge_method must be S256.');
      if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(challenge)) return backError('invalid_request', 'code_challenge is malformed.');
    } else if (method !== null) {
      return backError('invalid_request', 'code_challenge_method without code_challenge.');
    }
    const scopes = q.get('scope') === null ? ['read:profile'] : parseScopes(q.get('scope'));
    const unknown = scopes.filter((x) => !SCOPES.includes(x));
    if (unknown.length || scopes.length === 0) return backError('invalid_scope', `Unknown scope: ${unknown.join(' ') || '(empty)'}`);

    const email = s.authorizeAs === undefined ? s.lastSeeded : s.authorizeAs;
    const user = email ? s.users.get(email) : undefined;
    if (!user) return backError('access_denied', 'No user is signed in at the authorization server.');

    const code = token('ac_', 32);
    s.codes.set(sha256Hex(code), {
      clientId, userId: user.id, redirectUri, redirectUriGiven, scopes, challenge: challenge ?? undefined,
      expiresAt: now() + AUTH_CODE_TTL_S * 1000, used: false, familyId: undefined,
    });
    return back({ code });
  }

  /** Client authentication: HTTP Basic or client_id/client_secret in the form. */
  function authenticateClient(req, form) {
    let clientId = form.get('client_id');
    let secret = form.get('client_secret');
    let viaBasic = false;
    const m = /^Basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (m) {
      const decoded = Buffer.from(m[1], 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0) return { error: oauthFail(401, 'invalid_client', 'Malformed Basic credentials.', { 'www-authenticate': 'Basic realm="coditect"' }) };
      // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
      const basicId = safeDecode(decoded.slice(0, i));
      const basicSecret = safeDecode(decoded.slice(i + 1));
      if (basicId === undefined || basicSecret === undefined) {
        return { error: oauthFail(401, 'invalid_client', 'Malformed Basic credentials.', { 'www-authenticate': 'Basic realm="coditect"' }) };
      }
      if (clientId !== null && clientId !== basicId) return { error: oauthFail(400, 'invalid_request', 'client_id differs from the Basic credentials.') };
      clientId = basicId;
      secret = basicSecret;
      viaBasic = true;
    }
    const attempted = viaBasic || (secret !== null && secret !== '');
    const unauthorized = (description) => oauthFail(attempted ? 401 : 400, 'invalid_client', description,
      viaBasic ? { 'www-authenticate': 'Basic realm="coditect"' } : {});
    if (!clientId) return { error: oauthFail(400, 'invalid_request', 'client_id is required.') };
    const client = s.clients.get(clientId);
    if (!client) return { error: unauthorized('Unknown client.') };
    if (client.secret !== undefined) {
      if (!secret) return { error: unauthorized('This client must authenticate with its client_secret.') };
      const a = Buffer.from(sha256Hex(secret));
      const b = Buffer.from(sha256Hex(client.secret));
      if (!timingSafeEqual(a, b)) return { error: unauthorized('Client authentication failed.') };
    }
    return { client };
  }

  function tokenResponse(t) {
    return {
      status: 200,
      json: {
        access_token: t.accessToken,
        refresh_token: t.refreshToken,
        token_type: 'Bearer',
        expires_in: ACCESS_TTL_S,
        scope: t.scopes.join(' '),
      },
      headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
    };
  }

  async function tokenEndpoint(req) {
    s.stats.tokenRequests++;
    const ctype = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (ctype !== 'application/x-www-form-urlencoded' || !req.form) {
      return oauthFail(400, 'invalid_request', 'The token endpoint takes application/x-www-form-urlencoded.');
    }
    const form = req.form;
    const grant = form.get('grant_type');
    if (!grant) return oauthFail(400, 'invalid_request', 'grant_type is required.');
    if (grant !== 'authorization_code' && grant !== 'refresh_token') {
      return oauthFail(400, 'unsupported_grant_type', `grant_type "${grant}" is not supported.`);
    }
    const auth = authenticateClient(req, form);
    if (auth.error) return auth.error;
    const client = auth.client;

    if (grant === 'authorization_code') {
      const code = form.get('code');
      if (!code) return oauthFail(400, 'invalid_request', 'code is required.');
      const rec = s.codes.get(sha256Hex(code));
      if (!rec || rec.clientId !== client.clientId) return oauthFail(400, 'invalid_grant', 'The authorization code is invalid.');
      if (rec.used) {
        // RFC 6749 §4.1.2: a code used twice revokes the tokens issued for it.
        revokeFamily(s.families.get(rec.familyId));
        return oauthFail(400, 'invalid_grant', 'The authorization code was already used.');
      }
      if (now() >= rec.expiresAt) return oauthFail(400, 'invalid_grant', 'The authorization code has expired.');
      const redirectUri = form.get('redirect_uri');
      if (rec.redirectUriGiven ? redirectUri !== rec.redirectUri : (redirectUri !== null && redirectUri !== rec.redirectUri)) {
        return oauthFail(400, 'invalid_grant', 'redirect_uri does not match the authorization request.');
      }
      const verifier = form.get('code_verifier');
      if (rec.challenge !== undefined) {
        if (!verifier) return oauthFail(400, 'invalid_request', 'code_verifier is required.');
        if (!VERIFIER_RE.test(verifier)) return oauthFail(400, 'invalid_request', 'code_verifier is malformed (43-128 unreserved characters).');
        if (pkceChallenge(verifier) !== rec.challenge) return oauthFail(400, 'invalid_grant', 'code_verifier does not match the code_challenge.');
      } else if (verifier) {
        return oauthFail(400, 'invalid_grant', 'code_verifier sent but the authorization request had no code_challenge.');
      }
      const user = s.usersById.get(rec.userId);
      if (!user) return oauthFail(400, 'invalid_grant', 'The authorization code is invalid.');
      rec.used = true;
      const t = mint(user, { kind: 'oauth', clientId: client.clientId, scopes: rec.scopes });
      rec.familyId = t.family.id;
      return tokenResponse(t);
    }

    // refresh_token
    s.stats.refreshRequests++;
    const raw = form.get('refresh_token');
    if (!raw) return oauthFail(400, 'invalid_request', 'refresh_token is required.');
    const rec = s.refresh.get(sha256Hex(raw));
    const family = rec ? s.families.get(rec.familyId) : undefined;
    const user = family ? s.usersById.get(family.userId) : undefined;
    if (!rec || !family || family.kind !== 'oauth' || family.clientId !== client.clientId || family.revoked || !user || now() >= rec.expiresAt) {
      return oauthFail(400, 'invalid_grant', 'The refresh token is invalid, expired or revoked.');
    }
    if (rec.rotated) {
      revokeFamily(family, true);
      return oauthFail(400, 'invalid_grant', 'The refresh token was already used; the grant has been revoked.');
    }
    let scopes = family.scopes;
    const asked = form.get('scope');
    if (asked !== null) {
      scopes = parseScopes(asked);
      if (!scopes.length || scopes.some((x) => !family.scopes.includes(x))) {
        return oauthFail(400, 'invalid_scope', 'The requested scope exceeds the original grant.');
      }
    }
    rec.rotated = true;
    return tokenResponse(mint(user, { family, scopes }));
  }

  // ---- dev routes ----------------------------------------------------------

  const devFail = (status, message) => fail(status, 'invalid_request', message);

  async function seedUser(req) {
    const b = body(req);
    const email = emailOf(b.email);
    if (!email) return devFail(400, 'A valid email is required.');
    if (typeof b.password !== 'string' || b.password.length === 0) return devFail(400, 'password is required.');
    const user = putUser({ email, password: b.password, name: str(b.name), totp: b.totp === true });
    const out = { userId: user.id, email: user.email };
    if (user.totpSecret) out.totpSecret = user.totpSecret;
    return { status: 200, json: out };
  }

  async function seedClient(req) {
    const b = body(req);
    const clientId = str(b.client_id);
    if (!clientId) return devFail(400, 'client_id is required.');
    const uris = b.redirect_uris;
    if (!Array.isArray(uris) || uris.length === 0 || !uris.every(isAbsoluteUrl)) {
      return devFail(400, 'redirect_uris must be a non-empty array of absolute URLs.');
    }
    const secret = str(b.client_secret) || undefined;
    s.clients.set(clientId, { clientId, secret, redirectUris: [...uris] });
    return { status: 200, json: { client_id: clientId, confidential: secret !== undefined, redirect_uris: [...uris] } };
  }

  async function apiToken(req) {
    const b = body(req);
    const email = emailOf(b.email);
    const user = email ? s.users.get(email) : undefined;
    if (!user) return devFail(404, 'No such user; seed it first.');
    const env = b.env ?? 'test';
    if (env !== 'live' && env !== 'test') return devFail(400, 'env must be "live" or "test".');
    const scopes = b.scopes === undefined ? [...SCOPES] : b.scopes;
    if (!Array.isArray(scopes) || scopes.some((x) => !SCOPES.includes(x))) return devFail(400, `scopes must be a subset of: ${SCOPES.join(' ')}`);
    const raw = token(`cdt_${env}_`, 40);
    const rec = { userId: user.id, env, scopes: [...scopes], revoked: false, expiresAt: undefined };
    if (typeof b.expires_in === 'number' && b.expires_in > 0) rec.expiresAt = now() + b.expires_in * 1000;
    s.apiTokens.set(sha256Hex(raw), rec);
    return { status: 200, json: { token: raw, env, scopes: rec.scopes, expires_at: rec.expiresAt === undefined ? null : rfc3339(rec.expiresAt) } };
  }

  async function revokeApiToken(req) {
    const raw = str(body(req).token);
    const rec = raw ? s.apiTokens.get(sha256Hex(raw)) : undefined;
    if (!rec) return devFail(404, 'Unknown API token.');
    rec.revoked = true;
    return { status: 200, json: { ok: true } };
  }

  async function authorizeAs(req) {
    const b = body(req);
    if (b.email === null) {
      s.authorizeAs = null;
      return { status: 200, json: { email: null } };
    }
    const email = emailOf(b.email);
    if (!email || !s.users.has(email)) return devFail(404, 'No such user; seed it first.');
    s.authorizeAs = email;
    return { status: 200, json: { email } };
  }

  async function totpCode(req) {
    const email = emailOf(req.query.get('email') ?? '');
    const user = email ? s.users.get(email) : undefined;
    if (!user || !user.totpSecret) return devFail(404, 'No such user with TOTP enabled.');
    const seconds = Math.floor(now() / 1000);
    return { status: 200, json: { code: totp(user.totpSecret, seconds), step: timeStep(seconds) } };
  }

  async function getStats() {
    return { status: 200, json: { ...s.stats } };
  }

  return {
    name: 'coditect',
    routes: [
      { method: 'POST', path: '/v1/auth/register', handler: register },
      { method: 'POST', path: '/v1/auth/login', handler: login },
      { method: 'POST', path: '/v1/auth/2fa/verify', handler: verify2fa },
      { method: 'POST', path: '/v1/auth/refresh', handler: refresh },
      { method: 'POST', path: '/v1/auth/logout', handler: logout },
      { method: 'GET', path: '/v1/auth/me', handler: me },
      { method: 'GET', path: '/v1/projects', handler: projects },
      { method: 'GET', path: '/authorize', handler: authorize },
      { method: 'POST', path: '/token', handler: tokenEndpoint },
    ],
    devRoutes: [
      { method: 'POST', path: '/__keymint/coditect/seed-user', handler: seedUser },
      { method: 'POST', path: '/__keymint/coditect/seed-client', handler: seedClient },
      { method: 'POST', path: '/__keymint/coditect/api-token', handler: apiToken },
      { method: 'POST', path: '/__keymint/coditect/revoke-api-token', handler: revokeApiToken },
      { method: 'POST', path: '/__keymint/coditect/authorize-as', handler: authorizeAs },
      { method: 'GET', path: '/__keymint/coditect/totp', handler: totpCode },
      { method: 'GET', path: '/__keymint/coditect/stats', handler: getStats },
    ],
    reset,
  };
}
