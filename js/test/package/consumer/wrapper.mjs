#!/usr/bin/env node
// A product's own CLI over createCli(), as a wrapper package ships it; the test bundles it
// to one file with esbuild --platform=node and runs the bundle alone in another directory.
import { createCli } from 'keymint/node';

const cli = createCli({ program: 'acme', provider: 'scripto', version: '1.2.3' });
process.exitCode = await cli.run(process.argv.slice(2));
