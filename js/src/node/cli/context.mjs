// Everything one run of a CLI needs: its name, provider, environment, streams, the parsed
// flags, the profile store (opened on first use), output and prompts.

import { FileProfileStore, configPath } from '../profile-store.mjs';
import { Output } from './output.mjs';
import { Prompter } from './prompt.mjs';
import { usageError } from './args.mjs';
import { canonicalError } from '../../errors.mjs';
import { commandLine, hole } from './shell.mjs';
import { recordingFetch } from './sanitize.mjs';

/** How long a CLI waits for another process's lock on the profile file. */
const LOCK_TIMEOUT_MS = 20_000;

/** `codika` → `CODIKA`, `my-cli` → `MY_CLI`: the prefix of `<PREFIX>_API_KEY`. */
export function envPrefix(program) {
  return String(program).toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

export class Context {
  /**
   * @param {{cli: {program: string, provider?: string, defaults: Record<string, any>,
   *     fetch?: Function, timeoutMs?: number, version: string},
   *   io: {env: Record<string, string|undefined>, stdin: any, stdout: any, stderr: any},
   *   flags: Record<string, string|boolean>, command: string, provider?: string,
   *   spec?: Record<string, any>}} init
   */
  constructor({ cli, io, flags, command, provider, spec }) {
    this.cli = cli;
    this.env = io.env;
    this.stdin = io.stdin;
    this.stdout = io.stdout;
    this.stderr = io.stderr;
    this.flags = flags;
    /** The command words, e.g. `auth login-request`. */
    this.command = command;
    /**
     * The provider this run talks to, as the user names it (fixed by the wrapper, or
     * `--provider` for keymint): a preset name, or the path of a spec file.
     * @type {string|undefined}
     */
    this.provider = provider;
    /** The parsed provider spec when the provider is a spec (a file, or a wrapper's object). */
    this.spec = spec;
    /** @type {import('./surface.mjs').Surface|null} the surface once known */
    this.surface = null;
    this.json = flags.json === true;
    /** Prompts, countdowns: only with a person at a terminal, and never in --json mode. */
    this.interactive = !this.json && Boolean(io.stdin?.isTTY) && Boolean(io.stderr?.isTTY);
    this.out = new Output({ stdout: io.stdout, stderr: io.stderr, json: this.json });
    this.prompter = new Prompter({ stdin: io.stdin, stderr: io.stderr, program: () => this.program });
    /** @type {FileProfileStore|null} */
    this._store = null;
    /** @type {any} */
    this._fetch = undefined;
  }

  /**
   * The program as the user types it, for follow-up commands: `codika`, or for the generic
   * bin `keymint --provider codika`.
   */
  get program() {
    return commandLine(this.programWords);
  }

  /** The words of `program`. */
  get programWords() {
    if (this.cli.provider || !this.provider) return [this.cli.program];
    return [this.cli.program, '--provider', this.provider];
  }

  /**
   * A command to run next: the program, then `words`, each quoted (shell.mjs); placeholders
   * from hole() as they are. The one way a command for a nextAction or a "Then run" is made.
   * @param {Array<string|import('./shell.mjs').Hole>} words
   */
  run(...words) {
    return commandLine([...this.programWords, ...words]);
  }

  /** As run(), with the bare program name (profile commands need no --provider). @param {Array<any>} words */
  runBare(...words) {
    return commandLine([this.cli.program, ...words]);
  }

  /** What the library takes as `provider`: the preset name, or the spec object. */
  get providerValue() {
    return this.spec ?? this.provider;
  }

  /** The provider's name as profiles and pending flows record it (a spec's `name`). */
  get providerName() {
    return this.spec ? String(this.spec.name) : this.provider;
  }

  /** What a person runs to sign in, after the program name. */
  get signInHint() {
    return this.surface?.signInHint ?? 'auth login-request --email <your-email>';
  }

  get prefix() {
    return envPrefix(this.cli.program);
  }

  /** `<PREFIX>_API_KEY`, `<PREFIX>_BASE_URL`. @param {string} suffix */
  envName(suffix) {
    return `${this.prefix}_${suffix}`;
  }

  /** A non-empty environment variable, or undefined. @param {string} suffix */
  envValue(suffix) {
    const v = this.env[this.envName(suffix)];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  }

  store() {
    if (!this._store) {
      this._store = new FileProfileStore({ program: this.cli.program, env: this.env, lockTimeoutMs: LOCK_TIMEOUT_MS });
    }
    return this._store;
  }

  get configPath() {
    return configPath(this.cli.program, this.env);
  }

  /** Options for keymint's transport: an injected fetch, a timeout. */
  get runOpts() {
    // Every request goes through the recording fetch: the secrets it carries are masked in
    // whatever a server says back (sanitize.mjs).
    this._fetch ??= recordingFetch(this.cli.fetch ?? ((/** @type {any[]} */ ...a) => globalThis.fetch(...a)), this.out.secrets);
    const o = { fetch: this._fetch };
    if (this.cli.timeoutMs) o.timeoutMs = this.cli.timeoutMs;
    return o;
  }

  /** Remember a secret this run handles, so it is masked wherever it would be printed. @param {unknown} value @param {string} [shown] */
  secret(value, shown) {
    this.out.secrets.add(value, shown);
  }

  /** A string flag's value, or undefined. @param {string} name */
  str(name) {
    const v = this.flags[name];
    return typeof v === 'string' ? v : undefined;
  }

  /**
   * A string flag that must be there and not blank.
   * @param {string} name @param {string} example a placeholder, e.g. `<your-email>`
   * @param {string[]} [others] the rest of the command line (flag, value, …), for the hint
   */
  required(name, example, others = []) {
    const v = this.str(name);
    const run = this.run(...this.command.split(' '), ...others, `--${name}`, hole(example));
    if (name === 'email' && v !== undefined && v.trim() === '') {
      // Given but blank is the backend's EMAIL_REQUIRED, answered here as the core would.
      throw canonicalError({
        code: 'EMAIL_REQUIRED',
        message: 'An email address is required.',
        nextAction: { field: 'email', text: `Pass a valid email: ${run}`, command: run },
        details: { local: true },
      });
    }
    if (v === undefined || v.trim() === '') {
      throw usageError(`Missing --${name}: ${this.program} ${this.command} needs it.`, {
        program: this.program,
        command: this.command,
        field: name,
        text: `Pass --${name} ${example}: ${run}`,
        run,
      });
    }
    return v.trim();
  }

  usage(message, field) {
    return usageError(message, { program: this.program, command: this.command, field });
  }

  close() {
    this.out.endLive();
    this.prompter.close();
  }
}
