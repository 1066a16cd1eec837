// Issue 14, items 1 and 12: the commands the CLI emits are safe to run with `sh -c` whatever a
// server or a user put in them, and an unfinished 2FA sign-in is a failure, not a success.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as keymint from '../src/index.mjs';
import { commandLine, hole } from '../src/node/cli/shell.mjs';
import { BIN, cliSuite, run, envelope, dev } from './fixtures/cli-helpers.mjs';
import { hostileServer, runEmitted } from './fixtures/hostile-server.mjs';

const suite = cliSuite();
const INJECTED = 'ops@example.com; touch PWNED #';
const rand = () => Math.random().toString(36).slice(2).padEnd(12, 'x');
const servers = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** A Scripto backend whose whoami names `email` `ok` times, then answers 401 for the key. */
async function scriptoNaming(email, ok = 1) {
  let calls = 0;
  const server = await hostileServer(({ path }) => {
    if (!path.startsWith('/api/cli/whoami')) return undefined;
    calls++;
    if (calls <= ok) return { json: { success: true, data: { userId: 'u_1', email, keyId: 'k_1', keyName: 'cli' } } };
    return { status: 401, json: { success: false, error: { code: 'unauthenticated', message: 'The key is revoked.' } } };
  });
  servers.push(server);
  return server;
}

describe('item 1: emitted commands survive sh -c', { concurrency: true }, () => {
  test('config set stores no implausible email from whoami; the later 401 command creates no file', async () => {
    const h = await suite.home();
    const server = await scriptoNaming(INJECTED);
    const env = h.env({ SCRIPTO_BASE_URL: server.url });
    const key = `scripto_${rand()}${rand()}`;
    const set = await run(BIN.scripto, ['config', 'set', '--api-key', key, '--json'], { env });
    assert.equal(set.code, 0, set.stdout);
    const doc = await h.readConfig('scripto');
    const profile = Object.values(doc.profiles)[0];
    assert.equal(profile.email, undefined, 'the implausible email is not stored');
    assert.ok(!JSON.stringify(doc).includes('PWNED'));

    const me = await run(BIN.scripto, ['whoami', '--json'], { env });
    assert.equal(me.code, 1);
    const { command } = envelope(me).error.nextAction;
    const ran = await runEmitted(command, ['scripto']);
    assert.deepEqual(ran.files, [], `running ${command} created files`);
  });

  test('a profile already holding the email (older version, edited file): the 401 command quotes it', async () => {
    const h = await suite.home();
    const server = await scriptoNaming('unused@example.com', 0);
    const file = h.config('scripto');
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const key = `scripto_${rand()}${rand()}`;
    await writeFile(file, JSON.stringify({
      version: 1, active: 'ops', pending: {},
      profiles: { ops: { provider: 'scripto', baseUrl: server.url, apiKey: key, email: INJECTED } },
    }), { mode: 0o600 });
    const me = await run(BIN.scripto, ['whoami', '--json'], { env: h.env() });
    assert.equal(me.code, 1, me.stdout);
    const e = envelope(me).error;
    assert.equal(e.nextAction.command, `scripto auth login-request --email 'ops@example.com; touch PWNED #'`);
    const ran = await runEmitted(e.nextAction.command, ['scripto']);
    assert.deepEqual(ran.files, []);
    assert.deepEqual(ran.calls, [['auth', 'login-request', '--email', INJECTED]], 'one argument, exactly the email');
  });

  test('a user-typed email with $(…) in the JS-built commands (password, 2FA, sign in again)', async () => {
    const h = await suite.home();
    // An address the core's email check lets through, full of shell syntax.
    const typed = "a&touch${IFS}PWNED&'`touch${IFS}PWNED2`|x@x.com";
    const env = h.env({ KEYMINT_BASE_URL: suite.emu.url });
    // No password source: USAGE with a --password-stdin command.
    const noPw = await run(BIN.keymint, ['--provider', 'coditect', 'auth', 'login', '--email', typed, '--json'], { env, closeStdin: false, timeout: 30000 });
    assert.equal(noPw.code, 2, noPw.stdout);
    const cmd = envelope(noPw).error.nextAction.command;
    const ran = await runEmitted(cmd, ['keymint']);
    assert.deepEqual(ran.files, []);
    assert.deepEqual(ran.calls, [['--provider', 'coditect', 'auth', 'login', '--email', typed, '--password-stdin']]);
    // Missing --code: the command names the typed email (context.required).
    const noCode = await run(BIN.keymint, ['--provider', 'scripto', 'auth', 'login-complete', '--email', typed, '--json'], { env, closeStdin: false, timeout: 30000 });
    const cmd2 = envelope(noCode).error.nextAction.command;
    const ran2 = await runEmitted(cmd2.replace('<6-digit-code>', '123456'), ['keymint']);
    assert.deepEqual(ran2.files, []);
    assert.deepEqual(ran2.calls, [['--provider', 'scripto', 'auth', 'login-complete', '--email', typed, '--code', '123456']]);
  });

  test('a provider spec path with quotes and $(…) stays one word in the emitted command', async () => {
    const h = await suite.home();
    const name = "it's my $(touch PWNED) spec.json";
    const spec = JSON.parse(await readFile(new URL('../../src/provider/scripto.json', import.meta.url), 'utf8'));
    await writeFile(join(h.home, name), JSON.stringify(spec));
    const r = await run(BIN.keymint, ['--provider', `./${name}`, 'auth', 'login-request', '--email', 'spec@example.com', '--json'], {
      env: h.env({ KEYMINT_BASE_URL: suite.emu.url }), cwd: h.home,
    });
    assert.equal(r.code, 0, r.stdout);
    const { command } = envelope(r).data.nextAction;
    const ran = await runEmitted(command.replace('<6-digit-code>', '123456'), ['keymint']);
    assert.deepEqual(ran.files, []);
    assert.deepEqual(ran.calls, [['--provider', `./${name}`, 'auth', 'login-complete', '--email', 'spec@example.com', '--code', '123456']]);
  });

  test("the JS quoting matches the core's push_arg on tricky values", async () => {
    const tricky = ["Acme's $(rm -rf ~) `x` \"q\"", 'a b\tc', 'é', "'", 'x;y|z&', '*?[a]', '~root', 'a=b,c:d/e.f@g%h+i-j_k', '\\', '!h #c', '\x1b[2J'];
    for (let i = 0; i < tricky.length; i += 3) {
      const email = `quote${i}@example.com`;
      const f = keymint.start({ provider: 'codika', baseUrl: suite.emu.url, email, purpose: 'signup', program: 'codika' });
      await f.requestCode();
      const [companyName, keyName, description] = [tricky[i], tricky[i + 1] ?? 'k', tricky[i + 2] ?? 'd'];
      const e = await f.submitCode('000000', { companyName, keyName, description }).then(() => null, (x) => x);
      assert.equal(e?.code, 'OTP_INVALID');
      const mine = commandLine(['codika', 'auth', 'signup-complete', '--email', email, '--code', hole('<code>'),
        '--company', companyName, '--key-name', keyName, '--description', description]);
      assert.equal(e.nextAction.command, mine, `core and JS disagree on ${JSON.stringify([companyName, keyName, description])}`);
    }
    assert.equal(commandLine(['']), "''", 'the empty word is quoted, as the core does');
  });
});

describe('item 12: a 2FA sign-in left unfinished is not a success', () => {
  test('auth login with 2FA, no code, no terminal: exits with SECOND_FACTOR_REQUIRED, keeps the challenge', async () => {
    const h = await suite.home();
    const env = h.env({ KEYMINT_BASE_URL: suite.emu.url });
    const email = 'second@example.com';
    const password = 'correct horse battery staple';
    await dev(suite.emu, '/__keymint/coditect/seed-user', { email, password, totp: true });
    const want = keymint.codeTable().find((r) => r.code === 'SECOND_FACTOR_REQUIRED');
    assert.ok(want && want.exitCode !== 0, 'the core has the code, with a failing exit');

    const json = await run(BIN.keymint, ['--provider', 'coditect', 'auth', 'login', '--email', email, '--password-stdin', '--json'], { env, input: password });
    assert.equal(json.code, want.exitCode, json.stdout);
    const env1 = envelope(json);
    assert.equal(env1.success, false);
    assert.equal(env1.error.code, 'SECOND_FACTOR_REQUIRED');
    assert.equal(env1.error.nextAction.kind, want.kind);
    assert.equal(env1.error.nextAction.field, 'totp-code');
    assert.equal(env1.error.details.signedIn, false);
    const doc = await h.readConfig('keymint');
    assert.deepEqual(doc.profiles, {}, 'nothing saved as signed in');
    assert.equal(doc.pending[`coditect|login|${email}`].phase, 'second_factor', 'the challenge is kept');
    assert.ok(!json.stdout.includes(password));

    const human = await run(BIN.keymint, ['--provider', 'coditect', 'auth', 'login', '--email', email, '--password-stdin'], { env, input: password });
    assert.equal(human.code, want.exitCode);
    assert.equal(human.stdout, '', 'no result on stdout');
    assert.match(human.stderr, /^✗ .*not signed in yet.*\(SECOND_FACTOR_REQUIRED\)\n/);

    // The kept challenge: the code alone finishes it (exit 0, signed in).
    const code = (await (await fetch(`${suite.emu.url}/__keymint/coditect/totp?email=${encodeURIComponent(email)}`)).json()).code;
    const done = await run(BIN.keymint, ['--provider', 'coditect', 'auth', 'login', '--email', email, '--totp-code', code, '--json'], { env, closeStdin: false, timeout: 30000 });
    assert.equal(done.code, 0, done.stdout);
    assert.equal(envelope(done).data.signedIn, true);
  });
});
