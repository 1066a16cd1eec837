// The package against the emulator, end to end, for the Codika preset: every row of
// the seed's error tables through the JS API (code, status, nextAction kind), the local
// guards (no request sent), the organization choice, the key cap, the agent recipe in
// both directions, and a flow saved by one process and completed by another.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inspect } from 'node:util';
import * as keymint from '../dist/keymint.mjs';
import { startEmulator } from '../src/emulator/index.mjs';
import { rejectsWithCode } from './fixtures/rejection.mjs';

const T0 = Date.UTC(2026, 10, 22, 17, 40); // 2026-11-22T17:40:00Z
const SIGNUP_REQUEST = '/cliRequestSignupOtp';
const SIGNUP_COMPLETE = '/cliCompleteSignupOtp';
const LOGIN_REQUEST = '/cliRequestLoginOtp';
const LOGIN_COMPLETE = '/cliCompleteLoginOtp';
const SCOPES = [
  'workflows:read', 'workflows:write', 'deployments:read', 'deployments:write', 'executions:read',
  'executions:write', 'credentials:read', 'credentials:write', 'organization:read', 'keys:read',
];

let emu;
before(async () => { emu = await startEmulator({ port: 0, frozenAt: T0 }); });
after(() => emu.close());
// Every test starts from an empty backend at T0: no rate-limit window carries over.
beforeEach(() => emu.reset());

/** The flows read the emulator's frozen clock, so local guards and server agree. */
const clock = () => emu.now();
const start = (email, extra = {}) =>
  keymint.start({ provider: 'codika', program: 'codika', baseUrl: emu.url, email, clock, ...extra });

async function dev(path, body) {
  const res = await fetch(`${emu.url}/__keymint/codika/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}
const seed = (email, organizations) => dev('seed-user', { email, organizations });
const failNext = (route, code, status) => dev('fail-next', { route, code, status });

/** The backend requests the emulator saw (dev routes excluded), as `path status`. */
const seen = () => emu.requests.map((r) => `${r.path} ${r.status}`);

/** Awaits a rejection and checks the canonical shape; returns the error. */
async function rejects(promise, code, status, kind) {
  const e = await rejectsWithCode(promise, code);
  assert.ok(e instanceof Error, String(e));
  assert.equal(e.status, status, `${code} status`);
  assert.equal(e.nextAction.kind, kind, `${code} kind`);
  assert.equal(typeof e.nextAction.text, 'string');
  return e;
}

/** A code that is certainly not `code`. */
const wrong = (code) => (code === '000000' ? '111111' : '000000');

/** An injected fetch that rewrites the JSON body in transit: a server-side check the local guard would catch. */
const mangling = (edit) => (url, init) => fetch(url, { ...init, body: JSON.stringify(edit(JSON.parse(init.body))) });

// ---------------------------------------------------------------------------------------------
// Happy paths

test('signup: request, code sent, complete with every option; the key never prints', async () => {
  const flow = start('new@example.com', { purpose: 'signup' });
  const sent = await flow.requestCode();
  assert.deepEqual(sent, {
    email: 'new@example.com',
    purpose: 'signup',
    expiresAt: '2026-11-22T17:50:00Z',
    resendAvailableAt: '2026-11-22T17:40:30Z',
  });
  const cred = await flow.submitCode(emu.outbox('new@example.com').replace(/(...)/, '$1 '), {
    companyName: 'Acme Robots',
    description: 'We build robots',
    keyName: 'agent key',
    keyExpiresInDays: 30,
  });
  const raw = cred.apiKey.reveal();
  assert.match(raw, /^cko_[0-9A-Za-z]{40}$/);
  assert.match(cred.keyId, /^key_/);
  assert.equal(cred.keyName, 'agent key');
  assert.equal(cred.keyPrefix, raw.slice(0, 8));
  assert.deepEqual(cred.scopes, SCOPES);
  assert.equal(cred.expiresAt, '2026-12-22T17:40:00Z');
  assert.equal(cred.organization.name, 'Acme Robots');
  assert.match(cred.organization.id, /^org_/);
  assert.match(cred.user.id, /^usr_/);
  assert.equal(cred.user.email, 'new@example.com');
  assert.equal(cred.accountCreated, true);
  assert.equal(cred.purpose, 'signup');
  assert.equal(flow.phase, 'done');
  for (const shown of [String(cred.apiKey), JSON.stringify(cred), inspect(cred), JSON.stringify(flow)]) {
    assert.ok(!shown.includes(raw), 'raw key leaked');
  }
  const me = await keymint.whoami({ provider: 'codika', baseUrl: emu.url, apiKey: cred.apiKey });
  assert.equal(me.organization.id, cred.organization.id);
  assert.equal(me.key.id, cred.keyId);
  assert.equal(me.key.expiresAt, cred.expiresAt);
  const body = JSON.parse(emu.requests.find((r) => r.path === SIGNUP_COMPLETE).body);
  assert.deepEqual(body, {
    email: 'new@example.com', code: emu.outbox('new@example.com'), companyName: 'Acme Robots',
    description: 'We build robots', keyName: 'agent key', keyExpiresInDays: 30,
  });
});

test('login: request, code sent, complete; the account already existed', async () => {
  const [org] = (await seed('old@example.com', [{ name: 'Old Co' }])).organizations;
  const flow = start('old@example.com', { purpose: 'login' });
  const sent = await flow.requestCode();
  assert.equal(sent.purpose, 'login');
  const cred = await flow.submitCode(emu.outbox('old@example.com'));
  assert.equal(cred.accountCreated, false);
  assert.equal(cred.organization.id, org.id);
  assert.equal(cred.keyName, 'CLI default key');
  assert.equal(cred.expiresAt, null);
  assert.deepEqual(seen(), [`${LOGIN_REQUEST} 200`, `${LOGIN_COMPLETE} 200`]);
});

// ---------------------------------------------------------------------------------------------
// codika auth signup-request (and login-request, same shape)

test('request: EMAIL_REQUIRED / EMAIL_INVALID locally before any request, and from the server', async () => {
  assert.throws(() => start('   '), (e) => e.code === 'EMAIL_REQUIRED' && e.nextAction.kind === 'fix_input'
    && e.nextAction.field === 'email' && e.details.local === true);
  assert.throws(() => start('you@'), (e) => e.code === 'EMAIL_INVALID' && e.nextAction.kind === 'fix_input');
  assert.deepEqual(seen(), []);
  // A server that disagrees with the local check answers with the same codes.
  const blank = start('you@example.com', { purpose: 'signup', fetch: mangling((b) => ({ ...b, email: ' ' })) });
  let e = await rejects(blank.requestCode(), 'EMAIL_REQUIRED', 400, 'fix_input');
  assert.equal(e.nextAction.field, 'email');
  assert.equal(e.nextAction.command, 'codika auth signup-request --email you@example.com');
  const bad = start('you@example.com', { purpose: 'login', fetch: mangling((b) => ({ ...b, email: 'you@@example' })) });
  e = await rejects(bad.requestCode(), 'EMAIL_INVALID', 400, 'fix_input');
  assert.equal(e.nextAction.command, 'codika auth login-request --email you@example.com');
});

test('request: USER_ALREADY_HAS_ORGANIZATION → switch_flow to login (explicit purpose: no switch)', async () => {
  await seed('owner@example.com', [{ name: 'Owned' }]);
  const flow = start('owner@example.com', { purpose: 'signup' });
  const e = await rejects(flow.requestCode(), 'USER_ALREADY_HAS_ORGANIZATION', 409, 'switch_flow');
  assert.equal(e.nextAction.to, 'login');
  assert.equal(e.nextAction.command, 'codika auth login-request --email owner@example.com');
  assert.match(e.nextAction.text, /codika auth login-request --email owner@example\.com/);
  assert.equal(flow.purpose, 'signup');
  assert.deepEqual(seen(), [`${SIGNUP_REQUEST} 409`]);
});

test('request: OTP_RESEND_COOLDOWN from the server (a second flow), then answered locally (no request)', async () => {
  const first = start('cool@example.com');
  await first.requestCode();
  emu.advance(10);
  // Another flow for the same email knows nothing of the first code: the server answers.
  const e = await rejects(start('cool@example.com').requestCode(), 'OTP_RESEND_COOLDOWN', 429, 'wait');
  assert.equal(e.nextAction.retryAfterSeconds, 20);
  assert.equal(e.retryAfterSeconds, 20);
  assert.equal(e.details.local, undefined);
  // The first flow saved resendAvailableAt: it answers itself and sends nothing.
  emu.clearRequests();
  const local = await rejects(first.requestCode(), 'OTP_RESEND_COOLDOWN', undefined, 'wait');
  assert.equal(local.nextAction.retryAfterSeconds, 20);
  assert.equal(local.details.local, true);
  assert.equal(local.nextAction.command, 'codika auth signup-request --email cool@example.com');
  assert.deepEqual(emu.requests, [], 'no request reached the emulator');
  emu.advance(20);
  await first.requestCode();
  assert.deepEqual(seen(), [`${SIGNUP_REQUEST} 200`]);
});

test('request: EMAIL_RATE_LIMITED after 20 counted requests for one email', async () => {
  await seed('spam@example.com', [{ name: 'Spam' }]);
  // Refused at step 5 (the email owns an organization), yet counted, and no cooldown.
  for (let i = 0; i < 20; i++) {
    await rejects(start('spam@example.com', { purpose: 'signup' }).requestCode(), 'USER_ALREADY_HAS_ORGANIZATION', 409, 'switch_flow');
  }
  emu.advance(100);
  const e = await rejects(start('spam@example.com', { purpose: 'signup' }).requestCode(), 'EMAIL_RATE_LIMITED', 429, 'wait');
  assert.equal(e.nextAction.retryAfterSeconds, 3500);
  assert.equal(e.retryAfterSeconds, 3500);
  assert.match(e.nextAction.text, /^Wait 3500 seconds, then run: codika auth signup-request --email spam@example\.com$/);
});

test('request: IP_RATE_LIMITED after 60 counted requests from one address', async () => {
  for (let i = 0; i < 60; i++) await start(`ip${i}@example.com`, { purpose: 'signup' }).requestCode();
  const e = await rejects(start('ip60@example.com', { purpose: 'signup' }).requestCode(), 'IP_RATE_LIMITED', 429, 'wait');
  assert.equal(e.nextAction.retryAfterSeconds, 3600);
  const login = await rejects(start('ip61@example.com', { purpose: 'login' }).requestCode(), 'IP_RATE_LIMITED', 429, 'wait');
  assert.equal(login.nextAction.command, 'codika auth login-request --email ip61@example.com');
});

test('request: INTERNAL 500 → retry; the same request then succeeds', async () => {
  await failNext(SIGNUP_REQUEST, 'INTERNAL', 500);
  const flow = start('hiccup@example.com', { purpose: 'signup' });
  const e = await rejects(flow.requestCode(), 'INTERNAL', 500, 'retry');
  assert.equal(e.nextAction.command, 'codika auth signup-request --email hiccup@example.com');
  assert.equal(flow.phase, 'ready');
  await flow.requestCode();
  assert.equal(flow.phase, 'code_sent');
});

// ---------------------------------------------------------------------------------------------
// codika auth login-request

test('login-request: USER_NOT_FOUND and USER_HAS_NO_ORGANIZATION → switch_flow to signup', async () => {
  let e = await rejects(start('nobody@example.com', { purpose: 'login' }).requestCode(), 'USER_NOT_FOUND', 404, 'switch_flow');
  assert.equal(e.nextAction.to, 'signup');
  assert.equal(e.nextAction.command, 'codika auth signup-request --email nobody@example.com');
  await seed('orgless@example.com', []);
  e = await rejects(start('orgless@example.com', { purpose: 'login' }).requestCode(), 'USER_HAS_NO_ORGANIZATION', 409, 'switch_flow');
  assert.equal(e.nextAction.to, 'signup');
  assert.equal(e.nextAction.command, 'codika auth signup-request --email orgless@example.com');
});

// ---------------------------------------------------------------------------------------------
// codika auth signup-complete

test('complete: OTP_INVALID counts down 4 → 3 → 2 → 1, then OTP_LOCKED_OUT, then the local guard', async () => {
  const flow = start('typo@example.com', { purpose: 'signup' });
  await flow.requestCode();
  const good = emu.outbox('typo@example.com');
  for (const left of [4, 3, 2, 1]) {
    const e = await rejects(flow.submitCode(wrong(good)), 'OTP_INVALID', 400, 'retry_code');
    assert.equal(e.attemptsRemaining, left);
    assert.equal(e.details.attemptsRemaining, left);
    assert.equal(flow.attemptsRemaining, left);
    assert.match(e.nextAction.text, new RegExp(`\\(${left} attempts? left\\)`));
    assert.equal(e.nextAction.command, 'codika auth signup-complete --email typo@example.com --code <code>');
  }
  const locked = await rejects(flow.submitCode(wrong(good)), 'OTP_LOCKED_OUT', 429, 'request_new_code');
  assert.equal(locked.nextAction.command, 'codika auth signup-request --email typo@example.com');
  assert.equal(flow.attemptsRemaining, 0);
  assert.equal(flow.lockedUntil, '2026-11-22T17:50:00Z');
  // Even the right code is refused locally now: no request, no attempt spent.
  emu.clearRequests();
  const local = await rejects(flow.submitCode(good), 'OTP_LOCKED_OUT', undefined, 'request_new_code');
  assert.equal(local.details.local, true);
  assert.deepEqual(emu.requests, []);
  // A new code lifts the lock.
  emu.advance(30);
  await flow.requestCode();
  assert.equal(flow.lockedUntil, null);
  const cred = await flow.submitCode(emu.outbox('typo@example.com'));
  assert.equal(cred.accountCreated, true);
});

test('complete: OTP_NOT_FOUND and OTP_ALREADY_USED when another process already used the code', async () => {
  const a = start('twice@example.com', { purpose: 'signup' });
  await a.requestCode();
  const b = keymint.resume(JSON.stringify(a), { clock });
  const code = emu.outbox('twice@example.com');
  await a.submitCode(code);
  let e = await rejects(b.submitCode(wrong(code)), 'OTP_NOT_FOUND', 404, 'request_new_code');
  assert.equal(e.nextAction.command, 'codika auth signup-request --email twice@example.com');
  // (The identical submission would be replayed by its idempotency key; a different one is refused.)
  e = await rejects(b.submitCode(code, { keyName: 'second' }), 'OTP_ALREADY_USED', 409, 'request_new_code');
  assert.equal(e.nextAction.command, 'codika auth signup-request --email twice@example.com');
});

test('complete: expiry — OTP_EXPIRED from the server after emu.advance(601), and locally', async () => {
  // A caller whose clock lags the backend's: the server answers 410.
  const lagging = start('late@example.com', { purpose: 'signup', clock: () => T0 });
  await lagging.requestCode();
  emu.advance(601);
  const e = await rejects(lagging.submitCode(emu.outbox('late@example.com')), 'OTP_EXPIRED', 410, 'request_new_code');
  assert.equal(e.nextAction.command, 'codika auth signup-request --email late@example.com');
  assert.equal(lagging.phase, 'ready');
  // A caller on the same clock answers itself from the saved expiresAt.
  emu.reset();
  const flow = start('late@example.com', { purpose: 'signup' });
  await flow.requestCode();
  emu.advance(601);
  emu.clearRequests();
  const local = await rejects(flow.submitCode(emu.outbox('late@example.com')), 'OTP_EXPIRED', undefined, 'request_new_code');
  assert.equal(local.details.local, true);
  assert.deepEqual(emu.requests, []);
  await flow.requestCode();
  assert.ok(await flow.submitCode(emu.outbox('late@example.com')));
});

test('complete: OTP_PURPOSE_MISMATCH when a signup code reaches the login endpoint (per-step URL)', async () => {
  const flow = start('crossed@example.com', { purpose: 'signup' });
  await flow.requestCode();
  const code = emu.outbox('crossed@example.com');
  const e = await rejects(flow.submitCode(code, {}, { url: emu.url + LOGIN_COMPLETE }), 'OTP_PURPOSE_MISMATCH', 409, 'request_new_code');
  assert.equal(e.nextAction.command, 'codika auth signup-request --email crossed@example.com');
  assert.deepEqual(seen(), [`${SIGNUP_REQUEST} 200`, `${LOGIN_COMPLETE} 409`]);
  // Not a failed attempt: the same code at the matching endpoint still works.
  const cred = await flow.submitCode(code);
  assert.equal(cred.accountCreated, true);
});

test('complete: USER_ALREADY_HAS_ORGANIZATION when an organization appeared meanwhile → switch_flow to login', async () => {
  const flow = start('raced@example.com', { purpose: 'signup' });
  await flow.requestCode();
  await seed('raced@example.com', [{ name: 'Raced' }]);
  const e = await rejects(flow.submitCode(emu.outbox('raced@example.com')), 'USER_ALREADY_HAS_ORGANIZATION', 409, 'switch_flow');
  assert.equal(e.nextAction.to, 'login');
  assert.equal(e.nextAction.command, 'codika auth login-request --email raced@example.com');
  assert.equal(flow.phase, 'ready');
});

test('complete: COMPANY_NAME_TOO_LONG — 100 characters pass, 101 are refused locally, and by the server', async () => {
  for (const unit of ['a', 'é', '🦀']) {
    emu.reset();
    const flow = start(`co@example.com`, { purpose: 'signup' });
    await flow.requestCode();
    emu.clearRequests();
    const e = await rejects(flow.submitCode(emu.outbox('co@example.com'), { companyName: unit.repeat(101) }), 'COMPANY_NAME_TOO_LONG', undefined, 'fix_input');
    assert.equal(e.nextAction.field, 'companyName');
    assert.equal(e.details.local, true);
    assert.equal(e.nextAction.command, 'codika auth signup-complete --email co@example.com --code <code> --company <name>');
    assert.deepEqual(emu.requests, [], `${unit}: nothing sent`);
    const cred = await flow.submitCode(emu.outbox('co@example.com'), { companyName: unit.repeat(100) });
    assert.equal(cred.organization.name, unit.repeat(100));
  }
  // The server's own check, reached by a name that grows in transit.
  const flow = start('long@example.com', { purpose: 'signup', fetch: mangling((b) => (b.code ? { ...b, companyName: `${b.companyName}!` } : b)) });
  await flow.requestCode();
  const e = await rejects(flow.submitCode(emu.outbox('long@example.com'), { companyName: 'é'.repeat(100) }), 'COMPANY_NAME_TOO_LONG', 400, 'fix_input');
  assert.equal(e.nextAction.field, 'companyName');
  assert.equal(e.nextAction.command, 'codika auth signup-complete --email long@example.com --code <code> --company <name>');
});

test('complete: INVALID_EXPIRES_IN_DAYS — 0, 366 and "abc" refused locally; 1 and 365 accepted; and from the server', async () => {
  const flow = start('days@example.com', { purpose: 'signup' });
  await flow.requestCode();
  const code = emu.outbox('days@example.com');
  emu.clearRequests();
  for (const days of [0, 366, 'abc', -5, 1.5]) {
    const e = await rejects(flow.submitCode(code, { keyExpiresInDays: days }), 'INVALID_EXPIRES_IN_DAYS', undefined, 'fix_input');
    assert.equal(e.nextAction.field, 'keyExpiresInDays');
    assert.match(e.nextAction.command, /--key-expires-in <days>$/);
  }
  assert.deepEqual(emu.requests, []);
  let cred = await flow.submitCode(code, { keyExpiresInDays: 365 });
  assert.equal(cred.expiresAt, '2027-11-22T17:40:00Z');
  const login = start('days@example.com', { purpose: 'login' });
  emu.advance(30);
  await login.requestCode();
  cred = await login.submitCode(emu.outbox('days@example.com'), { keyExpiresInDays: '1' });
  assert.equal(cred.expiresAt, '2026-11-23T17:40:30Z');
  // The server's own check.
  const bent = start('days@example.com', { purpose: 'login', fetch: mangling((b) => (b.code ? { ...b, keyExpiresInDays: 0 } : b)) });
  emu.advance(30);
  await bent.requestCode();
  const e = await rejects(bent.submitCode(emu.outbox('days@example.com'), { keyExpiresInDays: 5 }), 'INVALID_EXPIRES_IN_DAYS', 400, 'fix_input');
  assert.equal(e.nextAction.field, 'keyExpiresInDays');
});

test('complete: a code that is not 6 digits is refused locally; spaces and dashes are fine', async () => {
  const flow = start('digits@example.com', { purpose: 'signup' });
  await flow.requestCode();
  emu.clearRequests();
  for (const bad of ['12345', '1234567', '12a456', '']) {
    const e = await rejects(flow.submitCode(bad), 'OTP_INVALID', undefined, 'fix_input');
    assert.equal(e.nextAction.field, 'code');
  }
  assert.deepEqual(emu.requests, []);
  const code = emu.outbox('digits@example.com');
  assert.ok(await flow.submitCode(`${code.slice(0, 3)}-${code.slice(3)}`));
});

test('complete: ORGANIZATION_CREATION_FAILED (any 4xx/5xx) → retry with the message; the code is kept', async () => {
  const flow = start('orgfail@example.com', { purpose: 'signup' });
  await flow.requestCode();
  const code = emu.outbox('orgfail@example.com');
  for (const status of [400, 422, 500]) {
    await failNext(SIGNUP_COMPLETE, 'ORGANIZATION_CREATION_FAILED', status);
    const e = await rejects(flow.submitCode(code, { companyName: 'Acme Inc' }), 'ORGANIZATION_CREATION_FAILED', status, 'retry');
    assert.equal(e.message, 'the backend refused to create the organization');
    assert.equal(e.nextAction.command, "codika auth signup-complete --email orgfail@example.com --code <code> --company 'Acme Inc'");
  }
  assert.equal((await flow.submitCode(code)).organization.name, 'Acme Inc');
});

test('complete: INTERNAL 500 → retry; the same code then succeeds', async () => {
  const flow = start('boom@example.com', { purpose: 'signup' });
  await flow.requestCode();
  await failNext(SIGNUP_COMPLETE, 'INTERNAL', 500);
  const e = await rejects(flow.submitCode(emu.outbox('boom@example.com')), 'INTERNAL', 500, 'retry');
  assert.equal(e.nextAction.command, 'codika auth signup-complete --email boom@example.com --code <code>');
  assert.ok(await flow.submitCode(emu.outbox('boom@example.com')));
  // And on login-complete.
  const login = start('boom@example.com', { purpose: 'login' });
  emu.advance(30);
  await login.requestCode();
  await failNext(LOGIN_COMPLETE, 'INTERNAL', 500);
  await rejects(login.submitCode(emu.outbox('boom@example.com')), 'INTERNAL', 500, 'retry');
  assert.ok(await login.submitCode(emu.outbox('boom@example.com')));
});

// ---------------------------------------------------------------------------------------------
// codika auth login-complete

test('login-complete: ORGANIZATION_SELECTION_REQUIRED → choose an organization; the same code is re-sent', async () => {
  const { organizations } = await seed('multi@example.com', [{ id: 'org_alpha', name: 'Alpha' }, { id: 'org_beta', name: 'Beta' }]);
  const flow = start('multi@example.com', { purpose: 'login' });
  await flow.requestCode();
  const code = emu.outbox('multi@example.com');
  const e = await rejects(flow.submitCode(code, { keyName: 'ci' }), 'ORGANIZATION_SELECTION_REQUIRED', 409, 'choose_organization');
  const listed = organizations.map(({ id, name }) => ({ id, name }));
  assert.deepEqual(e.nextAction.organizations, listed);
  assert.deepEqual(flow.organizations, listed);
  assert.equal(flow.phase, 'choose_organization');
  assert.equal(e.nextAction.command, 'codika auth login-complete --email multi@example.com --code <code> --key-name ci --organization-id <id>');
  // Not in the list: refused locally, the choice stays open.
  emu.clearRequests();
  const local = await rejects(flow.chooseOrganization('org_gamma'), 'ORGANIZATION_NOT_MEMBER', undefined, 'choose_organization');
  assert.deepEqual(local.nextAction.organizations, listed);
  assert.deepEqual(emu.requests, []);
  const cred = await flow.chooseOrganization('org_beta');
  assert.equal(cred.organization.id, 'org_beta');
  assert.equal(cred.keyName, 'ci');
  const sentBody = JSON.parse(emu.requests.at(-1).body);
  assert.deepEqual(sentBody, { email: 'multi@example.com', code, keyName: 'ci', organizationId: 'org_beta' });
});

test('login-complete: ORGANIZATION_NOT_MEMBER → the valid list, the choice stays open', async () => {
  await seed('member@example.com', [{ id: 'org_one', name: 'One' }, { id: 'org_two', name: 'Two' }]);
  await seed('other@example.com', [{ id: 'org_theirs', name: 'Theirs' }]);
  const flow = start('member@example.com', { purpose: 'login' });
  await flow.requestCode();
  const e = await rejects(flow.submitCode(emu.outbox('member@example.com'), { organizationId: 'org_theirs' }), 'ORGANIZATION_NOT_MEMBER', 403, 'choose_organization');
  assert.deepEqual(e.nextAction.organizations, [{ id: 'org_one', name: 'One' }, { id: 'org_two', name: 'Two' }]);
  assert.equal(flow.phase, 'choose_organization');
  assert.equal((await flow.chooseOrganization('org_two')).organization.name, 'Two');
});

test('login-complete: MAX_API_KEYS_REACHED → revoke_a_key; after a revoke the same code mints', async () => {
  const { organizations: [org] } = await seed('capped@example.com', [{ id: 'org_full', name: 'Full', keys: 20 }]);
  const flow = start('capped@example.com', { purpose: 'login' });
  await flow.requestCode();
  const code = emu.outbox('capped@example.com');
  const e = await rejects(flow.submitCode(code), 'MAX_API_KEYS_REACHED', 429, 'revoke_a_key');
  assert.equal(e.nextAction.retryAfterSeconds, undefined, 'no wait helps');
  assert.equal(e.nextAction.command, 'codika auth login-complete --email capped@example.com --code <code>');
  await dev('revoke-key', { keyId: org.keys[0].id });
  const cred = await flow.submitCode(code);
  assert.equal(cred.organization.id, 'org_full');
});

test('login-complete: USER_HAS_NO_ORGANIZATION when every organization went away → switch_flow to signup', async () => {
  await seed('gone@example.com', [{ name: 'Gone' }]);
  const flow = start('gone@example.com', { purpose: 'login' });
  await flow.requestCode();
  await dev('delete-organizations', { email: 'gone@example.com' });
  const e = await rejects(flow.submitCode(emu.outbox('gone@example.com')), 'USER_HAS_NO_ORGANIZATION', 409, 'switch_flow');
  assert.equal(e.nextAction.to, 'signup');
  assert.equal(e.nextAction.command, 'codika auth signup-request --email gone@example.com');
  assert.equal(flow.purpose, 'login', 'an explicit purpose never switches');
});

test('whoami: unknown key → UNAUTHENTICATED 401, sign_in_again', async () => {
  await rejects(keymint.whoami({ provider: 'codika', baseUrl: emu.url, apiKey: 'cko_nope' }), 'UNAUTHENTICATED', 401, 'sign_in_again');
});

// ---------------------------------------------------------------------------------------------
// The agent recipe (purpose: auto)

test('auto: signup first; USER_ALREADY_HAS_ORGANIZATION switches to login (codeSent.switchedFrom)', async () => {
  await seed('agent@example.com', [{ name: 'Agent Co' }]);
  const flow = start('agent@example.com', { purpose: 'auto' });
  assert.equal(flow.purpose, 'signup');
  const sent = await flow.requestCode();
  assert.equal(sent.switchedFrom, 'signup');
  assert.equal(sent.purpose, 'login');
  assert.deepEqual(seen(), [`${SIGNUP_REQUEST} 409`, `${LOGIN_REQUEST} 200`]);
  const cred = await flow.submitCode(emu.outbox('agent@example.com'));
  assert.equal(cred.accountCreated, false);
  assert.equal(cred.switchedFrom, 'signup');
  assert.equal(cred.organization.name, 'Agent Co');
});

test('auto: a brand-new email signs up without switching', async () => {
  const flow = start('fresh@example.com', { purpose: 'auto' });
  const sent = await flow.requestCode();
  assert.equal(sent.switchedFrom, undefined);
  const cred = await flow.submitCode(emu.outbox('fresh@example.com'), { companyName: 'Fresh' });
  assert.equal(cred.accountCreated, true);
  assert.equal(cred.organization.name, 'Fresh');
});

test('auto: USER_HAS_NO_ORGANIZATION on login-request switches back to signup', async () => {
  await seed('back@example.com', [{ name: 'Back' }]);
  const flow = start('back@example.com', { purpose: 'auto' });
  await flow.requestCode(); // signup 409 → login 200
  await dev('delete-organizations', { email: 'back@example.com' });
  emu.advance(30);
  emu.clearRequests();
  const sent = await flow.requestCode(); // login 409 → signup 200
  assert.equal(sent.switchedFrom, 'login');
  assert.equal(sent.purpose, 'signup');
  assert.deepEqual(seen(), [`${LOGIN_REQUEST} 409`, `${SIGNUP_REQUEST} 200`]);
  const cred = await flow.submitCode(emu.outbox('back@example.com'), { companyName: 'Again' });
  assert.equal(cred.accountCreated, true);
  assert.equal(cred.switchedFrom, 'login');
});

test('auto: USER_HAS_NO_ORGANIZATION at login-complete switches the flow to signup for the next code', async () => {
  await seed('race@example.com', [{ name: 'Race' }]);
  const flow = start('race@example.com', { purpose: 'auto' });
  await flow.requestCode();
  await dev('delete-organizations', { email: 'race@example.com' });
  const e = await rejects(flow.submitCode(emu.outbox('race@example.com')), 'USER_HAS_NO_ORGANIZATION', 409, 'switch_flow');
  assert.equal(e.nextAction.command, 'codika auth signup-request --email race@example.com');
  assert.equal(flow.purpose, 'signup');
  assert.equal(flow.switchedFrom, 'login');
  // The resend cooldown still holds (answered locally), then the signup code comes.
  await rejects(flow.requestCode(), 'OTP_RESEND_COOLDOWN', undefined, 'wait');
  emu.advance(30);
  const sent = await flow.requestCode();
  assert.equal(sent.purpose, 'signup');
  const cred = await flow.submitCode(emu.outbox('race@example.com'));
  assert.equal(cred.accountCreated, true);
});

// ---------------------------------------------------------------------------------------------
// Saved flows and per-step URLs

const CHILD = `
import * as keymint from ${JSON.stringify(new URL('../dist/keymint.mjs', import.meta.url).href)};
const [mode, saved, arg, now] = process.argv.slice(1);
const flow = keymint.resume(saved, { clock: () => Number(now) });
try {
  const cred = mode === 'choose' ? await flow.chooseOrganization(arg) : await flow.submitCode(arg);
  process.stdout.write(JSON.stringify({ ok: true, cred, masked: cred.apiKey.masked, state: flow.toJSON() }));
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, code: e.code, state: flow.toJSON() }));
}
`;
/** Runs the child asynchronously: the emulator lives in this process and must keep answering. */
async function inChild(mode, flow, arg) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD, mode, JSON.stringify(flow), arg, String(emu.now())], { encoding: 'utf8' });
  return JSON.parse(stdout);
}

test('a flow saved by this process is completed by another (code, then an organization choice)', async () => {
  const flow = start('twoproc@example.com', { purpose: 'signup' });
  await flow.requestCode();
  const done = await inChild('submit', flow, emu.outbox('twoproc@example.com'));
  assert.equal(done.ok, true, JSON.stringify(done));
  assert.match(done.masked, /^cko_••••••••.{4}$/);
  assert.equal(done.cred.accountCreated, true);
  assert.equal(done.state.phase, 'done');

  await seed('twoproc@example.com', [{ id: 'org_second', name: 'Second' }]);
  const login = start('twoproc@example.com', { purpose: 'login' });
  emu.advance(30);
  await login.requestCode();
  await rejects(login.submitCode(emu.outbox('twoproc@example.com')), 'ORGANIZATION_SELECTION_REQUIRED', 409, 'choose_organization');
  const chosen = await inChild('choose', login, 'org_second');
  assert.equal(chosen.ok, true, JSON.stringify(chosen));
  assert.equal(chosen.cred.organization.id, 'org_second');
  assert.equal(chosen.cred.accountCreated, false);
});

test('saved Codika flows: every field round-trips; a tampered or unknown-version document is refused', async () => {
  await seed('saved@example.com', [{ id: 'org_a', name: 'A' }, { id: 'org_b', name: 'B' }]);
  const flow = start('saved@example.com', { purpose: 'login' });
  await flow.requestCode();
  const code = emu.outbox('saved@example.com');
  await rejects(flow.submitCode(wrong(code)), 'OTP_INVALID', 400, 'retry_code');
  await rejects(flow.submitCode(code), 'ORGANIZATION_SELECTION_REQUIRED', 409, 'choose_organization');
  const doc = JSON.stringify(flow);
  const state = JSON.parse(doc);
  assert.equal(state.v, 1);
  assert.equal(state.provider, 'codika');
  assert.equal(state.baseUrl, emu.url);
  assert.equal(state.email, 'saved@example.com');
  assert.equal(state.purpose, 'login');
  assert.equal(state.phase, 'choose_organization');
  assert.equal(state.expiresAt, '2026-11-22T17:50:00Z');
  assert.equal(state.resendAvailableAt, '2026-11-22T17:40:30Z');
  assert.equal(state.attemptsRemaining, 4);
  assert.deepEqual(state.organizations, [{ id: 'org_a', name: 'A' }, { id: 'org_b', name: 'B' }]);
  const again = keymint.resume(doc, { clock });
  assert.equal(again.attemptsRemaining, 4);
  assert.deepEqual(again.organizations, state.organizations);
  for (const [from, to] of [['"attemptsRemaining":4', '"attemptsRemaining":5'], ['"name":"B"', '"name":"Z"'], ['17:50:00Z', '18:50:00Z'], ['"purpose":"login"', '"purpose":"signup"']]) {
    assert.ok(doc.includes(from), from);
    assert.throws(() => keymint.resume(doc.replace(from, to)), (e) => e.code === 'INVALID_STATE' && /altered/.test(e.message), from);
  }
  assert.throws(() => keymint.resume(doc.replace('"v":1', '"v":2')), (e) => e.code === 'INVALID_STATE' && /version/.test(e.message));
  // What to do next says so (there is no flow, so no command to repeat), not "try again".
  assert.throws(() => keymint.resume(doc.replace('"name":"B"', '"name":"Z"')), { nextAction: { kind: 'request_new_code', text: 'Start the sign-in again to get a new code.' } });
  assert.equal((await again.chooseOrganization('org_a')).organization.id, 'org_a');
});

test('per-step URL: requestCode({url}) and submitCode(code, options, {url}) replace the whole endpoint URL', async () => {
  await seed('api@example.com', [{ name: 'Api' }]);
  const flow = start('api@example.com', { purpose: 'login', baseUrl: 'https://api.codika.io' });
  await flow.requestCode({ url: `${emu.url}${LOGIN_REQUEST}` });
  const cred = await flow.submitCode(emu.outbox('api@example.com'), { keyName: 'via api-url' }, { url: `${emu.url}${LOGIN_COMPLETE}` });
  assert.equal(cred.keyName, 'via api-url');
  assert.equal(cred.baseUrl, 'https://api.codika.io');
  assert.deepEqual(seen(), [`${LOGIN_REQUEST} 200`, `${LOGIN_COMPLETE} 200`]);
  // Refused like a base URL, before any request.
  emu.clearRequests();
  const other = start('api@example.com', { purpose: 'login' });
  await assert.rejects(other.requestCode({ url: 'http://example.com/cliRequestLoginOtp' }),
    (e) => e.code === 'INSECURE_URL' && e.nextAction.kind === 'fix_input' && e.nextAction.field === 'url');
  assert.deepEqual(emu.requests, []);
});
