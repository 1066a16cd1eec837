// The two steps every OTP surface shares: `*-request` (send a code, remember the pending flow)
// and `*-complete` (resume it, verify the code, save the minted key as the active profile).
//
// The pending flow is saved in the profile store under provider|purpose|email, so a
// `*-complete` in a later process resumes it with its expiry, cooldown and attempts known
// (and answers locally what it can). Without one it starts afresh: the backend knows the code.

import { start, resume } from '../../flow.mjs';
import { KeymintError, canonicalError } from '../../errors.mjs';
import { maskSecret } from '../../mask.mjs';
import { uniqueNameIn } from '../../stores/document.mjs';
import { isValidProfileName } from '../profile-store.mjs';
import { countdown } from './prompt.mjs';
import { fields } from './output.mjs';
import { resolveTarget, sameBase } from './target.mjs';
import { writeRecoveryFile } from './unsaved-key.mjs';
import { hole, shellWord } from './shell.mjs';
import { cleanOrganization, cleanText, cleanUser, firstEmail } from './sanitize.mjs';

/** `--wait` waits out at most this long; a longer wait fails at once with its nextAction. */
export const MAX_WAIT_SECONDS = 600;

/**
 * Once a key has been minted, saving it waits this long for the profile file's lock (instead
 * of the usual 20 s): a key dropped because other commands were busy would be a key lost.
 */
export const KEY_SAVE_LOCK_TIMEOUT_MS = 300_000;

/** @param {string} provider @param {string} purpose @param {string} email */
export function pendingKey(provider, purpose, email) {
  return `${provider}|${purpose}|${String(email).trim().toLowerCase()}`;
}

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
 * The pending flow to continue, if there is one for this target: same base URL when one was
 * given explicitly. A document that no longer validates is ignored (a fresh flow replaces it).
 * @param {import('./context.mjs').Context} ctx
 * @param {Record<string, unknown>|undefined} saved
 * @param {import('./target.mjs').Target} target
 * @param {string[]} phases the phases worth resuming
 */
function resumePending(ctx, saved, target, phases) {
  if (!saved || typeof saved !== 'object') return null;
  if (target.explicit && !sameBase(String(saved.baseUrl), target.baseUrl)) return null;
  if (!phases.includes(String(saved.phase))) return null;
  try {
    return resume(saved, target.runOpts);
  } catch {
    return null;
  }
}

/**
 * @param {import('./context.mjs').Context} ctx @param {import('./target.mjs').Target} target
 * @param {{email: string, purpose: string}} p
 */
function freshFlow(ctx, target, { email, purpose }) {
  return start(compact({ provider: ctx.providerValue, baseUrl: target.baseUrl, email, purpose, program: ctx.program }), target.runOpts);
}

/** Seconds a `wait` error asks for, or null. @param {unknown} e */
function waitSeconds(e) {
  const n = /** @type {any} */ (e)?.nextAction;
  if (n?.kind !== 'wait') return null;
  const s = Number(n.retryAfterSeconds ?? /** @type {any} */ (e).details?.retryAfterSeconds);
  return Number.isFinite(s) && s >= 0 ? s : null;
}

/**
 * `auth <purpose>-request --email E`: send a code.
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Surface} surface
 * @param {'login'|'signup'} purpose
 */
export async function requestCommand(ctx, surface, purpose) {
  const email = ctx.required('email', '<your-email>');
  const target = await resolveTarget(ctx, surface, purpose, 'request');
  const store = ctx.store();
  const doc = await store.read(); // a corrupt or unreadable profile file fails here, before any code is sent
  const key = pendingKey(/** @type {string} */ (ctx.providerName), purpose, email);
  // Resumed only for the same backend (its saved cooldown is that backend's): a request goes
  // where the flags, profile, environment or defaults say, whatever an older flow used.
  const sameTarget = { ...target, explicit: true, baseUrl: target.baseUrl ?? surface.defaultBaseUrl };
  const flow = resumePending(ctx, doc.pending[key], sameTarget, ['code_sent']) ?? freshFlow(ctx, target, { email, purpose });
  let sent;
  for (let attempt = 0; ; attempt++) {
    try {
      sent = await flow.requestCode(target.step);
      break;
    } catch (e) {
      const wait = waitSeconds(e);
      if (ctx.flags.wait !== true || wait === null || wait > MAX_WAIT_SECONDS || attempt >= 3) {
        // Keep the failed request on record: a `*-complete` for it then refuses locally
        // (OTP_NOT_FOUND) instead of sending a code that nothing was requested for.
        if (flow.toJSON().requestFailed === true) await store.setPending(key, flow.toJSON()).catch(() => {});
        throw e;
      }
      await countdown(Math.max(wait, 1), {
        out: ctx.out,
        live: ctx.interactive,
        render: (left) => `Waiting ${left} s before sending a new code (${/** @type {any} */ (e).code})…`,
      });
    }
  }
  try {
    await store.setPending(key, flow.toJSON());
  } catch (e) {
    // The code is on its way and the backend knows it: `*-complete` works without the saved flow.
    ctx.out.warn(`The code was sent, but the pending flow could not be saved (${/** @type {any} */ (e)?.code ?? 'error'}); the next step works without it.`);
  }
  // The backend's spelling of the email only when it is a plausible one; never unquoted.
  const shownEmail = firstEmail(sent.email) ?? email;
  const next = ctx.run(...surface.completeCommand(purpose, ctx).split(' '), '--email', shownEmail, '--code', hole(surface.codeFormat?.placeholder ?? '<6-digit-code>'));
  const lines = [
    `✓ ${purpose === 'signup' ? 'Sign-up' : 'Sign-in'} code sent to ${shownEmail}`,
    '',
    '  Then run:',
    `    ${next}`,
  ];
  ctx.out.result(
    {
      email: shownEmail,
      purpose: sent.purpose ?? purpose,
      expiresAt: sent.expiresAt ?? null,
      resendAvailableAt: sent.resendAvailableAt ?? null,
      codeLength: surface.codeFormat?.length ?? 6,
      nextAction: { kind: 'enter_code', text: `Then run: ${next}`, command: next },
    },
    lines,
  );
  return 0;
}

/**
 * Ask for the code at a terminal, naming the provider's code format.
 * @param {import('./context.mjs').Context} ctx @param {string} email
 * @param {import('./surface.mjs').Surface} surface
 */
async function promptCode(ctx, email, surface) {
  return ctx.prompter.ask(`Enter the ${surface.codeFormat?.words ?? '6-digit'} code sent to ${email}: `, ctx.command);
}

/**
 * Offer the organizations as a numbered list; returns the chosen id.
 * @param {import('./context.mjs').Context} ctx
 * @param {Array<{id: string, name?: string}>} orgs
 * @param {KeymintError} cause thrown again when no valid choice is made
 */
async function promptOrganization(ctx, orgs, cause) {
  // The names and ids are the server's: note() shows them stripped of terminal controls.
  ctx.out.note('');
  ctx.out.note(`This account belongs to ${orgs.length} organizations:`);
  const width = String(orgs.length).length;
  orgs.forEach((o, i) => ctx.out.note(`  ${String(i + 1).padStart(width)}) ${o.name ? `${o.name}  ` : ''}(${o.id})`));
  for (let tries = 0; tries < 3; tries++) {
    const answer = await ctx.prompter.ask(`Choose an organization [1-${orgs.length}]: `, ctx.command);
    const n = /^\d+$/.test(answer) ? Number(answer) : NaN;
    if (n >= 1 && n <= orgs.length) return orgs[n - 1].id;
    const byId = orgs.find((o) => o.id === answer);
    if (byId) return byId.id;
    ctx.out.note(`Enter a number from 1 to ${orgs.length}.`);
  }
  throw cause;
}

/** Errors a person can fix by typing the code again. @param {any} e */
const retypeable = (e) => e?.code === 'OTP_INVALID' && (e.nextAction?.kind === 'retry_code' || e.nextAction?.field === 'code');

/** @param {any} e */
const needsOrganization = (e) =>
  (e?.code === 'ORGANIZATION_SELECTION_REQUIRED' || e?.code === 'ORGANIZATION_NOT_MEMBER') && e.nextAction?.kind === 'choose_organization';

/**
 * `auth <purpose>-complete --email E --code C`: verify, mint, save as the active profile.
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Surface} surface
 * @param {'login'|'signup'} purpose
 */
export async function completeCommand(ctx, surface, purpose) {
  const email = ctx.required('email', '<your-email>');
  const explicitName = ctx.str(surface.profileNameFlag);
  if (explicitName !== undefined && !isValidProfileName(explicitName)) {
    throw ctx.usage(`--${surface.profileNameFlag} must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.`, surface.profileNameFlag);
  }
  const options = surface.completeOptions(ctx, purpose);
  const target = await resolveTarget(ctx, surface, purpose, 'complete');
  const store = ctx.store();
  // Fail on a broken profile file before the code is spent, and on one that could not take
  // the key: lock, file and directory are tried now, and the document read then is the one used.
  const doc = await store.checkWritable();
  const key = pendingKey(/** @type {string} */ (ctx.providerName), purpose, email);
  const hadPending = doc.pending[key] !== undefined;
  const failed = doc.pending[key]?.requestFailed === true ? ['ready'] : [];
  const flow = resumePending(ctx, doc.pending[key], target, ['code_sent', 'choose_organization', ...failed])
    ?? freshFlow(ctx, target, { email, purpose });

  let code = ctx.str('code');
  const orgId = options.organizationId;
  let prompted = false;
  /** @type {any} */
  let cred;
  try {
    if (code === undefined && flow.phase === 'choose_organization' && orgId) {
      // The backend kept the code when it asked for an organization: send it again with one.
      cred = await flow.chooseOrganization(orgId, target.step);
    } else {
      if (code === undefined) {
        if (!ctx.interactive) {
          throw ctx.required('code', surface.codeFormat?.placeholder ?? '<6-digit-code>', ['--email', email]);
        }
        code = await promptCode(ctx, email, surface);
        prompted = true;
      }
      for (let tries = 0; ; tries++) {
        try {
          cred = await flow.submitCode(code, options, target.step);
          break;
        } catch (e) {
          if (prompted && retypeable(e) && tries < 4) {
            const left = /** @type {any} */ (e).details?.attemptsRemaining;
            ctx.out.note(`✗ ${/** @type {any} */ (e).message}${typeof left === 'number' ? ` (${left} attempt${left === 1 ? '' : 's'} left)` : ''}`);
            code = await promptCode(ctx, email, surface);
            continue;
          }
          if (ctx.interactive && needsOrganization(e)) {
            const orgs = /** @type {any} */ (e).nextAction.organizations ?? /** @type {any} */ (e).details?.organizations ?? [];
            if (orgs.length > 0) {
              const chosen = await promptOrganization(ctx, orgs, /** @type {KeymintError} */ (e));
              cred = await flow.submitCode(code, { ...options, organizationId: chosen }, target.step);
              break;
            }
          }
          throw e;
        }
      }
    }
  } catch (e) {
    // Keep what the backend told us (attempts left, the organizations, the kept code).
    if (hadPending || ['code_sent', 'choose_organization'].includes(flow.phase)) {
      await store.setPending(key, flow.phase === 'done' ? null : flow.toJSON()).catch(() => {});
    }
    throw e;
  }

  if (surface.saveCredential) {
    return surface.saveCredential(ctx, cred, { explicitName, pendingKey: key, email, purpose });
  }
  const title = purpose === 'signup' && surface.provider === 'codika' ? '✓ Signed up' : '✓ Signed in';
  return saveKey(ctx, surface, cred, {
    explicitName,
    pendingKey: key,
    email,
    keyName: options.keyName ?? (surface.defaultKeyName || undefined),
    title,
  });
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
