// JSON-RPC 2.0 over stdio, as MCP's stdio transport frames it: one JSON message per line,
// UTF-8, no embedded newlines. Zero dependencies on purpose: this is all an MCP server needs
// from a transport, and keymint ships without runtime dependencies.
//
// A Peer reads requests from `input`, hands them to `onRequest`, and writes the answers to
// `output`; notifications (MCP's `notifications/initialized`, cancellations) need no answer
// and are read and dropped. It can also send requests the other
// way (MCP's server → client `elicitation/create`) and await their responses. Nothing here
// knows MCP itself; server.mjs does.

/** JSON-RPC's reserved error codes. */
export const RPC = Object.freeze({
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
});

/** An error answered as a JSON-RPC error object (code, message, data). */
export class RpcError extends Error {
  /** @param {number} code @param {string} message @param {unknown} [data] */
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** Longest line accepted (4 MiB): a client gone wrong must not make us buffer forever. */
const MAX_LINE = 4 * 1024 * 1024;

const isId = (/** @type {unknown} */ id) => typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));

export class Peer {
  /**
   * @param {{input: NodeJS.ReadableStream, output: NodeJS.WritableStream,
   *   onRequest: (method: string, params: any) => Promise<any>}} o
   */
  constructor({ input, output, onRequest }) {
    this.input = input;
    this.output = output;
    this.onRequest = onRequest;
    /** @type {Map<string|number, {resolve: Function, reject: Function}>} our requests awaiting answers */
    this.waiting = new Map();
    this.nextId = 1;
    /** @type {Set<Promise<unknown>>} requests being handled, so close() can let them finish */
    this.inflight = new Set();
  }

  /** Serve until the input ends; resolves once every request in flight has been answered. */
  serve() {
    return new Promise((resolve) => {
      let buffer = '';
      this.input.setEncoding?.('utf8');
      this.input.on('data', (chunk) => {
        buffer += chunk;
        let nl;
        while ((nl = buffer.indexOf('\n')) !== -1) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line.trim() !== '') this.#line(line);
        }
        if (buffer.length > MAX_LINE) {
          buffer = '';
          this.#send({ jsonrpc: '2.0', id: null, error: { code: RPC.INVALID_REQUEST, message: 'Message too large.' } });
        }
      });
      const done = async () => {
        if (buffer.trim() !== '') this.#line(buffer);
        buffer = '';
        for (const w of this.waiting.values()) w.reject(new Error('The client closed the connection.'));
        this.waiting.clear();
        await Promise.allSettled([...this.inflight]);
        resolve(undefined);
      };
      this.input.on('end', done);
      this.input.on('close', done);
    });
  }

  /** One message (or a batch's answers) as one line. @param {object} message */
  #send(message) {
    this.output.write(`${JSON.stringify(message)}\n`);
  }

  /**
   * Send a request to the client and await its result (rejects with an RpcError).
   * @param {string} method @param {object} params @param {number} [timeoutMs]
   */
  request(method, params, timeoutMs = 10 * 60_000) {
    const id = `keymint-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new RpcError(RPC.INTERNAL_ERROR, `No answer to ${method} within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      timer.unref?.();
      this.waiting.set(id, {
        resolve: (/** @type {unknown} */ v) => { clearTimeout(timer); resolve(v); },
        reject: (/** @type {unknown} */ e) => { clearTimeout(timer); reject(e); },
      });
      this.#send({ jsonrpc: '2.0', id, method, params });
    });
  }

  /** @param {string} line */
  #line(line) {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      this.#send({ jsonrpc: '2.0', id: null, error: { code: RPC.PARSE_ERROR, message: 'Parse error: not valid JSON.' } });
      return;
    }
    // JSON-RPC batches (allowed by the 2025-03-26 revision): answer each, in one array.
    if (Array.isArray(msg)) {
      if (msg.length === 0) {
        this.#send({ jsonrpc: '2.0', id: null, error: { code: RPC.INVALID_REQUEST, message: 'Empty batch.' } });
        return;
      }
      const all = Promise.all(msg.map((m) => this.#message(m))).then((answers) => {
        const kept = answers.filter(Boolean);
        if (kept.length > 0) this.#send(kept);
      });
      this.#track(all);
      return;
    }
    this.#track(this.#message(msg).then((answer) => { if (answer) this.#send(answer); }));
  }

  /** @param {Promise<unknown>} p */
  #track(p) {
    const q = p.catch(() => {}).finally(() => this.inflight.delete(q));
    this.inflight.add(q);
  }

  /**
   * One message: a response to our request, a notification, or a request (answered).
   * @param {any} msg @returns {Promise<object|null>} the answer to send, if any
   */
  async #message(msg) {
    if (msg === null || typeof msg !== 'object' || msg.jsonrpc !== '2.0') {
      return { jsonrpc: '2.0', id: isId(msg?.id) ? msg.id : null, error: { code: RPC.INVALID_REQUEST, message: 'Invalid request: not a JSON-RPC 2.0 message.' } };
    }
    if (msg.method === undefined && isId(msg.id) && ('result' in msg || 'error' in msg)) {
      const w = this.waiting.get(msg.id);
      if (w) {
        this.waiting.delete(msg.id);
        if ('error' in msg) w.reject(new RpcError(Number(msg.error?.code), String(msg.error?.message ?? 'error'), msg.error?.data));
        else w.resolve(msg.result);
      }
      return null;
    }
    if (typeof msg.method !== 'string') {
      return { jsonrpc: '2.0', id: isId(msg.id) ? msg.id : null, error: { code: RPC.INVALID_REQUEST, message: 'Invalid request: no method.' } };
    }
    // A notification gets no answer, not even an error.
    if (!('id' in msg)) return null;
    if (!isId(msg.id)) {
      return { jsonrpc: '2.0', id: null, error: { code: RPC.INVALID_REQUEST, message: 'Invalid request: the id must be a string or a number.' } };
    }
    try {
      const result = await this.onRequest(msg.method, msg.params);
      return { jsonrpc: '2.0', id: msg.id, result };
    } catch (e) {
      const err = /** @type {any} */ (e);
      if (err instanceof RpcError) {
        return { jsonrpc: '2.0', id: msg.id, error: { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) } };
      }
      return { jsonrpc: '2.0', id: msg.id, error: { code: RPC.INTERNAL_ERROR, message: `Internal error: ${err?.message ?? err}` } };
    }
  }
}
