// Section 3 — per flow: one email-code sign-in (ask for a code, verify it, read the
// credential) through keymint, raw fetch and the peers (@supabase/auth-js, the Better Auth
// client), round-robin in this process against ONE loopback stub in a child process
// (benches/peers/stub.mjs, canned valid answers for every client's two routes). Then the
// same clients against an in-memory fetch (client-side cost alone), and keymint's core
// steps timed alone, in wasm in place, and natively.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { root } from './lib/paths.mjs';
import { summarize, mmm, num, int, table } from './lib/stats.mjs';
import { interleave, ratio } from './lib/interleave.mjs';
import { spawnStub } from './lib/stub-child.mjs';
import { memoryFetch } from './peers/stub.mjs';
import { loadClients, lineup, keymintReplaySteps, keymintWithCore, floorCore, recordCoreAnswers, flowOf, SCRIPTO } from './flows.mjs';

// Re-exported for anything that imported the flows from here before they moved to flows.mjs.
export { rawFlow, fetchWithTimeout, keymintFlow } from './flows.mjs';

/** Which ratios the report prints: [numerator, denominator, label]. The first three are the issue's. */
const RATIOS = [
  ['keymint', 'raw', 'keymint / raw'],
  ['authjs', 'raw', 'auth-js / raw'],
  ['betterauth', 'raw', 'better-auth / raw'],
  ['keymint', 'rawTimeout', 'keymint / (raw + a controller and timer per request)'],
  ['authjs', 'rawGotrue', "auth-js / raw sending auth-js's own two requests"],
  ['betterauth', 'rawBetterAuth', "better-auth / raw sending Better Auth's own two requests"],
  ['keymintReplay', 'raw', 'keymint, its core replayed / raw (the JS and transport alone)'],
  ['keymintFloor', 'raw', 'keymint, its core a wasm doing no work / raw (+ the JSON boundary)'],
  ['keymint', 'authjs', 'keymint / auth-js'],
  ['keymint', 'betterauth', 'keymint / better-auth'],
];

export async function overheadSection({ iterations = 400, warmup = 50, blocks = 10, targetRatio = 1.1 } = {}) {
  const clients = await loadClients();
  const wasmClock = clockWasmSteps(clients.km); // before keymint's first call: it wraps the instance
  const stub = await spawnStub();
  let net;
  let mem;
  let seen;
  const inSitu = {};
  // Each run resets the wasm clock before its first timed block and reads it after.
  const clocked = (between) => (b) => {
    if (b === 0) wasmClock.reset();
    return between?.(b);
  };
  // keymint with its core replaced by a replay of its answers: what the JS and the transport
  // cost without the wasm (benches/flows.mjs keymintReplaySteps). Loopback only.
  const { setCore } = await import(pathToFileURL(join(root, 'js/dist/runtime.mjs')).href);
  const { core } = await import(pathToFileURL(join(root, 'js/src/core.mjs')).href);
  const answers = recordCoreAnswers(core.step, stub.url);
  // ... and by a stand-in wasm that answers the same through the same boundary, doing no work:
  // the floor of any core behind this boundary (benches/flows.mjs floorCore). Its loadCore is
  // src/'s, a module apart from the runtime whose seam it is put into.
  const { loadCore } = await import(pathToFileURL(join(root, 'js/src/load-core.mjs')).href);
  const floor = await floorCore(loadCore, answers);
  const loop = [
    ...lineup(clients, stub.url),
    {
      id: 'keymintReplay',
      label: 'keymint, its core replaced by a replay of its answers',
      routes: SCRIPTO,
      run: flowOf(keymintReplaySteps(clients.km, setCore, answers, stub.url)),
    },
    {
      id: 'keymintFloor',
      label: 'keymint, its core a stand-in wasm doing no work behind the same boundary',
      routes: SCRIPTO,
      run: flowOf(keymintWithCore(clients.km, setCore, floor, stub.url)),
    },
  ];
  const memory = memoryFetch();
  const local = lineup(clients, 'http://127.0.0.1:9', memory.fetch);
  try {
    await stub.reset();
    net = await interleave({ clients: loop, rounds: iterations, warmup, blocks, between: clocked() });
    inSitu.network = wasmClock.perFlowUs();
    seen = await stub.stats();
    mem = await interleave({ clients: local, rounds: iterations * 2, warmup: warmup * 2, blocks, between: clocked() });
    inSitu.stub = wasmClock.perFlowUs();
  } finally {
    await stub.close();
  }
  const steps = await coreSteps('http://127.0.0.1:9');
  steps.floorCold = coldCoreSteps({ step: floor }, 'http://127.0.0.1:9');
  const native = nativeCoreSteps();

  const L = [];
  const flows = iterations + warmup;
  L.push(`3. PER FLOW  (one email-code sign-in: ask for a code, verify it, read the credential = 2 requests; ${loop.length} clients`);
  L.push(`   round-robin, the first rotating each round: ${iterations} timed rounds after ${warmup} warm-up rounds, in ${net.blocks} blocks of ${net.perBlock};`);
  L.push('   all against one loopback stub (benches/peers/stub.mjs, a child process: canned valid answers for each client\'s');
  L.push('   two routes); global fetch (undici, keep-alive); one auth-js and one Better Auth client object, reused)');
  L.push('');
  L.push(
    table([
      ['per complete flow', 'min / median / max', 'p90'],
      ...loop.map((c) => [c.label, mmm(net.summary[c.id], 3, ' ms'), `${num(net.summary[c.id].p90, 3)} ms`]),
    ]),
  );
  L.push('');
  L.push(
    table([
      ['ratio', 'medians of all flows', `per block of ${net.perBlock} rounds: min / median / max`],
      ...RATIOS.map(([a, b, label]) => {
        const r = ratio(net, a, b);
        return [label, num(r.all, 3), mmm(r.blocks, 3)];
      }),
    ]),
  );
  L.push(`   ${requestCheck(loop, seen.counts, flows)}`);
  L.push('');
  L.push('   Client-side cost alone: the same clients against an in-memory fetch answering the same bytes (no sockets,');
  L.push(`   no server; ${iterations * 2} rounds after ${warmup * 2}, round-robin):`);
  const us = (s) => `${num(s.min * 1000, 1)} / ${num(s.median * 1000, 1)} / ${num(s.max * 1000, 1)} µs`;
  const memRaw = { raw: 'raw', rawTimeout: 'raw', keymint: 'raw', authjs: 'rawGotrue', rawGotrue: 'rawGotrue', betterauth: 'rawBetterAuth', rawBetterAuth: 'rawBetterAuth' };
  L.push(
    table([
      ['per complete flow', 'min / median / max', 'median − its raw'],
      ...local.map((c) => [
        c.label,
        us(mem.summary[c.id]),
        c.id.startsWith('raw') && c.id !== 'rawTimeout' ? '' : `${num((mem.summary[c.id].median - mem.summary[memRaw[c.id]].median) * 1000, 1)} µs`,
      ]),
      ['keymint: the 5 core steps of one flow (wasm + JSON, core.step.saved as the driver calls it)', mmmUs(steps.hot), ''],
      ['  the same, each step after 8 MB written (L1/L2 evicted, as between real requests)', mmmUs(steps.cold), ''],
      ['  the same boundary over a stand-in wasm doing no work, each step after 8 MB written', mmmUs(steps.floorCold), ''],
    ]),
  );
  const perStep = (s) => s.perStep.map((x) => num(x, 1)).join(' / ');
  L.push(`   Each step after 8 MB written (start / request_code / its answer / submit_code / its answer, medians): the core ${perStep(steps.cold)} µs;`);
  L.push(`   the boundary over the stand-in wasm ${perStep(steps.floorCold)} µs.`);
  L.push(`   ("its raw": raw fetch sending the same client's two requests; for raw + timeout and keymint, the Scripto ones.)`);
  L.push(`   Time inside the wasm's step export per keymint flow, in place (every call clocked): ${num(inSitu.network, 1)} µs in the loopback`);
  L.push(`   flows, ${num(inSitu.stub, 1)} µs against the in-memory fetch, beside the ${num(steps.hot.median, 1)} µs the same 5 steps take back to back above (with JSON):`);
  L.push(`   the same wasm costs ${num(inSitu.network / inSitu.stub, 2)}× as much between real requests as between in-memory answers (colder caches).`);
  L.push(
    native.steps
      ? `   The same 5 steps natively (cargo run --release --example core_steps, medians): ${native.steps.map((x) => num(x, 1)).join(' + ')} = ${num(native.steps.reduce((a, b) => a + b, 0), 1)} µs (of which parsing the input ${num(native.parse.reduce((a, b) => a + b, 0), 1)} µs); in a row through the memo the wasm keeps (protocol::Memo): ${num(native.memo, 1)} µs`
      : `   The same 5 steps natively: not measured (${native.why})`,
  );
  L.push('');
  const km = ratio(net, 'keymint', 'raw');
  const aj = ratio(net, 'authjs', 'raw');
  const metPeer = km.all <= aj.all;
  const met = km.all <= targetRatio;
  L.push(`  TARGET keymint/raw ≤ auth-js/raw (same run, medians of all flows): ${metPeer ? 'met' : 'NOT met'} — ${num(km.all, 3)} vs ${num(aj.all, 3)}; per block ${mmm(km.blocks, 3)} vs ${mmm(aj.blocks, 3)}`);
  // The floor: the same JS and boundary over a wasm that does no work. While it is above the
  // peer's ratio, no engine behind this boundary can meet the first target.
  const floorRatio = ratio(net, 'keymintFloor', 'raw');
  const replayRatio = ratio(net, 'keymintReplay', 'raw');
  L.push(
    `  (Where keymint's ratio comes from: its JS and transport ${num(replayRatio.all, 3)}; + the JSON boundary over a wasm doing no work ${num(floorRatio.all, 3)}${floorRatio.all > aj.all ? `, already above auth-js/raw ${num(aj.all, 3)}: no engine behind this boundary meets the target` : ''}; + the engine ${num(km.all, 3)}.)`,
  );
  L.push(`  TARGET keymint / raw ≤ ${targetRatio.toFixed(2)}: ${met ? 'met' : 'NOT met'} — ${num(km.all, 3)} (medians; +${num((net.summary.keymint.median - net.summary.raw.median) * 1000, 0)} µs per flow)`);
  return {
    lines: L,
    data: { network: net.summary, memory: mem.summary, stubCounts: seen.counts, coreStepsUs: steps, nativeCoreStepsUs: native, wasmInPlaceUsPerFlow: inSitu },
    targets: [
      { what: 'keymint/raw ≤ auth-js/raw per flow', value: `${num(km.all, 3)} vs ${num(aj.all, 3)}`, target: '≤ auth-js/raw', met: metPeer },
      { what: 'keymint / raw fetch per flow', value: num(km.all, 3), target: `≤ ${targetRatio.toFixed(2)}`, met },
    ],
  };
}

/** Did every timed and warm-up flow send exactly its client's two requests? One line either way. */
function requestCheck(clients, counts, flows) {
  const expected = {};
  for (const c of clients) for (const r of c.routes) expected[r] = (expected[r] ?? 0) + flows;
  const off = Object.keys({ ...expected, ...counts }).filter((r) => (counts[r] ?? 0) !== (expected[r] ?? 0));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (!off.length) return `The stub answered ${int(total)} requests: exactly two per flow for every client (no extra session read, no retry).`;
  return `The stub's counts differ from two per flow: ${off.map((r) => `${r} ${int(counts[r] ?? 0)} (expected ${int(expected[r] ?? 0)})`).join(', ')}.`;
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

/**
 * µs for the five core steps one flow makes (start, request, its answer, submit, its answer),
 * as the driver calls them (`core.step.saved`: the saved document kept as text): the flow
 * recordCoreAnswers records, timed.
 */
async function coreSteps(baseUrl) {
  const { core } = await import(pathToFileURL(join(root, 'js/src/core.mjs')).href);
  for (let i = 0; i < 500; i++) recordCoreAnswers(core.step, baseUrl);
  const t = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    recordCoreAnswers(core.step, baseUrl);
    t.push((performance.now() - t0) * 1000);
  }
  return { hot: summarize(t), cold: coldCoreSteps(core, baseUrl) };
}

/**
 * The same five steps, each after 8 MB written (the CPU's L1 and L2 caches evicted, as the
 * HTTP work between a flow's real steps does): only the steps are clocked. Steadier than the
 * loopback figures (no sockets, no scheduler), so a change to what a step touches shows here
 * first. (The in-place figure clocks the wasm export alone, without the JSON around it.)
 */
function coldCoreSteps(core, baseUrl) {
  const junk = new Float64Array((8 << 20) / 8);
  /** µs of each of the flow's five steps, in order. */
  const us = [0, 0, 0, 0, 0];
  let k = 0;
  const evicting = Object.assign(() => {
    throw new Error('the cold run steps flows only');
  }, {
    saved: (input, stateText) => {
      for (let i = 0; i < junk.length; i += 8) junk[i] += 1; // one write per 64-byte line
      const t0 = performance.now();
      try {
        return core.step.saved(input, stateText);
      } finally {
        us[k++ % 5] = (performance.now() - t0) * 1000; // (the warm-up flows run on without a reset)
      }
    },
  });
  for (let i = 0; i < 100; i++) recordCoreAnswers(evicting, baseUrl);
  const t = [];
  const perStep = [[], [], [], [], []];
  for (let i = 0; i < 600; i++) {
    k = 0;
    recordCoreAnswers(evicting, baseUrl);
    t.push(us.reduce((a, b) => a + b, 0));
    us.forEach((x, j) => perStep[j].push(x));
  }
  return { ...summarize(t), perStep: perStep.map((p) => summarize(p).median) };
}
