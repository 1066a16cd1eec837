// One loopback stub that answers every benched client's two requests with canned, valid
// answers, so keymint, raw fetch, @supabase/auth-js and the Better Auth client are timed
// against the same server doing the same (tiny) work. Not bundled by benches/size.mjs.
//
//   keymint (scripto preset) and raw fetch   POST /api/cli/login-request, /api/cli/login-complete
//   @supabase/auth-js (url = BASE/auth/v1)   POST /auth/v1/otp, /auth/v1/verify
//   better-auth client (baseURL = BASE)      POST /api/auth/email-otp/send-verification-otp,
//                                            POST /api/auth/sign-in/email-otp
//
// Answer shapes follow the servers (docs: ../shared/protocols/scripto.md; GoTrue's /verify
// session and Better Auth's { token, user }, read from the clients' sources in
// js/node_modules). Every answer that carries a credential carries a fresh one (a counter
// in a fixed-width slot), so the scale harness can count distinct credentials and every
// answer of a route has the same size. A wrong code is refused (400), so a client that
// sent the wrong field fails loudly instead of being timed.
//
// Run as a script (`node benches/peers/stub.mjs [port]`) it prints its URL on the first
// line of stdout and serves until SIGTERM: the bench runs it in a child process so the
// server's CPU and memory are not counted in the client's process.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

/** The one code every stubbed mailbox "delivers". */
export const STUB_CODE = '123456';

const pad = (n, width) => String(n).padStart(width, '0');
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const T0 = Math.floor(Date.now() / 1000);
const ISO = new Date(T0 * 1000).toISOString();

// Scripto: { success, data } envelopes.
const scriptoSent = (email) => ({ success: true, data: { ok: true, email } });
const scriptoKey = (n, email) => ({
  success: true,
  data: { apiKey: `scripto_${pad(n, 40)}`, keyId: `key_${pad(n, 20)}`, userId: `user_${pad(n, 20)}`, email },
});

// GoTrue's /verify answer: a session with a JWT access token and the user.
const JWT_HEAD = b64url({ alg: 'HS256', kid: 'stub', typ: 'JWT' });
function gotrueSession(n, email) {
  const sub = `00000000-0000-4000-8000-${pad(n, 12)}`;
  const claims = { iss: 'http://127.0.0.1/auth/v1', sub, aud: 'authenticated', exp: T0 + 3600, iat: T0, email, phone: '', role: 'authenticated', aal: 'aal1', session_id: sub, is_anonymous: false };
  return {
    access_token: `${JWT_HEAD}.${b64url(claims)}.${'s'.repeat(43)}`,
    token_type: 'bearer',
    expires_in: 3600,
    expires_at: T0 + 3600,
    refresh_token: `r${pad(n, 11)}`,
    user: {
      id: sub,
      aud: 'authenticated',
      role: 'authenticated',
      email,
      email_confirmed_at: ISO,
      phone: '',
      confirmed_at: ISO,
      last_sign_in_at: ISO,
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: { email, email_verified: true, phone_verified: false, sub },
      identities: [],
      created_at: ISO,
      updated_at: ISO,
      is_anonymous: false,
    },
  };
}

// Better Auth: sign-in answers { token, user } and sets the session cookie.
const betterAuthUser = (n, email) => ({ id: `u${pad(n, 31)}`, email, emailVerified: true, name: '', image: null, createdAt: ISO, updatedAt: ISO });

/** route -> (json body, n) => [status, answer, extra headers?]. `n` counts credentials minted. */
const bad = (what) => [400, { error: `stub: ${what}` }];
const ROUTES = {
  'POST /api/cli/login-request': (b) => (typeof b.email === 'string' ? [200, scriptoSent(b.email)] : bad('no email')),
  'POST /api/cli/login-complete': (b, n) =>
    b.otp === STUB_CODE ? [200, scriptoKey(n, b.email)] : [400, { success: false, error: { code: 'invalid-argument', message: 'the code is wrong or has expired' } }],
  'POST /auth/v1/otp': (b) => (typeof b.email === 'string' ? [200, {}] : bad('no email')),
  'POST /auth/v1/verify': (b, n) => (b.token === STUB_CODE && b.type === 'email' ? [200, gotrueSession(n, b.email)] : [403, { code: 'otp_expired', msg: 'Token has expired or is invalid' }]),
  'POST /api/auth/email-otp/send-verification-otp': (b) => (typeof b.email === 'string' && b.type === 'sign-in' ? [200, { success: true }] : bad('no email or type')),
  'POST /api/auth/sign-in/email-otp': (b, n) =>
    b.otp === STUB_CODE
      ? [200, { token: `t${pad(n, 31)}`, user: betterAuthUser(n, b.email) }, { 'set-cookie': `better-auth.session_token=t${pad(n, 31)}.${'s'.repeat(43)}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax` }]
      : [400, { code: 'INVALID_OTP', message: 'Invalid OTP' }],
  // Not part of any benched flow; answered so a client that polls its session is seen in the counts, not failed.
  'GET /api/auth/get-session': () => [200, null],
};

/**
 * The stub's logic without a transport: `answer(method, path, bodyText)` -> {status, text,
 * headers}, counting each route (plus unknown ones) in `counts`. The server below and the
 * in-memory fetch (client-side cost, no sockets) share it, so both answer byte for byte alike.
 */
export function createStub() {
  const counts = {};
  let minted = 0;
  const answer = (method, path, bodyText) => {
    const route = `${method} ${path}`;
    let status;
    let json;
    let extra;
    if (route === 'GET /__stub/stats') [status, json] = [200, { counts, minted }];
    else if (route === 'POST /__stub/reset') {
      for (const k of Object.keys(counts)) delete counts[k];
      [status, json] = [200, { ok: true }];
    } else {
      counts[route] = (counts[route] ?? 0) + 1;
      const handler = ROUTES[route];
      let body = {};
      try {
        if (bodyText) body = JSON.parse(bodyText);
      } catch {
        body = null;
      }
      if (!handler) [status, json] = [404, { error: `stub: no route ${route}` }];
      else if (body === null || typeof body !== 'object') [status, json] = bad('body is not a JSON object');
      else [status, json, extra] = handler(body, ++minted);
    }
    return { status, text: JSON.stringify(json), headers: { 'content-type': 'application/json', ...extra } };
  };
  return { answer, counts };
}

/** A node:http server answering ROUTES; the counts are served at GET /__stub/stats. */
export function createStubServer() {
  const { answer, counts } = createStub();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const a = answer(req.method, req.url.split('?')[0], chunks.length ? Buffer.concat(chunks).toString('utf8') : '');
      res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.text) });
      res.end(a.text);
    });
  });
  // Keep pooled sockets open across the bench's pauses (gc, block boundaries): no reconnects timed.
  server.keepAliveTimeout = 60_000;
  return { server, counts };
}

/**
 * The same answers from an in-memory `fetch` (no sockets, no server, no event-loop turn
 * to the network): what is left of a flow's time is the client's own work.
 */
export function memoryFetch() {
  const { answer, counts } = createStub();
  const f = async (input, init = {}) => {
    const req = input instanceof Request ? input : null;
    const url = new URL(req ? req.url : String(input));
    const method = (init.method ?? req?.method ?? 'GET').toUpperCase();
    const body = init.body ?? (req ? await req.text() : '');
    const a = answer(method, url.pathname, typeof body === 'string' ? body : new TextDecoder().decode(body));
    return new Response(a.status === 204 ? null : a.text, { status: a.status, headers: a.headers });
  };
  return { fetch: f, counts };
}

/** Starts the stub on 127.0.0.1 in this process. */
export async function startStub({ port = 0 } = {}) {
  const { server, counts } = createStubServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const close = () => new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
  return { url, counts, close };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const stub = await startStub({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`${stub.url}\n`);
  process.once('SIGTERM', () => stub.close().then(() => process.exit(0)));
}
