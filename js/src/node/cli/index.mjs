// createCli(): the command line a wrapper package ships as its own bin, e.g.
//
//   #!/usr/bin/env node
//   import { createCli } from 'keymint/node';
//   const cli = createCli({ program: 'scripto', provider: 'scripto' });
//   process.exitCode = await cli.run(process.argv.slice(2));
//
// `provider` is a preset (codika, scripto, sessions, coditect, better-auth) or a provider spec
// object; omitted, every run takes `--provider <preset|./spec.json>` (the generic `keymint` bin).
// The commands follow what the backend hands out (see providers.mjs). `cli.run(argv, {env,
// stdin, stdout, stderr})` resolves to the exit code (0 ok; 2 usage or bad input; 3 code
// rejected; 4 throttled; 5 account state; 6 network or server; 130 a password prompt
// cancelled; 1 other), so tests can run it in-process too. Each program has its own profile
// file (~/.config/<program>/config.json, XDG_CONFIG_HOME respected) and env prefix
// (<PROGRAM>_API_KEY, <PROGRAM>_BASE_URL). The full reference: docs/cli.md.

import { runMcp } from '../../mcp/index.mjs';
import { version } from '../version.mjs';
import { tokenize, checkFlags, usageError, shown } from './args.mjs';
import { Context } from './context.mjs';
import { asKeymintError } from './output.mjs';
import { commandHelp, topHelp } from './help.mjs';
import { codikaSurface } from './codika.mjs';
import { scriptoSurface } from './scripto.mjs';
import { sessionsSurface } from './sessions.mjs';
import { coditectSurface } from './coditect.mjs';
import { otpSurface } from './otp.mjs';
import { commonCommands } from './common.mjs';
import { deviceCommand, hasDevice } from './device.mjs';
import { secretInputFlags, applySecretInputs } from './secret-input.mjs';
import { PRESETS, PROVIDER_CHOICES, kindOf, looksLikePath, loadSpecFile, validateSpec } from './providers.mjs';
import { specCheckCommand } from './spec-check.mjs';

const PROGRAM_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** For "Which backend?": a provider that has the command typed. */
const SUGGEST = /** @type {Record<string, string>} */ ({
  'auth login': 'coditect',
  'auth register': 'coditect',
  'auth refresh': '<sessions|coditect>',
});

/** Streams that already have our EPIPE handler. */
const ignoringEpipe = new WeakSet();

/**
 * The command surface for a provider (a preset name or a spec).
 * @param {string|Record<string, any>} provider
 * @returns {import('./surface.mjs').Surface}
 */
function buildSurface(provider) {
  const surface = ((kind) => {
    switch (kind) {
      case 'codika': return codikaSurface();
      case 'scripto': return scriptoSurface();
      case 'session': return sessionsSurface(provider);
      case 'password': return coditectSurface(provider);
      default: return otpSurface(provider);
    }
  })(kindOf(provider));
  // Any provider whose document declares `device` gets `auth device-login` (RFC 8628).
  if (hasDevice(provider)) surface.commands.unshift(deviceCommand(surface));
  return surface;
}

/**
 * @param {{program: string, provider?: string|Record<string, any>, version?: string,
 *   defaults?: {baseUrl?: string}, fetch?: Function, timeoutMs?: number}} config
 */
export function createCli(config) {
  const { program, provider, defaults = {}, fetch, timeoutMs } = config ?? {};
  if (typeof program !== 'string' || !PROGRAM_NAME.test(program) || program.length > 64) {
    throw new TypeError('createCli: program must be a lower-case name like "codika" (letters, digits, . _ -)');
  }
  /** @type {Record<string, any>|undefined} */
  let spec;
  if (provider !== undefined && typeof provider === 'object' && provider !== null) {
    try {
      validateSpec(provider);
    } catch (e) {
      throw new TypeError(`createCli: ${/** @type {any} */ (e)?.message ?? e}`);
    }
    spec = JSON.parse(JSON.stringify(provider));
  } else if (provider !== undefined && !PRESETS.includes(/** @type {string} */ (provider))) {
    throw new TypeError(`createCli: provider must be one of ${PRESETS.join(', ')}, or a provider spec object`);
  }
  const fixedName = spec ? String(spec.name) : /** @type {string|undefined} */ (provider);
  const cli = {
    program,
    provider: fixedName,
    defaults: { ...defaults },
    fetch,
    timeoutMs,
    version: config.version,
  };
  /** @type {Map<string, import('./surface.mjs').Surface>} */
  const presetSurfaces = new Map();
  /** @param {string|Record<string, any>} p */
  const surfaceOf = (p) => {
    if (typeof p !== 'string') return buildSurface(p);
    if (!presetSurfaces.has(p)) presetSurfaces.set(p, buildSurface(p));
    return /** @type {import('./surface.mjs').Surface} */ (presetSurfaces.get(p));
  };
  const fixed = spec ?? provider;
  /** The generic bin's commands before it knows the provider. */
  const neutral = [
    ...commonCommands(null, { keyExample: 'cko_… or scripto_…', urlFlag: ['base-url', 'The backend URL (default: the profile\'s, or {PREFIX}_BASE_URL)'] }, (ctx) => surfaceOf(/** @type {any} */ (ctx.providerValue))),
    specCheckCommand,
  ];

  /**
   * @param {string[]} [argv]
   * @param {{env?: Record<string, string|undefined>, stdin?: any, stdout?: any, stderr?: any}} [io]
   * @returns {Promise<number>}
   */
  async function run(argv = process.argv.slice(2), io = {}) {
    const streams = {
      env: io.env ?? process.env,
      stdin: io.stdin ?? process.stdin,
      stdout: io.stdout ?? process.stdout,
      stderr: io.stderr ?? process.stderr,
    };
    // A reader that went away (`| head`) is not an error worth a stack trace.
    for (const s of [streams.stdout, streams.stderr]) {
      if (typeof s?.on === 'function' && !ignoringEpipe.has(s)) {
        ignoringEpipe.add(s);
        s.on('error', (/** @type {any} */ e) => { if (e?.code !== 'EPIPE') throw e; });
      }
    }
    const { flags, words, problem: tokenProblem } = tokenize(argv);
    let problem = tokenProblem;
    const generic = !fixed;
    const ctx = new Context({ cli, io: streams, flags, command: words.slice(0, 2).join(' '), provider: fixedName, spec });
    try {
      if (flags.version === true) {
        const line = cli.version ? `${program} ${cli.version} (keymint ${version()})`
          : program === 'keymint' ? `keymint ${version()}` : `${program} (keymint ${version()})`;
        streams.stdout.write(`${line}\n`);
        return 0;
      }
      if (generic && typeof flags.provider === 'string') {
        const named = flags.provider;
        if (PRESETS.includes(named)) ctx.provider = named;
        else if (looksLikePath(named)) {
          ctx.spec = await loadSpecFile(named, { program });
          ctx.provider = named;
        } else problem ??= { message: `--provider must be codika, scripto, sessions, coditect, better-auth, pocketbase or the path of a spec file (./my-backend.json), not "${shown(named)}".`, field: 'provider' };
      }
      const surface = ctx.provider ? surfaceOf(/** @type {any} */ (ctx.providerValue)) : null;
      ctx.surface = surface;
      if (words[0] === 'mcp') {
        // An MCP server on stdio for agents (js/src/mcp/, docs/agents.md); runs until stdin closes.
        return await runMcp(ctx, { run, surfaceOf, words, version: version(), problem });
      }
      const commands = surface ? surface.commands : neutral;
      const cmd = commands.find((c) => {
        const path = c.path.split(' ');
        return path.every((w, i) => words[i] === w);
      });
      if (cmd) ctx.command = cmd.path;
      if (!cmd) {
        const groups = [...new Set(commands.map((c) => c.path.split(' ')[0]))];
        if (words.length === 0 || (words.length === 1 && groups.includes(words[0]) && commands.some((c) => c.path.includes(' ') && c.path.startsWith(`${words[0]} `)))) {
          if (problem && !flags.help) throw usageError(problem.message, { program: ctx.program, field: problem.field });
          streams.stdout.write(topHelp(ctx, commands, { label: surface?.label, group: words[0], generic }));
          return 0;
        }
        if (!ctx.provider && ['auth', 'config'].includes(words[0])) {
          // A --provider that names no backend says so, rather than asking for one.
          if (problem) throw usageError(problem.message, { program, field: problem.field });
          throw usageError(`Which backend? ${program} ${words.slice(0, 2).join(' ')} needs --provider ${PROVIDER_CHOICES}.`, {
            program,
            field: 'provider',
            text: `Pass --provider: ${program} --provider ${SUGGEST[words.slice(0, 2).join(' ')] ?? 'codika'} ${words.map(shown).join(' ')} …`,
            run: `${program} --provider <name|file.json> ${words.slice(0, 2).join(' ')}`,
          });
        }
        throw usageError(`Unknown command "${words.map(shown).join(' ')}".`, { program: ctx.program });
      }
      // --api-key-stdin / --code-stdin wherever --api-key / --code is taken (secret-input.mjs).
      const extra = /** @type {Array<[string, string]>} */ (secretInputFlags(cmd));
      if (generic) {
        extra.push(['provider', 'The backend']);
        if (cmd.flags.some(([n]) => n === 'api-url' || n === 'base-url') && !cmd.flags.some(([n]) => n === 'base-url')) {
          extra.push(['base-url', 'The backend URL']);
        }
      }
      if (flags.help === true) {
        streams.stdout.write(commandHelp(ctx, cmd, extra));
        return 0;
      }
      if (problem) throw usageError(problem.message, { program: ctx.program, command: cmd.path, field: problem.field });
      checkFlags(flags, [...cmd.flags.map(([n]) => n), ...extra.map(([n]) => n), 'version'], { program: ctx.program, command: cmd.path });
      const args = words.slice(cmd.path.split(' ').length);
      const max = cmd.positionals?.length ?? 0;
      if (args.length > max) {
        throw usageError(`Unexpected argument "${shown(args[max])}" for "${ctx.program} ${cmd.path}".`, { program: ctx.program, command: cmd.path });
      }
      await applySecretInputs(ctx, cmd);
      return await cmd.run(ctx, args);
    } catch (e) {
      const err = asKeymintError(e);
      ctx.out.error(err);
      return typeof err.exitCode === 'number' ? err.exitCode : 1;
    } finally {
      ctx.close();
    }
  }

  return Object.freeze({ program, provider: fixedName, run });
}
