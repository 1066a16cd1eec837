#!/usr/bin/env node
// keymint --provider <codika|scripto|sessions|coditect|better-auth|./spec.json> [--base-url URL] <command> [options]
// The generic CLI: each provider's command line (docs/cli.md), with its profiles in
// ~/.config/keymint/config.json and KEYMINT_API_KEY / KEYMINT_BASE_URL from the environment.
import { createCli } from '../src/node/index.mjs';

process.exitCode = await createCli({ program: 'keymint' }).run(process.argv.slice(2));
