// Regression tests for issue 14, items 7, 10 and 11 (items 7 and 8 also in tests/security_core.rs):
//  7. plain http only to LITERAL loopback: `*.localhost` goes through a resolver. One rule, the
//     core's, for the library, the CLI and redirects.
// 10. the saved document's check is an unkeyed checksum: a forged document is still validated
//     structurally, nothing more (tampering is the store's business), and the docs say so.
// 11. the emulator grants CORS to loopback pages only, marks every answer and every minted
//     secret as its own, and warns when bound to a non-loopback address.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as keymint from '../src/index.mjs';
import { startEmulator, isEmulatorSecret, isLoopbackHost, EMULATOR_MARKER } from '../src/emulator/index.mjs';
import { rejectsWithCode } from './fixtures/rejection.mjs';
import { BIN, cliSuite, run, envelope } from './fixtures/cli-helpers.mjs';

const EMULATOR_BIN = fileURLToPath(new URL('../bin/keymint-emulator.mjs', import.meta.url));

/** A node:http server on 127.0.0.1 that counts requests and answers Scripto's "code sent". */
async function countingServer(handler) {
  const s = {
    hits: 0,
    server: http.createServer((req, res) => {
      s.hits++;
      if (handler) return handler(req, res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"success":true,"data":{"ok":true}}');
    }),
    port: 0,
    close: () => new Promise((r) => s.server.close(r)),
  };
  await new Promise((r) => s.server.listen(0, '127.0.0.1', r));
  s.port = /** @type {import('node:net').AddressInfo} */ (s.server.address()).port;
  return s;
}

// ------------------------------------------------------------------ 7: literal loopback only

describe('7: a *.localhost base URL is refused with INSECURE_URL, no request made', () => {
  let srv;
  let h;
  const suite = cliSuite();
  before(async () => {
    srv = await countingServer();
    h = await suite.home();
  });
  after(() => srv.close());

  test('library: start, whoami and a per-step URL', async () => {
    const fetched = [];
    const fetch = (url, init) => {
      fetched.push(String(url));
      return globalThis.fetch(url, init);
    };
    const attacker = `http://attacker.localhost:${srv.port}`;
    assert.throws(
      () => keymint.start({ provider: 'scripto', baseUrl: attacker, email: 'you@example.com', fetch }),
      (e) => e.code === 'INSECURE_URL' && e.details?.local === true,
    );
    await rejectsWithCode(keymint.whoami({ provider: 'scripto', baseUrl: attacker, apiKey: 'scripto_x', fetch }), 'INSECURE_URL');
    const flow = keymint.start({ provider: 'scripto', baseUrl: `http://127.0.0.1:${srv.port}`, email: 'you@example.com', fetch });
    await rejectsWithCode(flow.requestCode({ url: `${attacker}/api/cli/login-request` }), 'INSECURE_URL');
    assert.equal(srv.hits, 0);
    assert.deepEqual(fetched, []);
    // The literal loopback form of the same server is fine.
    await flow.requestCode();
    assert.equal(srv.hits, 1);
    srv.hits = 0;
  });

  test('CLI: --base-url and KEYMINT_BASE_URL', async () => {
    const attacker = `http://attacker.localhost:${srv.port}`;
    const args = ['--provider', 'scripto', 'auth', 'login-request', '--email', 'you@example.com', '--json'];
    const flag = await run(BIN.keymint, ['--base-url', attacker, ...args], { env: h.env() });
    assert.equal(envelope(flag).error.code, 'INSECURE_URL', flag.stdout + flag.stderr);
    assert.equal(flag.code, 2);
    const env = await run(BIN.keymint, args, { env: h.env({ KEYMINT_BASE_URL: attacker }) });
    assert.equal(envelope(env).error.code, 'INSECURE_URL', env.stdout + env.stderr);
    assert.equal(env.code, 2);
    assert.equal(srv.hits, 0, 'no request reached any server');
    // The CLI's check is the core's: the literal forms (any case) pass it and reach the server.
    const ok = await run(BIN.keymint, ['--base-url', `http://LOCALHOST:${srv.port}`, ...args], { env: h.env() });
    assert.equal(envelope(ok).success, true, ok.stdout + ok.stderr);
    assert.equal(srv.hits, 1);
    srv.hits = 0;
  });

  test('a redirect to a *.localhost name (another origin) is not followed', async () => {
    const redirector = await countingServer((req, res) => {
      res.writeHead(307, { location: `http://attacker.localhost:${srv.port}${req.url}` });
      res.end();
    });
    const fetched = [];
    const fetch = (url, init) => {
      fetched.push(String(url));
      return globalThis.fetch(url, init);
    };
    try {
      const e = await rejectsWithCode(
        keymint.whoami({ provider: 'scripto', baseUrl: `http://127.0.0.1:${redirector.port}`, apiKey: 'scripto_secretsecret1234', fetch }),
        'BAD_RESPONSE',
      );
      assert.match(e.message, /redirected to another origin/);
      assert.equal(redirector.hits, 1);
      assert.deepEqual(fetched.filter((u) => u.includes('attacker')), []);
      assert.equal(srv.hits, 0);
    } finally {
      await redirector.close();
    }
  });
});

// ------------------------------------------------------------------ 10: the check is not a signature

/** FNV-1a 64 of the UTF-8 text, hex: the saved document's `check`. */
function fnv1a64(text) {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(text)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

/** The document with `edit` applied and its check recomputed, as anyone could. */
function forge(doc, edit) {
  const { check, ...rest } = structuredClone(doc);
  edit(rest);
  return { ...rest, check: fnv1a64(JSON.stringify(rest)) };
}

describe('10: a forged saved document is validated structurally, nothing more', () => {
  const saved = keymint.start({ provider: 'scripto', baseUrl: 'http://127.0.0.1:9', email: 'you@example.com' }).toJSON();

  test('the check is recomputable (an unkeyed checksum)', () => {
    assert.equal(forge(saved, () => {}).check, saved.check);
  });

  test('a forged email and loopback base URL with a recomputed check are accepted', () => {
    const f = keymint.resume(forge(saved, (d) => {
      d.email = 'victim@example.com';
      d.baseUrl = 'http://127.0.0.2:1';
    }));
    assert.equal(f.email, 'victim@example.com');
    assert.equal(f.baseUrl, 'http://127.0.0.2:1');
  });

  test('structure is still enforced: the URL rule, fields, and damage without a new check', () => {
    for (const edit of [
      (d) => { d.baseUrl = 'http://evil.example'; },
      (d) => { d.baseUrl = 'http://attacker.localhost:1'; },
      (d) => { d.email = 'not an email'; },
      (d) => { d.phase = 'bogus'; },
      (d) => { d.nonce = 'not-hex'; },
      (d) => { d.v = 2; },
    ]) {
      assert.throws(() => keymint.resume(forge(saved, edit)), (e) => e.code === 'INVALID_STATE', String(edit));
    }
    assert.throws(() => keymint.resume({ ...saved, email: 'other@example.com' }), (e) => e.code === 'INVALID_STATE');
  });

  test('the docs no longer claim the check refuses an edited spec', () => {
    const doc = readFileSync(new URL('../../docs/custom-provider.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    assert.doesNotMatch(doc, /edited spec in a saved document is refused/);
    assert.match(doc, /not a signature/);
    assert.match(doc, /tampering comes from the store/);
  });
});

// ------------------------------------------------------------------ 11: the emulator

describe('11: the emulator', () => {
  let emu;
  before(async () => {
    emu = await startEmulator({ port: 0, allowOrigins: ['https://app.example.test'] });
  });
  after(() => emu.close());

  const get = (path, headers = {}) => fetch(`${emu.url}${path}`, { headers });

  test('CORS only for loopback origins (and allowOrigins)', async () => {
    for (const path of ['/__keymint/requests', '/__keymint/outbox?email=a@example.com', '/__keymint/messages', '/api/cli/whoami']) {
      for (const origin of ['http://evil.example', 'http://127.0.0.1.evil.example', 'https://localhost', 'null', 'http://localhost.evil.example:80']) {
        const r = await get(path, { origin });
        assert.equal(r.headers.get('access-control-allow-origin'), null, `${path} ${origin}`);
      }
      for (const origin of ['http://127.0.0.1:5173', 'http://localhost:3000', 'http://localhost', 'http://[::1]:8080', 'http://127.1.2.3:1', 'https://app.example.test']) {
        const r = await get(path, { origin });
        assert.equal(r.headers.get('access-control-allow-origin'), origin, `${path} ${origin}`);
      }
    }
    const pre = await fetch(`${emu.url}/__keymint/requests`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    assert.equal(pre.headers.get('access-control-allow-methods'), null);
    assert.equal(pre.headers.get('vary'), 'Origin');
    await assert.rejects(startEmulator({ port: 0, allowOrigins: ['*'] }), TypeError);
  });

  test('X-Keymint-Emulator: 1 on every answer', async () => {
    const answers = [
      await get('/__keymint/clock'),
      await get('/__keymint/outbox?email=nobody@example.com'),
      await get('/nowhere'),
      await get('/api/cli/login-request'),
    ];
    emu.fault({ path: '/api/cli/login-request', kind: 'html502' });
    answers.push(
      await fetch(`${emu.url}/api/cli/login-request`, { method: 'POST', body: '{}' }),
      await fetch(`${emu.url}/api/cli/login-request`, { method: 'POST', body: '{}' }),
      await fetch(`${emu.url}/api/cli/login-request`, { method: 'OPTIONS', headers: { origin: 'http://evil.example' } }),
      await fetch(`${emu.url}/api/cli/login-request`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) }),
    );
    assert.deepEqual(answers.map((r) => r.status), [200, 404, 404, 405, 502, 400, 204, 413]);
    for (const r of answers) assert.equal(r.headers.get('x-keymint-emulator'), '1', `${r.url} ${r.status}`);
  });

  test('a non-loopback Host (DNS rebinding) is refused', async () => {
    const status = (host) => new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: emu.port, path: '/__keymint/requests', headers: { host } }, (res) => {
        res.resume();
        resolve([res.statusCode, res.headers['x-keymint-emulator']]);
      }).on('error', reject);
    });
    assert.deepEqual(await status(`evil.example:${emu.port}`), [403, '1']);
    assert.deepEqual(await status(`attacker.localhost:${emu.port}`), [403, '1']);
    assert.deepEqual(await status(`127.0.0.1:${emu.port}`), [200, '1']);
    assert.deepEqual(await status(`localhost:${emu.port}`), [200, '1']);
  });

  test('minted keys keep the protocol prefix, length and alphabet, and carry the marker', async () => {
    const email = 'marker@example.com';
    const post = (path, body) => fetch(`${emu.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    await post('/api/cli/login-request', { email });
    const { data } = await post('/api/cli/login-complete', { email, otp: emu.outbox(email) });
    assert.match(data.apiKey, /^scripto_[0-9A-Za-z]{40}$/);
    assert.equal(data.apiKey.slice(8 + 8, 8 + 8 + EMULATOR_MARKER.length), EMULATOR_MARKER);
    assert.ok(isEmulatorSecret(data.apiKey));
    assert.ok(!isEmulatorSecret(`scripto_${'a'.repeat(40)}`));
    // The masked form still shows the prefix and random last characters.
    assert.match(keymint.maskSecret(data.apiKey), /^scripto_.*[0-9A-Za-z]{4}$/);
    assert.ok(!keymint.maskSecret(data.apiKey).includes(EMULATOR_MARKER));
  });

  test('a non-loopback host is warned about on stderr (startEmulator)', async () => {
    assert.equal(isLoopbackHost('0.0.0.0'), false);
    assert.equal(isLoopbackHost('127.0.0.1'), true);
    const written = [];
    const write = process.stderr.write;
    process.stderr.write = (chunk, ...rest) => {
      written.push(String(chunk));
      return true;
    };
    let exposed;
    let quiet;
    try {
      // Bound briefly on an ephemeral port and closed at once; no request is sent to it.
      exposed = await startEmulator({ port: 0, host: '0.0.0.0' });
      await exposed.close();
      const n = written.length;
      quiet = await startEmulator({ port: 0 });
      await quiet.close();
      assert.equal(written.length, n, 'no warning for the loopback default');
    } finally {
      process.stderr.write = write;
    }
    assert.match(written.join(''), /WARNING: listening on http:\/\/0\.0\.0\.0:\d+, which is NOT a loopback address/);
  });

  test('a non-loopback host is warned about on stderr (bin)', async () => {
    const child = spawn(process.execPath, [EMULATOR_BIN, '--port', '0', '--host', '0.0.0.0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    let out = '';
    child.stdout.setEncoding('utf8');
    while (!out.includes('\n')) out += (await once(child.stdout, 'data'))[0];
    child.kill('SIGTERM');
    await once(child, 'exit');
    assert.match(out, /^http:\/\/0\.0\.0\.0:\d+\n$/);
    assert.match(err, /WARNING: listening on http:\/\/0\.0\.0\.0:\d+, which is NOT a loopback address/);
  });
});
