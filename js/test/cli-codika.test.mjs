// The Codika wrapper (examples/codika-cli) as a child process against the emulator: the
// signup transcript, login with several organizations, --api-url, every exit code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../src/emulator/index.mjs';
import { BIN, cliSuite, run, envelope, dev } from './fixtures/cli-helpers.mjs';

const suite = cliSuite();

const home = () => suite.home();
const codika = (h, args, extra = {}) => run(BIN.codika, args, { env: h.env({ CODIKA_BASE_URL: suite.emu.url, ...extra }) });
/** Replace the ids and the key's last four characters, which differ on every run. */
const ids = (s) => s
  .replace(/org_[A-Za-z0-9]+/g, 'org_…')
  .replace(/usr_[A-Za-z0-9]+/g, 'usr_…')
  .replace(/key_[A-Za-z0-9]+/g, 'key_…')
  .replace(/(cko_••••••••)[A-Za-z0-9]{4}/g, '$1ab12');

// Independent tests (own HOME, own emails): run them side by side.
describe('codika CLI', { concurrency: true }, () => {
  test('signup transcript: signup-request, signup-complete, whoami', async () => {
    const h = await home();
    const email = 'you@example.com';
    const req = await codika(h, ['auth', 'signup-request', '--email', email]);
    assert.equal(req.code, 0, req.stderr);
    assert.equal(req.stderr, '');
    assert.equal(req.stdout, `✓ Sign-up code sent to you@example.com

  Then run:
    codika auth signup-complete --email you@example.com --code <6-digit-code>
`);

    const done = await codika(h, ['auth', 'signup-complete', '--email', email, '--code', suite.emu.outbox(email), '--company', 'Acme Inc']);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stderr, '');
    assert.equal(ids(done.stdout), `✓ Signed up

  Email:         you@example.com
  Organization:  Acme Inc
  Profile:       acme-inc (now active)
  API key:       cko_••••••••ab12

  Try it:  codika whoami
`);
    const doc = await h.readConfig('codika');
    const p = doc.profiles['acme-inc'];
    assert.ok(!done.stdout.includes(p.apiKey));
    assert.match(p.apiKey, /^cko_[A-Za-z0-9]{40}$/);
    assert.ok(done.stdout.includes(`cko_••••••••${p.apiKey.slice(-4)}`));
    assert.equal(p.keyName, 'CLI default key');
    assert.equal(p.scopes.length, 10);
    assert.equal(p.expiresAt, null);
    assert.equal(p.organization.name, 'Acme Inc');
    assert.equal(p.user.email, email);
    assert.equal(doc.active, 'acme-inc');

    const me = await codika(h, ['whoami']);
    assert.equal(me.code, 0, me.stderr);
    assert.equal(ids(me.stdout), `✓ Signed in as you@example.com

  Organization:  Acme Inc (org_…)
  User:          usr_…
  API key:       cko_••••••••ab12  CLI default key (key_…)
  Scopes:        workflows:read workflows:write deployments:read deployments:write executions:read executions:write credentials:read credentials:write organization:read keys:read
  Expires:       never
  Profile:       acme-inc
`);
    assert.ok(!me.stdout.includes(p.apiKey));

    // The same key pasted from the dashboard: checked, saved under another name.
    const set = await codika(h, ['config', 'set', '--api-key', p.apiKey, '--profile', 'pasted', '--json']);
    assert.equal(set.code, 0, set.stdout);
    const d = envelope(set).data;
    assert.deepEqual([d.profile, d.verified, d.organization.name, d.email], ['pasted', true, 'Acme Inc', email]);
    assert.ok(!set.stdout.includes(p.apiKey));
    assert.equal((await h.readConfig('codika')).profiles.pasted.keyId, p.keyId);
  });

  test('--json for the four auth commands and whoami', async () => {
    const h = await home();
    const email = 'json@acme.test';
    const sreq = envelope(await codika(h, ['auth', 'signup-request', '--email', email, '--json']));
    assert.equal(sreq.success, true);
    assert.equal(sreq.data.purpose, 'signup');
    assert.ok(Date.parse(sreq.data.resendAvailableAt) > Date.now());
    assert.equal(sreq.data.nextAction.command, `codika auth signup-complete --email ${email} --code <6-digit-code>`);
    const sdone = await codika(h, ['auth', 'signup-complete', '--email', email, '--code', suite.emu.outbox(email), '--key-name', 'ci', '--key-expires-in', '30', '--name', 'ci-profile', '--description', 'd', '--json']);
    assert.equal(sdone.stderr, '');
    const s = envelope(sdone).data;
    assert.equal(s.profile, 'ci-profile');
    assert.equal(s.accountCreated, true);
    assert.equal(s.keyName, 'ci');
    assert.ok(Date.parse(s.expiresAt) > Date.now() + 29 * 86400_000);
    assert.equal(s.organization.name, 'My Organization');
    assert.match(s.apiKey, /^cko_••••••••[A-Za-z0-9]{4}$/);

    // login on the now-existing account (after the 30 s resend interval)
    suite.emu.advance(31);
    const lreq = await codika(h, ['auth', 'login-request', '--email', email, '--json']);
    assert.equal(lreq.code, 0, lreq.stdout);
    assert.equal(envelope(lreq).data.purpose, 'login');
    const ldone = envelope(await codika(h, ['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email), '--json'])).data;
    assert.equal(ldone.accountCreated, false);
    assert.equal(ldone.profile, 'my-organization');
    assert.equal(ldone.organization.id, s.organization.id);

    const me = await codika(h, ['whoami', '--json']);
    assert.equal(me.stderr, '');
    const w = envelope(me).data;
    assert.equal(w.organization.id, s.organization.id);
    assert.equal(w.key.id, ldone.keyId);
    assert.equal(w.key.scopes.length, 10);
    const raw = (await h.readConfig('codika')).profiles['my-organization'].apiKey;
    for (const out of [me.stdout]) assert.ok(!out.includes(raw));
  });

  test('several organizations: exit 5 without a terminal, then --organization-id reuses the kept code', async () => {
    const h = await home();
    const email = 'multi@acme.test';
    const seeded = await dev(suite.emu, '/__keymint/codika/seed-user', { email, organizations: [{ name: 'Acme' }, { name: 'Beta Corp' }] });
    assert.equal((await codika(h, ['auth', 'login-request', '--email', email])).code, 0);
    const code = suite.emu.outbox(email);
    const r = await codika(h, ['auth', 'login-complete', '--email', email, '--code', code, '--json']);
    assert.equal(r.code, 5);
    const e = envelope(r).error;
    assert.equal(e.code, 'ORGANIZATION_SELECTION_REQUIRED');
    assert.equal(e.nextAction.kind, 'choose_organization');
    assert.deepEqual(e.nextAction.organizations.map((o) => o.name), ['Acme', 'Beta Corp']);
    assert.equal(e.nextAction.command, `codika auth login-complete --email ${email} --code <code> --organization-id <id>`);
    const human = await codika(h, ['auth', 'login-complete', '--email', email, '--code', code]);
    assert.equal(human.code, 5);
    assert.match(human.stderr, /^✗ .* \(ORGANIZATION_SELECTION_REQUIRED\)\n {2}Choose an organization \(org_\w+ = Acme, org_\w+ = Beta Corp\) and run: codika auth login-complete/);

    const beta = seeded.organizations[1].id;
    const done = await codika(h, ['auth', 'login-complete', '--email', email, '--organization-id', beta]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /Organization: {2}Beta Corp\n {2}Profile: {7}beta-corp \(now active\)/);

    // A wrong organization: exit 5 with the valid list.
    suite.emu.advance(31);
    assert.equal((await codika(h, ['auth', 'login-request', '--email', email])).code, 0);
    const notMember = await codika(h, ['auth', 'login-complete', '--email', email, '--code', suite.emu.outbox(email), '--organization-id', 'org_nope', '--json']);
    assert.equal(notMember.code, 5);
    assert.equal(envelope(notMember).error.code, 'ORGANIZATION_NOT_MEMBER');
    assert.equal(envelope(notMember).error.nextAction.organizations.length, 2);
  });

  test('exit codes 2, 3, 4, 5, 6 in both modes', async () => {
    const h = await home();
    const email = 'codes@acme.test';
    const both = async (args) => {
      const [human, json] = await Promise.all([codika(h, args), codika(h, [...args, '--json'])]);
      assert.equal(human.code, json.code);
      assert.equal(human.stdout, '');
      assert.equal(json.stderr, '');
      const e = envelope(json).error;
      // The two runs are separate processes: a wait figure may differ by the second that ticked between them.
      const digits = (s) => s.replace(/\d+/g, 'N');
      assert.ok(human.stderr.startsWith(`✗ `) && digits(human.stderr).includes(digits(`(${e.code})\n  ${e.nextAction.text}\n`)), human.stderr);
      return { code: json.code, e };
    };
    assert.equal((await codika(h, ['auth', 'signup-request', '--email', email])).code, 0);

    // 4: asked again within 30 s (answered locally from the saved flow, no request sent).
    const sent = () => suite.emu.requests.filter((r) => r.body.includes(email)).length;
    const before = sent();
    const cool = await both(['auth', 'signup-request', '--email', email]);
    assert.equal(cool.code, 4);
    assert.equal(cool.e.code, 'OTP_RESEND_COOLDOWN');
    assert.equal(cool.e.nextAction.kind, 'wait');
    // (Other tests move the emulator's clock ahead of ours; the saved resendAvailableAt is its time.)
    const skew = Math.max(0, Math.ceil((suite.emu.now() - Date.now()) / 1000));
    assert.ok(cool.e.nextAction.retryAfterSeconds > 0 && cool.e.nextAction.retryAfterSeconds <= 31 + skew, String(cool.e.nextAction.retryAfterSeconds));
    assert.equal(cool.e.nextAction.command, `codika auth signup-request --email ${email}`);
    assert.equal(sent(), before);

    // 3: a wrong code, attempts counted down, remembered in the pending flow.
    const wrong = await codika(h, ['auth', 'signup-complete', '--email', email, '--code', '000000', '--json']);
    assert.equal(wrong.code, 3);
    assert.equal(envelope(wrong).error.code, 'OTP_INVALID');
    assert.equal(envelope(wrong).error.details.attemptsRemaining, 4);
    assert.equal((await h.readConfig('codika')).pending[`codika|signup|${email}`].attemptsRemaining, 4);
    const wrongHuman = await codika(h, ['auth', 'signup-complete', '--email', email, '--code', '000000']);
    assert.equal(wrongHuman.code, 3);
    assert.equal(wrongHuman.stderr, `✗ the code is wrong (OTP_INVALID)\n  Check the code in the email and try again (3 attempts left): codika auth signup-complete --email ${email} --code <code>\n`);

    // 2: bad input caught before the network.
    const days = await both(['auth', 'signup-complete', '--email', email, '--code', '123456', '--key-expires-in', '400']);
    assert.equal(days.code, 2);
    assert.equal(days.e.code, 'INVALID_EXPIRES_IN_DAYS');
    const company = await both(['auth', 'signup-complete', '--email', email, '--code', '123456', '--company', 'x'.repeat(101)]);
    assert.equal(company.code, 2);
    assert.equal(company.e.code, 'COMPANY_NAME_TOO_LONG');
    const insecure = await both(['auth', 'signup-request', '--email', email, '--base-url', 'http://example.com']);
    assert.equal(insecure.code, 2);
    assert.equal(insecure.e.code, 'INSECURE_URL');

    // 5: sign-up for an email that already owns an organization → switch to login.
    await dev(suite.emu, '/__keymint/codika/seed-user', { email: 'owner@acme.test', organizations: [{ name: 'Owned' }] });
    const exists = await both(['auth', 'signup-request', '--email', 'owner@acme.test']);
    assert.equal(exists.code, 5);
    assert.equal(exists.e.code, 'USER_ALREADY_HAS_ORGANIZATION');
    assert.deepEqual(
      { kind: exists.e.nextAction.kind, to: exists.e.nextAction.to, command: exists.e.nextAction.command },
      { kind: 'switch_flow', to: 'login', command: 'codika auth login-request --email owner@acme.test' },
    );
    const unknown = await both(['auth', 'login-request', '--email', 'nobody@acme.test']);
    assert.equal(unknown.code, 5);
    assert.equal(unknown.e.code, 'USER_NOT_FOUND');
    assert.equal(unknown.e.nextAction.command, 'codika auth signup-request --email nobody@acme.test');

    // 6: the backend fails, or cannot be reached.
    const failing = await startEmulator({ port: 0, backends: ['codika'] }); // the fault hits any next request
    await dev(failing, '/__keymint/codika/fail-next', { route: '/cliRequestSignupOtp' });
    const internal = await codika(h, ['auth', 'signup-request', '--email', 'internal@acme.test', '--json'], { CODIKA_BASE_URL: failing.url })
      .finally(() => failing.close());
    assert.equal(internal.code, 6);
    assert.equal(envelope(internal).error.code, 'INTERNAL');
    const net = await both(['auth', 'login-request', '--email', 'owner@acme.test', '--base-url', 'http://127.0.0.1:9']);
    assert.equal(net.code, 6);
    assert.equal(net.e.code, 'NETWORK_ERROR');
  });

  test('--api-url: the full endpoint URL, as the base or for the one request', async () => {
    const h = await home();
    const email = 'apiurl@acme.test';
    // An endpoint URL ending with the endpoint's path gives the base URL too.
    const mine = () => suite.emu.requests.filter((r) => r.body.includes(email)).map((r) => r.path);
    const req = await run(BIN.codika, ['auth', 'signup-request', '--email', email, '--api-url', `${suite.emu.url}/cliRequestSignupOtp`], { env: h.env() });
    assert.equal(req.code, 0, req.stderr);
    assert.deepEqual(mine(), ['/cliRequestSignupOtp']);
    // Any other URL is used for the one request (here with a query string the emulator ignores).
    const done = await run(BIN.codika, ['auth', 'signup-complete', '--email', email, '--code', suite.emu.outbox(email), '--api-url', `${suite.emu.url}/cliCompleteSignupOtp?via=proxy`, '--json'], { env: h.env() });
    assert.equal(done.code, 0, done.stdout);
    assert.deepEqual(mine(), ['/cliRequestSignupOtp', '/cliCompleteSignupOtp']);
    assert.equal(envelope(done).data.baseUrl, suite.emu.url);
  });

  test('profile names: organization name, numeric suffix for another account, same account reuses its name', async () => {
    const h = await home();
    const names = [];
    for (const email of ['one@acme.test', 'two@acme.test']) {
      await codika(h, ['auth', 'signup-request', '--email', email]);
      const r = await codika(h, ['auth', 'signup-complete', '--email', email, '--code', suite.emu.outbox(email), '--company', 'Acme', '--json']);
      assert.equal(r.code, 0, r.stdout);
      names.push(envelope(r).data.profile);
    }
    assert.deepEqual(names, ['acme', 'acme-2']);
    suite.emu.advance(31);
    await codika(h, ['auth', 'login-request', '--email', 'one@acme.test']);
    const again = envelope(await codika(h, ['auth', 'login-complete', '--email', 'one@acme.test', '--code', suite.emu.outbox('one@acme.test'), '--json']));
    assert.equal(again.data.profile, 'acme');
    const doc = await h.readConfig('codika');
    assert.deepEqual(Object.keys(doc.profiles).sort(), ['acme', 'acme-2']);
    assert.equal(doc.profiles.acme.keyId, again.data.keyId);
  });
});
