// Issue 14, items 2 and 3: what a hostile backend says reaches neither a terminal's control
// channel (escape sequences, C1, bidi, zero-width, a bare \r) nor the output with a secret in it.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, cliSuite, run, runTty, envelope, dev, assertNoSecrets } from './fixtures/cli-helpers.mjs';
import { hostileServer, tamperingProxy } from './fixtures/hostile-server.mjs';

const suite = cliSuite();
const servers = [];
after(() => Promise.all(servers.map((s) => s.close())));
const keep = (s) => {
  servers.push(s);
  return s;
};
const rand = () => Math.random().toString(36).slice(2).padEnd(12, 'x');

/** Clear screen, window title, OSC 52 clipboard write, OSC 8 link, \r + a fake success, C1 CSI, bidi, zero-width, DEL. */
const EVIL = '\x1b[2J\x1b]0;owned\x07Acme\x1b]52;c;cHduZWQ=\x07\x1b]8;;https://evil.example\x07link\x1b]8;;\x07\r✓ Signed in as root\u009b31m\u202egnp.exe\u200b\u2066\x7f\u2028end';
/** What must never reach a terminal raw (a pty turns our own \n into \r\n, so only a bare \r counts). */
function assertTerminalSafe(text, what) {
  assert.ok(!text.includes('\x1b'), `${what}: ESC reached the terminal: ${JSON.stringify(text)}`);
  for (const ch of ['\u009b', '\u202e', '\u200b', '\u2066', '\x7f', '\u2028', '\x07']) {
    assert.ok(!text.includes(ch), `${what}: U+${ch.codePointAt(0).toString(16)} reached the terminal`);
  }
  assert.doesNotMatch(text, /\r(?!\n)/, `${what}: a bare \\r reached the terminal`);
}
/** No raw DEL, C1, bidi, zero-width or separator characters in JSON text. */
function assertJsonEscaped(text) {
  assert.doesNotMatch(text, /[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/u);
}

describe('item 2: server text is stripped for terminals and escaped in JSON', { concurrency: true }, () => {
  test('at a terminal: the organization picker, the result and profile list show no control sequence', async () => {
    const h = await suite.home();
    const email = 'picker@acme.test';
    await dev(suite.emu, '/__keymint/codika/seed-user', { email, organizations: [{ name: 'Acme' }, { name: 'Beta Corp' }] });
    // Every answer's "Acme" becomes the hostile name.
    const proxy = keep(await tamperingProxy(suite.emu.url, (_, text) => text.split('"Acme"').join(JSON.stringify(EVIL))));
    const env = h.env({ CODIKA_BASE_URL: proxy.url });
    assert.equal((await run(BIN.codika, ['auth', 'login-request', '--email', email], { env })).code, 0);
    const r = await runTty(BIN.codika, ['auth', 'login-complete', '--email', email], { env, input: `${suite.emu.outbox(email)}\n1\n` });
    assert.equal(r.code, 0, r.raw);
    assertTerminalSafe(r.raw, 'login-complete');
    assert.match(r.raw, /1\) Acmelink ✓ Signed in as rootgnp\.exe end/, 'the text is shown, without its controls');
    const doc = await h.readConfig('codika');
    const stored = Object.values(doc.profiles)[0].organization;
    assert.doesNotMatch(stored.name, /[\p{Cc}\p{Cf}\p{Zl}]/u, 'stored cleaned');

    const list = await runTty(BIN.codika, ['profile', 'list'], { env });
    assert.equal(list.code, 0, list.raw);
    assertTerminalSafe(list.raw, 'profile list');
  });

  test('an error message and next action with controls: stripped at a terminal, escaped in --json', async () => {
    const h = await suite.home();
    const server = keep(await hostileServer(() => ({
      status: 401,
      json: { success: false, error: { code: 'unauthenticated', message: `Denied ${EVIL}`, nextAction: `Call ${EVIL}` } },
    })));
    const env = h.env({ SCRIPTO_BASE_URL: server.url, SCRIPTO_API_KEY: `scripto_${rand()}${rand()}` });
    const tty = await runTty(BIN.scripto, ['whoami'], { env });
    assert.equal(tty.code, 1, tty.raw);
    assertTerminalSafe(tty.raw, 'whoami error');
    assert.match(tty.raw, /Denied Acmelink ✓ Signed in as rootgnp\.exe end/);

    const json = await run(BIN.scripto, ['whoami', '--json'], { env });
    assert.equal(json.code, 1);
    assertJsonEscaped(json.stdout);
    assert.ok(json.stdout.includes('\\u009b') && json.stdout.includes('\\u202e') && json.stdout.includes('\\u007f'));
    assert.equal(envelope(json).error.message.includes(EVIL), true, 'JSON keeps the text verbatim');
  });

  test('an email and key name with controls from whoami: no raw control in human output', async () => {
    const h = await suite.home();
    const server = keep(await hostileServer(() => ({ json: { success: true, data: { userId: `u${EVIL}`, email: `x@y.z${EVIL}`, keyId: 'k', keyName: EVIL } } })));
    const env = h.env({ SCRIPTO_BASE_URL: server.url });
    const key = `scripto_${rand()}${rand()}`;
    const set = await run(BIN.scripto, ['config', 'set', '--api-key', key], { env });
    assert.equal(set.code, 0, set.stderr);
    assertTerminalSafe(set.stdout + set.stderr, 'config set');
    const me = await run(BIN.scripto, ['whoami'], { env });
    assert.equal(me.code, 0, me.stderr);
    assertTerminalSafe(me.stdout + me.stderr, 'whoami');
    const list = await run(BIN.scripto, ['profile', 'list'], { env });
    assertTerminalSafe(list.stdout + list.stderr, 'profile list');
  });
});

describe('item 3: secrets a server echoes are never printed raw', { concurrency: true }, () => {
  test('whoami --json prints only the documented identity fields, never an echoed key', async () => {
    const h = await suite.home();
    const key = `scripto_${rand()}${rand()}`;
    const server = keep(await hostileServer(({ headers }) => {
      const sent = String(headers.authorization ?? '').replace(/^Bearer /, '');
      return { json: { success: true, data: { userId: 'u_1', email: 'me@example.com', keyId: 'k_1', keyName: 'cli', echoedKey: sent, key: { value: sent }, value: sent, extra: { token: sent } } } };
    }));
    const env = h.env({ SCRIPTO_BASE_URL: server.url, SCRIPTO_API_KEY: key });
    const r = await run(BIN.scripto, ['whoami', '--json'], { env });
    assert.equal(r.code, 0, r.stdout);
    const d = envelope(r).data;
    for (const k of ['echoedKey', 'value', 'extra']) assert.equal(d[k], undefined, `${k} printed`);
    assert.equal(d.key?.value, undefined);
    assert.equal(d.email, 'me@example.com');
    const human = await run(BIN.scripto, ['whoami'], { env });
    assertNoSecrets([r, human], [key]);
  });

  test('an error message that repeats the key: masked, human and --json', async () => {
    const h = await suite.home();
    const key = `cko_${rand()}${rand()}`;
    const server = keep(await hostileServer(({ headers }) => {
      const sent = String(headers.authorization ?? '').replace(/^Bearer /, '');
      return { status: 401, json: { success: false, error: { code: 'UNAUTHENTICATED', message: `API key ${sent} is revoked`, nextAction: `Revoke ${sent}` } } };
    }));
    const env = h.env({ CODIKA_BASE_URL: server.url, CODIKA_API_KEY: key });
    const json = await run(BIN.codika, ['whoami', '--json'], { env });
    const human = await run(BIN.codika, ['whoami'], { env });
    assert.equal(json.code, 1, json.stdout);
    assertNoSecrets([json, human], [key]);
    assert.match(envelope(json).error.message, /API key cko_••••••••\w{4} is revoked/);
    assert.match(human.stderr, /API key cko_••••••••\w{4} is revoked/);
  });

  test("Better Auth's mint error repeating the session token and the code: masked", async () => {
    const h = await suite.home();
    const session = `sess${rand()}${rand()}`;
    const code = '482913';
    const server = keep(await hostileServer(({ path, headers }) => {
      if (path.endsWith('/email-otp/send-verification-otp')) return { json: { success: true } };
      if (path.endsWith('/sign-in/email-otp')) return { json: { token: session, user: { id: 'u1', email: 'ba@example.com' } } };
      if (path.endsWith('/api-key/create')) {
        return { status: 400, json: { code: 'WEIRD_FAILURE', message: `cannot mint for ${headers.authorization} (otp ${code}, session ${session})` } };
      }
      return undefined;
    }));
    const base = `${server.url}/api/auth`;
    const env = h.env();
    const args = ['--provider', 'better-auth', '--base-url', base];
    assert.equal((await run(BIN.keymint, [...args, 'auth', 'login-request', '--email', 'ba@example.com'], { env })).code, 0);
    const json = await run(BIN.keymint, [...args, 'auth', 'login-complete', '--email', 'ba@example.com', '--code', code, '--json'], { env });
    const human = await run(BIN.keymint, [...args, 'auth', 'login-complete', '--email', 'ba@example.com', '--code', code], { env });
    assert.notEqual(json.code, 0, json.stdout);
    assert.ok(server.requests.some((q) => q.path.endsWith('/api-key/create')), 'the mint was attempted');
    assertNoSecrets([json, human], [session, code]);
    assert.ok(json.stdout.includes('••••••••'), json.stdout);
  });
});
