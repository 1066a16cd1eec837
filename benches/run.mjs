#!/usr/bin/env node
// `make bench` (after `make build`): size, start-up, overhead and scale, measured side
// by side and printed as one report. Every timing is min / median / max over repeated
// runs; nothing is asserted (the only gate is scripts/size-budget.mjs, on bytes).
//
// Knobs (environment): KEYMINT_BENCH_ONLY=size,startup,overhead,scale  picks sections;
// KEYMINT_BENCH_FLOWS (10000), KEYMINT_BENCH_ROUNDS (2), KEYMINT_BENCH_SOCKETS (256, 0 =
// unbounded), KEYMINT_BENCH_SCALE_PEERS (authjs,betterauth: the peers also run at scale;
// empty = keymint and raw fetch only), KEYMINT_BENCH_STARTUP_RUNS (21),
// KEYMINT_BENCH_ITERATIONS (400: per-flow rounds, each running every client once).
// For a quick look at keymint's own client cost (µs, bytes allocated and live per flow
// against raw fetch, no stub, no peers): `node --expose-gc benches/client.mjs`.
import { readFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, platform, arch } from 'node:os';
import { join } from 'node:path';
import { root } from './lib/paths.mjs';
import { table } from './lib/stats.mjs';

const env = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
const only = new Set((process.env.KEYMINT_BENCH_ONLY ?? 'size,startup,overhead,scale').split(',').map((s) => s.trim()));

for (const f of ['js/dist/keymint.mjs', 'js/dist/sessions.mjs', 'js/dist/runtime.mjs', 'pkg/keymint.wasm', 'pkg-otp/keymint.wasm', 'js/build/wasm-inline.mjs', 'js/build/wasm-inline-full.mjs']) {
  if (!existsSync(join(root, f))) {
    process.stderr.write(`bench: ${f} is missing; run \`make build\` (or \`make bench\`, which builds first)\n`);
    process.exit(1);
  }
}
const budget = JSON.parse(readFileSync(join(root, 'benches/size-budget.json'), 'utf8'));

const started = performance.now();
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const print = (lines) => console.log(`${lines.join('\n')}\n`);
print([
  `keymint bench — ${new Date().toISOString()}`,
  `node ${process.version} · ${platform()} ${arch()} · ${cpus().length} CPUs (${cpus()[0]?.model.trim()}) · load average ${load()}`,
  'Timings are min / median / max over repeated runs on a shared machine: expect noise. Nothing here is asserted.',
]);

const targets = [];
const sections = [
  ['size', async () => (await import('./size.mjs')).sizeSection(budget)],
  ['startup', async () => (await import('./startup.mjs')).startupSection({ runs: env('KEYMINT_BENCH_STARTUP_RUNS', 21) })],
  ['overhead', async () => (await import('./overhead.mjs')).overheadSection({ iterations: env('KEYMINT_BENCH_ITERATIONS', 400) })],
  [
    'scale',
    async () =>
      (await import('./scale.mjs')).scaleSection({
        flows: env('KEYMINT_BENCH_FLOWS', 10_000),
        rounds: env('KEYMINT_BENCH_ROUNDS', 2),
        sockets: env('KEYMINT_BENCH_SOCKETS', 256),
        peers: (process.env.KEYMINT_BENCH_SCALE_PEERS ?? 'authjs,betterauth').split(',').map((s) => s.trim()).filter(Boolean),
      }),
  ],
];
for (const [name, run] of sections) {
  if (!only.has(name)) continue;
  const t0 = performance.now();
  const result = await run();
  targets.push(...result.targets);
  print([...result.lines, `  (section took ${((performance.now() - t0) / 1000).toFixed(1)} s)`]);
}

print([
  'SUMMARY — targets (reported, never asserted)',
  '',
  table([['', 'measured', 'target', ''], ...targets.map((t) => [t.what, t.value, t.target, t.met ? 'met' : 'NOT met'])]),
  '',
  `bench took ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${load()}`,
]);
