// The emulator framework (routing, CORS, dev routes, faults, idempotency, the bin) and
// the Scripto backend (protocols/scripto.md), exercised with raw fetch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { registerBackend, startEmulator } from '../src/emulator/index.mjs';
import { start, call, post } from './fixtures/emulator-http.mjs';

const BIN = fileURLToPath(new URL('../bin/keymint-emulator.mjs', import.meta.url));
const REQUEST_AGAIN = 'request a new code with: scripto auth login-request';
const PASS_EMAIL = 'Pass --email <your-email> to: scripto auth login-request';

const get = (emu, path, headers) => call(emu, 'GET', path, undefined, headers);

function assertError(res, status, code, nextAction) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.success, false);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.equal(res.body.error.nextAction, nextAction);
}

async function signIn(emu, email, extra = {}) {
  assert.equal((await post(emu, '/api/cli/login-request', { email })).status, 200);
  return post(emu, '/api/cli/login-complete', { email, otp: emu.outbox(email), ...extra });
}

// ---------------------------------------------------------------- framework

test('CORS: preflight answers 204 and every response carries the headers', async (t) => {
  const emu = await start(t);
  const pre = await fetch(`${emu.url}/api/cli/login-request`, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, idempotency-key' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS, DELETE');
  assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type, authorization, idempotency-key, x-api-key, origin');
  assert.equal(emu.requests.length, 0, 'preflights are not logged');

  assert.equal(pre.headers.get('access-control-expose-headers'), 'Retry-After, X-Retry-After, X-Keymint-Emulator');
  // No Origin (not a browser): no CORS grant needed, none given (not '*'). Other
  // origins are covered by test/security-core.test.mjs.
  const plain = await post(emu, '/api/cli/login-request', {});
  assert.equal(plain.headers.get('access-control-allow-origin'), null);
  assert.equal(plain.headers.get('x-keymint-emulator'), '1');
  assert.equal(plain.headers.get('content-type'), 'application/json; charset=utf-8');
});

test('routing: unknown path and HEAD 404, wrong method 405, oversized body 413', async (t) => {
  const emu = await start(t);
  const missing = await get(emu, '/nope');
  assertError(missing, 404, 'NOT_FOUND');
  const head = await fetch(`${emu.url}/api/cli/whoami`, { method: 'HEAD' });
  assert.equal(head.status, 404);
  const wrong = await get(emu, '/api/cli/login-request');
  assertError(wrong, 405, 'METHOD_NOT_ALLOWED');
  assert.equal(wrong.headers.get('allow'), 'POST');
  const big = await post(emu, '/api/cli/login-request', JSON.stringify({ email: 'a@b.co', pad: 'x'.repeat(1024 * 1024) }));
  assertError(big, 413, 'PAYLOAD_TOO_LARGE');
  assert.deepEqual(emu.requests.map((r) => [r.method, r.path, r.status]), [
    ['GET', '/nope', 404], ['HEAD', '/api/cli/whoami', 404], ['GET', '/api/cli/login-request', 405], ['POST', '/api/cli/login-request', 413],
  ]);
});

test('request log records non-dev requests with lower-cased headers and raw body', async (t) => {
  const emu = await start(t);
  await post(emu, '/api/cli/login-request', { email: 'log@example.com' }, { 'X-Custom': 'yes' });
  await get(emu, '/__keymint/clock');
  assert.equal(emu.requests.length, 1);
  const [entry] = emu.requests;
  assert.equal(entry.backend, 'scripto');
  assert.equal(entry.status, 200);
  assert.equal(entry.headers['x-custom'], 'yes');
  assert.equal(entry.body, '{"email":"log@example.com"}');
  const viaDev = await get(emu, '/__keymint/requests');
  assert.equal(viaDev.body.requests.length, 1);
  emu.clearRequests();
  assert.equal(emu.requests.length, 0);
});

test('dev routes: outbox, messages, clock, reset', async (t) => {
  const emu = await start(t);
  assertError(await get(emu, '/__keymint/outbox?email=none@example.com'), 404, 'NOT_FOUND');
  await post(emu, '/api/cli/login-request', { email: ' Dev@Example.com ' });
  const out = await get(emu, '/__keymint/outbox?email=DEV@example.com');
  assert.equal(out.status, 200);
  assert.match(out.body.code, /^\d{6}$/);
  assert.equal(out.body.email, 'dev@example.com');
  assert.equal(out.body.backend, 'scripto');
  assert.equal(out.body.code, emu.outbox('dev@example.com'));
  assert.equal((await get(emu, '/__keymint/messages')).body.messages.length, 1);
  assert.deepEqual(emu.messages('other@example.com'), []);

  const before = (await get(emu, '/__keymint/clock')).body.now;
  const after = (await post(emu, '/__keymint/clock', { advance: 90 })).body.now;
  assert.ok(after - before >= 90_000 && after - before < 91_000);
  assertError(await post(emu, '/__keymint/clock', { advance: -1 }), 400, 'BAD_REQUEST');

  assert.deepEqual((await post(emu, '/__keymint/reset', {})).body, { ok: true });
  assert.equal(emu.outbox('dev@example.com'), undefined);
  assert.equal(emu.requests.length, 0);
  assert.ok(emu.now() - Date.now() < 1000, 'clock offset cleared');
});

test('idempotency: a retried complete whose answer was lost replays the stored answer', async (t) => {
  const emu = await start(t);
  await post(emu, '/api/cli/login-request', { email: 'idem@example.com' });
  const body = JSON.stringify({ email: 'idem@example.com', otp: emu.outbox('idem@example.com') });
  const send = (key) => fetch(`${emu.url}/api/cli/login-complete`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body });

  emu.fault({ path: '/api/cli/login-complete', kind: 'reset' });
  await assert.rejects(send('k1').then((r) => r.text()), 'the first answer is lost mid-body');
  const retry = await send('k1');
  assert.equal(retry.status, 200);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  const { data } = await retry.json();
  assert.match(data.apiKey, /^scripto_/);
  const again = await send('k1');
  assert.equal((await again.json()).data.apiKey, data.apiKey, 'replays are stable');

  // Without the key (or with another) the backend really runs: the code is consumed.
  assertError(await post(emu, '/api/cli/login-complete', JSON.parse(body)), 400, 'invalid-argument', REQUEST_AGAIN);
  assert.equal((await send('k2')).status, 400);
  assert.equal((await get(emu, '/api/cli/whoami', { authorization: `Bearer ${data.apiKey}` })).status, 200);
});

test('fault delay: answers normally after the delay', async (t) => {
  const emu = await start(t);
  emu.fault({ path: '/api/cli/login-request', kind: 'delay', ms: 150 });
  const t0 = Date.now();
  const res = await post(emu, '/api/cli/login-request', { email: 'slow@example.com' });
  assert.ok(Date.now() - t0 >= 140);
  assert.equal(res.status, 200);
});

test('fault html502 applies `times` times, then normal service resumes', async (t) => {
  const emu = await start(t);
  assert.deepEqual((await post(emu, '/__keymint/fault', { path: '/api/cli/login-request', kind: 'html502', times: 2 })).body, { ok: true });
  for (let i = 0; i < 2; i++) {
    const res = await post(emu, '/api/cli/login-request', { email: 'gw@example.com' });
    assert.equal(res.status, 502);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    assert.match(res.body, /<html>/);
  }
  assert.equal((await post(emu, '/api/cli/login-request', { email: 'gw@example.com' })).status, 200);
  assert.equal(emu.messages().length, 1, 'a 502 never reached the backend');
  assert.deepEqual(emu.requests.map((r) => r.status), [502, 502, 200], 'faulted requests are logged');
});

test('fault truncate: 200 JSON content type, body cut mid-JSON; the backend still ran', async (t) => {
  const emu = await start(t);
  emu.fault({ path: '/api/cli/login-request', kind: 'truncate' });
  const res = await fetch(`${emu.url}/api/cli/login-request`, { method: 'POST', body: JSON.stringify({ email: 'cut@example.com' }) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const text = await res.text();
  assert.ok(text.startsWith('{"success":true'));
  assert.throws(() => JSON.parse(text));
  assert.match(emu.outbox('cut@example.com'), /^\d{6}$/);
});

test('fault hang never answers; close() still resolves', async () => {
  const emu = await startEmulator({ port: 0 });
  const url = `${emu.url}/api/cli/login-request`;
  emu.fault({ path: '/api/cli/login-request', kind: 'hang', times: 2 });
  await assert.rejects(fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' });
  const pending = fetch(url, { method: 'POST', body: '{}' });
  while (emu.requests.length < 2) await new Promise((r) => setTimeout(r, 10));
  await emu.close();
  await assert.rejects(pending);
  assert.deepEqual(emu.requests.map((r) => r.status), [null, null]);
});

test('faults huge, wrong-type, missing-field', async (t) => {
  const emu = await start(t);
  const path = '/api/cli/login-request';
  emu.fault({ path, kind: 'huge' });
  emu.fault({ path, kind: 'wrong-type' });
  emu.fault({ path, kind: 'missing-field' });
  // One fault per request, in the order they were injected.
  const huge = await fetch(emu.url + path, { method: 'POST', body: '{}' });
  assert.equal(huge.status, 200);
  assert.ok((await huge.arrayBuffer()).byteLength >= 10 * 1024 * 1024);
  const wrongType = await post(emu, path, {});
  assert.equal(wrongType.status, 200);
  assert.match(wrongType.headers.get('content-type'), /^text\/plain/);
  assert.equal(wrongType.body, 'OK');
  const missing = await post(emu, path, {});
  assert.deepEqual([missing.status, missing.body], [200, { success: true, data: {} }]);
});

test('fault specs are validated; refuse is rejected', async (t) => {
  const emu = await start(t);
  assert.throws(() => emu.fault({ path: '/x', kind: 'refuse' }), /cannot refuse/);
  assert.throws(() => emu.fault({ path: '/x', kind: 'explode' }), TypeError);
  assert.throws(() => emu.fault({ path: '/x', kind: 'delay' }), /ms/);
  assertError(await post(emu, '/__keymint/fault', { path: 'x', kind: 'html502' }), 400, 'BAD_REQUEST');
});

test('registerBackend adds a backend with the same factory interface', async (t) => {
  registerBackend('test-echo', (ctx) => ({
    name: 'test-echo',
    routes: [{ method: 'POST', path: '/echo', handler: (req) => ({ status: 201, json: { got: req.json, ip: req.ip, now: ctx.now() } }) }],
    reset() {},
  }));
  assert.throws(() => registerBackend('test-echo', () => ({})), /already registered/);
  const emu = await start(t, { backends: ['test-echo'] });
  const res = await post(emu, '/echo', { a: 1 }, { 'x-forwarded-for': '10.9.9.9' });
  assert.equal(res.status, 201);
  assert.deepEqual(res.body.got, { a: 1 });
  assert.equal(res.body.ip, '127.0.0.1', 'X-Forwarded-For is ignored unless trusted');
  assertError(await post(emu, '/api/cli/login-request', {}), 404, 'NOT_FOUND');
});

test('bin: prints the URL, serves, stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [BIN, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  while (!out.includes('\n')) out += (await once(child.stdout, 'data'))[0];
  const url = out.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await fetch(`${url}/__keymint/clock`)).status, 200);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

// ---------------------------------------------------------------- scripto

test('scripto: sign-in mints a key, whoami names it, open signup reuses the user', async (t) => {
  const emu = await start(t);
  const req = await post(emu, '/api/cli/login-request', { email: ' You@Example.com ' });
  assert.deepEqual(req.body, { success: true, data: { ok: true, email: 'you@example.com' } });
  assert.equal(emu.messages()[0].purpose, 'login');

  const first = await post(emu, '/api/cli/login-complete', { email: 'you@example.com', otp: emu.outbox('you@example.com') });
  assert.equal(first.status, 200);
  const { apiKey, keyId, userId, email } = first.body.data;
  assert.match(apiKey, /^scripto_[0-9A-Za-z]{40}$/);
  assert.match(keyId, /^key_[0-9A-Za-z]+$/);
  assert.match(userId, /^user_[0-9A-Za-z]+$/);
  assert.equal(email, 'you@example.com');

  const who = await get(emu, '/api/cli/whoami', { authorization: `Bearer ${apiKey}` });
  assert.deepEqual(who.body, { success: true, data: { userId, email, keyId, keyName: 'scripto-cli' } });

  const second = await signIn(emu, 'YOU@example.com', { name: 'laptop' });
  assert.equal(second.body.data.userId, userId, 'the same user signs in again');
  assert.notEqual(second.body.data.apiKey, apiKey, 'each completion mints a new key');
  const who2 = await get(emu, '/api/cli/whoami', { authorization: `Bearer ${second.body.data.apiKey}` });
  assert.equal(who2.body.data.keyName, 'laptop');
  assert.equal((await get(emu, '/api/cli/whoami', { authorization: `Bearer ${apiKey}` })).status, 200, 'earlier keys stay valid');
});

test('scripto request: missing or malformed email is invalid-argument with its nextAction', async (t) => {
  const emu = await start(t);
  for (const body of [{}, { email: '' }, { email: '   ' }, { email: 'nope' }, { email: 'a@b' }, { email: 'a b@c.de' }, { email: 'a@@c.de' }, { email: 42 }, 'not json']) {
    assertError(await post(emu, '/api/cli/login-request', body), 400, 'invalid-argument', PASS_EMAIL);
  }
  assert.equal(emu.messages().length, 0);
});

test('scripto request: a failed send answers 500 internal without nextAction', async (t) => {
  const emu = await start(t);
  assertError(await post(emu, '/__keymint/scripto/fail-next', { route: 'elsewhere' }), 400, 'BAD_REQUEST');
  assert.equal((await post(emu, '/__keymint/scripto/fail-next', { route: 'request' })).status, 200);
  assertError(await post(emu, '/api/cli/login-request', { email: 'x@example.com' }), 500, 'internal');
  assert.equal(emu.outbox('x@example.com'), undefined);
  assert.equal((await post(emu, '/api/cli/login-request', { email: 'x@example.com' })).status, 200, 'only the next call fails');
});

test('scripto complete: missing email, missing otp', async (t) => {
  const emu = await start(t);
  assertError(await post(emu, '/api/cli/login-complete', { otp: '123456' }), 400, 'invalid-argument');
  assertError(await post(emu, '/api/cli/login-complete', { email: ' ', otp: '123456' }), 400, 'invalid-argument');
  assertError(await post(emu, '/api/cli/login-complete', { email: 'a@example.com' }), 400, 'invalid-argument', REQUEST_AGAIN);
  assertError(await post(emu, '/api/cli/login-complete', { email: 'a@example.com', otp: '' }), 400, 'invalid-argument', REQUEST_AGAIN);
});

test('scripto complete: wrong code, no lockout; codes are single use', async (t) => {
  const emu = await start(t);
  await post(emu, '/api/cli/login-request', { email: 'w@example.com' });
  const code = emu.outbox('w@example.com');
  const wrong = code === '000000' ? '111111' : '000000';
  for (let i = 0; i < 8; i++) {
    assertError(await post(emu, '/api/cli/login-complete', { email: 'w@example.com', otp: wrong }), 400, 'invalid-argument', REQUEST_AGAIN);
  }
  assertError(await post(emu, '/api/cli/login-complete', { email: 'w@example.com', otp: Number(code) }), 400, 'invalid-argument', REQUEST_AGAIN);
  assert.equal((await post(emu, '/api/cli/login-complete', { email: 'w@example.com', otp: code })).status, 200);
  assertError(await post(emu, '/api/cli/login-complete', { email: 'w@example.com', otp: code }), 400, 'invalid-argument', REQUEST_AGAIN);
  assertError(await post(emu, '/api/cli/login-complete', { email: 'never@example.com', otp: code }), 400, 'invalid-argument', REQUEST_AGAIN);
});

test('scripto complete: codes live 600 s', async (t) => {
  const emu = await start(t);
  await post(emu, '/api/cli/login-request', { email: 'old@example.com' });
  emu.advance(601);
  assertError(await post(emu, '/api/cli/login-complete', { email: 'old@example.com', otp: emu.outbox('old@example.com') }), 400, 'invalid-argument', REQUEST_AGAIN);

  await post(emu, '/api/cli/login-request', { email: 'old@example.com' });
  emu.advance(599);
  assert.equal((await post(emu, '/api/cli/login-complete', { email: 'old@example.com', otp: emu.outbox('old@example.com') })).status, 200);
});

test('scripto complete: a newer request replaces the pending code', async (t) => {
  const emu = await start(t);
  await post(emu, '/api/cli/login-request', { email: 'n@example.com' });
  const older = emu.outbox('n@example.com');
  do await post(emu, '/api/cli/login-request', { email: 'n@example.com' });
  while (emu.outbox('n@example.com') === older); // a fresh code could repeat by chance
  assertError(await post(emu, '/api/cli/login-complete', { email: 'n@example.com', otp: older }), 400, 'invalid-argument', REQUEST_AGAIN);
  assert.equal((await post(emu, '/api/cli/login-complete', { email: 'n@example.com', otp: emu.outbox('n@example.com') })).status, 200);
});

test('scripto complete: a failed mint answers 500 internal and the code stays usable', async (t) => {
  const emu = await start(t);
  await post(emu, '/api/cli/login-request', { email: 'm@example.com' });
  await post(emu, '/__keymint/scripto/fail-next', { route: 'complete' });
  const body = { email: 'm@example.com', otp: emu.outbox('m@example.com') };
  assertError(await post(emu, '/api/cli/login-complete', body), 500, 'internal');
  assert.equal((await post(emu, '/api/cli/login-complete', body)).status, 200);
});

test('scripto whoami: missing, malformed, unknown key answer 401 unauthenticated', async (t) => {
  const emu = await start(t);
  const next = 'sign in with: scripto auth login-request --email <your-email>';
  const { apiKey } = (await signIn(emu, 'who@example.com')).body.data;
  assertError(await get(emu, '/api/cli/whoami'), 401, 'unauthenticated', next);
  assertError(await get(emu, '/api/cli/whoami', { authorization: apiKey }), 401, 'unauthenticated', next);
  assertError(await get(emu, '/api/cli/whoami', { authorization: `Bearer ${apiKey}x` }), 401, 'unauthenticated', next);
  assertError(await get(emu, '/api/cli/whoami', { authorization: 'Bearer scripto_0000000000000000000000000000000000000000' }), 401, 'unauthenticated', next);
  emu.reset();
  assertError(await get(emu, '/api/cli/whoami', { authorization: `Bearer ${apiKey}` }), 401, 'unauthenticated', next);
});
