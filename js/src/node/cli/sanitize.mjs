// What the CLI does with text it did not write (a server's messages, names, emails, ids) before
// showing it or storing it. The backend is not trusted (DESIGN.md, security model):
//
// - A terminal interprets control characters: ESC sequences clear the screen, set the window
//   title, write the clipboard (OSC 52) or make links (OSC 8); `\r` lets a later "✓ Signed in"
//   overwrite the real line; C1 (U+0080–U+009F, U+009B is a CSI) does the same on some
//   terminals; bidi overrides (U+202E), zero-width and other format characters make text read
//   differently from what it is. Every human line is stripped of all of them (forTerminal).
// - JSON keeps the values verbatim, but escapes those characters as \uXXXX (jsonText), so an
//   agent that cats the envelope to a terminal is as safe and a parser gets the same value.
// - Secrets keymint sent or received are replaced by their masked form in anything shown
//   (Redactor): a server that echoes the key in an error message does not get it printed.

import { maskSecret } from '../../mask.mjs';

/** Characters never shown raw: C0, DEL, C1, format (bidi, zero-width, BOM…), line/paragraph separators. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/** The same minus C0, which JSON.stringify escapes itself (and whose `\n` indents the output). */
const JSON_UNSAFE = /[\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}]/gu;
/** Whole escape sequences (CSI, OSC/DCS/APC/PM/SOS up to their terminator, two-byte ESC x), and C1 CSI. */
const SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -~]|\x9b[0-?]*[ -/]*[@-~]/g;

/**
 * One line of text fit for a terminal: escape sequences removed, tabs and line breaks made
 * spaces (a server's `\n` or `\r` cannot start a line of its own), other unsafe characters dropped.
 * @param {unknown} text
 */
export function forTerminal(text) {
  return String(text ?? '')
    .replace(SEQUENCE, '')
    .replace(/[\t\n\r\v\f\u2028\u2029\x85]/g, ' ')
    .replace(UNSAFE, '');
}

/**
 * JSON text (2-space indented) with every unsafe character escaped as \uXXXX. JSON.stringify
 * escapes C0 already; DEL, C1, bidi and other format characters it leaves raw. They can only
 * appear inside strings, where the escape means the same character.
 * @param {unknown} value @param {number} [indent] 0 for one line
 */
export function jsonText(value, indent = 2) {
  return JSON.stringify(value, null, indent).replace(JSON_UNSAFE, (ch) => {
    let out = '';
    for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}

/** Shell and terminal metacharacters an email a server hands us must not contain. */
const EMAIL_BAD = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp};&|$`\\"'<>(){}[\]*?!#~^,:]/u;

/**
 * Whether a server-provided email is plausible enough to store and to put in a command:
 * one `@` with something either side, at most 254 characters, and no whitespace, control,
 * format or shell metacharacter.
 * @param {unknown} email
 */
export function plausibleEmail(email) {
  if (typeof email !== 'string' || email.length > 254 || EMAIL_BAD.test(email)) return false;
  return /^[^@]+@[^@]+\.[^@]+$/.test(email) || /^[^@]+@localhost$/.test(email);
}

/**
 * A server-provided name or id as it may be stored: unsafe characters removed, at most 200
 * characters. Non-strings are dropped.
 * @param {unknown} v
 */
export function cleanText(v) {
  if (typeof v !== 'string') return undefined;
  return forTerminal(v).slice(0, 200);
}

/**
 * A server's organization as it may be stored: `{id, name, role?}` with clean strings.
 * @param {any} org
 */
export function cleanOrganization(org) {
  if (!org || typeof org !== 'object') return undefined;
  const out = {};
  for (const k of ['id', 'name', 'role']) {
    const v = cleanText(org[k]);
    if (v !== undefined) out[k] = v;
  }
  return out.id === undefined && out.name === undefined ? undefined : out;
}

/**
 * A server's user as it may be stored: `{id, email, name}`, the email only when plausible.
 * @param {any} user
 */
export function cleanUser(user) {
  if (!user || typeof user !== 'object') return undefined;
  const out = {};
  const id = cleanText(user.id);
  if (id !== undefined) out.id = id;
  if (plausibleEmail(user.email)) out.email = user.email;
  const name = cleanText(user.name);
  if (name !== undefined) out.name = name;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The first plausible email of `candidates` (server answers first, the typed one last). @param {unknown[]} candidates */
export function firstEmail(...candidates) {
  return /** @type {string|undefined} */ (candidates.find(plausibleEmail));
}

/**
 * What whoami may print of the identity a backend returns, per provider (docs/cli.md,
 * shared/protocols): Codika {organization, user, key}, Scripto {userId, email, keyId,
 * keyName}, Better Auth's user, the sessions API's {user, session}, CODITECT's me. Only these
 * fields, only scalars (and a key's scopes): never the server's object spread, which would
 * print whatever it adds (an echoed key, `key.value`).
 */
const IDENTITY = {
  id: 1, userId: 1, email: 1, name: 1, keyId: 1, keyName: 1, emailVerified: 1,
  createdAt: 1, updatedAt: 1, avatar_url: 1, created_at: 1,
  user: { id: 1, email: 1, name: 1, emailVerified: 1 },
  organization: { id: 1, name: 1, role: 1 },
  key: { id: 1, name: 1, prefix: 1, scopes: 'list', expiresAt: 1 },
  session: { id: 1, expiresAt: 1 },
};

/** @param {any} value @param {Record<string, any>} shape */
function pick(value, shape) {
  const out = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [k, rule] of Object.entries(shape)) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    const v = value[k];
    if (rule === 1 && (v === null || ['string', 'number', 'boolean'].includes(typeof v))) out[k] = v;
    else if (rule === 'list' && Array.isArray(v)) out[k] = v.filter((x) => typeof x === 'string');
    else if (typeof rule === 'object' && v && typeof v === 'object' && !Array.isArray(v)) out[k] = pick(v, rule);
  }
  return out;
}

/** The allow-listed identity fields of a whoami / me answer (values verbatim). @param {any} me */
export function identityFields(me) {
  return pick(me, IDENTITY);
}

/** Secrets shorter than this are not registered (a 6-digit code is the shortest we send). */
const MIN_SECRET = 6;

/**
 * The run's secrets (keys, tokens, codes, the password: whatever keymint sent or received) and
 * what each is shown as. `redact` replaces every one of them in a text, longest first.
 */
export class Redactor {
  constructor() {
    /** @type {Map<string, string>} */
    this.secrets = new Map();
    /** @type {string[]|null} longest first, rebuilt after an add */
    this.order = null;
  }

  /**
   * @param {unknown} value a raw secret (a Secret's reveal(), a header value…)
   * @param {string} [shown] what to show instead (default: its mask)
   */
  add(value, shown) {
    if (typeof value !== 'string' || value.length < MIN_SECRET || this.secrets.has(value)) return;
    this.secrets.set(value, shown ?? (maskSecret(value) || '••••••••'));
    this.order = null;
  }

  /** @param {string} text */
  redact(text) {
    if (this.secrets.size === 0 || typeof text !== 'string') return text;
    this.order ??= [...this.secrets.keys()].sort((a, b) => b.length - a.length);
    let out = text;
    for (const s of this.order) if (out.includes(s)) out = out.split(s).join(/** @type {string} */ (this.secrets.get(s)));
    return out;
  }

  /**
   * A copy of a JSON-like value with every string redacted (object keys kept).
   * @template T @param {T} value @returns {T}
   */
  deep(value) {
    if (this.secrets.size === 0) return value;
    const walk = (/** @type {any} */ v) => {
      if (typeof v === 'string') return this.redact(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      }
      return v;
    };
    return walk(value);
  }
}

/** Field names whose values keymint sends as secrets (apiKey, code, password, refreshToken…). */
const SENT_FIELD = /(?:^|[_-])(?:token|key|secret|password|code|otp)$|(?:Token|Key|Secret|Password|Code|Otp)$/;
/** Field names whose values a server hands out as secrets (token, key, value, accessToken…). */
const RECEIVED_FIELD = /(?:^|[_-])(?:token|key|secret|value)$|(?:Token|Key|Secret)$/;
/** Headers that carry credentials. */
const SECRET_HEADER = /key|token|secret|auth|cookie/i;
/** How much of an answer is looked at for secrets (the transport refuses more anyway). */
const PEEK_BYTES = 1024 * 1024;

/**
 * Add the string values of `fields` matching `names` (any depth) to the redactor.
 * @param {Redactor} into @param {unknown} value @param {RegExp} names @param {number} min
 */
function collect(into, value, names, min) {
  const walk = (/** @type {any} */ v, /** @type {string} */ k, /** @type {number} */ depth) => {
    if (depth > 8) return;
    if (typeof v === 'string') {
      if (names.test(k) && v.length >= min && !/\s/.test(v)) into.add(v);
    } else if (v && typeof v === 'object') {
      for (const [kk, vv] of Object.entries(v)) walk(vv, Array.isArray(v) ? k : kk, depth + 1);
    }
  };
  walk(value, '', 0);
}

/** A request or response body as an object, when it is JSON or a form. @param {string} text */
function parsed(text) {
  try {
    return JSON.parse(text);
  } catch {
    return /^[^\s=&]+=[^\s]*$/.test(text) ? Object.fromEntries(new URLSearchParams(text)) : null;
  }
}

/** Cookie attributes, whose values are no secret. */
const COOKIE_ATTRIBUTE = /^(?:expires|max-age|path|domain|samesite|secure|httponly|partitioned|priority)$/i;

/** @param {Redactor} into @param {string} value a token, if it looks like one */
function addToken(into, value) {
  if (value.length >= 8 && !/\s/.test(value)) into.add(value);
}

/** @param {Redactor} into @param {Headers} headers */
function collectHeaders(into, headers) {
  for (const [name, value] of headers) {
    if (!SECRET_HEADER.test(name)) continue;
    if (!/cookie/i.test(name)) {
      addToken(into, value.replace(/^(?:Bearer|Basic|Token)\s+/i, ''));
      continue;
    }
    for (const part of value.split(/[;,]\s*/)) {
      const eq = part.indexOf('=');
      if (eq <= 0 || COOKIE_ATTRIBUTE.test(part.slice(0, eq).trim())) continue;
      const v = part.slice(eq + 1);
      let decoded = v;
      try {
        decoded = decodeURIComponent(v);
      } catch {
        // not percent-encoded
      }
      for (const t of [v, decoded, decoded.split('.')[0]]) addToken(into, t); // a signed cookie is token.signature
    }
  }
}

/** At most PEEK_BYTES of a clone of the answer, or null. @param {Response} res */
async function peek(res) {
  const body = res.clone().body;
  if (!body) return null;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (let n = 0; ;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    n += value.byteLength;
    if (n > PEEK_BYTES) {
      reader.cancel().catch(() => {});
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * A fetch that remembers every secret it carries: credential headers, secret-named fields of
 * the request (URL query and body) and of the answer (JSON body, cookies). The CLI's requests
 * all go through it (Context.runOpts), so a token only the flow saw (Better Auth's session
 * token, sent as a bearer to mint the key) is masked when a server's message repeats it.
 * @param {Function} inner the fetch to call
 * @param {Redactor} into
 * @returns {typeof fetch}
 */
export function recordingFetch(inner, into) {
  return /** @type {any} */ (async (/** @type {any} */ input, /** @type {any} */ init = {}) => {
    try {
      const url = new URL(typeof input === 'string' ? input : input?.url ?? String(input));
      collect(into, Object.fromEntries(url.searchParams), SENT_FIELD, 6);
      collectHeaders(into, new Headers(init.headers ?? input?.headers ?? {}));
      if (typeof init.body === 'string') collect(into, parsed(init.body), SENT_FIELD, 6);
    } catch {
      // an input we cannot read: nothing to remember
    }
    const res = await inner(input, init);
    try {
      if (typeof res?.clone === 'function') {
        collectHeaders(into, new Headers([...res.headers].filter(([n]) => n === 'set-cookie')));
        const text = await peek(res);
        if (text) collect(into, parsed(text), RECEIVED_FIELD, 8);
      }
    } catch {
      // the transport reports a broken answer itself
    }
    return res;
  });
}
