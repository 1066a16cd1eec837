// Talking to a person at a terminal: reading a line (the code, a choice) and a live countdown.
//
// One line reader serves the whole run, so two prompts in a row (the code, then the
// organization) never lose input typed ahead. The terminal stays in its normal (cooked) mode:
// it echoes and edits lines itself, we only read them. Prompts are written to stderr.

import * as readline from 'node:readline';
import { usageError } from './args.mjs';

export class Prompter {
  /**
   * @param {{stdin: NodeJS.ReadableStream, stderr: NodeJS.WritableStream, program: string}} io
   */
  constructor({ stdin, stderr, program }) {
    this.stdin = stdin;
    this.stderr = stderr;
    this.program = program;
    /** @type {readline.Interface|null} */
    this.rl = null;
    /** @type {string[]} */
    this.lines = [];
    /** @type {Array<(line: string|null) => void>} */
    this.waiting = [];
    this.closed = false;
  }

  #open() {
    if (this.rl) return;
    this.rl = readline.createInterface({ input: this.stdin, terminal: false, crlfDelay: Infinity });
    this.rl.on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    this.rl.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  /**
   * Ask and read one line (trimmed). A closed input (Ctrl-D) is a USAGE error.
   * @param {string} question @param {string} command for the error's help hint
   * @returns {Promise<string>}
   */
  async ask(question, command) {
    this.#open();
    this.stderr.write(question);
    /** @type {string|null} */
    let line;
    if (this.lines.length > 0) line = /** @type {string} */ (this.lines.shift());
    else if (this.closed) line = null;
    else line = await new Promise((resolve) => this.waiting.push(resolve));
    if (line === null) {
      this.stderr.write('\n');
      throw usageError('No answer was entered (the input was closed).', { program: this.program, command });
    }
    return line.trim();
  }

  close() {
    if (this.rl) {
      this.rl.close();
      this.rl = null;
      // readline resumed the stream; let the process exit.
      /** @type {any} */ (this.stdin).pause?.();
    }
  }
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
