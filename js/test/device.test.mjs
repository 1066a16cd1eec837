// RFC 8628 device sign-in against the emulator's device backend: keymint.deviceLogin to a
// stored credential (a minted key, or a session), slow_down honoured, denial, expiry, every
// token-endpoint error, and a second process resuming the poll from the saved flow.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as defaultEntry from '../src/index.mjs';
import * as sessionsEntry from '../src/sessions/index.mjs';
import { startEmulator } from '../src/emulator/index.mjs';
import { deviceSpec } from '../src/emulator/backends/device.mjs';

// The default entry and keymint/sessions together, as an app that imports both sees them.
const keymint = { ...defaultEntry, ...sessionsEntry };

const T0 = Date.UTC(2026, 10, 22, 17, 40, 0);
let emu;
before(async () => { emu = await startEmulator({ port: 0, frozenAt: T0 }); });
after(() => emu.close());
beforeEach(() => emu.reset());

const dev = async (path, json) => (await fetch(`${emu.url}/__keymint/device/${path}`, json === undefined ? {} : {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json),
})).json();

/** One clock for keymint and the emulator: sleeping moves both. */
function clocks() {
  let offset = 0;
  const sleep = async (ms) => { offset += ms; emu.advance(ms / 1000); };
  return { clock: () => T0 + offset, sleep, tick: (s) => { offset += s * 1000; emu.advance(s); } };
}

const login = (c, extra = {}) => keymint.deviceLogin({
  provider: deviceSpec(emu.url, { mint: extra.mint ?? true }), allowInsecure: true, clock: c.clock, sleep: c.sleep, keyName: 'laptop', ...extra,
});

test('start shows the code; wait() ends in a minted key once approved', async () => {
  const c = clocks();
  const flow = login(c);
  const shown = await flow.start();
  assert.match(shown.userCode, /^[A-Z]{4}-[A-Z]{4}$/);
  assert.equal(shown.verificationUri, `${emu.url}/device`);
  assert.equal(shown.verificationUriComplete, `${emu.url}/device?user_code=${shown.userCode}`);
  assert.equal(shown.interval, 5);
  assert.equal(shown.expiresAt, new Date(T0 + 600_000).toISOString().replace('.000Z', 'Z'));
  const [pending] = await dev('pending');
  assert.equal(pending.scope, 'openid keys');
  const waits = [];
  const cred = await flow.wait({
    onWait: async (w) => {
      waits.push(w.reason);
      if (waits.length === 2) assert.equal((await dev('approve', { userCode: shown.userCode })).success, true);
    },
  });
  assert.deepEqual(waits, ['early', 'authorization_pending']);
  assert.ok(cred.apiKey instanceof keymint.Secret);
  assert.match(cred.apiKey.reveal(), /^cko_/);
  assert.equal(cred.keyName, 'laptop');
  assert.equal(flow.phase, 'done');
  assert.ok(!JSON.stringify(flow.toJSON()).includes('at_'));
});

test('without a mint the token is a session credential', async () => {
  const c = clocks();
  const flow = login(c, { mint: false });
  const { userCode } = await flow.start();
  await dev('approve', { userCode });
  const cred = await flow.wait();
  assert.ok(cred.accessToken instanceof keymint.Secret);
  assert.equal(cred.kind, 'device');
  assert.equal(cred.clientId, 'keymint-cli');
  assert.equal(keymint.sessionProfile(cred).accessToken, cred.accessToken.reveal());
  // Refreshed at the device token endpoint with the refresh_token grant, as other session flows.
  assert.ok(cred.refreshToken instanceof keymint.Secret);
  const client = keymint.createClient({ provider: deviceSpec(emu.url, { mint: false }), tokens: cred, allowInsecure: true });
  await client.refresh();
  const next = client.session;
  assert.notEqual(next.accessToken.reveal(), cred.accessToken.reveal());
  assert.notEqual(next.refreshToken.reveal(), cred.refreshToken.reveal());
});

test('endpoints found through RFC 8414 metadata (device.metadata)', async () => {
  const c = clocks();
  const flow = keymint.deviceLogin({ provider: deviceSpec(emu.url, { discover: true }), clock: c.clock, sleep: c.sleep });
  const { userCode } = await flow.start();
  assert.equal(flow.state.deviceUrl, `${emu.url}/oauth/device/code`);
  assert.equal(flow.state.tokenUrl, `${emu.url}/oauth/device/token`);
  await dev('approve', { userCode });
  const cred = await flow.wait();
  assert.match(cred.apiKey.reveal(), /^cko_/);
});

test('a session from metadata-discovered endpoints refreshes at the token URL it came from', async () => {
  const c = clocks();
  const spec = deviceSpec(emu.url, { discover: true, mint: false });
  const flow = keymint.deviceLogin({ provider: spec, clock: c.clock, sleep: c.sleep, allowInsecure: true });
  const { userCode } = await flow.start();
  await dev('approve', { userCode });
  const cred = await flow.wait();
  assert.equal(cred.tokenUrl, `${emu.url}/oauth/device/token`);
  // Stored as a profile and read back, as the CLI does: the token URL is kept.
  const profile = keymint.sessionProfile(cred);
  assert.equal(profile.tokenUrl, cred.tokenUrl);
  const client = keymint.createClient({ provider: spec, tokens: profile, allowInsecure: true });
  await client.refresh();
  assert.notEqual(client.session.accessToken.reveal(), cred.accessToken.reveal());
});

test('an origin-only base URL gets the provider\'s basePath', () => {
  const spec = { ...deviceSpec('https://auth.example.com/api/auth'), basePath: '/api/auth' };
  const flow = keymint.deviceLogin({ provider: spec, baseUrl: 'https://auth.example.com' });
  assert.equal(flow.state.deviceUrl, 'https://auth.example.com/api/auth/oauth/device/code');
  const given = keymint.deviceLogin({ provider: spec, baseUrl: 'https://auth.example.com/elsewhere' });
  assert.equal(given.state.deviceUrl, 'https://auth.example.com/elsewhere/oauth/device/code');
});

test('poll() early sends nothing and throws AUTHORIZATION_PENDING with open_url', async () => {
  const c = clocks();
  const flow = login(c);
  const { userCode, verificationUriComplete, expiresAt } = await flow.start();
  await assert.rejects(flow.poll(), (e) => {
    assert.equal(e.code, 'AUTHORIZATION_PENDING');
    assert.equal(e.nextAction.kind, 'open_url');
    assert.equal(e.nextAction.url, verificationUriComplete);
    assert.equal(e.nextAction.userCode, userCode);
    assert.equal(e.nextAction.expiresAt, expiresAt);
    assert.equal(e.retryAfterSeconds, 5);
    assert.equal(e.details.local, true);
    return true;
  });
  c.tick(5);
  await assert.rejects(flow.poll(), (e) => e.code === 'AUTHORIZATION_PENDING' && e.details.local === true);
});

test('slow_down: the interval grows by 5 s and stays grown, also after a resume', async () => {
  const c = clocks();
  const flow = login(c);
  await flow.start();
  c.tick(5);
  await assert.rejects(flow.poll(), { code: 'AUTHORIZATION_PENDING' });
  await assert.rejects(flow.poll(), (e) => e.details.local === true); // too early: nothing sent
  c.tick(5);
  // Another poller on the same device code makes the server see us too early: slow_down.
  await fetch(`${emu.url}/oauth/device/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: flow.state.deviceCode, client_id: 'keymint-cli' }) });
  await assert.rejects(flow.poll(), (e) => e.code === 'AUTHORIZATION_PENDING' && e.retryAfterSeconds === 10);
  assert.equal(flow.state.interval, 10);
  const again = keymint.resumeDevice(JSON.parse(JSON.stringify(flow)), { clock: c.clock });
  assert.equal(again.pending.interval, 10);
  c.tick(9);
  await assert.rejects(again.poll(), (e) => e.details.local === true && e.retryAfterSeconds === 1);
});

test('denial is ACCESS_DENIED; expiry is DEVICE_CODE_EXPIRED and start() begins again', async () => {
  const c = clocks();
  const flow = login(c);
  const { userCode } = await flow.start();
  await dev('deny', { userCode });
  await assert.rejects(flow.wait(), (e) => e.code === 'ACCESS_DENIED' && e.providerCode === 'access_denied' && e.exitCode === 5);
  assert.equal(flow.phase, 'denied');

  const late = login(c);
  await late.start();
  c.tick(601);
  await assert.rejects(late.poll(), (e) => e.code === 'DEVICE_CODE_EXPIRED' && e.details.local === true && e.nextAction.kind === 'sign_in_again');
  const again = await late.start();
  assert.notEqual(again.userCode, undefined);
  assert.equal(late.phase, 'pending');
});

test('expired_token from the server (its clock ahead of ours)', async () => {
  const c = clocks();
  const flow = login(c);
  await flow.start();
  emu.advance(700);
  c.tick(5);
  await assert.rejects(flow.poll(), (e) => e.code === 'DEVICE_CODE_EXPIRED' && e.providerCode === 'expired_token' && e.exitCode === 3);
});

test('every other RFC 8628 / 6749 token error is typed', async () => {
  for (const [error, code] of [
    ['invalid_request', 'INVALID_REQUEST'], ['invalid_client', 'INVALID_CLIENT'], ['invalid_grant', 'INVALID_GRANT'],
    ['unsupported_grant_type', 'UNSUPPORTED_GRANT_TYPE'], ['invalid_scope', 'INVALID_SCOPE'], ['access_denied', 'ACCESS_DENIED'],
    ['expired_token', 'DEVICE_CODE_EXPIRED'],
  ]) {
    const c = clocks();
    const flow = login(c);
    await flow.start();
    c.tick(5);
    await dev('force', { error });
    await assert.rejects(flow.poll(), (e) => e.code === code && e.providerCode === error, error);
  }
  // The device authorization request's own errors.
  const c = clocks();
  await assert.rejects(login(c, { clientId: 'bad-client' }).start(), { code: 'INVALID_CLIENT' });
  await assert.rejects(login(c, { scope: 'openid forbidden' }).start(), { code: 'INVALID_SCOPE' });
});

test('a second process resumes the poll from the saved flow', async () => {
  const c = clocks();
  const flow = login(c);
  const { userCode } = await flow.start();
  const saved = JSON.stringify(flow);
  await dev('approve', { userCode });
  emu.advance(5);
  const child = fileURLToPath(new URL('./fixtures/device-child.mjs', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [child], { env: { ...process.env, SAVED: saved, NOW: String(T0 + 5000) } });
  const out = JSON.parse(stdout);
  assert.match(out.apiKeyMasked, /^cko_/);
  assert.equal(out.keyName, 'laptop');
});

test('a damaged saved flow does not resume', () => {
  assert.throws(() => keymint.resumeDevice('{"v":1,"kind":"device","check":"x"}'), { code: 'INVALID_STATE' });
});
