#!/usr/bin/env node
// Size regression guard (run by `make test` after `make build`): fails when an entry that
// carries a wasm — the default entry js/dist/keymint.mjs (email codes only) and
// js/dist/sessions.mjs (keymint/sessions, the full core) — gzipped at level 9, is larger than
// its byte budget in benches/size-budget.json (`entries[].gzipBytes`). A budget is the current
// size plus a little headroom while an entry's `target` is not met; lower it whenever the entry
// shrinks. Deterministic: zlib level 9 on the same bytes gives the same length every time.
// `node scripts/size-budget.mjs --rebaseline` resets every budget to the current size + 3 %.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const budgetPath = join(root, 'benches/size-budget.json');
const fmt = (n) => n.toLocaleString('en-US');
const fail = (msg) => {
  process.stderr.write(`size-budget: FAIL — ${msg}\n`);
  process.exit(1);
};

let budget;
try {
  budget = JSON.parse(readFileSync(budgetPath, 'utf8'));
} catch (e) {
  fail(`cannot read benches/size-budget.json: ${e.message}`);
}
const entries = budget.entries;
const positive = (n) => Number.isInteger(n) && n > 0;
if (!Array.isArray(entries) || entries.length === 0 || !entries.every((e) => typeof e.name === 'string' && typeof e.file === 'string' && positive(e.gzipBytes) && (e.target === undefined || positive(e.target)))) {
  fail('benches/size-budget.json needs "entries": [{name, file, gzipBytes, target?}] with positive integer sizes');
}

const measured = entries.map((e) => {
  const path = join(root, e.file);
  if (!existsSync(path)) fail(`${e.file} does not exist; run \`make build\` first`);
  const raw = readFileSync(path);
  return { ...e, raw: raw.length, gz: gzipSync(raw, { level: 9 }).length };
});

// `--rebaseline`: set every budget to the current size + 3 % (rounded up to 100 B). For a
// deliberate change only; the diff to benches/size-budget.json shows up in review.
if (process.argv.includes('--rebaseline')) {
  const next = measured.map(({ raw, gz, ...e }) => ({ ...e, gzipBytes: Math.ceil((gz * 1.03) / 100) * 100 }));
  writeFileSync(budgetPath, `${JSON.stringify({ ...budget, entries: next }, null, 2)}\n`);
  for (const [i, m] of measured.entries()) console.log(`size-budget: ${m.name} budget ${fmt(m.gzipBytes)} B -> ${fmt(next[i].gzipBytes)} B (${m.file} is ${fmt(m.gz)} B gzip -9 + 3 %)`);
  process.exit(0);
}
const over = [];
for (const m of measured) {
  const targetNote = m.target === undefined ? 'no target' : m.gz <= m.target ? `target ${fmt(m.target)} B met` : `target ${fmt(m.target)} B not met yet (${(m.gz / m.target).toFixed(2)}×)`;
  if (m.gz > m.gzipBytes) over.push(`${m.file} (${m.name}) is ${fmt(m.gz)} B gzip -9, over its budget of ${fmt(m.gzipBytes)} B by ${fmt(m.gz - m.gzipBytes)} B (${targetNote})`);
  else console.log(`size-budget: ok — ${m.file} (${m.name}) ${fmt(m.gz)} B gzip -9 (${fmt(m.raw)} B raw) ≤ budget ${fmt(m.gzipBytes)} B; ${targetNote}`);
}
if (over.length) {
  fail(
    `${over.join(';\n  ')}.\n  Shrink it (see \`make bench\` for what the wasm is made of), or, if the growth is deliberate, ` +
      'raise its "gzipBytes" in benches/size-budget.json and say why in the commit.',
  );
}
