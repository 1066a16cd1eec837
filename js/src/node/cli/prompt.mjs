// Talking to a person at a terminal: reading a line (the code, a choice), reading a password
// without echo, and a live countdown.
//
// One reader serves the whole run, so prompts in a row (the password, then the 2FA code; the
// code, then the organization) never lose input typed ahead. For lines the terminal stays in
// its normal (cooked) mode: it echoes and edits lines itself, we only read them. For a
// password it is put in raw mode *before* the prompt is written (so nothing typed after the
// prompt appears is echoed) and restored right after; we do the editing (backspace, Ctrl-U)
// and Ctrl-C / Ctrl-D ourselves. Prompts are written to stderr.

import { StringDecoder } from 'node:string_decoder';
import { constants } from 'node:os';
import { canonicalError } from '../../errors.mjs';
import { usageError } from './args.mjs';
import { forTerminal } from './sanitize.mjs';

/** Longest line or password we keep (anything past it is dropped). */
const MAX_LINE = 4096;

export class Prompter {
  /**
   * @param {{stdin: any, stderr: NodeJS.WritableStream, program: string | (() => string)}} io
   */
  constructor({ stdin, stderr, program }) {
    this.stdin = stdin;
    this.stderr = stderr;
    this.programOf = typeof program === 'function' ? program : () => program;
    this.buf = '';
    this.ended = false;
    this.listening = false;
    /** A `\r` ended the last line: a `\n` right after it belongs to it. */
    this.skipLf = false;
    /** @type {(() => void)|null} */
    this.wake = null;
    this.decoder = new StringDecoder('utf8');
    this.onData = (/** @type {Buffer|string} */ d) => {
      this.buf += typeof d === 'string' ? d : this.decoder.write(d);
      this.#wakeUp();
    };
    this.onEnd = () => {
      this.ended = true;
      this.#wakeUp();
    };
  }

  get program() {
    return this.programOf();
  }

  #wakeUp() {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  #listen() {
    if (this.listening) return;
    this.listening = true;
    this.stdin.on('data', this.onData);
    this.stdin.on('end', this.onEnd);
    this.stdin.on('close', this.onEnd);
    this.stdin.resume?.();
  }

  /** Resolves when more input (or the end) arrives. */
  #more() {
    return new Promise((resolve) => { this.wake = () => resolve(undefined); });
  }

  /** Drop a `\n` that completes the `\r` which ended the previous line. */
  #dropLf() {
    if (this.skipLf && this.buf.length > 0) {
      if (this.buf[0] === '\n') this.buf = this.buf.slice(1);
      this.skipLf = false;
    }
  }

  /** @param {string} command */
  #closedError(command) {
    this.stderr.write('\n');
    return usageError('No answer was entered (the input was closed).', { program: this.program, command });
  }

  /**
   * Ask and read one line (trimmed). A closed input (Ctrl-D) is a USAGE error.
   * @param {string} question @param {string} command for the error's help hint
   * @returns {Promise<string>}
   */
  async ask(question, command) {
    this.#listen();
    this.stderr.write(forTerminal(question)); // it may name an email or organization a server gave
    for (;;) {
      this.#dropLf();
      const m = /\r|\n/.exec(this.buf);
      if (m) {
        const line = this.buf.slice(0, m.index);
        this.buf = this.buf.slice(m.index + 1);
        if (m[0] === '\r') this.skipLf = true;
        return line.slice(0, MAX_LINE).trim();
      }
      if (this.ended) {
        if (this.buf === '') throw this.#closedError(command);
        const line = this.buf;
        this.buf = '';
        return line.slice(0, MAX_LINE).trim();
      }
      await this.#more();
    }
  }

  /** Whether a password can be read without echo here. */
  get canHide() {
    return Boolean(this.stdin?.isTTY) && typeof this.stdin?.setRawMode === 'function';
  }

  /**
   * Ask for a secret without echo: nothing typed is shown. Backspace deletes, Ctrl-U clears,
   * Enter ends; Ctrl-C cancels (exit 130), Ctrl-D on an empty answer is a closed input.
   * Not trimmed: a password may start or end with a space.
   * @param {string} question @param {string} command
   * @returns {Promise<string>}
   */
  async askHidden(question, command) {
    if (!this.canHide) throw usageError('Cannot read a password without echo here.', { program: this.program, command });
    this.#listen();
    this.stdin.setRawMode(true);
    this.stderr.write(forTerminal(question));
    /** @type {string[]} */
    let chars = [];
    try {
      for (;;) {
        this.#dropLf();
        if (this.buf === '') {
          if (this.ended) {
            if (chars.length === 0) throw this.#closedError(command);
            break;
          }
          await this.#more();
          continue;
        }
        const ch = String.fromCodePoint(/** @type {number} */ (this.buf.codePointAt(0)));
        this.buf = this.buf.slice(ch.length);
        if (ch === '\r' || ch === '\n') {
          if (ch === '\r') this.skipLf = true;
          break;
        }
        if (ch === '\x03') {
          this.stderr.write('\n');
          // Exit as a shell reports a process killed by Ctrl-C (128 + SIGINT): a signal
          // convention, not an error code's policy, so it overrides the table's exit.
          throw canonicalError({
            code: 'USAGE',
            message: 'Cancelled.',
            exitCode: 128 + constants.signals.SIGINT,
            nextAction: { kind: 'none', text: '' },
          });
        }
        if (ch === '\x04') {
          if (chars.length === 0) throw this.#closedError(command);
          continue;
        }
        if (ch === '\x7f' || ch === '\b') chars.pop();
        else if (ch === '\x15') chars = [];
        else if (ch === '\x1b') this.buf = this.buf.replace(/^(\[[0-9;?]*[ -/]*[@-~]|O.)/, ''); // arrow keys and the like
        else if (ch >= ' ' && chars.length < MAX_LINE) chars.push(ch);
      }
    } finally {
      this.stdin.setRawMode(false);
    }
    this.stderr.write('\n');
    return chars.join('');
  }

  close() {
    if (this.listening) {
      this.listening = false;
      this.stdin.off('data', this.onData);
      this.stdin.off('end', this.onEnd);
      this.stdin.off('close', this.onEnd);
      // We resumed the stream; let the process exit.
      this.stdin.pause?.();
    }
  }
}

/**
 * Read all of stdin (for `--password-stdin`), at most `max` characters.
 * @param {any} stdin @param {number} [max]
 * @returns {Promise<string|null>} null when it is longer than `max`
 */
export function readAll(stdin, max = 65536) {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let text = '';
    let over = false;
    const onData = (/** @type {Buffer|string} */ d) => {
      if (over) return;
      text += typeof d === 'string' ? d : decoder.write(d);
      if (text.length > max) {
        over = true;
        text = '';
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.off('error', fail);
      stdin.pause?.();
      resolve(over ? null : text + decoder.end());
    };
    const fail = (/** @type {unknown} */ e) => {
      stdin.off('data', onData);
      stdin.off('end', done);
      reject(e);
    };
    stdin.on('data', onData);
    stdin.on('end', done);
    stdin.on('error', fail);
    stdin.resume?.();
  });
}

/**
 * Wait `seconds`, showing `render(left)` as a live line on a terminal (or once, otherwise).
 * @param {number} seconds
 * @param {{out: import('./output.mjs').Output, live: boolean, render: (left: number) => string}} opts
 */
export async function countdown(seconds, { out, live, render }) {
  const end = Date.now() + Math.max(0, seconds) * 1000;
  if (!live) out.note(render(Math.ceil(seconds)));
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) break;
    if (live) out.liveLine(render(Math.ceil(left / 1000)));
    const step = live ? left % 1000 || 1000 : left; // tick on whole seconds left
    await new Promise((r) => setTimeout(r, Math.min(left, step)));
  }
  out.endLive();
}
