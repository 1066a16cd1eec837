// Which backend a run talks to, and which command surface it gets.
//
// `--provider` (or createCli's `provider`) is a preset name or, for the generic bin, the path
// of a provider spec file (`--provider ./my-backend.json`, see docs/custom-provider.md): read,
// parsed and validated by the core before anything else runs. What the backend hands out
// decides the surface:
//   key       email code → API key            codika, scripto, better-auth, a spec with credential.apiKey
//   session   email code → access + refresh   sessions, a spec with credential.accessToken
//   password  password (+ TOTP) → tokens      coditect, a spec with session routes and no flows

import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { start, passwordLogin, deviceLogin, presetSpec } from '../../sessions/index.mjs';
import { canonicalError, isKeymintError } from '../../errors.mjs';
import { usageError, shown } from './args.mjs';

/** The built-in presets, in the order help lists them (each one's facts come from its spec in the core). */
export const PRESETS = ['codika', 'scripto', 'sessions', 'coditect', 'better-auth', 'pocketbase'];

/** @typedef {'codika'|'scripto'|'key'|'session'|'password'} SurfaceKind */

/** The presets with a command surface of their own (codika.mjs, scripto.mjs): a CLI choice, not a backend fact. */
const OWN_SURFACE = /** @type {Record<string, SurfaceKind>} */ ({ codika: 'codika', scripto: 'scripto' });

/** A preset's spec from the core, or the spec given. @param {string|Record<string, any>} provider */
const specOf = (provider) => (typeof provider === 'string' ? presetSpec(provider) ?? {} : provider);

/** Help rows for `--provider`, one per family of backends. */
export const PROVIDER_ROWS = /** @type {Array<[string, string]>} */ ([
  ['--provider <codika|scripto>', 'Email code → API key (Codika: organizations; Scripto: open sign-up)'],
  ['--provider sessions', 'Email code → access + refresh tokens (the OTP sessions API)'],
  ['--provider coditect', 'Password, then a TOTP code if 2FA is on → access + refresh tokens'],
  ['--provider better-auth', 'A Better Auth server (email-OTP + API-key plugins) → API key'],
  ['--provider pocketbase', 'A PocketBase server (users collection, OTP on) → auth token (JWT)'],
  ['--provider <file.json>', 'Your own backend described in JSON (see docs/custom-provider.md)'],
]);

/** For messages: every accepted value. */
export const PROVIDER_CHOICES = 'codika|scripto|sessions|coditect|better-auth|pocketbase or a spec file (./my-backend.json)';

/** A `--provider` value that names a file rather than a preset. @param {string} v */
export function looksLikePath(v) {
  return /[/\\]/.test(v) || /\.json$/i.test(v);
}

/**
 * The surface a provider needs.
 * @param {string|Record<string, any>} provider a preset name or a spec
 * @returns {SurfaceKind}
 */
export function kindOf(provider) {
  if (typeof provider === 'string' && OWN_SURFACE[provider]) return OWN_SURFACE[provider];
  provider = specOf(provider);
  if (provider.flows !== undefined) {
    const cred = provider.credential ?? {};
    return cred.accessToken !== undefined && cred.apiKey === undefined ? 'session' : 'key';
  }
  return provider.session !== undefined ? 'password' : 'key';
}

/**
 * The purposes (login, signup) the email-code flow of a provider has.
 * @param {string|Record<string, any>} provider
 * @returns {Array<'login'|'signup'>}
 */
export function purposesOf(provider) {
  provider = specOf(provider);
  const flows = provider.flows && typeof provider.flows === 'object' ? provider.flows : {};
  return /** @type {Array<'login'|'signup'>} */ (['login', 'signup'].filter((p) => flows[p] !== undefined));
}

/**
 * The one reader of `--purpose` (signin|login or signup): the purpose it names, or undefined
 * when it is not given. A purpose the provider has no flow for is a usage error.
 * @param {import('./context.mjs').Context} ctx
 * @param {Array<'login'|'signup'>} purposes the provider's (purposesOf)
 * @param {string} label the provider as help names it
 * @returns {'login'|'signup'|undefined}
 */
export function purposeFlag(ctx, purposes, label) {
  const v = ctx.str('purpose');
  if (v === undefined) return undefined;
  const p = v === 'signin' || v === 'login' ? 'login' : v === 'signup' ? 'signup' : null;
  if (p === null) throw ctx.usage(`--purpose must be signin or signup, not "${shown(v)}".`, 'purpose');
  if (!purposes.includes(p)) throw ctx.usage(`${label} has no ${v} flow.`, 'purpose');
  return p;
}

/**
 * What a provider's codes look like (`codeFormat`, six digits by default): the words and the
 * placeholder the CLI's prompts, hints and help use.
 * @param {string|Record<string, any>} provider
 */
export function codeFormatOf(provider) {
  const f = specOf(provider).codeFormat ?? {};
  const length = Number.isInteger(f.length) ? f.length : 6;
  const digits = (f.alphabet ?? 'digits') === 'digits';
  const group = Number.isInteger(f.group) ? f.group : 0;
  const sep = typeof f.separator === 'string' ? f.separator : '-';
  let example = '';
  for (let i = 0; i < length; i++) example += (group && i && i % group === 0 ? sep : '') + (digits ? '0' : 'X');
  const words = digits ? `${length}-digit` : `${length}-character`;
  return { length, words, placeholder: group ? `<code ${example}>` : `<${words}-code>` };
}

/**
 * What the credential of a provider is called: `credential.kind` of a version 2 spec.
 * @param {string|Record<string, any>} provider
 */
export function credentialLabel(provider) {
  const kind = specOf(provider).credential?.kind;
  return kind === 'jwt' ? 'Token (JWT)' : kind === 'sessionToken' ? 'Session token' : 'API key';
}

/** Whether a provider declares a whoami route. @param {string|Record<string, any>} provider */
export function hasWhoami(provider) {
  const spec = specOf(provider);
  return spec.flows === undefined || typeof spec.whoami?.path === 'string';
}

/**
 * Validate a spec the way the library will use it; throws INVALID_PROVIDER naming the field.
 * @param {Record<string, any>} spec
 */
export function validateSpec(spec) {
  const probe = 'probe@example.com';
  if (spec && typeof spec === 'object' && !Array.isArray(spec) && kindOf(spec) === 'password') {
    passwordLogin({ provider: spec, email: probe });
    const routes = spec.session?.routes ?? {};
    if (typeof routes.login !== 'string') {
      throw canonicalError({
        code: 'INVALID_PROVIDER',
        message: "provider spec field 'session.routes.login' is required (a spec without 'flows' signs in with a password)",
        nextAction: { field: 'provider', text: 'Check \'provider\' and try again.' },
        details: { local: true },
      });
    }
    return;
  }
  if (spec && typeof spec === 'object' && spec.device && spec.flows === undefined) {
    // A device-flow-only provider (RFC 8628): checked by the core's device engine.
    deviceLogin({ provider: spec, clientId: 'probe' });
    return;
  }
  start({ provider: /** @type {any} */ (spec), email: probe });
}

/** Why a file could not be read, in words. @param {any} e */
function readProblem(e) {
  switch (e?.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory';
    default: return e?.code ?? 'unreadable';
  }
}

/**
 * Read, parse and validate `--provider FILE`.
 * @param {string} path as typed
 * @param {{program: string, command?: string}} where for the errors' hints
 * @returns {Promise<Record<string, any>>}
 */
export async function loadSpecFile(path, where) {
  const full = resolvePath(path);
  let text;
  try {
    text = await readFile(full, 'utf8');
  } catch (e) {
    throw usageError(`Cannot read the provider spec ${shown(path)}: ${readProblem(e)}.`, {
      program: where.program,
      field: 'provider',
      text: `--provider takes ${PROVIDER_CHOICES}; check the path ${shown(path)} (resolved to ${full}).`,
    });
  }
  /** @type {any} */
  let spec;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String(/** @type {any} */ (e)?.message));
    throw invalid(path, `The provider spec ${shown(path)} is not valid JSON${m ? ` (near character ${m[1]})` : ''}.`);
  }
  try {
    validateSpec(spec);
  } catch (e) {
    if (isKeymintError(e) && /** @type {any} */ (e).code === 'INVALID_PROVIDER') {
      throw invalid(path, `${/** @type {any} */ (e).message} (in ${shown(path)})`);
    }
    throw e;
  }
  return spec;
}

/** @param {string} path @param {string} message */
function invalid(path, message) {
  return canonicalError({
    code: 'INVALID_PROVIDER',
    message,
    nextAction: {
      field: 'provider',
      text: `Fix ${shown(path)}: every key of a provider spec is described in docs/custom-provider.md.`,
    },
    details: { local: true, path: shown(path) },
  });
}
