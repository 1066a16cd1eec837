// Codika (protocols/codika.md): separate signup and login over email OTP, minting
// organization-scoped `cko_` keys. Check order, constants and error codes follow the
// protocol table by table; each numbered comment below names its step.

import {
  SlidingWindow, bearerToken, fail, isBlank, isValidEmail, normalizeEmail, ok, retrySeconds, rfc3339, sha256Hex,
} from '../util.mjs';

const CODE_LENGTH = 6;
const CODE_LIFETIME_MS = 600_000;
const MAX_FAILED_ATTEMPTS = 5;
const RESEND_INTERVAL_MS = 30_000;
const HOUR_MS = 3_600_000;
const EMAIL_CAP = 20;
const IP_CAP = 60;
const MAX_ACTIVE_KEYS = 20;
const MAX_COMPANY_NAME = 100;
const MAX_KEY_DAYS = 365;
const DAY_MS = 86_400_000;
const DEFAULT_COMPANY = 'My Organization';
const DEFAULT_KEY_NAME = 'CLI default key';
const DEFAULT_SCOPES = [
  'workflows:read', 'workflows:write', 'deployments:read', 'deployments:write', 'executions:read',
  'executions:write', 'credentials:read', 'credentials:write', 'organization:read', 'keys:read',
];

const PATH = {
  signupRequest: '/cliRequestSignupOtp',
  signupComplete: '/cliCompleteSignupOtp',
  loginRequest: '/cliRequestLoginOtp',
  loginComplete: '/cliCompleteLoginOtp',
  whoami: '/cliWhoami',
};

const error = (status, code, message, details, headers) =>
  fail(status, details ? { code, message, details } : { code, message }, headers);

/** A 429 that names a wait carries it both in the body and as Retry-After. */
const tooMany = (code, message, waitMs) => {
  const retryInSeconds = retrySeconds(waitMs);
  return error(429, code, message, { retryInSeconds }, { 'retry-after': String(retryInSeconds) });
};

const nonBlank = (value) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

export default function createCodika(ctx) {
  /** email -> { id, email, orgIds } */
  const users = new Map();
  /** id -> { id, name, description } */
  const orgs = new Map();
  /** sha256(raw key) -> { id, name, prefix, scopes, expiresAt (ms|null), orgId, email, revoked } */
  const keys = new Map();
  /** email -> { code, purpose, issuedAt, failures }: the one pending code */
  const pending = new Map();
  /** email -> { how: 'consumed'|'locked', code, issuedAt }: how the last code left `pending` */
  const lastEnded = new Map();
  /** email -> ms the last code was sent (cooldown) */
  const lastSentAt = new Map();
  const emailWindow = new SlidingWindow(HOUR_MS);
  const ipWindow = new SlidingWindow(HOUR_MS);
  /** path -> error answer armed by the fail-next dev route */
  const failNext = new Map();

  const orgsOf = (email) => (users.get(email)?.orgIds ?? []).filter((id) => orgs.has(id)).map((id) => orgs.get(id));
  const summary = (list) => list.map(({ id, name }) => ({ id, name }));
  const isActive = (key, now) => !key.revoked && orgs.has(key.orgId) && (key.expiresAt === null || now < key.expiresAt);
  const activeKeys = (orgId, now) => [...keys.values()].filter((k) => k.orgId === orgId && isActive(k, now)).length;

  function takeFailure(path) {
    const answer = failNext.get(path);
    failNext.delete(path);
    return answer;
  }

  /** Step 1 of both tables: { email } or { refusal }. */
  function readEmail(body) {
    const raw = body?.email;
    if (isBlank(raw)) return { refusal: error(400, 'EMAIL_REQUIRED', 'email is required') };
    const email = typeof raw === 'string' ? normalizeEmail(raw) : '';
    if (!isValidEmail(email)) return { refusal: error(400, 'EMAIL_INVALID', 'email is not a valid address') };
    return { email };
  }

  function ensureUser(email) {
    let user = users.get(email);
    if (!user) {
      user = { id: ctx.randomToken('usr_', 20), email, orgIds: [] };
      users.set(email, user);
    }
    return user;
  }

  function createOrg(user, { id, name, description }) {
    const org = { id: id ?? ctx.randomToken('org_', 20), name, description };
    orgs.set(org.id, org);
    user.orgIds.push(org.id);
    return org;
  }

  /** Stores a new key (hash only) and returns its raw value with its record. */
  function mintKey(user, org, name, expiresInDays, now) {
    const apiKey = ctx.randomToken('cko_', 40);
    const key = {
      id: ctx.randomToken('key_', 20),
      name,
      prefix: apiKey.slice(0, 8),
      scopes: [...DEFAULT_SCOPES],
      // Whole seconds, so the stored expiry is exactly the one reported.
      expiresAt: expiresInDays == null ? null : Math.floor((now + expiresInDays * DAY_MS) / 1000) * 1000,
      orgId: org.id,
      email: user.email,
      revoked: false,
    };
    keys.set(sha256Hex(apiKey), key);
    return { apiKey, key };
  }

  const requestOtp = (purpose) => (req) => {
    const { email, refusal } = readEmail(req.json);
    if (refusal) return refusal;
    const now = ctx.now();
    // 2–4: refusals here are not counted, so waiting them out really frees the caller.
    let wait = ipWindow.waitMs(req.ip, now, IP_CAP);
    if (wait) return tooMany('IP_RATE_LIMITED', `too many code requests from this IP (${IP_CAP} per hour)`, wait);
    wait = emailWindow.waitMs(email, now, EMAIL_CAP);
    if (wait) return tooMany('EMAIL_RATE_LIMITED', `too many code requests for this email (${EMAIL_CAP} per hour)`, wait);
    const last = lastSentAt.get(email);
    if (last !== undefined && now - last < RESEND_INTERVAL_MS) {
      return tooMany('OTP_RESEND_COOLDOWN', 'a code was sent less than 30 seconds ago', last + RESEND_INTERVAL_MS - now);
    }
    ipWindow.add(req.ip, now);
    emailWindow.add(email, now);

    // 5
    if (purpose === 'signup' && orgsOf(email).length > 0) {
      return error(409, 'USER_ALREADY_HAS_ORGANIZATION', 'this email already owns an organization; sign in instead');
    }
    if (purpose === 'login') {
      if (!users.has(email)) return error(404, 'USER_NOT_FOUND', 'no account exists for this email');
      if (orgsOf(email).length === 0) return error(409, 'USER_HAS_NO_ORGANIZATION', 'this account has no organization');
    }

    // 6
    const injected = takeFailure(req.path);
    if (injected) return injected;
    const code = ctx.randomCode();
    pending.set(email, { code, purpose, issuedAt: now, failures: 0 });
    lastSentAt.set(email, now);
    ctx.deliver({ email, code, backend: 'codika', purpose });
    return ok({
      email,
      purpose,
      expiresAt: rfc3339(now + CODE_LIFETIME_MS, 'floor'),
      resendAvailableAt: rfc3339(now + RESEND_INTERVAL_MS, 'ceil'),
      codeLength: CODE_LENGTH,
    });
  };

  const completeOtp = (purpose) => (req) => {
    const body = req.json ?? {};
    // 1: input checks, before the code is looked at.
    const { email, refusal } = readEmail(body);
    if (refusal) return refusal;
    const companyName = purpose === 'signup' ? nonBlank(body.companyName) ?? DEFAULT_COMPANY : undefined;
    if (companyName !== undefined && [...companyName].length > MAX_COMPANY_NAME) {
      return error(400, 'COMPANY_NAME_TOO_LONG', `the company name is longer than ${MAX_COMPANY_NAME} characters`);
    }
    const days = body.keyExpiresInDays ?? null;
    if (days !== null && !(Number.isInteger(days) && days >= 1 && days <= MAX_KEY_DAYS)) {
      return error(400, 'INVALID_EXPIRES_IN_DAYS', `keyExpiresInDays must be a whole number from 1 to ${MAX_KEY_DAYS}`);
    }

    const now = ctx.now();
    const entry = pending.get(email);
    // 2
    if (!entry) {
      const ended = lastEnded.get(email);
      const endedLive = ended !== undefined && now - ended.issuedAt <= CODE_LIFETIME_MS;
      if (endedLive && ended.how === 'locked') {
        return error(429, 'OTP_LOCKED_OUT', 'too many wrong codes; request a new one');
      }
      if (endedLive && ended.how === 'consumed' && body.code === ended.code) {
        return error(409, 'OTP_ALREADY_USED', 'this code was already used; request a new one');
      }
      return error(404, 'OTP_NOT_FOUND', 'no pending code for this email');
    }
    // 3
    if (now - entry.issuedAt > CODE_LIFETIME_MS) {
      pending.delete(email);
      lastEnded.delete(email);
      return error(410, 'OTP_EXPIRED', 'the code has expired; request a new one');
    }
    // 4
    if (entry.purpose !== purpose) {
      return error(409, 'OTP_PURPOSE_MISMATCH', `this is a ${entry.purpose} code; use the ${entry.purpose} endpoint`);
    }
    // 5
    if (body.code !== entry.code) {
      entry.failures += 1;
      if (entry.failures >= MAX_FAILED_ATTEMPTS) {
        pending.delete(email);
        lastEnded.set(email, { how: 'locked', issuedAt: entry.issuedAt });
        return error(429, 'OTP_LOCKED_OUT', 'too many wrong codes; the code was deleted, request a new one');
      }
      return error(400, 'OTP_INVALID', 'the code is wrong', { attemptsRemaining: MAX_FAILED_ATTEMPTS - entry.failures });
    }

    const keyName = nonBlank(body.keyName) ?? DEFAULT_KEY_NAME;
    const outcome = purpose === 'signup'
      ? completeSignup(req.path, email, companyName, body.description)
      : chooseLoginOrg(req.path, email, body.organizationId, now);
    if (outcome.refusal) return outcome.refusal;

    // Commit in one step: the key is minted and the code consumed together.
    const { user, org } = outcome;
    const { apiKey, key } = mintKey(user, org, keyName, days, now);
    pending.delete(email);
    lastEnded.set(email, { how: 'consumed', code: entry.code, issuedAt: entry.issuedAt });
    return ok({
      apiKey,
      keyId: key.id,
      keyName: key.name,
      keyPrefix: key.prefix,
      scopes: key.scopes,
      expiresAt: key.expiresAt === null ? null : rfc3339(key.expiresAt),
      organization: { id: org.id, name: org.name },
      user: { id: user.id, email: user.email },
    });
  };

  /** 6 (and 8): { user, org } created, or { refusal } leaving the code pending. */
  function completeSignup(path, email, companyName, description) {
    if (orgsOf(email).length > 0) {
      return { refusal: error(409, 'USER_ALREADY_HAS_ORGANIZATION', 'an organization was created for this email meanwhile; sign in instead') };
    }
    const injected = takeFailure(path);
    if (injected) return { refusal: injected };
    const user = ensureUser(email);
    const org = createOrg(user, { name: companyName, description: typeof description === 'string' ? description : undefined });
    return { user, org };
  }

  /** 7 (and 8): { user, org } to mint for, or { refusal } leaving the code pending. */
  function chooseLoginOrg(path, email, organizationId, now) {
    const memberOf = orgsOf(email);
    if (memberOf.length === 0) {
      return { refusal: error(409, 'USER_HAS_NO_ORGANIZATION', 'all of this account\'s organizations are gone') };
    }
    let org;
    if (!isBlank(organizationId)) {
      org = memberOf.find((o) => o.id === organizationId);
      if (!org) {
        return { refusal: error(403, 'ORGANIZATION_NOT_MEMBER', 'you are not a member of that organization', { organizations: summary(memberOf) }) };
      }
    } else if (memberOf.length > 1) {
      return { refusal: error(409, 'ORGANIZATION_SELECTION_REQUIRED', 'this account belongs to several organizations; pick one', { organizations: summary(memberOf) }) };
    } else {
      org = memberOf[0];
    }
    if (activeKeys(org.id, now) >= MAX_ACTIVE_KEYS) {
      return { refusal: error(429, 'MAX_API_KEYS_REACHED', `the organization already has ${MAX_ACTIVE_KEYS} active keys; revoke one first`) };
    }
    const injected = takeFailure(path);
    if (injected) return { refusal: injected };
    return { user: users.get(email), org };
  }

  function whoami(req) {
    const injected = takeFailure(req.path);
    if (injected) return injected;
    const token = bearerToken(req.headers);
    const key = token === undefined ? undefined : keys.get(sha256Hex(token));
    if (!key || !isActive(key, ctx.now())) {
      return error(401, 'UNAUTHENTICATED', 'a valid, unrevoked, unexpired cko_ API key is required');
    }
    const org = orgs.get(key.orgId);
    const user = users.get(key.email);
    return ok({
      organization: { id: org.id, name: org.name },
      user: { id: user.id, email: user.email },
      key: {
        id: key.id,
        name: key.name,
        prefix: key.prefix,
        scopes: key.scopes,
        expiresAt: key.expiresAt === null ? null : rfc3339(key.expiresAt),
      },
    });
  }

  // Dev routes: states the public API cannot reach quickly (many organizations, 20
  // keys, a failing backend, organizations deleted between request and complete).
  const badRequest = (message) => error(400, 'BAD_REQUEST', message);

  function seedUser(req) {
    const { email, refusal } = readEmail(req.json);
    if (refusal) return refusal;
    const wanted = req.json.organizations ?? [];
    if (!Array.isArray(wanted)) return badRequest('organizations must be an array');
    for (const o of wanted) {
      if (!o || (o.id !== undefined && typeof o.id !== 'string')) return badRequest('organization ids must be strings');
      if (!(o.id !== undefined && orgs.has(o.id)) && !nonBlank(o.name)) return badRequest('a new organization needs a name');
      if (o.keys !== undefined && !(Number.isInteger(o.keys) && o.keys >= 0 && o.keys <= 1000)) return badRequest('keys must be an integer 0–1000');
    }
    const user = ensureUser(email);
    const now = ctx.now();
    const organizations = wanted.map((o) => {
      let org = o.id === undefined ? undefined : orgs.get(o.id);
      if (org) {
        if (!user.orgIds.includes(org.id)) user.orgIds.push(org.id);
      } else {
        org = createOrg(user, { id: o.id, name: o.name });
      }
      const minted = Array.from({ length: o.keys ?? 0 }, (_, i) => mintKey(user, org, `seeded key ${i + 1}`, null, now));
      return { id: org.id, name: org.name, keys: minted.map(({ apiKey, key }) => ({ id: key.id, apiKey })) };
    });
    return { status: 200, json: { user: { id: user.id, email }, organizations } };
  }

  function armFailure(req) {
    const { route, code = 'INTERNAL', status = 500 } = req.json ?? {};
    if (!Object.values(PATH).includes(route)) return badRequest(`route must be one of ${Object.values(PATH).join(', ')}`);
    if (code === 'ORGANIZATION_CREATION_FAILED' && route !== PATH.signupComplete) {
      return badRequest(`ORGANIZATION_CREATION_FAILED only happens on ${PATH.signupComplete}`);
    }
    if (code !== 'INTERNAL' && code !== 'ORGANIZATION_CREATION_FAILED') return badRequest('code must be INTERNAL or ORGANIZATION_CREATION_FAILED');
    if (!(Number.isInteger(status) && status >= 400 && status <= 599)) return badRequest('status must be an integer 400–599');
    const message = code === 'INTERNAL' ? 'internal error; retry in a few seconds' : 'the backend refused to create the organization';
    failNext.set(route, error(status, code, message));
    return { status: 200, json: { ok: true } };
  }

  function deleteOrganizations(req) {
    const { email, refusal } = readEmail(req.json);
    if (refusal) return refusal;
    const user = users.get(email);
    if (!user) return error(404, 'USER_NOT_FOUND', 'no account exists for this email');
    const deleted = user.orgIds.filter((id) => orgs.delete(id));
    user.orgIds = [];
    return { status: 200, json: { deleted } };
  }

  function revokeKey(req) {
    const keyId = req.json?.keyId;
    const key = [...keys.values()].find((k) => k.id === keyId);
    if (!key) return error(404, 'NOT_FOUND', 'no key with that id');
    key.revoked = true;
    return { status: 200, json: { ok: true } };
  }

  return {
    name: 'codika',
    routes: [
      { method: 'POST', path: PATH.signupRequest, handler: requestOtp('signup') },
      { method: 'POST', path: PATH.signupComplete, handler: completeOtp('signup') },
      { method: 'POST', path: PATH.loginRequest, handler: requestOtp('login') },
      { method: 'POST', path: PATH.loginComplete, handler: completeOtp('login') },
      { method: 'GET', path: PATH.whoami, handler: whoami },
    ],
    devRoutes: [
      { method: 'POST', path: '/__keymint/codika/seed-user', handler: seedUser },
      { method: 'POST', path: '/__keymint/codika/fail-next', handler: armFailure },
      { method: 'POST', path: '/__keymint/codika/delete-organizations', handler: deleteOrganizations },
      { method: 'POST', path: '/__keymint/codika/revoke-key', handler: revokeKey },
    ],
    reset() {
      for (const state of [users, orgs, keys, pending, lastEnded, lastSentAt, emailWindow, ipWindow, failNext]) state.clear();
    },
  };
}
