// Commands over saved credentials: whoami, config set --api-key, profile list/use/remove,
// auth logout. Which credential a command uses, first found:
//   --api-key > <PREFIX>_API_KEY > --profile NAME > the active profile.

import { whoami } from '../../sessions/index.mjs';
import { KeymintError, canonicalError } from '../../errors.mjs';
import { maskSecret } from '../../mask.mjs';
import { fields, table } from './output.mjs';
import { notFound, resolveTarget } from './target.mjs';
import { compact, saveProfile, savedProfileFields } from './save-profile.mjs';
import { PRESETS, PROVIDER_CHOICES } from './providers.mjs';
import { hintWords, hole } from './shell.mjs';
import { cleanOrganization, cleanText, cleanUser, firstEmail, identityFields } from './sanitize.mjs';

const PROVIDER_BY_PREFIX = [['cko_', 'codika'], ['scripto_', 'scripto'], ['cdt_', 'coditect']];

/** The provider a raw key's prefix names, if any. @param {string} key */
export function providerOfKey(key) {
  return PROVIDER_BY_PREFIX.find(([p]) => key.startsWith(p))?.[1];
}

/**
 * The provider of the credential a command would use (same order as resolveCredential), or
 * undefined when there is none (resolveCredential then says what is missing).
 * @param {import('./context.mjs').Context} ctx
 * @returns {Promise<string|undefined>}
 */
export async function providerInUse(ctx) {
  const key = ctx.str('api-key')?.trim() || ctx.envValue('API_KEY');
  if (key) return providerOfKey(key);
  const doc = await ctx.store().read();
  const name = ctx.str('profile') ?? doc.active;
  if (name === null || name === undefined || !Object.prototype.hasOwnProperty.call(doc.profiles, name)) return undefined;
  const p = doc.profiles[name].provider;
  return typeof p === 'string' ? p : undefined;
}

/**
 * @typedef {{apiKey: string, source: 'flag'|'env'|'profile', profileName?: string,
 *   profile?: Record<string, any>}} Credential
 */

/**
 * @param {import('./context.mjs').Context} ctx
 * @returns {Promise<Credential>}
 */
export async function resolveCredential(ctx) {
  const flag = ctx.str('api-key');
  if (flag !== undefined && flag.trim() !== '') {
    ctx.secret(flag.trim());
    return { apiKey: flag.trim(), source: 'flag' };
  }
  if (flag !== undefined) throw ctx.usage('--api-key is empty.', 'api-key');
  const env = ctx.envValue('API_KEY');
  if (env !== undefined) {
    ctx.secret(env);
    return { apiKey: env, source: 'env' };
  }
  const doc = await ctx.store().read();
  const named = ctx.str('profile');
  const name = named ?? doc.active;
  if (name === null || name === undefined || !Object.prototype.hasOwnProperty.call(doc.profiles, name)) {
    if (named !== undefined) throw await notFound(ctx, named);
    const names = Object.keys(doc.profiles);
    throw canonicalError({
      code: 'PROFILE_NOT_FOUND',
      message: names.length === 0
        ? 'Not signed in: no API key was given and no profile is saved.'
        : 'Not signed in: no API key was given and no profile is active.',
      nextAction: names.length === 0
        ? {
          kind: 'sign_in_again',
          text: `Sign in with: ${ctx.run(...hintWords(ctx.signInHint))} (or pass --api-key, or set ${ctx.envName('API_KEY')}).`,
          command: ctx.run(...hintWords(ctx.signInHint)),
        }
        : {
          kind: 'fix_input',
          field: 'profile',
          text: `Pick a profile with: ${ctx.runBare('profile', 'use', hole('<name>'))} (saved: ${names.join(', ')}).`,
          command: ctx.runBare('profile', 'use', hole('<name>')),
        },
      details: { profiles: names },
    });
  }
  const profile = doc.profiles[name];
  if (typeof profile.apiKey !== 'string' || profile.apiKey === '') {
    throw canonicalError({
      code: 'PROFILE_NOT_FOUND',
      message: `The profile "${name}" holds no API key.`,
      nextAction: { kind: 'sign_in_again', text: `Sign in again with: ${ctx.run(...hintWords(ctx.signInHint))}`, command: ctx.run(...hintWords(ctx.signInHint)) },
    });
  }
  ctx.secret(profile.apiKey);
  return { apiKey: profile.apiKey, source: 'profile', profileName: name, profile };
}

/** Where the key came from, for people. @param {import('./context.mjs').Context} ctx @param {Credential} c */
function sourceText(ctx, c) {
  if (c.source === 'flag') return '--api-key';
  if (c.source === 'env') return `${ctx.envName('API_KEY')} (environment)`;
  return `profile ${c.profileName}`;
}

/** UNAUTHENTICATED with a sign-in command when the backend gave none. */
function withSignIn(ctx, e, email) {
  if (e?.code !== 'UNAUTHENTICATED' || e.nextAction?.command) return e;
  // The email may be the backend's (saved by an older version, or a tampered file): quoted.
  const cmd = ctx.run('auth', 'login-request', '--email', email ? String(email) : hole('<your-email>'));
  const text = /^sign in again\.?$/i.test(e.nextAction?.text ?? '') || !e.nextAction?.text
    ? `Sign in again with: ${cmd}`
    : e.nextAction.text;
  return new KeymintError({ ...e, message: e.message, nextAction: { ...e.nextAction, text, command: cmd }, exitCode: e.exitCode });
}

/**
 * `whoami`: who the key in use belongs to.
 * @param {import('./context.mjs').Context} ctx
 * @param {() => import('./surface.mjs').Surface} surfaceFor picks the surface once the provider is known
 */
export async function whoamiCommand(ctx, surfaceFor) {
  const cred = await resolveCredential(ctx);
  const provider = ctx.provider ?? cred.profile?.provider ?? providerOfKey(cred.apiKey);
  if (!provider) throw ctx.usage(`Which provider? Pass --provider ${PROVIDER_CHOICES}.`, 'provider');
  if (!ctx.provider) {
    if (!PRESETS.includes(provider)) {
      throw ctx.usage(`The profile ${cred.profileName} was saved with the provider spec "${provider}": pass the spec again, e.g. ${ctx.runBare('--provider', `./${provider}.json`, 'whoami')}`, 'provider');
    }
    ctx.provider = provider;
  }
  const surface = surfaceFor();
  ctx.surface = surface;
  const target = await resolveTarget(ctx, surface, null, 'whoami');
  const baseUrl = target.explicit
    ? target.baseUrl
    : cred.source === 'profile' ? cred.profile?.baseUrl : target.baseUrl;
  let me;
  try {
    me = await whoami(compact({ provider: ctx.spec ?? provider, baseUrl, apiKey: cred.apiKey, program: ctx.program }), ctx.runOpts);
  } catch (e) {
    throw withSignIn(ctx, e, cred.profile?.email);
  }
  me = identityFields(me); // only the documented fields, never the server's object as it came
  const masked = maskSecret(cred.apiKey);
  const source = compact({ source: cred.source, profile: cred.profileName, env: cred.source === 'env' ? ctx.envName('API_KEY') : undefined });
  const email = me.user?.email ?? me.email;
  const rows = provider === 'codika'
    ? [
      ['Organization', me.organization ? `${me.organization.name} (${me.organization.id})` : '—'],
      ['User', me.user?.id ?? '—'],
      ['API key', `${masked}${me.key?.name ? `  ${me.key.name}` : ''}${me.key?.id ? ` (${me.key.id})` : ''}`],
      ['Scopes', Array.isArray(me.key?.scopes) ? me.key.scopes.join(' ') : '—'],
      ['Expires', me.key?.expiresAt ?? 'never'],
      [cred.source === 'profile' ? 'Profile' : 'Key from', cred.source === 'profile' ? cred.profileName : sourceText(ctx, cred)],
    ]
    : [
      ['User', me.userId ?? me.id ?? '—'],
      [ctx.surface?.credentialLabel ?? 'API key', `${masked}${me.keyName ? `  ${me.keyName}` : ''}${me.keyId ? ` (${me.keyId})` : ''}`],
      [cred.source === 'profile' ? 'Profile' : 'Key from', cred.source === 'profile' ? cred.profileName : sourceText(ctx, cred)],
    ];
  ctx.out.result(
    { ...me, apiKey: masked, provider: ctx.providerName ?? provider, baseUrl: baseUrl ?? null, credential: source },
    [`✓ Signed in as ${email}`, '', ...fields(/** @type {any} */ (rows))],
  );
  return 0;
}

/** A profile as it may be shown: the key masked. @param {string} name @param {any} p @param {boolean} active */
export function publicProfile(name, p, active) {
  return compact({
    name,
    active,
    provider: p.provider,
    baseUrl: p.baseUrl,
    email: p.email,
    organization: p.organization,
    apiKey: typeof p.apiKey === 'string' ? maskSecret(p.apiKey) : undefined,
    accessToken: typeof p.accessToken === 'string' ? maskSecret(p.accessToken) : undefined,
    refreshToken: typeof p.refreshToken === 'string' ? maskSecret(p.refreshToken) : undefined,
    tokenExpiresAt: p.tokenExpiresAt,
    keyId: p.keyId,
    keyName: p.keyName,
    keyPrefix: p.keyPrefix,
    scopes: p.scopes,
    expiresAt: p.expiresAt,
    createdAt: p.createdAt,
  });
}

/** `profile list` @param {import('./context.mjs').Context} ctx */
export async function profileList(ctx) {
  const store = ctx.store();
  const doc = await store.read();
  const profiles = Object.entries(doc.profiles).map(([name, p]) => publicProfile(name, p, doc.active === name));
  if (profiles.length === 0) {
    ctx.out.result({ active: null, profiles: [], configPath: store.path }, []);
    ctx.out.note(`No profiles yet. Sign in with: ${ctx.run(...hintWords(ctx.signInHint))}`);
    return 0;
  }
  // Cleaned before the widths are measured (a file written by an older version may hold raw server text).
  const rows = profiles.map((p) => [
    p.name,
    String(p.provider ?? ''),
    String(p.email ?? '—'),
    String(/** @type {any} */ (p.organization)?.name ?? '—'),
    String(p.apiKey ?? (p.accessToken ? `${p.accessToken} (session)` : '—')),
  ].map((c) => ctx.out.clean(c)));
  const marks = ['', ...profiles.map((p) => (p.active ? '*' : ''))];
  const lines = table(['NAME', 'PROVIDER', 'EMAIL', 'ORGANIZATION', 'API KEY'], rows).map((l, i) => `${marks[i].padEnd(1)} ${l}`);
  ctx.out.result({ active: doc.active, profiles, configPath: store.path }, lines);
  return 0;
}

/** `profile use NAME` @param {import('./context.mjs').Context} ctx @param {string} name */
export async function profileUse(ctx, name) {
  const { profile } = await ctx.store().use(name);
  ctx.out.result({ active: name, profile: publicProfile(name, profile, true) }, [`✓ Active profile: ${name}`]);
  return 0;
}

/**
 * `profile remove NAME`, and `auth logout [--profile NAME]` (the active profile by default).
 * The key itself stays valid at the backend until it is revoked there.
 * @param {import('./context.mjs').Context} ctx @param {string|undefined} name
 * @param {{logout?: boolean}} [how]
 */
export async function profileRemove(ctx, name, { logout = false } = {}) {
  const store = ctx.store();
  let target = name;
  if (target === undefined) {
    const doc = await store.read();
    if (doc.active === null || !Object.prototype.hasOwnProperty.call(doc.profiles, doc.active)) {
      throw canonicalError({
        code: 'PROFILE_NOT_FOUND',
        message: 'Not signed in: no profile is active.',
        nextAction: {
          field: 'profile',
          text: `Name the profile to forget: ${ctx.run('auth', 'logout', '--profile', hole('<name>'))} (see ${ctx.runBare('profile', 'list')}).`,
          command: ctx.run('auth', 'logout', '--profile', hole('<name>')),
        },
        details: { profiles: Object.keys(doc.profiles) },
      });
    }
    target = doc.active;
  }
  let removed;
  try {
    removed = await store.remove(target);
  } catch (e) {
    if (/** @type {any} */ (e)?.code === 'PROFILE_NOT_FOUND') throw await notFound(ctx, target);
    throw e;
  }
  const after = await store.read();
  const remaining = Object.keys(after.profiles);
  const lines = [logout ? `✓ Logged out: forgot profile ${target}` : `✓ Removed profile ${target}`];
  if (after.active === null && remaining.length > 0) {
    lines.push('', `  No profile is active now. Pick one with: ${ctx.cli.program} profile use <name>`);
  }
  if (typeof removed.apiKey === 'string') {
    lines.push('', `  The key ${maskSecret(removed.apiKey)} stays valid until it is revoked at the backend.`);
  } else if (typeof removed.accessToken === 'string') {
    lines.push('', `  The session ${maskSecret(removed.accessToken)} was not revoked: it ends when it expires (${ctx.program} auth logout revokes a session).`);
  }
  ctx.out.result({ removed: target, active: after.active, profiles: remaining }, lines);
  return 0;
}

/**
 * `config set --api-key KEY [--profile NAME]`: save a key obtained elsewhere (the dashboard)
 * as the active profile. The key is checked with whoami first: a key the backend refuses is
 * not saved; when the backend cannot be reached it is saved unverified, with a warning.
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Surface} surface
 */
export async function configSet(ctx, surface) {
  const apiKey = ctx.required('api-key', `${surface.keyPrefix}…`);
  const named = ctx.str('profile');
  if (named !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(named)) {
    throw ctx.usage('--profile must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.', 'profile');
  }
  if (!apiKey.startsWith(surface.keyPrefix)) {
    throw ctx.usage(`That is not a ${surface.label} key: ${surface.label} keys start with ${surface.keyPrefix}.`, 'api-key');
  }
  ctx.secret(apiKey); // only now: a refused value may be just the prefix the message names
  const target = await resolveTarget(ctx, surface, null, 'whoami');
  await ctx.store().read(); // a broken profile file fails before anything else
  /** @type {any} */
  let me = null;
  /** @type {string|undefined} */
  let warning;
  try {
    me = await whoami(compact({ provider: ctx.providerValue, baseUrl: target.baseUrl, apiKey, program: ctx.program }), ctx.runOpts);
  } catch (e) {
    const err = /** @type {any} */ (e);
    if (err?.exitCode !== 6) throw withSignIn(ctx, err, undefined);
    warning = `Could not check the key (${err.code}); saved it unverified.`;
  }
  // The backend's identity is checked before it is stored: a later 401 puts the email in a
  // command, and `profile list` shows the names. An implausible email is not kept.
  const profile = compact({
    provider: ctx.providerName,
    baseUrl: target.baseUrl ?? surface.defaultBaseUrl,
    apiKey,
    keyId: cleanText(me?.key?.id ?? me?.keyId),
    keyName: cleanText(me?.key?.name ?? me?.keyName),
    keyPrefix: cleanText(me?.key?.prefix),
    scopes: Array.isArray(me?.key?.scopes) ? me.key.scopes.map(cleanText).filter(Boolean) : undefined,
    expiresAt: me?.key ? cleanText(me.key.expiresAt) ?? null : undefined,
    organization: cleanOrganization(me?.organization),
    email: firstEmail(me?.user?.email, me?.email),
    user: cleanUser(me?.user ?? (me?.userId ? { id: me.userId, email: me.email } : undefined)),
  });
  const name = await saveProfile(ctx, profile, {
    explicitName: named,
    baseName: (me && surface.identityName({ email: profile.email, user: profile.user, organization: profile.organization })) || 'default',
    minted: false,
  });
  if (warning) ctx.out.warn(warning);
  const masked = maskSecret(apiKey);
  ctx.out.result(
    compact({ ...savedProfileFields(name, profile), apiKey: masked, verified: me !== null, email: profile.email, organization: profile.organization }),
    [
      '✓ API key saved',
      '',
      ...fields([
        profile.email ? ['Email', profile.email] : null,
        profile.organization ? ['Organization', profile.organization.name] : null,
        ['Profile', `${name} (now active)`],
        ['API key', masked],
      ]),
      '',
      `  Try it:  ${ctx.cli.program} whoami`,
    ],
  );
  return 0;
}
