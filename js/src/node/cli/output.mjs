// What the CLI prints, and where.
//
// - `--json`: stdout carries exactly one envelope, `{"success":true,"data":{…}}` or
//   `{"success":false,"error":{code, message, status?, providerCode?, nextAction, details?}}`,
//   and stderr stays silent, so an agent can parse stdout whatever happens.
// - Human mode: a command's result (the ✓ block the seeds show: "Sign-in code sent",
//   "Signed in", the profile table, whoami) goes to stdout, because it *is* the command's
//   output — `scripto whoami | grep Email` works, as with gh. Progress, prompts, countdowns,
//   warnings and errors go to stderr, so stdout never holds anything but the result.
// Nothing here should receive a raw key (callers pass masked values), and as a second line of
// defence every text passes through here once: secrets the run sent or received are masked
// (a server may echo them in its messages), and terminal output is stripped of control, C1,
// bidi and format characters while JSON keeps them escaped (sanitize.mjs says why).

import { isKeymintError, KeymintError, canonicalError } from '../../errors.mjs';
import { Redactor, forTerminal, jsonText } from './sanitize.mjs';

/**
 * Lines of `label: value`, the values aligned two spaces after the longest label, indented
 * by two: exactly the seed's `  Email:    you@example.com` / `  Profile:  you (now active)`.
 * @param {Array<[string, string]|null|undefined|false>} rows
 */
export function fields(rows) {
  const kept = /** @type {Array<[string, string]>} */ (rows.filter(Boolean));
  const width = Math.max(...kept.map(([label]) => label.length + 1)) + 2;
  return kept.map(([label, value]) => `  ${`${label}:`.padEnd(width)}${value}`);
}

/**
 * A table with a header row; columns separated by two spaces; no trailing spaces.
 * @param {string[]} header @param {string[][]} rows
 */
export function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? String(c ?? '') : String(c ?? '').padEnd(widths[i]))).join('  ').trimEnd());
}

/** Turn anything thrown into a KeymintError (a bug becomes UNKNOWN_ERROR, exit 1). */
export function asKeymintError(e) {
  if (isKeymintError(e)) return /** @type {KeymintError} */ (e);
  const message = e instanceof Error ? e.message : String(e);
  return canonicalError({
    code: 'UNKNOWN_ERROR',
    message: `Unexpected failure: ${message}`,
    nextAction: { text: 'Run the command again; if it keeps failing, report it with the output above.' },
  });
}

/** The envelope's `error` object: the fields the contract names, in a stable order. */
export function errorBody(e) {
  const out = { code: e.code, message: e.message };
  if (e.status !== undefined) out.status = e.status;
  if (e.providerCode !== undefined) out.providerCode = e.providerCode;
  out.nextAction = e.nextAction ?? { kind: 'none', text: '' };
  if (e.details !== undefined) out.details = e.details;
  return out;
}

export class Output {
  /**
   * @param {{stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, json: boolean,
   *   color?: boolean}} io
   */
  constructor({ stdout, stderr, json }) {
    this.stdout = stdout;
    this.stderr = stderr;
    this.json = json;
    /** The run's secrets, masked wherever they appear in what is printed. */
    this.secrets = new Redactor();
    /** Whether a live line (a countdown) is on stderr and must be cleared first. */
    this.live = false;
    /** Warnings waiting for a --json result's `warnings`. @type {string[]} */
    this.warnings = [];
  }

  /** One human line as it may reach a terminal. @param {unknown} line */
  clean(line) {
    return forTerminal(this.secrets.redact(String(line ?? '')));
  }

  /** The envelope, redacted, escaped. @param {object} envelope */
  #json(envelope) {
    this.stdout.write(`${jsonText(this.secrets.deep(envelope))}\n`);
  }

  /** @param {string} text */
  #err(text) {
    if (this.live) {
      this.stderr.write('\r\x1b[2K');
      this.live = false;
    }
    this.stderr.write(text);
  }

  /**
   * The command's result.
   * @param {object} data the envelope's data (no raw secret in it)
   * @param {string[]} lines the human rendering
   */
  result(data, lines) {
    if (this.json) {
      const warnings = [.../** @type {any} */ (data)?.warnings ?? [], ...this.warnings];
      this.#json({ success: true, data: warnings.length > 0 ? { ...data, warnings } : data });
    }
    else if (lines.length > 0) this.stdout.write(`${lines.map((l) => this.clean(l)).join('\n')}\n`);
  }

  /** Progress and notes for a person: stderr, never in --json mode. @param {string} text */
  note(text) {
    if (!this.json) this.#err(`${this.clean(text)}\n`);
  }

  /**
   * The one way the CLI warns: `! text` on stderr for a person, or with --json an entry of the
   * result's `warnings` (stdout keeps its one envelope, stderr stays silent). Text a server
   * gave is safe here: stderr gets it stripped of terminal controls and with the run's secrets
   * masked, the envelope gets it redacted and escaped.
   * @param {string} text
   */
  warn(text) {
    if (this.json) this.warnings.push(String(text));
    else this.note(`! ${text}`);
  }

  /** Rewrites one live line on a terminal (a countdown). @param {string} text */
  liveLine(text) {
    if (this.json) return;
    this.stderr.write(`\r\x1b[2K${this.clean(text)}`);
    this.live = true;
  }

  endLive() {
    if (this.live) {
      this.stderr.write('\r\x1b[2K');
      this.live = false;
    }
  }

  /**
   * A failure: the envelope on stdout in --json mode, else `✗ message (CODE)` and the next
   * action on stderr.
   * @param {KeymintError} e
   */
  error(e) {
    if (this.json) {
      this.#json({ success: false, error: errorBody(e) });
      return;
    }
    const lines = [`✗ ${e.message} (${e.code})`];
    const text = e.nextAction?.text;
    if (text) lines.push(`  ${text}`);
    else if (e.nextAction?.command) lines.push(`  Run: ${e.nextAction.command}`);
    this.#err(`${lines.map((l) => this.clean(l)).join('\n')}\n`);
  }
}
