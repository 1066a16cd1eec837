// The client-side cost of one email-code flow, quickly, without the loopback stub or peers:
// keymint's default entry (start → requestCode → submitCode) against raw fetch sending the
// same two requests, both through one in-memory fetch answering canned bytes.
//   node --expose-gc benches/client.mjs
// Prints, for each: µs per flow (median of 100 blocks of 50 after 3,000 warm-up flows), bytes
// allocated per flow (heapUsed growth over 1,000 flows with a young generation too large to be
// collected meanwhile: a lower bound, V8 may still elide short-lived objects), and live heap
// per flow parked on its first request (10,000 flows whose fetch never answers, after gc).
// Nothing is asserted; `make bench` has the side-by-side figures against the peers.
// KM_ENTRY=<file URL> runs another build of the default entry (e.g. js/src/index.mjs, whose
// functions keep their names under --cpu-prof, or a baseline checkout's js/dist/keymint.mjs).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = process.env.KM_ENTRY ?? new URL('../js/dist/keymint.mjs', import.meta.url).href;
const [what, who] = process.argv.slice(2);

if (!what) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const run = (w, c, flags = []) => {
    const r = spawnSync(process.execPath, ['--expose-gc', ...flags, fileURLToPath(import.meta.url), w, c], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return Number(r.stdout.trim());
  };
  const rows = [
    ['µs per flow (in-memory fetch)', 'time', [], 1],
    ['bytes allocated per flow', 'alloc', ['--max-semi-space-size=256'], 0],
    ['live bytes per flow parked on a request', 'parked', [], 0],
  ];
  console.log(`${''.padEnd(42)}${'keymint'.padStart(10)}${'raw fetch'.padStart(12)}${'ratio'.padStart(8)}`);
  for (const [label, w, flags, digits] of rows) {
    const k = run(w, 'keymint', flags);
    const r = run(w, 'raw', flags);
    console.log(`${label.padEnd(42)}${k.toFixed(digits).padStart(10)}${r.toFixed(digits).padStart(12)}${(k / r).toFixed(2).padStart(8)}`);
  }
} else {
  const km = await import(entry);
  const key = JSON.stringify({ success: true, data: { apiKey: `scripto_${'k'.repeat(40)}`, keyId: 'key_1', userId: 'user_1', email: 'x@y.example' } });
  const sent = JSON.stringify({ success: true, data: { ok: true, email: 'x@y.example' } });
  const headers = { 'content-type': 'application/json' };
  const answering = async (url) => new Response(String(url).endsWith('login-request') ? sent : key, { status: 200, headers });
  const pending = [];
  const never = () => new Promise((resolve) => pending.push(resolve));
  const base = 'http://127.0.0.1:9';
  const flows = {
    keymint: async (fetch, i = 0) => {
      const flow = km.start({ provider: 'scripto', baseUrl: base, email: `x${i}@y.example`, fetch });
      await flow.requestCode();
      return (await flow.submitCode('123456')).apiKey.reveal();
    },
    raw: async (fetch, i = 0) => {
      const post = async (path, body) =>
        (await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) })).json();
      await post('/api/cli/login-request', { email: `x${i}@y.example` });
      return (await post('/api/cli/login-complete', { email: `x${i}@y.example`, otp: '123456' })).data.apiKey;
    },
  };
  const flow = flows[who];
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  for (let i = 0; i < 3000; i++) await flow(answering);
  let out;
  if (what === 'time') {
    const xs = [];
    for (let b = 0; b < 100; b++) {
      const t = performance.now();
      for (let i = 0; i < 50; i++) await flow(answering);
      xs.push(((performance.now() - t) * 1000) / 50);
    }
    out = median(xs);
  } else if (what === 'alloc') {
    const xs = [];
    for (let b = 0; b < 5; b++) {
      globalThis.gc();
      const h = process.memoryUsage().heapUsed;
      for (let i = 0; i < 1000; i++) await flow(answering);
      xs.push((process.memoryUsage().heapUsed - h) / 1000);
    }
    out = median(xs);
  } else {
    const N = 10000;
    globalThis.gc();
    const h = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) flow(never, i);
    await new Promise((r) => setTimeout(r, 100));
    globalThis.gc();
    out = (process.memoryUsage().heapUsed - h) / N;
  }
  console.log(out);
  process.exit(0);
}
