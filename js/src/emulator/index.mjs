// The keymint emulator: one zero-dependency `node:http` server that serves every
// registered backend at the same base URL (their paths do not collide), plus
// development routes under /__keymint/ to read the outbox, move the clock,
// inject faults and reset. It is what the package's tests, `make demo` and
// wrappers' own test suites talk to instead of the real services.
//
// BACKEND FACTORY INTERFACE — one file per backend in ./backends/:
//
//   export default function createX(ctx) {
//     return {
//       name: 'x',
//       routes: [{ method: 'POST', path: '/api/...', handler: async (req) => response }],
//       devRoutes: [{ method: 'POST', path: '/__keymint/x/...', handler }],   // optional
//       reset() {},                                                           // drop all state
//     };
//   }
//
//   ctx = {
//     now(),                                   // emulator clock in ms: drives every expiry and window
//     deliver({ email, code, backend, purpose }), // "email" a code: recorded in the outbox
//     randomCode(),                            // 6 crypto-random digits
//     randomToken(prefix, len),                // prefix + len crypto-random base62 characters
//     deviceIntervalSeconds,                   // the device backend's polling interval (option; default 5)
//   }
//   req = {
//     method, path,
//     query,    // URLSearchParams
//     headers,  // object, lower-cased names
//     body,     // raw string ('' when absent)
//     json,     // the parsed body when it is a JSON object, else undefined
//     form,     // URLSearchParams when content-type is application/x-www-form-urlencoded, else undefined
//     ip,       // socket address, or the first X-Forwarded-For entry when trustForwardedFor
//   }
//   response = { status, json?, text?, headers? }   // json wins over text; neither = empty body
//
// Routing is by exact method + path: an unknown path (or HEAD) answers 404, a known path
// with another method 405. Bodies over 1 MiB answer 413.
//
// It is a development tool holding every code it "emailed" and every header it was sent:
// - CORS is granted only to loopback pages (http://127.x.y.z, http://localhost, http://[::1],
//   any port) and the origins in `allowOrigins`; any other Origin gets no
//   Access-Control-Allow-Origin, so a web page cannot read the outbox or the request log.
// - Bound to a loopback address, it refuses a Host header naming anything but loopback
//   (403): a DNS-rebinding page cannot reach it as its own origin either.
// - Every answer carries `X-Keymint-Emulator: 1`, and the secrets it mints carry
//   EMULATOR_MARKER in their random part (see below).
// - Binding anything but a loopback address prints a warning on stderr.

import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { appendFileSync } from 'node:fs';
import { normalizeEmail, randomBase62, randomCode } from './util.mjs';
import createScripto from './backends/scripto.mjs';
import createCodika from './backends/codika.mjs';
import createSessions from './backends/sessions.mjs';
import createCoditect from './backends/coditect.mjs';
import createDevice from './backends/device.mjs';
import createPatterns from './backends/patterns.mjs';

const MAX_BODY = 1024 * 1024;
// A client that keeps sending past the cap is cut off; up to here we drain quietly so the
// client reads our 413 instead of failing on a reset while still uploading.
const MAX_DRAIN = 16 * MAX_BODY;
const JSON_TYPE = 'application/json; charset=utf-8';
const DEV_PREFIX = '/__keymint/';
const FAULT_KINDS = new Set(['delay', 'html502', 'truncate', 'reset', 'hang', 'huge', 'wrong-type', 'missing-field']);

// Raw keys and tokens the emulator mints (not ids). With KEYMINT_SECRETS_LOG set,
// each is appended there so a test can prove none of them ever reached any output.
const SECRET_PREFIXES = /^(scripto_|cko_|cdt_|at_|rt_|cat_|crt_|dc_|pst_|dtk_|pss_)/;
function recordSecret(prefix, value) {
  const log = process.env.KEYMINT_SECRETS_LOG;
  if (log && SECRET_PREFIXES.test(prefix)) appendFileSync(log, value + '\n');
  return value;
}

/**
 * Every key and token the emulator mints has these characters right after the first
 * 8 random ones: `cko_` + 8 random + `KMEMU` + 27 random. The prefixes stay the
 * protocols' own (masking, the CLIs and the contract tests depend on them), as do the
 * length and the base62 alphabet; the first characters (Codika's `keyPrefix`) and the
 * last four (the masked form) stay random. A scanner or a person can tell an emulator
 * key from a production one: see isEmulatorSecret.
 */
export const EMULATOR_MARKER = 'KMEMU';
const MARK_AT = 8;

/** A secret of `len` random base62 characters after `prefix`, with the marker inside. */
function mintSecret(prefix, len) {
  if (!SECRET_PREFIXES.test(prefix) || len < MARK_AT + EMULATOR_MARKER.length + 4) return prefix + randomBase62(len);
  return prefix + randomBase62(MARK_AT) + EMULATOR_MARKER + randomBase62(len - MARK_AT - EMULATOR_MARKER.length);
}

/** True for a key or token this emulator minted (its marker after the prefix's first 8 characters). */
export function isEmulatorSecret(value) {
  const m = /^(scripto_|cko_|cdt_(?:live|test)_|at_|rt_|cat_|crt_|dc_|pst_|dtk_|pss_)([A-Za-z0-9]+)$/.exec(String(value));
  return m !== null && m[2].slice(MARK_AT, MARK_AT + EMULATOR_MARKER.length) === EMULATOR_MARKER;
}

// Loopback only, as the core's rule for plain http: literal 127.0.0.0/8, [::1], localhost.
const LOOPBACK_HOST = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\]|::1)$/i;
const LOOPBACK_ORIGIN = /^http:\/\/(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(?::\d{1,5})?$/;
const LOOPBACK_HOST_HEADER = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(?::\d{1,5})?$/i;

/** Whether `host` (an address to bind) is a loopback address. */
export function isLoopbackHost(host) {
  return LOOPBACK_HOST.test(String(host));
}

/** The stderr warning for an emulator reachable from other machines. */
function exposedWarning(url) {
  return [
    '',
    `keymint emulator: WARNING: listening on ${url}, which is NOT a loopback address.`,
    '  Anyone who can reach this machine can read every code in the outbox, every request',
    '  header sent here (including any real key), move the clock and mint keys.',
    '  Bind 127.0.0.1 (the default) unless this is on purpose, on a network you trust.',
    '',
    '',
  ].join('\n');
}

/** @type {Map<string, (ctx: object) => object>} */
const registry = new Map([
  ['scripto', createScripto],
  ['codika', createCodika],
  ['sessions', createSessions],
  ['coditect', createCoditect],
  ['device', createDevice],
  ['patterns', createPatterns],
]);

/** Adds a backend factory; `startEmulator` serves every registered one by default. */
export function registerBackend(name, factory) {
  if (registry.has(name)) throw new Error(`emulator backend "${name}" is already registered`);
  registry.set(name, factory);
}

/**
 * `allowOrigins`: browser origins granted CORS besides loopback pages (exact strings,
 * e.g. 'chrome-extension://abc…' or 'https://dev.example.test').
 * `deviceIntervalSeconds`: the polling interval the device backend hands out (default 5, as
 * RFC 8628 suggests); a suite sets 1 to drive a device flow without waiting 5 s a poll.
 * @param {{port?: number, host?: string, trustForwardedFor?: boolean, backends?: string[], allowOrigins?: string[], frozenAt?: number, deviceIntervalSeconds?: number}} [options]
 */
export async function startEmulator(options = {}) {
  const { port = 0, host = '127.0.0.1', trustForwardedFor = false } = options;
  const names = options.backends ?? [...registry.keys()];
  const extraOrigins = new Set();
  for (const o of options.allowOrigins ?? []) {
    if (typeof o !== 'string' || o === '' || o === '*' || o === 'null') {
      throw new TypeError('allowOrigins takes exact origins such as "https://app.example.test" (not "*" or "null")');
    }
    extraOrigins.add(o.replace(/\/+$/, ''));
  }
  /** @param {string|undefined} origin */
  const originAllowed = (origin) => origin !== undefined && (LOOPBACK_ORIGIN.test(origin) || extraOrigins.has(origin));
  const loopbackBind = isLoopbackHost(host);

  let clockOffset = 0;
  const sent = [];
  const requests = [];
  let faults = [];
  /** Stored 2xx answers by path + Idempotency-Key, replayed to retries. */
  const replays = new Map();

  // `frozenAt` (ms) stops the clock there: only advance() moves it, so tests
  // that assert exact retry seconds never race the wall clock.
  const base = options.frozenAt;
  const ctx = {
    now: () => (base === undefined ? Date.now() : base) + clockOffset,
    deliver({ email, code, backend, purpose }) {
      sent.push({ email: normalizeEmail(email), code, backend, purpose, sentAt: ctx.now() });
    },
    randomCode,
    randomToken: (prefix, len) => recordSecret(prefix, mintSecret(prefix, len)),
    deviceIntervalSeconds: options.deviceIntervalSeconds,
  };

  const backends = names.map((name) => {
    const factory = registry.get(name);
    if (!factory) throw new Error(`unknown emulator backend "${name}"`);
    return factory(ctx);
  });

  const emu = {
    url: '',
    port: 0,
    requests,
    now: ctx.now,
    outbox(email) {
      return latestMessage(email)?.code;
    },
    messages(email) {
      if (email === undefined) return sent.slice();
      const wanted = normalizeEmail(email);
      return sent.filter((m) => m.email === wanted);
    },
    advance(seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) throw new TypeError('advance(seconds) needs a finite number >= 0');
      clockOffset += seconds * 1000;
      return ctx.now();
    },
    reset() {
      for (const b of backends) b.reset();
      sent.length = 0;
      requests.length = 0;
      clockOffset = 0;
      faults = [];
      replays.clear();
    },
    clearRequests() {
      requests.length = 0;
    },
    fault(spec) {
      faults.push(parseFault(spec));
    },
    close,
  };

  function latestMessage(email) {
    const wanted = normalizeEmail(String(email));
    return sent.findLast((m) => m.email === wanted);
  }

  const routes = buildTable(backends.map((b) => [b.name, b.routes ?? []]));
  const devRoutes = buildTable([
    ['dev', devRoutesFor(emu, latestMessage)],
    ...backends.map((b) => [b.name, b.devRoutes ?? []]),
  ]);
  for (const path of devRoutes.keys()) {
    if (!path.startsWith(DEV_PREFIX)) throw new Error(`dev route ${path} must live under ${DEV_PREFIX}`);
  }

  /** Takes the next pending fault for `path`, if any. */
  function takeFault(path) {
    const fault = faults.find((f) => f.path === path);
    if (!fault) return undefined;
    if (--fault.times === 0) faults = faults.filter((f) => f !== fault);
    return fault;
  }

  async function handle(req, res) {
    const url = new URL(`http://emulator${req.url}`); // not new URL(req.url, base): '//x' would become a host
    const path = url.pathname;
    res.setHeader('x-keymint-emulator', '1');
    setCors(req, res, originAllowed);
    // DNS rebinding: a page whose name now resolves to 127.0.0.1 would be same-origin.
    const hostHeader = req.headers.host;
    if (loopbackBind && hostHeader !== undefined && !LOOPBACK_HOST_HEADER.test(hostHeader)) {
      writeAnswer(res, serialize(errorAnswer(403, 'FORBIDDEN_HOST', 'the emulator answers loopback Host names only')));
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const dev = path.startsWith(DEV_PREFIX);
    const node = (dev ? devRoutes : routes).get(path);
    // Logged before the body is read so the log is live even for a request that hangs.
    const entry = dev ? undefined : { method: req.method, path, backend: node?.backend ?? null, status: null, headers: { ...req.headers }, body: '' };
    if (entry) requests.push(entry);
    const send = (answer, mangle) => {
      if (entry) entry.status = answer.status;
      writeAnswer(res, answer, mangle);
    };

    const body = await readBody(req);
    if (body === null) return;
    if (body === undefined) {
      send(serialize(errorAnswer(413, 'PAYLOAD_TOO_LARGE', `request bodies are limited to ${MAX_BODY} bytes`)));
      return;
    }
    if (entry) entry.body = body;

    const fault = dev ? undefined : takeFault(path);
    let mangle;
    switch (fault?.kind) {
      case 'delay':
        await sleep(fault.ms, undefined, { ref: false });
        break;
      case 'hang':
        return; // never answered; close() destroys the socket
      case 'html502':
        send(serialize({ status: 502, text: HTML_502, headers: { 'content-type': 'text/html; charset=utf-8' } }));
        return;
      case 'huge':
        send({ status: 200, headers: { 'content-type': JSON_TYPE }, body: hugeBody() });
        return;
      case 'wrong-type':
        send(serialize({ status: 200, text: 'OK' }));
        return;
      case 'missing-field':
        send(serialize({ status: 200, json: { success: true, data: {} } }));
        return;
      case 'truncate':
      case 'reset':
        // The backend does handle these (state changes, idempotent answer stored);
        // only the answer is lost on the way back, as when a connection drops.
        mangle = fault.kind;
        break;
    }

    const request = {
      method: req.method,
      path,
      query: url.searchParams,
      headers: { ...req.headers },
      body,
      json: parseJsonObject(body),
      form: /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '') ? new URLSearchParams(body) : undefined,
      ip: clientIp(req, trustForwardedFor),
    };
    send(await dispatch(node, request, dev ? undefined : replays), mangle);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) writeAnswer(res, serialize(errorAnswer(500, 'INTERNAL', `emulator error: ${err.message}`)));
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  emu.port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  emu.url = `http://${host.includes(':') ? `[${host}]` : host}:${emu.port}`;
  if (!loopbackBind) process.stderr.write(exposedWarning(emu.url));

  let closing;
  function close() {
    closing ??= new Promise((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      // Idle keep-alive sockets and hanging faults would otherwise hold close() open.
      server.closeAllConnections?.();
    });
    return closing;
  }

  return emu;
}

/** The framework's own routes under /__keymint/ (backends add theirs under /__keymint/NAME/). */
function devRoutesFor(emu, latestMessage) {
  const badRequest = (err) => errorAnswer(400, 'BAD_REQUEST', err.message);
  return [
    {
      method: 'GET',
      path: '/__keymint/outbox',
      handler: (req) => {
        const email = req.query.get('email');
        const message = email === null ? undefined : latestMessage(email);
        return message ? { status: 200, json: message } : errorAnswer(404, 'NOT_FOUND', `no code was sent to ${email}`);
      },
    },
    {
      method: 'GET',
      path: '/__keymint/messages',
      handler: (req) => ({ status: 200, json: { messages: emu.messages(req.query.get('email') ?? undefined) } }),
    },
    { method: 'GET', path: '/__keymint/clock', handler: () => ({ status: 200, json: { now: emu.now() } }) },
    {
      method: 'POST',
      path: '/__keymint/clock',
      handler: (req) => {
        try {
          return { status: 200, json: { now: emu.advance(req.json?.advance) } };
        } catch (err) {
          return badRequest(err);
        }
      },
    },
    {
      method: 'POST',
      path: '/__keymint/reset',
      handler: () => {
        emu.reset();
        return { status: 200, json: { ok: true } };
      },
    },
    { method: 'GET', path: '/__keymint/requests', handler: () => ({ status: 200, json: { requests: emu.requests } }) },
    {
      method: 'POST',
      path: '/__keymint/fault',
      handler: (req) => {
        try {
          emu.fault(req.json);
          return { status: 200, json: { ok: true } };
        } catch (err) {
          return badRequest(err);
        }
      },
    },
  ];
}

/** path -> { backend, methods: Map(method -> handler) }; one path belongs to one backend. */
function buildTable(groups) {
  const table = new Map();
  for (const [backend, list] of groups) {
    for (const { method, path, handler } of list) {
      const node = table.get(path) ?? { backend, methods: new Map() };
      if (node.backend !== backend) throw new Error(`${path} is served by both ${node.backend} and ${backend}`);
      if (node.methods.has(method)) throw new Error(`${method} ${path} is registered twice`);
      node.methods.set(method, handler);
      table.set(path, node);
    }
  }
  return table;
}

/** Routes one request, replaying a stored answer for a repeated POST Idempotency-Key. */
async function dispatch(node, request, replays) {
  const key = request.method === 'POST' && replays ? request.headers['idempotency-key'] : undefined;
  const replayKey = key === undefined ? undefined : `${request.path}\n${key}`;
  const stored = replayKey === undefined ? undefined : replays.get(replayKey);
  if (stored) return { ...stored, headers: { ...stored.headers, 'idempotent-replayed': 'true' } };

  const handler = node?.methods.get(request.method);
  let answer;
  // HEAD is answered like an unknown route: no backend defines it.
  if (!node || request.method === 'HEAD') {
    answer = errorAnswer(404, 'NOT_FOUND', `no route for ${request.method} ${request.path}`);
  } else if (!handler) {
    answer = errorAnswer(405, 'METHOD_NOT_ALLOWED', `${request.path} does not accept ${request.method}`);
    answer.headers = { allow: [...node.methods.keys()].join(', ') };
  } else {
    try {
      answer = await handler(request);
    } catch (err) {
      answer = errorAnswer(500, 'INTERNAL', `emulator error: ${err.message}`);
    }
  }
  const out = serialize(answer);
  if (replayKey !== undefined && out.status >= 200 && out.status < 300) replays.set(replayKey, out);
  return out;
}

function errorAnswer(status, code, message) {
  return { status, json: { success: false, error: { code, message } } };
}

/** A handler answer as status, lower-cased headers and the exact body bytes. */
function serialize({ status, json, text, headers = {} }) {
  const out = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  let body = '';
  if (json !== undefined) {
    body = JSON.stringify(json);
    out['content-type'] ??= JSON_TYPE;
  } else if (text !== undefined) {
    body = text;
    out['content-type'] ??= 'text/plain; charset=utf-8';
  }
  return { status, headers: out, body: Buffer.from(body) };
}

/** Writes a serialized answer, whole or mangled by a `truncate` / `reset` fault. */
function writeAnswer(res, { status, headers, body }, mangle) {
  if (res.destroyed) return; // the client left (or close() ran) while we waited
  // Any proper prefix of a JSON object is invalid JSON, so half the body is "cut mid-JSON".
  const part = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
  if (mangle === 'truncate') {
    res.writeHead(status, { ...headers, 'content-length': part.length }).end(part);
  } else if (mangle === 'reset') {
    res.writeHead(status, { ...headers, 'content-length': body.length });
    res.write(part, () => res.destroy());
  } else {
    res.writeHead(status, { ...headers, 'content-length': body.length }).end(body);
  }
}

/** CORS headers for an allowed Origin only; any other origin (or none) gets none. */
function setCors(req, res, originAllowed) {
  const origin = req.headers.origin;
  res.setHeader('vary', 'Origin');
  if (!originAllowed(origin)) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS, DELETE');
  res.setHeader('access-control-allow-headers', 'content-type, authorization, idempotency-key, x-api-key, origin');
  res.setHeader('access-control-expose-headers', 'Retry-After, X-Retry-After, X-Keymint-Emulator');
  res.setHeader('access-control-max-age', '600');
}

/** The body as a string, undefined when it exceeds MAX_BODY, null when the client went away. */
function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
      else if (size > MAX_DRAIN) req.destroy();
    });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('close', () => resolve(null)); // no-op once 'end' has resolved
  });
}

function parseJsonObject(body) {
  if (body === '') return undefined;
  try {
    const value = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function clientIp(req, trustForwardedFor) {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustForwardedFor && typeof forwarded === 'string' && forwarded.trim() !== '') return forwarded.split(',')[0].trim();
  return req.socket.remoteAddress ?? '';
}

function parseFault(spec) {
  const { path, kind, times = 1, ms } = spec ?? {};
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError('fault.path must be a path starting with /');
  if (path.startsWith(DEV_PREFIX)) throw new TypeError('faults apply to backend routes, not /__keymint/');
  if (kind === 'refuse') throw new TypeError('a live server cannot refuse connections: close it instead');
  if (!FAULT_KINDS.has(kind)) throw new TypeError(`fault.kind must be one of ${[...FAULT_KINDS].join(', ')}`);
  if (!Number.isInteger(times) || times < 1) throw new TypeError('fault.times must be an integer >= 1');
  if (kind === 'delay' && !(Number.isFinite(ms) && ms >= 0)) throw new TypeError('a delay fault needs ms >= 0');
  return { path, kind, times, ms };
}

const HTML_502 = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>The upstream server did not answer.</p></body></html>\n';

let huge;
/** 10 MiB of well-formed JSON, built once: what a misrouted response might dump on a client. */
function hugeBody() {
  const head = '{"success":true,"data":{"padding":"';
  const tail = '"}}';
  huge ??= Buffer.from(head + 'x'.repeat(10 * 1024 * 1024 - head.length - tail.length) + tail);
  return huge;
}
