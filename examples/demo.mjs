#!/usr/bin/env node
// `make demo`: starts the embedded emulator on a free port and runs the agent
// against it as separate processes — a Scripto key, then the Codika recipe for
// a new account and for an existing one with several organizations — with
// profiles written to a temporary config directory, then stops everything.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../js/src/emulator/index.mjs';

const emu = await startEmulator({ port: 0 });
const config = await mkdtemp(join(tmpdir(), 'keymint-demo-'));
console.error(`emulator listening on ${emu.url}; profiles go to ${config}`);

function agent(provider, email) {
  console.error(`\n── agent: ${provider}, ${email}`);
  const child = spawn(process.execPath, [fileURLToPath(new URL('./agent.mjs', import.meta.url))], {
    stdio: 'inherit',
    env: { ...process.env, XDG_CONFIG_HOME: config, KEYMINT_PROVIDER: provider, KEYMINT_BASE_URL: emu.url, KEYMINT_EMAIL: email },
  });
  return new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
}

let code = 1;
try {
  // An existing Codika user with two organizations, as a returning agent would find.
  await fetch(`${emu.url}/__keymint/codika/seed-user`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ops@example.com', organizations: [{ name: 'Acme' }, { name: 'Globex' }] }),
  });
  code = (await agent('scripto', 'agent@example.com'))
    || (await agent('codika', 'new-agent@example.com'))
    || (await agent('codika', 'ops@example.com'));
} finally {
  await emu.close();
  await rm(config, { recursive: true, force: true });
}
process.exit(code);
