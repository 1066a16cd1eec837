// The two steps every OTP surface shares: `*-request` (send a code, remember the pending flow)
// and `*-complete` (resume it, verify the code, save the minted key as the active profile).
//
// The pending flow is saved in the profile store under provider|purpose|email, so a
// `*-complete` in a later process resumes it with its expiry, cooldown and attempts known
// (and answers locally what it can). Without one it starts afresh: the backend knows the code.

import { start, resume } from '../../sessions/index.mjs';
import { KeymintError } from '../../errors.mjs';
import { isValidProfileName } from '../profile-store.mjs';
import { countdown } from './prompt.mjs';
import { resolveTarget, sameBase } from './target.mjs';
import { hole } from './shell.mjs';
import { firstEmail } from './sanitize.mjs';
import { compact, saveKey } from './save-profile.mjs';

/** `--wait` waits out at most this long; a longer wait fails at once with its nextAction. */
export const MAX_WAIT_SECONDS = 600;

/** @param {string} provider @param {string} purpose @param {string} email */
export function pendingKey(provider, purpose, email) {
  return `${provider}|${purpose}|${String(email).trim().toLowerCase()}`;
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
