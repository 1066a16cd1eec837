// The same from CommonJS: every entry by require(), a flow, one runtime across entries.
const keymint = require('keymint');
const node = require('keymint/node');
const sessions = require('keymint/sessions');
const stores = require('keymint/stores');
const { startEmulator } = require('keymint/emulator');

const check = (cond, what) => {
  if (!cond) throw new Error(`check failed: ${what}`);
};
(async () => {
  const emu = await startEmulator({ port: 0 });
  const out = {};
  try {
    const email = 'pkg-cjs@example.com';
    const flow = keymint.start({ provider: 'scripto', baseUrl: emu.url, email });
    await flow.requestCode();
    const cred = await keymint.resume(JSON.stringify(flow)).submitCode(emu.outbox(email));
    check(node.Secret === keymint.Secret && node.KeymintError === keymint.KeymintError, 'one runtime');
    check(node.passwordLogin === sessions.passwordLogin && keymint.passwordLogin === undefined, 'the session family is keymint/sessions');
    check(typeof sessions.start === 'function' && sessions.Secret === keymint.Secret && sessions.KeymintError === keymint.KeymintError, 'keymint/sessions is a superset on one runtime');
    try {
      sessions.totp('not base32!');
      check(false, 'a bad TOTP secret throws');
    } catch (e) {
      check(e instanceof keymint.KeymintError && e.code === 'INVALID_TOTP_SECRET', 'a keymint/sessions error is a KeymintError');
    }
    const who = await node.whoami({ provider: 'scripto', baseUrl: emu.url, apiKey: cred.apiKey });
    check(who.email === email, 'whoami through keymint/node');
    try {
      await new stores.MemoryProfileStore().use('nobody');
      check(false, 'missing profile throws');
    } catch (e) {
      check(e instanceof keymint.KeymintError, 'stores error is a KeymintError');
    }
    // And the ESM build from CommonJS (dynamic import): its errors are ours too.
    const esm = await import('keymint');
    check(cred.apiKey instanceof esm.Secret, 'a CJS Secret is an ESM Secret');
    const who2 = await esm.whoami({ provider: 'scripto', baseUrl: emu.url, apiKey: cred.apiKey });
    check(who2.email === email, 'whoami (ESM) with a CJS Secret');
    out.ok = true;
    out.masked = cred.apiKey.masked;
  } finally {
    await emu.close();
  }
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
