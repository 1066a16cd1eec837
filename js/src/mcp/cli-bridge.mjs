// The MCP tools run the CLI's own commands, in-process, with `--json` and captured streams:
// the same flags validation, profile store, pending flows, masking and error envelopes as
// `keymint … --json`, so a tool call and a CLI command continue each other's flows and can
// never drift apart. This module builds those command lines, runs them, and turns the CLI's
// next actions (shell commands) into tool calls an agent without a shell can make.

import { Readable } from 'node:stream';
import { canonicalError } from '../errors.mjs';

/** A `--json` run's outcome: the envelope's data, or its error, and the exit code. */
/** @typedef {{ok: true, data: any, exitCode: number} | {ok: false, error: any, exitCode: number}} RunResult */

/** A stream that keeps what is written to it. */
function capture() {
  let text = '';
  return {
    isTTY: false,
    write(/** @type {string|Uint8Array} */ d) {
      text += typeof d === 'string' ? d : Buffer.from(d).toString('utf8');
      return true;
    },
    on() { return this; },
    get text() { return text; },
  };
}

/**
 * Run one CLI command with `--json`. Never throws: anything unexpected becomes an error
 * result (the CLI itself already turns every failure into an envelope).
 * @param {(argv: string[], io: object) => Promise<number>} run createCli's run
 * @param {string[]} argv without --json
 * @param {Record<string, string|undefined>} env
 * @returns {Promise<RunResult>}
 */
export async function runJson(run, argv, env) {
  const stdout = capture();
  const stderr = capture();
  // `--json` before a `--` (positionals after it may look like flags: a profile named "-x").
  const dashes = argv.indexOf('--');
  const full = dashes === -1 ? [...argv, '--json'] : [...argv.slice(0, dashes), '--json', ...argv.slice(dashes)];
  let exitCode;
  try {
    exitCode = await run(full, { env, stdin: Readable.from([]), stdout, stderr });
  } catch (e) {
    return failed(`The command failed unexpectedly: ${/** @type {any} */ (e)?.message ?? e}`);
  }
  let envelope;
  try {
    envelope = JSON.parse(stdout.text);
  } catch {
    return failed('The command gave no JSON result.', exitCode);
  }
  if (envelope?.success === true) return { ok: true, data: envelope.data ?? {}, exitCode };
  const result = failed('The command failed without an error.', exitCode);
  return envelope?.error ? { ...result, error: envelope.error } : result;
}

/**
 * UNKNOWN_ERROR (its exit code from the core's table) for a run that broke outside the CLI's
 * envelopes. @param {string} message @param {number} [exitCode] the CLI's own, when it gave one
 * @returns {RunResult}
 */
function failed(message, exitCode) {
  const error = canonicalError({ code: 'UNKNOWN_ERROR', message, nextAction: { kind: 'retry', text: 'Call the tool again; if it keeps failing, report it.' } });
  return { ok: false, exitCode: exitCode || /** @type {number} */ (error.exitCode), error: error.toJSON() };
}

/** CLI flag names (as next actions name fields) → tool argument names. */
const FIELD_TO_ARG = /** @type {Record<string, string>} */ ({
  email: 'email',
  code: 'code',
  'organization-id': 'organizationId',
  'key-name': 'keyName',
  'key-expires-in': 'keyExpiresInDays',
  'profile-name': 'profileName',
  company: 'company',
  description: 'description',
  provider: 'provider',
  purpose: 'purpose',
});

/** The codes that mean "this account does not exist yet": switch to sign-up. */
const TO_SIGNUP = new Set(['USER_NOT_FOUND', 'USER_HAS_NO_ORGANIZATION']);

/**
 * What an agent calls next, as `{name, arguments}` (the params of a tools/call), or null
 * when the next step is not a tool call (fix the profile file, revoke a key at the backend).
 * @param {{kind?: string, field?: string}} na the CLI's nextAction
 * @param {{ns: string, tool: string, args: Record<string, any>, code?: string, flowId?: string,
 *   provider?: string, email?: string, purpose?: string, fieldArg?: Record<string, string>}} c
 *   what the failing (or succeeding) call was about; `provider` only when tools take one
 */
export function toolCallFor(na, c) {
  const call = (/** @type {string} */ verb, /** @type {Record<string, any>} */ args) => ({ name: `${c.ns}_${verb}`, arguments: args });
  const prov = c.provider ? { provider: c.provider } : {};
  const request = (/** @type {string} */ purpose) => (c.email ? call('request_code', { ...prov, email: c.email, purpose }) : null);
  switch (na?.kind) {
    case 'enter_code':
    case 'retry_code':
      return c.flowId ? call('submit_code', { flowId: c.flowId, code: '<6-digit-code>' }) : null;
    case 'choose_organization':
      return c.flowId ? call('choose_organization', { flowId: c.flowId, organizationId: '<organization-id>' }) : null;
    case 'request_new_code':
    case 'wait':
      return request(c.purpose ?? 'auto');
    case 'switch_flow':
      return request(TO_SIGNUP.has(String(c.code)) ? 'signup' : 'login');
    case 'sign_in_again':
      return call('request_code', { ...prov, email: c.email ?? '<your-email>', purpose: 'login' });
    case 'fix_input': {
      const arg = na.field ? (c.fieldArg?.[na.field] ?? FIELD_TO_ARG[na.field]) : undefined;
      if (!arg) return null;
      return call(c.tool, { ...c.args, [arg]: `<${arg}>` });
    }
    case 'retry':
      return call(c.tool, c.args);
    default:
      return null;
  }
}

/** How a tool call reads in a sentence: `keymint_submit_code {"flowId":"…","code":"<6-digit-code>"}`. */
export function callText(/** @type {{name: string, arguments: object}} */ t) {
  return `${t.name} ${JSON.stringify(t.arguments)}`;
}

/**
 * The CLI's nextAction with its shell `command` replaced by the tool call: `tool` ({name,
 * arguments}) and `command` (the call as text); `text` names the call where it named the
 * shell command. The kind and the other members (retryAfterSeconds, organizations, field)
 * are kept. Without a tool call, the shell command is dropped: an agent here has no shell.
 * @param {any} na @param {Parameters<typeof toolCallFor>[1]} c
 */
export function translateNextAction(na, c) {
  if (!na || typeof na !== 'object') return { kind: 'none', text: '' };
  const { command, ...rest } = na;
  const tool = toolCallFor(na, c);
  const out = { ...rest, text: String(na.text ?? '') };
  if (rest.field && (c.fieldArg?.[rest.field] ?? FIELD_TO_ARG[rest.field])) out.field = c.fieldArg?.[rest.field] ?? FIELD_TO_ARG[rest.field];
  if (tool) {
    const asText = callText(tool);
    out.tool = tool;
    out.command = asText;
    if (typeof command === 'string' && command !== '' && out.text.includes(command)) {
      // "…, then run: <shell command>" reads "…, then call <tool> {…}".
      out.text = out.text.split(command).join(`call ${asText}`).replace(/\b([Rr])un: call /g, (_, r) => (r === 'R' ? 'Call ' : 'call '));
    }
    // ("Then": the server already puts the text after "Next: ".)
    else if (!out.text.includes(tool.name)) out.text = out.text ? `${out.text} Then call ${asText}` : `Call ${asText}`;
  } else if (typeof command === 'string' && command !== '' && out.text.includes(command)) {
    // A CLI command the agent cannot run: say which program a person would use.
    out.text = out.text.split(command).join(`\`${command}\` (in a terminal)`);
  }
  return out;
}

/**
 * A CLI error envelope as the tool error's body, its next action translated.
 * @param {any} error @param {Parameters<typeof toolCallFor>[1]} c
 */
export function toolError(error, c) {
  const out = /** @type {Record<string, any>} */ ({ code: String(error?.code ?? 'UNKNOWN_ERROR'), message: String(error?.message ?? '') });
  if (error?.status !== undefined) out.status = error.status;
  if (error?.providerCode !== undefined) out.providerCode = String(error.providerCode);
  out.nextAction = translateNextAction(error?.nextAction, { ...c, code: out.code });
  if (error?.details !== undefined) out.details = error.details;
  return out;
}
