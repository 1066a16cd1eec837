// Builds the package's dist: inlines the optimised wasm as base64 and bundles
// the wasm-bindgen glue with the wrapper into one ESM and one CJS file.
import { readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasm = readFileSync(join(root, '../pkg/keymint_bg.wasm'));
mkdirSync(join(root, 'build'), { recursive: true });
// Written by rename so concurrent readers never see a partial file.
const writeAtomic = (path, text) => { writeFileSync(`${path}.${process.pid}`, text); renameSync(`${path}.${process.pid}`, path); };
writeAtomic(join(root, 'build/wasm-inline.mjs'), `export default ${JSON.stringify(encodeWasm(wasm))};\n`);

/**
 * Inlines the wasm as a string gzip compresses well: printable ASCII stays
 * itself, every other byte b becomes U+0100+b (two UTF-8 bytes). A byte always
 * maps to the same characters, so repeats in the wasm stay repeats for gzip
 * (base64 shifts them and cost 30 % more gzipped); decoding is `c & 0xff`.
 */
function encodeWasm(bytes) {
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : String.fromCharCode(0x100 + b);
  return s;
}

const common = {
  entryPoints: [join(root, 'src/index.mjs')],
  bundle: true,
  minify: true,
  platform: 'neutral',
  target: 'es2020',
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
  // The glue's async loader resolves the .wasm next to itself; keymint only uses
  // initSync with the inlined bytes, so that URL is never read.
  define: { 'import.meta.url': '"file:///keymint.js"' },
};
for (const [format, file] of [['esm', 'dist/keymint.mjs'], ['cjs', 'dist/keymint.cjs']]) {
  const out = await build({ ...common, format, write: false, outfile: join(root, file) });
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeAtomic(join(root, file), out.outputFiles[0].contents);
}
writeFileSync(join(root, 'dist/package.json'), '{"type":"module"}\n');

const gz = (b) => gzipSync(b, { level: 9 }).length;
const entry = readFileSync(join(root, 'dist/keymint.mjs'));
console.log(`wasm ${wasm.length} B raw / ${gz(wasm)} B gzip; default entry dist/keymint.mjs ${entry.length} B raw / ${gz(entry)} B gzip`);

// The browser-safe profile stores (in-memory and extension) as their own ESM entry, for pages,
// workers and extensions. They take the errors and masking of the default entry from
// './keymint.mjs', so an app that loads both holds one KeymintError class.
const storesDir = join(root, 'src/stores');
const stores = await build({
  stdin: {
    contents: [
      "export { MemoryProfileStore, ProfileStoreBase, profileNameFromEmail, profileNameFromOrganization, isValidProfileName, emptyDocument } from './memory.mjs';",
      "export { ExtensionProfileStore } from './extension.mjs';",
    ].join('\n'),
    resolveDir: storesDir,
    sourcefile: 'stores.mjs',
    loader: 'js',
  },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
  outfile: join(root, 'dist/stores.mjs'),
  plugins: [{
    name: 'default-entry',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/[\w-]+\.mjs$/ }, (a) => (a.resolveDir === storesDir ? { path: './keymint.mjs', external: true } : undefined));
    },
  }],
});
writeAtomic(join(root, 'dist/stores.mjs'), stores.outputFiles[0].contents);
