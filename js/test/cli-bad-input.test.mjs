// The bad-input matrix at the CLI: every input gets its documented code and exit
// code, in both output modes, no request reaches the backend and nothing is written.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { BIN, cliSuite, run, envelope } from './fixtures/cli-helpers.mjs';

const suite = cliSuite();
let h;
before(async () => {
  h = await suite.home();
});

const codika = (args) => run(BIN.codika, args, { env: h.env({ CODIKA_BASE_URL: suite.emu.url }) });

/** Runs `args` in both modes and checks code, exit code, no request, no file. */
async function refused(args, code, exit) {
  const before = suite.emu.requests.length;
  const [human, json] = await Promise.all([codika(args), codika([...args, '--json'])]);
  assert.equal(json.code, exit, `${args.join(' ')}: ${json.stdout}${json.stderr}`);
  assert.equal(human.code, exit, human.stderr);
  assert.equal(envelope(json).success, false);
  assert.equal(envelope(json).error.code, code, json.stdout);
  assert.match(human.stderr, new RegExp(`\\(${code}\\)`));
  assert.equal(suite.emu.requests.length, before, 'no request reached the backend');
  assert.equal(existsSync(h.config('codika')), false, 'nothing was written');
}

const sixDigits = '123456';
const rows = [
  ['empty email', ['auth', 'signup-request', '--email', ''], 'EMAIL_REQUIRED', 2],
  ['blank email', ['auth', 'signup-request', '--email', '   '], 'EMAIL_REQUIRED', 2],
  ['malformed email', ['auth', 'login-request', '--email', 'not-an-email'], 'EMAIL_INVALID', 2],
  ['overlong email', ['auth', 'login-request', '--email', `${'a'.repeat(250)}@example.com`], 'EMAIL_INVALID', 2],
  ['code with letters', ['auth', 'signup-complete', '--email', 'a@example.com', '--code', '12a456'], 'OTP_INVALID', 3],
  ['5-digit code', ['auth', 'signup-complete', '--email', 'a@example.com', '--code', '12345'], 'OTP_INVALID', 3],
  ['7-digit code', ['auth', 'signup-complete', '--email', 'a@example.com', '--code', '1234567'], 'OTP_INVALID', 3],
  ['company of 101 characters', ['auth', 'signup-complete', '--email', 'a@example.com', '--code', sixDigits, '--company', 'a'.repeat(101)], 'COMPANY_NAME_TOO_LONG', 2],
  ['company of 101 multi-byte characters', ['auth', 'signup-complete', '--email', 'a@example.com', '--code', sixDigits, '--company', 'é'.repeat(101)], 'COMPANY_NAME_TOO_LONG', 2],
  ['key lifetime 0', ['auth', 'signup-complete', '--email', 'a@example.com', '--code', sixDigits, '--key-expires-in', '0'], 'INVALID_EXPIRES_IN_DAYS', 2],
  ['key lifetime 366', ['auth', 'signup-complete', '--email', 'a@example.com', '--code', sixDigits, '--key-expires-in', '366'], 'INVALID_EXPIRES_IN_DAYS', 2],
  ['key lifetime abc', ['auth', 'signup-complete', '--email', 'a@example.com', '--code', sixDigits, '--key-expires-in', 'abc'], 'INVALID_EXPIRES_IN_DAYS', 2],
  ['unknown flag', ['auth', 'login-request', '--email', 'a@example.com', '--bogus'], 'USAGE', 2],
  ['missing value', ['auth', 'login-request', '--email'], 'USAGE', 2],
];

describe('bad input at the CLI', { concurrency: true }, () => {
  for (const [name, args, code, exit] of rows) {
    test(`${name} → ${code}, exit ${exit}`, () => refused(args, code, exit));
  }
});

test('the boundaries pass: a 100-character multi-byte company, lifetimes 1 and 365, a unicode email, a spaced code', async () => {
  for (const [email, extra] of [
    ['b1@example.com', ['--company', 'é'.repeat(100), '--key-expires-in', '1']],
    ['b365@example.com', ['--key-expires-in', '365']],
    ['ünï@exämple.com', []],
  ]) {
    assert.equal((await codika(['auth', 'signup-request', '--email', email])).code, 0);
    const code = suite.emu.outbox(email);
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    const r = await codika(['auth', 'signup-complete', '--email', email, '--code', spaced, ...extra, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
});
