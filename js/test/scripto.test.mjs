// The package against the emulator, end to end, for the Scripto preset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import * as keymint from '../dist/keymint.mjs';
import { startEmulator } from '../src/emulator/index.mjs';

let emu;
before(async () => { emu = await startEmulator({ port: 0 }); });
after(() => emu.close());

const start = (email, extra = {}) => keymint.start({ provider: 'scripto', baseUrl: emu.url, email, ...extra });

async function rejects(promise, code) {
  try {
    await promise;
  } catch (e) {
    assert.ok(keymint.isKeymintError(e) && e instanceof Error && e instanceof keymint.KeymintError);
    assert.equal(e.name, 'KeymintError');
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test('happy path: request, complete, whoami; the key never prints', async () => {
  const flow = start('happy@example.com');
  const sent = await flow.requestCode();
  assert.equal(sent.email, 'happy@example.com');
  assert.ok(Date.parse(sent.expiresAt) > Date.now() + 9 * 60_000);
  const cred = await flow.submitCode(emu.outbox('happy@example.com'));
  const raw = cred.apiKey.reveal();
  assert.match(raw, /^scripto_/);
  for (const shown of [String(cred.apiKey), JSON.stringify(cred), inspect(cred), JSON.stringify(flow)]) {
    assert.ok(!shown.includes(raw), 'raw key leaked');
  }
  assert.match(cred.apiKey.masked, /^scripto_••••••••.{4}$/);
  const me = await keymint.whoami({ provider: 'scripto', baseUrl: emu.url, apiKey: cred.apiKey });
  assert.equal(me.email, 'happy@example.com');
  assert.equal(me.keyId, cred.keyId);
});

test('request: malformed email is answered locally, before any request', async () => {
  emu.clearRequests();
  assert.throws(() => start('not-an-email'), (e) => e.code === 'EMAIL_INVALID' && e.nextAction.kind === 'fix_input');
  assert.throws(() => start('   '), (e) => e.code === 'EMAIL_REQUIRED');
  assert.equal(emu.requests.length, 0);
});

test('request: 500 internal → INTERNAL with retry', async () => {
  await fetch(`${emu.url}/__keymint/scripto/fail-next`, { method: 'POST', body: JSON.stringify({ route: 'request' }) });
  const e = await rejects(start('fail@example.com').requestCode(), 'INTERNAL');
  assert.equal(e.status, 500);
  assert.equal(e.providerCode, 'internal');
  assert.equal(e.nextAction.kind, 'retry');
});

test('complete: wrong code → OTP_INVALID with Scripto nextAction verbatim', async () => {
  const flow = start('wrong@example.com');
  await flow.requestCode();
  const good = emu.outbox('wrong@example.com');
  const bad = good === '000000' ? '111111' : '000000';
  const e = await rejects(flow.submitCode(bad), 'OTP_INVALID');
  assert.equal(e.status, 400);
  assert.equal(e.providerCode, 'invalid-argument');
  assert.equal(e.nextAction.text, 'request a new code with: scripto auth login-request');
  assert.equal(e.nextAction.command, 'scripto auth login-request --email wrong@example.com');
  // The flow stays usable: the right code still works.
  assert.match((await flow.submitCode(good)).apiKey.reveal(), /^scripto_/);
});

test('complete: expired code (emulator clock +601 s) → OTP_INVALID from the server', async () => {
  const flow = start('late@example.com');
  await flow.requestCode();
  emu.advance(601);
  await rejects(flow.submitCode(emu.outbox('late@example.com')), 'OTP_INVALID');
});

test('complete: past the saved expiry → OTP_EXPIRED locally, no request', async () => {
  let now = Date.now();
  const flow = start('clock@example.com', { clock: () => now });
  await flow.requestCode();
  now += 601_000;
  emu.clearRequests();
  await rejects(flow.submitCode('123456'), 'OTP_EXPIRED');
  assert.equal(emu.requests.length, 0);
});

test('complete: 500 internal → INTERNAL; the same code then succeeds', async () => {
  const flow = start('mint@example.com');
  await flow.requestCode();
  await fetch(`${emu.url}/__keymint/scripto/fail-next`, { method: 'POST', body: JSON.stringify({ route: 'complete' }) });
  await rejects(flow.submitCode(emu.outbox('mint@example.com')), 'INTERNAL');
  assert.ok(await flow.submitCode(emu.outbox('mint@example.com')));
});

test('whoami: unknown key → UNAUTHENTICATED, sign_in_again', async () => {
  const e = await rejects(keymint.whoami({ provider: 'scripto', baseUrl: emu.url, apiKey: 'scripto_nope' }), 'UNAUTHENTICATED');
  assert.equal(e.status, 401);
  assert.equal(e.nextAction.kind, 'sign_in_again');
});

test('a flow saved in this process completes in another', async () => {
  const flow = start('twoproc@example.com');
  await flow.requestCode();
  // Async: the emulator lives in this process and must keep answering.
  const { stdout: out } = await promisify(execFile)(process.execPath, [
    new URL('./fixtures/complete-saved.mjs', import.meta.url).pathname,
    JSON.stringify(flow),
    emu.outbox('twoproc@example.com'),
  ], { encoding: 'utf8' });
  const result = JSON.parse(out);
  assert.equal(result.ok, true);
  assert.match(result.masked, /^scripto_••••••••/);
});

test('a tampered or unknown-version document is refused clearly', () => {
  const flow = start('tamper@example.com');
  const doc = JSON.stringify(flow);
  assert.throws(() => keymint.resume(doc.replace('tamper@', 'other@')), (e) => e.code === 'INVALID_STATE' && /altered/.test(e.message));
  assert.throws(() => keymint.resume(doc.replace('"v":1', '"v":2')), (e) => e.code === 'INVALID_STATE' && /version/.test(e.message));
  assert.throws(() => keymint.resume('{not json'), (e) => e.code === 'INVALID_STATE');
});

test('CommonJS require works and shares the API', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('../dist/keymint.cjs');
  assert.equal(typeof cjs.start, 'function');
  assert.equal(typeof cjs.isKeymintError, 'function');
  assert.throws(() => cjs.start({ provider: 'scripto', email: 'x' }), (e) => cjs.isKeymintError(e) && e.code === 'EMAIL_INVALID');
});

test('an injected fetch is used instead of the global one', async () => {
  const calls = [];
  const fetchSpy = (url, init) => { calls.push(url); return fetch(url, init); };
  const flow = start('inject@example.com', { fetch: fetchSpy });
  await flow.requestCode();
  assert.deepEqual(calls, [`${emu.url}/api/cli/login-request`]);
});

test('http:// to a non-loopback host is refused (INSECURE_URL)', () => {
  assert.throws(() => keymint.start({ provider: 'scripto', baseUrl: 'http://example.com', email: 'a@b.co' }), (e) => e.code === 'INSECURE_URL');
});
