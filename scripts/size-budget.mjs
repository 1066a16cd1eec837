#!/usr/bin/env node
// Size regression guard (run by `make test` after `make build`): fails when what an app ships for
// an entry that carries a wasm is larger than its byte budget in benches/size-budget.json
// (`entries[].gzipBytes`). What an app ships for an entry is the entry's built file and every
// file it imports statically (the shared wasm-free runtime, js/dist/runtime.mjs), each gzipped
// at level 9 and summed — the bytes an app that loads dist/ as is (an extension, a worker)
// transfers; an entry of several `files` (an app that imports both entries) counts a file both
// import once. Entries: the default entry (email codes only), keymint/sessions (its superset on
// the full core) and the two together. A budget is the current size plus a little headroom while
// an entry's `target` is not met; lower it whenever the entry shrinks. Deterministic: zlib level 9
// on the same bytes gives the same length every time.
// `node scripts/size-budget.mjs --rebaseline` resets every budget to the current size + 3 %.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const budgetPath = join(root, 'benches/size-budget.json');
const fmt = (n) => n.toLocaleString('en-US');

/**
 * What an app ships for built files `files` (paths from the repo root): each file and the files
 * it imports statically by relative path, transitively, once each, with their sizes.
 * @param {string[]} files
 * @returns {{files: {file: string, raw: number, gz: number}[], raw: number, gz: number}}
 */
export function shipped(files) {
  const seen = new Map();
  const visit = (abs) => {
    if (seen.has(abs)) return;
    if (!existsSync(abs)) throw new Error(`${relative(root, abs)} does not exist; run \`make build\` first`);
    const bytes = readFileSync(abs);
    seen.set(abs, { file: relative(root, abs), raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length });
    // The built files are minified ESM: `from"./x.mjs"` (esbuild writes no space).
    for (const [, spec] of bytes.toString('latin1').matchAll(/\bfrom\s*"(\.\.?\/[^"]+)"/g)) visit(join(dirname(abs), spec));
  };
  for (const f of files) visit(join(root, f));
  const list = [...seen.values()];
  return { files: list, raw: list.reduce((a, f) => a + f.raw, 0), gz: list.reduce((a, f) => a + f.gz, 0) };
}

/** The budget file's entries, checked. */
export function readBudget() {
  const budget = JSON.parse(readFileSync(budgetPath, 'utf8'));
  const positive = (n) => Number.isInteger(n) && n > 0;
  const entries = budget.entries;
  if (!Array.isArray(entries) || entries.length === 0 || !entries.every((e) => typeof e.name === 'string' && Array.isArray(e.files) && e.files.length > 0 && e.files.every((f) => typeof f === 'string') && positive(e.gzipBytes) && (e.target === undefined || positive(e.target)))) {
    throw new Error('benches/size-budget.json needs "entries": [{name, files: [built file, …], gzipBytes, target?}] with positive integer sizes');
  }
  return budget;
}

function main() {
  const fail = (msg) => {
    process.stderr.write(`size-budget: FAIL — ${msg}\n`);
    process.exit(1);
  };
  let budget;
  let measured;
  try {
    budget = readBudget();
    measured = budget.entries.map((e) => ({ ...e, ...shipped(e.files) }));
  } catch (e) {
    fail(e.message);
  }
  const parts = (m) => m.files.map((f) => `${f.file} ${fmt(f.gz)}`).join(' + ');

  // `--rebaseline`: set every budget to the current size + 3 % (rounded up to 100 B). For a
  // deliberate change only; the diff to benches/size-budget.json shows up in review.
  if (process.argv.includes('--rebaseline')) {
    const next = budget.entries.map((e, i) => ({ ...e, gzipBytes: Math.ceil((measured[i].gz * 1.03) / 100) * 100 }));
    writeFileSync(budgetPath, `${JSON.stringify({ ...budget, entries: next }, null, 2)}\n`);
    for (const [i, m] of measured.entries()) console.log(`size-budget: ${m.name} budget ${fmt(m.gzipBytes)} B -> ${fmt(next[i].gzipBytes)} B (${fmt(m.gz)} B gzip -9 = ${parts(m)}; + 3 %)`);
    process.exit(0);
  }
  const over = [];
  for (const m of measured) {
    const targetNote = m.target === undefined ? 'no target' : m.gz <= m.target ? `target ${fmt(m.target)} B met` : `target ${fmt(m.target)} B not met yet (${(m.gz / m.target).toFixed(2)}×)`;
    if (m.gz > m.gzipBytes) over.push(`${m.name} ships ${fmt(m.gz)} B gzip -9 (${parts(m)}), over its budget of ${fmt(m.gzipBytes)} B by ${fmt(m.gz - m.gzipBytes)} B (${targetNote})`);
    else console.log(`size-budget: ok — ${m.name} ships ${fmt(m.gz)} B gzip -9 (${parts(m)}; ${fmt(m.raw)} B raw) ≤ budget ${fmt(m.gzipBytes)} B; ${targetNote}`);
  }
  if (over.length) {
    fail(
      `${over.join(';\n  ')}.\n  Shrink it (see \`make bench\` for what the wasm is made of), or, if the growth is deliberate, ` +
        'raise its "gzipBytes" in benches/size-budget.json and say why in the commit.',
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
