// The Scripto surface (seeds 001/002): open signup, one login flow, user-bound scripto_ keys.
//   scripto auth login-request  --email E [--api-url URL] [--profile NAME] [--json]
//   scripto auth login-complete --email E --code C [--name KEYNAME] [--profile-name NAME]
//                               [--api-url URL] [--profile NAME] [--json]
// plus whoami, config set --api-key, profile *, auth logout.

import { profileNameFromEmail } from '../profile-store.mjs';
import { requestCommand, completeCommand } from './auth.mjs';
import { commonCommands } from './common.mjs';
import { JSON_FLAG, HELP_FLAG } from './surface.mjs';

const API_URL = /** @type {[string, string]} */ (['api-url', 'Override the backend, e.g. a dev server (default: https://scripto.codika.io, or {PREFIX}_BASE_URL)']);
const PROFILE_URL = /** @type {[string, string]} */ (['profile', "Use a saved profile's backend URL"]);
const WAIT = /** @type {[string, string]} */ (['wait', 'If the backend asks to wait before another code, wait (up to 10 minutes), then send']);

/** @returns {import('./surface.mjs').Surface} */
export function scriptoSurface() {
  /** @type {import('./surface.mjs').Surface} */
  const surface = {
    provider: 'scripto',
    label: 'Scripto',
    keyPrefix: 'scripto_',
    defaultBaseUrl: 'https://scripto.codika.io',
    endpoints: { login: { request: '/api/cli/login-request', complete: '/api/cli/login-complete' } },
    endpointFlag: null,
    profileNameFlag: 'profile-name',
    defaultKeyName: 'scripto-cli',
    // The generic bin also takes --base-url for every provider.
    baseUrlFlags: (ctx) => (ctx.cli.provider ? ['api-url'] : ['api-url', 'base-url']),
    completeCommand: () => 'auth login-complete',
    completeOptions(ctx) {
      const name = ctx.str('name');
      return name === undefined ? {} : { keyName: name };
    },
    baseProfileName: (p) => profileNameFromEmail(p.email ?? 'default'),
    identityName: (me) => (me.email ? profileNameFromEmail(me.email) : undefined),
    commands: [],
  };
  surface.commands = [
    {
      path: 'auth login-request',
      summary: 'Email a sign-in code (an unknown email is signed up)',
      usage: '--email <email> [options]',
      description: 'Emails a 6-digit code and exits. It is public: no key required.\nThen run `{program} auth login-complete`.',
      flags: [['email', 'The email to sign in with (required)'], API_URL, PROFILE_URL, WAIT, JSON_FLAG, HELP_FLAG],
      run: (ctx) => requestCommand(ctx, surface, 'login'),
    },
    {
      path: 'auth login-complete',
      summary: 'Verify the code, mint a key and save it as the active profile',
      usage: '--email <email> --code <code> [options]',
      description: 'Verifies the code, mints a long-lived key bound to your user, and stores it as a profile\nthat becomes active. The key is never printed in full.',
      flags: [
        ['email', 'Same email as the request (required)'],
        ['code', 'The 6-digit code from the email (asked for when run in a terminal)'],
        ['name', 'Human-readable name for the minted key (default: "scripto-cli")'],
        ['profile-name', 'Local profile name (default: derived from the email)'],
        API_URL, PROFILE_URL, JSON_FLAG, HELP_FLAG,
      ],
      run: (ctx) => completeCommand(ctx, surface, 'login'),
    },
    ...commonCommands(surface, {
      urlFlag: API_URL,
      keyExample: 'scripto_…',
    }),
  ];
  return surface;
}
