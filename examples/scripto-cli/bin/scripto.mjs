#!/usr/bin/env node
// scripto auth login-request / login-complete, whoami, config set --api-key, profile …
// Profiles in ~/.config/scripto/config.json; SCRIPTO_API_KEY and SCRIPTO_BASE_URL from the environment.
// (In a published wrapper: `import { createCli } from 'keymint/node';`.)
import { createCli } from '../../../js/src/node/index.mjs';

const cli = createCli({ program: 'scripto', provider: 'scripto', version: '0.1.0' });
process.exitCode = await cli.run(process.argv.slice(2));
