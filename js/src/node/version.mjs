// keymint's own version, read from the package.json when run from the sources. The build
// (scripts/build.mjs) replaces this whole module with the version as a constant: a bundled
// wrapper has no package.json beside it, and the bundle carries no path to one.
import { readFileSync } from 'node:fs';

let cached;
/** @returns {string} */
export function version() {
  if (cached === undefined) {
    try {
      cached = String(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
