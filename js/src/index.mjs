// keymint: email one-time-code sign-up and sign-in for agents, CLIs and
// browser extensions. This is the package's default entry: it works in Node,
// pages, workers and MV3 service workers alike, and carries the email-code engine
// only (the wasm built without the `sessions` feature). Everything that needs no wasm is the
// shared runtime's (src/runtime.mjs → dist/runtime.mjs), bound here to this entry's core.
//
// keymint/sessions (src/sessions/index.mjs) exports every name below too, bound to the full
// core, beside the session family: an app that needs both imports only keymint/sessions.
import { core } from './core.mjs';
import { emailCodeFlows } from './flow.mjs';

export const { start, resume, whoami, refreshToken } = emailCodeFlows(core.step);
export const { codeTable, presetSpec } = core;
export { Flow } from './flow.mjs';
export { KeymintError, isKeymintError, canonicalError } from './errors.mjs';
export { Secret } from './secret.mjs';
export { maskSecret } from './mask.mjs';
