// keymint: email one-time-code sign-up and sign-in for agents, CLIs and
// browser extensions. This is the package's default entry: it works in Node,
// pages, workers and MV3 service workers alike, and carries the email-code engine
// only (the wasm built without the `sessions` feature).
export { start, resume, whoami, refreshToken, Flow } from './flow.mjs';
export { KeymintError, isKeymintError, canonicalError } from './errors.mjs';
export { Secret } from './secret.mjs';
export { maskSecret } from './mask.mjs';
export { codeTable, presetSpec } from './core.mjs';
// Sessions, password + TOTP, OAuth2 and the device flow are the second entry, keymint/sessions
// (src/sessions/), on the full wasm build; the internals it shares with this entry:
export * as _internal from './internal.mjs';
