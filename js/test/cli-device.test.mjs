// `auth device-login` (RFC 8628) as a child process against the emulator's device backend:
// the code as one JSON line on stderr without a terminal, the key stored once confirmed,
// --no-wait saving the flow with the command that continues it, --resume, denial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, cliSuite, run, runTty, runInProcess, envelope, dev } from './fixtures/cli-helpers.mjs';
import { createCli } from '../src/node/index.mjs';
import { deviceSpec } from '../src/emulator/backends/device.mjs';

// A 1 s polling interval (the emulator's default is RFC 8628's 5 s): the flows below poll
// without waiting out 5 s each time.
const suite = cliSuite({ deviceIntervalSeconds: 1 });

async function setup() {
  const h = await suite.home();
  const spec = join(h.home, 'device.json');
  await writeFile(spec, JSON.stringify(deviceSpec(suite.emu.url)));
  return { h, args: ['--provider', spec, 'auth', 'device-login'] };
}

/** Runs device-login and does `act(code)` once the code line is on stderr. */
function login(h, args, act) {
  let acted = false;
  return run(BIN.keymint, args, {
    env: h.env(),
    onStderr: (all) => {
      const line = all.split('\n').find((l) => l.startsWith('{'));
      if (!acted && line) {
        acted = true;
        act(JSON.parse(line));
      }
    },
  });
}

test('device-login without a terminal: one JSON line on stderr, then the key is stored', async () => {
  const { h, args } = await setup();
  let shown;
  const r = await login(h, [...args, '--json', '--key-name', 'ci'], (line) => {
    shown = line;
    dev(suite.emu, '/__keymint/device/approve', { userCode: line.userCode });
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(shown.event, 'device_code');
  assert.match(shown.userCode, /^[A-Z]{4}-[A-Z]{4}$/);
  assert.equal(shown.verificationUri, `${suite.emu.url}/device`);
  assert.match(shown.resume, /auth device-login --resume$/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  const env = envelope(r);
  assert.equal(env.success, true);
  assert.match(env.data.apiKey, /^cko_•+/);
  assert.equal(env.data.keyName, 'ci');
  const cfg = await h.readConfig('keymint');
  const p = cfg.profiles[cfg.active];
  assert.match(p.apiKey, /^cko_/);
  assert.deepEqual(cfg.pending ?? {}, {});
});

test('--no-wait saves the flow and names --resume; --resume finishes it', async () => {
  const { h, args } = await setup();
  const r = await run(BIN.keymint, [...args, '--no-wait', '--json'], { env: h.env() });
  assert.equal(r.code, 5, r.stdout + r.stderr);
  const e = envelope(r).error;
  assert.equal(e.code, 'AUTHORIZATION_PENDING');
  assert.equal(e.nextAction.kind, 'open_url');
  assert.match(e.nextAction.url, /\/device\?user_code=/);
  assert.match(e.nextAction.command, /auth device-login --resume$/);
  assert.equal(r.stderr, '');
  const cfg = await h.readConfig('keymint');
  assert.equal(Object.keys(cfg.pending).length, 1);
  assert.equal(e.details.interval, 1);
  // Still pending: one poll (once the 1 s interval has passed) says so again, exit 5.
  await new Promise((res) => setTimeout(res, 1100));
  const again = await run(BIN.keymint, [...args, '--resume', '--no-wait', '--json'], { env: h.env() });
  assert.equal(again.code, 5, again.stdout);
  assert.equal(envelope(again).error.code, 'AUTHORIZATION_PENDING');
  await dev(suite.emu, '/__keymint/device/approve', { userCode: e.nextAction.userCode });
  const done = await run(BIN.keymint, [...args, '--resume', '--json'], { env: h.env() });
  assert.equal(done.code, 0, done.stdout + done.stderr);
  assert.match(envelope(done).data.apiKey, /^cko_/);
  const after = await h.readConfig('keymint');
  assert.deepEqual(after.pending, {});
});

test('a denial ends with ACCESS_DENIED (exit 5) and drops the saved flow', async () => {
  const { h, args } = await setup();
  const r = await login(h, args, (line) => dev(suite.emu, '/__keymint/device/deny', { userCode: line.userCode }));
  assert.equal(r.code, 5, r.stdout + r.stderr);
  assert.match(r.stderr, /ACCESS_DENIED/);
  const cfg = await h.readConfig('keymint');
  assert.deepEqual(cfg.pending, {});
});

test('--resume with nothing saved is a fix_input error', async () => {
  const { h, args } = await setup();
  const r = await run(BIN.keymint, [...args, '--resume', '--json'], { env: h.env() });
  assert.equal(r.code, 2);
  assert.equal(envelope(r).error.code, 'PROFILE_NOT_FOUND');
});

test('at a terminal: the URL, the code and a countdown, then the ✓ block', async () => {
  const { h, args } = await setup();
  let approved = false;
  const r = await runTty(BIN.keymint, args, {
    env: h.env(),
    onOutput: (out) => {
      const m = /confirm the code:\s+([A-Z]{4}-[A-Z]{4})/.exec(out);
      if (m && !approved && out.includes('code expires in')) {
        approved = true;
        dev(suite.emu, '/__keymint/device/approve', { userCode: m[1] });
      }
    },
  });
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, new RegExp(`Open ${suite.emu.url.replace(/[.]/g, '\\.')}/device\\?user_code=`));
  assert.match(r.output, /Waiting for confirmation… code expires in (9m|10m)/);
  assert.match(r.output, /✓ Signed in/);
  assert.match(r.output, /API key:\s+cko_•+/);
  assert.doesNotMatch(r.output, /"event":"device_code"/);
});

test('a wrapper whose provider declares device has the command, under its own name', async () => {
  const h = await suite.home();
  const cli = createCli({ program: 'acme', provider: deviceSpec(suite.emu.url) });
  const help = await runInProcess(cli, ['auth', '--help'], { env: h.env() });
  assert.match(help.stdout, /device-login/);
  const r = await runInProcess(cli, ['auth', 'device-login', '--no-wait', '--json'], { env: h.env() });
  assert.equal(r.code, 5, r.stdout + r.stderr);
  const e = JSON.parse(r.stdout).error;
  assert.equal(e.nextAction.command, 'acme auth device-login --resume');
  // A preset without `device` has no such command.
  const codika = createCli({ program: 'codika', provider: 'codika' });
  const none = await runInProcess(codika, ['auth', 'device-login', '--json'], { env: h.env() });
  assert.equal(none.code, 2);
});

test('a key from device-login goes through the one key save: the provider\'s label, and no whoami hint without a whoami', async () => {
  const h = await suite.home();
  const spec = deviceSpec(suite.emu.url);
  // A provider whose credential is a session token and that declares no whoami route.
  const provider = {
    version: 2,
    ...spec,
    credential: { ...spec.credential, kind: 'sessionToken' },
    mint: { ...spec.mint, token: 'session' },
    flows: { login: { request: '/otp/request', complete: '/otp/verify' } },
    fields: { email: 'email', code: 'code' },
  };
  const cli = createCli({ program: 'acme', provider });
  const r = await runInProcess(cli, ['auth', 'device-login', '--no-wait', '--json'], { env: h.env() });
  assert.equal(r.code, 5, r.stdout + r.stderr);
  await dev(suite.emu, '/__keymint/device/approve', { userCode: JSON.parse(r.stdout).error.nextAction.userCode });
  const done = await runInProcess(cli, ['auth', 'device-login', '--resume'], { env: h.env() });
  assert.equal(done.code, 0, done.stdout + done.stderr);
  assert.match(done.stdout, /✓ Signed in/);
  assert.match(done.stdout, /Session token:\s+cko_•+/);
  assert.doesNotMatch(done.stdout, /API key/);
  assert.doesNotMatch(done.stdout, /Try it/);
});
