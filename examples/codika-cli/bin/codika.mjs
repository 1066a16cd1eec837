#!/usr/bin/env node
// codika auth signup-request / signup-complete / login-request / login-complete, whoami, profile …
// Profiles in ~/.config/codika/config.json; CODIKA_API_KEY and CODIKA_BASE_URL from the environment.
// (In a published wrapper: `import { createCli } from 'keymint/node';`.)
import { createCli } from '../../../js/src/node/index.mjs';

const cli = createCli({ program: 'codika', provider: 'codika', version: '0.1.0' });
process.exitCode = await cli.run(process.argv.slice(2));
