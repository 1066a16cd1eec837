// Commands over a saved session (access + refresh tokens, the sessions API and CODITECT):
// saving one after a sign-in, whoami (the backend's session check / me), auth refresh and
// auth logout. Every call goes through createClient({provider, store, profile}), so a refresh
// (shortly before expiry, or once after a 401 token_expired) runs under the profile store's
// lease and rotates the tokens in the profile file: two processes never present the same
// refresh token. Tokens are shown masked only; the raw ones live in the 0600 profile file.

import { createClient, sessionProfile, apiTokenEnv } from '../../sessions/index.mjs';
import { KeymintError, canonicalError } from '../../errors.mjs';
import { maskSecret } from '../../mask.mjs';
import { profileNameFromEmail } from '../profile-store.mjs';
import { compact, saveProfile, savedProfileFields } from './save-profile.mjs';
import { fields } from './output.mjs';
import { notFound, resolveTarget, sameBase } from './target.mjs';
import { shown } from './args.mjs';
import { hintWords, hole } from './shell.mjs';
import { cleanUser, firstEmail, identityFields } from './sanitize.mjs';

const hasOwn = (/** @type {object} */ o, /** @type {string} */ k) => Object.prototype.hasOwnProperty.call(o, k);

/** `at_••••••••MajG (expires 2026-…)` @param {string|undefined} token @param {unknown} expiresAt */
function tokenLine(token, expiresAt) {
  return `${maskSecret(token)}${expiresAt ? ` (expires ${expiresAt})` : ''}`;
}

/**
 * Add the sign-in command to an error that says to sign in again (the backend's text is
 * generic), so an agent has a command to run.
 * @param {import('./context.mjs').Context} ctx @param {any} e @param {string|undefined} email
 */
export function withSignInAgain(ctx, e, email) {
  const kind = e?.nextAction?.kind;
  if (!(e instanceof KeymintError) || e.nextAction?.command || !(kind === 'sign_in_again' || (kind === 'refresh' && e.code === 'TOKEN_EXPIRED'))) return e;
  const cmd = ctx.run(...hintWords(ctx.signInHint, email));
  const said = String(e.nextAction?.text ?? '').trim();
  const text = /(^|\s)sign in again\.?$/i.test(said) || said === ''
    ? `${said.replace(/sign in again\.?$/i, '')}Sign in again with: ${cmd}`
    : `${said} Run: ${cmd}`;
  return new KeymintError({ ...e, message: e.message, exitCode: e.exitCode, nextAction: { ...e.nextAction, text, command: cmd } });
}

/**
 * Save a session credential as the active profile and print it (masked).
 * @param {import('./context.mjs').Context} ctx
 * @param {any} cred the credential (tokens are Secrets)
 * @param {{explicitName?: string, pendingKey?: string, email: string, title: string, status?: string}} o
 *   `status` (auth login) is put in the JSON data, next to `signedIn: true`
 */
export async function saveSession(ctx, cred, { explicitName, pendingKey, email, title, status }) {
  // The backend's identity is checked before it is stored (an implausible email is not kept).
  const saved = sessionProfile(cred);
  const profile = compact({
    ...saved,
    user: cleanUser(saved.user),
    provider: cred.provider ?? ctx.providerName,
    email: firstEmail(cred.email, cred.user?.email) ?? email,
  });
  for (const t of [profile.accessToken, profile.refreshToken, profile.apiKey]) ctx.secret(t);
  const name = await saveProfile(ctx, profile, {
    explicitName,
    baseName: profileNameFromEmail(profile.email ?? 'default'),
    pendingKey,
    minted: true,
  });
  const access = maskSecret(profile.accessToken);
  ctx.out.result(
    compact({
      ...(status ? { status, signedIn: true } : {}),
      ...savedProfileFields(name, profile),
      email: profile.email,
      accountCreated: cred.accountCreated,
      user: profile.user,
      accessToken: access,
      refreshToken: profile.refreshToken === undefined ? undefined : maskSecret(profile.refreshToken),
      tokenExpiresAt: profile.tokenExpiresAt ?? null,
      configPath: ctx.store().path,
    }),
    [
      title,
      '',
      ...fields([
        ['Email', profile.email],
        ['Profile', `${name} (now active)`],
        ['Session', tokenLine(profile.accessToken, profile.tokenExpiresAt)],
      ]),
      '',
      `  Try it:  ${ctx.cli.program} whoami`,
    ],
  );
  return 0;
}

/**
 * The profile a session command works on: `--profile NAME`, else the active one. It must be
 * this provider's and hold a session (or, with `allowApiKey`, an API token).
 * @param {import('./context.mjs').Context} ctx
 * @param {{allowApiKey?: boolean}} [o]
 * @returns {Promise<{name: string, profile: Record<string, any>}>}
 */
export async function sessionInUse(ctx, { allowApiKey = false } = {}) {
  const doc = await ctx.store().read();
  const named = ctx.str('profile');
  const name = named ?? doc.active;
  if (name === null || name === undefined || !hasOwn(doc.profiles, name)) {
    if (named !== undefined) throw await notFound(ctx, named);
    const names = Object.keys(doc.profiles);
    throw canonicalError({
      code: 'PROFILE_NOT_FOUND',
      message: names.length === 0 ? 'Not signed in: no profile is saved.' : 'Not signed in: no profile is active.',
      nextAction: names.length === 0
        ? { kind: 'sign_in_again', text: `Sign in with: ${ctx.run(...hintWords(ctx.signInHint))}`, command: ctx.run(...hintWords(ctx.signInHint)) }
        : {
          kind: 'fix_input',
          field: 'profile',
          text: `Pass --profile <name>, or pick one with: ${ctx.runBare('profile', 'use', hole('<name>'))} (saved: ${names.join(', ')}).`,
          command: ctx.runBare('profile', 'use', hole('<name>')),
        },
      details: { profiles: names },
    });
  }
  const profile = doc.profiles[name];
  if (profile.provider !== ctx.providerName) {
    throw canonicalError({
      code: 'PROFILE_NOT_FOUND',
      message: `The profile "${name}" is a ${profile.provider} profile, not ${ctx.providerName}.`,
      nextAction: {
        field: 'profile',
        text: `Name a ${ctx.providerName} profile with --profile, or run the command for ${profile.provider}${ctx.cli.provider ? '' : ` (${ctx.cli.program} --provider ${profile.provider} …)`}.`,
      },
      details: { profile: name, provider: profile.provider },
    });
  }
  const flagUrl = ctx.str('base-url');
  if (flagUrl !== undefined && !sameBase(flagUrl, profile.baseUrl)) {
    throw ctx.usage(`The profile "${name}" is a session with ${profile.baseUrl}; --base-url names another backend (${shown(flagUrl)}). Tokens are only sent to their own backend.`, 'base-url');
  }
  const hasSession = typeof profile.accessToken === 'string' && profile.accessToken !== '';
  if (!hasSession && !(allowApiKey && typeof profile.apiKey === 'string')) {
    throw canonicalError({
      code: 'PROFILE_NOT_FOUND',
      message: `The profile "${name}" holds no session.`,
      nextAction: { kind: 'sign_in_again', text: `Sign in again with: ${ctx.run(...hintWords(ctx.signInHint))}`, command: ctx.run(...hintWords(ctx.signInHint)) },
    });
  }
  for (const t of [profile.accessToken, profile.refreshToken, profile.apiKey]) ctx.secret(t);
  return { name, profile };
}

/** @param {import('./context.mjs').Context} ctx @param {string} name */
function clientFor(ctx, name) {
  return createClient({ provider: /** @type {any} */ (ctx.providerValue), store: ctx.store(), profile: name, ...ctx.runOpts });
}

/**
 * `whoami` for a session backend: the backend's session check (sessions API) or me
 * (CODITECT). Refreshes first when the access token is about to expire, or once after a
 * 401 token_expired; the rotated tokens are saved in the profile.
 * With `apiKeys` (CODITECT), `--api-key cdt_…` or `<PREFIX>_API_KEY` is checked instead.
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Surface} surface
 */
export async function sessionWhoami(ctx, surface) {
  const flag = ctx.str('api-key');
  if (flag !== undefined && flag.trim() === '') throw ctx.usage('--api-key is empty.', 'api-key');
  const apiKey = surface.apiKeys ? (flag?.trim() ?? ctx.envValue('API_KEY')) : undefined;
  ctx.secret(apiKey);
  /** @type {any} */
  let me;
  /** @type {Record<string, any>} */
  let data;
  /** @type {[string, string]} */
  let whose;
  if (apiKey !== undefined) {
    const target = await resolveTarget(ctx, surface, null, 'whoami');
    const client = createClient(compact({ provider: ctx.providerValue, baseUrl: target.baseUrl, apiKey, ...ctx.runOpts }));
    me = await client.me().catch((e) => { throw withSignInAgain(ctx, e, undefined); });
    const source = flag !== undefined ? 'flag' : 'env';
    data = compact({ apiKey: maskSecret(apiKey), env: apiTokenEnv(apiKey, /** @type {any} */ (ctx.providerValue)) ?? undefined, baseUrl: target.baseUrl ?? null, credential: compact({ source, env: source === 'env' ? ctx.envName('API_KEY') : undefined }) });
    whose = ['Key from', source === 'flag' ? '--api-key' : `${ctx.envName('API_KEY')} (environment)`];
  } else {
    const { name, profile } = await sessionInUse(ctx, { allowApiKey: Boolean(surface.apiKeys) });
    me = await clientFor(ctx, name).check().catch((e) => { throw withSignInAgain(ctx, e, profile.email); });
    const after = (await ctx.store().get(name)) ?? profile;
    data = typeof profile.accessToken === 'string'
      ? {
        accessToken: maskSecret(after.accessToken),
        tokenExpiresAt: after.tokenExpiresAt ?? null,
        refreshed: after.accessToken !== profile.accessToken,
      }
      : compact({ apiKey: maskSecret(profile.apiKey), env: apiTokenEnv(profile.apiKey, /** @type {any} */ (ctx.providerValue)) ?? undefined });
    data = { ...data, baseUrl: profile.baseUrl, credential: { source: 'profile', profile: name } };
    whose = ['Profile', name];
    if (data.refreshed) ctx.out.note('(The session was refreshed; the new tokens are saved in the profile.)');
  }
  me = identityFields(me); // only the documented fields, never the server's object as it came
  const email = surface.identityEmail?.(me) ?? me?.email ?? me?.user?.email;
  const rows = [
    ...(surface.identityRows?.(me) ?? []),
    data.accessToken !== undefined ? ['Token', `${data.accessToken}${data.tokenExpiresAt ? ` (expires ${data.tokenExpiresAt})` : ''}`] : ['API token', data.apiKey],
    whose,
  ];
  ctx.out.result(
    { ...me, provider: ctx.providerName, ...data },
    [`✓ Signed in as ${email ?? '(unknown)'}`, '', ...fields(/** @type {any} */ (rows))],
  );
  return 0;
}

/**
 * `auth refresh`: rotate the session's tokens now (under the store's lease).
 * @param {import('./context.mjs').Context} ctx
 */
export async function refreshCommand(ctx) {
  const { name, profile } = await sessionInUse(ctx);
  if (typeof profile.refreshToken !== 'string' || profile.refreshToken === '') {
    throw withSignInAgain(ctx, canonicalError({
      code: 'INVALID_REFRESH_TOKEN',
      message: `The profile "${name}" holds no refresh token.`,
      nextAction: { text: 'Sign in again.' },
      details: { local: true },
    }), profile.email);
  }
  await clientFor(ctx, name).refresh().catch((e) => { throw withSignInAgain(ctx, e, profile.email); });
  const after = (await ctx.store().get(name)) ?? profile;
  const rotated = after.refreshToken !== profile.refreshToken;
  ctx.out.result(
    compact({
      profile: name,
      provider: after.provider,
      baseUrl: after.baseUrl,
      email: after.email,
      accessToken: maskSecret(after.accessToken),
      refreshToken: after.refreshToken === undefined ? undefined : maskSecret(after.refreshToken),
      tokenExpiresAt: after.tokenExpiresAt ?? null,
      rotated,
    }),
    [
      '✓ Session refreshed',
      '',
      ...fields([
        ['Profile', name],
        ['Session', tokenLine(after.accessToken, after.tokenExpiresAt)],
      ]),
    ],
  );
  return 0;
}

/** Errors that mean the session is dead already: nothing left to revoke. */
const DEAD = ['INVALID_TOKEN', 'INVALID_REFRESH_TOKEN', 'REFRESH_TOKEN_REUSED', 'UNAUTHENTICATED', 'TOKEN_EXPIRED'];

/**
 * `auth logout`: revoke the session at the backend (sessions API: revoke; CODITECT: logout),
 * then forget the profile. A session the backend no longer knows counts as revoked. If the
 * backend cannot be reached, the profile is kept (run it again, or `profile remove`).
 * An API-token profile is only forgotten: tokens are revoked in the dashboard.
 * @param {import('./context.mjs').Context} ctx
 */
export async function logoutCommand(ctx) {
  const { name, profile } = await sessionInUse(ctx, { allowApiKey: true });
  let revoked = false;
  let already = false;
  if (typeof profile.accessToken === 'string') {
    try {
      const r = await clientFor(ctx, name).revoke();
      revoked = true;
      already = r.alreadyRevoked;
    } catch (e) {
      const err = /** @type {any} */ (e);
      if (!DEAD.includes(err?.code)) {
        if (err instanceof KeymintError) {
          throw new KeymintError({
            ...err,
            message: `${err.message} The session was not revoked; profile ${name} is kept.`,
            exitCode: err.exitCode,
            nextAction: {
              ...err.nextAction,
              text: `${err.nextAction?.text ? `${err.nextAction.text} ` : ''}Run ${ctx.run('auth', 'logout')} again, or forget the profile without revoking: ${ctx.runBare('profile', 'remove', name)}`,
            },
          });
        }
        throw e;
      }
      already = true;
    }
  }
  try {
    await ctx.store().remove(name);
  } catch (e) {
    if (/** @type {any} */ (e)?.code !== 'PROFILE_NOT_FOUND') throw e;
  }
  const after = await ctx.store().read();
  const lines = [
    revoked && !already ? `✓ Logged out: revoked the session and forgot profile ${name}`
      : already ? `✓ Logged out: the session had ended already; forgot profile ${name}`
        : `✓ Logged out: forgot profile ${name}`,
  ];
  if (!revoked && !already) lines.push('', `  The API token ${maskSecret(profile.apiKey)} stays valid until it is revoked in the dashboard.`);
  ctx.out.result({ removed: name, revoked: revoked || already, alreadyRevoked: already, active: after.active, profiles: Object.keys(after.profiles) }, lines);
  return 0;
}
