// Proves the real-PocketBase fixture (fixtures/pocketbase-server.mjs) with raw fetch,
// no keymint code: OTP sign-in end to end and every answer shape the fixture's header
// comment (and scripts/pocketbase/NOTES.md) records. A missing binary fails here with
// the reason; it never skips.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPocketBase } from './fixtures/pocketbase-server.mjs';

let pb;
before(async () => { pb = await startPocketBase({ otp: { duration: 60, length: 6 } }); });
after(async () => { await pb?.close(); });

let n = 0;
const email = (tag) => `pb-${tag}-${process.pid}-${++n}@example.test`;
const post = (path, body, token) => pb.api('POST', path, body, token);
const requestOtp = (e) => post('/api/collections/users/request-otp', { email: e });
const authWithOtp = (otpId, password) => post('/api/collections/users/auth-with-otp', { otpId, password });
const wrong = (code) => String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0');

test('request-otp → code captured by the hook → auth-with-otp → {token, record}; OTP single-use', async () => {
  const e = email('ok');
  const user = await pb.createUser(e);
  assert.equal(user.email, e);
  assert.equal(user.verified, true);

  const req = await requestOtp(e);
  assert.equal(req.status, 200);
  assert.deepEqual(Object.keys(req.json), ['otpId']);
  assert.match(req.json.otpId, /^[a-z0-9]{15}$/);

  const code = await pb.waitForCode(e, 5_000);
  assert.match(code, /^\d{6}$/);
  assert.equal(pb.outbox(e), code);
  assert.equal(await pb.waitForOtp(req.json.otpId), code);

  const ok = await authWithOtp(req.json.otpId, code);
  assert.equal(ok.status, 200);
  assert.deepEqual(Object.keys(ok.json).sort(), ['record', 'token']);
  assert.match(ok.json.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(ok.json.record.id, user.id);
  assert.equal(ok.json.record.email, e);
  assert.equal(ok.json.record.collectionName, 'users');

  const again = await authWithOtp(req.json.otpId, code);
  assert.equal(again.status, 400);
  assert.deepEqual(again.json, { data: {}, message: 'Invalid or expired OTP.', status: 400 });

  // auth-refresh with the raw token (and with "Bearer ")
  const refresh = await post('/api/collections/users/auth-refresh', undefined, ok.json.token);
  assert.equal(refresh.status, 200);
  assert.deepEqual(Object.keys(refresh.json).sort(), ['record', 'token']);
  assert.equal(refresh.json.record.id, user.id);
  const bearer = await post('/api/collections/users/auth-refresh', undefined, `Bearer ${ok.json.token}`);
  assert.equal(bearer.status, 200);
  const bad = await post('/api/collections/users/auth-refresh', undefined, 'not-a-token');
  assert.equal(bad.status, 401);
  assert.deepEqual(bad.json, { data: {}, message: 'The request requires valid record authorization token.', status: 401 });
  const none = await post('/api/collections/users/auth-refresh');
  assert.equal(none.status, 401);

  assert.deepEqual(pb.droppedMail(), [], 'no other mail attempted');
});

test('wrong code → 400 and the OTP stays usable; the 6th attempt per user in 180 s → 429 even with the right code', async () => {
  const e = email('lock');
  await pb.createUser(e);
  const req = await requestOtp(e);
  const code = await pb.waitForOtp(req.json.otpId);
  const bad = await authWithOtp(req.json.otpId, wrong(code));
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, { data: {}, message: 'Invalid or expired OTP.', status: 400 });
  for (let i = 2; i <= 4; i++) assert.equal((await authWithOtp(req.json.otpId, wrong(code))).status, 400, `attempt ${i}`);
  const fifth = await authWithOtp(req.json.otpId, code);
  assert.equal(fifth.status, 200, 'the right code still works on the 5th attempt');

  // the budget is per user, successes included, across OTPs
  const req2 = await requestOtp(e);
  const code2 = await pb.waitForOtp(req2.json.otpId);
  assert.equal(await pb.waitForCode(e), code2);
  const sixth = await authWithOtp(req2.json.otpId, code2);
  assert.equal(sixth.status, 429);
  assert.deepEqual(sixth.json, { data: {}, message: 'Too many attempts, please try again later with a new OTP.', status: 429 });

  // another user is unaffected
  const other = email('lock-other');
  await pb.createUser(other);
  const r3 = await requestOtp(other);
  assert.equal((await authWithOtp(r3.json.otpId, await pb.waitForOtp(r3.json.otpId))).status, 200);
});

test('expired code → the same 400 "Invalid or expired OTP."', async () => {
  const e = email('exp');
  await pb.createUser(e);
  const req = await requestOtp(e);
  const code = await pb.waitForOtp(req.json.otpId);
  await pb.expireOtps();
  const r = await authWithOtp(req.json.otpId, code);
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, { data: {}, message: 'Invalid or expired OTP.', status: 400 });
});

test('unknown email → 200 with a fake otpId and no code; bad input → 400 validation shapes', async () => {
  const e = email('nobody');
  const req = await requestOtp(e);
  assert.equal(req.status, 200);
  assert.match(req.json.otpId, /^[a-z0-9]{15}$/);
  await assert.rejects(pb.waitForOtp(req.json.otpId, 500), /no PocketBase OTP/);
  assert.equal(pb.outbox(e), undefined);
  assert.equal((await authWithOtp(req.json.otpId, '123456')).status, 400);

  const noEmail = await post('/api/collections/users/request-otp', {});
  assert.equal(noEmail.status, 400);
  assert.equal(noEmail.json.message, 'An error occurred while validating the submitted data.');
  assert.equal(noEmail.json.data.email.code, 'validation_required');
  const blank = await authWithOtp('', '');
  assert.equal(blank.status, 400);
  assert.equal(blank.json.data.otpId.code, 'validation_required');
  assert.equal(blank.json.data.password.code, 'validation_required');
});

test('an unverified user signing in by OTP becomes verified (the hook sets sentTo like a real send)', async () => {
  const e = email('unverified');
  const user = await pb.createUser(e, { verified: false });
  assert.equal(user.verified, false);
  const req = await requestOtp(e);
  const ok = await authWithOtp(req.json.otpId, await pb.waitForOtp(req.json.otpId));
  assert.equal(ok.status, 200);
  assert.equal(ok.json.record.verified, true);
});

test('setOtp changes length and duration; duration below 10 s is refused', async () => {
  const otp = await pb.setOtp({ duration: 30, length: 8 });
  assert.equal(otp.duration, 30);
  assert.equal(otp.length, 8);
  const e = email('len');
  await pb.createUser(e);
  const req = await requestOtp(e);
  assert.match(await pb.waitForOtp(req.json.otpId), /^\d{8}$/);
  await assert.rejects(pb.setOtp({ duration: 5 }), /→ 400 .*Must be no less than 10/);
  await pb.setOtp({ duration: 60, length: 6 });
});

test('settings rate limiter: off by default; on → 429 "Too Many Requests."', async () => {
  const settings = await pb.superuser('GET', '/api/settings');
  assert.equal(settings.rateLimits.enabled, false);
  const limits = await pb.setRateLimits([
    { label: '*:requestOTP', maxRequests: 2, duration: 60 },
    { label: '/api/', maxRequests: 10_000, duration: 10 },
  ]);
  assert.equal(limits.enabled, true);
  try {
    const e = email('rl');
    await pb.createUser(e);
    assert.equal((await requestOtp(e)).status, 200);
    assert.equal((await requestOtp(e)).status, 200);
    const r = await requestOtp(e);
    assert.equal(r.status, 429);
    assert.deepEqual(r.json, { data: {}, message: 'Too Many Requests.', status: 429 });
  } finally {
    const off = await pb.setRateLimits(null);
    assert.equal(off.enabled, false);
  }
});

test('close() stops the server and removes its data dir', async () => {
  const { existsSync } = await import('node:fs');
  const other = await startPocketBase();
  assert.ok(existsSync(other.dataDir));
  assert.equal((await fetch(`${other.url}/api/health`)).status, 200);
  await other.close();
  assert.ok(!existsSync(other.dataDir));
  await assert.rejects(fetch(`${other.url}/api/health`, { signal: AbortSignal.timeout(2_000) }));
});
