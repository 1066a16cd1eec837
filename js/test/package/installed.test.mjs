// The package as users get it: `npm pack`, installed from the tarball into a fresh project
// outside the repository (a copy: nothing resolves into the repo), then every documented entry
// from ESM and CJS, the bins, a bundled createCli wrapper run alone, TypeScript over the README's
// examples, publint and @arethetypeswrong/cli — on Node 18, 20 and 22, and the ESM flow plus the
// CLI on Bun and Deno (the runtimes come from scripts/tools.sh runtimes, repo-local).
// Run by `make test-package` after `make build`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm, mkdir, copyFile, writeFile, readFile, readdir } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeExamples } from './readme-examples.mjs';

const JS = fileURLToPath(new URL('../../', import.meta.url));
const REPO = join(JS, '..');
const CONSUMER = fileURLToPath(new URL('./consumer/', import.meta.url));
const RUNTIMES = join(REPO, '.tools/runtimes/node_modules');
const BIN = (name) => join(JS, 'node_modules/.bin', name);
const version = JSON.parse(await readFile(join(JS, 'package.json'), 'utf8')).version;

/** The runtimes to run the installed package on; a missing one fails the test, never skips. */
const NODES = {
  'node 18': join(RUNTIMES, 'node18/bin/node'),
  'node 20 (this process)': process.execPath,
  'node 22': join(RUNTIMES, 'node22/bin/node'),
};
const BUN = join(RUNTIMES, '.bin/bun');
const DENO = join(RUNTIMES, '.bin/deno');

let work = '';
let project = '';
let tarball = '';
let files = /** @type {string[]} */ ([]);

/**
 * Runs a command to completion; resolves {code, stdout, stderr}.
 * @param {string} cmd @param {string[]} args @param {{cwd?: string, env?: Record<string, string|undefined>}} [opts]
 */
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? project, env: opts.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** An environment without the repo's: a temporary HOME, no NODE_PATH, the runtime's bin first. */
function cleanEnv(extra = {}, runtimeBin = dirname(process.execPath)) {
  return {
    PATH: `${runtimeBin}:${join(project, 'node_modules/.bin')}:/usr/local/bin:/usr/bin:/bin`,
    HOME: join(work, 'home'),
    LANG: 'C.UTF-8',
    DENO_NO_UPDATE_CHECK: '1',
    DENO_DIR: join(work, 'deno-cache'),
    BUN_INSTALL_CACHE_DIR: join(work, 'bun-cache'),
    npm_config_cache: join(work, 'npm-cache'),
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

/** The last JSON line a script printed. */
function lastJson(r) {
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`no JSON result (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'keymint-installed-'));
  project = join(work, 'project');
  await mkdir(join(work, 'home'), { recursive: true });
  await mkdir(project);
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: JS, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } }));
  tarball = join(work, packed[0].filename);
  files = packed[0].files.map((/** @type {any} */ f) => f.path).sort();
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }, null, 2));
  const r = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: project, env: cleanEnv() });
  assert.equal(r.code, 0, r.stderr);
  for (const f of await readdir(CONSUMER)) await copyFile(join(CONSUMER, f), join(project, f));
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('the tarball carries README, LICENSE, dist and types, and nothing of the repo', async () => {
  for (const f of ['README.md', 'LICENSE', 'package.json', 'dist/runtime.mjs', 'dist/runtime.cjs', 'dist/keymint.mjs', 'dist/keymint.cjs', 'dist/sessions.mjs', 'dist/sessions.cjs', 'dist/node.mjs', 'dist/node.cjs', 'dist/cli.mjs', 'types/index.d.ts', 'types/index.d.cts', 'types/sessions.d.ts', 'types/sessions.d.cts']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.ok(files.includes('schema/provider-spec.schema.json'), 'the provider spec JSON Schema ships');
  const stray = files.filter((f) => !/^(README\.md|LICENSE|package\.json|dist\/[\w.-]+|types\/[\w.-]+|schema\/[\w.-]+\.json)$/.test(f));
  assert.deepEqual(stray, [], 'nothing beyond README, LICENSE, package.json, dist/, types/ and schema/');
  const readme = await readFile(join(project, 'node_modules/keymint/README.md'), 'utf8');
  assert.match(readme, /^# keymint/);
  assert.doesNotMatch(readme, /\]\((?!https?:|#)[^)]+\)/, 'no link into files that do not ship');
  // Installed as a copy, not a link back into the repository.
  assert.ok(!existsSync(join(project, 'node_modules/keymint/src')), 'src/ does not ship');
});

test('every module path the shipped JS names (code or comment) is a file in the tarball', async () => {
  // A relative `.mjs`/`.cjs`/`.js` path anywhere in dist/ — an import, a require(), or a
  // JSDoc `import('./x.mjs')` type a tool may follow — must resolve inside the package.
  const missing = [];
  for (const f of files.filter((p) => /^dist\/.*\.(mjs|cjs)$/.test(p))) {
    const text = await readFile(join(project, 'node_modules/keymint', f), 'utf8');
    for (const [, spec] of text.matchAll(/["'`](\.\.?\/[\w./-]+\.(?:mjs|cjs|js))\b/g)) {
      const target = join(dirname(f), spec).replace(/\\/g, '/');
      if (!files.includes(target)) missing.push(`${f} names ${spec}`);
    }
  }
  assert.deepEqual(missing, []);
});

for (const [name, nodeBin] of Object.entries(NODES)) {
  test(`${name}: every entry from ESM and CJS, one runtime across entries and builds`, async () => {
    assert.ok(existsSync(nodeBin), `${nodeBin} (make tools: scripts/tools.sh runtimes)`);
    const env = cleanEnv({}, dirname(nodeBin));
    const esm = await run(nodeBin, ['esm-flow.mjs'], { env });
    assert.equal(esm.code, 0, esm.stderr);
    const e = lastJson(esm);
    assert.equal(e.ok, true);
    assert.equal(e.storesError, 'PROFILE_NOT_FOUND');
    assert.equal(e.badEmail, 'EMAIL_INVALID');
    assert.equal(e.maskedKey, 'INVALID_ARGUMENT');
    const cjs = await run(nodeBin, ['cjs-flow.cjs'], { env });
    assert.equal(cjs.code, 0, cjs.stderr);
    assert.equal(lastJson(cjs).ok, true);
    // keymint/sessions alone: the email-code flow and the family on one compiled wasm.
    for (const script of ['sessions-only.mjs', 'sessions-only.cjs']) {
      const only = await run(nodeBin, [script], { env });
      assert.equal(only.code, 0, only.stderr);
      const o = lastJson(only);
      assert.equal(o.ok, true, script);
      assert.deepEqual(o.wasmModules, [statSync(join(REPO, 'pkg/keymint.wasm')).size], `${script}: one wasm compiled, the full core's`);
    }
  });

  test(`${name}: npx keymint --version/--help and a CLI sign-in against npx keymint-emulator`, async () => {
    const env = cleanEnv({}, dirname(nodeBin));
    await cliFlow(env, ['npx', '--no-install', 'keymint'], ['npx', '--no-install', 'keymint-emulator'], `${name.replace(/\W+/g, '-')}@example.com`);
  });
}

test('bun: the ESM flow and the CLI', async () => {
  assert.ok(existsSync(BUN), `${BUN} (scripts/tools.sh runtimes)`);
  const env = cleanEnv({}, dirname(BUN));
  const esm = await run(BUN, ['esm-flow.mjs'], { env });
  assert.equal(esm.code, 0, esm.stderr);
  assert.equal(lastJson(esm).ok, true);
  await cliFlow(env, [BUN, 'node_modules/keymint/dist/cli.mjs'], [BUN, 'node_modules/keymint/dist/emulator-cli.mjs'], 'bun@example.com');
});

test('deno: the ESM flow and the CLI', async () => {
  assert.ok(existsSync(DENO), `${DENO} (scripts/tools.sh runtimes)`);
  const env = cleanEnv({}, dirname(DENO));
  const deno = [DENO, 'run', '-A', '--node-modules-dir=manual'];
  const esm = await run(deno[0], [...deno.slice(1), 'esm-flow.mjs'], { env });
  assert.equal(esm.code, 0, esm.stderr);
  assert.equal(lastJson(esm).ok, true);
  await cliFlow(env, [...deno, 'node_modules/keymint/dist/cli.mjs'], [...deno, 'node_modules/keymint/dist/emulator-cli.mjs'], 'deno@example.com');
});

/**
 * --version, --help, then login-request / login-complete / whoami / profile list against the
 * installed emulator bin, with the code read from its outbox route.
 * @param {Record<string, string>} env @param {string[]} km @param {string[]} emuCmd @param {string} email
 */
async function cliFlow(env, km, emuCmd, email) {
  const cli = (/** @type {string[]} */ args) => run(km[0], [...km.slice(1), ...args], { env });
  const v = await cli(['--version']);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), `keymint ${version}`);
  const help = await cli(['--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: keymint/);
  // Its own process group: npx runs the bin as a grandchild, which must go down with it.
  const emu = spawn(emuCmd[0], [...emuCmd.slice(1), '--port', '0'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  try {
    const url = await new Promise((resolve, reject) => {
      let buf = '';
      let err = '';
      emu.stdout.on('data', (d) => {
        buf += d;
        const m = /^(http:\/\/127\.0\.0\.1:\d+)\s*$/m.exec(buf);
        if (m) resolve(m[1]);
      });
      emu.stderr.on('data', (d) => { err += d; });
      emu.on('close', (code) => reject(new Error(`emulator exited ${code}: ${err}`)));
    });
    const at = ['--provider', 'scripto', '--base-url', url];
    const req = await cli([...at, 'auth', 'login-request', '--email', email, '--json']);
    assert.equal(req.code, 0, req.stdout + req.stderr);
    const code = (await (await fetch(`${url}/__keymint/outbox?email=${encodeURIComponent(email)}`)).json()).code;
    const done = await cli([...at, 'auth', 'login-complete', '--email', email, '--code', code, '--json']);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.equal(JSON.parse(done.stdout).success, true);
    const who = await cli(['--provider', 'scripto', 'whoami', '--json']);
    assert.equal(who.code, 0, who.stdout + who.stderr);
    assert.equal(JSON.parse(who.stdout).data.email, email);
    const list = await cli(['profile', 'list', '--json']);
    assert.equal(list.code, 0, list.stdout + list.stderr);
    assert.match(list.stdout, new RegExp(email.replace(/[.@]/g, '\\$&')));
  } finally {
    killGroup(emu);
  }
}

/** Ends a detached child and everything it started. @param {import('node:child_process').ChildProcess} child */
function killGroup(child) {
  try {
    process.kill(-/** @type {number} */ (child.pid), 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}

test('a createCli wrapper bundled with esbuild --platform=node runs alone in another directory, on Node 18, 20 and 22', async () => {
  const out = join(work, 'bundled', 'acme.mjs');
  const b = await run(BIN('esbuild'), ['wrapper.mjs', '--bundle', '--platform=node', '--format=esm', `--outfile=${out}`, '--log-level=warning'], { env: cleanEnv() });
  assert.equal(b.code, 0, b.stderr);
  const alone = join(work, 'alone');
  await mkdir(alone);
  await copyFile(out, join(alone, 'acme.mjs'));
  const env = cleanEnv();
  for (const nodeBin of Object.values(NODES)) {
    const v = await run(nodeBin, ['acme.mjs', '--version'], { cwd: alone, env });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), `acme 1.2.3 (keymint ${version})`, nodeBin);
  }
  // A flow through the bundle, against an emulator from the installed package.
  const emuScript = join(project, 'emu.mjs');
  await writeFile(emuScript, "import { startEmulator } from 'keymint/emulator';\nconst e = await startEmulator({ port: 0 });\nconsole.log(e.url);\n");
  const emu = spawn(process.execPath, [emuScript], { cwd: project, env, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  try {
    const url = await new Promise((resolve) => emu.stdout.once('data', (d) => resolve(String(d).trim())));
    // The bundle on every Node the package supports, each with its own account.
    for (const [i, nodeBin] of Object.values(NODES).entries()) {
      const email = `wrapper${i}@example.com`;
      const acme = (/** @type {string[]} */ args) => run(nodeBin, ['acme.mjs', ...args], { cwd: alone, env: { ...env, ACME_BASE_URL: url } });
      const req = await acme(['auth', 'login-request', '--email', email, '--json']);
      assert.equal(req.code, 0, req.stdout + req.stderr);
      const code = (await (await fetch(`${url}/__keymint/outbox?email=${email}`)).json()).code;
      const done = await acme(['auth', 'login-complete', '--email', email, '--code', code, '--json']);
      assert.equal(done.code, 0, done.stdout + done.stderr);
      const who = await acme(['whoami', '--json']);
      assert.equal(JSON.parse(who.stdout).data.email, email, nodeBin);
    }
  } finally {
    killGroup(emu);
  }
});

test('npx keymint mcp from the tarball answers initialize and lists its tools', async () => {
  const child = spawn('npx', ['--no-install', 'keymint', 'mcp'], { cwd: project, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  try {
    const lines = /** @type {any[]} */ ([]);
    let buf = '';
    const waitFor = (/** @type {number} */ id) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to request ${id}: ${buf}`)), 60_000);
      const check = () => {
        const hit = lines.find((m) => m.id === id);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else setTimeout(check, 20);
      };
      check();
    });
    child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
    });
    const send = (/** @type {object} */ m) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'smoke', version: '1' } } });
    const init = await waitFor(1);
    assert.equal(init.result.protocolVersion, '2025-06-18');
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/list' });
    const list = await waitFor(2);
    assert.ok(list.result.tools.some((/** @type {any} */ t) => /request_code$/.test(t.name)), JSON.stringify(list.result.tools.map((/** @type {any} */ t) => t.name)));
  } finally {
    killGroup(child);
  }
});

test('a library caller without `program` is told to run the keymint CLI the package installs', async () => {
  const script = join(project, 'program.mjs');
  await writeFile(script, `import * as keymint from 'keymint';
const f = keymint.start({ provider: 'scripto', baseUrl: 'http://127.0.0.1:9', email: 'a@example.com' });
try { await f.requestCode(); } catch (e) { console.log(JSON.stringify(e.nextAction)); }
`);
  const r = await run(process.execPath, ['program.mjs']);
  const next = lastJson(r);
  assert.match(next.command, /^keymint --provider scripto /);
  // and the command it names exists in the install
  assert.ok(existsSync(join(project, 'node_modules/.bin/keymint')));
});

test('TypeScript: the README examples compile under node16 ESM, node16 CJS and bundler', async () => {
  const examples = readmeExamples(await readFile(join(REPO, 'README.md'), 'utf8'));
  assert.ok(examples.length >= 2, 'the README has TypeScript-checkable examples');
  const modes = [
    ['node16-esm', { module: 'node16', moduleResolution: 'node16' }, 'mts'],
    ['node16-cjs', { module: 'node16', moduleResolution: 'node16' }, 'cts'],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'ts'],
  ];
  for (const [mode, options, ext] of modes) {
    const dir = join(project, `ts-${mode}`);
    await mkdir(dir, { recursive: true });
    const names = [];
    for (const [i, ex] of examples.entries()) {
      const file = `example${i + 1}.${ext}`;
      await writeFile(join(dir, file), ex);
      names.push(file);
    }
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { ...options, target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ['es2022', 'dom'] },
      files: names,
    }));
    const r = await run(BIN('tsc'), ['-p', dir], { env: cleanEnv() });
    assert.equal(r.code, 0, `${mode}:\n${r.stdout}${r.stderr}`);
  }
});

test('publint and @arethetypeswrong/cli find no problems in the tarball', async () => {
  const pub = await run(BIN('publint'), ['run', join(project, 'node_modules/keymint'), '--strict'], { env: cleanEnv() });
  assert.equal(pub.code, 0, pub.stdout + pub.stderr);
  // keymint/schema.json is a JSON Schema for editors, not a module TypeScript imports; node10
  // resolution cannot see any subpath export, and it has no types to find.
  const attw = await run(BIN('attw'), [tarball, '--format', 'ascii', '--no-color', '--exclude-entrypoints', './schema.json'], { env: cleanEnv() });
  assert.equal(attw.code, 0, attw.stdout + attw.stderr);
});
