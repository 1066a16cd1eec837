// CODITECT end to end against the emulator: register, password login, TOTP 2FA completed
// with the core's totp helper, refresh, logout, me, `cdt_` API tokens with scopes, and the
// OAuth2 authorization code flow with PKCE + state; every error row of
// shared/protocols/coditect.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import * as defaultEntry from '../dist/keymint.mjs';
import * as sessionsEntry from '../dist/sessions.mjs';
import { startEmulator } from '../src/emulator/index.mjs';
// As built too: its errors run on the core the dist entries loaded (dist/runtime.mjs).
import { MemoryProfileStore } from '../dist/stores.mjs';
import { rejectsWithCode } from './fixtures/rejection.mjs';

// The default entry and keymint/sessions together, as an app that imports both sees them.
const keymint = { ...defaultEntry, ...sessionsEntry };

let emu;
before(async () => { emu = await startEmulator({ port: 0 }); });
after(() => emu.close());

const PW = 'correct horse battery staple';
const REDIRECT = 'http://127.0.0.1:8976/callback';
let n = 0;
const fresh = (tag) => `${tag}-${++n}-${Date.now()}@example.com`;
async function dev(path, body) {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  return (await fetch(`${emu.url}${path}`, init)).json();
}
const seed = (email, totp = false) => dev('/__keymint/coditect/seed-user', { email, password: PW, totp });
const emuClock = () => emu.now();
const login = (email, extra = {}) => keymint.passwordLogin({ provider: 'coditect', baseUrl: emu.url, email, ...extra });
const client = (tokens, extra = {}) => keymint.createClient({ provider: 'coditect', baseUrl: emu.url, tokens, ...extra });

const rejects = rejectsWithCode;

async function signedIn(email = fresh('u')) {
  await seed(email);
  const r = await login(email).login(PW);
  assert.equal(r.status, 'signed_in');
  return r.credential;
}

test('register, then me; tokens are Secrets that never print', async () => {
  const email = fresh('reg');
  const cred = await login(email).register({ password: PW, name: 'Ada Lovelace' });
  assert.ok(cred.accessToken instanceof keymint.Secret && cred.refreshToken instanceof keymint.Secret);
  assert.equal(cred.accountCreated, true);
  assert.equal(cred.user.name, 'Ada Lovelace');
  assert.ok(Date.parse(cred.expiresAt) > emu.now() + 3500_000);
  const raw = cred.accessToken.reveal();
  for (const shown of [JSON.stringify(cred), inspect(cred), String(cred.refreshToken)]) assert.ok(!shown.includes(raw));
  const me = await client(cred).me();
  assert.equal(me.email, email);
  assert.equal(me.name, 'Ada Lovelace');
  assert.ok(me.organization.id && me.avatar_url);
});

test('register rows: weak_password (local), invalid_request, email_taken', async () => {
  emu.clearRequests();
  const weak = await rejects(login(fresh('weak')).register({ password: 'short-pw' }), 'WEAK_PASSWORD');
  assert.equal(weak.details.local, true);
  assert.deepEqual([weak.nextAction.kind, weak.nextAction.field], ['fix_input', 'password']);
  assert.equal(emu.requests.length, 0, 'answered before any request');
  const bad = await rejects(login(fresh('bad')).register({ password: PW, name: '   ' }), 'INVALID_REQUEST');
  assert.equal(bad.status, 400);
  assert.equal(bad.providerCode, 'invalid_request');
  assert.deepEqual([bad.nextAction.kind, bad.nextAction.field], ['fix_input', 'name']);
  const email = fresh('taken');
  await seed(email);
  const taken = await rejects(login(email).register({ password: PW }), 'USER_ALREADY_EXISTS');
  assert.equal(taken.status, 409);
  assert.equal(taken.providerCode, 'email_taken');
  assert.deepEqual([taken.nextAction.kind, taken.nextAction.to], ['switch_flow', 'login']);
});

test('login rows: invalid_credentials, then rate_limited after 10 failures', async () => {
  const email = fresh('brute');
  await seed(email);
  const flow = login(email);
  const e = await rejects(flow.login('not the password'), 'INVALID_CREDENTIALS');
  assert.equal(e.status, 401);
  assert.equal(e.message, 'The email or password is incorrect');
  assert.equal(e.nextAction.kind, 'fix_input');
  for (let i = 0; i < 9; i++) await rejects(flow.login('not the password'), 'INVALID_CREDENTIALS');
  const limited = await rejects(flow.login(PW), 'RATE_LIMITED');
  assert.equal(limited.status, 429);
  assert.equal(limited.nextAction.kind, 'wait');
  assert.ok(limited.nextAction.retryAfterSeconds > 800 && limited.nextAction.retryAfterSeconds <= 900);
});

test('2FA: the second factor from the TOTP secret, computed by the core', async () => {
  const email = fresh('tfa');
  const { totpSecret } = await seed(email, true);
  // The helper agrees with the emulator's own TOTP at the same instant.
  const { code } = await dev(`/__keymint/coditect/totp?email=${encodeURIComponent(email)}`);
  assert.equal(keymint.totp(totpSecret, { now: emu.now() }), code);
  const flow = login(email, { clock: emuClock });
  const step = await flow.login(PW);
  assert.equal(step.status, 'second_factor');
  assert.equal(step.method, 'totp');
  assert.ok(Date.parse(step.expiresAt) > emu.now());
  assert.equal(flow.phase, 'second_factor');
  // Another process resumes the saved flow and answers with a code typed by a person.
  const again = keymint.resumePasswordLogin(JSON.stringify(flow), { clock: emuClock });
  const cred = await again.submitSecondFactor(keymint.totp(totpSecret, { now: emu.now() }));
  assert.match(cred.accessToken.reveal(), /^cat_/);
  assert.equal((await client(cred).me()).email, email);
  // An agent holding the secret does it in one call.
  const direct = await login(email, { clock: emuClock }).login(PW, { totpSecret });
  assert.equal(direct.status, 'signed_in');
  assert.ok(direct.credential.accessToken instanceof keymint.Secret);
});

test('2FA rows: invalid_2fa_code with attempts, out of attempts, challenge_expired', async () => {
  const email = fresh('tfa-bad');
  const { totpSecret } = await seed(email, true);
  const flow = login(email, { clock: emuClock });
  await flow.login(PW);
  const good = keymint.totp(totpSecret, { now: emu.now() });
  const wrong = String((Number(good) + 500_000) % 1_000_000).padStart(6, '0');
  const e = await rejects(flow.submitSecondFactor(wrong), 'INVALID_2FA_CODE');
  assert.equal(e.status, 401);
  assert.equal(e.details.attemptsRemaining, 4);
  assert.equal(e.nextAction.kind, 'retry_code');
  assert.equal(flow.attemptsRemaining, 4);
  for (let i = 0; i < 3; i++) await rejects(flow.submitSecondFactor(wrong), 'INVALID_2FA_CODE');
  const last = await rejects(flow.submitSecondFactor(wrong), 'INVALID_2FA_CODE');
  assert.equal(last.details.attemptsRemaining, 0);
  assert.equal(last.nextAction.kind, 'sign_in_again');
  assert.equal(flow.phase, 'ready');
  const bad = await rejects(login(email).submitSecondFactor('123456'), 'INVALID_STEP');
  assert.equal(bad.details.local, true);
  assert.equal(bad.nextAction.kind, 'retry', 'a flow that has not signed in takes its step later');
  // A flow that has signed in takes no more steps: nothing to retry (as for an email-code flow).
  const done = login(fresh('done'));
  await seed(done.email);
  assert.equal((await done.login(PW)).status, 'signed_in');
  const over = await rejects(done.submitSecondFactor('123456'), 'INVALID_STEP');
  assert.deepEqual([over.message, over.nextAction.kind, over.nextAction.text], ["The flow cannot take this step while it is 'done'.", 'none', '']);
  // A challenge older than 300 s on the server (the client's own clock does not know).
  const slow = login(email);
  await slow.login(PW);
  emu.advance(301);
  const ex = await rejects(slow.submitSecondFactor(keymint.totp(totpSecret, { now: emu.now() })), 'CHALLENGE_EXPIRED');
  assert.equal(ex.status, 410);
  assert.equal(ex.nextAction.kind, 'sign_in_again');
  // …and locally, when the flow's clock says so: nothing sent.
  const local = login(email, { clock: emuClock });
  await local.login(PW);
  emu.advance(300);
  emu.clearRequests();
  const le = await rejects(local.submitSecondFactor({ totpSecret }), 'CHALLENGE_EXPIRED');
  assert.equal(le.details.local, true);
  assert.equal(emu.requests.length, 0);
});

test('refresh rotates; an already used refresh token is refused and ends the session', async () => {
  const cred = await signedIn();
  const c = client(cred);
  const before = await dev('/__keymint/coditect/stats');
  await c.refresh();
  assert.equal((await dev('/__keymint/coditect/stats')).refreshRequests - before.refreshRequests, 1);
  assert.equal((await c.me()).email, cred.email);
  const e = await rejects(client(cred).refresh(), 'INVALID_REFRESH_TOKEN');
  assert.equal(e.status, 401);
  assert.equal(e.nextAction.kind, 'sign_in_again');
  await rejects(c.me(), 'INVALID_TOKEN');
});

test('token_expired: surfaced without auto refresh, refreshed once with it', async () => {
  const cred = await signedIn();
  emu.advance(3601);
  const e = await rejects(client(cred, { autoRefresh: false }).me(), 'TOKEN_EXPIRED');
  assert.equal(e.status, 401);
  assert.equal(e.nextAction.kind, 'refresh');
  const c = client(cred);
  const statuses = await Promise.all(Array.from({ length: 20 }, () => c.fetch('/v1/auth/me').then((r) => r.status)));
  assert.deepEqual(new Set(statuses), new Set([200]));
  assert.equal((await c.me()).email, cred.email);
});

test('logout (204), then invalid_token; logging out again is done already', async () => {
  const cred = await signedIn();
  const c = client(cred);
  assert.deepEqual(await c.logout(), { revoked: true, alreadyRevoked: false });
  const e = await rejects(client(cred).me(), 'INVALID_TOKEN');
  assert.equal(e.status, 401);
  assert.equal(e.nextAction.kind, 'sign_in_again');
  assert.deepEqual(await client(cred).logout(), { revoked: true, alreadyRevoked: true });
});

test('cdt_ API tokens: live/test recognised, used as keys; insufficient_scope names the scope', async () => {
  const email = fresh('api');
  await seed(email);
  const narrow = await dev('/__keymint/coditect/api-token', { email, env: 'live', scopes: ['read:profile'] });
  const wide = await dev('/__keymint/coditect/api-token', { email, env: 'test' });
  assert.equal(keymint.apiTokenEnv(narrow.token), 'live');
  assert.equal(keymint.apiTokenEnv(new keymint.Secret(wide.token)), 'test');
  assert.equal(keymint.apiTokenEnv('cdt_beta_x'), null);
  const api = keymint.createClient({ provider: 'coditect', baseUrl: emu.url, apiKey: narrow.token });
  assert.equal((await api.me()).email, email);
  assert.equal(api.session.apiKey.masked.startsWith('cdt_live_'), true);
  const e = await rejects(api.json('/v1/projects'), 'INSUFFICIENT_SCOPE');
  assert.equal(e.status, 403);
  assert.equal(e.details.requiredScope, 'read:projects');
  assert.equal(e.nextAction.kind, 'fix_input');
  assert.match(e.nextAction.text, /'read:projects' scope/);
  // Stored as a profile's key, it is used the same way.
  const store = new MemoryProfileStore();
  await store.put('ci', { provider: 'coditect', baseUrl: emu.url, apiKey: wide.token });
  const projects = await keymint.createClient({ provider: 'coditect', store, profile: 'ci' }).json('/v1/projects');
  assert.ok(Array.isArray(projects) && projects.length >= 1);
});

async function authorizeAt(flow) {
  const res = await fetch(flow.url, { redirect: 'manual' });
  assert.equal(res.status, 302);
  return res.headers.get('location');
}

async function oauthSetup(extra = {}) {
  const email = fresh('oauth');
  await seed(email);
  await dev('/__keymint/coditect/authorize-as', { email });
  const clientId = `cli_${n}`;
  await dev('/__keymint/coditect/seed-client', { client_id: clientId, redirect_uris: [REDIRECT], ...extra });
  return { email, clientId };
}

const startOAuth = (clientId, extra = {}) => keymint.authorize({
  provider: 'coditect', baseUrl: emu.url, authUrl: emu.url, clientId, redirectUri: REDIRECT, scope: ['read:projects', 'read:profile'], ...extra,
});

test('OAuth2: PKCE S256 + state; a tampered state is refused before any /token request', async () => {
  const { email, clientId } = await oauthSetup();
  const flow = startOAuth(clientId);
  const url = new URL(flow.url);
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(url.searchParams.get('state'), flow.stateParam);
  assert.ok(!flow.url.includes(flow.toJSON().codeVerifier), 'the verifier never leaves');
  const location = await authorizeAt(flow);
  const back = new URL(location);
  assert.equal(back.searchParams.get('state'), flow.stateParam);
  emu.clearRequests();
  const tampered = new URL(location);
  tampered.searchParams.set('state', `${flow.stateParam.slice(0, -1)}${flow.stateParam.endsWith('A') ? 'B' : 'A'}`);
  const e = await rejects(flow.callback(tampered.href), 'STATE_MISMATCH');
  assert.equal(e.nextAction.kind, 'sign_in_again');
  assert.equal(e.details.local, true);
  assert.equal(emu.requests.filter((r) => r.path === '/token').length, 0, 'no exchange was attempted');
  // The genuine callback still completes.
  const cred = await flow.callback(location);
  assert.equal(emu.requests.filter((r) => r.path === '/token').length, 1);
  assert.equal(cred.kind, 'oauth');
  assert.equal(cred.scope, 'read:projects read:profile');
  assert.ok(cred.accessToken instanceof keymint.Secret && cred.refreshToken instanceof keymint.Secret);
  // The tokens work, and refresh with the refresh_token grant.
  const c = client(cred, { authUrl: emu.url });
  assert.equal((await c.me()).email, email);
  await c.json('/v1/projects');
  const before = await dev('/__keymint/coditect/stats');
  await c.refresh();
  const after1 = await dev('/__keymint/coditect/stats');
  assert.equal(after1.tokenRequests - before.tokenRequests, 1);
  assert.equal((await c.me()).email, email);
});

test('OAuth2 rows: invalid_grant (code reuse), invalid_client, access_denied, invalid_scope', async () => {
  const { clientId } = await oauthSetup();
  const flow = startOAuth(clientId);
  const saved = JSON.stringify(flow);
  const location = await authorizeAt(flow);
  await flow.callback(location);
  const reuse = await rejects(keymint.resumeOAuth(saved).callback(location), 'INVALID_GRANT');
  assert.equal(reuse.status, 400);
  assert.equal(reuse.providerCode, 'invalid_grant');
  assert.equal(reuse.nextAction.kind, 'sign_in_again');

  const conf = await oauthSetup({ client_secret: 'the-real-secret' });
  const wrong = startOAuth(conf.clientId, { clientSecret: 'a-wrong-secret' });
  const ic = await rejects(wrong.callback(await authorizeAt(wrong)), 'INVALID_CLIENT');
  assert.equal(ic.status, 401);
  assert.equal(ic.nextAction.kind, 'fix_input');
  const right = startOAuth(conf.clientId, { clientSecret: new keymint.Secret('the-real-secret') });
  assert.ok((await right.callback(await authorizeAt(right))).accessToken instanceof keymint.Secret);

  await dev('/__keymint/coditect/authorize-as', { email: null });
  const denied = startOAuth(conf.clientId);
  emu.clearRequests();
  const ad = await rejects(denied.callback(await authorizeAt(denied)), 'ACCESS_DENIED');
  assert.equal(ad.providerCode, 'access_denied');
  assert.equal(emu.requests.filter((r) => r.path === '/token').length, 0);

  const scoped = startOAuth(conf.clientId, { scope: 'read:projects bogus:scope' });
  const is = await rejects(scoped.callback(await authorizeAt(scoped)), 'INVALID_SCOPE');
  assert.equal(is.providerCode, 'invalid_scope');
});
