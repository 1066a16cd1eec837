import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

/** The repository root (benches/..). */
export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const rel = (p) => relative(root, p);
export const distEntry = join(root, 'js/dist/keymint.mjs');

// The peers are dev dependencies of js/ (js/node_modules): resolve them from there, the way
// Node resolves a bare import in that package (auth-js has no "exports": Node loads its
// CommonJS "main"; better-auth's "exports" map has one "default" per subpath).
const jsRequire = createRequire(join(root, 'js/package.json'));
export const peerPath = (specifier) => jsRequire.resolve(specifier);
export const peerUrl = (specifier) => pathToFileURL(peerPath(specifier)).href;
