// Profiles on disk, shared by every CLI process: list/use/remove/logout in both output modes,
// 0700/0600, a corrupt file left untouched, 50 processes saving at once, the generic bin.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat, readFile, writeFile, mkdir, chmod, readdir, rmdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import * as keymint from '../src/index.mjs';
import { BIN, cliSuite, run, envelope } from './fixtures/cli-helpers.mjs';

const suite = cliSuite();
const home = () => suite.home();
const scripto = (h, args, extra = {}) => run(BIN.scripto, args, { env: h.env({ SCRIPTO_BASE_URL: suite.emu.url, ...extra }) });

/** Request a code in-process; the CLI completes it. */
async function codeFor(email) {
  await keymint.start({ provider: 'scripto', baseUrl: suite.emu.url, email }).requestCode();
  return suite.emu.outbox(email);
}

async function signIn(h, email, extra = []) {
  const r = await scripto(h, ['auth', 'login-complete', '--email', email, '--code', await codeFor(email), ...extra]);
  assert.equal(r.code, 0, r.stderr);
}

// Independent tests (own HOME, own emails): run them side by side.
describe('profiles on disk', { concurrency: true }, () => {
  test('profile list / use / remove and auth logout, human and --json', async () => {
    const h = await home();
    const empty = await scripto(h, ['profile', 'list']);
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, '');
    assert.equal(empty.stderr, 'No profiles yet. Sign in with: scripto auth login-request --email <your-email>\n');
    assert.deepEqual(envelope(await scripto(h, ['profile', 'list', '--json'])).data.profiles, []);

    await signIn(h, 'ann@example.com');
    await signIn(h, 'bob@example.com');
    const doc = await h.readConfig('scripto');
    const mask = (n) => `scripto_••••••••${doc.profiles[n].apiKey.slice(-4)}`;
    const list = await scripto(h, ['profile', 'list']);
    assert.equal(list.stdout, [
      '  NAME  PROVIDER  EMAIL            ORGANIZATION  API KEY',
      `  ann   scripto   ann@example.com  —             ${mask('ann')}`,
      `* bob   scripto   bob@example.com  —             ${mask('bob')}`,
      '',
    ].join('\n'));
    const lj = envelope(await scripto(h, ['profile', 'list', '--json'])).data;
    assert.equal(lj.active, 'bob');
    assert.deepEqual(lj.profiles.map((p) => [p.name, p.active, p.apiKey]), [['ann', false, mask('ann')], ['bob', true, mask('bob')]]);
    for (const p of Object.values(doc.profiles)) assert.ok(!list.stdout.includes(p.apiKey) && !JSON.stringify(lj).includes(p.apiKey));

    const use = await scripto(h, ['profile', 'use', 'ann']);
    assert.equal(use.code, 0);
    assert.equal(use.stdout, '✓ Active profile: ann\n');
    assert.equal((await h.readConfig('scripto')).active, 'ann');
    const useJson = envelope(await scripto(h, ['profile', 'use', 'bob', '--json']));
    assert.equal(useJson.data.active, 'bob');
    assert.equal(useJson.data.profile.apiKey, mask('bob'));

    const missing = await scripto(h, ['profile', 'use', 'zed']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^✗ No profile "zed" in .*config\.json\. \(PROFILE_NOT_FOUND\)\n {2}Use one of the saved profiles: ann, bob\.\n$/);
    const missingJson = await scripto(h, ['profile', 'remove', 'zed', '--json']);
    assert.equal(missingJson.code, 2);
    assert.equal(envelope(missingJson).error.code, 'PROFILE_NOT_FOUND');

    const rm = await scripto(h, ['profile', 'remove', 'ann']);
    assert.equal(rm.code, 0);
    assert.equal(rm.stdout, `✓ Removed profile ann\n\n  The key ${mask('ann')} stays valid until it is revoked at the backend.\n`);

    const out = await scripto(h, ['auth', 'logout', '--json']);
    assert.equal(out.code, 0);
    assert.deepEqual(envelope(out).data, { removed: 'bob', active: null, profiles: [] });
    assert.deepEqual((await h.readConfig('scripto')).profiles, {});
    const again = await scripto(h, ['auth', 'logout']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /Not signed in: no profile is active\. \(PROFILE_NOT_FOUND\)/);

    await signIn(h, 'cy@example.com');
    const named = await scripto(h, ['auth', 'logout', '--profile', 'cy']);
    assert.equal(named.code, 0);
    assert.match(named.stdout, /^✓ Logged out: forgot profile cy\n/);
  });

  test('modes: directory 0700 and file 0600 whatever the umask; XDG_CONFIG_HOME respected', async () => {
    const h = await home();
    const xdg = join(h.home, 'xdg');
    const email = 'modes@example.com';
    const r = await run(BIN.scripto, ['auth', 'login-complete', '--email', email, '--code', await codeFor(email)], {
      env: h.env({ SCRIPTO_BASE_URL: suite.emu.url, XDG_CONFIG_HOME: xdg }),
    });
    assert.equal(r.code, 0, r.stderr);
    const file = join(xdg, 'scripto', 'config.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(xdg, 'scripto'))).mode & 0o777, 0o700);
    // A directory that exists with looser modes is tightened on the next write.
    await chmod(join(xdg, 'scripto'), 0o755);
    await chmod(file, 0o644);
    const use = await run(BIN.scripto, ['profile', 'use', 'modes'], { env: h.env({ XDG_CONFIG_HOME: xdg }) });
    assert.equal(use.code, 0, use.stderr);
    assert.equal((await stat(join(xdg, 'scripto'))).mode & 0o777, 0o700);
    await signIn({ env: (extra) => h.env({ XDG_CONFIG_HOME: xdg, ...extra }) }, 'modes2@example.com');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  test('a corrupt config file: a clear error (exit 1), the file untouched, no code spent', async () => {
    const h = await home();
    const file = h.config('scripto');
    await mkdir(join(h.home, '.config', 'scripto'), { recursive: true, mode: 0o700 });
    const bytes = '{"version": 1, "active": "x", "profiles": {"x": {"provider": "scripto", "apiKey": "scripto_secretsecretsecret1234"';
    await writeFile(file, bytes, { mode: 0o600 });
    const before = await stat(file);
    const email = 'corrupt@example.com';
    const runs = await Promise.all([
      scripto(h, ['profile', 'list']),
      scripto(h, ['whoami', '--json']),
      scripto(h, ['auth', 'login-request', '--email', email]),
      scripto(h, ['auth', 'login-complete', '--email', email, '--code', '123456', '--json']),
      scripto(h, ['profile', 'use', 'x']),
      scripto(h, ['auth', 'logout']),
    ]);
    for (const r of runs) {
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.ok(!(r.stdout + r.stderr).includes('secretsecret'), 'the file content leaked');
    }
    assert.match(runs[0].stderr, /^✗ The profile file .*scripto\/config\.json is corrupt \(invalid JSON.*\); it was left as it is\. \(CONFIG_CORRUPT\)\n {2}Fix or move .* aside, then run the command again\.\n$/);
    const j = envelope(runs[1]).error;
    assert.equal(j.code, 'CONFIG_CORRUPT');
    assert.equal(j.nextAction.kind, 'fix_config');
    assert.equal(suite.emu.requests.filter((r) => r.body.includes(email)).length, 0, 'nothing was sent');
    assert.equal(await readFile(file, 'utf8'), bytes);
    const after = await stat(file);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.equal(after.ino, before.ino);

    // A key from the environment needs no file at all.
    await codeFor(email);
    const cred = await keymint.start({ provider: 'scripto', baseUrl: suite.emu.url, email }).submitCode(suite.emu.outbox(email));
    const me = await scripto(h, ['whoami', '--json'], { SCRIPTO_API_KEY: cred.apiKey.reveal() });
    assert.equal(me.code, 0, me.stdout);
    assert.equal(envelope(me).data.email, email);
    assert.equal(await readFile(file, 'utf8'), bytes);
  });

  test('a profile file that could not take a key: refused before the code is spent, so no key is minted and lost', async () => {
    const h = await home();
    // The lock file's place is taken by a directory: the file can be read but not updated.
    const lockDir = join(h.home, '.config', 'scripto', 'config.json.lock');
    await mkdir(lockDir, { recursive: true });
    const email = 'unsaved@example.com';
    const code = await codeFor(email);
    const r = await scripto(h, ['auth', 'login-complete', '--email', email, '--code', code, '--json']);
    assert.equal(r.code, 1, r.stdout);
    const e = envelope(r).error;
    assert.equal(e.code, 'CONFIG_UNREADABLE');
    assert.equal(e.nextAction.kind, 'fix_config');
    assert.equal(e.details.reason, 'not_a_file');
    assert.doesNotMatch(r.stdout + r.stderr, /scripto_[A-Za-z0-9]{8}/);
    // The code was not spent: once the directory is gone, the same code signs in.
    await rmdir(lockDir);
    const again = await scripto(h, ['auth', 'login-complete', '--email', email, '--code', code, '--json']);
    assert.equal(again.code, 0, again.stdout);
    assert.match((await h.readConfig('scripto')).profiles.unsaved.apiKey, /^scripto_/);
  });

  test('the generic bin: --provider picks the surface; its own file and KEYMINT_ env', async () => {
    const h = await home();
    const km = (args, extra = {}) => run(BIN.keymint, args, { env: h.env(extra) });
    const noProvider = await km(['auth', 'login-request', '--email', 'g@example.com']);
    assert.equal(noProvider.code, 2);
    assert.match(noProvider.stderr, /needs --provider codika\|scripto/);
    const badProvider = await km(['--provider', 'nope', 'whoami', '--json']);
    assert.equal(badProvider.code, 2);
    assert.equal(envelope(badProvider).error.code, 'USAGE');

    const email = 'generic@example.com';
    const req = await km(['--provider', 'scripto', '--base-url', suite.emu.url, 'auth', 'login-request', '--email', email]);
    assert.equal(req.code, 0, req.stderr);
    assert.match(req.stdout, /Then run:\n {4}keymint --provider scripto auth login-complete --email generic@example\.com --code <6-digit-code>\n$/);
    const done = await km(['--provider', 'scripto', 'auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email)]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /Try it: {2}keymint whoami\n$/);
    const doc = await h.readConfig('keymint');
    assert.equal(doc.profiles.generic.baseUrl, suite.emu.url, 'the pending flow carried the base URL');
    // whoami needs no --provider: the profile knows it.
    const me = await km(['whoami', '--json']);
    assert.equal(me.code, 0, me.stdout);
    assert.equal(envelope(me).data.email, email);
    // KEYMINT_API_KEY wins over the profile; the key's prefix names the provider.
    const other = 'other@example.com';
    const flow = keymint.start({ provider: 'scripto', baseUrl: suite.emu.url, email: other });
    await flow.requestCode();
    const cred = await flow.submitCode(suite.emu.outbox(other));
    const env = await km(['whoami', '--json'], { KEYMINT_API_KEY: cred.apiKey.reveal(), KEYMINT_BASE_URL: suite.emu.url });
    assert.equal(envelope(env).data.email, other);
    assert.equal((await km(['profile', 'list', '--json'])).code, 0);
    const help = await km(['--help']);
    assert.match(help.stdout, /^keymint — /);
    assert.match(help.stdout, /--provider <codika\|scripto>/);
  });
});

// Alone, after the others: 50 processes at once are load enough.
test('50 processes each saving a profile into one file: none lost', async () => {
  const h = await home();
  const n = 50;
  const emails = Array.from({ length: n }, (_, i) => `many${i}@example.com`);
  const codes = await Promise.all(emails.map(codeFor));
  const runs = await Promise.all(emails.map((email, i) =>
    run(BIN.scripto, ['auth', 'login-complete', '--email', email, '--code', codes[i], '--json'], {
      env: h.env({ SCRIPTO_BASE_URL: suite.emu.url }),
      timeout: 60000,
    })));
  runs.forEach((r, i) => assert.equal(r.code, 0, `${emails[i]}: ${r.stdout}${r.stderr}`));
  const doc = await h.readConfig('scripto');
  assert.equal(Object.keys(doc.profiles).length, n);
  for (const [i, email] of emails.entries()) {
    const p = doc.profiles[`many${i}`];
    assert.equal(p?.email, email);
    assert.equal(p.keyId, envelope(runs[i]).data.keyId);
  }
  assert.ok(Object.prototype.hasOwnProperty.call(doc.profiles, doc.active));
  assert.equal((await stat(h.config('scripto'))).mode & 0o777, 0o600);
  // No lock file or temp file left behind: only the config itself.
  assert.deepEqual(await readdir(dirname(h.config('scripto'))), ['config.json']);
});
