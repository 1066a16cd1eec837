// @ts-check
// Secrets kept off the command line, where every local user can read them (`ps`, /proc):
//
//   --api-key-stdin     the API key from stdin (its first non-blank line), instead of --api-key
//   <PREFIX>_API_KEY    the API key from the environment: whoami reads it itself; `config set`
//                       takes it here when no --api-key is given
//   --code-stdin        the one-time code from stdin, instead of --code
//   <PREFIX>_CODE       the one-time code from the environment, when neither flag is given
//
// Every command that takes --api-key (or --code) also takes the -stdin form. An --api-key on
// the command line still works, with a warning: `! …` on stderr in human mode, an entry of
// `warnings` in the --json data (stdout keeps its one envelope, stderr stays silent).
// Nothing here prints a secret.

import { readAll } from './prompt.mjs';

/** The most stdin may hold for a secret. */
const MAX_STDIN = 65536;

/**
 * The -stdin flags a command takes: those of the secrets it takes.
 * @param {{flags: Array<[string, string]>}} cmd
 * @returns {Array<[string, string]>}
 */
export function secretInputFlags(cmd) {
  const takes = (/** @type {string} */ n) => cmd.flags.some(([f]) => f === n);
  /** @type {Array<[string, string]>} */
  const extra = [];
  if (takes('api-key')) extra.push(['api-key-stdin', 'Read the API key from stdin (keeps it out of the process list)']);
  if (takes('code')) extra.push(['code-stdin', 'Read the code from stdin (keeps it out of the process list)']);
  return extra;
}

/**
 * The one reader of a secret from stdin (`--<what>-stdin`): never a terminal, at most 64 KiB.
 * By default its first non-blank line, trimmed (a key or a code); with `whole`, all of stdin
 * but one trailing newline (a password may begin or end with spaces).
 * @param {import('./context.mjs').Context} ctx @param {string} flag e.g. 'api-key-stdin'
 * @param {{whole?: boolean, ttyHint?: string}} [o] ttyHint: what to do instead at a terminal
 * @returns {Promise<string>}
 */
export async function readStdinSecret(ctx, flag, { whole = false, ttyHint = '' } = {}) {
  if (ctx.stdin?.isTTY) {
    throw ctx.usage(`--${flag} reads from a pipe or a file, not a terminal: e.g. ${ctx.cli.program} … --${flag} < file${ttyHint}.`, flag);
  }
  const text = await readAll(ctx.stdin, MAX_STDIN);
  if (text === null) throw ctx.usage(`stdin is too long for --${flag} (over 64 KiB).`, flag);
  const value = whole
    ? text.replace(/\r?\n$/, '')
    : text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '');
  if (value === undefined || value === '') throw ctx.usage(`--${flag} read nothing: stdin was empty.`, flag);
  return value;
}

/**
 * Resolve the secret inputs into ctx.flags before the command runs: read --api-key-stdin or
 * --code-stdin, fall back to the environment, and warn about an --api-key on the command line.
 * @param {import('./context.mjs').Context} ctx
 * @param {{flags: Array<[string, string]>}} cmd
 */
export async function applySecretInputs(ctx, cmd) {
  const f = ctx.flags;
  const takes = (/** @type {string} */ n) => cmd.flags.some(([name]) => name === n);
  const stdinFor = ['api-key', 'code'].filter((n) => f[`${n}-stdin`] === true);
  if (stdinFor.length > 1) {
    throw ctx.usage('--api-key-stdin and --code-stdin cannot both read stdin: pass the other one in its environment variable.', 'code-stdin');
  }
  if (typeof f['api-key'] === 'string' && takes('api-key')) {
    ctx.out.warn(`--api-key puts the key in the process list, where other users of this machine can read it; use --api-key-stdin or ${ctx.envName('API_KEY')} instead.`);
  }
  for (const name of stdinFor) {
    const flag = `${name}-stdin`;
    if (typeof f[name] === 'string') throw ctx.usage(`--${name} and --${flag} were both given: pass one of them.`, flag);
    f[name] = await readStdinSecret(ctx, flag, { ttyHint: name === 'code' ? ', or leave it out to be asked for the code' : '' });
    delete f[flag];
  }
  if (f.code === undefined && takes('code')) {
    const code = ctx.envValue('CODE');
    if (code !== undefined) f.code = code;
  }
  if (f['api-key'] === undefined && takes('api-key') && ctx.command === 'config set') {
    const key = ctx.envValue('API_KEY');
    if (key !== undefined) f['api-key'] = key;
  }
}
