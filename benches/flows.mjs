// The benched clients, each one email-code sign-in = two requests against the loopback
// stub (benches/peers/stub.mjs): ask for a code, then verify it and read the credential.
// Shared by the per-flow section (overhead.mjs) and the scale worker, so both run the
// same code. Each client is two steps, { request(email) -> state, verify(state, code) ->
// credential }: the per-flow section runs them back to back, the scale harness lets every
// agent wait for its "email" between them (state held, nothing in flight), as an agent
// does. A step that fails throws (a timed failure would be a wrong measurement).
import { pathToFileURL } from 'node:url';
import { distEntry, peerUrl } from './lib/paths.mjs';
import { STUB_CODE } from './peers/stub.mjs';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

// The two routes each client sends per flow (as the stub counts them), to check that every
// timed flow was exactly its two requests and nothing else (no session poll, no retry).
export const SCRIPTO = ['POST /api/cli/login-request', 'POST /api/cli/login-complete'];
const GOTRUE = ['POST /auth/v1/otp', 'POST /auth/v1/verify'];
const BETTER_AUTH = ['POST /api/auth/email-otp/send-verification-otp', 'POST /api/auth/sign-in/email-otp'];

/** Loads keymint's default entry and the peers (from js/node_modules) once. */
export async function loadClients() {
  const [km, supabase, ba, baPlugins] = await Promise.all([
    import(pathToFileURL(distEntry).href),
    import(peerUrl('@supabase/auth-js')),
    import(peerUrl('better-auth/client')),
    import(peerUrl('better-auth/client/plugins')),
  ]);
  return { km, AuthClient: supabase.AuthClient, createAuthClient: ba.createAuthClient, emailOTPClient: baPlugins.emailOTPClient };
}

/** keymint's public API, scripto preset: start() + requestCode(), then submitCode(). */
export const keymintSteps = (km, baseUrl, fetch) => ({
  async request(email) {
    const flow = km.start({ provider: 'scripto', baseUrl, email, ...(fetch ? { fetch } : {}) });
    await flow.requestCode();
    return flow;
  },
  async verify(flow, code) {
    const cred = await flow.submitCode(code);
    return cred.apiKey.reveal();
  },
});

/**
 * keymint's flow with its core replaced by `core` (a CoreStep with `saved`): the same requests,
 * fetch, body reads, driver and JS. `setCore` is the runtime's test seam (js/dist/runtime.mjs,
 * the copy the entry imports); `core` is in place only while this client's step runs.
 */
export const keymintWithCore = (km, setCore, core, baseUrl, fetch) => {
  const steps = keymintSteps(km, baseUrl, fetch);
  const replacing = (f) => async (...args) => {
    setCore(core);
    try {
      return await f(...args);
    } finally {
      setCore(null);
    }
  };
  return { request: replacing(steps.request), verify: replacing(steps.verify) };
};

/**
 * keymint's flow with its core replaced by a replay of the answers the core gave one flow
 * (`answers`: the five `{action, stateText}` of start → request_code → its answer →
 * submit_code → its answer, recorded by recordCoreAnswers): the driver and JS without the wasm
 * or the JSON across its boundary.
 */
export const keymintReplaySteps = (km, setCore, answers, baseUrl, fetch) => {
  let next = 0;
  const replay = Object.assign(
    () => {
      throw new Error('the replay answers flow steps only');
    },
    { saved: (input) => answers[input.op === 'start' ? (next = 0) : ++next] },
  );
  return keymintWithCore(km, setCore, replay, baseUrl, fetch);
};

/**
 * The floor of any core behind this boundary: a core made by `loadCore` (js/src/load-core.mjs,
 * the code the runtime bundles: the same JSON.stringify of each input, write into wasm memory,
 * call, decode and JSON.parse of each answer) over a stand-in wasm that does no work: its `step` answers the recorded
 * `answers` (recordCoreAnswers), kept in its memory, in turn (`start` begins again). What is
 * left between this and the replay is the boundary's own cost; what is left between this and
 * the real core is the engine's.
 * @param {(bytes: () => Uint8Array) => {step: any, ready: () => void}} loadCore
 * @param {{action: object, stateText?: string}[]} answers
 */
export async function floorCore(loadCore, answers) {
  const { default: binaryen } = await import(peerUrl('binaryen'));
  const enc = new TextEncoder();
  const INPUT = 8192;
  const TABLE = 16;
  const ANSWERS = 32768;
  let at = ANSWERS;
  const data = [];
  const table = [];
  // A data segment: `bytes` at `offset`, every byte written as \hh.
  const segment = (offset, bytes) => `(data (i32.const ${offset}) "${[...bytes].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('')}")`;
  const put = (text) => {
    const bytes = enc.encode(text);
    data.push(segment(at, bytes));
    table.push(at, bytes.length);
    at += bytes.length;
  };
  for (const a of answers) {
    put(JSON.stringify(a.action));
    if (a.stateText === undefined) table.push(0, 0);
    else put(a.stateText);
  }
  const words = new Uint8Array(new Uint32Array(table).buffer);
  data.push(segment(TABLE, words));
  // step: the input starts `{"op":"start"` (byte 7 is 's') or `{"op":"event"`.
  const wat = `(module
    (memory (export "memory") 2)
    (global $n (mut i32) (i32.const 0))
    (func (export "input") (param i32) (result i32)
      ;; the input buffer ends where the answers begin: a larger input traps
      (if (i32.gt_u (local.get 0) (i32.const ${ANSWERS - INPUT})) (then unreachable))
      (i32.const ${INPUT}))
    (func (export "step") (param i32) (result i32)
      (global.set $n (select (i32.const 0) (i32.add (global.get $n) (i32.const 1))
        (i32.eq (i32.load8_u (i32.const ${INPUT + 7})) (i32.const 115))))
      (i32.add (i32.const ${TABLE}) (i32.shl (global.get $n) (i32.const 4))))
    ${data.join('\n    ')})`;
  const mod = binaryen.parseText(wat);
  if (!mod.validate()) throw new Error('the stand-in wasm does not validate');
  const bytes = mod.emitBinary();
  mod.dispose();
  const core = loadCore(() => bytes);
  core.ready();
  return core.step;
}

/**
 * The five `{action, stateText}` the core (`step`: a core's `step`, with `saved`) answers one
 * Scripto flow against `baseUrl`, the backend answering as the stub does.
 */
export function recordCoreAnswers(step, baseUrl) {
  const resp = (data) => ({ type: 'response', status: 200, body: JSON.stringify({ success: true, data }), headers: { 'content-type': 'application/json' } });
  const now = Math.floor(Date.now() / 1000);
  const out = [step.saved({ op: 'start', now, config: { provider: 'scripto', baseUrl, email: 'replay@flows.bench.example', flowId: '0123456789abcdef0123456789abcdef' } }, undefined)];
  const events = [
    { type: 'request_code' },
    resp({ ok: true, email: 'replay@flows.bench.example' }),
    { type: 'submit_code', code: STUB_CODE, nonce: '00112233445566778899aabbccddeeff' },
    resp({ apiKey: `scripto_${'k'.repeat(40)}`, keyId: 'key_1', userId: 'user_1', email: 'replay@flows.bench.example' }),
  ];
  for (const event of events) out.push(step.saved({ op: 'event', now, event }, out[out.length - 1].stateText));
  if (out[4].action.type !== 'done') throw new Error(`the recorded flow did not finish: ${JSON.stringify(out[4].action)}`);
  return out;
}

/** A POST of JSON that throws on a non-2xx answer and returns the parsed answer. */
const poster = (doFetch, headers) => async (url, body, extra) => {
  const res = await doFetch(url, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok || json?.success === false) throw new Error(`${url}: HTTP ${res.status} ${json?.error?.code ?? ''}`);
  return json;
};

/**
 * The hand-written client: the same two requests keymint sends to Scripto (same headers,
 * including an Idempotency-Key on the complete), checked the same minimal way.
 */
export function rawSteps(baseUrl, doFetch = fetch) {
  const post = poster(doFetch, JSON_HEADERS);
  return {
    async request(email) {
      await post(`${baseUrl}/api/cli/login-request`, { email });
      return email;
    },
    async verify(email, otp) {
      const { data } = await post(`${baseUrl}/api/cli/login-complete`, { email, otp }, { 'idempotency-key': `raw-${crypto.randomUUID()}` });
      if (typeof data?.apiKey !== 'string') throw new Error('no apiKey in the answer');
      return data.apiKey;
    },
  };
}

/**
 * `fetch` with what keymint's transport adds to every request: an AbortController
 * and a 30 s timer that aborts it. On Node 20, handing undici any signal costs tens
 * of µs per request, so this second baseline shows how much of the gap is that.
 */
export function fetchWithTimeout(doFetch = fetch, timeoutMs = 30_000) {
  return async (url, init) => {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    try {
      return await doFetch(url, { ...init, signal: ctrl.signal });
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * @supabase/auth-js: an AuthClient for the stub's /auth/v1 (where a Supabase project serves
 * GoTrue). autoRefreshToken off: in Node it would start a refresh interval per client, which
 * no other client here has. Session storage is the default (in memory under Node), so
 * verifyOtp saves the session as it would in an app.
 */
export function authJsClient(AuthClient, baseUrl, fetch) {
  return new AuthClient({ url: `${baseUrl}/auth/v1`, autoRefreshToken: false, ...(fetch ? { fetch } : {}) });
}
/** signInWithOtp, then verifyOtp; `client()` gives the AuthClient (shared, or one per agent). */
export const authJsSteps = (client) => ({
  async request(email) {
    const c = client();
    const { error } = await c.signInWithOtp({ email, options: { shouldCreateUser: true } });
    if (error) throw error;
    return { c, email };
  },
  async verify({ c, email }, token) {
    const { data, error } = await c.verifyOtp({ email, token, type: 'email' });
    if (error) throw error;
    if (typeof data?.session?.access_token !== 'string') throw new Error('auth-js: no session');
    return data.session.access_token;
  },
});

/** Better Auth's client with the email-OTP plugin. */
export function betterAuthClient({ createAuthClient, emailOTPClient }, baseUrl, fetch) {
  return createAuthClient({ baseURL: baseUrl, plugins: [emailOTPClient()], ...(fetch ? { fetchOptions: { customFetchImpl: fetch } } : {}) });
}
const baError = (e) => new Error(`better-auth: ${e.status} ${e.message ?? e.statusText}`);
/** emailOtp.sendVerificationOtp, then signIn.emailOtp; `client()` as for auth-js. */
export const betterAuthSteps = (client) => ({
  async request(email) {
    const c = client();
    const { error } = await c.emailOtp.sendVerificationOtp({ email, type: 'sign-in' });
    if (error) throw baError(error);
    return { c, email };
  },
  async verify({ c, email }, otp) {
    const { data, error } = await c.signIn.emailOtp({ email, otp });
    if (error) throw baError(error);
    if (typeof data?.token !== 'string') throw new Error('better-auth: no token');
    return data.token;
  },
});

/** Raw fetch sending what auth-js sends (its headers and bodies), for auth-js / its own requests. */
export function rawGotrueSteps(baseUrl, doFetch = fetch) {
  const post = poster(doFetch, { 'content-type': 'application/json;charset=UTF-8', 'x-supabase-api-version': '2024-01-01' });
  return {
    async request(email) {
      await post(`${baseUrl}/auth/v1/otp`, { email, data: {}, create_user: true, gotrue_meta_security: {}, code_challenge: null, code_challenge_method: null });
      return email;
    },
    async verify(email, token) {
      const session = await post(`${baseUrl}/auth/v1/verify`, { email, token, type: 'email', gotrue_meta_security: {} });
      if (typeof session.access_token !== 'string') throw new Error('no access_token');
      return session.access_token;
    },
  };
}

/** Raw fetch sending Better Auth's two requests, for better-auth / its own requests. */
export function rawBetterAuthSteps(baseUrl, doFetch = fetch) {
  const post = poster(doFetch, JSON_HEADERS);
  return {
    async request(email) {
      await post(`${baseUrl}/api/auth/email-otp/send-verification-otp`, { email, type: 'sign-in' });
      return email;
    },
    async verify(email, otp) {
      const data = await post(`${baseUrl}/api/auth/sign-in/email-otp`, { email, otp });
      if (typeof data.token !== 'string') throw new Error('no token');
      return data.token;
    },
  };
}

/** A whole flow from two steps, the code read as soon as the first answer is in. */
export const flowOf = (steps, readCode = () => STUB_CODE) => async (email) => steps.verify(await steps.request(email), readCode(email));

/**
 * The per-flow lineup against one stub, each with `run(email) -> credential`; with `fetch`
 * (the in-memory stub) every client sends through it instead of the global fetch. The
 * peers' clients are created once and reused (an app holds one client; a fresh client per
 * flow would add its construction, which the start-up section measures instead);
 * keymint's `start()` creates its per-flow object and is timed.
 */
export function lineup(clients, baseUrl, fetch = globalThis.fetch) {
  const { km, AuthClient } = clients;
  const own = fetch === globalThis.fetch ? undefined : fetch; // keymint and the peers: their default fetch unless told
  const supa = authJsClient(AuthClient, baseUrl, own);
  const ba = betterAuthClient(clients, baseUrl, own);
  return [
    { id: 'keymint', label: 'keymint (start → requestCode → submitCode)', routes: SCRIPTO, steps: keymintSteps(km, baseUrl, own) },
    { id: 'raw', label: 'raw fetch, the same two requests', routes: SCRIPTO, steps: rawSteps(baseUrl, fetch) },
    { id: 'rawTimeout', label: 'raw fetch + an AbortController and 30 s timer per request', routes: SCRIPTO, steps: rawSteps(baseUrl, fetchWithTimeout(fetch)) },
    { id: 'authjs', label: '@supabase/auth-js (signInWithOtp → verifyOtp)', routes: GOTRUE, steps: authJsSteps(() => supa) },
    { id: 'rawGotrue', label: "raw fetch, auth-js's two requests", routes: GOTRUE, steps: rawGotrueSteps(baseUrl, fetch) },
    { id: 'betterauth', label: 'better-auth client (sendVerificationOtp → signIn.emailOtp)', routes: BETTER_AUTH, steps: betterAuthSteps(() => ba) },
    { id: 'rawBetterAuth', label: "raw fetch, Better Auth's two requests", routes: BETTER_AUTH, steps: rawBetterAuthSteps(baseUrl, fetch) },
  ].map((c) => ({ ...c, run: flowOf(c.steps) }));
}

// The whole-flow helpers this module's first version (and overhead.mjs before it) exported.
export const rawFlow = (baseUrl, email, readCode, doFetch = fetch) => flowOf(rawSteps(baseUrl, doFetch), readCode)(email);
export const keymintFlow = (km, baseUrl, email, readCode, fetch) => flowOf(keymintSteps(km, baseUrl, fetch), readCode)(email);
