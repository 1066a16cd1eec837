// Section 2 — start-up: cold `await import()` + init of the default entry in
// fresh Node processes, beside the same import of an empty module, plus where
// the time goes (module text, decode, wasm compile, instantiate, first call); and
// the peers side by side: a fresh process that imports and starts each client.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { root, distEntry, peerUrl } from './lib/paths.mjs';
import { summarize, mmm, num, table } from './lib/stats.mjs';


/**
 * One fresh process that times `await import(url)`; returns {importMs, readyMs, wallMs}.
 * With `warm`, another module is imported first, untimed: the ESM loader's first-import
 * cost (the empty-module row) is then paid, as in an app that imports keymint from its own code.
 */
function coldImport(url, warm) {
  // The entry instantiates its wasm on the first call: codeTable() makes "import + init" honest.
  const first = warm ? `await import(${JSON.stringify(warm)}); ` : '';
  const code = `${first}const t0 = performance.now(); const m = await import(${JSON.stringify(url)}); m.codeTable?.(); const t1 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, readyMs: t1 }));`;
  const w0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - w0) / 1e6;
  if (r.status !== 0) throw new Error(`cold import of ${url} failed: ${r.stderr}`);
  return { ...JSON.parse(r.stdout), wallMs };
}

/**
 * What "import + start" is for each client, as the body of a module run in a fresh process
 * (no network: each start only builds the client). keymint's start() instantiates the wasm
 * and runs the core's first step; auth-js's constructor starts its initialize() (reads the
 * in-memory session store); Better Auth's createAuthClient builds its fetch and atoms.
 * Peers are imported from js/node_modules by absolute URL, as Node resolves them there.
 */
function starters() {
  const q = JSON.stringify;
  const base = 'http://127.0.0.1:9';
  return [
    { id: 'keymint', label: 'keymint: import the default entry + start() a flow', body: `const m = await import(${q(pathToFileURL(distEntry).href)}); m.start({ provider: 'scripto', baseUrl: ${q(base)}, email: 'a@b.example' });` },
    { id: 'authjs', label: '@supabase/auth-js: import + new AuthClient()', body: `const { AuthClient } = await import(${q(peerUrl('@supabase/auth-js'))}); new AuthClient({ url: ${q(base + '/auth/v1')}, autoRefreshToken: false });` },
    {
      id: 'betterauth',
      label: 'better-auth: import createAuthClient + emailOTPClient, create',
      body: `const [{ createAuthClient }, { emailOTPClient }] = await Promise.all([import(${q(peerUrl('better-auth/client'))}), import(${q(peerUrl('better-auth/client/plugins'))})]); createAuthClient({ baseURL: ${q(base)}, plugins: [emailOTPClient()] });`,
    },
  ];
}

/** One fresh process running a starter; {startMs: import + start inside, readyMs: since process start, wallMs: spawn to exit}. */
function coldStart(body) {
  const code = `const t0 = performance.now(); ${body} const t1 = performance.now();
process.stdout.write(JSON.stringify({ startMs: t1 - t0, readyMs: t1 }));`;
  const w0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - w0) / 1e6;
  if (r.status !== 0) throw new Error(`cold start failed: ${r.stderr}\n${body}`);
  return { ...JSON.parse(r.stdout), wallMs };
}

/** One fresh process that re-does what js/src/core.mjs does at import and first call, step by step. */
function breakdown(dir) {
  const url = (name) => JSON.stringify(pathToFileURL(join(dir, name)).href);
  const code = `const T = [performance.now()];
await import(${url('empty.mjs')}); T.push(performance.now());
await import(${url('wasm-abi.mjs')}); T.push(performance.now());
const { wasmBytes } = await import(${url('wasm-inline.mjs')}); T.push(performance.now());
const bytes = wasmBytes(); T.push(performance.now());
const module = new WebAssembly.Module(bytes); T.push(performance.now());
const { exports } = new WebAssembly.Instance(module, {}); T.push(performance.now());
exports.codes(); T.push(performance.now());
process.stdout.write(JSON.stringify(T.slice(1).map((t, i) => t - T[i])));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`start-up breakdown failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function startupSection({ runs = 21, targetMs = 5 } = {}) {
  const dist = pathToFileURL(distEntry).href;
  // The pieces as .mjs files (so Node does not first try them as CommonJS), and an empty module.
  const dir = mkdtempSync(join(tmpdir(), 'keymint-startup-'));
  try {
    writeFileSync(join(dir, 'empty.mjs'), 'export default 0;\n');
    copyFileSync(join(root, 'js/src/wasm-abi.mjs'), join(dir, 'wasm-abi.mjs'));
    copyFileSync(join(root, 'js/build/wasm-inline.mjs'), join(dir, 'wasm-inline.mjs'));
    return measure(dist, pathToFileURL(join(dir, 'empty.mjs')).href, dir, runs, targetMs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measure(dist, EMPTY, dir, runs, targetMs) {
  coldImport(dist); // let the OS page cache hold the files before anything is timed
  const km = [];
  const empty = [];
  const warmKm = [];
  const peers = starters();
  for (const p of peers) coldStart(p.body); // page cache, as above
  const started = Object.fromEntries(peers.map((p) => [p.id, []]));
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first so drift on a shared machine hits all alike.
    const round = [
      () => km.push(coldImport(dist)),
      () => empty.push(coldImport(EMPTY)),
      () => warmKm.push(coldImport(dist, EMPTY)),
      ...peers.map((p) => () => started[p.id].push(coldStart(p.body))),
    ];
    for (let k = 0; k < round.length; k++) round[(i + k) % round.length]();
  }
  const parts = [];
  for (let i = 0; i < Math.max(15, Math.ceil(runs / 2)); i++) parts.push(breakdown(dir));

  const s = (list, key) => summarize(list.map((x) => x[key]));
  const imp = s(km, 'importMs');
  const base = s(empty, 'importMs');
  const extra = summarize(km.map((x, i) => x.importMs - empty[i].importMs));
  const L = [];
  L.push(`2. START-UP  (Node ${process.version}; ${runs} fresh processes each, alternating; ms as min / median / max)`);
  L.push('');
  L.push(
    table([
      ['', 'min / median / max'],
      ['await import(js/dist/keymint.mjs) — import + wasm init', mmm(imp, 2, ' ms')],
      ['await import(an empty .mjs file) — the same call, nothing to load', mmm(base, 2, ' ms')],
      ['difference, paired per run', mmm(extra, 2, ' ms')],
      ['await import(js/dist/keymint.mjs) after another module (loader already warm) — import + init', mmm(s(warmKm, 'importMs'), 2, ' ms')],
      ['process start → keymint ready (performance.now() at the end)', mmm(s(km, 'readyMs'), 1, ' ms')],
      ['whole `node -e` process, spawn to exit: keymint', mmm(s(km, 'wallMs'), 1, ' ms')],
      ['whole `node -e` process, spawn to exit: empty', mmm(s(empty, 'wallMs'), 1, ' ms')],
    ]),
  );
  L.push('');
  const labels = [
    'first import of any file (an empty .mjs): loader warm-up',
    'import the module that speaks the wasm (js/src/wasm-abi.mjs)',
    `import the inlined wasm string (${Math.round(statSync(join(dir, 'wasm-inline.mjs')).size / 1000)} KB module text)`,
    'decode the string to bytes',
    'new WebAssembly.Module (compile)',
    'new WebAssembly.Instance (instantiate; the wasm imports nothing)',
    'first call into the wasm (the codes export)',
  ];
  const rows = [['where the time goes (' + parts.length + ' more fresh processes)', 'min / median / max']];
  labels.forEach((label, i) => rows.push([label, mmm(summarize(parts.map((p) => p[i])), 3, ' ms')]));
  rows.push(['sum', mmm(summarize(parts.map((p) => p.reduce((a, b) => a + b, 0))), 2, ' ms')]);
  L.push(table(rows));
  L.push('');
  L.push(`  Side by side, whole process (${runs} fresh processes each, in the same rounds as above): import + start each client`);
  const peerRows = [['', 'import + start, in process', 'whole process, spawn to exit']];
  for (const p of peers) peerRows.push([p.label, mmm(s(started[p.id], 'startMs'), 2, ' ms'), mmm(s(started[p.id], 'wallMs'), 1, ' ms')]);
  peerRows.push(['empty module (the process alone), from above', mmm(base, 2, ' ms'), mmm(s(empty, 'wallMs'), 1, ' ms')]);
  // Ratios paired per round (the same round ran both), min / median / max over rounds.
  const paired = (a, b, key) => summarize(started[a].map((x, i) => x[key] / started[b][i][key]));
  const ratios = {};
  for (const p of peers.slice(1)) {
    ratios[p.id] = { start: paired('keymint', p.id, 'startMs'), wall: paired('keymint', p.id, 'wallMs') };
    const name = p.id === 'authjs' ? 'auth-js' : 'better-auth';
    peerRows.push([`ratio keymint / ${name}, paired per round`, mmm(ratios[p.id].start, 3), mmm(ratios[p.id].wall, 3)]);
  }
  L.push(table(peerRows));
  L.push('');
  const ahead = Object.values(ratios).every((r) => r.wall.median < 1);
  const wallText = peers.slice(1).map((p) => `${num(ratios[p.id].wall.median, 3)}× ${p.id === 'authjs' ? 'auth-js' : 'better-auth'}`).join(', ');
  L.push(`  TARGET start-up ahead of both peers (whole process, median of paired ratios < 1): ${ahead ? 'met' : 'NOT met'} — keymint ${wallText}`);
  const met = imp.median <= targetMs;
  L.push(`  TARGET cold import + init ≤ ${targetMs} ms (median): ${met ? 'met' : 'NOT met'} — median ${num(imp.median, 2)} ms`);
  return {
    lines: L,
    data: { importMs: imp, emptyImportMs: base, extraMs: extra, warmLoaderImportMs: s(warmKm, 'importMs'), peers: started, ratios },
    targets: [
      { what: 'start-up, whole process, vs both peers', value: `keymint ${wallText}`, target: '< 1× each', met: ahead },
      { what: 'cold import + init (start-up)', value: `${num(imp.median, 2)} ms median`, target: `≤ ${targetMs} ms`, met },
    ],
  };
}
