// The esbuild options the default entry is bundled with (scripts/build.mjs), shared
// with the size bench (benches/size.mjs) so its breakdown measures the same bundle.
export const BUNDLE_OPTIONS = Object.freeze({
  bundle: true,
  minify: true,
  platform: 'neutral',
  target: 'es2020',
  legalComments: 'none',
  charset: 'utf8',
});
