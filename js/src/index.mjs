// keymint: email one-time-code sign-up and sign-in for agents, CLIs and
// browser extensions. This is the package's default entry: it works in Node,
// pages, workers and MV3 service workers alike.
export { start, resume, whoami, refreshToken, Flow } from './flow.mjs';
export { KeymintError, isKeymintError, canonicalError } from './errors.mjs';
export { Secret } from './secret.mjs';
export { maskSecret } from './mask.mjs';
export { codeTable, presetSpec } from './core.mjs';
export { createClient, SessionClient, passwordLogin, resumePasswordLogin, PasswordFlow, totp, apiTokenEnv, sessionProfile } from './session.mjs';
export { authorize, resumeOAuth, OAuthFlow } from './oauth.mjs';
export { deviceLogin, resumeDevice, DeviceFlow } from './device.mjs';
