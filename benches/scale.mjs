// Section 4 — scale: 10,000 concurrent flows in one Node process (benches/scale-worker.mjs,
// started with --expose-gc), against the loopback stub in a child process; keymint over
// several rounds, then the same harness with hand-written fetch calls and the peers'
// clients (@supabase/auth-js, Better Auth) for comparison.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib/paths.mjs';
import { summarize, mmm, num, int, table, MB } from './lib/stats.mjs';

function worker(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', join(root, 'benches/scale-worker.mjs'), ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`scale worker ${args.join(' ')} exited with ${code}`));
      try {
        resolve(JSON.parse(out));
      } catch (e) {
        reject(new Error(`scale worker printed no report: ${e.message}`));
      }
    });
  });
}

const NAMES = { keymint: 'keymint', raw: 'raw fetch', authjs: 'auth-js', betterauth: 'better-auth' };

/**
 * keymint runs first and alone checks that memory comes back once the stub is gone; raw
 * fetch and the peers run the same rounds in the same harness (each its own process).
 */
export async function scaleSection({ flows = 10_000, rounds = 2, sockets = 256, budgetMB = 64, targetRatio = 1.3, peers = ['authjs', 'betterauth'] } = {}) {
  const runs = { keymint: await worker([flows, rounds, sockets, 'keymint']) };
  for (const c of ['raw', ...peers]) runs[c] = await worker([flows, rounds, sockets, c, 'no-idle']);
  const km = runs.keymint;
  const raw = runs.raw;
  const ids = Object.keys(runs);

  const over = (o, f) => summarize(o.rounds.map((r) => f(r, o.baseline)));
  const mb = (s) => mmm({ min: MB(s.min), median: MB(s.median), max: MB(s.max) }, 1, ' MB');
  const kb = (s) => mmm({ min: s.min / 1024, median: s.median / 1024, max: s.max / 1024 }, 2, ' KB');
  const ints = (s) => `${int(s.min)} / ${int(s.median)} / ${int(s.max)}`;
  const metrics = [
    ['flows completed (of ' + int(flows) + ')', (r) => r.completed, ints],
    ['wall time for all flows', (r) => r.ms / 1000, (s) => mmm(s, 1, ' s')],
    ['peak RSS − baseline (sampled every 10 ms)', (r, b) => r.peakRss - b.rss, mb],
    ['peak RSS − baseline (getrusage maxRSS)', (r, b) => r.maxRssEver - b.rss, mb],
    ['peak heapUsed − baseline (live + not yet collected)', (r, b) => r.peakHeapUsed - b.heapUsed, mb],
    ['live heap, all flows parked at a request (after gc)', (r, b) => r.parked.heapUsed - b.heapUsed, mb],
    ['  the same per flow', (r, b) => (r.parked.heapUsed - b.heapUsed) / flows, kb],
    ['live heap, all flows between steps (after gc)', (r, b) => r.betweenSteps.heapUsed - b.heapUsed, mb],
    ['  the same per flow', (r, b) => (r.betweenSteps.heapUsed - b.heapUsed) / flows, kb],
    ['RSS between steps (after gc; V8 keeps freed pages) − baseline', (r, b) => r.betweenSteps.rss - b.rss, mb],
    ['after the round + gc: RSS − baseline', (r) => r.after.rss - r.base.rss, mb],
    ['after the round + gc: heapUsed − baseline', (r) => r.after.heapUsed - r.base.heapUsed, mb],
    ['wasm linear memory growth during the round (max − start)', (r) => Math.max(r.parked.wasm, r.betweenSteps?.wasm ?? 0, r.after.wasm) - r.base.wasm, (s) => `${ints(s)} B`],
    ['peak open fds (sockets + files)', (r) => r.fdPeak, ints],
    ['kernel listen-queue overflows during the round', (r) => r.listenOverflows ?? NaN, ints],
  ];
  const rows = [['', ...ids.map((c) => `${NAMES[c]}: min / median / max`)]];
  for (const [label, f, fmt] of metrics) rows.push([label, ...ids.map((c) => fmt(over(runs[c], f)))]);

  // Peak extra RSS per round; the ratio to raw fetch paired by round (round r of each run).
  const peakOf = (o) => o.rounds.map((r) => r.peakRss - o.baseline.rss);
  const peaks = Object.fromEntries(ids.map((c) => [c, summarize(peakOf(runs[c]))]));
  const toRaw = (c) => ({ medians: peaks[c].median / peaks.raw.median, paired: summarize(peakOf(runs[c]).map((x, i) => x / peakOf(raw)[i])) });

  const L = [];
  L.push(`4. SCALE  (${int(flows)} concurrent email-code flows in one Node process, ${rounds} rounds per client, each client in its own`);
  L.push('   process; the loopback stub (benches/peers/stub.mjs) in a child process, not counted. Every flow starts at once and');
  L.push('   stays in flight to the end: all flows meet at a shared mailbox between their two steps (code asked for, state');
  L.push(`   held, nothing in flight). Requests go through the global fetch (undici, keep-alive) behind a FIFO gate of ${sockets} in flight:`);
  L.push(`   undici's default pool has no per-origin connection cap, so ${int(flows)} fetches at once would open ${int(flows)} sockets.`);
  L.push('   The clients are benches/flows.mjs\'s (the per-flow section\'s code); auth-js and better-auth get one client object');
  L.push('   per agent, made in its first step (each agent signs in its own user and keeps its own session); keymint one');
  L.push('   start() per agent.');
  L.push('   Baseline = after importing every client module, 2 warm-up rounds of 500 flows and gc:');
  L.push(`   ${ids.map((c) => `${NAMES[c]} RSS ${num(MB(runs[c].baseline.rss), 1)} MB, heapUsed ${num(MB(runs[c].baseline.heapUsed), 1)} MB`).join('; ')}.`);
  L.push('');
  L.push(table(rows));
  L.push('');
  L.push(
    table([
      ['peak extra RSS (sampled) / raw fetch\'s', 'medians', 'paired per round: min / median / max'],
      ...ids.filter((c) => c !== 'raw').map((c) => [`${NAMES[c]} / raw fetch`, `${num(toRaw(c).medians, 2)}×`, mmm(toRaw(c).paired, 2)]),
    ]),
  );
  L.push('');
  const w = km.rounds.map((r) => [r.base.wasm, r.parked.wasm, r.betweenSteps?.wasm, r.after.wasm]);
  L.push(`  keymint's wasm linear memory (WebAssembly.Memory of the entry's instance): ${int(km.afterImport.wasm)} B after import, ${int(km.baseline.wasm)} B at baseline,`);
  L.push(`  per round [start, parked, between steps, after]: ${w.map((x) => `[${x.map(int).join(', ')}]`).join(' ')}.`);
  L.push('  Each core step takes the saved flow as JSON and returns it; the wasm keeps at most four flows (protocol::Memo), so nothing wasm-side grows with the flows.');
  if (km.end) {
    L.push(`  keymint at the end (stub stopped, sockets closed, gc): RSS ${num(MB(km.end.rss), 1)} MB (baseline ${num(MB(km.baseline.rss), 1)}), heapUsed ${num(MB(km.end.heapUsed), 1)} MB (baseline ${num(MB(km.baseline.heapUsed), 1)}), ${km.end.fds} fds.`);
  }
  if (km.stubPeakRss) L.push(`  The stub child's own peak RSS (not counted above), keymint's run: ${num(MB(km.stubPeakRss), 1)} MB.`);
  const allDone = ids.every((c) => runs[c].rounds.every((r) => r.completed === flows));
  const errors = ids.flatMap((c) => runs[c].rounds.flatMap((r) => Object.entries(r.errors).map(([k, v]) => `${NAMES[c]}: ${k} ×${v}`)));
  if (errors.length) L.push(`  errors: ${errors.join(', ')}`);
  L.push('');
  const ratio = toRaw('keymint');
  const metRatio = ratio.medians <= targetRatio;
  const met = peaks.keymint.median <= budgetMB * 1024 * 1024;
  L.push(`  TARGET all ${int(flows)} complete, every client: ${allDone ? 'met' : 'NOT met'}`);
  L.push(`  TARGET peak extra RSS keymint / raw fetch ≤ ${targetRatio}×: ${metRatio ? 'met' : 'NOT met'} — ${num(ratio.medians, 2)}× (medians ${num(MB(peaks.keymint.median), 1)} vs ${num(MB(peaks.raw.median), 1)} MB; paired per round ${mmm(ratio.paired, 2)})`);
  L.push(`  TARGET peak extra RSS ≤ ${budgetMB} MB: ${met ? 'met' : 'NOT met'} — median ${num(MB(peaks.keymint.median), 1)} MB`);
  const back = summarize(km.rounds.map((r) => r.after.heapUsed - r.base.heapUsed));
  L.push(`  memory returns after the flows end: keymint's heapUsed within ${num(MB(back.max), 1)} MB of the round's baseline, wasm memory unchanged`);
  return {
    lines: L,
    data: runs,
    targets: [
      { what: `${int(flows)} concurrent flows complete (scale)`, value: `${int(Math.min(...km.rounds.map((r) => r.completed)))} / ${int(flows)}`, target: 'all', met: allDone },
      { what: 'peak extra RSS keymint / raw (scale)', value: `${num(ratio.medians, 2)}×`, target: `≤ ${targetRatio}×`, met: metRatio },
      { what: `peak extra RSS, ${int(flows)} flows (scale)`, value: `${num(MB(peaks.keymint.median), 1)} MB median`, target: `≤ ${budgetMB} MB`, met },
    ],
  };
}
