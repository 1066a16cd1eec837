// The esbuild options the default entry is bundled with (scripts/build.mjs), shared
// with the size bench (benches/size.mjs) so its breakdown measures the same bundle.
// Minifying renames classes; each exported class says its own name with a static `name`
// getter (no side effect, so it stays tree-shakeable) rather than `keepNames`, which names
// every function: +495 B gzipped on the runtime against +31 (test/entries.test.mjs checks them).
export const BUNDLE_OPTIONS = Object.freeze({
  bundle: true,
  minify: true,
  platform: 'neutral',
  target: 'es2020',
  legalComments: 'none',
  charset: 'utf8',
});
