// Scripto (protocols/scripto.md): open-signup email OTP that mints user-bound
// `scripto_` keys. No cooldown, lockout or rate limit: the seeds state none, so the
// emulator must not invent one that clients would then learn to expect.

import { bearerToken, fail, isBlank, isValidEmail, normalizeEmail, ok, sha256Hex } from '../util.mjs';

const CODE_LIFETIME_MS = 600_000;
const DEFAULT_KEY_NAME = 'scripto-cli';
const REQUEST_AGAIN = 'request a new code with: scripto auth login-request';

const invalid = (message, nextAction) =>
  fail(400, nextAction ? { code: 'invalid-argument', message, nextAction } : { code: 'invalid-argument', message });
const internal = (message) => fail(500, { code: 'internal', message });

export default function createScripto(ctx) {
  /** email -> { id, email } */
  const users = new Map();
  /** email -> { code, issuedAt }: at most one pending code, the newest */
  const pending = new Map();
  /** sha256(raw key) -> { id, name, userId, email } */
  const keys = new Map();
  /** routes ('request' | 'complete') whose next call answers their 500 row */
  const failNext = new Set();

  function loginRequest(req) {
    const raw = req.json?.email;
    const email = typeof raw === 'string' ? normalizeEmail(raw) : '';
    if (!isValidEmail(email)) {
      return invalid(isBlank(raw) ? 'email is required' : 'email is malformed', 'Pass --email <your-email> to: scripto auth login-request');
    }
    if (failNext.delete('request')) return internal('sending the sign-in code failed; retry shortly');
    const code = ctx.randomCode();
    pending.set(email, { code, issuedAt: ctx.now() });
    ctx.deliver({ email, code, backend: 'scripto', purpose: 'login' });
    return ok({ ok: true, email });
  }

  function loginComplete(req) {
    const { email: rawEmail, otp, name } = req.json ?? {};
    if (isBlank(rawEmail) || typeof rawEmail !== 'string') return invalid('email is required');
    if (isBlank(otp)) return invalid('otp is required', REQUEST_AGAIN);

    const email = normalizeEmail(rawEmail);
    const entry = pending.get(email);
    const live = entry !== undefined && ctx.now() - entry.issuedAt <= CODE_LIFETIME_MS;
    if (entry && !live) pending.delete(email);
    // Wrong and expired answer alike (the seed's single row); a wrong code leaves the
    // pending one usable, since Scripto has no attempt limit.
    if (!live || otp !== entry.code) return invalid('the code is wrong or has expired', REQUEST_AGAIN);

    // Open signup: verifying the code registers the email, even if minting then fails.
    let user = users.get(email);
    if (!user) {
      user = { id: ctx.randomToken('user_', 20), email };
      users.set(email, user);
    }
    // "Signed in but minting failed": the code stays pending so a retry can succeed.
    if (failNext.delete('complete')) return internal('signed in, but minting the API key failed; retry');

    const apiKey = ctx.randomToken('scripto_', 40);
    const keyId = ctx.randomToken('key_', 20);
    keys.set(sha256Hex(apiKey), { id: keyId, name: typeof name === 'string' && name.trim() !== '' ? name : DEFAULT_KEY_NAME, userId: user.id, email });
    pending.delete(email);
    return ok({ apiKey, keyId, userId: user.id, email });
  }

  function whoami(req) {
    const token = bearerToken(req.headers);
    const key = token === undefined ? undefined : keys.get(sha256Hex(token));
    if (!key) {
      return fail(401, {
        code: 'unauthenticated',
        message: 'a valid scripto_ API key is required',
        nextAction: 'sign in with: scripto auth login-request --email <your-email>',
      });
    }
    return ok({ userId: key.userId, email: key.email, keyId: key.id, keyName: key.name });
  }

  function armFailure(req) {
    const route = req.json?.route;
    if (route !== 'request' && route !== 'complete') {
      return fail(400, { code: 'BAD_REQUEST', message: 'route must be "request" or "complete"' });
    }
    failNext.add(route);
    return { status: 200, json: { ok: true } };
  }

  return {
    name: 'scripto',
    routes: [
      { method: 'POST', path: '/api/cli/login-request', handler: loginRequest },
      { method: 'POST', path: '/api/cli/login-complete', handler: loginComplete },
      { method: 'GET', path: '/api/cli/whoami', handler: whoami },
    ],
    devRoutes: [{ method: 'POST', path: '/__keymint/scripto/fail-next', handler: armFailure }],
    reset() {
      users.clear();
      pending.clear();
      keys.clear();
      failNext.clear();
    },
  };
}
