// Section 3 — overhead: one complete Scripto flow (request a code, read it from
// the outbox, complete) through keymint versus the same two requests written by
// hand with fetch, against the emulator on loopback, in this process, alternating.
import { spawnSync } from 'node:child_process';
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

/**
 * `fetch` with what keymint's transport adds to every request: an AbortController
 * and a 30 s timer that aborts it. On Node 20, handing undici any signal costs tens
 * of µs per request, so this second baseline shows how much of the gap is that.
 */
export function fetchWithTimeout(doFetch = fetch, timeoutMs = 30_000) {
  return async (url, init) => {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    try {
      return await doFetch(url, { ...init, signal: ctrl.signal });
    } finally {
      clearTimeout(timer);
    }
  };
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

/**
 * Alternating timed pairs; returns per-flow ms for both and per-block ratios of medians.
 * With `c`, a third client runs in every round too (rotating order) and is reported as `c`.
 */
async function pairs({ iterations, warmup, blocks, a, b, c, between }) {
  for (let i = 0; i < warmup; i++) { await a(`warm-a-${i}`); await b(`warm-b-${i}`); await c?.(`warm-c-${i}`); }
  const ta = [];
  const tb = [];
  const tc = [];
  const blockRatios = [];
  const per = Math.ceil(iterations / blocks);
  for (let blk = 0; blk < blocks; blk++) {
    await between?.();
    const ba = [];
    const bb = [];
    const bc = [];
    for (let j = 0; j < per; j++) {
      const i = blk * per + j;
      const timeOne = async (fn, tag, out) => {
        const t0 = performance.now();
        await fn(`${tag}-${i}`);
        out.push(performance.now() - t0);
      };
      // Rotate the order inside each round so no client always runs on a warmer loop.
      const round = [[a, 'a', ba], [b, 'b', bb], ...(c ? [[c, 'c', bc]] : [])];
      for (let k = 0; k < round.length; k++) await timeOne(...round[(i + k) % round.length]);
    }
    ta.push(...ba);
    tb.push(...bb);
    tc.push(...bc);
    blockRatios.push(summarize(ba).median / summarize(bb).median);
  }
  const out = { a: summarize(ta), b: summarize(tb), ratio: summarize(ta).median / summarize(tb).median, blockRatios: summarize(blockRatios) };
  if (c) Object.assign(out, { c: summarize(tc), ratioC: summarize(ta).median / summarize(tc).median });
  return out;
}

export async function overheadSection({ iterations = 400, warmup = 50, blocks = 5, targetRatio = 1.1 } = {}) {
  const km = await import(pathToFileURL(distEntry).href);
  const wasmClock = clockWasmSteps(km);
  const emu = await startEmulator({ port: 0 });
  const L = [];
  let net;
  let stub;
  let steps;
  const inSitu = {};
  const timedFetch = fetchWithTimeout();
  // Each pairs() run resets the wasm clock before its first timed block and reads it after.
  const clocked = (between) => {
    let first = true;
    return () => {
      if (first) wasmClock.reset();
      first = false;
      return between?.();
    };
  };
  try {
    const mail = (email) => emu.outbox(email);
    const domain = (tag) => `${tag}@overhead.bench.example`;
    net = await pairs({
      iterations,
      warmup,
      blocks,
      a: (tag) => keymintFlow(km, emu.url, domain(tag), mail),
      b: (tag) => rawFlow(emu.url, domain(tag), mail),
      c: (tag) => rawFlow(emu.url, domain(tag), mail, timedFetch),
      between: clocked(() => emu.reset()), // keeps the emulator's logs and maps small; outside the timed region
    });
    inSitu.network = wasmClock.perFlowUs();
    const s = stubFetch();
    stub = await pairs({
      iterations: iterations * 2,
      warmup: warmup * 2,
      blocks,
      a: (tag) => keymintFlow(km, 'http://127.0.0.1:9', domain(tag), s.readCode, s.fetch),
      b: (tag) => rawFlow('http://127.0.0.1:9', domain(tag), s.readCode, s.fetch),
      between: clocked(),
    });
    inSitu.stub = wasmClock.perFlowUs();
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
      ['raw fetch + the timeout keymint sets (AbortController + 30 s timer per request)', mmm(net.c, 3, ' ms'), `${num(net.c.p90, 3)} ms`],
      ['ratio keymint / raw with that timeout, medians', num(net.ratioC, 3), ''],
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
  L.push(`   Time inside the wasm's step export per keymint flow, in place (every call clocked): ${num(inSitu.network, 1)} µs in the loopback`);
  L.push(`   flows, ${num(inSitu.stub, 1)} µs against the stub, beside the ${num(steps.median, 1)} µs the same 5 steps take back to back above (with JSON):`);
  L.push(`   the same wasm costs ${num(inSitu.network / inSitu.stub, 2)}× as much between real requests as between stub answers (colder caches).`);
  const native = nativeCoreSteps();
  L.push(
    native.steps
      ? `   The same 5 steps natively (cargo run --release --example core_steps, medians): ${native.steps.map((x) => num(x, 1)).join(' + ')} = ${num(native.steps.reduce((a, b) => a + b, 0), 1)} µs (of which parsing the input ${num(native.parse.reduce((a, b) => a + b, 0), 1)} µs)`
      : `   The same 5 steps natively: not measured (${native.why})`,
  );
  L.push('');
  const met = net.ratio <= targetRatio;
  L.push(`  TARGET keymint / raw ≤ ${targetRatio.toFixed(2)}: ${met ? 'met' : 'NOT met'} — ${num(net.ratio, 3)} (medians; +${num((net.a.median - net.b.median) * 1000, 0)} µs per flow)`);
  return {
    lines: L,
    data: { network: net, stub, coreStepsUs: steps, nativeCoreStepsUs: native, wasmInPlaceUsPerFlow: inSitu },
    targets: [{ what: 'keymint / raw fetch per flow (overhead)', value: num(net.ratio, 3), target: `≤ ${targetRatio.toFixed(2)}`, met }],
  };
}

/**
 * Clocks every call into the `step` export of the entry's wasm instance (created on the
 * entry's first call, which this forces): the core's own time, in place, without the
 * JSON and glue around it. 5 calls make one Scripto flow.
 */
function clockWasmSteps(km) {
  const clock = { ms: 0, calls: 0 };
  const Native = WebAssembly.Instance;
  WebAssembly.Instance = function Instance(module, imports) {
    const inst = new Native(module, imports);
    const step = inst.exports.step;
    const exports = { ...inst.exports, step: (...args) => {
      const t0 = performance.now();
      try {
        return step(...args);
      } finally {
        clock.ms += performance.now() - t0;
        clock.calls++;
      }
    } };
    return { exports };
  };
  try {
    km.codeTable();
  } finally {
    WebAssembly.Instance = Native;
  }
  return {
    reset: () => Object.assign(clock, { ms: 0, calls: 0 }),
    perFlowUs: () => (clock.calls ? ((clock.ms * 1000) / clock.calls) * 5 : NaN),
  };
}

/** The native build of the same five steps (examples/core_steps.rs), for the wasm-vs-native factor. */
function nativeCoreSteps() {
  const r = spawnSync('cargo', ['run', '-q', '--release', '--example', 'core_steps'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) return { why: (r.error?.message ?? r.stderr ?? '').trim().split('\n').pop() || `exit ${r.status}` };
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch (e) {
    return { why: `unreadable output: ${e.message}` };
  }
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
    // A fresh caller-drawn nonce per submission, as the driver sends (the core refuses a submission without one).
    const nonce = i.toString(16).padStart(32, '0');
    out = step({ op: 'event', now, state: out.state, event: { type: 'submit_code', code: '123456', nonce } });
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
