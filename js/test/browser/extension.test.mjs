// The example MV3 extension (examples/extension), built against the emulator and loaded
// unpacked into headless Chromium: a person onboards through its popup, and the service
// worker is stopped between "email me a code" and "sign in" (as the browser does after 30 s
// idle, e.g. while they read their mail); the flow resumes from chrome.storage.session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as keymint from '../../dist/keymint.mjs';
import { startEmulator } from '../../src/emulator/index.mjs';
import { buildExtension } from '../../../examples/extension/build.mjs';
import { launch, cleanup, withTimeout, STEP_TIMEOUT_MS, TEST_TIMEOUT_MS } from './helpers.mjs';

const OUTPUT_DIR = fileURLToPath(new URL('../../../test-output/', import.meta.url));
const SCREENSHOT = join(OUTPUT_DIR, 'popup-signed-in.png');
const STORE_CHECK = fileURLToPath(new URL('./fixtures/extension/', import.meta.url));

let emu;
let workDir;
let browser;
let ctx;
let sw;
let extId;
const pageErrors = [];

before(async () => {
  emu = await startEmulator({ port: 0 });
  workDir = mkdtempSync(join(tmpdir(), 'keymint-ext-'));
  const built = await buildExtension({ out: join(workDir, 'extension'), baseUrl: emu.url });
  cpSync(STORE_CHECK, built.out, { recursive: true }); // a test-only page for the store checks
  browser = await launch({ extension: built.out, viewport: { width: 360, height: 320 } });
  ctx = browser.ctx;
  sw = ctx.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
  sw ??= await withTimeout(
    ctx.waitForEvent('serviceworker', { predicate: (w) => w.url().startsWith('chrome-extension://'), timeout: STEP_TIMEOUT_MS }),
    STEP_TIMEOUT_MS + 5_000,
    'the extension service worker did not start (load the build in chrome://extensions to see its errors)',
  );
  extId = new URL(sw.url()).host;
}, { timeout: TEST_TIMEOUT_MS });

after(() => cleanup(
  () => browser?.close(),
  () => emu?.close(),
  () => workDir && rmSync(workDir, { recursive: true, force: true }),
), { timeout: 60_000 });

async function openPage(path) {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${path}: ${e?.stack ?? e}`));
  await page.goto(`chrome-extension://${extId}/${path}`);
  return page;
}

async function openPopup() {
  const page = await openPage('popup.html');
  await page.waitForFunction(() => document.body.dataset.state !== 'loading');
  return page;
}

/** @param {import('playwright-core').Page} page @param {string} state */
async function waitForState(page, state) {
  try {
    await page.waitForFunction((s) => document.body.dataset.state === s && !document.querySelector('button:disabled'), state);
  } catch (e) {
    const seen = await page.evaluate(() => `${document.body.dataset.state}: ${document.getElementById('error')?.textContent}`).catch(() => '?');
    throw new Error(`popup never reached "${state}" (it shows ${seen}); page errors: ${pageErrors.join('\n')}`, { cause: e });
  }
}

const storage = (area) => sw.evaluate((a) => chrome.storage[a].get('keymint').then((r) => r.keymint ?? null), area);

/**
 * Stops every service worker through the DevTools protocol and waits until the extension's
 * reports "stopped".
 * @param {import('playwright-core').Page} page
 */
async function stopServiceWorker(page) {
  const cdp = await ctx.newCDPSession(page);
  try {
    const stopped = new Promise((resolve) => {
      cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
        const ours = versions.filter((v) => v.scriptURL.startsWith(`chrome-extension://${extId}/`));
        if (ours.length > 0 && ours.every((v) => v.runningStatus === 'stopped')) resolve(undefined);
      });
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await withTimeout(stopped, STEP_TIMEOUT_MS, 'the service worker to stop');
  } finally {
    await cdp.detach().catch(() => {});
  }
}

test('onboarding through the popup survives the service worker being stopped between request and complete', { timeout: TEST_TIMEOUT_MS }, async () => {
  // Host permissions: exactly the configured backend.
  const granted = await sw.evaluate(() => chrome.permissions.getAll());
  assert.deepEqual(granted.origins, [`${emu.url}/*`]);

  const email = 'popup@example.com';
  let popup = await openPopup();
  await waitForState(popup, 'signed-out');
  await popup.fill('#email', email);
  await popup.click('#send');
  await waitForState(popup, 'code-sent');
  assert.equal(await popup.textContent('#sent-to'), email);

  // The pending flow is in session storage, not (only) in the worker's memory.
  const session = await storage('session');
  assert.equal(session.pending.login.phase, 'code_sent');
  assert.equal(session.pending.login.email, email);
  const bootBefore = await sw.evaluate(() => self.bootId);

  // The person goes to read their mail: the popup closes and the browser stops the worker.
  await stopServiceWorker(popup);
  await popup.close();

  popup = await openPopup(); // its first message wakes a fresh worker
  await waitForState(popup, 'code-sent');
  assert.equal(await popup.textContent('#sent-to'), email);
  const bootAfter = await sw.evaluate(() => self.bootId);
  assert.notEqual(bootAfter, bootBefore, 'the service worker was not restarted');

  const code = emu.outbox(email);
  await popup.fill('#code', `${code.slice(0, 3)} ${code.slice(3)}`);
  await popup.click('#verify');
  await waitForState(popup, 'signed-in');

  // Credentials in storage.local; the pending flow is gone from storage.session.
  const local = await storage('local');
  assert.equal(local.active, 'popup');
  const raw = local.profiles.popup.apiKey;
  assert.match(raw, /^scripto_[A-Za-z0-9]{16,}$/);
  assert.equal(local.profiles.popup.email, email);
  assert.deepEqual((await storage('session')).pending, {});
  const me = await keymint.whoami({ provider: 'scripto', baseUrl: emu.url, apiKey: raw });
  assert.equal(me.email, email, 'the stored key works');

  // The popup shows the masked key, never the raw one.
  const shown = await popup.textContent('#key');
  assert.equal(shown, keymint.maskSecret(raw));
  assert.match(shown, /^scripto_•+[A-Za-z0-9]{4}$/);
  const html = await popup.content();
  assert.ok(!html.includes(raw), 'the raw key reached the popup');
  assert.equal(await popup.textContent('#who'), email);

  mkdirSync(OUTPUT_DIR, { recursive: true });
  await popup.screenshot({ path: SCREENSHOT, fullPage: true });

  // Signed in stays signed in across another stop and a fresh popup.
  await stopServiceWorker(popup);
  await popup.close();
  popup = await openPopup();
  await waitForState(popup, 'signed-in');
  assert.equal(await popup.textContent('#key'), shown);
  await popup.close();
});

test('a wrong code shows the error and keeps the flow; sign out removes the key', { timeout: TEST_TIMEOUT_MS }, async () => {
  const popup = await openPopup();
  await waitForState(popup, 'signed-in');
  await popup.click('#sign-out');
  await waitForState(popup, 'signed-out');
  assert.deepEqual((await storage('local')).profiles, {});

  const email = 'second@example.com';
  await popup.fill('#email', email);
  await popup.click('#send');
  await waitForState(popup, 'code-sent');
  const code = emu.outbox(email);
  await popup.fill('#code', code === '000000' ? '111111' : '000000');
  await popup.click('#verify');
  await waitForState(popup, 'code-sent');
  assert.equal(await popup.isVisible('#error'), true);
  assert.match(await popup.textContent('#error'), /code/i);

  await popup.fill('#code', code);
  await popup.click('#verify');
  await waitForState(popup, 'signed-in');
  assert.equal(await popup.isVisible('#error'), false);
  assert.equal(await popup.textContent('#who'), email);
  assert.equal((await storage('local')).active, 'second');
  await popup.close();
});

test('the extension store: the profile store API over storage.local (credentials) and storage.session (pending flows), serialised across contexts', { timeout: TEST_TIMEOUT_MS }, async () => {
  const [a, b] = [await openPage('store-check.html'), await openPage('store-check.html')];
  await Promise.all([a, b].map((p) => p.waitForFunction(() => globalThis.storeCheck)));
  const out = await a.evaluate(() => globalThis.storeCheck.run());
  assert.deepEqual(out.emptyList, []);
  assert.equal(out.emptyActive, null);
  assert.deepEqual(out.names, ['you', 'you-2']);
  assert.equal(out.active, 'you-2');
  assert.deepEqual(out.localKeys, ['active', 'profiles', 'version']);
  assert.deepEqual(out.sessionKeys, ['leases', 'pending', 'version']);
  assert.equal(out.keyInLocal, true);
  assert.equal(out.sessionHasNoKey, true);
  assert.deepEqual(out.pending, { phase: 'code_sent', email: 'you@example.com' });
  assert.equal(out.pendingAfterClear, null);
  assert.equal(out.used, 'you');
  assert.equal(out.removed, 'you@example.com');
  assert.deepEqual(out.list, [['you', true]]);
  assert.deepEqual(out.notFound, { code: 'PROFILE_NOT_FOUND', sameClass: true });
  assert.deepEqual(out.badName, { code: 'PROFILE_NAME_INVALID', sameClass: true });
  assert.equal(out.lease, 'refresh:you');
  assert.deepEqual(out.leasesAfter, {});
  assert.deepEqual(out.corruptRead, { code: 'CONFIG_CORRUPT', sameClass: true });
  assert.deepEqual(out.corruptWrite, { code: 'CONFIG_CORRUPT', sameClass: true });
  assert.equal(out.leftAsItWas, 'not a document');
  assert.deepEqual(out.noVersion, { code: 'CONFIG_CORRUPT', sameClass: true });
  assert.deepEqual(out.newerVersion, { code: 'CONFIG_CORRUPT', sameClass: true });
  assert.deepEqual(out.junkSessionIgnored, []);

  // Two extension pages updating at once, each update yielding mid-way: Web Locks serialise
  // them across contexts, so no increment is lost.
  await Promise.all([a, b].map((p) => p.evaluate(() => globalThis.storeCheck.increment(25))));
  assert.equal(await a.evaluate(() => globalThis.storeCheck.counter()), 50);
  await a.close();
  await b.close();
});

test('no uncaught errors in the extension pages', () => {
  assert.deepEqual(pageErrors, []);
});
