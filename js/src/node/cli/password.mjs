// Password sign-in (CODITECT, or a spec with the same session routes): `auth register` and
// `auth login`, with the second factor (TOTP) when the account has 2FA.
//
// The password comes from a prompt without echo at a terminal, or from `--password-stdin`
// (all of stdin, one trailing newline dropped). It is never a flag (argv is visible to other
// users), never prompted for without a terminal or with --json, never stored and never printed.
//
// The second factor: `--totp-code C`, `--totp-secret-env VAR` (the base32 secret in $VAR:
// the core computes the code, so an agent completes 2FA by itself), or a prompt at a terminal.
// Without any of them, the command fails with SECOND_FACTOR_REQUIRED (not signed in: exit
// non-zero), the challenge (a short-lived token, never the password) saved as a pending flow:
// `auth login --email E --totp-code C` in a later process continues it without the password
// while the challenge lives (300 s, 5 codes).

import { passwordLogin, resumePasswordLogin } from '../../sessions/index.mjs';
import { KeymintError, canonicalError } from '../../errors.mjs';
import { isValidProfileName } from '../profile-store.mjs';
import { usageError } from './args.mjs';
import { pendingKey } from './auth.mjs';
import { compact } from './save-profile.mjs';
import { readStdinSecret } from './secret-input.mjs';
import { saveSession, withSignInAgain } from './session-commands.mjs';
import { resolveTarget, sameBase } from './target.mjs';
import { hole } from './shell.mjs';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The profile name flag, checked. @param {import('./context.mjs').Context} ctx */
function profileNameFlag(ctx) {
  const name = ctx.str('profile-name');
  if (name !== undefined && !isValidProfileName(name)) {
    throw ctx.usage('--profile-name must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.', 'profile-name');
  }
  return name;
}

/**
 * The password: `--password-stdin`, else a prompt without echo at a terminal.
 * @param {import('./context.mjs').Context} ctx @param {string} email
 * @param {{confirm?: boolean}} [o]
 * @returns {Promise<string>}
 */
export async function readPassword(ctx, email, { confirm = false } = {}) {
  if (ctx.flags['password-stdin'] === true) {
    const password = await readStdinSecret(ctx, 'password-stdin', { whole: true, ttyHint: ', or leave it out to be asked for the password without echo' });
    ctx.secret(password, '••••••••');
    return password;
  }
  if (!ctx.interactive || !ctx.prompter.canHide) {
    const run = ctx.run(...ctx.command.split(' '), '--email', email, '--password-stdin');
    throw usageError(
      ctx.json
        ? `No password: with --json, ${ctx.program} ${ctx.command} never prompts; pass it on stdin with --password-stdin.`
        : `No password: ${ctx.program} ${ctx.command} asks for it only at a terminal, and there is none here.`,
      {
        program: ctx.program,
        command: ctx.command,
        field: 'password',
        text: `Pass the password on stdin with --password-stdin, e.g. printf '%s' "$PASSWORD" | ${run}`,
        run,
      },
    );
  }
  const password = await ctx.prompter.askHidden('Password: ', ctx.command);
  if (password === '') throw ctx.usage('No password was entered.', 'password');
  ctx.secret(password, '••••••••');
  if (confirm && (await ctx.prompter.askHidden('Confirm password: ', ctx.command)) !== password) {
    throw ctx.usage('The passwords do not match.', 'password');
  }
  return password;
}

/**
 * `--totp-code` or `--totp-secret-env`, or null.
 * @param {import('./context.mjs').Context} ctx
 * @returns {{code: string}|{totpSecret: string}|null}
 */
function secondFactorFlags(ctx) {
  const code = ctx.str('totp-code');
  const varName = ctx.str('totp-secret-env');
  if (code !== undefined && varName !== undefined) {
    throw ctx.usage('Give --totp-code or --totp-secret-env, not both.', 'totp-code');
  }
  if (code !== undefined) {
    ctx.secret(code, '••••••••');
    return { code };
  }
  if (varName === undefined) return null;
  // A base32 secret pasted where the variable's name goes must not be echoed back.
  const secretLike = /^[A-Z2-7]{16,}=*$/.test(varName) || varName.length > 64;
  if (secretLike || !ENV_NAME.test(varName)) {
    throw ctx.usage(`--totp-secret-env takes the name of an environment variable that holds the TOTP secret (e.g. ${ctx.prefix}_TOTP_SECRET)${secretLike ? ', not the secret itself' : ''}.`, 'totp-secret-env');
  }
  const value = ctx.env[varName];
  if (typeof value !== 'string' || value.trim() === '') {
    throw ctx.usage(`The environment variable ${varName} (--totp-secret-env) is not set or is empty.`, 'totp-secret-env');
  }
  ctx.secret(value.trim(), '••••••••');
  return { totpSecret: value.trim() };
}

/**
 * Give second-factor errors a command to run next.
 * @param {import('./context.mjs').Context} ctx @param {any} e @param {string} email
 */
function withNext(ctx, e, email) {
  if (!(e instanceof KeymintError) || e.nextAction?.command) return e;
  const n = e.nextAction ?? { kind: 'none', text: '' };
  /** @type {string|undefined} */
  let command;
  /** @type {Record<string, any>} */
  let extra = {};
  if (e.code === 'INVALID_2FA_CODE' && (n.kind === 'retry_code' || n.kind === 'fix_input')) {
    command = ctx.run('auth', 'login', '--email', email, '--totp-code', hole('<6-digit-code>'));
    if (n.kind === 'fix_input') extra = { field: 'totp-code' };
  } else if (n.kind === 'switch_flow') {
    command = ctx.run('auth', n.to === 'signup' ? 'register' : 'login', '--email', email);
  } else {
    return withSignInAgain(ctx, e, email);
  }
  const text = `${String(n.text ?? '').replace(/\s*$/, '')} Run: ${command}`.trim();
  return new KeymintError({ ...e, message: e.message, exitCode: e.exitCode, nextAction: { ...n, ...extra, text, command } });
}

/**
 * `auth register --email E [--name N]`: create the account; the session becomes the active profile.
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Surface} surface
 */
export async function registerCommand(ctx, surface) {
  const email = ctx.required('email', '<your-email>');
  const explicitName = profileNameFlag(ctx);
  const target = await resolveTarget(ctx, surface, null, 'request');
  await ctx.store().read(); // a broken profile file fails before the account is created
  const flow = passwordLogin(compact({ provider: ctx.providerValue, baseUrl: target.baseUrl, email, program: ctx.program }), target.runOpts);
  const password = await readPassword(ctx, email, { confirm: true });
  let cred;
  try {
    cred = await flow.register(compact({ password, name: ctx.str('name') }));
  } catch (e) {
    throw withNext(ctx, e, email);
  }
  return saveSession(ctx, cred, { explicitName, email, title: '✓ Account created' });
}

/** Errors a person at the prompt can fix by typing the code again. @param {any} e */
const retypeable = (e) => e?.code === 'INVALID_2FA_CODE' && (e.nextAction?.kind === 'retry_code' || e.nextAction?.kind === 'fix_input');

/**
 * `auth login --email E`: password, then the second factor if the account has 2FA.
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Surface} surface
 */
export async function loginCommand(ctx, surface) {
  const email = ctx.required('email', '<your-email>');
  const explicitName = profileNameFlag(ctx);
  const factor = secondFactorFlags(ctx);
  const target = await resolveTarget(ctx, surface, null, 'request');
  const store = ctx.store();
  const doc = await store.read(); // a broken profile file fails before anything is sent
  const key = pendingKey(/** @type {string} */ (ctx.providerName), 'login', email);
  const saved = doc.pending[key];

  /** Keep the challenge while it can still be answered; drop it once it cannot. */
  const keep = async (/** @type {any} */ flow) => {
    await store.setPending(key, flow.phase === 'second_factor' ? flow.toJSON() : null).catch(() => {});
  };
  /** @param {any} flow @param {string|{totpSecret: string}} input */
  const submit = async (flow, input) => {
    try {
      return await flow.submitSecondFactor(input);
    } catch (e) {
      await keep(flow);
      throw withNext(ctx, e, email);
    }
  };

  // A second factor for a challenge a previous `auth login` left pending: no password needed.
  const live = saved && saved.phase === 'second_factor' && Date.parse(String(saved.challengeExpiresAt)) > Date.now()
    && (!target.explicit || sameBase(String(saved.baseUrl), target.baseUrl));
  if (factor && live) {
    let resumed = null;
    try {
      resumed = resumePasswordLogin(saved, target.runOpts);
    } catch {
      resumed = null; // a saved document that no longer validates: sign in afresh
    }
    if (resumed) {
      const cred = await submit(resumed, 'code' in factor ? factor.code : factor);
      return saveSession(ctx, cred, { explicitName, pendingKey: key, email, title: '✓ Signed in', status: 'signed_in' });
    }
  }

  if (factor && saved && saved.phase === 'second_factor' && !live) {
    ctx.out.note('The two-factor challenge of the last sign-in has expired: signing in again.');
  }
  const flow = passwordLogin(compact({ provider: ctx.providerValue, baseUrl: target.baseUrl, email, program: ctx.program }), target.runOpts);
  const password = await readPassword(ctx, email);
  let result;
  try {
    result = await flow.login(password);
  } catch (e) {
    throw withNext(ctx, e, email);
  }
  if (result.status === 'signed_in') {
    return saveSession(ctx, result.credential, { explicitName, pendingKey: key, email, title: '✓ Signed in', status: 'signed_in' });
  }

  // The account has 2FA.
  if (factor) {
    const cred = await submit(flow, 'code' in factor ? factor.code : factor);
    return saveSession(ctx, cred, { explicitName, pendingKey: key, email, title: '✓ Signed in', status: 'signed_in' });
  }
  if (ctx.interactive) {
    ctx.out.note('This account has two-factor authentication.');
    for (let tries = 0; ; tries++) {
      const code = await ctx.prompter.ask('Enter the 6-digit code from your authenticator app: ', ctx.command);
      ctx.secret(code, '••••••••');
      try {
        const cred = await flow.submitSecondFactor(code);
        return saveSession(ctx, cred, { explicitName, pendingKey: key, email, title: '✓ Signed in', status: 'signed_in' });
      } catch (e) {
        if (retypeable(e) && flow.phase === 'second_factor' && tries < 5) {
          const left = /** @type {any} */ (e).details?.attemptsRemaining;
          ctx.out.note(`✗ ${/** @type {any} */ (e).message}${typeof left === 'number' ? ` (${left} attempt${left === 1 ? '' : 's'} left)` : ''}`);
          continue;
        }
        await keep(flow);
        throw withNext(ctx, e, email);
      }
    }
  }
  // No code and no one to ask: not signed in. That is a failure with its own code (an agent
  // that checks the exit status must not think it is signed in); the challenge is kept so the
  // code alone finishes it in a later process.
  let challengeSaved = true;
  try {
    await store.setPending(key, flow.toJSON());
  } catch {
    challengeSaved = false;
  }
  const next = challengeSaved
    ? ctx.run('auth', 'login', '--email', email, '--totp-code', hole('<6-digit-code>'))
    : ctx.run('auth', 'login', '--email', email, '--password-stdin', '--totp-code', hole('<6-digit-code>'));
  throw canonicalError({
    code: 'SECOND_FACTOR_REQUIRED',
    message: `Password accepted, but the account has two-factor authentication: not signed in yet. Give the code from your authenticator app within ${challengeSeconds(result.expiresAt)}.`,
    nextAction: {
      field: 'totp-code',
      text: challengeSaved
        ? `Then run: ${next} (or --totp-secret-env VAR instead of --totp-code)`
        : `The challenge could not be saved: pass the password again with the code: printf '%s' "$PASSWORD" | ${next}`,
      command: next,
    },
    details: compact({
      status: 'second_factor',
      signedIn: false,
      email,
      method: result.method,
      challengeExpiresAt: result.expiresAt ?? null,
      challengeSaved: challengeSaved,
    }),
  });
}

/** "5 minutes" until an RFC 3339 time. @param {string|undefined} at */
function challengeSeconds(at) {
  const s = Math.max(0, Math.round((Date.parse(String(at)) - Date.now()) / 1000));
  if (!Number.isFinite(s)) return '5 minutes';
  return s >= 90 ? `${Math.round(s / 60)} minutes` : `${s} seconds`;
}
