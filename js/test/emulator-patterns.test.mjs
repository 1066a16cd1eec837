// Spec version 2 against the emulator's `patterns` backend (src/emulator/backends/patterns.mjs):
// one server shape per pattern of issue 16, each described only by a spec in
// fixtures/patterns/ — a value carried into the confirm's body and header, success on a 401,
// errors in arrays / field-keyed message lists / a bare status, an XXXX-XXXX code, whoami by
// POST and refresh by header, field names per purpose, and JWT / session-token credentials.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as keymint from '../dist/keymint.mjs';
import { start as startEmu } from './fixtures/emulator-http.mjs';
import { BIN, cliSuite, run, envelope } from './fixtures/cli-helpers.mjs';
import { keymintRejection } from './fixtures/rejection.mjs';

const load = (name) => JSON.parse(readFileSync(new URL(`./fixtures/patterns/${name}.json`, import.meta.url), 'utf8'));
const refused = async (promise, code, next) => {
  const err = await keymintRejection(promise);
  assert.equal(err.code, code, err.message);
  if (next) assert.equal(err.nextAction.kind, next);
  return err;
};
/** An emulator on a frozen clock; `clock` follows it so local expiry matches the server's. */
async function setup(t, name) {
  const emu = await startEmu(t, { backends: ['patterns'] });
  const spec = load(name);
  const opts = { provider: spec, baseUrl: emu.url, clock: () => emu.now() };
  return { emu, spec, opts, start: (email, extra = {}) => keymint.start({ ...opts, email, ...extra }) };
}

describe('pending: a 401 that means "code sent", values carried into body and header, a JWT', () => {
  test('sign-in across two processes, whoami by POST, refresh by header', async (t) => {
    const { emu, opts, start } = await setup(t, 'pending');
    const flow = start('ada@example.com');
    await flow.requestCode();
    const saved = JSON.parse(JSON.stringify(flow));
    assert.match(saved.carried.flow, /^pf_/);
    const cred = await keymint.resume(saved, { clock: opts.clock }).submitCode(emu.outbox('ada@example.com'));
    const confirm = emu.requests.at(-1);
    assert.equal(JSON.parse(confirm.body).flow_id, saved.carried.flow);
    assert.equal(confirm.headers.authorization, `Bearer ${saved.carried.session}`);
    assert.equal(cred.kind, 'jwt');
    assert.equal(Date.parse(cred.expiresAt), emu.now() - (emu.now() % 1000) + 3_600_000);
    assert.equal(cred.user.email, 'ada@example.com');
    const me = await keymint.whoami({ ...opts, apiKey: cred.apiKey });
    assert.equal(me.email, 'ada@example.com');
    assert.equal(emu.requests.at(-1).method, 'POST');
    const fresh = await keymint.refreshToken({ ...opts, apiKey: cred.apiKey });
    assert.equal(emu.requests.at(-1).headers['x-session-token'], cred.apiKey.reveal());
    assert.equal(fresh.kind, 'jwt');
    await refused(keymint.whoami({ ...opts, apiKey: 'nope' }), 'UNAUTHENTICATED');
  });

  test('errors from an array: wrong code with attempts left, then the lockout', async (t) => {
    const { emu, start } = await setup(t, 'pending');
    const flow = start('bo@example.com');
    await flow.requestCode();
    const right = emu.outbox('bo@example.com');
    const wrong = right === '000000' ? '111111' : '000000';
    const e = await refused(flow.submitCode(wrong), 'OTP_INVALID', 'retry_code');
    assert.equal(e.providerCode, 'incorrect_code');
    assert.equal(e.details.attemptsRemaining, 2);
    await refused(flow.submitCode(wrong), 'OTP_INVALID', 'retry_code');
    await refused(flow.submitCode(wrong), 'OTP_LOCKED_OUT', 'request_new_code');
  });

  test('expiry is answered locally; a confirm with no code requested sends nothing', async (t) => {
    const { emu, start } = await setup(t, 'pending');
    const flow = start('cy@example.com');
    await flow.requestCode();
    emu.advance(301);
    await refused(flow.submitCode(emu.outbox('cy@example.com')), 'OTP_EXPIRED', 'request_new_code');
    const before = emu.requests.length;
    await refused(start('cy@example.com').submitCode('123456'), 'OTP_NOT_FOUND', 'request_new_code');
    assert.equal(emu.requests.length, before);
  });
});

describe('django: XXXX-XXXX codes, field-keyed message lists, a bare status', () => {
  test('the code typed in lower case without its dash is sent as the server wants it', async (t) => {
    const { emu, start } = await setup(t, 'django');
    const flow = start('di@example.com');
    await flow.requestCode();
    const code = emu.outbox('di@example.com');
    assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    const local = await refused(flow.submitCode('123456'), 'OTP_INVALID');
    assert.equal(local.message, 'The code must be 8 letters or digits, as XXXX-XXXX.');
    const cred = await flow.submitCode(code.replace('-', ' ').toLowerCase());
    assert.equal(JSON.parse(emu.requests.at(-1).body).token, code);
    assert.equal(cred.kind, 'sessionToken');
    assert.equal(cred.expiresAt, null);
    const me = await keymint.whoami({ provider: load('django'), baseUrl: emu.url, apiKey: cred.apiKey });
    assert.equal(me.email, 'di@example.com');
  });

  test('a wrong code by its message, an expired one by a bare 409, a throttle by status', async (t) => {
    const { emu, start, opts } = await setup(t, 'django');
    const flow = start('ed@example.com');
    await flow.requestCode();
    const e = await refused(flow.submitCode('AAAA-AAAA'), 'OTP_INVALID');
    assert.equal(e.message, "The token you entered isn't valid.");
    await refused(start('ed@example.com').requestCode(), 'RATE_LIMITED', 'wait');
    // The server's lifetime passes while keymint's clock does not (a clock skew): the 409.
    const skewed = keymint.resume(JSON.parse(JSON.stringify(flow)), { clock: () => opts.clock() - 400_000 });
    emu.advance(301);
    const gone = await refused(skewed.submitCode(emu.outbox('ed@example.com')), 'OTP_EXPIRED', 'request_new_code');
    assert.equal(gone.providerCode, '409');
  });
});

describe('purposes: sign-up names the code `key`, sign-in `code`', () => {
  test('auto: sign-up first, then sign-in for the same email', async (t) => {
    const { emu, start } = await setup(t, 'purposes');
    const up = start('fa@example.com');
    assert.equal(up.purpose, 'signup');
    await up.requestCode();
    const cred = await up.submitCode(emu.outbox('fa@example.com'));
    assert.ok(JSON.parse(emu.requests.at(-1).body).key);
    assert.equal(cred.accountCreated, true);
    assert.equal(cred.kind, 'sessionToken');
    // The account exists now: sign-up is refused and the flow switches to sign-in.
    const again = start('fa@example.com');
    const sent = await again.requestCode();
    assert.equal(sent.purpose, 'login');
    assert.equal(sent.switchedFrom, 'signup');
    const second = await again.submitCode(emu.outbox('fa@example.com'));
    assert.ok(JSON.parse(emu.requests.at(-1).body).code);
    assert.equal(second.accountCreated, false);
  });
});

describe('the keymint CLI with a v2 spec file', () => {
  const suite = cliSuite();
  const file = (name) => new URL(`./fixtures/patterns/${name}.json`, import.meta.url).pathname;
  const km = (h, emu, name, args) => run(BIN.keymint, ['--provider', file(name), '--base-url', emu.url, ...args], { env: h.env({}), cwd: h.home });

  test('purposes: signup-request / signup-complete, and --purpose signup on login-request', async (t) => {
    const emu = await startEmu(t, { backends: ['patterns'], frozenAt: undefined });
    const h = await suite.home();
    const req = await km(h, emu, 'purposes', ['auth', 'signup-request', '--email', 'ga@example.com', '--json']);
    assert.equal(req.code, 0, req.stdout + req.stderr);
    const done = await km(h, emu, 'purposes', ['auth', 'signup-complete', '--email', 'ga@example.com', '--code', emu.outbox('ga@example.com')]);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.match(done.stdout, /Session token/);
    assert.doesNotMatch(done.stdout, /Try it/, 'the spec has no whoami');
    const h2 = await suite.home();
    const other = await km(h2, emu, 'purposes', ['auth', 'login-request', '--purpose', 'signup', '--email', 'gb@example.com', '--json']);
    assert.equal(other.code, 0, other.stdout + other.stderr);
    assert.equal(envelope(other).data.purpose, 'signup');
    const fin = await km(h2, emu, 'purposes', ['auth', 'login-complete', '--purpose', 'signup', '--email', 'gb@example.com', '--code', emu.outbox('gb@example.com'), '--json']);
    assert.equal(fin.code, 0, fin.stdout + fin.stderr);
    assert.ok(JSON.parse(emu.requests.at(-1).body).key);
  });

  test('django: the code hint and a refused code name the XXXX-XXXX format', async (t) => {
    const emu = await startEmu(t, { backends: ['patterns'], frozenAt: undefined });
    const h = await suite.home();
    const req = await km(h, emu, 'django', ['auth', 'login-request', '--email', 'ha@example.com', '--json']);
    assert.equal(req.code, 0, req.stdout + req.stderr);
    assert.equal(envelope(req).data.codeLength, 8);
    assert.match(envelope(req).data.nextAction.command, /<code XXXX-XXXX>/);
    const bad = await km(h, emu, 'django', ['auth', 'login-complete', '--email', 'ha@example.com', '--code', '123456', '--json']);
    assert.equal(bad.code, 3);
    assert.equal(envelope(bad).error.message, 'The code must be 8 letters or digits, as XXXX-XXXX.');
    assert.match(envelope(bad).error.nextAction.text, /8 letters or digits, as XXXX-XXXX/);
    const ok = await km(h, emu, 'django', ['auth', 'login-complete', '--email', 'ha@example.com', '--code', emu.outbox('ha@example.com').toLowerCase()]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /Session token/);
  });
});
