// Section 3 — overhead: one complete Scripto flow (request a code, read it from
// the outbox, complete) through keymint versus the same two requests written by
// hand with fetch, against the emulator on loopback, in this process, alternating.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { root, distEntry } from './lib/paths.mjs';
import { summarize, mmm, num, table } from './lib/stats.mjs';
import { startEmulator } from '../js/src/emulator/index.mjs';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/**
 * The hand-written client: the same two requests keymint sends (same headers,
 * including an Idempotency-Key on the complete), checked the same minimal way.
 */
export async function rawFlow(baseUrl, email, readCode, doFetch = fetch) {
  const post = async (path, body, extra) => {
    const res = await doFetch(baseUrl + path, { method: 'POST', headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok || json?.success === false) throw new Error(`${path}: HTTP ${res.status} ${json?.error?.code}`);
    return json.data;
  };
  await post('/api/cli/login-request', { email });
  const data = await post('/api/cli/login-complete', { email, otp: readCode(email) }, { 'idempotency-key': `raw-${crypto.randomUUID()}` });
  if (typeof data?.apiKey !== 'string') throw new Error('no apiKey in the answer');
  return data.apiKey;
}

/** The same flow through keymint's public API. */
export async function keymintFlow(km, baseUrl, email, readCode, fetch) {
  const flow = km.start({ provider: 'scripto', baseUrl, email, ...(fetch ? { fetch } : {}) });
  await flow.requestCode();
  const cred = await flow.submitCode(readCode(email));
  return cred.apiKey.reveal();
}

/** An in-memory Scripto: answers the two routes without any network, for client-only cost. */
function stubFetch() {
  const codes = new Map();
  const answer = (status, json) => new Response(JSON.stringify(json), { status, headers: { 'content-type': 'application/json' } });
  const f = async (url, init) => {
    const body = JSON.parse(init.body);
    if (url.endsWith('/api/cli/login-request')) {
      codes.set(body.email, '123456');
      return answer(200, { success: true, data: { ok: true, email: body.email } });
    }
    if (codes.get(body.email) !== body.otp) return answer(400, { success: false, error: { code: 'invalid-argument', message: 'wrong code' } });
    return answer(200, { success: true, data: { apiKey: 'scripto_' + 'k'.repeat(40), keyId: 'key_1', userId: 'user_1', email: body.email } });
  };
  return { fetch: f, readCode: (email) => codes.get(email) };
}

/** Alternating timed pairs; returns per-flow ms for both and per-block ratios of medians. */
async function pairs({ iterations, warmup, blocks, a, b, between }) {
  for (let i = 0; i < warmup; i++) { await a(`warm-a-${i}`); await b(`warm-b-${i}`); }
  const ta = [];
  const tb = [];
  const blockRatios = [];
  const per = Math.ceil(iterations / blocks);
  for (let blk = 0; blk < blocks; blk++) {
    await between?.();
    const ba = [];
    const bb = [];
    for (let j = 0; j < per; j++) {
      const i = blk * per + j;
      const timeOne = async (fn, tag, out) => {
        const t0 = performance.now();
        await fn(`${tag}-${i}`);
        out.push(performance.now() - t0);
      };
      // Alternate the order inside each pair so neither side always runs on a warmer loop.
      if (i % 2) { await timeOne(a, 'a', ba); await timeOne(b, 'b', bb); }
      else { await timeOne(b, 'b', bb); await timeOne(a, 'a', ba); }
    }
    ta.push(...ba);
    tb.push(...bb);
    blockRatios.push(summarize(ba).median / summarize(bb).median);
  }
  return { a: summarize(ta), b: summarize(tb), ratio: summarize(ta).median / summarize(tb).median, blockRatios: summarize(blockRatios) };
}

export async function overheadSection({ iterations = 400, warmup = 50, blocks = 5, targetRatio = 1.1 } = {}) {
  const km = await import(pathToFileURL(distEntry).href);
  const emu = await startEmulator({ port: 0 });
  const L = [];
  let net;
  let stub;
  let steps;
  try {
    const mail = (email) => emu.outbox(email);
    const domain = (tag) => `${tag}@overhead.bench.example`;
    net = await pairs({
      iterations,
      warmup,
      blocks,
      a: (tag) => keymintFlow(km, emu.url, domain(tag), mail),
      b: (tag) => rawFlow(emu.url, domain(tag), mail),
      between: () => emu.reset(), // keeps the emulator's logs and maps small; outside the timed region
    });
    const s = stubFetch();
    stub = await pairs({
      iterations: iterations * 2,
      warmup: warmup * 2,
      blocks,
      a: (tag) => keymintFlow(km, 'http://127.0.0.1:9', domain(tag), s.readCode, s.fetch),
      b: (tag) => rawFlow('http://127.0.0.1:9', domain(tag), s.readCode, s.fetch),
    });
    steps = await coreSteps(emu.url);
  } finally {
    await emu.close();
  }

  L.push(`3. OVERHEAD  (Scripto flow: POST login-request, read the code, POST login-complete; ${iterations} alternating pairs`);
  L.push(`   after ${warmup} warm-up pairs, in ${blocks} blocks; emulator on 127.0.0.1 in this process; global fetch, keep-alive)`);
  L.push('');
  L.push(
    table([
      ['per complete flow', 'min / median / max', 'p90'],
      ['keymint (start → requestCode → submitCode)', mmm(net.a, 3, ' ms'), `${num(net.a.p90, 3)} ms`],
      ['raw fetch, hand-written (the same two requests)', mmm(net.b, 3, ' ms'), `${num(net.b.p90, 3)} ms`],
      ['ratio keymint / raw, medians of all pairs', num(net.ratio, 3), ''],
      [`ratio keymint / raw, per block of ${Math.ceil(iterations / blocks)} pairs`, mmm(net.blockRatios, 3), ''],
    ]),
  );
  L.push('');
  L.push('   Client-side cost alone: both clients against the same in-memory fetch stub (no sockets, no server):');
  const us = (x) => ({ min: x.min * 1000, median: x.median * 1000, max: x.max * 1000 });
  L.push(
    table([
      ['per complete flow', 'min / median / max'],
      ['keymint', mmmUs(us(stub.a))],
      ['raw fetch', mmmUs(us(stub.b))],
      ['keymint − raw, medians', `${num((stub.a.median - stub.b.median) * 1000, 1)} µs`],
      ['the 5 core steps of one flow (wasm + JSON, js/src/core.mjs step())', mmmUs(steps)],
    ]),
  );
  L.push('');
  const met = net.ratio <= targetRatio;
  L.push(`  TARGET keymint / raw ≤ ${targetRatio.toFixed(2)}: ${met ? 'met' : 'NOT met'} — ${num(net.ratio, 3)} (medians; +${num((net.a.median - net.b.median) * 1000, 0)} µs per flow)`);
  return {
    lines: L,
    data: { network: net, stub, coreStepsUs: steps },
    targets: [{ what: 'keymint / raw fetch per flow (overhead)', value: num(net.ratio, 3), target: `≤ ${targetRatio.toFixed(2)}`, met }],
  };
}

function mmmUs(s) {
  return `${num(s.min, 1)} / ${num(s.median, 1)} / ${num(s.max, 1)} µs`;
}

/** µs for the five step() calls one flow makes (start, request, its response, submit, its response). */
async function coreSteps(baseUrl) {
  const { step } = await import(pathToFileURL(join(root, 'js/src/core.mjs')).href);
  const sentBody = JSON.stringify({ success: true, data: { ok: true, email: 'x@y.example' } });
  const keyBody = JSON.stringify({ success: true, data: { apiKey: 'scripto_' + 'k'.repeat(40), keyId: 'key_1', userId: 'user_1', email: 'x@y.example' } });
  const resp = (body) => ({ type: 'response', status: 200, body, headers: { 'content-type': 'application/json' } });
  const once = (i) => {
    const now = Math.floor(Date.now() / 1000);
    let out = step({ op: 'start', now, config: { flowId: `f${i}`, provider: 'scripto', baseUrl, email: 'x@y.example' } });
    out = step({ op: 'event', now, state: out.state, event: { type: 'request_code' } });
    out = step({ op: 'event', now, state: out.state, event: resp(sentBody) });
    out = step({ op: 'event', now, state: out.state, event: { type: 'submit_code', code: '123456' } });
    out = step({ op: 'event', now, state: out.state, event: resp(keyBody) });
    if (out.action.type !== 'complete' && !out.action.credential) throw new Error(`unexpected core action ${JSON.stringify(out.action)}`);
  };
  for (let i = 0; i < 500; i++) once(i);
  const t = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    once(i);
    t.push((performance.now() - t0) * 1000);
  }
  return summarize(t);
}
