// `auth device-login`: the OAuth 2.0 device authorization grant (RFC 8628) for a provider whose
// document declares `device` (the better-auth preset, or any spec). The user confirms a code in
// any browser; this process polls until the grant is approved, denied or expired, then stores
// the key (the provider's `device.mint`) or the session as the active profile.
//
// - At a terminal: the code and URL, then a countdown to the code's expiry on one live line.
// - Without a terminal (or with --json): ONE JSON line on stderr as soon as the code exists,
//   `{"event":"device_code","userCode",…,"resume":"<command>"}`, then polling; the result goes
//   to stdout as usual (the --json envelope, or the ✓ block). stdout keeps exactly one document.
// - --no-wait: save the flow in the profile store's pending flows and exit 5 with
//   AUTHORIZATION_PENDING (nextAction open_url: url, userCode, expiresAt, and the command
//   `auth device-login --resume`). `--resume` continues the saved flow (with --no-wait: one
//   poll, as long as the server allows one).
import { deviceLogin, resumeDevice, presetSpec } from '../../sessions/index.mjs';
import { canonicalError, KeymintError } from '../../errors.mjs';
import { profileNameFromEmail, isValidProfileName } from '../profile-store.mjs';
import { pendingKey } from './auth.mjs';
import { compact, saveKey } from './save-profile.mjs';
import { saveSession } from './session-commands.mjs';
import { jsonText } from './sanitize.mjs';
import { resolveTarget, sameBase } from './target.mjs';
import { JSON_FLAG, HELP_FLAG } from './surface.mjs';

/** Whether a provider (preset name or spec) declares the device flow. @param {any} provider */
export function hasDevice(provider) {
  const spec = typeof provider === 'string' ? presetSpec(provider) : provider;
  return Boolean(spec && typeof spec === 'object' && spec.device && typeof spec.device === 'object');
}

/** The `auth device-login` command of a surface. @param {import('./surface.mjs').Surface} surface */
export function deviceCommand(surface) {
  return {
    path: 'auth device-login',
    summary: 'Sign in by confirming a code in a browser (RFC 8628 device flow)',
    usage: '[options]',
    description: 'Shows a code and a URL; open the URL on any device, confirm the code, and this command\n'
      + 'stores the key (or session) as the active profile. Without a terminal the code is printed\n'
      + 'once as a JSON line on stderr. --no-wait saves the flow and exits; --resume continues it.',
    flags: /** @type {Array<[string, string]>} */ ([
      ['client-id', 'The OAuth client id (default: the provider\'s)'],
      ['scope', 'Space-separated scopes (default: the provider\'s)'],
      ['resource', 'RFC 8707 resource indicator'],
      ['key-name', 'Label for the minted key'],
      ['key-expires-in', 'Key lifetime in days; omit for the backend\'s default'],
      ['profile-name', 'Local profile name'],
      ['no-wait', 'Save the flow, print the code and exit (exit 5); continue with --resume'],
      ['resume', 'Continue the device sign-in a previous --no-wait saved'],
      ['base-url', 'The backend URL (default: the provider\'s, or {PREFIX}_BASE_URL)'],
      JSON_FLAG, HELP_FLAG,
    ]),
    run: (/** @type {any} */ ctx) => deviceLoginCommand(ctx, surface),
  };
}

/** RFC 3339 → "9m 58s". @param {number} ms */
function left(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Surface} surface
 */
export async function deviceLoginCommand(ctx, surface) {
  const explicitName = ctx.str('profile-name');
  if (explicitName !== undefined && !isValidProfileName(explicitName)) {
    throw ctx.usage('--profile-name must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.', 'profile-name');
  }
  const target = await resolveTarget(ctx, surface, null, 'request');
  const store = ctx.store();
  const doc = await store.read();
  const clientId = ctx.str('client-id');
  const key = pendingKey(/** @type {string} */ (ctx.providerName), 'device', clientId ?? '');
  const noWait = ctx.flags['no-wait'] === true;
  const resumeCmd = ctx.run('auth', 'device-login', ...(clientId ? ['--client-id', clientId] : []), '--resume');
  const keep = (/** @type {any} */ flow) => store.setPending(key, flow.toJSON());

  let flow;
  if (ctx.flags.resume === true) {
    const saved = doc.pending[key];
    if (!saved || (target.explicit && !sameBase(String(saved.baseUrl), String(target.baseUrl)))) {
      throw canonicalError({
        code: 'PROFILE_NOT_FOUND',
        message: 'No device sign-in is pending for this provider: start one.',
        nextAction: { field: 'resume', text: `Run: ${ctx.run('auth', 'device-login')}`, command: ctx.run('auth', 'device-login') },
      });
    }
    flow = resumeDevice(saved, target.runOpts);
  } else {
    const days = ctx.str('key-expires-in');
    flow = deviceLogin(compact({
      provider: ctx.providerValue,
      baseUrl: target.baseUrl,
      clientId,
      scope: ctx.str('scope'),
      resource: ctx.str('resource'),
      keyName: ctx.str('key-name'),
      keyExpiresInDays: days === undefined ? undefined : /^\s*\d+\s*$/.test(days) ? Number(days) : days,
    }), target.runOpts);
    await flow.start();
    // Saved before anyone is told the code: another process can take over the polling.
    await keep(flow).catch(() => {});
  }
  const shown = /** @type {any} */ (flow.pending);
  if (!shown) throw canonicalError({ code: 'INVALID_STATE', message: 'The saved device sign-in has no code: start again.', nextAction: { text: `Run: ${ctx.run('auth', 'device-login')}`, command: ctx.run('auth', 'device-login') } });
  const url = shown.verificationUriComplete ?? shown.verificationUri;

  if (noWait) {
    let cred;
    try {
      if (ctx.flags.resume === true) cred = await flow.poll();
    } catch (e) {
      if (/** @type {any} */ (e)?.code !== 'AUTHORIZATION_PENDING') {
        await store.setPending(key, null).catch(() => {});
        throw e;
      }
    }
    if (cred) return save(ctx, surface, cred, { explicitName, key });
    await keep(flow).catch(() => {});
    throw canonicalError({
      code: 'AUTHORIZATION_PENDING',
      message: `Open ${url} and confirm the code ${shown.userCode} (it expires at ${shown.expiresAt}).`,
      nextAction: { url, userCode: shown.userCode, expiresAt: shown.expiresAt, text: `Open ${url}, confirm the code ${shown.userCode}, then run: ${resumeCmd}`, command: resumeCmd },
      details: { verificationUri: shown.verificationUri, interval: shown.interval, retryAfterSeconds: shown.interval },
    });
  }

  const tty = ctx.interactive;
  if (tty) {
    ctx.out.note(`Open ${url}`);
    ctx.out.note(`and confirm the code:  ${shown.userCode}`);
  } else {
    // One JSON line, once: what a person or an agent needs to confirm the sign-in elsewhere.
    // (C1, bidi and format characters a server might put in the code are escaped, as in --json.)
    ctx.stderr.write(`${jsonText({ event: 'device_code', userCode: shown.userCode, verificationUri: shown.verificationUri, verificationUriComplete: shown.verificationUriComplete, expiresAt: shown.expiresAt, interval: shown.interval, resume: resumeCmd }, 0)}\n`);
  }
  const expires = Date.parse(shown.expiresAt);
  let timer;
  if (tty) {
    const tick = () => ctx.out.liveLine(`Waiting for confirmation… code expires in ${left(expires - Date.now())}`);
    tick();
    timer = setInterval(tick, 1000);
    timer.unref?.();
  }
  let cred;
  try {
    cred = await flow.wait({ onWait: () => keep(flow).catch(() => {}) });
  } catch (e) {
    await store.setPending(key, null).catch(() => {});
    throw e instanceof KeymintError && e.code === 'DEVICE_CODE_EXPIRED'
      ? new KeymintError({ ...e, message: e.message, exitCode: e.exitCode, nextAction: { ...e.nextAction, text: `Start again with: ${ctx.run('auth', 'device-login')}`, command: ctx.run('auth', 'device-login') } })
      : e;
  } finally {
    if (timer) clearInterval(timer);
    ctx.out.endLive();
  }
  return save(ctx, surface, cred, { explicitName, key });
}

/**
 * Store the credential as the active profile: a session, or a key through the one key path
 * (its label and hint follow the surface's provider).
 */
function save(ctx, surface, cred, { explicitName, key }) {
  if (cred.apiKey === undefined) {
    return saveSession(ctx, cred, { explicitName, pendingKey: key, email: cred.user?.email ?? 'device', title: '✓ Signed in', status: 'signed_in' });
  }
  return saveKey(ctx, surface, cred, {
    explicitName,
    pendingKey: key,
    title: '✓ Signed in',
    baseName: (profile) => (profile.email ? profileNameFromEmail(profile.email) : surface.provider.replace(/[^A-Za-z0-9._-]/g, '-') || 'default'),
  });
}
