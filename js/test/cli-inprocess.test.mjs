// createCli() run in-process: cli.run(argv, {env, stdin, stdout, stderr}) resolves to the exit
// code and writes only to the streams it is given. Also: --help for every command of every
// surface, argument-parsing edge cases, and an injected fetch.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createCli } from '../src/node/index.mjs';
import * as node from '../src/node/index.mjs';
import { cliSuite, runInProcess } from './fixtures/cli-helpers.mjs';

const suite = cliSuite();
let h;
before(async () => {
  h = await suite.home();
});

/** @param {{run: Function}} cli @param {string[]} argv */
const runIn = (cli, argv, env = {}) => runInProcess(cli, argv, { env: { HOME: h.home, ...env } });

test('keymint/node exports the default API, the stores and createCli', () => {
  for (const name of ['start', 'resume', 'whoami', 'Flow', 'KeymintError', 'isKeymintError', 'Secret', 'maskSecret', 'codeTable',
    'FileProfileStore', 'MemoryProfileStore', 'configPath', 'profileNameFromEmail', 'profileNameFromOrganization', 'createCli']) {
    assert.ok(node[name], name);
  }
  assert.throws(() => createCli({ program: 'Bad Name' }), TypeError);
  assert.throws(() => createCli({ program: 'x', provider: 'nope' }), TypeError);
});

test('--help on every command of every surface; bare program and groups show help', async () => {
  const clis = [createCli({ program: 'codika', provider: 'codika' }), createCli({ program: 'scripto', provider: 'scripto' })];
  const paths = {
    codika: ['auth signup-request', 'auth signup-complete', 'auth login-request', 'auth login-complete', 'auth logout', 'whoami', 'config set', 'profile list', 'profile use', 'profile remove'],
    scripto: ['auth login-request', 'auth login-complete', 'auth logout', 'whoami', 'config set', 'profile list', 'profile use', 'profile remove'],
  };
  for (const cli of clis) {
    for (const p of paths[cli.provider]) {
      const r = await runIn(cli, [...p.split(' '), '--help']);
      assert.equal(r.code, 0);
      assert.ok(r.stdout.startsWith(`Usage: ${cli.program} ${p}`), r.stdout);
      assert.match(r.stdout, /\n {2}--json +Print one JSON envelope/);
      assert.match(r.stdout, /\n {2}-h, --help +Show this help\n$/);
      assert.equal(r.stderr, '');
      const short = await runIn(cli, ['-h', ...p.split(' ')]);
      assert.equal(short.stdout, r.stdout);
    }
    for (const argv of [[], ['auth'], ['profile'], ['--help']]) {
      const r = await runIn(cli, argv);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^${cli.program} — `));
    }
  }
  const codika = await runIn(clis[0], ['auth', 'signup-complete', '--help']);
  for (const flag of ['--email <email>', '--code <code>', '--company <name>', '--description <text>', '--key-name <name>', '--key-expires-in <days>', '--name <name>', '--base-url <url>', '--api-url <url>', '--json']) {
    assert.ok(codika.stdout.includes(`  ${flag}`), flag);
  }
  const generic = createCli({ program: 'keymint' });
  const g = await runIn(generic, ['--provider', 'codika', 'auth', 'login-complete', '--help']);
  assert.match(g.stdout, /^Usage: keymint --provider codika auth login-complete/);
  assert.match(g.stdout, /--organization-id <id>/);
  assert.match(g.stdout, /--provider <codika\|scripto>/);
});

test('parsing: --flag=value, a value that looks like a flag, duplicates, booleans with values', async () => {
  const cli = createCli({ program: 'scripto', provider: 'scripto' });
  const cases = [
    [['auth', 'login-request', '--json'], 'Missing --email'],
    [['auth', 'login-request', '--email', '--json'], '--email needs a value'],
    [['auth', 'login-request', '--email', 'a@b.co', '--email', 'c@d.co', '--json'], '--email was given more than once'],
    [['whoami', '--json=yes'], '--json takes no value'],
    [['whoami', '-x', '--json'], 'Unknown option -x'],
    [['auth', 'login-request', '--email', 'a@b.co', '--provider', 'codika', '--json'], 'Unknown option --provider for "scripto auth login-request"'],
    [['auth', 'login-complete', '--email', 'a@b.co', '--json'], 'Missing --code'],
    [['profile', 'use', '--json'], 'Missing the profile name'],
    [['profile', 'use', 'a', 'b', '--json'], 'Unexpected argument "b"'],
    [['config', 'set', 'scripto_0123456789abcdef0123', '--json'], 'Unexpected argument "scripto_••••••••0123"'],
  ];
  for (const [argv, message] of cases) {
    const r = await runIn(cli, argv);
    assert.equal(r.code, 2, argv.join(' '));
    const e = JSON.parse(r.stdout).error;
    assert.equal(e.code, 'USAGE');
    assert.ok(e.message.includes(message), `${argv.join(' ')}: ${e.message}`);
    assert.equal(r.stderr, '');
  }
  const v = await runIn(cli, ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^scripto \(keymint \d+\.\d+\.\d+\)\n$/);
});

test('an injected fetch and defaults.baseUrl; the result on the given streams only', async () => {
  let calls = 0;
  const cli = createCli({
    program: 'scripto',
    provider: 'scripto',
    defaults: { baseUrl: suite.emu.url },
    fetch: (url, init) => { calls++; return fetch(url, init); },
  });
  const email = 'inproc@example.com';
  const req = await runIn(cli, ['auth', 'login-request', '--email', email]);
  assert.equal(req.code, 0, req.stderr);
  assert.equal(req.stdout, `✓ Sign-in code sent to ${email}\n\n  Then run:\n    scripto auth login-complete --email ${email} --code <6-digit-code>\n`);
  const done = await runIn(cli, ['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email), '--json']);
  assert.equal(done.code, 0, done.stdout);
  assert.equal(JSON.parse(done.stdout).data.profile, 'inproc');
  assert.equal(calls, 2);
  // The environment's base URL wins over the defaults.
  const env = await runIn(cli, ['auth', 'login-request', '--email', email, '--json'], { SCRIPTO_BASE_URL: 'http://127.0.0.1:9' });
  assert.equal(env.code, 6);
  assert.equal(JSON.parse(env.stdout).error.code, 'NETWORK_ERROR');
});
