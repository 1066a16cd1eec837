// Issue 14 item 5: a minted key is never lost.
// - `*-complete` checks, before the code is spent, that the profile file can take the key;
// - once a key exists, saving it waits for the lock far longer than the usual 20 s;
// - if it still cannot be saved, KEY_NOT_SAVED names a 0600 recovery file holding it (the
//   profile directory, else $XDG_STATE_HOME/<program>, else a private temp directory), and
//   the key is never printed; `config set --api-key-stdin < FILE` saves it afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as keymint from '../src/index.mjs';
import { createCli } from '../src/node/index.mjs';
import { FileProfileStore } from '../src/node/profile-store.mjs';
import { BIN, cliSuite, run, envelope, assertNoSecrets, runInProcess } from './fixtures/cli-helpers.mjs';
import { keymintRejection } from './fixtures/rejection.mjs';

const suite = cliSuite();
const exitOf = (code) => keymint.codeTable().find((r) => r.code === code).exitCode;
const POSIX = process.platform !== 'win32';

/** Request a code in-process; the CLI completes it. */
async function codeFor(email) {
  await keymint.start({ provider: 'scripto', baseUrl: suite.emu.url, email }).requestCode();
  return suite.emu.outbox(email);
}

/** Answers (status) the emulator gave to login-complete for `email`: a 200 is a minted key. */
const completions = (email) => suite.emu.requests.filter((r) => r.path === '/api/cli/login-complete' && r.body.includes(email));

const inproc = runInProcess;

/**
 * A scripto CLI whose fetch runs `afterMint()` once the backend has answered login-complete:
 * the pre-flight has passed and the key exists, so whatever breaks the store then can only
 * be answered by handing the key back.
 */
function breakingCli(afterMint) {
  return createCli({
    program: 'scripto',
    provider: 'scripto',
    fetch: async (url, init) => {
      const res = await globalThis.fetch(url, init);
      if (String(url).endsWith('/api/cli/login-complete') && res.status === 200) await afterMint();
      return res;
    },
  });
}

test('pre-flight: a profile file that cannot take a key fails before the code is spent; the same code works once it is fixed', async () => {
  const h = await suite.home();
  const email = 'preflight@example.com';
  // config.json is a directory: readable as "nothing", but no update could ever be saved.
  const file = h.config('scripto');
  await fsp.mkdir(file, { recursive: true });
  const code = await codeFor(email);
  const env = h.env({ SCRIPTO_BASE_URL: suite.emu.url });
  const r = await run(BIN.scripto, ['auth', 'login-complete', '--email', email, '--code', code, '--json'], { env });
  assert.equal(r.code, exitOf('CONFIG_UNREADABLE'), r.stdout);
  const e = envelope(r).error;
  assert.equal(e.code, 'CONFIG_UNREADABLE');
  assert.equal(e.details.reason, 'not_a_file');
  assert.equal(completions(email).length, 0, 'the code was never sent: no key was minted');

  await fsp.rmdir(file);
  const again = await run(BIN.scripto, ['auth', 'login-complete', '--email', email, '--code', code, '--json'], { env });
  assert.equal(again.code, 0, again.stdout);
  assert.equal((await h.readConfig('scripto')).profiles.preflight.keyId, envelope(again).data.keyId);
});

test('a key minted but not saved: KEY_NOT_SAVED names a 0600 recovery file holding it, nothing prints it, and config set --api-key-stdin < FILE saves it', async () => {
  const h = await suite.home();
  const email = 'recover@example.com';
  const file = h.config('scripto');
  const env = h.env({ SCRIPTO_BASE_URL: suite.emu.url });
  const cli = breakingCli(async () => {
    // The profile file turns into a directory between the pre-flight and the save.
    await fsp.rm(file, { force: true });
    await fsp.mkdir(file);
  });
  const code = await codeFor(email);
  const r = await inproc(cli, ['auth', 'login-complete', '--email', email, '--code', code, '--json'], { env });
  assert.equal(r.code, exitOf('KEY_NOT_SAVED'), r.stdout);
  assert.equal(r.stderr, '');
  const e = envelope(r).error;
  assert.equal(e.code, 'KEY_NOT_SAVED');
  assert.equal(e.nextAction.kind, 'save_key');
  assert.match(e.details.keyId, /^key_/);
  const recovery = e.details.recoveryFile;
  assert.equal(typeof recovery, 'string');
  assert.equal(fs.realpathSync(join(recovery, '..')), fs.realpathSync(join(file, '..')), 'kept in the profile directory, which is still sound');
  assert.ok(e.message.includes(recovery));
  assert.equal(e.nextAction.command, `scripto config set --api-key-stdin < ${recovery}`);
  if (POSIX) assert.equal(fs.statSync(recovery).mode & 0o777, 0o600);
  const text = await fsp.readFile(recovery, 'utf8');
  const key = text.split('\n')[0];
  assert.match(key, /^scripto_[A-Za-z0-9]{20,}$/);
  assert.ok(text.includes(e.details.keyId));
  assertNoSecrets([r], [key]);

  // Also in human mode: the file is named, the key is not shown.
  const email2 = 'recover2@example.com';
  await fsp.rmdir(file);
  const human = await inproc(cli, ['auth', 'login-complete', '--email', email2, '--code', await codeFor(email2)], { env });
  assert.equal(human.code, exitOf('KEY_NOT_SAVED'));
  assert.match(human.stderr, /^✗ The key was minted but could not be saved: .* The key was written to .*unsaved-key-.*\.txt \(readable only by you\)\. \(KEY_NOT_SAVED\)\n {2}Fix the profile file .*, then save the key with: scripto config set --api-key-stdin < /);
  const file2 = /written to (\S+\.txt) \(readable/.exec(human.stderr)[1];
  assertNoSecrets([human], [(await fsp.readFile(file2, 'utf8')).split('\n')[0]]);

  // Fixed: the recovery file is saved as it says, as the same key.
  await fsp.rmdir(file);
  const saved = await inproc(createCli({ program: 'scripto', provider: 'scripto' }), ['config', 'set', '--api-key-stdin', '--json'], { env, input: text });
  assert.equal(saved.code, 0, saved.stdout);
  assert.equal(saved.stderr, '');
  const doc = await h.readConfig('scripto');
  const p = doc.profiles[envelope(saved).data.profile];
  assert.equal(p.apiKey, key);
  assert.equal(p.keyId, e.details.keyId);
  assertNoSecrets([saved], [key]);
});

test('when the profile directory itself is unusable, the recovery file goes to $XDG_STATE_HOME/<program> (0700)', { skip: !POSIX && 'POSIX modes' }, async () => {
  const h = await suite.home();
  const email = 'state@example.com';
  const dir = join(h.home, '.config', 'scripto');
  const state = join(h.home, 'state');
  const env = h.env({ SCRIPTO_BASE_URL: suite.emu.url, XDG_STATE_HOME: state });
  // The directory becomes writable by others after the pre-flight: nothing may be put there.
  const cli = breakingCli(() => fsp.chmod(dir, 0o777));
  const r = await inproc(cli, ['auth', 'login-complete', '--email', email, '--code', await codeFor(email), '--json'], { env });
  assert.equal(r.code, exitOf('KEY_NOT_SAVED'), r.stdout);
  const e = envelope(r).error;
  assert.equal(e.details.cause, 'CONFIG_UNREADABLE');
  assert.equal(join(e.details.recoveryFile, '..'), join(state, 'scripto'));
  assert.equal(fs.statSync(join(state, 'scripto')).mode & 0o777, 0o700);
  assert.equal(fs.statSync(e.details.recoveryFile).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith('unsaved-')), [], 'nothing written to the unsafe directory');
  const key = (await fsp.readFile(e.details.recoveryFile, 'utf8')).split('\n')[0];
  assertNoSecrets([r], [key]);
});

test('once a key exists the save outlasts the usual lock timeout: update(fn, {lockTimeoutMs}) waits for a held lock', async () => {
  const h = await suite.home();
  const program = 'waiter';
  const holder = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/store-writer.mjs', import.meta.url)), 'hold-lock', program, '1500'], {
    env: h.env(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const closed = new Promise((resolve) => holder.on('close', resolve));
  const lines = createInterface({ input: holder.stdout });
  const first = await new Promise((resolve) => lines.once('line', resolve));
  assert.deepEqual(JSON.parse(first), { locked: true });
  const s = new FileProfileStore({ program, env: h.env(), lockTimeoutMs: 100 });
  const locked = await keymintRejection(s.update((doc) => { doc.profiles.a = { provider: 'x', baseUrl: 'https://x.test' }; }));
  assert.equal(locked.code, 'CONFIG_LOCKED');
  await s.update((doc) => { doc.profiles.a = { provider: 'x', baseUrl: 'https://x.test' }; }, { lockTimeoutMs: 60000 });
  assert.deepEqual(Object.keys((await s.read()).profiles), ['a']);
  await closed;
});

// Alone, after the others: many processes at once are load enough.
test('30 processes at once (20 complete, 5 remove, 5 use): every minted key ends up in the store or handed back', async () => {
  const h = await suite.home();
  const env = h.env({ SCRIPTO_BASE_URL: suite.emu.url });
  // Profiles for the remove and use processes to work on.
  const seeded = Array.from({ length: 10 }, (_, i) => `seed${i}`);
  const s = new FileProfileStore({ program: 'scripto', env });
  for (const name of seeded) await s.put(name, { provider: 'scripto', baseUrl: suite.emu.url, apiKey: `scripto_seed${name}00000000000000`, email: `${name}@example.com` });

  const emails = Array.from({ length: 20 }, (_, i) => `par${i}@example.com`);
  const codes = await Promise.all(emails.map(codeFor));
  const jobs = [
    ...emails.map((email, i) => ['complete', email, ['auth', 'login-complete', '--email', email, '--code', codes[i], '--json']]),
    ...seeded.slice(0, 5).map((name) => ['remove', name, ['profile', 'remove', name, '--json']]),
    ...seeded.slice(5).map((name) => ['use', name, ['profile', 'use', name, '--json']]),
  ];
  const runs = await Promise.all(jobs.map(([, , args]) => run(BIN.scripto, args, { env, timeout: 600000 })));

  const doc = await h.readConfig('scripto');
  const storedKeyIds = new Set(Object.values(doc.profiles).map((p) => p.keyId).filter(Boolean));
  let inStore = 0;
  let handedBack = 0;
  let mintedTotal = 0;
  jobs.forEach(([kind, who], i) => {
    const r = runs[i];
    const env1 = envelope(r);
    if (kind !== 'complete') {
      assert.equal(r.code, 0, `${kind} ${who}: ${r.stdout}`);
      return;
    }
    const minted = completions(who).filter((q) => q.status === 200).length;
    mintedTotal += minted;
    if (r.code === 0) {
      assert.ok(storedKeyIds.has(env1.data.keyId), `${who}: the key reported saved is in the store`);
      inStore++;
    } else if (env1.error.code === 'KEY_NOT_SAVED') {
      const text = fs.readFileSync(env1.error.details.recoveryFile, 'utf8');
      assert.match(text.split('\n')[0], /^scripto_/, `${who}: the recovery file holds the key`);
      handedBack++;
    } else {
      assert.equal(minted, 0, `${who}: failed with ${env1.error.code} after a key was minted`);
    }
  });
  // Every key the backend minted is accounted for.
  assert.equal(inStore + handedBack, mintedTotal);
  assert.ok(mintedTotal > 0);
  for (const name of seeded.slice(0, 5)) assert.equal(doc.profiles[name], undefined);
  assertNoSecrets(runs, Object.values(doc.profiles).map((p) => p.apiKey));
});
