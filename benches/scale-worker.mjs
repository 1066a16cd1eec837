// Runs in its own process, started by benches/scale.mjs:
//   node --expose-gc benches/scale-worker.mjs FLOWS ROUNDS SOCKETS CLIENT
// FLOWS concurrent Scripto flows (CLIENT 'keymint': the default entry; 'raw': the same
// requests by hand) against an emulator in a CHILD process, so only this client's
// memory is counted. Prints one JSON document on stdout; the report is scale.mjs's job.
//
// Each round: every flow starts and asks for its code while the request gate is closed
// (snapshot "parked": all flows hold a pending request), the gate opens, every flow
// waits at the mailbox until all codes are sent (snapshot "between steps": all flows
// hold their saved state and nothing else), then all complete. RSS and heapUsed are
// sampled every 10 ms throughout; snapshots are taken after a forced gc.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { root, distEntry } from './lib/paths.mjs';

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
const km = await import(pathToFileURL(distEntry).href);
km.codeTable(); // the entry instantiates the wasm on its first call
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

// The emulator, in a child process: its URL is the first line it prints.
const emuProc = spawn(process.execPath, [join(root, 'js/bin/keymint-emulator.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
process.on('exit', () => emuProc.kill('SIGTERM')); // never leave the emulator running, even on a crash
let emuErr = '';
emuProc.stderr.on('data', (d) => (emuErr += d));
const url = await new Promise((resolve, reject) => {
  let buf = '';
  emuProc.stdout.on('data', (d) => {
    buf += d;
    const nl = buf.indexOf('\n');
    if (nl >= 0) resolve(buf.slice(0, nl).trim());
  });
  emuProc.once('exit', (code) => reject(new Error(`emulator exited (${code}): ${emuErr}`)));
});
/** Linux's count of connections dropped because a listen queue was full (namespace-wide). */
const listenOverflows = () => {
  try {
    const [keys, values] = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:')).map((l) => l.split(/\s+/));
    return Number(values[keys.indexOf('ListenOverflows')]);
  } catch {
    return null;
  }
};
const emuPeakRss = () => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${emuProc.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
};

/**
 * The agents' shared mailbox: once every flow has asked for its code (or failed before
 * asking), one GET /__keymint/messages reads them all. `onFull` runs first (the snapshot).
 */
class Mailbox {
  reset(expected, onFull) {
    this.expected = expected;
    this.asked = 0;
    this.onFull = onFull;
    this.ready = new Promise((resolve, reject) => ((this.resolve = resolve), (this.reject = reject)));
  }
  async code(email) {
    this.arrive();
    return (await this.ready).get(email);
  }
  forfeit() {
    this.arrive();
  }
  arrive() {
    if (++this.asked !== this.expected) return;
    this.onFull?.();
    fetch(`${url}/__keymint/messages`)
      .then((r) => r.json())
      .then(({ messages }) => this.resolve(new Map(messages.map((m) => [m.email, m.code]))), this.reject);
  }
}
const mailbox = new Mailbox();

async function keymintAgent(email) {
  const flow = km.start({ provider: 'scripto', baseUrl: url, email, fetch });
  try {
    await flow.requestCode();
  } catch (e) {
    mailbox.forfeit();
    throw e;
  }
  const cred = await flow.submitCode(await mailbox.code(email));
  const key = cred.apiKey.reveal();
  if (!key.startsWith('scripto_')) throw new Error('not a scripto key');
  return key;
}

/** The same agent with hand-written fetch calls instead of keymint. */
async function rawAgent(email) {
  const post = async (path, body, extra) => {
    const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...extra }, body: JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return json.data;
  };
  try {
    await post('/api/cli/login-request', { email });
  } catch (e) {
    mailbox.forfeit();
    throw e;
  }
  const data = await post('/api/cli/login-complete', { email, otp: await mailbox.code(email) }, { 'idempotency-key': `raw-${crypto.randomUUID()}` });
  if (!data.apiKey.startsWith('scripto_')) throw new Error('not a scripto key');
  return data.apiKey;
}

const agent = CLIENT === 'raw' ? rawAgent : keymintAgent;
const resetEmulator = () => globalThis.fetch(`${url}/__keymint/reset`, { method: 'POST' }).then((r) => r.arrayBuffer());

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
  // Warm-up (JIT, the socket pool, the emulator), then the baseline everything is measured against.
  for (let w = 0; w < 2; w++) await round(500, `warm${w}`);
  await resetEmulator();
  out.baseline = await settle();
  for (let r = 0; r < ROUNDS; r++) {
    const base = r === 0 ? out.baseline : await settle();
    const result = await round(FLOWS, `r${r}`);
    result.base = base;
    result.after = await settle();
    out.rounds.push(result);
    await resetEmulator();
  }
  out.emulatorPeakRss = emuPeakRss();
} finally {
  emuProc.kill('SIGTERM');
}
// With the emulator gone every pooled socket closes; measure once more when they have.
if (IDLE_CHECK) {
  await sleep(1000);
  out.end = await settle();
}
process.stdout.write(JSON.stringify(out));
