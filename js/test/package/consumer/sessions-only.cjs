// The same from CommonJS: keymint/sessions alone by require(), the email-code flow and the
// family on one compiled wasm. Prints one JSON line.
const wasmModules = [];
const Module = WebAssembly.Module;
// Counted before the package loads: every wasm module compiled, by its byte size.
WebAssembly.Module = new Proxy(Module, { construct(target, args) { wasmModules.push(args[0].byteLength); return new target(...args); } });

const keymint = require('keymint/sessions');
const { startEmulator } = require('keymint/emulator');

const check = (cond, what) => {
  if (!cond) throw new Error(`check failed: ${what}`);
};
(async () => {
  const emu = await startEmulator({ port: 0 });
  const out = {};
  try {
    const email = 'pkg-sessions-only-cjs@example.com';
    const flow = keymint.start({ provider: 'scripto', baseUrl: emu.url, email });
    await flow.requestCode();
    const cred = await keymint.resume(JSON.stringify(flow)).submitCode(emu.outbox(email));
    check(cred.apiKey instanceof keymint.Secret, 'the key is a Secret');
    const who = await keymint.whoami({ provider: 'scripto', baseUrl: emu.url, apiKey: cred.apiKey });
    check(who.email === email, 'whoami');
    check(keymint.apiTokenEnv('cdt_live_abc') === 'live', 'the family on the same core');
    try {
      keymint.totp('not base32!');
      check(false, 'a bad TOTP secret throws');
    } catch (e) {
      check(e instanceof keymint.KeymintError && e.code === 'INVALID_TOTP_SECRET', 'a KeymintError');
    }
    out.masked = cred.apiKey.masked;
    out.ok = true;
  } finally {
    await emu.close();
  }
  out.wasmModules = wasmModules;
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
