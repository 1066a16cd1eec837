// Runs in its own process, started by benches/scale.mjs:
//   node --expose-gc benches/scale-worker.mjs FLOWS ROUNDS SOCKETS CLIENT [no-idle]
// FLOWS concurrent email-code flows (CLIENT 'keymint': the default entry, scripto preset;
// 'raw': the same two requests by hand; 'authjs': @supabase/auth-js, one AuthClient per
// agent; 'betterauth': the Better Auth client, one per agent) against the loopback stub
// (benches/peers/stub.mjs) in a CHILD process, so only this client's memory is counted.
// The clients are benches/flows.mjs's, the same code the per-flow section times.
// Prints one JSON document on stdout; the report is scale.mjs's job.
//
// Each round: every flow starts and asks for its code while the request gate is closed
// (snapshot "parked": all flows hold a pending request), the gate opens, every flow
// waits at the mailbox until every flow has asked for its code (snapshot "between steps":
// all flows hold their state and nothing else), then all complete. RSS and heapUsed are
// sampled every 10 ms throughout; snapshots are taken after a forced gc.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnStub } from './lib/stub-child.mjs';
import { STUB_CODE } from './peers/stub.mjs';
import { loadClients, keymintSteps, rawSteps, authJsClient, authJsSteps, betterAuthClient, betterAuthSteps } from './flows.mjs';

const FLOWS = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 2);
// Requests in flight at once (0 = unbounded). Node's global fetch (undici) puts no cap on
// connections per origin, so 10k concurrent fetches would open 10k sockets; see Gate.
const SOCKETS = Number(process.argv[4] ?? 256);
const CLIENT = process.argv[5] ?? 'keymint';
const IDLE_CHECK = process.argv[6] !== 'no-idle';
const ROUND_TIMEOUT_MS = 120_000;
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

// Keep a handle on the wasm instance the entry creates, to read its linear memory size.
const instances = [];
const NativeInstance = WebAssembly.Instance;
WebAssembly.Instance = function Instance(module, imports) {
  const inst = new NativeInstance(module, imports);
  instances.push(inst);
  return inst;
};
WebAssembly.Instance.prototype = NativeInstance.prototype;
// Every client module is loaded in every worker (same baseline for all); keymint's wasm is
// instantiated here, on the entry's first call, so the hook above sees it.
const clients = await loadClients();
const km = clients.km;
km.codeTable();
WebAssembly.Instance = NativeInstance;
const wasmMemory = () => instances.find((i) => i.exports.memory instanceof WebAssembly.Memory)?.exports.memory.buffer.byteLength ?? null;

const fds = () => {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
};
const mem = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, wasm: wasmMemory(), fds: fds() };
};
const gcNow = () => {
  globalThis.gc();
  globalThis.gc();
  return mem();
};
async function settle() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleep(25);
  }
  return mem();
}

/**
 * The global fetch behind a FIFO gate of `limit` requests in flight: what a connection
 * pool with a cap does. Every flow stays in flight; only the sockets are bounded. A slot
 * is handed straight to the next waiter, so the cap is exact. `close()` parks every
 * request until `open()`.
 */
class Gate {
  constructor(limit, f = globalThis.fetch) {
    this.limit = limit || Infinity;
    this.active = 0;
    this.queue = [];
    this.closed = false;
    this.fetch = async (input, init) => {
      if (this.closed || this.active >= this.limit) await new Promise((resolve) => this.queue.push(resolve));
      else this.active++;
      try {
        return await f(input, init);
      } finally {
        this.release();
      }
    };
  }
  release() {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }
  close() {
    this.closed = true;
  }
  open() {
    this.closed = false;
    while (this.queue.length && this.active < this.limit) {
      this.active++;
      this.queue.shift()();
    }
  }
}
const gate = new Gate(SOCKETS);
const fetch = gate.fetch;

// The stub, in a child process.
const stub = await spawnStub();
const url = stub.url;
/** Linux's count of connections dropped because a listen queue was full (namespace-wide). */
const listenOverflows = () => {
  try {
    const [keys, values] = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:')).map((l) => l.split(/\s+/));
    return Number(values[keys.indexOf('ListenOverflows')]);
  } catch {
    return null;
  }
};

/**
 * The agents' shared mailbox, a barrier: once every flow has asked for its code (or failed
 * before asking), every flow gets the stub's code. `onFull` runs first (the snapshot).
 */
class Mailbox {
  reset(expected, onFull) {
    this.expected = expected;
    this.asked = 0;
    this.onFull = onFull;
    this.ready = new Promise((resolve, reject) => ((this.resolve = resolve), (this.reject = reject)));
  }
  async code() {
    this.arrive();
    return this.ready;
  }
  forfeit() {
    this.arrive();
  }
  arrive() {
    if (++this.asked !== this.expected) return;
    this.onFull?.();
    this.resolve(STUB_CODE);
  }
}
const mailbox = new Mailbox();

/**
 * One agent per flow: the client's first step (ask for a code), the mailbox (every agent
 * waits for its "email" holding its state, nothing in flight), then its second step. The
 * steps are benches/flows.mjs's, the code the per-flow section times.
 */
const STEPS = {
  keymint: () => keymintSteps(km, url, fetch),
  raw: () => rawSteps(url, fetch),
  // One client object per agent, made in its first step: each agent signs in its own user and keeps its own session.
  authjs: () => authJsSteps(() => authJsClient(clients.AuthClient, url, fetch)),
  betterauth: () => betterAuthSteps(() => betterAuthClient(clients, url, fetch)),
};
if (!STEPS[CLIENT]) throw new Error(`unknown client ${CLIENT}`);
const steps = STEPS[CLIENT]();

/** A flow that fails before the mailbox gives up its place there, so the others go on. */
async function agent(email) {
  let state;
  try {
    state = await steps.request(email);
  } catch (e) {
    mailbox.forfeit();
    throw e;
  }
  return steps.verify(state, await mailbox.code());
}

async function round(n, tag) {
  const samples = [];
  let fdPeak = 0;
  let tick = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({ rss: m.rss, heapUsed: m.heapUsed });
    if (tick++ % 5 === 0) fdPeak = Math.max(fdPeak, fds() ?? 0);
  };
  const timer = setInterval(sample, 10);
  let betweenSteps = null;
  mailbox.reset(n, () => (betweenSteps = gcNow()));
  gate.close();
  const overflows0 = listenOverflows();
  const t0 = performance.now();
  const all = Promise.allSettled(Array.from({ length: n }, (_, i) => agent(`${tag}-${i}@scale.bench.example`)));
  // Wait until every flow has its first request parked at the gate (or has failed).
  let settledEarly = false;
  all.then(() => (settledEarly = true));
  while (gate.queue.length < n && !settledEarly && performance.now() - t0 < ROUND_TIMEOUT_MS) await sleep(1);
  const startedMs = performance.now() - t0;
  sample();
  const parked = gcNow();
  gate.open();
  const res = await Promise.race([all, sleep(ROUND_TIMEOUT_MS, 'timeout', { ref: false })]);
  const ms = performance.now() - t0;
  clearInterval(timer);
  sample();
  const keys = new Set();
  const errors = {};
  if (res !== 'timeout') {
    for (const s of res) {
      if (s.status === 'fulfilled') keys.add(s.value);
      else {
        const why = s.reason?.code ?? s.reason?.message ?? String(s.reason);
        errors[why] = (errors[why] ?? 0) + 1;
      }
    }
  }
  return {
    ms,
    startedMs,
    timedOut: res === 'timeout',
    completed: keys.size,
    errors,
    parked,
    betweenSteps,
    peakRss: Math.max(...samples.map((s) => s.rss)),
    peakHeapUsed: Math.max(...samples.map((s) => s.heapUsed)),
    maxRssEver: process.resourceUsage().maxRSS * 1024,
    samples: samples.length,
    fdPeak,
    listenOverflows: overflows0 === null ? null : listenOverflows() - overflows0,
  };
}

const out = { flows: FLOWS, sockets: SOCKETS, client: CLIENT, rounds: [], url };
try {
  out.afterImport = await settle();
  // Warm-up (JIT, the socket pool, the stub), then the baseline everything is measured against.
  for (let w = 0; w < 2; w++) await round(500, `warm${w}`);
  await stub.reset();
  out.baseline = await settle();
  for (let r = 0; r < ROUNDS; r++) {
    const base = r === 0 ? out.baseline : await settle();
    const result = await round(FLOWS, `r${r}`);
    result.base = base;
    result.after = await settle();
    out.rounds.push(result);
    await stub.reset();
  }
  out.stubPeakRss = stub.peakRss();
} finally {
  await stub.close();
}
// With the stub gone every pooled socket closes; measure once more when they have.
if (IDLE_CHECK) {
  await sleep(1000);
  out.end = await settle();
}
process.stdout.write(JSON.stringify(out));
