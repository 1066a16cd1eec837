// Runs inside a project that installed the keymint tarball (test/package/installed.test.mjs),
// under Node 18/20/22, Bun and Deno: every entry from ESM, a flow against the installed
// emulator, and one runtime whichever entry a value came from. Prints one JSON line.
import * as keymint from 'keymint';
import * as node from 'keymint/node';
import * as sessions from 'keymint/sessions';
import * as stores from 'keymint/stores';
import { startEmulator } from 'keymint/emulator';
import { createRequire } from 'node:module';

const check = (cond, what) => {
  if (!cond) throw new Error(`check failed: ${what}`);
};
const emu = await startEmulator({ port: 0 });
const out = { entries: ['keymint', 'keymint/sessions', 'keymint/node', 'keymint/stores', 'keymint/emulator'] };
try {
  const email = 'pkg-esm@example.com';
  const flow = keymint.start({ provider: 'scripto', baseUrl: emu.url, email });
  await flow.requestCode();
  const cred = await keymint.resume(JSON.stringify(flow)).submitCode(emu.outbox(email));
  check(cred.apiKey instanceof keymint.Secret, 'the key is a Secret');
  check(!JSON.stringify(cred).includes(cred.apiKey.reveal()), 'the credential never serialises the key');
  // One runtime: the node entry re-exports the default entry's classes, not copies.
  check(node.Secret === keymint.Secret && node.KeymintError === keymint.KeymintError, 'one Secret, one KeymintError');
  const who = await node.whoami({ provider: 'scripto', baseUrl: emu.url, apiKey: cred.apiKey });
  check(who.email === email, `whoami from keymint/node with the default entry's Secret: ${JSON.stringify(who)}`);
  // An error thrown by the stores entry is a KeymintError of the default entry.
  const store = new stores.MemoryProfileStore();
  try {
    await store.use('nobody');
    check(false, 'use of a missing profile throws');
  } catch (e) {
    check(e instanceof keymint.KeymintError && e instanceof node.KeymintError && keymint.isKeymintError(e), `stores error is a KeymintError: ${e}`);
    out.storesError = e.code;
  }
  // The CommonJS build in the same process (the dual-package case): its Secret and errors
  // are recognised by the ESM build, and its Secret authenticates through it.
  const require = createRequire(import.meta.url);
  const cjs = require('keymint');
  const cjsSecret = new cjs.Secret(cred.apiKey.reveal());
  check(cjsSecret instanceof keymint.Secret, 'a CJS Secret is an ESM Secret');
  const who2 = await keymint.whoami({ provider: 'scripto', baseUrl: emu.url, apiKey: cjsSecret });
  check(who2.email === email, 'whoami (ESM) with a CJS Secret');
  try {
    cjs.start({ provider: 'scripto', baseUrl: emu.url, email: 'not-an-email' });
    check(false, 'a bad email throws');
  } catch (e) {
    check(e instanceof keymint.KeymintError, 'a CJS error is an ESM KeymintError');
    out.badEmail = e.code;
  }
  // A masked key handed over by mistake is a typed error, not a network failure.
  try {
    await keymint.whoami({ provider: 'scripto', baseUrl: emu.url, apiKey: cred.apiKey.masked });
    check(false, 'a masked key is refused');
  } catch (e) {
    out.maskedKey = e.code;
  }
  check(typeof node.createCli === 'function' && typeof node.FileProfileStore === 'function', 'node extras');
  // keymint/sessions: the session family on its own (full) core, errors of the default entry;
  // keymint/node re-exports it, not a copy.
  check(typeof sessions.passwordLogin === 'function' && keymint.passwordLogin === undefined, 'the session family is keymint/sessions');
  // ... which is a superset: the default entry's API too, the shared classes the same objects.
  check(typeof sessions.start === 'function' && sessions.Secret === keymint.Secret && sessions.KeymintError === keymint.KeymintError && sessions.Flow === keymint.Flow, 'keymint/sessions is a superset on one runtime');
  check(node.createClient === sessions.createClient && node.DeviceFlow === sessions.DeviceFlow, 'keymint/node re-exports keymint/sessions');
  check(/^\d{6}$/.test(sessions.totp('JBSWY3DPEHPK3PXP', { now: 59_000 })), 'a TOTP code from the full core');
  try {
    sessions.totp('not base32!');
    check(false, 'a bad TOTP secret throws');
  } catch (e) {
    check(e instanceof keymint.KeymintError && e.code === 'INVALID_TOTP_SECRET', `a keymint/sessions error is a KeymintError: ${e}`);
  }
  out.ok = true;
  out.masked = cred.apiKey.masked;
} finally {
  await emu.close();
}
console.log(JSON.stringify(out));
