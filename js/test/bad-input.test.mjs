// The bad-input matrix at the API: each input gets its documented code and exit
// code, is answered locally, and sends nothing (the emulator sees no request).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as keymint from '../dist/keymint.mjs';
import { startEmulator } from '../src/emulator/index.mjs';
import { rejectsWithCode, keymintRejection } from './fixtures/rejection.mjs';

let emu;
before(async () => { emu = await startEmulator({ port: 0 }); });
after(() => emu.close());
beforeEach(() => emu.clearRequests());

const codika = (email, extra = {}) => keymint.start({ provider: 'codika', baseUrl: emu.url, email, program: 'codika', ...extra });

function refused(fn, code, exitCode) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(keymint.isKeymintError(err), `expected ${code}, got ${err}`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.exitCode, exitCode);
  assert.equal(err.details?.local, true);
  return err;
}

async function refusedAsync(promise, code, exitCode) {
  const e = await rejectsWithCode(promise, code);
  assert.equal(e.exitCode, exitCode);
  assert.equal(e.details?.local, true);
  return e;
}

test('emails: empty, blank, malformed, overlong → EMAIL_REQUIRED / EMAIL_INVALID (exit 2)', () => {
  const rows = [
    ['', 'EMAIL_REQUIRED'],
    ['   ', 'EMAIL_REQUIRED'],
    ['\t\n', 'EMAIL_REQUIRED'],
    ['no-at-sign', 'EMAIL_INVALID'],
    ['two@@example.com', 'EMAIL_INVALID'],
    ['sp ace@example.com', 'EMAIL_INVALID'],
    ['nodot@localhost', 'EMAIL_INVALID'],
    [`${'a'.repeat(250)}@example.com`, 'EMAIL_INVALID'],
  ];
  for (const [email, code] of rows) {
    const e = refused(() => codika(email), code, 2);
    assert.equal(e.nextAction.kind, 'fix_input');
    assert.equal(e.nextAction.field, 'email');
  }
  assert.equal(emu.requests.length, 0);
});

test('a unicode email is accepted (RFC 6531) and reaches the backend', async () => {
  const flow = codika('ünïcode@exämple.com', { purpose: 'signup' });
  await flow.requestCode();
  assert.equal(emu.requests.length, 1);
});

test('codes: letters, 5 or 7 digits → OTP_INVALID locally (exit 3); inner spaces and dashes are fine', async () => {
  const flow = codika('codes@example.com', { purpose: 'signup' });
  await flow.requestCode();
  emu.clearRequests();
  for (const code of ['12a456', '12345', '1234567', '', '１２３４５６']) {
    const e = await refusedAsync(flow.submitCode(code), 'OTP_INVALID', 3);
    assert.equal(e.nextAction.kind, 'fix_input');
  }
  assert.equal(emu.requests.length, 0);
  const good = emu.outbox('codes@example.com');
  const spaced = `${good.slice(0, 3)} ${good.slice(3)}`;
  const cred = await flow.submitCode(spaced);
  assert.match(cred.apiKey.reveal(), /^cko_/);
});

test('company names: exactly 100 characters (multi-byte) pass, 101 → COMPANY_NAME_TOO_LONG (exit 2)', async () => {
  const flow = codika('company@example.com', { purpose: 'signup' });
  await flow.requestCode();
  emu.clearRequests();
  for (const name of ['é'.repeat(101), 'a'.repeat(101), '🙂'.repeat(101)]) {
    const e = await refusedAsync(flow.submitCode('123456', { companyName: name }), 'COMPANY_NAME_TOO_LONG', 2);
    assert.equal(e.nextAction.field, 'companyName');
  }
  assert.equal(emu.requests.length, 0);
  const cred = await flow.submitCode(emu.outbox('company@example.com'), { companyName: '🙂'.repeat(100) });
  assert.equal(cred.organization.name, '🙂'.repeat(100));
});

test('key lifetimes: 0, 366, abc → INVALID_EXPIRES_IN_DAYS (exit 2); 1 and 365 pass', async () => {
  const flow = codika('lifetime@example.com', { purpose: 'signup' });
  await flow.requestCode();
  emu.clearRequests();
  for (const days of [0, 366, 'abc', -1, 1.5]) {
    const e = await refusedAsync(flow.submitCode('123456', { keyExpiresInDays: days }), 'INVALID_EXPIRES_IN_DAYS', 2);
    assert.equal(e.nextAction.field, 'keyExpiresInDays');
  }
  assert.equal(emu.requests.length, 0);
  for (const days of [1, 365]) {
    assert.doesNotThrow(() => codika('x@example.com', { options: { keyExpiresInDays: days } }));
  }
  refused(() => codika('x@example.com', { options: { keyExpiresInDays: 366 } }), 'INVALID_EXPIRES_IN_DAYS', 2);
});

test('an unknown provider or purpose is a clear input error', () => {
  refused(() => keymint.start({ provider: 'nope', email: 'a@b.co' }), 'INVALID_PROVIDER', 2);
  refused(() => codika('a@b.co', { purpose: 'sideways' }), 'INVALID_PURPOSE', 2);
});

test('no config at all: the core names what is missing, as for an empty one (no TypeError from the call)', async () => {
  const sessions = await import('../dist/sessions.mjs');
  for (const missing of [undefined, null]) {
    refused(() => keymint.start(missing), 'INVALID_PROVIDER', 2);
    for (const [name, f] of [
      ['whoami', () => keymint.whoami(missing)],
      ['refreshToken', () => keymint.refreshToken(missing)],
      ['passwordLogin', () => sessions.passwordLogin(missing)],
      ['deviceLogin', () => sessions.deviceLogin(missing)],
      ['authorize', () => sessions.authorize(missing)],
    ]) {
      const e = await keymintRejection(Promise.resolve().then(f), `${name}(${missing}): a KeymintError`);
      assert.equal(e.code, 'INVALID_PROVIDER', `${name}(${missing}): ${e.message}`);
    }
    // The session client and profile take options a program builds: a TypeError that says which.
    assert.throws(() => sessions.createClient(missing), { name: 'TypeError', message: 'createClient needs a provider' });
    assert.throws(() => sessions.sessionProfile(missing), { name: 'TypeError', message: 'sessionProfile needs a session credential' });
  }
  assert.equal(emu.requests.length, 0);
});
