// `keymint mcp` (and `<program> mcp` for a createCli wrapper): an MCP server over stdio that
// lets an agent provision its own credential with tool calls. The tools run the CLI's own
// commands in-process (cli-bridge.mjs), so profiles and pending flows are shared with the
// CLI: a flow requested by a tool can be completed by `keymint … auth *-complete`, and the
// reverse. The raw key is written to the profile file; the model only ever sees it masked.
//
//   keymint mcp                                 tools take `provider` (codika, scripto, …)
//   keymint --provider codika mcp               tools bound to one backend
//   keymint mcp --base-url http://127.0.0.1:PORT  every backend at that URL (the emulator)
//   codika mcp                                  a wrapper's server, bound to its provider
//
// The base URL is the operator's choice (flag or <PREFIX>_BASE_URL), never a tool argument:
// a model talked into another URL could otherwise send the emailed code to a stranger.
// stdout carries only JSON-RPC; anything else (a stray console.log) goes to stderr.

import { FileProfileStore, configPath } from '../node/profile-store.mjs';
import { usageError } from '../node/cli/args.mjs';
import { kindOf } from '../node/cli/providers.mjs';
import { checkedUrl } from '../node/cli/target.mjs';
import { serveMcp, SUPPORTED_PROTOCOL_VERSIONS } from './server.mjs';

/** Flags `mcp` takes. */
const MCP_FLAGS = ['provider', 'base-url', 'help', 'version'];

/** @param {string} program */
export function mcpHelp(program, generic) {
  return `Usage: ${program}${generic ? ' [--provider <name|file.json>]' : ''} mcp [--base-url <url>]

Serves the Model Context Protocol over stdio: an AI agent (Claude Desktop, Claude Code,
Cursor, VS Code, Codex, …) signs in or up with an email code through tool calls, and the
credential is saved in ${program}'s profile file. Keys and tokens reach the agent masked only.

Options:
${generic ? '  --provider <name|file.json>  Bind the tools to one backend (default: each call names it)\n' : ''}  --base-url <url>             The backend for new sign-ins (as {PREFIX}_BASE_URL; saved profiles keep theirs)
  -h, --help                   Show this help

Protocol revisions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}. Configuration: docs/agents.md.
`;
}

/**
 * Run the MCP server for one CLI run (called by createCli for the `mcp` command).
 * @param {import('../node/cli/context.mjs').Context} ctx the run's context: flags, streams, provider
 * @param {{run: Function, surfaceOf: (value: any) => any, words: string[], version: string,
 *   problem?: {message: string, field?: string}|null}} o
 * @returns {Promise<number>} the exit code, once the client closes stdin
 */
export async function runMcp(ctx, { run, surfaceOf, words, version, problem }) {
  const program = ctx.cli.program;
  const generic = !ctx.cli.provider;
  if (ctx.flags.help === true) {
    ctx.stdout.write(mcpHelp(program, generic).replace('{PREFIX}', ctx.prefix));
    return 0;
  }
  if (problem) throw usageError(problem.message, { program: ctx.program, command: 'mcp', field: problem.field });
  const unknown = Object.keys(ctx.flags).find((f) => !MCP_FLAGS.includes(f) || (f === 'provider' && !generic));
  if (unknown) throw usageError(`Unknown flag --${unknown} for "${program} mcp".`, { program: ctx.program, command: 'mcp', field: unknown });
  if (words.length > 1) throw usageError(`Unexpected argument "${String(words[1]).slice(0, 64)}" for "${program} mcp".`, { program: ctx.program, command: 'mcp' });
  if (ctx.provider && ['password'].includes(kindOf(ctx.providerValue))) {
    throw usageError(`${program} mcp serves email-code backends; ${ctx.providerName} signs in with a password, which never goes through an agent.`, { program: ctx.program, command: 'mcp', field: 'provider' });
  }
  const env = { ...ctx.env };
  // A code comes from the agent or the person (elicitation), never from a stale <PREFIX>_CODE
  // that the CLI would otherwise take for a call without one.
  delete env[ctx.envName('CODE')];
  const baseUrl = ctx.str('base-url');
  if (baseUrl !== undefined) {
    checkedUrl(ctx, 'base-url', baseUrl);
    env[ctx.envName('BASE_URL')] = baseUrl;
  }
  const bound = ctx.provider
    ? { name: /** @type {string} */ (ctx.providerName), value: ctx.providerValue, argv: generic ? ['--provider', ctx.provider] : [] }
    : null;
  const store = new FileProfileStore({ program, env, lockTimeoutMs: 20_000 });

  // Only JSON-RPC may reach stdout: route console output to stderr while serving.
  const saved = { log: console.log, info: console.info, debug: console.debug, warn: console.warn };
  const toStderr = (/** @type {unknown[]} */ ...a) => { ctx.stderr.write(`${a.map(String).join(' ')}\n`); };
  Object.assign(console, { log: toStderr, info: toStderr, debug: toStderr, warn: toStderr });
  try {
    await serveMcp({
      input: ctx.stdin,
      output: ctx.stdout,
      serverName: program,
      serverVersion: ctx.cli.version ?? version,
      instructions: instructionsFor(program, bound),
      env: {
        ns: program.replace(/[^a-z0-9_]+/g, '_'),
        program,
        run,
        env,
        bound,
        surfaceOf,
        readStore: () => store.read(),
        configPath: configPath(program, env),
      },
    });
  } finally {
    Object.assign(console, saved);
  }
  return 0;
}

/** What the client tells the model about this server. @param {string} program @param {any} bound */
function instructionsFor(program, bound) {
  const ns = program.replace(/[^a-z0-9_]+/g, '_');
  return `Provision ${bound ? `a ${bound.name}` : 'an'} API key or session for this machine with an emailed one-time code: `
    + `${ns}_request_code (purpose auto signs up or logs in), read the 6-digit code from the mailbox, then ${ns}_submit_code with the flowId `
    + `(and ${ns}_choose_organization when asked). The credential is saved in ${program}'s profile file for the programs that use it; `
    + 'results show it masked, by design. Every error carries nextAction: `tool` is the call to make next.';
}
