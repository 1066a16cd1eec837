// What each tool does. Every tool runs the CLI command a person would type (cli-bridge.mjs),
// so the flows, the profile store and the errors are the CLI's; this module only picks the
// command and its flags from the tool's arguments, and shapes the result for an agent:
// flowIds (the profile store's pending-flow keys), tool calls as next actions, and never a
// raw key — the CLI's JSON already masks them, and the raw key goes to the profile file.

import { pendingKey } from '../node/cli/auth.mjs';
import { runJson, toolError, translateNextAction } from './cli-bridge.mjs';
import { AGENT_PROVIDERS } from './tools.mjs';

/**
 * @typedef {{name: string, value: any, argv: string[]}} Binding the provider a call talks to:
 *   its name (as pending flows record it), what surfaceOf takes, and the CLI words selecting it
 * @typedef {{ns: string, program: string, run: Function, env: Record<string, string|undefined>,
 *   bound: Binding|null, surfaceOf: (value: any) => import('../node/cli/surface.mjs').Surface,
 *   readStore: () => Promise<any>, configPath: string,
 *   elicit: null | ((message: string, schema: object) => Promise<{action: string, content?: any}>)}} Env
 * @typedef {{ok: boolean, [k: string]: any}} Outcome structuredContent (`ok: false` = tool error)
 */

/** A tool error raised before any command ran (bad arguments, unknown flow). */
function fail(/** @type {string} */ code, /** @type {string} */ message, /** @type {any} */ nextAction, details) {
  return { ok: false, error: { code, message, nextAction, ...(details ? { details } : {}) } };
}

/** @param {Env} env @param {string|undefined} provider */
function bindingFor(env, provider) {
  if (env.bound) return env.bound;
  if (!provider || !AGENT_PROVIDERS.includes(provider)) return null;
  return { name: provider, value: provider, argv: ['--provider', provider] };
}

/** @param {Env} env @param {Binding} b the `provider` argument to repeat in next actions */
const providerArg = (env, b) => (env.bound ? undefined : b.name);

/** The CLI command for a purpose's step, and whether it needs `--purpose signup`. */
function commandFor(/** @type {any} */ surface, /** @type {string} */ purpose, /** @type {string} */ step) {
  const direct = surface.commands.find((/** @type {any} */ c) => c.path === `auth ${purpose}-${step}`);
  if (direct) return { cmd: direct, extra: [] };
  const login = surface.commands.find((/** @type {any} */ c) => c.path === `auth login-${step}`);
  if (login && login.flags.some((/** @type {any} */ [n]) => n === 'purpose')) return { cmd: login, extra: [`--purpose=${purpose === 'login' ? 'signin' : purpose}`] };
  return null;
}

/** Split a flowId (`provider|purpose|email`); null when it is not one. @param {string} id */
function parseFlowId(id) {
  const [provider, purpose, ...rest] = String(id).split('|');
  const email = rest.join('|');
  if (!provider || !['login', 'signup'].includes(purpose) || !email) return null;
  return { provider, purpose, email };
}

/**
 * `request_code`: `auth <purpose>-request`; for `auto`, the purpose a flow is pending for
 * first, else sign-up, switching to the other purpose on a switch_flow answer.
 * @param {Env} env @param {Record<string, any>} a
 * @returns {Promise<Outcome>}
 */
export async function requestCode(env, a) {
  const b = bindingFor(env, a.provider);
  if (!b) return fail('USAGE', `"provider" is required: one of ${AGENT_PROVIDERS.join(', ')}.`, { kind: 'fix_input', field: 'provider', text: 'Pass the backend as "provider".' });
  const surface = env.surfaceOf(b.value);
  const has = (/** @type {string} */ p) => commandFor(surface, p, 'request') !== null;
  const purpose = a.purpose ?? 'auto';
  let order = purpose === 'auto' ? ['signup', 'login'].filter(has) : [purpose];
  if (order.length === 0 || !has(order[0])) {
    return fail('INVALID_PURPOSE', `${surface.label} has no ${purpose} flow.`, { kind: 'fix_input', field: 'purpose', text: `Use purpose ${['login', 'signup'].filter(has).join(' or ')}.` });
  }
  if (purpose === 'auto' && order.length > 1) {
    const doc = await env.readStore().catch(() => null);
    const pending = order.filter((p) => doc?.pending?.[pendingKey(b.name, p, a.email)]);
    order = [...pending, ...order.filter((p) => !pending.includes(p))];
  }
  const ctx = { ns: env.ns, tool: 'request_code', args: a, provider: providerArg(env, b), email: a.email, purpose };
  /** @type {string|undefined} */
  let switchedFrom;
  for (let i = 0; i < order.length; i++) {
    const { cmd, extra } = /** @type {{cmd: any, extra: string[]}} */ (commandFor(surface, order[i], 'request'));
    const r = await runJson(env.run, [...b.argv, ...cmd.path.split(' '), `--email=${a.email}`, ...extra], env.env);
    if (!r.ok) {
      if (purpose === 'auto' && r.error?.nextAction?.kind === 'switch_flow' && i + 1 < order.length) {
        switchedFrom = order[i];
        continue;
      }
      return { ok: false, error: toolError(r.error, ctx) };
    }
    const d = r.data;
    const resolved = d.purpose === 'signin' ? 'login' : (d.purpose ?? order[i]);
    const email = d.email ?? a.email;
    const flowId = pendingKey(b.name, resolved, email);
    const nextAction = translateNextAction(d.nextAction, { ...ctx, flowId, email, purpose: resolved });
    if (env.elicit) nextAction.text += ' (Or omit "code" to have the person type it.)';
    return {
      ok: true,
      flowId,
      provider: b.name,
      email,
      purpose: resolved,
      ...(switchedFrom ? { switchedFrom } : {}),
      expiresAt: d.expiresAt ?? null,
      resendAvailableAt: d.resendAvailableAt ?? null,
      codeLength: d.codeLength ?? 6,
      nextAction,
      ...(d.warnings?.length ? { warning: d.warnings.join(' ') } : {}),
    };
  }
  return fail('UNKNOWN_ERROR', 'No flow could be started.', { kind: 'retry', text: 'Call the tool again.' });
}

/** Tool argument → the CLI flag for it on this command (the flag names differ per backend). */
function flagsFor(/** @type {any} */ surface, /** @type {any} */ cmd, /** @type {Record<string, any>} */ a) {
  const known = new Set(cmd.flags.map((/** @type {any} */ [n]) => n));
  const map = /** @type {Array<[string, string|undefined]>} */ ([
    ['organizationId', 'organization-id'],
    ['company', 'company'],
    ['description', 'description'],
    ['keyName', known.has('key-name') ? 'key-name' : (surface.profileNameFlag !== 'name' && known.has('name') ? 'name' : undefined)],
    ['keyExpiresInDays', 'key-expires-in'],
    ['profileName', surface.profileNameFlag],
  ]);
  const argv = [];
  /** @type {Record<string, string>} the CLI field names back to argument names, for errors */
  const fieldArg = {};
  for (const [arg, flag] of map) {
    if (flag) fieldArg[flag] = arg;
    if (a[arg] === undefined) continue;
    if (!flag || !known.has(flag)) return { unsupported: arg, argv, fieldArg };
    argv.push(`--${flag}=${a[arg]}`);
  }
  return { argv, fieldArg, unsupported: undefined };
}

/** Ask the person for the code (form-mode elicitation); the code, or null. */
async function askForCode(/** @type {Env} */ env, /** @type {string} */ email, /** @type {string} */ label, /** @type {string} */ why) {
  if (!env.elicit) return null;
  const r = await env.elicit(`${why}Enter the code ${label} emailed to ${email}.`, {
    type: 'object',
    properties: { code: { type: 'string', title: 'Code', description: 'The 6-digit code from the email', minLength: 6, maxLength: 32 } },
    required: ['code'],
  }).catch(() => null);
  const code = r?.action === 'accept' ? r.content?.code : undefined;
  return typeof code === 'string' && code.trim() !== '' ? code : null;
}

/**
 * `submit_code` and `choose_organization`: `auth <purpose>-complete`, resuming the pending flow.
 * @param {Env} env @param {Record<string, any>} a @param {'submit_code'|'choose_organization'} tool
 * @returns {Promise<Outcome>}
 */
export async function completeFlow(env, a, tool) {
  const doc = await env.readStore().catch((/** @type {any} */ e) => e);
  if (doc instanceof Error) return { ok: false, error: toolError(doc, { ns: env.ns, tool, args: a }) };
  let b;
  let purpose;
  let email;
  let pending;
  if (a.flowId !== undefined) {
    const id = parseFlowId(a.flowId);
    pending = doc.pending?.[a.flowId];
    b = id && bindingFor(env, env.bound ? undefined : id.provider);
    if (!id || !b || b.name !== id.provider || !pending) {
      return fail('OTP_NOT_FOUND', `No pending flow "${String(a.flowId).slice(0, 200)}" in ${env.configPath}.`, {
        kind: 'request_new_code',
        text: `Call ${env.ns}_pending_flows to see the flows waiting for a code, or ${env.ns}_request_code to email a new one.`,
        tool: { name: `${env.ns}_pending_flows`, arguments: {} },
        command: `${env.ns}_pending_flows {}`,
      });
    }
    ({ purpose, email } = id);
  } else {
    b = bindingFor(env, a.provider);
    if (!b || a.email === undefined) {
      return fail('USAGE', `Pass "flowId"${env.bound ? ', or "email"' : ', or "provider" and "email"'}.`, { kind: 'fix_input', field: 'flowId', text: `Pass the flowId ${env.ns}_request_code returned.` });
    }
    email = a.email;
    purpose = a.purpose ?? ['login', 'signup'].find((p) => doc.pending?.[pendingKey(b.name, p, email)]) ?? 'login';
    pending = doc.pending?.[pendingKey(b.name, purpose, email)];
  }
  const flowId = pendingKey(b.name, purpose, email);
  const surface = env.surfaceOf(b.value);
  const found = commandFor(surface, purpose, 'complete');
  if (!found) return fail('INVALID_PURPOSE', `${surface.label} has no ${purpose} flow.`, { kind: 'fix_input', field: 'purpose', text: 'Use purpose login.' });
  const { argv: optionFlags, fieldArg, unsupported } = flagsFor(surface, found.cmd, a);
  const ctx = { ns: env.ns, tool, args: a, flowId, provider: providerArg(env, b), email, purpose, fieldArg };
  if (unsupported) {
    return fail('USAGE', `"${unsupported}" is not an option of ${surface.label}'s ${purpose}.`, { kind: 'fix_input', field: unsupported, text: `Call ${env.ns}_${tool} without "${unsupported}".` });
  }
  if (tool === 'choose_organization' && pending?.phase !== 'choose_organization') {
    return fail('INVALID_STEP', 'This flow is not waiting for an organization choice.', {
      kind: 'fix_input', text: `Submit the code first: call ${env.ns}_submit_code.`,
      tool: { name: `${env.ns}_submit_code`, arguments: { flowId, code: '<6-digit-code>' } },
      command: `${env.ns}_submit_code ${JSON.stringify({ flowId, code: '<6-digit-code>' })}`,
    });
  }
  if (tool === 'submit_code' && pending?.phase === 'choose_organization' && a.organizationId === undefined) {
    // The backend kept the code and waits for an organization: say so again, not "code required".
    const orgs = Array.isArray(pending.organizations) ? pending.organizations.map((/** @type {any} */ o) => ({ id: o.id, name: o.name })) : [];
    return fail('ORGANIZATION_SELECTION_REQUIRED', 'This account belongs to several organizations; choose one.', translateNextAction({ kind: 'choose_organization', organizations: orgs, text: '' }, ctx), { organizations: orgs });
  }
  let code = a.code;
  const keptCode = pending?.phase === 'choose_organization' && a.organizationId !== undefined;
  if (code === undefined && !keptCode) {
    code = await askForCode(env, email, surface.label, '');
    if (code === null) {
      const call = { name: `${env.ns}_submit_code`, arguments: { flowId, code: '<6-digit-code>' } };
      return fail('USAGE', env.elicit ? 'The person did not enter the code.' : '"code" is required: this client cannot ask the person for it.', {
        kind: 'fix_input', field: 'code', text: `Read the code from the email to ${email}, then call ${env.ns}_submit_code with it.`, tool: call, command: `${call.name} ${JSON.stringify(call.arguments)}`,
      });
    }
  }
  const base = [...b.argv, ...found.cmd.path.split(' '), `--email=${email}`, ...found.extra, ...optionFlags];
  for (let tries = 0; ; tries++) {
    const r = await runJson(env.run, code === undefined ? base : [...base, `--code=${code}`], env.env);
    if (r.ok) return savedResult(env, r.data);
    // A code the person typed wrong: ask again while attempts remain, as the terminal does.
    const left = r.error?.details?.attemptsRemaining;
    if (a.code === undefined && code !== undefined && r.error?.nextAction?.kind === 'retry_code' && tries < 3 && left !== 0) {
      const again = await askForCode(env, email, surface.label, `${r.error.message}${typeof left === 'number' ? ` (${left} attempts left)` : ''} `);
      if (again !== null) {
        code = again;
        continue;
      }
    }
    return { ok: false, error: toolError(r.error, ctx) };
  }
}

/** The CLI's "profile saved" data, for an agent: masked, and where the raw credential is. */
function savedResult(/** @type {Env} */ env, /** @type {any} */ d) {
  const { configPath, nextAction, ...rest } = d;
  return {
    ok: true,
    ...rest,
    storedIn: configPath ?? env.configPath,
    usage: `Saved as profile "${d.profile}" (active). ${env.program} and programs reading ${configPath ?? env.configPath} use it; the raw credential is never shown here.`,
  };
}

/**
 * `pending_flows`: the profile store's pending email-code flows, with what an agent needs to
 * plan: seconds until expiry and until a resend, attempts left, organizations.
 * @param {Env} env @param {Record<string, any>} a @returns {Promise<Outcome>}
 */
export async function pendingFlows(env, a) {
  let doc;
  try {
    doc = await env.readStore();
  } catch (e) {
    return { ok: false, error: toolError(e, { ns: env.ns, tool: 'pending_flows', args: a }) };
  }
  const now = Date.now();
  const secondsUntil = (/** @type {unknown} */ t) => {
    const ms = Date.parse(String(t));
    return Number.isFinite(ms) ? Math.max(0, Math.ceil((ms - now) / 1000)) : null;
  };
  const flows = [];
  for (const [flowId, f] of Object.entries(doc.pending ?? {})) {
    const id = parseFlowId(flowId);
    if (!id || !f || typeof f !== 'object' || !['code_sent', 'choose_organization'].includes(/** @type {any} */ (f).phase)) continue;
    if (env.bound && id.provider !== env.bound.name) continue;
    if (a.email !== undefined && id.email !== String(a.email).trim().toLowerCase()) continue;
    if (a.flowId !== undefined && flowId !== a.flowId) continue;
    const p = /** @type {any} */ (f);
    const expiresIn = secondsUntil(p.expiresAt);
    const ctx = { ns: env.ns, tool: 'pending_flows', args: a, flowId, provider: env.bound ? undefined : id.provider, email: id.email, purpose: id.purpose };
    const kind = expiresIn === 0 ? 'request_new_code' : p.phase === 'choose_organization' ? 'choose_organization' : 'enter_code';
    flows.push({
      flowId,
      provider: id.provider,
      email: p.email ?? id.email,
      purpose: id.purpose,
      phase: p.phase,
      expiresAt: p.expiresAt ?? null,
      expiresInSeconds: expiresIn,
      expired: expiresIn === 0,
      resendAvailableAt: p.resendAvailableAt ?? null,
      resendInSeconds: secondsUntil(p.resendAvailableAt),
      attemptsRemaining: typeof p.attemptsRemaining === 'number' ? p.attemptsRemaining : null,
      ...(Array.isArray(p.organizations) ? { organizations: p.organizations.map((/** @type {any} */ o) => ({ id: o.id, name: o.name })) } : {}),
      nextAction: translateNextAction({ kind, text: kind === 'request_new_code' ? 'The code has expired.' : '' }, ctx),
    });
  }
  if (a.flowId !== undefined && flows.length === 0) {
    return fail('OTP_NOT_FOUND', `No pending flow "${String(a.flowId).slice(0, 200)}".`, {
      kind: 'request_new_code', text: `Call ${env.ns}_pending_flows without flowId to list them, or ${env.ns}_request_code to email a new code.`,
      tool: { name: `${env.ns}_pending_flows`, arguments: {} }, command: `${env.ns}_pending_flows {}`,
    });
  }
  return { ok: true, now: new Date(now).toISOString(), flows };
}

/**
 * whoami and the profile commands: the CLI command as is.
 * @param {Env} env @param {string} tool @param {Record<string, any>} a @returns {Promise<Outcome>}
 */
export async function profileCommand(env, tool, a) {
  const words = {
    whoami: ['whoami', ...(a.profile !== undefined ? [`--profile=${a.profile}`] : [])],
    list_profiles: ['profile', 'list'],
    switch_profile: ['profile', 'use', '--', String(a.name)],
    remove_profile: ['profile', 'remove', '--', String(a.name)],
    logout: ['auth', 'logout', ...(a.profile !== undefined ? [`--profile=${a.profile}`] : [])],
  }[tool];
  const r = await runJson(env.run, [...(env.bound?.argv ?? []), ...(words ?? [])], env.env);
  const fieldArg = { profile: tool === 'switch_profile' || tool === 'remove_profile' ? 'name' : 'profile', name: 'name' };
  // A "sign in again" here names request_code; unbound, its provider is for the agent to fill in.
  if (!r.ok) return { ok: false, error: toolError(r.error, { ns: env.ns, tool, args: a, fieldArg, provider: env.bound ? undefined : '<provider>' }) };
  return { ok: true, ...r.data };
}
