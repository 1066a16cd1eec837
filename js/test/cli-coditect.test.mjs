// `keymint --provider coditect` as child processes against the emulator: register and login
// with the password from --password-stdin or a prompt without echo (through a real
// pseudo-terminal), never a prompt without one; TOTP 2FA by --totp-code (also in a later
// process, resuming the saved challenge without the password), by --totp-secret-env, and at
// the prompt; whoami (me) with a session or a cdt_ API token; auth refresh; auth logout.
// No password, TOTP secret, token or challenge ever reaches stdout or stderr.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { BIN, cliSuite, run, runTty, envelope, dev, secretsIn, assertNoSecrets } from './fixtures/cli-helpers.mjs';

const PW = 'correct horse battery staple';

const suite = cliSuite();

/** A HOME with `km(args, opts)` / `tty(args, opts)` running `keymint --provider coditect`. */
async function home(e = suite.emu) {
  const h = await suite.home();
  h.results = [];
  h.secrets = new Set([PW]);
  h.env2 = (extra = {}) => h.env({ KEYMINT_BASE_URL: e.url, ...extra });
  const remember = async (r) => {
    h.results.push(r);
    try {
      secretsIn(JSON.parse(await readFile(h.config('keymint'), 'utf8')), h.secrets);
    } catch {
      // no profile file yet
    }
    return r;
  };
  h.km = async (args, { env = {}, ...opts } = {}) => remember(await run(BIN.keymint, ['--provider', 'coditect', ...args], { env: h.env2(env), ...opts }));
  h.tty = async (args, opts = {}) => remember(await runTty(BIN.keymint, ['--provider', 'coditect', ...args], { env: h.env2(), timeout: 30000, ...opts }));
  h.clean = () => assertNoSecrets(h.results, h.secrets);
  return h;
}
const seed = (e, email, totp = false) => dev(e, '/__keymint/coditect/seed-user', { email, password: PW, totp });
const totpNow = async (e, email) => (await (await fetch(`${e.url}/__keymint/coditect/totp?email=${encodeURIComponent(email)}`)).json()).code;
const me = (e, token) => fetch(`${e.url}/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
const wrongCode = (good) => String((Number(good) + 500_000) % 1_000_000).padStart(6, '0');

describe('keymint --provider coditect', { concurrency: true }, () => {
  test('register and login with --password-stdin; whoami (me); errors: weak 2, taken 5, wrong password 3', async () => {
    const h = await home();
    const email = 'ada@example.com';
    const reg = await h.km(['auth', 'register', '--email', email, '--name', 'Ada Lovelace', '--password-stdin'], { input: `${PW}\n` });
    assert.equal(reg.code, 0, reg.stderr);
    assert.equal(reg.stderr, '');
    const p = (await h.readConfig('keymint')).profiles.ada;
    assert.match(p.accessToken, /^cat_/);
    assert.match(p.refreshToken, /^crt_/);
    assert.equal(p.provider, 'coditect');
    assert.equal(reg.stdout, `✓ Account created

  Email:    ${email}
  Profile:  ada (now active)
  Session:  cat_••••••••${p.accessToken.slice(-4)} (expires ${p.tokenExpiresAt})

  Try it:  keymint whoami
`);
    const who = await run(BIN.keymint, ['whoami'], { env: h.env() });
    h.results.push(who);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, new RegExp(`^✓ Signed in as ${email}\\n\\n {2}Name: {10}Ada Lovelace\\n {2}User: {10}usr_\\w+\\n {2}Organization: {2}.+ \\(org_\\w+\\), owner\\n {2}Token: {9}cat_••••••••${p.accessToken.slice(-4)} \\(expires ${p.tokenExpiresAt}\\)\\n {2}Profile: {7}ada\\n$`));

    const login = await h.km(['auth', 'login', '--email', email, '--password-stdin', '--json'], { input: PW });
    assert.equal(login.code, 0, login.stdout);
    const d = envelope(login).data;
    assert.equal(d.profile, 'ada', 'the same account reuses its profile');
    assert.equal(d.accountCreated, false);
    assert.match(d.accessToken, /^cat_••••••••\S{4}$/);

    const weak = await h.km(['auth', 'register', '--email', 'weak@example.com', '--password-stdin', '--json'], { input: 'short pw\n' });
    assert.equal(weak.code, 2);
    assert.equal(envelope(weak).error.code, 'WEAK_PASSWORD');
    const taken = await h.km(['auth', 'register', '--email', email, '--password-stdin', '--json'], { input: PW });
    assert.equal(taken.code, 5);
    assert.equal(envelope(taken).error.code, 'USER_ALREADY_EXISTS');
    assert.equal(envelope(taken).error.nextAction.command, `keymint --provider coditect auth login --email ${email}`);
    const wrong = await h.km(['auth', 'login', '--email', email, '--password-stdin'], { input: 'not the password at all' });
    assert.equal(wrong.code, 3);
    assert.equal(wrong.stdout, '');
    assert.match(wrong.stderr, /^✗ The email or password is incorrect \(INVALID_CREDENTIALS\)\n/);
    const empty = await h.km(['auth', 'login', '--email', email, '--password-stdin', '--json'], { input: '' });
    assert.equal(empty.code, 2);
    assert.match(envelope(empty).error.message, /stdin was empty/);
    h.clean();
  });

  test('without a terminal, or with --json, no password prompt: USAGE pointing at --password-stdin', async () => {
    const h = await home();
    // stdin left open: a prompt would hang until the timeout.
    const piped = await h.km(['auth', 'login', '--email', 'np@example.com'], { closeStdin: false, timeout: 30000 });
    assert.equal(piped.signal, null, 'it waited for input');
    assert.equal(piped.code, 2);
    assert.equal(piped.stdout, '');
    assert.equal(piped.stderr, `✗ No password: keymint --provider coditect auth login asks for it only at a terminal, and there is none here. (USAGE)
  Pass the password on stdin with --password-stdin, e.g. printf '%s' "$PASSWORD" | keymint --provider coditect auth login --email np@example.com --password-stdin
`);
    const json = await h.tty(['auth', 'register', '--email', 'np@example.com', '--json']);
    assert.equal(json.code, 2, json.output);
    assert.ok(!json.output.includes('Password:'));
    const e = JSON.parse(json.output.slice(json.output.indexOf('{'))).error;
    assert.equal(e.code, 'USAGE');
    assert.equal(e.nextAction.field, 'password');
    assert.equal(e.nextAction.command, 'keymint --provider coditect auth register --email np@example.com --password-stdin');
    h.clean();
  });

  test('2FA across processes: the challenge is saved, a wrong code keeps it (exit 3), the right one signs in — no password again', async () => {
    const h = await home();
    const email = 'tfa@example.com';
    const { totpSecret } = await seed(suite.emu, email, true);
    h.secrets.add(totpSecret);
    // Not signed in yet: a failure (SECOND_FACTOR_REQUIRED, exit 2), not "success" with signedIn: false.
    const first = await h.km(['auth', 'login', '--email', email, '--password-stdin'], { input: PW });
    assert.equal(first.code, 2, first.stderr);
    assert.equal(first.stdout, '');
    assert.match(first.stderr, new RegExp(`^✗ Password accepted, but the account has two-factor authentication: not signed in yet\\. Give the code from your authenticator app within [45] minutes\\. \\(SECOND_FACTOR_REQUIRED\\)
  Then run: keymint --provider coditect auth login --email ${email} --totp-code <6-digit-code> \\(or --totp-secret-env VAR instead of --totp-code\\)
$`));
    const doc = await h.readConfig('keymint');
    assert.deepEqual(doc.profiles, {});
    const pending = doc.pending[`coditect|login|${email}`];
    assert.equal(pending.phase, 'second_factor');
    assert.match(pending.challengeToken, /^ch_/);
    assert.ok(!JSON.stringify(doc).includes(PW), 'the password is not stored');

    const good = await totpNow(suite.emu, email);
    const bad = await h.km(['auth', 'login', '--email', email, '--totp-code', wrongCode(good), '--json'], { closeStdin: false, timeout: 30000 });
    assert.equal(bad.code, 3, bad.stdout);
    const e = envelope(bad).error;
    assert.equal(e.code, 'INVALID_2FA_CODE');
    assert.equal(e.details.attemptsRemaining, 4);
    assert.equal(e.nextAction.kind, 'retry_code');
    assert.equal(e.nextAction.command, `keymint --provider coditect auth login --email ${email} --totp-code <6-digit-code>`);
    assert.equal((await h.readConfig('keymint')).pending[`coditect|login|${email}`].attemptsRemaining, 4);

    // A new process, no password: stdin stays open and is never read.
    const ok = await h.km(['auth', 'login', '--email', email, '--totp-code', await totpNow(suite.emu, email)], { closeStdin: false, timeout: 30000 });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^✓ Signed in\n\n {2}Email: {4}tfa@example\.com\n {2}Profile: {2}tfa \(now active\)\n {2}Session: {2}cat_••••••••\S{4} \(expires .+\)\n/);
    const after1 = await h.readConfig('keymint');
    assert.deepEqual(after1.pending, {}, 'the challenge is used up');
    assert.equal((await me(suite.emu, after1.profiles.tfa.accessToken)).status, 200);
    h.clean();
  });

  test('--totp-secret-env: an agent completes 2FA itself in one call; the variable must be a name, and set', async () => {
    const h = await home();
    const email = 'agent@example.com';
    const { totpSecret } = await seed(suite.emu, email, true);
    h.secrets.add(totpSecret);
    const r = await h.km(['auth', 'login', '--email', email, '--password-stdin', '--totp-secret-env', 'MY_TOTP', '--json'], { input: `${PW}\n`, env: { MY_TOTP: totpSecret } });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stderr, '');
    const d = envelope(r).data;
    assert.equal(d.status, 'signed_in');
    assert.equal(d.signedIn, true);
    assert.equal(d.profile, 'agent');
    assert.equal(d.email, email);
    assert.deepEqual((await h.readConfig('keymint')).pending, {});

    const secretAsName = await h.km(['auth', 'login', '--email', email, '--password-stdin', '--totp-secret-env', totpSecret, '--json'], { input: PW });
    assert.equal(secretAsName.code, 2);
    assert.match(envelope(secretAsName).error.message, /not the secret itself/);
    const unset = await h.km(['auth', 'login', '--email', email, '--password-stdin', '--totp-secret-env', 'NOPE_UNSET', '--json'], { input: PW });
    assert.equal(unset.code, 2);
    assert.match(envelope(unset).error.message, /NOPE_UNSET \(--totp-secret-env\) is not set/);
    const both = await h.km(['auth', 'login', '--email', email, '--totp-code', '123456', '--totp-secret-env', 'X', '--json'], { input: PW });
    assert.equal(both.code, 2);
    const notBase32 = await h.km(['auth', 'login', '--email', email, '--password-stdin', '--totp-secret-env', 'BAD'], { input: PW, env: { BAD: 'not base32 at all!' } });
    assert.equal(notBase32.code, 2);
    assert.match(notBase32.stderr, /\(INVALID_TOTP_SECRET\)/);
    h.clean();
  });

  test('at a terminal: the password is read without echo, then the 2FA code is asked for', async () => {
    const h = await home();
    const email = 'person@example.com';
    await seed(suite.emu, email, true);
    const r = await h.tty(['auth', 'login', '--email', email], {
      answers: [
        { after: 'Password: ', send: `${PW}\r` },
        { after: 'authenticator app: ', send: async () => `${await totpNow(suite.emu, email)}\r` },
      ],
    });
    assert.equal(r.code, 0, r.output);
    assert.ok(r.output.includes('Password: \n'), r.output);
    assert.ok(!r.output.includes(PW), 'the password was echoed');
    assert.ok(r.output.includes('This account has two-factor authentication.\nEnter the 6-digit code from your authenticator app: '));
    assert.match(r.output, /✓ Signed in\n\n {2}Email: {4}person@example\.com\n {2}Profile: {2}person \(now active\)\n/);

    // Register: asked twice; a mismatch is a usage error; Ctrl-C cancels with 130.
    const mismatch = await h.tty(['auth', 'register', '--email', 'new@example.com'], {
      answers: [{ after: 'Password: ', send: `${PW}\r` }, { after: 'Confirm password: ', send: `${PW}!\r` }],
    });
    assert.equal(mismatch.code, 2, mismatch.output);
    assert.match(mismatch.output, /✗ The passwords do not match\. \(USAGE\)/);
    const cancel = await h.tty(['auth', 'register', '--email', 'new@example.com'], { answers: [{ after: 'Password: ', send: 'abc\x03' }] });
    assert.equal(cancel.code, 130, cancel.output);
    assert.match(cancel.output, /✗ Cancelled\. \(USAGE\)/);
    const reg = await h.tty(['auth', 'register', '--email', 'new@example.com', '--name', 'New'], {
      answers: [{ after: 'Password: ', send: `${PW}\r` }, { after: 'Confirm password: ', send: `${PW}\r` }],
    });
    assert.equal(reg.code, 0, reg.output);
    assert.ok(!reg.output.includes(PW));
    assert.match(reg.output, /✓ Account created\n/);
    h.clean();
  });

  test('auth refresh rotates; auth logout logs out at the backend and forgets; whoami with a cdt_ API token', async () => {
    const h = await home();
    const email = 'ops@example.com';
    await seed(suite.emu, email);
    assert.equal((await h.km(['auth', 'login', '--email', email, '--password-stdin'], { input: PW })).code, 0);
    const before = (await h.readConfig('keymint')).profiles.ops;
    const ref = await h.km(['auth', 'refresh', '--json']);
    assert.equal(ref.code, 0, ref.stdout);
    const now = (await h.readConfig('keymint')).profiles.ops;
    assert.equal(envelope(ref).data.rotated, true);
    assert.equal(envelope(ref).data.accessToken, `cat_••••••••${now.accessToken.slice(-4)}`);
    assert.notEqual(now.refreshToken, before.refreshToken);
    assert.notEqual(now.accessToken, before.accessToken);

    const out = await run(BIN.keymint, ['auth', 'logout', '--json'], { env: h.env() });
    h.results.push(out);
    assert.equal(out.code, 0, out.stdout);
    assert.deepEqual(envelope(out).data, { removed: 'ops', revoked: true, alreadyRevoked: false, active: null, profiles: [] });
    assert.equal((await me(suite.emu, now.accessToken)).status, 401, 'logged out at the backend');

    const { token } = await dev(suite.emu, '/__keymint/coditect/api-token', { email, env: 'live', scopes: ['read:profile'] });
    h.secrets.add(token);
    const viaEnv = await run(BIN.keymint, ['whoami', '--json'], { env: h.env({ KEYMINT_API_KEY: token, KEYMINT_BASE_URL: suite.emu.url }) });
    h.results.push(viaEnv);
    assert.equal(viaEnv.code, 0, viaEnv.stdout);
    const v = envelope(viaEnv).data;
    assert.equal(v.email, email);
    assert.equal(v.apiKey, `cdt_live_••••••••${token.slice(-4)}`);
    assert.deepEqual(v.credential, { source: 'env', env: 'KEYMINT_API_KEY' });
    const viaFlag = await h.km(['whoami', '--api-key', token]);
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    assert.match(viaFlag.stdout, new RegExp(`\\n {2}API token: {5}cdt_live_••••••••${token.slice(-4)}\\n {2}Key from: {6}--api-key\\n$`));
    const none = await h.km(['whoami', '--json']);
    assert.equal(none.code, 2);
    assert.equal(envelope(none).error.nextAction.command, 'keymint --provider coditect auth login --email <your-email>');
    h.clean();
  });

  test('a challenge past its 300 s: at the backend (exit 3, sign in again); by our clock (signs in afresh with the password)', async () => {
    const e = await suite.emulator();
    const h = await home(e);
    const email = 'slow@example.com';
    await seed(e, email, true);
    const pending = await h.km(['auth', 'login', '--email', email, '--password-stdin', '--json'], { input: PW });
    assert.equal(pending.code, 2, pending.stdout);
    const pe = envelope(pending).error;
    assert.equal(pe.code, 'SECOND_FACTOR_REQUIRED');
    const p = pe.details;
    assert.deepEqual([p.status, p.signedIn, p.method], ['second_factor', false, 'totp']);
    assert.ok(Date.parse(p.challengeExpiresAt) > Date.now() + 290_000);
    assert.deepEqual(pe.nextAction, {
      kind: 'fix_input',
      field: 'totp-code',
      text: `Then run: keymint --provider coditect auth login --email ${email} --totp-code <6-digit-code> (or --totp-secret-env VAR instead of --totp-code)`,
      command: `keymint --provider coditect auth login --email ${email} --totp-code <6-digit-code>`,
    });
    e.advance(301); // the server's clock only: the saved challenge still looks alive here
    const late = await h.km(['auth', 'login', '--email', email, '--totp-code', await totpNow(e, email), '--json'], { closeStdin: false, timeout: 30000 });
    assert.equal(late.code, 3, late.stdout);
    const err = envelope(late).error;
    assert.equal(err.code, 'CHALLENGE_EXPIRED');
    assert.equal(err.nextAction.kind, 'sign_in_again');
    assert.equal(err.nextAction.command, `keymint --provider coditect auth login --email ${email}`);
    assert.deepEqual((await h.readConfig('keymint')).pending, {}, 'a dead challenge is dropped');

    // A saved challenge this machine's clock says is over: signs in afresh (the password again).
    assert.equal((await h.km(['auth', 'login', '--email', email, '--password-stdin'], { input: PW })).code, 2);
    const doc = await h.readConfig('keymint');
    doc.pending[`coditect|login|${email}`].challengeExpiresAt = '2020-01-01T00:00:00Z';
    await writeFile(h.config('keymint'), JSON.stringify(doc));
    const again = await h.km(['auth', 'login', '--email', email, '--password-stdin', '--totp-code', await totpNow(e, email)], { input: PW });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, 'The two-factor challenge of the last sign-in has expired: signing in again.\n');
    assert.match(again.stdout, /^✓ Signed in\n/);
    assert.deepEqual((await h.readConfig('keymint')).pending, {});
    h.clean();
  });
});
