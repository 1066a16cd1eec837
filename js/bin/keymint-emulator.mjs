#!/usr/bin/env node
// keymint-emulator [--port N] [--host 127.0.0.1] [--allow-origin ORIGIN]... [--trust-forwarded-for]
// Serves every emulated backend at one URL, printed on stdout, until SIGINT/SIGTERM.
// A --host that is not a loopback address gets a loud warning on stderr (from startEmulator).

import { parseArgs } from 'node:util';
import { startEmulator } from '../src/emulator/index.mjs';

const USAGE = `usage: keymint-emulator [--port N] [--host 127.0.0.1] [--allow-origin ORIGIN]... [--trust-forwarded-for]

  --port N                 port to listen on (default 8787; 0 picks a free one)
  --host H                 address to bind (default 127.0.0.1; anything but loopback exposes
                           the outbox and request log to the network, with a warning)
  --allow-origin ORIGIN    also grant CORS to this browser origin (loopback pages always are)
  --trust-forwarded-for    take the client IP from X-Forwarded-For (to test per-IP limits)
`;

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      'allow-origin': { type: 'string', multiple: true, default: [] },
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

let emu;
try {
  emu = await startEmulator({ port, host: args.host, trustForwardedFor: args['trust-forwarded-for'], allowOrigins: args['allow-origin'] });
} catch (err) {
  process.stderr.write(`keymint-emulator: ${err.message}\n`);
  process.exit(err instanceof TypeError ? 2 : 1);
}
process.stdout.write(`${emu.url}\n`);
process.stderr.write(`keymint emulator listening; dev routes under ${emu.url}/__keymint/ (Ctrl-C to stop)\n`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await emu.close();
    process.exit(0);
  });
}
