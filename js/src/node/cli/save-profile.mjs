// Saving a credential as the active profile: the one locked update that names the profile
// (reusing the one of the same account, or a fresh name), keeps a minted credential that
// cannot be saved in a recovery file (unsaved-key.mjs), and the one "✓ key saved" block for
// keys minted by a flow (the OTP mint, the device flow's mint).

import { canonicalError } from '../../errors.mjs';
import { maskSecret } from '../../mask.mjs';
import { uniqueNameIn } from '../../stores/document.mjs';
import { fields } from './output.mjs';
import { sameBase } from './target.mjs';
import { writeRecoveryFile } from './unsaved-key.mjs';
import { shellWord } from './shell.mjs';
import { cleanOrganization, cleanText, cleanUser, firstEmail } from './sanitize.mjs';

/**
 * Once a key has been minted, saving it waits this long for the profile file's lock (instead
 * of the usual 20 s): a key dropped because other commands were busy would be a key lost.
 */
export const KEY_SAVE_LOCK_TIMEOUT_MS = 300_000;

/** Drop undefined fields (the store keeps JSON). @param {Record<string, unknown>} o */
export function compact(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * The members every "profile saved" result starts with: the profile's name, now active, and
 * the backend it points at. @param {string} name @param {{provider: string, baseUrl?: string}} profile
 */
export function savedProfileFields(name, profile) {
  return { profile: name, active: true, provider: profile.provider, baseUrl: profile.baseUrl };
}

/**
 * The one "save the minted key as the active profile and print ✓" path (an OTP flow's mint,
 * the device flow's): the label is the surface's name for its credential (API key, Session
 * token, Token (JWT)), and the "Try it" hint is shown only where the provider has a whoami.
 * What the backend says about the account is checked before it is stored: it is shown by
 * every later `profile list` and put in commands (a 401's sign-in command).
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Surface} surface
 * @param {any} cred the flow's credential (apiKey in a Secret)
 * @param {{explicitName?: string, pendingKey: string, email?: string, keyName?: string,
 *   title: string, baseName?: (profile: Record<string, any>) => string}} how email and keyName:
 *   used when the backend names none; baseName: the profile name to start from (default: the surface's)
 */
export async function saveKey(ctx, surface, cred, { explicitName, pendingKey: pk, email, keyName, title, baseName }) {
  const profile = compact({
    provider: cred.provider ?? ctx.providerName,
    baseUrl: cred.baseUrl,
    apiKey: cred.apiKey.reveal(),
    keyId: cleanText(cred.keyId),
    keyName: cleanText(cred.keyName) ?? keyName,
    keyPrefix: cleanText(cred.keyPrefix),
    scopes: Array.isArray(cred.scopes) ? cred.scopes.map(cleanText).filter(Boolean) : undefined,
    expiresAt: cred.expiresAt === null ? null : cleanText(cred.expiresAt),
    organization: cleanOrganization(cred.organization),
    email: firstEmail(cred.email, cred.user?.email) ?? email,
    user: cleanUser(cred.user),
  });
  ctx.secret(profile.apiKey);
  const name = await saveProfile(ctx, profile, {
    explicitName,
    baseName: (baseName ?? surface.baseProfileName)(profile),
    pendingKey: pk,
    minted: true,
  });
  const masked = maskSecret(profile.apiKey);
  const lines = [
    title,
    '',
    ...fields([
      profile.email ? ['Email', profile.email] : null,
      profile.organization ? ['Organization', profile.organization.name] : null,
      ['Profile', `${name} (now active)`],
      [surface.credentialLabel ?? 'API key', masked],
      profile.expiresAt ? ['Expires', profile.expiresAt] : null,
    ]),
    ...(surface.hasWhoami === false ? [] : ['', `  Try it:  ${ctx.cli.program} whoami`]),
  ];
  ctx.out.result(
    compact({
      ...savedProfileFields(name, profile),
      email: profile.email,
      accountCreated: cred.accountCreated,
      apiKey: masked,
      keyId: profile.keyId,
      keyName: profile.keyName,
      keyPrefix: profile.keyPrefix,
      scopes: profile.scopes,
      expiresAt: profile.expiresAt,
      organization: profile.organization,
      user: profile.user,
      configPath: ctx.store().path,
    }),
    lines,
  );
  return 0;
}

/** Same account and backend (and organization, for org-scoped keys). */
function sameIdentity(a, b) {
  return a.provider === b.provider
    && sameBase(a.baseUrl, b.baseUrl)
    && String(a.email ?? '').toLowerCase() === String(b.email ?? '').toLowerCase()
    && (a.organization?.id ?? null) === (b.organization?.id ?? null)
    // a saved API token (CODITECT) never replaces a session, nor a token of the other env
    && (a.kind === 'api_token') === (b.kind === 'api_token')
    && (a.env ?? null) === (b.env ?? null);
}

/**
 * Save a new key as the active profile, in one locked update (which also clears the pending
 * flow). The name is `explicitName` (replacing what is there), else `baseName` — reusing the
 * profile of the same account on the same backend, or with a numeric suffix on collision.
 * A minted key (or session) waits up to KEY_SAVE_LOCK_TIMEOUT_MS for the lock; if it still
 * cannot be saved it becomes KEY_NOT_SAVED and the credential is written to a 0600 recovery
 * file named in details.recoveryFile (unsaved-key.mjs) — never shown. A credential the user
 * already had (`config set`: `minted` false) gets neither.
 * @param {import('./context.mjs').Context} ctx
 * @param {Record<string, any>} profile
 * @param {{explicitName?: string, baseName: string, pendingKey?: string, minted: boolean}} how
 *   minted: the credential is a flow's result (a key minted or a session started just now)
 * @returns {Promise<string>} the profile's name
 */
export async function saveProfile(ctx, profile, { explicitName, baseName, pendingKey: pk, minted }) {
  try {
    return await ctx.store().update((doc) => {
      let name = explicitName;
      if (name === undefined) {
        const suffixed = new RegExp(`^${baseName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(-\\d+)?$`);
        const same = Object.keys(doc.profiles).find((n) => suffixed.test(n) && sameIdentity(doc.profiles[n], profile));
        name = same ?? uniqueNameIn(doc, baseName);
      }
      doc.profiles[name] = { ...profile, createdAt: new Date().toISOString() };
      doc.active = name;
      if (pk !== undefined) delete doc.pending[pk];
      return name;
    }, minted ? { lockTimeoutMs: KEY_SAVE_LOCK_TIMEOUT_MS } : undefined);
  } catch (e) {
    const cause = /** @type {any} */ (e);
    const session = profile.apiKey === undefined;
    const recoveryFile = minted
      ? await writeRecoveryFile({
        program: ctx.cli.program,
        command: ctx.program,
        configFile: ctx.configPath,
        env: ctx.env,
        profile,
        cause: cause?.code,
      }).catch(() => null)
      : null;
    const kept = recoveryFile === null ? ''
      : ` The ${session ? 'session was' : 'key was'} written to ${recoveryFile} (readable only by you).`;
    throw canonicalError({
      code: 'KEY_NOT_SAVED',
      message: `${session
        ? `Signed in, but the session could not be saved: ${cause?.message ?? cause}`
        : `The key was minted but could not be saved: ${cause?.message ?? cause}`}${kept}`,
      nextAction: {
        text: recoveryFile !== null && !session
          ? `Fix the profile file (${ctx.configPath}), then save the key with: ${ctx.program} config set --api-key-stdin < ${shellWord(recoveryFile)} — and delete that file.`
          : recoveryFile !== null
            ? `Fix the profile file (${ctx.configPath}), then sign in again; delete ${recoveryFile} once you no longer need the session in it.`
            : session
              ? `Fix the profile file (${ctx.configPath}), then sign in again. The unsaved session ends when it expires.`
              : `Fix the profile file (${ctx.configPath}), then ${minted ? 'sign in again to mint a new key' : 'run the command again'}. The unsaved key${profile.keyId ? ` (${profile.keyId})` : ''} stays valid until it is revoked.`,
        ...(recoveryFile !== null && !session ? { command: `${ctx.program} config set --api-key-stdin < ${shellWord(recoveryFile)}` } : {}),
      },
      details: compact({ cause: cause?.code, keyId: profile.keyId, keyPrefix: profile.keyPrefix, path: ctx.configPath, recoveryFile: recoveryFile ?? undefined }),
      cause: e,
    });
  }
}
