// The CODITECT surface (`--provider coditect`, or a spec with password session routes and no
// email-code flow): password sign-in with TOTP 2FA into access + refresh tokens.
//   auth register --email E [--name N] [--password-stdin] [--profile-name NAME]
//   auth login    --email E [--password-stdin] [--totp-code C | --totp-secret-env VAR] [--profile-name NAME]
//   auth refresh, auth logout (logs out at the backend, then forgets), whoami (me), profile *
//   config set --api-key cdt_live_…|cdt_test_… [--name NAME]   (an API token saved as a profile)
// each with --base-url / --json. whoami also takes a cdt_ API token (--api-key or {PREFIX}_API_KEY).

import { loginCommand, registerCommand } from './password.mjs';
import { sessionCommands } from './sessions.mjs';
import { tokenConfigSet } from './coditect-token.mjs';
import { JSON_FLAG, HELP_FLAG } from './surface.mjs';

const BASE_URL = /** @type {[string, string]} */ (['base-url', 'The API URL (default: https://api.coditect.ai, or {PREFIX}_BASE_URL)']);
const EMAIL = /** @type {[string, string]} */ (['email', 'Email of the account (required)']);
const PASSWORD_STDIN = /** @type {[string, string]} */ (['password-stdin', 'Read the password from stdin (else asked for without echo at a terminal)']);
const PROFILE_NAME = /** @type {[string, string]} */ (['profile-name', 'Local profile name (default: derived from the email)']);

/**
 * @param {string|Record<string, any>} provider 'coditect' or a spec
 * @returns {import('./surface.mjs').Surface}
 */
export function coditectSurface(provider) {
  const preset = typeof provider === 'string';
  const name = preset ? provider : String(provider.name);
  /** @type {import('./surface.mjs').Surface} */
  const surface = {
    provider: name,
    kind: 'password',
    label: preset ? 'CODITECT' : name,
    keyPrefix: 'cdt_',
    defaultBaseUrl: preset ? 'https://api.coditect.ai' : provider.baseUrl,
    endpoints: {},
    endpointFlag: null,
    profileNameFlag: 'profile-name',
    defaultKeyName: '',
    signInHint: 'auth login --email <your-email>',
    apiKeys: preset || provider.apiTokens !== undefined,
    baseUrlFlags: () => ['base-url'],
    completeCommand: () => 'auth login',
    completeOptions: () => ({}),
    baseProfileName: () => 'default',
    identityName: () => undefined,
    identityEmail: (me) => me?.email ?? me?.user?.email,
    identityRows: (me) => [
      me?.name ? ['Name', me.name] : null,
      ['User', me?.id ?? me?.user?.id ?? '—'],
      me?.organization ? ['Organization', `${me.organization.name} (${me.organization.id})${me.organization.role ? `, ${me.organization.role}` : ''}`] : null,
    ].filter(Boolean),
    commands: [],
  };
  surface.commands = [
    {
      path: 'auth register',
      summary: 'Create an account with a password; the session becomes the active profile',
      usage: '--email <email> [--name <name>] [options]',
      description: 'Creates the account (password: at least 12 characters, asked for twice without echo at a\nterminal, or read from stdin with --password-stdin), then saves its session as a profile.',
      flags: [EMAIL, ['name', 'Your display name'], PASSWORD_STDIN, PROFILE_NAME, BASE_URL, JSON_FLAG, HELP_FLAG],
      run: (ctx) => registerCommand(ctx, surface),
    },
    {
      path: 'auth login',
      summary: 'Sign in with the password (and the TOTP code when 2FA is on)',
      usage: '--email <email> [options]',
      description: [
        'Signs in and saves the session (access + refresh tokens) as the active profile. The password',
        'is asked for without echo at a terminal, or read from stdin with --password-stdin; it is never',
        'a flag and never stored. With 2FA, the code comes from --totp-code, from the TOTP secret in the',
        'variable --totp-secret-env names (the code is computed for you), or a prompt. Without any, the',
        'challenge is kept for 5 minutes: finish with `{program} auth login --email <email> --totp-code <code>`',
        '(no password needed).',
      ].join('\n'),
      flags: [
        EMAIL, PASSWORD_STDIN,
        ['totp-code', 'The 6-digit code from your authenticator app'],
        ['totp-secret-env', 'Name of an environment variable holding the base32 TOTP secret'],
        PROFILE_NAME, BASE_URL, JSON_FLAG, HELP_FLAG,
      ],
      run: (ctx) => loginCommand(ctx, surface),
    },
    ...(surface.apiKeys
      ? [{
        path: 'config set',
        summary: 'Save an API token (cdt_live_… / cdt_test_…) as a profile',
        usage: '--api-key <token> [options]',
        description: [
          'Checks the API token with the backend (me), then saves it as a profile named from the',
          "account's email, which becomes active. The token's environment (live, or test: the sandbox)",
          'is recorded. A token the backend refuses is not saved; if the backend cannot be reached, it',
          'is saved unverified. The token is never printed in full.',
        ].join('\n'),
        flags: [
          ['api-key', 'The API token to save (cdt_live_… or cdt_test_…) (required)'],
          ['name', 'Local profile name (default: derived from the email)'],
          ['profile-name', 'Same as --name'], BASE_URL, JSON_FLAG, HELP_FLAG,
        ],
        run: (/** @type {any} */ ctx) => tokenConfigSet(ctx, surface),
      }]
      : []),
    ...sessionCommands(surface, {
      whoamiFlags: surface.apiKeys
        ? [['api-key', 'Check this API token (cdt_live_… / cdt_test_…) instead of a session'], ['base-url', 'The API URL for --api-key (a profile only accepts its own)']]
        : [],
    }),
  ];
  return surface;
}
