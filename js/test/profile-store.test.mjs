// Profile stores: the Node file store (locking, atomic writes, modes, corruption, leases across
// processes) and the in-memory store (same API). Run: node --test js/test/profile-store.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import {
  FileProfileStore,
  configPath,
  profileNameFromEmail,
  profileNameFromOrganization,
} from '../src/node/profile-store.mjs';
import { MemoryProfileStore } from '../src/stores/memory.mjs';
// From an entry: masking runs on the core an entry loads (the stores carry none).
import { maskSecret } from '../src/index.mjs';
import { rejectsWithCode } from './fixtures/rejection.mjs';

const WRITER = fileURLToPath(new URL('./fixtures/store-writer.mjs', import.meta.url));
const PROGRAM = 'keymint-test';

const tmpRoots = [];
function tmpHome() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keymint-store-'));
  tmpRoots.push(dir);
  return dir;
}
after(() => {
  for (const dir of tmpRoots) fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const profile = (extra = {}) => ({ provider: 'codika', baseUrl: 'https://api.example.test', ...extra });
const fileStore = (home, opts = {}) => new FileProfileStore({ program: PROGRAM, env: { HOME: home }, ...opts });

/** Spawn the writer fixture with a temporary HOME; collect its JSON lines. */
function spawnWriter(home, args) {
  const env = { ...process.env, HOME: home };
  delete env.XDG_CONFIG_HOME;
  const child = spawn(process.execPath, [WRITER, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const waiters = [];
  let buf = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      lines.push(msg);
      for (const w of [...waiters]) if (w.pred(msg)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(msg); }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    exited,
    get stderr() { return stderr; },
    /** Resolve with the first line matching pred (past or future). */
    waitFor(pred, timeoutMs = 10000) {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for the writer; stderr: ${stderr}`)), timeoutMs);
        waiters.push({ pred, resolve: (m) => { clearTimeout(t); resolve(m); } });
        exited.then(() => setTimeout(() => reject(new Error(`writer exited; stderr: ${stderr}`)), 50));
      });
    },
  };
}

async function deadPid() {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid;
}

function dirEntries(store) {
  return fs.readdirSync(store.dir).sort();
}

function assertValidDocument(text) {
  const doc = JSON.parse(text);
  assert.equal(doc.version, 1);
  assert.equal(typeof doc.profiles, 'object');
  assert.ok(doc.active === null || typeof doc.active === 'string');
  return doc;
}

const rejectsWith = rejectsWithCode;

// ---------------------------------------------------------------------------------------------

describe('configPath', () => {
  test('XDG_CONFIG_HOME when set and absolute', () => {
    assert.equal(configPath('codika', { XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/u' }), path.join('/x/cfg', 'codika', 'config.json'));
  });
  test('HOME/.config when XDG_CONFIG_HOME is unset, empty or relative', () => {
    const want = path.join('/home/u', '.config', 'scripto', 'config.json');
    assert.equal(configPath('scripto', { HOME: '/home/u' }), want);
    assert.equal(configPath('scripto', { HOME: '/home/u', XDG_CONFIG_HOME: '' }), want);
    assert.equal(configPath('scripto', { HOME: '/home/u', XDG_CONFIG_HOME: 'rel/cfg' }), want);
  });
  test('os.homedir() when HOME is unset', () => {
    assert.equal(configPath('codika', {}), path.join(os.homedir(), '.config', 'codika', 'config.json'));
  });
  test('defaults to process.env', () => {
    const want = process.env.XDG_CONFIG_HOME && path.isAbsolute(process.env.XDG_CONFIG_HOME)
      ? path.join(process.env.XDG_CONFIG_HOME, 'codika', 'config.json')
      : path.join(process.env.HOME || os.homedir(), '.config', 'codika', 'config.json');
    assert.equal(configPath('codika'), want);
  });
  test('program names are validated', () => {
    for (const bad of ['', 'Codika', '-x', '.x', '../x', 'a/b', 'a b', undefined, 7]) {
      assert.throws(() => configPath(bad, {}), TypeError, String(bad));
    }
    for (const good of ['codika', 'scripto', 'my-cli', 'a.b_c', '0x']) configPath(good, { HOME: '/h' });
  });
  test('the file store resolves the same path', () => {
    const home = tmpHome();
    const s = fileStore(home);
    assert.equal(s.path, path.join(home, '.config', PROGRAM, 'config.json'));
    const x = new FileProfileStore({ program: PROGRAM, env: { HOME: home, XDG_CONFIG_HOME: path.join(home, 'xdg') } });
    assert.equal(x.path, path.join(home, 'xdg', PROGRAM, 'config.json'));
    assert.equal(x.lockPath, `${x.path}.lock`);
  });
});

describe('modes', { skip: process.platform === 'win32' }, () => {
  for (const mask of [0o000, 0o077, 0o022]) {
    test(`directory 0700 and file 0600 with umask ${mask.toString(8).padStart(3, '0')}`, async () => {
      const old = process.umask(mask);
      try {
        const home = tmpHome();
        const s = fileStore(home);
        await s.put('a', profile({ apiKey: 'cko_abcdefghijklmnopqrstuvwx' }));
        assert.equal(fs.statSync(s.dir).mode & 0o777, 0o700);
        assert.equal(fs.statSync(s.path).mode & 0o777, 0o600);
      } finally {
        process.umask(old);
      }
    });
  }
  test('an existing loose directory and file are tightened on write', async () => {
    const home = tmpHome();
    const s = fileStore(home);
    fs.mkdirSync(s.dir, { recursive: true, mode: 0o755 });
    fs.chmodSync(s.dir, 0o755);
    fs.writeFileSync(s.path, JSON.stringify({ version: 1, active: null, profiles: {} }), { mode: 0o644 });
    fs.chmodSync(s.path, 0o644);
    await s.put('a', profile());
    assert.equal(fs.statSync(s.dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(s.path).mode & 0o777, 0o600);
  });
});

// The same API battery against both stores.
const factories = {
  file: () => fileStore(tmpHome()),
  memory: () => new MemoryProfileStore(),
};

for (const [kind, make] of Object.entries(factories)) {
  describe(`${kind} store API`, () => {
    test('an empty store', async () => {
      const s = make();
      assert.deepEqual(await s.read(), { version: 1, active: null, profiles: {}, pending: {}, leases: {} });
      assert.deepEqual(await s.list(), []);
      assert.equal(await s.get('a'), undefined);
      assert.equal(await s.active(), undefined);
      assert.equal(await s.uniqueName('acme'), 'acme');
    });

    test('put / get / list / active / use / remove', async () => {
      const s = make();
      const p1 = profile({ apiKey: 'cko_1111111111111111ab12', organization: { id: 'o1', name: 'Acme' }, futureField: { x: 1 } });
      const stored = await s.put('acme', p1);
      assert.equal(typeof stored.createdAt, 'string');
      assert.ok(!Number.isNaN(Date.parse(stored.createdAt)));
      const got = await s.get('acme');
      assert.deepEqual(got, { ...p1, createdAt: stored.createdAt });
      assert.deepEqual(got.futureField, { x: 1 }, 'unknown fields are kept');
      assert.deepEqual(await s.active(), { name: 'acme', profile: got });

      await s.put('other', profile({ provider: 'scripto' }), { activate: false });
      assert.equal((await s.active()).name, 'acme');
      const list = await s.list();
      assert.deepEqual(list.map((p) => [p.name, p.active, p.provider]), [['acme', true, 'codika'], ['other', false, 'scripto']]);

      assert.deepEqual((await s.use('other')).name, 'other');
      assert.equal((await s.active()).name, 'other');

      await s.remove('acme');
      assert.equal(await s.get('acme'), undefined);
      assert.equal((await s.active()).name, 'other');
      await s.remove('other');
      const doc = await s.read();
      assert.equal(doc.active, null, 'removing the active profile leaves none active');
      assert.deepEqual(doc.profiles, {});
    });

    test('put keeps createdAt when replacing; get returns copies', async () => {
      const s = make();
      const first = await s.put('a', profile({ apiKey: 'cko_x' }));
      await sleep(5);
      const second = await s.put('a', profile({ apiKey: 'cko_y' }));
      assert.equal(second.createdAt, first.createdAt);
      assert.equal((await s.get('a')).apiKey, 'cko_y');
      const given = profile({ scopes: ['a'] });
      await s.put('b', given);
      given.scopes.push('mutated');
      const g = await s.get('b');
      g.scopes.push('again');
      assert.deepEqual((await s.get('b')).scopes, ['a']);
    });

    test('uniqueName and add pick base, base-2, base-3 …', async () => {
      const s = make();
      assert.equal(await s.add('acme', profile()), 'acme');
      assert.equal(await s.uniqueName('acme'), 'acme-2');
      assert.equal(await s.add('acme', profile()), 'acme-2');
      assert.equal(await s.add('acme', profile(), { activate: false }), 'acme-3');
      assert.equal((await s.active()).name, 'acme-2');
      assert.equal(await s.uniqueName('acme'), 'acme-4');
      assert.equal(await s.uniqueName('other'), 'other');
      const long = 'a'.repeat(64);
      assert.equal(await s.add(long, profile()), long);
      assert.equal(await s.add(long, profile()), `${'a'.repeat(62)}-2`);
    });

    test('PROFILE_NOT_FOUND for remove and use', async () => {
      const s = make();
      await s.put('acme', profile());
      for (const op of [() => s.remove('nope'), () => s.use('nope'), () => s.use('constructor'), () => s.remove('__proto__')]) {
        const err = await rejectsWith(op(), 'PROFILE_NOT_FOUND');
        assert.equal(err.exitCode, 2);
        assert.equal(err.nextAction.kind, 'fix_input');
        assert.equal(err.nextAction.field, 'profile');
        assert.ok(err.nextAction.text.includes('acme'));
      }
      const err = await rejectsWith(s.use('cko_thisLooksLikeASecretKey1234'), 'PROFILE_NOT_FOUND');
      assert.ok(!err.message.includes('thisLooksLikeASecret'), 'a secret-looking name is masked');
      assert.equal(await s.get('constructor'), undefined);
      assert.equal(await s.get('toString'), undefined);
    });

    test('invalid names and profiles are refused', async () => {
      const s = make();
      for (const bad of ['', '-x', 'a b', 'a/b', '__proto__', 'x'.repeat(65)]) {
        const err = await rejectsWith(s.put(bad, profile()), 'PROFILE_NAME_INVALID');
        assert.equal(err.exitCode, 2);
        assert.equal(err.nextAction.field, 'profile');
      }
      await assert.rejects(s.put('a', null), TypeError);
      await assert.rejects(s.put('a', { baseUrl: 'https://x' }), TypeError);
      await assert.rejects(s.put('a', { provider: 'codika' }), TypeError);
      assert.deepEqual(await s.list(), []);
    });

    test('update: returns fn value; a throwing fn writes nothing', async () => {
      const s = make();
      await s.put('a', profile());
      const before = await s.read();
      assert.equal(await s.update((doc) => { doc.profiles.b = profile(); return 42; }), 42);
      assert.ok((await s.get('b')));
      const mid = await s.read();
      await assert.rejects(s.update((doc) => { delete doc.profiles.a; throw new Error('boom'); }), /boom/);
      await assert.rejects(s.update(async (doc) => { doc.active = 'b'; await sleep(1); throw new Error('late'); }), /late/);
      assert.deepEqual(await s.read(), mid);
      assert.notDeepEqual(before, mid);
      await assert.rejects(s.update((doc) => { doc.version = 2; }), TypeError);
      assert.deepEqual(await s.read(), mid);
    });

    test('concurrent updates in one process are serialised', async () => {
      const s = make();
      const names = await Promise.all(Array.from({ length: 20 }, () => s.add('acme', profile())));
      assert.equal(new Set(names).size, 20);
      assert.equal(Object.keys((await s.read()).profiles).length, 20);
    });

    test('pending set / get / clear', async () => {
      const s = make();
      assert.equal(await s.getPending('codika:you@example.com'), undefined);
      const state = { v: 1, email: 'you@example.com', purpose: 'login', expiresAt: 123, nested: { a: [1, 2] } };
      await s.setPending('codika:you@example.com', state);
      await s.setPending('other', { v: 1 });
      state.nested.a.push(3);
      assert.deepEqual(await s.getPending('codika:you@example.com'), { v: 1, email: 'you@example.com', purpose: 'login', expiresAt: 123, nested: { a: [1, 2] } });
      await s.setPending('codika:you@example.com', null);
      assert.equal(await s.getPending('codika:you@example.com'), undefined);
      assert.deepEqual(await s.getPending('other'), { v: 1 });
      await s.setPending('other', undefined);
      assert.deepEqual((await s.read()).pending, {});
      await assert.rejects(s.setPending('', {}), TypeError);
      await assert.rejects(s.setPending('k', 'not an object'), TypeError);
    });

    test('withLease excludes within the process and times out', async () => {
      const s = make();
      const events = [];
      const run = (id) => s.withLease('refresh:acme', 5000, async (lease) => {
        assert.equal(lease.key, 'refresh:acme');
        events.push(`${id}+`);
        await sleep(60);
        events.push(`${id}-`);
        return id;
      });
      assert.deepEqual(await Promise.all([run('a'), run('b')]), ['a', 'b']);
      assert.ok(['a+,a-,b+,b-', 'b+,b-,a+,a-'].includes(events.join(',')), events.join(','));
      assert.deepEqual((await s.read()).leases, {}, 'released');

      let release;
      const holding = s.withLease('k', 5000, () => new Promise((r) => { release = r; }));
      await sleep(30);
      const t0 = Date.now();
      const err = await rejectsWith(s.withLease('k', 1000, () => 'never', { waitMs: 150 }), 'LEASE_TIMEOUT');
      assert.ok(Date.now() - t0 >= 140);
      assert.equal(err.exitCode, 1);
      assert.equal(err.nextAction.kind, 'retry');
      assert.equal(await s.withLease('other-key', 1000, () => 'free'), 'free');
      release();
      await holding;
      assert.equal(await s.withLease('k', 1000, () => 'now'), 'now');
      // fn's error propagates and the lease is released
      await assert.rejects(s.withLease('k', 1000, () => { throw new Error('inside'); }), /inside/);
      assert.deepEqual((await s.read()).leases, {});
    });

    test('a lease of an owner that may be alive is taken over when it expires', async () => {
      const s = make();
      // On another host the file store cannot check the pid, so it waits for `until`; the memory
      // store has no other processes, so an owner it does not know is gone and the lease is free.
      await s.update((doc) => { doc.leases.k = { owner: `${process.pid}.abcdef@elsewhere`, until: Date.now() + 150 }; });
      const t0 = Date.now();
      assert.equal(await s.withLease('k', 1000, () => 'mine', { waitMs: 2000 }), 'mine');
      if (kind === 'file') assert.ok(Date.now() - t0 >= 120, 'waited for expiry');
      else assert.ok(Date.now() - t0 < 100, 'taken at once');
      assert.deepEqual((await s.read()).leases, {});
    });
  });
}

describe('file store on disk', () => {
  test('the document is pretty JSON with the documented shape; nothing else is left', async () => {
    const s = fileStore(tmpHome());
    await s.put('acme', profile({ apiKey: 'cko_abc' }));
    await s.setPending('k', { v: 1 });
    const doc = JSON.parse(fs.readFileSync(s.path, 'utf8'));
    assert.deepEqual(Object.keys(doc), ['version', 'active', 'profiles', 'pending', 'leases']);
    assert.equal(doc.active, 'acme');
    assert.deepEqual(dirEntries(s), ['config.json']);
  });

  test('a file without optional sections and with unknown fields is read and kept', async () => {
    const s = fileStore(tmpHome());
    fs.mkdirSync(s.dir, { recursive: true });
    fs.writeFileSync(s.path, JSON.stringify({ version: 1, profiles: { a: profile() }, extra: { keep: true } }));
    assert.deepEqual(await s.read(), { version: 1, profiles: { a: profile() }, extra: { keep: true }, active: null, pending: {}, leases: {} });
    await s.use('a');
    assert.deepEqual(JSON.parse(fs.readFileSync(s.path, 'utf8')).extra, { keep: true });
  });

  test('reads do not create anything; a no-op update writes nothing', async () => {
    const s = fileStore(tmpHome());
    await s.read();
    await s.list();
    assert.equal(fs.existsSync(s.dir), false);
    await s.update(() => {});
    assert.equal(fs.existsSync(s.path), false);
    await s.put('a', profile());
    const mtime = fs.statSync(s.path).mtimeMs;
    const ino = fs.statSync(s.path).ino;
    await sleep(20);
    await s.update(() => {});
    assert.equal(fs.statSync(s.path).mtimeMs, mtime);
    assert.equal(fs.statSync(s.path).ino, ino);
  });

  test('update inside update of the same file fails at once', async () => {
    const s = fileStore(tmpHome(), { lockTimeoutMs: 5000 });
    const t0 = Date.now();
    await assert.rejects(s.update(async () => { await s.put('a', profile()); }), /inside an update/);
    assert.ok(Date.now() - t0 < 1000);
    assert.deepEqual(dirEntries(s), []);
  });

  describe('a corrupt file is never overwritten', () => {
    const cases = {
      'invalid JSON': '{"version": 1, "profiles": {"a": {"apiKey": "cko_SECRETSECRETSECRET',
      'empty file': '',
      'an array': '[]',
      'a string': '"hello"',
      'unknown version': '{"version": 2, "active": null, "profiles": {}}',
      'no version': '{"active": null, "profiles": {}}',
      'profiles is an array': '{"version": 1, "active": null, "profiles": []}',
      'a profile is not an object': '{"version": 1, "profiles": {"a": "cko_SECRETSECRETSECRET"}}',
      'active is a number': '{"version": 1, "active": 3, "profiles": {}}',
      'a bad lease': '{"version": 1, "profiles": {}, "leases": {"k": {"owner": 1}}}',
    };
    for (const [label, bytes] of Object.entries(cases)) {
      test(label, async () => {
        const s = fileStore(tmpHome());
        fs.mkdirSync(s.dir, { recursive: true });
        fs.writeFileSync(s.path, bytes);
        const ops = [
          () => s.read(), () => s.list(), () => s.get('a'), () => s.active(),
          () => s.put('b', profile()), () => s.add('b', profile()), () => s.remove('a'),
          () => s.use('a'), () => s.setPending('k', { v: 1 }), () => s.withLease('k', 100, () => 1),
        ];
        for (const op of ops) {
          const err = await rejectsWith(op(), 'CONFIG_CORRUPT');
          assert.ok(err.message.includes(s.path), err.message);
          assert.equal(err.exitCode, 1);
          assert.deepEqual(err.nextAction, { kind: 'fix_config', text: `Fix or move ${s.path} aside, then run the command again.` });
          assert.ok(!JSON.stringify(err).includes('SECRET'));
          assert.ok(!String(err.stack).includes('SECRET'));
          assert.equal(err.cause, undefined);
        }
        assert.equal(fs.readFileSync(s.path, 'utf8'), bytes, 'bytes unchanged');
        assert.deepEqual(dirEntries(s), ['config.json'], 'no lock or temp file left');
      });
    }
  });

  test('50 processes adding the same base name get 50 distinct names', async () => {
    const home = tmpHome();
    const s = fileStore(home);
    const N = 50;
    const writers = Array.from({ length: N }, (_, i) => spawnWriter(home, ['add', PROGRAM, 'acme', String(i)]));
    const results = await Promise.all(writers.map((w) => w.exited));
    for (const [i, r] of results.entries()) assert.equal(r.code, 0, `writer ${i}: ${JSON.stringify(writers[i].lines)} ${writers[i].stderr}`);
    const names = writers.map((w) => w.lines[0].name);
    assert.equal(new Set(names).size, N);
    const expected = ['acme', ...Array.from({ length: N - 1 }, (_, i) => `acme-${i + 2}`)];
    assert.deepEqual([...names].sort(), [...expected].sort());
    const doc = assertValidDocument(fs.readFileSync(s.path, 'utf8'));
    assert.deepEqual(Object.keys(doc.profiles).sort(), [...expected].sort());
    const keys = new Set(Object.values(doc.profiles).map((p) => p.apiKey));
    assert.equal(keys.size, N, 'every process kept its own profile');
    assert.ok(expected.includes(doc.active));
    assert.deepEqual(dirEntries(s), ['config.json'], 'no *.lock and no temp file left');
    assert.equal(fs.statSync(s.path).mode & 0o777, process.platform === 'win32' ? fs.statSync(s.path).mode & 0o777 : 0o600);
  });

  describe('locks', () => {
    const writeLock = (s, content, ageMs = 0) => {
      fs.mkdirSync(s.dir, { recursive: true });
      fs.writeFileSync(s.lockPath, content);
      if (ageMs) {
        const t = (Date.now() - ageMs) / 1000;
        fs.utimesSync(s.lockPath, t, t);
      }
    };

    test('a lock left by a dead process on this host is recovered at once', async () => {
      const s = fileStore(tmpHome());
      writeLock(s, JSON.stringify({ pid: await deadPid(), host: os.hostname(), at: Date.now() }));
      const t0 = Date.now();
      await s.put('a', profile());
      assert.ok(Date.now() - t0 < 1000);
      assert.ok(await s.get('a'));
      assert.deepEqual(dirEntries(s), ['config.json']);
    });

    test('many processes waiting on a dead process\'s lock: one recovers it, none loses an update', async () => {
      const home = tmpHome();
      const s = fileStore(home);
      await s.put('keep', profile());
      writeLock(s, JSON.stringify({ pid: await deadPid(), host: os.hostname(), at: Date.now() }));
      const N = 16;
      const writers = Array.from({ length: N }, (_, i) => spawnWriter(home, ['add', PROGRAM, 'acme', String(i)]));
      const results = await Promise.all(writers.map((w) => w.exited));
      for (const [i, r] of results.entries()) assert.equal(r.code, 0, writers[i].stderr);
      const names = writers.map((w) => w.lines[0].name);
      assert.equal(new Set(names).size, N);
      const doc = await s.read();
      for (const n of [...names, 'keep']) assert.ok(doc.profiles[n], n);
      assert.deepEqual(dirEntries(s), ['config.json']);
    });

    test('a lock older than staleLockMs is recovered (even a live pid elsewhere)', async () => {
      const s = fileStore(tmpHome());
      writeLock(s, JSON.stringify({ pid: process.pid, host: 'some-other-host', at: Date.now() - 60_000 }));
      await s.put('a', profile());
      assert.deepEqual(dirEntries(s), ['config.json']);
    });

    test('an unreadable lock is judged by its mtime', async () => {
      const s = fileStore(tmpHome(), { lockTimeoutMs: 300 });
      writeLock(s, '', 0);
      await rejectsWith(s.put('a', profile()), 'CONFIG_LOCKED');
      writeLock(s, '', 60_000);
      await s.put('a', profile());
      assert.deepEqual(dirEntries(s), ['config.json']);
    });

    test('a staleLockMs option is honoured', async () => {
      const s = fileStore(tmpHome(), { staleLockMs: 200, lockTimeoutMs: 3000 });
      writeLock(s, JSON.stringify({ pid: process.pid, host: 'some-other-host', at: Date.now() }));
      const t0 = Date.now();
      await s.put('a', profile());
      assert.ok(Date.now() - t0 >= 150);
    });

    test('a live lock held past lockTimeoutMs → CONFIG_LOCKED, and the lock is left alone', async () => {
      const s = fileStore(tmpHome(), { lockTimeoutMs: 300 });
      const content = JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() });
      writeLock(s, content);
      const t0 = Date.now();
      const err = await rejectsWith(s.put('a', profile()), 'CONFIG_LOCKED');
      const waited = Date.now() - t0;
      assert.ok(waited >= 280 && waited < 2000, `waited ${waited}`);
      assert.equal(err.exitCode, 1);
      assert.equal(err.nextAction.kind, 'retry');
      assert.equal(typeof err.nextAction.text, 'string');
      assert.ok(err.message.includes(s.path));
      assert.equal(fs.readFileSync(s.lockPath, 'utf8'), content);
      assert.equal(fs.existsSync(s.path), false);
      fs.unlinkSync(s.lockPath);
    });

    test('another process holding the lock; killed with SIGKILL, its lock is recovered', async () => {
      const home = tmpHome();
      const s = fileStore(home, { lockTimeoutMs: 300 });
      const w = spawnWriter(home, ['hold-lock', PROGRAM, '20000']);
      await w.waitFor((m) => m.locked);
      const held = JSON.parse(fs.readFileSync(s.lockPath, 'utf8'));
      assert.equal(held.pid, w.child.pid);
      assert.equal(held.host, os.hostname());
      assert.equal(typeof held.at, 'number');
      const err = await rejectsWith(s.put('a', profile()), 'CONFIG_LOCKED');
      assert.equal(err.details.pid, w.child.pid);
      w.child.kill('SIGKILL');
      await w.exited;
      await s.put('a', profile());
      assert.deepEqual(dirEntries(s), ['config.json']);
    });

    test('a waiter gets the lock as soon as it is released', async () => {
      const home = tmpHome();
      const s = fileStore(home, { lockTimeoutMs: 10000 });
      const w = spawnWriter(home, ['hold-lock', PROGRAM, '400']);
      await w.waitFor((m) => m.locked);
      await s.put('a', profile());
      assert.ok(w.lines.some((m) => m.done) || (await w.exited).code === 0);
      assert.deepEqual(dirEntries(s), ['config.json']);
    });
  });

  test('SIGKILL in the middle of writes leaves the previous or the new file', async () => {
    const home = tmpHome();
    const s = fileStore(home);
    let lastCounter = -1;
    for (let round = 0; round < 5; round++) {
      const w = spawnWriter(home, ['loop', PROGRAM]);
      await w.waitFor((m) => m.ready);
      await sleep(Math.floor(Math.random() * 150));
      w.child.kill('SIGKILL');
      const { signal } = await w.exited;
      assert.equal(signal, 'SIGKILL');
      const doc = assertValidDocument(fs.readFileSync(s.path, 'utf8'));
      assert.equal(typeof doc.counter, 'number');
      assert.equal(doc.active, `p${doc.counter % 7}`);
      assert.equal(doc.profiles[doc.active].counter, doc.counter, 'the document is one consistent write');
      lastCounter = doc.counter;
      // The next update recovers the dead writer's lock and removes its temp file.
      await s.update((d) => { d.round = round; });
      assert.deepEqual(dirEntries(s), ['config.json']);
      assert.equal((await s.read()).counter, lastCounter);
    }
  });

  describe('leases across processes', () => {
    test('two processes never hold the same lease at once', async () => {
      const home = tmpHome();
      const a = spawnWriter(home, ['lease', PROGRAM, 'refresh:acme', '10000', '300', '10000']);
      const b = spawnWriter(home, ['lease', PROGRAM, 'refresh:acme', '10000', '300', '10000']);
      const [ra, rb] = await Promise.all([a.exited, b.exited]);
      assert.equal(ra.code, 0, a.stderr + JSON.stringify(a.lines));
      assert.equal(rb.code, 0, b.stderr + JSON.stringify(b.lines));
      const span = (w) => [w.lines.find((m) => m.acquired).acquired, w.lines.find((m) => m.released).released];
      const [a0, a1] = span(a);
      const [b0, b1] = span(b);
      assert.ok(a1 <= b0 || b1 <= a0, `overlap: a ${a0}-${a1}, b ${b0}-${b1}`);
      const s = fileStore(home);
      assert.deepEqual((await s.read()).leases, {});
      assert.deepEqual(dirEntries(s), ['config.json']);
    });

    test('LEASE_TIMEOUT while another live process holds it; free once it dies', async () => {
      const home = tmpHome();
      const s = fileStore(home);
      const w = spawnWriter(home, ['lease', PROGRAM, 'refresh:acme', '60000', '20000', '1000']);
      await w.waitFor((m) => m.acquired);
      const lease = (await s.read()).leases['refresh:acme'];
      assert.match(lease.owner, new RegExp(`^${w.child.pid}\\.`));
      assert.ok(lease.until > Date.now() + 30000);
      const t0 = Date.now();
      const err = await rejectsWith(s.withLease('refresh:acme', 1000, () => 'never', { waitMs: 300 }), 'LEASE_TIMEOUT');
      assert.ok(Date.now() - t0 >= 280);
      assert.equal(err.exitCode, 1);
      assert.equal(err.nextAction.kind, 'retry');
      w.child.kill('SIGKILL');
      await w.exited;
      assert.equal(await s.withLease('refresh:acme', 1000, () => 'mine', { waitMs: 2000 }), 'mine');
      assert.deepEqual((await s.read()).leases, {});
    });
  });
});

describe('name helpers', () => {
  test('profileNameFromEmail (Scripto)', () => {
    assert.equal(profileNameFromEmail('you@example.com'), 'you');
    assert.equal(profileNameFromEmail('John.Doe+tag@Example.com'), 'john-doe-tag');
    assert.equal(profileNameFromEmail('  --Ünïcödé__name--@x.io '), 'unicode-name');
    assert.equal(profileNameFromEmail('@example.com'), 'default');
    assert.equal(profileNameFromEmail('!!!@example.com'), 'default');
    assert.equal(profileNameFromEmail(''), 'default');
    assert.equal(profileNameFromEmail('x'.repeat(100) + '@e.com').length, 48);
  });
  test('profileNameFromOrganization (Codika)', () => {
    assert.equal(profileNameFromOrganization('My Organization'), 'my-organization');
    assert.equal(profileNameFromOrganization('Acme, Inc.'), 'acme-inc');
    assert.equal(profileNameFromOrganization('  Café   Crème  '), 'cafe-creme');
    assert.equal(profileNameFromOrganization('---'), 'default');
    assert.equal(profileNameFromOrganization('株式会社'), 'default');
  });
});

describe('maskSecret', () => {
  test('known prefixes with the last four characters', () => {
    assert.equal(maskSecret('cko_abcdefghijklmnopab12'), 'cko_••••••••ab12');
    assert.equal(maskSecret('scripto_abcdefghijklmnopx9Qz'), 'scripto_••••••••x9Qz');
    assert.equal(maskSecret('cdt_live_abcdefghijklmnopWXYZ'), 'cdt_live_••••••••WXYZ');
    assert.equal(maskSecret('cdt_test_abcdefghijklmnopWXYZ'), 'cdt_test_••••••••WXYZ');
  });
  test('short values show no tail', () => {
    assert.equal(maskSecret('cko_abc'), 'cko_••••••••');
    assert.equal(maskSecret('scripto_'), 'scripto_••••••••');
    assert.equal(maskSecret('cko_' + 'x'.repeat(15)), 'cko_••••••••'); // 19 chars
    assert.equal(maskSecret('cko_' + 'x'.repeat(12) + 'ab12'), 'cko_••••••••ab12'); // 20 chars
  });
  test('generic prefixes up to the first underscore, at most 12 characters', () => {
    assert.equal(maskSecret('sk_live_abcdefghijklmnop1234'), 'sk_••••••••1234');
    assert.equal(maskSecret('ghp_abcdefghijklmnopqrstu9876'), 'ghp_••••••••9876');
    assert.equal(maskSecret('abcdefghijk_rest_of_the_key_0000'), 'abcdefghijk_••••••••0000'); // 12
    assert.equal(maskSecret('abcdefghijkl_rest_of_the_key_0000'), '••••••••0000'); // 13: no prefix
    assert.equal(maskSecret('eyJhbGciOiJIUzI1NiJ9.payload.sig9'), '••••••••sig9');
    assert.equal(maskSecret('short'), '••••••••');
  });
  test('nothing to mask', () => {
    assert.equal(maskSecret(''), '');
    assert.equal(maskSecret(null), '');
    assert.equal(maskSecret(undefined), '');
  });
  test('the middle never shows', () => {
    const secret = 'cko_SECRETMIDDLEPARTxyz1';
    assert.ok(!maskSecret(secret).includes('SECRET'));
  });
});
