// CODITECT API tokens on the command line, as child processes against the emulator (which runs
// in this process, so every child is spawned async): `config set --api-key cdt_live_…|cdt_test_…`
// checks the token with me, saves it as a profile {kind: 'api_token', env} named from the email
// (or --name), activates it and shows it masked with its environment; whoami then uses it; a
// key that is not a cdt_ token is refused locally (exit 2, nothing written); a revoked or
// unknown token is refused by the backend (nothing written); --api-key > CODITECT_API_KEY >
// --profile > the active profile, through a createCli wrapper. No raw token is ever printed.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BIN, cliSuite, run, envelope, dev, assertNoSecrets } from './fixtures/cli-helpers.mjs';

const PW = 'correct horse battery staple';
const NODE_ENTRY = pathToFileURL(fileURLToPath(new URL('../src/node/index.mjs', import.meta.url))).href;

const suite = cliSuite();
/** Every raw token minted here: none may reach any output. */
const tokens = new Set();
const results = [];

const seed = (email) => dev(suite.emu, '/__keymint/coditect/seed-user', { email, password: PW });
async function mint(email, env, scopes) {
  const { token } = await dev(suite.emu, '/__keymint/coditect/api-token', { email, env, ...(scopes ? { scopes } : {}) });
  assert.match(token, new RegExp(`^cdt_${env}_`));
  tokens.add(token);
  return token;
}
const masked = (token) => `${token.slice(0, 9)}••••••••${token.slice(-4)}`;
const exists = (p) => access(p).then(() => true, () => false);

/** A HOME with `km(args)` = `keymint --provider coditect …` and `bin(args)` = a createCli wrapper. */
async function home() {
  const h = await suite.home();
  const keep = (r) => { results.push(r); return r; };
  h.km = async (args, { env = {}, provider = true } = {}) => keep(await run(BIN.keymint, [...(provider ? ['--provider', 'coditect'] : []), ...args], { env: h.env({ KEYMINT_BASE_URL: suite.emu.url, ...env }) }));
  // The bin a wrapper package would ship: program "coditect", so CODITECT_API_KEY / CODITECT_BASE_URL.
  h.wrapper = join(h.home, 'coditect.mjs');
  await writeFile(h.wrapper, `import { createCli } from ${JSON.stringify(NODE_ENTRY)};\nprocess.exitCode = await createCli({ program: 'coditect', provider: 'coditect' }).run(process.argv.slice(2));\n`);
  h.bin = async (args, { env = {} } = {}) => keep(await run(h.wrapper, args, { env: h.env({ CODITECT_BASE_URL: suite.emu.url, ...env }) }));
  return h;
}

describe('CODITECT API tokens: config set --api-key cdt_…', { concurrency: true }, () => {
  test('a live token: checked, saved as the active profile named from the email, shown masked; whoami uses it', async () => {
    const h = await home();
    const email = 'lena@example.com';
    await seed(email);
    const token = await mint(email, 'live');
    const set = await h.km(['config', 'set', '--api-key', token]);
    assert.equal(set.code, 0, set.stderr);
    // A token on the command line works, with the one warning that other users can see it.
    assert.equal(set.stderr, '! --api-key puts the key in the process list, where other users of this machine can read it; use --api-key-stdin or KEYMINT_API_KEY instead.\n');
    assert.match(set.stdout, /^✓ API token saved\n/);
    assert.ok(set.stdout.includes(`  Email:    ${email}\n`), set.stdout);
    assert.ok(set.stdout.includes('  Profile:  lena (now active)\n'), set.stdout);
    assert.ok(set.stdout.includes(`  Token:    ${masked(token)} (live)\n`), set.stdout);
    assert.ok(set.stdout.includes('  Try it:  keymint whoami'), set.stdout);

    const doc = await h.readConfig('keymint');
    assert.equal(doc.active, 'lena');
    const p = doc.profiles.lena;
    assert.equal(p.provider, 'coditect');
    assert.equal(p.baseUrl, suite.emu.url);
    assert.equal(p.apiKey, token);
    assert.equal(p.kind, 'api_token');
    assert.equal(p.env, 'live');
    assert.equal(p.email, email);
    assert.equal(p.accessToken, undefined);

    // whoami with the saved profile: with --provider, and without (the profile says coditect)
    for (const provider of [true, false]) {
      const w = await h.km(['whoami', '--json'], { provider });
      assert.equal(w.code, 0, w.stderr);
      const v = envelope(w).data;
      assert.equal(v.email, email);
      assert.equal(v.provider, 'coditect');
      assert.equal(v.apiKey, masked(token));
      assert.equal(v.env, 'live');
      assert.deepEqual(v.credential, { source: 'profile', profile: 'lena' });
    }
    const text = await h.km(['whoami']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^✓ Signed in as ${email}\\n`));
    assert.ok(text.stdout.includes(`API token:     ${masked(token)}\n`), text.stdout);

    const list = await h.km(['profile', 'list'], { provider: false });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`\\* lena +coditect +${email} .*${masked(token)}\\n`));
  });

  test('a test (sandbox) token with --json and --name; a session profile of the same account is not replaced', async () => {
    const h = await home();
    const email = 'tess@example.com';
    await seed(email);
    // a password session first: the token must not replace it
    const login = await run(BIN.keymint, ['--provider', 'coditect', 'auth', 'login', '--email', email, '--password-stdin'], { env: h.env({ KEYMINT_BASE_URL: suite.emu.url }), input: `${PW}\n` });
    results.push(login);
    assert.equal(login.code, 0, login.stderr);
    const session = (await h.readConfig('keymint')).profiles.tess;
    assert.match(session.accessToken, /^cat_/);
    tokens.add(session.accessToken).add(session.refreshToken);

    const token = await mint(email, 'test');
    const set = await h.km(['config', 'set', '--api-key', token, '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stderr, '');
    const env = envelope(set);
    assert.equal(env.success, true);
    const d = env.data;
    assert.equal(d.profile, 'tess-2', 'a new profile next to the session');
    assert.equal(d.active, true);
    assert.equal(d.provider, 'coditect');
    assert.equal(d.kind, 'api_token');
    assert.equal(d.env, 'test');
    assert.equal(d.apiKey, masked(token));
    assert.equal(d.verified, true);
    assert.equal(d.email, email);
    assert.equal(d.baseUrl, suite.emu.url);
    assert.equal(typeof d.configPath, 'string');

    let doc = await h.readConfig('keymint');
    assert.equal(doc.profiles.tess.accessToken, session.accessToken, 'the session profile is kept');
    assert.equal(doc.profiles['tess-2'].apiKey, token);
    assert.equal(doc.active, 'tess-2');

    // the same token again reuses its profile; --name picks another
    const again = await h.km(['config', 'set', '--api-key', token, '--json']);
    assert.equal(envelope(again).data.profile, 'tess-2');
    const named = await h.km(['config', 'set', '--api-key', token, '--name', 'sandbox']);
    assert.equal(named.code, 0, named.stderr);
    assert.ok(named.stdout.includes(`  Token:    ${masked(token)} (sandbox)\n`), named.stdout);
    assert.ok(named.stdout.includes('  Profile:  sandbox (now active)\n'), named.stdout);
    doc = await h.readConfig('keymint');
    assert.equal(doc.active, 'sandbox');
    assert.equal(doc.profiles.sandbox.env, 'test');

    const w = await h.km(['whoami', '--json']);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(envelope(w).data.env, 'test');
    assert.deepEqual(envelope(w).data.credential, { source: 'profile', profile: 'sandbox' });
    const ws = await h.km(['whoami', '--profile', 'tess', '--json']);
    assert.equal(ws.code, 0, ws.stderr);
    assert.equal(envelope(ws).data.accessToken.startsWith('cat_'), true, 'the session still works');
  });

  test('a key that is not a cdt_ API token is refused locally: exit 2, USAGE naming the prefixes, nothing written', async () => {
    const h = await home();
    for (const key of ['scripto_abcdefghijklmnop', 'cko_abcdefghijklmnop', 'cdt_abcdefghijklmnop', 'cdt_live_', 'cdt_prod_abcdefghijkl']) {
      const r = await h.km(['config', 'set', '--api-key', key, '--json']);
      assert.equal(r.code, 2, `${key.slice(0, 8)}: ${r.stdout}`);
      assert.equal(r.stderr, '');
      const e = envelope(r);
      assert.equal(e.success, false);
      assert.equal(e.error.code, 'USAGE');
      assert.equal(e.error.nextAction.kind, 'fix_input');
      assert.equal(e.error.nextAction.field, 'api-key');
      assert.match(e.error.message, /cdt_live_… \(live\) or cdt_test_… \(sandbox\)/);
      assert.ok(!r.stdout.includes(key.slice(4)) || key === 'cdt_live_', 'the key is not echoed');
    }
    const human = await h.km(['config', 'set', '--api-key', 'scripto_abcdefghijklmnop']);
    assert.equal(human.code, 2);
    assert.equal(human.stdout, '');
    assert.match(human.stderr, /That is not a CODITECT API token: API tokens start with cdt_live_… \(live\) or cdt_test_… \(sandbox\)\. \(USAGE\)/);
    const missing = await h.km(['config', 'set', '--json']);
    assert.equal(missing.code, 2);
    assert.equal(envelope(missing).error.code, 'USAGE');
    assert.equal(await exists(h.config('keymint')), false, 'no profile file was written');
  });

  test('a revoked or unknown token is refused by the backend: nothing saved, the active profile unchanged', async () => {
    const h = await home();
    const email = 'rev@example.com';
    await seed(email);
    const good = await mint(email, 'live');
    assert.equal((await h.km(['config', 'set', '--api-key', good])).code, 0);
    const before = await readFile(h.config('keymint'), 'utf8');

    const revoked = await mint(email, 'test');
    assert.deepEqual(await dev(suite.emu, '/__keymint/coditect/revoke-api-token', { token: revoked }), { ok: true });
    const unknown = `cdt_live_${'x'.repeat(40)}`;
    tokens.add(unknown);
    for (const key of [revoked, unknown]) {
      const r = await h.km(['config', 'set', '--api-key', key, '--name', 'nope', '--json']);
      assert.notEqual(r.code, 0);
      assert.equal(r.stderr, '');
      const e = envelope(r);
      assert.equal(e.success, false);
      assert.equal(e.error.code, 'INVALID_TOKEN');
      assert.match(e.error.message, /not saved/);
      assert.equal(e.error.nextAction.field, 'api-key');
      assert.match(e.error.nextAction.command, /config set --api-key cdt_(live|test)_…$/);
      const human = await h.km(['config', 'set', '--api-key', key]);
      assert.equal(human.code, r.code);
      assert.equal(human.stdout, '');
      assert.match(human.stderr, /INVALID_TOKEN/);
    }
    assert.equal(await readFile(h.config('keymint'), 'utf8'), before, 'the profile file is untouched');

    // a saved token revoked later: whoami says so
    await dev(suite.emu, '/__keymint/coditect/revoke-api-token', { token: good });
    const w = await h.km(['whoami', '--json']);
    assert.notEqual(w.code, 0);
    assert.equal(envelope(w).error.code, 'INVALID_TOKEN');
  });

  test('createCli wrapper: config set, then --api-key > CODITECT_API_KEY > --profile > the active profile', async () => {
    const h = await home();
    const [a, b, c] = ['amy@example.com', 'bob@example.com', 'cat@example.com'];
    await Promise.all([seed(a), seed(b), seed(c)]);
    const [ta, tb, tc] = await Promise.all([mint(a, 'live'), mint(b, 'test'), mint(c, 'live')]);
    const setA = await h.bin(['config', 'set', '--api-key', ta]);
    assert.equal(setA.code, 0, setA.stderr);
    assert.ok(setA.stdout.includes('  Try it:  coditect whoami'), setA.stdout);
    const setB = await h.bin(['config', 'set', '--api-key', tb, '--profile-name', 'bee']);
    assert.equal(setB.code, 0, setB.stderr);
    const doc = await h.readConfig('coditect');
    assert.deepEqual(Object.keys(doc.profiles).sort(), ['amy', 'bee']);
    assert.equal(doc.active, 'bee');

    const who = async (args, env) => {
      const r = await h.bin(['whoami', '--json', ...args], { env });
      assert.equal(r.code, 0, r.stderr);
      return envelope(r).data;
    };
    let v = await who([], {});
    assert.equal(v.email, b);
    assert.deepEqual(v.credential, { source: 'profile', profile: 'bee' });
    v = await who(['--profile', 'amy'], {});
    assert.equal(v.email, a);
    v = await who(['--profile', 'amy'], { CODITECT_API_KEY: tc });
    assert.equal(v.email, c, 'CODITECT_API_KEY comes before --profile');
    assert.deepEqual(v.credential, { source: 'env', env: 'CODITECT_API_KEY' });
    assert.equal(v.env, 'live');
    v = await who(['--api-key', ta], { CODITECT_API_KEY: tc });
    assert.equal(v.email, a, '--api-key comes before CODITECT_API_KEY');
    assert.deepEqual(v.credential, { source: 'flag' });
    assert.equal(v.apiKey, masked(ta));

    const help = await h.bin(['--help']);
    assert.match(help.stdout, /config set +Save an API token/);
  });

  after(() => assertNoSecrets(results, tokens));
});
