#!/usr/bin/env node
// Builds the loadable extension into dist/ (git-ignored), leaving the committed sources clean:
//   node examples/extension/build.mjs [--base-url URL] [--provider NAME] [--out DIR]
// - copies the extension's files, and keymint's default entry (js/dist/keymint.mjs, from
//   `make build`) into vendor/keymint.mjs with the shared runtime it imports (vendor/runtime.mjs);
// - bundles the profile stores (js/src/stores/extension.mjs and memory.mjs) into
//   vendor/keymint-stores.mjs, which takes keymint's errors and masking from ./runtime.mjs,
//   so the extension holds one copy of each, and one wasm (the default entry's);
// - with --base-url/--provider, writes them into config.mjs; the manifest's host_permissions
//   always become exactly the configured backend's origin.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const JS = resolve(HERE, '../../js');
const STORES = join(JS, 'src/stores');
const SOURCES = ['manifest.json', 'background.mjs', 'popup.html', 'popup.mjs', 'popup.css', 'config.mjs'];
const MARKER = '.keymint-extension-build';
/** The browser-safe stores: the in-memory one and the extension one, on one shared base. */
const STORES_ENTRY = `
export { MemoryProfileStore, ProfileStoreBase, profileNameFromEmail, profileNameFromOrganization, isValidProfileName, emptyDocument } from './memory.mjs';
export { ExtensionProfileStore } from './extension.mjs';
`;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `https://api.example.com/v1` → `https://api.example.com/*` (ports kept). */
export function hostPermission(baseUrl) {
  const u = new URL(baseUrl);
  return `${u.protocol}//${u.host}/*`;
}

function checkBaseUrl(baseUrl) {
  let u;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new Error(`--base-url ${JSON.stringify(baseUrl)} is not a URL`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname))) {
    throw new Error(`--base-url must be https:// (or http:// on a loopback address); keymint sends keys nowhere else`);
  }
  return u.href.replace(/\/$/, '');
}

/**
 * vendor/keymint-stores.mjs: the package's dist/stores.mjs when its build makes one, else the
 * same bundle made here from js/src/stores.
 * @param {string} file
 */
async function vendorStores(file) {
  const built = join(JS, 'dist/stores.mjs');
  if (existsSync(built)) {
    cpSync(built, file);
    return;
  }
  const esbuild = createRequire(join(JS, 'package.json'))('esbuild');
  await esbuild.build({
    stdin: { contents: STORES_ENTRY, resolveDir: STORES, sourcefile: 'keymint-stores.mjs', loader: 'js' },
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    legalComments: 'none',
    logLevel: 'warning',
    banner: { js: '// keymint profile stores for extensions, bundled by examples/extension/build.mjs; errors and masking come from ./runtime.mjs.' },
    plugins: [{
      name: 'keymint-dist',
      setup(b) {
        // The stores' imports of the package's own modules (../errors.mjs, ../mask.mjs) point
        // at the copied shared runtime, which exports the same names.
        b.onResolve({ filter: /^\.\.\/[\w-]+\.mjs$/ }, (args) =>
          resolve(args.resolveDir) === STORES ? { path: './runtime.mjs', external: true } : undefined);
      },
    }],
  });
}

/**
 * @param {{out?: string, baseUrl?: string, provider?: string}} [opts]
 * @returns {Promise<{out: string, baseUrl: string, provider: string, hostPermissions: string[]}>}
 */
export async function buildExtension({ out = join(HERE, 'dist'), baseUrl, provider } = {}) {
  out = resolve(out);
  const dist = join(JS, 'dist/keymint.mjs');
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`make build\` first`);
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, MARKER))) {
    throw new Error(`${out} exists and is not an earlier build of this extension; refusing to overwrite it`);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'vendor'), { recursive: true });
  writeFileSync(join(out, MARKER), 'built by examples/extension/build.mjs\n');

  for (const file of SOURCES) cpSync(join(HERE, file), join(out, file));
  cpSync(dist, join(out, 'vendor/keymint.mjs'));
  // The wasm-free runtime the default entry and the stores import (by relative path).
  cpSync(join(JS, 'dist/runtime.mjs'), join(out, 'vendor/runtime.mjs'));

  await vendorStores(join(out, 'vendor/keymint-stores.mjs'));

  // The effective config: the committed defaults, overridden by the flags.
  const defaults = (await import(pathToFileURL(join(HERE, 'config.mjs')).href)).default;
  const config = {
    provider: provider ?? defaults.provider,
    baseUrl: checkBaseUrl(baseUrl ?? defaults.baseUrl),
  };
  if (baseUrl !== undefined || provider !== undefined) {
    writeFileSync(join(out, 'config.mjs'),
      `// Written by build.mjs; the defaults are in examples/extension/config.mjs.\nexport default ${JSON.stringify(config, null, 2)};\n`);
  }
  const manifest = JSON.parse(readFileSync(join(HERE, 'manifest.json'), 'utf8'));
  manifest.host_permissions = [hostPermission(config.baseUrl)];
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  // Every name the store bundle takes from the dist must exist there: importing it checks that.
  const stores = await import(`${pathToFileURL(join(out, 'vendor/keymint-stores.mjs')).href}?${Date.now()}`);
  for (const name of ['ExtensionProfileStore', 'MemoryProfileStore']) {
    if (typeof stores[name] !== 'function') throw new Error(`vendor/keymint-stores.mjs lacks ${name}`);
  }

  return { out, ...config, hostPermissions: manifest.host_permissions };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, 'base-url': { type: 'string' }, provider: { type: 'string' } },
  });
  try {
    const built = await buildExtension({ out: values.out, baseUrl: values['base-url'], provider: values.provider });
    console.log(`extension built in ${built.out} for ${built.provider} at ${built.baseUrl} (host_permissions ${built.hostPermissions.join(', ')})`);
    console.log('load it from chrome://extensions (Developer mode → Load unpacked)');
  } catch (e) {
    console.error(`build.mjs: ${e.message}`);
    process.exit(1);
  }
}
