// The two wasm-carrying entries as built: the default entry (dist/keymint.mjs) carries the
// email-code core only; keymint/sessions (dist/sessions.mjs) carries the full core and is a
// superset — the default entry's whole API bound to it, plus the session family. Both import
// the wasm-free shared runtime (dist/runtime.mjs) and not each other: importing one entry ships
// and compiles one wasm, and both share one KeymintError and one Secret. A session-family step
// that reaches the default entry's core is refused with the core's own typed error naming
// keymint/sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { inspect } from 'node:util';
import * as keymint from '../dist/keymint.mjs';
import * as sessions from '../dist/sessions.mjs';
import { step } from '../src/core.mjs';
import { deviceSpec } from '../src/emulator/backends/device.mjs';

const FAMILY = ['createClient', 'SessionClient', 'passwordLogin', 'resumePasswordLogin', 'PasswordFlow', 'totp', 'apiTokenEnv', 'sessionProfile', 'authorize', 'resumeOAuth', 'OAuthFlow', 'deviceLogin', 'resumeDevice', 'DeviceFlow'];

test('the session family is exported by keymint/sessions, not by the default entry', () => {
  for (const name of FAMILY) {
    assert.equal(typeof sessions[name], 'function', `keymint/sessions exports ${name}`);
    assert.equal(keymint[name], undefined, `the default entry does not export ${name}`);
  }
  for (const name of ['start', 'resume', 'whoami', 'refreshToken', 'Flow', 'KeymintError', 'Secret', 'codeTable', 'presetSpec']) {
    assert.equal(typeof keymint[name], 'function', `the default entry exports ${name}`);
  }
});

test('keymint/sessions is a superset: every export of the default entry, the shared classes the very same', () => {
  // The runtime's own classes and functions are one object in both entries; the email-code
  // functions and the core's tables are bound to each entry's core, so they are its own.
  const SHARED = ['Flow', 'KeymintError', 'isKeymintError', 'canonicalError', 'Secret', 'maskSecret'];
  const BOUND = ['start', 'resume', 'whoami', 'refreshToken', 'codeTable', 'presetSpec'];
  assert.deepEqual(Object.keys(keymint).sort(), [...SHARED, ...BOUND].sort(), 'the default entry exports these (update both lists, and keymint/sessions, when it grows)');
  for (const name of Object.keys(keymint)) {
    assert.equal(typeof sessions[name], typeof keymint[name], `keymint/sessions exports ${name}`);
    if (SHARED.includes(name)) assert.equal(sessions[name], keymint[name], `${name} is the shared runtime's in both entries`);
    else assert.notEqual(sessions[name], keymint[name], `${name} is bound to keymint/sessions' own core`);
  }
  assert.deepEqual(sessions.codeTable(), keymint.codeTable(), 'both cores answer the same codes table');
  assert.deepEqual(sessions.presetSpec('scripto'), keymint.presetSpec('scripto'));
});

test('one runtime: both entries share KeymintError and Secret, and a flow of one resumes in the other', async () => {
  assert.equal(sessions.KeymintError, keymint.KeymintError);
  assert.equal(sessions.Secret, keymint.Secret);
  let err;
  try {
    sessions.totp('not base32!');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof keymint.KeymintError, String(err));
  assert.equal(err.code, 'INVALID_TOTP_SECRET');
  const flow = sessions.authorize({ provider: 'coditect', baseUrl: 'https://api.example.com', clientId: 'c', redirectUri: 'http://127.0.0.1:9/cb', scope: 'read' });
  assert.ok(flow instanceof sessions.OAuthFlow);
  const again = sessions.resumeOAuth(JSON.stringify(flow));
  assert.equal(again.stateParam, flow.stateParam);
  // The email-code API of keymint/sessions (the full core) and of the default entry write the
  // same documents.
  const otp = sessions.start({ provider: 'scripto', baseUrl: 'https://api.example.com', email: 'a@example.com' });
  assert.ok(otp instanceof keymint.Flow);
  assert.equal(keymint.resume(JSON.stringify(otp)).email, 'a@example.com');
  assert.equal(sessions.resume(JSON.stringify(keymint.start({ provider: 'codika', email: 'b@example.com' }))).provider, 'codika');
  assert.throws(() => sessions.start({ provider: 'scripto', email: 'not-an-email' }), (e) => e instanceof keymint.KeymintError && e.code === 'EMAIL_INVALID');
});

test('the default entry\'s core refuses every session-family op with where it lives', () => {
  for (const op of ['session_request', 'session_response', 'totp', 'api_token', 'password_start', 'oauth_start', 'device_start']) {
    const out = step({ op, now: 1_800_000_000, secret: 'JBSWY3DPEHPK3PXP', config: { provider: 'coditect', baseUrl: 'https://api.example.com', email: 'a@example.com' } });
    assert.equal(out.action.type, 'error', op);
    const e = out.action.error;
    assert.equal(e.code, 'INVALID_STEP', op);
    assert.match(e.message, /import them from 'keymint\/sessions'/, op);
    assert.deepEqual({ kind: e.nextAction.kind, field: e.nextAction.field, text: e.nextAction.text }, { kind: 'fix_input', field: 'import', text: "Import the flow from 'keymint/sessions'." });
    assert.equal(out.state, undefined);
  }
});

test('a saved password, OAuth or device flow resumed through the default entry names keymint/sessions', () => {
  const saved = [
    sessions.passwordLogin({ provider: 'coditect', baseUrl: 'https://api.example.com', email: 'a@example.com' }),
    sessions.authorize({ provider: 'coditect', baseUrl: 'https://api.example.com', clientId: 'c', redirectUri: 'http://127.0.0.1:9/cb', scope: 'read' }),
    sessions.deviceLogin({ provider: deviceSpec('https://auth.example.com'), baseUrl: 'https://auth.example.com' }),
  ].map((f) => JSON.stringify(f));
  for (const doc of saved) {
    assert.throws(() => keymint.resume(doc), (e) => e instanceof keymint.KeymintError && e.code === 'INVALID_STEP' && /keymint\/sessions/.test(e.message) && e.nextAction.field === 'import');
  }
  // ... and resumes through keymint/sessions.
  assert.ok(sessions.resumePasswordLogin(saved[0]) instanceof sessions.PasswordFlow);
  assert.ok(sessions.resumeOAuth(saved[1]) instanceof sessions.OAuthFlow);
  assert.ok(sessions.resumeDevice(saved[2]) instanceof sessions.DeviceFlow);
});

test('static imports only: each wasm entry imports the runtime and nothing else, the runtime nothing; one wasm each', () => {
  const files = { 'keymint.mjs': ['./runtime.mjs'], 'sessions.mjs': ['./runtime.mjs'], 'runtime.mjs': [] };
  for (const [file, imports] of Object.entries(files)) {
    const src = readFileSync(new URL(`../dist/${file}`, import.meta.url), 'latin1');
    assert.doesNotMatch(src, /\bimport\s*\(/, `${file} has a dynamic import()`);
    assert.doesNotMatch(src, /\bimport\.meta\b/, `${file} reads import.meta`);
    const imported = new Set([...src.matchAll(/\bfrom\s*"([^"]+)"/g)].map((m) => m[1]));
    assert.deepEqual([...imported], imports, `${file} imports`);
    // Each inlined wasm starts with the magic \0asm (as the one-byte string the build writes).
    assert.equal(src.split('\0asm').length - 1, file === 'runtime.mjs' ? 0 : 1, `${file} inlines ${file === 'runtime.mjs' ? 'no' : 'one'} wasm`);
  }
});

/**
 * Imports `entry` in a fresh Node process that counts the wasm modules compiled (their byte
 * sizes), runs `body` there, and returns the sizes.
 * @param {string} entry @param {string} body
 */
function compiledWasms(entry, body) {
  const url = new URL(`../dist/${entry}`, import.meta.url).href;
  const script = `
const sizes = [];
const Module = WebAssembly.Module;
WebAssembly.Module = new Proxy(Module, { construct(target, args) { sizes.push(args[0].byteLength); return new target(...args); } });
for (const name of ['instantiate', 'compile', 'instantiateStreaming', 'compileStreaming']) {
  const f = WebAssembly[name];
  WebAssembly[name] = (...args) => { sizes.push('async ' + name); return f(...args); };
}
const m = await import(${JSON.stringify(url)});
${body}
console.log(JSON.stringify(sizes));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
}

const WASM_SIZE = {
  otp: readFileSync(new URL('../../pkg-otp/keymint.wasm', import.meta.url)).length,
  full: readFileSync(new URL('../../pkg/keymint.wasm', import.meta.url)).length,
};
// The email-code API, the shared Secret and errors, and the codes table: what an app that signs
// in by email code uses.
const EMAIL_CODE_USE = `
const flow = m.start({ provider: 'scripto', baseUrl: 'https://api.example.com', email: 'a@example.com' });
m.resume(JSON.stringify(flow));
if (!new m.Secret('scripto_abcdefghijklmnopqrstuvwxyz').masked.startsWith('scripto_')) throw new Error('masking');
if (m.canonicalError({ code: 'INVALID_ARGUMENT', message: 'x' }).exitCode !== 2) throw new Error('codes table');
m.maskSecret('cko_abc'); m.Secret.looksLikeKey('cko_x'); m.codeTable(); m.presetSpec('codika');`;

test('importing only keymint/sessions compiles one wasm, the full one, for its email-code API and its family alike', () => {
  const sizes = compiledWasms('sessions.mjs', `${EMAIL_CODE_USE}
m.totp('JBSWY3DPEHPK3PXP', { now: 59_000 });
m.passwordLogin({ provider: 'coditect', baseUrl: 'https://api.example.com', email: 'a@example.com' });`);
  assert.deepEqual(sizes, [WASM_SIZE.full]);
});

test('importing only the default entry compiles one wasm, the email-code one', () => {
  assert.deepEqual(compiledWasms('keymint.mjs', EMAIL_CODE_USE), [WASM_SIZE.otp]);
});

test('keymint/node runs on the full core only: its flows and the CLI module compile one wasm', () => {
  const src = readFileSync(new URL('../dist/node.mjs', import.meta.url), 'latin1');
  const imported = [...new Set([...src.matchAll(/\bfrom\s*"(\.[^"]+)"/g)].map((m) => m[1]))].sort();
  assert.deepEqual(imported, ['./runtime.mjs', './sessions.mjs'], 'dist/node.mjs imports the runtime and keymint/sessions, not the default entry');
  assert.equal(src.split('\0asm').length - 1, 0, 'dist/node.mjs inlines no wasm');
  assert.deepEqual(compiledWasms('node.mjs', EMAIL_CODE_USE), [WASM_SIZE.full]);
});

test('exported classes keep their names through the minifier: inspection and stack traces show them', async () => {
  const stores = await import('../dist/stores.mjs');
  let classes = 0;
  for (const [entry, m] of [['keymint', keymint], ['keymint/sessions', sessions], ['keymint/stores', stores]]) {
    for (const [name, v] of Object.entries(m)) {
      if (typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v))) {
        classes++;
        assert.equal(v.name, name, `${entry} exports ${name}`);
      }
    }
  }
  assert.ok(classes >= 10, `found ${classes} classes`);
  assert.match(inspect(keymint.canonicalError({ code: 'INVALID_ARGUMENT', message: 'x' })), /^KeymintError: x\n/);
  assert.match(inspect(keymint.start({ provider: 'scripto', baseUrl: 'https://api.example.com', email: 'a@example.com' })), /^Flow /);
});
