// The `better-auth` preset against a real Better Auth server (better-auth +
// @better-auth/api-key, memory database) started inside the test run:
// email OTP → session token → API key → a protected route; wrong code, too many
// attempts, expiry, a 429 with X-Retry-After, the origin check, mint failures.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import * as keymint from '../dist/keymint.mjs';
import { rejects } from './fixtures/scripto-cases.mjs';
import { startBetterAuthServer } from './fixtures/better-auth-server.mjs';

// "Account created" compares user.createdAt with the server's Date (1 s
// resolution) of the code request: a second sign-in in the same second as the
// account's creation would count as new, so such tests step past it.
const nextSecond = () => new Promise((r) => setTimeout(r, 1_050 - (Date.now() % 1000)));

const preset = JSON.parse(readFileSync(new URL('../../src/provider/better-auth.json', import.meta.url), 'utf8'));

/** Every session token the server issued: none may show up anywhere we can see. */
const sessionTokens = (ba) => ba.db.session.map((s) => s.token);
function assertNoSecrets(ba, ...things) {
  const secrets = sessionTokens(ba);
  assert.ok(secrets.length > 0);
  for (const thing of things) {
    const shown = typeof thing === 'string' ? thing : `${JSON.stringify(thing)}\n${inspect(thing, { depth: 9 })}`;
    for (const s of secrets) assert.ok(!shown.includes(s), 'a session token leaked');
  }
}

describe('better-auth preset: the main server', () => {
  let ba;
  let base;
  before(async () => {
    ba = await startBetterAuthServer();
    base = `${ba.url}/api/auth`;
  });
  after(() => ba.close());
  const start = (email, extra = {}) => keymint.start({ provider: 'better-auth', baseUrl: base, email, ...extra });

  test('an origin-only base URL gets /api/auth, as Better Auth\'s own client adds it; a path is used as given', async () => {
    const flow = keymint.start({ provider: 'better-auth', baseUrl: ba.url, email: 'origin@example.com' });
    assert.equal(flow.baseUrl, base);
    await flow.requestCode();
    const cred = await flow.submitCode(ba.outbox('origin@example.com'));
    const me = await keymint.whoami({ provider: 'better-auth', baseUrl: `${ba.url}/`, apiKey: cred.apiKey });
    assert.equal(me.email, 'origin@example.com');
    // A base URL with a path of its own is not touched (a server mounted elsewhere).
    assert.equal(keymint.start({ provider: 'better-auth', baseUrl: `${ba.url}/auth`, email: 'x@example.com' }).baseUrl, `${ba.url}/auth`);
  });

  test('happy path: code → session → API key that works on a protected route; whoami; account created once', async () => {
    const states = [];
    const flow = start('Agent@Example.com', { onState: (s) => states.push(JSON.stringify(s)) });
    assert.equal(flow.provider, 'better-auth');
    const sent = await flow.requestCode();
    assert.equal(sent.email, 'Agent@Example.com');
    assert.ok(Math.abs(Date.parse(sent.expiresAt) - (Date.now() + 300_000)) < 5_000);
    const cred = await flow.submitCode(ba.outbox('agent@example.com'), { keyName: 'my-agent', keyExpiresInDays: 30 });

    const raw = cred.apiKey.reveal();
    assert.equal(raw.length, 64);
    for (const shown of [String(cred.apiKey), JSON.stringify(cred), inspect(cred), JSON.stringify(flow)]) {
      assert.ok(!shown.includes(raw), 'raw key leaked');
    }
    assert.equal(cred.keyName, 'my-agent');
    assert.ok(cred.keyId);
    assert.equal(ba.db.apikey.find((k) => k.id === cred.keyId)?.name, 'my-agent');
    assert.ok(Math.abs(Date.parse(cred.expiresAt) - (Date.now() + 30 * 86_400_000)) < 60_000);
    const user = ba.db.user.find((u) => u.email === 'agent@example.com');
    assert.equal(cred.user.id, user.id);
    assert.equal(cred.user.email, 'agent@example.com');
    assert.equal(cred.accountCreated, true);
    assert.equal(flow.phase, 'done');
    // The session token was used for the mint and then dropped: it is in no
    // state the caller saw, nor in the credential.
    assert.equal(ba.db.session.length > 0, true);
    assertNoSecrets(ba, cred, flow, ...states);

    // The key opens the app's protected route.
    const res = await fetch(`${ba.url}/api/protected`, { headers: { 'x-api-key': raw } });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).userId, user.id);

    const me = await keymint.whoami({ provider: 'better-auth', baseUrl: base, apiKey: cred.apiKey });
    assert.equal(me.email, 'agent@example.com');
    assert.equal(me.id, user.id);
    assert.equal(JSON.stringify(me).includes(raw), false);

    // Signing in again: same account, not created, a second key.
    await nextSecond();
    const again = start('agent@example.com');
    await again.requestCode();
    const second = await again.submitCode(ba.outbox('agent@example.com'));
    assert.equal(second.accountCreated, false);
    assert.equal(second.user.id, user.id);
    assert.notEqual(second.keyId, cred.keyId);
  });

  test('the request carries the Origin the server checks; without it Better Auth refuses', async () => {
    const noOrigin = structuredClone(preset);
    delete noOrigin.headers;
    const e = await rejects(keymint.start({ provider: noOrigin, baseUrl: base, email: 'o@example.com' }).requestCode(), 'INVALID_REQUEST');
    assert.equal(e.status, 403);
    assert.equal(e.providerCode, 'MISSING_OR_NULL_ORIGIN');
    const evil = structuredClone(preset);
    evil.headers.origin = 'https://evil.example';
    const e2 = await rejects(keymint.start({ provider: evil, baseUrl: base, email: 'o@example.com' }).requestCode(), 'INVALID_REQUEST');
    assert.equal(e2.providerCode, 'INVALID_ORIGIN');
  });

  test('wrong code → OTP_INVALID with attempts counted down; the right code still works', async () => {
    const flow = start('wrong@example.com');
    await flow.requestCode();
    const good = ba.outbox('wrong@example.com');
    const bad = good === '000000' ? '111111' : '000000';
    const e = await rejects(flow.submitCode(bad), 'OTP_INVALID');
    assert.equal(e.status, 400);
    assert.equal(e.providerCode, 'INVALID_OTP');
    assert.equal(e.message, 'Invalid OTP');
    assert.equal(e.details.attemptsRemaining, 2);
    assert.equal(e.nextAction.kind, 'retry_code');
    assert.equal(flow.attemptsRemaining, 2);
    assert.equal((await flow.submitCode(good)).apiKey.reveal().length, 64);
  });

  test('too many attempts: the third wrong code leaves none; the server then answers TOO_MANY_ATTEMPTS (403)', async () => {
    const flow = start('tries@example.com');
    await flow.requestCode();
    const saved = JSON.stringify(flow);
    const good = ba.outbox('tries@example.com');
    const bad = good === '000000' ? '111111' : '000000';
    await rejects(flow.submitCode(bad), 'OTP_INVALID');
    await rejects(flow.submitCode(bad), 'OTP_INVALID');
    const last = await rejects(flow.submitCode(bad), 'OTP_INVALID');
    assert.equal(last.details.attemptsRemaining, 0);
    assert.equal(last.nextAction.kind, 'request_new_code');
    // A copy of the flow saved earlier knows nothing of those tries: the server
    // refuses even the right code now.
    const e = await rejects(keymint.resume(saved).submitCode(good), 'OTP_LOCKED_OUT');
    assert.equal(e.status, 403);
    assert.equal(e.providerCode, 'TOO_MANY_ATTEMPTS');
    assert.equal(e.nextAction.kind, 'request_new_code');
    // A new code starts over.
    await flow.requestCode();
    assert.equal(flow.attemptsRemaining, null);
    assert.equal((await flow.submitCode(ba.outbox('tries@example.com'))).apiKey.reveal().length, 64);
  });

  test('past the saved expiry → OTP_EXPIRED locally, nothing sent', async () => {
    let now = Date.now();
    const calls = [];
    const flow = start('clock@example.com', { clock: () => now, fetch: (u, i) => { calls.push(u); return fetch(u, i); } });
    await flow.requestCode();
    now += 301_000;
    await rejects(flow.submitCode(ba.outbox('clock@example.com')), 'OTP_EXPIRED');
    assert.equal(calls.length, 1);
  });

  test('mint refused (name too long): the code is spent, the session token dropped, a new code is needed', async () => {
    const states = [];
    const flow = start('longname@example.com', { onState: (s) => states.push(JSON.stringify(s)) });
    await flow.requestCode();
    const e = await rejects(flow.submitCode(ba.outbox('longname@example.com'), { keyName: 'x'.repeat(40) }), 'INVALID_ARGUMENT');
    assert.equal(e.status, 400);
    assert.equal(e.providerCode, 'INVALID_NAME_LENGTH');
    assert.equal(flow.phase, 'ready');
    assertNoSecrets(ba, flow, e, e.message, ...states);
    await nextSecond();
    await flow.requestCode();
    const cred = await flow.submitCode(ba.outbox('longname@example.com'), { keyName: 'short' });
    assert.equal(cred.keyName, 'short');
    assert.equal(cred.accountCreated, false);
  });

  test('a key lifetime outside 1–365 days is refused locally', async () => {
    const flow = start('days@example.com');
    await flow.requestCode();
    await rejects(flow.submitCode(ba.outbox('days@example.com'), { keyExpiresInDays: 400 }), 'INVALID_EXPIRES_IN_DAYS');
    assert.equal(flow.phase, 'code_sent');
  });

  test('whoami: an unknown key → UNAUTHENTICATED (401, or 403 for a short one)', async () => {
    const e = await rejects(keymint.whoami({ provider: 'better-auth', baseUrl: base, apiKey: 'x'.repeat(64) }), 'UNAUTHENTICATED');
    assert.equal(e.status, 401);
    assert.equal(e.providerCode, 'INVALID_API_KEY');
    assert.equal(e.nextAction.kind, 'sign_in_again');
    const e2 = await rejects(keymint.whoami({ provider: 'better-auth', baseUrl: base, apiKey: 'short' }), 'UNAUTHENTICATED');
    assert.equal(e2.status, 403);
  });
});

describe('better-auth preset: short-lived codes', () => {
  let ba;
  before(async () => { ba = await startBetterAuthServer({ expiresIn: 1 }); });
  after(() => ba.close());

  test('a code past the server\'s expiresIn → OTP_EXPIRED from the server; request a new one', async () => {
    const flow = keymint.start({ provider: 'better-auth', baseUrl: `${ba.url}/api/auth`, email: 'late@example.com' });
    await flow.requestCode();
    await new Promise((r) => setTimeout(r, 1_100));
    const e = await rejects(flow.submitCode(ba.outbox('late@example.com')), 'OTP_EXPIRED');
    assert.equal(e.status, 400);
    assert.equal(e.providerCode, 'OTP_EXPIRED');
    assert.equal(e.nextAction.kind, 'request_new_code');
    assert.equal(flow.phase, 'ready');
  });
});

describe('better-auth preset: rate limited', () => {
  let ba;
  before(async () => {
    ba = await startBetterAuthServer({ rateLimit: { path: '/email-otp/send-verification-otp', window: 60, max: 1 } });
  });
  after(() => ba.close());

  test('429 with only X-Retry-After → RATE_LIMITED with retryAfterSeconds, wait', async () => {
    const start = (email) => keymint.start({ provider: 'better-auth', baseUrl: `${ba.url}/api/auth`, email });
    await start('first@example.com').requestCode();
    const e = await rejects(start('second@example.com').requestCode(), 'RATE_LIMITED');
    assert.equal(e.status, 429);
    assert.equal(e.providerCode ?? null, null);
    assert.equal(e.exitCode, 4);
    assert.ok(e.details.retryAfterSeconds > 50 && e.details.retryAfterSeconds <= 60, String(e.details.retryAfterSeconds));
    assert.equal(e.nextAction.kind, 'wait');
    assert.equal(e.nextAction.retryAfterSeconds, e.details.retryAfterSeconds);
    assert.equal(ba.sentCount('second@example.com'), 0);
  });
});
