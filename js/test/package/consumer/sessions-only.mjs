// Runs inside a project that installed the keymint tarball (test/package/installed.test.mjs):
// an app that needs email codes and sessions imports only keymint/sessions — the default entry's
// API on the full core, plus the family — and compiles one wasm. Prints one JSON line.
const wasmModules = [];
const Module = WebAssembly.Module;
// Counted before the package loads: every wasm module compiled, by its byte size.
WebAssembly.Module = new Proxy(Module, { construct(target, args) { wasmModules.push(args[0].byteLength); return new target(...args); } });

const keymint = await import('keymint/sessions');
const { startEmulator } = await import('keymint/emulator');
const check = (cond, what) => {
  if (!cond) throw new Error(`check failed: ${what}`);
};
const emu = await startEmulator({ port: 0 });
const out = {};
try {
  // An email-code sign-in to a session, then the session kept alive by the client.
  const email = 'pkg-sessions-only@example.com';
  const flow = keymint.start({ provider: 'sessions', baseUrl: emu.url, email, purpose: 'signup' });
  await flow.requestCode();
  const session = await keymint.resume(JSON.stringify(flow)).submitCode(emu.outbox(email));
  check(session.accessToken instanceof keymint.Secret, 'the access token is a Secret');
  const client = keymint.createClient({ provider: 'sessions', baseUrl: emu.url, tokens: session });
  await client.refresh();
  check(client.session.accessToken.reveal() !== session.accessToken.reveal(), 'the refresh rotated the token');
  check((await client.check()) !== null, 'the session check answers');
  check(/^\d{6}$/.test(keymint.totp('JBSWY3DPEHPK3PXP', { now: 59_000 })), 'a TOTP code');
  try {
    keymint.start({ provider: 'scripto', baseUrl: emu.url, email: 'not-an-email' });
    check(false, 'a bad email throws');
  } catch (e) {
    check(e instanceof keymint.KeymintError && keymint.isKeymintError(e) && e.code === 'EMAIL_INVALID', `a KeymintError: ${e}`);
  }
  check(keymint.canonicalError({ code: 'INVALID_ARGUMENT', message: 'x' }).exitCode > 0, 'the codes table');
  out.masked = session.accessToken.masked;
  out.ok = true;
} finally {
  await emu.close();
}
out.wasmModules = wasmModules;
console.log(JSON.stringify(out));
