// `keymint spec check ./my-backend.json`: reads, parses and validates a provider spec the way a
// run would use it (the core's checks, docs/custom-provider.md#validation), without sending
// anything. A bad field fails with INVALID_PROVIDER naming it (exit 2); a good spec prints
// what it describes.

import { loadSpecFile, kindOf, purposesOf, codeFormatOf, credentialLabel } from './providers.mjs';
import { JSON_FLAG, HELP_FLAG } from './surface.mjs';

/** @type {import('./surface.mjs').Command} */
export const specCheckCommand = {
  path: 'spec check',
  summary: 'Validate a provider spec file (nothing is sent)',
  usage: '<file.json>',
  description: 'Reads and validates a provider spec (docs/custom-provider.md). A bad field is named with what\nis wrong with it (exit 2); a valid spec prints its flows, code format and credential.',
  flags: [JSON_FLAG, HELP_FLAG],
  positionals: ['file'],
  async run(ctx, args) {
    const file = args[0] ?? ctx.required('file', './my-backend.json');
    const spec = await loadSpecFile(String(file), { program: ctx.program });
    const version = spec.version ?? 1;
    const kind = kindOf(spec);
    const purposes = spec.flows ? purposesOf(spec) : [];
    const format = codeFormatOf(spec);
    const credential = kind === 'key' ? credentialLabel(spec) : kind === 'session' ? 'Access + refresh tokens' : 'Password sign-in tokens';
    const lines = [
      `✓ ${file}: a valid provider spec (version ${version})`,
      '',
      `  Name        ${spec.name}`,
      `  Base URL    ${spec.baseUrl}`,
      ...(purposes.length ? [`  Flows       ${purposes.join(', ')}`, `  Code        ${format.words}${format.placeholder.includes(' ') ? ` (${format.placeholder.slice(6, -1)})` : ''}`] : []),
      `  Credential  ${credential}`,
      `  whoami      ${spec.whoami?.path ? `${spec.whoami.method ?? 'GET'} ${spec.whoami.path}` : 'none'}`,
      ...(spec.refresh ? [`  refresh     ${spec.refresh.method ?? 'POST'} ${spec.refresh.path}`] : []),
    ];
    ctx.out.result({ file, valid: true, name: spec.name, version, flows: purposes, codeLength: format.length, credential }, lines);
    return 0;
  },
};
