// Three small email-code backends shaped like real servers that keymint's first spec
// language could not describe (issue 16). Each is driven by a version 2 spec in
// js/test/fixtures/patterns/ and by js/test/emulator-patterns.test.mjs; docs/custom-provider.md
// shows the same specs as worked examples.
//
// pending — the request answers 401 with a pending flow and a session token (success, not an
//   error); the confirm sends the flow id in the body and the token as a bearer header; errors
//   are `{errors: [{code, param}]}`; the credential is a JWT with its own `exp`; whoami is a
//   POST with the bare JWT in Authorization; refresh sends the JWT in `X-Session-Token`.
//     POST /patterns/pending/start    {email}            401 {pending_flow, session_token}
//     POST /patterns/pending/confirm  {flow_id, code}    200 {jwt, user: {id, email}}
//     POST /patterns/pending/me       Authorization: JWT 200 {user}
//     POST /patterns/pending/refresh  X-Session-Token    200 {jwt, user}
// django — codes are `XXXX-XXXX` (letters and digits, sent with the dash); errors are
//   field-keyed lists of English messages (`{token: ["…isn't valid."]}`), a bare
//   `{status: 409}`, or a throttle `{detail}` with Retry-After; the credential is a session token.
//     POST /patterns/django/email     {email}            200 {detail}
//     POST /patterns/django/token     {email, token}     200 {token, user: {pk, email}}
//     GET  /patterns/django/me        Authorization: Token <t>   200 {pk, email}
// purposes — sign-up and sign-in are separate routes that name the code differently
//   (`key` on sign-up, `code` on sign-in); `{error: {code}}`.
//     POST /patterns/purposes/signup/request {email} · /signup/verify {email, key}
//     POST /patterns/purposes/login/request  {email} · /login/verify  {email, code}

import { randomInt } from 'node:crypto';
import { body, isValidEmail, normalizeEmail, randomBase62 } from '../util.mjs';

const LIFETIME_MS = 300_000;
const TRIES = 3;
const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

const json = (status, j, headers) => (headers ? { status, json: j, headers } : { status, json: j });
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

export default function createPatterns(ctx) {
  /** flow id -> {email, code, session, issued, tries} */
  const flows = new Map();
  /** email -> {code, issued, tries} (django and purposes) */
  const codes = new Map();
  /** issued tokens -> {id, email} */
  const tokens = new Map();
  /** email -> id */
  const users = new Map();
  /** email -> ms of the last django code (throttle: one per 30 s) */
  const lastSent = new Map();

  const userOf = (email) => {
    if (!users.has(email)) users.set(email, `usr_${randomBase62(12)}`);
    return { id: users.get(email), email };
  };
  /** An unsigned JWT with `exp` one hour from now (keymint reads `exp`, never trusts it). */
  const jwt = (email) => {
    const exp = Math.floor(ctx.now() / 1000) + 3600;
    const t = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: userOf(email).id, exp })}.${ctx.randomToken('', 16)}`;
    tokens.set(t, userOf(email));
    return t;
  };
  const live = (entry) => entry && ctx.now() - entry.issued <= LIFETIME_MS;

  // ---- pending
  function pendingStart(req) {
    const email = normalizeEmail(String(body(req).email ?? ''));
    if (!isValidEmail(email)) return json(400, { errors: [{ code: 'invalid_email', param: 'email' }] });
    const code = ctx.randomCode();
    const flow = `pf_${randomBase62(12)}`;
    const session = ctx.randomToken('pst_', 24);
    flows.set(flow, { email, code, session, issued: ctx.now(), tries: 0 });
    ctx.deliver({ email, code, backend: 'patterns', purpose: 'login' });
    return json(401, { pending_flow: flow, session_token: session, message: 'Verification required.' });
  }
  function pendingConfirm(req) {
    const { flow_id: id, code } = body(req);
    const flow = flows.get(String(id));
    if (!flow) return json(404, { errors: [{ code: 'flow_not_found', param: 'flow_id' }] });
    if (req.headers.authorization !== `Bearer ${flow.session}`) return json(401, { errors: [{ code: 'invalid_session' }] });
    if (!live(flow)) return json(400, { errors: [{ code: 'code_expired', param: 'code' }] });
    if (flow.tries >= TRIES) return json(429, { errors: [{ code: 'too_many_attempts' }] });
    if (code !== flow.code) {
      flow.tries++;
      if (flow.tries >= TRIES) return json(429, { errors: [{ code: 'too_many_attempts' }] });
      return json(400, { errors: [{ code: 'incorrect_code', param: 'code' }], attempts_left: TRIES - flow.tries });
    }
    flows.delete(String(id));
    return json(200, { jwt: jwt(flow.email), user: userOf(flow.email) });
  }
  const pendingMe = (req) => {
    const who = tokens.get(req.headers.authorization ?? '');
    return who ? json(200, { user: who }) : json(401, { errors: [{ code: 'invalid_token' }] });
  };
  const pendingRefresh = (req) => {
    const who = tokens.get(req.headers['x-session-token'] ?? '');
    return who ? json(200, { jwt: jwt(who.email), user: who }) : json(401, { errors: [{ code: 'invalid_token' }] });
  };

  // ---- django
  function djangoEmail(req) {
    const email = normalizeEmail(String(body(req).email ?? ''));
    if (!isValidEmail(email)) return json(400, { email: ['Enter a valid email address.'] });
    const last = lastSent.get(email);
    if (last !== undefined && ctx.now() - last < 30_000) {
      const wait = Math.ceil((last + 30_000 - ctx.now()) / 1000);
      return json(429, { detail: `Request was throttled. Expected available in ${wait} seconds.` }, { 'retry-after': String(wait) });
    }
    let code = '';
    for (let i = 0; i < 8; i++) code += (i === 4 ? '-' : '') + ALNUM[randomInt(ALNUM.length)];
    codes.set(`django:${email}`, { code, issued: ctx.now(), tries: 0 });
    lastSent.set(email, ctx.now());
    ctx.deliver({ email, code, backend: 'patterns', purpose: 'login' });
    return json(200, { detail: 'A login token has been sent to your email.' });
  }
  function djangoToken(req) {
    const { email: raw, token } = body(req);
    const email = normalizeEmail(String(raw ?? ''));
    const entry = codes.get(`django:${email}`);
    if (entry && !live(entry)) return json(409, { status: 409 });
    if (!entry || token !== entry.code) return json(400, { token: ["The token you entered isn't valid."] });
    codes.delete(`django:${email}`);
    const t = ctx.randomToken('dtk_', 32);
    tokens.set(t, userOf(email));
    return json(200, { token: t, user: { pk: userOf(email).id, email } });
  }
  const djangoMe = (req) => {
    const m = /^Token (\S+)$/.exec(req.headers.authorization ?? '');
    const who = m ? tokens.get(m[1]) : undefined;
    return who ? json(200, { pk: who.id, email: who.email }) : json(401, { detail: 'Invalid token.' });
  };

  // ---- purposes
  const purposeRequest = (purpose) => (req) => {
    const email = normalizeEmail(String(body(req).email ?? ''));
    if (!isValidEmail(email)) return json(400, { error: { code: 'bad_email' } });
    if (purpose === 'signup' && users.has(email)) return json(409, { error: { code: 'user_exists' } });
    if (purpose === 'login' && !users.has(email)) return json(404, { error: { code: 'no_user' } });
    const code = ctx.randomCode();
    codes.set(`${purpose}:${email}`, { code, issued: ctx.now(), tries: 0 });
    ctx.deliver({ email, code, backend: 'patterns', purpose });
    return json(200, { sent: true });
  };
  const purposeVerify = (purpose, field) => (req) => {
    const b = body(req);
    const email = normalizeEmail(String(b.email ?? ''));
    const entry = codes.get(`${purpose}:${email}`);
    if (!live(entry) || b[field] !== entry.code) return json(400, { error: { code: 'wrong_code' } });
    codes.delete(`${purpose}:${email}`);
    const created = !users.has(email);
    const t = ctx.randomToken('pss_', 32);
    tokens.set(t, userOf(email));
    return json(200, { session: t, created, user: userOf(email) });
  };

  return {
    name: 'patterns',
    routes: [
      { method: 'POST', path: '/patterns/pending/start', handler: pendingStart },
      { method: 'POST', path: '/patterns/pending/confirm', handler: pendingConfirm },
      { method: 'POST', path: '/patterns/pending/me', handler: pendingMe },
      { method: 'POST', path: '/patterns/pending/refresh', handler: pendingRefresh },
      { method: 'POST', path: '/patterns/django/email', handler: djangoEmail },
      { method: 'POST', path: '/patterns/django/token', handler: djangoToken },
      { method: 'GET', path: '/patterns/django/me', handler: djangoMe },
      { method: 'POST', path: '/patterns/purposes/signup/request', handler: purposeRequest('signup') },
      { method: 'POST', path: '/patterns/purposes/signup/verify', handler: purposeVerify('signup', 'key') },
      { method: 'POST', path: '/patterns/purposes/login/request', handler: purposeRequest('login') },
      { method: 'POST', path: '/patterns/purposes/login/verify', handler: purposeVerify('login', 'code') },
    ],
    reset() {
      flows.clear();
      codes.clear();
      tokens.clear();
      users.clear();
      lastSent.clear();
    },
  };
}
