// keymint/sessions: the session family beside the default entry's email codes — token sessions
// kept alive (createClient: refresh, revoke, check, call), password + TOTP sign-in, OAuth2 with
// PKCE, the device flow, TOTP codes and API-token facts. It runs on the full wasm build, inlined
// here; everything else (errors, Secret, the driver) is the default entry's, imported
// statically, so an app holds one runtime whichever entries it imports.
export { createClient, SessionClient, passwordLogin, resumePasswordLogin, PasswordFlow, totp, apiTokenEnv, sessionProfile } from './session.mjs';
export { authorize, resumeOAuth, OAuthFlow } from './oauth.mjs';
export { deviceLogin, resumeDevice, DeviceFlow } from './device.mjs';
