// The benched clients, each one email-code sign-in = two requests against the loopback
// stub (benches/peers/stub.mjs): ask for a code, then verify it and read the credential.
// Shared by the per-flow section (overhead.mjs) and the scale worker, so both time the
// same code. Every factory takes { baseUrl, fetch? } and returns `(email) => credential`;
// a flow that fails throws (a timed failure would be a wrong measurement).
import { pathToFileURL } from 'node:url';
import { distEntry, peerUrl } from './lib/paths.mjs';
import { STUB_CODE } from './peers/stub.mjs';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const readStubCode = () => STUB_CODE;

// The two routes each client sends per flow (as the stub counts them), to check that every
// timed flow was exactly its two requests and nothing else (no session poll, no retry).
const SCRIPTO = ['POST /api/cli/login-request', 'POST /api/cli/login-complete'];
const GOTRUE = ['POST /auth/v1/otp', 'POST /auth/v1/verify'];
const BETTER_AUTH = ['POST /api/auth/email-otp/send-verification-otp', 'POST /api/auth/sign-in/email-otp'];

/**
 * The hand-written client: the same two requests keymint sends to Scripto (same headers,
 * including an Idempotency-Key on the complete), checked the same minimal way.
 */
export async function rawFlow(baseUrl, email, readCode, doFetch = fetch) {
  const post = async (path, body, extra) => {
    const res = await doFetch(baseUrl + path, { method: 'POST', headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok || json?.success === false) throw new Error(`${path}: HTTP ${res.status} ${json?.error?.code}`);
    return json.data;
  };
  await post('/api/cli/login-request', { email });
  const data = await post('/api/cli/login-complete', { email, otp: readCode(email) }, { 'idempotency-key': `raw-${crypto.randomUUID()}` });
  if (typeof data?.apiKey !== 'string') throw new Error('no apiKey in the answer');
  return data.apiKey;
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

/** The same flow through keymint's public API (the default entry, scripto preset). */
export async function keymintFlow(km, baseUrl, email, readCode, fetch) {
  const flow = km.start({ provider: 'scripto', baseUrl, email, ...(fetch ? { fetch } : {}) });
  await flow.requestCode();
  const cred = await flow.submitCode(readCode(email));
  return cred.apiKey.reveal();
}

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

/**
 * @supabase/auth-js: signInWithOtp + verifyOtp on an AuthClient for the stub's /auth/v1
 * (where a Supabase project serves GoTrue). autoRefreshToken off: in Node it would start
 * a refresh interval per client, which no other client here has. Session storage is the
 * default (in memory under Node), so verifyOtp saves the session as it would in an app.
 */
export function authJsClient(AuthClient, baseUrl, fetch) {
  return new AuthClient({ url: `${baseUrl}/auth/v1`, autoRefreshToken: false, ...(fetch ? { fetch } : {}) });
}
export async function authJsFlow(client, email) {
  const sent = await client.signInWithOtp({ email, options: { shouldCreateUser: true } });
  if (sent.error) throw sent.error;
  const { data, error } = await client.verifyOtp({ email, token: STUB_CODE, type: 'email' });
  if (error) throw error;
  if (typeof data?.session?.access_token !== 'string') throw new Error('auth-js: no session');
  return data.session.access_token;
}

/** Better Auth's client with the email-OTP plugin: sendVerificationOtp + signIn.emailOtp. */
export function betterAuthClient({ createAuthClient, emailOTPClient }, baseUrl, fetch) {
  return createAuthClient({ baseURL: baseUrl, plugins: [emailOTPClient()], ...(fetch ? { fetchOptions: { customFetchImpl: fetch } } : {}) });
}
export async function betterAuthFlow(client, email) {
  const sent = await client.emailOtp.sendVerificationOtp({ email, type: 'sign-in' });
  if (sent.error) throw new Error(`better-auth: ${sent.error.status} ${sent.error.message ?? sent.error.statusText}`);
  const { data, error } = await client.signIn.emailOtp({ email, otp: STUB_CODE });
  if (error) throw new Error(`better-auth: ${error.status} ${error.message ?? error.statusText}`);
  if (typeof data?.token !== 'string') throw new Error('better-auth: no token');
  return data.token;
}

/** Raw fetch sending what auth-js sends (its headers and /otp body), for auth-js / its own requests. */
export async function rawGotrueFlow(baseUrl, email, doFetch = fetch) {
  const headers = { 'content-type': 'application/json;charset=UTF-8', 'x-supabase-api-version': '2024-01-01' };
  const post = async (path, body) => {
    const res = await doFetch(`${baseUrl}/auth/v1${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return json;
  };
  await post('/otp', { email, data: {}, create_user: true, gotrue_meta_security: {}, code_challenge: null, code_challenge_method: null });
  const session = await post('/verify', { email, token: STUB_CODE, type: 'email', gotrue_meta_security: {} });
  if (typeof session.access_token !== 'string') throw new Error('no access_token');
  return session.access_token;
}

/** Raw fetch sending Better Auth's two requests, for better-auth / its own requests. */
export async function rawBetterAuthFlow(baseUrl, email, doFetch = fetch) {
  const post = async (path, body) => {
    const res = await doFetch(`${baseUrl}/api/auth${path}`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return json;
  };
  await post('/email-otp/send-verification-otp', { email, type: 'sign-in' });
  const data = await post('/sign-in/email-otp', { email, otp: STUB_CODE });
  if (typeof data.token !== 'string') throw new Error('no token');
  return data.token;
}

/**
 * The per-flow lineup against one stub, each `(email) => credential`; with `fetch` (the
 * in-memory stub) every client sends through it instead of the global fetch. The peers'
 * clients are created once and reused (an app holds one client; a fresh client per flow
 * would add its construction, which the start-up section measures instead); keymint's
 * `start()` creates its per-flow object and is timed.
 */
export function lineup(clients, baseUrl, fetch = globalThis.fetch) {
  const { km, AuthClient } = clients;
  const own = fetch === globalThis.fetch ? undefined : fetch; // keymint and the peers: their default fetch unless told
  const supa = authJsClient(AuthClient, baseUrl, own);
  const ba = betterAuthClient(clients, baseUrl, own);
  const timed = fetchWithTimeout(fetch);
  return [
    { id: 'keymint', label: 'keymint (start → requestCode → submitCode)', routes: SCRIPTO, run: (email) => keymintFlow(km, baseUrl, email, readStubCode, own) },
    { id: 'raw', label: 'raw fetch, the same two requests', routes: SCRIPTO, run: (email) => rawFlow(baseUrl, email, readStubCode, fetch) },
    { id: 'rawTimeout', label: 'raw fetch + the timeout keymint sets (AbortController + 30 s timer)', routes: SCRIPTO, run: (email) => rawFlow(baseUrl, email, readStubCode, timed) },
    { id: 'authjs', label: '@supabase/auth-js (signInWithOtp → verifyOtp)', routes: GOTRUE, run: (email) => authJsFlow(supa, email) },
    { id: 'rawGotrue', label: "raw fetch, auth-js's two requests", routes: GOTRUE, run: (email) => rawGotrueFlow(baseUrl, email, fetch) },
    { id: 'betterauth', label: 'better-auth client (sendVerificationOtp → signIn.emailOtp)', routes: BETTER_AUTH, run: (email) => betterAuthFlow(ba, email) },
    { id: 'rawBetterAuth', label: "raw fetch, Better Auth's two requests", routes: BETTER_AUTH, run: (email) => rawBetterAuthFlow(baseUrl, email, fetch) },
  ];
}
