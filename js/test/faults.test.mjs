// Transport faults, each produced by the emulator's fault routes: every one is a
// typed error with a `retry` next action, and the flow stays resumable. A lost
// completion never silently loses a key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as keymint from '../dist/keymint.mjs';
import { startEmulator } from '../src/emulator/index.mjs';
import { keymintRejection } from './fixtures/rejection.mjs';

const REQUEST = '/api/cli/login-request';
const COMPLETE = '/api/cli/login-complete';
let emu;
before(async () => { emu = await startEmulator({ port: 0 }); });
after(() => emu.close());

const start = (email, extra = {}) => keymint.start({ provider: 'scripto', baseUrl: emu.url, email, ...extra });

const failure = (promise) => keymintRejection(promise);

async function sentFlow(email, extra) {
  const flow = start(email, extra);
  await flow.requestCode();
  return flow;
}

const cases = [
  ['connection reset mid-body', 'reset', 'NETWORK_ERROR'],
  ['HTTP 502 with an HTML body', 'html502', 'INTERNAL'],
  ['truncated JSON', 'truncate', 'BAD_RESPONSE'],
  ['a 10 MiB body (reading stops at 1 MiB)', 'huge', 'BAD_RESPONSE'],
  ['a wrong content type', 'wrong-type', 'BAD_RESPONSE'],
];

for (const [name, kind, code] of cases) {
  test(`request-code fault: ${name} → ${code}, retry, resumable`, async () => {
    const flow = start(`${kind}@example.com`);
    emu.fault({ path: REQUEST, kind });
    const e = await failure(flow.requestCode());
    assert.equal(e.code, code, e.message);
    assert.equal(e.nextAction.kind, 'retry');
    assert.equal(e.exitCode, 6);
    assert.equal(flow.phase, 'ready');
    await flow.requestCode(); // the same flow simply goes on
    assert.equal(flow.phase, 'code_sent');
  });
}

test('connection refused → NETWORK_ERROR, retry', async () => {
  const server = http.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  const flow = keymint.start({ provider: 'scripto', baseUrl: `http://127.0.0.1:${port}`, email: 'refused@example.com' });
  const e = await failure(flow.requestCode());
  assert.equal(e.code, 'NETWORK_ERROR');
  assert.equal(e.nextAction.kind, 'retry');
  assert.equal(flow.phase, 'ready');
});

test('timeout (configurable) → TIMEOUT, retry', async () => {
  const flow = start('slow@example.com', { timeoutMs: 200 });
  emu.fault({ path: REQUEST, kind: 'hang' });
  const e = await failure(flow.requestCode());
  assert.equal(e.code, 'TIMEOUT');
  assert.equal(e.nextAction.kind, 'retry');
});

test("the caller's AbortSignal is honoured", async () => {
  const ctrl = new AbortController();
  const flow = start('abort@example.com', { signal: ctrl.signal });
  emu.fault({ path: REQUEST, kind: 'hang' });
  const pending = flow.requestCode();
  setTimeout(() => ctrl.abort(), 50);
  const e = await failure(pending);
  assert.equal(e.code, 'TIMEOUT');
});

test('a 200 with the key missing → BAD_RESPONSE, and the flow records a key may exist', async () => {
  const flow = await sentFlow('missing@example.com');
  emu.fault({ path: COMPLETE, kind: 'missing-field' });
  const e = await failure(flow.submitCode(emu.outbox('missing@example.com')));
  assert.equal(e.code, 'BAD_RESPONSE');
  assert.equal(e.nextAction.kind, 'retry');
  assert.equal(e.details.keyMayHaveBeenMinted, true);
  assert.equal(flow.keyMayHaveBeenMinted, true);
});

test('a lost completion is retried once with the same Idempotency-Key and the key arrives', async () => {
  const email = 'lost-once@example.com';
  const flow = await sentFlow(email);
  emu.clearRequests();
  emu.fault({ path: COMPLETE, kind: 'reset' });
  const cred = await flow.submitCode(emu.outbox(email));
  const completes = emu.requests.filter((r) => r.path === COMPLETE);
  assert.equal(completes.length, 2);
  const [a, b] = completes.map((r) => r.headers['idempotency-key']);
  assert.ok(a && a === b, 'both attempts carry the same Idempotency-Key');
  const me = await keymint.whoami({ provider: 'scripto', baseUrl: emu.url, apiKey: cred.apiKey });
  assert.equal(me.keyId, cred.keyId);
});

test('two lost answers: NETWORK_ERROR says a key may exist; re-sending the code replays it', async () => {
  const email = 'lost-twice@example.com';
  const flow = await sentFlow(email);
  const code = emu.outbox(email);
  emu.fault({ path: COMPLETE, kind: 'reset', times: 2 });
  const e = await failure(flow.submitCode(code));
  assert.equal(e.code, 'NETWORK_ERROR');
  assert.equal(e.nextAction.kind, 'retry');
  assert.equal(e.details.keyMayHaveBeenMinted, true);
  assert.match(e.nextAction.text, /may have minted a key/);
  // The warning comes first: the text still ends with the command to copy.
  assert.ok(e.nextAction.command && e.nextAction.text.endsWith(e.nextAction.command), e.nextAction.text);
  // The saved flow carries the fact, so another process sees it too.
  const resumed = keymint.resume(JSON.stringify(flow));
  assert.equal(resumed.keyMayHaveBeenMinted, true);
  // Same code, same key: the backend replays the stored answer instead of OTP_ALREADY_USED.
  const cred = await resumed.submitCode(code);
  assert.match(cred.apiKey.reveal(), /^scripto_/);
});

test('credentials never follow a redirect to another origin', async () => {
  let otherHits = 0;
  const other = http.createServer((req, res) => { otherHits++; res.end('{}'); });
  await new Promise((r) => other.listen(0, '127.0.0.1', r));
  const redirector = http.createServer((req, res) => {
    res.writeHead(307, { location: `http://localhost:${other.address().port}${req.url}` });
    res.end();
  });
  await new Promise((r) => redirector.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${redirector.address().port}`;
    const e = await failure(keymint.whoami({ provider: 'scripto', baseUrl: base, apiKey: 'scripto_secretsecretsecret1234' }));
    assert.equal(e.code, 'BAD_RESPONSE');
    assert.match(e.message, /redirected to another origin/);
    assert.equal(otherHits, 0, 'the other origin saw no request');
    assert.ok(!JSON.stringify(e).includes('secretsecret'));
  } finally {
    await new Promise((r) => redirector.close(r));
    await new Promise((r) => other.close(r));
  }
});
