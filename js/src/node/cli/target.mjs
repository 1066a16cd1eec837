// Which backend a command talks to.
//
// Base URL, first found: the surface's URL flag (`--base-url` for Codika, `--api-url` for
// Scripto, either for the generic bin) > `--profile NAME`'s baseUrl > `<PREFIX>_BASE_URL` >
// createCli's defaults.baseUrl > the provider's preset. A `*-request` resumes a pending flow
// only for that same base URL. A `*-complete` finishes the pending flow where its code was
// requested unless a flag (the only "explicit" sources) names another base URL.
//
// Codika's `--api-url` is the full URL of the one endpoint a command calls. When it ends with
// that endpoint's path, the rest is the base URL (so the saved profile knows where its key
// works); otherwise the flow's per-step override sends the one request there instead.

import { canonicalError } from '../../errors.mjs';
import { start } from '../../sessions/index.mjs';
import { shown } from './args.mjs';

/** @param {string|undefined} a @param {string|undefined} b */
export function sameBase(a, b) {
  const norm = (/** @type {string|undefined} */ u) => {
    if (u === undefined || u === null) return '';
    try {
      return new URL(String(u)).href.replace(/\/+$/, '');
    } catch {
      return String(u).replace(/\/+$/, '');
    }
  };
  return norm(a) === norm(b);
}

/**
 * Whether the core lets `url` carry credentials: its one https-or-literal-loopback rule,
 * applied by starting (not running: no request is made) a probe flow with it as the base URL.
 * @param {string} url
 */
function coreAllows(url) {
  try {
    start({ provider: 'scripto', baseUrl: url, email: 'probe@keymint.invalid' });
    return true;
  } catch (e) {
    return /** @type {any} */ (e)?.code !== 'INSECURE_URL';
  }
}

/**
 * The one check of a URL flag (the CLI's --base-url/--api-url, `mcp --base-url`): a URL the
 * core lets carry credentials, else USAGE (not a URL) or INSECURE_URL naming the flag.
 * @param {import('./context.mjs').Context} ctx @param {string} flag @param {string} value
 * @returns {URL}
 */
export function checkedUrl(ctx, flag, value) {
  let u;
  try {
    u = new URL(value);
  } catch {
    throw ctx.usage(`--${flag} is not a URL: ${shown(value)}`, flag);
  }
  if (!coreAllows(value)) {
    throw canonicalError({
      code: 'INSECURE_URL',
      message: 'Credentials are only sent to https:// URLs or to loopback addresses.',
      nextAction: {
        field: flag,
        text: `Use an https:// URL for --${flag} (plain http:// is allowed only for loopback addresses).`,
      },
      details: { local: true },
    });
  }
  return u;
}

/**
 * @typedef {{baseUrl?: string, explicit: boolean, stepUrl?: string, step?: {url: string},
 *   runOpts: Record<string, any>}} Target
 */

/**
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Surface} surface
 * @param {'login'|'signup'|null} purpose
 * @param {'request'|'complete'|'whoami'} step
 * @returns {Promise<Target>}
 */
export async function resolveTarget(ctx, surface, purpose, step) {
  /** @type {string|undefined} */
  let baseUrl;
  let explicit = false;
  for (const flag of surface.baseUrlFlags(ctx)) {
    const v = ctx.str(flag);
    if (v !== undefined) {
      checkedUrl(ctx, flag, v);
      baseUrl = v;
      explicit = true;
      break;
    }
  }
  const profileName = ctx.str('profile');
  if (baseUrl === undefined && profileName !== undefined && step !== 'whoami') {
    const doc = await ctx.store().read();
    const p = Object.prototype.hasOwnProperty.call(doc.profiles, profileName) ? doc.profiles[profileName] : undefined;
    if (!p) throw await notFound(ctx, profileName);
    baseUrl = p.baseUrl;
    explicit = true;
  }
  /** @type {string|undefined} */
  let stepUrl;
  const endpoint = surface.endpointFlag && purpose ? ctx.str(surface.endpointFlag) : undefined;
  if (endpoint !== undefined && purpose) {
    const u = checkedUrl(ctx, /** @type {string} */ (surface.endpointFlag), endpoint);
    const path = surface.endpoints[purpose][step === 'request' ? 'request' : 'complete'];
    const derived = u.search === '' && u.hash === '' && u.pathname.endsWith(path)
      ? `${u.origin}${u.pathname.slice(0, -path.length)}`
      : undefined;
    if (baseUrl === undefined && derived !== undefined) {
      baseUrl = derived;
      explicit = true;
    } else if (derived === undefined || !sameBase(derived, baseUrl)) {
      stepUrl = u.href;
    }
  }
  if (baseUrl === undefined) baseUrl = ctx.envValue('BASE_URL') ?? ctx.cli.defaults.baseUrl;
  return { baseUrl, explicit, stepUrl, step: stepUrl === undefined ? undefined : { url: stepUrl }, runOpts: ctx.runOpts };
}

/**
 * PROFILE_NOT_FOUND for `--profile NAME`, listing the names that exist.
 * @param {import('./context.mjs').Context} ctx @param {string} name
 */
export async function notFound(ctx, name) {
  const names = Object.keys((await ctx.store().read()).profiles);
  return canonicalError({
    code: 'PROFILE_NOT_FOUND',
    message: `No profile "${shown(name)}" in ${ctx.configPath}.`,
    nextAction: {
      field: 'profile',
      text: names.length === 0
        ? `No profiles are saved yet: sign in first with ${ctx.program} ${ctx.signInHint}.`
        : `Use one of the saved profiles: ${names.join(', ')}.`,
    },
    details: { profiles: names },
  });
}
