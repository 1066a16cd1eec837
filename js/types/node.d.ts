// Public types of `keymint/node`: keymint/sessions' (the default API and the session family),
// the profile stores, and createCli().
import type { ProfileStoreBase, StoreDocument } from './stores.js';
import type { ProviderSpec } from './index.js';
export * from './sessions.js';
export type { Profile, StoreDocument, ProfileStoreBase } from './stores.js';
export { MemoryProfileStore, profileNameFromEmail, profileNameFromOrganization, isValidProfileName } from './stores.js';

/**
 * Profiles in one JSON file per program: `$XDG_CONFIG_HOME/<program>/config.json`, else
 * `~/.config/<program>/config.json`. Directory 0700, file 0600, atomic writes under a lock file;
 * a corrupt file is never overwritten (CONFIG_CORRUPT). A directory or file another user could
 * have planted (not yours or root's, writable by group or others, a symlink) is refused:
 * CONFIG_UNREADABLE with `details.reason`.
 */
export declare class FileProfileStore extends ProfileStoreBase {
  constructor(opts: {
    program?: string;
    path?: string;
    env?: Record<string, string | undefined>;
    lockTimeoutMs?: number;
    staleLockMs?: number;
  });
  readonly program?: string;
  /** Absolute path of the profile file. */
  readonly path: string;
  readonly dir: string;
  readonly lockPath: string;
  /** update() with this call's own wait for the lock (e.g. longer once a key exists). */
  update<R>(fn: (doc: StoreDocument) => R | Promise<R>, opts?: { lockTimeoutMs?: number }): Promise<Awaited<R>>;
  /** Throws what update() would (directory, lock, file, a write next to it) and changes nothing. */
  checkWritable(opts?: { lockTimeoutMs?: number }): Promise<StoreDocument>;
}

/** Where `program` keeps its profiles (XDG_CONFIG_HOME respected). */
export declare function configPath(program: string, env?: Record<string, string | undefined>): string;

export interface CliConfig {
  /** The command's name, e.g. `codika`: its config directory and `<PROGRAM>_API_KEY` prefix. */
  program: string;
  /**
   * The backend this CLI talks to: a preset, or a provider spec object (docs/custom-provider.md,
   * validated at once: a bad spec throws a TypeError naming the field). Omitted, every run
   * takes `--provider <preset|file.json>`. The surface follows the backend: email code → API key
   * (codika, scripto, better-auth, a spec with `credential.apiKey`), email code → session
   * (sessions, a spec with `credential.accessToken`), password + TOTP → session (coditect).
   */
  provider?: CliProvider | ProviderSpec;
  /** The wrapper's own version, shown by `--version`. */
  version?: string;
  defaults?: {
    /** The backend URL when no flag, profile or `<PROGRAM>_BASE_URL` names one. */
    baseUrl?: string;
  };
  /** A fetch to use instead of the global one. */
  fetch?: (url: string, init?: any) => Promise<any>;
  /** Per-request timeout in milliseconds (default 30 000). */
  timeoutMs?: number;
}

export type CliProvider = 'codika' | 'scripto' | 'sessions' | 'coditect' | 'better-auth';

export interface CliIo {
  env?: Record<string, string | undefined>;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface Cli {
  readonly program: string;
  /** The preset name, or the spec's `name`; undefined for a CLI that takes `--provider`. */
  readonly provider?: string;
  /**
   * Runs one command line. Resolves to the exit code: 0 ok; 2 usage or bad input; 3 code
   * rejected; 4 throttled; 5 account state; 6 network or server; 130 a password prompt
   * cancelled with Ctrl-C; 1 anything else. `stdin` is read only for prompts at a terminal
   * and for `--password-stdin`.
   */
  run(argv?: string[], io?: CliIo): Promise<number>;
}

/** A wrapper's command line: `process.exitCode = await createCli({...}).run(process.argv.slice(2))`. */
export declare function createCli(config: CliConfig): Cli;
