#!/usr/bin/env node
// `make demo`: starts the embedded emulator on a free port, runs the agent
// against it as a separate process, and stops the emulator.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../js/src/emulator/index.mjs';

const emu = await startEmulator({ port: 0 });
console.error(`emulator listening on ${emu.url}`);
let code = 1;
try {
  const agent = spawn(process.execPath, [fileURLToPath(new URL('./agent.mjs', import.meta.url))], {
    stdio: 'inherit',
    env: { ...process.env, KEYMINT_BASE_URL: emu.url, KEYMINT_EMAIL: 'agent@example.com' },
  });
  code = await new Promise((resolve) => agent.on('exit', (c) => resolve(c ?? 1)));
} finally {
  await emu.close();
}
process.exit(code);
