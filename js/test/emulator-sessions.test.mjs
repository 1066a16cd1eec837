// The OTP sessions API emulator backend (shared/protocols/sessions.md), tested two ways:
// directly through a tiny in-process harness with a controllable clock, and end to end
// over HTTP through the emulator framework.

import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import createSessions from '../src/emulator/backends/sessions.mjs';
import { startEmulator } from '../src/emulator/index.mjs';
import { harness } from './fixtures/backend-harness.mjs';

const T0 = Date.UTC(2026, 10, 22, 17, 40, 0); // 2026-11-22T17:40:00Z
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A fake ctx with a controllable clock and an outbox, plus a caller for the backend's routes. */
function assertError(res, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0);
}

/** A 429 carries retryAfterSeconds and an equal Retry-After header (whole seconds, >= 1). */
function assert429(res, code, seconds) {
  assertError(res, 429, code);
  assert.ok(Number.isInteger(res.body.error.retryAfterSeconds) && res.body.error.retryAfterSeconds >= 1);
  if (seconds !== undefined) assert.equal(res.body.error.retryAfterSeconds, seconds);
  assert.equal(res.headers['retry-after'], String(res.body.error.retryAfterSeconds));
}

const wrongCode = (code) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('sessions backend (in-process harness)', () => {
  let h;
  beforeEach(() => {
    h = harness(createSessions, T0);
  });

  async function seed(email = 'ada@example.com') {
    const r = await h.call('POST', '/__keymint/sessions/seed-user', { json: { email } });
    assert.equal(r.status, 200);
    return r.body.user;
  }

  async function signIn(email = 'ada@example.com') {
    await seed(email);
    const r = await h.call('POST', '/api/v1/auth/request-otp', { json: { email } });
    assert.equal(r.status, 200);
    const v = await h.call('POST', '/api/v1/auth/verify-otp', { json: { email, code: h.lastCode(email), purpose: 'signin' } });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    return v.body;
  }

  test('factory shape', () => {
    assert.equal(h.backend.name, 'sessions');
    assert.equal(typeof h.backend.reset, 'function');
    for (const r of [...h.backend.routes, ...h.backend.devRoutes]) {
      assert.match(r.method, /^(GET|POST)$/);
      assert.equal(typeof r.handler, 'function');
    }
    assert.ok(h.backend.devRoutes.every((r) => r.path.startsWith('/__keymint/sessions/')));
  });

  test('request-otp: 200 body, default purpose, normalised email, delivery', async () => {
    await seed('ada@example.com');
    const r = await h.call('POST', '/api/v1/auth/request-otp', { json: { email: '  Ada@Example.COM ' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      ok: true,
      email: 'ada@example.com',
      purpose: 'signin',
      expiresAt: '2026-11-22T17:50:00Z',
      resendAvailableAt: '2026-11-22T17:40:30Z',
    });
    assert.equal(h.outbox.length, 1);
    assert.equal(h.outbox[0].email, 'ada@example.com');
    assert.equal(h.outbox[0].backend, 'sessions');
    assert.equal(h.outbox[0].purpose, 'signin');
    assert.match(h.outbox[0].code, /^[0-9]{6}$/);
  });

  test('timestamps never carry milliseconds', async () => {
    h.advance(0.567);
    await seed();
    const r = await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } });
    assert.match(r.body.expiresAt, RFC3339);
    assert.match(r.body.resendAvailableAt, RFC3339);
    assert.equal(r.body.resendAvailableAt, '2026-11-22T17:40:31Z'); // rounded up: never early
  });

  test('request-otp: invalid_email for missing, blank, malformed (before anything else)', async () => {
    for (const json of [{}, { email: '' }, { email: '   ' }, { email: 'no-at-sign' }, { email: 'a@b' }, { email: 42 },
      { email: 'x', purpose: 'bogus' }]) {
      assertError(await h.call('POST', '/api/v1/auth/request-otp', { json }), 400, 'invalid_email');
    }
    assertError(await h.call('POST', '/api/v1/auth/request-otp', {}), 400, 'invalid_email');
    assert.equal(h.outbox.length, 0);
  });

  test('request-otp: invalid_purpose', async () => {
    await seed();
    for (const purpose of ['login', 'SIGNIN', '', 1]) {
      assertError(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com', purpose } }), 400, 'invalid_purpose');
    }
  });

  test('request-otp: user_not_found (signin) and user_exists (signup)', async () => {
    assertError(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'nobody@example.com', purpose: 'signin' } }), 404, 'user_not_found');
    await seed('ada@example.com');
    assertError(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ADA@example.com', purpose: 'signup' } }), 409, 'user_exists');
    assert.equal(h.outbox.length, 0);
  });

  test('request-otp: otp_cooldown under 30 s with Retry-After, rounded up; per email across purposes', async () => {
    await seed();
    assert.equal((await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } })).status, 200);
    assert429(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } }), 'otp_cooldown', 30);
    h.advance(29.5);
    assert429(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } }), 'otp_cooldown', 1);
    // cooldown is checked before user_exists
    assert429(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com', purpose: 'signup' } }), 'otp_cooldown');
    h.advance(0.5);
    assert.equal((await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } })).status, 200);
  });

  test('request-otp: otp_cooldown answers before user_not_found', async () => {
    assert.equal((await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'new@example.com', purpose: 'signup' } })).status, 200);
    assert429(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'new@example.com', purpose: 'signin' } }), 'otp_cooldown');
  });

  test('verify-otp: signin returns the pair, expiresIn 900', async () => {
    const user = await seed();
    await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com', purpose: 'signin' } });
    h.advance(10);
    const r = await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'Ada@example.com', code: h.lastCode('ada@example.com'), purpose: 'signin' } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['accessToken', 'expiresAt', 'expiresIn', 'refreshToken', 'tokenType', 'user']);
    assert.equal(r.body.tokenType, 'Bearer');
    assert.equal(r.body.expiresIn, 900);
    assert.equal(r.body.expiresAt, '2026-11-22T17:55:10Z');
    assert.deepEqual(r.body.user, user);
    assert.match(r.body.user.createdAt, RFC3339);
    assert.notEqual(r.body.accessToken, r.body.refreshToken);
    // the code is single use
    assertError(await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: h.lastCode('ada@example.com') } }), 404, 'code_not_found');
  });

  test('verify-otp: a signup code creates the user', async () => {
    await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'new@example.com', purpose: 'signup' } });
    const r = await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'new@example.com', code: h.lastCode('new@example.com'), purpose: 'signup' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.user.email, 'new@example.com');
    assert.match(r.body.user.id, /^usr_/);
    assert.equal(r.body.user.createdAt, '2026-11-22T17:40:00Z');
    h.advance(30);
    assertError(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'new@example.com', purpose: 'signup' } }), 409, 'user_exists');
    assert.equal((await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'new@example.com' } })).status, 200);
  });

  test('verify-otp: code_not_found when nothing is pending for email + purpose', async () => {
    await seed();
    assertError(await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: '123456' } }), 404, 'code_not_found');
    await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com', purpose: 'signin' } });
    // the code was requested for signin; a signup lookup finds nothing
    assertError(await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: h.lastCode('ada@example.com'), purpose: 'signup' } }), 404, 'code_not_found');
  });

  test('verify-otp: code_expired (410) after 600 s, still valid just before', async () => {
    await seed();
    await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } });
    const code = h.lastCode('ada@example.com');
    h.advance(600);
    assertError(await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code } }), 410, 'code_expired');

    const h2 = harness(createSessions, T0);
    await h2.call('POST', '/__keymint/sessions/seed-user', { json: { email: 'ada@example.com' } });
    await h2.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } });
    h2.advance(599);
    assert.equal((await h2.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: h2.lastCode('ada@example.com') } })).status, 200);
  });

  test('verify-otp: invalid_code counts down attemptsRemaining; the 5th wrong code locks the email for 900 s', async () => {
    await seed();
    await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } });
    const code = h.lastCode('ada@example.com');
    for (const left of [4, 3, 2, 1]) {
      const r = await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: wrongCode(code) } });
      assertError(r, 400, 'invalid_code');
      assert.equal(r.body.error.attemptsRemaining, left);
    }
    assert429(await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: wrongCode(code) } }), 'otp_locked', 900);
    // locked: even the right code, and new requests, answer otp_locked
    assert429(await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code } }), 'otp_locked', 900);
    h.advance(100);
    assert429(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } }), 'otp_locked', 800);
    // otp_locked is checked after invalid_purpose but before the cooldown and user checks
    assertError(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com', purpose: 'x' } }), 400, 'invalid_purpose');
    assert429(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com', purpose: 'signup' } }), 'otp_locked');
    h.advance(799.2);
    assert429(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } }), 'otp_locked', 1);
    h.advance(0.8);
    // the lock ended; the old code died with it
    assertError(await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code } }), 404, 'code_not_found');
    assert.equal((await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } })).status, 200);
    const r = await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: wrongCode(h.lastCode('ada@example.com')) } });
    assert.equal(r.body.error.attemptsRemaining, 4);
  });

  test('verify-otp: a missing or malformed code is a wrong code', async () => {
    await seed();
    await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } });
    const a = await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com' } });
    assertError(a, 400, 'invalid_code');
    assert.equal(a.body.error.attemptsRemaining, 4);
    const code = h.lastCode('ada@example.com');
    const b = await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: `${code.slice(0, 3)} ${code.slice(3)}` } });
    assertError(b, 400, 'invalid_code');
    assert.equal(b.body.error.attemptsRemaining, 3);
    assert.equal((await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code } })).status, 200);
  });

  test('verify-otp: invalid_email / invalid_purpose', async () => {
    assertError(await h.call('POST', '/api/v1/auth/verify-otp', { json: { code: '123456' } }), 400, 'invalid_email');
    assertError(await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: '123456', purpose: 'nope' } }), 400, 'invalid_purpose');
  });

  test('session: 200 with user and session, token_expired after 900 s, invalid_token', async () => {
    const pair = await signIn();
    const r = await h.call('GET', '/api/v1/auth/session', { bearer: pair.accessToken });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.user, pair.user);
    assert.match(r.body.session.id, /^ses_/);
    assert.equal(r.body.session.expiresAt, pair.expiresAt);
    h.advance(899);
    assert.equal((await h.call('GET', '/api/v1/auth/session', { bearer: pair.accessToken })).status, 200);
    h.advance(1);
    const exp = await h.call('GET', '/api/v1/auth/session', { bearer: pair.accessToken });
    assertError(exp, 401, 'token_expired');
    assertError(await h.call('GET', '/api/v1/auth/session', { bearer: 'at_nope' }), 401, 'invalid_token');
    assertError(await h.call('GET', '/api/v1/auth/session', {}), 401, 'invalid_token');
    assertError(await h.call('GET', '/api/v1/auth/session', { headers: { authorization: `Basic ${pair.accessToken}` } }), 401, 'invalid_token');
    // a refresh token is not an access token
    assertError(await h.call('GET', '/api/v1/auth/session', { bearer: pair.refreshToken }), 401, 'invalid_token');
  });

  test('refresh: rotates; the new pair works; an expired access token is renewed', async () => {
    const pair = await signIn();
    h.advance(900);
    const r = await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: pair.refreshToken } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['accessToken', 'expiresAt', 'expiresIn', 'refreshToken', 'tokenType', 'user']);
    assert.equal(r.body.expiresIn, 900);
    assert.equal(r.body.expiresAt, '2026-11-22T18:10:00Z');
    assert.notEqual(r.body.refreshToken, pair.refreshToken);
    assert.notEqual(r.body.accessToken, pair.accessToken);
    const s = await h.call('GET', '/api/v1/auth/session', { bearer: r.body.accessToken });
    assert.equal(s.status, 200);
    // the same session continues
    assert.equal((await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: r.body.refreshToken } })).status, 200);
    const stats = await h.call('GET', '/__keymint/sessions/stats');
    assert.equal(stats.body.refreshRequests, 2);
    assert.equal(stats.body.revokedFamilies, 0);
  });

  test('refresh: a rotated token presented again → refresh_token_reused and the whole session is revoked', async () => {
    const pair = await signIn();
    const r1 = await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: pair.refreshToken } });
    assert.equal(r1.status, 200);
    const reused = await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: pair.refreshToken } });
    assertError(reused, 401, 'refresh_token_reused');
    // the family's current tokens stop working
    assertError(await h.call('GET', '/api/v1/auth/session', { bearer: r1.body.accessToken }), 401, 'invalid_token');
    assertError(await h.call('GET', '/api/v1/auth/session', { bearer: pair.accessToken }), 401, 'invalid_token');
    assertError(await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: r1.body.refreshToken } }), 401, 'invalid_refresh_token');
    // presented yet again, the (now revoked) token is just invalid
    assertError(await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: pair.refreshToken } }), 401, 'invalid_refresh_token');
    const stats = await h.call('GET', '/__keymint/sessions/stats');
    assert.deepEqual({ refreshRequests: stats.body.refreshRequests, revokedFamilies: stats.body.revokedFamilies }, { refreshRequests: 4, revokedFamilies: 1 });
  });

  test('refresh: another session of the same user is untouched by reuse in one family', async () => {
    const a = await signIn();
    h.advance(30);
    await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } });
    const b = (await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: h.lastCode('ada@example.com') } })).body;
    await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: a.refreshToken } });
    await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: a.refreshToken } });
    assert.equal((await h.call('GET', '/api/v1/auth/session', { bearer: b.accessToken })).status, 200);
  });

  test('refresh: invalid_refresh_token for unknown, missing, an access token, and after 30 days', async () => {
    const pair = await signIn();
    assertError(await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: 'rt_unknown' } }), 401, 'invalid_refresh_token');
    assertError(await h.call('POST', '/api/v1/auth/refresh', { json: {} }), 401, 'invalid_refresh_token');
    assertError(await h.call('POST', '/api/v1/auth/refresh', {}), 401, 'invalid_refresh_token');
    assertError(await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: pair.accessToken } }), 401, 'invalid_refresh_token');
    h.advance(30 * 24 * 3600 - 1);
    const ok = await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: pair.refreshToken } });
    assert.equal(ok.status, 200);
    h.advance(30 * 24 * 3600);
    assertError(await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: ok.body.refreshToken } }), 401, 'invalid_refresh_token');
  });

  test('revoke: 200 {ok:true}, idempotent, ends the session and its refresh token', async () => {
    const pair = await signIn();
    const r = await h.call('POST', '/api/v1/auth/revoke', { bearer: pair.accessToken });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ok: true });
    assert.deepEqual((await h.call('POST', '/api/v1/auth/revoke', { bearer: pair.accessToken, json: {} })).body, { ok: true });
    assertError(await h.call('GET', '/api/v1/auth/session', { bearer: pair.accessToken }), 401, 'invalid_token');
    assertError(await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: pair.refreshToken } }), 401, 'invalid_refresh_token');
    const stats = await h.call('GET', '/__keymint/sessions/stats');
    assert.equal(stats.body.revokedFamilies, 0); // explicit revokes are not reuse detections
    assert.equal(stats.body.revokedSessions, 1);
  });

  test('revoke: an expired access token still revokes; optional refreshToken revokes that session too', async () => {
    const a = await signIn();
    h.advance(30);
    await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } });
    const b = (await h.call('POST', '/api/v1/auth/verify-otp', { json: { email: 'ada@example.com', code: h.lastCode('ada@example.com') } })).body;
    h.advance(900);
    const r = await h.call('POST', '/api/v1/auth/revoke', { bearer: a.accessToken, json: { refreshToken: b.refreshToken } });
    assert.equal(r.status, 200);
    assertError(await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: a.refreshToken } }), 401, 'invalid_refresh_token');
    assertError(await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: b.refreshToken } }), 401, 'invalid_refresh_token');
  });

  test('revoke: invalid_token without a known bearer access token', async () => {
    const pair = await signIn();
    assertError(await h.call('POST', '/api/v1/auth/revoke', {}), 401, 'invalid_token');
    assertError(await h.call('POST', '/api/v1/auth/revoke', { bearer: 'at_unknown' }), 401, 'invalid_token');
    assertError(await h.call('POST', '/api/v1/auth/revoke', { json: { refreshToken: pair.refreshToken } }), 401, 'invalid_token');
    assert.equal((await h.call('GET', '/api/v1/auth/session', { bearer: pair.accessToken })).status, 200);
  });

  test('seed-user: idempotent, validates the email', async () => {
    const a = await seed('Bob@Example.com');
    const b = await seed('bob@example.com');
    assert.deepEqual(a, b);
    assertError(await h.call('POST', '/__keymint/sessions/seed-user', { json: { email: 'bad' } }), 400, 'invalid_email');
  });

  test('reset drops every user, code, session and counter', async () => {
    const pair = await signIn();
    await h.call('POST', '/api/v1/auth/refresh', { json: { refreshToken: pair.refreshToken } });
    h.backend.reset();
    assertError(await h.call('GET', '/api/v1/auth/session', { bearer: pair.accessToken }), 401, 'invalid_token');
    assertError(await h.call('POST', '/api/v1/auth/request-otp', { json: { email: 'ada@example.com' } }), 404, 'user_not_found');
    const stats = await h.call('GET', '/__keymint/sessions/stats');
    assert.equal(stats.body.refreshRequests, 0);
  });
});

// ---- end to end over HTTP, through the emulator framework ---------------------------

describe('sessions backend over HTTP', () => {
  test('sign in, refresh, reuse detection, Retry-After, dev routes', async () => {
    const emu = await startEmulator({ port: 0, backends: ['sessions'] });
    try {
      assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const post = (path, json, headers = {}) => fetch(emu.url + path, {
        method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json),
      });
      assert.equal((await post('/__keymint/sessions/seed-user', { email: 'ada@example.com' })).status, 200);
      const req = await post('/api/v1/auth/request-otp', { email: 'ada@example.com', purpose: 'signin' });
      assert.equal(req.status, 200);
      const again = await post('/api/v1/auth/request-otp', { email: 'ada@example.com', purpose: 'signin' });
      assert.equal(again.status, 429);
      const againBody = await again.json();
      assert.equal(againBody.error.code, 'otp_cooldown');
      assert.equal(again.headers.get('retry-after'), String(againBody.error.retryAfterSeconds));

      const code = emu.outbox('ada@example.com');
      assert.match(code, /^[0-9]{6}$/);
      const v = await post('/api/v1/auth/verify-otp', { email: 'ada@example.com', code, purpose: 'signin' });
      assert.equal(v.status, 200);
      const pair = await v.json();
      assert.equal(pair.expiresIn, 900);

      emu.advance(900);
      const expired = await fetch(`${emu.url}/api/v1/auth/session`, { headers: { authorization: `Bearer ${pair.accessToken}` } });
      assert.equal(expired.status, 401);
      assert.equal((await expired.json()).error.code, 'token_expired');

      const r1 = await post('/api/v1/auth/refresh', { refreshToken: pair.refreshToken });
      assert.equal(r1.status, 200);
      const p1 = await r1.json();
      const reused = await post('/api/v1/auth/refresh', { refreshToken: pair.refreshToken });
      assert.equal(reused.status, 401);
      assert.equal((await reused.json()).error.code, 'refresh_token_reused');
      const dead = await fetch(`${emu.url}/api/v1/auth/session`, { headers: { authorization: `Bearer ${p1.accessToken}` } });
      assert.equal((await dead.json()).error.code, 'invalid_token');

      const stats = await (await fetch(`${emu.url}/__keymint/sessions/stats`)).json();
      assert.equal(stats.refreshRequests, 2);
      assert.equal(stats.revokedFamilies, 1);

      const rev = await post('/api/v1/auth/revoke', {}, { authorization: `Bearer ${p1.accessToken}` });
      assert.equal(rev.status, 200);
      assert.deepEqual(await rev.json(), { ok: true });

      emu.reset();
      const after = await (await fetch(`${emu.url}/__keymint/sessions/stats`)).json();
      assert.equal(after.refreshRequests, 0);
    } finally {
      await emu.close();
    }
  });
});
