// Section 1 — size: the two entries that carry a wasm (the default entry, email codes only,
// and keymint/sessions, its superset on the full core), what each is made of and what an app
// ships for it (the entry and the shared wasm-free runtime it imports, dist/runtime.mjs), the
// largest items inside the default entry's wasm (twiggy on a names-kept copy), and the peers.
// Byte counts are deterministic: one measurement each, identical on every run.
import { readFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { root, rel } from './lib/paths.mjs';
import { int, num, table } from './lib/stats.mjs';
import { BUNDLE_OPTIONS } from '../js/scripts/bundle-options.mjs';
import { shipped } from '../scripts/size-budget.mjs';

/** wasm-opt's flags for the shipped wasms (scripts/wasm-opt.flags; scripts/build-wasm.sh reads the same file). */
const wasmOptFlags = () =>
  readFileSync(join(root, 'scripts/wasm-opt.flags'), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join(' ')
    .split(/\s+/)
    .filter(Boolean);

const require = createRequire(join(root, 'js/package.json'));
const esbuild = require('esbuild');

export const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const measure = (buf) => ({ raw: buf.length, gz: gz(buf) });

// The options js/scripts/build.mjs bundles the default entry with.
const KEYMINT_BUILD = { ...BUNDLE_OPTIONS, logLevel: 'silent', format: 'esm', write: false };

/**
 * The entries that carry a wasm, as js/scripts/build.mjs builds them: the built file, the wasm
 * it inlines (and the names-kept copy target/wasm/ keeps of it), the inline module and the
 * sources.
 */
export const ENTRIES = [
  {
    name: 'keymint',
    label: 'default entry',
    dist: 'js/dist/keymint.mjs',
    pkg: 'pkg-otp',
    named: 'target/wasm/keymint-otp.wasm',
    inline: 'js/build/wasm-inline.mjs',
    source: 'js/src/index.mjs',
  },
  {
    name: 'keymint/sessions',
    label: 'keymint/sessions',
    dist: 'js/dist/sessions.mjs',
    pkg: 'pkg',
    named: 'target/wasm/keymint-full.wasm',
    inline: 'js/build/wasm-inline-full.mjs',
    source: 'js/src/sessions/index.mjs',
  },
];

/** The shared runtime's modules: the files js/src/runtime.mjs re-exports. */
const RUNTIME_FILES = new Set(
  [...readFileSync(join(root, 'js/src/runtime.mjs'), 'utf8').matchAll(/^export \* from '\.\/([\w-]+\.mjs)';/gm)].map((m) => join(root, 'js/src', m[1])),
);

/** Sizes of an entry (one of ENTRIES; the default entry unless named) and its parts. */
export async function entrySizes(e = ENTRIES[0]) {
  const entry = readFileSync(join(root, e.dist));
  const wasm = readFileSync(join(root, e.pkg, 'keymint.wasm'));
  const inline = readFileSync(join(root, e.inline));
  // The JS that speaks the wasm's exports (part of the shared runtime), minified.
  const abi = await esbuild.build({ ...KEYMINT_BUILD, entryPoints: [join(root, 'js/src/wasm-abi.mjs')] });
  // The wrapper: the entry's sources with the inlined wasm and the shared runtime it imports
  // (the modules src/runtime.mjs re-exports) left out.
  const wrapper = await esbuild.build({
    ...KEYMINT_BUILD,
    entryPoints: [join(root, e.source)],
    plugins: [
      {
        name: 'leave-out-wasm-and-runtime',
        setup(b) {
          b.onResolve({ filter: /build\/wasm-inline(-full)?\.mjs$/ }, (a) => ({ path: a.path, external: true }));
          b.onResolve({ filter: /^\.\.?\/[\w-]+\.mjs$/ }, (a) => (RUNTIME_FILES.has(join(a.resolveDir, a.path)) ? { path: a.path, external: true } : undefined));
        },
      },
    ],
  });
  return {
    entry: measure(entry),
    shipped: shipped([e.dist]),
    wasm: measure(wasm),
    inline: measure(inline),
    abi: measure(Buffer.from(abi.outputFiles[0].contents)),
    wrapper: measure(Buffer.from(wrapper.outputFiles[0].contents)),
  };
}

/** The peers' minimal OTP entries, bundled the way anchors-sdk.md measured them. */
export async function peerSizes() {
  const peers = [
    { name: '@supabase/auth-js', pkg: '@supabase/auth-js', file: 'peers/supabase-auth-js.mjs', what: 'signInWithOtp, verifyOtp, resend, refreshSession, getSession, signOut' },
    { name: 'better-auth/client + emailOTPClient', pkg: 'better-auth', file: 'peers/better-auth.mjs', what: 'emailOtp.sendVerificationOtp, signIn.emailOtp, getSession, signOut' },
    { name: 'keymint dist re-bundled, same options', pkg: null, file: 'peers/keymint.mjs', what: 'start, requestCode, resume, submitCode, whoami (imports js/dist/keymint.mjs)' },
    { name: 'keymint dist re-bundled, + charset utf8', pkg: null, file: 'peers/keymint.mjs', what: '', extra: { charset: 'utf8' } },
  ];
  const out = [];
  for (const p of peers) {
    const res = await esbuild.build({
      entryPoints: [join(root, 'benches', p.file)],
      bundle: true,
      minify: true,
      treeShaking: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
      nodePaths: [join(root, 'js/node_modules')],
      ...p.extra,
    });
    const version = JSON.parse(readFileSync(join(root, 'js', p.pkg ? `node_modules/${p.pkg}` : '', 'package.json'), 'utf8')).version;
    out.push({ ...p, version, ...measure(Buffer.from(res.outputFiles[0].contents)) });
  }
  return out;
}

/** What `npm pack` would publish: packed and unpacked bytes, file count, the largest files. */
export function tarballSize() {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json'], { cwd: join(root, 'js'), encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) return { error: `npm pack failed: ${r.stderr.trim().split('\n').pop()}` };
  const [p] = JSON.parse(r.stdout);
  const largest = [...p.files].sort((a, b) => b.size - a.size).slice(0, 4);
  return { size: p.size, unpackedSize: p.unpackedSize, entryCount: p.entryCount, largest };
}

/** Installs twiggy into .tools/cargo once (quietly); returns its path or null. */
function twiggyBin() {
  const bin = join(root, '.tools/cargo/bin/twiggy');
  if (existsSync(bin)) return bin;
  process.stderr.write('bench: installing twiggy into .tools/cargo (once, about a minute)\n');
  const r = spawnSync('cargo', ['install', '-q', 'twiggy', '--root', join(root, '.tools/cargo')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(bin)) {
    process.stderr.write(`bench: cargo install twiggy failed:\n${r.stderr}\n`);
    return null;
  }
  return bin;
}

// twiggy item name -> bucket. Order matters: the first match wins.
const BUCKETS = [
  ['names section (not shipped)', /subsection$/],
  ['data segments (strings, tables)', /^data segment/],
  ['keymint code (own functions and the export shims)', /keymint::|multivalue shim/],
  ['str searching, UTF-8, panics/bounds', /str::pattern|TwoWaySearcher|StrSearcher|CharSearcher|memchr|slice_error_fail|slice_index_fail|panic|from_utf8|str::validations|trim_matches|is_whitespace|char::methods|str::iter|<char|strip_prefix|str>::contains|str>::split|str>::starts_with/],
  ['allocator (lol_alloc)', /lol_alloc|__rust_(re)?alloc|__rust_dealloc|handle_alloc_error|alloc_impl|raw_vec::handle_error/],
  ['core/alloc generics (Vec, Option, iterators, drop glue)', /^<?(core|alloc|T as|A as|&str|str as|<)|^memcmp$|^<alloc/],
  ['module structure (types, imports, exports, custom sections)', /./],
];

/**
 * twiggy top on a names-kept copy of a release wasm (the default entry's unless named: the
 * linked wasm scripts/build-wasm.sh keeps in target/wasm/), plus a bucketed summary.
 */
export function wasmContributors(e = ENTRIES[0]) {
  const twiggy = twiggyBin();
  if (!twiggy) return { error: 'twiggy is not available (cargo install failed)' };
  const input = join(root, e.named);
  if (!existsSync(input)) return { error: `${rel(input)} is missing (run make build)` };
  const dir = mkdtempSync(join(tmpdir(), 'keymint-twiggy-'));
  try {
    const run = (cmd, args) => {
      const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };
    const named = join(dir, 'named.wasm');
    run(join(root, 'js/node_modules/.bin/wasm-opt'), [...wasmOptFlags(), '-g', input, '-o', named]);
    const top = run(twiggy, ['top', '-n', '15', named]);
    const items = JSON.parse(run(twiggy, ['top', '-n', '1000000', '-f', 'json', named]));
    const buckets = new Map(BUCKETS.map(([label]) => [label, { bytes: 0, count: 0 }]));
    for (const it of items) {
      const [label] = BUCKETS.find(([, re]) => re.test(it.name));
      const b = buckets.get(label);
      b.bytes += it.shallow_size;
      b.count++;
    }
    const total = items.reduce((a, it) => a + it.shallow_size, 0);
    return { top, buckets, total, namedSize: readFileSync(named).length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function sizeSection(budget) {
  const sizes = [];
  for (const e of ENTRIES) sizes.push(await entrySizes(e));
  const [s] = sizes;
  const peers = await peerSizes();
  const w = wasmContributors(ENTRIES[0]);
  const wFull = wasmContributors(ENTRIES[1]);
  const budgets = new Map((budget.entries ?? []).map((b) => [b.name, b]));
  const L = [];
  const targets = [];
  L.push('1. SIZE  (bytes; "gz" = zlib.gzipSync level 9; byte counts are deterministic, so each is measured once)');
  L.push('');
  L.push('  The two entries that carry a wasm: the default entry (the email-code core, pkg-otp/) and keymint/sessions (its');
  L.push('  superset on the full core, pkg/: the email-code API and the session family). Both import the wasm-free shared');
  L.push('  runtime (js/dist/runtime.mjs) and not each other: an app ships the entry + the runtime, one wasm.');
  L.push('');
  for (const [i, e] of ENTRIES.entries()) {
    const z = sizes[i];
    const sumGz = z.inline.gz + z.wrapper.gz;
    L.push(
      table([
        ['', 'raw', 'gz'],
        [`${e.label}  ${e.dist} (minified bundle)`, int(z.entry.raw), int(z.entry.gz)],
        [`  wasm  ${e.pkg}/keymint.wasm (wasm-opt, scripts/wasm-opt.flags)`, int(z.wasm.raw), int(z.wasm.gz)],
        [`  wasm as the inlined string (+ its decoder)  ${e.inline}`, int(z.inline.raw), int(z.inline.gz)],
        [`  wrapper  ${e.source.replace(/[\w.]+$/, '*.mjs')} without wasm and runtime (min)`, int(z.wrapper.raw), int(z.wrapper.gz)],
        ['  parts gzipped separately: string + wrapper', '', int(sumGz)],
        ['  (in the runtime: js/src/wasm-abi.mjs, which speaks the wasm\'s exports, min)', int(z.abi.raw), int(z.abi.gz)],
        [`what an app ships: ${z.shipped.files.map((f) => f.file).join(' + ')}`, int(z.shipped.raw), int(z.shipped.gz)],
      ]),
    );
    L.push(`  the wasm string is ${num((100 * z.inline.gz) / sumGz, 1)} % of the parts' gz; the string encoding costs ${num(z.inline.gz / z.wasm.gz, 3)}× the bare wasm's gz (+${int(z.inline.gz - z.wasm.gz)} B)`);
    const b = budgets.get(e.name);
    const ships = z.shipped.gz;
    if (b?.target !== undefined) {
      const met = ships <= b.target;
      L.push(`  TARGET ${e.label} ≤ ${int(b.target)} B gz shipped: ${met ? 'met' : 'NOT met'} — ${int(ships)} B is ${num(ships / b.target, 2)}× the target (${met ? '' : '+'}${int(ships - b.target)} B)`);
      targets.push({ what: `${e.label} gz shipped (size)`, value: `${int(ships)} B`, target: `≤ ${int(b.target)} B`, met });
    }
    if (b) L.push(`  regression guard (benches/size-budget.json, scripts/size-budget.mjs): ${int(ships)} ≤ ${int(b.gzipBytes)} B: ${ships <= b.gzipBytes ? 'ok' : 'EXCEEDED'}`);
    L.push('');
  }
  const both = shipped(ENTRIES.map((e) => e.dist));
  L.push(`  both entries imported (two wasms, one runtime; an app that needs both should import keymint/sessions alone): ${int(both.gz)} B gz`);
  L.push('');

  L.push("  Largest items inside the default entry's wasm — twiggy top -n 15 on a names-kept copy");
  L.push(`  (wasm-opt with the build's flags and -g of ${ENTRIES[0].named}, the linked email-code-only build):`);
  if (w.error) L.push(`  (skipped: ${w.error})`);
  else {
    L.push(w.top.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
    L.push('');
    L.push(`  By kind (twiggy shallow bytes; the named copy is ${int(w.namedSize)} B, shipped wasm ${int(s.wasm.raw)} B;`);
    L.push(`  beside it the full build of keymint/sessions${wFull.error ? `: not measured (${wFull.error})` : `, named copy ${int(wFull.namedSize)} B, shipped ${int(sizes[1].wasm.raw)} B`}):`);
    const rows = [['', 'bytes', '% of code+data', 'items', 'full build: bytes', 'items']];
    const names = w.buckets.get(BUCKETS[0][0]).bytes;
    for (const [label, b] of w.buckets) {
      const share = label === BUCKETS[0][0] ? '' : `${num((100 * b.bytes) / (w.total - names), 1)} %`;
      const f = wFull.error ? null : wFull.buckets.get(label);
      rows.push([label, int(b.bytes), share, int(b.count), f ? int(f.bytes) : '', f ? int(f.count) : '']);
    }
    L.push(table(rows, { indent: '    ' }));
  }
  L.push('');

  L.push('  Side by side — minimal OTP entries under benches/peers/, each bundled with esbuild');
  L.push(`  ${esbuild.version} (bundle, minify, tree-shaken, platform browser, format esm), measured in this run:`);
  const rows = [['', 'version', 'min raw', 'min gz', 'keymint entry gz ÷ this']];
  rows.push(['keymint default entry as shipped (js/dist/keymint.mjs + runtime.mjs)', peers[2].version, int(s.shipped.raw), int(s.shipped.gz), '1.00']);
  for (const p of peers) rows.push([p.name, p.version, int(p.raw), int(p.gz), num(s.shipped.gz / p.gz, 2)]);
  L.push(table(rows));
  for (const p of peers) if (p.what) L.push(`    ${p.name}: ${p.what}`);
  const [ascii, utf8] = peers.slice(2);
  L.push(`  note: esbuild's default charset (ascii) re-escapes the inlined wasm string (U+0000..U+00FF outside printable ASCII -> \\xXX), so an app`);
  L.push(`  that bundles keymint with esbuild defaults ships ${int(ascii.gz)} B gz (${int(ascii.raw)} raw), +${int(ascii.gz - utf8.gz)} B gz over charset utf8.`);
  L.push('');
  const t = tarballSize();
  if (t.error) L.push(`  npm tarball: not measured (${t.error})`);
  else {
    L.push(`  npm tarball (npm pack --dry-run in js/): ${int(t.size)} B packed, ${int(t.unpackedSize)} B unpacked, ${t.entryCount} files`);
    L.push(`    largest: ${t.largest.map((f) => `${f.path} ${int(f.size)}`).join(' · ')}`);
  }

  return {
    lines: L,
    data: { ...s, sessions: sizes[1], peers, wasmContributors: w.error ? null : Object.fromEntries(w.buckets) },
    targets,
  };
}
