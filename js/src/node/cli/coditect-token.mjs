// CODITECT `config set --api-key cdt_live_…|cdt_test_…`: save an API token made in the
// dashboard as a profile. The token's environment (live / test) is the core's call
// (apiTokenEnv); the token is checked with the backend's `me` first: a token the backend
// refuses is not saved; when the backend cannot be reached it is saved unverified, with a
// warning (as the key surfaces' `config set`). The profile:
//   {provider, baseUrl, apiKey, kind: 'api_token', env: 'live'|'test', email, user}
// named from the email (or --name / --profile-name), and made active. Shown masked only.

import { apiTokenEnv, createClient } from '../../sessions/index.mjs';
import { KeymintError } from '../../errors.mjs';
import { maskSecret } from '../../mask.mjs';
import { profileNameFromEmail } from '../profile-store.mjs';
import { compact, saveProfile, savedProfileFields } from './save-profile.mjs';
import { fields } from './output.mjs';
import { resolveTarget } from './target.mjs';
import { hole } from './shell.mjs';
import { cleanOrganization, cleanUser, firstEmail } from './sanitize.mjs';

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** How people call an environment. @param {string|undefined} env */
export function envLabel(env) {
  return env === 'test' ? 'sandbox' : env === 'live' ? 'live' : undefined;
}

/**
 * The token prefixes a surface accepts, for messages: the spec's `apiTokens`, or CODITECT's.
 * @param {string|Record<string, any>} provider
 * @returns {Array<[string, string]>} [env, prefix]
 */
export function apiTokenPrefixes(provider) {
  const declared = typeof provider === 'object' && provider !== null ? provider.apiTokens : undefined;
  if (declared && typeof declared === 'object') {
    return Object.entries(declared).filter(([, p]) => typeof p === 'string').map(([e, p]) => [e, /** @type {string} */ (p)]);
  }
  return [['live', 'cdt_live_'], ['test', 'cdt_test_']];
}

/**
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Surface} surface
 */
export async function tokenConfigSet(ctx, surface) {
  const prefixes = apiTokenPrefixes(/** @type {any} */ (ctx.providerValue));
  const example = `${prefixes[0]?.[1] ?? surface.keyPrefix}…`;
  const apiKey = ctx.required('api-key', example).trim();
  const n1 = ctx.str('name');
  const n2 = ctx.str('profile-name');
  if (n1 !== undefined && n2 !== undefined && n1 !== n2) {
    throw ctx.usage('--name and --profile-name both name the profile: pass one.', 'name');
  }
  const named = n1 ?? n2;
  if (named !== undefined && !PROFILE_NAME.test(named)) {
    throw ctx.usage(`--${n1 !== undefined ? 'name' : 'profile-name'} must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.`, n1 !== undefined ? 'name' : 'profile-name');
  }
  const env = apiTokenEnv(apiKey, /** @type {any} */ (ctx.providerValue));
  if (env === null) {
    const list = prefixes.map(([e, p]) => `${p}… (${envLabel(e) ?? e})`).join(' or ');
    throw ctx.usage(`That is not a ${surface.label} API token: API tokens start with ${list}.`, 'api-key');
  }
  ctx.secret(apiKey); // only now: a refused value may be just a prefix the message names
  const target = await resolveTarget(ctx, surface, null, 'whoami');
  const baseUrl = target.baseUrl ?? surface.defaultBaseUrl;
  await ctx.store().read(); // a broken profile file fails before anything else
  /** @type {any} */
  let me = null;
  /** @type {string|undefined} */
  let warning;
  try {
    me = await createClient(compact({ provider: ctx.providerValue, baseUrl, apiKey, ...ctx.runOpts })).me();
  } catch (e) {
    const err = /** @type {any} */ (e);
    if (err?.exitCode === 6) {
      warning = `Could not check the token (${err.code}); saved it unverified.`;
    } else if (err instanceof KeymintError) {
      const again = ctx.run('config', 'set', '--api-key', hole(example));
      throw new KeymintError({
        ...err,
        message: `${err.message} The API token was not saved.`,
        exitCode: err.exitCode,
        nextAction: {
          kind: 'fix_input',
          field: 'api-key',
          text: `Check the token (it may be revoked or expired), or create a new one in the dashboard, then run: ${again}`,
          command: again,
        },
      });
    } else {
      throw e;
    }
  }
  // The backend's identity is checked before it is stored (an implausible email is not kept).
  const email = firstEmail(surface.identityEmail?.(me), me?.email, me?.user?.email);
  const userId = me?.id ?? me?.user?.id;
  const profile = compact({
    provider: ctx.providerName,
    baseUrl,
    apiKey,
    kind: 'api_token',
    env,
    email,
    user: userId !== undefined ? cleanUser({ id: userId, email, name: me?.name }) : undefined,
    organization: cleanOrganization(me?.organization),
  });
  const name = await saveProfile(ctx, profile, {
    explicitName: named,
    baseName: email ? profileNameFromEmail(email) : 'default',
    minted: false,
  });
  if (warning) ctx.out.warn(warning);
  const masked = maskSecret(apiKey);
  ctx.out.result(
    compact({
      ...savedProfileFields(name, profile),
      kind: 'api_token',
      env,
      apiKey: masked,
      verified: me !== null,
      email: profile.email,
      user: profile.user,
      organization: profile.organization,
      configPath: ctx.store().path,
    }),
    [
      '✓ API token saved',
      '',
      ...fields([
        profile.email ? ['Email', profile.email] : null,
        ['Profile', `${name} (now active)`],
        ['Token', `${masked} (${envLabel(env) ?? env})`],
      ]),
      '',
      `  Try it:  ${ctx.cli.program} whoami`,
    ],
  );
  return 0;
}
