// The Codika surface (seed 000): separate sign-up and sign-in, organization-scoped cko_ keys.
//   codika auth signup-request  --email E
//   codika auth signup-complete --email E --code C [--company N] [--description T]
//                               [--key-name N] [--key-expires-in DAYS] [--name PROFILE]
//   codika auth login-request   --email E
//   codika auth login-complete  --email E --code C [--organization-id ID] [--key-name N]
//                               [--key-expires-in DAYS] [--name PROFILE]
// each with --base-url / --api-url / --json; plus whoami, config set, profile *, auth logout.

import { profileNameFromOrganization } from '../profile-store.mjs';
import { requestCommand, completeCommand } from './auth.mjs';
import { commonCommands } from './common.mjs';
import { JSON_FLAG, HELP_FLAG } from './surface.mjs';

const BASE_URL = /** @type {[string, string]} */ (['base-url', 'Codika API base URL (default: https://api.codika.io, or {PREFIX}_BASE_URL)']);
const apiUrl = (endpoint) => /** @type {[string, string]} */ (['api-url', `Full URL of the ${endpoint} endpoint (overrides --base-url)`]);
const WAIT = /** @type {[string, string]} */ (['wait', 'If a code was sent moments ago, wait out the cooldown (up to 10 minutes), then send']);
const EMAIL_REQ = (what) => /** @type {[string, string]} */ (['email', `${what} (required)`]);
const CODE = /** @type {[string, string]} */ (['code', '6-digit code from the email (asked for when run in a terminal)']);
const KEY_NAME = /** @type {[string, string]} */ (['key-name', 'Label for the minted API key (default: "CLI default key")']);
const KEY_EXPIRES = /** @type {[string, string]} */ (['key-expires-in', 'Key lifetime in days, 1–365; omit for no expiry']);
const NAME = /** @type {[string, string]} */ (['name', 'Local profile name (default: derived from the organization name)']);

/** @returns {import('./surface.mjs').Surface} */
export function codikaSurface() {
  /** @type {import('./surface.mjs').Surface} */
  const surface = {
    provider: 'codika',
    label: 'Codika',
    keyPrefix: 'cko_',
    defaultBaseUrl: 'https://api.codika.io',
    endpoints: {
      signup: { request: '/cliRequestSignupOtp', complete: '/cliCompleteSignupOtp' },
      login: { request: '/cliRequestLoginOtp', complete: '/cliCompleteLoginOtp' },
    },
    endpointFlag: 'api-url',
    profileNameFlag: 'name',
    defaultKeyName: 'CLI default key',
    baseUrlFlags: () => ['base-url'],
    completeCommand: (purpose) => `auth ${purpose}-complete`,
    completeOptions(ctx, purpose) {
      const o = {};
      const days = ctx.str('key-expires-in');
      if (purpose === 'signup') {
        if (ctx.str('company') !== undefined) o.companyName = ctx.str('company');
        if (ctx.str('description') !== undefined) o.description = ctx.str('description');
      } else if (ctx.str('organization-id') !== undefined) {
        o.organizationId = ctx.str('organization-id');
      }
      if (ctx.str('key-name') !== undefined) o.keyName = ctx.str('key-name');
      if (days !== undefined) o.keyExpiresInDays = /^\s*\d+\s*$/.test(days) ? Number(days) : days;
      return o;
    },
    baseProfileName: (p) => profileNameFromOrganization(p.organization?.name ?? p.email ?? 'default'),
    identityName: (me) => (me.organization?.name ? profileNameFromOrganization(me.organization.name) : undefined),
    commands: [],
  };
  surface.commands = [
    {
      path: 'auth signup-request',
      summary: 'Email a sign-up code for a new account',
      usage: '--email <email> [options]',
      description: 'Asks Codika to email a 6-digit code (valid 10 minutes) for a brand-new signup.\nThen run `{program} auth signup-complete`.',
      flags: [EMAIL_REQ('Email address to register'), BASE_URL, apiUrl('cliRequestSignupOtp'), WAIT, JSON_FLAG, HELP_FLAG],
      run: (ctx) => requestCommand(ctx, surface, 'signup'),
    },
    {
      path: 'auth signup-complete',
      summary: 'Verify the code: create the account and organization, mint an API key',
      usage: '--email <email> --code <code> [options]',
      description: 'Verifies the code and, in one atomic step, creates the user and the organization and mints a\ncko_ API key with the 10 default scopes. The key is saved as a new profile, which becomes\nactive; it is never printed in full.',
      flags: [
        EMAIL_REQ('Email that received the code'), CODE,
        ['company', 'Organization name (default: "My Organization")'],
        ['description', 'Organization description'],
        KEY_NAME, KEY_EXPIRES, NAME, BASE_URL, apiUrl('cliCompleteSignupOtp'), JSON_FLAG, HELP_FLAG,
      ],
      run: (ctx) => completeCommand(ctx, surface, 'signup'),
    },
    {
      path: 'auth login-request',
      summary: 'Email a sign-in code for an existing account',
      usage: '--email <email> [options]',
      description: 'Asks Codika to email a 6-digit code (valid 10 minutes) to an existing account.\nThen run `{program} auth login-complete`.',
      flags: [EMAIL_REQ('Email of the account'), BASE_URL, apiUrl('cliRequestLoginOtp'), WAIT, JSON_FLAG, HELP_FLAG],
      run: (ctx) => requestCommand(ctx, surface, 'login'),
    },
    {
      path: 'auth login-complete',
      summary: 'Verify the code and mint a fresh API key',
      usage: '--email <email> --code <code> [options]',
      description: 'Verifies the code and mints a new cko_ key for one of your organizations (earlier keys stay\nvalid). With several organizations, pass --organization-id, or choose from a list when\nrun in a terminal. The key is saved as a profile, which becomes active.',
      flags: [
        EMAIL_REQ('Email that received the code'), CODE,
        ['organization-id', 'Organization to mint the key for (required when you belong to several)'],
        KEY_NAME, KEY_EXPIRES, NAME, BASE_URL, apiUrl('cliCompleteLoginOtp'), JSON_FLAG, HELP_FLAG,
      ],
      run: (ctx) => completeCommand(ctx, surface, 'login'),
    },
    ...commonCommands(surface, {
      urlFlag: BASE_URL,
      keyExample: 'cko_…',
    }),
  ];
  return surface;
}
