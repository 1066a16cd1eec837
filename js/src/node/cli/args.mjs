// Command-line parsing for the keymint CLI and the wrappers built with createCli().
//
// A tiny strict parser rather than util.parseArgs (absent before Node 18.3, and its errors
// are not ours to word): `--flag value`, `--flag=value`, boolean `--flag`, `-h`, and `--`
// to end the flags. Every problem is a USAGE error (exit code 2) naming the command's --help.

import { canonicalError } from '../../errors.mjs';
import { maskSecret } from '../../mask.mjs';

/**
 * Every flag any command knows, with its type and how it is shown in help.
 * Which command accepts which is decided by each surface's command table.
 */
export const FLAGS = {
  email: { type: 'string', arg: '<email>' },
  code: { type: 'string', arg: '<code>' },
  company: { type: 'string', arg: '<name>' },
  description: { type: 'string', arg: '<text>' },
  'key-name': { type: 'string', arg: '<name>' },
  'key-expires-in': { type: 'string', arg: '<days>' },
  name: { type: 'string', arg: '<name>' },
  'profile-name': { type: 'string', arg: '<name>' },
  'organization-id': { type: 'string', arg: '<id>' },
  'base-url': { type: 'string', arg: '<url>' },
  'api-url': { type: 'string', arg: '<url>' },
  'api-key': { type: 'string', arg: '<key>' },
  profile: { type: 'string', arg: '<name>' },
  provider: { type: 'string', arg: '<name|file.json>' },
  purpose: { type: 'string', arg: '<signin|signup>' },
  'password-stdin': { type: 'boolean' },
  'api-key-stdin': { type: 'boolean' },
  'code-stdin': { type: 'boolean' },
  'totp-code': { type: 'string', arg: '<code>' },
  'totp-secret-env': { type: 'string', arg: '<VAR>' },
  wait: { type: 'boolean' },
  'no-wait': { type: 'boolean' },
  resume: { type: 'boolean' },
  'client-id': { type: 'string', arg: '<id>' },
  scope: { type: 'string', arg: '<scopes>' },
  resource: { type: 'string', arg: '<uri>' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
  version: { type: 'boolean' },
};

const SHORT = { h: 'help' };

/**
 * A word from the command line fit for a message: anything that looks like a key (a known
 * prefix, or long) is masked, so a key typed in the wrong place is never echoed.
 * @param {string} word
 */
export function shown(word) {
  const s = String(word);
  return /^(cko_|scripto_|cdt_)/.test(s) || /^(c?at_|c?rt_|ch_)[A-Za-z0-9]{12,}$/.test(s) || s.length > 64 ? maskSecret(s) : s;
}

/**
 * A USAGE error (exit code 2). Its next action is `text`/`command` when given, else the
 * command's --help.
 * @param {string} message
 * @param {{program: string, command?: string, field?: string, text?: string, run?: string}} where
 */
export function usageError(message, { program, command, field, text, run }) {
  const help = `${program}${command ? ` ${command}` : ''} --help`;
  return canonicalError({
    code: 'USAGE',
    message,
    nextAction: {
      ...(field ? { field } : {}),
      text: text ?? `See the usage with: ${help}`,
      command: run ?? help,
    },
  });
}

/**
 * Split argv into flags and words. Never throws: the first problem (an unknown flag, a string
 * flag with no value, a boolean flag given a value, a flag given twice) is returned, so the
 * caller can name the command it belongs to once the words are resolved.
 * @param {string[]} argv
 * @returns {{flags: Record<string, string|boolean>, words: string[],
 *   problem: {message: string, field?: string}|null}}
 */
export function tokenize(argv) {
  /** @type {Record<string, string|boolean>} */
  const flags = Object.create(null);
  /** @type {string[]} */
  const words = [];
  /** @type {{message: string, field?: string}|null} */
  let problem = null;
  const fail = (/** @type {string} */ message, /** @type {string} */ field) => {
    if (!problem) problem = field ? { message, field } : { message };
  };
  for (let i = 0; i < argv.length; i++) {
    const tok = String(argv[i]);
    if (tok === '--') {
      words.push(...argv.slice(i + 1).map(String));
      break;
    }
    if (!tok.startsWith('-') || tok === '-') {
      words.push(tok);
      continue;
    }
    let name;
    /** @type {string|undefined} */
    let inline;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      name = eq === -1 ? tok.slice(2) : tok.slice(2, eq);
      inline = eq === -1 ? undefined : tok.slice(eq + 1);
    } else {
      name = SHORT[tok.slice(1)];
      if (!name) {
        fail(`Unknown option ${shown(tok)}.`);
        continue;
      }
    }
    const spec = Object.prototype.hasOwnProperty.call(FLAGS, name) ? FLAGS[name] : undefined;
    if (!spec) {
      fail(`Unknown option --${name}.`);
      continue;
    }
    if (name in flags) fail(`--${name} was given more than once.`, name);
    if (spec.type === 'boolean') {
      if (inline !== undefined) fail(`--${name} takes no value.`, name);
      flags[name] = true;
      continue;
    }
    if (inline !== undefined) {
      flags[name] = inline;
      continue;
    }
    const next = argv[i + 1];
    // `--email --code 1` is a missing value, not an email called "--code".
    if (next === undefined || (String(next).startsWith('-') && String(next) !== '-')) {
      fail(`--${name} needs a value: --${name} ${spec.arg}.`, name);
      continue;
    }
    flags[name] = String(next);
    i++;
  }
  return { flags, words, problem };
}

/**
 * Check the parsed flags against one command: every flag must be one it accepts.
 * @param {Record<string, string|boolean>} flags
 * @param {string[]} accepted
 * @param {{program: string, command: string}} where
 */
export function checkFlags(flags, accepted, where) {
  for (const name of Object.keys(flags)) {
    if (!accepted.includes(name)) {
      throw usageError(`Unknown option --${name} for "${where.program} ${where.command}".`, where);
    }
  }
}
