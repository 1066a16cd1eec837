// The transport's shared deadline (src/transport.mjs, deadlineFor): requests started about
// the same time share one AbortController. Each still times out after its own timeout (and at
// most a tenth more), a caller's signal still aborts only its request, a fetch that adds an
// abort listener per request never makes Node warn about listeners, and a finished flow
// leaves no timer holding the process open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { perform } from '../src/transport.mjs';

const REQ = { method: 'POST', url: 'http://127.0.0.1:9/x', headers: { 'content-type': 'application/json' }, body: '{}' };

/** A fetch that never answers and rejects when its signal aborts (as fetch does). */
const hanging = (seen = []) => (url, init) =>
  new Promise((_, reject) => {
    seen.push(init.signal);
    init.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true });
  });

test('concurrent requests each time out after their timeout, however many share a deadline', async () => {
  const seen = [];
  const t0 = Date.now();
  const events = await Promise.all(Array.from({ length: 20 }, () => perform(REQ, { fetch: hanging(seen), timeoutMs: 150 })));
  const took = Date.now() - t0;
  for (const e of events) assert.deepEqual(e, { type: 'transport_error', kind: 'timeout' });
  assert.ok(took >= 150, `timed out after ${took} ms, before the 150 ms asked for`);
  assert.ok(took < 1500, `timed out after ${took} ms`);
  // Shared, but by at most 8 requests each: 20 requests, at least 3 signals.
  const signals = new Set(seen);
  assert.ok(signals.size >= 3 && signals.size < 20, `${signals.size} signals for 20 requests`);
});

test("a caller's signal aborts its own request only", async () => {
  const ctrl = new AbortController();
  const mine = perform(REQ, { fetch: hanging(), timeoutMs: 5000, signal: ctrl.signal });
  let otherDone = false;
  const answer = { type: 'response', status: 200, body: '{}' };
  const other = perform(REQ, {
    timeoutMs: 5000,
    fetch: (url, init) => new Promise((resolve, reject) => {
      init.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true });
      setTimeout(() => resolve(new Response('{}', { status: 200 })), 100);
    }),
  }).then((e) => ((otherDone = true), e));
  setTimeout(() => ctrl.abort(), 20);
  assert.deepEqual(await mine, { type: 'transport_error', kind: 'timeout' });
  assert.equal(otherDone, false);
  const e = await other;
  assert.equal(e.type, answer.type);
  assert.equal(e.status, 200);
});

test('a fetch adding an abort listener per request: 50 at once, no listener warning', () => {
  const script = `
    import { perform } from ${JSON.stringify(new URL('../src/transport.mjs', import.meta.url).href)};
    process.on('warning', (w) => { console.log('WARNING ' + w.name); });
    const fetch = (url, init) => new Promise((resolve) => {
      init.signal.addEventListener('abort', () => {});
      setTimeout(() => resolve(new Response('{}', { status: 200 })), 20);
    });
    const out = await Promise.all(Array.from({ length: 50 }, () => perform({ method: 'GET', url: 'http://127.0.0.1:9/', headers: {} }, { fetch })));
    console.log('OK ' + out.filter((e) => e.type === 'response').length);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /OK 50/);
  assert.doesNotMatch(r.stdout + r.stderr, /MaxListeners|WARNING/);
});

test('a finished flow leaves no timer holding the process open', () => {
  const dist = new URL('../dist/keymint.mjs', import.meta.url).href;
  const script = `
    import { start } from ${JSON.stringify(dist)};
    const body = (url) => url.endsWith('login-request')
      ? '{"success":true,"data":{"ok":true}}'
      : '{"success":true,"data":{"apiKey":"scripto_${'k'.repeat(40)}","keyId":"key_1","userId":"u1","email":"x@y.example"}}';
    const fetch = async (url) => new Response(body(String(url)), { status: 200, headers: { 'content-type': 'application/json' } });
    const flow = start({ provider: 'scripto', baseUrl: 'http://127.0.0.1:9', email: 'x@y.example', fetch });
    await flow.requestCode();
    await flow.submitCode('123456');
    console.log('done');
  `;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /done/);
  // The default timeout is 30 s: a timer left ref'd would hold the process that long.
  assert.ok(Date.now() - t0 < 10000, `the process took ${Date.now() - t0} ms to exit`);
});
