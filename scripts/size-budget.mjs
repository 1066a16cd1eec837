#!/usr/bin/env node
// Size regression guard (run by `make test` after `make build`): fails when the default
// entry js/dist/keymint.mjs, gzipped at level 9, is larger than the byte budget in
// benches/size-budget.json. The budget is the current size plus a little headroom while
// the target (20 KB gz) is not met yet; lower it whenever the entry shrinks.
// Deterministic: zlib level 9 on the same bytes gives the same length every time.
// `node scripts/size-budget.mjs --rebaseline` resets the budget to the current size + 3 %.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entryPath = join(root, 'js/dist/keymint.mjs');
const budgetPath = join(root, 'benches/size-budget.json');
const fmt = (n) => n.toLocaleString('en-US');
const fail = (msg) => {
  process.stderr.write(`size-budget: FAIL — ${msg}\n`);
  process.exit(1);
};

if (!existsSync(entryPath)) fail('js/dist/keymint.mjs does not exist; run `make build` first');
let budget;
try {
  budget = JSON.parse(readFileSync(budgetPath, 'utf8'));
} catch (e) {
  fail(`cannot read benches/size-budget.json: ${e.message}`);
}
const limit = budget.defaultEntryGzipBytes;
const target = budget.target;
if (!Number.isInteger(limit) || limit <= 0 || !Number.isInteger(target) || target <= 0) {
  fail('benches/size-budget.json needs positive integers "defaultEntryGzipBytes" and "target"');
}

const raw = readFileSync(entryPath);
const gz = gzipSync(raw, { level: 9 }).length;

// `--rebaseline`: set the budget to the current size + 3 % (rounded up to 100 B). For a
// deliberate change only; the diff to benches/size-budget.json shows up in review.
if (process.argv.includes('--rebaseline')) {
  const next = Math.ceil((gz * 1.03) / 100) * 100;
  writeFileSync(budgetPath, `${JSON.stringify({ ...budget, defaultEntryGzipBytes: next }, null, 2)}\n`);
  console.log(`size-budget: budget ${fmt(limit)} B -> ${fmt(next)} B (js/dist/keymint.mjs is ${fmt(gz)} B gzip -9 + 3 %)`);
  process.exit(0);
}
const targetNote = gz <= target ? `target ${fmt(target)} B met` : `target ${fmt(target)} B not met yet (${(gz / target).toFixed(2)}×)`;
if (gz > limit) {
  fail(
    `js/dist/keymint.mjs is ${fmt(gz)} B gzip -9, over the budget of ${fmt(limit)} B by ${fmt(gz - limit)} B ` +
      `(${targetNote}).\n  Shrink it (see \`make bench\` for what the wasm is made of), or, if the growth is deliberate, ` +
      'raise "defaultEntryGzipBytes" in benches/size-budget.json and say why in the commit.',
  );
}
console.log(`size-budget: ok — js/dist/keymint.mjs ${fmt(gz)} B gzip -9 (${fmt(raw.length)} B raw) ≤ budget ${fmt(limit)} B; ${targetNote}`);
