// Builds the package's dist: inlines the optimised wasm as base64 and bundles
// the wasm-bindgen glue with the wrapper into one ESM and one CJS file.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasm = readFileSync(join(root, '../pkg/keymint_bg.wasm'));
mkdirSync(join(root, 'build'), { recursive: true });
writeFileSync(join(root, 'build/wasm-inline.mjs'), `export default ${JSON.stringify(wasm.toString('base64'))};\n`);

const common = {
  entryPoints: [join(root, 'src/index.mjs')],
  bundle: true,
  minify: true,
  platform: 'neutral',
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
  // The glue's async loader resolves the .wasm next to itself; keymint only uses
  // initSync with the inlined bytes, so that URL is never read.
  define: { 'import.meta.url': '"file:///keymint.js"' },
};
await build({ ...common, format: 'esm', outfile: join(root, 'dist/keymint.mjs') });
await build({ ...common, format: 'cjs', outfile: join(root, 'dist/keymint.cjs') });
writeFileSync(join(root, 'dist/package.json'), '{"type":"module"}\n');

const gz = (b) => gzipSync(b, { level: 9 }).length;
const entry = readFileSync(join(root, 'dist/keymint.mjs'));
console.log(`wasm ${wasm.length} B raw / ${gz(wasm)} B gzip; default entry dist/keymint.mjs ${entry.length} B raw / ${gz(entry)} B gzip`);
