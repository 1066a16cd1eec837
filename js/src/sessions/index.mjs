// keymint/sessions: a superset of the default entry on the full wasm build. It exports the
// default entry's whole API (the email-code flows, whoami, refreshToken, Flow, errors, Secret,
// masking, codeTable, presetSpec) bound to its own core, and the session family — token
// sessions kept alive (createClient: refresh, revoke, check, call), password + TOTP sign-in,
// OAuth2 with PKCE, the device flow, TOTP codes and API-token facts. An app that needs both
// imports only this entry and ships one wasm. Everything that needs no wasm is the shared
// runtime's (dist/runtime.mjs), imported statically, so an app that imports both entries still
// holds one KeymintError and one Secret.
import { core } from './core.mjs';
import { emailCodeFlows } from '../flow.mjs';

// The default entry's API (src/index.mjs; test/entries.test.mjs checks this is all of it).
export const { start, resume, whoami, refreshToken } = emailCodeFlows(core.step);
export const { codeTable, presetSpec } = core;
export { Flow } from '../flow.mjs';
export { KeymintError, isKeymintError, canonicalError } from '../errors.mjs';
export { Secret } from '../secret.mjs';
export { maskSecret } from '../mask.mjs';
// The session family.
export { createClient, SessionClient, passwordLogin, resumePasswordLogin, PasswordFlow, totp, apiTokenEnv, sessionProfile } from './session.mjs';
export { authorize, resumeOAuth, OAuthFlow } from './oauth.mjs';
export { deviceLogin, resumeDevice, DeviceFlow } from './device.mjs';
