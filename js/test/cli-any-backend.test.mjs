// The generic bin against any backend: `--provider better-auth` driving a real Better Auth
// server (better-auth + @better-auth/api-key, js/test/fixtures/better-auth-server.mjs), and
// `--provider ./my-backend.json` — a spec file read, parsed and validated before anything runs
// (INVALID_PROVIDER naming the bad field, exit 2; an unreadable path is USAGE, exit 2), whose
// credential decides the commands: an API key (scripto-spec.json against the emulator) or a
// session (a copy of the sessions preset). Also createCli() with a spec object or a preset.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCli } from '../src/node/index.mjs';
import { startBetterAuthServer } from './fixtures/better-auth-server.mjs';
import { BIN, cliSuite, run, envelope, dev, secretsIn, assertNoSecrets } from './fixtures/cli-helpers.mjs';

const SCRIPTO_SPEC = fileURLToPath(new URL('./fixtures/scripto-spec.json', import.meta.url));
const SESSIONS_PRESET = fileURLToPath(new URL('../../src/provider/sessions.json', import.meta.url));

const suite = cliSuite();
let ba;
before(async () => {
  ba = await startBetterAuthServer();
});
after(() => ba.close());

/** A HOME with `km(args, opts)` running `keymint` (cwd: the HOME), remembering every output. */
async function home() {
  const h = await suite.home();
  h.results = [];
  h.secrets = new Set();
  h.km = async (args, { env = {}, ...opts } = {}) => {
    const r = await run(BIN.keymint, args, { env: h.env(env), cwd: h.home, ...opts });
    h.results.push(r);
    try {
      secretsIn(JSON.parse(await readFile(h.config('keymint'), 'utf8')), h.secrets);
    } catch {
      // no profile file yet
    }
    return r;
  };
  h.clean = () => assertNoSecrets(h.results, h.secrets);
  return h;
}
/** Write `spec` as JSON (or raw text) into the HOME; returns its relative path. */
async function specFile(h, name, spec) {
  await writeFile(join(h.home, name), typeof spec === 'string' ? spec : JSON.stringify(spec, null, 2));
  return `./${name}`;
}
const scriptoSpec = async () => JSON.parse(await readFile(SCRIPTO_SPEC, 'utf8'));

describe('any backend', { concurrency: true }, () => {
  test('--provider better-auth with the server\'s origin only: /api/auth added as Better Auth\'s own client does', async () => {
    const h = await home();
    const km = (args) => h.km(['--provider', 'better-auth', '--base-url', ba.url, ...args]);
    const email = 'origin-only@example.com';
    const req = await km(['auth', 'login-request', '--email', email, '--json']);
    assert.equal(req.code, 0, req.stdout);
    const done = await km(['auth', 'login-complete', '--email', email, '--code', ba.outbox(email), '--json']);
    assert.equal(done.code, 0, done.stdout);
    const p = (await h.readConfig('keymint')).profiles['origin-only'];
    assert.equal(p.baseUrl.replace(/\/api\/auth$/, ''), ba.url, 'the profile keeps a base URL that reaches the server');
    const me = await h.km(['whoami', '--json']);
    assert.equal(me.code, 0, me.stdout);
    assert.equal(envelope(me).data.email, email);
    h.clean();
  });

  test('--provider better-auth: a real Better Auth server; login-request, login-complete, whoami', async () => {
    const h = await home();
    const base = `${ba.url}/api/auth`;
    const km = (args, opts) => h.km(['--provider', 'better-auth', '--base-url', base, ...args], opts);
    const email = 'agent@example.com';
    const req = await km(['auth', 'login-request', '--email', email]);
    assert.equal(req.code, 0, req.stderr);
    assert.equal(req.stdout, `✓ Sign-in code sent to ${email}

  Then run:
    keymint --provider better-auth auth login-complete --email ${email} --code <6-digit-code>
`);
    const code = ba.outbox(email);
    const wrong = await km(['auth', 'login-complete', '--email', email, '--code', code === '000000' ? '111111' : '000000', '--json']);
    assert.equal(wrong.code, 3);
    assert.equal(envelope(wrong).error.code, 'OTP_INVALID');
    assert.equal(envelope(wrong).error.details.attemptsRemaining, 2);

    const done = await km(['auth', 'login-complete', '--email', email, '--code', code, '--key-name', 'ci-agent', '--key-expires-in', '30']);
    assert.equal(done.code, 0, done.stderr);
    const p = (await h.readConfig('keymint')).profiles.agent;
    assert.equal(p.provider, 'better-auth');
    assert.equal(p.baseUrl, base);
    assert.equal(p.keyName, 'ci-agent');
    assert.ok(p.apiKey.length >= 32);
    assert.ok(ba.db.apikey.length >= 1, 'minted in the server\'s database');
    assert.equal(done.stdout, `✓ Signed in

  Email:    ${email}
  Profile:  agent (now active)
  API key:  ••••••••${p.apiKey.slice(-4)}
  Expires:  ${p.expiresAt}

  Try it:  keymint whoami
`);
    // whoami: by the profile (no --provider), and with the key in the environment.
    const me = await h.km(['whoami']);
    assert.equal(me.code, 0, me.stderr);
    assert.match(me.stdout, new RegExp(`^✓ Signed in as ${email}\\n\\n {2}User: {5}\\w+\\n {2}API key: {2}••••••••${p.apiKey.slice(-4)}\\n {2}Profile: {2}agent\\n$`));
    const env = await km(['whoami', '--json'], { env: { KEYMINT_API_KEY: p.apiKey } });
    assert.equal(env.code, 0, env.stdout);
    assert.equal(envelope(env).data.email, email);
    assert.equal(envelope(env).data.provider, 'better-auth');
    assert.deepEqual(envelope(env).data.credential, { source: 'env', env: 'KEYMINT_API_KEY' });
    const refused = await km(['whoami', '--api-key', 'x'.repeat(64), '--json']);
    assert.equal(refused.code, 1);
    assert.equal(envelope(refused).error.code, 'UNAUTHENTICATED');
    h.clean();
  });

  test('--provider ./my-backend.json (an API-key spec): the flows it describes, against the emulator', async () => {
    const h = await home();
    const spec = await specFile(h, 'my-backend.json', await scriptoSpec());
    const km = (args) => h.km(['--provider', spec, ...args], { env: { KEYMINT_BASE_URL: suite.emu.url } });
    const help = await km(['--help']);
    assert.match(help.stdout, /\n {2}auth login-request +Email a sign-in code\n {2}auth login-complete +Verify the code, mint an API key/);
    assert.doesNotMatch(help.stdout, /signup/);
    const email = 'spec@example.com';
    const req = await km(['auth', 'login-request', '--email', email]);
    assert.equal(req.code, 0, req.stderr);
    assert.match(req.stdout, /\n {4}keymint --provider \.\/my-backend\.json auth login-complete --email spec@example\.com --code <6-digit-code>\n$/);
    const done = await km(['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email), '--json']);
    assert.equal(done.code, 0, done.stdout);
    const d = envelope(done).data;
    assert.equal(d.provider, 'scripto', 'the spec\'s name');
    assert.match(d.apiKey, /^scripto_••••••••\S{4}$/);
    const me = await km(['whoami', '--json']);
    assert.equal(me.code, 0, me.stdout);
    assert.equal(envelope(me).data.email, email);
    h.clean();
  });

  test('a session spec file: email code into tokens; whoami needs the spec again', async () => {
    const h = await home();
    const preset = JSON.parse(await readFile(SESSIONS_PRESET, 'utf8'));
    const spec = await specFile(h, 'my-sessions.json', { ...preset, name: 'my-sessions' });
    const km = (args, opts) => h.km(['--provider', spec, '--base-url', suite.emu.url, ...args], opts);
    const email = 'tokens@example.com';
    await dev(suite.emu, '/__keymint/sessions/seed-user', { email });
    assert.equal((await km(['auth', 'login-request', '--email', email])).code, 0);
    const done = await km(['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email)]);
    assert.equal(done.code, 0, done.stderr);
    const p = (await h.readConfig('keymint')).profiles.tokens;
    assert.equal(p.provider, 'my-sessions');
    assert.match(p.accessToken, /^at_/);
    assert.match(done.stdout, /\n {2}Session: {2}at_••••••••\S{4} \(expires .+\)\n/);
    const me = await km(['whoami', '--json']);
    assert.equal(me.code, 0, me.stdout);
    assert.equal(envelope(me).data.user.email, email);
    assert.equal(envelope(me).data.provider, 'my-sessions');
    const bare = await h.km(['whoami', '--json']);
    assert.equal(bare.code, 2);
    assert.match(envelope(bare).error.message, /saved with the provider spec "my-sessions": pass the spec file again/);
    h.clean();
  });

  test('a bad spec file: INVALID_PROVIDER naming the field (exit 2); an unreadable path: USAGE naming it (exit 2)', async () => {
    const h = await home();
    const good = await scriptoSpec();
    const { email: _omit, ...fieldsWithoutEmail } = good.fields;
    await mkdir(join(h.home, 'a-dir.json'));
    const cases = [
      [{ ...good, fields: fieldsWithoutEmail }, "provider spec field 'fields.email' is required"],
      [{ ...good, errors: { oops: 'NOT_A_CODE' } }, "provider spec field 'errors.oops' must name a canonical error code"],
      [{ ...good, flows: {} }, "provider spec field 'flows' must describe 'login' and/or 'signup' routes"],
      [{ ...good, colour: 'blue' }, "provider spec field 'colour' is not a known key"],
      [{ ...good, baseUrl: 'ftp://x' }, "provider spec field 'baseUrl' must be an http(s) URL"],
      ['{"name": "half', 'is not valid JSON'],
      ['[]', "provider spec field '(root)' must be an object"],
    ];
    for (const [i, [spec, message]] of cases.entries()) {
      const path = await specFile(h, `bad-${i}.json`, spec);
      const r = await h.km(['--provider', path, 'auth', 'login-request', '--email', 'a@example.com', '--json']);
      assert.equal(r.code, 2, `${path}: ${r.stdout}`);
      assert.equal(r.stderr, '');
      const e = envelope(r).error;
      assert.equal(e.code, 'INVALID_PROVIDER', path);
      assert.ok(e.message.includes(message), `${path}: ${e.message}`);
      assert.ok(e.message.includes(path), `${path}: the message names the file`);
      assert.equal(e.nextAction.field, 'provider');
      assert.equal(e.details.path, path);
    }
    // Human mode, before anything else (no profile file is even created).
    const human = await h.km(['--provider', './bad-0.json', 'profile', 'list']);
    assert.equal(human.code, 2);
    assert.equal(human.stdout, '');
    assert.match(human.stderr, /^✗ provider spec field 'fields\.email' is required \(in \.\/bad-0\.json\) \(INVALID_PROVIDER\)\n {2}Fix \.\/bad-0\.json: every key of a provider spec is described in docs\/custom-provider\.md\.\n$/);

    const missing = await h.km(['--provider', './nowhere/backend.json', 'auth', 'login-request', '--email', 'a@example.com']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^✗ Cannot read the provider spec \.\/nowhere\/backend\.json: no such file\. \(USAGE\)\n/);
    const dir = await h.km(['--provider', './a-dir.json', 'whoami', '--json']);
    assert.equal(dir.code, 2);
    assert.equal(envelope(dir).error.code, 'USAGE');
    assert.match(envelope(dir).error.message, /a-dir\.json: it is a directory/);
    const name = await h.km(['--provider', 'nope', 'whoami', '--json']);
    assert.equal(name.code, 2);
    assert.match(envelope(name).error.message, /--provider must be codika, scripto, sessions, coditect, better-auth, pocketbase or the path of a spec file/);
    // The same for a sign-in command, which without any --provider asks "Which backend?".
    const signIn = await h.km(['--provider', 'nope', 'auth', 'login-request', '--email', 'a@example.com']);
    assert.equal(signIn.code, 2);
    assert.match(signIn.stderr, /^✗ --provider must be codika, .* not "nope"\. \(USAGE\)\n/);
    await assert.rejects(readFile(h.config('keymint')), /ENOENT/);
  });

  test('createCli: a wrapper for a spec object, or for the sessions / coditect presets', async () => {
    const h = await home();
    const io = () => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      stdout.on('data', (d) => { out += d; });
      stderr.on('data', () => {});
      return { io: { env: { HOME: h.home }, stdin: new PassThrough(), stdout, stderr }, out: () => out };
    };
    const spec = await scriptoSpec();
    const pins = createCli({ program: 'pins', provider: { ...spec, name: 'pins' }, defaults: { baseUrl: suite.emu.url } });
    assert.equal(pins.provider, 'pins');
    const a = io();
    assert.equal(await pins.run(['--help'], a.io), 0);
    assert.match(a.out(), /^pins — sign up and sign in by email code, and keep the API key, from a terminal \(pins\)\.\n\nUsage: pins <command>/);
    const email = 'wrapped@example.com';
    const b = io();
    assert.equal(await pins.run(['auth', 'login-request', '--email', email], b.io), 0);
    assert.match(b.out(), /\n {4}pins auth login-complete --email wrapped@example\.com --code <6-digit-code>\n$/);
    const c = io();
    assert.equal(await pins.run(['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email), '--json'], c.io), 0, c.out());
    assert.equal(JSON.parse(c.out()).data.provider, 'pins');

    assert.throws(() => createCli({ program: 'x', provider: { ...spec, fields: {} } }), (e) => e instanceof TypeError && /fields\.email' is required/.test(e.message));
    assert.throws(() => createCli({ program: 'x', provider: 'nope' }), TypeError);
    for (const [provider, cmds] of [['sessions', ['auth login-request', 'auth login-complete', 'auth refresh']], ['coditect', ['auth register', 'auth login', 'auth refresh']]]) {
      const cli = createCli({ program: `my-${provider}`, provider });
      const d = io();
      assert.equal(await cli.run(['--help'], d.io), 0);
      for (const cmd of cmds) assert.match(d.out(), new RegExp(`\\n {2}${cmd} `), `${provider}: ${cmd}`);
      assert.match(d.out(), /The session a command uses: --profile, else the active profile/);
    }
  });
});
