// The email-code → API key surface of any other backend: the better-auth preset, or a provider
// spec file (`--provider ./my-backend.json`). The commands follow the spec's flows:
//   auth login-request  --email E [--wait]                 (and auth signup-* when it has sign-up)
//   auth login-complete --email E --code C [--key-name N] [--key-expires-in DAYS] [--profile-name NAME]
//   whoami, config set --api-key KEY, profile *, auth logout (forgets locally)
// each with --base-url / --json.

import { profileNameFromEmail } from '../profile-store.mjs';
import { presetSpec } from '../../sessions/index.mjs';
import { requestCommand, completeCommand } from './auth.mjs';
import { commonCommands } from './common.mjs';
import { purposesOf, purposeFlag, codeFormatOf, credentialLabel, hasWhoami } from './providers.mjs';
import { JSON_FLAG, HELP_FLAG } from './surface.mjs';
import { tokenRefreshCommand } from './token-refresh.mjs';

const BASE_URL = /** @type {[string, string]} */ (['base-url', 'The backend URL, base path included (default: the provider\'s, or {PREFIX}_BASE_URL)']);
const WAIT = /** @type {[string, string]} */ (['wait', 'If the backend asks to wait before another code, wait (up to 10 minutes), then send']);

/**
 * @param {string|Record<string, any>} provider 'better-auth' or a spec
 * @returns {import('./surface.mjs').Surface}
 */
export function otpSurface(provider) {
  const preset = typeof provider === 'string';
  const name = preset ? provider : String(provider.name);
  const purposes = purposesOf(provider);
  const format = codeFormatOf(provider);
  const noun = credentialLabel(provider);
  const presetOrSpec = preset ? presetSpec(provider) : provider;
  /** @type {import('./surface.mjs').Surface} */
  const surface = {
    provider: name,
    kind: 'key',
    label: name === 'better-auth' ? 'Better Auth' : name === 'pocketbase' ? 'PocketBase' : name,
    codeFormat: format,
    credentialLabel: noun,
    hasWhoami: hasWhoami(provider),
    keyPrefix: '',
    defaultBaseUrl: /** @type {any} */ (presetOrSpec)?.baseUrl,
    endpoints: {},
    endpointFlag: null,
    profileNameFlag: 'profile-name',
    defaultKeyName: '',
    signInHint: `auth ${purposes[0]}-request --email <your-email>`,
    baseUrlFlags: () => ['base-url'],
    completeCommand: (purpose) => `auth ${purpose}-complete`,
    completeOptions(ctx) {
      const o = {};
      const days = ctx.str('key-expires-in');
      if (ctx.str('key-name') !== undefined) o.keyName = ctx.str('key-name');
      if (days !== undefined) o.keyExpiresInDays = /^\s*\d+\s*$/.test(days) ? Number(days) : days;
      return o;
    },
    baseProfileName: (p) => profileNameFromEmail(p.email ?? 'default'),
    identityName: (me) => {
      const email = me.email ?? me.user?.email;
      return email ? profileNameFromEmail(email) : undefined;
    },
    commands: [],
  };
  const word = (/** @type {string} */ p) => (p === 'signup' ? 'sign-up' : 'sign-in');
  // With both purposes, every command also takes --purpose (as the sessions surface does).
  const PURPOSE = /** @type {[string, string]} */ (['purpose', 'signin|login or signup (default: the command\'s own)']);
  const both = purposes.length > 1;
  /** --purpose, else the command's own. @param {any} ctx @param {'login'|'signup'} p */
  const purposeOf = (ctx, p) => purposeFlag(ctx, purposes, surface.label) ?? p;
  surface.commands = [
    ...purposes.flatMap((p) => [
      {
        path: `auth ${p}-request`,
        summary: `Email a ${word(p)} code`,
        usage: '--email <email> [options]',
        description: `Asks the backend to email a ${format.words} code. Then run \`{program} auth ${p}-complete\`.`,
        flags: /** @type {Array<[string, string]>} */ ([['email', 'The email (required)'], ...(both ? [PURPOSE] : []), BASE_URL, WAIT, JSON_FLAG, HELP_FLAG]),
        run: (/** @type {any} */ ctx) => requestCommand(ctx, surface, purposeOf(ctx, p)),
      },
      {
        path: `auth ${p}-complete`,
        summary: `Verify the code, ${noun === 'API key' ? 'mint an API key' : `get a ${noun.toLowerCase()}`} and save it as the active profile`,
        usage: '--email <email> --code <code> [options]',
        description: noun === 'API key'
          ? 'Verifies the code and mints an API key, saved as a profile that becomes active. The key is\nnever printed in full.'
          : `Verifies the code; the ${noun.toLowerCase()} is saved as a profile that becomes active. It is\nnever printed in full.`,
        flags: /** @type {Array<[string, string]>} */ ([
          ['email', 'Same email as the request (required)'],
          ['code', `The ${format.words} code from the email (asked for when run in a terminal)`],
          ['key-name', 'Label for the minted key'],
          ['key-expires-in', 'Key lifetime in days; omit for the backend\'s default'],
          ['profile-name', 'Local profile name (default: derived from the email)'],
          ...(both ? [PURPOSE] : []),
          BASE_URL, JSON_FLAG, HELP_FLAG,
        ]),
        run: (/** @type {any} */ ctx) => completeCommand(ctx, surface, purposeOf(ctx, p)),
      },
    ]),
    ...(typeof /** @type {any} */ (presetOrSpec)?.refresh?.path === 'string' ? [tokenRefreshCommand(surface, BASE_URL)] : []),
    ...commonCommands(surface, { urlFlag: BASE_URL, keyExample: 'the key' }),
  ];
  return surface;
}
