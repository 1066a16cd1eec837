// The better-auth preset's device flow (RFC 8628) against a real Better Auth 1.7 server with
// its deviceAuthorization plugin: device-login to a stored key (the preset's mint after the
// token), slow_down honoured, denial, expiry, and a second process resuming the poll. The
// approval is done the way a person's browser does it: a session signed in by email OTP on the
// same server opens /device?user_code=… and posts /device/approve (or /device/deny).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import * as defaultEntry from '../dist/keymint.mjs';
import * as sessionsEntry from '../dist/sessions.mjs';
import { startBetterAuthServer } from './fixtures/better-auth-server.mjs';
import { BIN, run, tempHome } from './fixtures/cli-helpers.mjs';

// The default entry and keymint/sessions together, as an app that imports both sees them.
const keymint = { ...defaultEntry, ...sessionsEntry };

/** Better Auth's own endpoints, as the verification page would call them. */
async function browser(ba, email) {
  const base = `${ba.url}/api/auth`;
  const post = (path, body, token) => fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ba.url, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  assert.equal((await post('/email-otp/send-verification-otp', { email, type: 'sign-in' })).status, 200);
  const signIn = await (await post('/sign-in/email-otp', { email, otp: ba.outbox(email) })).json();
  const token = signIn.token;
  assert.ok(token);
  const review = async (userCode, verdict) => {
    const seen = await fetch(`${base}/device?user_code=${encodeURIComponent(userCode)}`, { headers: { authorization: `Bearer ${token}`, origin: ba.url } });
    assert.equal(seen.status, 200, await seen.clone().text());
    assert.equal((await seen.json()).status, 'pending');
    const r = await post(`/device/${verdict}`, { userCode }, token);
    assert.equal(r.status, 200, await r.text());
  };
  return { approve: (c) => review(c, 'approve'), deny: (c) => review(c, 'deny') };
}

describe('better-auth preset: device authorization (RFC 8628)', () => {
  let ba;
  let base;
  before(async () => {
    ba = await startBetterAuthServer({ device: { interval: '1s', expiresIn: '30m' } });
    base = `${ba.url}/api/auth`;
  });
  after(() => ba.close());
  const login = (extra = {}) => keymint.deviceLogin({ provider: 'better-auth', baseUrl: base, keyName: 'device-key', ...extra });

  test('device-login to a stored key that works on a protected route', async () => {
    const flow = login();
    const shown = await flow.start();
    assert.match(shown.userCode, /^[A-Z0-9]{8}$/);
    assert.equal(shown.verificationUri, `${ba.url}/device`);
    assert.equal(shown.verificationUriComplete, `${ba.url}/device?user_code=${shown.userCode}`);
    assert.equal(shown.interval, 1);
    await assert.rejects(flow.poll(), (e) => e.code === 'AUTHORIZATION_PENDING' && e.details.local === true);
    const person = await browser(ba, 'device-user@example.com');
    const reasons = [];
    const cred = await flow.wait({
      onWait: async (w) => {
        reasons.push(w.reason);
        if (reasons.length === 2) await person.approve(shown.userCode);
      },
    });
    assert.ok(reasons.includes('authorization_pending'), reasons.join());
    assert.ok(cred.apiKey instanceof keymint.Secret);
    assert.equal(cred.keyName, 'device-key');
    const ok = await fetch(`${ba.url}/api/protected`, { headers: { 'x-api-key': cred.apiKey.reveal() } });
    assert.equal(ok.status, 200);
    const me = await keymint.whoami({ provider: 'better-auth', baseUrl: base, apiKey: cred.apiKey });
    assert.equal(me.email, 'device-user@example.com');
    // No session token in the saved flow or the credential.
    const shownText = JSON.stringify(flow.toJSON()) + JSON.stringify(cred);
    for (const s of ba.db.session) assert.ok(!shownText.includes(s.token));
  });

  test('CLI: keymint --provider better-auth auth device-login stores the key as the active profile', async () => {
    const h = await tempHome();
    try {
      const person = await browser(ba, 'cli-device@example.com');
      let approved = null;
      const r = await run(BIN.keymint, ['--provider', 'better-auth', '--base-url', base, 'auth', 'device-login', '--key-name', 'cli', '--json'], {
        env: h.env(),
        onStderr: (all) => {
          const line = all.split('\n').find((l) => l.startsWith('{'));
          if (line && !approved) approved = person.approve(JSON.parse(line).userCode);
        },
      });
      await approved;
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const data = JSON.parse(r.stdout).data;
      assert.equal(data.keyName, 'cli');
      const cfg = await h.readConfig('keymint');
      const key = cfg.profiles[cfg.active].apiKey;
      assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key));
      const ok = await fetch(`${ba.url}/api/protected`, { headers: { 'x-api-key': key } });
      assert.equal(ok.status, 200);
    } finally {
      await h.cleanup();
    }
  });

  test('slow_down is honoured: the interval grows by 5 s and the next poll waits for it', async () => {
    const flow = login();
    const { userCode } = await flow.start();
    await new Promise((r) => setTimeout(r, 1100));
    // Another poller with the same device code (as a second process would) polls first, so
    // Better Auth sees our poll inside its interval and answers slow_down.
    const body = JSON.stringify({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: flow.state.deviceCode, client_id: 'keymint' });
    const other = await fetch(`${base}/device/token`, { method: 'POST', headers: { 'content-type': 'application/json', origin: ba.url }, body });
    assert.equal((await other.json()).error, 'authorization_pending');
    const waits = [];
    const person = await browser(ba, 'slow@example.com');
    const slept = [];
    const cred = await flow.wait({
      onWait: async (w) => {
        waits.push([w.reason, w.interval]);
        if (w.reason === 'slow_down') await person.approve(userCode);
      },
      sleep: async (ms) => { slept.push(ms); await new Promise((r) => setTimeout(r, ms)); },
    });
    assert.deepEqual(waits[0], ['slow_down', 6]);
    assert.ok(slept[0] >= 5000, `slept ${slept[0]} ms after slow_down`);
    assert.match(cred.apiKey.reveal(), /.{16,}/);
  });

  test('a denial in the browser is ACCESS_DENIED', async () => {
    const flow = login();
    const { userCode } = await flow.start();
    await (await browser(ba, 'denier@example.com')).deny(userCode);
    await assert.rejects(flow.wait(), (e) => e.code === 'ACCESS_DENIED' && e.providerCode === 'access_denied' && e.nextAction.kind === 'sign_in_again');
    assert.equal(flow.phase, 'denied');
  });

  test('a second process resumes the poll from the saved flow', async () => {
    const flow = login();
    const { userCode } = await flow.start();
    await (await browser(ba, 'second@example.com')).approve(userCode);
    await new Promise((r) => setTimeout(r, 1100));
    const child = fileURLToPath(new URL('./fixtures/device-child.mjs', import.meta.url));
    const keyFile = join(await mkdtemp(join(tmpdir(), 'keymint-device-')), 'key');
    const { stdout } = await promisify(execFile)(process.execPath, [child], { env: { ...process.env, SAVED: JSON.stringify(flow), NOW: String(Date.now()), KEYFILE: keyFile } });
    const out = JSON.parse(stdout);
    assert.equal(out.keyName, 'device-key');
    const raw = await readFile(keyFile, 'utf8');
    await rm(dirname(keyFile), { recursive: true, force: true });
    assert.ok(raw.length >= 16 && !stdout.includes(raw), 'the second process printed only the masked key');
    assert.equal(out.apiKeyMasked.slice(-4), raw.slice(-4));
    const res = await fetch(`${ba.url}/api/protected`, { headers: { 'x-api-key': raw } });
    assert.equal(res.status, 200, 'the key the second process minted opens the protected route');
  });
});

describe('better-auth preset: device code expiry', () => {
  let ba;
  let base;
  before(async () => {
    ba = await startBetterAuthServer({ device: { interval: '1s', expiresIn: '3s' } });
    base = `${ba.url}/api/auth`;
  });
  after(() => ba.close());

  test('expired_token from the server, and a poll past the saved expiry answered locally', async () => {
    // Our side runs on a clock the test moves; only the server's expiry needs real time to pass.
    const t0 = Date.now();
    let now = t0;
    const clock = () => now;
    const flow = keymint.deviceLogin({ provider: 'better-auth', baseUrl: base, clock });
    const shown = await flow.start();
    assert.ok(Date.parse(shown.expiresAt) - Math.floor(t0 / 1000) * 1000 <= 3000, shown.expiresAt);
    await new Promise((r) => setTimeout(r, 3300));
    // Our clock behind the server's: the code is still live for us, not for it.
    now = t0 + 1500;
    await assert.rejects(flow.poll(), (e) => e.code === 'DEVICE_CODE_EXPIRED' && e.providerCode === 'expired_token' && e.nextAction.kind === 'sign_in_again' && e.exitCode === 3);
    assert.equal(flow.phase, 'expired');
    // Past the saved expiry on our clock: answered locally, no wait for the server's.
    const t1 = Date.now();
    now = t1;
    const again = keymint.deviceLogin({ provider: 'better-auth', baseUrl: base, clock });
    await again.start();
    now = t1 + 3100;
    await assert.rejects(again.poll(), (e) => e.code === 'DEVICE_CODE_EXPIRED' && e.details.local === true);
    // Starting again on the same flow gets a fresh code.
    const fresh = await again.start();
    assert.equal(again.phase, 'pending');
    assert.match(fresh.userCode, /^[A-Z0-9]{8}$/);
  });
});
