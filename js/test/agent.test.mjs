// `make demo` as a test: the agent recipe end to end in child processes — a
// Scripto key, a Codika sign-up, and a returning Codika user switched to login
// with an organization chosen — each stored as a profile, no raw key printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('the demo agent provisions three keys through the seed recipe', async () => {
  const demo = fileURLToPath(new URL('../../examples/demo.mjs', import.meta.url));
  const child = spawn(process.execPath, [demo], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, out);
  assert.match(out, /✓ Provisioned scripto key scripto_••••••••\S{4} \(signed in\)/);
  assert.match(out, /✓ Provisioned codika key cko_••••••••\S{4} \(new account\)/);
  assert.match(out, /switched from signup to login/);
  assert.match(out, /2 organizations: choosing the first, Acme/);
  assert.match(out, /✓ Provisioned codika key cko_••••••••\S{4} \(existing account\)/);
  assert.match(out, /Profile "acme" stored in .*codika\/config\.json/);
  assert.doesNotMatch(out, /(scripto_|cko_)[A-Za-z0-9]{20,}/, 'no raw key printed');
});
