// A person at a terminal, through a pseudo-terminal (`script -qec 'stty cols 80; CMD' /dev/null`
// with typed-ahead input and a timeout): the code prompt, the organization choice, --wait's
// live countdown. And the other side: without a terminal (or with --json) nothing prompts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as keymint from '../src/index.mjs';
import { BIN, cliSuite, run, runTty, envelope, dev } from './fixtures/cli-helpers.mjs';

const suite = cliSuite();
const home = () => suite.home();

// Independent tests (own HOME, own emails): run them side by side.
describe('at a terminal', { concurrency: true }, () => {
  test('the code prompt (Scripto): asked on the terminal, then signed in', async () => {
    const h = await home();
    const env = h.env({ SCRIPTO_BASE_URL: suite.emu.url });
    const email = 'tty@example.com';
    assert.equal((await run(BIN.scripto, ['auth', 'login-request', '--email', email], { env })).code, 0);
    const r = await runTty(BIN.scripto, ['auth', 'login-complete', '--email', email], { env, input: `${suite.emu.outbox(email)}\n` });
    assert.equal(r.code, 0, r.output);
    assert.ok(r.output.includes(`Enter the 6-digit code sent to ${email}: `), r.output);
    assert.match(r.output, /✓ Signed in\n\n {2}Email: {4}tty@example\.com\n {2}Profile: {2}tty \(now active\)\n {2}API key: {2}scripto_••••••••\S{4}\n\n {2}Try it: {2}scripto whoami\n/);
    assert.equal((await h.readConfig('scripto')).active, 'tty');
  });

  test('Codika at a terminal: a mistyped code is asked again, then a numbered organization choice', async () => {
    const h = await home();
    const env = h.env({ CODIKA_BASE_URL: suite.emu.url });
    const email = 'chooser@acme.test';
    await dev(suite.emu, '/__keymint/codika/seed-user', { email, organizations: [{ name: 'Acme' }, { name: 'Beta Corp' }] });
    assert.equal((await run(BIN.codika, ['auth', 'login-request', '--email', email], { env })).code, 0);
    const r = await runTty(BIN.codika, ['auth', 'login-complete', '--email', email], {
      env,
      input: `12345\n${suite.emu.outbox(email)}\n2\n`,
    });
    assert.equal(r.code, 0, r.output);
    assert.ok(r.output.includes('✗ The code must be 6 digits.\n'), r.output);
    assert.equal(r.output.split(`Enter the 6-digit code sent to ${email}: `).length - 1, 2, 'asked twice');
    assert.match(r.output, /This account belongs to 2 organizations:\n {2}1\) Acme {2}\(org_\w+\)\n {2}2\) Beta Corp {2}\(org_\w+\)\nChoose an organization \[1-2\]: /);
    assert.match(r.output, /✓ Signed in\n\n {2}Email: {9}chooser@acme\.test\n {2}Organization: {2}Beta Corp\n {2}Profile: {7}beta-corp \(now active\)\n/);
    const doc = await h.readConfig('codika');
    assert.equal(doc.profiles['beta-corp'].organization.name, 'Beta Corp');
    assert.deepEqual(doc.pending, {});
  });

  test('without a terminal, or with --json, nothing prompts: the code is asked for with exit 2', async () => {
    const h = await home();
    const env = h.env({ SCRIPTO_BASE_URL: suite.emu.url });
    // stdin left open: a prompt would hang until the timeout.
    const piped = await run(BIN.scripto, ['auth', 'login-complete', '--email', 'np@example.com'], { env, closeStdin: false, timeout: 30000 });
    assert.equal(piped.signal, null, 'it waited for input');
    assert.equal(piped.code, 2);
    assert.match(piped.stderr, /^✗ Missing --code: .*\(USAGE\)\n {2}Pass --code <6-digit-code>: scripto auth login-complete --email np@example\.com --code <6-digit-code>\n$/);
    const json = await runTty(BIN.scripto, ['auth', 'login-complete', '--email', 'np@example.com', '--json'], { env, input: '123456\n', timeout: 30000 });
    assert.equal(json.code, 2, json.output);
    assert.ok(!json.output.includes('Enter the 6-digit code'));
    assert.match(json.output, /"code": "USAGE"/);
  });

  test('Ctrl-D at the prompt: a usage error, not a hang', async () => {
    const h = await home();
    const r = await runTty(BIN.scripto, ['auth', 'login-complete', '--email', 'eof@example.com'], {
      env: h.env({ SCRIPTO_BASE_URL: suite.emu.url }),
      input: '\x04',
      timeout: 30000,
    });
    assert.equal(r.code, 2, r.output);
    assert.match(r.output, /No answer was entered/);
  });

  /**
   * An emulator whose frozen clock is far behind ours, with a code just sent to `email` and its
   * clock moved on to 2 s before the resend cooldown ends: the CLI hears "wait 2 s" from the
   * backend itself, and every time it computes locally is already past. The test moves the
   * emulator's clock on once the CLI says it is waiting, so the retry gets through.
   */
  async function coolingDown(email) {
    const e = await suite.emulator({ frozenAt: Date.now() - 120_000 });
    await keymint.start({ provider: 'codika', baseUrl: e.url, email, purpose: 'signup' }).requestCode();
    e.advance(28);
    let moved = false;
    const onWaiting = (out) => {
      if (!moved && out.includes('Waiting')) {
        moved = true;
        e.advance(2);
      }
    };
    return { e, onWaiting };
  }

  test('--wait at a terminal: a live countdown, then the code is sent', async () => {
    const h = await home();
    const email = 'waiter@acme.test';
    const { e, onWaiting } = await coolingDown(email);
    const started = Date.now();
    const r = await runTty(BIN.codika, ['auth', 'signup-request', '--email', email, '--wait'], {
      env: h.env({ CODIKA_BASE_URL: e.url }),
      timeout: 30000,
      onOutput: onWaiting,
    });
    assert.equal(r.code, 0, r.output);
    assert.ok(Date.now() - started >= 1500, 'it waited');
    assert.match(r.output, /Waiting 2 s before sending a new code \(OTP_RESEND_COOLDOWN\)…/);
    assert.ok(r.raw.includes('\r\x1b[2KWaiting 2 s'), 'the countdown is a live line');
    assert.ok(r.raw.includes('…\r\x1b[2K'), 'cleared when done');
    assert.match(r.output, /✓ Sign-up code sent to waiter@acme\.test\n/);
    assert.equal(e.messages(email).length, 2);
  });

  test('--wait without a terminal: one note on stderr, then sent; without --wait: exit 4 at once', async () => {
    const h = await home();
    const email = 'batch@acme.test';
    const { e, onWaiting } = await coolingDown(email);
    const env = h.env({ CODIKA_BASE_URL: e.url });
    const now = await run(BIN.codika, ['auth', 'signup-request', '--email', email, '--json'], { env });
    assert.equal(now.code, 4);
    assert.equal(envelope(now).error.code, 'OTP_RESEND_COOLDOWN');
    assert.equal(envelope(now).error.nextAction.retryAfterSeconds, 2);
    const r = await run(BIN.codika, ['auth', 'signup-request', '--email', email, '--wait'], { env, timeout: 30000, onStderr: onWaiting });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'Waiting 2 s before sending a new code (OTP_RESEND_COOLDOWN)…\n');
    assert.match(r.stdout, /^✓ Sign-up code sent to batch@acme\.test\n/);
    assert.equal(e.messages(email).length, 2);
  });
});
