// The OTP sessions API surface (`--provider sessions`, or a spec whose credential is an access
// token): an email code signs in (or up) and the backend hands out access + refresh tokens,
// saved in the profile like a key and shown masked.
//   auth login-request  --email E [--purpose signin|signup] [--wait]
//   auth login-complete --email E --code C [--purpose signin|signup] [--profile-name NAME]
//   auth signup-request / auth signup-complete   (the same with --purpose signup)
//   auth refresh, auth logout (revokes, then forgets), whoami (the session check), profile *
// each with --base-url / --json.

import { requestCommand, completeCommand, pendingKey } from './auth.mjs';
import { commonCommands } from './common.mjs';
import { purposesOf, purposeFlag, codeFormatOf } from './providers.mjs';
import { saveSession, sessionWhoami, refreshCommand, logoutCommand } from './session-commands.mjs';
import { JSON_FLAG, HELP_FLAG } from './surface.mjs';

const BASE_URL = /** @type {[string, string]} */ (['base-url', 'The backend URL (default: the provider\'s, or {PREFIX}_BASE_URL)']);
const PURPOSE = /** @type {[string, string]} */ (['purpose', 'signin (default: an existing account) or signup (a new one)']);
const WAIT = /** @type {[string, string]} */ (['wait', 'If a code was sent moments ago, wait out the cooldown (up to 10 minutes), then send']);
const PROFILE_NAME = /** @type {[string, string]} */ (['profile-name', 'Local profile name (default: derived from the email)']);
const PROFILE = /** @type {[string, string]} */ (['profile', 'The profile to use (default: the active one)']);

/**
 * @param {string|Record<string, any>} provider 'sessions' or a spec
 * @returns {import('./surface.mjs').Surface}
 */
export function sessionsSurface(provider) {
  const name = typeof provider === 'string' ? provider : String(provider.name);
  const purposes = purposesOf(provider);
  const format = codeFormatOf(provider);
  /** --purpose, checked; undefined when not given. @param {import('./context.mjs').Context} ctx */
  const purposeOf = (ctx) => purposeFlag(ctx, purposes, surface.label);
  /**
   * The purpose of a `*-complete` without --purpose: the one a code was requested for.
   * @param {import('./context.mjs').Context} ctx
   */
  const pendingPurpose = async (ctx) => {
    const email = ctx.str('email');
    if (email === undefined || email.trim() === '') return purposes[0];
    const doc = await ctx.store().read();
    return purposes.find((p) => doc.pending[pendingKey(name, p, email)] !== undefined) ?? purposes[0];
  };

  /** @type {import('./surface.mjs').Surface} */
  const surface = {
    provider: name,
    kind: 'session',
    codeFormat: format,
    label: typeof provider === 'string' ? 'the OTP sessions API' : name,
    keyPrefix: '',
    defaultBaseUrl: typeof provider === 'string' ? 'http://localhost:5173' : provider.baseUrl,
    endpoints: {},
    endpointFlag: null,
    profileNameFlag: 'profile-name',
    defaultKeyName: '',
    signInHint: 'auth login-request --email <your-email>',
    baseUrlFlags: () => ['base-url'],
    completeCommand: (purpose, ctx) => (purpose === 'signup'
      ? (ctx?.command.startsWith('auth signup-') ? 'auth signup-complete' : 'auth login-complete --purpose signup')
      : 'auth login-complete'),
    completeOptions: () => ({}),
    saveCredential: (ctx, cred, o) => saveSession(ctx, cred, { ...o, title: cred.accountCreated ? '✓ Signed up' : '✓ Signed in' }),
    baseProfileName: () => 'default',
    identityName: () => undefined,
    identityEmail: (me) => me?.user?.email,
    identityRows: (me) => [
      ['User', me?.user?.id ?? '—'],
      ['Session', me?.session?.id ?? '—'],
    ],
    commands: [],
  };
  const first = purposes[0];
  surface.commands = [
    {
      path: 'auth login-request',
      summary: purposes.length > 1 ? 'Email a sign-in (or, with --purpose signup, sign-up) code' : 'Email a sign-in code',
      usage: '--email <email> [options]',
      description: `Asks the backend to email a ${format.words} code. Then run \`{program} auth login-complete\`.`,
      flags: [['email', 'The email to sign in with (required)'], ...(purposes.length > 1 ? [PURPOSE] : []), BASE_URL, WAIT, JSON_FLAG, HELP_FLAG],
      run: (ctx) => requestCommand(ctx, surface, purposeOf(ctx) ?? first),
    },
    {
      path: 'auth login-complete',
      summary: 'Verify the code and save the session (access + refresh tokens) as the active profile',
      usage: '--email <email> --code <code> [options]',
      description: 'Verifies the code; the backend answers with an access token and a refresh token, saved as a\nprofile that becomes active. Tokens are never printed in full. Without --purpose, the purpose\nof the code requested for this email is used.',
      flags: [
        ['email', 'Same email as the request (required)'],
        ['code', `The ${format.words} code from the email (asked for when run in a terminal)`],
        ...(purposes.length > 1 ? [PURPOSE] : []), PROFILE_NAME, BASE_URL, JSON_FLAG, HELP_FLAG,
      ],
      run: async (ctx) => completeCommand(ctx, surface, purposeOf(ctx) ?? (await pendingPurpose(ctx))),
    },
    ...(purposes.includes('signup') && purposes.includes('login')
      ? [
        {
          path: 'auth signup-request',
          summary: 'Email a sign-up code (auth login-request --purpose signup)',
          usage: '--email <email> [options]',
          flags: [['email', 'The email to sign up with (required)'], BASE_URL, WAIT, JSON_FLAG, HELP_FLAG],
          run: (/** @type {any} */ ctx) => requestCommand(ctx, surface, 'signup'),
        },
        {
          path: 'auth signup-complete',
          summary: 'Verify a sign-up code (auth login-complete --purpose signup)',
          usage: '--email <email> --code <code> [options]',
          flags: [
            ['email', 'Same email as the request (required)'],
            ['code', `The ${format.words} code from the email (asked for when run in a terminal)`],
            PROFILE_NAME, BASE_URL, JSON_FLAG, HELP_FLAG,
          ],
          run: (/** @type {any} */ ctx) => completeCommand(ctx, surface, 'signup'),
        },
      ]
      : []),
    ...sessionCommands(surface),
  ];
  return surface;
}

/**
 * The commands over a saved session every session surface has: whoami, auth refresh,
 * auth logout, and the profile commands.
 * @param {import('./surface.mjs').Surface} surface
 * @param {{whoamiFlags?: Array<[string, string]>}} [o]
 * @returns {import('./surface.mjs').Command[]}
 */
export function sessionCommands(surface, { whoamiFlags = [] } = {}) {
  const url = /** @type {[string, string]} */ (['base-url', 'Only if it is the profile\'s backend (tokens never go elsewhere)']);
  const withUrl = whoamiFlags.some(([n]) => n === 'base-url') ? whoamiFlags : [...whoamiFlags, url];
  return [
    {
      path: 'whoami',
      summary: 'Show who the session in use belongs to (refreshing it if it is about to expire)',
      usage: '[options]',
      description: 'Asks the backend about the session of --profile, else the active profile. An access token\nabout to expire (or refused as expired) is refreshed first, and the new tokens are saved.',
      flags: [...withUrl, PROFILE, JSON_FLAG, HELP_FLAG],
      run: (ctx) => sessionWhoami(ctx, surface),
    },
    {
      path: 'auth refresh',
      summary: 'Rotate the session\'s tokens now',
      usage: '[--profile <name>] [--json]',
      description: 'Trades the refresh token for a new pair and saves it in the profile. Safe to run while\nother commands use the same profile: refreshes take turns under a lease in {config}.',
      flags: [PROFILE, url, JSON_FLAG, HELP_FLAG],
      run: (ctx) => refreshCommand(ctx),
    },
    {
      path: 'auth logout',
      summary: 'Revoke the session at the backend, then forget the profile',
      usage: '[--profile <name>] [--json]',
      description: 'Revokes the session (a session that has already ended counts as revoked), then deletes the\nlocal profile. If the backend cannot be reached, the profile is kept.',
      flags: [PROFILE, url, JSON_FLAG, HELP_FLAG],
      run: (ctx) => logoutCommand(ctx),
    },
    ...commonCommands(surface, { keyExample: '' })
      .filter((c) => c.path.startsWith('profile '))
      .map((c) => (c.path === 'profile remove' ? { ...c, summary: 'Delete a saved profile without revoking its session (auth logout revokes)' } : c)),
  ];
}
