// The OTP sessions API end to end against the emulator: the email-code flow into an
// access + refresh token pair (the `sessions` preset), every error row of
// shared/protocols/sessions.md, refresh with rotation, revoke, session check, and the
// session client: single-flight refresh (100 concurrent callers → one refresh), refresh
// across processes sharing one profile file, bounded lease waits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inspect } from 'node:util';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as defaultEntry from '../dist/keymint.mjs';
import * as sessionsEntry from '../dist/sessions.mjs';
import { startEmulator } from '../src/emulator/index.mjs';
// The stores as built too: their errors run on the core the dist entries loaded (dist/runtime.mjs).
import { FileProfileStore, MemoryProfileStore } from '../dist/node.mjs';
import { rejectsWithCode } from './fixtures/rejection.mjs';

// The default entry and keymint/sessions together, as an app that imports both sees them.
const keymint = { ...defaultEntry, ...sessionsEntry };

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/session-refresh-child.mjs', import.meta.url));

let emu;
before(async () => { emu = await startEmulator({ port: 0 }); });
after(() => emu.close());

let n = 0;
const fresh = (tag) => `${tag}-${++n}-${Date.now()}@example.com`;
async function dev(path, body) {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  return (await fetch(`${emu.url}${path}`, init)).json();
}
const stats = () => dev('/__keymint/sessions/stats');
const start = (email, purpose = 'login', extra = {}) => keymint.start({ provider: 'sessions', baseUrl: emu.url, email, purpose, ...extra });

const rejects = rejectsWithCode;

/** Signs a seeded user in through the email-code flow; resolves with the credential. */
async function signIn(email = fresh('user')) {
  await dev('/__keymint/sessions/seed-user', { email });
  const flow = start(email);
  await flow.requestCode();
  return flow.submitCode(emu.outbox(email));
}

const client = (cred, extra = {}) => keymint.createClient({ provider: 'sessions', baseUrl: emu.url, tokens: cred, ...extra });

test('sign-up by email code into a token pair; tokens never print', async () => {
  const email = fresh('new');
  const flow = start(email, 'signup');
  const sent = await flow.requestCode();
  assert.equal(sent.purpose, 'signup');
  assert.ok(Date.parse(sent.expiresAt) > Date.now() + 9 * 60_000);
  assert.ok(Date.parse(sent.resendAvailableAt) > Date.now() + 20_000);
  assert.equal(flow.resendAvailableAt, sent.resendAvailableAt, 'kept in the saved flow');
  assert.equal(flow.expiresAt, sent.expiresAt);
  const cred = await flow.submitCode(emu.outbox(email));
  assert.ok(cred.accessToken instanceof keymint.Secret && cred.refreshToken instanceof keymint.Secret);
  assert.equal(cred.apiKey, undefined);
  assert.equal(cred.accountCreated, true);
  assert.match(cred.accessToken.reveal(), /^at_/);
  const raws = [cred.accessToken.reveal(), cred.refreshToken.reveal()];
  for (const shown of [String(cred.accessToken), JSON.stringify(cred), inspect(cred), JSON.stringify(flow)]) {
    for (const raw of raws) assert.ok(!shown.includes(raw), 'raw token leaked');
  }
  const me = await client(cred).check();
  assert.equal(me.user.email, email);
  assert.ok(me.session.id);
});

test('request rows: invalid_email and invalid_purpose answered locally, before any request', async () => {
  emu.clearRequests();
  assert.throws(() => start('not-an-email'), (e) => e.code === 'EMAIL_INVALID' && e.nextAction.kind === 'fix_input');
  assert.throws(() => start('a@b.co', 'sideways'), (e) => e.code === 'INVALID_PURPOSE');
  assert.equal(emu.requests.length, 0);
});

test('request rows: user_not_found → switch to signup; user_exists → switch to login', async () => {
  const e1 = await rejects(start(fresh('ghost')).requestCode(), 'USER_NOT_FOUND');
  assert.equal(e1.status, 404);
  assert.equal(e1.providerCode, 'user_not_found');
  assert.deepEqual([e1.nextAction.kind, e1.nextAction.to], ['switch_flow', 'signup']);
  const known = fresh('known');
  await dev('/__keymint/sessions/seed-user', { email: known });
  const e2 = await rejects(start(known, 'signup').requestCode(), 'USER_ALREADY_EXISTS');
  assert.equal(e2.status, 409);
  assert.deepEqual([e2.nextAction.kind, e2.nextAction.to], ['switch_flow', 'login']);
  // The agent recipe switches by itself.
  const flow = start(known, 'auto');
  const sent = await flow.requestCode();
  assert.equal(sent.switchedFrom, 'signup');
  assert.equal(sent.purpose, 'login');
  const cred = await flow.submitCode(emu.outbox(known));
  assert.equal(cred.accountCreated, false);
});

test('request rows: otp_cooldown (local from the saved resendAvailableAt, and from the server)', async () => {
  const email = fresh('cool');
  await dev('/__keymint/sessions/seed-user', { email });
  const flow = start(email);
  await flow.requestCode();
  emu.clearRequests();
  const local = await rejects(flow.requestCode(), 'OTP_RESEND_COOLDOWN');
  assert.equal(local.details.local, true);
  assert.equal(local.nextAction.kind, 'wait');
  assert.equal(emu.requests.length, 0);
  const server = await rejects(start(email).requestCode(), 'OTP_RESEND_COOLDOWN');
  assert.equal(server.status, 429);
  assert.equal(server.providerCode, 'otp_cooldown');
  assert.equal(server.nextAction.kind, 'wait');
  assert.ok(server.nextAction.retryAfterSeconds >= 1 && server.nextAction.retryAfterSeconds <= 30);
});

test('verify rows: invalid_code with attempts left, then otp_locked (wait) on verify and on request', async () => {
  const email = fresh('lock');
  await dev('/__keymint/sessions/seed-user', { email });
  const flow = start(email);
  await flow.requestCode();
  const good = emu.outbox(email);
  const bad = good === '000000' ? '111111' : '000000';
  const e = await rejects(flow.submitCode(bad), 'OTP_INVALID');
  assert.equal(e.status, 400);
  assert.equal(e.providerCode, 'invalid_code');
  assert.equal(e.details.attemptsRemaining, 4);
  assert.equal(e.nextAction.kind, 'retry_code');
  assert.equal(flow.attemptsRemaining, 4);
  for (let i = 0; i < 3; i++) await rejects(flow.submitCode(bad), 'OTP_INVALID');
  const locked = await rejects(flow.submitCode(bad), 'OTP_LOCKED_OUT');
  assert.equal(locked.status, 429);
  assert.equal(locked.providerCode, 'otp_locked');
  assert.equal(locked.nextAction.kind, 'wait');
  assert.equal(locked.details.retryAfterSeconds, 900);
  emu.advance(31);
  const again = await rejects(start(email).requestCode(), 'OTP_LOCKED_OUT');
  assert.equal(again.nextAction.kind, 'wait');
  assert.ok(again.nextAction.retryAfterSeconds > 800);
});

test('verify rows: code_not_found and code_expired', async () => {
  const email = fresh('gone');
  await dev('/__keymint/sessions/seed-user', { email });
  const nf = await rejects(start(email).submitCode('123456'), 'OTP_NOT_FOUND');
  assert.equal(nf.status, 404);
  assert.equal(nf.nextAction.kind, 'request_new_code');
  const flow = start(email);
  await flow.requestCode();
  emu.advance(601);
  const ex = await rejects(flow.submitCode(emu.outbox(email)), 'OTP_EXPIRED');
  assert.equal(ex.status, 410);
  assert.equal(ex.providerCode, 'code_expired');
  assert.equal(ex.nextAction.kind, 'request_new_code');
});

test('refresh rotates; a rotated refresh token presented again revokes the session', async () => {
  const cred = await signIn();
  const c = client(cred);
  const before = await stats();
  await c.refresh();
  const after1 = await stats();
  assert.equal(after1.refreshRequests - before.refreshRequests, 1);
  assert.ok(c.session.refreshToken.reveal() !== cred.refreshToken.reveal(), 'rotated');
  assert.equal((await c.check()).user.email, cred.email);
  // Someone presents the old refresh token: reuse detection revokes the whole session.
  const stale = client(cred);
  const e = await rejects(stale.refresh(), 'REFRESH_TOKEN_REUSED');
  assert.equal(e.status, 401);
  assert.equal(e.nextAction.kind, 'sign_in_again');
  assert.ok(!e.message.includes(cred.refreshToken.reveal()));
  await rejects(c.check(), 'INVALID_TOKEN');
  await rejects(c.refresh(), 'INVALID_REFRESH_TOKEN');
  assert.equal((await stats()).revokedFamilies - before.revokedFamilies, 1);
});

test('invalid_refresh_token, invalid_token and token_expired', async () => {
  const bogus = client({ accessToken: 'at_bogus', refreshToken: 'rt_bogus' });
  const r = await rejects(bogus.refresh(), 'INVALID_REFRESH_TOKEN');
  assert.equal(r.providerCode, 'invalid_refresh_token');
  const t = await rejects(bogus.check(), 'INVALID_TOKEN');
  assert.equal(t.nextAction.kind, 'sign_in_again');
  const cred = await signIn();
  emu.advance(901);
  const exp = await rejects(client(cred, { autoRefresh: false }).check(), 'TOKEN_EXPIRED');
  assert.equal(exp.status, 401);
  assert.equal(exp.nextAction.kind, 'refresh');
  // With auto refresh (the default), the same call refreshes once and succeeds.
  const before = await stats();
  const c = client(cred);
  assert.equal((await c.check()).user.email, cred.email);
  assert.equal((await stats()).refreshRequests - before.refreshRequests, 1);
});

test('revoke ends the session and is idempotent; the client forgets the tokens', async () => {
  const cred = await signIn();
  const store = new MemoryProfileStore();
  await store.put('me', keymint.sessionProfile(cred));
  const c = keymint.createClient({ provider: 'sessions', baseUrl: emu.url, store, profile: 'me' });
  assert.deepEqual(await c.revoke(), { revoked: true, alreadyRevoked: false });
  await rejects(client(cred).check(), 'INVALID_TOKEN');
  assert.equal((await store.get('me')).accessToken, undefined, 'removed from the profile');
  assert.deepEqual(await client(cred).revoke(), { revoked: true, alreadyRevoked: false });
  assert.deepEqual(await client({ accessToken: 'at_unknown' }).revoke(), { revoked: true, alreadyRevoked: true });
});

test('client.fetch: bearer added, only to its own origin', async () => {
  const cred = await signIn();
  const c = client(cred);
  const res = await c.fetch('/api/v1/auth/session');
  assert.equal(res.status, 200);
  assert.equal((await res.json()).user.email, cred.email);
  await rejects(c.fetch('https://elsewhere.example/steal'), 'INSECURE_URL');
});

test('100 concurrent callers after expiry cause exactly one refresh; the session stays valid', async () => {
  const cred = await signIn();
  const c = client(cred);
  emu.advance(901); // the server says token_expired; the client's own clock does not know yet
  const before = await stats();
  const statuses = await Promise.all(Array.from({ length: 100 }, () => c.fetch('/api/v1/auth/session').then((r) => r.status)));
  assert.deepEqual(new Set(statuses), new Set([200]));
  const after1 = await stats();
  assert.equal(after1.refreshRequests - before.refreshRequests, 1, 'single flight');
  assert.equal(after1.revokedFamilies, before.revokedFamilies, 'no reuse detected');
  assert.equal((await c.check()).user.email, cred.email);
});

test('100 concurrent callers shortly before expiry: one proactive refresh (60 s skew)', async () => {
  const cred = await signIn();
  const c = client(cred, { clock: () => emu.now() });
  emu.advance(900 - 30); // 30 s left: inside the skew
  const before = await stats();
  const statuses = await Promise.all(Array.from({ length: 100 }, () => c.fetch('/api/v1/auth/session').then((r) => r.status)));
  assert.deepEqual(new Set(statuses), new Set([200]));
  assert.equal((await stats()).refreshRequests - before.refreshRequests, 1);
  assert.ok(Date.parse(c.session.expiresAt) > emu.now() + 800_000);
});

test('two processes sharing one profile file refresh once, inside the lease', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'keymint-sessions-'));
  try {
    const path = join(dir, 'config.json');
    const cred = await signIn();
    await new FileProfileStore({ path }).put('default', keymint.sessionProfile(cred));
    emu.advance(901);
    const before = await stats();
    const goAt = String(Date.now() + 1500);
    const kids = [1, 2].map(() => run(process.execPath, [CHILD, emu.url, path, goAt, '20'], { timeout: 60_000 }));
    const outs = (await Promise.all(kids)).map((r) => JSON.parse(r.stdout.trim()));
    for (const o of outs) {
      assert.equal(o.error, undefined, JSON.stringify(o));
      assert.deepEqual(new Set(o.statuses), new Set([200]));
      assert.equal(o.email, cred.email);
    }
    const after1 = await stats();
    assert.equal(after1.refreshRequests - before.refreshRequests, 1, 'one refresh across both processes');
    assert.equal(after1.revokedFamilies, before.revokedFamilies);
    const saved = JSON.parse(await readFile(path, 'utf8')).profiles.default;
    assert.ok(saved.refreshToken !== cred.refreshToken.reveal(), 'the rotated pair was saved');
    assert.deepEqual(Object.keys(saved.leases ?? {}), []);
    assert.equal((await client({ accessToken: saved.accessToken, refreshToken: saved.refreshToken }).check()).user.email, cred.email);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a refresh waiting on another holder of the lease gives up with LEASE_TIMEOUT', async () => {
  const cred = await signIn();
  const store = new MemoryProfileStore();
  await store.put('p', keymint.sessionProfile(cred));
  const c = keymint.createClient({ provider: 'sessions', baseUrl: emu.url, store, profile: 'p', leaseWaitMs: 300 });
  let release;
  const held = store.withLease('refresh:p', 10_000, () => new Promise((r) => { release = r; }));
  await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  const e = await rejects(c.refresh(), 'LEASE_TIMEOUT');
  assert.ok(Date.now() - t0 < 5000, 'bounded wait');
  assert.equal(e.nextAction.kind, 'retry');
  release();
  await held;
  await c.refresh(); // free again
});

test('a session profile resumes from a store with no tokens passed', async () => {
  const cred = await signIn();
  const store = new MemoryProfileStore();
  await store.put('p', keymint.sessionProfile(cred));
  const c = keymint.createClient({ provider: 'sessions', store, profile: 'p' });
  assert.equal((await c.check()).user.email, cred.email);
  await rejects(keymint.createClient({ provider: 'sessions', store, profile: 'nobody' }).check(), 'PROFILE_NOT_FOUND');
  const shown = [inspect(c), JSON.stringify(c), String(c.session.accessToken)].join(' ');
  assert.ok(!shown.includes(cred.accessToken.reveal()) && !shown.includes(cred.refreshToken.reveal()));
});
