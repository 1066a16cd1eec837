// The package's default entry (dist/keymint.mjs) in real headless Chromium: a page, a
// dedicated module worker and a module service worker each load it with a static import and
// run a whole Scripto flow against the emulator (cross-origin, so through its CORS answers);
// and keymint/sessions (dist/sessions.mjs) beside it, on its own core: its family and, as the
// default entry's superset, an email-code flow. Both import the shared dist/runtime.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../src/emulator/index.mjs';
import { launch, serveStatic, cleanup, withTimeout, STEP_TIMEOUT_MS, TEST_TIMEOUT_MS } from './helpers.mjs';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

let emu;
let site;
let browser;
let page;
const pageErrors = [];

before(async () => {
  emu = await startEmulator({ port: 0 });
  site = await serveStatic({ '/dist/': DIST, '/': FIXTURES });
  browser = await launch();
  page = await browser.ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e?.stack ?? e)));
  await page.goto(`${site.url}/page.html`);
  await page.waitForFunction(() => globalThis.keymintTest || globalThis.loadErrors.length > 0);
  const loadErrors = await page.evaluate(() => globalThis.loadErrors);
  assert.deepEqual(loadErrors, [], 'the page failed to load keymint (synchronous wasm compile on the main thread?)');
}, { timeout: TEST_TIMEOUT_MS });

after(() => cleanup(() => browser?.close(), () => site?.close(), () => emu?.close()), { timeout: 60_000 });

/** @param {'page'|'worker'|'serviceworker'} via @param {object} msg */
async function call(via, msg) {
  const answer = await withTimeout(
    page.evaluate(([v, m]) => globalThis.keymintTest.call(v, m), [via, msg]),
    STEP_TIMEOUT_MS + 5_000,
    `${via}: ${msg.op}`,
  );
  assert.ok(answer.ok, `${via} ${msg.op} failed: ${JSON.stringify(answer.error)}; page errors: ${pageErrors.join('\n')}`);
  return answer.value;
}

test('the wasm entries and the runtime reach no window and import statically: each entry the runtime only, the runtime nothing', () => {
  for (const [file, imports] of Object.entries({ 'keymint.mjs': ['./runtime.mjs'], 'sessions.mjs': ['./runtime.mjs'], 'runtime.mjs': [] })) {
    const src = readFileSync(new URL(file, `file://${DIST}`), 'latin1');
    assert.doesNotMatch(src, /\bwindow\b/, `dist/${file} mentions window`);
    assert.doesNotMatch(src, /\bimport\s*\(/, `dist/${file} has a dynamic import()`);
    assert.doesNotMatch(src, /\bimport\.meta\b/, `dist/${file} reads import.meta`);
    assert.deepEqual([...new Set([...src.matchAll(/\bfrom\s*"([^"]+)"/g)].map((m) => m[1]))], imports, `dist/${file} imports`);
  }
});

const SCOPES = { page: 'Window', worker: 'DedicatedWorkerGlobalScope', serviceworker: 'ServiceWorkerGlobalScope' };

for (const via of /** @type {const} */ (['page', 'worker', 'serviceworker'])) {
  test(`${via}: loads the default entry and completes a flow against the emulator`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const env = await call(via, { op: 'env' });
    assert.equal(env.scope, SCOPES[via]);
    if (via !== 'page') assert.equal(env.window, 'undefined');
    assert.ok(env.codes > 10, 'the wasm core answered');

    const email = `${via}@example.com`;
    const { saved, sent } = await call(via, { op: 'request', baseUrl: emu.url, email });
    assert.equal(sent.email, email);
    assert.ok(Date.parse(sent.expiresAt) > Date.now(), 'expiresAt is in the future');
    assert.equal(JSON.parse(saved).phase, 'code_sent');

    const code = emu.outbox(email);
    assert.match(code, /^\d{6}$/);
    const wrongCode = code === '000000' ? '111111' : '000000';
    const done = await call(via, { op: 'complete', baseUrl: emu.url, saved, code, wrongCode });
    // A wrong code first: a real KeymintError crosses the boundary, and the flow stays usable.
    assert.deepEqual(done.wrong, { guard: true, isError: true, isKeymintError: true, code: 'OTP_INVALID', kind: 'request_new_code' });
    assert.equal(done.scope, SCOPES[via]);
    assert.ok(done.rawLooksLikeKey, 'a Scripto key was minted');
    assert.equal(done.leaked, false, 'the raw key showed up in a string form');
    assert.match(done.masked, /^scripto_•+[A-Za-z0-9]{4}$/);
    assert.deepEqual(done.whoami, { email, sameKey: true });
  });
}

for (const via of /** @type {const} */ (['page', 'worker', 'serviceworker'])) {
  test(`${via}: keymint/sessions loads beside the default entry by a static import and runs on its own core`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await call(via, { op: 'sessions', baseUrl: emu.url });
    assert.equal(r.scope, SCOPES[via]);
    assert.match(r.code, /^\d{6}$/, 'a TOTP code from the full core');
    assert.ok(r.url.startsWith(emu.url) && new URL(r.url).searchParams.get('code_challenge_method') === 'S256', r.url);
    assert.equal(r.resumed, true);
    assert.deepEqual(r.bad, { isKeymintError: true, code: 'INVALID_TOTP_SECRET' }, 'one runtime: its errors are the default entry\'s KeymintError');
    assert.deepEqual(r.refused, { isKeymintError: true, code: 'INVALID_STEP', field: 'import' }, 'the default entry\'s core names keymint/sessions');
  });
}

for (const via of /** @type {const} */ (['page', 'worker', 'serviceworker'])) {
  test(`${via}: keymint/sessions is the default entry's superset: an email-code flow through it alone`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const email = `superset-${via}@example.com`;
    const r = await call(via, { op: 'superset', baseUrl: emu.url, email, code: null });
    assert.equal(r.sent.email, email);
    assert.equal(r.scope, SCOPES[via]);
    assert.deepEqual(r.shared, { Flow: true, KeymintError: true, Secret: true });
    const done = await call(via, { op: 'superset', baseUrl: emu.url, email, saved: r.saved, code: emu.outbox(email) });
    assert.match(done.masked, /^scripto_•+[A-Za-z0-9]{4}$/);
    assert.equal(done.whoami, email);
  });
}

test('no uncaught errors in the page', () => {
  assert.deepEqual(pageErrors, []);
});
