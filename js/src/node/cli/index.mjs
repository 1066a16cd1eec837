// createCli(): the command line a wrapper package ships as its own bin, e.g.
//
//   #!/usr/bin/env node
//   import { createCli } from 'keymint/node';
//   const cli = createCli({ program: 'scripto', provider: 'scripto' });
//   process.exitCode = await cli.run(process.argv.slice(2));
//
// `cli.run(argv, {env, stdin, stdout, stderr})` resolves to the exit code (0 ok; 2 usage or
// bad input; 3 code rejected; 4 throttled; 5 account state; 6 network or server; 1 other),
// so tests can run it in-process too. Each program has its own profile file
// (~/.config/<program>/config.json, XDG_CONFIG_HOME respected) and env prefix (<PROGRAM>_API_KEY).

import { readFileSync } from 'node:fs';
import { tokenize, checkFlags, usageError, shown } from './args.mjs';
import { Context } from './context.mjs';
import { asKeymintError } from './output.mjs';
import { commandHelp, topHelp } from './help.mjs';
import { codikaSurface } from './codika.mjs';
import { scriptoSurface } from './scripto.mjs';
import { commonCommands } from './common.mjs';

const PROVIDERS = ['codika', 'scripto'];
const PROGRAM_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** Streams that already have our EPIPE handler. */
const ignoringEpipe = new WeakSet();

let keymintVersion;
/** keymint's own version, from its package.json. */
export function version() {
  if (keymintVersion === undefined) {
    try {
      keymintVersion = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
    } catch {
      keymintVersion = '0.0.0';
    }
  }
  return keymintVersion;
}

/**
 * @param {{program: string, provider?: 'codika'|'scripto', version?: string,
 *   defaults?: {baseUrl?: string}, fetch?: Function, timeoutMs?: number}} config
 */
export function createCli(config) {
  const { program, provider, defaults = {}, fetch, timeoutMs } = config ?? {};
  if (typeof program !== 'string' || !PROGRAM_NAME.test(program) || program.length > 64) {
    throw new TypeError('createCli: program must be a lower-case name like "codika" (letters, digits, . _ -)');
  }
  if (provider !== undefined && !PROVIDERS.includes(provider)) {
    throw new TypeError(`createCli: provider must be one of ${PROVIDERS.join(', ')}`);
  }
  const cli = {
    program,
    provider,
    defaults: { ...defaults },
    fetch,
    timeoutMs,
    version: config.version,
  };
  const surfaces = { codika: codikaSurface(), scripto: scriptoSurface() };
  /** The generic bin's commands before it knows the provider. */
  const neutral = commonCommands(null, { keyExample: 'cko_… or scripto_…', urlFlag: ['base-url', 'The backend URL (default: the profile\'s, or {PREFIX}_BASE_URL)'] }, (ctx) => surfaces[/** @type {'codika'|'scripto'} */ (ctx.provider)]);

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
    /** @type {string|undefined} */
    let prov = provider;
    if (!provider && typeof flags.provider === 'string') {
      if (PROVIDERS.includes(flags.provider)) prov = flags.provider;
      else problem ??= { message: `--provider must be codika or scripto, not "${shown(flags.provider)}".`, field: 'provider' };
    }
    const generic = !provider;
    const surface = prov ? surfaces[/** @type {'codika'|'scripto'} */ (prov)] : null;
    const commands = surface ? surface.commands : neutral;
    const cmd = commands.find((c) => {
      const path = c.path.split(' ');
      return path.every((w, i) => words[i] === w);
    });
    const ctx = new Context({ cli, io: streams, flags, command: cmd?.path ?? words.slice(0, 2).join(' '), provider: prov });
    try {
      if (flags.version === true) {
        const line = cli.version ? `${program} ${cli.version} (keymint ${version()})`
          : program === 'keymint' ? `keymint ${version()}` : `${program} (keymint ${version()})`;
        streams.stdout.write(`${line}\n`);
        return 0;
      }
      if (!cmd) {
        const groups = [...new Set(commands.map((c) => c.path.split(' ')[0]))];
        if (words.length === 0 || (words.length === 1 && groups.includes(words[0]) && commands.some((c) => c.path.includes(' ') && c.path.startsWith(`${words[0]} `)))) {
          if (problem && !flags.help) throw usageError(problem.message, { program: ctx.program, field: problem.field });
          streams.stdout.write(topHelp(ctx, commands, { label: surface?.label, group: words[0], generic }));
          return 0;
        }
        if (!prov && ['auth', 'config'].includes(words[0])) {
          throw usageError(`Which backend? ${program} ${words.slice(0, 2).join(' ')} needs --provider codika|scripto.`, {
            program,
            field: 'provider',
            text: `Pass --provider: ${program} --provider codika ${words.map(shown).join(' ')} …`,
            run: `${program} --provider <codika|scripto> ${words.slice(0, 2).join(' ')}`,
          });
        }
        throw usageError(`Unknown command "${words.map(shown).join(' ')}".`, { program: ctx.program });
      }
      const extra = /** @type {Array<[string, string]>} */ ([]);
      if (generic) {
        extra.push(['provider', 'The backend: codika or scripto']);
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
      return await cmd.run(ctx, args);
    } catch (e) {
      const err = asKeymintError(e);
      ctx.out.error(err);
      return typeof err.exitCode === 'number' ? err.exitCode : 1;
    } finally {
      ctx.close();
    }
  }

  return Object.freeze({ program, provider, run });
}
