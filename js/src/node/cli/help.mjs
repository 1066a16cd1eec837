// Help texts, generated from the command tables.

import { FLAGS } from './args.mjs';
import { PROVIDER_ROWS } from './providers.mjs';

/**
 * Fill {program}, {PREFIX} and {config} in a help text.
 * @param {string} text @param {import('./context.mjs').Context} ctx
 */
function fill(text, ctx) {
  return text
    .replaceAll('{program}', ctx.program)
    .replaceAll('{PREFIX}', ctx.prefix)
    .replaceAll('{config}', ctx.configPath);
}

const TAGLINE = {
  key: 'sign up and sign in by email code, and keep the API key',
  session: 'sign in by email code, and keep the session',
  password: 'sign in with a password (and a 2FA code), and keep the session',
};

/** @param {Array<[string, string]>} rows */
function columns(rows) {
  const width = Math.max(...rows.map(([a]) => a.length)) + 3;
  return rows.map(([a, b]) => `  ${a.padEnd(width)}${b}`.trimEnd());
}

/** @param {string} name */
function flagLabel(name) {
  if (name === 'help') return '-h, --help';
  const spec = /** @type {any} */ (FLAGS)[name];
  return spec?.type === 'string' ? `--${name} ${spec.arg}` : `--${name}`;
}

/**
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Command} cmd
 * @param {Array<[string, string]>} extraFlags flags the generic bin adds
 */
export function commandHelp(ctx, cmd, extraFlags) {
  const lines = [`Usage: ${ctx.program} ${cmd.path}${cmd.usage ? ` ${cmd.usage}` : ''}`, '', `${cmd.summary}.`];
  if (cmd.description) lines.push('', fill(cmd.description, ctx));
  const flags = [...cmd.flags.filter(([n]) => n !== 'json' && n !== 'help'), ...extraFlags, ...cmd.flags.filter(([n]) => n === 'json' || n === 'help')];
  const rows = flags.flatMap(([n, text]) => (n === 'provider'
    ? PROVIDER_ROWS
    : /** @type {Array<[string, string]>} */ ([[flagLabel(n), fill(text, ctx)]])));
  lines.push('', 'Options:', ...columns(rows));
  return `${lines.join('\n')}\n`;
}

/**
 * @param {import('./context.mjs').Context} ctx
 * @param {import('./surface.mjs').Command[]} commands
 * @param {{label?: string, group?: string, generic?: boolean}} o
 */
export function topHelp(ctx, commands, { label, group, generic }) {
  const shown = group ? commands.filter((c) => c.path.startsWith(`${group} `)) : commands;
  const usage = generic && !ctx.provider
    ? `Usage: ${ctx.cli.program} --provider <name|file.json> ${group ? `${group} ` : ''}<command> [options]`
    : `Usage: ${ctx.program} ${group ? `${group} ` : ''}<command> [options]`;
  const lines = [
    `${ctx.cli.program} — ${TAGLINE[ctx.surface?.kind ?? 'key']}, from a terminal${label ? ` (${label})` : ''}.`,
    '',
    usage,
    '',
    'Commands:',
    // `mcp` is not a command of a surface (it serves them all as tools): listed here.
    ...columns([...shown.map((c) => [c.path, c.summary]), ...(group ? [] : [['mcp', 'Serve these flows as MCP tools for agents, on stdio']])]),
    ...(generic && !ctx.provider && !group
      ? [
        '',
        'With --provider, the sign-in commands too (see `keymint --provider codika --help`):',
        '  codika        auth signup-request, auth signup-complete, auth login-request, auth login-complete, config set',
        '  scripto       auth login-request, auth login-complete, config set',
        '  sessions      auth login-request, auth login-complete (--purpose signin|signup), auth refresh',
        '  coditect      auth register, auth login (--password-stdin, --totp-code, --totp-secret-env), auth refresh, config set',
        '  better-auth   auth login-request, auth login-complete, config set',
        '  pocketbase    auth login-request, auth login-complete, auth refresh, config set',
        '  <file.json>   the commands of the flows the spec describes',
      ].map((l) => l.replaceAll('keymint', ctx.cli.program))
      : []),
    '',
    'Options:',
    ...columns([
      ...(generic ? /** @type {Array<[string, string]>} */ ([
        ...(ctx.provider ? [['--provider <name|file.json>', 'The backend to talk to (see --help without --provider)']] : PROVIDER_ROWS),
        ['--base-url <url>', 'The backend URL (default: the provider\'s, or {PREFIX}_BASE_URL)'],
      ]) : []),
      ['--json', 'Print one JSON envelope on stdout and nothing else'],
      ['-h, --help', 'Show help (also after any command)'],
      ['--version', 'Show the version'],
    ].map(([a, b]) => [a, fill(b, ctx)])),
    '',
    ctx.surface?.kind === 'session' || ctx.surface?.kind === 'password'
      ? `The session a command uses: --profile, else the active profile${ctx.surface.apiKeys ? ` (whoami also takes an API token: --api-key, ${ctx.prefix}_API_KEY)` : ''}.`
      : `The API key a command uses, first found: --api-key, ${ctx.prefix}_API_KEY, --profile, the active profile.`,
    `Profiles are kept in ${ctx.configPath}.`,
    `Run \`${ctx.program} <command> --help\` for a command's options.`,
  ];
  return `${lines.join('\n')}\n`;
}
