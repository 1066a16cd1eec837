// Compiled by `tsc --noEmit` only: the public types accept the documented usage.
import * as keymint from '../types/index.js';
import type { KeymintErrorCode } from '../types/index.js';

async function usage(): Promise<void> {
  const flow = keymint.start({ provider: 'scripto', baseUrl: 'https://scripto.codika.io', email: 'you@example.com' });
  const sent = await flow.requestCode();
  const when: string = sent.expiresAt;
  const cred = await flow.submitCode('123 456', { keyName: 'agent' });
  const masked: string = cred.apiKey.masked;
  const saved = JSON.stringify(flow);
  keymint.resume(saved);
  try {
    await flow.chooseOrganization('org_1');
  } catch (e) {
    if (keymint.isKeymintError(e)) {
      const code: KeymintErrorCode = e.code;
      const kind: string = e.nextAction.kind;
      void [code, kind];
    }
  }
  void [when, masked];
}
void usage;
