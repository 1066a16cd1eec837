// The CODITECT emulator backend (shared/protocols/coditect.md) and the emulator's TOTP
// helpers, tested directly through a tiny in-process harness with a controllable clock,
// and end to end over HTTP through the emulator framework.

import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import createCoditect, { pkceChallenge, SCOPES } from '../src/emulator/backends/coditect.mjs';
import { base32Decode, base32Encode, hotp, totp, verifyTotp, randomTotpSecret } from '../src/emulator/totp.mjs';
import { startEmulator } from '../src/emulator/index.mjs';
import { harness } from './fixtures/backend-harness.mjs';

const T0 = Date.UTC(2026, 10, 22, 17, 40, 0); // 2026-11-22T17:40:00Z, on a 30 s step boundary
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const PASSWORD = 'correct horse battery';
const CB = 'https://app.example.com/callback';

// ---- TOTP and PKCE against the RFC test vectors ---------------------------------------

describe('totp.mjs', () => {
  const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
  // RFC 6238 appendix B, SHA-1 column, 8 digits.
  const VECTORS = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];

  test('RFC 6238 appendix B SHA-1 vectors (8 digits)', () => {
    for (const [t, expected] of VECTORS) assert.equal(totp(RFC_SECRET, t, { digits: 8 }), expected, `T=${t}`);
  });

  test('6-digit codes are the last 6 digits; T=59 → 287082', () => {
    assert.equal(totp(RFC_SECRET, 59), '287082');
    for (const [t, expected] of VECTORS) assert.equal(totp(RFC_SECRET, t), expected.slice(2), `T=${t}`);
  });

  test('base32 secrets give the same codes; encode/decode round-trip', () => {
    const b32 = base32Encode(RFC_SECRET);
    assert.equal(b32, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.deepEqual(base32Decode(b32), RFC_SECRET);
    assert.deepEqual(base32Decode('gezd gnbv-gy3tqojqgezdgnbvgy3tqojq===='), RFC_SECRET);
    assert.equal(totp(b32, 1111111109, { digits: 8 }), '07081804');
    assert.throws(() => base32Decode('GEZ1'), TypeError);
    for (let n = 0; n < 12; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, () => randomInt(256)));
      assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
    }
    assert.match(randomTotpSecret(), /^[A-Z2-7]{32}$/);
  });

  test('RFC 4226 appendix D HOTP vectors', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => assert.equal(hotp(RFC_SECRET, counter), code));
  });

  test('verifyTotp accepts one step of skew either side, not two', () => {
    const t = 1111111111;
    const at = (dt) => totp(RFC_SECRET, t + dt);
    assert.equal(verifyTotp(RFC_SECRET, at(0), t), Math.floor(t / 30));
    assert.notEqual(verifyTotp(RFC_SECRET, at(-30), t), null);
    assert.notEqual(verifyTotp(RFC_SECRET, at(30), t), null);
    assert.equal(verifyTotp(RFC_SECRET, at(-60), t), null);
    assert.equal(verifyTotp(RFC_SECRET, at(60), t), null);
    assert.equal(verifyTotp(RFC_SECRET, '12345', t), null);
    assert.equal(verifyTotp(RFC_SECRET, 'abcdef', t), null);
  });
});

describe('PKCE S256', () => {
  test('RFC 7636 appendix B', () => {
    // base64url(sha256) is always 43 characters; the value is the RFC's own.
    assert.equal(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});

// ---- in-process harness ------------------------------------------------------------

function assertError(res, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code, JSON.stringify(res.body));
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0);
}

function assertOAuthError(res, status, error) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error, JSON.stringify(res.body));
  assert.equal(typeof res.body.error_description, 'string');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.location, undefined);
}

function assertSessionTokens(body, user) {
  assert.deepEqual(Object.keys(body.data).sort(), ['access_token', 'expires_at', 'refresh_token', 'user']);
  assert.match(body.data.expires_at, RFC3339);
  if (user) assert.deepEqual(body.data.user, user);
  assert.ok(!body.data.access_token.startsWith('cdt_'));
}

const otherCode = (code) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('coditect backend (in-process harness)', () => {
  let h;
  beforeEach(() => {
    h = harness(createCoditect, T0);
  });

  async function seed(email = 'ada@example.com', extra = {}) {
    const r = await h.call('POST', '/__keymint/coditect/seed-user', { json: { email, password: PASSWORD, name: 'Ada Lovelace', ...extra } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  }

  async function login(email = 'ada@example.com', password = PASSWORD) {
    return h.call('POST', '/v1/auth/login', { json: { email, password } });
  }

  async function loggedIn(email = 'ada@example.com') {
    await seed(email);
    const r = await login(email);
    assert.equal(r.status, 200);
    return r.body.data;
  }

  async function apiToken(email, env, scopes) {
    const r = await h.call('POST', '/__keymint/coditect/api-token', { json: { email, env, scopes } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.token;
  }

  test('factory shape', () => {
    assert.equal(h.backend.name, 'coditect');
    assert.equal(typeof h.backend.reset, 'function');
    assert.ok(h.backend.devRoutes.every((r) => r.path.startsWith('/__keymint/coditect/')));
  });

  // -- register --

  test('register: 201 with user, tokens and expires_at (+3600 s)', async () => {
    const r = await h.call('POST', '/v1/auth/register', { json: { email: ' Grace@Example.com', password: 'secure-password-123', name: 'Grace Hopper' } });
    assert.equal(r.status, 201);
    assertSessionTokens(r.body);
    assert.match(r.body.data.user.id, /^usr_/);
    assert.equal(r.body.data.user.email, 'grace@example.com');
    assert.equal(r.body.data.user.name, 'Grace Hopper');
    assert.equal(r.body.data.expires_at, '2026-11-22T18:40:00Z');
    const me = await h.call('GET', '/v1/auth/me', { bearer: r.body.data.access_token });
    assert.equal(me.status, 200);
    assert.equal(me.body.data.email, 'grace@example.com');
  });

  test('register: invalid_request for missing or malformed fields', async () => {
    for (const json of [
      {}, { password: 'secure-password-123' }, { email: 'nope', password: 'secure-password-123' },
      { email: 'a@example.com' }, { email: 'a@example.com', password: 123456789012 },
      { email: 'a@example.com', password: 'secure-password-123', name: 7 },
    ]) {
      assertError(await h.call('POST', '/v1/auth/register', { json }), 400, 'invalid_request');
    }
  });

  test('register: weak_password under 12 characters; 12 is enough', async () => {
    const r = await h.call('POST', '/v1/auth/register', { json: { email: 'a@example.com', password: '12345678901', name: 'A' } });
    assertError(r, 400, 'weak_password');
    assert.equal((await h.call('POST', '/v1/auth/register', { json: { email: 'a@example.com', password: '123456789012', name: 'A' } })).status, 201);
  });

  test('register: email_taken (409), case-insensitive', async () => {
    await seed('ada@example.com');
    assertError(await h.call('POST', '/v1/auth/register', { json: { email: 'ADA@example.com ', password: 'secure-password-123', name: 'X' } }), 409, 'email_taken');
  });

  // -- login --

  test('login: tokens for a password-only user', async () => {
    const seeded = await seed();
    const r = await login('Ada@Example.com');
    assert.equal(r.status, 200);
    assertSessionTokens(r.body, { id: seeded.userId, email: 'ada@example.com', name: 'Ada Lovelace' });
    assert.equal(seeded.totpSecret, undefined);
  });

  test('login: invalid_credentials for a wrong password or an unknown email; invalid_request for missing fields', async () => {
    await seed();
    const r = await login('ada@example.com', 'wrong password!!');
    assertError(r, 401, 'invalid_credentials');
    assert.equal(r.body.error.message, 'The email or password is incorrect');
    assertError(await login('nobody@example.com'), 401, 'invalid_credentials');
    assertError(await h.call('POST', '/v1/auth/login', { json: { email: 'ada@example.com' } }), 400, 'invalid_request');
    assertError(await h.call('POST', '/v1/auth/login', { json: { password: PASSWORD } }), 400, 'invalid_request');
  });

  test('login: 10 failures within 15 minutes → 429 rate_limited with Retry-After and retry_after', async () => {
    await seed();
    for (let i = 0; i < 10; i++) {
      assertError(await login('ada@example.com', `wrong-${i}-password`), 401, 'invalid_credentials');
      h.advance(10);
    }
    // 100 s have passed since the first failure: 800 s left in its window
    const r = await login('ada@example.com'); // even the right password
    assertError(r, 429, 'rate_limited');
    assert.equal(r.body.error.retry_after, 800);
    assert.equal(r.headers['retry-after'], '800');
    // other emails are not affected
    assertError(await login('other@example.com', 'x'), 401, 'invalid_credentials');
    h.advance(799.5);
    const r2 = await login('ADA@example.com');
    assertError(r2, 429, 'rate_limited');
    assert.equal(r2.body.error.retry_after, 1);
    assert.equal(r2.headers['retry-after'], '1');
    h.advance(0.5);
    assert.equal((await login()).status, 200);
  });

  test('login: failures spread over more than 15 minutes do not lock; success resets the count', async () => {
    await seed();
    for (let i = 0; i < 12; i++) {
      assertError(await login('ada@example.com', 'nope-nope-nope'), 401, 'invalid_credentials');
      h.advance(100); // 12 failures over 20 minutes: never 10 inside one window
    }
    assert.equal((await login()).status, 200);
    for (let i = 0; i < 9; i++) await login('ada@example.com', 'nope-nope-nope');
    assert.equal((await login()).status, 200);
  });

  // -- 2FA --

  async function seed2fa() {
    const s = await seed('ada@example.com', { totp: true });
    assert.match(s.totpSecret, /^[A-Z2-7]+$/);
    assert.equal(base32Decode(s.totpSecret).length, 20);
    const r = await login();
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body.data).sort(), ['challenge_token', 'method', 'requires_2fa']);
    assert.equal(r.body.data.requires_2fa, true);
    assert.equal(r.body.data.method, 'totp');
    assert.match(r.body.data.challenge_token, /^ch_/);
    return { secret: s.totpSecret, challenge: r.body.data.challenge_token, userId: s.userId };
  }

  const codeAt = (secret, ms) => totp(secret, Math.floor(ms / 1000));

  test('2fa: a TOTP code from the emulator clock completes login', async () => {
    const { secret, challenge, userId } = await seed2fa();
    h.advance(45);
    const r = await h.call('POST', '/v1/auth/2fa/verify', { json: { challenge_token: challenge, code: codeAt(secret, h.now()) } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assertSessionTokens(r.body, { id: userId, email: 'ada@example.com', name: 'Ada Lovelace' });
    // the challenge is spent
    assertError(await h.call('POST', '/v1/auth/2fa/verify', { json: { challenge_token: challenge, code: codeAt(secret, h.now()) } }), 410, 'challenge_expired');
    // the dev helper agrees with RFC 6238 at the emulator clock
    const dev = await h.call('GET', '/__keymint/coditect/totp?email=ada@example.com');
    assert.equal(dev.body.code, codeAt(secret, h.now()));
  });

  test('2fa: one step of skew either side is accepted, two is not', async () => {
    for (const [dt, okay] of [[-30, true], [30, true], [-60, false], [60, false], [3600, false]]) {
      const hh = harness(createCoditect, T0);
      const s = await hh.call('POST', '/__keymint/coditect/seed-user', { json: { email: 'ada@example.com', password: PASSWORD, totp: true } });
      const ch = (await hh.call('POST', '/v1/auth/login', { json: { email: 'ada@example.com', password: PASSWORD } })).body.data.challenge_token;
      const code = codeAt(s.body.totpSecret, hh.now() + dt * 1000);
      // (a far-off code that happens to equal an in-window one, p ≈ 3e-6, proves nothing)
      if (!okay && [-30, 0, 30].some((d) => codeAt(s.body.totpSecret, hh.now() + d * 1000) === code)) continue;
      const r = await hh.call('POST', '/v1/auth/2fa/verify', { json: { challenge_token: ch, code } });
      assert.equal(r.status, okay ? 200 : 401, `skew ${dt}s`);
    }
  });

  test('2fa: invalid_2fa_code counts attempts_remaining down from 4; then challenge_expired', async () => {
    const { secret, challenge } = await seed2fa();
    const good = codeAt(secret, h.now());
    // avoid a wrong code that happens to match a neighbouring step
    let bad = otherCode(good);
    while ([-30, 0, 30].some((d) => codeAt(secret, h.now() + d * 1000) === bad)) bad = otherCode(bad);
    for (const left of [4, 3, 2, 1, 0]) {
      const r = await h.call('POST', '/v1/auth/2fa/verify', { json: { challenge_token: challenge, code: bad } });
      assertError(r, 401, 'invalid_2fa_code');
      assert.equal(r.body.error.attempts_remaining, left);
    }
    assertError(await h.call('POST', '/v1/auth/2fa/verify', { json: { challenge_token: challenge, code: good } }), 410, 'challenge_expired');
    // a new login gives a fresh challenge with 5 attempts
    const again = await login();
    const r = await h.call('POST', '/v1/auth/2fa/verify', { json: { challenge_token: again.body.data.challenge_token, code: 'abc' } });
    assert.equal(r.body.error.attempts_remaining, 4);
  });

  test('2fa: challenge_expired after 300 s; unknown challenge; invalid_request', async () => {
    const { secret, challenge } = await seed2fa();
    h.advance(299);
    const second = (await login()).body.data.challenge_token;
    h.advance(1);
    assertError(await h.call('POST', '/v1/auth/2fa/verify', { json: { challenge_token: challenge, code: codeAt(secret, h.now()) } }), 410, 'challenge_expired');
    assert.equal((await h.call('POST', '/v1/auth/2fa/verify', { json: { challenge_token: second, code: codeAt(secret, h.now()) } })).status, 200);
    assertError(await h.call('POST', '/v1/auth/2fa/verify', { json: { challenge_token: 'ch_unknown', code: '123456' } }), 410, 'challenge_expired');
    assertError(await h.call('POST', '/v1/auth/2fa/verify', { json: { code: '123456' } }), 400, 'invalid_request');
    assertError(await h.call('POST', '/v1/auth/2fa/verify', { json: { challenge_token: second } }), 400, 'invalid_request');
  });

  // -- refresh / logout / me --

  test('refresh: rotates and returns a new pair', async () => {
    const s = await loggedIn();
    h.advance(3600);
    assertError(await h.call('GET', '/v1/auth/me', { bearer: s.access_token }), 401, 'token_expired');
    const r = await h.call('POST', '/v1/auth/refresh', { json: { refresh_token: s.refresh_token } });
    assert.equal(r.status, 200);
    assertSessionTokens(r.body, s.user);
    assert.notEqual(r.body.data.refresh_token, s.refresh_token);
    assert.equal(r.body.data.expires_at, '2026-11-22T19:40:00Z');
    assert.equal((await h.call('GET', '/v1/auth/me', { bearer: r.body.data.access_token })).status, 200);
  });

  test('refresh: reuse of a rotated token → invalid_refresh_token and the family is revoked', async () => {
    const s = await loggedIn();
    const r1 = await h.call('POST', '/v1/auth/refresh', { json: { refresh_token: s.refresh_token } });
    assert.equal(r1.status, 200);
    assertError(await h.call('POST', '/v1/auth/refresh', { json: { refresh_token: s.refresh_token } }), 401, 'invalid_refresh_token');
    assertError(await h.call('GET', '/v1/auth/me', { bearer: r1.body.data.access_token }), 401, 'invalid_token');
    assertError(await h.call('POST', '/v1/auth/refresh', { json: { refresh_token: r1.body.data.refresh_token } }), 401, 'invalid_refresh_token');
    const stats = await h.call('GET', '/__keymint/coditect/stats');
    assert.equal(stats.body.revokedFamilies, 1);
    assert.equal(stats.body.refreshRequests, 3);
  });

  test('refresh: unknown → invalid_refresh_token; missing → invalid_request', async () => {
    const s = await loggedIn();
    assertError(await h.call('POST', '/v1/auth/refresh', { json: { refresh_token: 'crt_nope' } }), 401, 'invalid_refresh_token');
    assertError(await h.call('POST', '/v1/auth/refresh', { json: { refresh_token: s.access_token } }), 401, 'invalid_refresh_token');
    assertError(await h.call('POST', '/v1/auth/refresh', { json: {} }), 400, 'invalid_request');
  });

  test('logout: 204, then the access and refresh tokens are dead', async () => {
    const s = await loggedIn();
    const r = await h.call('POST', '/v1/auth/logout', { bearer: s.access_token });
    assert.equal(r.status, 204);
    assert.equal(r.body, undefined);
    assertError(await h.call('GET', '/v1/auth/me', { bearer: s.access_token }), 401, 'invalid_token');
    assertError(await h.call('POST', '/v1/auth/refresh', { json: { refresh_token: s.refresh_token } }), 401, 'invalid_refresh_token');
    assertError(await h.call('POST', '/v1/auth/logout', { bearer: s.access_token }), 401, 'invalid_token');
    assertError(await h.call('POST', '/v1/auth/logout', {}), 401, 'invalid_token');
  });

  test('me: shape; token_expired after 3600 s; invalid_token', async () => {
    const s = await loggedIn();
    const r = await h.call('GET', '/v1/auth/me', { bearer: s.access_token });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body.data).sort(), ['avatar_url', 'created_at', 'email', 'id', 'name', 'organization']);
    assert.equal(r.body.data.id, s.user.id);
    assert.equal(r.body.data.avatar_url, `https://avatars.coditect.ai/${s.user.id}`);
    assert.equal(r.body.data.created_at, '2026-11-22T17:40:00Z');
    assert.deepEqual(Object.keys(r.body.data.organization).sort(), ['id', 'name', 'role']);
    h.advance(3599);
    assert.equal((await h.call('GET', '/v1/auth/me', { bearer: s.access_token })).status, 200);
    h.advance(1);
    const exp = await h.call('GET', '/v1/auth/me', { bearer: s.access_token });
    assertError(exp, 401, 'token_expired');
    assert.match(exp.headers['www-authenticate'], /^Bearer /);
    assertError(await h.call('GET', '/v1/auth/me', { bearer: 'cat_nope' }), 401, 'invalid_token');
    assertError(await h.call('GET', '/v1/auth/me', {}), 401, 'invalid_token');
  });

  test('API tokens: cdt_live_ and cdt_test_ work on me; unknown and revoked are invalid_token', async () => {
    const seeded = await seed();
    const live = await apiToken('ada@example.com', 'live', ['read:profile']);
    const sandbox = await apiToken('ada@example.com', 'test', ['read:projects']);
    assert.match(live, /^cdt_live_[0-9A-Za-z]+$/);
    assert.match(sandbox, /^cdt_test_[0-9A-Za-z]+$/);
    for (const t of [live, sandbox]) {
      const r = await h.call('GET', '/v1/auth/me', { bearer: t });
      assert.equal(r.status, 200);
      assert.equal(r.body.data.id, seeded.userId);
    }
    // API tokens are not session tokens: they do not expire with the hour
    h.advance(7200);
    assert.equal((await h.call('GET', '/v1/auth/me', { bearer: live })).status, 200);
    assertError(await h.call('GET', '/v1/auth/me', { bearer: 'cdt_live_doesnotexist' }), 401, 'invalid_token');
    assert.equal((await h.call('POST', '/__keymint/coditect/revoke-api-token', { json: { token: live } })).status, 200);
    assertError(await h.call('GET', '/v1/auth/me', { bearer: live }), 401, 'invalid_token');
    // logout takes a session token, not an API token
    assertError(await h.call('POST', '/v1/auth/logout', { bearer: sandbox }), 400, 'invalid_request');
    // bad dev-route input
    assert.equal((await h.call('POST', '/__keymint/coditect/api-token', { json: { email: 'nobody@example.com', env: 'live' } })).status, 404);
    assert.equal((await h.call('POST', '/__keymint/coditect/api-token', { json: { email: 'ada@example.com', env: 'prod' } })).status, 400);
    assert.equal((await h.call('POST', '/__keymint/coditect/api-token', { json: { email: 'ada@example.com', env: 'live', scopes: ['root'] } })).status, 400);
  });

  test('projects: 403 insufficient_scope without read:projects; 200 with it', async () => {
    await seed();
    const noScope = await apiToken('ada@example.com', 'live', ['read:profile', 'write:projects']);
    const r = await h.call('GET', '/v1/projects', { bearer: noScope });
    assertError(r, 403, 'insufficient_scope');
    assert.equal(r.body.error.message, "This action requires the 'read:projects' scope");
    assert.equal(r.body.error.required_scope, 'read:projects');
    assert.match(r.headers['www-authenticate'], /insufficient_scope/);
    const withScope = await apiToken('ada@example.com', 'test', ['read:projects']);
    const ok = await h.call('GET', '/v1/projects', { bearer: withScope });
    assert.equal(ok.status, 200);
    assert.ok(Array.isArray(ok.body.data));
    assert.ok(ok.body.data.length >= 1);
    // a password session carries every scope
    const s = (await login()).body.data;
    assert.equal((await h.call('GET', '/v1/projects', { bearer: s.access_token })).status, 200);
    h.advance(3600);
    assertError(await h.call('GET', '/v1/projects', { bearer: s.access_token }), 401, 'token_expired');
    assertError(await h.call('GET', '/v1/projects', { bearer: 'cdt_test_nope' }), 401, 'invalid_token');
  });

  test('API token with expires_in expires (token_expired)', async () => {
    await seed();
    const r = await h.call('POST', '/__keymint/coditect/api-token', { json: { email: 'ada@example.com', env: 'live', scopes: ['read:projects'], expires_in: 60 } });
    assert.equal(r.body.expires_at, '2026-11-22T17:41:00Z');
    h.advance(60);
    assertError(await h.call('GET', '/v1/projects', { bearer: r.body.token }), 401, 'token_expired');
  });

  // -- OAuth2 --

  const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  async function seedClient(extra = {}) {
    const r = await h.call('POST', '/__keymint/coditect/seed-client', { json: { client_id: 'app', redirect_uris: [CB, 'http://127.0.0.1:8765/cb'], ...extra } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  function authorizeUrl(params = {}) {
    const q = new URLSearchParams({
      client_id: 'app', redirect_uri: CB, response_type: 'code', scope: 'read:projects read:profile',
      state: 'st-123', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...params,
    });
    for (const [k, v] of Object.entries(params)) if (v === undefined) q.delete(k);
    return `/authorize?${q}`;
  }

  async function authorize(params) {
    const r = await h.call('GET', authorizeUrl(params));
    assert.equal(r.status, 302, JSON.stringify(r.body));
    assert.equal(r.body, undefined);
    return new URL(r.headers.location);
  }

  const exchange = (code, extra = {}) => h.call('POST', '/token', {
    form: { grant_type: 'authorization_code', code, client_id: 'app', redirect_uri: CB, code_verifier: VERIFIER, ...extra },
  });

  test('authorize: 302 to redirect_uri with code and the same state', async () => {
    await seed();
    await seedClient();
    const loc = await authorize({ state: 'a b+c/é' });
    assert.equal(`${loc.origin}${loc.pathname}`, CB);
    assert.match(loc.searchParams.get('code'), /^ac_/);
    assert.equal(loc.searchParams.get('state'), 'a b+c/é');
    // a redirect URI with its own query keeps it
    await seedClient({ redirect_uris: ['https://app.example.com/cb?tenant=7'] });
    const loc2 = await authorize({ redirect_uri: 'https://app.example.com/cb?tenant=7' });
    assert.equal(loc2.searchParams.get('tenant'), '7');
    assert.ok(loc2.searchParams.get('code'));
  });

  test('authorize: unknown client or mismatched redirect_uri → 400 JSON, no redirect', async () => {
    await seed();
    await seedClient();
    const a = await h.call('GET', authorizeUrl({ client_id: 'evil' }));
    assertOAuthError(a, 400, 'invalid_client');
    const b = await h.call('GET', authorizeUrl({ redirect_uri: 'https://evil.example.com/callback' }));
    assertOAuthError(b, 400, 'invalid_request');
    const c = await h.call('GET', authorizeUrl({ client_id: undefined }));
    assertOAuthError(c, 400, 'invalid_request');
    // with two registered URIs the redirect_uri cannot be left out
    const d = await h.call('GET', authorizeUrl({ redirect_uri: undefined }));
    assertOAuthError(d, 400, 'invalid_request');
  });

  test('authorize: errors after the client is verified go back to the redirect_uri', async () => {
    await seed();
    await seedClient();
    for (const [params, error] of [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: 'read:everything' }, 'invalid_scope'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: 'short' }, 'invalid_request'],
    ]) {
      const loc = await authorize(params);
      assert.equal(loc.searchParams.get('error'), error, JSON.stringify(params));
      assert.equal(loc.searchParams.get('state'), 'st-123');
      assert.equal(loc.searchParams.get('code'), null);
    }
    await h.call('POST', '/__keymint/coditect/authorize-as', { json: { email: null } });
    assert.equal((await authorize()).searchParams.get('error'), 'access_denied');
  });

  test('token: authorization_code → tokens; PKCE S256 RFC 7636 vector; the code is single use', async () => {
    await seed();
    await seedClient();
    const code = (await authorize()).searchParams.get('code');
    const r = await exchange(code);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.expires_in, 3600);
    assert.equal(r.body.scope, 'read:projects read:profile');
    assert.equal(r.headers['cache-control'], 'no-store');
    // the OAuth access token works on the API within its scopes
    const me = await h.call('GET', '/v1/auth/me', { bearer: r.body.access_token });
    assert.equal(me.body.data.email, 'ada@example.com');
    assert.equal((await h.call('GET', '/v1/projects', { bearer: r.body.access_token })).status, 200);
    // second use: invalid_grant, and the tokens issued for that code are revoked
    assertOAuthError(await exchange(code), 400, 'invalid_grant');
    assertError(await h.call('GET', '/v1/auth/me', { bearer: r.body.access_token }), 401, 'invalid_token');
  });

  test('token: a tampered verifier → invalid_grant; a missing one → invalid_request; then the right one still works', async () => {
    await seed();
    await seedClient();
    const code = (await authorize()).searchParams.get('code');
    const tampered = `${VERIFIER.slice(0, -1)}${VERIFIER.endsWith('k') ? 'K' : 'k'}`;
    assertOAuthError(await exchange(code, { code_verifier: tampered }), 400, 'invalid_grant');
    assertOAuthError(await exchange(code, { code_verifier: '' }), 400, 'invalid_request');
    const noVerifier = await h.call('POST', '/token', { form: { grant_type: 'authorization_code', code, client_id: 'app', redirect_uri: CB } });
    assertOAuthError(noVerifier, 400, 'invalid_request');
    assertOAuthError(await exchange(code, { code_verifier: 'too-short' }), 400, 'invalid_request');
    assert.equal((await exchange(code)).status, 200);
  });

  test('token: without a code_challenge no verifier is needed, and one sent anyway is refused', async () => {
    await seed();
    await seedClient();
    const code = (await authorize({ code_challenge: undefined, code_challenge_method: undefined })).searchParams.get('code');
    assertOAuthError(await exchange(code), 400, 'invalid_grant');
    const r = await h.call('POST', '/token', { form: { grant_type: 'authorization_code', code, client_id: 'app', redirect_uri: CB } });
    assert.equal(r.status, 200);
  });

  test('token: the code expires after 60 s (fake clock)', async () => {
    await seed();
    await seedClient();
    const code1 = (await authorize()).searchParams.get('code');
    h.advance(59);
    assert.equal((await exchange(code1)).status, 200);
    const code2 = (await authorize()).searchParams.get('code');
    h.advance(60);
    assertOAuthError(await exchange(code2), 400, 'invalid_grant');
  });

  test('token: redirect_uri must match; the code belongs to its client', async () => {
    await seed();
    await seedClient();
    await h.call('POST', '/__keymint/coditect/seed-client', { json: { client_id: 'other', redirect_uris: [CB] } });
    const code = (await authorize()).searchParams.get('code');
    assertOAuthError(await exchange(code, { redirect_uri: 'http://127.0.0.1:8765/cb' }), 400, 'invalid_grant');
    const noRedirect = await h.call('POST', '/token', { form: { grant_type: 'authorization_code', code, client_id: 'app', code_verifier: VERIFIER } });
    assertOAuthError(noRedirect, 400, 'invalid_grant');
    assertOAuthError(await exchange(code, { client_id: 'other' }), 400, 'invalid_grant');
    assertOAuthError(await exchange('ac_unknown'), 400, 'invalid_grant');
    assertOAuthError(await exchange(undefined, { code: '' }), 400, 'invalid_request');
    assert.equal((await exchange(code)).status, 200);
  });

  test('token: grant_type and content-type errors', async () => {
    await seedClient();
    assertOAuthError(await h.call('POST', '/token', { form: { grant_type: 'password', client_id: 'app' } }), 400, 'unsupported_grant_type');
    assertOAuthError(await h.call('POST', '/token', { form: { client_id: 'app' } }), 400, 'invalid_request');
    assertOAuthError(await h.call('POST', '/token', { json: { grant_type: 'authorization_code', code: 'x', client_id: 'app' } }), 400, 'invalid_request');
    assertOAuthError(await h.call('POST', '/token', { form: { grant_type: 'authorization_code', code: 'x' } }), 400, 'invalid_request');
  });

  test('token: confidential clients — invalid_client 401 on a wrong secret, Basic auth accepted', async () => {
    await seed();
    await seedClient({ client_secret: 's3cret' });
    const code = (await authorize()).searchParams.get('code');
    const wrong = await exchange(code, { client_secret: 'nope' });
    assertOAuthError(wrong, 401, 'invalid_client');
    const missing = await exchange(code);
    assertOAuthError(missing, 400, 'invalid_client');
    const unknown = await h.call('POST', '/token', { form: { grant_type: 'authorization_code', code, client_id: 'ghost', client_secret: 'x', redirect_uri: CB, code_verifier: VERIFIER } });
    assertOAuthError(unknown, 401, 'invalid_client');
    const badBasic = await h.call('POST', '/token', {
      form: { grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: VERIFIER },
      headers: { authorization: `Basic ${Buffer.from('app:wrong').toString('base64')}` },
    });
    assertOAuthError(badBasic, 401, 'invalid_client');
    assert.match(badBasic.headers['www-authenticate'], /^Basic/);
    const basic = await h.call('POST', '/token', {
      form: { grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: VERIFIER },
      headers: { authorization: `Basic ${Buffer.from('app:s3cret').toString('base64')}` },
    });
    assert.equal(basic.status, 200, JSON.stringify(basic.body));
  });

  test('token: refresh_token grant rotates; reuse → invalid_grant and the grant is revoked', async () => {
    await seed();
    await seedClient();
    const t0 = (await exchange((await authorize()).searchParams.get('code'))).body;
    const refresh = (rt, extra = {}) => h.call('POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: rt, client_id: 'app', ...extra } });
    h.advance(3600);
    assertError(await h.call('GET', '/v1/projects', { bearer: t0.access_token }), 401, 'token_expired');
    const r1 = await refresh(t0.refresh_token);
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    assert.equal(r1.body.expires_in, 3600);
    assert.equal(r1.body.scope, 'read:projects read:profile');
    assert.notEqual(r1.body.refresh_token, t0.refresh_token);
    assert.equal((await h.call('GET', '/v1/projects', { bearer: r1.body.access_token })).status, 200);
    // narrowing the scope on refresh is allowed, widening is not
    const r2 = await refresh(r1.body.refresh_token, { scope: 'read:profile' });
    assert.equal(r2.body.scope, 'read:profile');
    assertError(await h.call('GET', '/v1/projects', { bearer: r2.body.access_token }), 403, 'insufficient_scope');
    assertOAuthError(await refresh(r2.body.refresh_token, { scope: 'admin:org' }), 400, 'invalid_scope');
    // another client cannot use it
    await h.call('POST', '/__keymint/coditect/seed-client', { json: { client_id: 'other', redirect_uris: [CB] } });
    assertOAuthError(await refresh(r2.body.refresh_token, { client_id: 'other' }), 400, 'invalid_grant');
    // reuse of a rotated token revokes the whole grant
    assertOAuthError(await refresh(t0.refresh_token), 400, 'invalid_grant');
    assertError(await h.call('GET', '/v1/auth/me', { bearer: r2.body.access_token }), 401, 'invalid_token');
    assertOAuthError(await refresh(r2.body.refresh_token), 400, 'invalid_grant');
    assertOAuthError(await refresh('crt_unknown'), 400, 'invalid_grant');
    assertOAuthError(await refresh(''), 400, 'invalid_request');
    // OAuth and /v1 session refresh tokens do not mix
    const s = (await login()).body.data;
    assertOAuthError(await refresh(s.refresh_token), 400, 'invalid_grant');
  });

  test('authorize-as picks the user; default is the most recently seeded', async () => {
    await seed('first@example.com');
    await seed('second@example.com');
    await seedClient();
    const asEmail = async () => {
      const t = (await exchange((await authorize()).searchParams.get('code'))).body;
      return (await h.call('GET', '/v1/auth/me', { bearer: t.access_token })).body.data.email;
    };
    assert.equal(await asEmail(), 'second@example.com');
    assert.equal((await h.call('POST', '/__keymint/coditect/authorize-as', { json: { email: 'First@example.com' } })).status, 200);
    assert.equal(await asEmail(), 'first@example.com');
    assert.equal((await h.call('POST', '/__keymint/coditect/authorize-as', { json: { email: 'ghost@example.com' } })).status, 404);
  });

  test('authorize: default scope is read:profile', async () => {
    await seed();
    await seedClient();
    const t = (await exchange((await authorize({ scope: undefined })).searchParams.get('code'))).body;
    assert.equal(t.scope, 'read:profile');
    assertError(await h.call('GET', '/v1/projects', { bearer: t.access_token }), 403, 'insufficient_scope');
  });

  test('seed routes validate their input; reset drops everything', async () => {
    assert.equal((await h.call('POST', '/__keymint/coditect/seed-user', { json: { email: 'x' } })).status, 400);
    assert.equal((await h.call('POST', '/__keymint/coditect/seed-client', { json: { client_id: 'a', redirect_uris: ['not a url'] } })).status, 400);
    assert.equal((await h.call('POST', '/__keymint/coditect/seed-client', { json: { redirect_uris: [CB] } })).status, 400);
    const s = await loggedIn();
    h.backend.reset();
    assertError(await h.call('GET', '/v1/auth/me', { bearer: s.access_token }), 401, 'invalid_token');
    assertError(await login(), 401, 'invalid_credentials');
  });

  test('SCOPES are the seed list', () => {
    assert.deepEqual(SCOPES, ['read:profile', 'write:profile', 'read:projects', 'write:projects', 'read:org', 'admin:org', 'read:licenses', 'manage:licenses']);
  });
});

// ---- end to end over HTTP, through the emulator framework ---------------------------

describe('coditect backend over HTTP', () => {
  test('2FA login, rate limit header, OAuth code flow with PKCE and redirect', async () => {
    const emu = await startEmulator({ port: 0, backends: ['coditect'] });
    try {
      assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const post = (path, json, headers = {}) => fetch(emu.url + path, {
        method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json),
      });
      const seeded = await (await post('/__keymint/coditect/seed-user', { email: 'ada@example.com', password: PASSWORD, totp: true })).json();
      assert.ok(seeded.totpSecret);

      const l = await (await post('/v1/auth/login', { email: 'ada@example.com', password: PASSWORD })).json();
      assert.equal(l.data.requires_2fa, true);
      emu.advance(3600); // TOTP follows the emulator clock, not the wall clock
      assert.equal((await post('/v1/auth/2fa/verify', { challenge_token: l.data.challenge_token, code: '000000' })).status, 410);
      const l2 = await (await post('/v1/auth/login', { email: 'ada@example.com', password: PASSWORD })).json();
      const code = totp(seeded.totpSecret, Math.floor(emu.now() / 1000));
      const v = await post('/v1/auth/2fa/verify', { challenge_token: l2.data.challenge_token, code });
      assert.equal(v.status, 200);
      const session = (await v.json()).data;
      const me = await fetch(`${emu.url}/v1/auth/me`, { headers: { authorization: `Bearer ${session.access_token}` } });
      assert.equal(me.status, 200);

      for (let i = 0; i < 10; i++) await post('/v1/auth/login', { email: 'ada@example.com', password: 'wrong password' });
      const limited = await post('/v1/auth/login', { email: 'ada@example.com', password: PASSWORD });
      assert.equal(limited.status, 429);
      const lb = await limited.json();
      assert.equal(lb.error.code, 'rate_limited');
      assert.equal(limited.headers.get('retry-after'), String(lb.error.retry_after));

      assert.equal((await post('/__keymint/coditect/seed-client', { client_id: 'cli', redirect_uris: ['http://127.0.0.1:9/cb'] })).status, 200);
      const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
      const q = new URLSearchParams({
        client_id: 'cli', redirect_uri: 'http://127.0.0.1:9/cb', response_type: 'code', scope: 'read:projects',
        state: 'xyz', code_challenge: pkceChallenge(verifier), code_challenge_method: 'S256',
      });
      const a = await fetch(`${emu.url}/authorize?${q}`, { redirect: 'manual' });
      assert.equal(a.status, 302);
      const loc = new URL(a.headers.get('location'));
      assert.equal(loc.searchParams.get('state'), 'xyz');
      const form = (extra) => fetch(`${emu.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: loc.searchParams.get('code'), client_id: 'cli', redirect_uri: 'http://127.0.0.1:9/cb', ...extra }),
      });
      const bad = await form({ code_verifier: verifier.replace('d', 'e') });
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).error, 'invalid_grant');
      const t = await form({ code_verifier: verifier });
      assert.equal(t.status, 200);
      const tok = await t.json();
      assert.equal(tok.token_type, 'Bearer');
      const projects = await fetch(`${emu.url}/v1/projects`, { headers: { authorization: `Bearer ${tok.access_token}` } });
      assert.equal(projects.status, 200);

      const apiTok = await (await post('/__keymint/coditect/api-token', { email: 'ada@example.com', env: 'live', scopes: ['read:profile'] })).json();
      const denied = await fetch(`${emu.url}/v1/projects`, { headers: { authorization: `Bearer ${apiTok.token}` } });
      assert.equal(denied.status, 403);
      assert.equal((await denied.json()).error.required_scope, 'read:projects');

      const out = await post('/v1/auth/logout', {}, { authorization: `Bearer ${session.access_token}` });
      assert.equal(out.status, 204);
      assert.equal(await out.text(), '');
    } finally {
      await emu.close();
    }
  });
});
