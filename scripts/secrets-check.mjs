#!/usr/bin/env node
// Fails when any raw key or token the emulator minted during the test run
// (listed in the KEYMINT_SECRETS_LOG file) appears in the captured output of
// the whole suite or in any file the tests wrote to test-output/.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [secretsFile, ...outputs] = process.argv.slice(2);
const secrets = [...new Set(readFileSync(secretsFile, 'utf8').split('\n').filter(Boolean))];
const files = [...outputs];
const walk = (dir) => {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else files.push(p);
  }
};
walk('test-output');
let leaks = 0;
for (const file of files) {
  const text = readFileSync(file, 'latin1');
  for (const s of secrets) {
    if (text.includes(s)) {
      leaks++;
      console.error(`secrets-check: a raw secret minted by the emulator (${s.slice(0, 4)}…) appears in ${file}`);
    }
  }
}
const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
if (leaks) process.exit(1);
console.error(`secrets-check: ${secrets.length} minted keys/tokens, none found in ${files.length} output files (${bytes} bytes)`);
if (secrets.length === 0) {
  console.error('secrets-check: no secrets were minted — the check proved nothing');
  process.exit(1);
}
