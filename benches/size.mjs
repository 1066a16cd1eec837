// Section 1 — size: the default entry and what it is made of, the largest items
// inside the wasm (twiggy on a names-kept copy), and the peers beside it.
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

const require = createRequire(join(root, 'js/package.json'));
const esbuild = require('esbuild');

export const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const measure = (buf) => ({ raw: buf.length, gz: gz(buf) });

// The options js/scripts/build.mjs bundles the default entry with.
const KEYMINT_BUILD = { ...BUNDLE_OPTIONS, logLevel: 'silent', format: 'esm', write: false };

/** Sizes of the default entry and its parts. */
export async function entrySizes() {
  const entry = readFileSync(join(root, 'js/dist/keymint.mjs'));
  const wasm = readFileSync(join(root, 'pkg/keymint_bg.wasm'));
  const inline = readFileSync(join(root, 'js/build/wasm-inline.mjs'));
  const glueSrc = readFileSync(join(root, 'pkg/keymint.js'));

  // The glue as the entry carries it: only what core.mjs imports, tree-shaken and minified.
  const glue = await esbuild.build({
    ...KEYMINT_BUILD,
    stdin: { contents: "export { initSync, step, codes } from './pkg/keymint.js';", resolveDir: root, loader: 'js' },
  });
  // The wrapper: js/src/index.mjs with the glue and the inlined wasm left out.
  const wrapper = await esbuild.build({
    ...KEYMINT_BUILD,
    entryPoints: [join(root, 'js/src/index.mjs')],
    plugins: [
      {
        name: 'leave-out-glue-and-wasm',
        setup(b) {
          b.onResolve({ filter: /(pkg\/keymint\.js|build\/wasm-inline\.mjs)$/ }, (a) => ({ path: a.path, external: true }));
        },
      },
    ],
  });
  return {
    entry: measure(entry),
    wasm: measure(wasm),
    inline: measure(inline),
    glueRaw: measure(glueSrc),
    glue: measure(Buffer.from(glue.outputFiles[0].contents)),
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
  ['keymint code (own fns; the core is inlined into the `step` shim)', /keymint::|multivalue shim/],
  ['str searching, UTF-8, panics/bounds', /str::pattern|TwoWaySearcher|StrSearcher|CharSearcher|memchr|slice_error_fail|slice_index_fail|panic|from_utf8|str::validations|trim_matches|is_whitespace|char::methods|str::iter|<char|strip_prefix|str>::contains|str>::split|str>::starts_with/],
  ['allocator (lol_alloc) + wasm-bindgen malloc/free', /lol_alloc|__rust_(re)?alloc|__rust_dealloc|__wbindgen_(malloc|realloc|free)$|handle_alloc_error|alloc_impl|raw_vec::handle_error/],
  ['core/alloc generics (Vec, Option, iterators, drop glue)', /^<?(core|alloc|T as|A as|&str|str as|<)|^memcmp$|^<alloc/],
  ['module structure (types, imports, exports, custom sections)', /./],
];

/** twiggy top on a names-kept copy of the release wasm, plus a bucketed summary. */
export function wasmContributors() {
  const twiggy = twiggyBin();
  if (!twiggy) return { error: 'twiggy is not available (cargo install failed)' };
  const input = join(root, 'target/wasm32-unknown-unknown/release/keymint.wasm');
  if (!existsSync(input)) return { error: `${rel(input)} is missing (run make build)` };
  const dir = mkdtempSync(join(tmpdir(), 'keymint-twiggy-'));
  try {
    const run = (cmd, args) => {
      const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };
    run(join(root, '.tools/cargo/bin/wasm-bindgen'), ['--keep-debug', '--target', 'web', '--out-dir', dir, input]);
    const named = join(dir, 'named.wasm');
    run(join(root, 'js/node_modules/.bin/wasm-opt'), ['-Oz', '-g', join(dir, 'keymint_bg.wasm'), '-o', named]);
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
  const s = await entrySizes();
  const peers = await peerSizes();
  const w = wasmContributors();
  const L = [];
  L.push('1. SIZE  (bytes; "gz" = zlib.gzipSync level 9; byte counts are deterministic, so each is measured once)');
  L.push('');
  const sumGz = s.inline.gz + s.glue.gz + s.wrapper.gz;
  L.push(
    table([
      ['', 'raw', 'gz'],
      ['default entry  js/dist/keymint.mjs (minified bundle)', int(s.entry.raw), int(s.entry.gz)],
      ['  wasm  pkg/keymint_bg.wasm (wasm-opt -Oz)', int(s.wasm.raw), int(s.wasm.gz)],
      ['  wasm as the inlined string (+ its decoder)  js/build/wasm-inline.mjs', int(s.inline.raw), int(s.inline.gz)],
      ['  glue  pkg/keymint.js as bundled (initSync, step, codes; min)', int(s.glue.raw), int(s.glue.gz)],
      ['    (glue file as wasm-bindgen writes it, unminified)', int(s.glueRaw.raw), int(s.glueRaw.gz)],
      ['  wrapper  js/src/*.mjs without glue and wasm (min)', int(s.wrapper.raw), int(s.wrapper.gz)],
      ['  parts gzipped separately: string + glue + wrapper', '', int(sumGz)],
    ]),
  );
  L.push('');
  L.push(`  the wasm string is ${num((100 * s.inline.gz) / sumGz, 1)} % of the parts' gz; the string encoding costs ${num(s.inline.gz / s.wasm.gz, 3)}× the bare wasm's gz (+${int(s.inline.gz - s.wasm.gz)} B)`);
  const target = budget.target;
  const met = s.entry.gz <= target;
  L.push(`  TARGET default entry ≤ ${int(target)} B gz: ${met ? 'met' : 'NOT met'} — ${int(s.entry.gz)} B is ${num(s.entry.gz / target, 2)}× the target (${met ? '' : '+'}${int(s.entry.gz - target)} B)`);
  const guardOk = s.entry.gz <= budget.defaultEntryGzipBytes;
  L.push(`  regression guard (benches/size-budget.json, scripts/size-budget.mjs): ${int(s.entry.gz)} ≤ ${int(budget.defaultEntryGzipBytes)} B: ${guardOk ? 'ok' : 'EXCEEDED'}`);
  L.push('');

  L.push('  Largest items inside the wasm — twiggy top -n 15 on a names-kept copy');
  L.push('  (wasm-bindgen --keep-debug + wasm-opt -Oz -g of target/wasm32-unknown-unknown/release/keymint.wasm):');
  if (w.error) L.push(`  (skipped: ${w.error})`);
  else {
    L.push(w.top.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
    L.push('');
    L.push(`  By kind (twiggy shallow bytes; the named copy is ${int(w.namedSize)} B, shipped wasm ${int(s.wasm.raw)} B):`);
    const rows = [['', 'bytes', '% of code+data', 'items']];
    const names = w.buckets.get(BUCKETS[0][0]).bytes;
    for (const [label, b] of w.buckets) {
      const share = label === BUCKETS[0][0] ? '' : `${num((100 * b.bytes) / (w.total - names), 1)} %`;
      rows.push([label, int(b.bytes), share, int(b.count)]);
    }
    L.push(table(rows, { indent: '    ' }));
  }
  L.push('');

  L.push('  Side by side — minimal OTP entries under benches/peers/, each bundled with esbuild');
  L.push(`  ${esbuild.version} (bundle, minify, tree-shaken, platform browser, format esm), measured in this run:`);
  const rows = [['', 'version', 'min raw', 'min gz', 'keymint entry gz ÷ this']];
  rows.push(['keymint default entry as shipped (js/dist/keymint.mjs)', peers[2].version, int(s.entry.raw), int(s.entry.gz), '1.00']);
  for (const p of peers) rows.push([p.name, p.version, int(p.raw), int(p.gz), num(s.entry.gz / p.gz, 2)]);
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
    data: { ...s, peers, wasmContributors: w.error ? null : Object.fromEntries(w.buckets) },
    targets: [{ what: 'default entry gz (size)', value: `${int(s.entry.gz)} B`, target: `≤ ${int(target)} B`, met }],
  };
}
