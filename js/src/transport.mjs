// The fetch transport: performs one request the core asked for, with a timeout,
// a 1 MiB cap on the answer, and no credential ever following a redirect to
// another origin. It reports what happened as an event for the core.

export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * @param {{method: string, url: string, headers: Record<string,string>, body?: string}} req
 * @param {{fetch?: typeof fetch, timeoutMs?: number, signal?: AbortSignal, headers?: Record<string,string>}} opts
 * @returns {Promise<object>} a `response` or `transport_error` event
 */
export async function perform(req, opts = {}) {
  const doFetch = opts.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') return { type: 'transport_error', kind: 'network', message: 'no fetch available' };
  const ctrl = new AbortController();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, timeoutMs);
  const onAbort = () => ctrl.abort();
  if (opts.signal) {
    if (opts.signal.aborted) ctrl.abort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  }
  try {
    let url = req.url;
    let res;
    for (let hop = 0; ; hop++) {
      res = await doFetch(url, {
        method: req.method,
        headers: opts.headers ? { ...opts.headers, ...req.headers } : req.headers,
        body: req.body ?? undefined,
        redirect: 'manual',
        signal: ctrl.signal,
      });
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (res.type === 'opaqueredirect') return badRedirect();
      if (!location) break;
      const next = new URL(location, url);
      // Credentials and codes stay with the origin they were meant for.
      if (next.origin !== new URL(url).origin || hop >= MAX_REDIRECTS) return badRedirect();
      url = next.href;
    }
    const body = await readCapped(res);
    if (body === null) return { type: 'transport_error', kind: 'too_large' };
    const h = (name) => res.headers.get(name) ?? undefined;
    return {
      type: 'response',
      status: res.status,
      body,
      headers: {
        'content-type': h('content-type'),
        'retry-after': h('retry-after'),
        'x-retry-after': h('x-retry-after'),
        // The server's clock, as RFC 3339 (the core has no HTTP-date parser).
        date: isoDate(h('date')),
      },
    };
  } catch (e) {
    const aborted = timedOut || opts.signal?.aborted || /** @type {any} */ (e)?.name === 'AbortError';
    return { type: 'transport_error', kind: aborted ? 'timeout' : 'network' };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function isoDate(text) {
  const ms = text ? Date.parse(text) : NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function badRedirect() {
  return { type: 'response', status: 502, body: '', headers: { 'content-type': 'text/plain' } };
}

/** Reads the body as text, or null once it passes MAX_BODY_BYTES. */
async function readCapped(res) {
  if (!res.body) return '';
  // A declared length within the cap, not content-encoded and with every header
  // visible (not a CORS answer, whose encoding may be hidden): read it whole.
  const length = res.headers.get('content-length');
  if (
    length !== null &&
    /^\d{1,7}$/.test(length) &&
    Number(length) <= MAX_BODY_BYTES &&
    (res.type === 'basic' || res.type === 'default') &&
    !res.headers.get('content-encoding')
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
