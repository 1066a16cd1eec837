// Issue 14 items 4 and 9: the profile store trusts nothing another user could have planted,
// and a lock that is not a regular file (a dangling symlink) fails at once instead of spinning.
//
// Ownership needs a second user: run as root, a throwaway user is made with useradd (removed
// afterwards); otherwise those tests are skipped with the reason printed.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as keymint from '../src/index.mjs';
import { FileProfileStore } from '../src/node/profile-store.mjs';
import { BIN, cliSuite, run, envelope } from './fixtures/cli-helpers.mjs';
import { keymintRejection } from './fixtures/rejection.mjs';

/** Await a KeymintError and run `check` on it. */
const rejectsWith = async (promise, check) => check(await keymintRejection(promise));

const suite = cliSuite();
const POSIX = process.platform !== 'win32';
const exitOf = (code) => keymint.codeTable().find((r) => r.code === code).exitCode;

/** A fresh private directory, removed after the file's tests. */
const made = [];
async function scratch() {
  const d = await fsp.mkdtemp(join(tmpdir(), 'keymint-secstore-'));
  made.push(d);
  return d;
}

/**
 * A throwaway second user (uid/gid), or the reason there is none. Made once, removed after.
 * @returns {{uid: number, gid: number} | {skip: string}}
 */
let other;
function otherUser() {
  if (other) return other;
  if (!POSIX) return (other = { skip: 'no uids on this platform' });
  if (process.getuid() !== 0) return (other = { skip: 'not root: no second user to give the directory to' });
  const name = `kmsec${process.pid}`;
  const add = spawnSync('useradd', ['-M', '-s', '/usr/sbin/nologin', name], { encoding: 'utf8' });
  if (add.status !== 0) return (other = { skip: `useradd failed: ${(add.stderr || add.error?.message || '').trim()}` });
  const id = (flag) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  other = { uid: id('-u'), gid: id('-g'), name };
  return other;
}

after(async () => {
  await Promise.all(made.map((d) => fsp.rm(d, { recursive: true, force: true })));
  if (other?.name) spawnSync('userdel', [other.name]);
});

/** Skip `t` with a printed reason when there is no second user. */
function needOther(t) {
  const u = otherUser();
  if ('skip' in u) {
    process.stdout.write(`# skipped: ${u.skip}\n`);
    t.skip(u.skip);
    return null;
  }
  return u;
}

const refused = (reason, path) => (e) => {
  assert.equal(e.code, 'CONFIG_UNREADABLE');
  assert.equal(e.exitCode, exitOf('CONFIG_UNREADABLE'));
  assert.equal(e.nextAction.kind, 'fix_config');
  assert.equal(e.details.reason, reason);
  if (path) assert.equal(e.details.path, path);
  return true;
};

describe('item 4: the profile store refuses what another user could have planted', { concurrency: false, skip: !POSIX && 'POSIX only' }, () => {
  test('the reported attack: a shared XDG_CONFIG_HOME with keymint/ pre-created (0777) by another user holding her own pending flow — refused, her server never hears the code', async (t) => {
    const u = needOther(t);
    if (!u) return;
    const her = await suite.emulator();
    const victim = 'victim@example.com';
    // Her genuine pending flow for the victim's email, pointing at her server.
    const hers = await scratch();
    const req = await run(BIN.scripto, ['auth', 'login-request', '--email', victim], {
      env: { PATH: process.env.PATH, HOME: hers, XDG_CONFIG_HOME: hers, SCRIPTO_BASE_URL: her.url },
    });
    assert.equal(req.code, 0, req.stderr);
    // She plants it in the shared directory, as her own, world-writable.
    const shared = await scratch();
    await fsp.chmod(shared, 0o1777);
    const planted = join(shared, 'scripto');
    await fsp.mkdir(planted);
    await fsp.copyFile(join(hers, 'scripto', 'config.json'), join(planted, 'config.json'));
    for (const p of [planted, join(planted, 'config.json')]) fs.chownSync(p, u.uid, u.gid);
    await fsp.chmod(planted, 0o777);
    await fsp.chmod(join(planted, 'config.json'), 0o666);
    her.clearRequests();

    // The victim runs the documented command with the code from her mail.
    const home = await scratch();
    const r = await run(BIN.scripto, ['auth', 'login-complete', '--email', victim, '--code', '918273', '--json'], {
      env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: shared },
    });
    assert.equal(r.code, exitOf('CONFIG_UNREADABLE'), r.stdout);
    const e = envelope(r).error;
    assert.equal(e.code, 'CONFIG_UNREADABLE');
    assert.equal(e.details.reason, 'not_owner');
    assert.equal(e.details.path, planted);
    assert.equal(e.details.owner, u.uid);
    assert.match(e.message, /owned by another user/);
    assert.equal(her.requests.length, 0, 'nothing was sent to her server');
    // Nothing in the planted directory was changed.
    assert.equal(fs.statSync(planted).uid, u.uid);
    assert.equal(fs.statSync(planted).mode & 0o777, 0o777);
  });

  test('a directory owned by another user is refused by read() and update(), even when it is not writable by others', async (t) => {
    const u = needOther(t);
    if (!u) return;
    const dir = join(await scratch(), 'app');
    await fsp.mkdir(dir, { mode: 0o700 });
    await fsp.writeFile(join(dir, 'config.json'), '{"version":1}\n', { mode: 0o600 });
    fs.chownSync(dir, u.uid, u.gid);
    const s = new FileProfileStore({ path: join(dir, 'config.json'), lockTimeoutMs: 1000 });
    await rejectsWith(s.read(), refused('not_owner', dir));
    await rejectsWith(s.put('p', { provider: 'scripto', baseUrl: 'https://x.test', apiKey: 'scripto_abc' }), refused('not_owner', dir));
    assert.equal(await fsp.readFile(join(dir, 'config.json'), 'utf8'), '{"version":1}\n');
  });

  test('a file in our directory owned by another user is refused', async (t) => {
    const u = needOther(t);
    if (!u) return;
    const dir = join(await scratch(), 'app');
    await fsp.mkdir(dir, { mode: 0o700 });
    const file = join(dir, 'config.json');
    await fsp.writeFile(file, '{"version":1}\n', { mode: 0o600 });
    fs.chownSync(file, u.uid, u.gid);
    const s = new FileProfileStore({ path: file, lockTimeoutMs: 1000 });
    await rejectsWith(s.read(), refused('not_owner', file));
    await rejectsWith(s.update(() => {}), refused('not_owner', file));
  });

  test('our own directory or file writable by group or others is refused; 0755/0644 are tightened to 0700/0600', async () => {
    const dir = join(await scratch(), 'app');
    const file = join(dir, 'config.json');
    const s = new FileProfileStore({ path: file, lockTimeoutMs: 1000 });
    await s.put('a', { provider: 'scripto', baseUrl: 'https://x.test' });

    await fsp.chmod(dir, 0o777);
    await rejectsWith(s.read(), refused('group_or_other_writable', dir));
    await rejectsWith(s.update(() => {}), refused('group_or_other_writable', dir));
    await fsp.chmod(dir, 0o770);
    await rejectsWith(s.read(), refused('group_or_other_writable', dir));

    await fsp.chmod(dir, 0o700);
    await fsp.chmod(file, 0o620);
    await rejectsWith(s.read(), (e) => refused('group_or_other_writable', file)(e) && e.details.mode === '0620');
    await fsp.chmod(file, 0o606);
    await rejectsWith(s.read(), refused('group_or_other_writable', file));

    await fsp.chmod(dir, 0o755);
    await fsp.chmod(file, 0o644);
    assert.equal((await s.read()).active, 'a');
    await s.put('b', { provider: 'scripto', baseUrl: 'https://x.test' });
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  test('an ancestor writable by others is refused unless it is sticky (like /tmp)', async () => {
    const top = await scratch();
    const shared = join(top, 'shared');
    await fsp.mkdir(shared);
    await fsp.chmod(shared, 0o777);
    const s = new FileProfileStore({ program: 'app', env: { XDG_CONFIG_HOME: shared }, lockTimeoutMs: 1000 });
    await rejectsWith(s.put('a', { provider: 'scripto', baseUrl: 'https://x.test' }), refused('group_or_other_writable', shared));
    await fsp.chmod(shared, 0o1777);
    await s.put('a', { provider: 'scripto', baseUrl: 'https://x.test' });
    assert.equal((await s.read()).active, 'a');
  });

  test('symlinks are never followed: config.json, and the lock', async () => {
    const dir = join(await scratch(), 'app');
    await fsp.mkdir(dir, { mode: 0o700 });
    const file = join(dir, 'config.json');
    const elsewhere = join(await scratch(), 'elsewhere.json');
    const bytes = '{"version":1,"active":null,"profiles":{},"pending":{},"leases":{}}\n';
    await fsp.writeFile(elsewhere, bytes, { mode: 0o600 });
    await fsp.symlink(elsewhere, file);
    const s = new FileProfileStore({ path: file, lockTimeoutMs: 1000 });
    await rejectsWith(s.read(), refused('symlink', file));
    await rejectsWith(s.put('a', { provider: 'scripto', baseUrl: 'https://x.test', apiKey: 'scripto_planted' }), refused('symlink', file));
    assert.equal(await fsp.readFile(elsewhere, 'utf8'), bytes, 'the target was neither read into nor written');
    assert.ok(fs.lstatSync(file).isSymbolicLink());

    // A lock that is a symlink to a real file: refused, the file left alone.
    await fsp.unlink(file);
    await fsp.symlink(elsewhere, `${file}.lock`);
    await rejectsWith(s.update(() => {}), refused('symlink', `${file}.lock`));
    assert.equal(await fsp.readFile(elsewhere, 'utf8'), bytes);

    // A FIFO where the file should be cannot hang a read.
    await fsp.unlink(`${file}.lock`);
    if (spawnSync('mkfifo', [file]).status === 0) {
      await rejectsWith(s.read(), refused('not_a_file', file));
    }
  });

  test('checkWritable(): refuses a store that could not take an update, passes (leaving nothing behind) when it could', async () => {
    const dir = join(await scratch(), 'app');
    const file = join(dir, 'config.json');
    const s = new FileProfileStore({ path: file, lockTimeoutMs: 1000 });
    await s.checkWritable();
    assert.deepEqual(fs.readdirSync(dir), [], 'no probe, lock or file left');
    // It resolves to the document it read under the lock: a caller needs no read() of its own.
    await s.setPending('p|login|a@example.com', { phase: 'code_sent' });
    assert.deepEqual(await s.checkWritable(), await s.read());
    await fsp.rm(file);
    await fsp.mkdir(file);
    await rejectsWith(s.checkWritable(), refused('not_a_file', file));
  });
});

describe('item 9: a lock that is not a regular file', { concurrency: false, skip: !POSIX && 'POSIX only' }, () => {
  test('a dangling config.json.lock symlink fails at once with CONFIG_UNREADABLE (reason symlink), not a spin past the timeout', async () => {
    const dir = join(await scratch(), 'app');
    await fsp.mkdir(dir, { mode: 0o700 });
    const file = join(dir, 'config.json');
    await fsp.symlink(join(dir, 'nowhere'), `${file}.lock`);
    const s = new FileProfileStore({ path: file, lockTimeoutMs: 60000 });
    // With a 60 s timeout, anything but an immediate answer would time the test out.
    await rejectsWith(s.update(() => {}), (e) => {
      refused('symlink', `${file}.lock`)(e);
      assert.match(e.nextAction.text, /Remove or move .*config\.json\.lock aside/);
      return true;
    });
    assert.equal(fs.existsSync(join(dir, 'nowhere')), false, 'the symlink was not followed to create its target');
  });

  test('the CLI says so too, in both modes, and exits with the table\'s code', async () => {
    const home = await scratch();
    const dir = join(home, '.config', 'scripto');
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    await fsp.symlink(join(dir, 'gone'), join(dir, 'config.json.lock'));
    const env = { PATH: process.env.PATH, HOME: home, SCRIPTO_BASE_URL: suite.emu.url };
    const j = await run(BIN.scripto, ['auth', 'logout', '--profile', 'x', '--json'], { env });
    assert.equal(j.code, exitOf('CONFIG_UNREADABLE'), j.stdout);
    assert.equal(envelope(j).error.details.reason, 'symlink');
    const human = await run(BIN.scripto, ['profile', 'use', 'x'], { env });
    assert.equal(human.code, exitOf('CONFIG_UNREADABLE'));
    assert.match(human.stderr, /^✗ Refusing to use .*config\.json\.lock: it is a symbolic link/);
  });
});
