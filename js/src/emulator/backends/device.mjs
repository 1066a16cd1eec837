// Emulator backend: an OAuth 2.0 device authorization server (RFC 8628) with an optional
// API-key mint, for `keymint.deviceLogin` and `auth device-login`. Every rule reads the
// emulator clock (ctx.now()).
//
//   POST /oauth/device/code    form client_id, scope?, resource?  → §3.2 answer
//   POST /oauth/device/token   form grant_type, device_code, client_id → token, or a §3.5 error
//                              (and grant_type=refresh_token: a new pair, the old refresh token spent)
//   POST /oauth/device/api-key Bearer access token, JSON {name?}  → {key, id, name}
//   GET  /.well-known/oauth-authorization-server                 → RFC 8414 metadata
//   dev: POST /__keymint/device/approve {userCode} · /__keymint/device/deny {userCode}
//        GET  /__keymint/device/pending → [{userCode, clientId, scope, status}]
//        POST /__keymint/device/force {error}: the next token poll answers that error
//
// Errors, all as RFC 6749 §5.2 `{error, error_description}`: authorization_pending,
// slow_down (a poll sooner than the interval; the interval then grows by 5 s, as §3.5 asks),
// access_denied, expired_token, invalid_request (no client_id / device_code), invalid_client
// (client_id `bad-client`, 401), invalid_grant (unknown, consumed or another client's code),
// unsupported_grant_type, invalid_scope (a scope word `forbidden`).
import { randomBase62 } from '../util.mjs';

export const DEVICE_CODE_TTL_S = 600;
export const DEVICE_INTERVAL_S = 5;
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

/**
 * The provider document for the emulator's device backend at `baseUrl` (with the key mint when
 * `mint`; the endpoints found through RFC 8414 metadata when `discover`).
 */
export function deviceSpec(baseUrl, { mint = true, discover = false } = {}) {
  return {
    name: 'device-emulator',
    baseUrl,
    device: {
      ...(discover
        ? { metadata: '/.well-known/oauth-authorization-server' }
        : { deviceAuthorizationEndpoint: '/oauth/device/code', tokenEndpoint: '/oauth/device/token' }),
      clientId: 'keymint-cli',
      scope: 'openid keys',
      mint,
    },
    mint: { path: '/oauth/device/api-key', body: { name: 'keyName' } },
    credential: { apiKey: 'key', keyId: 'id', keyName: 'name' },
    envelope: { code: 'error', message: 'error_description' },
  };
}

const oauthError = (status, error, description) => ({ status, json: { error, error_description: description } });

export default function createDevice(ctx) {
  const now = () => ctx.now();
  const interval = Number.isInteger(ctx.deviceIntervalSeconds) && ctx.deviceIntervalSeconds > 0 ? ctx.deviceIntervalSeconds : DEVICE_INTERVAL_S;
  const token = (prefix, len) => (ctx.randomToken ? ctx.randomToken(prefix, len) : prefix + randomBase62(len));
  /** @type {Map<string, any>} device code → grant */
  let grants = new Map();
  /** @type {Map<string, {userCode: string, clientId: string, scope: string}>} access token → */
  let tokens = new Map();
  /** @type {Map<string, {userCode: string, clientId: string, scope: string}>} refresh token → */
  let refreshTokens = new Map();
  let forced = null;

  const userCode = () => {
    let c = '';
    for (let i = 0; i < 8; i++) c += USER_ALPHABET[Math.floor(Math.random() * USER_ALPHABET.length)];
    return `${c.slice(0, 4)}-${c.slice(4)}`;
  };
  const byUserCode = (code) => [...grants.values()].find((g) => g.userCode === String(code ?? '').toUpperCase());

  function deviceCode(req) {
    const f = req.form ?? new URLSearchParams();
    const clientId = f.get('client_id');
    if (!clientId) return oauthError(400, 'invalid_request', 'client_id is required');
    if (clientId === 'bad-client') return oauthError(401, 'invalid_client', 'Unknown client');
    const scope = f.get('scope') ?? '';
    if (scope.split(/\s+/).includes('forbidden')) return oauthError(400, 'invalid_scope', 'Scope not allowed');
    const origin = `http://${req.headers.host}`;
    const g = {
      deviceCode: token('dc_', 32),
      userCode: userCode(),
      clientId,
      scope,
      resource: f.get('resource'),
      status: 'pending',
      expiresAt: now() + DEVICE_CODE_TTL_S * 1000,
      interval,
      lastPoll: null,
    };
    grants.set(g.deviceCode, g);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      json: {
        device_code: g.deviceCode,
        user_code: g.userCode,
        verification_uri: `${origin}/device`,
        verification_uri_complete: `${origin}/device?user_code=${encodeURIComponent(g.userCode)}`,
        expires_in: DEVICE_CODE_TTL_S,
        interval,
      },
    };
  }

  function deviceToken(req) {
    const f = req.form ?? new URLSearchParams();
    if (forced) {
      const error = forced;
      forced = null;
      return oauthError(error === 'invalid_client' ? 401 : 400, error, `Forced ${error}`);
    }
    if (f.get('grant_type') === 'refresh_token') return refresh(f);
    if (f.get('grant_type') !== DEVICE_GRANT) return oauthError(400, 'unsupported_grant_type', 'Only the device_code and refresh_token grants');
    const code = f.get('device_code');
    const clientId = f.get('client_id');
    if (!code || !clientId) return oauthError(400, 'invalid_request', 'device_code and client_id are required');
    if (clientId === 'bad-client') return oauthError(401, 'invalid_client', 'Unknown client');
    const g = grants.get(code);
    if (!g || g.clientId !== clientId) return oauthError(400, 'invalid_grant', 'Unknown device code');
    const t = now();
    if (t >= g.expiresAt) {
      grants.delete(code);
      return oauthError(400, 'expired_token', 'The device code expired');
    }
    if (g.lastPoll !== null && t - g.lastPoll < g.interval * 1000) {
      g.lastPoll = t;
      g.interval += 5;
      return oauthError(400, 'slow_down', 'Polling too fast');
    }
    g.lastPoll = t;
    if (g.status === 'denied') {
      grants.delete(code);
      return oauthError(400, 'access_denied', 'The user denied the request');
    }
    if (g.status === 'pending') return oauthError(400, 'authorization_pending', 'Waiting for the user');
    grants.delete(code);
    return issue({ userCode: g.userCode, clientId, scope: g.scope });
  }

  /** An access token (1 h) and a refresh token (rotated on use). */
  function issue(who) {
    const access = token('at_', 40);
    const rt = token('rt_', 40);
    tokens.set(access, who);
    refreshTokens.set(rt, who);
    return { status: 200, headers: { 'cache-control': 'no-store' }, json: { access_token: access, refresh_token: rt, token_type: 'Bearer', expires_in: 3600, scope: who.scope } };
  }

  /** RFC 6749 §6 at the same token endpoint. */
  function refresh(f) {
    const who = refreshTokens.get(f.get('refresh_token') ?? '');
    if (!who || who.clientId !== f.get('client_id')) return oauthError(400, 'invalid_grant', 'Unknown refresh token');
    refreshTokens.delete(f.get('refresh_token'));
    return issue(who);
  }

  function apiKey(req) {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m || !tokens.has(m[1])) return oauthError(401, 'invalid_token', 'Bearer token required');
    tokens.delete(m[1]);
    const name = typeof req.json?.name === 'string' ? req.json.name : 'device';
    return { status: 200, json: { key: token('cko_', 40), id: `key_${randomBase62(10)}`, name } };
  }

  function review(status) {
    return (req) => {
      const g = byUserCode(req.json?.userCode);
      if (!g) return { status: 404, json: { error: 'invalid_request', error_description: 'Unknown user code' } };
      if (now() >= g.expiresAt) return { status: 400, json: { error: 'expired_token', error_description: 'Expired' } };
      if (g.status !== 'pending') return { status: 400, json: { error: 'invalid_request', error_description: 'Already processed' } };
      g.status = status;
      return { status: 200, json: { success: true } };
    };
  }

  return {
    name: 'device',
    routes: [
      { method: 'POST', path: '/oauth/device/code', handler: deviceCode },
      { method: 'POST', path: '/oauth/device/token', handler: deviceToken },
      { method: 'POST', path: '/oauth/device/api-key', handler: apiKey },
      {
        method: 'GET',
        path: '/.well-known/oauth-authorization-server',
        handler: (req) => {
          const origin = `http://${req.headers.host}`;
          return { status: 200, json: { issuer: origin, device_authorization_endpoint: `${origin}/oauth/device/code`, token_endpoint: `${origin}/oauth/device/token`, grant_types_supported: [DEVICE_GRANT, 'refresh_token'] } };
        },
      },
    ],
    devRoutes: [
      { method: 'POST', path: '/__keymint/device/approve', handler: review('approved') },
      { method: 'POST', path: '/__keymint/device/deny', handler: review('denied') },
      {
        method: 'GET',
        path: '/__keymint/device/pending',
        handler: () => ({ status: 200, json: [...grants.values()].map((g) => ({ userCode: g.userCode, clientId: g.clientId, scope: g.scope, resource: g.resource, status: g.status, interval: g.interval })) }),
      },
      {
        method: 'POST',
        path: '/__keymint/device/force',
        handler: (req) => {
          forced = String(req.json?.error ?? '') || null;
          return { status: 200, json: { forced } };
        },
      },
    ],
    reset() {
      grants = new Map();
      tokens = new Map();
      refreshTokens = new Map();
      forced = null;
    },
  };
}
