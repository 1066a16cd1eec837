// The Codika backend of the emulator (protocols/codika.md), exercised with raw fetch:
// every error row, the check order, the constants and the multi-organization login.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, call, post } from './fixtures/emulator-http.mjs';

const SIGNUP_REQUEST = '/cliRequestSignupOtp';
const SIGNUP_COMPLETE = '/cliCompleteSignupOtp';
const LOGIN_REQUEST = '/cliRequestLoginOtp';
const LOGIN_COMPLETE = '/cliCompleteLoginOtp';
const WHOAMI = '/cliWhoami';
const SCOPES = [
  'workflows:read', 'workflows:write', 'deployments:read', 'deployments:write', 'executions:read',
  'executions:write', 'credentials:read', 'credentials:write', 'organization:read', 'keys:read',
];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const whoami = (emu, key) => call(emu, 'GET', WHOAMI, undefined, key === undefined ? {} : { authorization: `Bearer ${key}` });

/** Asserts a Codika error answer; a 429 carries Retry-After exactly when it names a wait. */
function assertError(res, status, code, details) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.success, false);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.deepEqual(res.body.error.details, details);
  const retry = details?.retryInSeconds;
  assert.equal(res.headers.get('retry-after'), retry === undefined ? null : String(retry));
}

/** A code that is certainly not `code`. */
const wrongCode = (code) => (code === '000000' ? '111111' : '000000');

async function signup(emu, email, extra = {}) {
  assert.equal((await post(emu, SIGNUP_REQUEST, { email })).status, 200);
  const res = await post(emu, SIGNUP_COMPLETE, { email, code: emu.outbox(email), ...extra });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

async function seed(emu, email, organizations) {
  const res = await post(emu, '/__keymint/codika/seed-user', { email, organizations });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

// ---------------------------------------------------------------- happy paths

test('signup: request then complete mints a cko_ key with the given options; whoami describes it', async (t) => {
  const emu = await start(t);
  const req = await post(emu, SIGNUP_REQUEST, { email: ' You@Example.com ' });
  assert.equal(req.status, 200);
  const now = emu.now();
  const { email, purpose, expiresAt, resendAvailableAt, codeLength } = req.body.data;
  assert.deepEqual([email, purpose, codeLength], ['you@example.com', 'signup', 6]);
  assert.match(expiresAt, RFC3339);
  assert.match(resendAvailableAt, RFC3339);
  assert.ok(Math.abs(Date.parse(expiresAt) - (now + 600_000)) <= 1000);
  assert.ok(Math.abs(Date.parse(resendAvailableAt) - (now + 30_000)) <= 1000);
  assert.equal(emu.messages()[0].purpose, 'signup');

  const res = await post(emu, SIGNUP_COMPLETE, {
    email: 'you@example.com', code: emu.outbox('you@example.com'), companyName: 'Acme', description: 'widgets', keyName: 'ci', keyExpiresInDays: 30,
  });
  assert.equal(res.status, 200);
  const d = res.body.data;
  assert.match(d.apiKey, /^cko_[0-9A-Za-z]{40}$/);
  assert.match(d.keyId, /^key_[0-9A-Za-z]+$/);
  assert.equal(d.keyName, 'ci');
  assert.equal(d.keyPrefix, d.apiKey.slice(0, 8));
  assert.deepEqual(d.scopes, SCOPES);
  assert.match(d.expiresAt, RFC3339);
  assert.ok(Math.abs(Date.parse(d.expiresAt) - (emu.now() + 30 * 86_400_000)) <= 1000);
  assert.match(d.organization.id, /^org_[0-9A-Za-z]+$/);
  assert.equal(d.organization.name, 'Acme');
  assert.match(d.user.id, /^usr_[0-9A-Za-z]+$/);
  assert.equal(d.user.email, 'you@example.com');

  const who = await whoami(emu, d.apiKey);
  assert.deepEqual(who.body, {
    success: true,
    data: {
      organization: d.organization,
      user: d.user,
      key: { id: d.keyId, name: 'ci', prefix: d.keyPrefix, scopes: SCOPES, expiresAt: d.expiresAt },
    },
  });
});

test('signup defaults: My Organization, CLI default key, no expiry', async (t) => {
  const emu = await start(t);
  const d = await signup(emu, 'def@example.com', { companyName: '  ', keyExpiresInDays: null });
  assert.equal(d.organization.name, 'My Organization');
  assert.equal(d.keyName, 'CLI default key');
  assert.equal(d.expiresAt, null);
});

test('login: a single-organization user gets a fresh key; earlier keys stay valid', async (t) => {
  const emu = await start(t);
  const first = await signup(emu, 'lo@example.com', { companyName: 'Solo' });
  emu.advance(30);
  const req = await post(emu, LOGIN_REQUEST, { email: 'LO@example.com' });
  assert.equal(req.body.data.purpose, 'login');
  const res = await post(emu, LOGIN_COMPLETE, { email: 'lo@example.com', code: emu.outbox('lo@example.com') });
  assert.equal(res.status, 200);
  assert.notEqual(res.body.data.apiKey, first.apiKey);
  assert.deepEqual(res.body.data.organization, first.organization);
  assert.deepEqual(res.body.data.user, first.user);
  assert.equal((await whoami(emu, first.apiKey)).status, 200);
  assert.equal((await whoami(emu, res.body.data.apiKey)).status, 200);
});

// ---------------------------------------------------------------- request checks

test('request step 1: EMAIL_REQUIRED and EMAIL_INVALID', async (t) => {
  const emu = await start(t);
  for (const path of [SIGNUP_REQUEST, LOGIN_REQUEST]) {
    for (const body of [{}, { email: '' }, { email: '  ' }, { email: null }]) assertError(await post(emu, path, body), 400, 'EMAIL_REQUIRED');
    for (const email of ['nope', 'a@b', 'a b@c.de', '@c.de', 'a@@c.de', 7]) assertError(await post(emu, path, { email }), 400, 'EMAIL_INVALID');
  }
});

test('request step 4: OTP_RESEND_COOLDOWN for 30 s per email, retry rounded up, never 0', async (t) => {
  const emu = await start(t);
  await post(emu, SIGNUP_REQUEST, { email: 'cd@example.com' });
  assertError(await post(emu, SIGNUP_REQUEST, { email: 'cd@example.com' }), 429, 'OTP_RESEND_COOLDOWN', { retryInSeconds: 30 });
  emu.advance(10.5);
  assertError(await post(emu, SIGNUP_REQUEST, { email: 'CD@example.com' }), 429, 'OTP_RESEND_COOLDOWN', { retryInSeconds: 20 });
  emu.advance(19); // the real clock keeps moving too, so leave margin
  assertError(await post(emu, SIGNUP_REQUEST, { email: 'cd@example.com' }), 429, 'OTP_RESEND_COOLDOWN', { retryInSeconds: 1 });
  // The cooldown is per email, across purposes.
  await seed(emu, 'member@example.com', [{ name: 'M' }]);
  assert.equal((await post(emu, LOGIN_REQUEST, { email: 'member@example.com' })).status, 200);
  assertError(await post(emu, SIGNUP_REQUEST, { email: 'member@example.com' }), 429, 'OTP_RESEND_COOLDOWN', { retryInSeconds: 30 });
  emu.advance(0.5);
  assert.equal((await post(emu, SIGNUP_REQUEST, { email: 'cd@example.com' })).status, 200);
});

test('request step 5: USER_ALREADY_HAS_ORGANIZATION, USER_NOT_FOUND, USER_HAS_NO_ORGANIZATION', async (t) => {
  const emu = await start(t);
  await seed(emu, 'owner@example.com', [{ name: 'Acme' }]);
  await seed(emu, 'orphan@example.com', []);
  assertError(await post(emu, SIGNUP_REQUEST, { email: 'owner@example.com' }), 409, 'USER_ALREADY_HAS_ORGANIZATION');
  assertError(await post(emu, LOGIN_REQUEST, { email: 'ghost@example.com' }), 404, 'USER_NOT_FOUND');
  assertError(await post(emu, LOGIN_REQUEST, { email: 'orphan@example.com' }), 409, 'USER_HAS_NO_ORGANIZATION');
  assert.equal(emu.messages().length, 0);
  // A user without an organization signs up again.
  assert.equal((await post(emu, SIGNUP_REQUEST, { email: 'orphan@example.com' })).status, 200);
});

test('request step 6: INTERNAL 500 sends no code and starts no cooldown', async (t) => {
  const emu = await start(t);
  assertError(await post(emu, '/__keymint/codika/fail-next', { route: '/nope' }), 400, 'BAD_REQUEST');
  assert.equal((await post(emu, '/__keymint/codika/fail-next', { route: SIGNUP_REQUEST, code: 'INTERNAL' })).status, 200);
  assertError(await post(emu, SIGNUP_REQUEST, { email: 'int@example.com' }), 500, 'INTERNAL');
  assert.equal(emu.outbox('int@example.com'), undefined);
  assert.equal((await post(emu, SIGNUP_REQUEST, { email: 'int@example.com' })).status, 200);
});

test('request step 3: EMAIL_RATE_LIMITED after 20 counted requests in a sliding hour', async (t) => {
  const emu = await start(t);
  const email = 'busy@example.com';
  for (let i = 0; i < 20; i++) {
    assert.equal((await post(emu, SIGNUP_REQUEST, { email })).status, 200, `request ${i + 1}`);
    // Cooldown refusals in between are not counted; once the window is full, step 3 answers first.
    const again = await post(emu, SIGNUP_REQUEST, { email });
    if (i < 19) assertError(again, 429, 'OTP_RESEND_COOLDOWN', { retryInSeconds: 30 });
    else assertError(again, 429, 'EMAIL_RATE_LIMITED', { retryInSeconds: 3600 - 19 * 30 });
    emu.advance(30);
  }
  // The first counted request was 600 s ago: it leaves the hour in 3000 s.
  assertError(await post(emu, SIGNUP_REQUEST, { email }), 429, 'EMAIL_RATE_LIMITED', { retryInSeconds: 3000 });
  assertError(await post(emu, LOGIN_REQUEST, { email }), 429, 'EMAIL_RATE_LIMITED', { retryInSeconds: 3000 });
  emu.advance(2999.5);
  assertError(await post(emu, SIGNUP_REQUEST, { email }), 429, 'EMAIL_RATE_LIMITED', { retryInSeconds: 1 });
  emu.advance(0.5);
  assert.equal((await post(emu, SIGNUP_REQUEST, { email })).status, 200);
});

test('request step 2: IP_RATE_LIMITED after 60 counted requests per IP, signup and login together', async (t) => {
  const emu = await start(t, { trustForwardedFor: true });
  const from = (ip) => ({ 'x-forwarded-for': `${ip}, 10.255.0.1` });
  const A = from('10.0.0.1');
  assert.equal((await post(emu, SIGNUP_REQUEST, { email: 'ip0@example.com' }, A)).status, 200);
  // Not counted: refused at step 1 (malformed) or step 4 (cooldown).
  for (let i = 0; i < 5; i++) {
    assertError(await post(emu, SIGNUP_REQUEST, { email: 'bad' }, A), 400, 'EMAIL_INVALID');
    assertError(await post(emu, SIGNUP_REQUEST, { email: 'ip0@example.com' }, A), 429, 'OTP_RESEND_COOLDOWN', { retryInSeconds: 30 });
  }
  // Counted: 29 signups and 30 logins for unknown emails (refused at step 5, still counted).
  for (let i = 1; i < 30; i++) assert.equal((await post(emu, SIGNUP_REQUEST, { email: `ip${i}@example.com` }, A)).status, 200);
  for (let i = 0; i < 30; i++) assertError(await post(emu, LOGIN_REQUEST, { email: `nobody${i}@example.com` }, A), 404, 'USER_NOT_FOUND');

  const limited = await post(emu, SIGNUP_REQUEST, { email: 'fresh@example.com' }, A);
  assert.equal(limited.body.error.code, 'IP_RATE_LIMITED');
  const retry = limited.body.error.details.retryInSeconds;
  assert.ok(retry >= 3599 && retry <= 3600, String(retry));
  assertError(limited, 429, 'IP_RATE_LIMITED', { retryInSeconds: retry });
  // IP is checked before the per-email window and the cooldown.
  assertError(await post(emu, LOGIN_REQUEST, { email: 'ip0@example.com' }, A), 429, 'IP_RATE_LIMITED', { retryInSeconds: retry });
  // Another IP is unaffected; the refused request did not count against the email.
  assert.equal((await post(emu, SIGNUP_REQUEST, { email: 'fresh@example.com' }, from('10.0.0.2'))).status, 200);

  emu.advance(3600);
  assert.equal((await post(emu, SIGNUP_REQUEST, { email: 'later@example.com' }, A)).status, 200);
});

// ---------------------------------------------------------------- complete checks

test('complete step 1: input errors answer before the code is touched', async (t) => {
  const emu = await start(t);
  await post(emu, SIGNUP_REQUEST, { email: 'in@example.com' });
  const code = emu.outbox('in@example.com');
  assertError(await post(emu, SIGNUP_COMPLETE, { code }), 400, 'EMAIL_REQUIRED');
  assertError(await post(emu, LOGIN_COMPLETE, { email: ' ', code }), 400, 'EMAIL_REQUIRED');
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'in@', code }), 400, 'EMAIL_INVALID');
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'in@example.com', code, companyName: 'x'.repeat(101) }), 400, 'COMPANY_NAME_TOO_LONG');
  // Email errors come first.
  assertError(await post(emu, SIGNUP_COMPLETE, { code, companyName: 'x'.repeat(101), keyExpiresInDays: 0 }), 400, 'EMAIL_REQUIRED');
  for (const days of [0, 366, -1, 1.5, '30', true]) {
    assertError(await post(emu, SIGNUP_COMPLETE, { email: 'in@example.com', code, keyExpiresInDays: days }), 400, 'INVALID_EXPIRES_IN_DAYS');
  }
  // 100 characters is fine even when they are 200 UTF-16 units.
  const name = '🚀'.repeat(100);
  const res = await post(emu, SIGNUP_COMPLETE, { email: 'in@example.com', code, companyName: name, keyExpiresInDays: 365 });
  assert.equal(res.status, 200, 'no attempt was spent above');
  assert.equal(res.body.data.organization.name, name);
});

test('COMPANY_NAME_TOO_LONG counts code points: 101 emoji are too long', async (t) => {
  const emu = await start(t);
  await post(emu, SIGNUP_REQUEST, { email: 'emoji@example.com' });
  const res = await post(emu, SIGNUP_COMPLETE, { email: 'emoji@example.com', code: emu.outbox('emoji@example.com'), companyName: '🚀'.repeat(101) });
  assertError(res, 400, 'COMPANY_NAME_TOO_LONG');
});

test('complete steps 2 and 5: OTP_INVALID 4,3,2,1 then OTP_LOCKED_OUT, which lasts until the code would expire', async (t) => {
  const emu = await start(t);
  await post(emu, SIGNUP_REQUEST, { email: 'lock@example.com' });
  const code = emu.outbox('lock@example.com');
  const bad = wrongCode(code);
  for (const [i, body] of [{ code: bad }, {}, { code: Number(code) }, { code: `${code} ` }].entries()) {
    // A missing or malformed code counts as a wrong one.
    assertError(await post(emu, SIGNUP_COMPLETE, { email: 'lock@example.com', ...body }), 400, 'OTP_INVALID', { attemptsRemaining: 4 - i });
  }
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'lock@example.com', code: bad }), 429, 'OTP_LOCKED_OUT');
  // The code is gone: even the right one is refused, with no wait that would help.
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'lock@example.com', code }), 429, 'OTP_LOCKED_OUT');
  emu.advance(601);
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'lock@example.com', code }), 404, 'OTP_NOT_FOUND');
  // A new code starts over.
  await post(emu, SIGNUP_REQUEST, { email: 'lock@example.com' });
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'lock@example.com', code: wrongCode(emu.outbox('lock@example.com')) }), 400, 'OTP_INVALID', { attemptsRemaining: 4 });
});

test('complete step 2: OTP_ALREADY_USED for the consumed code until it would expire, else OTP_NOT_FOUND', async (t) => {
  const emu = await start(t);
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'nf@example.com', code: '123456' }), 404, 'OTP_NOT_FOUND');
  await post(emu, SIGNUP_REQUEST, { email: 'used@example.com' });
  const code = emu.outbox('used@example.com');
  assert.equal((await post(emu, SIGNUP_COMPLETE, { email: 'used@example.com', code })).status, 200);
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'used@example.com', code }), 409, 'OTP_ALREADY_USED');
  assertError(await post(emu, LOGIN_COMPLETE, { email: 'used@example.com', code }), 409, 'OTP_ALREADY_USED');
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'used@example.com', code: wrongCode(code) }), 404, 'OTP_NOT_FOUND');
  emu.advance(601);
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'used@example.com', code }), 404, 'OTP_NOT_FOUND');
});

test('complete step 3: OTP_EXPIRED after 600 s, then the code is gone', async (t) => {
  const emu = await start(t);
  await post(emu, SIGNUP_REQUEST, { email: 'exp@example.com' });
  const code = emu.outbox('exp@example.com');
  emu.advance(601);
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'exp@example.com', code }), 410, 'OTP_EXPIRED');
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'exp@example.com', code }), 404, 'OTP_NOT_FOUND');

  await post(emu, SIGNUP_REQUEST, { email: 'exp@example.com' });
  emu.advance(599);
  assert.equal((await post(emu, SIGNUP_COMPLETE, { email: 'exp@example.com', code: emu.outbox('exp@example.com') })).status, 200);
});

test('complete step 4: OTP_PURPOSE_MISMATCH both ways, not a failed attempt', async (t) => {
  const emu = await start(t);
  await seed(emu, 'both@example.com', [{ name: 'Acme' }]);
  await post(emu, LOGIN_REQUEST, { email: 'both@example.com' });
  const code = emu.outbox('both@example.com');
  for (let i = 0; i < 6; i++) assertError(await post(emu, SIGNUP_COMPLETE, { email: 'both@example.com', code }), 409, 'OTP_PURPOSE_MISMATCH');
  assertError(await post(emu, LOGIN_COMPLETE, { email: 'both@example.com', code: wrongCode(code) }), 400, 'OTP_INVALID', { attemptsRemaining: 4 });
  assert.equal((await post(emu, LOGIN_COMPLETE, { email: 'both@example.com', code })).status, 200);

  await post(emu, SIGNUP_REQUEST, { email: 'new@example.com' });
  assertError(await post(emu, LOGIN_COMPLETE, { email: 'new@example.com', code: emu.outbox('new@example.com') }), 409, 'OTP_PURPOSE_MISMATCH');
});

test('a newer request replaces the pending code', async (t) => {
  const emu = await start(t);
  await post(emu, SIGNUP_REQUEST, { email: 'r@example.com' });
  const older = emu.outbox('r@example.com');
  let newer = older;
  while (newer === older) { // a fresh code could repeat by chance
    emu.advance(30);
    await post(emu, SIGNUP_REQUEST, { email: 'r@example.com' });
    newer = emu.outbox('r@example.com');
  }
  assertError(await post(emu, SIGNUP_COMPLETE, { email: 'r@example.com', code: older }), 400, 'OTP_INVALID', { attemptsRemaining: 4 });
  assert.equal((await post(emu, SIGNUP_COMPLETE, { email: 'r@example.com', code: newer })).status, 200);
});

test('signup step 6: USER_ALREADY_HAS_ORGANIZATION when raced, ORGANIZATION_CREATION_FAILED; neither consumes the code', async (t) => {
  const emu = await start(t);
  await post(emu, SIGNUP_REQUEST, { email: 'race@example.com' });
  const body = { email: 'race@example.com', code: emu.outbox('race@example.com'), companyName: 'Mine' };
  await seed(emu, 'race@example.com', [{ name: 'Theirs' }]);
  assertError(await post(emu, SIGNUP_COMPLETE, body), 409, 'USER_ALREADY_HAS_ORGANIZATION');
  await post(emu, '/__keymint/codika/delete-organizations', { email: 'race@example.com' });

  assertError(await post(emu, '/__keymint/codika/fail-next', { route: LOGIN_COMPLETE, code: 'ORGANIZATION_CREATION_FAILED' }), 400, 'BAD_REQUEST');
  await post(emu, '/__keymint/codika/fail-next', { route: SIGNUP_COMPLETE, code: 'ORGANIZATION_CREATION_FAILED' });
  assertError(await post(emu, SIGNUP_COMPLETE, body), 500, 'ORGANIZATION_CREATION_FAILED');
  await post(emu, '/__keymint/codika/fail-next', { route: SIGNUP_COMPLETE, code: 'ORGANIZATION_CREATION_FAILED', status: 422 });
  assertError(await post(emu, SIGNUP_COMPLETE, body), 422, 'ORGANIZATION_CREATION_FAILED');
  await post(emu, '/__keymint/codika/fail-next', { route: SIGNUP_COMPLETE });
  assertError(await post(emu, SIGNUP_COMPLETE, body), 500, 'INTERNAL');

  const ok = await post(emu, SIGNUP_COMPLETE, body);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.data.organization.name, 'Mine');
});

test('login step 7: ORGANIZATION_SELECTION_REQUIRED and ORGANIZATION_NOT_MEMBER, then resubmit with organizationId', async (t) => {
  const emu = await start(t);
  const seeded = await seed(emu, 'multi@example.com', [{ id: 'org_alpha', name: 'Alpha' }, { name: 'Beta' }]);
  const organizations = seeded.organizations.map(({ id, name }) => ({ id, name }));
  assert.equal(organizations[0].id, 'org_alpha');
  assert.match(organizations[1].id, /^org_/);
  assert.equal((await post(emu, LOGIN_REQUEST, { email: 'multi@example.com' })).status, 200);
  const code = emu.outbox('multi@example.com');
  assertError(await post(emu, LOGIN_COMPLETE, { email: 'multi@example.com', code }), 409, 'ORGANIZATION_SELECTION_REQUIRED', { organizations });
  assertError(await post(emu, LOGIN_COMPLETE, { email: 'multi@example.com', code, organizationId: 'org_other' }), 403, 'ORGANIZATION_NOT_MEMBER', { organizations });
  // Neither counted as a failed attempt nor consumed the code.
  assertError(await post(emu, LOGIN_COMPLETE, { email: 'multi@example.com', code: wrongCode(code) }), 400, 'OTP_INVALID', { attemptsRemaining: 4 });
  const res = await post(emu, LOGIN_COMPLETE, { email: 'multi@example.com', code, organizationId: organizations[1].id });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data.organization, organizations[1]);
  assert.equal(res.body.data.user.id, seeded.user.id);
});

test('login step 7: MAX_API_KEYS_REACHED at 20 active keys, without Retry-After; a revoke frees a slot', async (t) => {
  const emu = await start(t);
  const seeded = await seed(emu, 'full@example.com', [{ name: 'Full', keys: 20 }]);
  const [org] = seeded.organizations;
  assert.equal(org.keys.length, 20);
  assert.match(org.keys[0].apiKey, /^cko_[0-9A-Za-z]{40}$/);
  assert.equal((await whoami(emu, org.keys[0].apiKey)).status, 200);
  await post(emu, LOGIN_REQUEST, { email: 'full@example.com' });
  const body = { email: 'full@example.com', code: emu.outbox('full@example.com') };
  assertError(await post(emu, LOGIN_COMPLETE, body), 429, 'MAX_API_KEYS_REACHED');
  assertError(await post(emu, LOGIN_COMPLETE, body), 429, 'MAX_API_KEYS_REACHED');
  assert.deepEqual((await post(emu, '/__keymint/codika/revoke-key', { keyId: org.keys[0].id })).body, { ok: true });
  assertError(await whoami(emu, org.keys[0].apiKey), 401, 'UNAUTHENTICATED');
  assert.equal((await post(emu, LOGIN_COMPLETE, body)).status, 200);
});

test('login step 7: USER_HAS_NO_ORGANIZATION when the organizations went away after the request', async (t) => {
  const emu = await start(t);
  const { organizations } = await seed(emu, 'gone@example.com', [{ name: 'Gone', keys: 1 }]);
  await post(emu, LOGIN_REQUEST, { email: 'gone@example.com' });
  const del = await post(emu, '/__keymint/codika/delete-organizations', { email: 'gone@example.com' });
  assert.deepEqual(del.body, { deleted: [organizations[0].id] });
  assertError(await post(emu, LOGIN_COMPLETE, { email: 'gone@example.com', code: emu.outbox('gone@example.com') }), 409, 'USER_HAS_NO_ORGANIZATION');
  assertError(await whoami(emu, organizations[0].keys[0].apiKey), 401, 'UNAUTHENTICATED');
});

test('complete step 8: INTERNAL 500 does not consume the code', async (t) => {
  const emu = await start(t);
  await seed(emu, 'hiccup@example.com', [{ name: 'H' }]);
  await post(emu, LOGIN_REQUEST, { email: 'hiccup@example.com' });
  await post(emu, '/__keymint/codika/fail-next', { route: LOGIN_COMPLETE, code: 'INTERNAL' });
  const body = { email: 'hiccup@example.com', code: emu.outbox('hiccup@example.com') };
  assertError(await post(emu, LOGIN_COMPLETE, body), 500, 'INTERNAL');
  assert.equal((await post(emu, LOGIN_COMPLETE, body)).status, 200);
});

// ---------------------------------------------------------------- whoami

test('whoami: UNAUTHENTICATED for a missing, unknown, revoked or expired key', async (t) => {
  const emu = await start(t);
  const d = await signup(emu, 'w@example.com', { keyExpiresInDays: 1 });
  assertError(await whoami(emu), 401, 'UNAUTHENTICATED');
  assertError(await whoami(emu, 'cko_0000000000000000000000000000000000000000'), 401, 'UNAUTHENTICATED');
  assert.equal((await whoami(emu, d.apiKey)).status, 200);
  emu.advance(86_399);
  assert.equal((await whoami(emu, d.apiKey)).status, 200);
  emu.advance(1);
  assertError(await whoami(emu, d.apiKey), 401, 'UNAUTHENTICATED');
  assertError(await post(emu, '/__keymint/codika/revoke-key', { keyId: 'key_missing' }), 404, 'NOT_FOUND');
  assert.equal((await call(emu, 'POST', WHOAMI, {})).status, 405);
});

test('expired keys do not count toward the 20-key cap', async (t) => {
  const emu = await start(t);
  const first = await signup(emu, 'cap@example.com', { keyExpiresInDays: 1 });
  await seed(emu, 'cap@example.com', [{ id: first.organization.id, keys: 19 }]);
  emu.advance(30);
  await post(emu, LOGIN_REQUEST, { email: 'cap@example.com' });
  const body = { email: 'cap@example.com', code: emu.outbox('cap@example.com') };
  assertError(await post(emu, LOGIN_COMPLETE, body), 429, 'MAX_API_KEYS_REACHED');
  emu.advance(86_400);
  assert.equal((await post(emu, LOGIN_COMPLETE, body)).status, 410, 'the code expired meanwhile');
  await post(emu, LOGIN_REQUEST, { email: 'cap@example.com' });
  assert.equal((await post(emu, LOGIN_COMPLETE, { ...body, code: emu.outbox('cap@example.com') })).status, 200);
});
