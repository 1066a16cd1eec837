#!/usr/bin/env node
// keymint --provider codika|scripto [--base-url URL] <command> [options]
// The generic CLI: the Codika or Scripto command line, with its profiles in
// ~/.config/keymint/config.json and KEYMINT_API_KEY / KEYMINT_BASE_URL from the environment.
import { createCli } from '../src/node/index.mjs';

process.exitCode = await createCli({ program: 'keymint' }).run(process.argv.slice(2));
