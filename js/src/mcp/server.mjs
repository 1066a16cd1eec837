// The MCP protocol itself: version negotiation, initialize, tools/list, tools/call, ping,
// and elicitation towards the client. The revisions below are the ones the official
// TypeScript SDK offers; we answer with the client's revision when we speak it, else with
// the latest (the client then decides whether to go on). Fields a revision does not have
// are left out for it: annotations before 2025-03-26; titles, outputSchema,
// structuredContent and elicitation before 2025-06-18; the elicitation `mode` before
// 2025-11-25.

import { Peer, RpcError, RPC } from './jsonrpc.mjs';
import { validateArguments } from './validate.mjs';
import { toolDefinitions } from './tools.mjs';
import { requestCode, completeFlow, pendingFlows, profileCommand } from './handlers.mjs';

export const LATEST_PROTOCOL_VERSION = '2025-11-25';
export const SUPPORTED_PROTOCOL_VERSIONS = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'];

/** Revision dates compare as strings. @param {string} v @param {string} since */
const atLeast = (v, since) => v >= since;

/**
 * @param {{input: NodeJS.ReadableStream, output: NodeJS.WritableStream,
 *   env: Omit<import('./handlers.mjs').Env, 'elicit'>, serverName: string, serverVersion: string,
 *   instructions: string}} o
 * @returns {Promise<void>} resolves when the client closes stdin
 */
export function serveMcp({ input, output, env, serverName, serverVersion, instructions }) {
  const tools = toolDefinitions({ ns: env.ns, program: env.program, bound: env.bound !== null });
  const byName = new Map(tools.map((t) => [t.name, t]));
  let version = LATEST_PROTOCOL_VERSION;
  /** @type {any} */
  let clientCapabilities = {};

  /** Form-mode elicitation, when the client declared it (an empty object means form). */
  const canElicit = () => {
    const e = clientCapabilities?.elicitation;
    if (!e || typeof e !== 'object' || !atLeast(version, '2025-06-18')) return false;
    return Object.keys(e).length === 0 || e.form !== undefined;
  };

  /** @param {typeof tools[number]} t */
  const describe = (t) => {
    const out = /** @type {Record<string, any>} */ ({ name: t.name, description: t.description, inputSchema: t.inputSchema });
    if (atLeast(version, '2025-06-18')) {
      out.title = t.title;
      out.outputSchema = t.outputSchema;
    }
    if (atLeast(version, '2025-03-26')) out.annotations = t.annotations;
    return out;
  };

  /** The result of a call: text for every client, structuredContent where the revision has it. */
  const result = (/** @type {Record<string, any>} */ s) => {
    const text = s.ok ? JSON.stringify(s, null, 2)
      : `${s.error.message} (${s.error.code})${s.error.nextAction?.text ? `\nNext: ${s.error.nextAction.text}` : ''}\n${JSON.stringify(s, null, 2)}`;
    return {
      content: [{ type: 'text', text }],
      ...(atLeast(version, '2025-06-18') ? { structuredContent: s } : {}),
      ...(s.ok ? {} : { isError: true }),
    };
  };

  /** @param {any} params */
  async function callTool(params) {
    if (params === null || typeof params !== 'object' || typeof params.name !== 'string') {
      throw new RpcError(RPC.INVALID_PARAMS, 'tools/call needs params.name (a string).');
    }
    const tool = byName.get(params.name);
    if (!tool) throw new RpcError(RPC.INVALID_PARAMS, `Unknown tool: ${String(params.name).slice(0, 100)}`);
    const args = params.arguments ?? {};
    const problem = validateArguments(args, tool.inputSchema);
    if (problem) {
      return result({
        ok: false,
        error: {
          code: 'USAGE',
          message: `${tool.name}: ${problem.message}`,
          nextAction: { kind: 'fix_input', ...(problem.field ? { field: problem.field } : {}), text: `Fix the arguments (see the tool's inputSchema) and call ${tool.name} again.` },
        },
      });
    }
    const verb = tool.name.slice(env.ns.length + 1);
    const callEnv = { ...env, elicit: canElicit() ? elicit : null };
    let outcome;
    try {
      if (verb === 'request_code') outcome = await requestCode(callEnv, args);
      else if (verb === 'submit_code' || verb === 'choose_organization') outcome = await completeFlow(callEnv, args, verb);
      else if (verb === 'pending_flows') outcome = await pendingFlows(callEnv, args);
      else outcome = await profileCommand(callEnv, verb, args);
    } catch (e) {
      // A bug of ours: a tool error the agent can report, never a crash of the server.
      outcome = { ok: false, error: { code: 'UNKNOWN_ERROR', message: `Unexpected failure: ${/** @type {any} */ (e)?.message ?? e}`, nextAction: { kind: 'retry', text: `Call ${tool.name} again; if it keeps failing, report it.` } } };
    }
    return result(outcome);
  }

  /** @param {string} message @param {object} requestedSchema */
  async function elicit(message, requestedSchema) {
    const params = { ...(atLeast(version, '2025-11-25') ? { mode: 'form' } : {}), message, requestedSchema };
    return /** @type {any} */ (await peer.request('elicitation/create', params));
  }

  /** @param {string} method @param {any} params */
  async function onRequest(method, params) {
    switch (method) {
      case 'initialize': {
        const asked = typeof params?.protocolVersion === 'string' ? params.protocolVersion : '';
        version = SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION;
        clientCapabilities = params?.capabilities && typeof params.capabilities === 'object' ? params.capabilities : {};
        return {
          protocolVersion: version,
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: serverName, version: serverVersion, ...(atLeast(version, '2025-06-18') ? { title: serverName === 'keymint' ? 'keymint' : `${serverName} (keymint)` } : {}) },
          instructions,
        };
      }
      case 'ping':
        return {};
      case 'tools/list':
        return { tools: tools.map(describe) };
      case 'tools/call':
        return callTool(params);
      default:
        throw new RpcError(RPC.METHOD_NOT_FOUND, `Method not found: ${String(method).slice(0, 100)}`);
    }
  }

  const peer = new Peer({ input, output, onRequest });
  return peer.serve();
}
