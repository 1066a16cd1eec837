#!/usr/bin/env node
// keymint-emulator [--port N] [--host 127.0.0.1] [--trust-forwarded-for]
// Serves every emulated backend at one URL, printed on stdout, until SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { startEmulator } from '../src/emulator/index.mjs';

const USAGE = `usage: keymint-emulator [--port N] [--host 127.0.0.1] [--trust-forwarded-for]

  --port N                 port to listen on (default 8787; 0 picks a free one)
  --host H                 address to bind (default 127.0.0.1; anything else only when asked)
  --trust-forwarded-for    take the client IP from X-Forwarded-For (to test per-IP limits)
`;

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      'trust-forwarded-for': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  process.stderr.write(`${err.message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be an integer 0–65535\n${USAGE}`);
  process.exit(2);
}

const emu = await startEmulator({ port, host: args.host, trustForwardedFor: args['trust-forwarded-for'] });
process.stdout.write(`${emu.url}\n`);
process.stderr.write(`keymint emulator listening; dev routes under ${emu.url}/__keymint/ (Ctrl-C to stop)\n`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await emu.close();
    process.exit(0);
  });
}
