// `keymint --provider sessions` as child processes against the emulator: the email code into an
// access + refresh token pair saved as a profile (masked everywhere), --purpose signin|signup,
// whoami (the session check), auth refresh, auth logout (revoked at the backend, then
// forgotten), --json envelopes, exit codes, and refreshes across processes under the store's
// lease: three processes finding the access token expired rotate the pair exactly once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, cliSuite, run, envelope, dev, secretsIn, assertNoSecrets } from './fixtures/cli-helpers.mjs';

const suite = cliSuite();

/** A HOME with a `km(args)` that runs `keymint --provider sessions`, remembering every output. */
async function home(e = suite.emu, extraEnv = {}) {
  const h = await suite.home();
  h.results = [];
  h.secrets = new Set();
  h.km = async (args, opts = {}) => {
    const r = await run(BIN.keymint, ['--provider', 'sessions', ...args], { env: h.env({ KEYMINT_BASE_URL: e.url, ...extraEnv }), ...opts });
    h.results.push(r);
    try {
      secretsIn(JSON.parse(await readFile(h.configFile ?? h.config('keymint'), 'utf8')), h.secrets);
    } catch {
      // no profile file yet
    }
    return r;
  };
  /** Nothing printed so far held a raw token. */
  h.clean = () => assertNoSecrets(h.results, h.secrets);
  return h;
}
const stats = async (e = suite.emu) => (await fetch(`${e.url}/__keymint/sessions/stats`)).json();
const check = (e, token) => fetch(`${e.url}/api/v1/auth/session`, { headers: { authorization: `Bearer ${token}` } });

/** Signs `email` in (seeded first) through the two commands; returns the complete's result. */
async function signIn(h, email, e = suite.emu, extra = []) {
  await dev(e, '/__keymint/sessions/seed-user', { email });
  const req = await h.km(['auth', 'login-request', '--email', email, ...extra]);
  assert.equal(req.code, 0, req.stderr);
  const done = await h.km(['auth', 'login-complete', '--email', email, '--code', e.outbox(email), ...extra]);
  assert.equal(done.code, 0, done.stderr);
  return done;
}

describe('keymint --provider sessions', { concurrency: true }, () => {
  test('sign in, whoami, refresh, logout: human output; tokens only masked; 0600 file', async () => {
    const h = await home();
    const email = 'ada@example.com';
    await dev(suite.emu, '/__keymint/sessions/seed-user', { email });
    const req = await h.km(['auth', 'login-request', '--email', email]);
    assert.equal(req.code, 0, req.stderr);
    assert.equal(req.stdout, `✓ Sign-in code sent to ${email}

  Then run:
    keymint --provider sessions auth login-complete --email ${email} --code <6-digit-code>
`);
    assert.equal(req.stderr, '');

    const done = await h.km(['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email)]);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stderr, '');
    const doc = await h.readConfig('keymint');
    const p = doc.profiles.ada;
    assert.match(p.accessToken, /^at_[A-Za-z0-9]{20,}$/);
    assert.match(p.refreshToken, /^rt_[A-Za-z0-9]{20,}$/);
    assert.equal(p.provider, 'sessions');
    assert.equal(p.baseUrl, suite.emu.url);
    assert.equal(p.email, email);
    assert.ok(Date.parse(p.tokenExpiresAt) > 0);
    assert.equal(doc.active, 'ada');
    assert.deepEqual(doc.pending, {});
    assert.equal(done.stdout, `✓ Signed in

  Email:    ${email}
  Profile:  ada (now active)
  Session:  at_••••••••${p.accessToken.slice(-4)} (expires ${p.tokenExpiresAt})

  Try it:  keymint whoami
`);
    assert.equal((await stat(h.config('keymint'))).mode & 0o777, 0o600);

    // whoami needs no --provider: the profile knows it.
    const me = await run(BIN.keymint, ['whoami'], { env: h.env() });
    h.results.push(me);
    assert.equal(me.code, 0, me.stderr);
    assert.match(me.stdout, new RegExp(`^✓ Signed in as ${email}\\n\\n {2}User: {5}usr_\\w+\\n {2}Session: {2}ses_\\w+\\n {2}Token: {4}at_••••••••${p.accessToken.slice(-4)} \\(expires ${p.tokenExpiresAt}\\)\\n {2}Profile: {2}ada\\n$`));

    const before = await stats();
    const ref = await h.km(['auth', 'refresh']);
    assert.equal(ref.code, 0, ref.stderr);
    const after1 = (await h.readConfig('keymint')).profiles.ada;
    assert.notEqual(after1.accessToken, p.accessToken);
    assert.notEqual(after1.refreshToken, p.refreshToken);
    assert.equal(ref.stdout, `✓ Session refreshed

  Profile:  ada
  Session:  at_••••••••${after1.accessToken.slice(-4)} (expires ${after1.tokenExpiresAt})
`);
    assert.ok((await stats()).refreshRequests >= before.refreshRequests + 1);

    const out = await h.km(['auth', 'logout']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, '✓ Logged out: revoked the session and forgot profile ada\n');
    assert.equal((await check(suite.emu, after1.accessToken)).status, 401, 'revoked at the backend');
    const left = await h.readConfig('keymint');
    assert.deepEqual(left.profiles, {});
    assert.equal(left.active, null);
    h.clean();
  });

  test('--json envelopes; --purpose signup; a complete without --purpose finishes the requested purpose', async () => {
    const h = await home();
    const email = 'newbie@example.com';
    const req = await h.km(['auth', 'login-request', '--email', email, '--purpose', 'signup', '--json']);
    assert.equal(req.code, 0, req.stdout);
    assert.equal(req.stderr, '');
    const sent = envelope(req).data;
    assert.equal(sent.purpose, 'signup');
    assert.equal(sent.nextAction.command, `keymint --provider sessions auth login-complete --purpose signup --email ${email} --code <6-digit-code>`);
    assert.ok(Date.parse(sent.resendAvailableAt) > Date.now());
    const done = await h.km(['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email), '--json']);
    assert.equal(done.code, 0, done.stdout);
    assert.equal(done.stderr, '');
    const d = envelope(done).data;
    const p = (await h.readConfig('keymint')).profiles.newbie;
    assert.deepEqual(Object.keys(d).sort(), ['accessToken', 'accountCreated', 'active', 'baseUrl', 'configPath', 'email', 'profile', 'provider', 'refreshToken', 'tokenExpiresAt', 'user']);
    assert.equal(d.accountCreated, true);
    assert.equal(d.profile, 'newbie');
    assert.equal(d.accessToken, `at_••••••••${p.accessToken.slice(-4)}`);
    assert.equal(d.refreshToken, `rt_••••••••${p.refreshToken.slice(-4)}`);
    assert.equal(d.tokenExpiresAt, p.tokenExpiresAt);
    assert.equal(d.configPath, h.config('keymint'));

    // The shorthand commands the backend's next actions name; the human title says "Signed up".
    const other = 'second@example.com';
    assert.equal((await h.km(['auth', 'signup-request', '--email', other])).code, 0);
    const up = await h.km(['auth', 'signup-complete', '--email', other, '--code', suite.emu.outbox(other), '--profile-name', 'second-acct']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^✓ Signed up\n\n {2}Email: {4}second@example\.com\n {2}Profile: {2}second-acct \(now active\)\n/);

    const me = await h.km(['whoami', '--profile', 'newbie', '--json']);
    assert.equal(me.code, 0, me.stdout);
    const m = envelope(me).data;
    assert.equal(m.user.email, email);
    assert.equal(m.provider, 'sessions');
    assert.equal(m.refreshed, false);
    assert.deepEqual(m.credential, { source: 'profile', profile: 'newbie' });
    assert.equal(m.accessToken, d.accessToken);

    const list = await h.km(['profile', 'list', '--json']);
    const profiles = envelope(list).data.profiles;
    assert.deepEqual(profiles.map((x) => x.name).sort(), ['newbie', 'second-acct']);
    for (const x of profiles) assert.match(x.accessToken, /^at_••••••••\S{4}$/);
    h.clean();
  });

  test('exit codes: bad --purpose 2, unknown account 5, wrong code 3, cooldown 4, not signed in 2, another backend 2', async () => {
    const h = await home();
    const bad = await h.km(['auth', 'login-request', '--email', 'x@example.com', '--purpose', 'sideways', '--json']);
    assert.equal(bad.code, 2);
    assert.equal(envelope(bad).error.code, 'USAGE');
    assert.match(envelope(bad).error.message, /--purpose must be signin or signup, not "sideways"/);

    const ghost = await h.km(['auth', 'login-request', '--email', 'ghost@example.com']);
    assert.equal(ghost.code, 5);
    assert.equal(ghost.stdout, '');
    assert.match(ghost.stderr, /^✗ .*\(USER_NOT_FOUND\)\n.*keymint --provider sessions auth signup-request --email ghost@example\.com\n$/);

    const email = 'typo@example.com';
    await dev(suite.emu, '/__keymint/sessions/seed-user', { email });
    assert.equal((await h.km(['auth', 'login-request', '--email', email])).code, 0);
    const good = suite.emu.outbox(email);
    const wrong = await h.km(['auth', 'login-complete', '--email', email, '--code', good === '000000' ? '111111' : '000000', '--json']);
    assert.equal(wrong.code, 3);
    const we = envelope(wrong).error;
    assert.equal(we.code, 'OTP_INVALID');
    assert.equal(we.details.attemptsRemaining, 4);
    assert.equal(we.nextAction.kind, 'retry_code');
    // The saved flow knows the cooldown: answered locally, exit 4.
    const again = await h.km(['auth', 'login-request', '--email', email, '--json']);
    assert.equal(again.code, 4);
    assert.equal(envelope(again).error.code, 'OTP_RESEND_COOLDOWN');
    assert.equal(envelope(again).error.nextAction.kind, 'wait');

    const h2 = await home();
    const none = await h2.km(['whoami', '--json']);
    assert.equal(none.code, 2);
    assert.equal(envelope(none).error.code, 'PROFILE_NOT_FOUND');
    assert.equal(envelope(none).error.nextAction.command, 'keymint --provider sessions auth login-request --email <your-email>');
    const noRefresh = await h2.km(['auth', 'refresh']);
    assert.equal(noRefresh.code, 2);
    assert.match(noRefresh.stderr, /^✗ Not signed in: no profile is saved\. \(PROFILE_NOT_FOUND\)\n/);

    await signIn(h, email.replace('typo', 'fine'));
    const elsewhere = await h.km(['whoami', '--base-url', 'http://127.0.0.1:9', '--json']);
    assert.equal(elsewhere.code, 2);
    assert.match(envelope(elsewhere).error.message, /Tokens are only sent to their own backend/);
    h.clean();
    h2.clean();
  });

  test('XDG_CONFIG_HOME is respected; a reused refresh token ends the session with a sign-in command (exit 1)', async () => {
    const h = await home();
    const xdg = join(h.home, 'xdg');
    h.configFile = join(xdg, 'keymint', 'config.json');
    const env = h.env({ KEYMINT_BASE_URL: suite.emu.url, XDG_CONFIG_HOME: xdg });
    const km = async (args) => {
      const r = await run(BIN.keymint, ['--provider', 'sessions', ...args], { env });
      h.results.push(r);
      secretsIn(JSON.parse(await readFile(h.configFile, 'utf8')), h.secrets);
      return r;
    };
    const email = 'rotate@example.com';
    await dev(suite.emu, '/__keymint/sessions/seed-user', { email });
    assert.equal((await km(['auth', 'login-request', '--email', email])).code, 0);
    assert.equal((await km(['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email)])).code, 0);
    const stale = await readFile(h.configFile, 'utf8');
    assert.equal((await km(['auth', 'refresh', '--json'])).code, 0);
    // Put the old pair back, as a backup restored over the file would.
    await writeFile(h.configFile, stale);
    const reused = await km(['auth', 'refresh', '--json']);
    assert.equal(reused.code, 1);
    const e = envelope(reused).error;
    assert.equal(e.code, 'REFRESH_TOKEN_REUSED');
    assert.equal(e.nextAction.kind, 'sign_in_again');
    assert.equal(e.nextAction.command, `keymint --provider sessions auth login-request --email ${email}`);
    h.clean();
  });

  test('an expired access token: three processes at once, one refresh under the lease, all answered', async () => {
    const e = await suite.emulator();
    const h = await home(e);
    const email = 'busy@example.com';
    await signIn(h, email, e);
    const first = (await h.readConfig('keymint')).profiles.busy;
    e.advance(901); // the access token (900 s) has expired on the server; our clock does not know
    const before = (await stats(e)).refreshRequests;
    const all = await Promise.all([0, 1, 2].map(() => h.km(['whoami', '--json'])));
    all.forEach((r) => assert.equal(r.code, 0, r.stdout));
    assert.equal((await stats(e)).refreshRequests - before, 1, 'exactly one refresh');
    const now = (await h.readConfig('keymint')).profiles.busy;
    assert.notEqual(now.refreshToken, first.refreshToken);
    assert.deepEqual(now.tokenExpiresAt > first.tokenExpiresAt, true);
    assert.ok(all.some((r) => envelope(r).data.refreshed), 'the new pair is reported');
    for (const r of all) assert.equal(envelope(r).data.accessToken, `at_••••••••${now.accessToken.slice(-4)}`);
    assert.equal((await check(e, now.accessToken)).status, 200);
    h.clean();
  });
});
