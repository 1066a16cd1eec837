// The two wasm-carrying entries as built: the default entry (dist/keymint.mjs) carries the
// email-code core only, keymint/sessions (dist/sessions.mjs) the full core and the session
// family's flows; both share one runtime. A session-family step that reaches the default
// entry's core is refused with the core's own typed error naming keymint/sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

test('one runtime: a keymint/sessions error is the default entry\'s KeymintError, its tokens its Secret', async () => {
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

test('keymint/sessions loads by static imports only: no dynamic import(), no import.meta, only the default entry beside it', () => {
  for (const file of ['sessions.mjs', 'keymint.mjs']) {
    const src = readFileSync(new URL(`../dist/${file}`, import.meta.url), 'latin1');
    assert.doesNotMatch(src, /\bimport\s*\(/, `${file} has a dynamic import()`);
    assert.doesNotMatch(src, /\bimport\.meta\b/, `${file} reads import.meta`);
    const imported = new Set([...src.matchAll(/\bfrom\s*"([^"]+)"/g)].map((m) => m[1]));
    assert.deepEqual([...imported], file === 'keymint.mjs' ? [] : ['./keymint.mjs'], `${file} imports`);
  }
});
