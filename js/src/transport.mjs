// @ts-check
// The fetch transport: performs one request the core asked for, with a timeout,
// a 1 MiB cap on the answer, and no credential ever following a redirect to
// another origin. It reports what happened as an event for the core.

export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * @param {{method: string, url: string, headers: Record<string,string>, body?: string}} req
 * @param {{fetch?: typeof fetch, timeoutMs?: number, signal?: AbortSignal, headers?: Record<string,string>}} opts
 * @returns {Promise<import('../types/protocol.js').ResponseEvent | import('../types/protocol.js').TransportErrorEvent>} a `response` or `transport_error` event
 */
export function perform(req, opts = NO_OPTS) {
  const doFetch = opts.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') return Promise.resolve({ type: 'transport_error', kind: 'network' });
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const callerSignal = opts.signal;
  // Without a caller's signal the request joins the shared deadline of the requests started
  // about the same time (deadlineFor); with one, it gets a controller of its own that either
  // aborts. (AbortSignal.any is not in Node 18.)
  const shared = callerSignal ? null : deadlineFor(timeoutMs);
  /** @type {AbortController | undefined} */
  let ctrl;
  let timedOut = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {(() => void) | undefined} */
  let onAbort;
  if (callerSignal) {
    const own = (ctrl = new AbortController());
    timer = setTimeout(() => {
      timedOut = true;
      own.abort();
    }, timeoutMs);
    if (callerSignal.aborted) own.abort();
    else callerSignal.addEventListener('abort', (onAbort = () => own.abort()), { once: true });
  }
  const release = () => {
    if (shared) leave(shared);
    else {
      clearTimeout(timer);
      if (onAbort) callerSignal?.removeEventListener('abort', onAbort);
    }
  };
  /** @param {unknown} e @returns {import('../types/protocol.js').TransportErrorEvent} */
  const failed = (e) => {
    release();
    const aborted = (shared ? shared.timedOut : timedOut) || callerSignal?.aborted || /** @type {any} */ (e)?.name === 'AbortError';
    return { type: 'transport_error', kind: aborted ? 'timeout' : 'network' };
  };
  /** @type {RequestInit} */
  const init = {
    method: req.method,
    headers: opts.headers ? { ...opts.headers, ...req.headers } : req.headers,
    body: req.body ?? undefined,
    redirect: 'manual',
    signal: shared ? shared.ctrl.signal : ctrl?.signal,
  };
  // A promise chain, not an async function: a flow parked on its request holds two
  // callbacks instead of a suspended function's frame (10,000 parked flows in `make bench`).
  let sent;
  try {
    sent = Promise.resolve(doFetch(req.url, init));
  } catch (e) {
    return Promise.resolve(failed(e));
  }
  return sent.then(
    (res) =>
      answer(doFetch, req.url, init, res).then((event) => {
        release();
        return event;
      }, failed),
    failed,
  );
}

/**
 * The event for the answer `res` to the request `init` sent to `url`: its redirects followed
 * by the one policy, its body read within the cap.
 * @param {typeof fetch} doFetch @param {string} url @param {RequestInit} init @param {Response} res
 * @returns {Promise<import('../types/protocol.js').ResponseEvent | import('../types/protocol.js').TransportErrorEvent>}
 */
async function answer(doFetch, url, init, res) {
  if (isRedirect(res)) {
    const hop = await followRedirects(doFetch, url, init, res);
    if (hop.refused) return { type: 'transport_error', kind: 'redirect' };
    res = hop.res;
  }
  const headers = res.headers;
  const body = await readCapped(res, headers);
  if (body === null) return { type: 'transport_error', kind: 'too_large' };
  return {
    type: 'response',
    status: res.status,
    body,
    // Absent headers stay `undefined`, which JSON.stringify leaves out of the wire text.
    headers: /** @type {Record<string, string>} */ ({
      'content-type': headers.get('content-type') ?? undefined,
      'retry-after': headers.get('retry-after') ?? undefined,
      'x-retry-after': headers.get('x-retry-after') ?? undefined,
      // The server's clock, as RFC 3339 (the core has no HTTP-date parser).
      date: isoDate(headers.get('date') ?? undefined),
    }),
  };
}

/**
 * A deadline shared by the requests that start within `window` ms of each other with the same
 * timeout: one AbortController whose timer aborts it `timeoutMs + window` after the first
 * joined, so each request gets at least its timeout and at most `window` more (a tenth of it,
 * at most 1 s). Node makes every AbortSignal transferable, which made a controller per request
 * the largest allocation of a flow (6 KB of its 11) and ~8 % of its time. At most MAX_JOINED
 * requests share one: a fetch that adds an abort listener per request stays within Node's
 * default of 10 listeners per signal before it warns (undici raises its own limit; a polyfill
 * may not).
 * @typedef {{ctrl: AbortController, timeoutMs: number, until: number, joined: number, pending: number,
 *   timedOut: boolean, timer: any}} Deadline
 */
const MAX_JOINED = 8;
/** @type {Deadline | null} */
let current = null;

/** The deadline a request with `timeoutMs` joins now. @param {number} timeoutMs @returns {Deadline} */
function deadlineFor(timeoutMs) {
  const now = Date.now();
  let d = current;
  if (!d || d.timeoutMs !== timeoutMs || now >= d.until || d.joined >= MAX_JOINED || d.ctrl.signal.aborted) {
    const window = Math.min(1000, Math.ceil(timeoutMs / 10));
    const ctrl = new AbortController();
    /** @type {Deadline} */
    const fresh = { ctrl, timeoutMs, until: now + window, joined: 0, pending: 0, timedOut: false, timer: undefined };
    fresh.timer = setTimeout(() => {
      fresh.timedOut = true;
      ctrl.abort();
    }, Math.min(timeoutMs + window, 2 ** 31 - 1)); // (a longer delay would fire at once)
    d = current = fresh;
  }
  d.joined++;
  // Node: the timer keeps the process alive only while a request waits on it.
  if (d.pending++ === 0) d.timer?.ref?.();
  return d;
}

/** A request of `d` is over. @param {Deadline} d */
function leave(d) {
  if (--d.pending === 0) {
    if (d !== current || d.ctrl.signal.aborted) clearTimeout(d.timer);
    else d.timer?.unref?.();
  }
}

const NO_OPTS = Object.freeze({});

// A server's Date header changes once a second: remember the last one converted
// (only zoned IMF-fixdates, whose meaning does not depend on the local time zone).
let lastDateText = '';
let lastDateIso = /** @type {string|undefined} */ (undefined);
/** @param {string|undefined} text */
function isoDate(text) {
  if (!text) return undefined;
  if (text === lastDateText) return lastDateIso;
  const ms = Date.parse(text);
  const iso = Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
  if (text.endsWith(' GMT')) {
    lastDateText = text;
    lastDateIso = iso;
  }
  return iso;
}

/**
 * The one redirect policy (the core's requests and SessionClient.fetch): redirects are followed
 * by hand, only within the origin the request was meant for (credentials and codes never
 * follow elsewhere), at most MAX_REDIRECTS times. `refused` is set, with the last answer, for
 * a redirect to another origin, one too many, or one the platform hides (`opaqueredirect`).
 * @param {typeof fetch} doFetch @param {string} url
 * @param {RequestInit} init one init for every hop: only the URL changes
 * @returns {Promise<{res: Response, refused: boolean}>}
 */
export async function fetchSameOrigin(doFetch, url, init) {
  return followRedirects(doFetch, url, init, await doFetch(url, init));
}

/** Whether an answer is a redirect (or one the platform hides). @param {Response} res */
const isRedirect = (res) => res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400);

/**
 * fetchSameOrigin from `res`, the answer `url` already gave.
 * @param {typeof fetch} doFetch @param {string} url @param {RequestInit} init @param {Response} res
 * @returns {Promise<{res: Response, refused: boolean}>}
 */
async function followRedirects(doFetch, url, init, res) {
  for (let hop = 0; ; hop++) {
    if (res.type === 'opaqueredirect') return { res, refused: true };
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    if (!location) return { res, refused: false };
    const next = new URL(location, url);
    if (next.origin !== new URL(url).origin || hop >= MAX_REDIRECTS) return { res, refused: true };
    url = next.href;
    res = await doFetch(url, init);
  }
}

/**
 * Reads the body as text, or null once it passes MAX_BODY_BYTES.
 * @param {Response} res @param {Headers} headers
 */
async function readCapped(res, headers) {
  if (!res.body) return '';
  // A declared length within the cap, not content-encoded and with every header
  // visible (not a CORS answer, whose encoding may be hidden): read it whole.
  const length = headers.get('content-length');
  if (
    length !== null &&
    /^\d{1,7}$/.test(length) &&
    Number(length) <= MAX_BODY_BYTES &&
    (res.type === 'basic' || res.type === 'default') &&
    !headers.get('content-encoding')
  ) {
    return res.text();
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
