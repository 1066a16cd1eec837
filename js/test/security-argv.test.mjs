// Issue 14 item 6: secrets off the command line (other local users read argv with `ps`).
// --code-stdin / <PREFIX>_CODE for the one-time code; --api-key-stdin / <PREFIX>_API_KEY for
// the API key (whoami and config set); an --api-key on argv still works but warns: one `! …`
// line on stderr in human mode, a `warnings` entry in the --json data (stderr silent).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as keymint from '../src/index.mjs';
import { BIN, cliSuite, run, envelope, assertNoSecrets } from './fixtures/cli-helpers.mjs';

const suite = cliSuite();
const exitOf = (code) => keymint.codeTable().find((r) => r.code === code).exitCode;
const WARNING = '! --api-key puts the key in the process list, where other users of this machine can read it; use --api-key-stdin or SCRIPTO_API_KEY instead.\n';

/** Request a code in-process; the CLI completes it. */
async function codeFor(email) {
  await keymint.start({ provider: 'scripto', baseUrl: suite.emu.url, email }).requestCode();
  return suite.emu.outbox(email);
}

/** A key minted in-process (never through a CLI's argv). */
async function keyFor(email) {
  const cred = await keymint.start({ provider: 'scripto', baseUrl: suite.emu.url, email }).submitCode(await codeFor(email));
  return cred.apiKey.reveal();
}

describe('item 6: secrets off argv', { concurrency: true }, () => {
  test('--code-stdin and SCRIPTO_CODE complete a sign-in with no code on the command line', async () => {
    const h = await suite.home();
    const scripto = (args, o = {}) => run(BIN.scripto, args, { env: h.env({ SCRIPTO_BASE_URL: suite.emu.url, ...o.env }), input: o.input });
    const viaStdin = await scripto(['auth', 'login-complete', '--email', 'cs@example.com', '--code-stdin', '--json'], { input: `\n${await codeFor('cs@example.com')}\n` });
    assert.equal(viaStdin.code, 0, viaStdin.stdout);
    assert.equal(viaStdin.stderr, '');
    assert.equal(envelope(viaStdin).data.profile, 'cs');

    const viaEnv = await scripto(['auth', 'login-complete', '--email', 'ce@example.com'], { env: { SCRIPTO_CODE: await codeFor('ce@example.com') } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(viaEnv.stderr, '');
    assert.match(viaEnv.stdout, /^✓ Signed in\n/);

    // --code wins over the environment.
    const code = await codeFor('cw@example.com');
    const flagWins = await scripto(['auth', 'login-complete', '--email', 'cw@example.com', '--code', code, '--json'], { env: { SCRIPTO_CODE: '000000' } });
    assert.equal(flagWins.code, 0, flagWins.stdout);
    const doc = await h.readConfig('scripto');
    assert.deepEqual(Object.keys(doc.profiles).sort(), ['ce', 'cs', 'cw']);
  });

  test('--api-key-stdin for whoami and config set: no warning; SCRIPTO_API_KEY works for config set too', async () => {
    const h = await suite.home();
    const scripto = (args, o = {}) => run(BIN.scripto, args, { env: h.env({ SCRIPTO_BASE_URL: suite.emu.url, ...o.env }), input: o.input });
    const key = await keyFor('ks@example.com');
    const who = await scripto(['whoami', '--api-key-stdin'], { input: `${key}\n` });
    assert.equal(who.code, 0, who.stderr);
    assert.equal(who.stderr, '');
    assert.match(who.stdout, /^✓ Signed in as ks@example\.com\n/);

    const set = await scripto(['config', 'set', '--api-key-stdin', '--json'], { input: `${key}\n# a comment line after the key is ignored\n` });
    assert.equal(set.code, 0, set.stdout);
    assert.equal(set.stderr, '');
    assert.equal(envelope(set).data.warnings, undefined);
    assert.equal((await h.readConfig('scripto')).profiles.ks.apiKey, key);

    const key2 = await keyFor('ke@example.com');
    const fromEnv = await scripto(['config', 'set', '--json'], { env: { SCRIPTO_API_KEY: key2 } });
    assert.equal(fromEnv.code, 0, fromEnv.stdout);
    assert.equal((await h.readConfig('scripto')).profiles.ke.apiKey, key2);

    // The generic bin has them too.
    const km = await run(BIN.keymint, ['--provider', 'scripto', '--base-url', suite.emu.url, 'whoami', '--api-key-stdin', '--json'], { env: h.env(), input: key });
    assert.equal(km.code, 0, km.stdout);
    assertNoSecrets([who, set, fromEnv, km], [key, key2]);
  });

  test('--api-key on argv still works, with a warning: stderr in human mode, data.warnings with --json', async () => {
    const h = await suite.home();
    const scripto = (args) => run(BIN.scripto, args, { env: h.env({ SCRIPTO_BASE_URL: suite.emu.url }) });
    const key = await keyFor('kw@example.com');
    const human = await scripto(['whoami', '--api-key', key]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stderr, WARNING);
    const json = await scripto(['config', 'set', '--api-key', key, '--json']);
    assert.equal(json.code, 0, json.stdout);
    assert.equal(json.stderr, '');
    assert.deepEqual(envelope(json).data.warnings, [WARNING.slice(2, -1)]);
    assertNoSecrets([human, json], [key]);
  });

  test('every warning takes the one path: a key saved unverified joins the argv warning in data.warnings', async () => {
    const h = await suite.home();
    // Nothing listens on port 9: the key cannot be checked and is saved unverified.
    const scripto = (args) => run(BIN.scripto, args, { env: h.env({ SCRIPTO_BASE_URL: 'http://127.0.0.1:9' }) });
    const key = 'scripto_0123456789abcdefghij0123';
    const json = await scripto(['config', 'set', '--api-key', key, '--json']);
    assert.equal(json.code, 0, json.stdout);
    assert.equal(json.stderr, '');
    const data = envelope(json).data;
    assert.equal(data.verified, false);
    assert.equal(data.warning, undefined, 'one list of warnings, no second member');
    assert.deepEqual(data.warnings, [WARNING.slice(2, -1), 'Could not check the key (NETWORK_ERROR); saved it unverified.']);
    const human = await scripto(['config', 'set', '--api-key', key]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stderr, `${WARNING}! Could not check the key (NETWORK_ERROR); saved it unverified.\n`);
    assertNoSecrets([human, json], [key]);
  });

  test('misuse is a USAGE error: both forms, stdin empty, -stdin on a command without that secret', async () => {
    const h = await suite.home();
    const scripto = (args, input) => run(BIN.scripto, args, { env: h.env({ SCRIPTO_BASE_URL: suite.emu.url }), input });
    const cases = [
      [['whoami', '--api-key', 'scripto_x', '--api-key-stdin', '--json'], 'scripto_y', /--api-key and --api-key-stdin were both given/],
      [['config', 'set', '--api-key-stdin', '--json'], '\n \n', /--api-key-stdin read nothing: stdin was empty/],
      [['auth', 'login-complete', '--email', 'm@example.com', '--code', '123456', '--code-stdin', '--json'], '654321', /--code and --code-stdin were both given/],
      [['profile', 'list', '--code-stdin', '--json'], '1', /Unknown option --code-stdin/],
      [['auth', 'login-request', '--email', 'm@example.com', '--api-key-stdin', '--json'], 'k', /Unknown option --api-key-stdin/],
    ];
    for (const [args, input, message] of cases) {
      const r = await scripto(args, input);
      assert.equal(r.code, exitOf('USAGE'), `${args.join(' ')}: ${r.stdout}`);
      const e = envelope(r).error;
      assert.equal(e.code, 'USAGE');
      assert.match(e.message, message);
    }
  });

  test('help lists the -stdin forms where the secret is taken', async () => {
    const h = await suite.home();
    const scripto = (args) => run(BIN.scripto, args, { env: h.env() });
    assert.match((await scripto(['whoami', '--help'])).stdout, /\n {2}--api-key-stdin +Read the API key from stdin/);
    assert.match((await scripto(['config', 'set', '--help'])).stdout, /\n {2}--api-key-stdin +Read the API key from stdin/);
    assert.match((await scripto(['auth', 'login-complete', '--help'])).stdout, /\n {2}--code-stdin +Read the code from stdin/);
    assert.doesNotMatch((await scripto(['profile', 'list', '--help'])).stdout, /-stdin/);
  });
});
