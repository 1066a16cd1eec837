// The Scripto wrapper (examples/scripto-cli, createCli with the Scripto preset) as a child
// process against the emulator: seed 002's transcript line for line, --json envelopes, exit
// codes, the pending flow across processes, config set, and which credential wins.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat, readFile, writeFile } from 'node:fs/promises';
import { startEmulator } from '../src/emulator/index.mjs';
import * as keymint from '../src/index.mjs';
import { BIN, cliSuite, run, envelope, dev } from './fixtures/cli-helpers.mjs';

const suite = cliSuite();

const home = () => suite.home();
const scripto = (h, args, extra = {}, opts = {}) => run(BIN.scripto, args, { env: h.env({ SCRIPTO_BASE_URL: suite.emu.url, ...extra }), ...opts });

/** A key minted in-process (for config set and the precedence tests). */
async function mintKey(email) {
  const flow = keymint.start({ provider: 'scripto', baseUrl: suite.emu.url, email });
  await flow.requestCode();
  const cred = await flow.submitCode(suite.emu.outbox(email));
  return { raw: cred.apiKey.reveal(), keyId: cred.keyId, masked: cred.apiKey.masked };
}

// Seed 002, verbatim: the two commands' output.
const SEED_REQUEST = `✓ Sign-in code sent to you@example.com

  Then run:
    scripto auth login-complete --email you@example.com --code <6-digit-code>
`;
const SEED_COMPLETE = `✓ Signed in

  Email:    you@example.com
  Profile:  you (now active)
  API key:  scripto_••••••••

  Try it:  scripto whoami
`;

// Independent tests (own HOME, own emails): run them side by side.
describe('scripto CLI', { concurrency: true }, () => {
  test('seed 002 transcript, line for line (only the key differs); whoami; 0700/0600', async () => {
    const h = await home();
    const req = await scripto(h, ['auth', 'login-request', '--email', 'you@example.com']);
    assert.equal(req.code, 0, req.stderr);
    assert.equal(req.stdout, SEED_REQUEST);
    assert.equal(req.stderr, '');

    const done = await scripto(h, ['auth', 'login-complete', '--email', 'you@example.com', '--code', suite.emu.outbox('you@example.com')]);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stderr, '');
    const doc = await h.readConfig('scripto');
    const raw = doc.profiles.you.apiKey;
    assert.match(raw, /^scripto_[A-Za-z0-9]{20,}$/);
    assert.ok(!done.stdout.includes(raw), 'the raw key was printed');
    // Our mask shows the last four characters; the seed elides them.
    assert.match(done.stdout, new RegExp(`API key:  scripto_••••••••${raw.slice(-4)}\n`));
    assert.equal(done.stdout.replace(/(scripto_••••••••)\S{4}/, '$1'), SEED_COMPLETE);
    assert.deepEqual(done.stdout.split('\n').length, SEED_COMPLETE.split('\n').length);

    assert.equal(doc.active, 'you');
    assert.deepEqual(doc.pending, {}, 'the pending flow is cleared');
    assert.equal(doc.profiles.you.provider, 'scripto');
    assert.equal(doc.profiles.you.baseUrl, suite.emu.url);
    assert.equal(doc.profiles.you.email, 'you@example.com');
    assert.equal(doc.profiles.you.keyName, 'scripto-cli');
    assert.match(doc.profiles.you.keyId, /^key_/);
    assert.ok(Date.parse(doc.profiles.you.createdAt) > 0);
    assert.equal((await stat(h.config('scripto'))).mode & 0o777, 0o600);
    assert.equal((await stat(`${h.home}/.config/scripto`)).mode & 0o777, 0o700);

    const me = await scripto(h, ['whoami']);
    assert.equal(me.code, 0, me.stderr);
    assert.equal(me.stdout, [
      '✓ Signed in as you@example.com',
      '',
      `  User:     ${doc.profiles.you.user.id}`,
      `  API key:  scripto_••••••••${raw.slice(-4)}  scripto-cli (${doc.profiles.you.keyId})`,
      '  Profile:  you',
      '',
    ].join('\n'));
    assert.ok(!me.stdout.includes(raw));
  });

  test('--json: one envelope on stdout, nothing on stderr, the key masked', async () => {
    const h = await home();
    const email = 'json@example.com';
    const req = await scripto(h, ['auth', 'login-request', '--email', email, '--json']);
    assert.equal(req.code, 0);
    assert.equal(req.stderr, '');
    const r = envelope(req);
    assert.equal(r.success, true);
    assert.equal(r.data.email, email);
    assert.equal(r.data.purpose, 'login');
    assert.ok(Date.parse(r.data.expiresAt) > Date.now());
    assert.equal(r.data.nextAction.command, `scripto auth login-complete --email ${email} --code <6-digit-code>`);
    const pending = (await h.readConfig('scripto')).pending;
    assert.deepEqual(Object.keys(pending), [`scripto|login|${email}`]);
    assert.equal(pending[`scripto|login|${email}`].phase, 'code_sent');

    const done = await scripto(h, ['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email), '--name', 'ci-bot', '--profile-name', 'bot', '--json']);
    assert.equal(done.code, 0);
    assert.equal(done.stderr, '');
    const c = envelope(done);
    const raw = (await h.readConfig('scripto')).profiles.bot.apiKey;
    assert.ok(!done.stdout.includes(raw));
    assert.equal(c.success, true);
    assert.equal(c.data.profile, 'bot');
    assert.equal(c.data.active, true);
    assert.equal(c.data.email, email);
    assert.equal(c.data.keyName, 'ci-bot');
    assert.equal(c.data.apiKey, `scripto_••••••••${raw.slice(-4)}`);
    assert.equal(c.data.configPath, h.config('scripto'));

    const me = await scripto(h, ['whoami', '--json']);
    assert.equal(me.code, 0);
    assert.equal(me.stderr, '');
    const w = envelope(me);
    assert.equal(w.data.email, email);
    assert.equal(w.data.keyName, 'ci-bot');
    assert.deepEqual(w.data.credential, { source: 'profile', profile: 'bot' });
    assert.ok(!me.stdout.includes(raw));
  });

  test('complete works in a fresh process with no pending flow (another machine)', async () => {
    const h = await home();
    const email = 'fresh@example.com';
    await keymint.start({ provider: 'scripto', baseUrl: suite.emu.url, email }).requestCode();
    const done = await scripto(h, ['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email)]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /Profile: {2}fresh \(now active\)/);
  });

  test('failures: exit codes, nextAction verbatim, both output modes', async () => {
    const h = await home();
    const email = 'oops@example.com';
    await scripto(h, ['auth', 'login-request', '--email', email]);

    // Wrong code: exit 3, Scripto's own nextAction text kept verbatim.
    const [wrong, wrongJson] = await Promise.all([
      scripto(h, ['auth', 'login-complete', '--email', email, '--code', '000000']),
      scripto(h, ['auth', 'login-complete', '--email', email, '--code', '000000', '--json']),
    ]);
    assert.equal(wrong.code, 3);
    assert.equal(wrong.stdout, '');
    assert.equal(wrong.stderr, '✗ the code is wrong or has expired (OTP_INVALID)\n  request a new code with: scripto auth login-request\n');
    assert.equal(wrongJson.code, 3);
    assert.equal(wrongJson.stderr, '');
    assert.deepEqual(envelope(wrongJson), {
      success: false,
      error: {
        code: 'OTP_INVALID',
        message: 'the code is wrong or has expired',
        status: 400,
        providerCode: 'invalid-argument',
        nextAction: {
          kind: 'request_new_code',
          text: 'request a new code with: scripto auth login-request',
          command: `scripto auth login-request --email ${email}`,
        },
      },
    });

    // Malformed email: exit 2, answered locally (no request).
    const bad = await scripto(h, ['auth', 'login-request', '--email', 'not-an-email', '--json']);
    assert.equal(bad.code, 2);
    assert.equal(envelope(bad).error.code, 'EMAIL_INVALID');
    assert.equal(suite.emu.requests.filter((r) => r.body.includes('not-an-email')).length, 0);

    // The backend failing (exit 6; its own emulator, as the fault is armed for any next request),
    // nothing listening (exit 6), a refused key (exit 1), no key at all (exit 2).
    const failing = await startEmulator({ port: 0, backends: ['scripto'] });
    await dev(failing, '/__keymint/scripto/fail-next', { route: 'request' });
    const [down, net, unauth, none] = await Promise.all([
      scripto(h, ['auth', 'login-request', '--email', email, '--json'], { SCRIPTO_BASE_URL: failing.url }).finally(() => failing.close()),
      scripto(h, ['auth', 'login-request', '--email', email, '--api-url', 'http://127.0.0.1:9']),
      scripto(h, ['whoami', '--api-key', 'scripto_0000000000000000000000000000', '--json']),
      home().then((other) => scripto(other, ['whoami'])),
    ]);
    assert.equal(down.code, 6);
    assert.equal(envelope(down).error.code, 'INTERNAL');

    // Nothing listening: exit 6, NETWORK_ERROR.
    assert.equal(net.code, 6);
    assert.match(net.stderr, /^✗ .*\(NETWORK_ERROR\)\n/);

    // A key the backend refuses: exit 1, with a sign-in command.
    assert.equal(unauth.code, 1);
    const u = envelope(unauth).error;
    assert.equal(u.code, 'UNAUTHENTICATED');
    assert.equal(u.status, 401);
    assert.match(u.nextAction.text, /scripto auth login-request --email/);
    assert.ok(!unauth.stdout.includes('scripto_0000000000000000000000000000'));

    // Not signed in at all: exit 2.
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^✗ Not signed in: no API key was given and no profile is saved\. \(PROFILE_NOT_FOUND\)\n {2}Sign in with: scripto auth login-request --email <your-email>/);
  });

  test('usage errors: exit 2, code USAGE, in both modes', async () => {
    const h = await home();
    const cases = [
      [['auth', 'login-request'], /Missing --email/],
      [['auth', 'login-request', '--email'], /--email needs a value/],
      [['auth', 'login-request', '--email', 'a@b.co', '--bogus'], /Unknown option --bogus/],
      [['auth', 'login-request', '--email', 'a@b.co', '--company', 'X'], /Unknown option --company for "scripto auth login-request"/],
      [['frobnicate'], /Unknown command "frobnicate"/],
      [['whoami', 'extra'], /Unexpected argument "extra"/],
    ]; // (more cases run in-process in cli-inprocess.test.mjs)
    const results = await Promise.all(cases.flatMap(([args]) => [scripto(h, args), scripto(h, [...args, '--json'])]));
    cases.forEach(([args, pattern], i) => {
      const human = results[2 * i];
      const json = results[2 * i + 1];
      assert.equal(human.code, 2, `${args.join(' ')}: ${human.stderr}`);
      assert.equal(human.stdout, '');
      assert.match(human.stderr, pattern);
      assert.match(human.stderr, /\(USAGE\)/);
      assert.equal(json.code, 2);
      assert.equal(json.stderr, '');
      const e = envelope(json).error;
      assert.equal(e.code, 'USAGE');
      assert.match(e.message, pattern);
      assert.equal(e.nextAction.kind, 'fix_input');
      assert.ok(e.nextAction.command);
    });
    // The missing-value and missing-flag errors say exactly what to run.
    const missing = envelope(results[1]).error;
    assert.equal(missing.nextAction.command, 'scripto auth login-request --email <your-email>');
  });

  test('config set --api-key stores a checked key; a refused key is not stored', async () => {
    const h = await home();
    const k = await mintKey('dash@example.com');
    const set = await scripto(h, ['config', 'set', '--api-key', k.raw]);
    assert.equal(set.code, 0, set.stderr);
    assert.ok(!set.stdout.includes(k.raw));
    assert.equal(set.stdout, [
      '✓ API key saved',
      '',
      '  Email:    dash@example.com',
      '  Profile:  dash (now active)',
      `  API key:  ${k.masked}`,
      '',
      '  Try it:  scripto whoami',
      '',
    ].join('\n'));
    const doc = await h.readConfig('scripto');
    assert.equal(doc.profiles.dash.apiKey, k.raw);
    assert.equal(doc.profiles.dash.keyId, k.keyId);

    const refused = await scripto(h, ['config', 'set', '--api-key', 'scripto_nope000000000000000000000', '--profile', 'bad', '--json']);
    assert.equal(refused.code, 1);
    assert.equal(envelope(refused).error.code, 'UNAUTHENTICATED');
    assert.equal((await h.readConfig('scripto')).profiles.bad, undefined);

    const wrongKind = await scripto(h, ['config', 'set', '--api-key', 'cko_abc']);
    assert.equal(wrongKind.code, 2);
    assert.match(wrongKind.stderr, /not a Scripto key/);
  });

  test('which key: --api-key > SCRIPTO_API_KEY > --profile > the active profile', async () => {
    const h = await home();
    const [a, b, c] = await Promise.all([mintKey('alpha@example.com'), mintKey('bravo@example.com'), mintKey('charlie@example.com')]);
    assert.equal((await scripto(h, ['config', 'set', '--api-key', a.raw])).code, 0); // profile alpha
    assert.equal((await scripto(h, ['config', 'set', '--api-key', c.raw])).code, 0); // profile charlie, now active
    const who = async (args, env) => envelope(await scripto(h, ['whoami', '--json', ...args], env)).data;

    const [active, named, env, flag, human] = await Promise.all([
      who([], {}),
      who(['--profile', 'alpha'], {}),
      who(['--profile', 'alpha'], { SCRIPTO_API_KEY: b.raw }),
      who(['--api-key', c.raw], { SCRIPTO_API_KEY: b.raw }),
      scripto(h, ['whoami'], { SCRIPTO_API_KEY: b.raw }),
    ]);
    assert.equal(active.keyId, c.keyId);
    assert.deepEqual(active.credential, { source: 'profile', profile: 'charlie' });
    assert.equal(named.keyId, a.keyId);
    assert.equal(env.keyId, b.keyId);
    assert.deepEqual(env.credential, { source: 'env', env: 'SCRIPTO_API_KEY' });
    assert.equal(flag.keyId, c.keyId);
    assert.equal(flag.credential.source, 'flag');

    assert.match(human.stdout, /^✓ Signed in as bravo@example.com\n/);
    assert.match(human.stdout, /Key from: {2}SCRIPTO_API_KEY \(environment\)\n/);
    assert.ok(!human.stdout.includes(b.raw));
  });

  test('--help on every command, and --version', async () => {
    const h = await home();
    // Every command's help is checked in-process (cli-inprocess.test.mjs); here, as a child process.
    const commands = [[], ['auth', 'login-request'], ['auth', 'login-complete'], ['profile', 'use']];
    const results = await Promise.all(commands.map((c) => scripto(h, [...c, '--help'])));
    results.forEach((r, i) => {
      assert.equal(r.code, 0, commands[i].join(' '));
      assert.match(r.stdout, new RegExp(`^(Usage: scripto ${commands[i].join(' ')}|scripto — )`));
      assert.equal(r.stderr, '');
    });
    assert.match(results[1].stdout, /--email <email> +The email to sign in with \(required\)/);
    assert.match(results[2].stdout, /--profile-name <name>/);
    const v = await scripto(h, ['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^scripto 0\.1\.0 \(keymint \d+\.\d+\.\d+\)\n$/);
  });
});
