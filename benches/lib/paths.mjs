import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';

/** The repository root (benches/..). */
export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const rel = (p) => relative(root, p);
export const distEntry = join(root, 'js/dist/keymint.mjs');
