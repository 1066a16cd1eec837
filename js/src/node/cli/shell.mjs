// Every command line the CLI prints (a nextAction's `command`, "Then run: …") is built here,
// from words, by one quoting function. Agents run these with `sh -c`, so nothing a server or a
// user typed may reach them unquoted: an email like `ops@example.com; touch PWNED #` must stay
// one argument. The rule is the core's `push_arg` (src/render.rs), so a command the core renders
// and one the CLI renders quote alike: a word made only of ASCII letters, digits and
// `_@%+=:,./-` goes as it is; anything else (the empty word included) in single quotes, with
// each `'` written `'\''`.

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A placeholder the reader fills in (`<6-digit-code>`): printed as it is, never quoted. */
class Hole {
  /** @param {string} text */
  constructor(text) {
    this.text = text;
  }
}

/**
 * A placeholder word, e.g. `hole('<6-digit-code>')`. Only the CLI's own constant texts are
 * placeholders; a value that merely looks like one (an email `<x>`) is quoted.
 * @param {string} text
 */
export function hole(text) {
  return new Hole(text);
}

/** One word as `sh` must see it. @param {string} word */
export function shellWord(word) {
  const w = String(word);
  return PLAIN.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line for these words: each quoted by shellWord, placeholders as they are.
 * @param {Array<string|Hole>} words
 */
export function commandLine(words) {
  return words.map((w) => (w instanceof Hole ? w.text : shellWord(w))).join(' ');
}

/**
 * A hint like `auth login-request --email <your-email>` (a surface's constant) as words, with
 * `<your-email>` replaced by `email` when it is known; other `<…>` words stay placeholders.
 * @param {string} hint @param {string} [email]
 * @returns {Array<string|Hole>}
 */
export function hintWords(hint, email) {
  return hint.split(' ').filter(Boolean).map((w) => {
    if (w === '<your-email>' && email !== undefined && email !== null && email !== '') return String(email);
    return /^<[^<>]+>$/.test(w) ? hole(w) : w;
  });
}
