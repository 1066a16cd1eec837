// The `pocketbase` preset against a real PocketBase 0.40.6 (fixtures/pocketbase-server.mjs):
// the OTP id carried from request-otp into auth-with-otp, eight-digit codes, the JWT and
// its own `exp`, errors found by status and message, whoami and refresh by POST with the
// bare token. Every case checks what a user acts on: the canonical code, the exit code and
// the next action.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as keymint from '../dist/keymint.mjs';
import { startPocketBase } from './fixtures/pocketbase-server.mjs';
import { BIN, cliSuite, run, envelope } from './fixtures/cli-helpers.mjs';
import { keymintRejection } from './fixtures/rejection.mjs';

let pb;
let n = 0;
/** One fresh user per case: PocketBase's attempt limit is per user. */
const user = async () => {
  const email = `pb${++n}-${process.pid}@example.com`;
  await pb.createUser(email);
  return email;
};
const start = (email, extra = {}) => keymint.start({ provider: 'pocketbase', baseUrl: pb.url, email, ...extra });
const refused = async (promise, want) => {
  const err = await keymintRejection(promise);
  assert.equal(err.code, want.code, err.message);
  if (want.exitCode !== undefined) assert.equal(err.exitCode, want.exitCode);
  if (want.next !== undefined) assert.equal(err.nextAction.kind, want.next);
  return err;
};

describe('pocketbase preset against a real PocketBase', () => {
  before(async () => { pb = await startPocketBase({ otp: { duration: 180, length: 8 } }); });
  after(() => pb?.close());

  test('full sign-in: the otpId carried, a JWT with its own expiry; whoami and refresh', async () => {
    const email = await user();
    const flow = start(email);
    await flow.requestCode();
    // The carried id is in the saved document: a second process finishes the flow.
    const saved = JSON.stringify(flow);
    assert.match(JSON.parse(saved).carried.otpId, /^[a-z0-9]{15}$/);
    const code = await pb.waitForCode(email);
    assert.match(code, /^\d{8}$/);
    const cred = await keymint.resume(saved).submitCode(`${code.slice(0, 4)} ${code.slice(4)}`);
    assert.equal(cred.kind, 'jwt');
    assert.equal(cred.user.email, email);
    assert.ok(cred.user.id);
    // PocketBase gives no expiry: the token's `exp` (5 days by default).
    const days = (Date.parse(cred.expiresAt) - Date.now()) / 86_400_000;
    assert.ok(days > 4.9 && days <= 5.01, cred.expiresAt);

    const me = await keymint.whoami({ provider: 'pocketbase', baseUrl: pb.url, apiKey: cred.apiKey });
    assert.equal(me.email, email);
    const fresh = await keymint.refreshToken({ provider: 'pocketbase', baseUrl: pb.url, apiKey: cred.apiKey });
    assert.equal(fresh.kind, 'jwt');
    assert.equal(fresh.user.email, email);
    assert.ok(fresh.apiKey.reveal().split('.').length === 3);
    await refused(keymint.whoami({ provider: 'pocketbase', baseUrl: pb.url, apiKey: 'not-a-token' }),
      { code: 'UNAUTHENTICATED', next: 'sign_in_again' });
  });

  test('a code of the wrong shape is refused locally, naming eight digits', async () => {
    const flow = start(await user());
    await flow.requestCode();
    const err = await refused(flow.submitCode('123456'), { code: 'OTP_INVALID', exitCode: 3 });
    assert.equal(err.message, 'The code must be 8 digits.');
    assert.equal(err.details.local, true);
  });

  test('a wrong code: OTP_INVALID with attempts left, then the right one signs in', async () => {
    const email = await user();
    const flow = start(email);
    await flow.requestCode();
    const code = await pb.waitForCode(email);
    const wrong = code === '00000000' ? '11111111' : '00000000';
    const err = await refused(flow.submitCode(wrong), { code: 'OTP_INVALID', exitCode: 3, next: 'retry_code' });
    assert.equal(err.status, 400);
    assert.equal(err.details.attemptsRemaining, 4);
    assert.equal(flow.attemptsRemaining, 4);
    const cred = await flow.submitCode(code);
    assert.equal(cred.user.email, email);
  });

  test('lockout: five wrong codes, then the server refuses even a right code with a new OTP', async () => {
    const email = await user();
    const flow = start(email);
    await flow.requestCode();
    const code = await pb.waitForCode(email);
    const wrong = code === '00000000' ? '11111111' : '00000000';
    for (let left = 4; left >= 1; left--) {
      const err = await refused(flow.submitCode(wrong), { code: 'OTP_INVALID', next: 'retry_code' });
      assert.equal(err.details.attemptsRemaining, left);
    }
    await refused(flow.submitCode(wrong), { code: 'OTP_INVALID', next: 'request_new_code' });
    // Locked locally: no request is spent.
    const local = await refused(flow.submitCode(code), { code: 'OTP_LOCKED_OUT', exitCode: 3 });
    assert.equal(local.details.local, true);
    // A new flow and a new code: PocketBase's per-user window still holds.
    const again = start(email);
    await again.requestCode();
    const fresh = await pb.waitForCode(email);
    const err = await refused(again.submitCode(fresh), { code: 'OTP_LOCKED_OUT', exitCode: 3, next: 'request_new_code' });
    assert.equal(err.status, 429);
  });

  test('expiry: past the code lifetime the code is answered locally as expired', async () => {
    let now = Date.now();
    const email = await user();
    const flow = start(email, { clock: () => now });
    await flow.requestCode();
    const code = await pb.waitForCode(email);
    now += 181_000;
    const err = await refused(flow.submitCode(code), { code: 'OTP_EXPIRED', exitCode: 3, next: 'request_new_code' });
    assert.equal(err.details.local, true);
    // On the server too: an expired OTP is PocketBase's generic 400.
    const other = start(email);
    await other.requestCode();
    const c2 = await pb.waitForCode(email);
    await pb.expireOtps();
    await refused(other.submitCode(c2), { code: 'OTP_INVALID', exitCode: 3 });
  });

  test('the rate limiter: RATE_LIMITED, exit code 4', async () => {
    const email = await user();
    await pb.setRateLimits([{ label: '*:requestOTP', maxRequests: 1, duration: 60 }]);
    try {
      const flow = start(email);
      await flow.requestCode();
      const err = await refused(start(email).requestCode(), { code: 'RATE_LIMITED', exitCode: 4 });
      assert.equal(err.status, 429);
    } finally {
      await pb.setRateLimits(null);
    }
  });

  test('a complete with no code requested is refused locally, with no request', async () => {
    const flow = start(await user());
    await refused(flow.submitCode('12345678'), { code: 'OTP_NOT_FOUND', next: 'request_new_code' });
  });

  describe('the keymint CLI, two processes', () => {
    const suite = cliSuite();
    const km = async (h, args) => run(BIN.keymint, ['--provider', 'pocketbase', '--base-url', pb.url, ...args], { env: h.env({}), cwd: h.home });

    test('request then complete: eight-digit hints, the token named as a JWT, whoami', async () => {
      const h = await suite.home();
      const email = await user();
      const req = await km(h, ['auth', 'login-request', '--email', email, '--json']);
      assert.equal(req.code, 0, req.stdout + req.stderr);
      const sent = envelope(req).data;
      assert.equal(sent.codeLength, 8);
      assert.match(sent.nextAction.command, /--code '?<8-digit-code>'?/);
      const code = await pb.waitForCode(email);
      const done = await km(h, ['auth', 'login-complete', '--email', email, '--code', code]);
      assert.equal(done.code, 0, done.stdout + done.stderr);
      assert.match(done.stdout, /Token \(JWT\)/);
      assert.doesNotMatch(done.stdout, /API key/);
      assert.match(done.stdout, /Expires/);
      const me = await km(h, ['whoami', '--json']);
      assert.equal(me.code, 0, me.stdout + me.stderr);
      assert.equal(envelope(me).success, true);
      // auth refresh: the spec's refresh route, the new token saved in the same profile.
      const ref = await km(h, ['auth', 'refresh', '--json']);
      assert.equal(ref.code, 0, ref.stdout + ref.stderr);
      const data = envelope(ref).data;
      assert.equal(data.kind, 'jwt');
      assert.ok(Date.parse(data.expiresAt) > Date.now() + 4 * 86_400_000);
      assert.equal((await km(h, ['whoami'])).code, 0);
    });

    test('a complete after a failed request is refused locally (OTP_NOT_FOUND, exit 3)', async () => {
      const h = await suite.home();
      const email = await user();
      await pb.setRateLimits([{ label: '*:requestOTP', maxRequests: 1, duration: 60 }]);
      try {
        assert.equal((await km(h, ['auth', 'login-request', '--email', email, '--json'])).code, 0);
        // A second HOME shares the server's limiter, not the first HOME's pending flow.
        const h2 = await suite.home();
        const failed = await km(h2, ['auth', 'login-request', '--email', email, '--json']);
        assert.equal(failed.code, 4, failed.stdout);
        assert.equal(envelope(failed).error.code, 'RATE_LIMITED');
        const after = await km(h2, ['auth', 'login-complete', '--email', email, '--code', '12345678', '--json']);
        assert.equal(envelope(after).error.code, 'OTP_NOT_FOUND', after.stdout);
        assert.equal(after.code, 3);
        assert.equal(envelope(after).error.nextAction.kind, 'request_new_code');
      } finally {
        await pb.setRateLimits(null);
      }
    });
  });
});
