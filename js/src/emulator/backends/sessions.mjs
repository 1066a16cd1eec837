// Emulator backend: the OTP sessions API (shared/protocols/sessions.md, seed 004).
// Email OTP sign-in/sign-up, access + refresh token pairs, rotation with reuse
// detection, revoke, session check. Every rule reads the emulator clock (ctx.now()).

import { normalizeEmail, isValidEmail, isBlank, sha256Hex, bearerToken, randomBase62, rfc3339, retrySeconds, body } from '../util.mjs';

/** RFC 3339 UTC, whole seconds; `ceil` for "available at" times so a client never comes early. */
/** Whole seconds from `nowMs` until `untilMs`, rounded up and never 0. */
const secondsUntil = (untilMs, nowMs) => retrySeconds(untilMs - nowMs);

export const COOLDOWN_S = 30;
export const CODE_TTL_S = 600;
export const MAX_ATTEMPTS = 5;
export const LOCK_S = 900;
export const ACCESS_TTL_S = 900;
export const REFRESH_TTL_S = 30 * 24 * 3600;
const PURPOSES = ['signin', 'signup'];

/** @param {number} status @param {string} code @param {string} message @param {object} [extra] */
function fail(status, code, message, extra = {}) {
  const res = { status, json: { error: { code, message, ...extra } } };
  if (status === 429 && typeof extra.retryAfterSeconds === 'number') {
    res.headers = { 'retry-after': String(extra.retryAfterSeconds) };
  }
  return res;
}

const ok = (json, status = 200) => ({ status, json });


export default function createSessions(ctx) {
  const now = () => ctx.now();
  const token = (prefix, len) => (ctx.randomToken ? ctx.randomToken(prefix, len) : prefix + randomBase62(len));

  /** @type {Map<string, {id: string, email: string, createdAt: number}>} by normalised email */
  let users = new Map();
  /** @type {Map<string, {codeHash: string, issuedAt: number, expiresAt: number}>} by `email|purpose` */
  let pending = new Map();
  /** @type {Map<string, number>} email → ms of the last code sent (cooldown is per email) */
  let lastSent = new Map();
  /** @type {Map<string, number>} email → wrong codes since the last success or lock */
  let wrong = new Map();
  /** @type {Map<string, number>} email → ms the lock ends */
  let locks = new Map();
  /** @type {Map<string, {id: string, userId: string, email: string, revoked: boolean, createdAt: number}>} */
  let sessions = new Map();
  /** @type {Map<string, {sessionId: string, expiresAt: number}>} access-token hash → */
  let accessTokens = new Map();
  /** @type {Map<string, {sessionId: string, expiresAt: number, rotated: boolean}>} refresh-token hash → */
  let refreshTokens = new Map();
  let stats = { refreshRequests: 0, revokedFamilies: 0, revokedSessions: 0 };

  function reset() {
    users = new Map();
    pending = new Map();
    lastSent = new Map();
    wrong = new Map();
    locks = new Map();
    sessions = new Map();
    accessTokens = new Map();
    refreshTokens = new Map();
    stats = { refreshRequests: 0, revokedFamilies: 0, revokedSessions: 0 };
  }

  /** The normalised email, or undefined when missing, blank or malformed. */
  function emailOf(value) {
    if (typeof value !== 'string' || isBlank(value)) return undefined;
    const email = normalizeEmail(value);
    return isValidEmail(email) ? email : undefined;
  }

  /** Remaining lock in ms for an email (0 when not locked; expired locks are dropped). */
  function lockLeft(email) {
    const until = locks.get(email);
    if (until === undefined) return 0;
    if (until <= now()) {
      locks.delete(email);
      return 0;
    }
    return until - now();
  }

  function lockedError(email) {
    return fail(429, 'otp_locked', 'Too many wrong codes for this email. Wait before requesting a new code.', {
      retryAfterSeconds: secondsUntil(locks.get(email), now()),
    });
  }

  function createUser(email) {
    let user = users.get(email);
    if (!user) {
      user = { id: token('usr_', 16), email, createdAt: now() };
      users.set(email, user);
    }
    return user;
  }

  const userJson = (u) => ({ id: u.id, email: u.email, createdAt: rfc3339(u.createdAt) });

  /** Issues a fresh pair for a session (new session when `session` is undefined). */
  function issuePair(user, session) {
    const t = now();
    if (!session) {
      session = { id: token('ses_', 16), userId: user.id, email: user.email, revoked: false, createdAt: t };
      sessions.set(session.id, session);
    }
    const accessToken = token('at_', 40);
    const refreshToken = token('rt_', 48);
    const expiresAt = t + ACCESS_TTL_S * 1000;
    accessTokens.set(sha256Hex(accessToken), { sessionId: session.id, expiresAt });
    refreshTokens.set(sha256Hex(refreshToken), { sessionId: session.id, expiresAt: t + REFRESH_TTL_S * 1000, rotated: false });
    return ok({
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: ACCESS_TTL_S,
      expiresAt: rfc3339(expiresAt),
      user: userJson(user),
    });
  }

  function revokeSession(session) {
    if (session.revoked) return false;
    session.revoked = true;
    return true;
  }

  // ---- routes ------------------------------------------------------------

  async function requestOtp(req) {
    const b = body(req);
    const email = emailOf(b.email);
    if (!email) return fail(400, 'invalid_email', 'A valid email address is required.');
    const purpose = b.purpose === undefined || b.purpose === null ? 'signin' : b.purpose;
    if (!PURPOSES.includes(purpose)) {
      return fail(400, 'invalid_purpose', 'purpose must be "signin" or "signup".');
    }
    if (lockLeft(email) > 0) return lockedError(email);
    const last = lastSent.get(email);
    if (last !== undefined && now() - last < COOLDOWN_S * 1000) {
      return fail(429, 'otp_cooldown', `A code was sent less than ${COOLDOWN_S} seconds ago. Wait before requesting another.`, {
        retryAfterSeconds: secondsUntil(last + COOLDOWN_S * 1000, now()),
      });
    }
    const known = users.has(email);
    if (purpose === 'signin' && !known) return fail(404, 'user_not_found', 'No account exists for this email. Sign up instead.');
    if (purpose === 'signup' && known) return fail(409, 'user_exists', 'An account already exists for this email. Sign in instead.');

    const t = now();
    const code = ctx.randomCode();
    const expiresAt = t + CODE_TTL_S * 1000;
    pending.set(`${email}|${purpose}`, { codeHash: sha256Hex(code), issuedAt: t, expiresAt });
    lastSent.set(email, t);
    ctx.deliver({ email, code, backend: 'sessions', purpose });
    return ok({
      ok: true,
      email,
      purpose,
      expiresAt: rfc3339(expiresAt),
      resendAvailableAt: rfc3339(t + COOLDOWN_S * 1000, 'ceil'),
    });
  }

  async function verifyOtp(req) {
    const b = body(req);
    const email = emailOf(b.email);
    if (!email) return fail(400, 'invalid_email', 'A valid email address is required.');
    const purpose = b.purpose === undefined || b.purpose === null ? 'signin' : b.purpose;
    if (!PURPOSES.includes(purpose)) return fail(400, 'invalid_purpose', 'purpose must be "signin" or "signup".');
    if (lockLeft(email) > 0) return lockedError(email);
    const key = `${email}|${purpose}`;
    const entry = pending.get(key);
    if (!entry) return fail(404, 'code_not_found', 'No code is pending for this email and purpose. Request a new code.');
    if (now() >= entry.expiresAt) return fail(410, 'code_expired', 'The code has expired. Request a new code.');

    const code = typeof b.code === 'string' ? b.code : '';
    if (!/^[0-9]{6}$/.test(code) || sha256Hex(code) !== entry.codeHash) {
      const n = (wrong.get(email) ?? 0) + 1;
      if (n >= MAX_ATTEMPTS) {
        wrong.delete(email);
        locks.set(email, now() + LOCK_S * 1000);
        for (const p of PURPOSES) pending.delete(`${email}|${p}`);
        return lockedError(email);
      }
      wrong.set(email, n);
      return fail(400, 'invalid_code', 'The code is incorrect.', { attemptsRemaining: MAX_ATTEMPTS - n });
    }

    pending.delete(key);
    wrong.delete(email);
    const user = purpose === 'signup' ? createUser(email) : users.get(email);
    if (!user) return fail(404, 'user_not_found', 'No account exists for this email. Sign up instead.');
    return issuePair(user, undefined);
  }

  async function refresh(req) {
    stats.refreshRequests++;
    const b = body(req);
    const raw = typeof b.refreshToken === 'string' ? b.refreshToken : '';
    const rec = raw ? refreshTokens.get(sha256Hex(raw)) : undefined;
    const session = rec ? sessions.get(rec.sessionId) : undefined;
    if (!rec || !session || session.revoked || now() >= rec.expiresAt) {
      return fail(401, 'invalid_refresh_token', 'The refresh token is unknown, expired or revoked. Sign in again.');
    }
    if (rec.rotated) {
      revokeSession(session);
      stats.revokedFamilies++;
      return fail(401, 'refresh_token_reused', 'This refresh token was already used. The session has been revoked; sign in again.');
    }
    rec.rotated = true;
    const user = users.get(session.email);
    if (!user) return fail(401, 'invalid_refresh_token', 'The refresh token is unknown, expired or revoked. Sign in again.');
    return issuePair(user, session);
  }

  async function revoke(req) {
    const raw = bearerToken(req.headers);
    const rec = raw ? accessTokens.get(sha256Hex(raw)) : undefined;
    const session = rec ? sessions.get(rec.sessionId) : undefined;
    if (!rec || !session) {
      return { ...fail(401, 'invalid_token', 'A valid bearer access token is required.'), headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
    }
    // Expired and already-revoked access tokens are accepted: revoke is idempotent and
    // its only effect is to end the session.
    if (revokeSession(session)) stats.revokedSessions++;
    const b = body(req);
    if (typeof b.refreshToken === 'string' && b.refreshToken) {
      const r = refreshTokens.get(sha256Hex(b.refreshToken));
      const other = r ? sessions.get(r.sessionId) : undefined;
      // Only a session of the same user; someone else's token is silently ignored.
      if (other && other.userId === session.userId && revokeSession(other)) stats.revokedSessions++;
    }
    return ok({ ok: true });
  }

  async function sessionCheck(req) {
    const raw = bearerToken(req.headers);
    const rec = raw ? accessTokens.get(sha256Hex(raw)) : undefined;
    const session = rec ? sessions.get(rec.sessionId) : undefined;
    const user = session ? users.get(session.email) : undefined;
    if (!rec || !session || session.revoked || !user) {
      return { ...fail(401, 'invalid_token', 'The access token is unknown or revoked. Sign in again.'), headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
    }
    if (now() >= rec.expiresAt) {
      return { ...fail(401, 'token_expired', 'The access token has expired. Refresh it.'), headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="expired"' } };
    }
    return ok({ user: userJson(user), session: { id: session.id, expiresAt: rfc3339(rec.expiresAt) } });
  }

  // ---- dev routes ----------------------------------------------------------

  async function seedUser(req) {
    const email = emailOf(body(req).email);
    if (!email) return fail(400, 'invalid_email', 'A valid email address is required.');
    return ok({ user: userJson(createUser(email)) });
  }

  async function getStats() {
    let active = 0;
    for (const s of sessions.values()) if (!s.revoked) active++;
    return ok({ ...stats, activeSessions: active });
  }

  return {
    name: 'sessions',
    routes: [
      { method: 'POST', path: '/api/v1/auth/request-otp', handler: requestOtp },
      { method: 'POST', path: '/api/v1/auth/verify-otp', handler: verifyOtp },
      { method: 'POST', path: '/api/v1/auth/refresh', handler: refresh },
      { method: 'POST', path: '/api/v1/auth/revoke', handler: revoke },
      { method: 'GET', path: '/api/v1/auth/session', handler: sessionCheck },
    ],
    devRoutes: [
      { method: 'POST', path: '/__keymint/sessions/seed-user', handler: seedUser },
      { method: 'GET', path: '/__keymint/sessions/stats', handler: getStats },
    ],
    reset,
  };
}
