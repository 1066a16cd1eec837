// Section 4 — scale: 10,000 concurrent flows in one Node process (benches/scale-worker.mjs,
// started with --expose-gc), against an emulator in a child process; keymint over
// several rounds, then the same harness with hand-written fetch calls for comparison.
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

export async function scaleSection({ flows = 10_000, rounds = 2, sockets = 256, budgetMB = 64 } = {}) {
  const km = await worker([flows, rounds, sockets, 'keymint']);
  const raw = await worker([flows, 1, sockets, 'raw', 'no-idle']);

  const over = (o, f) => summarize(o.rounds.map((r) => f(r, o.baseline)));
  const mb = (s) => mmm({ min: MB(s.min), median: MB(s.median), max: MB(s.max) }, 1, ' MB');
  const kb = (s) => mmm({ min: s.min / 1024, median: s.median / 1024, max: s.max / 1024 }, 2, ' KB');
  const one = (o, f, fmt) => fmt(summarize([f(o.rounds[0], o.baseline)]).median);
  const fMB = (x) => `${num(MB(x), 1)} MB`;
  const fKB = (x) => `${num(x / 1024, 2)} KB`;
  const ints = (s) => `${int(s.min)} / ${int(s.median)} / ${int(s.max)}`;
  const metrics = [
    ['flows completed (of ' + int(flows) + ')', (r) => r.completed, ints, (x) => int(x)],
    ['wall time for all flows', (r) => r.ms / 1000, (s) => mmm(s, 1, ' s'), (x) => `${num(x, 1)} s`],
    ['peak RSS − baseline (sampled every 10 ms)', (r, b) => r.peakRss - b.rss, mb, fMB],
    ['peak RSS − baseline (getrusage maxRSS)', (r, b) => r.maxRssEver - b.rss, mb, fMB],
    ['peak heapUsed − baseline (live + not yet collected)', (r, b) => r.peakHeapUsed - b.heapUsed, mb, fMB],
    ['live heap, all flows parked at a request (after gc)', (r, b) => r.parked.heapUsed - b.heapUsed, mb, fMB],
    ['  the same per flow', (r, b) => (r.parked.heapUsed - b.heapUsed) / flows, kb, fKB],
    ['live heap, all flows between steps (after gc)', (r, b) => r.betweenSteps.heapUsed - b.heapUsed, mb, fMB],
    ['  the same per flow', (r, b) => (r.betweenSteps.heapUsed - b.heapUsed) / flows, kb, fKB],
    ['RSS between steps (after gc; V8 keeps freed pages) − baseline', (r, b) => r.betweenSteps.rss - b.rss, mb, fMB],
    ['after the round + gc: RSS − baseline', (r) => r.after.rss - r.base.rss, mb, fMB],
    ['after the round + gc: heapUsed − baseline', (r) => r.after.heapUsed - r.base.heapUsed, mb, fMB],
    ['wasm linear memory growth during the round (max − start)', (r) => Math.max(r.parked.wasm, r.betweenSteps?.wasm ?? 0, r.after.wasm) - r.base.wasm, (s) => `${ints(s)} B`, (x) => `${int(x)} B`],
    ['peak open fds (sockets + files)', (r) => r.fdPeak, ints, (x) => int(x)],
    ['kernel listen-queue overflows during the round', (r) => r.listenOverflows ?? NaN, ints, (x) => int(x)],
  ];
  const rows = [['', `keymint, ${km.rounds.length} rounds: min / median / max`, 'raw fetch, 1 round']];
  for (const [label, f, fmt, fmt1] of metrics) rows.push([label, fmt(over(km, f)), one(raw, f, fmt1)]);

  const L = [];
  L.push(`4. SCALE  (${int(flows)} concurrent Scripto flows in one Node process; emulator in a child process, not counted)`);
  L.push(`   Every flow starts at once and stays in flight to the end (they meet at a shared mailbox between the two`);
  L.push(`   steps). Requests go through the global fetch (undici, keep-alive) behind a FIFO gate of ${sockets} in flight:`);
  L.push(`   undici's default pool has no per-origin connection cap, so ${int(flows)} fetches at once would open ${int(flows)} sockets.`);
  L.push(`   Baseline = after import, 2 warm-up rounds of 500 flows and gc: keymint RSS ${num(MB(km.baseline.rss), 1)} MB, heapUsed ${num(MB(km.baseline.heapUsed), 1)} MB;`);
  L.push(`   raw RSS ${num(MB(raw.baseline.rss), 1)} MB, heapUsed ${num(MB(raw.baseline.heapUsed), 1)} MB.`);
  L.push('');
  L.push(table(rows));
  L.push('');
  const w = km.rounds.map((r) => [r.base.wasm, r.parked.wasm, r.betweenSteps?.wasm, r.after.wasm]);
  L.push(`  wasm linear memory (WebAssembly.Memory of the entry's instance): ${int(km.afterImport.wasm)} B after import, ${int(km.baseline.wasm)} B at baseline,`);
  L.push(`  per round [start, parked, between steps, after]: ${w.map((x) => `[${x.map(int).join(', ')}]`).join(' ')}.`);
  L.push('  The core is stateless: each step() takes the saved flow as JSON and returns it, so no wasm-side object lives per flow.');
  if (km.end) {
    L.push(`  At the end (emulator stopped, sockets closed, gc): RSS ${num(MB(km.end.rss), 1)} MB (baseline ${num(MB(km.baseline.rss), 1)}), heapUsed ${num(MB(km.end.heapUsed), 1)} MB (baseline ${num(MB(km.baseline.heapUsed), 1)}), ${km.end.fds} fds.`);
  }
  if (km.emulatorPeakRss) L.push(`  The emulator child's own peak RSS (not counted above): ${num(MB(km.emulatorPeakRss), 1)} MB.`);
  const peak = over(km, (r, b) => r.peakRss - b.rss);
  const allDone = km.rounds.every((r) => r.completed === flows) && raw.rounds.every((r) => r.completed === flows);
  const errors = [...km.rounds, ...raw.rounds].flatMap((r) => Object.entries(r.errors).map(([k, v]) => `${k} ×${v}`));
  if (errors.length) L.push(`  errors: ${errors.join(', ')}`);
  L.push('');
  const met = peak.median <= budgetMB * 1024 * 1024;
  L.push(`  TARGET all ${int(flows)} complete: ${allDone ? 'met' : 'NOT met'}`);
  L.push(`  TARGET peak extra RSS ≤ ${budgetMB} MB: ${met ? 'met' : 'NOT met'} — median ${num(MB(peak.median), 1)} MB (raw fetch in the same harness: ${num(MB(raw.rounds[0].peakRss - raw.baseline.rss), 1)} MB)`);
  const back = summarize(km.rounds.map((r) => r.after.heapUsed - r.base.heapUsed));
  L.push(`  memory returns after the flows end: heapUsed within ${num(MB(back.max), 1)} MB of the round's baseline, wasm memory unchanged`);
  return {
    lines: L,
    data: { keymint: km, raw },
    targets: [
      { what: `${int(flows)} concurrent flows complete (scale)`, value: `${int(Math.min(...km.rounds.map((r) => r.completed)))} / ${int(flows)}`, target: 'all', met: allDone },
      { what: 'peak extra RSS, 10k flows (scale)', value: `${num(MB(peak.median), 1)} MB median`, target: `≤ ${budgetMB} MB`, met },
    ],
  };
}
